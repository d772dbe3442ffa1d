"""How full Gradio's queue is, read in the one place that knows Gradio's internals (``Blocks._queue``).

Gradio has no public API for its queue's length and timings; the Tour's early "busy" message and the server's busy
answer need them. ``read`` raises when Gradio's internals change (tests/test_queue_fill.py fails then); the page
treats that as "unknown", so Gradio's own answer to a full queue stands.
"""
from __future__ import annotations

from typing import Any

from vlmtok.app.tour import QueueLoad


def read(blocks: Any, slots: int = 1) -> QueueLoad:
    """Requests waiting, the queue's size, the slowest event's average seconds (None before any ran), ``slots``."""
    queue = blocks._queue
    times = [p.avg_time for p in queue.process_time_per_fn.values() if p.count]
    return QueueLoad(waiting=len(queue), max_size=queue.max_size, avg_s=max(times) if times else None, slots=slots)


def load(blocks: Any, slots: int = 1) -> QueueLoad | None:
    """``read``, or None when Gradio's internals are not what ``read`` expects (no early "busy" then)."""
    try:
        return read(blocks, slots)
    except (AttributeError, TypeError):
        return None


def room(blocks: Any) -> int | None:
    """Free places in the queue (None: unlimited)."""
    fill = read(blocks)
    return None if fill.max_size is None else fill.max_size - fill.waiting
