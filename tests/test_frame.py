"""The artwork found in a gallery photo: straightened when framed on a wall, left whole when it is the picture."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vlmtok.frame import find_artwork, order_corners, quad_iou, whole_corners
from vlmtok.images import find_artwork as find_from_images
from vlmtok.pack.photos import cut_scene, gallery_scene, not_a_painting

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.jpg"))


def _scan(path: Path) -> Image.Image:
    return Image.open(path).convert("RGB")


@pytest.fixture(scope="module")
def scenes():
    """12 gallery photos: 6 paintings, near and far, each with its own wall, light and lens faults."""
    return [(path, gallery_scene(_scan(path), seed=i, distance=d))
            for i, path in enumerate(EXAMPLES[::2][:6]) for d in ("near", "far")]


def test_a_framed_painting_on_a_wall_is_found_near_and_far(scenes):
    ious = [quad_iou(find_artwork(s.photo).corners, s.quad, s.photo.size) for _, s in scenes]
    good = [iou >= 0.85 for iou in ious]
    assert sum(good) >= 0.9 * len(good), [round(i, 3) for i in ious]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_clean_scan_stays_whole(path):
    scan = _scan(path)
    art = find_artwork(scan)
    assert not art.found
    assert art.image is scan
    assert quad_iou(art.corners, whole_corners(scan.size), scan.size) >= 0.95


@pytest.mark.parametrize("kind", ["noise", "gradient", "shapes", "wall"])
def test_a_photo_of_no_framed_artwork_stays_whole(kind):
    """Noise, a sky-like blend, a poster of plain shapes, a bare wall (most with an empty frame on it)."""
    assert not any(find_artwork(not_a_painting(kind, seed=s)).found for s in range(4))


def test_corners_are_in_photo_pixels_in_order_and_the_straightened_picture_keeps_its_shape(scenes):
    path, scene = scenes[0]
    big = scene.photo.resize((scene.photo.width * 2, scene.photo.height * 2), Image.BICUBIC)
    small_art, big_art = find_artwork(scene.photo), find_artwork(big)
    assert small_art.found and big_art.found
    corners = np.array(big_art.corners)
    assert np.abs(corners - 2 * np.array(small_art.corners)).max() < 12      # the same place, twice as far out
    assert np.array_equal(order_corners(corners[::-1].copy()), corners)       # TL, TR, BR, BL
    assert quad_iou(corners, 2 * scene.quad, big.size) >= 0.85
    scan = _scan(path)
    aspect, straight = scan.width / scan.height, big_art.image.width / big_art.image.height
    assert abs(straight / aspect - 1) < 0.12


def test_a_painting_cut_by_the_photo_edge_is_straightened_to_what_is_visible():
    found = 0
    for i, path in enumerate(EXAMPLES[:4]):
        photo, visible = cut_scene(gallery_scene(_scan(path), seed=i, distance="near"))   # a quarter out of view
        art = find_artwork(photo)
        found += art.found and quad_iou(art.corners, visible, photo.size) >= 0.85
    assert found >= 3


def test_the_straightened_photo_has_the_scans_main_colours(scenes):
    """The offline narrator's palette of the straightened photo leads with the scan's colour; the whole photo
    (mostly wall) does not have to."""
    from vlmtok.narrate.offline.measure import measure

    agree = total = 0
    for path, scene in scenes:
        if "dark" in scene.effects:                                  # a colour cast changes the colours themselves
            continue
        art = find_artwork(scene.photo)
        scan_top = {c.family for c in measure(_scan(path)).palette[:2]}
        total += 1
        agree += measure(art.image).palette[0].family in scan_top
    assert total >= 3 and agree >= total - 1


def test_images_find_artwork_is_the_same_function():
    scan = _scan(EXAMPLES[0])
    assert find_from_images(scan).to_dict() == find_artwork(scan).to_dict()
