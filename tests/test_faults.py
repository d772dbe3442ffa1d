"""Injected faults: the tour still shows its text, says what is missing, answers in bounded time, and the process
lives. In-process against ``vlmtok.app.callbacks`` (monkeypatch), and through a running app for the narrator that cannot load.
"""
from __future__ import annotations

import errno
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch
from PIL import Image

from vlmtok import guard
from vlmtok.app import callbacks as ui
from vlmtok.narrate.offline import OfflineNarrator

LEAKS = re.compile(r"Traceback|File \"|/tmp/|/work/|/home/|/root/|\.py\b|Error\b|Exception|OutOfMemory")
TEXT = "The Great Wave rises over three boats. Mount Fuji sits small in the distance."


@pytest.fixture
def picture(tmp_path) -> str:
    path = tmp_path / "teal.png"
    Image.new("RGB", (96, 64), (0, 128, 128)).save(path)
    return str(path)


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _plain(*texts: str) -> None:
    for text in texts:
        assert text and not LEAKS.search(text), text


# ----------------------------------------------------------------------------------------------------------------
# TTS: network down, 429, 500


class _Google(BaseHTTPRequestHandler):
    status = 500
    hits: list[int] = []

    def do_POST(self):
        _Google.hits.append(_Google.status)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(_Google.status)
        if _Google.status == 429:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def google(monkeypatch, fresh_cache):
    """gTTS pointed at a local stand-in (status set per test), online mode, cool-down cleared."""
    from vlmtok.speech import google as g

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Google)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.delenv("VLMTOK_OFFLINE", raising=False)
    monkeypatch.setenv(g.URL_ENV, f"http://127.0.0.1:{server.server_address[1]}/batchexecute")
    g.COOLDOWN.reset()
    _Google.hits = []
    yield server
    server.shutdown()
    g.COOLDOWN.reset()


def _gtts_importable() -> None:
    pytest.importorskip("gtts")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_tts_rate_limited_or_failing_falls_back_in_time(status, google):
    from vlmtok.speech.google import CONFIG

    _gtts_importable()
    _Google.status = status
    t0 = time.perf_counter()
    r = ui.speak_text(TEXT, "en")
    elapsed = time.perf_counter() - t0
    assert r.text == TEXT and r.ok                                   # the text is shown
    assert elapsed < CONFIG.text_limit_s + 5, elapsed                # within the TTS time limit, never a hang
    assert 1 <= len(_Google.hits) <= CONFIG.attempts * 2             # bounded retries, then left alone
    assert r.audio and Path(r.audio).read_bytes()[:4] == b"RIFF"     # the offline voice reads it
    assert "offline voice" in r.status
    hits = len(_Google.hits)
    ui.speak_text(TEXT + " Again.", "en")
    assert len(_Google.hits) == hits                                 # cool-down: Google not asked again at once


def test_tts_network_down(google, monkeypatch):
    from vlmtok.speech import google as g

    _gtts_importable()
    google.shutdown()
    google.server_close()                                            # nothing listens there any more
    t0 = time.perf_counter()
    r = ui.speak_text(TEXT, "vi")
    assert time.perf_counter() - t0 < g.CONFIG.text_limit_s
    assert r.text == TEXT and r.audio and "ngoại tuyến" in r.status


class _Drip(BaseHTTPRequestHandler):
    """Answers 200 at once, then a byte every 0.1 s for up to a minute: what a stalled museum proxy does."""

    gone: list[float] = []                       # when each drip noticed the reader had hung up

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        for _ in range(600):
            try:
                self.wfile.write(b")")
                self.wfile.flush()
            except OSError:
                _Drip.gone.append(time.monotonic())
                return
            time.sleep(0.1)

    def log_message(self, *args):
        pass


