"""``python -m vlmtok bench all --json report.json --md report.md``: every benchmark, small defaults, one report.

Runs each area module that exists (encoders, visualize, narrate, tour, speech, intake, app, load, cache) with its own
defaults made small (``SMALL``), records the machine, library versions and device, and writes a short Markdown
summary of the figures. A sub-benchmark that fails is recorded as ``{"error": ...}`` and the others still run. The soak is left
out (minutes long): run ``python -m vlmtok bench soak`` for it, or pass ``--with-soak``.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import logging
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

AREAS: tuple[str, ...] = ("encoders", "visualize", "narrate", "tour", "speech", "intake", "app", "load", "cache")
SMALL: dict[str, dict[str, Any]] = {     # overrides of each area's defaults, applied when the option exists
    "encoders": {"iters": 21},       # paired timings: fewer lets one VM hiccup decide the ratio
    "visualize": {"iters": 5},
    "narrate": {"iters": 1, "iters_default": 1},
    "tour": {"iters": 1},
    "speech": {"repeats": 3},
    "intake": {"iters": 9},
    "load": {"clients": 8, "runs": 5},
    "soak": {"tours": 500},
    "cache": {"entries": "1000,20000", "writes": 100},
}
PACKAGES = ("torch", "timm", "transformers", "gradio", "gradio_client", "numpy", "pillow", "gTTS", "espeakng-loader")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--areas", default=",".join(AREAS), help="comma-separated areas to run")
    parser.add_argument("--with-soak", action="store_true", help="also run the 500-tour soak")


def _area_args(area: str, module: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"bench {area}")
    module.add_arguments(parser)
    args = parser.parse_args([])
    for key, value in SMALL.get(area, {}).items():
        if hasattr(args, key):
            setattr(args, key, value)
    return args


def run_area(area: str) -> dict[str, Any]:
    """One area's report with ``seconds`` added, or ``{"error": ...}`` when it is missing or fails."""
    t0 = time.perf_counter()
    try:
        module = importlib.import_module(f"vlmtok.bench.{area}")
        report = module.run(_area_args(area, module))
    except ModuleNotFoundError as exc:
        return {"error": f"not available: {exc}", "skipped": True}
    except Exception as exc:
        log.exception("benchmark %s failed", area)
        return {"error": f"{type(exc).__name__}: {exc}"[:500], "seconds": round(time.perf_counter() - t0, 1)}
    return {**report, "seconds": round(time.perf_counter() - t0, 1)}


def environment() -> dict[str, Any]:
    """Machine, library versions and the device the models ran on."""
    from vlmtok.bench.common import machine

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    facts: dict[str, Any] = {"machine": machine(), "versions": versions}
    try:
        from vlmtok.device import runtime

        rt = runtime()
        facts["device"] = {"device": str(rt.device), "dtype": str(rt.dtype)}
    except Exception as exc:  # noqa: BLE001
        facts["device"] = {"error": str(exc)}
    return facts


def run(args: argparse.Namespace) -> dict[str, Any]:
    areas = [a.strip() for a in args.areas.split(",") if a.strip()] + (["soak"] if args.with_soak else [])
    t0 = time.perf_counter()
    report: dict[str, Any] = {"area": "all", "when": time.strftime("%Y-%m-%d %H:%M:%S %z"), **environment(),
                              "results": {}}
    for area in areas:
        log.info("bench all: %s", area)
        report["results"][area] = run_area(area)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    report["errors"] = sorted(a for a, r in report["results"].items() if "error" in r)
    if getattr(args, "md_path", None):
        Path(args.md_path).write_text(markdown(report), encoding="utf-8")
        log.info("wrote %s", args.md_path)
    return report


# ----------------------------------------------------------------------------------------------------------------
# The Markdown summary: the environment, then each area's scalar figures (numbers, booleans, short strings)


def _scalars(obj: Any, prefix: str = "", depth: int = 0) -> list[tuple[str, Any]]:
    """Flatten a report to (dotted key, value) for numbers, booleans and short strings; lists are skipped."""
    if isinstance(obj, dict) and depth < 3:
        return [kv for k, v in obj.items() for kv in _scalars(v, f"{prefix}{k}.", depth + 1)]
    if isinstance(obj, (bool, int, float)) or (isinstance(obj, str) and len(obj) <= 80):
        return [(prefix.rstrip("."), round(obj, 4) if isinstance(obj, float) else obj)]
    return []


def _area_md(area: str, result: dict[str, Any], limit: int = 40) -> list[str]:
    if "error" in result:
        return [f"## {area}", "", f"**error**: {result['error']}", ""]
    rows = [(k, v) for k, v in _scalars(result) if k not in ("area",)]
    lines = [f"## {area}", "", "| figure | value |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"| ... | {len(rows) - limit} more in the JSON |")
    return lines + [""]


def markdown(report: dict[str, Any]) -> str:
    """A short Markdown summary of an ``all`` report."""
    m, v, d = report["machine"], report["versions"], report.get("device", {})
    lines = ["# vlmtok benchmark report", "", f"- when: {report['when']}",
             f"- machine: {m.get('platform')}, {m.get('cpus')} CPUs, Python {m.get('python')}, GPU: {m.get('gpu')}",
             f"- device: {d.get('device')} ({d.get('dtype')})",
             "- versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val),
             f"- total: {report['seconds']} s; errors: {', '.join(report['errors']) or 'none'}", ""]
    for area, result in report["results"].items():
        lines += _area_md(area, result)
    return "\n".join(lines)
