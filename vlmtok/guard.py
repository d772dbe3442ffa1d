"""Keep one visitor's bad luck from becoming everyone's: out-of-memory and hung model calls end in a plain message.

A public demo runs a few model calls at once (Gradio's concurrency slots). Two things can take a slot away from
every other visitor: an out-of-memory error that leaves the process in a bad state, and a call that never returns.
``run_guarded`` runs a call in a worker thread and gives back either its result or a plain sentence for the
visitor, in their language, never a class name, traceback or path:

- out of memory (``torch.cuda.OutOfMemoryError``, ``MemoryError``, an allocator "out of memory" RuntimeError):
  memory is freed (``gc`` and the CUDA cache) and the visitor reads "busy, please try again";
- no answer after ``timeout_s``: the slot is handed back at once with "taking too long, please try again"; the
  call's ``cancel`` event is set so a cooperative call (SmolVLM's ``stream(..., cancel=)``) stops within a token,
  and a call that ignores it finishes in the background (at most ``MAX_STRAGGLERS`` of one kind at once; beyond
  that new calls of that kind are refused as busy instead of piling up threads, while other kinds, such as
  speaking a text when the narrator hangs, go on);
- a ``vlmtok.errors.VisitorError`` (a picture that cannot be used, a model not on this device): the visitor reads
  its own plain message;
- any other error: logged with its traceback, the visitor reads "something went wrong, please try again".

>>> result, message = run_guarded(narrator.describe, image, request, timeout_s=60, lang="vi")  # doctest: +SKIP
>>> text = result.text if message is None else message  # doctest: +SKIP

``iter_guarded`` does the same for a generator (a streamed description): items arrive as they are made, each
within ``timeout_s`` of the last one.

Wiring it into the app is one line per callback (see ``guard_message`` for code that catches errors itself).
"""
from __future__ import annotations

import contextvars
import gc
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from vlmtok.errors import VisitorError
from vlmtok.i18n import t

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 120.0
"""A short SmolVLM description on a 2-core CPU takes ~20-40 s; twice the worst seen, then give the slot back."""
MAX_STRAGGLERS = 4
"""Timed-out calls still running in the background; more would only steal CPU from the visitors still waiting."""

@dataclass
class Guarded:
    """What a guarded call gave: its ``result``, or a ``message`` for the visitor and the ``kind`` of failure."""

    result: Any = None
    message: str | None = None
    kind: str | None = None            # None (it worked), "busy" (out of memory / too many stragglers), "timeout", "failed"
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.kind is None


# ----------------------------------------------------------------------------------------------------------------
# Classifying errors


def is_out_of_memory(exc: BaseException) -> bool:
    """True for ``MemoryError``, ``torch.cuda.OutOfMemoryError`` and allocator errors that say "out of memory"."""
    if isinstance(exc, MemoryError):
        return True
    torch = sys.modules.get("torch")   # never import torch just to classify an error
    cuda_oom = getattr(getattr(torch, "cuda", None), "OutOfMemoryError", None) if torch else None
    if cuda_oom is not None and isinstance(exc, cuda_oom):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def free_memory() -> None:
    """Collect garbage and hand cached CUDA blocks back to the driver (after an out-of-memory error)."""
    gc.collect()
    torch = sys.modules.get("torch")
    try:
        if torch is not None and torch.cuda.is_available():
            torch.cuda.empty_cache()
    except Exception:
        log.debug("could not empty the CUDA cache", exc_info=True)


def guard_message(exc: BaseException, lang: str | None = "en") -> str | None:
    """The plain "busy, please try again" for an out-of-memory error (memory freed first), else None.

    For code that already catches its errors (``vlmtok.app.callbacks._failure``): ``guard_message(exc, lang) or t("failed")``.
    """
    if not is_out_of_memory(exc):
        return None
    log.warning("out of memory (%s); memory freed, visitor asked to retry", type(exc).__name__)
    free_memory()
    return t("guard.busy", lang)


def _outcome_for(exc: BaseException, lang: str | None, started: float) -> Guarded:
    elapsed = time.perf_counter() - started
    busy = guard_message(exc, lang)
    if busy is not None:
        return Guarded(message=busy, kind="busy", elapsed_s=elapsed)
    if isinstance(exc, VisitorError):  # its own plain message (a picture we cannot use, a model not on this device)
        log.info("guarded call refused: %s: %s", type(exc).__name__, exc)
        return Guarded(message=exc.user_message_for(lang), kind="failed", elapsed_s=elapsed)
    log.error("guarded call failed: %s", type(exc).__name__, exc_info=exc)
    return Guarded(message=t("guard.failed", lang), kind="failed", elapsed_s=elapsed)


# ----------------------------------------------------------------------------------------------------------------
# Worker threads, bounded


