"""The narrator registry: each backend registers a builder and an availability check (timm's ``register_model`` idiom).

``get_narrator(name)`` builds a registered narrator by name; ``get_narrator("auto")`` walks the backends by priority,
highest first, asking each one's check, and takes the first that is available and starts, else the fallback
("offline"). It knows nothing about any backend: reasons are catalogue keys (``narrate.reason.*``) formatted with the
backend's display name. A builder or a check may be a ``"module:attribute"`` string, imported only when needed, so
``import vlmtok.narrate`` stays light (SmolVLM pulls in torch and transformers).

>>> register_narrator("echo", "my_pkg.echo:EchoNarrator", available="my_pkg.echo:available", priority=5,
...                   label="Echo")                                                    # doctest: +SKIP
"""
from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable

from vlmtok.i18n import normalize_lang, t
from vlmtok.narrate.base import Narrator

log = logging.getLogger(__name__)

AUTO = "auto"
FALLBACK = "offline"

Builder = Callable[..., Narrator]
Check = Callable[..., tuple[bool, str]]


@dataclass(frozen=True)
class NarratorEntry:
    """One registered backend.

    ``builder(**options)`` makes the narrator; ``available(**options)`` says ``(ok, why)`` without loading anything
    big (None: always available; ``(False, "")``: not set up here, so "auto" passes it by without a reason).
    Either may be a ``"module:attribute"`` string. ``priority``: "auto" tries higher first. ``label``: the display
    name reasons are worded with ("SmolVLM").
    """

    name: str
    builder: Builder | str
    available: Check | str | None = None
    priority: int = 0
    label: str = ""


NARRATORS: dict[str, NarratorEntry] = {}


def register_narrator(name: str, builder: Builder | str, *, available: Check | str | None = None,
                      priority: int = 0, label: str | None = None) -> NarratorEntry:
    """Add a narrator backend under ``name`` (a second registration of a name replaces the first)."""
    entry = NarratorEntry(name, builder, available, priority, label or name)
    NARRATORS[name] = entry
    return entry


def list_narrators() -> list[str]:
    """Names ``get_narrator`` accepts: "auto" first, then the registered narrators in registration order."""
    return [AUTO, *NARRATORS]


def _resolve(target: Callable | str) -> Callable:
    """A callable, or the attribute a ``"module:attribute"`` string names (``ImportError`` if it cannot be imported)."""
    if callable(target):
        return target
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


_SHARED: dict[tuple, Narrator] = {}
_SHARED_LOCK = threading.Lock()


def _create(name: str, **kw: Any) -> Narrator:
    """One narrator per (name, options) for the whole process: its model, caches and conversations are shared."""
    build = _resolve(NARRATORS[name].builder)
    key = (name, tuple(sorted(kw.items())))
    try:
        hash(key)
    except TypeError:  # options that are objects (a model handed in by a test or a benchmark): a private one
        return build(**kw)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = build(**kw)
        return _SHARED[key]


def _check(entry: NarratorEntry, **kw: Any) -> tuple[bool | None, str]:
    """``(available?, why)`` from the backend's check; ``(None, "")`` when its module cannot be imported."""
    try:
        check = _resolve(entry.available if entry.available is not None else entry.builder)
    except ImportError as exc:
        log.info("%s narrator not importable: %s", entry.label, exc)
        return None, ""
    if entry.available is None:
        return True, ""
    ok, why = check(**kw)
    return bool(ok), str(why)


def _start(entry: NarratorEntry, lang: str, **kw: Any) -> tuple[Narrator | None, str]:
    """The backend's narrator, started, with the reason; ``(None, reason)`` when it cannot be had."""
    name = entry.label
    ok, why = _check(entry, **kw)
    if ok is None:
        return None, t("narrate.reason.no_module", lang, name=name)
    if not ok:  # a check with no reason says "not set up here" (no server address): auto passes it by silently
        return None, t("narrate.reason.unavailable", lang, name=name, why=why) if why else ""
    try:
        narrator = _create(entry.name, **kw)
        warm_up = getattr(narrator, "warm_up", None)
        if callable(warm_up):                # load now (once per process): a download that fails falls back here
            warm_up()
        return narrator, t("narrate.reason.available", lang, name=name, why=why)
    except Exception:  # noqa: BLE001 - a narrator that cannot start must not stop the tour: fall back, log why
        log.exception("%s narrator could not be created; falling back to the %s narrator", name, FALLBACK)
        return None, t("narrate.reason.failed", lang, name=name)


def _auto(lang: str, **kw: Any) -> tuple[Narrator, str]:
    """The first backend by priority that is available and starts; else the fallback, with the first one's reason."""
    candidates = sorted((e for e in NARRATORS.values() if e.name != FALLBACK), key=lambda e: -e.priority)
    reasons: list[str] = []
    for entry in candidates:
        narrator, reason = _start(entry, lang, **kw)
        if narrator is not None:
            return narrator, reason
        if reason:
            reasons.append(reason)
    if len(reasons) > 1:
        log.info("no narrator backend is available: %s", "; ".join(reasons))
    return _create(FALLBACK), reasons[0] if reasons else t("narrate.reason.no_backend", lang)


def get_narrator(name: str = AUTO, lang: str = "en", **kw: Any) -> tuple[Narrator, str]:
    """Create a narrator by registry name.

    Args:
        name: "auto" (the best available backend, else offline) or a registered name (``list_narrators()``).
        lang: language of the returned reason ("en" or "vi").
        **kw: passed to the narrator (e.g. ``model_id=`` for SmolVLM); ``auto`` gives them to each backend it tries
            (check and builder), never to the fallback.

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
        narrator, reason = _create(key, **kw), t("narrate.reason.asked", lang)
    else:
        raise ValueError(f"Unknown narrator: {name!r}; known narrators: {', '.join(list_narrators())}")
    log.info("narrator %s chosen (%s)", narrator.name, reason)
    return narrator, reason
