"""Is the Hugging Face Hub reachable? Asked once per process, with a short timeout.

A museum basement or this CI machine has no Hub; a Space or a guide's laptop does. Code that can use the Hub asks
``hub_available()`` first, so an offline start costs one short probe instead of a long download timeout per model.

The probe is one HTTP request through huggingface_hub's own client, the one its downloads use: a museum network
that reaches the Hub only through a proxy (``HTTPS_PROXY``, ``NO_PROXY``, its certificates) is online to the probe
exactly when it is online to the downloads.
"""
from __future__ import annotations

import functools
import logging

from vlmtok import settings

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0


def hub_offline_forced() -> bool:
    """True when the user asked for offline mode (``HF_HUB_OFFLINE=1`` or ``VLMTOK_OFFLINE=1``)."""
    return settings.hf_hub_offline() or settings.offline_forced()


@functools.lru_cache(maxsize=1)
def hub_available(timeout: float = PROBE_TIMEOUT_S) -> bool:
    """One HEAD request to the Hub's endpoint (``HF_ENDPOINT``, the proxy variables respected) through
    huggingface_hub's client; any HTTP answer counts. False if offline is forced."""
    if hub_offline_forced():
        return False
    from huggingface_hub.utils import get_session

    try:
        get_session().head(settings.hf_endpoint(), timeout=timeout)
        return True
    except Exception as exc:  # noqa: BLE001 - any failure to get an answer (DNS, refused, proxy, TLS) is "offline"
        log.info("Hugging Face Hub not reachable (%s): using local cache and offline assets", exc)
        return False
