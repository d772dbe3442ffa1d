"""``python -m vlmtok bench AREA [--json PATH]``: benchmarks with JSON out."""
from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)

AREAS = ("encoders", "visualize", "narrate", "tour", "speech", "intake", "app", "load", "soak", "cache", "pack", "follow",
         "frame", "all")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("area", choices=AREAS, help="what to measure")
    parser.add_argument("--json", dest="json_path", help="write the JSON report here (default: stdout)")
    parser.add_argument("--md", dest="md_path", help="write a Markdown summary here ('all' only)")
    area = next((a for a in sys.argv if a in AREAS and a != "all"), None)
    if area:
        importlib.import_module(f"vlmtok.bench.{area}").add_arguments(parser)
    elif "all" in sys.argv:
        importlib.import_module("vlmtok.bench.all").add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    report = importlib.import_module(f"vlmtok.bench.{args.area}").run(args)
    text = json.dumps(report, indent=2, default=str)
    if args.json_path:
        Path(args.json_path).write_text(text + "\n", encoding="utf-8")
        log.info("wrote %s", args.json_path)
    else:
        sys.stdout.write(text + "\n")
    return 0
