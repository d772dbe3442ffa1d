"""Hostile uploads through the running app's real upload and API path (``python app.py`` in a subprocess).

Every bad file must end in a plain message (no HTTP 5xx, no traceback, no server path), leave the same server
process running, and not stop the next good picture from being described. Files are never served back as
``text/html``; an SVG's external references are never fetched; an oversized upload gets HTTP 413; hostile file
names stay inside the upload folder.
"""
from __future__ import annotations

import io
import os
import random
import re
import signal
import struct
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("gradio_client")
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from vlmtok.bench.app import running_app
from vlmtok.bench.loadtest import RawGradio, describe_data

LEAKS = re.compile(r"Traceback|File \"|/tmp/|/work/|/home/|/root/|\.py\b|Error\b|Exception|PIL\.|Unidentified")
GOOD_RGB = (0, 128, 128)                                   # teal: the offline narrator names it


# ----------------------------------------------------------------------------------------------------------------
# A listener on 127.0.0.1 that counts every request (an SVG's external reference must never reach it)


class _Counter(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(_png((8, 8), (255, 0, 0)))

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def listener():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Counter.hits
    server.shutdown()


# ----------------------------------------------------------------------------------------------------------------
# Bad files


def _png(size, rgb, mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, rgb).save(buf, "PNG")
    return buf.getvalue()


def _jpeg_noise(size=(256, 256), mode="RGB") -> bytes:
    rnd = random.Random(0)
    img = Image.frombytes(mode, size, bytes(rnd.getrandbits(8) for _ in range(size[0] * size[1] * len(mode))))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_bomb() -> bytes:
    """A valid PNG header claiming 100000 x 100000 pixels (10 gigapixels), with a tiny compressed body."""
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\0" * 300_001 * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def _svg(listener_url: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY ext SYSTEM "{listener_url}/entity">]>'
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" '
            f'height="64"><image href="{listener_url}/href.png" width="64" height="64"/>'
            f'<image xlink:href="{listener_url}/xlink.png"/><style>@import url("{listener_url}/css");</style>'
            f'<text>&ext;</text></svg>').encode()


HTML = b"<!DOCTYPE html><html><body><script>document.title='pwned'</script><h1>hi</h1></body></html>"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def bad_files(listener_url: str) -> dict[str, tuple[str, bytes]]:
    """kind -> (file name, bytes) for every file that must be refused with a plain message."""
    return {
        "empty": ("empty.png", b""),
        "random": ("random.jpg", random.Random(1).randbytes(8192)),
        "png_bomb": ("bomb.png", _png_bomb()),
        "svg_external": ("drawing.svg", _svg(listener_url)),
        "svg_as_png": ("drawing.png", _svg(listener_url)),
        "html_as_png": ("artwork.png", HTML),
        "pdf": ("catalogue.pdf", PDF),
        "strip_20000x200": ("strip.png", _png((20000, 200), 128, "L")),
    }


