"""``python -m vlmtok bench cache``: what one ``DiskCache`` write costs as the folder grows.

For each folder size (1,000 / 5,000 / 20,000 entries of ~1 KB) it reports the median write (``write_ms``), the
first write of a fresh process (one listing of the folder, ``first_write_ms``), the mean write while the cap is
hit and entries are evicted (``evicting_write_ms``, over enough writes that a sweep is inside the mean), and
``scan_ms``: one listing of the folder, which is what every write cost before writes became O(1) amortised
(9.7 / 66 / 232 ms measured on main).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from vlmtok import cache as cache_mod
from vlmtok.cache import DiskCache

ENTRY_BYTES = 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entries", default="1000,5000,20000", help="comma-separated folder sizes")
    parser.add_argument("--writes", type=int, default=200, help="timed writes per folder size")


def run(args: argparse.Namespace) -> dict:
    sizes = [int(n) for n in str(args.entries).split(",") if n.strip()]
    report: dict = {"area": "cache", "entry_bytes": ENTRY_BYTES, "writes": int(args.writes), "sizes": {}}
    for n in sizes:
        root = Path(tempfile.mkdtemp(prefix="vlmtok-bench-cache-"))
        try:
            report["sizes"][str(n)] = _one_size(root, n, int(args.writes))
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return report


def _fill(root: Path, n: int) -> None:
    """``n`` finished entries, written directly (the benchmark measures writes, not how fast it fills)."""
    payload = os.urandom(ENTRY_BYTES)
    for i in range(n):
        (root / f"{cache_mod.cache_key('fill', i)}.bin").write_bytes(payload)


def _fresh(root: Path, cap: int) -> DiskCache:
    """A cache as a newly started process sees it (no running total for this folder yet)."""
    cache_mod._LEDGERS.pop(root.resolve(), None)
    return DiskCache("bench", max_bytes=cap, root=root)


def _one_size(root: Path, n: int, writes: int) -> dict:
    _fill(root, n)
    payload = os.urandom(ENTRY_BYTES)
    cache = _fresh(root, cap=1 << 40)
    first = _timed(lambda: cache.put_bytes(cache.key("first"), payload, ".bin"))
    times = [_timed(lambda i=i: cache.put_bytes(cache.key("w", i), payload, ".bin")) for i in range(writes)]
    scans = [_timed(cache._entries) for _ in range(5)]
    full = _fresh(root, cap=cache.total_bytes())             # at the cap: every write is over it
    # the first write over the cap evicts 10% of the folder; enough writes follow to refill it, so the mean is the
    # amortised cost of a write at the cap, sweeps included
    over = max(writes, int(n * (1 - cache_mod.LOW_WATERMARK)) + 10)
    evicting = [_timed(lambda i=i: full.put_bytes(full.key("e", i), payload, ".bin")) for i in range(over)]
    return {"entries": n, "first_write_ms": round(first, 3), "write_ms": round(statistics.median(times), 3),
            "write_p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))], 3),
            "evicting_write_ms": round(statistics.fmean(evicting), 3), "evicting_writes": over,
            "entries_after": len(full._entries()), "scan_ms": round(statistics.median(scans), 3)}


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1e3
