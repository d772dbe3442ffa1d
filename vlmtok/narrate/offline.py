"""The offline narrator: describes only what it can measure (colours, light, layout), and says so first.

It is the embedded default when no vision-language model is available (a museum basement, a first start before
``prefetch``). It never names objects: ImageNet labels are mostly wrong on paintings, so they are never used.
Everything it says is computed from pixels in a few tens of milliseconds, with numpy only.

>>> narr = OfflineNarrator().describe(load_image("examples/van_gogh_starry_night.jpg"), NarrationRequest(lang="vi"))
>>> narr.text.split(":")[0]
'Mô tả ngoại tuyến'
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
from PIL import Image

from vlmtok.i18n import normalize_lang
from vlmtok.narrate.base import AUDIENCES, TIERS, Narration, NarrationRequest
from vlmtok.narrate.prompts import fit_words, word_limit

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------------------------
# Measuring: pixels -> ImageFacts
# ---------------------------------------------------------------------------------------------------------------

ANALYSIS_PX = 128             # longest side of the analysed copy: enough for colours and layout, ~10 ms
ACHROMATIC_CHROMA = 12.0      # Lab chroma below which a pixel is a grey (JPEG and varnish tints sit below ~10)
MIN_SHARE = 0.06              # colours covering less than this are not worth a sentence
EDGE_STEP = 10.0              # L* step between neighbouring analysed pixels that counts as an edge
FORMAT_SQUARE_TOL = 0.1       # aspect within 10% of 1 reads as square
SPREAD_EVEN = 0.26            # saliency spread (normalised) above this: the weight is spread over the picture

# name -> (English, Vietnamese, family). Vietnamese names follow "màu" in sentences ("màu xanh dương đậm").
COLOURS: dict[str, tuple[str, str, str]] = {
    "red": ("red", "đỏ", "red"),
    "dark red": ("dark red", "đỏ sẫm", "red"),
    "pink": ("pink", "hồng", "pink"),
    "orange": ("orange", "cam", "orange"),
    "brown": ("brown", "nâu", "brown"),
    "dark brown": ("dark brown", "nâu sẫm", "brown"),
    "beige": ("beige", "be", "beige"),
    "cream": ("cream", "kem", "beige"),
    "yellow": ("yellow", "vàng", "yellow"),
    "pale yellow": ("pale yellow", "vàng nhạt", "yellow"),
    "olive": ("olive", "xanh ô liu", "olive"),
    "green": ("green", "xanh lá", "green"),
    "dark green": ("dark green", "xanh lá đậm", "green"),
    "light green": ("light green", "xanh lá nhạt", "green"),
    "teal": ("teal", "xanh ngọc", "teal"),
    "dark teal": ("dark teal", "xanh ngọc đậm", "teal"),
    "turquoise": ("turquoise", "xanh ngọc nhạt", "teal"),
    "blue": ("blue", "xanh dương", "blue"),
    "dark blue": ("dark blue", "xanh dương đậm", "blue"),
    "light blue": ("light blue", "xanh dương nhạt", "blue"),
    "purple": ("purple", "tím", "purple"),
    "dark purple": ("dark purple", "tím sẫm", "purple"),
    "lilac": ("lilac", "tím nhạt", "purple"),
    "black": ("black", "đen", "black"),
    "dark grey": ("dark grey", "xám đậm", "grey"),
    "grey": ("grey", "xám", "grey"),
    "light grey": ("light grey", "xám nhạt", "grey"),
    "white": ("white", "trắng", "white"),
}
COLOUR_KEYS: tuple[str, ...] = tuple(COLOURS)
# a family's own name when several of its shades are merged
FAMILY_NAMES: dict[str, tuple[str, str]] = {
    "red": ("red", "đỏ"), "pink": ("pink", "hồng"), "orange": ("orange", "cam"), "brown": ("brown", "nâu"),
    "beige": ("beige", "be"), "yellow": ("yellow", "vàng"), "olive": ("olive", "xanh ô liu"),
    "green": ("green", "xanh lá"), "teal": ("teal", "xanh ngọc"), "blue": ("blue", "xanh dương"),
    "purple": ("purple", "tím"), "black": ("black", "đen"), "grey": ("grey", "xám"), "white": ("white", "trắng"),
}
WARM_FAMILIES = frozenset({"red", "pink", "orange", "brown", "beige", "yellow"})
COOL_FAMILIES = frozenset({"green", "teal", "blue", "purple"})


@dataclass
class PaletteColour:
    """One named colour (or a merged family of shades) and how much of the picture it covers."""

    key: str                   # COLOURS key, or a family name when shades were merged
    name_en: str
    name_vi: str
    family: str
    share: float               # 0..1 of the picture's area
    rgb: tuple[int, int, int]  # mean colour of its pixels (for a swatch)
    lightness: float           # mean L* 0..100
    where: tuple[float, float]  # (x, y) centre of its pixels, 0..1 from the top left

    def name(self, lang: str) -> str:
        return self.name_vi if normalize_lang(lang) == "vi" else self.name_en


@dataclass
class ImageFacts:
    """Everything the offline narrator knows about a picture. Nothing here is a guess about content."""

    size: tuple[int, int]                  # (width, height) of the original
    aspect: float                          # width / height
    format: str                            # "portrait", "landscape", "square"
    palette: list[PaletteColour]           # merged by family, largest first, shares >= MIN_SHARE
    shades: list[PaletteColour]            # every named shade, largest first (for questions)
    lightness: float                       # mean L* 0..100
    light: str                             # "dark", "mid", "bright"
    contrast_range: float                  # L* p95 - p5
    contrast: str                          # "low", "moderate", "high"
    warmth: float                          # -1 (cool) .. +1 (warm), chroma-weighted
    temperature: str                       # "warm", "cool", "mixed", "neutral"
    colourfulness: float                   # mean Lab chroma
    focus: tuple[float, float]             # (x, y) saliency centre, 0..1 from the top left
    focus_spread: float                    # weighted spatial std of saliency (uniform ~0.41)
    focus_where: str                       # POSITIONS key, or "spread"
    edge_density: float                    # share of analysed pixels on an edge
    busyness: str                          # "calm", "moderate", "busy"
    timings: dict[str, float] = field(default_factory=dict)


def _srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB uint8 ``[H, W, 3]`` -> CIE Lab (D65) float32 ``[H, W, 3]``."""
    c = rgb.astype(np.float32) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124564, 0.3575761, 0.1804375],
                  [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]], dtype=np.float32)
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883], dtype=np.float32)      # [H, W, 3]
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    return np.stack([116.0 * f[..., 1] - 16.0, 500.0 * (f[..., 0] - f[..., 1]),
                     200.0 * (f[..., 1] - f[..., 2])], axis=-1)