def test_a_dripping_voice_costs_its_limit_and_no_reader_is_left(fresh_cache, monkeypatch):
    """The drip is cut on the socket at the request's limit: the offline voice speaks, the cool-down trips (the next
    text does not ask Google at all) and the connection is closed, so no thread stays reading the drip."""
    import dataclasses

    from vlmtok.speech import google as g

    _gtts_importable()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.delenv("VLMTOK_OFFLINE", raising=False)
    monkeypatch.setenv(g.URL_ENV, f"http://127.0.0.1:{server.server_address[1]}/batchexecute")
    monkeypatch.setattr(g, "CONFIG", dataclasses.replace(g.CONFIG, request_limit_s=1.0, text_limit_s=2.0))
    g.COOLDOWN.reset()
    _Drip.gone = []
    try:
        t0 = time.monotonic()
        r = ui.speak_text(TEXT, "en")
        elapsed = time.monotonic() - t0
        assert r.text == TEXT and r.audio and Path(r.audio).read_bytes()[:4] == b"RIFF", r.status
        assert elapsed < 1.0 + 3.0, elapsed                          # the limit, plus the offline voice
        assert g.COOLDOWN.reason() and "in time" in g.COOLDOWN.reason()
        deadline = time.monotonic() + 5
        while not _Drip.gone and time.monotonic() < deadline:       # the drip finds its reader gone
            time.sleep(0.05)
        assert _Drip.gone and _Drip.gone[0] - t0 < 3.0, _Drip.gone
        t1 = time.monotonic()
        ui.speak_text(TEXT + " Again.", "en")
        assert time.monotonic() - t1 < 3.0                           # cooling down: straight to the offline voice
    finally:
        server.shutdown()
        g.COOLDOWN.reset()


def test_no_voice_at_all_gives_the_notice(google, monkeypatch):
    from vlmtok.speech.base import get_engine, list_engines

    _Google.status = 500
    for name in list_engines():
        if name != "gtts":
            monkeypatch.setattr(get_engine(name), "unavailable_reason", lambda lang: "not installed here")
    t0 = time.perf_counter()
    r = ui.speak_text(TEXT, "en")
    assert time.perf_counter() - t0 < 25
    assert r.text == TEXT and r.audio is None
    assert "Audio unavailable" in r.status
    _plain(r.status)


# ----------------------------------------------------------------------------------------------------------------
# Narrator: cannot load, out of memory, hangs


class _Narrator:
    """A narrator that misbehaves on request, else describes like the offline one."""

    name = "offline"

    def __init__(self, fault: BaseException | None = None, hang: threading.Event | None = None):
        self.fault, self.hang, self.calls = fault, hang, 0
        self.inner = OfflineNarrator()

    def describe(self, image, request):
        return self.inner.describe(image, request)

    def stream(self, image, request):
        self.calls += 1
        if self.hang is not None and self.calls == 1:
            self.hang.wait(30)
        if self.fault is not None and self.calls == 1:
            raise self.fault
        yield self.inner.describe(image, request)


def _use(monkeypatch, narrator) -> None:
    import vlmtok.narrate

    monkeypatch.setattr(vlmtok.narrate, "get_narrator", lambda *a, **k: (narrator, "test narrator"))


def test_no_model_offline_falls_back_to_offline_narrator(picture, fresh_cache, monkeypatch, tmp_path):
    """Offline with an empty cache: the offline narrator describes, and says so first."""
    from vlmtok.narrate import get_narrator

    monkeypatch.setattr("vlmtok.smolvlm.loading._cached_snapshot", lambda model_id: None)
    narrator, reason = get_narrator("auto")
    assert narrator.name == "offline" and "offline" in reason
    final = list(ui.describe_stream(picture, "en"))[-1]
    assert final.ok and final.text.startswith("Offline description") and "teal" in final.text


@pytest.mark.parametrize("exc", [torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 1 GiB"),
                                 MemoryError()])
def test_out_of_memory_in_the_narrator_through_a_guard(exc, picture, fresh_cache, monkeypatch):
    """The visitor reads "busy, please try again"; the next request succeeds; the process lives."""
    narrator = _Narrator(fault=exc)
    from vlmtok.images import load_image
    from vlmtok.narrate.base import NarrationRequest

    image = load_image(picture)
    result, message = guard.run_guarded(lambda: list(narrator.stream(image, NarrationRequest())), timeout_s=10)
    assert result is None and "busy" in message
    result, message = guard.run_guarded(lambda: list(narrator.stream(image, NarrationRequest())), timeout_s=10)
    assert message is None and "teal" in result[-1].text


@pytest.mark.parametrize("exc", [torch.cuda.OutOfMemoryError("CUDA out of memory"), MemoryError()])
def test_out_of_memory_in_the_app_tour_says_busy(exc, picture, fresh_cache, monkeypatch):
    narrator = _Narrator(fault=exc)
    _use(monkeypatch, narrator)
    first = ui.describe(picture, "en")
    _plain(first.text)
    assert not first.ok and "busy" in first.text.lower(), first.text
    second = ui.describe(picture, "en")
    assert second.ok and "teal" in second.text


def test_out_of_memory_in_the_app_tour_is_plain_and_next_succeeds(picture, fresh_cache, monkeypatch):
    """Today's behaviour (kept while the busy wording is wired in): a plain message, then a normal tour."""
    _use(monkeypatch, _Narrator(fault=torch.cuda.OutOfMemoryError("CUDA out of memory. /secret/path")))
    first = ui.describe(picture, "vi")
    assert not first.ok and first.audio is None
    _plain(first.text, first.status, first.caption)
    second = ui.describe(picture, "vi")
    assert second.ok and second.audio and second.text.startswith("Mô tả ngoại tuyến")


