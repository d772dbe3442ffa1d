"""``python -m vlmtok bench visualize``: how fast the pictures are, and how much of a sheet is drawing.

1. Patch grid on a 2048 px input (no model runs: the grid is geometry). Target: under 50 ms.
2. Comparison sheet of the three offline encoders at 224 (encode + draw). ``overhead_share`` is all time outside
   the encoders' forward passes (resizing, normalising, memory sampling, PCA, drawing) over the total.
   Target: under 25 %. Writing the PNG file is timed apart (``png_save_ms``): it is file encoding, not drawing.
3. The Compare tab as a teacher meets it (``vlmtok.app.compare``), each in a fresh process: a first comparison
   cold (nothing loaded), a first comparison after the tab's warm-up, and a tap. Each is also given as a ratio to
   the bare forward passes of the same encoders measured in the same process, so a busy machine shows as a slow
   forward, not as a slow app. Targets (weight packs converted): first comparison after warm-up under 10 s, a tap
   under 1.5 s.
"""
from __future__ import annotations

import argparse
import io
import logging
import os
import statistics
import time
from pathlib import Path

import torch
from PIL import Image

from vlmtok import settings
from vlmtok.bench.common import machine, median_ms
from vlmtok.paths import examples_dir

log = logging.getLogger(__name__)

OFFLINE_ENCODERS = "vit_small_patch14_dinov2,mobilenetv2_100,tf_efficientnet_lite0"
DEFAULT_IMAGE = examples_dir() / "durer_lion.jpg"
GRID_TARGET_MS = 50.0
OVERHEAD_TARGET = 0.25
FIRST_COMPARE_TARGET_S = 10.0
TAP_TARGET_S = 1.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--image", default=str(DEFAULT_IMAGE))
    parser.add_argument("--encoders", default=OFFLINE_ENCODERS, help="comma-separated registry names")
    parser.add_argument("--size", type=int, default=224, help="input side for the sheet")
    parser.add_argument("--iters", type=int, default=5, help="timed repetitions")
    parser.add_argument("--grid-px", type=int, default=2048, help="input side for the patch-grid timing")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    parser.add_argument("--no-app", action="store_true", help="skip the Compare tab's cold and warmed runs")


