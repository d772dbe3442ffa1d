"""Speech: real espeak-ng audio in English and Vietnamese, gTTS against a local stand-in of Google's endpoint
(success, 429, 5xx, refused, slow), fallbacks with notices, and the audio cache.

Google is never contacted: every test points ``VLMTOK_GTTS_URL`` at 127.0.0.1.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import socket
import threading
import time
import urllib.parse
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from vlmtok.cache import DiskCache
from vlmtok.cli import main as cli_main
from vlmtok.i18n import t
from vlmtok.speech import EngineError, get_engine, speak, split_sentences
from vlmtok.speech import google
from vlmtok.speech.audio import mp3_duration, mp3_frames, parse_mp3_header, silent_mp3

EN_TEXT = ("The Great Wave rises over three small boats. Mount Fuji sits far away, small and calm. "
           "The sea looks like claws of foam.")
VI_TEXT = "Bức tranh này vẽ một con sóng lớn."
SECONDS_PER_CHAR = 0.05            # how long the stand-in's silent MP3 lasts per character of text


# --- fixtures ------------------------------------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Own cache root; Google points at a closed local port; quick retries; no cooldown left from other tests."""
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv(google.URL_ENV, f"http://127.0.0.1:{_closed_port()}/batchexecute")
    monkeypatch.delenv("VLMTOK_OFFLINE", raising=False)
    monkeypatch.setattr(google, "CONFIG", dataclasses.replace(google.CONFIG, backoff_s=0.05, max_backoff_s=0.2))
    google.COOLDOWN.reset()
    yield
    google.COOLDOWN.reset()


@pytest.fixture
def cache(tmp_path) -> DiskCache:
    return DiskCache("speech", max_bytes=20_000_000, root=tmp_path / "speech-cache")


class StandIn:
    """A local imitation of Google's ``batchexecute`` endpoint: answers from a script of HTTP statuses."""

    def __init__(self, script: list[int] | None = None, default: int = 200, delay_s: float = 0.0,
                 answer=None) -> None:
        self.script, self.default, self.delay_s = list(script or []), default, delay_s
        self.answer = answer or _google_answer
        self.requests: list[list] = []            # [text, lang, slow, "null"] of each request
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/_/TranslateWebserverUi/data/batchexecute"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def _handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):   # keep pytest output clean
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                stand_in.requests.append(_rpc_params(body))
                status = stand_in.script.pop(0) if stand_in.script else stand_in.default
                time.sleep(stand_in.delay_s)
                payload = stand_in.answer(stand_in.requests[-1][0]) if status == 200 else b"busy"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):    # the client gave up (timeout tests)
                    pass

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _rpc_params(body: str) -> list:
    """Decode gTTS's ``f.req`` form field back into [text, lang, slow, "null"]."""
    freq = urllib.parse.parse_qs(body)["f.req"][0]
    return json.loads(json.loads(freq)[0][0][1])


def _google_answer(text: str) -> bytes:
    """The shape of a real answer (see gTTS's ``stream()``): base64 MP3 inside the ``jQ1olc`` line."""
    audio = base64.b64encode(silent_mp3(SECONDS_PER_CHAR * len(text))).decode()
    line = json.dumps([["wrb.fr", "jQ1olc", json.dumps([audio]), None, None, None, "generic"]], separators=(",", ":"))
    return f")]}}'\n\n{len(line)}\n{line}\n25\n[[\"e\",4,null,null,{len(line)}]]\n".encode()


@pytest.fixture
def stand_in(monkeypatch):
    servers: list[StandIn] = []

    def start(*args, **kwargs) -> StandIn:
        server = StandIn(*args, **kwargs)
        servers.append(server)
        monkeypatch.setenv(google.URL_ENV, server.url)
        return server

    yield start
    for server in servers:
        server.close()


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2"), w.getframerate()


def _no_partial_files(*roots: Path) -> None:
    for root in roots:
        for p in root.rglob("*"):
            if p.is_file():
                assert not p.name.startswith(".tmp-"), f"temporary file left: {p.name}"
                assert p.stat().st_size > 0, f"empty file left: {p.name}"
                assert p.suffix != ".mp3", f"unexpected MP3 left by a failed Google request: {p.name}"


