"""Encoders: registry, token grids per family, normalisation from the model's own config, weight sources."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import timm
import torch
from PIL import Image

from vlmtok.encoders import timm_encoder
from vlmtok.encoders import create_encoder, encoder_specs, get_spec, list_encoders


@pytest.fixture(scope="module")
def picture() -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8))


def test_registry_covers_the_three_families_and_rejects_unknown_names():
    families = {s.family for s in encoder_specs()}
    assert {"vit", "cnn", "hybrid", "vlm"} <= families
    assert all(timm.is_model(s.architecture) for s in encoder_specs() if s.family != "vlm")
    with pytest.raises(ValueError) as err:
        get_spec("vit_huge_made_up")
    assert "mobilenetv2_100" in str(err.value) and "swin_tiny_patch4_window7_224" in str(err.value)


@pytest.mark.parametrize("size,grid", [(224, (16, 16)), (336, (24, 24)), ((224, 336), (16, 24))])
def test_vit_grid_is_input_over_patch(picture, size, grid):
    vt = create_encoder("vit_small_patch14_dinov2", weights="random").encode(picture, size)
    assert vt.patch_px == 14 and vt.grid == grid
    assert vt.tokens.shape == (grid[0] * grid[1], 384)
    assert vt.input_size == (grid[0] * 14, grid[1] * 14)
    assert vt.input_image.size == (grid[1] * 14, grid[0] * 14)
    assert vt.cls is not None and vt.cls.shape == (384,)


def test_vit_sizes_round_to_a_multiple_of_the_patch(picture):
    vt = create_encoder("vit_small_patch14_dinov2", weights="random").encode(picture, 230)
    assert vt.input_size == (224, 224) and vt.grid == (16, 16)


def test_tokens_are_the_patch_tokens_without_the_class_token(picture):
    enc = create_encoder("vit_small_patch14_dinov2", weights="random")
    x, _ = enc.preprocess(picture, 224)
    with torch.inference_mode():
        full = enc.model.forward_features(x)[0]  # [1 + 256, 384]
    vt = enc.encode(picture, 224)
    torch.testing.assert_close(vt.cls, full[0])
    torch.testing.assert_close(vt.tokens, full[1:])


def test_siglip_has_no_class_token(picture):
    vt = create_encoder("vit_base_patch16_siglip_224", weights="random").encode(picture, 224)
    assert vt.cls is None and vt.grid == (14, 14)


def test_mobilenet_at_336_gives_11x11_cells_with_stage_shapes(picture):
    vt = create_encoder("mobilenetv2_100", weights="random").encode(picture, 336)
    assert vt.grid == (11, 11) and vt.tokens.shape == (121, 1280) and vt.patch_px == 32
    assert [s["stride"] for s in vt.stages] == [2, 4, 8, 16, 32]
    assert vt.stages[-1]["grid"] == (11, 11)


def test_swin_records_its_stages_and_windows(picture):
    vt = create_encoder("swin_tiny_patch4_window7_224", weights="random").encode(picture, 224)
    assert vt.family == "hybrid" and vt.grid == (7, 7)
    assert [s["grid"] for s in vt.stages] == [(56, 56), (28, 28), (14, 14), (7, 7)]
    assert vt.extra["window_size"] == (7, 7)


def test_cnn_stem_vit_grid_matches_token_count_at_odd_sizes(picture):
    vt = create_encoder("vit_small_r26_s32_224", weights="random").encode(picture, 336)
    assert vt.grid[0] * vt.grid[1] == vt.num_tokens == 121


def test_normalisation_comes_from_the_models_data_config():
    for name in ("tf_efficientnet_lite0", "vit_small_patch14_dinov2"):
        enc = create_encoder(name, weights="random")
        cfg = timm.data.resolve_model_data_config(enc.model)
        assert enc.mean == tuple(cfg["mean"]) and enc.std == tuple(cfg["std"])
    assert create_encoder("tf_efficientnet_lite0", weights="random").mean == (0.5, 0.5, 0.5)


def test_preprocess_normalises_with_mean_and_std():
    enc = create_encoder("tf_efficientnet_lite0", weights="random")  # mean = std = 0.5
    grey = Image.new("RGB", (50, 50), (128, 128, 128))
    x, resized = enc.preprocess(grey, 224)
    assert x.shape == (1, 3, 224, 224) and resized.size == (224, 224)
    assert torch.allclose(x, torch.full_like(x, (128 / 255 - 0.5) / 0.5), atol=1e-6)


def test_random_weights_are_recorded_on_every_result(picture):
    vt = create_encoder("resnet50", weights="random").encode(picture, 224)
    assert vt.weights_source == "random" and not vt.meaningful
    assert {"preprocess_ms", "forward_ms", "total_ms"} <= set(vt.timings)


def test_unknown_weight_choice_is_refused():
    with pytest.raises(ValueError):
        create_encoder("resnet50", weights="imagenet")


def test_hub_choice_without_the_hub_fails_plainly():
    with pytest.raises(RuntimeError, match="No hub weights"):
        create_encoder("resnet50", weights="hub", cache=False)


def test_concurrent_encodes_keep_their_own_stage_records(picture):
    enc = create_encoder("mobilenetv2_100", weights="random")
    results = {}

    def work(size):
        results[size] = enc.encode(picture, size)

    threads = [threading.Thread(target=work, args=(s,)) for s in (224, 320, 224, 320)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[224].stages[-1]["grid"] == (7, 7) and len(results[224].stages) == 5
    assert results[320].stages[-1]["grid"] == (10, 10) and len(results[320].stages) == 5


@pytest.mark.parametrize("name", ["vit_small_patch14_dinov2", "mobilenetv2_100", "tf_efficientnet_lite0"])
def test_offline_encoders_load_real_weights_without_the_hub(name):
    enc = create_encoder(name)  # auto: Hub unreachable -> offline pack
    assert enc.weights_source == "offline-pack"
    fresh = timm.create_model(enc.spec.architecture, pretrained=False)
    a = next(p for n, p in enc.model.named_parameters() if p.ndim == 4)
    b = next(p for n, p in fresh.named_parameters() if p.ndim == 4)
    assert not torch.allclose(a.float(), b.float())


def test_hub_probe_fails_fast_on_a_closed_port(monkeypatch):
    import socket
    import time

    from vlmtok import hub

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    hub.hub_available.cache_clear()
    try:
        t0 = time.perf_counter()
        assert hub.hub_available() is False
        assert time.perf_counter() - t0 < 2.5
    finally:
        hub.hub_available.cache_clear()


def test_local_hf_cache_file_is_preferred(monkeypatch, tmp_path):
    """A model already in the Hugging Face cache loads from that file, offline, and says 'hub'."""
    model = timm.create_model("mobilenetv2_100", pretrained=False)
    torch.nn.init.constant_(model.conv_stem.weight, 0.25)
    path = tmp_path / "model.safetensors"
    from safetensors.torch import save_file

    save_file(model.state_dict(), str(path))
    monkeypatch.setattr(timm_encoder, "_local_hub_file", lambda timm_name: str(path))
    enc = create_encoder("mobilenetv2_100", cache=False)
    assert enc.weights_source == "hub"
    assert torch.all(enc.model.conv_stem.weight == 0.25)


def test_smolvlm_vision_tower_goes_through_the_registry(picture, monkeypatch):
    """``create_encoder("smolvlm-256m")`` reaches SmolVLM's builder; a tiny model stands in for the 256M one."""
    from helpers import TINY, tiny_smolvlm

    from vlmtok.encoders import smolvlm as smolvlm_encoder

    monkeypatch.setattr(smolvlm_encoder, "random_smolvlm_shared", lambda model_id: tiny_smolvlm())
    enc = create_encoder("smolvlm-256m", weights="random")
    vt = enc.encode(picture)
    assert enc.name == "smolvlm-256m" and vt.family == "vlm" and vt.grid == TINY.token_grid
    assert vt.num_tokens == TINY.tokens_per_tile * len(vt.extra["tiles"]) and vt.weights_source == "random"
    assert vt.extra["model_id"] == "tiny-idefics3"


