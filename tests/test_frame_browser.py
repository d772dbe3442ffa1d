"""A guide's gallery photo in a real browser: the Tour shows the artwork's outline and describes the artwork (its
colours, not the wall's), "Use the whole photo" describes the photo as it is, and Compare encodes the artwork.

Chromium is Debian's (``shutil.which("chromium")``); without it the test skips, except under CI. Screenshots go to
``test-artifacts/frame-*.png``.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from vlmtok import settings
from vlmtok.pack.photos import gallery_scene

ROOT = Path(__file__).resolve().parents[1]
SCAN = ROOT / "examples" / "mona_lisa.jpg"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DESCRIBE_TIMEOUT_MS = 120_000
READY_JS = """() => { const b = document.querySelector('#vt-thread .vt-thread');
    const turn = document.querySelector('#vt-thread .vt-turn-description');
    return b && b.dataset.state === 'ready' && turn && JSON.parse(turn.dataset.clips).length > 0; }"""

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        if settings.ci():
            pytest.fail("Debian chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    """A far gallery photo of the Mona Lisa (portrait) on a purple wall (a landscape photo)."""
    path = tmp_path_factory.mktemp("gallery") / "gallery-photo.jpg"
    gallery_scene(Image.open(SCAN), seed=2, distance="far").photo.save(path, quality=90)
    return path


def _scan_colour() -> str:
    from vlmtok.narrate.offline.measure import measure

    return measure(Image.open(SCAN).convert("RGB")).palette[0].family


def test_the_tour_outlines_the_artwork_and_describes_its_colours(browser, app_url, photo):
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    page.goto(app_url)
    page.locator("#vt-thread .vt-thread").wait_for(timeout=60_000)
    page.locator("#vt-image input[type=file]").set_input_files(str(photo))
    page.wait_for_function("[...document.querySelectorAll('#vt-outline img')].some((i) => i.naturalWidth > 0)",
                           timeout=60_000)
    page.wait_for_function(READY_JS, timeout=DESCRIBE_TIMEOUT_MS)
    page.locator("#vt-outline").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "frame-tour-outline.png"), full_page=True)
    assert page.locator("#vt-whole").is_visible()
    byline = page.locator("#vt-thread .vt-byline").first.inner_text()
    assert "straightened from the photo" in byline, byline
    text = page.locator("#vt-thread .vt-turn-description").first.inner_text().lower()
    assert _scan_colour() in text, text

    page.locator("#vt-whole input[type=checkbox]").check()      # the guide: use the whole photo
    page.wait_for_function("""() => { const b = document.querySelector('#vt-thread .vt-byline');
        return b && !b.innerText.includes('straightened'); }""", timeout=DESCRIBE_TIMEOUT_MS)
    page.wait_for_function(READY_JS, timeout=DESCRIBE_TIMEOUT_MS)
    page.screenshot(path=str(ARTIFACTS / "frame-tour-whole.png"), full_page=True)
    page.close()


def test_compare_draws_the_tokens_of_the_straightened_artwork(browser, app_url, photo):
    page = browser.new_page(viewport={"width": 1024, "height": 1300})
    page.goto(app_url)
    page.get_by_role("tab", name=re.compile("Compare encoders")).click()
    panel = page.get_by_role("tabpanel")
    page.locator("#vt-cmp-image input[type=file]").set_input_files(str(photo))
    page.locator("#vt-cmp-image img").first.wait_for(timeout=30_000)
    for label in panel.locator("#vt-encoders label").all():
        label.locator("input").set_checked(label.inner_text().startswith("MobileNetV2 ·"))
    panel.get_by_role("button", name="Compare", exact=True).click()
    page.wait_for_function("document.querySelector('#vt-ledger table') !== null", timeout=DESCRIBE_TIMEOUT_MS)
    page.locator("#vt-tap-image").scroll_into_view_if_needed()
    page.wait_for_function("[...document.querySelectorAll('#vt-tap-image img')].some((i) => i.naturalWidth > 0)",
                           timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "frame-compare.png"), full_page=True)
    shown = page.evaluate("""() => { const i = [...document.querySelectorAll('#vt-tap-image img')]
        .find((i) => i.naturalWidth > 0); return i.naturalWidth / i.naturalHeight; }""")
    scan = Image.open(SCAN)
    photo_size = Image.open(photo).size
    assert abs(shown / (scan.width / scan.height) - 1) < 0.12            # the painting's shape ...
    assert abs(shown / (photo_size[0] / photo_size[1]) - 1) > 0.05        # ... not the photo's
    page.close()
