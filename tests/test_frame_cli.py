"""``vlmtok frame PHOTO``: corners in photo pixels as JSON, the straightened artwork written; ``bench frame``."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from vlmtok.frame import quad_iou
from vlmtok.pack.photos import gallery_scene

ROOT = Path(__file__).resolve().parents[1]


def _frame(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "vlmtok", "frame", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_frame_prints_the_corners_and_writes_the_straightened_artwork(tmp_path):
    scan = Image.open(ROOT / "examples" / "great_wave_off_kanagawa.jpg")
    scene = gallery_scene(scan, seed=2, distance="far")
    photo, out = tmp_path / "gallery.jpg", tmp_path / "straight.jpg"
    scene.photo.save(photo, quality=95)
    done = _frame(str(photo), "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["found"] is True and 0 < answer["confidence"] <= 1
    assert quad_iou(answer["corners"], scene.quad, scene.photo.size) >= 0.85
    straight = Image.open(out)
    assert abs((straight.width / straight.height) / (scan.width / scan.height) - 1) < 0.12  # its own shape


def test_frame_leaves_a_scan_whole_and_says_so_in_vietnamese():
    done = _frame("examples/mona_lisa.jpg", "--lang", "vi")
    assert done.returncode == 0, done.stderr
    assert "dùng cả bức ảnh" in done.stdout


def test_frame_refuses_a_missing_file_in_plain_words(tmp_path):
    done = _frame(str(tmp_path / "nothing.jpg"), "--json")
    assert done.returncode == 2 and "could not find that file" in done.stderr


def test_bench_frame_measures_every_part_on_a_small_set():
    from vlmtok.bench import frame

    report = frame.run(argparse.Namespace(seeds=1, timed=1))
    assert report["gallery"]["photos"] == 20 and report["gallery"]["share_ok"] >= 0.85
    assert report["scans"]["all_whole"] and report["scans"]["no_artwork_left_whole"] == 1.0
    assert report["colours"]["straightened_agree"] > report["colours"]["whole_photo_agree"]
    assert report["time"]["pixels"] == 12_000_000 and report["time"]["cpu_s_median"] > 0
    assert all(isinstance(v, bool) for v in report["targets"].values())
