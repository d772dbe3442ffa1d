"""Every screen in both languages, in a real browser (Debian chromium via Playwright, axe-core from npm).

One language switch for the whole page: in Vietnamese no English word is left on any tab, Gradio's own buttons,
names and footer included, after a picture is chosen and after a comparison (a short allowlist of names). Screenshots
go to ``test-artifacts/screens-*.png``.
"""
from __future__ import annotations

import re

import pytest

from test_browser import BOXES_JS, ARTIFACTS, CONTRAST_JS, EXAMPLE, _choose_language, headless_chromium
from test_browser_compare import _unfold
from vlmtok.i18n import catalogue

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")

RUN_TIMEOUT_MS = 300_000
# Names that are the same in every language: the product, models, libraries, units and the examples' own names
NAMES = {"vlmtok", "smolvlm", "dinov2", "gradio", "api", "mcp", "timm", "px", "clip", "eva", "siglip", "vit", "cnn",
         "pca", "espeak", "ng", "google", "hugging", "face", "hub", "imagenet", "mona", "lisa", "galette", "moulin",
         "benzaiten", "pala", "pesaro", "auvers", "summertime", "token", "tokens"}
# English words a Vietnamese page must not show: every word of the English catalogue and of Gradio's English (the
# catalogue's gradio.* keys), and the words a screen is made of, less any word Vietnamese also writes ("to", "in")
FRAME = {"the", "of", "and", "or", "to", "a", "an", "in", "is", "for", "with", "here", "click", "drop", "upload",
         "file", "image", "remove", "download", "share", "fullscreen", "settings", "built", "use", "via", "empty",
         "value", "reset", "default", "thumbnail", "examples", "photo", "artwork", "loading", "error", "complete",
         "common", "more", "tabs", "logo", "footer", "navigation", "camera", "webcam", "record", "stop", "clear"}


def _words(text: str) -> set[str]:
    """Lower-case words of letters only (a name with digits or "_", "ViT-S/14", "mobilenetv2_100", is no word)."""
    return {w.lower() for w in re.findall(r"(?<![\w-])[A-Za-z]+(?![\w])", text)}


def _vocabulary() -> set[str]:
    english = set().union(*(_words(v) for v in catalogue("en").values())) | FRAME
    vietnamese = set().union(*(_words(v) for v in catalogue("vi").values()))
    return {w for w in english - vietnamese - NAMES if len(w) > 1}


