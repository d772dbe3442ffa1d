"""vlmtok.guard: out-of-memory and hung calls end in a plain message, the slot comes back, the process lives."""
from __future__ import annotations

import re
import threading
import time

import pytest
import torch

from vlmtok import guard

LEAKS = re.compile(r"Traceback|File \"|/tmp/|/work/|/home/|\.py\b|Error\b|Exception|OutOfMemory")


def _plain(message: str | None) -> str:
    assert message and not LEAKS.search(message), message
    return message


def test_result_passes_through():
    result, message = guard.run_guarded(lambda a, b=0: a + b, 2, b=3, timeout_s=5)
    assert (result, message) == (5, None)


@pytest.mark.parametrize("exc", [torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
                                 MemoryError(),
                                 RuntimeError("[enforce fail at alloc_cpu.cpp:114] DefaultCPUAllocator: "
                                              "can't allocate memory: you tried to allocate 9999999 bytes")])
@pytest.mark.parametrize("lang,word", [("en", "busy"), ("vi", "bận")])
def test_out_of_memory_says_busy_and_next_call_works(exc, lang, word):
    def oom():
        raise exc

    g = guard.guarded(oom, timeout_s=5, lang=lang)
    assert g.kind == "busy" and word in _plain(g.message)
    assert guard.run_guarded(lambda: "fine", timeout_s=5) == ("fine", None)   # the next request succeeds


def test_out_of_memory_frees_memory(monkeypatch):
    freed = []
    monkeypatch.setattr(guard, "free_memory", lambda: freed.append(True))
    guard.run_guarded(lambda: (_ for _ in ()).throw(MemoryError()), timeout_s=5)
    assert freed == [True]


def test_other_errors_are_plain_and_logged(caplog):
    def broken():
        raise ValueError("/secret/path/model.safetensors is corrupt")

    with caplog.at_level("ERROR", logger="vlmtok.guard"):
        g = guard.guarded(broken, timeout_s=5, lang="vi")
    assert g.kind == "failed" and "/secret" not in _plain(g.message)
    assert any(r.exc_info for r in caplog.records)         # the details went to the log


def test_hung_call_returns_within_timeout_and_cancels():
    cancel, release = threading.Event(), threading.Event()

    def hang(cancel_event):
        cancel_event.wait(10)            # a cooperative model call stops when told
        release.set()
        return "late"

    t0 = time.perf_counter()
    g = guard.guarded(hang, cancel, timeout_s=0.3, cancel=cancel, lang="en")
    assert g.kind == "timeout" and time.perf_counter() - t0 < 2
    assert "too long" in _plain(g.message)
    assert release.wait(2)               # the worker was told to stop, and did


def test_stragglers_are_bounded(monkeypatch):
    """Calls that ignore cancel pile up only to MAX_STRAGGLERS; then new calls of that kind are refused as busy, at
    once, while other kinds of call (speaking a text while the narrator hangs) still run."""
    monkeypatch.setattr(guard, "MAX_STRAGGLERS", 2)
    gate = threading.Event()
    try:
        for _ in range(2):
            assert guard.guarded(gate.wait, 30, timeout_s=0.05).kind == "timeout"
        t0 = time.perf_counter()
        g = guard.guarded(gate.wait, 30, timeout_s=5)
        assert g.kind == "busy" and time.perf_counter() - t0 < 0.5
        assert guard.run_guarded(lambda: "x", timeout_s=5) == ("x", None)   # another kind: not made busy
        assert list(guard.iter_guarded(lambda: iter([1]), timeout_s=5)) == [(1, None)]
    finally:
        gate.set()
    deadline = time.monotonic() + 5
    while guard.stragglers() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert guard.run_guarded(lambda: "x", timeout_s=5) == ("x", None)   # slots come back when they finish


def test_iter_guarded_streams_items_then_stops():
    out = list(guard.iter_guarded(lambda: iter([1, 2, 3]), timeout_s=5))
    assert out == [(1, None), (2, None), (3, None)]


def test_iter_guarded_oom_mid_stream():
    def stream():
        yield "partial"
        raise torch.cuda.OutOfMemoryError("CUDA out of memory")

    out = list(guard.iter_guarded(stream, timeout_s=5, lang="en"))
    assert out[0] == ("partial", None)
    assert out[-1][0] is None and "busy" in _plain(out[-1][1])


def test_iter_guarded_stalled_stream_times_out():
    stop = threading.Event()

    def stream():
        yield "first"
        stop.wait(10)
        yield "never seen"

    t0 = time.perf_counter()
    out = list(guard.iter_guarded(stream, timeout_s=0.3, cancel=stop))
    assert out[0] == ("first", None) and "too long" in _plain(out[-1][1])
    assert time.perf_counter() - t0 < 2 and stop.is_set()


def test_guard_message_only_for_out_of_memory():
    assert guard.guard_message(ValueError("x"), "en") is None
    assert "bận" in guard.guard_message(MemoryError(), "vi")


def test_worker_sees_the_callers_context():
    """Gradio keeps the request (and its progress bar) in context variables; the worker thread must see them."""
    import contextvars

    var = contextvars.ContextVar("request", default=None)
    var.set("visitor-7")
    assert guard.run_guarded(var.get, timeout_s=5) == ("visitor-7", None)
    assert list(guard.iter_guarded(lambda: iter([var.get()]), timeout_s=5)) == [("visitor-7", None)]
