"""Pictures of attention across scales and of the resampler: where a tapped fine token looks at the coarse scale,
and what each of a resampler's M latent tokens gathered.

Both are training-free (``vlmtok.tokens.attention_fuse``, ``resample_tokens``); with random weights the pictures
carry the red banner, and a resampler with random queries says that its groups are geometry only.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from vlmtok.encoders import VisionTokens
from vlmtok.i18n import t
from vlmtok.tokens import attention_fuse, resample_tokens
from vlmtok.visualize import _draw
from vlmtok.visualize._draw import GRID_COLOUR, frame
from vlmtok.visualize.compression import compression_panel
from vlmtok.visualize.features import tap_to_cell

PANEL_PX = 320                 # each half of the fusion picture, longest side


def _outline(panel: Image.Image, cell: tuple[int, int], cell_px: float, width: int = 3) -> None:
    i, j = cell
    ImageDraw.Draw(panel).rectangle([round(j * cell_px), round(i * cell_px), round((j + 1) * cell_px) - 1,
                                     round((i + 1) * cell_px) - 1], outline=GRID_COLOUR, width=width)


def fusion_picture(fine: VisionTokens, coarse: VisionTokens, xy: tuple[float, float], *,
                   from_size: tuple[int, int] | None = None, lang: str = "en") -> Image.Image:
    """Left: the tapped token of the fine scale (outlined); right: its attention over the coarse scale's tokens.

    Args:
        fine, coarse: the same encoder at two sizes (one token width).
        xy: the tap ``(x, y)`` in the picture of ``from_size`` (default: the fine input).
    """
    fused = attention_fuse(fine, coarse)
    cell = tap_to_cell(fine, xy, from_size or (fine.input_size[1], fine.input_size[0]))
    row = fused.weights[cell[0] * fine.grid[1] + cell[1]].numpy().reshape(coarse.grid)      # [h_c, w_c]
    s_f, s_c = PANEL_PX / max(fine.input_size), PANEL_PX / max(coarse.input_size)
    left = _draw.scaled(fine.input_image, s_f)
    _outline(left, cell, fine.patch_px * s_f)
    right = _draw.cell_map_picture(coarse, _draw.colormap(row, 0.0, float(row.max())), s_c, 0.7)
    best = np.unravel_index(int(row.argmax()), row.shape)
    _outline(right, (int(best[0]), int(best[1])), coarse.patch_px * s_c, width=2)
    lines = [t("compare.fusion_title", lang, fine=fine.input_size[0], coarse=coarse.input_size[0]),
             t("compare.fusion_where", lang, row=cell[0] + 1, col=cell[1] + 1, n=fine.num_tokens, m=coarse.num_tokens,
               brow=int(best[0]) + 1, bcol=int(best[1]) + 1, share=round(100 * float(row.max()))),
             t("compare.fusion_how", lang)]
    return frame(_draw.hstack([left, right], gap=8), lines,
                 random_weights=_draw.banner_needed(fine) or _draw.banner_needed(coarse), lang=lang)


def resampler_picture(vt: VisionTokens, m: int = 32, *, scale: float | None = None, legend: bool = True,
                      lang: str = "en") -> Image.Image:
    """M latent queries over the tokens: each cell tinted by the latent that gathered most of it, and the
    number of tokens each latent holds (``vlmtok.tokens.resample_tokens``); ``legend=False`` leaves the words to
    the page (the random-weights stamp stays)."""
    res = resample_tokens(vt, m)
    scale = scale or PANEL_PX / max(vt.input_size)
    panel = compression_panel(vt, res.assignment, scale, tint_singletons=True)
    counts = np.bincount(res.assignment.numpy(), minlength=m)
    strip = _latent_strip(counts, panel.width)
    lines = [t("compare.resampler_title", lang, n=vt.num_tokens, m=m),
             t("compare.resampler_how", lang, used=int((counts > 0).sum()), m=m, most=int(counts.max())),
             t("compare.resampler_random" if res.random_queries else "compare.resampler_learned", lang)]
    return frame(_draw.vstack([panel, strip]), lines if legend else [], random_weights=_draw.banner_needed(vt),
                 lang=lang)


def _latent_strip(counts: np.ndarray, width: int) -> Image.Image:
    """One swatch per latent in its tint, as tall as the share of tokens it gathered."""
    m = len(counts)
    h = 40
    out = Image.new("RGB", (width, h), _draw.PAPER)
    draw = ImageDraw.Draw(out)
    colours = _draw.group_colours(m)
    w = width / m
    top = max(int(counts.max()), 1)
    for k, c in enumerate(counts):
        bar = round((h - 4) * c / top)
        draw.rectangle([round(k * w) + 1, h - 2 - bar, round((k + 1) * w) - 2, h - 2], fill=tuple(int(v) for v in colours[k]))
    return out
