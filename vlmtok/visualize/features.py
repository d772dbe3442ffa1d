"""What the tokens see: PCA colours (DINOv2-style), token norms, and similarity to a tapped patch.

Every map is per token (one colour per cell, drawn with nearest upsampling so cells stay visible).
With random weights the pictures are drawn all the same, under the red banner: the colours mean nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw

from vlmtok.encoders import VisionTokens
from vlmtok.visualize import _draw
from vlmtok.visualize._draw import GRID_COLOUR, frame

log = logging.getLogger(__name__)

BACKGROUND_RGB = (0, 0, 0)   # DINOv2's convention: background tokens black, foreground in PCA colours


@dataclass
class PCAResult:
    """PCA of patch tokens.

    Attributes:
        rgb: ``[h, w, 3]`` uint8 token colours (background black when ``foreground`` split is used).
        foreground: ``[h, w]`` bool, tokens on the first component's foreground side.
        first: ``[h, w]`` first-component score, oriented so foreground is positive-side.
        threshold: the Otsu threshold on ``first`` that split foreground from background.
        explained: variance share of the first three components (all tokens).
    """

    rgb: np.ndarray
    foreground: np.ndarray
    first: np.ndarray
    threshold: float
    explained: tuple[float, ...]


def _principal(x: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Scores ``[N, k]`` on the top-k principal axes and the variance share of each (exact).

    One product and one symmetric eigendecomposition of the smaller side: the Gram matrix ``[N, N]`` when there
    are fewer tokens than channels, else the scatter matrix ``[d, d]`` (a full SVD took 0.2-2 s here). Signs are
    fixed so each axis's largest |score| is positive, so the colours do not flip between runs.
    """
    xc = x - x.mean(0, keepdim=True)  # [N, d]
    n, d = xc.shape
    k = min(k, n, d)
    if n <= d:
        w, u = torch.linalg.eigh(xc @ xc.T)  # ascending; u [N, N]
        scores = u[:, -k:].flip(1) * w[-k:].flip(0).clamp_min(0).sqrt()  # [N, k]
    else:
        w, v = torch.linalg.eigh(xc.T @ xc)  # v [d, d]
        scores = xc @ v[:, -k:].flip(1)  # [N, k]
    flip = torch.sign(scores.gather(0, scores.abs().argmax(0, keepdim=True)))
    share = w[-k:].flip(0).clamp_min(0) / w.clamp_min(0).sum().clamp_min(1e-12)
    return scores * torch.where(flip == 0, 1.0, flip), share


def otsu_threshold(values: np.ndarray) -> float:
    """Threshold maximising the between-class variance of two groups (exhaustive over sorted midpoints)."""
    v = np.sort(values.ravel().astype(np.float64))
    if v[0] == v[-1]:
        return float(v[0])
    n = len(v)
    csum = np.cumsum(v)
    k = np.arange(1, n)  # split after k values
    m0, m1 = csum[:-1] / k, (csum[-1] - csum[:-1]) / (n - k)
    between = k * (n - k) * (m0 - m1) ** 2
    best = int(np.argmax(between))
    return float((v[best] + v[best + 1]) / 2)


def _border(grid: tuple[int, int]) -> np.ndarray:
    h, w = grid
    mask = np.zeros((h, w), bool)
    mask[0, :] = mask[-1, :] = mask[:, 0] = mask[:, -1] = True
    return mask


def pca_tokens(vt: VisionTokens, foreground: bool = True) -> PCAResult:
    """DINOv2-style PCA: the first component splits foreground from background; 3 more colour the foreground.

    The first component's sign is arbitrary, so it is oriented so that the background is the side that
    touches the picture's border more (a subject rarely fills the frame's edge). The threshold is Otsu's.
    With ``foreground=False`` the first three components of all tokens become RGB directly.
    """
    h, w = vt.grid
    x = vt.tokens.float().contiguous()  # [N, d]; CNN tokens arrive as a transposed view
    scores, share = _principal(x, 3)
    first = scores[:, 0].numpy().reshape(h, w)
    thr = otsu_threshold(first)
    fg = first > thr
    border = _border(vt.grid)
    if fg[border].mean() > (~fg)[border].mean():  # the "foreground" side owns the border: swap sides
        first, thr, fg = -first, -thr, first <= thr
    if not foreground:
        return PCAResult(_to_rgb(scores.numpy()).reshape(h, w, 3), np.ones((h, w), bool), first, thr,
                         tuple(share.tolist()))
    rgb = np.zeros((h * w, 3), np.uint8)
    rgb[:] = BACKGROUND_RGB
    idx = np.flatnonzero(fg.ravel())
    if len(idx) >= 2:
        fg_scores, _ = _principal(x[torch.from_numpy(idx)], 3)  # [n_fg, <=3]
        rgb[idx] = _to_rgb(fg_scores.numpy())
    return PCAResult(rgb.reshape(h, w, 3), fg, first, thr, tuple(share.tolist()))


