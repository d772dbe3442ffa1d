"""The Tour in a real browser: Debian's headless Chromium driven by Playwright, checked with axe-core.

Never runs ``playwright install``: the browser is ``shutil.which("chromium")``. Without it the tests skip, except
under CI (env ``CI`` set), where a missing browser is a failure. axe-core comes from npm (``$VLMTOK_AXE_JS``, else
``cache_dir("npm")``, installed there on first use). Every view and state is saved as a screenshot in
``test-artifacts/``, with the measured positions in ``test-artifacts/tour-measurements.json``.

What is measured comes from the page itself: bounding boxes in the first viewport at 1024x768, 768x1024 and
360x640, ``elementFromPoint`` on the card's Play control, the spoken sentence inside the card's visible box at
20/60/90% of the audio, ``document.fullscreenElement``, ``html[lang]``, the Tab sequence, axe results per state,
the audio a message plays, and a full queue (concurrency 1, queue 1) while a visitor switches language.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from vlmtok import settings
from vlmtok.i18n import t
from vlmtok.paths import cache_dir

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "great_wave_off_kanagawa.jpg"
OTHER = ROOT / "examples" / "durer_lion.jpg"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESCRIBE_TIMEOUT_MS = 120_000
TABLETS = [(1024, 768), (768, 1024)]
VIEWPORTS = TABLETS + [(360, 640)]

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")

# WCAG relative luminance and contrast, computed in the page from the computed colours
CONTRAST_JS = """(sel) => {
  const lum = (c) => { const v = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map((x) => x / 255)
      .map((x) => x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const el = document.querySelector(sel);
  let bgEl = el, bg = 'rgba(0, 0, 0, 0)';
  while (bgEl) { bg = getComputedStyle(bgEl).backgroundColor;
    if (!/rgba\\(.*, 0\\)$/.test(bg) && bg !== 'transparent') break; bgEl = bgEl.parentElement; }
  const cs = getComputedStyle(el), a = lum(cs.color), b = lum(bg);
  const lines = {};                       // characters per rendered line, keyed by the line's top
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
      const rect = r.getBoundingClientRect(); if (!rect.width) continue;
      const top = Math.round(rect.top / 4); lines[top] = (lines[top] || 0) + 1; } }
  return {maxLineChars: Math.max(0, ...Object.values(lines)), lineCount: Object.keys(lines).length,
          color: cs.color, background: bg, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
          fontSize: parseFloat(cs.fontSize), lineHeight: parseFloat(cs.lineHeight), fontStyle: cs.fontStyle,
          textTransform: cs.textTransform, fontFamily: cs.fontFamily};
}"""

# the focus ring of the focused control: its width and its contrast against what is behind it (WCAG 2.4.11: 3:1)
RING_JS = """() => {
  const lum = (c) => { const v = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map((x) => x / 255)
      .map((x) => x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const focused = document.activeElement;
  const el = focused.type === 'radio' ? focused.closest('label') : focused;
  const cs = getComputedStyle(el);
  let bgEl = el.parentElement, bg = 'rgb(255, 255, 255)';
  while (bgEl) { const b = getComputedStyle(bgEl).backgroundColor;
    if (!/rgba\\(.*, 0\\)$/.test(b) && b !== 'transparent') { bg = b; break; } bgEl = bgEl.parentElement; }
  const a = lum(cs.outlineColor), b = lum(bg);
  return {tag: focused.tagName, type: focused.type || '', style: cs.outlineStyle, width: parseFloat(cs.outlineWidth),
          ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
}"""

BOXES_JS = """(sels) => Object.fromEntries(Object.entries(sels).map(([k, s]) => {
  const e = document.querySelector(s); if (!e) return [k, null]; const r = e.getBoundingClientRect();
  return [k, {x: Math.round(r.x), y: Math.round(r.y), w: Math.round(r.width), h: Math.round(r.height)}]; }))"""
PARTS = {"picture": "#vt-image", "describe": "#vt-describe", "caption": "#vt-thread .vt-thread",
         "play": "#vt-strip .vt-play", "card": "#vt-card", "question": "#vt-question", "options": "#vt-options",
         "status": "#vt-status"}

# what the keyboard reaches, in order: a short name for each focused element
FOCUSED_JS = """() => { const a = document.activeElement; if (!a || a === document.body) return 'body';
  const where = a.closest('#vt-image') ? 'picture' : a.id === 'vt-describe' ? 'describe'
    : a.matches('#vt-strip .vt-play') ? 'play' : a.matches('#vt-thread .vt-thread') ? 'caption'
    : a.closest('#vt-options') ? 'options' : a.closest('[role=tablist]') ? 'tab' : '';
  return where || (a.getAttribute('aria-label') || a.innerText || a.tagName).trim().slice(0, 24); }"""

# the sentence being spoken is highlighted, and its first line (all of it, when it fits) is inside the card's
# visible box, which is itself on screen; its text contrast is measured too
SPOKEN_IN_VIEW_JS = """() => {
  const s = document.querySelector('#vt-thread .vt-current'); if (!s) return 'no highlight';
  const b = document.querySelector('#vt-thread .vt-thread').getBoundingClientRect();
  const first = s.getClientRects()[0], all = s.getBoundingClientRect();
  const inside = (r) => r.top >= b.top - 1 && r.bottom <= b.bottom + 1;
  const fits = all.height <= b.height;
  return inside(first) && (!fits || inside(all)) && b.top >= 0 && b.bottom <= innerHeight + 1;
}"""

# the words drawn across two lines (a word broken mid-word; a break after a hyphen is fine) inside ``sel``
BROKEN_WORDS_JS = """(sel) => {
  const broken = [];
  for (const root of document.querySelectorAll(sel)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /[^ \\t\\n\\r\\-\u2010]+/g; let m;
      while ((m = re.exec(node.textContent))) {
        const r = document.createRange(); r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
        const tops = new Set([...r.getClientRects()].filter((b) => b.width > 0).map((b) => Math.round(b.top)));
        if (tops.size > 1) broken.push(m[0]);
      } } }
  return broken; }"""

MEASURED: dict[str, dict] = {}


CSP_WATCH = """window.vtCspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.vtCspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"""

def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        if settings.ci():
            pytest.fail("Debian chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


def _axe_js() -> Path:
    env = settings.axe_js()
    if env and Path(env).is_file():
        return Path(env)
    prefix = cache_dir("npm")
    path = prefix / "node_modules" / "axe-core" / "axe.min.js"
    if not path.is_file():
        if shutil.which("npm") is None:
            if settings.ci():
                pytest.fail("npm is required in CI to fetch axe-core (.ci/run installs it)")
            pytest.skip("npm is needed to fetch axe-core")
        subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "axe-core@4"],
                       check=True, capture_output=True, timeout=300)
    return path


@contextlib.contextmanager
def headless_chromium():
    """Debian's chromium through Playwright (the browser modules' one launch), screenshots folder made."""
    executable = _chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as b:
        yield b
    (ARTIFACTS / "tour-measurements.json").write_text(json.dumps(MEASURED, indent=1), encoding="utf-8")


@pytest.fixture()
def busy_app_url(tmp_path_factory):
    """A second app with one model call at a time and one place in the queue, to fill it (stopped right after:
    the call that fills it would go on taking the CPU from the other tests)."""
    from vlmtok.bench.app import running_app

    cache = tmp_path_factory.mktemp("busy-app-cache")
    env = {"VLMTOK_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1", "VLMTOK_CONCURRENCY": "1",
           "VLMTOK_QUEUE_SIZE": "1"}
    with running_app(env, cache / "app.log") as (url, _startup_s, _proc):
        yield url


# ----------------------------------------------------------------------------------------------------------------
# helpers


def _open(browser, url, size=(1024, 768)):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(url)
    page.locator("#vt-thread .vt-thread").wait_for(timeout=60_000)
    page.wait_for_function("document.getElementById('vt-audio-el') && document.documentElement.lang")
    return page


def _describe(page, picture=EXAMPLE):
    """Give the page a picture and wait for its description with audio ready (a new picture describes itself)."""
    page.locator("#vt-image input[type=file]").set_input_files(str(picture))
    page.wait_for_function("""() => { const b = document.querySelector('#vt-thread .vt-thread');
        const turn = document.querySelector('#vt-thread .vt-turn-description');
        return b && b.dataset.state === 'ready' && turn && JSON.parse(turn.dataset.clips).length > 0; }""",
                           timeout=DESCRIBE_TIMEOUT_MS)
    page.wait_for_timeout(400)           # layout settles (the result is brought into view on a phone)


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _boxes(page) -> dict:
    return page.evaluate(BOXES_JS, PARTS)


def _in_view(box, page) -> bool:
    vh = page.viewport_size["height"]
    return box is not None and box["h"] > 0 and box["y"] >= 0 and box["y"] + box["h"] <= vh


def _audio(page) -> dict:
    return page.evaluate("""() => { const a = document.getElementById('vt-audio-el');
        return {src: a.getAttribute('src') || '', paused: a.paused, time: a.currentTime, duration: a.duration}; }""")


def _clip_src(page, selector: str) -> str:
    return page.evaluate("(s) => JSON.parse(document.querySelector(s).dataset.clips)[0].src", selector)


def _axe(page, tags=WCAG_TAGS, include=None) -> list[str]:
    page.add_script_tag(path=str(_axe_js()))
    result = page.evaluate("""([tags, include]) => axe.run(include ? {include: [include]} : document,
        {runOnly: {type: 'tag', values: tags}})""", [tags, include])
    return [f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in result["violations"]]


def _choose_language(page, code: str) -> None:
    """Open the options panel (if closed) and choose a language with the keyboard: one radio group, arrow keys."""
    header = page.locator("#vt-options > button").first
    if header.get_attribute("aria-expanded") != "true":             # the page says whether a panel is open
        header.press("Enter")
        page.wait_for_function("document.querySelector('#vt-options > button').getAttribute('aria-expanded') === 'true'")
    checked = page.locator("#vt-lang input:checked")
    checked.focus()
    if checked.get_attribute("value") != code:
        page.keyboard.press("ArrowRight" if code == "vi" else "ArrowLeft")
    page.wait_for_function("(c) => document.documentElement.lang === c", arg=code, timeout=30_000)


def _wait_ready(page, count_selector: str, n: int) -> None:
    page.wait_for_function("""([s, n]) => document.querySelectorAll(s).length >= n
        && document.querySelector('#vt-thread .vt-thread').dataset.state === 'ready'""", arg=[count_selector, n],
                           timeout=DESCRIBE_TIMEOUT_MS)


# ----------------------------------------------------------------------------------------------------------------
# 1. one screen


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_one_screen(browser, app_url, size):
    page = _open(browser, app_url, size)
    try:
        name = f"tour-{size[0]}x{size[1]}"
        _shot(page, f"{name}-empty")
        empty = _boxes(page)
        assert _in_view(empty["picture"], page) and _in_view(empty["describe"], page), empty
        started = time.perf_counter()
        _describe(page)
        described_s = time.perf_counter() - started
        boxes = _boxes(page)
        _shot(page, f"{name}-described")
        MEASURED[name] = {"empty": empty, "described": boxes, "scroll_y": page.evaluate("scrollY"),
                          "page_height": page.evaluate("document.documentElement.scrollHeight"),
                          "upload_to_audio_ready_s": round(described_s, 2)}
        play = boxes["play"]
        assert play["h"] >= 48 and play["w"] >= 100, play                 # a large Play/Pause
        if size in TABLETS:                                                # everything at once, nothing scrolled
            assert page.evaluate("scrollY") == 0
            for part in ("picture", "describe", "caption", "play", "question"):
                assert _in_view(boxes[part], page), (part, boxes)
            assert boxes["caption"]["h"] >= 200, boxes
        else:                                                              # a phone: the result comes into view
            assert _in_view(boxes["play"], page) and boxes["caption"]["y"] < size[1], boxes
    finally:
        page.close()


# ----------------------------------------------------------------------------------------------------------------
# 2. the caption card as a tour tool


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_caption_card_is_a_tour_tool(browser, app_url, size):
    page = _open(browser, app_url, size)
    name = f"card-{size[0]}x{size[1]}"
    try:
        _describe(page)
        toggle = page.locator("#vt-strip .vt-card-toggle")
        toggle.click()
        page.wait_for_function("document.fullscreenElement && document.fullscreenElement.id === 'vt-card'")
        page.wait_for_timeout(300)
        assert toggle.get_attribute("aria-pressed") == "true"
        close = page.locator("#vt-strip .vt-close-card")
        assert close.is_visible() and _in_view(_box(close), page)
        strip_h = page.locator("#vt-strip").bounding_box()["height"]
        assert strip_h <= (72 if size in TABLETS else 128), strip_h       # the text gets the screen
        hit = page.evaluate("""() => { const p = document.querySelector('#vt-strip .vt-play').getBoundingClientRect();
            const top = document.elementFromPoint(p.x + p.width / 2, p.y + p.height / 2);
            return !!top && !!top.closest('.vt-play'); }""")
        assert hit, "the card's Play control is covered"
        page.locator("#vt-strip .vt-play").click()                        # play and pause from the card
        page.wait_for_function("!document.getElementById('vt-audio-el').paused", timeout=10_000)
        _shot(page, f"{name}-playing")
        page.locator("#vt-strip .vt-play").click()
        page.wait_for_function("document.getElementById('vt-audio-el').paused")
        larger = page.locator("#vt-strip [data-vt-action=larger]")
        while larger.get_attribute("aria-disabled") != "true":             # the largest type: the text scrolls
            larger.click()
        largest = min(64, 0.12 * size[0])                                  # capped on a phone: whole words
        page.wait_for_function("""(px) => { const b = document.querySelector('#vt-thread .vt-thread');
            return parseFloat(getComputedStyle(b.querySelector('.vt-turn')).fontSize) >= px - 0.5
                && b.scrollHeight > b.clientHeight + 50; }""", arg=largest)
        assert page.evaluate(BROKEN_WORDS_JS, "#vt-thread .vt-turn .vt-text") == []
        in_view = {}
        for fraction in (0.2, 0.6, 0.9):
            page.evaluate("(f) => { const a = document.getElementById('vt-audio-el'); a.currentTime = a.duration * f; }",
                          fraction)
            page.wait_for_timeout(900)                                     # a smooth scroll, not a jump
            in_view[fraction] = page.evaluate(SPOKEN_IN_VIEW_JS)
            _shot(page, f"{name}-{int(fraction * 100)}pct")
        MEASURED[name] = {"strip_height": strip_h, "highlight_in_view": in_view}
        assert in_view == {0.2: True, 0.6: True, 0.9: True}, in_view
        marked = page.evaluate(CONTRAST_JS, "#vt-thread .vt-current")
        assert marked["ratio"] >= 7.0, marked                              # the highlight is read, not only seen
        page.keyboard.press("Escape")
        page.wait_for_function("!document.fullscreenElement && !document.documentElement.classList.contains('vt-card-open')")
        assert toggle.get_attribute("aria-pressed") == "false"
        page.locator("#vt-strip [data-vt-action=smaller]").click()         # back towards the default for the next
    finally:
        page.close()


def _box(locator):
    b = locator.bounding_box()
    return {"x": b["x"], "y": b["y"], "w": b["width"], "h": b["height"]}


def test_caption_card_type_and_colours(browser, app_url):
    page = _open(browser, app_url)
    try:
        _describe(page)
        page.locator("#vt-strip .vt-card-toggle").click()
        page.wait_for_function("document.documentElement.classList.contains('vt-card-open')")
        page.wait_for_timeout(300)
        style = page.evaluate(CONTRAST_JS, "#vt-thread .vt-on-card .vt-text")
        assert style["fontSize"] >= 32 and style["ratio"] >= 7.0, style
        assert abs(style["lineHeight"] / style["fontSize"] - 1.5) < 0.01
        assert 40 <= style["maxLineChars"] <= 80 and style["lineCount"] >= 2, style   # at most 80 characters a line
        _shot(page, "card-dark")
        preset = page.locator("#vt-strip .vt-preset")
        for name in ("light", "dyslexia"):
            preset.click()
            page.wait_for_function("(p) => document.documentElement.dataset.vtPreset === p", arg=name)
            style = page.evaluate(CONTRAST_JS, "#vt-thread .vt-on-card .vt-text")
            assert style["ratio"] >= 7.0 and style["fontStyle"] == "normal" and style["textTransform"] == "none", style
            assert t(f"app.preset_{name}", "en") in preset.inner_text()
            _shot(page, f"card-{name}")
        assert "Verdana" in style["fontFamily"] or "DejaVu" in style["fontFamily"]
        preset.click()
        page.wait_for_function("document.documentElement.dataset.vtPreset === 'dark'")
        page.set_viewport_size({"width": 320, "height": 640})              # reflow: no sideways scrolling
        page.wait_for_timeout(300)
        widths = page.evaluate("""() => ({page: document.documentElement.scrollWidth,
            card: document.querySelector('#vt-thread .vt-thread').scrollWidth,
            cardClient: document.querySelector('#vt-thread .vt-thread').clientWidth})""")
        _shot(page, "card-320px")
        assert widths["page"] <= 322 and widths["card"] <= widths["cardClient"] + 1, widths
    finally:
        page.close()


# ----------------------------------------------------------------------------------------------------------------
# 3. a conversation, 7. approve before speaking


def test_a_conversation_without_scrolling(browser, app_url):
    page = _open(browser, app_url)
    try:
        _describe(page)
        box = page.locator("#vt-question textarea")
        for n, question in enumerate(("What colour is the sky?", "Is it busy?"), start=1):
            box.fill(question)
            box.press("Enter")
            _wait_ready(page, "#vt-thread .vt-turn-answer", n)
        page.wait_for_timeout(300)
        turns = page.evaluate("""() => [...document.querySelectorAll('#vt-thread .vt-turn')].map((t) => ({
            kind: t.className, replay: !!t.querySelector('.vt-replay'), clips: JSON.parse(t.dataset.clips).length}))""")
        assert [("description" in x["kind"], "answer" in x["kind"]) for x in turns] == [(True, False), (False, True),
                                                                                        (False, True)]
        assert all(x["replay"] and x["clips"] == 1 for x in turns), turns
        assert "Is it busy?" in page.locator("#vt-thread .vt-turn-answer").last.inner_text()
        assert box.input_value() == "" and page.evaluate("scrollY") == 0
        assert _in_view(_box(page.locator("#vt-thread .vt-turn-answer").last), page)
        assert "Answer ready" in page.locator("#vt-status").inner_text()
        _shot(page, "conversation")
        first = page.locator("#vt-thread .vt-turn-description .vt-replay")   # each turn its own audio
        first.click()
        page.wait_for_function("!document.getElementById('vt-audio-el').paused")
        assert _audio(page)["src"].endswith(_clip_src(page, "#vt-thread .vt-turn-description").split("file=")[1])
        page.locator("#vt-strip .vt-card-toggle").click()                   # the card shows the latest turn
        page.wait_for_function("document.documentElement.classList.contains('vt-card-open')")
        shown = page.evaluate("[...document.querySelectorAll('#vt-thread .vt-turn')].filter((t) => t.offsetParent).length")
        assert shown == 1
        _shot(page, "conversation-card")
        page.keyboard.press("Escape")
        page.get_by_role("button", name=t("tour.clear", "en")).click()
        page.wait_for_function("document.querySelector('#vt-thread .vt-thread').dataset.state === 'empty'")
        assert _audio(page)["src"] == ""                                     # cleared, silent
    finally:
        page.close()


def test_the_edited_text_is_what_plays(browser, app_url):
    page = _open(browser, app_url)
    try:
        _describe(page)
        before = _clip_src(page, "#vt-thread .vt-turn-description")
        page.locator("#vt-edit > button").first.click()
        edited = "The sea is rising. A small boat is in danger."
        page.locator("#vt-approved textarea").fill(edited)
        page.locator("#vt-strip .vt-play").click()                          # Play reads the approved text
        page.wait_for_function("""(t) => document.querySelector('#vt-thread .vt-turn-description .vt-text')
            .innerText.trim() === t""", arg=edited, timeout=30_000)
        page.wait_for_function("!document.getElementById('vt-audio-el').paused", timeout=10_000)
        after = _clip_src(page, "#vt-thread .vt-turn-description")
        assert after != before and _audio(page)["src"].endswith(after.split("file=")[1])
        assert page.locator("#vt-thread .vt-turn-description .vt-byline").inner_text().startswith(
            t("tour.edited", "en"))
        assert "Offline description" not in page.locator("#vt-thread .vt-turn-description").inner_text()
        _shot(page, "edited")
    finally:
        page.close()


def test_a_new_picture_never_inherits_the_old_label(browser, app_url):
    """The museum label belongs to one artwork: typed for the Great Wave, it must never be read out for the next."""
    page = _open(browser, app_url)
    label = "Kazusa Sea Route, Katsushika Hokusai, 1830"
    try:
        _describe(page)
        page.locator("#vt-options > button").first.click()
        box = page.get_by_label(t("app.label_text", "en"))
        box.fill(label[:-1])
        box.press_sequentially(label[-1])                              # typed: the box's input event fires
        page.wait_for_function("(w) => document.querySelector('#vt-options > button').innerText.includes(w)",
                               arg="museum label set")                # the folded summary says a label is set
        box.press("Enter")                                             # described again, with the label
        page.wait_for_function("""(w) => { const b = document.querySelector('#vt-thread .vt-thread');
            return b.dataset.state === 'ready' && b.innerText.includes(w); }""", arg="Kazusa Sea Route",
                               timeout=DESCRIBE_TIMEOUT_MS)
        page.locator("#vt-image input[type=file]").set_input_files(str(OTHER))
        page.wait_for_function("""(w) => { const b = document.querySelector('#vt-thread .vt-thread');
            const turn = document.querySelector('#vt-thread .vt-turn-description');
            return b.dataset.state === 'ready' && turn && !b.innerText.includes(w)
                && JSON.parse(turn.dataset.clips).length > 0; }""", arg="Hokusai", timeout=DESCRIBE_TIMEOUT_MS)
        assert "Kazusa" not in page.locator("#vt-thread").inner_text()
        assert box.input_value() == ""
        assert "museum label" not in page.locator("#vt-options > button").first.inner_text()
        _shot(page, "label-new-artwork")
    finally:
        page.close()


def test_the_speed_slider_really_speeds_playback(browser, app_url):
    """The slider is live (keyboard reaches it) and 1.5x plays the same clip in about two thirds of the time."""
    page = _open(browser, app_url)
    try:
        _describe(page)
        page.locator("#vt-options > button").first.click()
        slider = page.locator("#vt-rate input[type=range]")
        assert slider.is_enabled()
        slider.focus()
        for _ in range(2):                                             # 1.0 -> 1.25 -> 1.5, by the keyboard
            page.keyboard.press("ArrowRight")
        page.wait_for_function("sessionStorage.getItem('vt.rate') === '1.5'")   # the slider's event reached the player
        page.locator("#vt-strip .vt-play").click()
        page.wait_for_function("!document.getElementById('vt-audio-el').paused", timeout=10_000)
        timing = page.evaluate("""() => new Promise((done) => {
            const a = document.getElementById('vt-audio-el'), t0 = performance.now(), c0 = a.currentTime;
            a.addEventListener('ended', () => done({wall: (performance.now() - t0) / 1000, media: a.duration - c0,
                                                    rate: a.playbackRate}), {once: true}); })""")
        assert timing["rate"] == pytest.approx(1.5, abs=0.01), timing
        assert timing["wall"] < timing["media"] / 1.3, timing          # 1.5x: about 0.67 of the clip's length
    finally:
        page.close()


SLOW_STORY = ("A great wave curls over three small boats. The sea is deep blue, and white foam crowns the wave. "
              "Mount Fuji stands small and calm in the distance. The boats lean into the water as the wave falls.")


@pytest.fixture()
def live_app_url(tmp_path_factory):
    """An app that speaks as it writes (the default), narrated by a stand-in served model writing a word every
    0.4 s: about sixteen seconds of writing (room for a busy machine), so the first sentence can be heard while
    the rest is written."""
    from helpers import ChatServer

    from vlmtok.bench.app import running_app

    cache = tmp_path_factory.mktemp("live-app-cache")
    with ChatServer(words=[w + " " for w in SLOW_STORY.split()], word_delay_s=0.4) as server:
        env = {"VLMTOK_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1",
               "VLMTOK_NARRATOR": "openai", "VLMTOK_OPENAI_BASE_URL": server.base_url}
        with running_app(env, cache / "app.log") as (url, _startup_s, _proc):
            yield url


HEARD_WHILE_WRITING = """() => { const a = document.getElementById('vt-audio-el');
  const box = document.querySelector('#vt-thread .vt-thread');
  if (!a || a.paused || !(a.currentTime > 0) || !box) return null;
  return {busy: box.getAttribute('aria-busy'), written: box.innerText.split(/\\s+/).length,
          src: a.getAttribute('src')}; }"""


def test_speech_starts_before_the_caption_is_written(browser, live_app_url):
    page = _open(browser, live_app_url)
    try:
        page.locator("#vt-image input[type=file]").set_input_files(str(EXAMPLE))
        t0 = time.perf_counter()
        heard = page.wait_for_function(HEARD_WHILE_WRITING, timeout=DESCRIBE_TIMEOUT_MS, polling=50).json_value()
        first_audio_s = time.perf_counter() - t0
        assert heard["busy"] == "true", heard                 # the audio element plays while the caption is written
        _shot(page, "spoken-while-written")
        page.wait_for_function("document.querySelector('#vt-thread .vt-thread').dataset.state === 'ready'",
                               timeout=DESCRIBE_TIMEOUT_MS)
        written_s = time.perf_counter() - t0
        page.wait_for_function("document.getElementById('vt-audio-el').ended", timeout=DESCRIBE_TIMEOUT_MS)
        turn = page.evaluate("""() => { const t = document.querySelector('#vt-thread .vt-turn-description');
            return {clips: JSON.parse(t.dataset.clips).map((c) => c.src), spans: t.querySelectorAll('.vt-s').length,
                    text: t.querySelector('.vt-text').innerText}; }""")
        assert turn["text"].startswith("A great wave") and len(turn["clips"]) == turn["spans"] >= 4, turn
        assert len(set(turn["clips"])) == len(turn["clips"])          # one clip per sentence, the byline first
        assert _audio(page)["src"].endswith(turn["clips"][-1].split("file=")[1])   # played through to the last
        MEASURED["speak-as-written"] = {"first_audio_s": round(first_audio_s, 2), "written_s": round(written_s, 2)}
        assert first_audio_s < written_s
    finally:
        page.close()


# ----------------------------------------------------------------------------------------------------------------
# 4. never silent, never broken


def test_messages_are_shown_apart_and_spoken(browser, app_url, tmp_path):
    page = _open(browser, app_url)
    uploads = []
    page.on("request", lambda r: uploads.append(r.url) if "/upload" in r.url else None)
    try:
        _describe(page)
        narration = _clip_src(page, "#vt-thread .vt-turn-description")
        broken = tmp_path / "photo.png"
        broken.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(4000))
        page.locator("#vt-image input[type=file]").set_input_files(str(broken))
        page.locator("#vt-thread .vt-turn-message").wait_for(timeout=60_000)
        page.wait_for_function("!document.getElementById('vt-audio-el').paused", timeout=10_000)
        message = _clip_src(page, "#vt-thread .vt-turn-message")
        audio = _audio(page)
        assert audio["src"].endswith(message.split("file=")[1]) and message != narration   # the notice, not the old
        assert page.locator("#vt-thread .vt-turn-description").count() == 1                # a notice never wipes
        assert page.locator("#vt-thread .vt-turn-description + .vt-turn-message").count() == 1   # it joins the thread
        assert "damaged" in page.locator("#vt-thread .vt-turn-message").inner_text()
        assert page.locator("#vt-thread .vt-turn-message").evaluate("(e) => getComputedStyle(e).backgroundColor") != \
            page.locator("#vt-thread .vt-thread").evaluate("(e) => getComputedStyle(e).backgroundColor")
        assert page.evaluate("[...document.querySelectorAll('#vt-image img')].every((i) => i.classList.contains("
                             "'vt-broken') || i.naturalWidth > 0)")                        # no broken-picture icon
        assert page.get_by_role("status").first.inner_text().strip()
        _shot(page, "message-broken-photo")
        _choose_language(page, "vi")                                       # too large: caught before the upload
        page.locator('#vt-thread .vt-turn-message[lang="vi"]').wait_for(timeout=60_000)   # the photo, again in vi
        sent = len(uploads)
        huge = tmp_path / "huge.jpg"
        huge.write_bytes(b"\xff\xd8\xff" + os.urandom(21 * 1024 * 1024))
        page.locator("#vt-image input[type=file]").set_input_files(str(huge))
        page.wait_for_function("""() => [...document.querySelectorAll('#vt-thread .vt-turn-message')]
            .some((m) => m.innerText.includes('20 MB'))""", timeout=30_000)
        page.wait_for_timeout(300)
        last = page.locator("#vt-thread .vt-turn-message").last
        assert "quá lớn" in last.inner_text() and len(uploads) == sent, uploads
        assert _audio(page)["src"].endswith(_clip_src(page, "#vt-thread .vt-turn-message:last-of-type").split("file=")[1])
        assert page.locator(".toast-body").count() == 0
        _shot(page, "message-too-large-vi")
    finally:
        page.close()


def test_a_full_queue_while_switching_language(browser, busy_app_url):
    """Concurrency 1, queue 1: a model call running, one waiting; the visitor switches to Vietnamese."""
    from gradio_client import Client, handle_file

    page = _open(browser, busy_app_url)
    client = Client(busy_app_url, verbose=False)
    jobs = []
    try:
        _describe(page)
        slow = (handle_file(str(OTHER)), ["vit_small_patch14_dinov2", "mobilenetv2_100", "tf_efficientnet_lite0"],
                [448], "en")
        jobs.append(client.submit(*slow, api_name="/compare"))
        _wait_status(jobs[0], "PROCESSING")
        jobs.append(client.submit(*slow, api_name="/compare"))
        _wait_status(jobs[1], "IN_QUEUE")
        started = time.perf_counter()
        _choose_language(page, "vi")                                        # relabelled at once, not queued
        relabel_s = time.perf_counter() - started
        page.locator("#vt-thread .vt-turn-message").wait_for(timeout=15_000)
        message_s = time.perf_counter() - started
        page.wait_for_function("!document.getElementById('vt-audio-el').paused", timeout=10_000)
        text = page.locator("#vt-thread .vt-turn-message").inner_text()
        assert "hàng đợi đã đầy" in text and t("tour.message", "vi") in text, text        # said in Vietnamese
        assert _audio(page)["src"].endswith(_clip_src(page, "#vt-thread .vt-turn-message").split("file=")[1])
        words = page.locator("#vt-strip .vt-play").inner_text()
        assert t("tour.play", "vi") in words or t("tour.pause", "vi") in words, words          # relabelled too
        assert page.locator(".toast-body").count() == 0 and page.locator(".error").count() == 0
        MEASURED["full-queue"] = {"relabel_s": round(relabel_s, 2), "spoken_message_s": round(message_s, 2)}
        _shot(page, "full-queue-vi")
    finally:
        for job in jobs:
            job.cancel()
        page.close()


def _wait_status(job, name: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while job.status().code.name != name:
        if time.monotonic() > deadline:
            raise AssertionError(f"job never reached {name}: {job.status()}")
        time.sleep(0.05)


# ----------------------------------------------------------------------------------------------------------------
# 5. Vietnamese, 6. keyboard and screen reader


def test_vietnamese_everywhere(browser, app_url):
    page = _open(browser, app_url)
    try:
        _describe(page)
        _choose_language(page, "vi")
        page.wait_for_function("""() => document.querySelector('#vt-thread .vt-turn-description')?.innerText
            .includes('Mô tả ngoại tuyến')""", timeout=DESCRIBE_TIMEOUT_MS)       # described again, in Vietnamese
        assert page.locator("#vt-status").get_attribute("lang") == "vi"
        assert t("tour.play", "vi") in page.locator("#vt-strip .vt-play").inner_text()
        assert page.locator("#vt-options > button").first.inner_text().startswith("Tuỳ chọn: Tiếng Việt")
        assert t("app.examples", "vi") in page.locator("#vt-options").inner_text()
        page.get_by_role("button", name=t("app.describe", "vi"), exact=True).wait_for()
        page.get_by_role("tab", name=t("app.tab_compare", "vi")).wait_for()
        _shot(page, "vietnamese-described")
        # no picture: the upload area's words (Gradio's "Remove Image" button, named in Vietnamese)
        page.locator(f"#vt-image button[aria-label='{t('gradio.remove_image', 'vi')}']").click()
        page.wait_for_function("document.querySelector('#vt-image [data-testid=upload-text]')", timeout=10_000)
        words = page.locator("#vt-image").inner_text()
        assert t("tour.drop", "vi") in words and "Drop Image Here" not in words and "Click to Upload" not in words
        _shot(page, "vietnamese-empty")
    finally:
        page.close()


def test_keyboard_order_radio_groups_and_focus_rings(browser, app_url):
    page = _open(browser, app_url)
    try:
        _describe(page)
        page.evaluate("document.activeElement.blur(); scrollTo(0, 0)")
        sequence = []
        for _ in range(60):
            page.keyboard.press("Tab")
            sequence.append(page.evaluate(FOCUSED_JS))
            if sequence[-1] == "options":
                break
        MEASURED["tab-sequence"] = sequence
        first = {name: sequence.index(name) for name in ("picture", "describe", "play", "caption", "options")}
        assert first["picture"] < first["describe"] < first["play"] < first["caption"] < first["options"], sequence
        assert first["play"] <= 8, sequence                                  # three tabs, the picture, Describe
        page.locator("#vt-options > button").first.press("Enter")
        page.locator("#vt-tier input:checked").wait_for()
        groups = page.evaluate("""() => [...document.querySelectorAll('#vt-options fieldset')].map((f) => ({
            role: f.getAttribute('role'), names: [...new Set([...f.querySelectorAll('input[type=radio]')].map((i) => i.name))]}))""")
        assert len(groups) == 4 and all(g["role"] == "radiogroup" and len(g["names"]) == 1 for g in groups), groups
        page.locator("#vt-tier input:checked").focus()
        page.keyboard.press("ArrowRight")                                    # arrows move within one choice
        page.wait_for_function("document.querySelector('#vt-tier input:checked').value === 'long'")
        rings = {}
        for name, selector in (("describe", "#vt-describe"), ("play", "#vt-strip .vt-play"),
                               ("radio", "#vt-tier input:checked"), ("slider", "#vt-rate input[type=range]"),
                               ("question", "#vt-question textarea")):
            page.locator(selector).focus()
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Tab")                                       # keyboard focus: focus-visible
            page.wait_for_timeout(250)                                       # Gradio animates the outline
            rings[name] = page.evaluate(RING_JS)
        MEASURED["focus-rings"] = rings
        assert all(r["style"] != "none" and r["width"] >= 2 and r["ratio"] >= 3.0 for r in rings.values()), rings
        _shot(page, "keyboard-focus")
    finally:
        page.close()


def test_no_axe_violations_in_any_state(browser, app_url):
    page = _open(browser, app_url)
    found = {}
    try:
        found["empty"] = _axe(page)
        found["empty-aaa-contrast"] = _axe(page, ["wcag2aaa"], include="#vt-tour")
        _describe(page)
        found["described"] = _axe(page)
        found["described-aaa-contrast"] = _axe(page, ["wcag2aaa"], include="#vt-tour")
        page.locator("#vt-options > button").first.click()
        page.locator("#vt-edit > button").first.click()
        found["options-open"] = _axe(page)
        _shot(page, "options-open")
        page.locator("#vt-strip .vt-card-toggle").click()
        page.wait_for_function("document.documentElement.classList.contains('vt-card-open')")
        found["card-open"] = _axe(page)
        page.keyboard.press("Escape")
        _choose_language(page, "vi")
        page.wait_for_function("document.querySelector('#vt-thread .vt-thread').dataset.state === 'ready'",
                               timeout=DESCRIBE_TIMEOUT_MS)
        found["vietnamese"] = _axe(page)
        MEASURED["axe"] = {state: len(v) for state, v in found.items()}
        assert not any(found.values()), json.dumps(found, indent=1, ensure_ascii=False)
    finally:
        page.close()


# ----------------------------------------------------------------------------------------------------------------
# the other tabs, driven like a visitor would


def test_compare_three_encoders_and_how_it_works(browser, app_url):
    page = _open(browser, app_url, (1280, 900))
    try:
        page.get_by_role("tab", name="Compare encoders").click()
        panel = page.get_by_role("tabpanel")
        page.locator("#vt-cmp-examples > button").first.click()             # the examples are folded
        panel.get_by_role("button", name="The Great Wave off Kanagawa, Katsushika Hokusai").click()
        page.locator("#vt-cmp-image img").first.wait_for(timeout=30_000)
        panel.get_by_role("button", name="Compare", exact=True).click()
        page.wait_for_function("document.querySelectorAll('.vt-compare-gallery img').length >= 9",
                               timeout=DESCRIBE_TIMEOUT_MS)
        assert "Comparison ready" in page.locator("#vt-cmp-status [role=status]").inner_text()
        page.locator("#vt-tap-image img").first.click(position={"x": 60, "y": 60})     # tap: similarity maps
        page.wait_for_function("document.querySelectorAll('.vt-sim-gallery img').length >= 3", timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)
        page.get_by_role("tab", name="How it works").click()
        page.screenshot(path=str(ARTIFACTS / "how-it-works.png"), full_page=True)
        page.get_by_role("tab", name="Tour").click()
    finally:
        page.close()


def test_choosing_vietnamese_relabels_every_view(browser, app_url):
    page = _open(browser, app_url, (1280, 900))
    try:
        _choose_language(page, "vi")
        page.get_by_role("tab", name="So sánh bộ mã hoá").wait_for(timeout=30_000)
        assert page.get_by_role("tab", name="Tham quan").count() == 1
        page.get_by_role("tab", name="So sánh bộ mã hoá").click()
        assert page.get_by_role("button", name="So sánh", exact=True).count() == 1
    finally:
        page.close()


def test_page_passes_its_own_content_security_policy(browser, app_url):
    """The policy is sent, and the page, a description and its speech run without one violation of it."""
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    try:
        page.add_init_script(CSP_WATCH)
        csp = page.goto(app_url).headers.get("content-security-policy", "")
        assert "default-src 'self'" in csp and "object-src 'none'" in csp, csp
        page.locator("#vt-thread .vt-thread").wait_for(timeout=60_000)
        _describe(page)
        assert page.evaluate("window.vtCspViolations") == []
    finally:
        page.close()
