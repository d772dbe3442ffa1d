"""What every speech engine (a voice) is and returns, the voice registry, and sentence splitting.

An engine turns text into audio bytes; it never touches the disk (the cache in ``vlmtok.speech.service`` does, and
writes atomically). Each engine module registers its voice with ``register_voice(name, builder, priority=...,
offline=...)`` (the encoders' and narrators' idiom); ``auto`` tries them by priority, highest first. Engines are
chosen by name: ``get_engine("espeak")``; unknown names raise listing known ones.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol
from collections.abc import Callable

from vlmtok.speech.audio import mp3_duration, pcm_duration, pcm_to_wav
from vlmtok.text import split_sentences  # noqa: F401 - part of this module's interface


class EngineError(RuntimeError):
    """Synthesis failed. The message is a short plain reason, kept in ``SpeechResult.fallback_reasons``."""


class EngineUnavailable(EngineError):
    """The engine cannot run here at all (not installed, no voice for the language, offline)."""


@dataclass(frozen=True)
class Plan:
    """How an engine honours a requested speed.

    ``synth_rate`` is what the engine is asked for (words per minute, "slow"/"normal", a length scale) and is part
    of the cache key; ``playback_rate`` is the speed the player must apply on top (1.0 when the engine did it all).
    """

    voice: str
    synth_rate: str
    playback_rate: float


@dataclass
class Synthesis:
    """Audio an engine produced, with the start of each sentence in the audio's own timeline (seconds)."""

    audio: bytes
    format: str                                        # "wav" or "mp3"
    duration_s: float
    sentences: list[str] = field(default_factory=list)
    sentence_starts: list[float] = field(default_factory=list)


class Engine(Protocol):
    """A speech engine. ``unavailable_reason`` is cheap (no synthesis); ``synthesize`` may raise ``EngineError``."""

    name: str
    fmt: str

    def unavailable_reason(self, lang: str) -> str | None: ...

    def plan(self, lang: str, rate: float) -> Plan: ...

    def synthesize(self, text: str, lang: str, plan: Plan) -> Synthesis: ...


# --- registry ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VoiceEntry:
    """One registered voice: ``builder()`` makes its engine (once per process).

    ``priority``: ``auto`` tries higher first. ``offline``: it speaks without the network (offline mode keeps it,
    and falling back from one offline voice to another is no news to the visitor).
    """

    name: str
    builder: Callable[[], Engine]
    priority: int = 0
    offline: bool = True


_VOICES: dict[str, VoiceEntry] = {}
_INSTANCES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def register_voice(name: str, builder: Callable[[], Engine], *, priority: int = 0,
                   offline: bool = True) -> VoiceEntry:
    """Add a voice under ``name`` (a second registration of a name replaces the first)."""
    voice = VoiceEntry(name, builder, priority, offline)
    _VOICES[name] = voice
    return voice


def list_engines() -> list[str]:
    """Registered voice names, in the order ``auto`` tries them (priority, highest first; ties: registration)."""
    return [v.name for v in sorted(_VOICES.values(), key=lambda v: -v.priority)]


def get_voice(name: str) -> VoiceEntry:
    """The registry entry of ``name``.

    Raises:
        ValueError: unknown name; the message lists the known ones.
    """
    if name not in _VOICES:
        raise ValueError(f"Unknown speech engine: {name!r}; known: auto, {', '.join(list_engines())}")
    return _VOICES[name]


def get_engine(name: str) -> Engine:
    """The (shared) engine called ``name`` (``ValueError`` for an unknown name, listing the known ones)."""
    voice = get_voice(name)
    with _LOCK:
        if name not in _INSTANCES:
            _INSTANCES[name] = voice.builder()
        return _INSTANCES[name]


# --- sentences: one splitter for speech, highlighting, tier trimming and translation (vlmtok.text) ---


# --- joining per-sentence audio ------------------------------------------------------------------------------

def join_wav_sentences(sentences: list[str], pcm_parts: list[bytes], sample_rate: int,
                       gap_s: float = 0.0) -> Synthesis:
    """One WAV from per-sentence 16-bit mono PCM, with each sentence's start time (optionally a pause between)."""
    gap = bytes(2 * int(round(gap_s * sample_rate)))
    starts, chunks, t = [], [], 0.0
    for i, pcm in enumerate(pcm_parts):
        if i and gap:
            chunks.append(gap)
            t += pcm_duration(gap, sample_rate)
        starts.append(round(t, 3))
        chunks.append(pcm)
        t += pcm_duration(pcm, sample_rate)
    audio = pcm_to_wav(b"".join(chunks), sample_rate)
    return Synthesis(audio, "wav", t, list(sentences), starts)


def join_mp3_sentences(sentences: list[str], mp3_parts: list[bytes]) -> Synthesis:
    """One MP3 from per-sentence MP3 streams (frames concatenate), with each sentence's start time."""
    starts, t = [], 0.0
    for part in mp3_parts:
        starts.append(round(t, 3))
        t += mp3_duration(part)
    return Synthesis(b"".join(mp3_parts), "mp3", t, list(sentences), starts)
