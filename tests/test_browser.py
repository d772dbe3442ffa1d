"""The Tour in a real browser: Debian's headless Chromium driven by Playwright, checked with axe-core.

Never runs ``playwright install``: the browser is ``shutil.which("chromium")``. Without it the tests skip, except
under CI (env ``CI`` set), where a missing browser is a failure. axe-core comes from npm (``$VLMTOK_AXE_JS``, else
``cache_dir("npm")``, installed there on first use). Screenshots go to ``test-artifacts/``.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from vlmtok import settings
from vlmtok.paths import cache_dir

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "great_wave_off_kanagawa.jpg"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESCRIBE_TIMEOUT_MS = 120_000

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
  return {maxLineChars: Math.max(0, ...Object.values(lines)), lineCount: Object.keys(lines).length,color: cs.color, background: bg, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
          fontSize: parseFloat(cs.fontSize), lineHeight: parseFloat(cs.lineHeight), fontStyle: cs.fontStyle,
          textTransform: cs.textTransform,
          fontFamily: cs.fontFamily};
}"""


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
            pytest.skip("npm is needed to fetch axe-core")
        subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "axe-core@4"],
                       check=True, capture_output=True, timeout=300)
    return path


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def described(browser, app_url):
    """A page whose Tour has described (and spoken) an example: the state every check below starts from."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.add_init_script(CSP_WATCH)
    response = page.goto(app_url)
    page.csp = response.headers.get("content-security-policy", "")
    page.locator("#vt-image input[type=file]").set_input_files(str(EXAMPLE))
    page.locator("#vt-caption .vt-s").first.wait_for(timeout=DESCRIBE_TIMEOUT_MS)
    page.wait_for_function("document.querySelector('#vt-audio audio')?.getAttribute('src')",
                           timeout=DESCRIBE_TIMEOUT_MS)
    page.screenshot(path=str(ARTIFACTS / "tour.png"), full_page=True)
    yield page
    page.close()


def test_tour_describes_and_speaks(described):
    page = described
    text = page.locator("#vt-caption").inner_text()
    assert "Offline description" in text
    assert "Audio ready" in page.locator("#vt-status [role=status]").inner_text()
    assert page.locator("#vt-audio audio").get_attribute("src")
    assert page.locator("#vt-caption [aria-busy=false]").count() == 1


def test_page_passes_its_own_content_security_policy(described):
    """The policy is sent, and the page, a description and its speech ran without one violation of it."""
    assert "default-src 'self'" in described.csp and "object-src 'none'" in described.csp, described.csp
    assert described.evaluate("window.vtCspViolations") == []


def test_caption_card_size_contrast_and_measure(described):
    page = described
    page.get_by_role("button", name="Full-screen caption card").click()
    page.wait_for_function("document.documentElement.classList.contains('vt-card-open')")
    style = page.evaluate(CONTRAST_JS, "#vt-caption .vt-text")
    assert style["fontSize"] >= 32 and style["ratio"] >= 7.0, style
    assert abs(style["lineHeight"] / style["fontSize"] - 1.5) < 0.01
    assert 40 <= style["maxLineChars"] <= 80 and style["lineCount"] >= 2, style   # at most 80 characters a line
    page.screenshot(path=str(ARTIFACTS / "caption-card-dark.png"))
    for preset in ("Light", "Dyslexia-friendly"):
        page.get_by_role("radio", name=preset).check(force=True)
        style = page.evaluate(CONTRAST_JS, "#vt-caption .vt-text")
        assert style["ratio"] >= 7.0 and style["fontStyle"] == "normal" and style["textTransform"] == "none", style
        page.screenshot(path=str(ARTIFACTS / f"caption-card-{preset.lower()}.png"))
    slider_box = page.locator("#vt-card-controls input[type=number]").first
    slider_box.fill("64")
    slider_box.press("Enter")
    page.wait_for_function("parseFloat(getComputedStyle(document.querySelector('#vt-caption .vt-text')).fontSize) >= 64")
    page.get_by_role("radio", name="Dark").check(force=True)


def test_caption_card_reflows_at_320px(described):
    page = described
    if not page.evaluate("document.documentElement.classList.contains('vt-card-open')"):
        page.get_by_role("button", name="Full-screen caption card").click()
    page.set_viewport_size({"width": 320, "height": 640})
    page.wait_for_timeout(300)
    widths = page.evaluate("""() => ({page: document.documentElement.scrollWidth,
        card: document.querySelector('#vt-caption').scrollWidth,
        cardClient: document.querySelector('#vt-caption').clientWidth})""")
    page.screenshot(path=str(ARTIFACTS / "caption-card-320px.png"))
    assert widths["page"] <= 322 and widths["card"] <= widths["cardClient"] + 1, widths
    page.keyboard.press("Escape")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_tour_view_has_no_axe_violations(described):
    page = described
    page.evaluate("document.documentElement.classList.remove('vt-card-open')")
    page.add_script_tag(path=str(_axe_js()))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    problems = [f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in result["violations"]]
    assert not problems, "\n".join(problems)


def test_compare_three_encoders_and_how_it_works(described):
    page = described
    page.get_by_role("tab", name="Compare encoders").click()
    panel = page.get_by_role("tabpanel")
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
    assert page.evaluate("window.vtCspViolations") == []          # the Compare pictures loaded under the policy


def test_choosing_vietnamese_relabels_every_view(browser, app_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(app_url)
        page.get_by_label("Tiếng Việt").check()
        page.get_by_role("tab", name="So sánh bộ mã hoá").wait_for(timeout=30_000)
        assert page.get_by_role("tab", name="Tham quan").count() == 1
        page.get_by_role("tab", name="So sánh bộ mã hoá").click()
        assert page.get_by_role("button", name="So sánh", exact=True).count() == 1
    finally:
        page.close()