# --- espeak-ng: real speech ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,lang", [(EN_TEXT, "en"), (VI_TEXT, "vi")])
def test_espeak_speaks_real_audio(text, lang, cache):
    r = speak(text, lang, engine="espeak", fallback=False, cache=cache)
    assert r.ok and r.engine == "espeak" and r.format == "wav" and r.notice is None, r.fallback_reasons
    samples, rate = _read_wav(r.audio_path)
    duration = len(samples) / rate
    assert duration == pytest.approx(r.duration_s, abs=0.01)
    wpm = len(text.split()) / (duration / 60)
    assert 80 <= wpm <= 300, f"{wpm:.0f} words per minute is not human speech"
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    assert rms > 500, "audio is (near) silent"
    voiced = np.abs(samples) > 1000
    assert voiced.mean() > 0.2, "too little of the audio carries sound"


def test_vietnamese_voice_is_really_vietnamese(cache):
    """The same text read by the English and the Vietnamese voice must differ (voice selection works)."""
    vi = speak(VI_TEXT, "vi", engine="espeak", fallback=False, cache=cache)
    en = speak(VI_TEXT, "en", engine="espeak", fallback=False, cache=cache)
    assert vi.voice == "vi" and en.voice == "en-us"
    assert vi.audio_path.read_bytes() != en.audio_path.read_bytes()


def test_faster_rate_is_shorter(cache):
    slow = speak(EN_TEXT, "en", rate=0.75, engine="espeak", fallback=False, cache=cache)
    fast = speak(EN_TEXT, "en", rate=1.5, engine="espeak", fallback=False, cache=cache)
    assert fast.duration_s < slow.duration_s * 0.7
    assert slow.playback_rate == fast.playback_rate == 1.0       # espeak-ng did the speed itself


def test_espeak_sentence_times(cache):
    r = speak(EN_TEXT, "en", engine="espeak", fallback=False, cache=cache)
    assert r.sentences == split_sentences(EN_TEXT)
    assert r.sentence_starts[0] == 0.0
    assert all(a < b for a, b in zip(r.sentence_starts, r.sentence_starts[1:]))
    assert r.sentence_starts[-1] < r.duration_s
    # the three sentences have 8, 9 and 6 words: the gaps should roughly follow
    first, second = r.sentence_starts[1], r.sentence_starts[2] - r.sentence_starts[1]
    assert 0.6 < first / second < 1.4


# --- gTTS through the stand-in -------------------------------------------------------------------------------

def test_gtts_success_vietnamese_per_sentence(stand_in, cache):
    server = stand_in()
    text = "Bức tranh này vẽ một con sóng lớn. Núi Phú Sĩ ở xa."
    r = speak(text, "vi", rate=1.25, engine="gtts", fallback=False, cache=cache)
    assert r.ok and r.engine == "gtts" and r.format == "mp3" and r.notice is None, r.fallback_reasons
    assert [q[0] for q in server.requests] == ["Bức tranh này vẽ một con sóng lớn.", "Núi Phú Sĩ ở xa."]
    assert all(q[1] == "vi" and q[2] is None for q in server.requests)       # normal speed
    assert r.playback_rate == 1.25                                             # the player speeds it up
    data = r.audio_path.read_bytes()
    assert mp3_duration(data) == pytest.approx(r.duration_s, abs=0.03)
    assert r.sentence_starts == [0.0, pytest.approx(SECONDS_PER_CHAR * 34, abs=0.03)]


def test_auto_prefers_google_when_it_answers(stand_in, cache):
    stand_in()
    r = speak("A boat rides the wave.", "en", cache=cache)
    assert r.engine == "gtts" and r.notice is None and r.fallback_reasons == []


def test_gtts_slow_mode_for_low_rates(stand_in, cache):
    server = stand_in()
    r = speak("A quiet harbour.", "en", rate=0.75, engine="gtts", fallback=False, cache=cache)
    assert r.engine == "gtts" and server.requests[0][2] is True
    assert r.playback_rate == pytest.approx(1.0)


def test_gtts_long_sentence_is_split_like_gtts(stand_in, cache):
    server = stand_in()
    sentence = ("In the foreground, a huge wave curls over three fishing boats, its crest breaking into "
                "claw-like fingers of foam, while the rowers bend low, and Mount Fuji waits, tiny, in the distance.")
    r = speak(sentence, "en", engine="gtts", fallback=False, cache=cache)
    assert r.ok and len(server.requests) >= 2
    assert all(len(q[0]) <= 100 for q in server.requests)
    assert r.duration_s == pytest.approx(sum(SECONDS_PER_CHAR * len(q[0]) for q in server.requests), abs=0.1)


