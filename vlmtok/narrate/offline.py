"""The offline narrator: describes only what it can measure (colours, light, layout), and says so first.

It is the embedded default when no vision-language model is available (a museum basement, a first start before
``prefetch``). It never names objects: ImageNet labels are mostly wrong on paintings, so they are never used.
Everything it says is computed from pixels in a few tens of milliseconds, with numpy only.

>>> from vlmtok.images import load_image
>>> narr = OfflineNarrator().describe(load_image("examples/van_gogh_starry_night.jpg"), NarrationRequest(lang="vi"))
>>> narr.text.split(":")[0]
'Mô tả ngoại tuyến'
"""
from __future__ import annotations

import logging
import re
import time
import weakref
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
from PIL import Image

from vlmtok.i18n import normalize_lang
from vlmtok.narrate.base import Narration, NarrationRequest
from vlmtok.narrate.prompts import check_request, clean_free_text, count_words, fit_words, word_limit

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------------------------
# Measuring: pixels -> ImageFacts
# ---------------------------------------------------------------------------------------------------------------

ANALYSIS_PX = 128             # longest side of the analysed copy: enough for colours and layout, ~10 ms
ACHROMATIC_CHROMA = 12.0      # Lab chroma below which a pixel is a grey (JPEG and varnish tints sit below ~10)
MIN_SHARE = 0.06              # colours covering less than this are not worth a sentence
EDGE_STEP = 10.0              # L* step between neighbouring analysed pixels that counts as an edge
FORMAT_SQUARE_TOL = 0.1       # aspect within 10% of 1 reads as square
SALIENCY_FLOOR_DELTA_E = 5.0  # colour differences below a just-noticeable Lab distance do not draw the eye
SALIENCY_FLOOR_STD = 2.0      # nor does lightness texture this faint
FOCUS_CELL_SHARE = 0.2       # one 3x3 cell holding this much saliency (uniform: 0.11) is the focus ...
FOCUS_CELL_LEAD = 1.25        # ... if it clearly leads the runner-up
FOCUS_BAND_SHARE = 0.45       # else a row or column holding this much (uniform: 0.33) carries the weight

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
    light: str                             # "dark", "fairly dark", "mid", "fairly bright", "bright"
    contrast_range: float                  # L* p95 - p5
    contrast: str                          # "low", "moderate", "high"
    warmth: float                          # -1 (cool) .. +1 (warm), chroma-weighted
    temperature: str                       # "warm", "cool", "mixed", "neutral"
    colourfulness: float                   # mean Lab chroma
    focus_cells: np.ndarray                # [3, 3] share of the saliency mass per cell, rows top to bottom
    focus_where: str                       # position key ("top-right", "centre", ...) or "spread"
    edge_density: float                    # share of analysed pixels on an edge
    busyness: str                          # "calm", "moderate", "busy"
    labels: np.ndarray                     # [h, w] index into COLOUR_KEYS per analysed pixel (for questions)
    light_map: np.ndarray                  # [h, w] L* per analysed pixel
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


def _is_dark(light: float, chroma: float) -> bool:
    """Dark shade: low L*, unless very saturated (pure sRGB blue, L* 32, C* 134, is "blue"), or a muted colour
    a little lighter (Starry Night's blues, L* ~38, C* ~30)."""
    return light < 25 or (light < 35 and chroma < 80) or (light < 42 and chroma < 45)


def _name_chromatic(hue: float, light: float, chroma: float) -> str:
    """One chromatic pixel class -> COLOURS key (hue in HSV degrees, L* and C* from Lab)."""
    dark = _is_dark(light, chroma)
    if hue >= 345 or hue < 15:
        return "dark red" if dark else ("pink" if light > 70 and chroma < 50 else "red")
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
        return "dark green" if dark else ("light green" if light > 75 else "green")
    if hue < 195:
        return "dark teal" if dark else ("turquoise" if light > 75 else "teal")
    if hue < 255:
        return "dark blue" if dark else ("light blue" if light > 70 else "blue")
    if hue < 290:
        return "dark purple" if dark else ("lilac" if light > 70 else "purple")
    return "dark purple" if dark else ("purple" if light < 50 else "pink")


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


def _name_rgb(rgb: tuple[int, int, int]) -> str:
    """COLOURS key of one colour (the same rules as for pixels)."""
    px = np.array([[rgb]], dtype=np.uint8)                                         # [1, 1, 3]
    lab = _srgb_to_lab(px)[0, 0]
    chroma = float(np.hypot(lab[1], lab[2]))
    if chroma < ACHROMATIC_CHROMA:
        return _name_grey(float(lab[0]))
    return _name_chromatic(float(_hsv_hue(px)[0, 0]), float(lab[0]), chroma)


def _merge_families(shades: list[PaletteColour], labels: np.ndarray, rgb: np.ndarray,
                    lab: np.ndarray) -> list[PaletteColour]:
    """Merge the shades of one family into one entry, named after the family's mean colour (the family's own
    name if that mean falls outside it); entries under MIN_SHARE are dropped (the largest always stays)."""
    merged: list[PaletteColour] = []
    for family in dict.fromkeys(c.family for c in shades):
        idx = [COLOUR_KEYS.index(c.key) for c in shades if c.family == family]
        entry = _shade(family, np.isin(labels, idx), rgb, lab, labels.size)
        key = _name_rgb(entry.rgb)
        if COLOURS[key][2] == family:
            entry.key, entry.name_en, entry.name_vi = key, COLOURS[key][0], COLOURS[key][1]
        merged.append(entry)
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
    """Mean over a (2r+1)^2 window with edge padding, via an integral image. ``[H, W] -> [H, W]``.

    Centred and in float64: a float32 running sum drifts towards the bottom-right corner and invents a "focus"."""
    centre = float(x.mean())
    p = np.pad(x.astype(np.float64) - centre, r, mode="edge")
    c = np.pad(p.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    k = 2 * r + 1
    return (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]) / (k * k) + centre


