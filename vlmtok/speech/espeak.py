"""The offline voice: espeak-ng, driven through ctypes.

The library and its voice data come from the ``espeakng-loader`` wheel (``get_library_path()``,
``get_data_path()``), else from the system's ``libespeak-ng`` (Debian ``espeak-ng``). espeak-ng is
GPL-3.0-or-later; vlmtok calls it as a separate shared library at run time and credits it.

The library holds process-global state (one voice, one callback), so every call goes through one lock and the
library is initialised once. Synthesis is synchronous: a callback collects 16-bit samples and the sentence events,
whose sample positions give each sentence's start time directly (no per-sentence synthesis needed).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
from dataclasses import dataclass, field

from vlmtok.i18n import LANGUAGES, language_facts
from vlmtok.speech.audio import pcm_duration, pcm_to_wav
from vlmtok.speech.base import EngineError, EngineUnavailable, Plan, Synthesis, register_voice

log = logging.getLogger(__name__)

VOICES: dict[str, str] = {lang: str(language_facts(lang)["espeak_voice"]) for lang in LANGUAGES}  # the catalogues'
BASE_WPM = 175                      # espeak-ng's own default speed
MIN_WPM, MAX_WPM = 80, 450          # espeakRATE_MINIMUM / espeakRATE_MAXIMUM in speak_lib.h

# speak_lib.h constants
AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000       # return errors instead of calling exit()
POS_CHARACTER = 1
CHARS_UTF8 = 1
PARAM_RATE = 1
EVENT_LIST_TERMINATED, EVENT_SENTENCE = 0, 2
BUFFER_MS = 200


class _Event(ctypes.Structure):
    """espeak_EVENT from speak_lib.h (the union ``id`` is 8 bytes wide)."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),      # 1-based, in characters
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),     # milliseconds
        ("sample", ctypes.c_int),             # samples since the start of this message
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


def locate_library() -> tuple[str, str | None]:
    """(shared library path, voice data path or None for the library's built-in default).

    Raises:
        EngineUnavailable: neither the wheel nor a system library is installed.
    """
    try:
        import espeakng_loader
        return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
    except (ImportError, RuntimeError) as exc:
        log.debug("espeakng-loader not usable (%s); looking for a system libespeak-ng", exc)
    system = ctypes.util.find_library("espeak-ng")
    if system:
        return system, None
    raise EngineUnavailable("espeak-ng is not installed")


@dataclass
class _Collector:
    """Samples and sentence events of the message being synthesised."""

    pcm: list[bytes] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)     # (1-based char position, sample)


