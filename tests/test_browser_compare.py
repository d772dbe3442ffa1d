"""Compare and How it works in a real browser, as a teacher on a tablet uses them (Debian chromium via Playwright).

The issue's scenario: DINOv2, EfficientNet-Lite0 and CoAtNet at 224 and 448; which are trained is visible before
and after the run; the ledger reads at 1024 and 768 px (a table, no word split across lines, measured with the
Range API) and at 360 px (cards); a tap on the lion's eye gives every encoder's similarity map; How it works draws
the patch grid on the painting and says so in its live region; and the same in Vietnamese. Screenshots go to
``test-artifacts/``.
"""
from __future__ import annotations

import re

import pytest

from test_browser import ARTIFACTS, BROKEN_WORDS_JS, CHROMIUM_ARGS, WCAG_TAGS, _axe_js, _choose_language, _chromium, _open

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")

RUN_TIMEOUT_MS = 300_000
TEACHER = ("vit_small_patch14_dinov2", "tf_efficientnet_lite0", "coatnet_0_rw_224")
LION = "Lion, Albrecht Durer"
LION_EYE = (0.63, 0.30)           # of the picture's width and height

# Words split across lines: every run of non-space characters must sit on one line (a no-break space joins on
# purpose, so it is not a word boundary here).


LAYOUT_JS = """() => {
  const td = document.querySelector('#vt-ledger td.vt-col-tokens'), scroll = document.querySelector('#vt-ledger .vt-ledger-scroll');
  const caps = [...document.querySelectorAll('.vt-compare-gallery .caption-label')];
  return {cell: getComputedStyle(td).display, tableFits: scroll.scrollWidth <= scroll.clientWidth + 1,
          page: document.documentElement.scrollWidth, captions: caps.length,
          cutCaptions: caps.filter((c) => c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1
                                   || getComputedStyle(c).whiteSpace === 'nowrap').map((c) => c.textContent)}; }"""


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open_compare(page, app_url: str):
    page.goto(app_url)
    page.get_by_role("tab", name=re.compile("Compare encoders|So sánh bộ mã hoá")).click()
    return page.get_by_role("tabpanel")


def _unfold(page, fold: str) -> None:
    """Open a folded part of the tab (``#vt-cmp-choices``, ``#vt-cmp-examples``, ``#vt-how-examples``)."""
    header = page.locator(f"{fold} > button").first
    if "open" not in (header.get_attribute("class") or ""):
        header.click()
    page.locator(f"{fold} > button.open").first.wait_for()


def _pick(panel, names) -> None:
    """Tick exactly ``names`` in the encoder picker (its labels are the plain names with their badges)."""
    _unfold(panel.page, "#vt-cmp-choices")
    for label in panel.locator("#vt-encoders label").all():
        text = label.inner_text()
        label.locator("input").set_checked(any(text.startswith(f"{n} ·") for n in names))


