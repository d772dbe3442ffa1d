"""Speech for low-vision visitors: ``speak(text, lang, rate)`` -> ``SpeechResult`` (an audio file or a notice).

Voices, in the order ``auto`` tries them (their registry priorities): ``gtts`` (Google, online), ``piper`` (optional
neural English voice), ``espeak`` (espeak-ng, offline, GPL-3.0-or-later, loaded as a separate library at run time).
Each engine module registers its voice (``register_voice``); a new voice is one module and one import line here.
See ``vlmtok.speech.service`` for the fallback, cache and sentence-timing rules.
"""
from vlmtok.speech import espeak, google, piper_voice  # noqa: F401  (importing a module registers its voice)
from vlmtok.speech.base import (EngineError, EngineUnavailable, Synthesis, VoiceEntry, get_engine, get_voice,
                                list_engines, register_voice, split_sentences)
from vlmtok.speech.service import SpeechResult, engine_order, speak, speech_cache

__all__ = ["speak", "SpeechResult", "split_sentences", "list_engines", "get_engine", "get_voice", "register_voice",
           "VoiceEntry", "engine_order", "speech_cache", "EngineError", "EngineUnavailable", "Synthesis"]