class _Library:
    """The one loaded libespeak-ng of this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lib: ctypes.CDLL | None = None
        self.sample_rate = 0
        self.error: str | None = None
        self._collector = _Collector()
        self._callback = _CALLBACK(self._on_audio)       # keep a reference: the library holds a raw pointer

    def _on_audio(self, wav, n_samples, events) -> int:
        if n_samples > 0 and wav:
            self._collector.pcm.append(ctypes.string_at(wav, n_samples * 2))
        i = 0
        while events[i].type != EVENT_LIST_TERMINATED:
            if events[i].type == EVENT_SENTENCE:
                self._collector.sentences.append((events[i].text_position, events[i].sample))
            i += 1
        return 0                                         # 0 = go on

    def ensure_loaded(self) -> None:
        """Load and initialise once (under ``self.lock``); remembers a failure instead of retrying each call."""
        if self.lib is not None:
            return
        if self.error is not None:
            raise EngineUnavailable(self.error)
        try:
            self._load()
        except EngineUnavailable as exc:
            self.error = str(exc)
            raise

    def _load(self) -> None:
        lib_path, data_path = locate_library()
        try:
            lib = ctypes.CDLL(lib_path)
        except OSError as exc:
            raise EngineUnavailable(f"espeak-ng library could not be loaded ({exc})") from exc
        _declare(lib)
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, BUFFER_MS,
                                     data_path.encode() if data_path else None, INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise EngineUnavailable("espeak-ng could not start (voice data missing?)")
        lib.espeak_SetSynthCallback(self._callback)
        self.lib, self.sample_rate = lib, rate
        log.info("espeak-ng loaded from %s (%d Hz)", lib_path, rate)

    def synth(self, text: str, voice: str, wpm: int) -> tuple[bytes, list[tuple[int, int]]]:
        """16-bit mono PCM of ``text`` and its sentence events. Caller holds ``self.lock``."""
        assert self.lib is not None
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EngineUnavailable(f"espeak-ng has no voice {voice!r}")
        self.lib.espeak_SetParameter(PARAM_RATE, wpm, 0)
        self._collector = _Collector()
        data = text.encode("utf-8")
        status = self.lib.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
        if status != 0:
            raise EngineError(f"espeak-ng synthesis failed (status {status})")
        return b"".join(self._collector.pcm), list(self._collector.sentences)


def _declare(lib: ctypes.CDLL) -> None:
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                 ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    lib.espeak_Synth.restype = ctypes.c_int


_LIBRARY = _Library()


def wpm_for(rate: float) -> int:
    """Words per minute for a speed factor (1.0 = espeak-ng's 175 wpm), clamped to what espeak-ng accepts."""
    return int(min(MAX_WPM, max(MIN_WPM, round(BASE_WPM * rate))))


class EspeakEngine:
    """espeak-ng voices ``en-us`` and ``vi``; WAV out; sentence times from the library's own sentence events."""

    name = "espeak"
    fmt = "wav"

    def unavailable_reason(self, lang: str) -> str | None:
        if lang not in VOICES:
            return f"espeak-ng has no voice configured for {lang!r}"
        if _LIBRARY.lib is not None:              # loaded: answer without waiting for a synthesis in progress
            return None
        with _LIBRARY.lock:
            try:
                _LIBRARY.ensure_loaded()
            except EngineUnavailable as exc:
                return str(exc)
        return None

    def plan(self, lang: str, rate: float) -> Plan:
        wpm = wpm_for(rate)
        leftover = rate * BASE_WPM / wpm          # != 1 only when the rate was clamped to espeak-ng's range
        return Plan(voice=VOICES.get(lang, VOICES["en"]), synth_rate=f"{wpm}wpm",
                    playback_rate=1.0 if abs(leftover - 1.0) < 0.02 else round(leftover, 3))

    def synthesize(self, text: str, lang: str, plan: Plan) -> Synthesis:
        wpm = int(plan.synth_rate.removesuffix("wpm"))
        with _LIBRARY.lock:
            _LIBRARY.ensure_loaded()
            t0 = time.perf_counter()
            pcm, events = _LIBRARY.synth(text, plan.voice, wpm)
            sample_rate = _LIBRARY.sample_rate
        if not pcm:
            raise EngineError("espeak-ng produced no audio")
        log.debug("espeak-ng: %.2f s of audio in %.3f s", pcm_duration(pcm, sample_rate), time.perf_counter() - t0)
        sentences, starts = _sentence_times(text, events, sample_rate)
        return Synthesis(pcm_to_wav(pcm, sample_rate), "wav", pcm_duration(pcm, sample_rate), sentences, starts)


def _sentence_times(text: str, events: list[tuple[int, int]], sample_rate: int) -> tuple[list[str], list[float]]:
    """Slice ``text`` at the character positions espeak-ng reported; start times from the event samples."""
    positions = [(max(0, pos - 1), sample) for pos, sample in events]
    positions = [p for i, p in enumerate(positions) if i == 0 or p[0] > positions[i - 1][0]]   # strictly forward
    if not positions:
        return ([text.strip()], [0.0]) if text.strip() else ([], [])
    sentences, starts = [], []
    for i, (pos, sample) in enumerate(positions):
        start = 0 if i == 0 else pos                  # text before the first event belongs to the first sentence
        end = positions[i + 1][0] if i + 1 < len(positions) else len(text)
        piece = text[start:end].strip()
        if piece:
            sentences.append(piece)
            starts.append(round(sample / sample_rate, 3))
    return sentences, starts


register_voice("espeak", EspeakEngine, priority=10, offline=True)