@pytest.mark.slow
def test_smolvlm_vision_tower_is_in_the_registry(picture):
    """Random weights here (no Hub); the architecture is the real one: 64 tokens per 512 px tile."""
    enc = create_encoder("smolvlm-256m", weights="random")
    vt = enc.encode(picture)
    assert vt.family == "vlm" and vt.grid == (8, 8)
    assert vt.num_tokens == 64 * len(vt.extra["tiles"]) and vt.weights_source == "random"


def test_resize_matches_pillows_bicubic_within_one_level(picture):
    """The fast torch resize must give the picture Pillow's antialiased bicubic would (timm's own transform)."""
    enc = create_encoder("tf_efficientnet_lite0", weights="random")
    for size in (224, (96, 160), 448):
        _, resized = enc.preprocess(picture, size)
        h, w = enc.input_size(size)
        ref = np.asarray(picture.resize((w, h), Image.Resampling.BICUBIC), dtype=np.int16)
        diff = np.abs(np.asarray(resized, dtype=np.int16) - ref)
        assert resized.size == (w, h) and diff.max() <= 2 and diff.mean() < 0.05


@pytest.mark.parametrize("size", [225, 250])
def test_swin_takes_sizes_that_are_not_a_multiple_of_its_patch(picture, size):
    vt = create_encoder("swin_tiny_patch4_window7_224", weights="random").encode(picture, size)
    assert vt.input_size[0] % 4 == 0 and vt.num_tokens == vt.grid[0] * vt.grid[1]


