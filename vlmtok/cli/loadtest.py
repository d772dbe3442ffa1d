"""``python -m vlmtok loadtest --url http://127.0.0.1:PORT --clients 8 --runs 5``: many visitors at once, JSON out.

Drives full tours (upload -> description -> speech) through ``gradio_client``, one distinct picture per visitor,
every answer checked against its own picture (see ``vlmtok.bench.loadtest``). ``--burst N`` adds N requests at one
instant (more than the queue holds: each completes or gets a plain "queue is full"); ``--leavers N`` adds visitors
who hang up before their answer, then ``--after`` newcomers who must be served. Exit code 0 when every tour
completed with its own description and the extra scenes (if asked for) held.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from vlmtok.choices import TIERS

from vlmtok.bench.loadtest import DEFAULT_TIMEOUT_S, MAX_CLIENTS, full_report, held
from vlmtok.cli import file_to_write, number_in
from vlmtok.i18n import LANGUAGES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the running app, e.g. http://127.0.0.1:7860/")
    parser.add_argument("--clients", type=number_in(1, MAX_CLIENTS, int), default=8,
                        help=f"visitors at once (1-{MAX_CLIENTS})")
    parser.add_argument("--runs", type=number_in(1, 1000, int), default=5, help="tours per visitor")
    parser.add_argument("--burst", type=number_in(0, 1000, int), default=0, help="then this many requests at one instant (0: skip)")
    parser.add_argument("--leavers", type=number_in(0, 1000, int), default=0, help="then this many visitors who hang up (0: skip)")
    parser.add_argument("--after", type=number_in(0, 1000, int), default=4, help="newcomers right after the leavers")
    parser.add_argument("--lang", default="en", choices=LANGUAGES)
    parser.add_argument("--tier", default="short", choices=TIERS)
    parser.add_argument("--timeout", type=number_in(1, 3600), default=DEFAULT_TIMEOUT_S, help="seconds per request")
    parser.add_argument("--json", dest="json_path", type=file_to_write, help="write the report here too")


def run(args: argparse.Namespace) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)      # one line per HTTP request otherwise
    report = full_report(args.url, args.clients, args.runs, args.burst, args.leavers, args.after, args.lang,
                         args.tier, args.timeout).to_dict()
    report["held"] = held(report)
    text = json.dumps(report, indent=2)
    if args.json_path:
        Path(args.json_path).write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")
    return 0 if report["held"] else 1
