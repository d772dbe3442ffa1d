"""``speak()``: text in, a playable audio file out, from the best engine that works right now, cached on disk.

Order for ``engine="auto"`` (the voices' registry priorities, ``vlmtok.speech.base``): gTTS (when Google answers;
skipped for a minute after a failure), then Piper for English when it and a voice are installed, then espeak-ng
(offline, always shipped). A named engine is tried first
and the others follow unless ``fallback=False``. Every skipped or failed engine leaves a reason in
``SpeechResult.fallback_reasons``; if the visitor gets a different voice than asked for, or none, ``notice`` says
so in their language. ``speak`` never raises for a synthesis, network or disk failure.

Sentence times (``sentence_starts``, seconds in the audio file's own timeline; divide by ``playback_rate`` for
the player's clock): espeak-ng reports sentence events while it speaks; gTTS and Piper synthesise sentence by
sentence and the pieces are concatenated, so their times are exact too.

>>> r = speak("The Great Wave. A boat rides it.", "en", rate=1.25)  # doctest: +SKIP
>>> r.engine, r.format, len(r.sentence_starts)              # offline: ('espeak', 'wav', 2)  # doctest: +SKIP
"""
from __future__ import annotations

import logging
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from vlmtok import paths, settings
from vlmtok.choices import check
from vlmtok.cache import DiskCache
from vlmtok.i18n import normalize_lang, t
from vlmtok.speech.base import Engine, EngineError, Plan, Synthesis, get_engine, get_voice, list_engines

log = logging.getLogger(__name__)

CACHE_NAME = "speech"
UNCACHED_MB = 64                  # audio that could not be cached waits here (the private folder) to be played
CACHE_VERSION = "speech-v1"       # bump when the stored audio or metadata changes meaning
OFFLINE_VOICE_S = 10.0            # the offline voice once the online one gave up (espeak-ng: ~1,200x real time)


def deadline_s() -> float:
    """How long one text may take to be spoken: the online voice's wall-clock limit (enforced on its socket), then
    the offline voice. Speech waits under this, never under a narration's time limit."""
    from vlmtok.speech import google

    return google.CONFIG.text_limit_s + OFFLINE_VOICE_S


@dataclass
class SpeechResult:
    """What the UI needs to play (or not) and highlight a narration.

    ``sentence_starts[i]`` is when ``sentences[i]`` begins, in seconds of the audio file; the player should run
    at ``playback_rate`` (1.0 when the engine produced the requested speed itself).
    """

    audio_path: Path | None
    engine: str | None
    format: str | None                       # "wav" or "mp3"
    duration_s: float
    cached: bool
    lang: str
    rate: float
    voice: str | None = None
    playback_rate: float = 1.0
    sentences: list[str] = field(default_factory=list)
    sentence_starts: list[float] = field(default_factory=list)
    notice: str | None = None                # for the visitor, in ``lang``; None when all went as asked
    fallback_reasons: list[str] = field(default_factory=list)    # for logs and the "details" panel
    elapsed_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.audio_path is not None


def speak(text: str, lang: str = "en", rate: float = 1.0, engine: str = "auto", *, fallback: bool = True,
          cache: DiskCache | None = None) -> SpeechResult:
    """Speak ``text`` in ``lang`` ("en" / "vi") at ``rate`` (``vlmtok.choices.RATE_RANGE``; 1.0 is normal speed).

    Args:
        engine: "auto", or an engine name from ``list_engines()`` to try first.
        fallback: when False, only ``engine`` is tried.
        cache: where audio is kept (default: ``DiskCache("speech")``, capped by ``VLMTOK_SPEECH_CACHE_MB``).

    Raises:
        ValueError: unknown engine name (lists the known ones); ``ChoiceRefused`` (a ValueError): a rate outside the
            range, refused, never clamped. Nothing else: failures become a notice.
    """
    t0 = time.perf_counter()
    lang, rate = normalize_lang(lang), check("rate", rate)
    order = engine_order(engine, fallback)
    text = (text or "").strip()
    if not text:
        return SpeechResult(None, None, None, 0.0, False, lang, rate, fallback_reasons=["no text to speak"])
    result = _first_that_works(text, lang, rate, order, cache or speech_cache(), auto=engine == "auto")
    result.elapsed_ms = round((time.perf_counter() - t0) * 1000, 2)
    return result


def engine_order(engine: str, fallback: bool = True) -> list[str]:
    """Engines to try, in order. Raises ValueError for an unknown name."""
    if engine == "auto":  # offline mode chosen: the online voice is not even tried, so nothing "fell back"
        offline = settings.offline_forced()
        return [n for n in list_engines() if not (offline and not get_voice(n).offline)]
    get_voice(engine)                        # validates the name
    return [engine] + ([n for n in list_engines() if n != engine] if fallback else [])


