"""Which input tokens became one output token: merge groups, pixel-shuffle blocks, pooled cells.

Drawn from ``Compressed.assignment`` (``LongTensor[N]``: input token -> output index) alone, so one picture
serves token merging (groups anywhere on the grid), pixel shuffle (s × s blocks, as SmolVLM's connector does) and
average pooling. Cells of one group share a tint; a white line separates cells that belong to different groups.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np
import torch
from PIL import Image

from vlmtok.encoders import VisionTokens
from vlmtok.visualize import _draw
from vlmtok.visualize._draw import frame, scaled

log = logging.getLogger(__name__)

BOUNDARY_COLOUR = (255, 255, 255)
TINT_ALPHA = 0.5

METHOD_TEXT = {
    "merge": "token merging: similar tokens averaged into one (groups may be far apart)",
    "pixel_shuffle": "pixel shuffle: each block of patches becomes one language-model token (channels stacked)",
    "pool": "average pooling: each block of cells averaged into one token",
}


def group_members(assignment: torch.Tensor, m: int | None = None) -> list[list[int]]:
    """Input token indices of each output token: ``groups[k]`` lists the inputs merged into output ``k``."""
    a = assignment.long().cpu().numpy()
    m = int(a.max()) + 1 if m is None else m
    order = np.argsort(a, kind="stable")
    bounds = np.searchsorted(a[order], np.arange(m + 1))
    return [order[bounds[k]:bounds[k + 1]].tolist() for k in range(m)]


def label_panel(labels: np.ndarray, cell_px: int, size_hw: tuple[int, int], scale: float) -> np.ndarray:
    """Per-pixel group label ``[H*scale, W*scale]`` (nearest, so group edges fall on cell edges)."""
    px = _draw.cells_to_pixels(labels, cell_px, size_hw)  # [H, W]
    if scale == 1:
        return px
    h, w = round(size_hw[0] * scale), round(size_hw[1] * scale)
    rows = np.minimum((np.arange(h) / scale).astype(np.int64), size_hw[0] - 1)
    cols = np.minimum((np.arange(w) / scale).astype(np.int64), size_hw[1] - 1)
    return px[rows][:, cols]


def boundary_mask(labels_px: np.ndarray) -> np.ndarray:
    """True on the first pixel of a new group along each row and column ``[H, W]``."""
    mask = np.zeros(labels_px.shape, bool)
    mask[:, 1:] |= labels_px[:, 1:] != labels_px[:, :-1]
    mask[1:, :] |= labels_px[1:, :] != labels_px[:-1, :]
    return mask


def compression_panel(vt: VisionTokens, assignment: torch.Tensor, scale: float = 2.0,
                      tint_singletons: bool = False) -> Image.Image:
    """The painting with each output token's cells tinted alike and group borders in white."""
    labels = assignment.long().cpu().numpy().reshape(vt.grid)  # [h, w]
    m = int(labels.max()) + 1
    sizes = np.bincount(labels.ravel(), minlength=m)
    px = label_panel(labels, vt.patch_px, vt.input_size, scale)  # [H', W']
    base = np.asarray(scaled(vt.input_image, scale), dtype=np.float32)
    tint = _draw.group_colours(m)[px].astype(np.float32)  # [H', W', 3]
    tinted = (sizes[px] > 1) | tint_singletons
    out = np.where(tinted[..., None], base * (1 - TINT_ALPHA) + tint * TINT_ALPHA, base)
    edge = boundary_mask(px)
    edge[:, 1:] |= edge[:, :-1].copy()  # two pixels wide from scale 2 on: readable on a tablet
    out[edge] = BOUNDARY_COLOUR
    return Image.fromarray(out.round().astype(np.uint8))


def compression_picture(vt: VisionTokens, comp: Any, *, scale: float = 2.0, lang: str = "en") -> Image.Image:
    """Picture of one compression result (``vlmtok.tokens.Compressed``) on the grid it came from.

    Args:
        vt: the tokens before compression (their grid and input picture).
        comp: has ``assignment [N]``, ``tokens [M, d]``, ``method`` and ``param`` (ratio or factor).
    """
    assignment = comp.assignment
    if assignment.numel() != vt.num_tokens:
        raise ValueError(f"assignment covers {assignment.numel()} tokens, the grid has {vt.num_tokens}")
    method = str(getattr(comp, "method", "merge"))
    m = int(comp.tokens.shape[0])
    panel = compression_panel(vt, assignment, scale, tint_singletons=method != "merge")
    knob = getattr(comp, "param", None)
    lines = [f"{vt.encoder}: {method}" + (f" ({knob})" if knob is not None else "") + f": {vt.num_tokens} → {m} tokens",
             METHOD_TEXT.get(method, method)]
    if method == "merge":
        lines.append("tinted cells were merged with same-colour cells; untinted cells kept their own token")
    return frame(panel, lines, random_weights=_draw.banner_needed(vt), lang=lang)
