"""The Tour pack tab in a real browser: ``python app.py --pack PACK`` plays prepared narrations offline.

A guide opens the Tour pack tab, taps a thumbnail and hears its narration: the Tour's caption card (its large
Play/Pause, the page's player and highlight) shows the prepared text and plays the pack's own WAV; in Vietnamese the
same artwork's Vietnamese text and audio come and the page says it is Vietnamese; a photo taken in the gallery
finds its painting, and one that is in no painting is a spoken notice. Nothing is narrated live: every text is the
manifest's.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from test_browser import CHROMIUM_ARGS, _chromium
from vlmtok.app.tour import strip_byline
from vlmtok.i18n import t

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


TURN = "#vt-pack-thread .vt-turn-description"
PLAYING_JS = """(src) => { const a = document.getElementById('vt-audio-el');
  return !!a && !a.paused && a.currentTime > 0 && (!src || a.src.endsWith(src)); }"""


def _caption_text(page, lang: str, contains: str) -> str:
    try:
        page.wait_for_function("([lang, words]) => { const c = document.querySelector("
                               f"'{TURN}');"
                               " return c && c.lang === lang && c.textContent.includes(words); }",
                               arg=[lang, contains], timeout=TIMEOUT_MS)
    except sync_api.TimeoutError:
        shown = page.locator("#vt-pack-thread").inner_text(), page.locator("#vt-pack-status").inner_text()
        raise AssertionError(f"the caption never read {contains!r} in {lang}; it shows {shown}") from None
    return page.locator(f"{TURN} .vt-text").inner_text()


def _clip_src(page, selector: str = TURN) -> str:
    return page.evaluate("(s) => JSON.parse(document.querySelector(s).dataset.clips)[0].src", selector)


def _audio_bytes(page, selector: str = TURN) -> bytes:
    """The audio the turn's clip names, fetched as the page's player would."""
    src = page.evaluate("(s) => new URL(s, document.baseURI).href", _clip_src(page, selector))
    response = page.request.get(src)
    assert response.ok, (src, response.status)
    return response.body()


def _playing(page, src: str) -> None:
    """The page's one audio element is playing ``src`` (a tap is the visitor's gesture: no Play needed)."""
    try:
        page.wait_for_function(PLAYING_JS, arg=src, timeout=TIMEOUT_MS)
    except sync_api.TimeoutError:
        state = page.evaluate("() => { const a = document.getElementById('vt-audio-el');"
                              " return a && {src: a.src, paused: a.paused, time: a.currentTime, error: a.error}; }")
        raise AssertionError(f"{src} never played; the audio element: {state}") from None


def _open(page, url: str) -> None:
    """The Tour pack tab, from the tab row or, on a phone, from Gradio's menu of the tabs that do not fit."""
    page.goto(url)
    page.wait_for_function("() => [...document.querySelectorAll('[role=tab]')].length > 1", timeout=TIMEOUT_MS)
    tab = page.locator("[role=tablist] [role=tab]", has_text="Tour pack")
    if not (tab.count() and tab.first.is_visible()):
        page.locator(".overflow-menu").first.click()
        tab = page.locator(".overflow-dropdown button", has_text="Tour pack")
    tab.first.click()
    page.locator("#vt-pack-gallery button img").first.wait_for(timeout=TIMEOUT_MS)