def _saliency(lab: np.ndarray) -> np.ndarray:
    """Where the eye goes ``[H, W]``: colour distinctiveness (distance of the smoothed Lab from the picture's
    mean, as in frequency-tuned saliency) plus local lightness contrast, each scaled to its 99th percentile."""
    smooth = np.stack([_box_mean(lab[..., i], 1) for i in range(3)], -1)            # [H, W, 3]
    distinct = np.linalg.norm(smooth - lab.reshape(-1, 3).mean(0), axis=-1)       # [H, W]
    light = lab[..., 0]
    local_std = np.sqrt(np.maximum(_box_mean(light ** 2, 2) - _box_mean(light, 2) ** 2, 0.0))
    # the floors (in Lab units) keep a flat picture flat: float noise must not be stretched into a "focus"
    parts = [p / max(float(np.percentile(p, 99)), floor) for p, floor in ((distinct, SALIENCY_FLOOR_DELTA_E),
                                                                          (local_std, SALIENCY_FLOOR_STD))]
    return np.clip(0.6 * parts[0] + 0.4 * parts[1], 0.0, 1.5)


def _cell_shares(sal: np.ndarray) -> np.ndarray:
    """Share of the (squared, so peaks lead) saliency mass in each cell of a 3x3 grid ``[3, 3]``."""
    h, w = sal.shape
    weight = sal.astype(np.float64) ** 2
    rows, cols = np.array_split(np.arange(h), 3), np.array_split(np.arange(w), 3)
    cells = np.array([[weight[np.ix_(r, c)].sum() for c in cols] for r in rows])
    total = cells.sum()
    return cells / total if total > 1e-9 else np.full((3, 3), 1.0 / 9.0)


def _focus_where(cells: np.ndarray) -> str:
    """Where the visual weight lies: one dominant cell, else a dominant row and/or column, else "spread"."""
    order = np.sort(cells.ravel())[::-1]
    if order[0] >= FOCUS_CELL_SHARE and order[0] >= FOCUS_CELL_LEAD * order[1]:
        i, j = np.unravel_index(int(cells.argmax()), cells.shape)
        return _grid_key(int(i), int(j))
    row, col = cells.sum(1), cells.sum(0)
    i = int(row.argmax()) if row.max() >= FOCUS_BAND_SHARE else 1
    j = int(col.argmax()) if col.max() >= FOCUS_BAND_SHARE else 1
    return "spread" if (i, j) == (1, 1) else _grid_key(i, j)


def _grid_key(i: int, j: int) -> str:
    row, col = ("top", "", "bottom")[i], ("left", "", "right")[j]
    return "-".join(p for p in (row, col) if p) or "centre"


def position_key(x: float, y: float) -> str:
    """(x, y) in 0..1 -> a position key: "top-left", "right", "centre", ..."""
    return _grid_key(0 if y < 0.4 else (2 if y > 0.6 else 1), 0 if x < 0.4 else (2 if x > 0.6 else 1))


def _edge_density(light: np.ndarray) -> float:
    """Share of analysed pixels where L* jumps by more than EDGE_STEP to a neighbour."""
    gx = np.abs(np.diff(light, axis=1))[:-1, :]                                    # [H-1, W-1]
    gy = np.abs(np.diff(light, axis=0))[:, :-1]
    return float((np.maximum(gx, gy) > EDGE_STEP).mean()) if gx.size else 0.0


LIGHT_LEVELS = ((36.0, "dark"), (45.0, "fairly dark"), (62.0, "mid"), (72.0, "fairly bright"), (101.0, "bright"))


def _levels(lightness: float, contrast: float, edges: float) -> tuple[str, str, str]:
    light = next(word for top, word in LIGHT_LEVELS if lightness < top)
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
    cells = _cell_shares(_saliency(lab))                                           # [3, 3]
    edges = _edge_density(light_l)
    light, contrast, busy = _levels(float(light_l.mean()), float(p95 - p5), edges)
    w, h = image.size
    return ImageFacts(
        size=(w, h), aspect=w / h, format=_format_of(w / h),
        palette=_merge_families(shades, labels, rgb, lab), shades=shades,
        lightness=float(light_l.mean()), light=light, contrast_range=float(p95 - p5), contrast=contrast,
        warmth=warmth, temperature=_temperature(warmth, colourful), colourfulness=colourful,
        focus_cells=cells, focus_where=_focus_where(cells),
        edge_density=edges, busyness=busy, labels=labels, light_map=light_l,
        timings={"measure_ms": (time.perf_counter() - t0) * 1e3})


# ---------------------------------------------------------------------------------------------------------------
# Wording: ImageFacts -> sentences. Each table is keyed by "en", "vi", and "en_child" / "vi_child" where a child
# hears something different. Vietnamese is written as Vietnamese, not word for word from the English.
# ---------------------------------------------------------------------------------------------------------------

DISCLAIMER = {"en": "Offline description: colours and layout only.",
              "vi": "Mô tả ngoại tuyến: chỉ nói về màu sắc và bố cục."}
# the byline the UI states first; the text opens with the same words, so the caption shows them once
NARRATOR_LABEL = {"en": DISCLAIMER["en"].rstrip("."), "vi": DISCLAIMER["vi"].rstrip(".")}

