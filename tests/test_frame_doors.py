"""Where a picture enters (the API, the Tour, Compare's loader, tour packs), the artwork is straightened out of a
gallery photo first, and the narration's provenance says so; ``find_artwork=False`` and "use the whole photo"
keep the picture as it is."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from vlmtok.frame import quad_iou, whole_corners
from vlmtok.pack.photos import gallery_scene

ROOT = Path(__file__).resolve().parents[1]
SCAN = ROOT / "examples" / "cassatt_summertime.jpg"


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    """A far gallery photo of a painting (a third of the photo is painting) on disk, and its true outline."""
    scene = gallery_scene(Image.open(SCAN), seed=3, distance="far")
    path = tmp_path_factory.mktemp("gallery") / "photo.jpg"
    scene.photo.save(path, quality=92)
    return str(path), scene


@pytest.fixture
def offline(monkeypatch, tmp_path):
    from vlmtok.app import api
    from vlmtok.narrate.offline import OfflineNarrator

    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path))
    monkeypatch.setattr(api, "narrator", lambda: (OfflineNarrator(), "chosen by the test"))
    return api


def test_api_describe_straightens_and_says_where_the_artwork_was(offline, gallery):
    path, scene = gallery
    found = offline.describe(path, "en", "short", speak=False)["narration"]["artwork"]
    assert found["found"] is True and quad_iou(found["corners"], scene.quad, scene.photo.size) >= 0.85
    whole = offline.describe(path, "en", "short", speak=False, find_artwork=False)["narration"]["artwork"]
    assert whole == {"found": False, "corners": whole_corners(scene.photo.size), "confidence": 0.0}


def test_the_offline_narration_of_the_straightened_photo_names_the_scans_colours(offline, gallery):
    """The scan's first named colour is the straightened photo's too; the wall's colour leads the whole photo's."""
    from vlmtok.narrate.offline.measure import measure

    path, scene = gallery
    scan_main = measure(Image.open(SCAN).convert("RGB")).palette[0].family
    straight = offline.describe(path, "en", "short", speak=False)["text"]
    assert scan_main in straight.lower(), straight
    assert measure(scene.photo).palette[0].family != scan_main          # the wall, which the issue was about


def test_api_compare_encodes_the_straightened_artwork(offline, gallery):
    path, scene = gallery
    full = offline.compare(path, ["mobilenetv2_100"], [224], find_artwork=False)["ledger"]
    cut = offline.compare(path, ["mobilenetv2_100"], [224])["ledger"]
    assert full != cut                                                   # another picture: its own size and cost


def test_the_tour_shows_the_outline_and_keeps_the_guides_choice(gallery, monkeypatch, tmp_path):
    from vlmtok.app import callbacks as ui
    from vlmtok.narrate.offline import OfflineNarrator

    path, scene = gallery
    picture, sentence = ui.artwork_outline(path, "vi")
    assert picture is not None and "Dùng cả bức ảnh" in sentence
    assert ui.artwork_outline(str(SCAN), "en") == (None, "")              # a scan: nothing to outline
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path))
    monkeypatch.setattr(ui, "_narrator", lambda lang, progress: OfflineNarrator())
    final = list(ui.describe_stream(path, "en", "alt"))[-1]
    assert final.ok and "straightened from the photo" in final.byline
    assert final.session["artwork"]["found"] is True
    kept = list(ui.describe_stream(path, "en", "alt", whole=True))[-1]
    assert "straightened" not in kept.byline and kept.session["artwork"]["found"] is False


def test_compare_and_how_it_works_load_the_artwork(gallery):
    from vlmtok.app import callbacks as ui

    path, scene = gallery
    artwork = ui._load(path)
    assert artwork.size != scene.photo.size
    assert ui._load(path, whole=True).size == scene.photo.size


def test_the_served_api_takes_find_artwork_and_returns_the_outline(app_url, gallery):
    from gradio_client import Client, handle_file

    path, scene = gallery
    client = Client(app_url, verbose=False)
    found = client.predict(handle_file(path), "en", "alt", speak=False, api_name="/describe")["narration"]
    assert found["artwork"]["found"] is True
    assert quad_iou(found["artwork"]["corners"], scene.quad, scene.photo.size) >= 0.85
    whole = client.predict(handle_file(path), "en", "alt", speak=False, find_artwork=False, api_name="/describe")
    assert whole["narration"]["artwork"]["found"] is False