def test_hung_model_call_frees_the_slot(picture, fresh_cache, monkeypatch):
    """A narrator that never answers: the guarded tour ends with a message in time, and the next one is served."""
    stuck = threading.Event()
    _use(monkeypatch, _Narrator(hang=stuck))
    try:
        t0 = time.perf_counter()
        out = list(guard.iter_guarded(lambda: ui.describe_stream(picture, "en"), timeout_s=0.5, lang="en"))
        assert time.perf_counter() - t0 < 3
        assert out[-1][0] is None and "too long" in out[-1][1]
        _plain(out[-1][1])
        nxt = [r for r, _m in guard.iter_guarded(lambda: ui.describe_stream(picture, "en"), timeout_s=10)]
        assert nxt[-1].ok and "teal" in nxt[-1].text              # served while the first call is still stuck
    finally:
        stuck.set()


# ----------------------------------------------------------------------------------------------------------------
# Cache folder unusable or full


def test_cache_folder_unusable(picture, tmp_path, monkeypatch):
    """The cache root is a file (cannot hold folders): text as usual; audio from elsewhere or the notice."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("VLMTOK_CACHE", str(blocker))
    r = ui.describe(picture, "en")
    assert r.ok and "teal" in r.text
    assert (r.audio and Path(r.audio).is_file()) or "Audio unavailable" in r.status
    _plain(r.status)


def test_disk_full(picture, fresh_cache, monkeypatch):
    """Every write fails with ENOSPC: the description still comes, the audio falls back to the notice."""
    import vlmtok.cache

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(vlmtok.cache, "_atomic_write", full)
    r = ui.describe(picture, "en")
    assert "teal" in r.text and r.audio is None
    assert "Audio unavailable" in r.status
    _plain(r.status)


# ----------------------------------------------------------------------------------------------------------------
# Through the running app: a corrupt model in the cache


def _corrupt_smolvlm(hf_home: Path) -> None:
    """A SmolVLM snapshot whose files are garbage: it looks cached, it cannot load."""
    repo = hf_home / "hub" / "models--HuggingFaceTB--SmolVLM-256M-Instruct"
    snap = repo / "snapshots" / "0123456789abcdef0123456789abcdef01234567"
    snap.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(snap.name)
    (snap / "config.json").write_text("{ this is not json")
    (snap / "model.safetensors").write_bytes(b"\0garbage" * 1000)


@pytest.fixture(scope="module")
def corrupt_app(tmp_path_factory):
    pytest.importorskip("gradio_client")
    from vlmtok.bench.app import running_app

    root = tmp_path_factory.mktemp("corrupt")
    _corrupt_smolvlm(root / "hf")
    env = {"VLMTOK_CACHE": str(root / "cache"), "HF_HOME": str(root / "hf"), "HF_HUB_OFFLINE": "1",
           "VLMTOK_OFFLINE": "1"}
    with running_app(env, root / "app.log") as (url, _startup_s, proc):
        yield url, proc


def test_corrupt_model_app_still_starts_and_serves(corrupt_app, picture):
    from gradio_client import Client, handle_file

    url, proc = corrupt_app
    result = Client(url, verbose=False).predict(handle_file(picture), "en", "short", api_name="/describe")
    _plain(result["text"], result["narration"]["label"])
    assert proc.poll() is None


def test_corrupt_model_falls_back_to_offline_narrator(corrupt_app, picture):
    from gradio_client import Client, handle_file

    url, _proc = corrupt_app
    result = Client(url, verbose=False).predict(handle_file(picture), "en", "short", api_name="/describe")
    text = result["text"]
    assert text.startswith("Offline description") and "teal" in text and result["speech"]["audio"], text
    assert result["narration"]["narrator"] == "offline"


def test_a_hung_comparison_frees_its_slot_with_a_message():
    import threading

    release = threading.Event()

    def hung_compare(*_args, **_kw):
        release.wait(10)

    t0 = time.perf_counter()
    from vlmtok.app import compare as cmp

    r = ui.guarded_call(hung_compare, "x.png", ["mobilenetv2_100"], [224], "vi", lang="vi", timeout_s=0.5,
                        on_message=cmp.compare_message)
    release.set()
    assert time.perf_counter() - t0 < 3
    assert r.pictures == [] and "vt-status-text" in r.status and "Traceback" not in r.status
