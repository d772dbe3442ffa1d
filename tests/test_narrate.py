"""Narrator registry, prompts, the offline narrator, translation and the ``describe`` command.

The offline narrator is checked against generated pictures whose truth is known (colours, layout, light) and, for
plausibility, against the example paintings. Translation is tested offline (fails fast, keeps English, says so)
and through a tiny random MarianMT built here (the success path is labelled machine-translated).
"""
from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vlmtok.i18n import t
from vlmtok.narrate import BaseNarrator, Narration, NarrationRequest, get_narrator, list_narrators
from vlmtok.narrate import prompts
from vlmtok.narrate.offline import OfflineNarrator, disclaimer
from vlmtok.narrate.offline.measure import measure
from vlmtok.narrate.prompts import count_words, word_limit
from vlmtok.narrate.translate import Translator, translate_narration

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TIERS = ("alt", "short", "long")

# ImageNet class names that would be tempting (and wrong) on paintings: never narrated as facts
IMAGENET_WORDS = ("book jacket", "comic book", "orangutan", "jigsaw puzzle", "window screen", "velvet", "matchstick",
                  "envelope", "tabby", "espresso", "lion", "volcano", "seashore", "fountain", "wig", "cardigan",
                  "tray", "mask", "poncho")


def solid(rgb: tuple[int, int, int], size: tuple[int, int] = (160, 120)) -> Image.Image:
    return Image.new("RGB", size, rgb)


