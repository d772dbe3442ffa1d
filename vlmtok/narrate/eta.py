"""How long a narration will take here, said before it starts: measured on this hardware, remembered on disk.

Every narration that is really written (not read back from the narration cache, not a stand-in's) records its
total time under (narrator, model, where it runs, detail, tier, description or question). Before the next one of
the same kind the status line says "Expected time on this hardware: about 24 s (low detail, measured)"; the first
one on new hardware says it is being timed. "Where" is the server for a served narrator, else this machine (its
GPU, or its CPU count and threads). The times live in the cache folder (``timings/``), so a restart remembers them;
a running average follows the machine as it warms up or gets busy. Narrators without a model (the offline one
answers in milliseconds) are never announced.

>>> expected(narrator, request)  # doctest: +SKIP
{'seconds': 24.3, 'measured': 5, 'detail': 'low'}
"""
from __future__ import annotations

import logging
import os
from typing import Any

from vlmtok.cache import DiskCache, cache_key
from vlmtok.i18n import t
from vlmtok.narrate.base import detail_of

log = logging.getLogger(__name__)

VERSION = 1
WEIGHT = 0.3                  # running average: the newest time's share
STORE_BYTES = 1024 * 1024     # ~200 bytes a kind of narration
DETAILS = ("low", "normal", "high")


def _store() -> DiskCache:
    return DiskCache("timings", max_bytes=STORE_BYTES)


def hardware() -> str:
    """This machine as a timing depends on it: "cuda:NVIDIA A10G", "cpu:x86_64:2 cores:2 threads", or "zerogpu"
    (whose GPU is lent per call: CUDA is never touched outside one, so it is not asked its name)."""
    import platform

    import torch

    from vlmtok import settings
    from vlmtok.device import runtime

    if settings.zero_gpu():
        return "zerogpu"
    if runtime().is_cuda:
        try:
            return f"cuda:{torch.cuda.get_device_name(0)}"
        except Exception:  # noqa: BLE001
            return "cuda"
    return f"cpu:{platform.machine()}:{os.cpu_count()} cores:{torch.get_num_threads()} threads"


def where(narrator: Any) -> str:
    """Where the narrator's work runs: its server, or this machine."""
    server = getattr(narrator, "server", None)
    return f"server:{server}" if server else hardware()


def _timed(narrator: Any) -> bool:
    return getattr(narrator, "model_id", None) is not None


def _key(narrator: Any, request: Any) -> str:
    return cache_key(VERSION, narrator.name, getattr(narrator, "model_id", None), where(narrator),
                     detail_of(narrator, request), request.tier, bool(request.question))


def record(narrator: Any, request: Any, narration: Any) -> None:
    """Remember how long ``narration`` took (a cache hit, a stand-in's answer or a model-less narrator: nothing)."""
    ms = float(narration.timings.get("total_ms") or 0.0)
    if (not _timed(narrator) or narration.narrator != narrator.name or narration.timings.get("cached")
            or narration.weights_source == "random" or ms <= 0):
        return
    try:
        store, key = _store(), _key(narrator, request)
        old = store.get_json(key) or {}
        n = int(old.get("n", 0))
        avg = ms if n == 0 else (1 - WEIGHT) * float(old["ms"]) + WEIGHT * ms
        store.put_json(key, {"ms": avg, "n": n + 1, "last_ms": ms})
    except Exception:  # noqa: BLE001 - a timing must never break a narration
        log.warning("could not record a narration time", exc_info=True)


def expected(narrator: Any, request: Any, image: Any = None) -> dict[str, Any] | None:
    """``{"seconds", "measured", "detail"}`` for a narration like ``request`` here; ``measured`` 0: never timed.

    None for a narrator that is not timed (no model), or when the narration cache already holds this description
    of ``image`` (it comes back at once).
    """
    if not _timed(narrator) or (image is not None and _cached(narrator, image, request)):
        return None
    detail = detail_of(narrator, request)
    try:
        hit = _store().get_json(_key(narrator, request)) or {}
    except Exception:  # noqa: BLE001
        hit = {}
    n = int(hit.get("n", 0))
    return {"seconds": round(float(hit["ms"]) / 1e3, 1) if n else None, "measured": n, "detail": detail}


def sentence(narrator: Any, request: Any, lang: str = "en", image: Any = None) -> str:
    """The status line's words before a narration starts ("" when there is nothing worth saying)."""
    guess = expected(narrator, request, image)
    if guess is None:
        return ""
    detail = guess["detail"]
    named = t(f"eta.detail_{detail}", lang) if detail in DETAILS else detail
    if not guess["measured"]:
        return t("eta.first", lang, detail=named)
    return t("eta.expected", lang, seconds=max(1, round(guess["seconds"])), detail=named)


def _cached(narrator: Any, image: Any, request: Any) -> bool:
    """The narration cache holds this description already."""
    if request.question:
        return False
    from vlmtok.narrate.cache import narration_cache, narration_key

    try:
        return narration_cache().get_path(narration_key(narrator, image, request), ".json") is not None
    except Exception:  # noqa: BLE001
        return False
