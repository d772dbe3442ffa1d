"""Narrators chosen by name: ``get_narrator("auto" | "smolvlm" | "offline") -> (narrator, reason)``.

``auto`` picks SmolVLM when its weights are in the local cache or the Hub answers, else the offline narrator
(colours and layout only); the reason for the choice is returned and logged, so the app can say which narrator
wrote a description and why.

>>> narrator, reason = get_narrator("auto")  # doctest: +SKIP
>>> narrator.describe(image, NarrationRequest(lang="vi", tier="short")).text  # doctest: +SKIP
"""
from __future__ import annotations

import importlib
import threading
import logging
from typing import Any

from vlmtok.i18n import normalize_lang, pick
from vlmtok.narrate.base import AUDIENCES, TIERS, Narration, NarrationRequest, Narrator

log = logging.getLogger(__name__)

__all__ = ["get_narrator", "list_narrators", "Narration", "NarrationRequest", "Narrator", "TIERS", "AUDIENCES"]

# registry name -> (module, class); modules are imported only when chosen (SmolVLM pulls in torch/transformers)
NARRATORS: dict[str, tuple[str, str]] = {
    "smolvlm": ("vlmtok.narrate.smolvlm", "SmolVLMNarrator"),
    "offline": ("vlmtok.narrate.offline", "OfflineNarrator"),
}
AUTO = "auto"

REASONS = {
    "asked": {"en": "chosen by name", "vi": "được chọn theo tên"},
    "no_module": {"en": "the SmolVLM narrator is not installed; using the offline description",
                  "vi": "chưa cài trình mô tả SmolVLM; dùng mô tả ngoại tuyến"},
    "unavailable": {"en": "SmolVLM is not available ({why}); using the offline description",
                    "vi": "SmolVLM không dùng được ({why}); dùng mô tả ngoại tuyến"},
    "failed": {"en": "SmolVLM could not be started; using the offline description",
               "vi": "không khởi động được SmolVLM; dùng mô tả ngoại tuyến"},
    "available": {"en": "SmolVLM is available ({why})", "vi": "SmolVLM sẵn sàng ({why})"},
}


def list_narrators() -> list[str]:
    """Names ``get_narrator`` accepts: "auto" first, then the registered narrators."""
    return [AUTO, *NARRATORS]


_SHARED: dict[tuple, Narrator] = {}
_SHARED_LOCK = threading.Lock()


def _create(name: str, **kw: Any) -> Narrator:
    """One narrator per (name, options) for the whole process: its model, caches and conversations are shared."""
    key = (name, tuple(sorted(kw.items())))
    try:
        hash(key)
    except TypeError:  # options that are objects (a model handed in by a test or a benchmark): a private one
        module, cls = NARRATORS[name]
        return getattr(importlib.import_module(module), cls)(**kw)
    with _SHARED_LOCK:
        if key not in _SHARED:
            module, cls = NARRATORS[name]
            _SHARED[key] = getattr(importlib.import_module(module), cls)(**kw)
        return _SHARED[key]


def _smolvlm_check(model_id: str | None) -> tuple[bool | None, str]:
    """(available?, why) from the SmolVLM module; (None, "") when that module cannot be imported."""
    try:
        module = importlib.import_module(NARRATORS["smolvlm"][0])
    except ImportError as exc:
        log.info("SmolVLM narrator not importable: %s", exc)
        return None, ""
    check = getattr(module, "smolvlm_available", None) or getattr(module.SmolVLMNarrator, "smolvlm_available")
    ok, why = check(model_id) if model_id else check()
    return bool(ok), str(why)


def _auto(lang: str, **kw: Any) -> tuple[Narrator, str]:
    ok, why = _smolvlm_check(kw.get("model_id"))
    if ok is None:
        return _create("offline"), pick(REASONS["no_module"], lang)
    if not ok:
        return _create("offline"), pick(REASONS["unavailable"], lang, why=why)
    try:
        narrator = _create("smolvlm", **kw)
        narrator.loaded  # noqa: B018 - load now (cached per process), so a download that fails falls back here
        return narrator, pick(REASONS["available"], lang, why=why)
    except Exception:  # noqa: BLE001 - a narrator that cannot start must not stop the tour: fall back, log why
        log.exception("SmolVLM narrator could not be created; falling back to the offline narrator")
        return _create("offline"), pick(REASONS["failed"], lang)


def get_narrator(name: str = AUTO, lang: str = "en", **kw: Any) -> tuple[Narrator, str]:
    """Create a narrator by registry name.

    Args:
        name: "auto" (SmolVLM if available, else offline), "smolvlm" or "offline".
        lang: language of the returned reason ("en" or "vi").
        **kw: passed to the narrator (e.g. ``model_id=`` for SmolVLM); ``auto`` gives them to SmolVLM only.

    Returns:
        ``(narrator, reason)``: the reason says in plain words why this narrator was chosen.

    Raises:
        ValueError: unknown name (the message lists the known ones).
    """
    key = (name or AUTO).strip().lower()
    lang = normalize_lang(lang)
    if key == AUTO:
        narrator, reason = _auto(lang, **kw)
    elif key in NARRATORS:
        narrator, reason = _create(key, **kw), pick(REASONS["asked"], lang)
    else:
        raise ValueError(f"Unknown narrator: {name!r}; known narrators: {', '.join(list_narrators())}")
    log.info("narrator %s chosen (%s)", narrator.name, reason)
    return narrator, reason