def halves(left: tuple[int, int, int], right: tuple[int, int, int], size=(200, 120)) -> Image.Image:
    arr = np.zeros((size[1], size[0], 3), np.uint8)
    arr[:, : size[0] // 2] = left
    arr[:, size[0] // 2:] = right
    return Image.fromarray(arr)


def square_on_grey(size=(240, 160), centre=(0.82, 0.5), side=24) -> Image.Image:
    arr = np.full((size[1], size[0], 3), 128, np.uint8)
    cx, cy = int(centre[0] * size[0]), int(centre[1] * size[1])
    arr[cy - side // 2: cy + side // 2, cx - side // 2: cx + side // 2] = (230, 20, 20)
    return Image.fromarray(arr)


def stripes(size=(240, 240), period=12) -> Image.Image:
    arr = np.zeros((size[1], size[0], 3), np.uint8)
    arr[:, (np.arange(size[0]) // (period // 2)) % 2 == 0] = 240
    return Image.fromarray(arr)


@pytest.fixture(scope="module")
def narrator() -> OfflineNarrator:
    return OfflineNarrator()


def describe(narrator, image, **kw) -> Narration:
    return narrator.describe(image, NarrationRequest(**kw))


# ------------------------------------------------------------------------------------------ measuring: known truth

def test_solid_red_is_red_in_both_languages(narrator):
    img = solid((220, 20, 30))
    facts = measure(img)
    assert facts.palette[0].family == "red" and facts.palette[0].share > 0.99
    assert re.search(r"\bred\b", describe(narrator, img).text)
    assert "đỏ" in describe(narrator, img, lang="vi").text


def test_blue_left_yellow_right():
    facts = measure(halves((30, 60, 200), (240, 220, 40)))
    fams = {c.family: c for c in facts.palette}
    assert set(fams) == {"blue", "yellow"}
    assert fams["blue"].share == pytest.approx(0.5, abs=0.03) and fams["yellow"].share == pytest.approx(0.5, abs=0.03)
    assert fams["blue"].where[0] < 0.3 < 0.7 < fams["yellow"].where[0]


def test_dark_and_bright_pictures():
    assert measure(solid((18, 16, 24))).light == "dark"
    assert measure(solid((245, 245, 240))).light == "bright"
    assert measure(solid((18, 16, 24))).palette[0].key == "black"


def test_red_square_on_the_right_is_the_focus(narrator):
    img = square_on_grey()
    facts = measure(img)
    assert facts.focus_where == "right"
    assert facts.focus_cells[:, 2].sum() > 0.8
    assert "on the right" in describe(narrator, img).text
    assert "bên phải" in describe(narrator, img, lang="vi").text
    assert measure(square_on_grey(centre=(0.18, 0.2))).focus_where == "top-left"


def test_format_from_aspect():
    assert measure(solid((90, 90, 90), (100, 200))).format == "portrait"
    assert measure(solid((90, 90, 90), (300, 200))).format == "landscape"
    assert measure(solid((90, 90, 90), (205, 200))).format == "square"


def test_stripes_busy_flat_calm(narrator):
    assert measure(stripes()).busyness == "busy"
    assert measure(solid((100, 140, 90))).busyness == "calm"
    assert "busy" in describe(narrator, stripes()).text
    assert "calm" in describe(narrator, solid((100, 140, 90))).text


def test_warm_and_cool():
    assert measure(solid((230, 120, 30))).temperature == "warm"
    assert measure(solid((30, 80, 200))).temperature == "cool"
    assert measure(solid((128, 128, 128))).temperature == "neutral"


def test_great_wave_blue_and_pale():
    facts = measure(Image.open(EXAMPLES / "great_wave_off_kanagawa.jpg"))
    top = facts.palette[:3]
    assert any(c.family == "blue" and c.share > 0.1 for c in top)
    assert top[0].lightness > 65                     # the largest colour is a pale one (the paper-toned sky)
    assert facts.format == "landscape"


def test_starry_night_dark_blue():
    facts = measure(Image.open(EXAMPLES / "van_gogh_starry_night.jpg"))
    assert facts.palette[0].key == "dark blue" and facts.palette[0].share > 0.4
    assert facts.light in ("dark", "fairly dark") and facts.temperature == "cool"


def test_measure_is_fast_on_a_large_picture():
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (3000, 4000, 3), dtype=np.uint8))
    measure(img)
    t0 = time.perf_counter()
    measure(img)
    assert time.perf_counter() - t0 < 1.0


# --------------------------------------------------------------------------------------------------- wording

@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("audience", ["adult", "child"])
def test_tiers_disclaimer_first_and_word_limits(narrator, lang, audience):
    img = Image.open(EXAMPLES / "van_gogh_starry_night.jpg")
    counts = []
    for tier in TIERS:
        n = describe(narrator, img, lang=lang, tier=tier, audience=audience)
        assert n.text.startswith(disclaimer(lang))
        assert count_words(n.text) <= word_limit(tier, lang), (tier, n.text)
        assert (n.narrator, n.model_id, n.weights_source, n.machine_translated) == ("offline", None, "none", False)
        assert n.language == lang and n.tier == tier and n.audience == audience
        assert {"measure_ms", "compose_ms", "total_ms"} <= set(n.timings)
        counts.append(count_words(n.text))
    assert counts[0] < counts[1] < counts[2]
    assert counts[2] >= 0.5 * word_limit("long", lang)         # the long tier really is longer prose


def test_no_imagenet_words_on_any_example(narrator):
    for path in sorted(EXAMPLES.glob("*.jpg")):
        text = describe(narrator, Image.open(path), tier="long").text.lower()
        assert not [w for w in IMAGENET_WORDS if re.search(rf"\b{w}\b", text)], path.name


def test_vietnamese_is_written_in_vietnamese(narrator):
    text = describe(narrator, Image.open(EXAMPLES / "mona_lisa.jpg"), lang="vi", tier="long").text
    assert "Bức tranh có khổ dọc" in text and "tông ấm" in text
    english = {"the", "and", "picture", "colour", "with", "dark", "blue", "of"}
    assert not english & set(re.findall(r"[a-z]+", text.lower()))
    assert "1,6" in text                                           # Vietnamese decimal comma


def test_child_wording_differs(narrator):
    img = Image.open(EXAMPLES / "great_wave_off_kanagawa.jpg")
    adult, child = (describe(narrator, img, audience=a).text for a in ("adult", "child"))
    assert adult != child and "Your eyes" in child and "visual weight" not in child


def test_label_is_quoted_verbatim_after_the_disclaimer(narrator):
    label = "Katsushika Hokusai, Under the Wave off Kanagawa, about 1831"
    for lang in ("en", "vi"):
        for tier in TIERS:
            text = describe(narrator, Image.open(EXAMPLES / "great_wave_off_kanagawa.jpg"), lang=lang, tier=tier,
                            label_text=label).text
            assert text.startswith(disclaimer(lang))
            assert count_words(text) <= word_limit(tier, lang)
            if tier != "alt":
                assert f"“{label}”" in text
            assert len(prompts.split_sentences(text)) >= 3               # measured facts are still there
    no_label = describe(narrator, Image.open(EXAMPLES / "great_wave_off_kanagawa.jpg"), tier="long").text
    assert "Hokusai" not in no_label and "label says" not in no_label


def test_stream_yields_sentences_then_narration(narrator):
    parts = list(narrator.stream(solid((30, 60, 200)), NarrationRequest(tier="short")))
    *chunks, final = parts
    assert isinstance(final, Narration) and all(isinstance(c, str) for c in chunks) and len(chunks) >= 3
    assert "".join(chunks) == final.text
    assert chunks[0] == disclaimer("en")


def test_bad_tier_and_audience_list_known_names(narrator):
    with pytest.raises(ValueError, match="alt, short, long"):
        describe(narrator, solid((1, 2, 3)), tier="medium")
    with pytest.raises(ValueError, match="adult, child"):
        describe(narrator, solid((1, 2, 3)), audience="teen")


# --------------------------------------------------------------------------------------------------- questions

def ask(narrator, img, question, lang="en", **kw) -> str:
    narration = describe(narrator, img, lang=lang, question=question, **kw)
    assert narration.text.startswith(disclaimer(lang, answer=True))             # labelled as an answer
    assert narration.narrator_label == disclaimer(lang, answer=True).rstrip(".")
    return narration.text


def test_questions_it_cannot_answer_are_declined(narrator):
    img = Image.open(EXAMPLES / "mona_lisa.jpg")
    assert "cannot answer" in ask(narrator, img, "What is the woman holding?")
    assert "không thể trả lời" in ask(narrator, img, "Người phụ nữ đang cầm gì?", "vi")
    assert "cannot answer" in ask(narrator, img, "Who painted this?")          # no label: no artist


def test_a_question_about_a_thing_says_it_cannot_tell_before_the_colours_it_can(narrator):
    img = halves((30, 60, 200), (240, 220, 40))
    for lang, question, cannot, colour in (
            ("en", "What is the girl on the left holding?", "cannot tell objects, people or actions", "blue"),
            ("vi", "Cô gái bên trái đang cầm gì?", "không nhận ra đồ vật, con người hay hành động", "xanh")):
        sentences = prompts.split_sentences(ask(narrator, img, question, lang))
        assert cannot in sentences[1] and colour in " ".join(sentences[2:]), sentences
    assert "cannot" not in ask(narrator, img, "What colour is on the left side?")   # colours answer it wholly
    assert "cannot" not in ask(narrator, img, "What colours are there?")


def test_colour_and_position_questions(narrator):
    img = halves((30, 60, 200), (240, 220, 40))
    assert "on the left" in ask(narrator, img, "Where is the blue?")
    assert "bên phải" in ask(narrator, img, "Màu vàng ở đâu?", "vi")
    assert "almost no red" in ask(narrator, img, "Is there any red?")
    assert "mostly blue" in ask(narrator, img, "What colour is on the left side?")
    assert "dark" in ask(narrator, solid((15, 15, 20)), "Is it dark or bright?")
    red = square_on_grey()
    assert "on the right" in ask(narrator, red, "Where is the red?")


def test_label_answers_who_painted_it(narrator):
    label = "Leonardo da Vinci, Mona Lisa, 1503-1519"
    text = ask(narrator, Image.open(EXAMPLES / "mona_lisa.jpg"), "Who painted this?", label_text=label)
    assert f"“{label}”" in text


# --------------------------------------------------------------------------------------------------- prompts

def test_prompts_tiers_audience_and_label_rules():
    alt = prompts.describe_prompt(NarrationRequest(tier="alt"))
    long = prompts.describe_prompt(NarrationRequest(tier="long", audience="child"))
    assert "at most 30 words" in alt and "about 150 words" in long and "child" in long
    assert "Do not guess the title, the artist, the date" in alt
    labelled = prompts.describe_prompt(NarrationRequest(label_text='Hokusai, "The Great Wave", 1831'))
    assert "Hokusai, 'The Great Wave', 1831" in labelled and "Do not guess" not in labelled
    assert "only what is visible in the picture" in prompts.question_prompt(NarrationRequest(question="Who is she?"))
    with pytest.raises(ValueError, match="tier .huge. is not one of alt, short, long"):
        prompts.describe_prompt(NarrationRequest(tier="huge"))


def test_build_messages_image_once_and_history():
    req = NarrationRequest(question="What is in the sky?")
    msgs = prompts.build_messages(req, history=[("Describe it.", "A wave.")])
    assert [m["role"] for m in msgs] == ["user", "assistant", "user"]
    assert sum(c["type"] == "image" for m in msgs for c in m["content"]) == 1
    assert msgs[0]["content"][0] == {"type": "image"} and "What is in the sky?" in msgs[-1]["content"][0]["text"]


def test_fit_words_and_free_text():
    assert prompts.fit_words("One two three. Four five six.", 4) == "One two three."
    assert prompts.fit_words("one two three four five", 3) == "one two three…"
    assert prompts.clean_free_text('a\n"b"\x00 c') == "a 'b' c"
    assert len(prompts.clean_free_text("x" * 5000)) == prompts.MAX_FREE_TEXT


# --------------------------------------------------------------------------------------------------- registry

def test_registry_names_and_unknown():
    assert list_narrators() == ["auto", "smolvlm", "onnx", "openai", "offline"]
    with pytest.raises(ValueError, match="auto, smolvlm, onnx, openai, offline"):
        get_narrator("nope")
    narrator, reason = get_narrator("offline")
    assert narrator.name == "offline" and reason


def test_auto_falls_back_to_offline_with_reason(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    narrator, reason = get_narrator("auto", model_id="nobody/not-a-cached-model")
    assert narrator.name == "offline" and "offline" in reason
    narrator, reason = get_narrator("auto", lang="vi", model_id="nobody/not-a-cached-model")
    assert "ngoại tuyến" in reason


def test_auto_without_the_smolvlm_module(monkeypatch):
    import vlmtok.narrate as registry

    monkeypatch.setitem(registry.NARRATORS, "smolvlm", dataclasses.replace(
        registry.NARRATORS["smolvlm"], builder="vlmtok.narrate.no_such_module:X",
        available="vlmtok.narrate.no_such_module:available"))
    narrator, reason = get_narrator("auto")
    assert narrator.name == "offline" and "not installed" in reason



class _EnglishOnly(BaseNarrator):
    """A backend that writes English only: for another language it relies on the translation stage."""

    name = "english-only"

    def write(self, image, request, cancel=None):
        yield "A blue square."
        yield Narration(text="A blue square.", language="en", tier=request.tier, narrator=self.name,
                        narrator_label="test", model_id="test/model", weights_source="hub")


def _entry(name, **kw):
    from vlmtok.narrate.registry import NarratorEntry

    return NarratorEntry(name, kw.pop("builder", _EnglishOnly), label=kw.pop("label", "Echo"), **kw)


def test_auto_walks_backends_by_priority(monkeypatch):
    """The registry knows no backend: the first available one by priority wins, reasons use its display name."""
    import vlmtok.narrate as registry

    monkeypatch.setitem(registry.NARRATORS, "smolvlm", _entry("smolvlm", available=lambda **kw: (False, "no"),
                                                              priority=10, label="SmolVLM"))
    monkeypatch.setitem(registry.NARRATORS, "echo", _entry("echo", available=lambda **kw: (True, "always"),
                                                           priority=5))
    narrator, reason = get_narrator("auto")
    assert isinstance(narrator, _EnglishOnly) and reason == "Echo is available (always)"
    monkeypatch.setitem(registry.NARRATORS, "echo", _entry("echo", available=lambda **kw: (False, "switched off"),
                                                           priority=50))
    narrator, reason = get_narrator("auto", lang="vi")
    assert narrator.name == "offline" and reason == "Echo không dùng được (switched off); dùng mô tả ngoại tuyến"
    assert "echo" in list_narrators() and get_narrator("echo")[0].name == "english-only"


def test_a_backend_that_cannot_start_falls_back(monkeypatch):
    import vlmtok.narrate as registry

    def broken(**kw):
        raise RuntimeError("weights damaged")

    monkeypatch.setitem(registry.NARRATORS, "smolvlm", _entry("smolvlm", builder=broken, priority=10,
                                                              label="SmolVLM"))
    narrator, reason = get_narrator("auto")
    assert narrator.name == "offline" and reason == "SmolVLM could not be started; using the offline description"


def test_importing_the_registry_does_not_import_torch():
    code = "import sys, vlmtok.narrate; vlmtok.narrate.list_narrators(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


# --------------------------------------------------------------------------------------------------- translation

def test_translation_offline_keeps_english_with_notice(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    result = Translator(model_id="nobody/opus-mt-missing").translate("A dark blue sky. A bright moon.", "vi")
    assert time.perf_counter() - t0 < 2.0                                       # fails fast, no download wait
    assert result.text == "A dark blue sky. A bright moon." and result.language == "en"
    assert result.machine_translated is False and result.notice == t("narrate.translate.no_model", "vi")
    eng = Narration(text="A wave.", language="en", tier="alt", narrator="smolvlm", narrator_label="x",
                    model_id="m", weights_source="hub")
    out = translate_narration(eng, "vi", Translator(model_id="nobody/opus-mt-missing"))
    assert (out.text, out.language, out.machine_translated, out.notice) == ("A wave.", "en", False,
                                                                         t("narrate.translate.no_model", "vi"))


@pytest.fixture(scope="module")
def tiny_marian(tmp_path_factory) -> Path:
    """A random MarianMT (d_model 16) and a word-level tokenizer saved as a model folder."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from tokenizers.processors import TemplateProcessing
    from transformers import MarianConfig, MarianMTModel, PreTrainedTokenizerFast

    torch.manual_seed(0)
    vocab = ["<pad>", "</s>", "<unk>", "a", "dark", "blue", "sky", ".", "bright", "moon", "xanh", "trời", "trăng"]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(vocab)}, unk_token="<unk>"))
    tok.pre_tokenizer, tok.decoder = pre_tokenizers.Whitespace(), decoders.WordPiece()
    tok.post_processor = TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    cfg = MarianConfig(vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=1,
                       encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
                       max_position_embeddings=64, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    model = MarianMTModel(cfg)
    model.generation_config.min_new_tokens = 3                 # random weights would otherwise often stop at once
    path = tmp_path_factory.mktemp("tiny-marian")
    fast.save_pretrained(path)
    model.save_pretrained(path)
    return path


def test_translation_success_is_labelled_machine_translated(tiny_marian):
    translator = Translator(model_id=str(tiny_marian), local_files_only=True)
    result = translator.translate("A dark blue sky. A bright moon.", "vi")
    assert result.machine_translated is True and result.language == "vi" and result.text.strip()
    assert result.text != result.source_text and result.model_id == str(tiny_marian)
    assert "translate_ms" in result.timings
    eng = Narration(text="A dark blue sky.", language="en", tier="alt", narrator="smolvlm", narrator_label="x",
                    model_id="m", weights_source="hub", timings={"total_ms": 10.0})
    out = translate_narration(eng, "vi", translator)
    assert out.machine_translated and out.language == "vi" and out.timings["total_ms"] > 10.0
    assert translator.translate("Already English.", "en").machine_translated is False



def test_any_english_narrator_gets_the_translation_stage(monkeypatch, tiny_marian):
    """Not only SmolVLM: a backend writing English is translated and labelled, or kept in English with a notice."""
    from vlmtok.narrate import translate

    image = solid((30, 60, 200))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setitem(translate.TRANSLATION_MODELS, ("en", "vi"), "nobody/opus-mt-missing")
    translate.get_translator.cache_clear()
    try:
        parts = list(_EnglishOnly().stream(image, NarrationRequest(lang="vi")))
        kept = parts[-1]
        assert parts[0] == "A blue square."                              # the chunks are what was written
        assert (kept.text, kept.language, kept.machine_translated) == ("A blue square.", "en", False)
        assert kept.notice == t("narrate.translate.no_model", "vi")
        monkeypatch.setitem(translate.TRANSLATION_MODELS, ("en", "vi"), str(tiny_marian))
        translate.get_translator.cache_clear()
        done = _EnglishOnly().describe(image, NarrationRequest(lang="vi"))
        assert done.machine_translated and done.language == "vi" and done.notice == t("narrate.translate.machine",
                                                                                     "vi")
        assert _EnglishOnly().describe(image, NarrationRequest(lang="en")).notice is None
    finally:
        translate.get_translator.cache_clear()


def test_a_broken_translator_keeps_the_english(monkeypatch):
    from vlmtok.narrate import translate

    def broken(narration, lang, translator=None):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(translate, "translate_narration", broken)
    out = _EnglishOnly().describe(solid((30, 60, 200)), NarrationRequest(lang="vi"))
    assert out.language == "en" and out.notice == t("narrate.translate.failed", "vi")


def test_the_offline_narrator_writes_vietnamese_itself(narrator, monkeypatch):
    from vlmtok.narrate import translate

    monkeypatch.setattr(translate, "translate_narration", lambda *a, **k: pytest.fail("must not translate"))
    out = narrator.describe(solid((30, 60, 200)), NarrationRequest(lang="vi"))
    assert out.language == "vi" and not out.machine_translated and "xanh dương" in out.text


def test_translator_refuses_a_pair_without_a_model():
    from vlmtok.errors import VisitorError
    from vlmtok.narrate.translate import NoTranslationModel, model_for

    assert model_for("en", "vi-VN") == "Helsinki-NLP/opus-mt-en-vi"
    with pytest.raises(ValueError, match="en -> fr; known pairs: en -> vi"):
        Translator(target="fr")
    with pytest.raises(NoTranslationModel) as err:
        model_for("vi", "en")
    assert isinstance(err.value, VisitorError) and "vi" in err.value.user_message_for("en")


# --------------------------------------------------------------------------------------------------- command

def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vlmtok", "describe", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"})


def test_describe_command_offline():
    res = run_cli(str(EXAMPLES / "van_gogh_starry_night.jpg"), "--lang", "vi", "--tier", "alt",
                  "--narrator", "offline")
    assert res.returncode == 0, res.stderr
    header, text = res.stdout.strip().splitlines()[:2]
    assert header.startswith("Trình mô tả: offline") and text.startswith(disclaimer("vi"))
    assert "xanh dương đậm" in text


def test_describe_command_in_process_auto_and_ask(capsys, monkeypatch):
    from vlmtok import cli

    monkeypatch.setattr(sys, "argv", list(sys.argv))                         # cli.main rewrites sys.argv
    assert cli.main(["describe", str(EXAMPLES / "mona_lisa.jpg"), "--ask", "Where is the yellow?",
                     "--narrator", "offline"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Narrator: offline") and "Yellow covers" in out


def test_describe_command_bad_image(tmp_path):
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a picture")
    res = run_cli(str(bad), "--lang", "vi")
    assert res.returncode == 2 and res.stderr.strip() and "Traceback" not in res.stderr
    assert str(tmp_path) not in res.stderr


@pytest.mark.parametrize("colour", [(255, 0, 0), (0, 128, 128), (30, 60, 200), (255, 255, 255)])
def test_a_flat_picture_has_no_focus(colour):
    """Rounding in the saliency sums once put a "focus" in the bottom-right corner of a flat red picture."""
    from vlmtok.narrate.offline import OfflineNarrator

    text = OfflineNarrator().describe(Image.new("RGB", (200, 150), colour), NarrationRequest(tier="alt")).text
    assert "no single focus" in text
