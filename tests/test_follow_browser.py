"""Group tours in real browsers: the guide's Tour opens a room, three phones follow it (Debian Chromium, Playwright).

The app runs as ``python app.py`` narrated by a stand-in served model that writes a word every 0.45 s (so a phone's
text can be seen arriving while the guide's is still being written), with the offline voices, and with a tiny random
MarianMT as its English -> Vietnamese translation model (a real model through the real path, whose words mean
nothing; put in place by a ``sitecustomize`` on the app's path, since the Hub is not reachable here).

Phones: English (412x915), Vietnamese (390x844), Vietnamese at the largest text size on 360x640 (and 320 px wide).
Screenshots in ``test-artifacts/``: ``follow-guide-qr.png``, ``follow-phone-en.png``, ``follow-phone-vi.png``,
``follow-phone-vi-largest.png``, ``follow-phone-320.png``, ``follow-wrong-code.png``.
"""
from __future__ import annotations

import html
import os

import pytest
from test_browser import ARTIFACTS, CONTRAST_JS, EXAMPLE, OTHER, ROOT, _axe, headless_chromium

from vlmtok.i18n import t

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

STORY = ("A great wave curls over three small boats. The foam reaches like fingers toward the sky. Mount Fuji "
         "stands small and calm in the distance. The boats lean into the water as the wave falls.")
TIMEOUT_MS = 120_000
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# what the page's screen-reader region says, every time it changes
SAID = """window.vfSaid = []; window.vfCsp = [];
document.addEventListener('securitypolicyviolation', (e) => window.vfCsp.push(e.violatedDirective + ' ' + e.blockedURI));
document.addEventListener('DOMContentLoaded', () => {
  const s = document.getElementById('vf-status'); if (!s) return;
  new MutationObserver(() => window.vfSaid.push(s.textContent)).observe(s, {childList: true, characterData: true,
                                                                          subtree: true}); });"""

PHONE_JS = """() => { const turns = [...document.querySelectorAll('#vf-now .vf-turn')];
  const t = turns[turns.length - 1]; const a = document.getElementById('vf-audio');
  return {turns: document.querySelectorAll('.vf-turn').length, text: t ? t.querySelector('.vf-text').innerText : '',
          spans: t ? [...t.querySelectorAll('.vf-s')].map((s) => s.textContent) : [],
          done: !!(t && t.dataset.done), byline: t ? t.querySelector('.vf-byline').innerText : '',
          picture: !!(t && t.querySelector('img') && t.querySelector('img').naturalWidth > 0),
          audioLang: a.dataset.lang || '', audioSrc: a.getAttribute('src') || '', heard: a.currentTime > 0 || a.ended,
          lang: document.documentElement.lang, said: window.vfSaid || [], csp: window.vfCsp || [],
          rate: a.playbackRate,
          overflow: document.documentElement.scrollWidth - innerWidth}; }"""