def test_gtts_connection_refused_falls_back_quickly(tmp_path, cache):
    t0 = time.perf_counter()
    r = speak(EN_TEXT, "en", cache=cache)
    assert time.perf_counter() - t0 < 3.0
    assert r.ok and r.engine == "espeak"
    assert r.fallback_reasons[0].startswith("gtts: ") and "could not be reached" in r.fallback_reasons[0]
    assert r.notice == "The online voice could not be reached, so an offline voice is reading."
    _no_partial_files(cache.root)


def test_gtts_429_then_success_retries(stand_in, cache):
    server = stand_in(script=[429])
    r = speak("A boat rides the wave.", "en", engine="gtts", fallback=False, cache=cache)
    assert r.ok and r.engine == "gtts", r.fallback_reasons
    assert len(server.requests) == 2
    assert r.duration_s > 0


def test_gtts_429_forever_falls_back_in_bounded_time(stand_in, cache):
    server = stand_in(default=429)
    t0 = time.perf_counter()
    r = speak("A boat rides the wave. Fuji is far.", "en", cache=cache)
    elapsed = time.perf_counter() - t0
    assert r.ok and r.engine == "espeak"
    assert "429" in r.fallback_reasons[0]
    assert len(server.requests) == google.CONFIG.attempts          # bounded retries, then no more
    assert elapsed < 3.0
    _no_partial_files(cache.root)
    # Google is now left alone for a while: the next text goes straight to the offline voice
    r2 = speak("Another sentence.", "en", cache=cache)
    assert r2.engine == "espeak" and len(server.requests) == google.CONFIG.attempts
    assert "trying again in" in r2.fallback_reasons[0]


def test_gtts_429_retry_bound_with_default_backoff(stand_in, cache, monkeypatch):
    monkeypatch.setattr(google, "CONFIG", google.GttsConfig())
    stand_in(default=429)
    t0 = time.perf_counter()
    r = speak("One more.", "en", cache=cache)
    assert r.engine == "espeak" and time.perf_counter() - t0 < 0.5 + 1.0 + 2.0   # two waits: 0.5 s and 1 s


@pytest.mark.parametrize("status", [500, 503])
def test_gtts_server_error_retries_then_falls_back(stand_in, cache, status):
    server = stand_in(default=status)
    r = speak("The wave.", "vi", cache=cache)
    assert r.ok and r.engine == "espeak" and str(status) in r.fallback_reasons[0]
    assert len(server.requests) == google.CONFIG.attempts
    assert r.notice and r.notice.startswith("Không kết nối")
    _no_partial_files(cache.root)


def test_gtts_error_on_second_sentence_leaves_nothing(stand_in, cache):
    """The first sentence succeeds, the second is refused: no half narration is cached or returned as Google's."""
    stand_in(script=[200, 400])
    r = speak("First sentence. Second sentence.", "en", cache=cache)
    assert r.engine == "espeak"
    _no_partial_files(cache.root)


def test_gtts_answer_without_audio_falls_back(stand_in, cache):
    server = stand_in(answer=lambda text: b')]}\'\n\n[["wrb.fr","jQ1olc",null]]\n')
    r = speak("No audio here.", "en", cache=cache)
    assert r.engine == "espeak" and "without audio" in r.fallback_reasons[0]
    assert len(server.requests) == 1
    _no_partial_files(cache.root)


def test_gtts_hard_timeout(stand_in, cache, monkeypatch):
    monkeypatch.setattr(google, "CONFIG", dataclasses.replace(google.CONFIG, read_timeout_s=0.3))
    stand_in(delay_s=2.0)
    t0 = time.perf_counter()
    r = speak("Too slow.", "en", cache=cache)
    assert time.perf_counter() - t0 < 1.5
    assert r.engine == "espeak" and "in time" in r.fallback_reasons[0]


def test_hanging_name_lookup_is_bounded(cache, monkeypatch):
    monkeypatch.setenv(google.URL_ENV, "https://tts.example.invalid/batchexecute")
    monkeypatch.setattr(google, "CONFIG", dataclasses.replace(google.CONFIG, connect_timeout_s=0.3))
    monkeypatch.setattr("socket.getaddrinfo", lambda *a, **k: time.sleep(3))
    t0 = time.perf_counter()
    r = speak("Basement.", "en", cache=cache)
    assert time.perf_counter() - t0 < 1.5
    assert r.engine == "espeak" and "name lookup" in r.fallback_reasons[0]