@pytest.fixture(scope="module")
def compared(browser, app_url):
    """The teacher's comparison, run once: three encoders at 224 and 448 on Dürer's lion."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1024, "height": 1300})
    panel = _open_compare(page, app_url)
    _unfold(page, "#vt-cmp-choices")
    labels = page.locator("#vt-encoders label").all_inner_texts()
    _unfold(page, "#vt-cmp-examples")
    panel.get_by_role("button", name=LION).click()
    page.locator("#vt-cmp-image img").first.wait_for(timeout=30_000)
    _pick(panel, ["DINOv2 ViT-S/14", "EfficientNet-Lite0", "CoAtNet-0"])
    panel.get_by_label("448 px", exact=True).check()
    panel.get_by_role("button", name="Compare", exact=True).click()
    page.wait_for_function("document.querySelector('#vt-ledger table') !== null", timeout=RUN_TIMEOUT_MS)
    page.locator("#vt-tap-image").scroll_into_view_if_needed()     # a picture far below the fold loads lazily
    page.wait_for_function("[...document.querySelectorAll('#vt-tap-image img')].some((i) => i.naturalWidth > 0)",
                           timeout=60_000)
    yield page, labels
    page.close()


def test_the_picker_says_which_encoders_are_trained_before_a_run(compared):
    _page, labels = compared
    assert "DINOv2 ViT-S/14 · trained" in labels and "EfficientNet-Lite0 · trained" in labels
    assert "CoAtNet-0 · random weights: shapes only" in labels and "EVA-CLIP ViT-B/16 · random weights: shapes only" in labels
    assert not any("vit_small_patch14" in label for label in labels)     # plain names, not timm ids


def test_every_picture_and_row_carries_its_badge(compared):
    page, _ = compared
    captions = page.locator(".vt-compare-gallery .caption-label").all_inner_texts()
    assert len(captions) >= 3 * 2 * 3
    assert all("(trained)" in c or "(random weights: shapes only)" in c for c in captions), captions
    assert any(c.startswith("CoAtNet-0, 448 × 448 px (random weights: shapes only)") for c in captions)
    rows = page.locator("#vt-ledger tbody tr").all_inner_texts()
    assert len(rows) == 6                                                  # 3 encoders x 2 sizes
    assert sum("random weights: shapes only" in r for r in rows) == 2                 # CoAtNet-0 at both sizes
    assert sum("trained weights stored on this machine" in r for r in rows) == 4       # the offline packs
    assert "trained weights stored on this machine" in page.locator("#vt-ledger").inner_text()


@pytest.mark.parametrize("width", [1024, 768, 360])
def test_the_ledger_reads_at_tablet_and_phone_widths(compared, width):
    page, _ = compared
    page.set_viewport_size({"width": width, "height": 1300})
    page.wait_for_timeout(400)
    layout = page.evaluate(LAYOUT_JS)
    broken = page.evaluate(BROKEN_WORDS_JS, "#vt-ledger, .vt-compare-gallery .caption-label")
    page.locator("#vt-ledger").screenshot(path=str(ARTIFACTS / f"compare-ledger-{width}.png"))
    page.screenshot(path=str(ARTIFACTS / f"compare-{width}.png"), full_page=True)
    assert broken == [], broken
    assert layout["cutCaptions"] == [] and layout["captions"] >= 18, layout
    if width >= 768:
        assert layout["cell"] == "table-cell" and layout["tableFits"], layout
    else:
        assert layout["cell"] != "table-cell" and layout["page"] <= width + 2, layout   # cards, nothing cut off
    page.set_viewport_size({"width": 1024, "height": 1300})


def test_a_tap_on_the_lions_eye_maps_similarity_for_every_encoder(compared):
    page, _ = compared
    img = page.locator("#vt-tap-image img").first
    box = img.bounding_box()
    img.click(position={"x": box["width"] * LION_EYE[0], "y": box["height"] * LION_EYE[1]})
    page.wait_for_function("document.querySelectorAll('.vt-sim-gallery .caption-label').length >= 6",
                           timeout=120_000)
    captions = page.locator(".vt-sim-gallery .caption-label").all_inner_texts()
    page.screenshot(path=str(ARTIFACTS / "compare-tap.png"), full_page=True)
    for name in ("DINOv2 ViT-S/14", "EfficientNet-Lite0", "CoAtNet-0"):
        assert sum(c.startswith(name) and "similarity" in c for c in captions) == 2, captions   # 224 and 448
        assert any(c.startswith(name) and "attention across scales" in c for c in captions), captions
    assert "Similarity ready" in page.locator("#vt-cmp-status [role=status]").inner_text()


def test_compare_results_have_no_axe_violations(compared):
    page, _ = compared
    page.add_script_tag(path=str(_axe_js()))
    result = page.evaluate("(tags) => axe.run({include: [['#vt-ledger'], ['#vt-cmp-status'], ['#vt-encoders']]}, "
                           "{runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    problems = [f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in result["violations"]]
    assert not problems, "\n".join(problems)


def test_how_it_works_draws_the_grid_on_the_painting_and_announces_it(browser, app_url):
    page = browser.new_page(viewport={"width": 1024, "height": 1300})
    try:
        page.goto(app_url)
        page.get_by_role("tab", name="How it works").click()
        panel = page.get_by_role("tabpanel")
        _unfold(page, "#vt-how-examples")
        panel.get_by_role("button", name=LION).click()
        page.locator("#vt-how-image img").first.wait_for(timeout=30_000)
        panel.get_by_role("button", name="Show the steps").click()
        status = page.locator("#vt-how-status [role=status]")
        status.filter(has_text="How it works is ready").wait_for(timeout=RUN_TIMEOUT_MS)
        assert status.get_attribute("aria-live") == "polite"
        steps = page.locator("#vt-how li")
        assert steps.count() == 7
        assert "16 × 16 = 256" in steps.nth(1).inner_text() and steps.nth(1).locator("img").get_attribute("alt")
        assert page.evaluate("[...document.querySelectorAll('#vt-how img')].every((i) => i.naturalWidth > 100)")
        page.screenshot(path=str(ARTIFACTS / "how-it-works-dinov2.png"), full_page=True)
        page.locator("#vt-how-encoder input").fill("smolvlm-256m")
        page.locator("#vt-how-encoder input").press("Enter")
        panel.get_by_role("button", name="Show the steps").click()
        status.filter(has_text="SmolVLM").wait_for(timeout=RUN_TIMEOUT_MS)
        text = page.locator("#vt-how").inner_text()
        assert "Pixel shuffle ×4" in text and "1024 patches" in text and "Feature-map" not in text
        page.screenshot(path=str(ARTIFACTS / "how-it-works-smolvlm.png"), full_page=True)
    finally:
        page.close()


def test_the_comparison_reads_in_vietnamese(browser, app_url):
    page = _open(browser, app_url, (768, 1300))
    try:
        _choose_language(page, "vi")                                   # in the options panel, as a teacher does
        page.get_by_role("tab", name="So sánh bộ mã hoá").wait_for(timeout=30_000)
        page.get_by_role("tab", name="So sánh bộ mã hoá").click()
        panel = page.get_by_role("tabpanel")
        _unfold(page, "#vt-cmp-choices")
        page.locator("#vt-encoders label", has_text="đã huấn luyện").first.wait_for(timeout=30_000)
        _unfold(page, "#vt-cmp-examples")
        panel.get_by_role("button", name="Sư tử, Albrecht Durer").click()   # the example's title in Vietnamese
        page.locator("#vt-cmp-image img").first.wait_for(timeout=30_000)
        _pick(panel, ["DINOv2 ViT-S/14", "MobileNetV2"])
        panel.get_by_role("button", name="So sánh", exact=True).click()
        page.wait_for_function("document.querySelector('#vt-ledger table') !== null", timeout=RUN_TIMEOUT_MS)
        ledger = page.locator("#vt-ledger").inner_text()
        assert "Bộ mã hoá" in ledger and "256 token" in ledger and "trọng số đã huấn luyện lưu trên máy này" in ledger
        assert page.evaluate(BROKEN_WORDS_JS, "#vt-ledger, .vt-compare-gallery .caption-label") == []
        page.locator("#vt-ledger").screenshot(path=str(ARTIFACTS / "compare-ledger-768-vi.png"))
    finally:
        page.close()
