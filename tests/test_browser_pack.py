"""The Tour pack tab in a real browser: ``python app.py --pack PACK`` plays prepared narrations offline.

A guide opens the Tour pack tab, taps a thumbnail and hears its narration (the caption card shows the prepared
text, the audio element plays the pack's own WAV); in Vietnamese the same artwork's Vietnamese text and audio
come; a photo taken in the gallery finds its painting. Nothing is narrated live: every text is the manifest's.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from test_browser import CHROMIUM_ARGS, _chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]

sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PAINTINGS = ("durer_lion.jpg", "great_wave_off_kanagawa.jpg")
LABELS = ("file,title,artist,date,label\n"
          "durer_lion.jpg,Lion,Albrecht Dürer,1521,\n"
          "great_wave_off_kanagawa.jpg,The Great Wave off Kanagawa,Katsushika Hokusai,c. 1831,\n")
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def pack_app(tmp_path_factory):
    """``(url, pack folder, manifest)``: a two-painting pack (en, vi; alt text) and the app playing it."""
    from vlmtok.bench.app import running_app
    from vlmtok.pack import BuildOptions, build_pack
    from vlmtok.paths import cache_dir

    base = tmp_path_factory.mktemp("pack-app")
    source = base / "source"
    source.mkdir()
    for name in PAINTINGS:
        shutil.copy(EXAMPLES / name, source / name)
    (source / "labels.csv").write_text(LABELS, encoding="utf-8")
    cache = base / "cache"
    cache.mkdir()
    (cache / "weights").symlink_to(cache_dir("weights"), target_is_directory=True)   # DINOv2, converted once
    env = {"VLMTOK_CACHE": str(cache), "VLMTOK_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        report = build_pack(source, base / "pack", options=BuildOptions(langs=["en", "vi"], tiers=["alt"],
                                                                        narrator="offline", voice="espeak"))
    with running_app(env, base / "app.log", args=["--pack", str(base / "pack")]) as (url, _s, _proc):
        yield url, base / "pack", report.manifest


@pytest.fixture(scope="module")
def page(pack_app):
    executable = _chromium()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1024, "height": 1200})
        page.goto(pack_app[0])
        page.get_by_role("tab", name="Tour pack").click()
        yield page
        browser.close()


def _caption_text(page, lang: str, contains: str) -> str:
    try:
        page.wait_for_function("([lang, words]) => { const c = document.querySelector("
                               "'#vt-pack-caption .vt-caption-body');"
                               " return c && c.lang === lang && c.textContent.includes(words); }",
                               arg=[lang, contains], timeout=TIMEOUT_MS)
    except sync_api.TimeoutError:
        shown = page.locator("#vt-pack-caption").inner_text(), page.locator("#vt-pack-status").inner_text()
        raise AssertionError(f"the caption never read {contains!r} in {lang}; it shows {shown}") from None
    return page.locator("#vt-pack-caption .vt-text").inner_text()


def _audio_bytes(page) -> bytes:
    """The audio the page's player was given (its download link names the file), fetched as the browser would."""
    src = page.wait_for_function("() => { const a = document.querySelector('#vt-pack-audio a[download]');"
                                 " return a && a.href ? a.href : null; }", timeout=TIMEOUT_MS).json_value()
    response = page.request.get(src)
    assert response.ok, (src, response.status)
    return response.body()


def test_a_tapped_thumbnail_plays_its_prepared_narration_in_both_languages(page, pack_app):
    _url, folder, manifest = pack_app
    wave = manifest.artwork("great_wave_off_kanagawa")
    en, vi = wave.narration("en", "alt"), wave.narration("vi", "alt")
    thumbs = page.locator("#vt-pack-gallery button img")
    thumbs.first.wait_for(timeout=TIMEOUT_MS)
    assert thumbs.count() == 2
    thumbs.nth(1).click()
    shown = _caption_text(page, "en", en.sentences[1])
    assert shown.split() == en.text.split()                              # the manifest's words, not live ones
    assert _audio_bytes(page) == (folder / en.audio).read_bytes()
    assert "Hokusai" in page.locator("#vt-pack-about").inner_text()
    page.locator("#vt-pack-lang label", has_text="Tiếng Việt").click()
    shown = _caption_text(page, "vi", vi.sentences[1])
    assert shown.split() == vi.text.split()
    assert _audio_bytes(page) == (folder / vi.audio).read_bytes()
    assert f"Được viết sẵn ngày {vi.made_at[:10]}" in page.locator("#vt-pack-about").inner_text()


def test_a_gallery_photo_finds_its_painting(page, pack_app, tmp_path):
    from vlmtok import load_image
    from vlmtok.pack.photos import gallery_photo

    lion = pack_app[2].artwork("durer_lion")
    photo = tmp_path / "photo.jpg"
    gallery_photo(load_image(EXAMPLES / "durer_lion.jpg"), "wall", seed=7).save(photo, quality=85)
    page.locator("#vt-pack-photo input[type=file]").set_input_files(str(photo))
    lang = page.locator("#vt-pack-lang input:checked").get_attribute("value")
    _caption_text(page, lang, lion.narration(lang, "alt").sentences[1])  # names the lion
    assert lion.name in page.locator("#vt-pack-status").inner_text()


def test_on_a_tablet_the_prepared_caption_is_large_and_its_player_in_view(page, pack_app):
    """At 1024 x 768 a tapped artwork's text is the caption card's large, high-contrast type, and its player is
    on the first screen without scrolling."""
    from test_browser import ARTIFACTS, CONTRAST_JS

    tablet = page.context.browser.new_page(viewport={"width": 1024, "height": 768})   # the module's browser
    try:
        tablet.goto(pack_app[0])
        tablet.get_by_role("tab", name="Tour pack").click()
        thumbs = tablet.locator("#vt-pack-gallery button img")
        thumbs.first.wait_for(timeout=TIMEOUT_MS)
        thumbs.nth(1).click()
        wave = pack_app[2].artwork("great_wave_off_kanagawa").narration("en", "alt")
        _caption_text(tablet, "en", wave.sentences[1])
        text = tablet.evaluate(CONTRAST_JS, "#vt-pack-caption .vt-text")
        assert text["ratio"] >= 7.0 and text["fontSize"] >= 24, text              # as the Tour's caption card
        spans = tablet.evaluate("""() => [...document.querySelectorAll('#vt-pack-caption .vt-s')]
            .map((s) => getComputedStyle(s).color)""")
        assert spans and set(spans) == {text["color"]}, spans                     # every sentence in that colour
        player = tablet.locator("#vt-pack-audio").bounding_box()
        assert player and player["y"] >= 0 and player["y"] + player["height"] <= 768, player
        ARTIFACTS.mkdir(exist_ok=True)
        tablet.screenshot(path=str(ARTIFACTS / "pack-1024x768.png"))
    finally:
        tablet.close()
