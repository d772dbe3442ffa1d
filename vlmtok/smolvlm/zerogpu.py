"""Hugging Face ZeroGPU: ``spaces.GPU`` where it works, a no-op elsewhere, and its quota errors in plain words.

ZeroGPU runs a ``@spaces.GPU`` function in a forked worker that holds the GPU for ``duration`` seconds; the
arguments and the values it yields are pickled across. ``gpu(duration=...)`` is ``spaces.GPU`` when the package is
installed and the Space is a ZeroGPU one (``SPACES_ZERO_GPU``), and returns the function unchanged anywhere else
(``spaces.GPU`` itself does nothing off ZeroGPU; the shim covers machines without the package). ``import spaces``
must come before anything initialises CUDA: ``app.py`` calls ``import_spaces()`` first.

A quota or queue refusal reaches vlmtok as a ``gradio.Error`` titled "ZeroGPU quota exceeded" (with
"Try again in 0:04:12") or "ZeroGPU queue timeout"; ``visitor_error(exc)`` turns it into a ``GpuUnavailable``
whose message is the catalogue's, in the visitor's language, with the wait it named.

>>> visitor_error(RuntimeError("You have exceeded your free ZeroGPU quota (60s requested vs. 0s left). "
...                            "Try again in 0:04:12.")).user_message_for("en")
'Free GPU time is used up for now. Please try again in about 4 minutes.'
"""
from __future__ import annotations

import logging
import math
import re
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from vlmtok import settings
from vlmtok.errors import VisitorError
from vlmtok.i18n import t

log = logging.getLogger(__name__)

_WAIT = re.compile(r"try again in (?:(\d+) days?, )?(\d+):(\d{2}):(\d{2})", re.IGNORECASE)
_QUOTA = re.compile(r"quota|gpu limit|runs limit|credits", re.IGNORECASE)
_QUEUE = re.compile(r"no gpu was available|queue|gpu task aborted|worker error", re.IGNORECASE)


def import_spaces() -> Any:
    """``import spaces`` when it is installed (it must precede CUDA's initialisation on ZeroGPU); else None."""
    try:
        import spaces
    except ImportError:
        return None
    return spaces


def on_zero_gpu() -> bool:
    """True on a ZeroGPU Space (``SPACES_ZERO_GPU`` set) with the ``spaces`` package installed."""
    return settings.zero_gpu() and import_spaces() is not None


def describe_on_upload() -> bool:
    """Whether a new picture in the Tour is described at once. Not on ZeroGPU: each description is a GPU job paid
    from the visitor's own daily quota (a few minutes for a visitor without an account), so there the visitor
    presses Describe; a picture only looked at in Compare or uploaded by mistake costs nothing."""
    return not settings.zero_gpu()


def gpu(duration: int | Callable[..., int]) -> Callable[[Callable], Callable]:
    """``spaces.GPU(duration=duration)`` on ZeroGPU; elsewhere the function is returned as it is.

    ``duration`` may be a function of the decorated function's arguments (ZeroGPU's dynamic duration).
    """
    def decorate(fn: Callable) -> Callable:
        spaces = import_spaces() if settings.zero_gpu() else None
        return spaces.GPU(duration=duration)(fn) if spaces is not None else fn

    return decorate


# ----------------------------------------------------------------------------------------------------------------
# Requested durations, from measured ones


class GpuClock:
    """ZeroGPU's requested ``duration`` for a job, from how long jobs took here.

    A visitor's quota must cover the duration a job *requests* (ZeroGPU refuses it otherwise), so asking for the
    worst case turns visitors away who have time left. Each finished job records its measured seconds against
    ``work_s``, the worst-case estimate it was made for (tiles and tokens on a shared GPU); a new job requests its
    own worst case scaled by the slowest recent ratio, times ``margin``, plus ``start_s`` for a worker's start
    (fork, weights moved to the GPU), within ``[floor_s, ceiling_s]``. Before any measurement: the worst case.

    >>> clock = GpuClock()
    >>> clock.request(30.0), clock.record(30.0, 3.0), clock.request(30.0), clock.request(60.0)
    (30, None, 10, 14)
    """

    def __init__(self, start_s: float = 5.0, margin: float = 1.5, floor_s: int = 10, ceiling_s: int = 120,
                 keep: int = 16):
        self.start_s, self.margin, self.floor_s, self.ceiling_s = start_s, margin, floor_s, ceiling_s
        self.ratios: deque[float] = deque(maxlen=keep)         # measured s / worst-case s, the last ``keep`` jobs
        self.lock = threading.Lock()

    def record(self, work_s: float, measured_s: float) -> None:
        if work_s > 0 and measured_s >= 0:
            with self.lock:
                self.ratios.append(measured_s / work_s)

    def request(self, work_s: float) -> int:
        with self.lock:
            ratio = max(self.ratios) if self.ratios else None
        seconds = work_s if ratio is None else self.start_s + self.margin * ratio * work_s
        return int(min(self.ceiling_s, max(self.floor_s, math.ceil(round(seconds, 6)))))


# ----------------------------------------------------------------------------------------------------------------
# Quota and queue errors


class GpuUnavailable(VisitorError, RuntimeError):
    """The shared GPU refused this narration: its free quota is spent (``wait_s`` says for how long, when it
    said) or no GPU came free in time. The visitor's message names the wait in their language."""

    message_key = "smolvlm.gpu.busy"

    def __init__(self, reason: str, kind: str = "busy", wait_s: float | None = None):
        key = f"smolvlm.gpu.{kind}" + ("_wait" if kind == "quota" and wait_s else "")
        super().__init__(reason, key=key)
        self.kind, self.wait_s = kind, wait_s

    def user_message_for(self, lang: str | None) -> str:
        return t(self.key, lang, wait=wait_words(self.wait_s, lang) if self.wait_s else "")


def wait_words(seconds: float, lang: str | None) -> str:
    """A wait as a person says it: "less than a minute", "about a minute", "about 4 minutes", "about 2 hours"."""
    if seconds < 60:
        return t("smolvlm.wait.under_minute", lang)
    minutes = math.ceil(seconds / 60 - 0.25)                 # 0:04:12 -> about 4 minutes; 0:04:50 -> about 5
    if minutes <= 1:
        return t("smolvlm.wait.minute", lang)
    if minutes < 90:
        return t("smolvlm.wait.minutes", lang, n=minutes)
    return t("smolvlm.wait.hours", lang, n=round(minutes / 60))


def wait_seconds(text: str) -> float | None:
    """The wait in ZeroGPU's "Try again in 0:04:12" (or "1 day, 2:00:00"), in seconds; None when it names none."""
    match = _WAIT.search(text)
    if match is None:
        return None
    days, h, m, s = (int(g) if g else 0 for g in match.groups())
    return float(((days * 24 + h) * 60 + m) * 60 + s)


def visitor_error(exc: BaseException) -> GpuUnavailable | None:
    """A ``GpuUnavailable`` for a ZeroGPU quota / queue refusal, None for any other error (and for ours)."""
    if isinstance(exc, VisitorError):
        return None
    title = str(getattr(exc, "title", "") or "")
    message = str(getattr(exc, "message", "") or exc)
    text = f"{title} {message}"
    if "zerogpu" not in text.lower() and "gpu" not in title.lower() and not _WAIT.search(text):
        return None
    wait = wait_seconds(text)
    if _QUOTA.search(text) or wait is not None:
        return GpuUnavailable(text.strip(), "quota", wait)
    if _QUEUE.search(text):
        return GpuUnavailable(text.strip(), "busy")
    return None