# position key -> (English "at" phrase, English "towards" phrase, Vietnamese place)
POSITIONS: dict[str, tuple[str, str, str]] = {
    "top": ("at the top", "towards the top", "phía trên"),
    "bottom": ("at the bottom", "towards the bottom", "phía dưới"),
    "left": ("on the left", "to the left", "bên trái"),
    "right": ("on the right", "to the right", "bên phải"),
    "top-left": ("in the top left", "to the top left", "góc trên bên trái"),
    "top-right": ("in the top right", "to the top right", "góc trên bên phải"),
    "bottom-left": ("in the bottom left", "to the bottom left", "góc dưới bên trái"),
    "bottom-right": ("in the bottom right", "to the bottom right", "góc dưới bên phải"),
    "centre": ("in the centre", "to the centre", "chính giữa"),
}

PHRASES: dict[str, dict[str, dict[str, str]]] = {
    "fmt": {"en": {"landscape": "landscape-format", "portrait": "portrait-format", "square": "square"},
            "en_child": {"landscape": "wide", "portrait": "tall", "square": "square"},
            "vi": {"landscape": "khổ ngang", "portrait": "khổ dọc", "square": "khổ vuông"},
            "vi_child": {"landscape": "nằm ngang", "portrait": "đứng", "square": "vuông"}},
    "light_alt": {"en": {"dark": "dark overall", "fairly dark": "fairly dark overall",
                         "mid": "of medium brightness", "fairly bright": "fairly bright overall",
                         "bright": "bright overall"},
                  "vi": {"dark": "nhìn chung tối", "fairly dark": "nhìn chung khá tối", "mid": "độ sáng vừa phải",
                         "fairly bright": "nhìn chung khá sáng", "bright": "nhìn chung sáng"}},
    "light": {"en": {"dark": "dark", "fairly dark": "fairly dark", "mid": "of medium brightness",
                     "fairly bright": "fairly bright", "bright": "bright"},
              "en_child": {"dark": "dark", "fairly dark": "quite dark", "mid": "neither very dark nor very bright",
                           "fairly bright": "quite bright", "bright": "bright and light"},
              "vi": {"dark": "tối", "fairly dark": "khá tối", "mid": "có độ sáng vừa phải",
                     "fairly bright": "khá sáng", "bright": "sáng"},
              "vi_child": {"dark": "tối", "fairly dark": "khá tối", "mid": "không quá tối cũng không quá sáng",
                           "fairly bright": "khá sáng", "bright": "rất sáng"}},
    "contrast": {"en": {"low": "low", "moderate": "moderate", "high": "strong"},
                 "en_child": {"low": ", and the light is soft and even", "moderate": "",
                              "high": ", with bright spots right next to dark ones"},
                 "vi": {"low": "thấp", "moderate": "ở mức vừa phải", "high": "cao"},
                 "vi_child": {"low": ", ánh sáng dịu và đều", "moderate": "",
                              "high": ", có những chỗ sáng nằm ngay cạnh những chỗ tối"}},
}

