"""Where the tokens are: the patch grid, Swin's attention windows, stage-to-stage merging, a CNN cell's receptive field.

All geometry is drawn on ``vt.input_image``, the resized picture the encoder received, never on the original.
A line at input column ``x = k * P`` sits at panel column ``round(k * P * scale)``.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw

from vlmtok.encoders import Encoder, VisionTokens
from vlmtok.encoders.timm_encoder import output_fmt
from vlmtok.tokens import TOKEN_BUDGET
from vlmtok.visualize import _draw
from vlmtok.visualize._draw import GRID_COLOUR, frame, scaled

log = logging.getLogger(__name__)

MIN_INDEX_CELL_PX = 18         # smaller cells get no index number: the digits would cover the painting
SHIFT_COLOUR = (0, 200, 255)   # shifted windows: cyan, distinct from the yellow windows
RF_COLOUR = (255, 64, 160)


def grid_lines(length: int, step: int, scale: float) -> np.ndarray:
    """Panel coordinates of the lines at input multiples of ``step`` inside ``[0, length)``."""
    ks = np.arange(0, math.ceil(length / step))
    return np.unique(np.round(ks * step * scale).astype(np.int64))


def _line_width(scale: float) -> int:
    return max(1, int(scale // 2))


def draw_grid(img: Image.Image, step: int, scale: float, colour=GRID_COLOUR, width: int | None = None,
              size: tuple[int, int] | None = None) -> None:
    """Paint lines at input multiples of ``step`` on ``img`` (a panel at ``scale``), in place.

    A line at input column ``k * step`` covers panel columns ``round(k * step * scale)`` to ``+ width - 1``.
    ``size``: ``(width, height)`` of the panel region at the top-left (default: the whole image).
    """
    width = width or _line_width(scale)
    w_px, h_px = size or img.size
    draw = ImageDraw.Draw(img)
    for x in grid_lines(round(w_px / scale), step, scale):
        draw.rectangle([int(x), 0, int(x) + width - 1, h_px - 1], fill=colour)
    for y in grid_lines(round(h_px / scale), step, scale):
        draw.rectangle([0, int(y), w_px - 1, int(y) + width - 1], fill=colour)


def token_count_text(vt: VisionTokens) -> str:
    """``N = (H/P)(W/P) = ...`` for ViTs; the ceil form for CNN feature maps (padding makes a last cell)."""
    (h_in, w_in), (gh, gw), p = vt.input_size, vt.grid, vt.patch_px
    if vt.family == "vit" and h_in % p == 0 and w_in % p == 0:
        return f"N = (H/P)(W/P) = ({h_in}/{p})({w_in}/{p}) = {gh} × {gw} = {vt.num_tokens}"
    return f"N = ⌈H/s⌉⌈W/s⌉ = ⌈{h_in}/{p}⌉⌈{w_in}/{p}⌉ = {gh} × {gw} = {vt.num_tokens}"


def unit_text(vt: VisionTokens) -> str:
    if vt.family == "vit":
        return f"P = {vt.patch_px} px patches"
    return f"stride s = {vt.patch_px} px per cell (total downsampling)"


def grid_panel(vt: VisionTokens, scale: float = 1.0, indices: bool = False, colour=GRID_COLOUR) -> Image.Image:
    """The encoder's input at ``scale`` with a line at every multiple of P (or the stride); no caption."""
    panel = scaled(vt.input_image, scale)
    draw_grid(panel, vt.patch_px, scale, colour)
    if indices:
        _draw_indices(panel, vt, scale)
    return panel


def _draw_indices(panel: Image.Image, vt: VisionTokens, scale: float) -> None:
    """Row-major token index in each cell's top-left corner (the order the tokens enter the language model)."""
    cell = vt.patch_px * scale
    if cell < MIN_INDEX_CELL_PX or vt.num_tokens > TOKEN_BUDGET:
        return
    fnt = _draw.font(max(8, min(16, int(cell / 3))))
    draw = ImageDraw.Draw(panel)
    gh, gw = vt.grid
    for i in range(gh):
        for j in range(gw):
            xy = (round(j * cell) + 2, round(i * cell) + 1)
            draw.text(xy, str(i * gw + j), fill=(255, 255, 255), font=fnt, stroke_width=1, stroke_fill=(0, 0, 0))


