"""The tokenization pipeline: projector and markers, multi-scale counts, compression that partitions tokens."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from vlmtok.encoders import create_encoder
from vlmtok.tokens import (TOKEN_BUDGET, VisionProjector, budget_warning, build_prompt, compress, encode_multiscale,
                           merge_tokens, pixel_shuffle_tokens, pool_tokens, sincos_pos_embed_2d)


@pytest.fixture(scope="module")
def picture() -> Image.Image:
    rng = np.random.default_rng(1)
    return Image.fromarray(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8))


def _assert_partition(assignment: torch.Tensor, n_in: int, n_out: int) -> None:
    assert assignment.shape == (n_in,)
    assert set(assignment.tolist()) == set(range(n_out))  # every output has at least one input, none invented


@pytest.mark.parametrize("n", [256, 257, 49])
def test_merge_half_halves_the_count_and_partitions(n):
    tokens = torch.randn(n, 32)
    out = merge_tokens(tokens, 0.5)
    assert out.num_tokens == n - round(0.5 * n)
    _assert_partition(out.assignment, n, out.num_tokens)


def test_merged_token_is_the_mean_of_its_group():
    tokens = torch.randn(100, 16)
    out = merge_tokens(tokens, 0.75)  # several rounds
    for k, group in enumerate(out.groups()):
        torch.testing.assert_close(out.tokens[k], tokens[group].mean(0), atol=1e-5, rtol=1e-5)


def test_merging_joins_the_most_similar_tokens_first():
    base = torch.randn(8, 16)
    tokens = torch.empty(16, 16)
    tokens[0::2] = base                        # set A
    tokens[1::2] = torch.randn(8, 16)          # set B, unrelated ...
    tokens[1], tokens[5] = base[0] * 2, base[2] * 3   # ... except two near-duplicates of A tokens 0 and 4
    out = merge_tokens(tokens, 2 / 16)
    groups = sorted(sorted(g) for g in out.groups() if len(g) > 1)
    assert groups == [[0, 1], [4, 5]]


def test_pixel_shuffle_blocks_become_one_wide_token():
    h, w, d, s = 16, 16, 8, 4
    tokens = torch.randn(h * w, d)
    out = pixel_shuffle_tokens(tokens, s, grid=(h, w))
    assert out.grid == (4, 4) and out.tokens.shape == (16, d * s * s)
    _assert_partition(out.assignment, h * w, 16)
    grid = tokens.reshape(h, w, d)
    block = grid[4:8, 8:12].reshape(-1, d)  # output token (1, 2)
    assert sorted(out.tokens[1 * 4 + 2].tolist()) == sorted(block.reshape(-1).tolist())
    assert out.assignment.reshape(h, w)[5, 9] == 1 * 4 + 2


def test_pixel_shuffle_pads_grids_that_do_not_divide():
    out = pixel_shuffle_tokens(torch.randn(49, 4), 2, grid=(7, 7))
    assert out.grid == (4, 4) and out.tokens.shape == (16, 16)
    _assert_partition(out.assignment, 49, 16)


def test_pooling_is_the_mean_over_each_region():
    tokens = torch.arange(7 * 7 * 2, dtype=torch.float32).reshape(49, 2)
    out = pool_tokens(tokens, 2, grid=(7, 7))
    assert out.grid == (4, 4)
    grid = tokens.reshape(7, 7, 2)
    torch.testing.assert_close(out.tokens[0], grid[0:2, 0:2].reshape(-1, 2).mean(0))
    torch.testing.assert_close(out.tokens[15], grid[6, 6])  # the corner cell is alone in its region


def test_compress_dispatch_rejects_unknown_methods():
    assert compress(torch.randn(10, 4), "merge", 0.5).num_tokens == 5
    with pytest.raises(ValueError, match="known: merge"):
        compress(torch.randn(10, 4), "prune", 0.5)


def test_projector_wraps_tokens_and_adds_modality_once():
    proj = VisionProjector(384, 576)
    z = torch.randn(256, 384)
    out = proj(z, grid=(16, 16))
    assert out.embeds.shape == (258, 576) and out.num_image_tokens == 256
    torch.testing.assert_close(out.embeds[0], proj.img_start.detach())
    torch.testing.assert_close(out.embeds[-1], proj.img_end.detach())
    expected = proj.proj(proj.norm(z)) + proj.modality + sincos_pos_embed_2d((16, 16), 576)
    torch.testing.assert_close(out.embeds[1:-1], expected)
    assert "not meaning" in out.note


def test_projector_is_reproducible_and_checks_the_grid():
    z = torch.randn(12, 8)
    a, b = VisionProjector(8, 16, seed=3)(z, (3, 4)), VisionProjector(8, 16, seed=3)(z, (3, 4))
    torch.testing.assert_close(a.embeds, b.embeds)
    with pytest.raises(ValueError):
        VisionProjector(8, 16)(z, (4, 4))


def test_position_embedding_tells_every_cell_apart():
    pos = sincos_pos_embed_2d((16, 24), 64)
    assert pos.shape == (384, 64)
    assert torch.cdist(pos, pos).fill_diagonal_(1.0).min() > 1e-3


def test_build_prompt_puts_the_image_first():
    vision = VisionProjector(8, 16)(torch.randn(4, 8), (2, 2))
    text = torch.randn(5, 16)
    prompt = build_prompt(vision, text)
    assert prompt.shape == (11, 16)
    torch.testing.assert_close(prompt[-5:], text)
    with pytest.raises(ValueError):
        build_prompt(vision, torch.randn(5, 12))


def test_multiscale_counts_add_up(picture):
    enc = create_encoder("vit_small_patch14_dinov2", weights="random")
    ms = encode_multiscale([enc], picture, (224, 336))
    assert ms.counts == [256, 576] and ms.total == 832 == ms.fused.shape[0]
    assert not ms.warnings


def test_multiscale_resample_joins_features_on_the_smallest_grid(picture):
    vit = create_encoder("vit_small_patch14_dinov2", weights="random")
    cnn = create_encoder("mobilenetv2_100", weights="random")
    ms = encode_multiscale([vit, cnn], picture, (224, 336), fuse="resample")
    assert ms.fused_grid == (11, 11) and ms.fused.shape == (121, 384 + 1280)
    with pytest.raises(ValueError, match="resample"):
        encode_multiscale([vit, cnn], picture, (224, 336), fuse="concat")


def test_budget_warning_above_1024(picture):
    assert budget_warning(TOKEN_BUDGET) is None and "1025" in budget_warning(1025)
    ms = encode_multiscale([create_encoder("vit_small_patch14_dinov2", weights="random")], picture, (448, 336))
    assert ms.total == 1024 + 576 and ms.warnings


@pytest.mark.parametrize("n,ratio", [(49, 0.99), (2, 0.75), (1, 0.9)])
def test_merging_never_removes_every_token(n, ratio):
    out = merge_tokens(torch.randn(n, 8), ratio)
    assert out.num_tokens >= 1
    _assert_partition(out.assignment, n, out.num_tokens)