SENTENCES: dict[str, dict[str, str]] = {
    "alt": {"en": "A {fmt} picture, {mostly}; {light_alt}, {focus_alt}.",
            "en_child": "A {fmt} picture with lots of {top2}. It is {light}, and {focus_child_alt}.",
            "vi": "Bức tranh {fmt}, {mostly}; {light_alt}, {focus_alt}.",
            "vi_child": "Một bức tranh {fmt} có nhiều màu {top2}. Bức tranh {light}, và {focus_child_alt}."},
    "alt_compact": {"en": "{Mostly}; {light_alt}.", "vi": "{Mostly}; {light_alt}."},
    "label": {"en": "The museum label says: “{label}”.", "vi": "Nhãn của bảo tàng ghi: “{label}”."},
    "colours_one": {"en": "This {fmt} picture is almost entirely {c1}.",
                    "en_child": "This {fmt} picture is nearly all {c1}.",
                    "vi": "Bức tranh {fmt} này gần như toàn màu {c1}.",
                    "vi_child": "Bức tranh {fmt} này gần như chỉ có màu {c1}."},
    "colours_lead": {"en": "This {fmt} picture is mostly {c1} ({share1} of it){with_rest}.",
                     "en_child": "The biggest colour in this {fmt} picture is {c1}{with_rest}.",
                     "vi": "Bức tranh {fmt} này chủ yếu là màu {c1} ({share1}){with_rest}.",
                     "vi_child": "Màu nhiều nhất trong bức tranh {fmt} này là màu {c1}{with_rest}."},
    "colours_mix": {"en": "The main colours of this {fmt} picture are {all}.",
                    "en_child": "This {fmt} picture has lots of colours: {all}.",
                    "vi": "Các màu chính của bức tranh {fmt} này là {all}.",
                    "vi_child": "Bức tranh {fmt} này có nhiều màu: {all}."},
    "with_rest": {"en": ", with {rest}", "en_child": ", and you can also spot {rest}",
                  "vi": ", cùng với {rest}", "vi_child": ", và em còn tìm thấy cả {rest} nữa"},
    "colours_pct": {"en": "{C1} covers {share1} of the picture ({pct1}%){followed}.",
                    "vi": "Màu {c1} chiếm {share1} bức tranh ({pct1}%){followed}."},
    "followed": {"en": ", followed by {rest_pct}", "vi": ", tiếp theo là {rest_pct}"},
    "shades": {"en": "Its {family} tones range from {darkest} to {lightest}.",
               "vi": "Các sắc {family} trải từ {darkest} đến {lightest}."},
    "format_landscape": {"en": "The picture is in landscape format, about {ratio} times as wide as it is tall.",
                         "en_child": "The picture is wider than it is tall, like a window.",
                         "vi": "Bức tranh có khổ ngang, chiều rộng gấp khoảng {ratio} lần chiều cao.",
                         "vi_child": "Bức tranh rộng hơn cao, giống như một ô cửa sổ."},
    "format_portrait": {"en": "The picture is in portrait format, about {ratio} times as tall as it is wide.",
                        "en_child": "The picture is taller than it is wide, like a door.",
                        "vi": "Bức tranh có khổ dọc, chiều cao gấp khoảng {ratio} lần chiều rộng.",
                        "vi_child": "Bức tranh cao hơn rộng, giống như một cánh cửa."},
    "format_square": {"en": "The picture is square.", "en_child": "The picture is square, like a box.",
                      "vi": "Bức tranh có khổ vuông.", "vi_child": "Bức tranh vuông vức, giống như một chiếc hộp."},
    "light": {"en": "Overall it is {light}, with {contrast} contrast between light and dark areas.",
              "en_child": "It is {light}{contrast}.",
              "vi": "Nhìn chung bức tranh {light}, độ tương phản giữa vùng sáng và vùng tối {contrast}.",
              "vi_child": "Bức tranh {light}{contrast}."},
    "temp_warm": {"en": "The palette is warm{leaning}.", "en_child": "The colours feel warm, like sunshine or a fire.",
                  "vi": "Bảng màu mang tông ấm{leaning}.",
                  "vi_child": "Các màu trông thật ấm áp, như ánh nắng hay ngọn lửa."},
    "temp_cool": {"en": "The palette is cool{leaning}.",
                  "en_child": "The colours feel cool, like water or the night sky.",
                  "vi": "Bảng màu mang tông lạnh{leaning}.",
                  "vi_child": "Các màu trông mát lạnh, như nước hay bầu trời đêm."},
    "temp_mixed": {"en": "Warm and cool colours sit side by side.",
                   "en_child": "Warm colours and cool colours sit together.",
                   "vi": "Màu ấm và màu lạnh đan xen nhau.", "vi_child": "Màu ấm và màu lạnh ở cạnh nhau."},
    "temp_neutral": {"en": "The colours are muted, close to greys.", "en_child": "The colours are soft and greyish.",
                     "vi": "Màu sắc trầm, gần với các sắc xám.", "vi_child": "Các màu dịu và hơi xám."},
    "leaning": {"en": ", leaning towards {fams}", "vi": ", thiên về {fams}"},
    "focus": {"en": "The visual weight lies {at}.", "en_child": "Your eyes are drawn {to}.",
              "vi": "Điểm nhấn thị giác nằm ở {loc}.", "vi_child": "Mắt em sẽ bị thu hút về {loc}."},
    "focus_spread": {"en": "The visual weight is spread across the picture, with no single focus.",
                     "en_child": "There is something to look at everywhere.",
                     "vi": "Sức nặng thị giác trải đều khắp bức tranh, không có điểm nhấn riêng.",
                     "vi_child": "Chỗ nào cũng có điều thú vị để ngắm."},
    "focus_how": {"en": "Judging by where colours stand out and the light changes most, the visual weight lies {at}.",
                  "vi": "Xét theo những chỗ màu sắc nổi bật và ánh sáng thay đổi nhiều nhất, điểm nhấn thị giác "
                        "nằm ở {loc}."},
    "focus_how_spread": {"en": "Judging by where colours stand out and the light changes most, the visual weight is "
                               "spread across the picture, with no single focus.",
                         "vi": "Xét theo những chỗ màu sắc nổi bật và ánh sáng thay đổi nhiều nhất, sức nặng thị "
                               "giác trải đều khắp bức tranh, không có điểm nhấn riêng."},
    "extremes": {"en": "The brightest area is {at}, and the darkest {at2}.",
                 "en_child": "Can you find the brightest part? Look {to}.",
                 "vi": "Vùng sáng nhất nằm ở {loc}, còn vùng tối nhất ở {loc2}.",
                 "vi_child": "Em có tìm thấy chỗ sáng nhất không? Hãy nhìn về {loc} nhé."},
    "count": {"en": "It uses at least {n} clearly different colours.",
              "en_child": "Try to count the colours: there are at least {n}.",
              "vi": "Bức tranh dùng ít nhất {n} màu khác hẳn nhau.",
              "vi_child": "Em thử đếm xem có bao nhiêu màu nhé: ít nhất là {n} màu."},
    "busy_calm": {"en": "The composition is calm, with large, even areas.",
                  "en_child": "It looks calm, with big smooth areas of colour.",
                  "vi": "Bố cục tĩnh lặng, với những mảng lớn và đều.",
                  "vi_child": "Bức tranh trông yên bình, với những mảng màu lớn và mịn."},
    "busy_moderate": {"en": "The composition has a moderate amount of detail.",
                      "en_child": "It has some details, but not too many.",
                      "vi": "Bố cục có lượng chi tiết vừa phải.",
                      "vi_child": "Bức tranh có một vài chi tiết, nhưng không quá nhiều."},
    "busy_busy": {"en": "The composition is busy, full of edges and small details.",
                  "en_child": "There are lots of lines and little details to spot.",
                  "vi": "Bố cục dày đặc, nhiều đường nét và chi tiết nhỏ.",
                  "vi_child": "Có thật nhiều đường nét và chi tiết nhỏ để em khám phá."},
    "limits": {"en": "This description cannot tell what or who is shown; for that, ask the guide or read the "
                     "museum label.",
               "en_child": "This description only knows about colours and shapes, so ask your guide what the "
                           "picture shows!",
               "vi": "Mô tả này không thể cho biết bức tranh vẽ gì hay vẽ ai; muốn biết, hãy hỏi hướng dẫn viên "
                     "hoặc đọc nhãn của bảo tàng.",
               "vi_child": "Mô tả này chỉ biết về màu sắc và hình khối, nên em hãy hỏi hướng dẫn viên xem bức "
                           "tranh vẽ gì nhé!"},
    # follow-up questions
    "cannot": {"en": "It can only measure colours, light and layout, so it cannot answer that from the picture.",
               "en_child": "It only knows about colours and shapes, so it can't answer that one. Ask your guide!",
               "vi": "Mô tả ngoại tuyến chỉ đo được màu sắc, ánh sáng và bố cục, nên không thể trả lời câu hỏi "
                     "này từ bức tranh.",
               "vi_child": "Mô tả này chỉ biết về màu sắc và hình khối, nên không trả lời được câu này. Em hãy "
                           "hỏi hướng dẫn viên nhé!"},
    "can_say": {"en": "What it can say:", "vi": "Những gì có thể nói:"},
    "colour_yes": {"en": "{C} covers {share} of the picture ({pct}%), mostly {at}.",
                   "vi": "Màu {c} chiếm {share} bức tranh ({pct}%), chủ yếu ở {loc}."},
    "colour_all_over": {"en": "{C} covers {share} of the picture ({pct}%), all over it.",
                        "vi": "Màu {c} chiếm {share} bức tranh ({pct}%), trải khắp bức tranh."},
    "colour_little": {"en": "There is only a little {c}, mostly {at}.",
                      "vi": "Chỉ có một chút màu {c}, chủ yếu ở {loc}."},
    "colour_none": {"en": "There is almost no {c} in this picture.", "vi": "Bức tranh gần như không có màu {c}."},
    "region": {"en": "{At_cap}, the picture is {light}, mostly {top2}.",
               "vi": "Ở {loc}, bức tranh {light}, chủ yếu là màu {top2}."},
    "label_only": {"en": "Everything about the artist, title or date comes from that label.",
                   "vi": "Mọi thông tin về tác giả, tên tranh hay niên đại đều lấy từ nhãn đó."},
}