def _to_rgb(scores: np.ndarray) -> np.ndarray:
    """Min-max each component to 0..255; missing components (fewer tokens than 3) stay mid-grey."""
    out = np.full((scores.shape[0], 3), 128, np.uint8)
    for c in range(min(3, scores.shape[1])):
        s = scores[:, c]
        out[:, c] = np.round(255 * (s - s.min()) / max(float(s.max() - s.min()), 1e-12)).astype(np.uint8)
    return out


def pca_picture(vt: VisionTokens, *, scale: float = 1.0, foreground: bool = True, alpha: float = 1.0,
                lang: str = "en") -> Image.Image:
    """PCA colours per token (background black), at ``scale``; ``alpha < 1`` lets the painting show through."""
    res = pca_tokens(vt, foreground)
    panel = _draw.cell_map_picture(vt, res.rgb, scale, alpha)
    share = ", ".join(f"{100 * s:.0f}%" for s in res.explained)
    lines = [f"{vt.encoder}: what the tokens see (PCA)",
             (f"first component splits {int(res.foreground.sum())} foreground tokens from "
              f"{int((~res.foreground).sum())} background (black); colours: next 3 components"),
             f"variance of the first three components: {share}"]
    if not foreground:
        lines[1] = "colours: first 3 principal components of all tokens"
    return frame(panel, lines, random_weights=_draw.banner_needed(vt), lang=lang)


# ----------------------------------------------------------------------------------------------------------------
# Token norms


def token_norms(vt: VisionTokens) -> np.ndarray:
    """L2 norm of each token ``[h, w]`` (ViTs show a few very high-norm "register-like" outliers)."""
    return vt.tokens.float().norm(dim=1).numpy().reshape(vt.grid)


def norm_picture(vt: VisionTokens, *, scale: float = 1.0, alpha: float = 0.65, lang: str = "en") -> Image.Image:
    """Token-norm heat map over the painting (viridis: dark = small, yellow = large)."""
    norms = token_norms(vt)
    panel = _draw.cell_map_picture(vt, _draw.colormap(norms), scale, alpha)
    lines = [f"{vt.encoder}: token norms", (f"min {norms.min():.1f}, median {np.median(norms):.1f}, "
                                             f"max {norms.max():.1f} (dark = small, yellow = large)")]
    return frame(panel, lines, random_weights=_draw.banner_needed(vt), lang=lang)


# ----------------------------------------------------------------------------------------------------------------
# Similarity to a tapped patch


def tap_to_cell(vt: VisionTokens, xy: tuple[float, float], from_size: tuple[int, int] | None = None) -> tuple[int, int]:
    """The token cell ``(row, col)`` under a tap.

    Args:
        xy: ``(x, y)`` pixel of the tap, in the picture that was shown.
        from_size: ``(width, height)`` of that picture; it must show the whole artwork (the original upload, the
            encoder's input, or a scaled copy of either). Default: the encoder's input, ``vt.input_size``.
            The encoder resizes the whole picture without cropping, so one scale per axis maps the tap.
    """
    h_in, w_in = vt.input_size
    fw, fh = from_size or (w_in, h_in)
    x_in, y_in = xy[0] * w_in / fw, xy[1] * h_in / fh
    gh, gw = vt.grid
    row = min(max(int(y_in // vt.patch_px), 0), gh - 1)
    col = min(max(int(x_in // vt.patch_px), 0), gw - 1)
    return row, col


def similarity(vt: VisionTokens, cell: tuple[int, int]) -> np.ndarray:
    """Cosine similarity of every token to the token at ``cell``: ``[h, w]`` in ``[-1, 1]``."""
    t = torch.nn.functional.normalize(vt.tokens.float(), dim=1)  # [N, d]
    q = t[cell[0] * vt.grid[1] + cell[1]]  # [d]
    return (t @ q).clamp(-1, 1).numpy().reshape(vt.grid)


def similarity_picture(vt: VisionTokens, xy: tuple[float, float], *, from_size: tuple[int, int] | None = None,
                       scale: float = 1.0, alpha: float = 0.7, lang: str = "en") -> Image.Image:
    """Colour every token by cosine similarity to the tapped one (yellow = most similar; tapped cell outlined)."""
    cell = tap_to_cell(vt, xy, from_size)
    sim = similarity(vt, cell)
    panel = _draw.cell_map_picture(vt, _draw.colormap(sim, float(sim.min()), 1.0), scale, alpha)
    p = vt.patch_px * scale
    ImageDraw.Draw(panel).rectangle([round(cell[1] * p), round(cell[0] * p), round((cell[1] + 1) * p) - 1,
                                     round((cell[0] + 1) * p) - 1], outline=GRID_COLOUR, width=2)
    lines = [f"{vt.encoder}: similarity to token {cell[0] * vt.grid[1] + cell[1]} (row {cell[0]}, col {cell[1]})",
             f"cosine similarity from {sim.min():.2f} (dark) to 1.00 (yellow, the tapped token itself)"]
    return frame(panel, lines, random_weights=_draw.banner_needed(vt), lang=lang)