# ---------------------------------------------------------------------------------------------- the seed's table


def test_eva_clip_and_coatnet_are_registered_with_plain_names():
    eva, coat = get_spec("eva02_base_patch16_clip_224"), get_spec("coatnet_0_rw_224")
    assert (eva.family, eva.plain_name) == ("vit", "EVA-CLIP ViT-B/16") and timm.is_model(eva.timm_name)
    assert (coat.family, coat.plain_name) == ("hybrid", "CoAtNet-0") and timm.is_model(coat.timm_name)
    assert all(s.label for s in encoder_specs())                       # every listed encoder has a plain name


@pytest.mark.parametrize("name,family,size,grid,patch", [
    ("eva02_tiny_patch14_224", "vit", 336, (24, 24), 14),             # EVA-02, rotary positions, any size
    pytest.param("coatnet_nano_rw_224", "hybrid", 448, (14, 14), 32,  # one-size attention tables: a copy for 448
                 marks=pytest.mark.slow),
    ("convnext_nano", "cnn", 224, (7, 7), 32),                        # any timm name: family from the model
])
def test_any_timm_name_gives_its_grid_from_the_model_itself(picture, name, family, size, grid, patch):
    assert name not in list_encoders()
    enc = create_encoder(name, weights="random")
    vt = enc.encode(picture, size)
    assert (vt.family, vt.grid, vt.patch_px) == (family, grid, patch)
    assert vt.input_size == (grid[0] * patch, grid[1] * patch) and vt.num_tokens == grid[0] * grid[1]
    assert name not in list_encoders()                                # resolved, built, never listed


@pytest.mark.slow
def test_one_size_models_share_weights_across_sizes(picture):
    enc = create_encoder("coatnet_nano_rw_224", weights="random")
    enc.encode(picture, 448)
    copy = enc._model_at((448, 448))
    assert copy is not enc.model
    same = copy.state_dict()["stem.conv1.weight"], enc.model.state_dict()["stem.conv1.weight"]
    torch.testing.assert_close(*same)


def test_names_that_cannot_tokenise_get_plain_messages():
    from vlmtok.encoders import NoTokenGridError, TooLargeError, UnknownEncoderError
    from vlmtok.encoders.timm_encoder import probe_timm_model

    with pytest.raises(UnknownEncoderError) as err:
        create_encoder("not_a_model_at_all")
    assert "not_a_model_at_all" in err.value.user_message_for("vi")
    with pytest.raises(TooLargeError) as err:
        create_encoder("eva_giant_patch14_clip_224")                     # 1 B parameters: refused on shapes alone
    assert "1013" in err.value.user_message_for("en")
    spec = probe_timm_model("resnet18")
    assert spec.family == "cnn" and spec.default_size == 224
    with pytest.raises(NoTokenGridError) as err:
        timm_encoder._split_tokens(None, torch.zeros(1, 512), (224, 224), 32, "pooled")
    assert "pooled" in err.value.user_message_for("en")


def test_weights_are_told_before_anything_loads():
    from vlmtok.encoders import expected_weights

    assert expected_weights("mobilenetv2_100") == "offline-pack"        # a pack exists (HF_HUB_OFFLINE in tests)
    assert expected_weights("coatnet_0_rw_224") == "random"
    assert expected_weights("smolvlm-256m") in ("hub", "random")