SHARE_WORDS: tuple[tuple[float, str, str], ...] = (
    (0.9, "almost all", "gần như toàn bộ"), (0.6, "most", "phần lớn"), (0.4, "about half", "khoảng một nửa"),
    (0.29, "about a third", "khoảng một phần ba"), (0.23, "about a quarter", "khoảng một phần tư"),
    (0.18, "about a fifth", "khoảng một phần năm"), (0.14, "about a sixth", "khoảng một phần sáu"),
    (0.08, "about a tenth", "khoảng một phần mười"),
    (0.0, "a small part", "một phần nhỏ"))
ONE_COLOUR_SHARE = 0.8        # one colour this large: "almost entirely red"
LEAD_COLOUR_SHARE = 0.4       # a leading colour: "mostly dark blue (about half of it)"
PRESENT_SHARE = 0.03          # a colour asked about covers at least this: it is there
TRACE_SHARE = 0.003           # ... at least this: "only a little"
EVEN_LIGHT = 12.0             # L* spread between the nine areas below which light is called even
LABEL_MIN_WORDS = 4           # a label is never shortened below this many words
SHADE_RANGE_MIN = 0.03        # shades this large count when saying "its blue tones range from ... to ..."


def _variant(table: dict[str, object], lang: str, audience: str):
    """The child wording when there is one, else the adult wording, in ``lang``."""
    return table.get(f"{lang}_child") if audience == "child" and f"{lang}_child" in table else table[lang]


def _join(items: list[str], lang: str) -> str:
    """'a', 'a and b', 'a, b and c' ('và' in Vietnamese)."""
    conj = " và " if lang == "vi" else " and "
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + conj + items[-1]