def test_a_tapped_thumbnail_plays_its_prepared_narration_in_both_languages(page, pack_app):
    _url, folder, manifest = pack_app
    wave = manifest.artwork("great_wave_off_kanagawa")
    en, vi = wave.narration("en", "alt"), wave.narration("vi", "alt")
    thumbs = page.locator("#vt-pack-gallery button img")
    thumbs.first.wait_for(timeout=TIMEOUT_MS)
    assert thumbs.count() == 2
    thumbs.nth(1).click()
    shown = _caption_text(page, "en", en.sentences[1])
    assert shown.split() == strip_byline(en.text, en.narrator_label).split()   # the manifest's words, not live ones
    assert _audio_bytes(page) == (folder / en.audio).read_bytes()
    _playing(page, _clip_src(page))
    try:                                                                         # the sentence spoken, lit
        page.wait_for_function(f"() => !!document.querySelector('{TURN} .vt-s.vt-current')", timeout=TIMEOUT_MS)
    except sync_api.TimeoutError:
        clips = page.locator(TURN).get_attribute("data-clips")
        raise AssertionError(f"no sentence was lit; clips {clips}; spans {page.locator(TURN).inner_html()}") from None
    assert "Hokusai" in page.locator("#vt-pack-about").inner_text()
    page.locator("#vt-pack-lang label", has_text="Tiếng Việt").click()
    shown = _caption_text(page, "vi", vi.sentences[1])
    assert shown.split() == strip_byline(vi.text, vi.narrator_label).split()
    assert _audio_bytes(page) == (folder / vi.audio).read_bytes()
    page.wait_for_function("() => document.documentElement.lang === 'vi'", timeout=TIMEOUT_MS)
    assert f"Được viết sẵn ngày {vi.made_at[:10]}" in page.locator("#vt-pack-about").inner_text()
    page.locator("#vt-pack-lang label", has_text="English").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'", timeout=TIMEOUT_MS)


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
    _playing(page, _clip_src(page))


def test_a_photo_of_no_painting_is_a_spoken_notice(page, pack_app, tmp_path):
    """"No match" is the Tour's notice (apart from the narration, which stays), read by the offline voice."""
    from vlmtok.pack.photos import not_a_painting

    before = page.locator(TURN).get_attribute("data-turn")
    photo = tmp_path / "shapes.jpg"
    not_a_painting("shapes").save(photo)
    page.locator("#vt-pack-photo input[type=file]").set_input_files(str(photo))
    notice = "#vt-pack-thread .vt-turn-message"
    page.wait_for_selector(notice, timeout=TIMEOUT_MS)
    assert " ".join(t("pack.not_found", "en").split()) in " ".join(page.locator(notice).inner_text().split())
    _playing(page, _clip_src(page, notice))
    assert page.locator(TURN).get_attribute("data-turn") == before           # the narration is not wiped


@pytest.mark.parametrize("width,height", [(1024, 768), (360, 640)])
def test_the_pack_tab_presents_like_the_tour(page, pack_app, width, height):
    """A tap plays; the text is the caption card's large, 7:1 type; the large Play/Pause is on screen (a phone
    scrolls to it); axe finds nothing at A/AA on the pack tab."""
    from test_browser import ARTIFACTS, CONTRAST_JS, _axe

    screen = page.context.browser.new_page(viewport={"width": width, "height": height})   # the module's browser
    try:
        _open(screen, pack_app[0])
        screen.locator("#vt-pack-gallery button img").nth(1).click()
        wave = pack_app[2].artwork("great_wave_off_kanagawa").narration("en", "alt")
        _caption_text(screen, "en", wave.sentences[1])
        _playing(screen, _clip_src(screen))
        text = screen.evaluate(CONTRAST_JS, f"{TURN} .vt-text")
        assert text["ratio"] >= 7.0 and text["fontSize"] >= 24, text              # as the Tour's caption card
        play = "#vt-pack-strip .vt-play"
        screen.wait_for_function("""(s) => { const r = document.querySelector(s).getBoundingClientRect();
            return r.top >= 0 && r.bottom <= innerHeight && r.height >= 44; }""", arg=play, timeout=TIMEOUT_MS)
        assert screen.evaluate(CONTRAST_JS, play)["ratio"] >= 4.5
        screen.locator(play).click()                                              # Pause ...
        screen.wait_for_function("() => document.getElementById('vt-audio-el').paused", timeout=TIMEOUT_MS)
        ARTIFACTS.mkdir(exist_ok=True)
        screen.screenshot(path=str(ARTIFACTS / f"pack-{width}x{height}.png"))
        assert _axe(screen) == []
    finally:
        screen.close()