def geometry_tokens(image: Image.Image, side: int, patch: int, encoder: str = "geometry"):
    """A ``VisionTokens`` with a real grid for a ``side`` px input and no features: enough for a grid picture."""
    from vlmtok.encoders import VisionTokens

    side = side // patch * patch
    grid = (side // patch, side // patch)
    return VisionTokens(tokens=torch.zeros(grid[0] * grid[1], 1), cls=None, grid=grid, patch_px=patch,
                        input_size=(side, side), input_image=image.resize((side, side), Image.Resampling.BILINEAR),
                        mean=(0.5,) * 3, std=(0.5,) * 3, family="vit", encoder=encoder, weights_source="hub")


def bench_grid(image: Image.Image, side: int, iters: int) -> list[dict[str, object]]:
    from vlmtok.visualize import patch_grid
    from vlmtok.visualize.grid import grid_panel

    rows = []
    for patch in (14, 16):
        vt = geometry_tokens(image, side, patch)
        rows.append({"input_px": vt.input_size[0], "patch_px": patch, "tokens": vt.num_tokens,
                     "grid_panel_ms": round(median_ms(lambda vt=vt: grid_panel(vt), iters), 2),
                     "patch_grid_ms": round(median_ms(lambda vt=vt: patch_grid(vt), iters), 2),
                     "target_ms": GRID_TARGET_MS})
        rows[-1]["meets_target"] = rows[-1]["patch_grid_ms"] < GRID_TARGET_MS
    return rows


def bench_sheet(image: Image.Image, names: list[str], size: int, iters: int) -> dict[str, object]:
    from vlmtok.encoders import create_encoder
    from vlmtok.visualize import compare

    encoders = [create_encoder(n) for n in names]
    sheet, comp = compare(image, encoders, [size])  # warm-up: first calls allocate and load fonts
    runs = []
    for _ in range(iters):
        sheet, comp = compare(image, encoders, [size])
        runs.append(comp.timings)
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    t0 = time.perf_counter()
    sheet.save(io.BytesIO(), format="PNG")
    png_ms = (time.perf_counter() - t0) * 1e3
    return {"encoders": names, "size": size, "weights": [e.weights_source for e in encoders],
            "sheet_px": list(sheet.size), "iters": iters,
            **{f"median_{k}": round(v, 3 if k == "overhead_share" else 1) for k, v in med.items()},
            "overhead_shares": [round(r["overhead_share"], 3) for r in runs],
            "png_save_ms": round(png_ms, 1), "target_overhead_share": OVERHEAD_TARGET,
            "meets_target": med["overhead_share"] < OVERHEAD_TARGET}


def _compare_child(image: str, names: list[str], size: int, warm: bool) -> dict[str, float]:
    """In a fresh process: (warm-up,) the first comparison, a tap, then the bare forward passes of the same
    encoders on the same inputs (median of 3, warm)."""
    t0 = time.perf_counter()
    from vlmtok.app import compare as cmp
    from vlmtok.encoders import create_encoder

    out = {"import_s": time.perf_counter() - t0}
    if warm:
        t0 = time.perf_counter()
        cmp.warm_up(names, size)
        out["warm_up_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = cmp.compare(image, names, [size], "en")
    out["first_compare_s"] = time.perf_counter() - t0
    if not result.pictures:
        raise RuntimeError(f"the comparison failed: {result.status}")
    picture = result.artwork
    t0 = time.perf_counter()
    cmp.similarity(image, names, [size], (picture.width // 2, picture.height // 3), "en")
    out["tap_s"] = time.perf_counter() - t0
    bare = 0.0
    for name in names:
        enc = create_encoder(name)
        x, _ = enc.preprocess(picture, size)
        bare += median_ms(lambda enc=enc, x=x: enc.forward_tokens(x), 3) / 1e3
    out["bare_forward_s"] = bare
    return out


def bench_app_compare(image: str, names: list[str], size: int, threads: int | None) -> dict[str, object]:
    """The Compare tab cold and warmed, each in its own process, with ratios to the bare forward passes."""
    import json
    import subprocess
    import sys

    import vlmtok

    root = str(Path(vlmtok.__file__).resolve().parents[1])
    report: dict[str, object] = {"encoders": names, "size": size}
    for label, warm in (("cold", False), ("warmed", True)):
        code = ("import json, sys, torch\n"
                + (f"torch.set_num_threads({int(threads)})\n" if threads else "")
                + "from vlmtok.bench.visualize import _compare_child\n"
                f"print(json.dumps(_compare_child({image!r}, {names!r}, {size}, {warm})))")
        env = settings.child_environment()
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=1800)
        if done.returncode != 0:
            report[label] = {"error": done.stderr.strip().splitlines()[-1:]}
            continue
        facts = json.loads(done.stdout.strip().splitlines()[-1])
        bare = facts["bare_forward_s"]
        report[label] = {**{k: round(v, 3) for k, v in facts.items()},
                         "compare_over_bare": round(facts["first_compare_s"] / bare, 2),
                         "tap_over_bare": round(facts["tap_s"] / bare, 2)}
    warmed = report.get("warmed", {})
    report["targets"] = {"first_compare_after_warm_up_s": FIRST_COMPARE_TARGET_S, "tap_s": TAP_TARGET_S}
    report["meets_target"] = bool(warmed.get("first_compare_s", 1e9) < FIRST_COMPARE_TARGET_S
                                  and warmed.get("tap_s", 1e9) < TAP_TARGET_S)
    return report


def run(args: argparse.Namespace) -> dict[str, object]:
    from vlmtok.images import load_image

    if args.threads:
        torch.set_num_threads(args.threads)
    image = load_image(args.image)
    names = [n for n in str(args.encoders).split(",") if n]
    report = {"machine": {**machine(), "load_average": list(os.getloadavg())},
              "patch_grid": bench_grid(image, args.grid_px, args.iters),
              "sheet": bench_sheet(image, names, args.size, args.iters)}
    if not args.no_app:
        report["app_compare"] = bench_app_compare(str(args.image), names, args.size, args.threads)
    report["machine"]["load_average_after"] = list(os.getloadavg())
    return report
