"""What the offline narrator measures from pixels: format, colours, light, contrast, warmth, focus and busyness.

Nothing here is a guess about content and nothing here is words: colours, light levels and places are keys
("dark blue", "fairly dark", "top-right") that ``wording`` turns into sentences. numpy only, ~10 ms a picture.

>>> facts = measure(Image.open("examples/van_gogh_starry_night.jpg"))
>>> facts.palette[0].key, facts.light, facts.temperature
('dark blue', 'fairly dark', 'cool')
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

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

# colour key -> the family it belongs to; a family's own name is a colour key too (names: the catalogues)
COLOURS: dict[str, str] = {
    "red": "red", "dark red": "red", "pink": "pink", "orange": "orange", "brown": "brown", "dark brown": "brown",
    "beige": "beige", "cream": "beige", "yellow": "yellow", "pale yellow": "yellow", "olive": "olive",
    "green": "green", "dark green": "green", "light green": "green", "teal": "teal", "dark teal": "teal",
    "turquoise": "teal", "blue": "blue", "dark blue": "blue", "light blue": "blue", "purple": "purple",
    "dark purple": "purple", "lilac": "purple", "black": "black", "dark grey": "grey", "grey": "grey",
    "light grey": "grey", "white": "white",
}
COLOUR_KEYS: tuple[str, ...] = tuple(COLOURS)
WARM_FAMILIES = frozenset({"red", "pink", "orange", "brown", "beige", "yellow"})
COOL_FAMILIES = frozenset({"green", "teal", "blue", "purple"})


@dataclass
class PaletteColour:
    """One named colour (or a merged family of shades) and how much of the picture it covers."""

    key: str                   # COLOURS key (a merged family: the key its mean colour has, else the family's)
    family: str
    share: float               # 0..1 of the picture's area
    rgb: tuple[int, int, int]  # mean colour of its pixels (for a swatch)
    lightness: float           # mean L* 0..100
    where: tuple[float, float]  # (x, y) centre of its pixels, 0..1 from the top left


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
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    return PaletteColour(key=key, family=COLOURS[key], share=float(mask.sum()) / total,
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
        if COLOURS[key] == family:
            entry.key = key
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


def cell_shares(sal: np.ndarray) -> np.ndarray:
    """Share of the (squared, so peaks lead) saliency mass in each cell of a 3x3 grid ``[3, 3]``."""
    h, w = sal.shape
    weight = sal.astype(np.float64) ** 2
    rows, cols = np.array_split(np.arange(h), 3), np.array_split(np.arange(w), 3)
    cells = np.array([[weight[np.ix_(r, c)].sum() for c in cols] for r in rows])
    total = cells.sum()
    return cells / total if total > 1e-9 else np.full((3, 3), 1.0 / 9.0)


def focus_position(cells: np.ndarray) -> str:
    """Where the visual weight lies: one dominant cell, else a dominant row and/or column, else "spread"."""
    order = np.sort(cells.ravel())[::-1]
    if order[0] >= FOCUS_CELL_SHARE and order[0] >= FOCUS_CELL_LEAD * order[1]:
        i, j = np.unravel_index(int(cells.argmax()), cells.shape)
        return grid_key(int(i), int(j))
    row, col = cells.sum(1), cells.sum(0)
    i = int(row.argmax()) if row.max() >= FOCUS_BAND_SHARE else 1
    j = int(col.argmax()) if col.max() >= FOCUS_BAND_SHARE else 1
    return "spread" if (i, j) == (1, 1) else grid_key(i, j)


def grid_key(i: int, j: int) -> str:
    """Row ``i`` and column ``j`` of the 3x3 grid -> a position key: "top-left", "right", "centre", ..."""
    row, col = ("top", "", "bottom")[i], ("left", "", "right")[j]
    return "-".join(p for p in (row, col) if p) or "centre"


def position_key(x: float, y: float) -> str:
    """(x, y) in 0..1 -> a position key: "top-left", "right", "centre", ..."""
    return grid_key(0 if y < 0.4 else (2 if y > 0.6 else 1), 0 if x < 0.4 else (2 if x > 0.6 else 1))


def cell_means(values: np.ndarray) -> np.ndarray:
    """Mean of ``values`` ``[h, w]`` in each cell of the 3x3 grid ``[3, 3]``, rows top to bottom."""
    return np.array([[c.mean() for c in np.array_split(r, 3, axis=1)] for r in np.array_split(values, 3, axis=0)])


def region_mask(shape: tuple[int, int], key: str) -> np.ndarray:
    """Pixels of a named region: the outer 40% on each named side, the middle 40% for the centre. ``[h, w]``."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w]
    ys, xs = (ys + 0.5) / h, (xs + 0.5) / w
    mask = np.ones(shape, dtype=bool)
    for part in key.split("-"):
        mask &= {"top": ys < 0.4, "bottom": ys > 0.6, "left": xs < 0.4, "right": xs > 0.6,
                 "centre": (abs(xs - 0.5) < 0.2) & (abs(ys - 0.5) < 0.2)}[part]
    return mask


def where_in_picture(mask: np.ndarray) -> str:
    """Position key of a set of pixels ``[h, w]``, or "spread" when they are all over the picture."""
    return focus_position(cell_shares(mask.astype(np.float64)))


def _edge_density(light: np.ndarray) -> float:
    """Share of analysed pixels where L* jumps by more than EDGE_STEP to a neighbour."""
    gx = np.abs(np.diff(light, axis=1))[:-1, :]                                    # [H-1, W-1]
    gy = np.abs(np.diff(light, axis=0))[:, :-1]
    return float((np.maximum(gx, gy) > EDGE_STEP).mean()) if gx.size else 0.0


LIGHT_LEVELS = ((36.0, "dark"), (45.0, "fairly dark"), (62.0, "mid"), (72.0, "fairly bright"), (101.0, "bright"))


def light_level(lightness: float) -> str:
    """Mean L* -> "dark", "fairly dark", "mid", "fairly bright" or "bright"."""
    return next(word for top, word in LIGHT_LEVELS if lightness < top)


def _levels(lightness: float, contrast: float, edges: float) -> tuple[str, str, str]:
    light = light_level(lightness)
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
    cells = cell_shares(_saliency(lab))                                            # [3, 3]
    edges = _edge_density(light_l)
    light, contrast, busy = _levels(float(light_l.mean()), float(p95 - p5), edges)
    w, h = image.size
    return ImageFacts(
        size=(w, h), aspect=w / h, format=_format_of(w / h),
        palette=_merge_families(shades, labels, rgb, lab), shades=shades,
        lightness=float(light_l.mean()), light=light, contrast_range=float(p95 - p5), contrast=contrast,
        warmth=warmth, temperature=_temperature(warmth, colourful), colourfulness=colourful,
        focus_cells=cells, focus_where=focus_position(cells),
        edge_density=edges, busyness=busy, labels=labels, light_map=light_l,
        timings={"measure_ms": (time.perf_counter() - t0) * 1e3})

