"""The server's headers, served file types and busy answers (``vlmtok.app.http``), on a stand-in ASGI app."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from pathlib import Path

import pytest

from vlmtok.app import http

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 24
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"


async def _call(app, method: str = "GET", path: str = "/", headers: tuple = ()) -> tuple[int, dict, bytes, float]:
    sent: list[dict] = []
    t0 = time.perf_counter()

    async def receive():
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message):
        sent.append({**message, "at": time.perf_counter() - t0})

    await app({"type": "http", "method": method, "path": path, "headers": list(headers)}, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body, start["at"]


def _plain_app(content_type: bytes = b"text/html; charset=utf-8", status: int = 200):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", content_type), (b"content-disposition", b"inline")]})
        await send({"type": "http.response.body", "body": b"hello"})
    return app


def test_every_response_gets_nosniff_and_the_page_policy():
    for status in (200, 404, 500):
        code, headers, _body, _at = asyncio.run(_call(http.Hardened(_plain_app(status=status))))
        assert code == status and headers["x-content-type-options"] == "nosniff"
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy and "object-src 'none'" in policy and "base-uri 'self'" in policy


def _inside(folder: Path):
    return lambda path: Path(path).resolve().is_relative_to(folder.resolve())


def test_files_are_served_as_what_their_bytes_are(tmp_path):
    app = http.Hardened(_plain_app(b"image/jpeg"), may_serve=_inside(tmp_path))   # Gradio guessed from ".jpg"
    cases = {"page.jpg": (HTML, "application/octet-stream", "attachment"),
             "picture.jpg": (PNG, "image/png", "inline"),
             "speech.wav": (b"RIFF\0\0\0\0WAVEfmt " + b"\0" * 16, "audio/wav", "inline")}
    for name, (data, kind, disposition) in cases.items():
        (tmp_path / name).write_bytes(data)
        for route in (f"/gradio_api/file={tmp_path / name}", f"/file={tmp_path / name}"):
            _code, headers, _body, _at = asyncio.run(_call(app, path=route))
            assert headers["content-type"] == kind and headers["content-disposition"] == disposition, (name, headers)
            assert headers["content-security-policy"] == http.FILE_POLICY
    code, headers, _body, _at = asyncio.run(_call(app, path=f"/gradio_api/file={tmp_path / 'gone.png'}"))
    assert code == 404 and headers["content-disposition"] == "attachment"
    _code, headers, _body, _at = asyncio.run(_call(app, path="/gradio_api/file=https://example.org/x.png"))
    assert headers["content-type"] == "application/octet-stream"


def test_refused_files_say_nothing_and_are_never_opened(tmp_path):
    """Outside the allowed folder a picture and nothing at all get the same bare 404, and the rule is asked before
    anything is opened; inside it, a FIFO and a folder are refused at once instead of waiting for a writer."""
    allowed, elsewhere = tmp_path / "allowed", tmp_path / "elsewhere"
    allowed.mkdir(), elsewhere.mkdir()
    (elsewhere / "secret.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 28)
    os.mkfifo(allowed / "pipe.png")
    asked: list[str] = []

    def rule(path: str) -> bool:
        asked.append(path)
        return _inside(allowed)(path)

    app = http.Hardened(_plain_app(b"image/jpeg"), may_serve=rule)
    answers = []
    for target in (elsewhere / "secret.jpg", elsewhere / "nothing.jpg", allowed / "pipe.png", allowed,
                   Path("/proc/self/fd/0"), allowed / "missing.png"):
        code, headers, body, at = asyncio.run(_call(app, path=f"/gradio_api/file={target}"))
        headers.pop("date", None)
        answers.append((code, headers, body))
        assert at < 2.0, target                                   # a FIFO never waits for a writer
    assert all(a == answers[0] for a in answers) and answers[0][0] == 404, answers
    assert answers[0][1]["content-type"] == "application/octet-stream" and answers[0][2] == b'{"detail":"Not Found"}'
    assert len(asked) == 6


def test_without_a_rule_nothing_is_opened_or_served_inline(tmp_path, monkeypatch):
    (tmp_path / "picture.png").write_bytes(PNG)
    monkeypatch.setattr(http.os, "open", lambda *a, **k: pytest.fail("a file was opened without a rule"))
    code, headers, _b, _at = asyncio.run(_call(http.Hardened(_plain_app(b"image/png")),
                                               path=f"/gradio_api/file={tmp_path / 'picture.png'}"))
    assert code == 200 and headers["content-type"] == "application/octet-stream"


def test_sniff_knows_only_what_is_served_inline():
    assert http.sniff(b"\xff\xd8\xff\xe0") == "image/jpeg" and http.sniff(b"GIF89a") == "image/gif"
    assert http.sniff(b"ID3\x04") == "audio/mpeg" and http.sniff(b"\xff\xf3\x84\x00") == "audio/mpeg"
    assert http.sniff(b"\0\0\0\x20ftypavif") == "image/avif"
    for other in (HTML, b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"%PDF-1.7", b"BM", b"II*\0", b""):
        assert http.sniff(other) is None


def test_a_burst_over_the_queue_hears_busy_at_once():
    """Ten joins at once, three places, a join that takes Gradio 0.3 s to read and queue: seven 503s at once."""
    queued: list[int] = []

    async def slow_gradio(scope, receive, send):
        await asyncio.sleep(0.3)                                   # read, parse, check, push
        full = len(queued) >= 3
        queued.extend([] if full else [1])
        await send({"type": "http.response.start", "status": 503 if full else 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})

    app = http.Hardened(slow_gradio, room=lambda: 3 - len(queued))

    async def burst():
        vi = ((b"accept-language", b"vi-VN,vi;q=0.9"),)
        return await asyncio.gather(*[_call(app, "POST", "/gradio_api/queue/join", vi if i % 2 else ())
                                      for i in range(10)])

    results = asyncio.run(burst())
    busy = [r for r in results if r[0] == 503]
    assert sum(r[0] == 200 for r in results) == 3 and len(busy) == 7
    assert max(r[3] for r in busy) < 0.1                           # before Gradio's 0.3 s, not after it
    details = {json.loads(r[2])["detail"] for r in busy}
    assert details == {"Too many visitors are waiting right now. Please try again in a moment.",
                       "Hiện có quá nhiều khách đang chờ. Xin hãy thử lại sau giây lát."}
    assert all(r[1]["retry-after"] == "5" and r[1]["x-content-type-options"] == "nosniff" for r in busy)
    assert app.joining == 0                                         # every admitted join was counted out again
    code, _h, _b, _at = asyncio.run(_call(app, "POST", "/gradio_api/queue/join"))
    assert code == 503                                              # still full: told at once


def test_a_broken_queue_check_refuses_nobody():
    def broken():
        raise RuntimeError("no queue yet")

    code, _h, _b, _at = asyncio.run(_call(http.Hardened(_plain_app(), room=broken), "POST", "/gradio_api/queue/join"))
    assert code == 200


def test_inline_pictures_are_written_unopened_once_and_listed_for_the_clean_up(tmp_path):
    url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    path = http.save_data_url(url, tmp_path)
    assert path and Path(path).read_bytes() == PNG and path.startswith(str(tmp_path))
    assert http.save_data_url(url, tmp_path) == path and len(list(tmp_path.iterdir())) == 1   # one file per picture
    assert path in http.WRITTEN                                   # Gradio's clean-up removes it with the uploads
    assert http.save_data_url("data:text/plain,hello", tmp_path) is None


def test_an_inline_picture_over_the_limit_is_refused_before_it_is_decoded(tmp_path, monkeypatch):
    from vlmtok.images import ImageInputError

    monkeypatch.setattr(http.base64, "b64decode", lambda *a, **k: pytest.fail("decoded before the size check"))
    big = "data:image/png;base64," + "A" * (4 * 1024 * 1024 // 3 + 8)            # one MB and a little
    with pytest.raises(ImageInputError) as refused:
        http.save_data_url(big, tmp_path, max_bytes=1024 * 1024)
    assert "more than 1 MB" in refused.value.user_message_for("en") and list(tmp_path.iterdir()) == []
    monkeypatch.setenv("VLMTOK_MAX_FILE_SIZE", "1mb")                           # the app's limit by default
    with pytest.raises(ImageInputError):
        http.save_data_url(big, tmp_path)


def _echo_app(seen: list[bytes]):
    async def app(scope, receive, send):
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        seen.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
    return app


async def _post(app, chunks: list[bytes], headers: tuple = (), path: str = "/gradio_api/queue/join"):
    sent: list[dict] = []
    pending = list(chunks)

    async def receive():
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "method": "POST", "path": path, "headers": list(headers)}, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"), pending


def test_request_bodies_are_bounded_before_gradio_reads_them():
    seen: list[bytes] = []
    limit = http.body_limit(3 * 1024 * 1024)
    app = http.Hardened(_echo_app(seen), max_body=limit)
    vi = (b"accept-language", b"vi"), (b"content-length", str(limit + 1).encode())
    status, body, pending = asyncio.run(_post(app, [b"x" * 10, b"y"], vi))
    assert status == 413 and pending == [b"x" * 10, b"y"] and seen == []       # told by its length: nothing read
    assert json.loads(body)["detail"] == "Tệp này quá lớn (hơn 3 MB). Vui lòng dùng một bản ảnh nhỏ hơn."
    chunks = [b"z" * (1024 * 1024)] * 5                                         # no length, more than the limit
    status, body, pending = asyncio.run(_post(app, chunks))
    assert status == 413 and seen == [] and "3 MB" in json.loads(body)["detail"]
    status, _body, _pending = asyncio.run(_post(app, [b'{"a":', b" 1}"]))
    assert status == 200 and seen == [b'{"a": 1}']                             # under it: handed on whole
    status, _body, _pending = asyncio.run(_post(app, chunks, path="/gradio_api/upload"))
    assert status == 200 and len(seen[-1]) == 5 * 1024 * 1024                  # uploads: Gradio's own limit


def test_storage_notice_only_when_the_cache_moved(tmp_path, monkeypatch):
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path / "ok"))
    assert http.storage_notice("en") == ""
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path / "file"))
    assert "until the app restarts" in http.storage_notice("en")
    assert "khởi động lại" in http.storage_notice("vi")
    from vlmtok import paths

    assert str(paths.cache_state().root / "speech") in http.served_folders()      # the audio is served from there


def test_a_failed_upload_is_a_plain_sentence_in_the_visitors_language():
    import errno

    async def full_disk(scope, receive, send):
        raise OSError(errno.ENOSPC, "No space left on device")

    async def gradio_500(scope, receive, send):
        await send({"type": "http.response.start", "status": 500, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"Internal Server Error"})

    vi = ((b"accept-language", b"vi-VN"),)
    for app in (full_disk, gradio_500):
        code, headers, body, _at = asyncio.run(_call(http.Hardened(app), "POST", "/gradio_api/upload", vi))
        assert code == 507 and headers["x-content-type-options"] == "nosniff"
        assert json.loads(body)["detail"] == "Không nhận được ảnh: máy chủ hiện không còn chỗ lưu. Xin hãy thử lại " \
                                             "sau giây lát.", body
    with pytest.raises(OSError):                                   # elsewhere an error stays Gradio's to answer
        asyncio.run(_call(http.Hardened(full_disk), "POST", "/gradio_api/queue/join"))


def test_an_upload_folder_that_cannot_be_written_falls_back_to_a_private_one(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "file" / "uploads"))   # a file in the way
    assert http.prepare_upload_folder()
    from vlmtok import paths, settings

    moved = Path(settings.gradio_temp_dir())
    assert moved.is_dir() and paths.private_root() in moved.parents
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "fine"))
    assert http.prepare_upload_folder() and settings.gradio_temp_dir() == str(tmp_path / "fine")
