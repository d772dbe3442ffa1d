"""Where a ViT looks: class-token attention for one layer and head, and attention rollout.

The weights are read by ``vlmtok.encoders.attention`` (removable hooks on q and k, recomputed exactly as the
unfused path does). A comparison asks the encoder for them in the forward pass that makes the tokens
(``encode(..., attention=True)`` leaves ``extra["rollout"]``); ``capture_attention`` runs the model once more for
everything else (one layer, one head).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from vlmtok.encoders import Encoder, VisionTokens
from vlmtok.encoders.attention import QKRecorder, attention_modules, rollout
from vlmtok.visualize import _draw
from vlmtok.visualize._draw import frame

log = logging.getLogger(__name__)


@dataclass
class AttentionMaps:
    """Attention weights of every block of a ViT for one picture.

    Attributes:
        layers: per block ``[heads, T, T]`` (rows: queries, columns: keys; ``T = prefix + N``).
        prefix: leading non-patch tokens (class token, registers).
        has_cls: whether token 0 is a class token.
        grid: the patch grid ``(h, w)``.
    """

    layers: list[torch.Tensor]
    prefix: int
    has_cls: bool
    grid: tuple[int, int]


def capture_attention(encoder: Encoder, vt: VisionTokens) -> AttentionMaps:
    """Run the encoder once more on the picture it saw and return every block's attention weights."""
    model = encoder.model
    x, _ = encoder.preprocess(vt.input_image, vt.input_size)  # [1, 3, H, W]
    recorder = QKRecorder(attention_modules(model))
    try:
        with torch.inference_mode():
            model.forward_features(x.to(encoder.device, encoder.dtype))
    finally:
        recorder.remove()
    return AttentionMaps(recorder.weights(), int(getattr(model, "num_prefix_tokens", 0)),
                         bool(getattr(model, "has_class_token", False)), vt.grid)


def cls_attention(maps: AttentionMaps, layer: int = -1, head: int | None = None) -> np.ndarray:
    """Class-token attention to each patch ``[h, w]`` for one layer (and one head, or the mean of heads).

    Without a class token (SigLIP) this is the mean attention each patch receives from all tokens.
    """
    a = maps.layers[layer]  # [heads, T, T]
    a = a.mean(0) if head is None else a[head]  # [T, T]
    row = a[0] if maps.has_cls else a.mean(0)  # [T]
    return row[maps.prefix:].numpy().reshape(maps.grid)


def attention_rollout(maps: AttentionMaps, head_fusion: str = "mean") -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020): ``R = prod_l norm(0.5 A_l + 0.5 I)``, the residual as identity.

    Returns the class token's row of ``R`` over the patches ``[h, w]`` (mean over rows without a class token).
    """
    return rollout(maps.layers, maps.has_cls, maps.prefix, maps.grid, head_fusion).numpy()


def attention_picture(vt: VisionTokens, attn: np.ndarray, title: str, *, scale: float = 1.0, alpha: float = 0.7,
                      lang: str = "en") -> Image.Image:
    """An attention map ``[h, w]`` over the painting (yellow = most attention)."""
    panel = _draw.cell_map_picture(vt, _draw.colormap(attn), scale, alpha)
    lines = [f"{vt.encoder}: {title}", (f"share of attention per patch: {attn.min():.4f} (dark) to "
                                        f"{attn.max():.4f} (yellow); the patches sum to {attn.sum():.2f}")]
    return frame(panel, lines, random_weights=_draw.banner_needed(vt), lang=lang)


def cls_attention_picture(encoder: Encoder, vt: VisionTokens, layer: int = -1, head: int | None = None, *,
                          scale: float = 1.0, lang: str = "en") -> Image.Image:
    """Capture and draw one layer's class-token attention (mean attention received without a class token)."""
    maps = capture_attention(encoder, vt)
    n = len(maps.layers)
    who = "class token" if maps.has_cls else "all tokens (mean attention received; no class token)"
    title = f"attention from {who}, layer {layer % n + 1}/{n}, " + ("mean of heads" if head is None else f"head {head}")
    return attention_picture(vt, cls_attention(maps, layer, head), title, scale=scale, lang=lang)


def rollout_picture(encoder: Encoder | None, vt: VisionTokens, *, scale: float = 1.0,
                    lang: str = "en") -> Image.Image:
    """Draw attention rollout through all layers: read in the encode itself when it was asked for
    (``vt.extra["rollout"]``, no second forward pass), else captured now from ``encoder``."""
    if "rollout" in vt.extra:
        return attention_picture(vt, vt.extra["rollout"], "attention rollout through every layer", scale=scale,
                                 lang=lang)
    maps = capture_attention(encoder, vt)
    return attention_picture(vt, attention_rollout(maps), f"attention rollout through {len(maps.layers)} layers",
                             scale=scale, lang=lang)
