"""What every encoder gives and promises: ``VisionTokens``, the ``Encoder`` protocol and the registry's ``EncoderSpec``.

An encoder of any kind (a timm ViT, CNN or hybrid, SmolVLM's own vision tower) has a name, a family, a weight source
and ``encode(image, size) -> VisionTokens``; everything above the encoders (tokens, ledger, pictures, app) reads
only this.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import torch
from PIL import Image

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


@runtime_checkable
class Encoder(Protocol):
    """What the rest of vlmtok may rely on, whatever the kind of encoder.

    Attributes:
        name: the registry name; ``family``: "vit", "cnn", "hybrid" or "vlm".
        weights_source: "hub", "offline-pack" or "random" (SmolVLM: "hub", "local-cache" or "random").
        model: the ``torch.nn.Module`` that makes the tokens; ``patch_px``: input pixels per token side.
        mean, std: the normalisation the model was trained with.
    """

    name: str
    family: str
    weights_source: str
    model: torch.nn.Module
    patch_px: int
    mean: tuple[float, ...]
    std: tuple[float, ...]

    @property
    def num_params(self) -> int: ...

    def encode(self, image: Image.Image, size: Any = None) -> VisionTokens: ...


@dataclass(frozen=True)
class EncoderSpec:
    """One entry of the registry: a model, its family, its plain name, and what makes it a tokenizer.

    ``timm_name`` may carry a pretrained tag (``.openai``) that picks the Hub weights; the offline packs are keyed
    by the architecture (the part before the dot).
    """

    name: str
    timm_name: str
    family: str
    default_size: int
    summary: str
    timm_kwargs: tuple[tuple[str, Any], ...] = ()
    label: str = ""              # the plain name a teacher knows ("DINOv2 ViT-S/14"); default: ``name``

    @property
    def architecture(self) -> str:
        return self.timm_name.split(".")[0]

    @property
    def plain_name(self) -> str:
        return self.label or self.name
