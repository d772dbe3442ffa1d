"""Narrators chosen by name: ``get_narrator("auto" | "smolvlm" | "onnx" | "openai" | "offline") -> (narrator, reason)``.

``auto`` takes the best registered backend that is available (a served model when ``VLMTOK_OPENAI_BASE_URL`` is set
and answers; SmolVLM's ONNX files in ONNX Runtime on a CPU when they are in the local cache; SmolVLM in PyTorch when its
weights are in the local cache or the Hub answers), else the offline narrator (colours
and layout only); the reason for the choice is returned and logged, so the app can say which narrator wrote a
description and why. Every narrator writes through
``BaseNarrator``, so a visitor's language the backend does not write itself goes through the translation stage.

A new backend is one module (a ``BaseNarrator`` with ``write``, and an availability check) and one
``register_narrator`` line below; builders are ``"module:attribute"`` strings, imported only when chosen.

>>> narrator, reason = get_narrator("auto")  # doctest: +SKIP
>>> narrator.describe(image, NarrationRequest(lang="vi", tier="short")).text  # doctest: +SKIP
"""
from vlmtok.narrate.backend import BaseNarrator
from vlmtok.narrate.base import AUDIENCES, TIERS, Narration, NarrationRequest, Narrator
from vlmtok.narrate.registry import AUTO, NARRATORS, get_narrator, list_narrators, register_narrator

__all__ = ["get_narrator", "list_narrators", "register_narrator", "NARRATORS", "AUTO", "BaseNarrator", "Narration",
           "NarrationRequest", "Narrator", "TIERS", "AUDIENCES"]

# registration order = list order; "auto" tries the highest priority first and falls back to "offline"
register_narrator("smolvlm", "vlmtok.narrate.smolvlm:SmolVLMNarrator", available="vlmtok.narrate.smolvlm:available",
                  priority=10, label="SmolVLM")
register_narrator("onnx", "vlmtok.narrate.onnx:OnnxNarrator", available="vlmtok.narrate.onnx:available",
                  priority=15, label="SmolVLM (ONNX Runtime)")
register_narrator("openai", "vlmtok.narrate.openai:OpenAINarrator", available="vlmtok.narrate.openai:available",
                  priority=20, label="served")
register_narrator("offline", "vlmtok.narrate.offline:OfflineNarrator", label="offline")
