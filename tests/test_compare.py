"""Compare and How it works: attention fusion and the resampler, the projection lens, the ledger's words and units,
SmolVLM once per picture, the pictures of every step, and the random-weights stamp on a thumbnail."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from vlmtok.app import compare as cmp
from vlmtok.encoders import create_encoder
from vlmtok.tokens import attention_fuse, compress, encode_multiscale, resample_tokens

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def picture() -> Image.Image:
    rng = np.random.default_rng(1)
    return Image.fromarray(rng.integers(0, 255, (200, 300, 3), dtype=np.uint8))


@pytest.fixture(scope="module")
def vit():
    return create_encoder("vit_small_patch14_dinov2", weights="random")


# ---------------------------------------------------------------------------------------------- attention fusion


def test_fine_tokens_attend_to_the_coarse_token_that_matches_them():
    torch.manual_seed(0)
    coarse = torch.randn(16, 64)                                   # a 4 x 4 grid
    fine = coarse.repeat_interleave(4, dim=0)[torch.randperm(64)]  # every fine token is a copy of one coarse token
    fused = attention_fuse(fine, coarse, fine_grid=(8, 8), coarse_grid=(4, 4))
    assert fused.tokens.shape == (64, 64) and fused.weights.shape == (64, 16)
    torch.testing.assert_close(fused.weights.sum(-1), torch.ones(64))
    match = ((fine[:, None] - coarse[None]).abs().sum(-1) == 0).float().argmax(-1)
    assert torch.equal(fused.looks_at(), match)                    # each looks at its own source first
    groups = [torch.nonzero(fused.looks_at() == k).flatten().tolist() for k in range(16)]
    assert sorted(i for g in groups for i in g) == list(range(64))  # the groups partition the fine tokens


def test_multiscale_attention_fusion_keeps_the_finest_grid(vit, picture):
    ms = encode_multiscale([vit], picture, (224, 336), fuse="attention")
    assert ms.counts == [256, 576] and ms.fused.shape == (576, 384) and ms.fused_grid == (24, 24)
    with pytest.raises(ValueError):
        attention_fuse(torch.zeros(4, 8), torch.zeros(4, 16))      # one width needed


def test_rollout_row_equals_the_row_of_the_full_product():
    from vlmtok.encoders.attention import rollout

    layers = [torch.rand(3, 10, 10, generator=torch.Generator().manual_seed(k)).softmax(-1) for k in range(4)]
    eye, full = torch.eye(10), torch.eye(10)
    for a in layers:                                               # the textbook product, layer 1 first
        fused = 0.5 * a.mean(0) + 0.5 * eye
        full = (fused / fused.sum(-1, keepdim=True)) @ full
    torch.testing.assert_close(rollout(layers, True, 1, (3, 3)), full[0, 1:].reshape(3, 3))
    torch.testing.assert_close(rollout(layers, False, 1, (3, 3)), full.mean(0)[1:].reshape(3, 3))


def test_a_vit_reads_its_rollout_in_the_same_forward_pass(vit, picture):
    from vlmtok.visualize import attention_rollout, capture_attention

    vt = vit.encode(picture, 224, attention=True)
    np.testing.assert_allclose(vt.extra["rollout"], attention_rollout(capture_attention(vit, vt)), rtol=1e-4,
                               atol=1e-7)                          # the same as a second, separate pass
    assert "rollout" not in create_encoder("eva02_tiny_patch14_224", weights="random").encode(
        picture, 224, attention=True).extra                        # rotary q and k: not readable, so not drawn


# ---------------------------------------------------------------------------------------------- resampler


@pytest.mark.parametrize("n", [49, 256, 1024])
def test_resampler_gives_m_tokens_whatever_n_and_partitions_the_inputs(n):
    x = torch.randn(n, 32, generator=torch.Generator().manual_seed(n))
    res = resample_tokens(x, 16)
    assert res.tokens.shape == (16, 32) and res.weights.shape == (16, n) and res.random_queries
    torch.testing.assert_close(res.weights.sum(-1), torch.ones(16))
    groups = res.groups()
    assert len(groups) == 16 and sorted(i for g in groups for i in g) == list(range(n))
    torch.testing.assert_close(res.tokens, res.weights @ x)        # each latent is a weighted average of the tokens
    again = compress(x, "resample", 16)
    torch.testing.assert_close(again.tokens, res.tokens)           # seeded queries: the same on every run


def test_a_learned_query_gathers_the_tokens_it_matches():
    x = torch.randn(100, 24, generator=torch.Generator().manual_seed(3))
    res = resample_tokens(x, 2, queries=torch.stack([x[7], -x[7]]))
    assert not res.random_queries and int(res.weights[0].argmax()) == 7


@pytest.mark.slow
def test_resampler_and_fusion_pictures_say_what_they_are(vit, picture):
    from vlmtok.visualize.fusion import fusion_picture, resampler_picture

    small, large = vit.encode(picture, 224), vit.encode(picture, 448)
    assert fusion_picture(large, small, (150, 100), from_size=picture.size).width >= 640
    pic = resampler_picture(small, 32, lang="vi")
    assert pic.width >= 320 and pic.height > 320


# ---------------------------------------------------------------------------------------------- projection lens


def test_the_lens_reads_words_from_the_tokenizers_vocabulary():
    from helpers import tiny_smolvlm

    from vlmtok.smolvlm.lens import nearest_words, tokenizer_of

    loaded = tiny_smolvlm()
    tok = tokenizer_of(loaded)
    table = loaded.model.get_input_embeddings().weight
    sky = tok.convert_tokens_to_ids("Ġsky")
    tokens = torch.stack([table[sky].detach() * 3.0, torch.randn(table.shape[1])])  # one planted, one anywhere
    words = nearest_words(loaded, tokens, k=5)
    assert len(words) == 2 and all(len(w) == 5 for w in words)
    assert words[0][0] == ("sky", pytest.approx(1.0, abs=1e-4))   # cosine ignores the length
    q = torch.nn.functional.normalize(tokens.float(), dim=-1)
    e = torch.nn.functional.normalize(table[: len(tok)].float(), dim=-1)       # only ids the tokenizer owns
    ids = (q @ e.T).topk(5).indices.tolist()
    pieces = [[tok.convert_ids_to_tokens(i) for i in row] for row in ids]
    expected = [[tok.convert_tokens_to_string([p]).strip() or p for p in row] for row in pieces]
    assert [[w for w, _ in row] for row in words] == expected


# ---------------------------------------------------------------------------------------------- SmolVLM, once


def test_smolvlm_is_one_row_per_picture_whatever_sizes_are_ticked(picture):
    from helpers import tiny_smolvlm

    from vlmtok.encoders import SmolVLMEncoder
    from vlmtok.visualize.sheet import Comparison, run_encoders

    enc = SmolVLMEncoder("tiny-smolvlm", tiny_smolvlm())
    runs = run_encoders(picture, [enc], [224, 336, 448])
    assert [len(r.scales) for r in runs] == [1]
    rows = Comparison(runs, picture.size, "").ledger().rows
    assert len(rows) == 1 and rows[0]["input_size"] == [64, 64] and rows[0]["tokens"] == 16   # its own tile


# ---------------------------------------------------------------------------------------------- the ledger


def _ledger(lang: str):
    from vlmtok.ledger import build_ledger, encoder_row

    vt = create_encoder("mobilenetv2_100", weights="random").encode(Image.new("RGB", (300, 200)), 224)
    return cmp.ledger_html(build_ledger([encoder_row(vt)], (300, 200)), lang)


@pytest.mark.parametrize("lang,unit", [("en", "tokens"), ("vi", "token")])
def test_every_number_in_the_ledger_has_its_unit(lang, unit):
    html = _ledger(lang)
    cells = re.findall(r'<td data-label="[^"]+" class="vt-col-(\w+)">(.*?)</td>', html)
    assert [k for k, _ in cells] == list(cmp.LEDGER_COLUMNS)
    text = {k: re.sub(r"<[^>]+>", "", v).replace("&nbsp;", " ") for k, v in cells}
    assert text["tokens"] == f"49 {unit}" and text["input"] == "224 × 224 px" and text["forward"].endswith(" ms")
    for k, v in text.items():
        assert not re.search(r"(^|\s)\d+(\.\d+)?\s*$", v), (k, v)  # no number stands without a unit after it
    assert "vt-badge vt-random" in html and cmp.badge("random", lang) in html


def test_offline_pack_is_explained_in_words_and_random_is_said_plainly():
    assert cmp.source_words("offline-pack", "en") == "trained weights stored on this machine (an offline pack)"
    assert cmp.badge("offline-pack", "en") == "trained" and cmp.badge("random", "en") == "random weights: shapes only"
    labels = dict((name, label) for label, name in cmp.encoder_choices("en"))
    assert labels["vit_small_patch14_dinov2"] == "DINOv2 ViT-S/14 · trained"      # an offline pack exists
    assert labels["coatnet_0_rw_224"] == "CoAtNet-0 · random weights: shapes only"  # no Hub here


# ---------------------------------------------------------------------------------------------- how it works


def test_how_it_works_draws_every_step_for_a_vit_a_cnn_and_smolvlm(vit, picture):
    from vlmtok.visualize.pipeline import encoder_steps, smolvlm_steps

    cnn = create_encoder("mobilenetv2_100", weights="random")
    for enc, cells in ((vit, "16 × 16 = 256"), (cnn, "7 × 7 = 49")):
        steps = encoder_steps(picture, enc.encode(picture, 224), "en")
        assert len(steps) == 7 and all(s.picture.width > 100 and s.alt for s in steps)
        assert cells in steps[1].symbols and "<IMG_TOKEN>" in steps[-1].symbols
    vlm = smolvlm_steps(Image.new("RGB", (1200, 800)), "smolvlm-256m", "vi")
    assert [s.title for s in vlm][3] == "Xáo điểm ảnh ×4"
    assert "3 × 4 ô" in vlm[0].plain and "[1024, 768] → [64, 4² × 768] = [64, 12288]" in vlm[3].symbols
    assert "832" in vlm[-1].symbols                                # 12 tiles + 1 global view, 64 tokens each


def test_the_tile_plan_is_drawn_on_the_picture():
    from vlmtok.visualize.pipeline import tile_plan_picture

    pic, facts = tile_plan_picture(Image.new("RGB", (1200, 800), (20, 40, 60)), "high")
    assert (facts["rows"], facts["cols"], facts["n"]) == (3, 4, 832)
    yellow = (np.asarray(pic) == (255, 214, 0)).all(-1)
    assert yellow.any(0).sum() > 4 and yellow.any(1).sum() > 3    # tile lines across and down the picture


def test_the_random_stamp_is_readable_on_a_thumbnail(vit, picture):
    from vlmtok.visualize import thumbs

    vt = vit.encode(picture, 224)
    stamped = np.asarray(thumbs.grid_thumb(vt))                    # 320 px wide
    band = (stamped[:, 0] == (176, 0, 32)).all(-1)                 # the red band's rows (its left margin)
    white = (stamped[band] == 255).all(-1).any(1)                  # rows of the band with white letters
    assert stamped.shape[0] > 320 and band[320:].all() and white.sum() >= 2 * 32  # two lines of 32 px letters
    trained = np.asarray(thumbs.grid_thumb(vt.__class__(**{**vt.__dict__, "weights_source": "offline-pack"})))
    assert trained.shape[0] == 320 and not (trained == (176, 0, 32)).all(-1).all(-1).any()


# ---------------------------------------------------------------------------------------------- progress and taps


@pytest.mark.slow
def test_progress_moves_per_encoder_and_a_tap_runs_no_encoder(monkeypatch):
    steps = []
    path = str(EXAMPLES / "durer_lion.jpg")
    r = cmp.compare(path, ["mobilenetv2_100"], ["224", "9999", "x"], "en", extra="resnet18",
                    progress=lambda f, desc="": steps.append((f, desc)))
    assert "Comparison ready" in r.status and len(r.pictures) >= 8
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and len(steps) >= 5
    words = [d for _, d in steps]
    assert "Loading MobileNetV2..." in words and "resnet18: tokens at 224 px..." in words   # typed names as typed
    assert "resnet18, 224 × 224 px (random weights: shapes only)" in " ".join(c for _, c in r.pictures)

    from vlmtok.encoders import TimmEncoder

    def no_encode(*_a, **_k):
        raise AssertionError("a tap must reuse the comparison's tokens")

    monkeypatch.setattr(TimmEncoder, "encode", no_encode)
    tap = cmp.similarity(path, ["mobilenetv2_100", "resnet18"], [224], (400, 150), "en")
    assert "Similarity ready" in tap.status and len(tap.similarity) == 2