def _share_words(share: float, lang: str) -> str:
    return next(en if lang == "en" else vi for top, en, vi in SHARE_WORDS if share >= top)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Writer:
    """Turns one picture's facts into sentences for one request (language, tier, audience)."""

    def __init__(self, facts: ImageFacts, request: NarrationRequest) -> None:
        self.f, self.lang, self.audience, self.tier = facts, request.lang, request.audience, request.tier
        self.label, self.question = request.label_text, request.question

    def say(self, kind: str, **fmt: object) -> str:
        return str(_variant(SENTENCES[kind], self.lang, self.audience)).format(**fmt)

    def phrase(self, name: str, key: str) -> str:
        return _variant(PHRASES[name], self.lang, self.audience)[key]

    def names(self, colours: list[PaletteColour]) -> list[str]:
        return [c.name(self.lang) for c in colours]

    def at(self, key: str) -> dict[str, str]:
        en_at, en_to, vi = POSITIONS[key]
        return {"at": en_at, "to": en_to, "loc": vi}

    # -------------------------------------------------------------------------------------------- sentences
    def mostly(self) -> str:
        top = self.f.palette
        if top[0].share >= ONE_COLOUR_SHARE or len(top) == 1:
            return (f"almost entirely {top[0].name_en}" if top[0].share >= ONE_COLOUR_SHARE else
                    f"mostly {top[0].name_en}") if self.lang == "en" else (
                f"gần như toàn màu {top[0].name_vi}" if top[0].share >= ONE_COLOUR_SHARE else
                f"chủ yếu là màu {top[0].name_vi}")
        pair = _join(self.names(top[:2]), self.lang)
        return f"mostly {pair}" if self.lang == "en" else f"chủ yếu là màu {pair}"

    def alt(self) -> str:
        f = self.f
        spread = f.focus_where == "spread"
        pos = self.at("centre" if spread else f.focus_where)
        if self.lang == "en":
            focus_alt = "with no single focus" if spread else f"with the focus {pos['at']}"
            child = "there is something to see everywhere" if spread else f"your eyes go {pos['to']}"
        else:
            focus_alt = "không có điểm nhấn riêng" if spread else f"điểm nhấn nằm ở {pos['loc']}"
            child = "chỗ nào cũng có điều để ngắm" if spread else f"mắt em sẽ nhìn về {pos['loc']}"
        return self.say("alt", fmt=self.phrase("fmt", f.format), mostly=self.mostly(),
                        light_alt=PHRASES["light_alt"][self.lang][f.light], light=self.phrase("light", f.light),
                        top2=_join(self.names(f.palette[:2]), self.lang), focus_alt=focus_alt, focus_child_alt=child)

    def alt_compact(self) -> str:
        mostly = self.mostly()
        return self.say("alt_compact", Mostly=_cap(mostly), light_alt=PHRASES["light_alt"][self.lang][self.f.light])

    def colours(self) -> str:
        top = self.f.palette[:4]
        fmt = self.phrase("fmt", self.f.format)
        if top[0].share >= ONE_COLOUR_SHARE:
            return self.say("colours_one", fmt=fmt, c1=top[0].name(self.lang))
        if top[0].share >= LEAD_COLOUR_SHARE or len(top) == 1:
            rest = self.names(top[1:])
            with_rest = self.say("with_rest", rest=_join(rest, self.lang)) if rest else ""
            return self.say("colours_lead", fmt=fmt, c1=top[0].name(self.lang), with_rest=with_rest,
                            share1=_share_words(top[0].share, self.lang))
        return self.say("colours_mix", fmt=fmt, all=_join(self.names(top), self.lang))

    def colours_pct(self) -> str:
        if self.audience == "child":
            return self.colours()
        top = self.f.palette[:4]
        rest = [f"{c.name(self.lang)} ({round(c.share * 100)}%)" for c in top[1:]]
        followed = self.say("followed", rest_pct=_join(rest, self.lang)) if rest else ""
        c1 = top[0].name(self.lang)
        return self.say("colours_pct", C1=_cap(c1), c1=c1, share1=_share_words(top[0].share, self.lang),
                        pct1=round(top[0].share * 100), followed=followed)

    def shades(self) -> str | None:
        family = self.f.palette[0].family
        tones = [c for c in self.f.shades if c.family == family and c.share >= SHADE_RANGE_MIN]
        if self.audience == "child" or len(tones) < 2:
            return None
        tones.sort(key=lambda c: c.lightness)
        fam = FAMILY_NAMES[family][0 if self.lang == "en" else 1]
        return self.say("shades", family=fam, darkest=tones[0].name(self.lang), lightest=tones[-1].name(self.lang))

    def format(self) -> str:
        ratio = max(self.f.aspect, 1.0 / self.f.aspect)
        text = f"{ratio:.1f}" if self.lang == "en" else f"{ratio:.1f}".replace(".", ",")
        return self.say(f"format_{self.f.format}", ratio=text)

    def light(self) -> str:
        return self.say("light", light=self.phrase("light", self.f.light),
                        contrast=self.phrase("contrast", self.f.contrast))

    def temperature(self, detailed: bool = False) -> str:
        t = self.f.temperature
        fams = WARM_FAMILIES if t == "warm" else COOL_FAMILIES
        names = [c.name(self.lang) for c in self.f.palette if c.family in fams][:3]
        leaning = self.say("leaning", fams=_join(names, self.lang)) if detailed and names else ""
        return self.say(f"temp_{t}", leaning=leaning)

    def focus(self, detailed: bool = False) -> str:
        where = self.f.focus_where
        if detailed and self.audience != "child":
            return self.say("focus_how_spread") if where == "spread" else self.say("focus_how", **self.at(where))
        return self.say("focus_spread") if where == "spread" else self.say("focus", **self.at(where))

    def extremes(self) -> str | None:
        """Where the brightest and darkest of the nine areas are (None when light is even)."""
        cells = np.array([[c.mean() for c in np.array_split(r, 3, axis=1)]
                          for r in np.array_split(self.f.light_map, 3, axis=0)])                # [3, 3] mean L*
        if cells.max() - cells.min() < EVEN_LIGHT:
            return None
        hi, lo = (np.unravel_index(int(i), cells.shape) for i in (cells.argmax(), cells.argmin()))
        bright, dark = self.at(_grid_key(*map(int, hi))), self.at(_grid_key(*map(int, lo)))
        return self.say("extremes", **bright, at2=dark["at"], loc2=dark["loc"])

    def count(self) -> str | None:
        n = len({c.family for c in self.f.shades if c.share >= PRESENT_SHARE})
        return self.say("count", n=n) if n >= 3 else None

    def busy(self) -> str:
        return self.say(f"busy_{self.f.busyness}")

    def label_sentence(self, max_words: int) -> str | None:
        label = clean_free_text(self.label)
        return self.say("label", label=fit_words(label, max(LABEL_MIN_WORDS, max_words))) if label else None

    # -------------------------------------------------------------------------------------------- tiers
    def body(self) -> list[str]:
        if self.tier == "alt":
            return [self.alt()]
        if self.tier == "short":
            return [self.colours(), self.light(), self.focus(), self.temperature(), self.busy()]
        parts = [self.format(), self.colours_pct(), self.shades(), self.count(), self.light(), self.extremes(),
                 self.temperature(detailed=True), self.focus(detailed=True), self.busy(), self.say("limits")]
        return [p for p in parts if p]

    def narration(self) -> list[str]:
        """Disclaimer first, then the guide's label (quoted, shortened if it must), then what was measured."""
        limit = word_limit(self.tier, self.lang)
        head, body = [DISCLAIMER[self.lang]], self.body()
        if clean_free_text(self.label):
            if self.tier == "alt":
                body = [self.alt_compact()]
            head.append(self._label_within(limit - count_words(" ".join([*head, *body[:1]]))))
        return _fit_sentences(head, body, limit)

    def _label_within(self, budget: int) -> str:
        """The label sentence, the quote shortened (at least to LABEL_MIN_WORDS) until it fits ``budget``."""
        words = count_words(clean_free_text(self.label) or "")
        sentence = self.label_sentence(words)
        while count_words(sentence) > budget and words > LABEL_MIN_WORDS:
            words -= 1
            sentence = self.label_sentence(words)
        return sentence


