"""``python -m vlmtok bench speech``: espeak-ng real-time factor, cache-hit latency, time to a playable first
sentence (English and Vietnamese). Runs against a temporary cache so "uncached" means uncached."""
from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from vlmtok.cache import DiskCache

TEXTS = {
    "en": ("The Great Wave off Kanagawa shows a huge wave about to fall on three fishing boats. The crest breaks "
           "into fingers of white foam. Far behind, Mount Fuji looks small and calm under a pale sky. The rowers "
           "bend low in their boats, holding on as the sea rises over them."),
    "vi": ("Bức tranh này vẽ một con sóng lớn sắp đổ xuống ba chiếc thuyền đánh cá. Đỉnh sóng vỡ thành những "
           "ngón tay bọt trắng. Phía xa, núi Phú Sĩ trông nhỏ bé và yên bình dưới bầu trời nhạt. Những người chèo "
           "thuyền cúi thấp người, bám chặt khi biển dâng lên."),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measurement (median reported)")


def run(args: argparse.Namespace) -> dict:
    from vlmtok.speech import get_engine, speak, split_sentences

    repeats = max(1, int(getattr(args, "repeats", 5)))
    root = Path(tempfile.mkdtemp(prefix="vlmtok-bench-speech-"))
    try:
        cache = DiskCache("speech", max_bytes=256 * 1024 * 1024, root=root)
        t0 = time.perf_counter()
        reason = get_engine("espeak").unavailable_reason("en")         # loads the library once
        report = {"area": "speech", "machine": _machine(), "repeats": repeats,
                  "espeak_load_ms": _ms(time.perf_counter() - t0), "espeak_unavailable": reason}
        for lang, text in TEXTS.items():
            report[lang] = {
                "espeak_rtf": _espeak_rtf(get_engine, text, lang, repeats),
                "first_sentence": _first_sentence(speak, split_sentences, text, lang, cache),
                "cache_hit_ms": _cache_hits(speak, text, lang, cache, repeats * 20),
            }
        return report
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _espeak_rtf(get_engine, text: str, lang: str, repeats: int) -> dict:
    """Seconds of audio per second of compute, synthesising directly (no cache, no disk)."""
    engine = get_engine("espeak")
    plan = engine.plan(lang, 1.0)
    times, audio_s = [], 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        audio_s = engine.synthesize(text, lang, plan).duration_s
        times.append(time.perf_counter() - t0)
    compute = statistics.median(times)
    return {"audio_s": round(audio_s, 2), "compute_ms": _ms(compute), "rtf": round(audio_s / compute, 1)}


def _first_sentence(speak, split_sentences, text: str, lang: str, cache: DiskCache) -> dict:
    """Text in -> the first sentence playable (file written), as the app does it: ``engine="auto"``."""
    speak("Warm-up.", lang, cache=cache)                     # settles the online verdict (gTTS) first
    t0 = time.perf_counter()
    first = speak(split_sentences(text)[0], lang, cache=cache)
    first_ms = _ms(time.perf_counter() - t0)
    t0 = time.perf_counter()
    full = speak(text, lang, cache=cache)
    return {"engine": first.engine, "first_sentence_ms": first_ms, "first_sentence_audio_s": first.duration_s,
            "full_text_ms": _ms(time.perf_counter() - t0), "full_text_audio_s": full.duration_s,
            "sentences": len(full.sentences)}


def _cache_hits(speak, text: str, lang: str, cache: DiskCache, n: int) -> dict:
    speak(text, lang, cache=cache)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        result = speak(text, lang, cache=cache)
        times.append(time.perf_counter() - t0)
        assert result.cached
    times.sort()
    return {"median": _ms(statistics.median(times)), "p95": _ms(times[int(0.95 * (len(times) - 1))]), "n": n}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _machine() -> dict:
    import os
    return {"python": platform.python_version(), "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count()}
