"""``python -m vlmtok bench frame``: is the artwork found in a gallery photo, and left alone in a clean scan?

- **gallery**: ``--seeds`` photos per example painting and distance (near, far), made by
  ``vlmtok.pack.photos.gallery_scene`` (a frame on a wall of random colour, perspective, a tilt up to 4 degrees,
  glare, a dark room with a colour cast, blur, a phone's JPEG; the true outline known): intersection over union
  (IoU) of the found outline with the true one; the share at or above ``IOU_TARGET``, overall, near, far and per
  effect.
- **cut**: the near photos cropped so a quarter of the painting is out of view: IoU with the part still visible.
- **scans**: every example as it is must stay whole (IoU with the full picture at or above ``WHOLE_TARGET``);
  pictures of no framed artwork (noise, a sky-like blend, a poster of shapes, a bare wall with an empty frame) too.
- **colours**: the offline narrator's main colour of the straightened photo, and of the whole photo, among the
  clean scan's two main colours (photos without a dark room's colour cast, which changes the colours themselves).
- **time**: per photo of ``MEGAPIXELS`` (a gallery photo enlarged to 4000 x 3000): wall-clock and CPU seconds of
  this process (on a shared machine, the wall clock counts other work too).
"""
from __future__ import annotations

import argparse
import logging
import statistics
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
IOU_TARGET = 0.85
SHARE_TARGET = 0.9
WHOLE_TARGET = 0.95
SECONDS_TARGET = 0.3
MEGAPIXELS = (4000, 3000)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=int, default=5, help="gallery photos per painting and distance")
    parser.add_argument("--timed", type=int, default=6, help="12-megapixel photos timed")


def run(args: argparse.Namespace) -> dict:
    from PIL import Image

    if args.seeds < 1 or args.timed < 1:
        raise SystemExit("--seeds and --timed must be at least 1")
    scans = {p.stem: Image.open(p).convert("RGB") for p in sorted(EXAMPLES.glob("*.jpg"))}
    gallery, photos = _gallery(scans, int(args.seeds))
    report = {"area": "frame", "gallery": gallery, "cut": _cut(photos), "scans": _scans(scans),
              "colours": _colours(scans, photos), "time": _time(photos, int(args.timed))}
    report["targets"] = {
        f"iou>={IOU_TARGET} on >={SHARE_TARGET:.0%}": gallery["share_ok"] >= SHARE_TARGET,
        "every scan whole": report["scans"]["all_whole"],
        f"<{SECONDS_TARGET} s per 12 MP photo (CPU)": report["time"]["cpu_s_median"] < SECONDS_TARGET,
    }
    return report


def _gallery(scans: dict, seeds: int) -> tuple[dict, list]:
    from vlmtok.frame import find_artwork, quad_iou
    from vlmtok.pack.photos import DISTANCES, gallery_scene

    rows, photos = [], []
    for i, (name, scan) in enumerate(scans.items()):
        for distance in DISTANCES:
            for seed in range(seeds):
                scene = gallery_scene(scan, seed=seed * 100 + i, distance=distance)
                art = find_artwork(scene.photo)
                iou = quad_iou(art.corners, scene.quad, scene.photo.size)
                rows.append({"artwork": name, "distance": distance, "seed": seed * 100 + i,
                             "effects": list(scene.effects), "iou": round(iou, 4), "found": art.found,
                             "confidence": round(art.confidence, 3)})
                photos.append((name, distance, scene, art))
    return _summary(rows), photos


def _summary(rows: list[dict]) -> dict:
    def share(subset: list[dict]) -> float:
        return round(sum(r["iou"] >= IOU_TARGET for r in subset) / max(1, len(subset)), 4)

    effects = sorted({e for r in rows for e in r["effects"]})
    return {"photos": len(rows), "share_ok": share(rows),
            "iou_mean": round(statistics.fmean(r["iou"] for r in rows), 4),
            "iou_median": round(statistics.median(r["iou"] for r in rows), 4),
            "by_distance": {d: share([r for r in rows if r["distance"] == d]) for d in ("near", "far")},
            "by_effect": {e: share([r for r in rows if e in r["effects"]]) for e in effects},
            "misses": [r for r in rows if r["iou"] < IOU_TARGET]}


def _cut(photos: list) -> dict:
    from vlmtok.frame import find_artwork, quad_iou
    from vlmtok.pack.photos import cut_scene

    ious = []
    for _, distance, scene, _ in photos:
        if distance == "near":
            photo, visible = cut_scene(scene)
            ious.append(quad_iou(find_artwork(photo).corners, visible, photo.size))
    return {"photos": len(ious), "share_ok": round(float(np.mean([i >= IOU_TARGET for i in ious])), 4),
            "iou_mean": round(float(np.mean(ious)), 4)}


def _scans(scans: dict) -> dict:
    from vlmtok.frame import find_artwork, quad_iou, whole_corners
    from vlmtok.pack.photos import NEGATIVE_KINDS, not_a_painting

    rows = {}
    for name, scan in scans.items():
        art = find_artwork(scan)
        rows[name] = round(quad_iou(art.corners, whole_corners(scan.size), scan.size), 4)
    others = {(kind, s): not find_artwork(not_a_painting(kind, seed=s)).found
              for kind in NEGATIVE_KINDS for s in range(3)}
    return {"scans": rows, "all_whole": all(v >= WHOLE_TARGET for v in rows.values()),
            "no_artwork_left_whole": round(sum(others.values()) / len(others), 4)}


def _colours(scans: dict, photos: list) -> dict:
    from vlmtok.narrate.offline.measure import measure

    main = {name: {c.family for c in measure(scan).palette[:2]} for name, scan in scans.items()}
    straight = whole = n = 0
    for name, _, scene, art in photos:
        if "dark" in scene.effects or not art.found:
            continue
        n += 1
        straight += measure(art.image).palette[0].family in main[name]
        whole += measure(scene.photo).palette[0].family in main[name]
    return {"photos": n, "straightened_agree": round(straight / max(1, n), 4),
            "whole_photo_agree": round(whole / max(1, n), 4)}


def _time(photos: list, count: int) -> dict:
    from vlmtok.frame import find_artwork

    wall, cpu = [], []
    for _, _, scene, _ in photos[:: max(1, len(photos) // count)][:count]:
        big = scene.photo.resize(MEGAPIXELS)
        find_artwork(big)                                   # the first call pays for imports
        w0, c0 = time.perf_counter(), time.process_time()
        find_artwork(big)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return {"photos": len(wall), "pixels": MEGAPIXELS[0] * MEGAPIXELS[1],
            "wall_s_median": round(statistics.median(wall), 4), "cpu_s_median": round(statistics.median(cpu), 4),
            "cpu_s_max": round(max(cpu), 4)}