def _fit_sentences(head: list[str], body: list[str], limit: int) -> list[str]:
    """Keep ``head`` and as many ``body`` sentences, in order, as fit in ``limit`` words."""
    out = list(head)
    for sentence in body:
        if count_words(" ".join([*out, sentence])) <= limit:
            out.append(sentence)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Follow-up questions: answered where colours, light or layout can answer them, honestly declined otherwise.
# ---------------------------------------------------------------------------------------------------------------

# colour word (English, or Vietnamese with its diacritics) -> families it names; plain "xanh" is blue or green
COLOUR_WORDS: dict[str, tuple[str, ...]] = {
    "red": ("red",), "pink": ("pink",), "orange": ("orange",), "brown": ("brown",), "beige": ("beige",),
    "cream": ("beige",), "yellow": ("yellow",), "gold": ("yellow",), "golden": ("yellow",), "olive": ("olive",),
    "green": ("green",), "teal": ("teal",), "turquoise": ("teal",), "cyan": ("teal",), "blue": ("blue",),
    "navy": ("blue",), "purple": ("purple",), "violet": ("purple",), "lilac": ("purple",), "black": ("black",),
    "grey": ("grey",), "gray": ("grey",), "white": ("white",),
    "đỏ": ("red",), "hồng": ("pink",), "cam": ("orange",), "nâu": ("brown",), "kem": ("beige",),
    "vàng": ("yellow",), "ô liu": ("olive",), "xanh lá": ("green",), "xanh lục": ("green",),
    "xanh ngọc": ("teal",), "xanh dương": ("blue",), "xanh lam": ("blue",), "xanh da trời": ("blue",),
    "xanh nước biển": ("blue",), "xanh": ("blue", "green"), "tím": ("purple",), "đen": ("black",),
    "xám": ("grey",), "trắng": ("white",), "màu be": ("beige",),
}
TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "colours": ("colour", "color", "màu"),
    "light": ("bright", "dark", "light", "contrast", "sáng", "tối", "tương phản"),
    "focus": ("where", "focus", "look first", "eye", "ở đâu", "chỗ nào", "điểm nhấn", "chú ý"),
    "format": ("shape", "portrait", "landscape", "format", "tall", "wide", "khổ", "dọc", "ngang", "hình dạng"),
    "temperature": ("warm", "cool", "cold", "ấm", "lạnh", "mát"),
    "busy": ("busy", "calm", "detail", "texture", "bận", "rối", "yên", "tĩnh", "chi tiết"),
    "label": ("who", "artist", "painted", "when", "year", "title", "name", "date", "ai vẽ", "tác giả", "họa sĩ",
              "năm", "tên", "niên đại"),
}
REGION_WORDS: dict[str, tuple[str, ...]] = {
    "top": ("top", "upper", "sky", "phía trên", "bên trên", "góc trên", "trên cùng"),
    "bottom": ("bottom", "lower", "phía dưới", "bên dưới", "góc dưới", "dưới cùng"),
    "left": ("left", "trái"), "right": ("right", "phải"),
    "centre": ("centre", "center", "middle", "ở giữa", "chính giữa", "trung tâm"),
}


def _mentions(question: str, words: tuple[str, ...] | list[str]) -> list[str]:
    """Which of ``words`` occur in ``question`` as whole words (Vietnamese syllables are whole words too)."""
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", question)]


def _asked_families(question: str) -> list[str]:
    hits = _mentions(question, list(COLOUR_WORDS))
    hits = [h for h in hits if not any(h != o and h in o for o in hits)]    # "xanh lá" wins over "xanh"
    return list(dict.fromkeys(f for h in hits for f in COLOUR_WORDS[h]))


def _asked_region(question: str) -> str | None:
    found = {k for k, words in REGION_WORDS.items() if _mentions(question, words)}
    if not found:
        return None
    row = 0 if "top" in found else (2 if "bottom" in found else 1)
    col = 0 if "left" in found else (2 if "right" in found else 1)
    return _grid_key(row, col)