@pytest.fixture(scope="module")
def tiny_translator(tmp_path_factory):
    """A random MarianMT writing Vietnamese words, and a ``sitecustomize`` that makes it the app's en -> vi model."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from tokenizers.processors import TemplateProcessing
    from transformers import MarianConfig, MarianMTModel, PreTrainedTokenizerFast

    torch.manual_seed(0)
    vocab = ["<pad>", "</s>", "<unk>", "sóng", "lớn", "thuyền", "núi", "trời", "biển", "bọt", "xa", "gần"]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(vocab)}, unk_token="<unk>"))
    tok.pre_tokenizer, tok.decoder = pre_tokenizers.Whitespace(), decoders.WordPiece()
    tok.post_processor = TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    cfg = MarianConfig(vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=1,
                       encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
                       max_position_embeddings=64, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    model = MarianMTModel(cfg)
    model.generation_config.min_new_tokens = 3
    model.generation_config.max_new_tokens = 8
    folder = tmp_path_factory.mktemp("tiny-marian")
    fast.save_pretrained(folder)
    model.save_pretrained(folder)
    hook = tmp_path_factory.mktemp("hook")
    (hook / "sitecustomize.py").write_text(
        "import vlmtok.narrate.translate as _tr\n"
        f"_tr.TRANSLATION_MODELS[('en', 'vi')] = {str(folder)!r}\n", encoding="utf-8")
    return hook


@pytest.fixture(scope="module")
def tour_app(tmp_path_factory, tiny_translator):
    from helpers import ChatServer

    from vlmtok.bench.app import running_app

    cache = tmp_path_factory.mktemp("follow-app-cache")
    with ChatServer(words=[w + " " for w in STORY.split()], word_delay_s=0.45) as server:
        env = {"VLMTOK_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1",
               "VLMTOK_NARRATOR": "openai", "VLMTOK_OPENAI_BASE_URL": server.base_url,
               "PYTHONPATH": os.pathsep.join([str(tiny_translator), str(ROOT)])}
        with running_app(env, cache / "app.log") as (url, _startup_s, _proc):
            yield url


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as b:
        yield b


def _guide(browser, url):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(url)
    page.locator("#vt-thread .vt-thread").wait_for(timeout=60_000)
    page.locator("#vt-follow-open").click()
    panel = page.locator("#vt-follow-panel .vt-follow[data-code]")
    panel.wait_for(timeout=30_000)
    return page, panel.get_attribute("data-code"), panel.get_attribute("data-url")


def _phone(browser, url, size, lang="en"):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="en-US")
    context.add_init_script(SAID)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("document.getElementById('vf-title').textContent.length > 0")
    if lang != "en":
        page.locator("#vf-settings summary").click()
        page.locator(f"input[name=vf-lang][value={lang}]").check()
        page.wait_for_function("(c) => document.documentElement.lang === c", arg=lang)
        page.locator("#vf-settings summary").click()
    page.locator("#vf-listen").click()                 # a phone plays sound only after a tap
    return context, page


def _state(page) -> dict:
    return page.evaluate(PHONE_JS)


def _contrast(page) -> float:
    return page.evaluate(CONTRAST_JS, "#vf-now .vf-text")["ratio"]


def test_three_phones_follow_the_guide_each_in_their_own_language(browser, tour_app):
    guide, code, url = _guide(browser, tour_app)
    guide.wait_for_function("document.querySelector('.vt-follow-qr').getBoundingClientRect().bottom <= innerHeight")
    guide.screenshot(path=str(ARTIFACTS / "follow-guide-qr.png"))
    assert guide.locator(".vt-follow-warning").inner_text() == t("follow.local_only", "en")   # 127.0.0.1 only
    assert url.endswith(f"/follow/{code}") and guide.locator(".vt-follow-qr").evaluate("(i) => i.naturalWidth") > 0
    assert guide.locator(".vt-follow-code").inner_text().replace(" ", "") == code
    assert _axe(guide, WCAG_TAGS, include="#vt-follow-panel") == []
    phones = {"en": _phone(browser, url, (412, 915)), "vi": _phone(browser, url, (390, 844), "vi"),
              "vi-largest": _phone(browser, url, (360, 640), "vi")}
    english_phone = phones["en"][1]                   # the English visitor listens faster
    english_phone.locator("#vf-settings summary").click()
    english_phone.locator("input[name=vf-speed][value='1.5']").check()
    english_phone.locator("#vf-settings summary").click()
    largest = phones["vi-largest"][1]
    largest.locator("#vf-settings summary").click()
    while largest.locator("#vf-larger").is_enabled():
        largest.locator("#vf-larger").click()
    largest.locator("#vf-settings summary").click()
    guide.wait_for_function("document.querySelector('.vt-follow-count').innerText.startsWith('3')", timeout=30_000)
    # another guide's room, with its own phone: it must never see this tour
    other, other_code, other_url = _guide(browser, tour_app)
    assert other_code != code
    stranger_context, stranger = _phone(browser, other_url, (412, 915))

    guide.locator("#vt-image input[type=file]").set_input_files(str(EXAMPLE))
    for name, (_, page) in phones.items():            # each phone's words arrive while the guide's are written
        page.wait_for_function("() => document.querySelector('#vf-now .vf-text') && "
                               "document.querySelector('#vf-now .vf-text').innerText.trim().length > 0",
                               timeout=TIMEOUT_MS, polling=50)
        busy = guide.evaluate("document.querySelector('#vt-thread .vt-thread').getAttribute('aria-busy')")
        assert busy == "true", f"{name}: the guide's text was already finished"

    en_context, en = phones["en"]
    en_context.set_offline(True)                      # one phone loses the network mid-narration
    guide.wait_for_function("document.querySelector('#vt-thread .vt-thread').dataset.state === 'ready'",
                            timeout=TIMEOUT_MS)
    en_context.set_offline(False)
    for _, page in phones.values():
        page.wait_for_function("() => { const t = [...document.querySelectorAll('#vf-now .vf-turn')].pop();"
                               " return t && t.dataset.done; }", timeout=TIMEOUT_MS)
    guide_text = guide.evaluate("document.querySelector('#vt-thread .vt-turn-description .vt-text').innerText")
    english, vietnamese, vi_largest = (_state(phones[k][1]) for k in ("en", "vi", "vi-largest"))
    # the English phone, back from offline, has everything once
    assert english["turns"] == 1 and " ".join(english["spans"]) == guide_text.strip()
    assert len(english["spans"]) == len(set(english["spans"])) == 4
    # the Vietnamese phones: translated once for both (the same words), labelled, and heard in Vietnamese
    for state in (vietnamese, vi_largest):
        assert state["lang"] == "vi" and state["turns"] == 1 and len(state["spans"]) == 4
        assert t("app.machine_translated", "vi") in state["byline"] and state["picture"]
        assert not set(" ".join(state["spans"]).split()) & set(STORY.split())
    assert vietnamese["spans"] == vi_largest["spans"]
    for name, (_, page) in phones.items():
        page.wait_for_function("document.getElementById('vf-audio').dataset.lang !== undefined && "
                               "(document.getElementById('vf-audio').currentTime > 0 || "
                               "document.getElementById('vf-audio').ended)", timeout=TIMEOUT_MS)
        state = _state(page)
        assert state["audioLang"] == ("en" if name == "en" else "vi") and state["csp"] == [], (name, state["csp"])
        assert abs(state["rate"] - (1.5 if name == "en" else 1.0)) < 0.01, (name, state["rate"])
    # a screen reader hears "new artwork" and the finished text, once each, never the streamed words
    for name, state in (("vi", vietnamese), ("vi-largest", vi_largest)):
        said = [s for s in state["said"] if s]
        assert said[0] == t("follow.new_artwork", "vi") and len(said) == 2, (name, said)
        assert said[1].startswith(t("follow.described", "vi")) and said[1].endswith(" ".join(state["spans"]))
    # the largest type on a 360x640 phone: the card's largest size, no sideways scrolling, AAA contrast
    font = largest.evaluate("parseFloat(getComputedStyle(document.querySelector('#vf-now .vf-card')).fontSize)")
    assert font >= 40 and vi_largest["overflow"] <= 0
    for preset in ("dark", "light", "dyslexia"):
        largest.evaluate("(p) => document.documentElement.dataset.vfPreset = p", preset)
        assert _contrast(largest) >= 7.0, preset
    largest.evaluate("document.documentElement.dataset.vfPreset = 'dark'")
    for name, (_, page) in phones.items():
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / f"follow-phone-{name}.png"))
        assert _axe(page, WCAG_TAGS) == [], name
    largest.set_viewport_size({"width": 320, "height": 640})
    assert _state(largest)["overflow"] <= 0
    largest.evaluate("window.scrollTo(0, 0)")
    largest.screenshot(path=str(ARTIFACTS / "follow-phone-320.png"))
    # the next artwork: it takes the top of every phone, the first one moves below, to scroll back to
    guide.locator("#vt-image input[type=file]").set_input_files(str(OTHER))
    en.wait_for_function("""() => { const now = document.querySelector('#vf-now .vf-turn');
        return now && now.dataset.done && document.querySelectorAll('#vf-earlier .vf-turn').length === 1
               && !document.getElementById('vf-earlier-box').hidden; }""", timeout=TIMEOUT_MS)
    assert en.locator("#vf-earlier .vf-s").count() == 4 and en.locator("#vf-now .vf-turn").count() == 1
    # the other room saw nothing of this tour
    stranger_state = _state(stranger)
    assert stranger_state["turns"] == 0 and stranger.locator("#vf-waiting").is_visible()
    # the guide closes the room: every phone is told, the other room goes on
    guide.locator("#vt-follow-close").click()
    for _, page in phones.values():
        page.wait_for_function("(w) => document.getElementById('vf-connection').textContent === w",
                               arg=t("follow.closed", page.evaluate("document.documentElement.lang")),
                               timeout=30_000)
    assert not stranger.locator("#vf-connection").inner_text()
    for context, _ in [*phones.values(), (stranger_context, stranger)]:
        context.close()
    guide.close()
    other.close()


def test_a_wrong_code_is_told_plainly_and_a_phone_cannot_publish(browser, tour_app):
    base = tour_app.rstrip("/")
    page = browser.new_page(viewport={"width": 360, "height": 640})
    response = page.goto(f"{base}/follow/WRNG2345")
    assert response.status == 404
    words = page.locator("[role=alert]").inner_text()
    assert html.unescape(t("follow.no_room", "en")) in words and t("follow.no_room", "vi") in words
    assert _axe(page, WCAG_TAGS) == []
    page.screenshot(path=str(ARTIFACTS / "follow-wrong-code.png"))
    guide, code, url = _guide(browser, tour_app)
    page.goto(url)
    statuses = page.evaluate("""async (code) => { const out = [];
        for (const method of ['POST', 'PUT', 'DELETE']) {
          const r = await fetch(`/follow/${code}/events?lang=en`, {method, body: method === 'DELETE' ? null :
                                JSON.stringify({type: 'text', text: 'fake'})});
          out.push(r.status); }
        return out; }""", code)
    assert statuses == [405, 405, 405]
    assert page.locator(".vf-turn").count() == 0
    page.close()
    guide.close()


def test_a_museum_app_narrates_into_a_room_through_the_api(tour_app):
    """``/open_room`` gives a code, a key, the address and its QR code; ``/tour`` with ``room`` reaches the phones."""
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError
    from test_follow_http import Stream

    client = Client(tour_app, verbose=False)
    opened = client.predict("", "en", api_name="/open_room")
    assert opened["url"].endswith(f"/follow/{opened['code']}") and opened["key"] and opened["code"] not in opened["key"]
    with open(opened["qr"], "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    port = int(tour_app.rstrip("/").rsplit(":", 1)[1])
    phone = Stream(port, f"/follow/{opened['code']}/events?lang=en")
    updates = list(client.submit(handle_file(str(EXAMPLE)), "en", "short", "adult", "", "auto", opened["key"],
                                 api_name="/tour"))
    events, _ = phone.read_until(lambda ev, ls: any(e["type"] == "done" for e in ev), timeout_s=60)
    phone.close()
    assert events[0]["type"] == "artwork" and events[0]["picture"]
    assert " ".join(e["text"] for e in events if e["type"] == "sentence") == updates[-1]["text"].strip()
    with pytest.raises(AppError) as err:                  # a key nobody opened narrates nowhere, and says so
        client.predict(handle_file(str(EXAMPLE)), "en", "short", "adult", "", "auto", "not-a-key", api_name="/tour")
    assert t("follow.no_room", "en") in str(err.value)
    assert client.predict(opened["key"], "en", api_name="/close_room") == {"closed": True}