def test_offline_mode_skips_google(stand_in, cache, monkeypatch):
    server = stand_in()
    monkeypatch.setenv("VLMTOK_OFFLINE", "1")
    r = speak("Offline.", "en", cache=cache)
    assert r.engine == "espeak" and server.requests == []


# --- everything fails ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "vi"])
def test_everything_fails_returns_notice(lang, cache, monkeypatch):
    def broken(*_a, **_k):
        raise EngineError("espeak-ng synthesis failed (status 1)")

    monkeypatch.setattr(get_engine("espeak"), "synthesize", broken)
    r = speak(VI_TEXT, lang, cache=cache)
    assert r.audio_path is None and not r.ok and r.engine is None
    assert r.notice == t("speech.unavailable", lang)
    assert [reason.split(":")[0] for reason in r.fallback_reasons] == ["gtts", "piper", "espeak"]


def test_engine_crash_is_contained(cache, monkeypatch):
    monkeypatch.setattr(get_engine("espeak"), "synthesize", lambda *a, **k: 1 / 0)
    r = speak("Crash.", "vi", cache=cache)
    assert r.notice == t("speech.unavailable", "vi") and "ZeroDivisionError" in r.fallback_reasons[-1]


def test_unknown_engine_lists_known_names():
    with pytest.raises(ValueError, match="espeak") as info:
        speak("x", "en", engine="festival")
    assert "gtts" in str(info.value)


def test_voices_are_registered_in_auto_order(monkeypatch):
    """The registry's priorities give the auto order; a new voice slots in by priority, offline flag respected."""
    from vlmtok.speech import base, engine_order, list_engines, register_voice

    assert list_engines() == ["gtts", "piper", "espeak"]
    monkeypatch.setitem(base._VOICES, "other", base.VoiceEntry("other", lambda: None, priority=15, offline=False))
    assert list_engines() == ["gtts", "piper", "other", "espeak"]
    assert engine_order("espeak") == ["espeak", "gtts", "piper", "other"]
    monkeypatch.setenv("VLMTOK_OFFLINE", "1")
    assert engine_order("auto") == ["piper", "espeak"]
    assert callable(register_voice) and callable(speak) and speak.__module__ == "vlmtok.speech.service"


def test_empty_text_is_not_an_error(cache):
    r = speak("   ", "en", cache=cache)
    assert r.audio_path is None and r.notice is None


# --- cache ---------------------------------------------------------------------------------------------------

def _count_calls(monkeypatch, name: str) -> list[int]:
    engine = get_engine(name)
    real, calls = engine.synthesize, []

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "synthesize", counted)
    return calls


def test_cache_hit_skips_synthesis(cache, monkeypatch):
    calls = _count_calls(monkeypatch, "espeak")
    first = speak(EN_TEXT, "en", cache=cache)
    second = speak(EN_TEXT, "en", cache=cache)
    assert len(calls) == 1
    assert not first.cached and second.cached
    assert second.audio_path == first.audio_path
    assert (second.duration_s, second.sentence_starts) == (first.duration_s, first.sentence_starts)
    assert second.elapsed_ms < 50
    speak(EN_TEXT, "en", rate=1.25, cache=cache)       # the rate is part of the key
    speak(EN_TEXT, "vi", cache=cache)                  # so is the language
    assert len(calls) == 3


def test_cache_is_capped(tmp_path):
    small = DiskCache("speech", max_bytes=600_000, root=tmp_path / "small")
    results = [speak(f"Sentence number {i} about a painting of the sea.", "en", cache=small) for i in range(8)]
    assert all(r.ok and not r.cached for r in results)
    assert sum(r.audio_path.stat().st_size for r in results[-2:]) * 4 > 600_000    # eviction had to happen
    assert small.total_bytes() <= 600_000
    assert results[-1].audio_path.exists() and not results[0].audio_path.exists()