def patch_grid(vt: VisionTokens, *, scale: float = 1.0, indices: bool = False, legend: bool = True,
               lang: str = "en") -> Image.Image:
    """The exact cells the encoder saw, on the picture it received, with ``N`` and ``P`` below.

    Args:
        vt: an encoder's output (only geometry is read: no model is run).
        scale: panel pixels per input pixel (2 doubles a 224 px input to 448 px).
        indices: write each token's index in its cell (when cells are large enough).
        legend: add the ``N = (H/P)(W/P)`` caption (the random-weights banner is drawn either way).

    Returns:
        RGB picture: panel ``[H*scale, W*scale]`` at the top-left, caption strip below.
    """
    lines = []
    if legend:
        lines = [f"{vt.encoder}: {vt.num_tokens} tokens", token_count_text(vt),
                 f"{unit_text(vt)}; input {vt.input_size[1]} × {vt.input_size[0]} px (what the encoder saw)"]
    alert = [vt.num_tokens > TOKEN_BUDGET]
    if legend and vt.num_tokens > TOKEN_BUDGET:
        lines.append(f"over the {TOKEN_BUDGET}-token budget")
        alert = [True, False, False, True]
    panel = vt.input_image if scale == 1 else scaled(vt.input_image, scale)
    cap = _draw.caption_layout(panel.width, lines, random_weights=_draw.banner_needed(vt), lang=lang, alert=alert)
    out = Image.new("RGB", (panel.width, panel.height + cap.height), _draw.PAPER)  # one canvas: a 2048 px grid
    out.paste(panel, (0, 0))                                                     # costs two copies, not four
    draw_grid(out, vt.patch_px, scale, size=panel.size)
    if indices:
        _draw_indices(out, vt, scale)
    _draw.draw_caption(out, panel.height, cap)
    return out


# ----------------------------------------------------------------------------------------------------------------
# Swin: windows and stages