def _hsv_hue(rgb: np.ndarray) -> np.ndarray:
    """Hue in degrees ``[H, W]``: colour-name boundaries are conventional in HSV (Lab bends blue into purple)."""
    c = rgb.astype(np.float32)
    mx, mn = c.max(-1), c.min(-1)
    d = np.maximum(mx - mn, 1e-6)
    r, g, b = c[..., 0], c[..., 1], c[..., 2]
    h = np.where(mx == r, ((g - b) / d) % 6.0, np.where(mx == g, (b - r) / d + 2.0, (r - g) / d + 4.0))
    return h * 60.0


def _name_chromatic(hue: float, light: float, chroma: float) -> str:
    """One chromatic pixel class -> COLOURS key (hue in HSV degrees, L* and C* from Lab)."""
    if hue >= 345 or hue < 15:
        return "dark red" if light < 35 else ("pink" if light > 70 and chroma < 50 else "red")
    if hue < 40:
        if light < 48:
            return "dark brown" if light < 25 else "brown"
        return ("cream" if light >= 88 else "beige") if chroma < 30 else "orange"
    if hue < 70:
        if light < 48:
            return "brown" if hue < 52 else "olive"
        if chroma < 30:
            return "cream" if light >= 88 else "beige"
        return "pale yellow" if light > 88 and chroma < 55 else "yellow"
    if hue < 165:
        return "dark green" if light < 35 else ("light green" if light > 75 else "green")
    if hue < 195:
        return "dark teal" if light < 35 else ("turquoise" if light > 75 else "teal")
    if hue < 255:
        return "dark blue" if light < 35 else ("light blue" if light > 70 else "blue")
    if hue < 290:
        return "dark purple" if light < 30 else ("lilac" if light > 70 else "purple")
    return "dark purple" if light < 30 else ("purple" if light < 50 else "pink")


def _name_grey(light: float) -> str:
    if light < 20:
        return "black"
    if light < 45:
        return "dark grey"
    if light < 72:
        return "grey"
    return "light grey" if light < 90 else "white"