def odd_but_valid() -> dict[str, tuple[str, bytes]]:
    """Files that are unusual but real pictures: described, or refused plainly (truncated), never a crash."""
    cmyk = io.BytesIO()
    Image.new("CMYK", (96, 64), (255, 0, 255, 0)).save(cmyk, "JPEG")
    sixteen = io.BytesIO()
    Image.new("I;16", (96, 64), 40000).save(sixteen, "PNG")
    jpeg = _jpeg_noise()
    return {"cmyk": ("cmyk.jpg", cmyk.getvalue()), "16bit": ("deep.png", sixteen.getvalue()),
            "truncated_jpeg": ("cut.jpg", jpeg[: len(jpeg) * 2 // 5])}


# ----------------------------------------------------------------------------------------------------------------
# The app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    env = {"VLMTOK_CACHE": str(root / "cache"), "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1",
           "GRADIO_TEMP_DIR": str(root / "uploads"),
           "VLMTOK_MAX_FILE_SIZE": "lots"}          # not a size: a warning, and the default 20 MB (the 413 tests)
    with running_app(env, root / "app.log") as (url, _startup_s, proc):
        yield {"url": url, "proc": proc, "pid": proc.pid, "uploads": root / "uploads", "log": root / "app.log"}


@pytest.fixture(scope="module")
def client(app):
    return Client(app["url"], verbose=False)


@pytest.fixture(scope="module")
def raw(app):
    with RawGradio(app["url"], timeout_s=60) as r:
        yield r


def _assert_plain(*texts: str) -> None:
    for text in texts:
        assert text and not LEAKS.search(text), text


def _assert_alive(app) -> None:
    assert app["proc"].poll() is None and app["proc"].pid == app["pid"], "the server died"


def _good_tour(client, tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    good.write_bytes(_png((96, 64), GOOD_RGB))
    result = client.predict(handle_file(str(good)), "en", "short", api_name="/describe")
    text, audio = result["text"], result["speech"]["audio"]
    assert "teal" in text and audio and Path(audio).stat().st_size > 1000, text


# ----------------------------------------------------------------------------------------------------------------
# Tests


@pytest.mark.parametrize("kind", ["empty", "random", "png_bomb", "svg_external", "svg_as_png", "html_as_png", "pdf",
                                  "strip_20000x200"])
def test_bad_file_gets_plain_message_and_server_lives(kind, app, client, listener, tmp_path):
    name, data = bad_files(listener[0])[kind]
    path = tmp_path / name
    path.write_bytes(data)
    for lang in ("en", "vi"):
        with pytest.raises(AppError) as refused:      # the caller's mistake: an error with a plain message
            client.predict(handle_file(str(path)), lang, "short", api_name="/describe")
        _assert_plain(str(refused.value))
    _assert_alive(app)
    _good_tour(client, tmp_path)                 # a good picture right after is described normally


@pytest.mark.parametrize("kind", ["cmyk", "16bit", "truncated_jpeg"])
def test_odd_but_valid_files(kind, app, client, tmp_path):
    name, data = odd_but_valid()[kind]
    path = tmp_path / name
    path.write_bytes(data)
    try:
        result = client.predict(handle_file(str(path)), "en", "short", api_name="/describe")
    except AppError as refused:                  # a truncated JPEG may be refused, in plain words
        assert kind == "truncated_jpeg", (kind, refused)
        _assert_plain(str(refused))
    else:
        _assert_plain(result["text"], result["narration"]["label"])
        if kind != "truncated_jpeg":             # real pictures: described, with audio
            assert result["text"].startswith("Offline description") and result["speech"]["audio"], result
    _assert_alive(app)
    _good_tour(client, tmp_path)


def test_raw_http_never_5xx(app, raw, listener):
    """The browser's path: upload, join, event stream. Every step answers below 500 and the event succeeds."""
    for kind, (name, data) in {**bad_files(listener[0]), **odd_but_valid()}.items():
        up = raw.upload(data, name)
        assert up.status_code < 500, (kind, up.status_code)
        if up.status_code != 200:
            continue
        fd = {"path": up.json()[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}
        out = raw.call("describe", describe_data(fd), timeout_s=60)
        assert out["http"] == 200, (kind, out)                        # a plain message, not a server error
        if out["success"]:
            _assert_plain(out["output"]["data"][0]["text"])
        else:
            _assert_plain(out["output"]["error"])
    _assert_alive(app)


@pytest.mark.parametrize("name,data", [("page.png", HTML), ("page.html", HTML), ("page.htm", HTML),
                                       ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'>"
                                                       b"<script>alert(1)</script></svg>"),
                                       ("page.xhtml", HTML)])
def test_markup_never_served_as_html(name, data, raw):
    up = raw.upload(data, name)
    assert up.status_code == 200
    resp = raw.http.get(raw.file_url(up.json()[0]))
    kind = resp.headers.get("content-type", "").lower()
    assert resp.status_code < 500
    assert "text/html" not in kind and "xhtml" not in kind and "svg" not in kind, (name, kind)


def test_svg_external_references_are_never_fetched(listener, client, raw, tmp_path):
    url, hits = listener
    svg = tmp_path / "drawing.svg"
    svg.write_bytes(_svg(url))
    with pytest.raises(AppError):                 # refused in plain words, never fetched
        client.predict(handle_file(str(svg)), "en", "short", api_name="/describe")
    up = raw.upload(_svg(url), "drawing.svg")
    raw.http.get(raw.file_url(up.json()[0]))     # even fetching the stored file must not make the server fetch
    raw.call("describe", describe_data({"path": up.json()[0], "orig_name": "d.svg",
                                        "meta": {"_type": "gradio.FileData"}}))
    assert hits == [], hits


def test_upload_over_max_file_size_gets_413(raw, app):
    limit = int(raw.config.get("max_file_size") or 0)
    assert 0 < limit <= 50 * 1024 * 1024, "the app must set max_file_size"
    resp = raw.upload(os.urandom(1024) * (limit // 1024 + 64), "huge.png")
    assert resp.status_code == 413, resp.status_code
    _plain_detail = resp.text
    assert not LEAKS.search(_plain_detail), _plain_detail
    _assert_alive(app)


@pytest.mark.parametrize("name", ["../../x.png", "..\\..\\x.png", "/etc/x.png", "<script>alert(1)</script>.png",
                                  "<img src=x onerror=alert(1)>.png", "a" * 300 + ".png", "名前 ảnh.png"])
def test_hostile_file_names_are_harmless(name, app, raw):
    up = raw.upload(_png((96, 64), GOOD_RGB), name)
    assert up.status_code < 500
    if up.status_code != 200:
        return
    stored = Path(up.json()[0]).resolve()
    uploads = app["uploads"].resolve()
    assert uploads in stored.parents, stored                       # stayed inside the upload folder
    assert "<" not in stored.name and ">" not in stored.name and len(stored.name.encode()) <= 255
    assert not (uploads.parent / "x.png").exists() and not Path("/etc/x.png").exists()
    out = raw.call("describe", describe_data({"path": str(stored), "orig_name": name,
                                              "meta": {"_type": "gradio.FileData"}}))
    assert out["success"], out
    result = out["output"]["data"][0]
    text = result["text"]
    assert "teal" in text
    for part in (text, result["narration"]["label"]):
        assert "<script" not in part and "onerror" not in part
    _assert_alive(app)


@pytest.mark.parametrize("name, data, served", [
    ("page.jpg", HTML, None), ("drawing.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script>"
                                             b"</svg>", None),
    ("photo.jpg", _jpeg_noise((32, 32)), "image/jpeg"), ("photo.bin", _png((32, 32), GOOD_RGB), "image/png"),
])
def test_uploads_are_served_only_as_what_their_bytes_are(name, data, served, raw):
    up = raw.upload(data, name)
    for headers in ({}, {"Range": "bytes=0-15"}):                 # the audio player asks for ranges
        resp = raw.http.get(raw.file_url(up.json()[0]), headers=headers)
        assert resp.status_code in (200, 206) and resp.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in resp.headers["content-security-policy"]
        if served is None:                                        # never as the image its name claims
            assert resp.headers["content-type"] == "application/octet-stream", resp.headers
            assert resp.headers["content-disposition"].startswith("attachment")
        else:
            assert resp.headers["content-type"] == served and resp.headers["content-disposition"] == "inline"


@pytest.mark.parametrize("path", ["/", "/config", "/gradio_api/info", "/favicon.ico", "/no-such-page",
                                  "/gradio_api/file=/etc/passwd", "/theme.css", "/gradio_api/queue/status"])
def test_every_response_says_nosniff(path, raw):
    resp = raw.http.get(raw.url + path)
    assert resp.headers.get("x-content-type-options") == "nosniff", (path, resp.status_code)
    assert "content-security-policy" in resp.headers


def test_file_route_probes_neither_freeze_nor_map_the_server(app, client, raw, tmp_path):
    """After an upload the server holds pipes to its decoder workers: a scan of ``/proc/self/fd/N``, a FIFO outside
    and one inside the upload folder must each get the same bare 404 at once, and the page must still answer."""
    _good_tour(client, tmp_path)                                  # decoder workers up: pipes among the server's fds
    os.mkfifo(tmp_path / "outside.png")
    inside = app["uploads"] / "inside-fifo.png"                   # where Gradio does serve files
    os.mkfifo(inside)
    (tmp_path / "there.jpg").write_bytes(_jpeg_noise((16, 16)))
    targets = [f"/proc/self/fd/{n}" for n in range(64)] + [str(tmp_path / p) for p in ("outside.png", "there.jpg",
                                                                                        "nothing.jpg")]
    answers = set()
    for target in [*targets, str(inside)]:
        resp = raw.http.get(f"{raw.api}/file={target}", timeout=10)   # a freeze fails here, by timeout
        answers.add((resp.status_code, resp.headers["content-type"], resp.content))
    assert answers == {(404, "application/octet-stream", b'{"detail":"Not Found"}')}, answers
    assert raw.http.get(raw.url + "/", timeout=10).status_code == 200
    _assert_alive(app)
    _good_tour(client, tmp_path)                                  # and the model queue still works


def test_inline_data_urls_go_through_the_decoder(raw):
    """A picture sent as a ``data:`` URL is decoded by the workers too: a HEIC one (which the server process has no
    plugin for) is described, an HTML page is refused plainly."""
    import base64

    import pillow_heif

    heic = io.BytesIO()
    pillow_heif.encode("RGB", (96, 64), Image.new("RGB", (96, 64), GOOD_RGB).tobytes(), heic, quality=90)
    for mime, data, expect in (("image/heic", heic.getvalue(), "teal"), ("image/png", HTML, "a web page")):
        url = f"data:{mime};base64," + base64.b64encode(data).decode()
        out = raw.call("describe", describe_data({"url": url, "path": None, "meta": {"_type": "gradio.FileData"}}))
        if expect == "teal":
            assert out["success"], out
            text = out["output"]["data"][0]["text"]
        else:
            assert not out["success"], out                     # refused: the caller's error, in plain words
            text = out["output"]["error"]
        _assert_plain(text)
        assert expect in text, text


def test_inline_pictures_share_the_upload_limit_folder_and_clean_up(app, raw):
    """A ``data:`` picture over the upload limit is refused with 413 before it is read or decoded, in the caller's
    language; one under it is written once (by content) into the upload folder, where the clean-up looks."""
    import base64

    limit = int(raw.config["max_file_size"])
    def inline(extra: int) -> list:
        data = b"\x89PNG\r\n\x1a\n" + b"\0" * (limit + extra)
        url = "data:image/png;base64," + base64.b64encode(data).decode()
        return describe_data({"url": url, "path": None, "meta": {"_type": "gradio.FileData"}}, "vi")

    body = {"data": inline(1024 * 1024), "fn_index": raw.fn_index("describe"), "session_hash": "inline-big"}
    resp = raw.http.post(f"{raw.api}/queue/join", json=body, headers={"Accept-Language": "vi-VN"})
    assert resp.status_code == 413, resp.status_code
    assert resp.json()["detail"].startswith("Tệp này quá lớn (hơn 20 MB)"), resp.text
    out = raw.call("describe", inline(1024))              # just over: read (the JSON's slack), refused undecoded
    assert not out["success"] and "more than 20 MB" in out["output"]["error"], out
    before = set(app["uploads"].rglob("inline-*"))
    small = io.BytesIO()
    Image.new("RGB", (96, 64), GOOD_RGB).save(small, "PNG")
    url = "data:image/png;base64," + base64.b64encode(small.getvalue()).decode()
    for _ in range(2):
        out = raw.call("describe", describe_data({"url": url, "path": None, "meta": {"_type": "gradio.FileData"}}))
        assert out["success"], out
    written = set(app["uploads"].rglob("inline-*")) - before
    assert len(written) == 1 and next(iter(written)).read_bytes() == small.getvalue(), written
    _assert_alive(app)


def test_an_upload_the_server_cannot_store_is_a_plain_sentence(app, raw):
    """The upload folder gone bad while the app runs (a file where it was: Gradio cannot write there): HTTP 507 and a
    plain sentence in the visitor's language (the page says and speaks it), never a bare 500."""
    uploads, aside = app["uploads"], app["uploads"].with_name("uploads-aside")
    uploads.rename(aside)
    try:
        uploads.write_text("in the way")
        resp = raw.http.post(f"{raw.api}/upload", files={"files": ("p.png", _png((8, 8), GOOD_RGB), "image/png")},
                             headers={"Accept-Language": "vi"})
        assert resp.status_code == 507, (resp.status_code, resp.text)
        assert resp.json()["detail"].startswith("Không nhận được ảnh"), resp.text
        _assert_plain(resp.json()["detail"])
    finally:
        uploads.unlink()
        aside.rename(uploads)
    assert raw.upload(_png((8, 8), GOOD_RGB), "p.png").status_code == 200
    _assert_alive(app)


def test_decoder_killed_mid_decode_and_the_picture_is_still_described(app, client, tmp_path):
    from decoding import decoder_pids, heavy_png

    _good_tour(client, tmp_path)                                  # the decoder workers are up
    heavy = tmp_path / "heavy.png"
    heavy.write_bytes(heavy_png())
    job = client.submit(handle_file(str(heavy)), "en", "short", api_name="/describe")
    busy = _decoding_now(app["pid"])
    assert busy, "no decoder worker started decoding"
    os.kill(busy, signal.SIGKILL)                                 # the worker's bad luck, not the picture's:
    result = job.result(timeout=90)                               # tried once more on a fresh worker
    assert result["text"].startswith("Offline description"), result
    _assert_alive(app)
    _good_tour(client, tmp_path)                                  # a fresh worker decodes the next picture
    assert busy not in decoder_pids(app["pid"])


def _decoding_now(parent: int, timeout_s: float = 30.0) -> int | None:
    """The decoder worker that has used a fifth of a second of CPU since it was first seen here (it is decoding)."""
    from decoding import cpu_ticks, decoder_pids

    seen: dict[int, int] = {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for pid in decoder_pids(parent):
            if cpu_ticks(pid) - seen.setdefault(pid, cpu_ticks(pid)) >= 20:
                return pid
        time.sleep(0.02)
    return None


def test_every_bad_file_was_an_expected_refusal(app):
    """Runs last: no upload above reached an unexpected error path (those log a traceback), and the server lives."""
    _assert_alive(app)
    log = app["log"].read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
