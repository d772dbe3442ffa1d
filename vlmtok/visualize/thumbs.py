"""Pictures for a gallery whose captions are the page's own text (the app): the panel alone, no drawn caption, and
the red random-weights stamp, in letters a tenth of the picture's width, whenever the weights are random.

Every panel is the encoder's input at one display size (``THUMB_PX`` on its longest side), so the thumbnails of
encoders with different input sizes line up.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from vlmtok.encoders import VisionTokens
from vlmtok.visualize import _draw
from vlmtok.visualize.compression import compression_panel
from vlmtok.visualize.features import pca_tokens, similarity, tap_to_cell
from vlmtok.visualize.grid import grid_panel

THUMB_PX = 320


def _scale(vt: VisionTokens, px: int) -> float:
    return px / max(vt.input_size)


def _stamped(panel: Image.Image, vt: VisionTokens, lang: str) -> Image.Image:
    return _draw.frame(panel, [], random_weights=_draw.banner_needed(vt), lang=lang)


def grid_thumb(vt: VisionTokens, *, px: int = THUMB_PX, lang: str = "en") -> Image.Image:
    """The cells the encoder saw, on the picture it received."""
    return _stamped(grid_panel(vt, _scale(vt, px)), vt, lang)


def pca_thumb(vt: VisionTokens, *, px: int = THUMB_PX, lang: str = "en") -> Image.Image:
    """PCA colours per token (background black), as ``pca_picture`` without its caption."""
    return _stamped(_draw.cell_map_picture(vt, pca_tokens(vt).rgb, _scale(vt, px), 1.0), vt, lang)


def heat_thumb(vt: VisionTokens, values: np.ndarray, *, px: int = THUMB_PX, lang: str = "en") -> Image.Image:
    """A per-token map ``[h, w]`` (attention rollout, say) over the painting, yellow = most."""
    return _stamped(_draw.cell_map_picture(vt, _draw.colormap(values), _scale(vt, px), 0.7), vt, lang)


def merge_thumb(vt: VisionTokens, comp: Any, *, px: int = THUMB_PX, lang: str = "en") -> Image.Image:
    """Which tokens were merged together (``Compressed.assignment``)."""
    method = str(getattr(comp, "method", "merge"))
    panel = compression_panel(vt, comp.assignment, _scale(vt, px), tint_singletons=method != "merge")
    return _stamped(panel, vt, lang)


def similarity_thumb(vt: VisionTokens, xy: tuple[float, float], *, from_size: tuple[int, int] | None = None,
                     px: int = THUMB_PX, lang: str = "en") -> Image.Image:
    """Cosine similarity of every token to the tapped one (yellow = most similar, the tapped cell outlined)."""
    cell = tap_to_cell(vt, xy, from_size)
    sim = similarity(vt, cell)
    s = _scale(vt, px)
    panel = _draw.cell_map_picture(vt, _draw.colormap(sim, float(sim.min()), 1.0), s, 0.7)
    p = vt.patch_px * s
    ImageDraw.Draw(panel).rectangle([round(cell[1] * p), round(cell[0] * p), round((cell[1] + 1) * p) - 1,
                                     round((cell[0] + 1) * p) - 1], outline=_draw.GRID_COLOUR, width=3)
    return _stamped(panel, vt, lang)
