"""Where a ViT looks: class-token attention for one layer and head, and attention rollout.

timm's fused attention (``scaled_dot_product_attention``) never materialises the weights, so we do not ask it
to. Removable forward hooks read each block's queries and keys (the outputs of ``attn.q_norm`` and
``attn.k_norm``, identity layers unless the model normalises q and k) and the weights are recomputed as
``softmax(q k^T / sqrt(d_head))``, exactly what the non-fused path computes. The model is never edited, no flag
is flipped, and the hooks are removed in ``finally``; a hook only records calls from the thread that set it, so
visitors sharing one encoder do not see each other's maps.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from vlmtok.encoders import Encoder, VisionTokens
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


def _attention_modules(model: torch.nn.Module) -> list[torch.nn.Module]:
    blocks = getattr(model, "blocks", None)
    mods = [b.attn for b in blocks if hasattr(getattr(b, "attn", None), "q_norm")] if blocks is not None else []
    if not mods:
        raise ValueError(f"{type(model).__name__} has no global self-attention blocks to read (ViTs only)")
    return mods


class _QKRecorder:
    """Forward hooks on ``q_norm`` / ``k_norm`` of each attention module, for the calling thread only."""

    def __init__(self, modules: list[torch.nn.Module]):
        self.owner = threading.get_ident()
        self.q: list[torch.Tensor | None] = [None] * len(modules)
        self.k: list[torch.Tensor | None] = [None] * len(modules)
        self.handles = []
        for i, m in enumerate(modules):
            self.handles.append(m.q_norm.register_forward_hook(self._hook(self.q, i)))
            self.handles.append(m.k_norm.register_forward_hook(self._hook(self.k, i)))

    def _hook(self, store: list, i: int):
        def hook(_module, _inputs, out):
            if threading.get_ident() == self.owner:
                store[i] = out.detach()  # [B, heads, T, d_head]
        return hook

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def capture_attention(encoder: Encoder, vt: VisionTokens) -> AttentionMaps:
    """Run the encoder once more on the picture it saw and return every block's attention weights."""
    model = encoder.model
    modules = _attention_modules(model)
    x, _ = encoder.preprocess(vt.input_image, vt.input_size)  # [1, 3, H, W]
    recorder = _QKRecorder(modules)
    try:
        with torch.inference_mode():
            model.forward_features(x.to(encoder.device, encoder.dtype))
    finally:
        recorder.remove()
    layers = []
    for m, q, k in zip(modules, recorder.q, recorder.k):
        scale = float(getattr(m, "scale", q.shape[-1] ** -0.5))
        layers.append(((q[0].float() * scale) @ k[0].float().transpose(-2, -1)).softmax(-1).cpu())  # [heads, T, T]
    return AttentionMaps(layers, int(getattr(model, "num_prefix_tokens", 0)),
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
    t = maps.layers[0].shape[-1]
    eye = torch.eye(t)
    rollout = eye.clone()
    for a in maps.layers:
        fused = a.mean(0) if head_fusion == "mean" else a.amax(0)  # [T, T]
        fused = 0.5 * fused + 0.5 * eye
        fused = fused / fused.sum(-1, keepdim=True)
        rollout = fused @ rollout  # [T, T]
    row = rollout[0] if maps.has_cls else rollout.mean(0)
    return row[maps.prefix:].numpy().reshape(maps.grid)


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


def rollout_picture(encoder: Encoder, vt: VisionTokens, *, scale: float = 1.0, lang: str = "en") -> Image.Image:
    """Capture and draw attention rollout through all layers."""
    maps = capture_attention(encoder, vt)
    return attention_picture(vt, attention_rollout(maps), f"attention rollout through {len(maps.layers)} layers",
                             scale=scale, lang=lang)
