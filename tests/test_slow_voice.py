"""A slow voice costs the audio, never the text: speech waits under its own deadline, not the narration's.

A stand-in Google endpoint on 127.0.0.1 answers 200 and then drips a byte at a time; the narration's time limit
(``VLMTOK_REQUEST_TIMEOUT_S``) is far shorter than the voice's. Against a running ``python app.py`` (``/describe``)
and through the Tour's own callback speaking as it writes.
"""
from __future__ import annotations

import dataclasses
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from vlmtok.i18n import t

pytest.importorskip("gtts")


class _Drip(BaseHTTPRequestHandler):
    """200 at once, then a byte every 0.1 s for up to a minute (a stalled museum proxy)."""

    hits: list[float] = []

    def do_POST(self):
        _Drip.hits.append(time.monotonic())
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        for _ in range(600):
            try:
                self.wfile.write(b")")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.1)

    def log_message(self, *args):
        pass


@pytest.fixture
def drip():
    """The dripping endpoint's URL (``VLMTOK_GTTS_URL``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Drip.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}/batchexecute"
    server.shutdown()


@pytest.fixture
def picture(tmp_path) -> str:
    path = tmp_path / "teal.png"
    Image.new("RGB", (96, 64), (0, 128, 128)).save(path)
    return str(path)


def test_the_running_app_gives_the_whole_text_while_the_voice_drips(drip, picture, tmp_path):
    """``/describe`` with speech: the narration's 2 s limit is long gone when the voice gives up on the drip (8 s on
    the socket); the text comes in full and the offline voice reads it, with the notice saying so."""
    from gradio_client import Client, handle_file

    from vlmtok.bench.app import running_app

    env = {"VLMTOK_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "0",
           "VLMTOK_GTTS_URL": drip, "VLMTOK_REQUEST_TIMEOUT_S": "2", "VLMTOK_NARRATOR": "offline"}
    with running_app(env, tmp_path / "app.log") as (url, _startup_s, _proc):
        t0 = time.monotonic()
        result = Client(url, verbose=False).predict(handle_file(picture), "en", "short", api_name="/describe")
        elapsed = time.monotonic() - t0
    assert result["text"].startswith("Offline description") and "teal" in result["text"], result
    assert _Drip.hits, "the voice never asked the stand-in endpoint"
    assert elapsed > 2, elapsed                                   # the voice took longer than the narration may
    speech = result["speech"]
    assert speech["engine"] == "espeak" and speech["audio"], speech
    assert speech["notice"] == t("speech.offline_voice", "en"), speech


def _thread_html(msg: dict) -> str | None:
    """The Tour thread's HTML in one streamed message (a whole value, or Gradio's "replace" diff)."""
    value = (msg.get("output") or {}).get("data", [None])[0]
    if isinstance(value, list):
        value = next((op[2] for op in value if op[:2] == ["replace", []]), None)
    return value if isinstance(value, str) else None


def test_the_running_tour_shows_the_text_at_once_and_the_voice_after_the_drip(drip, picture, tmp_path):
    """The Tour's own event in a running app, speaking as it writes, with a 2 s narration limit: the whole text is on
    screen (no clip yet) long before the voice gives up on the drip; then the offline voice's clips come, and the
    turn ends ready, never "taking too long"."""
    from vlmtok.bench.app import running_app
    from vlmtok.bench.loadtest import RawGradio

    env = {"VLMTOK_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "0",
           "VLMTOK_GTTS_URL": drip, "VLMTOK_REQUEST_TIMEOUT_S": "2", "VLMTOK_NARRATOR": "offline"}
    seen: list[tuple[float, str]] = []
    with running_app(env, tmp_path / "app.log") as (url, _startup_s, _proc), RawGradio(url, 60) as raw:
        image = raw.file_data(Path(picture).read_bytes(), "teal.png")
        t0 = time.monotonic()
        resp, session = raw.join("ui_tour", [image, "en", "short", "adult", "", None, "live", None])
        assert resp.status_code == 200, resp.text
        for msg in raw.messages(session, 60):
            html = _thread_html(msg)
            if html is not None:
                seen.append((time.monotonic() - t0, html))
    assert _Drip.hits and seen, "the voice never asked the stand-in endpoint"
    written, first = next((at, html) for at, html in seen if "teal" in html)
    assert 'data-clips="[]"' in first, first[:400]                      # the text, before any audio
    last = seen[-1][1]
    assert 'data-state="ready"' in last and "&quot;src&quot;" in last, last[:400]
    assert t("guard.timeout", "en") not in last and seen[-1][0] - written > 2, (written, seen[-1][0])


def test_the_tour_speaking_as_it_writes_keeps_its_text_when_the_voice_is_slow(drip, picture, tmp_path, monkeypatch):
    """The Tour's callback with a 2 s narration limit and a voice that drips for 4 s per request: the turn keeps its
    whole text and its audio comes from the offline voice afterwards; "taking too long" is never said."""
    from vlmtok.app import callbacks as ui
    from vlmtok.images import load_image
    from vlmtok.speech import google as g

    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("VLMTOK_NARRATOR", "offline")
    monkeypatch.delenv("VLMTOK_OFFLINE", raising=False)
    monkeypatch.setenv(g.URL_ENV, drip)
    monkeypatch.setattr(g, "CONFIG", dataclasses.replace(g.CONFIG, request_limit_s=4.0, text_limit_s=5.0))
    load_image(picture)                        # the decoder worker's cold start is not the voice's delay
    g.COOLDOWN.reset()
    try:
        views = list(ui.tour_stream(picture, "vi", timeout_s=2.0, speak_mode="live"))
    finally:
        g.COOLDOWN.reset()
    assert _Drip.hits, "the voice never asked the stand-in endpoint"
    last = views[-1]
    assert t("guard.timeout", "vi") not in last.status
    turn = last.session["thread"][-1]
    assert "xanh ngọc" in turn["body"] and turn["body"].endswith("."), turn["body"]   # teal, the whole text
    assert turn["clips"], "no sentence was spoken"                # the offline voice, once Google gave up


def test_audio_past_the_voices_own_deadline_ends_in_the_plain_notice_with_the_text_kept(monkeypatch):
    """Past the text, the narration's limit no longer counts (a sentence 0.6 s after it, with a 0.3 s limit, is
    taken); a voice past its own deadline ends in "Audio unavailable", never "taking too long"."""
    from vlmtok.app import callbacks as ui
    from vlmtok.speech import service

    monkeypatch.setattr(service, "deadline_s", lambda: 1.0)
    release = threading.Event()

    def steps():
        yield ui.TourResult(text="Teal.", caption="", status="", session={"text": "Teal."})
        time.sleep(0.6)
        yield ui.TourResult(text="Teal.", caption="", status="", spoken="first sentence", session={"text": "Teal."})
        release.wait(10)                                       # the voice hangs past its deadline

    try:
        out = list(ui.guarded_stream(steps, "vi", timeout_s=0.3))
    finally:
        release.set()
    assert [r.spoken for r in out[:2]] == [None, "first sentence"] and out[0].text == "Teal.", out
    assert not out[-1].ok and out[-1].text == t("app.audio_unavailable", "vi"), out[-1]
    assert len(out) == 3
