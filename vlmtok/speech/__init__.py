"""Speech for low-vision visitors: ``speak(text, lang, rate)`` -> ``SpeechResult`` (an audio file or a notice).

Engines, in the order ``auto`` tries them: ``gtts`` (Google, online), ``piper`` (optional neural English voice),
``espeak`` (espeak-ng, offline, GPL-3.0-or-later, loaded as a separate library at run time). See
``vlmtok.speech.service`` for the fallback, cache and sentence-timing rules.
"""
from vlmtok.speech import google, piper_voice, espeak  # noqa: F401  (registration order = auto order)
from vlmtok.speech.base import EngineError, EngineUnavailable, Synthesis, get_engine, list_engines, split_sentences
from vlmtok.speech.service import (NOTICE_UNAVAILABLE, SpeechResult, engine_order, speak, speech_cache)

__all__ = ["speak", "SpeechResult", "split_sentences", "list_engines", "get_engine", "engine_order",
           "speech_cache", "EngineError", "EngineUnavailable", "Synthesis", "NOTICE_UNAVAILABLE"]