def _region_mask(shape: tuple[int, int], key: str) -> np.ndarray:
    """Pixels of a named region: the outer 40% on each named side, the middle 40% for the centre. ``[h, w]``."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w]
    ys, xs = (ys + 0.5) / h, (xs + 0.5) / w
    mask = np.ones(shape, dtype=bool)
    for part in key.split("-"):
        mask &= {"top": ys < 0.4, "bottom": ys > 0.6, "left": xs < 0.4, "right": xs > 0.6,
                 "centre": (abs(xs - 0.5) < 0.2) & (abs(ys - 0.5) < 0.2)}[part]
    return mask


def _where_in_picture(mask: np.ndarray) -> str:
    """Position key of a set of pixels, or "spread" when they are all over the picture."""
    return _focus_where(_cell_shares(mask.astype(np.float64)))


class _Answerer(_Writer):
    """Answers one follow-up question from the facts, in the request's language."""

    def colour_answer(self, family: str) -> str:
        idx = [i for i, k in enumerate(COLOUR_KEYS) if COLOURS[k][2] == family]
        mask = np.isin(self.f.labels, idx)
        share = float(mask.mean())
        name = FAMILY_NAMES[family][0 if self.lang == "en" else 1]
        if share < TRACE_SHARE:
            return self.say("colour_none", c=name)
        where = _where_in_picture(mask)
        if share < PRESENT_SHARE:
            return self.say("colour_little", c=name, **self.at("centre" if where == "spread" else where))
        fmt = dict(C=_cap(name), c=name, share=_share_words(share, self.lang), pct=max(1, round(share * 100)))
        if where == "spread":
            return self.say("colour_all_over", **fmt)
        return self.say("colour_yes", **fmt, **self.at(where))

    def region_answer(self, key: str) -> str:
        mask = _region_mask(self.f.labels.shape, key)
        counts = np.bincount(self.f.labels[mask], minlength=len(COLOUR_KEYS))
        families: dict[str, int] = {}
        for i in np.argsort(-counts):
            if counts[i]:
                families.setdefault(COLOURS[COLOUR_KEYS[i]][2], i)
        top = [COLOURS[COLOUR_KEYS[i]][0 if self.lang == "en" else 1] for i in list(families.values())[:2]]
        level = next(w for t, w in LIGHT_LEVELS if float(self.f.light_map[mask].mean()) < t)
        pos = self.at(key)
        return self.say("region", At_cap=_cap(pos["at"]), loc=pos["loc"], top2=_join(top, self.lang),
                        light=PHRASES["light"][self.lang][level])

    def answers(self, question: str) -> list[str]:
        q = question.lower()
        topics = {t for t, words in TOPIC_WORDS.items() if _mentions(q, words)}
        out = [self.colour_answer(fam) for fam in _asked_families(q)]
        region = _asked_region(q)
        if region and not out:
            out.append(self.region_answer(region))
        elif "colours" in topics and not out:
            out.append(self.colours())
        out += [fn() for topic, fn in (("light", self.light), ("format", self.format),
                                       ("temperature", self.temperature), ("busy", self.busy)) if topic in topics]
        if "focus" in topics and not region and not _asked_families(q):
            out.append(self.focus())
        label = self.label_sentence(word_limit(self.tier, self.lang) // 2) if "label" in topics else None
        if label:
            return [label, self.say("label_only"), *out]
        alt = self.alt()
        return out or [self.say("cannot"), f"{self.say('can_say')} {alt[:1].lower()}{alt[1:]}"]

    def narration(self) -> list[str]:
        """Disclaimer first, then the answers that fit (a question gets at least the short tier's room)."""
        limit = max(word_limit(self.tier, self.lang), word_limit("short", self.lang))
        return _fit_sentences([DISCLAIMER[self.lang]], self.answers(clean_free_text(self.question) or ""), limit)


# ---------------------------------------------------------------------------------------------------------------
# The narrator
# ---------------------------------------------------------------------------------------------------------------

class OfflineNarrator:
    """Describes what it can measure, in English or Vietnamese, three tiers, adult or child wording.

    Stateless apart from the last picture's facts, which a follow-up question about the same picture reuses.
    """

    name = "offline"

    def __init__(self) -> None:
        self._last: tuple[weakref.ref, ImageFacts] | None = None

    def measure(self, image: Image.Image) -> ImageFacts:
        """``measure(image)``, reusing the facts when asked about the same (still living) picture object again."""
        if self._last is not None and self._last[0]() is image:
            return self._last[1]
        facts = measure(image)
        self._last = (weakref.ref(image), facts)
        return facts

    def sentences(self, image: Image.Image, request: NarrationRequest) -> tuple[list[str], ImageFacts]:
        """The narration as sentences (disclaimer first) and the facts behind it."""
        request = check_request(request)
        facts = self.measure(image)
        writer = _Answerer(facts, request) if clean_free_text(request.question) else _Writer(facts, request)
        return writer.narration(), facts

    def stream(self, image: Image.Image, request: NarrationRequest) -> Iterator[str | Narration]:
        """Yield the text sentence by sentence (chunks join into ``text``), then the final ``Narration``."""
        t0 = time.perf_counter()
        request = check_request(request)
        sentences, facts = self.sentences(image, request)
        compose_ms = (time.perf_counter() - t0) * 1e3
        for i, sentence in enumerate(sentences):
            yield sentence if i == 0 else " " + sentence
        timings = {"measure_ms": facts.timings.get("measure_ms", 0.0), "compose_ms": compose_ms,
                   "total_ms": (time.perf_counter() - t0) * 1e3}
        yield Narration(text=" ".join(sentences), language=request.lang, tier=request.tier, narrator=self.name,
                        narrator_label=NARRATOR_LABEL[request.lang], model_id=None, weights_source="none",
                        machine_translated=False, audience=request.audience, question=request.question,
                        timings=timings)

    def describe(self, image: Image.Image, request: NarrationRequest) -> Narration:
        """The whole narration at once."""
        *_, narration = self.stream(image, request)
        log.debug("offline narration in %.1f ms", narration.timings["total_ms"])
        return narration