def _first_that_works(text: str, lang: str, rate: float, order: list[str], cache: DiskCache,
                      auto: bool = False) -> SpeechResult:
    reasons: list[str] = []
    for name in order:
        eng = get_engine(name)
        why = eng.unavailable_reason(lang)
        if why:
            reasons.append(f"{name}: {why}")
            continue
        try:
            result = _cached_or_synthesised(eng, text, lang, rate, cache)
        except EngineError as exc:
            reasons.append(f"{name}: {exc}")
            log.warning("speech engine %s failed: %s", name, exc)
            continue
        except Exception as exc:             # a bug in one engine must not silence the visitor
            reasons.append(f"{name}: unexpected error ({type(exc).__name__})")
            log.exception("speech engine %s crashed", name)
            continue
        result.fallback_reasons = reasons
        result.notice = _notice(order[0], name, lang, auto)
        return result
    log.error("no speech engine worked: %s", "; ".join(reasons))
    return SpeechResult(None, None, None, 0.0, False, lang, rate,
                        notice=t("speech.unavailable", lang), fallback_reasons=reasons)


def _notice(wanted: str, used: str, lang: str, auto: bool = False) -> str | None:
    wanted_offline, used_offline = get_voice(wanted).offline, get_voice(used).offline
    if used == wanted or (auto and wanted_offline and used_offline):
        return None  # "auto" skipping an optional offline voice (Piper not installed) is no news to the visitor
    if not wanted_offline and used_offline:
        return t("speech.offline_voice", lang)
    return t("speech.other_voice", lang)


# --- cache ---------------------------------------------------------------------------------------------------

_STRIPES = [threading.Lock() for _ in range(64)]     # one synthesis per key at a time within this process


def _key_lock(key: str) -> threading.Lock:
    return _STRIPES[zlib.crc32(key.encode()) % len(_STRIPES)]


def speech_key(cache: DiskCache, text: str, lang: str, engine: str, plan: Plan) -> str:
    """Cache key: (text, language, engine, voice, the rate the engine was asked for)."""
    return cache.key(CACHE_VERSION, text, lang, engine, plan.voice, plan.synth_rate)


def _cached_or_synthesised(eng: Engine, text: str, lang: str, rate: float, cache: DiskCache) -> SpeechResult:
    plan = eng.plan(lang, rate)
    key = speech_key(cache, text, lang, eng.name, plan)
    with _key_lock(key):
        hit = _lookup(cache, key, eng.name, lang, rate, plan)
        if hit is not None:
            return hit
        synth = eng.synthesize(text, lang, plan)
        path = _store(cache, key, synth)
    return _result(path, eng.name, lang, rate, plan, _meta(synth), cached=False)


def _lookup(cache: DiskCache, key: str, engine: str, lang: str, rate: float, plan: Plan) -> SpeechResult | None:
    meta = cache.get_json(key)
    if not isinstance(meta, dict) or meta.get("format") not in ("wav", "mp3"):
        return None
    path = cache.get_path(key, "." + meta["format"])
    if path is None:                          # audio evicted, metadata left behind
        return None
    return _result(path, engine, lang, rate, plan, meta, cached=True)


def _store(cache: DiskCache, key: str, synth: Synthesis) -> Path:
    """Write the audio (atomically), then its metadata, so a metadata hit implies the audio was complete."""
    suffix = "." + synth.format
    path = cache.put_bytes(key, synth.audio, suffix)
    if path is None:                          # cache unusable or full: keep the audio in a small temp store
        path = _uncached_store().put_bytes(key, synth.audio, suffix)
        if path is None:
            raise EngineError("the audio could not be saved anywhere on disk")
        return path
    cache.put_json(key, _meta(synth))
    return path


def _meta(synth: Synthesis) -> dict:
    return {"format": synth.format, "duration_s": round(synth.duration_s, 3), "sentences": synth.sentences,
            "sentence_starts": synth.sentence_starts}


def _result(path: Path, engine: str, lang: str, rate: float, plan: Plan, meta: dict, cached: bool) -> SpeechResult:
    return SpeechResult(audio_path=path, engine=engine, format=meta["format"], duration_s=meta["duration_s"],
                        cached=cached, lang=lang, rate=rate, voice=plan.voice, playback_rate=plan.playback_rate,
                        sentences=list(meta["sentences"]), sentence_starts=list(meta["sentence_starts"]))


_CACHES: dict[tuple[str, int], DiskCache] = {}
_CACHES_LOCK = threading.Lock()


def speech_cache() -> DiskCache:
    """The shared speech cache under the current cache root (``VLMTOK_CACHE``), capped at
    ``VLMTOK_SPEECH_CACHE_MB`` megabytes (default 256)."""
    mb = settings.speech_cache_mb()
    ident = (settings.cache_root_override() or "", int(mb * 1024 * 1024))
    with _CACHES_LOCK:
        if ident not in _CACHES:
            _CACHES[ident] = DiskCache(CACHE_NAME, max_bytes=ident[1])
        return _CACHES[ident]


def _uncached_store() -> DiskCache:
    """Audio that could not be cached: in this process's private folder (0700, removed at exit), never a shared,
    predictable one that another instance or user could read or fill."""
    private = paths.private_root()
    if private is None:
        raise EngineError("the audio could not be saved anywhere on disk")
    return DiskCache("speech-uncached", max_bytes=UNCACHED_MB * 1024 * 1024, root=private / "speech-uncached")
