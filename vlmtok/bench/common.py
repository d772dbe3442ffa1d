"""Small helpers shared by the benchmarks: medians, resident memory, machine facts."""
from __future__ import annotations

import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable


def median_ms(fn: Callable[[], object], iters: int, warmup: int = 1) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def paired_medians(a: Callable[[], object], b: Callable[[], object], iters: int,
                   warmup: int = 2) -> tuple[float, float]:
    """Median ms of ``a`` and of ``b``, timed in pairs (order alternating), so that load drift on a shared machine
    hits both alike instead of whichever ran during a burst."""
    for _ in range(warmup):
        a(), b()
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(iters):
        for which in ((0, 1) if i % 2 == 0 else (1, 0)):
            t0 = time.perf_counter()
            (a, b)[which]()
            times[which].append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times[0]), statistics.median(times[1])


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict[str, object]:
    import os

    facts: dict[str, object] = {"python": sys.version.split()[0], "platform": platform.platform(),
                                "cpus": os.cpu_count()}
    try:
        import torch

        facts["torch"] = torch.__version__
        facts["threads"] = torch.get_num_threads()
        facts["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:
        pass
    return facts
