"""Is the Hugging Face Hub reachable? Asked once per process, with a short timeout.

A museum basement or this CI machine has no Hub; a Space or a guide's laptop does. Code that can use the Hub asks
``hub_available()`` first, so an offline start costs one short probe instead of a long download timeout per model.

The probe is one HTTP request that goes as the downloads go, through the proxy the environment names
(``HTTPS_PROXY``, ``NO_PROXY``): a museum network that reaches the Hub only through a proxy is online to the probe
exactly when it is online to the downloads. ``vlmtok.net`` holds it to a wall-clock deadline, name lookup included.
"""
from __future__ import annotations

import functools
import http.client
import logging

from vlmtok import net, settings

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0


def hub_offline_forced() -> bool:
    """True when the user asked for offline mode (``HF_HUB_OFFLINE=1`` or ``VLMTOK_OFFLINE=1``)."""
    return settings.hf_hub_offline() or settings.offline_forced()


@functools.lru_cache(maxsize=1)
def hub_available(timeout: float = PROBE_TIMEOUT_S) -> bool:
    """One HEAD request to the Hub's endpoint (``HF_ENDPOINT``) within ``timeout`` on the wall clock, name lookup
    included, through the proxy the environment names (``HTTPS_PROXY``, ``NO_PROXY``), as the downloads go; any
    HTTP answer counts. False if offline is forced."""
    if hub_offline_forced():
        return False
    try:
        net.request("HEAD", settings.hf_endpoint(), limit_s=timeout)
        return True
    except (OSError, ValueError, http.client.HTTPException) as exc:   # TooSlow is an OSError (TimeoutError)
        log.info("Hugging Face Hub not reachable (%s): using local cache and offline assets", exc)
        return False