# every text a visitor can see or hear on the page: visible text, and the names screen readers say
TEXTS_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement; if (!el || !n.data.trim() || el.closest('script,style,#vt-words')) continue;
    const hidden = (e) => { for (; e; e = e.parentElement) { const cs = getComputedStyle(e);
        if (cs.display === 'none' || cs.visibility === 'hidden' || e.hidden) return true; } return false; };
    if (hidden(el)) continue;
    const live = el.closest('[aria-live],[role=status],[role=alert]');
    if (!el.getClientRects().length && !live && !el.closest('.vt-sr,.sr-only')) continue;
    out.push(n.data.trim()); }
  for (const el of document.querySelectorAll('[aria-label],[title],[placeholder],[alt]'))
    for (const a of ['aria-label', 'title', 'placeholder', 'alt'])
      if (el.getAttribute(a) && !el.closest('#vt-words')) out.push(el.getAttribute(a));
  return out; }"""


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as b:
        yield b


def _page(browser, url, size=(1024, 768), lang="en"):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(url)
    page.locator("#vt-thread .vt-thread").wait_for(timeout=60_000)
    page.wait_for_function("document.getElementById('vt-audio-el') && document.documentElement.lang")
    if lang != "en":
        _choose_language(page, lang)
        page.wait_for_function("(l) => document.getElementById('vt-words-data').dataset.vtLang === l", arg=lang)
        page.locator("#vt-options > button").first.press("Enter")          # folded again, as a guide leaves it
    return page


def _english(page, vocabulary: set[str]) -> dict[str, list[str]]:
    """English words on the page now, each with the texts it came from."""
    found: dict[str, list[str]] = {}
    for text in page.evaluate(TEXTS_JS):
        for word in _words(text) & vocabulary:
            found.setdefault(word, []).append(text[:80])
    return found


def _tab(page, name: str):
    tab = page.get_by_role("tab", name=name)
    if tab.count() and tab.first.is_visible():
        tab.first.click()
    else:                                          # a phone: the tabs that do not fit are in Gradio's "more" menu
        page.locator(".overflow-menu > button").first.click()
        page.locator(".overflow-dropdown button", has_text=name).first.click()
    page.wait_for_timeout(300)
    return page.get_by_role("tabpanel")


def test_vietnamese_page_has_no_english_word_on_any_tab(browser, app_url):
    vocabulary = _vocabulary()
    page = _page(browser, app_url, lang="vi")
    try:
        assert page.evaluate("document.documentElement.lang") == "vi"
        left: dict[str, dict] = {}
        page.locator("#vt-image input[type=file]").set_input_files(str(EXAMPLE))   # a picture: its buttons too
        page.wait_for_function("document.querySelector('#vt-thread .vt-thread').dataset.state === 'ready'",
                               timeout=120_000)
        left["tour"] = _english(page, vocabulary)
        page.screenshot(path=str(ARTIFACTS / "screens-tour-vi.png"))
        panel = _tab(page, "So sánh bộ mã hoá")
        _unfold(page, "#vt-cmp-examples")
        panel.get_by_role("button", name=re.compile("^Sư tử")).click()               # the examples' own titles
        _unfold(page, "#vt-cmp-choices")
        page.locator("#vt-cmp-image img").first.wait_for(timeout=30_000)
        for label in panel.locator("#vt-encoders label").all():
            label.locator("input").set_checked(label.inner_text().startswith("MobileNetV2 ·"))
        panel.get_by_role("button", name="So sánh", exact=True).click()
        page.wait_for_function("document.querySelector('#vt-ledger table') !== null", timeout=RUN_TIMEOUT_MS)
        page.wait_for_timeout(500)
        left["compare"] = _english(page, vocabulary)
        page.screenshot(path=str(ARTIFACTS / "screens-compare-vi.png"), full_page=True)
        panel = _tab(page, "Cách hoạt động")
        _unfold(page, "#vt-how-examples")
        panel.get_by_role("button", name=re.compile("^Sư tử")).click()
        page.locator("#vt-how-image img").first.wait_for(timeout=30_000)
        panel.get_by_role("button", name="Xem các bước").click()
        page.locator("#vt-how li").nth(5).wait_for(timeout=RUN_TIMEOUT_MS)
        left["how"] = _english(page, vocabulary)
        page.screenshot(path=str(ARTIFACTS / "screens-how-vi.png"), full_page=True)
        assert "Hãy mô tả bức tranh này." in page.locator("#vt-how").inner_text()   # the prompt row in Vietnamese
        assert left == {"tour": {}, "compare": {}, "how": {}}, left
    finally:
        page.close()


def test_the_english_page_announces_a_finished_run_in_words(browser, app_url):
    """Gradio announces its raw key "common.complete" after each run: the page says "Done." instead."""
    page = _page(browser, app_url)
    try:
        panel = _tab(page, "How it works")
        _unfold(page, "#vt-how-examples")
        panel.get_by_role("button", name=re.compile("^Lion")).click()
        page.locator("#vt-how-image img").first.wait_for(timeout=30_000)
        panel.get_by_role("button", name="Show the steps").click()
        page.locator("#vt-how li").nth(5).wait_for(timeout=RUN_TIMEOUT_MS)
        page.wait_for_timeout(500)
        texts = page.evaluate(TEXTS_JS)
        assert not [x for x in texts if "common.complete" in x], texts
    finally:
        page.close()


# ----------------------------------------------------------------------------------------------------------------
# The caption card: the visitor's question is read as well as the answer (AAA, every preset)

QUESTION_PARTS = ("#vt-thread .vt-question .vt-who", "#vt-thread .vt-question span[lang]",
                  "#vt-thread .vt-turn-answer .vt-byline")


def test_the_question_on_the_card_is_aaa_in_every_preset(browser, app_url):
    page = _page(browser, app_url)
    try:
        page.locator("#vt-image input[type=file]").set_input_files(str(EXAMPLE))
        page.wait_for_function("document.querySelector('#vt-thread .vt-thread').dataset.state === 'ready'",
                               timeout=120_000)
        page.locator("#vt-question textarea").fill("What is the girl on the left holding?")
        page.locator("#vt-question textarea").press("Enter")
        page.locator("#vt-thread .vt-turn-answer").wait_for(timeout=120_000)
        page.wait_for_function("document.querySelector('#vt-thread .vt-thread').dataset.state === 'ready'",
                               timeout=120_000)
        answer = page.locator("#vt-thread .vt-turn-answer").inner_text()
        assert "Offline answer" in answer and "cannot tell objects, people or actions" in answer, answer
        preset = page.locator("#vt-strip .vt-preset")
        for name in ("dark", "light", "dyslexia"):
            page.wait_for_function("(p) => document.documentElement.dataset.vtPreset === p", arg=name)
            for part in QUESTION_PARTS:
                style = page.evaluate(CONTRAST_JS, part)
                assert style["ratio"] >= 7.0 and style["fontSize"] >= 18, (name, part, style)
            page.locator("#vt-thread .vt-turn-answer").screenshot(path=str(ARTIFACTS / f"screens-question-{name}.png"))
            preset.click()
    finally:
        page.close()


# ----------------------------------------------------------------------------------------------------------------
# The first screen held: an upright tablet with Options open, a phone before and after a description

BOXES = {"picture": "#vt-image", "describe": "#vt-describe", "caption": "#vt-thread .vt-thread",
         "play": "#vt-strip .vt-play", "strip": "#vt-strip", "spoken": "#vt-thread .vt-current"}
PLAY_UNCOVERED_JS = """() => { const p = document.querySelector('#vt-strip .vt-play').getBoundingClientRect();
  const top = document.elementFromPoint(p.x + p.width / 2, p.y + p.height / 2);
  return !!top && !!top.closest('.vt-play'); }"""


def _boxes(page) -> dict:
    return page.evaluate(BOXES_JS, BOXES)


def _seen(box, page, min_h: int = 1) -> bool:
    """At least ``min_h`` px of the box on the screen."""
    vh = page.viewport_size["height"]
    return box is not None and box["h"] > 0 and box["y"] >= 0 and box["y"] + min_h <= vh


def test_options_never_push_the_player_off_an_upright_tablet(browser, app_url):
    page = _page(browser, app_url, (768, 1024))
    try:
        before = _boxes(page)
        header = page.locator("#vt-options > button").first
        header.click()
        page.wait_for_function("document.querySelector('#vt-options > button').getAttribute('aria-expanded') === 'true'")
        page.locator("#vt-lang").wait_for()
        opened = _boxes(page)
        page.screenshot(path=str(ARTIFACTS / "screens-tablet-options-open.png"))
        assert opened["play"] == before["play"] and _seen(opened["play"], page, 52), (before, opened)
        assert page.evaluate(PLAY_UNCOVERED_JS), "the options cover Play"
        assert page.locator("#vt-lang").is_visible()                         # the options themselves are there
        page.keyboard.press("Escape") if page.evaluate("document.activeElement.closest('#vt-options') !== null") else None
        page.reload()                                                        # the next artwork: Options folded again
        page.locator("#vt-thread .vt-thread").wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        assert header.get_attribute("aria-expanded") != "true"
        assert _boxes(page)["play"] == before["play"]
    finally:
        page.close()


def test_a_phone_keeps_describe_and_the_caption_on_its_first_screen(browser, app_url):
    page = _page(browser, app_url, (360, 640))
    try:
        empty = _boxes(page)
        page.screenshot(path=str(ARTIFACTS / "screens-phone-empty.png"))
        for part in ("picture", "describe", "play"):
            assert _seen(empty[part], page, empty[part]["h"]), (part, empty)
        assert _seen(empty["caption"], page, 40), empty                    # the caption's first line
        page.locator("#vt-image input[type=file]").set_input_files(str(EXAMPLE))
        page.wait_for_function("""() => { const t = document.querySelector('#vt-thread .vt-turn-description');
            return document.querySelector('#vt-thread .vt-thread').dataset.state === 'ready' && t
                && JSON.parse(t.dataset.clips).length > 0; }""", timeout=120_000)
        page.wait_for_timeout(800)                                          # anything that would scroll has
        described = _boxes(page)
        page.screenshot(path=str(ARTIFACTS / "screens-phone-described.png"))
        assert page.evaluate("scrollY") == 0, described                     # no jump away from Describe
        assert _seen(described["describe"], page, 56) and _seen(described["caption"], page, 40), described
        page.locator("#vt-strip .vt-play").click()
        page.wait_for_function("""() => { const a = document.getElementById('vt-audio-el');
            return !a.paused && isFinite(a.duration) && a.duration > 0; }""", timeout=10_000)
        for fraction in (0.5, 0.9):                                         # the voice followed down the page
            page.evaluate("""(f) => { const a = document.getElementById('vt-audio-el'); a.pause();
                a.currentTime = a.duration * f; }""", fraction)                # held there, then measured
            page.wait_for_timeout(900)
            followed = _boxes(page)
            page.screenshot(path=str(ARTIFACTS / f"screens-phone-following-{int(fraction * 100)}.png"))
            assert _seen(followed["play"], page, 52) and page.evaluate(PLAY_UNCOVERED_JS), followed
            spoken, strip = followed["spoken"], followed["strip"]
            assert spoken and spoken["y"] >= strip["y"] + strip["h"] - 1 and _seen(spoken, page, 30), followed
        assert page.evaluate("scrollY") > 0                                  # it did follow the voice
    finally:
        page.close()


# ----------------------------------------------------------------------------------------------------------------
# Compare on a tablet: Compare and the first results on the first screen, every size change said, 0 axe violations,
# 44 px targets and 16 px labels, in both languages

# every control of the open tab and the tab list smaller than 44 x 44 (a checkbox or radio: its label is the target)
SMALL_TARGETS_JS = """() => [...document.querySelectorAll(
    '[role=tabpanel]:not([hidden]) :is(button, a[href], input, select, [role=tab]), [role=tablist] [role=tab]')]
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden'
                 && !(e.type === 'file' || e.type === 'text' || e.tagName === 'TEXTAREA'))
  .map((e) => { const t = (e.type === 'checkbox' || e.type === 'radio') ? (e.closest('label') || e) : e;
    const r = t.getBoundingClientRect();
    return [(e.getAttribute('aria-label') || e.innerText || e.tagName).trim().slice(0, 30), Math.round(r.width),
            Math.round(r.height)]; })
  .filter(([, w, h]) => w < 44 || h < 44)"""
# the labels of the open tab (Gradio's block titles, group titles, choices) smaller than 16 px
SMALL_LABELS_JS = """() => [...document.querySelectorAll('[role=tabpanel]:not([hidden]) :is([data-testid=block-label],'
    + ' [data-testid=block-info], label span, .label-wrap span)')]
  .filter((e) => e.getClientRects().length && e.innerText.trim())
  .map((e) => [e.innerText.trim().slice(0, 30), parseFloat(getComputedStyle(e).fontSize)])
  .filter(([, px]) => px < 16)"""
COMPARE = {"en": ("Compare encoders", "Compare", "Lion"), "vi": ("So sánh bộ mã hoá", "So sánh", "Sư tử")}


def _axe_all(page) -> list[str]:
    from test_browser import WCAG_TAGS, _axe_js

    page.add_script_tag(path=str(_axe_js()))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in result["violations"]]


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_compare_on_a_tablet_first_screen_and_axe(browser, app_url, lang):
    tab, button, lion = COMPARE[lang]
    page = _page(browser, app_url, (1024, 768), lang=lang)
    try:
        panel = _tab(page, tab)
        run = page.locator("#vt-compare-btn")
        assert _seen(_box(run), page, 44), _box(run)                        # Compare: on the first screen
        problems = {"axe before": _axe_all(page), "targets": page.evaluate(SMALL_TARGETS_JS),
                    "labels": page.evaluate(SMALL_LABELS_JS)}
        _unfold(page, "#vt-cmp-examples")                                  # the examples, folded until asked for
        panel.get_by_role("button", name=re.compile(f"^{lion}")).click()
        page.locator("#vt-cmp-image img").first.wait_for(timeout=30_000)
        _unfold(page, "#vt-cmp-choices")
        for label in panel.locator("#vt-encoders label").all():
            label.locator("input").set_checked(label.inner_text().startswith(("MobileNetV2 ·", "CoAtNet-0 ·")))
        panel.locator("#vt-sizes label", has_text="336").locator("input").check()
        page.wait_for_function("""() => { const t = document.querySelector('#vt-cmp-choices > button').innerText;
            return t.includes('336 px') && t.includes('CoAtNet-0') && !t.includes('DINOv2'); }""", timeout=10_000)
        title = page.locator("#vt-cmp-choices > button").first.inner_text()
        assert "MobileNetV2" in title and "CoAtNet-0" in title and "336 px" in title, title   # the fold says it
        page.locator("#vt-cmp-choices > button").first.click()              # folded again: Compare moves back up
        page.locator("#vt-cmp-examples > button").first.click()
        page.wait_for_timeout(300)
        page.evaluate("window.scrollTo(0, 0)")
        run.click()
        page.wait_for_function("document.querySelector('#vt-ledger table') !== null", timeout=RUN_TIMEOUT_MS)
        page.wait_for_timeout(800)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / f"screens-compare-1024x768-{lang}.png"))
        status = page.locator("#vt-cmp-status [role=status]").inner_text()
        changed = {"en": "CoAtNet-0 ran at 320 × 320 px, not 336 px", "vi": "CoAtNet-0 chạy ở 320 × 320 px, không phải 336 px"}
        assert changed[lang] in status and changed[lang] in page.locator("#vt-ledger").inner_text(), status
        first = page.locator(".vt-compare-gallery img").first
        assert _seen(_box(page.locator("#vt-cmp-status")), page, 20) and _seen(_box(first), page, 100), _box(first)
        problems.update({"axe after": _axe_all(page), "targets after": page.evaluate(SMALL_TARGETS_JS),
                         "labels after": page.evaluate(SMALL_LABELS_JS)})
        assert not any(problems.values()), problems
    finally:
        page.close()


def _box(locator) -> dict:
    b = locator.bounding_box()
    return {"x": round(b["x"]), "y": round(b["y"]), "w": round(b["width"]), "h": round(b["height"])}



# ----------------------------------------------------------------------------------------------------------------
# Fonts that render offline: the system's own, no font file fetched

FONTS_JS = """() => ({
  fetched: performance.getEntriesByType('resource').map((r) => r.name)
    .filter((n) => /\\.(woff2?|ttf|otf)(\\?|$)|fonts\\.(googleapis|gstatic)/.test(n)),
  faces: [...document.fonts].map((f) => f.family + ' ' + f.status),
  families: [...new Set(['.gradio-container', 'h1', 'button', '[data-testid=block-label]', '#vt-thread .vt-thread', 'footer']
    .map((s) => document.querySelector(s)).filter(Boolean).map((e) => getComputedStyle(e).fontFamily))]})"""


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_page_uses_fonts_that_render_offline(browser, app_url, lang):
    page = _page(browser, app_url, lang=lang)
    try:
        page.wait_for_timeout(500)
        fonts = page.evaluate(FONTS_JS)
        page.locator("#vt-ask").screenshot(path=str(ARTIFACTS / f"screens-ask-button-{lang}.png"))
        assert fonts["fetched"] == [] and fonts["faces"] == [], fonts               # nothing to download
        assert all(f.startswith(('"Segoe UI"', "system-ui")) or "Verdana" in f for f in fonts["families"]), fonts
    finally:
        page.close()


# ----------------------------------------------------------------------------------------------------------------
# Every tab, every screen, both languages: 0 axe A/AA violations, 44 px targets and 16 px labels, as first opened

TABS = {"en": ("Tour", "Compare encoders", "How it works"), "vi": ("Tham quan", "So sánh bộ mã hoá", "Cách hoạt động")}


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("size", [(1024, 768), (768, 1024), (360, 640)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_tab_on_every_screen_in_both_languages(browser, app_url, size, lang):
    page = _page(browser, app_url, size, lang=lang)
    try:
        problems = {}
        for name, tab in zip(("tour", "compare", "how"), TABS[lang]):
            _tab(page, tab)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(ARTIFACTS / f"screens-{name}-{size[0]}x{size[1]}-{lang}.png"))
            found = {"axe": _axe_all(page), "targets": page.evaluate(SMALL_TARGETS_JS),
                     "labels": page.evaluate(SMALL_LABELS_JS)}
            problems.update({f"{name} {k}": v for k, v in found.items() if v})
        assert page.evaluate("document.documentElement.lang") == lang
        assert not problems, problems
    finally:
        page.close()
