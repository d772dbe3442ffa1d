"""Is the Hugging Face Hub reachable? Asked once per process, with a short timeout.

A museum basement or this CI machine has no Hub; a Space or a guide's laptop does. Code that can use the Hub asks
``hub_available()`` first, so an offline start costs one short probe instead of a long download timeout per model.
"""
from __future__ import annotations

import functools
import logging

from vlmtok import net, settings

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0


def hub_offline_forced() -> bool:
    """True when the user asked for offline mode (``HF_HUB_OFFLINE=1`` or ``VLMTOK_OFFLINE=1``)."""
    return settings.hf_hub_offline() or settings.offline_forced()


@functools.lru_cache(maxsize=1)
def hub_available(timeout: float = PROBE_TIMEOUT_S) -> bool:
    """One TCP connection to the Hub's endpoint (``HF_ENDPOINT`` respected) within ``timeout`` on the wall clock;
    False if offline is forced."""
    if hub_offline_forced():
        return False
    return net.reachable(settings.hf_endpoint(), timeout)   # name lookup included: no socket timeout covers it