def test_concurrent_requests_synthesise_once(cache, monkeypatch):
    calls = _count_calls(monkeypatch, "espeak")
    results = []
    threads = [threading.Thread(target=lambda: results.append(speak(VI_TEXT, "vi", cache=cache)))
               for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len({r.audio_path for r in results}) == 1
    assert all(r.ok for r in results)


def test_broken_cache_folder_still_speaks(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("VLMTOK_CACHE", str(blocker / "cache"))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    monkeypatch.setattr("vlmtok.paths._PRIVATE", [])    # the process's private folder, made afresh under tmp
    (tmp_path / "tmp").mkdir()
    r = speak(VI_TEXT, "vi")
    assert r.ok and not r.cached and r.audio_path.is_file()
    from vlmtok import paths

    assert r.audio_path.is_relative_to(paths.cache_state().root)     # the caches moved to a private temporary folder
    _read_wav(r.audio_path)


def test_full_disk_everywhere_gives_notice_not_exception(cache, monkeypatch):
    import vlmtok.cache as cache_mod

    def full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_mod.os, "fsync", full)
    r = speak(VI_TEXT, "en", cache=cache)
    assert r.audio_path is None and r.notice == t("speech.unavailable", "en")
    assert "saved" in r.fallback_reasons[-1]
    _no_partial_files(cache.root)


# --- helpers and command line --------------------------------------------------------------------------------

def test_split_sentences():
    assert split_sentences("The Great Wave, c. 1831. A boat rides it! Sóng lớn… Thật sao? Có.") == [
        "The Great Wave, c. 1831.", "A boat rides it!", "Sóng lớn…", "Thật sao?", "Có."]
    assert split_sentences('He said "stop." Then J. M. W. Turner came.\n\nNew') == [
        'He said "stop."', "Then J. M. W. Turner came.", "New"]
    assert split_sentences("  ") == []


def test_mp3_frames():
    data = silent_mp3(1.0)
    frames = mp3_frames(data)
    assert len(frames) == round(1.0 / 0.024) and frames[0].sample_rate == 24000
    assert mp3_duration(b"ID3\x03\x00\x00\x00\x00\x00\x05" + b"tags!" + data) == pytest.approx(1.0, abs=0.03)
    assert mp3_duration(data[:-10]) == pytest.approx(mp3_duration(data) - 0.024, abs=0.001)     # a torn last frame is dropped
    mpeg1 = parse_mp3_header(bytes((0xFF, 0xFB, 0x90, 0x64)), 0)                  # 128 kbps, 44.1 kHz
    assert (mpeg1.length, mpeg1.samples, mpeg1.sample_rate) == (417, 1152, 44100)
    assert mp3_duration(b"not audio at all" * 10) == 0.0


def test_cli_speak_writes_audio(tmp_path, capsys):
    out = tmp_path / "out.wav"
    rc = cli_main(["speak", VI_TEXT, "--lang", "vi", "--rate", "1.25", "--out", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0 and "engine: espeak" in printed and "duration:" in printed and "notice:" in printed
    samples, rate = _read_wav(out)
    assert len(samples) / rate > 0.5


def test_offline_mode_does_not_try_the_online_voice(monkeypatch, tmp_path):
    """With offline mode chosen, espeak-ng speaks first-hand: no "could not reach the online voice" notice."""
    from vlmtok.cache import DiskCache
    from vlmtok.speech import engine_order, speak

    monkeypatch.setenv("VLMTOK_OFFLINE", "1")
    assert "gtts" not in engine_order("auto")
    result = speak("The museum opens at nine.", "en", cache=DiskCache("speech", 10_000_000, root=tmp_path))
    assert result.engine == "espeak" and result.audio_path is not None and result.notice is None


def test_speech_as_written_falls_back_per_sentence_when_google_fails_mid_stream(stand_in):
    from vlmtok.speech.stream import SpokenSentence, speak_as_written

    stand_in([200], default=500)                   # Google answers the first sentence, then fails for good
    parts = ["The sky is pale. ", "A boat rides the wave. ", "Mount Fuji stands behind."]
    spoken = [p for p in speak_as_written(iter(parts), "en") if isinstance(p, SpokenSentence)]
    engines = [s.speech.engine for s in spoken]
    assert [s.text for s in spoken] == [p.strip() for p in parts]      # every sentence heard, in order
    assert engines[0] == "gtts" and engines[1:] == ["espeak", "espeak"], engines
    assert all(s.speech.audio_path and s.speech.audio_path.is_file() for s in spoken)