class _Stragglers:
    """Counts worker threads that outlived their timeout (and any still running), per kind of call: stragglers of
    one kind (a hung narrator) never make another kind (speaking a text, another tab) busy."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0
        self.by_kind: dict[str, int] = {}

    def try_enter(self, kind: str, limit: int) -> bool:
        with self._lock:
            if self.by_kind.get(kind, 0) >= limit:
                return False
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            self.running += 1
            return True

    def leave(self, kind: str) -> None:
        with self._lock:
            self.by_kind[kind] -= 1
            self.running -= 1
            if not self.by_kind[kind]:
                del self.by_kind[kind]


_STRAGGLERS = _Stragglers()
_END = object()


def stragglers() -> int:
    """Guarded worker threads still running now (including timed-out ones still finishing)."""
    return _STRAGGLERS.running


def _start_worker(target: Callable[[], None], name: str, kind: str) -> bool:
    """Start ``target`` in a daemon thread counted in ``_STRAGGLERS`` under ``kind``; False when too many of that
    kind are already running."""
    if not _STRAGGLERS.try_enter(kind, MAX_STRAGGLERS + _slots_in_use()):
        return False

    context = contextvars.copy_context()    # the request's context (Gradio's progress tracker) goes along

    def work() -> None:
        try:
            context.run(target)
        finally:
            _STRAGGLERS.leave(kind)

    threading.Thread(target=work, name=name, daemon=True).start()
    return True


_IN_USE = [0]
_IN_USE_LOCK = threading.Lock()


def _slots_in_use() -> int:
    """Workers some visitor is still waiting on (not stragglers); the straggler limit comes on top of these."""
    return _IN_USE[0]


class _Waiting:
    def __enter__(self) -> None:
        with _IN_USE_LOCK:
            _IN_USE[0] += 1

    def __exit__(self, *exc: object) -> None:
        with _IN_USE_LOCK:
            _IN_USE[0] -= 1


# ----------------------------------------------------------------------------------------------------------------
# Public API


def guarded(fn: Callable[..., T], *args: Any, timeout_s: float = DEFAULT_TIMEOUT_S, lang: str | None = "en",
            cancel: threading.Event | None = None, **kwargs: Any) -> Guarded:
    """Run ``fn(*args, **kwargs)`` in a worker thread; a ``Guarded`` with its result or a plain message.

    Args:
        timeout_s: seconds to wait for the result before giving up (the worker is told through ``cancel``).
        lang: language of the message ("en" / "vi").
        cancel: set on timeout; pass the same event into ``fn`` (e.g. ``narrator.describe(img, req, cancel)``)
            so it can stop early.
    """
    started, box = time.perf_counter(), queue.Queue(maxsize=1)

    def target() -> None:
        try:
            box.put((True, fn(*args, **kwargs)))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread, which classifies it
            box.put((False, exc))

    if not _start_worker(target, name=f"guarded-{getattr(fn, '__name__', 'call')}", kind=_kind(fn)):
        log.warning("%d guarded calls still running; refusing a new one as busy", stragglers())
        return Guarded(message=t("guard.busy", lang), kind="busy")
    with _Waiting():
        try:
            ok, value = box.get(timeout=timeout_s)
        except queue.Empty:
            return _timed_out(fn, timeout_s, lang, cancel, started)
    if ok:
        return Guarded(result=value, elapsed_s=time.perf_counter() - started)
    return _outcome_for(value, lang, started)


def _kind(fn: Callable) -> str:
    """Which stragglers a call counts among: its function's qualified name (a narration step, speaking a text)."""
    return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', type(fn).__name__)}"


def _timed_out(fn: Callable, timeout_s: float, lang: str | None, cancel: threading.Event | None,
               started: float) -> Guarded:
    if cancel is not None:
        cancel.set()
    log.warning("%s gave no answer within %.0f s; slot handed back", getattr(fn, "__name__", "call"), timeout_s)
    return Guarded(message=t("guard.timeout", lang), kind="timeout", elapsed_s=time.perf_counter() - started)


def run_guarded(fn: Callable[..., T], *args: Any, timeout_s: float = DEFAULT_TIMEOUT_S, lang: str | None = "en",
                cancel: threading.Event | None = None, **kwargs: Any) -> tuple[T | None, str | None]:
    """``(result, None)`` when ``fn(*args, **kwargs)`` worked, else ``(None, plain message)``. See ``guarded``."""
    g = guarded(fn, *args, timeout_s=timeout_s, lang=lang, cancel=cancel, **kwargs)
    return g.result, g.message


def iter_guarded(items: Callable[[], Iterable[T]], *, timeout_s: float = DEFAULT_TIMEOUT_S,
                 lang: str | None = "en", cancel: threading.Event | None = None,
                 then_s: Callable[[T], float | None] | None = None) -> Iterator[tuple[T | None, str | None]]:
    """Stream ``items()`` from a worker thread: ``(item, None)`` per item, then ``(None, message)`` if it failed.

    Each item must arrive within ``timeout_s`` of the previous one (a stalled stream ends with the timeout
    message and ``cancel`` set). Closing this generator early sets ``cancel`` too. ``then_s(item)``: the wait
    for the items after ``item`` when it is not ``timeout_s`` (None: ``timeout_s``), e.g. once a narration's text
    is complete, the rest is speech, under the voice's own deadline rather than the narration's.

    >>> for result, message in iter_guarded(lambda: ui.describe_stream(path, "vi"), timeout_s=60, lang="vi"):
    ...     yield result if message is None else failure(message)  # doctest: +SKIP
    """
    started, box, stop = time.perf_counter(), queue.Queue(), cancel or threading.Event()

    def target() -> None:
        try:
            for item in items():
                box.put((True, item))
                if stop.is_set():
                    break
            box.put((True, _END))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which classifies it
            box.put((False, exc))

    if not _start_worker(target, name="guarded-stream", kind=_kind(items)):
        yield None, t("guard.busy", lang)
        return
    with _Waiting():
        try:
            yield from _drain(box, timeout_s, lang, stop, started, then_s)
        finally:
            stop.set()


def _drain(box: queue.Queue, timeout_s: float, lang: str | None, stop: threading.Event,
           started: float, then_s: Callable[[Any], float | None] | None = None) -> Iterator[tuple[Any, str | None]]:
    wait = timeout_s
    while True:
        try:
            ok, value = box.get(timeout=wait)
        except queue.Empty:
            yield None, _timed_out(_drain, wait, lang, stop, started).message
            return
        if not ok:
            yield None, _outcome_for(value, lang, started).message
            return
        if value is _END:
            return
        later = then_s(value) if then_s is not None else None
        wait = later if later is not None else wait
        yield value, None