def _label_pixels(rgb: np.ndarray, lab: np.ndarray) -> np.ndarray:
    """Name every analysed pixel: ``[H, W]`` indices into COLOUR_KEYS.

    Pixels are binned (hue 5 degrees, L* 2.5, chroma 4) and each bin named once, so naming stays fast."""
    hue = _hsv_hue(rgb)
    light = lab[..., 0]
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    bins = (np.clip(hue // 5, 0, 71).astype(np.int32) * 41 + np.clip(light / 2.5, 0, 40).astype(np.int32)) * 64 \
        + np.clip(chroma / 4, 0, 63).astype(np.int32)
    uniq, inverse = np.unique(bins.ravel(), return_inverse=True)
    index = {k: i for i, k in enumerate(COLOUR_KEYS)}
    names = np.empty(len(uniq), dtype=np.int32)
    for i, b in enumerate(uniq):
        h, rest = divmod(int(b), 41 * 64)
        li, ci = divmod(rest, 64)
        lc, cc = (li + 0.5) * 2.5, (ci + 0.5) * 4
        key = _name_grey(lc) if cc < ACHROMATIC_CHROMA else _name_chromatic((h + 0.5) * 5, lc, cc)
        names[i] = index[key]
    return names[inverse].reshape(hue.shape)


def _analysis_copy(image: Image.Image) -> np.ndarray:
    """A small RGB copy ``[h, w, 3]`` uint8 (longest side ANALYSIS_PX); box filter, so JPEG noise averages out."""
    w, h = image.size
    scale = min(1.0, ANALYSIS_PX / max(w, h))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(image.convert("RGB").resize(size, Image.Resampling.BOX), dtype=np.uint8)


def _format_of(aspect: float) -> str:
    if abs(aspect - 1.0) <= FORMAT_SQUARE_TOL:
        return "square"
    return "landscape" if aspect > 1.0 else "portrait"


def _shade(key: str, mask: np.ndarray, rgb: np.ndarray, lab: np.ndarray, total: int) -> PaletteColour:
    en, vi, family = COLOURS[key] if key in COLOURS else (*FAMILY_NAMES[key], key)
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    return PaletteColour(key=key, name_en=en, name_vi=vi, family=family, share=float(mask.sum()) / total,
                         rgb=tuple(int(v) for v in rgb[mask].mean(0).round()),
                         lightness=float(lab[..., 0][mask].mean()),
                         where=(float((xs.mean() + 0.5) / w), float((ys.mean() + 0.5) / h)))


def _shades(labels: np.ndarray, rgb: np.ndarray, lab: np.ndarray) -> list[PaletteColour]:
    counts = np.bincount(labels.ravel(), minlength=len(COLOUR_KEYS))
    out = [_shade(COLOUR_KEYS[i], labels == i, rgb, lab, labels.size) for i in np.nonzero(counts)[0]]
    return sorted(out, key=lambda c: -c.share)


def _merge_families(shades: list[PaletteColour], labels: np.ndarray, rgb: np.ndarray,
                    lab: np.ndarray) -> list[PaletteColour]:
    """Merge shades of one family into one entry; it keeps the shade's name when that shade dominates (>= 70%)."""
    merged: list[PaletteColour] = []
    for family in dict.fromkeys(c.family for c in shades):       # largest family member first
        members = [c for c in shades if c.family == family]
        total = sum(c.share for c in members)
        if members[0].share >= 0.7 * total:
            key = members[0].key
        else:
            key = family
        idx = [COLOUR_KEYS.index(c.key) for c in members]
        merged.append(_shade(key, np.isin(labels, idx), rgb, lab, labels.size))
    merged.sort(key=lambda c: -c.share)
    return [c for c in merged if c.share >= MIN_SHARE] or merged[:1]


def _warmth(rgb: np.ndarray, lab: np.ndarray) -> tuple[float, float]:
    """Chroma-weighted warm/cool balance in -1..1 (cosine to the orange axis), and mean chroma."""
    a, b = lab[..., 1], lab[..., 2]
    chroma = np.hypot(a, b)
    weight = np.where(chroma >= ACHROMATIC_CHROMA, chroma, 0.0)
    angle = np.arctan2(b, a) - np.deg2rad(50.0)                  # Lab hue 50 deg = orange, the warmest
    warmth = float((weight * np.cos(angle)).sum() / max(weight.sum(), 1e-6))
    return warmth, float(chroma.mean())


def _temperature(warmth: float, colourfulness: float) -> str:
    if colourfulness < 8.0:
        return "neutral"
    return "warm" if warmth > 0.25 else ("cool" if warmth < -0.25 else "mixed")


def _box_mean(x: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window with edge padding, via an integral image. ``[H, W] -> [H, W]``."""
    p = np.pad(x, r, mode="edge")
    c = np.pad(p.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    k = 2 * r + 1
    return (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]) / (k * k)


def _saliency(lab: np.ndarray) -> np.ndarray:
    """Where the eye goes ``[H, W]``: colour distinctiveness (distance of the smoothed Lab from the picture's
    mean, as in frequency-tuned saliency) plus local lightness contrast, each scaled to its 99th percentile."""
    smooth = np.stack([_box_mean(lab[..., i], 1) for i in range(3)], -1)            # [H, W, 3]
    distinct = np.linalg.norm(smooth - lab.reshape(-1, 3).mean(0), axis=-1)       # [H, W]
    light = lab[..., 0]
    local_std = np.sqrt(np.maximum(_box_mean(light ** 2, 2) - _box_mean(light, 2) ** 2, 0.0))
    parts = [p / max(float(np.percentile(p, 99)), 1e-6) for p in (distinct, local_std)]
    return np.clip(0.6 * parts[0] + 0.4 * parts[1], 0.0, 1.5)


def _focus(sal: np.ndarray) -> tuple[tuple[float, float], float]:
    """Centre of the saliency mass (squared, so peaks lead) and its spatial spread, both in 0..1 units."""
    h, w = sal.shape
    weight = sal ** 2
    total = float(weight.sum())
    if total <= 1e-9:
        return (0.5, 0.5), 0.41
    ys, xs = np.mgrid[0:h, 0:w]
    xs, ys = (xs + 0.5) / w, (ys + 0.5) / h
    cx, cy = float((weight * xs).sum() / total), float((weight * ys).sum() / total)
    spread = float(np.sqrt((weight * ((xs - cx) ** 2 + (ys - cy) ** 2)).sum() / total))
    return (cx, cy), spread


def position_key(x: float, y: float) -> str:
    """(x, y) in 0..1 -> one of POSITIONS' keys, e.g. "top-left", "right", "centre"."""
    col = "left" if x < 0.4 else ("right" if x > 0.6 else "")
    row = "top" if y < 0.4 else ("bottom" if y > 0.6 else "")
    return "-".join(p for p in (row, col) if p) or "centre"


def _edge_density(light: np.ndarray) -> float:
    """Share of analysed pixels where L* jumps by more than EDGE_STEP to a neighbour."""
    gx = np.abs(np.diff(light, axis=1))[:-1, :]                                    # [H-1, W-1]
    gy = np.abs(np.diff(light, axis=0))[:, :-1]
    return float((np.maximum(gx, gy) > EDGE_STEP).mean()) if gx.size else 0.0


def _levels(lightness: float, contrast: float, edges: float) -> tuple[str, str, str]:
    light = "dark" if lightness < 38 else ("bright" if lightness > 65 else "mid")
    contrast_word = "low" if contrast < 35 else ("high" if contrast > 65 else "moderate")
    busy = "calm" if edges < 0.06 else ("busy" if edges > 0.2 else "moderate")
    return light, contrast_word, busy


def measure(image: Image.Image) -> ImageFacts:
    """Measure a picture's format, colours, light, contrast, warmth, focus and busyness."""
    t0 = time.perf_counter()
    rgb = _analysis_copy(image)                                                    # [h, w, 3]
    lab = _srgb_to_lab(rgb)                                                        # [h, w, 3]
    labels = _label_pixels(rgb, lab)                                               # [h, w]
    shades = _shades(labels, rgb, lab)
    light_l = lab[..., 0]
    p5, p95 = np.percentile(light_l, [5, 95])
    warmth, colourful = _warmth(rgb, lab)
    (fx, fy), spread = _focus(_saliency(lab))
    edges = _edge_density(light_l)
    light, contrast, busy = _levels(float(light_l.mean()), float(p95 - p5), edges)
    w, h = image.size
    return ImageFacts(
        size=(w, h), aspect=w / h, format=_format_of(w / h),
        palette=_merge_families(shades, labels, rgb, lab), shades=shades,
        lightness=float(light_l.mean()), light=light, contrast_range=float(p95 - p5), contrast=contrast,
        warmth=warmth, temperature=_temperature(warmth, colourful), colourfulness=colourful,
        focus=(fx, fy), focus_spread=spread,
        focus_where="spread" if spread > SPREAD_EVEN else position_key(fx, fy),
        edge_density=edges, busyness=busy, timings={"measure_ms": (time.perf_counter() - t0) * 1e3})
