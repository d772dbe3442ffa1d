"""``python -m vlmtok bench load``: many visitors at once against a fresh ``python app.py`` (or ``--url``).

Starts the app on a free loopback port with its own cache folder and a queue of ``--queue-size`` places, then runs
``vlmtok.bench.loadtest``: ``--clients`` visitors x ``--runs`` tours (each checked against its own picture), a burst of
``--burst`` requests at one instant (each completes or is turned away as busy), and ``--leavers`` visitors who hang
up before their answer (the newcomers after them must be served).
"""
from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from vlmtok.bench.loadtest import DEFAULT_TIMEOUT_S, full_report, held


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="a running app (default: start one)")
    parser.add_argument("--clients", type=int, default=8, help="visitors at once")
    parser.add_argument("--runs", type=int, default=5, help="tours per visitor")
    parser.add_argument("--burst", type=int, default=24, help="requests at one instant (0: skip)")
    parser.add_argument("--leavers", type=int, default=16, help="visitors who hang up (0: skip)")
    parser.add_argument("--queue-size", type=int, default=8, help="queue places of the started app")
    parser.add_argument("--concurrency", type=int, default=2, help="model calls at once in the started app")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per request")


def _measure(url: str, args: argparse.Namespace) -> dict:
    after = max(1, min(args.queue_size - 2, 6))
    return full_report(url, args.clients, args.runs, args.burst, args.leavers, after,
                       timeout_s=args.timeout).to_dict()


def run(args: argparse.Namespace) -> dict:
    from vlmtok.bench.app import running_app

    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.url:
        report = _measure(args.url, args)
    else:
        with tempfile.TemporaryDirectory(prefix="vlmtok-bench-load-") as tmp:
            env = {"VLMTOK_CACHE": tmp, "VLMTOK_QUEUE_SIZE": str(args.queue_size),
                   "VLMTOK_CONCURRENCY": str(args.concurrency)}
            with running_app(env, Path(tmp) / "app.log") as (url, startup_s, proc):
                report = {**_measure(url, args), "startup_s": round(startup_s, 2), "queue_size": args.queue_size,
                          "concurrency": args.concurrency, "server_alive": proc.poll() is None}
    return {"area": "load", **report, "held": held(report)}