def swin_geometry(vt: VisionTokens) -> dict[str, int]:
    """Stage-1 patch, window and shift sizes in input pixels (timm Swin: shift = window // 2 patches)."""
    patch = int(vt.extra.get("patch_size", 4))
    win = vt.extra.get("window_size", (7, 7))
    win = int(win[0] if isinstance(win, (tuple, list)) else win)
    shift = int(vt.extra.get("shift_size", win // 2))
    return {"patch_px": patch, "window_tokens": win, "window_px": patch * win, "shift_tokens": shift,
            "shift_px": patch * shift}


def swin_windows(vt: VisionTokens, *, scale: float = 2.0, shifted: bool = True, lang: str = "en") -> Image.Image:
    """Swin's first stage: 4 px patches (faint), 7 × 7-patch attention windows (yellow), shifted windows (cyan).

    Attention is computed only inside a window; the next block shifts the windows by half a window so
    information crosses window borders.
    """
    g = swin_geometry(vt)
    base = scaled(vt.input_image, scale)
    faint = base.copy()
    draw_grid(faint, g["patch_px"], scale, (255, 255, 255), width=1)
    panel = Image.blend(base, faint, 0.3)  # patch lines at 30 %: present, not dominant
    if shifted:
        _dashed_grid(panel, g["window_px"], scale, g["shift_px"], SHIFT_COLOUR)
    draw_grid(panel, g["window_px"], scale, GRID_COLOUR, width=max(2, _line_width(scale)))
    h1, w1 = vt.input_size[0] // g["patch_px"], vt.input_size[1] // g["patch_px"]
    lines = [f"{vt.encoder}: attention windows",
             (f"stage 1: {h1} × {w1} patches of {g['patch_px']} px; attention only inside "
              f"{g['window_tokens']} × {g['window_tokens']}-patch windows ({g['window_px']} px, yellow)"),
             f"next block: windows shifted by {g['shift_tokens']} patches ({g['shift_px']} px, cyan dashes)",
             "merging: " + _merge_chain(vt)]
    return frame(panel, lines, random_weights=_draw.banner_needed(vt), lang=lang)


def _merge_chain(vt: VisionTokens) -> str:
    grids = [f"{s['grid'][0]}×{s['grid'][1]}" for s in vt.stages] or [f"{vt.grid[0]}×{vt.grid[1]}"]
    return " → ".join(grids) + f" = {vt.num_tokens} tokens (2 × 2 neighbours become 1 at each stage)"


def _dashed_grid(img: Image.Image, step: int, scale: float, offset: int, colour, dash: int = 6) -> None:
    """Dashed lines at input ``offset + k * step`` px."""
    width = max(2, _line_width(scale))
    draw = ImageDraw.Draw(img)
    for axis, length in ((0, img.width), (1, img.height)):
        other = img.height if axis == 0 else img.width
        for p in np.round(np.arange(offset, round(length / scale), step) * scale).astype(int):
            for q in range(0, other, 2 * dash):
                box = [p, q, p + width - 1, q + dash - 1] if axis == 0 else [q, p, q + dash - 1, p + width - 1]
                draw.rectangle(box, fill=colour)


def stage_merging(vt: VisionTokens, *, panel_px: int = 224, lang: str = "en") -> Image.Image:
    """One panel per stage (CNN or Swin): its grid, and the 2 × 2 block (cyan) that becomes one cell next stage."""
    stages = vt.stages or [{"name": "output", "grid": vt.grid, "stride": vt.patch_px, "dim": vt.dim}]
    scale = panel_px / max(vt.input_size)
    panels = []
    for k, st in enumerate(stages):
        panel = scaled(vt.input_image, scale)
        draw_grid(panel, st["stride"], scale, GRID_COLOUR, width=1)
        nxt = stages[k + 1] if k + 1 < len(stages) else None
        if nxt is not None:
            _outline_block(panel, nxt["stride"], scale)
        caption = [f"{st['name']}", f"{st['grid'][0]} × {st['grid'][1]}, stride {st['stride']}, d = {st['dim']}"]
        panels.append(frame(panel, caption, random_weights=False, size=13))
    return frame(_draw.hstack(panels, gap=8), [f"{vt.encoder}: stage to stage", _merge_chain(vt)],
                 random_weights=_draw.banner_needed(vt), lang=lang)


def _outline_block(panel: Image.Image, stride: int, scale: float) -> None:
    """Outline the next stage's central cell: the block of this stage's cells it is made of."""
    draw = ImageDraw.Draw(panel)
    cx = (panel.width / scale) // 2 // stride * stride
    cy = (panel.height / scale) // 2 // stride * stride
    box = [round(cx * scale), round(cy * scale), round((cx + stride) * scale) - 1, round((cy + stride) * scale) - 1]
    draw.rectangle(box, outline=SHIFT_COLOUR, width=2)


# ----------------------------------------------------------------------------------------------------------------
# Receptive field (empirical: gradient of one output cell with respect to the input)


@dataclass
class ReceptiveField:
    """Which input pixels one output cell depends on, measured by backpropagation on this very input.

    Attributes:
        cell: ``(row, col)`` in the token grid.
        box: ``(x0, y0, x1, y1)`` input pixels (inclusive-exclusive) where the gradient is non-zero: the
            receptive field as the network actually wired it, clipped to the input.
        grad: ``[H, W]`` |d cell / d pixel| summed over colour channels and feature channels' sum; its mass near
            the cell's centre is the "effective" receptive field.
        cell_box: ``(x0, y0, x1, y1)`` of the cell itself in input pixels.
    """

    cell: tuple[int, int]
    box: tuple[int, int, int, int]
    grad: np.ndarray
    cell_box: tuple[int, int, int, int]


def _feature_map(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Last feature map as ``[C, h, w]`` (CNN NCHW, Swin NHWC) or ViT tokens reshaped to the grid."""
    feats = model.forward_features(x)
    if feats.ndim == 3:  # ViT [1, prefix + N, d]
        return feats[0, int(getattr(model, "num_prefix_tokens", 0)):].T  # [d, N]
    if output_fmt(model) == "NHWC":
        return feats[0].permute(2, 0, 1)  # [C, h, w]
    return feats[0]  # [C, h, w]


def receptive_field(encoder: Encoder, vt: VisionTokens, cell: tuple[int, int]) -> ReceptiveField:
    """Gradient of one output cell (sum over its channels) with respect to every input pixel.

    The sum of channels is linear, so exactly-zero gradient means "this pixel cannot move this cell" (up to
    units a ReLU switched off on this input). Parameter gradients are never accumulated: ``autograd.grad`` asks
    for the input's gradient only, and the model is not modified.
    """
    i, j = cell
    gh, gw = vt.grid
    if not (0 <= i < gh and 0 <= j < gw):
        raise ValueError(f"cell {cell} is outside the {gh} × {gw} grid")
    x, _ = encoder.preprocess(vt.input_image, vt.input_size)  # [1, 3, H, W]
    x = x.to(encoder.device, encoder.dtype).requires_grad_(True)
    with torch.inference_mode(False), torch.enable_grad():
        fmap = _feature_map(encoder.model, x)
        target = fmap[:, i * gw + j] if fmap.ndim == 2 else fmap[:, i, j]
        (grad,) = torch.autograd.grad(target.sum(), x)
    g = grad[0].abs().sum(0).float().cpu().numpy()  # [H, W]
    ys, xs = np.nonzero(g)
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1) if len(xs) else (0, 0, 0, 0)
    p = vt.patch_px
    cell_box = (j * p, i * p, min((j + 1) * p, vt.input_size[1]), min((i + 1) * p, vt.input_size[0]))
    return ReceptiveField(cell=(i, j), box=box, grad=g, cell_box=cell_box)


def _box_blur(a: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)² window (summed-area table), for display: raw input gradients are speckled."""
    p = np.pad(a.astype(np.float64), ((r + 1, r), (r + 1, r)), mode="edge").cumsum(0).cumsum(1)
    k = 2 * r + 1
    h, w = a.shape
    s = p[k:k + h, k:k + w] - p[:h, k:k + w] - p[k:k + h, :w] + p[:h, :w]
    return np.clip(s / (k * k), 0.0, None)  # summed-area differences can dip a hair below zero


def receptive_field_picture(vt: VisionTokens, rf: ReceptiveField, *, scale: float = 2.0,
                            lang: str = "en") -> Image.Image:
    """The effective receptive field as a heat overlay, its full extent (pink box) and the cell (yellow)."""
    g = _box_blur(rf.grad, max(1, vt.patch_px // 8))
    g = np.sqrt(g / max(float(g.max()), 1e-20))  # square root: the tails stay visible
    panel = scaled(_draw.blend(vt.input_image, _draw.colormap(g, 0, 1), 0.55), scale)
    draw = ImageDraw.Draw(panel)
    draw.rectangle([round(v * scale) for v in rf.box[:2]] + [round(v * scale) - 1 for v in rf.box[2:]],
                   outline=RF_COLOUR, width=max(2, _line_width(scale)))
    draw.rectangle([round(v * scale) for v in rf.cell_box[:2]] + [round(v * scale) - 1 for v in rf.cell_box[2:]],
                   outline=GRID_COLOUR, width=max(2, _line_width(scale)))
    x0, y0, x1, y1 = rf.box
    lines = [f"{vt.encoder}: receptive field of cell {rf.cell}",
             (f"pixels that move this cell (gradient ≠ 0): x {x0}..{x1 - 1}, y {y0}..{y1 - 1} "
              f"({x1 - x0} × {y1 - y0} px of a {vt.input_size[1]} × {vt.input_size[0]} input, pink box)"),
             f"cell itself: {vt.patch_px} × {vt.patch_px} px (yellow); colour: gradient strength (smoothed)"]
    return frame(panel, lines, random_weights=_draw.banner_needed(vt), lang=lang)
