"""Drawing helpers shared by every picture: fonts, colours, colour maps, captions and the random-weights banner.

Pillow and numpy only (no matplotlib): pictures must be cheap enough to redraw on every tap.

Every picture is laid out the same way: the artwork panel at the top-left, pixel for pixel (so a coordinate in the
panel is a coordinate in the encoder's input times ``scale``), then a caption strip below it. With random weights
the caption strip opens with a red banner that says the colours mean nothing.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from vlmtok import i18n

log = logging.getLogger(__name__)

FONT_FILES = ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD_FONT_FILES = ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

INK = (20, 20, 20)               # caption text on PAPER: contrast ratio above 15:1
PAPER = (250, 250, 247)
GRID_COLOUR = (255, 214, 0)      # a saturated yellow: visible on dark and light paintings alike
BANNER_COLOUR = (176, 0, 32)     # dark red with white text: contrast ratio above 7:1
BANNER_TEXT = (255, 255, 255)
ALERT_COLOUR = (176, 0, 32)

# Viridis sampled at 9 evenly spaced points (perceptually uniform, readable by colour-blind visitors).
_VIRIDIS = np.array([
    (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
    (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37)], dtype=np.float32)

# Twelve well-separated colours for groups and encoders (Tableau-like), cycled.
PALETTE = np.array([
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
    (227, 119, 194), (188, 189, 34), (23, 190, 207), (174, 199, 232), (255, 187, 120), (152, 223, 138)],
    dtype=np.uint8)


@functools.lru_cache(maxsize=32)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (covers Vietnamese) if installed, else Pillow's bundled scalable font."""
    for name in BOLD_FONT_FILES if bold else FONT_FILES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def text_width(text: str, fnt) -> int:
    return int(fnt.getlength(text))


def colormap(values: np.ndarray, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """Map values ``[...]`` to viridis RGB ``[..., 3]`` uint8, scaled to ``[lo, hi]`` (default min..max)."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float32))
    lo = float(v.min()) if lo is None else lo
    hi = float(v.max()) if hi is None else hi
    t = np.clip((v - lo) / max(hi - lo, 1e-12), 0.0, 1.0) * (len(_VIRIDIS) - 1)
    i = np.minimum(t.astype(np.int64), len(_VIRIDIS) - 2)
    f = (t - i)[..., None]
    return (_VIRIDIS[i] * (1 - f) + _VIRIDIS[i + 1] * f).round().astype(np.uint8)


def cells_to_pixels(cells: np.ndarray, cell_px: int, size_hw: tuple[int, int]) -> np.ndarray:
    """Nearest upsampling of a per-token array ``[h, w, ...]`` to input pixels ``[H, W, ...]``.

    Cell ``(i, j)`` covers rows ``i*P .. (i+1)*P`` and columns ``j*P .. (j+1)*P``; a CNN's last cell may stick
    out past the input (its padding), so the result is cropped to ``(H, W)``.
    """
    up = np.repeat(np.repeat(cells, cell_px, axis=0), cell_px, axis=1)
    big = np.zeros((max(size_hw[0], up.shape[0]), max(size_hw[1], up.shape[1]), *cells.shape[2:]), cells.dtype)
    big[: up.shape[0], : up.shape[1]] = up
    return big[: size_hw[0], : size_hw[1]]


def scaled(image: Image.Image, scale: float) -> Image.Image:
    """The picture at ``scale`` (nearest for whole-number scales, so cell edges stay sharp)."""
    if scale == 1:
        return image.copy()
    w, h = round(image.width * scale), round(image.height * scale)
    resample = Image.Resampling.NEAREST if float(scale).is_integer() else Image.Resampling.BILINEAR
    return image.resize((w, h), resample)


def blend(base: Image.Image, overlay_rgb: np.ndarray, alpha: float) -> Image.Image:
    """``(1 - alpha) * base + alpha * overlay``; the overlay is ``[H, W, 3]`` uint8 at the base's size."""
    b = np.asarray(base.convert("RGB"), dtype=np.float32)
    out = b * (1 - alpha) + overlay_rgb.astype(np.float32) * alpha
    return Image.fromarray(out.round().astype(np.uint8))


def cell_map_picture(vt, cells: np.ndarray, scale: float, alpha: float) -> Image.Image:
    """Colour every token's cell with ``cells [h, w, 3]`` over the encoder's input, at ``scale``."""
    h_in, w_in = vt.input_size
    rgb = cells_to_pixels(cells, vt.patch_px, (h_in, w_in))  # [H, W, 3]
    panel = blend(vt.input_image, rgb, alpha) if alpha < 1 else Image.fromarray(rgb)
    return scaled(panel, scale)


def banner_needed(vt) -> bool:
    return getattr(vt, "weights_source", None) == "random"


@dataclass
class Caption:
    """A laid-out caption strip: wrapped lines, fonts and its height in pixels.

    With random weights the strip opens with a red band: a short stamp in letters a tenth of the picture's width
    (readable on a thumbnail), then the full sentence.
    """

    banner: list[str]
    lines: list[tuple[str, int]]          # (text, index of the source line)
    alert: Sequence[bool]
    size: int
    height: int
    stamp: list[str] = field(default_factory=list)
    stamp_size: int = 0

    @property
    def pad(self) -> int:
        return max(4, self.size // 3)

    @property
    def line_h(self) -> int:
        return int(self.size * 1.35)

    @property
    def banner_h(self) -> int:
        if not self.banner:
            return 0
        return len(self.stamp) * int(self.stamp_size * 1.25) + len(self.banner) * self.line_h + 2 * self.pad


def stamp_size(width: int) -> int:
    """Letters of the random-weights stamp: a tenth of the picture's width (16 px at least)."""
    return max(16, width // 10)


def caption_layout(width: int, lines: Sequence[str], *, random_weights: bool, lang: str = "en",
                   size: int | None = None, alert: Sequence[bool] = ()) -> Caption:
    """Wrap a caption to ``width`` px; the banner (random weights) comes first."""
    size = size or max(13, min(22, width // 24))
    fnt, bold = font(size), font(size, bold=True)
    pad, line_h = max(4, size // 3), int(size * 1.35)
    big = stamp_size(width)
    stamp = _wrap(random_stamp(lang), font(big, bold=True), width - 2 * pad) if random_weights else []
    banner = _wrap(random_banner(lang), fnt, width - 2 * pad) if random_weights else []
    wrapped = [(w, i) for i, line in enumerate(lines) for w in _wrap(line, bold if i == 0 else fnt, width - 2 * pad)]
    cap = Caption(banner, wrapped, alert, size, 0, stamp, big)
    cap.height = cap.banner_h + len(wrapped) * line_h + (2 * pad if wrapped else 0)
    return cap


def draw_caption(out: Image.Image, y: int, cap: Caption) -> None:
    """Draw ``cap`` onto ``out`` from row ``y`` down (the strip is already paper-coloured)."""
    draw = ImageDraw.Draw(out)
    fnt, bold = font(cap.size), font(cap.size, bold=True)
    if cap.banner:
        draw.rectangle((0, y, out.width, y + cap.banner_h), fill=BANNER_COLOUR)
        ty = y + cap.pad
        for text in cap.stamp:
            draw.text((cap.pad, ty), text, fill=BANNER_TEXT, font=font(cap.stamp_size, bold=True))
            ty += int(cap.stamp_size * 1.25)
        for text in cap.banner:
            draw.text((cap.pad, ty), text, fill=BANNER_TEXT, font=fnt)
            ty += cap.line_h
        y += cap.banner_h
    y += cap.pad
    for text, i in cap.lines:
        colour = ALERT_COLOUR if i < len(cap.alert) and cap.alert[i] else INK
        draw.text((cap.pad, y), text, fill=colour, font=bold if i == 0 else fnt)
        y += cap.line_h


def frame(panel: Image.Image | np.ndarray, lines: Sequence[str], *, random_weights: bool, lang: str = "en",
          size: int | None = None, alert: Sequence[bool] = ()) -> Image.Image:
    """Add a caption strip under ``panel`` (which stays at offset (0, 0), pixel for pixel).

    Args:
        panel: the artwork (a PIL image or an ``[H, W, 3]`` uint8 array).
        lines: caption lines, first one bold.
        random_weights: open the strip with the red "colours mean nothing" banner.
        size: font size in px (default: scaled to the panel width, 13 to 22).
        alert: per line, True draws it in the alert colour (over-budget counts).
    """
    arr = panel if isinstance(panel, np.ndarray) else None
    h, w = arr.shape[:2] if arr is not None else (panel.height, panel.width)
    cap = caption_layout(w, lines, random_weights=random_weights, lang=lang, size=size, alert=alert)
    if arr is not None:
        full = np.empty((h + cap.height, w, 3), np.uint8)
        full[:h] = arr
        full[h:] = PAPER
        out = Image.fromarray(full)
    else:
        out = Image.new("RGB", (w, h + cap.height), PAPER)
        out.paste(panel, (0, 0))
    draw_caption(out, h, cap)
    return out


def draw_banner(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], lines: Sequence[str], fnt,
                pad: int, line_h: int) -> None:
    """An opaque red band with white text."""
    draw.rectangle(box, fill=BANNER_COLOUR)
    y = box[1] + pad
    for text in lines:
        draw.text((box[0] + pad, y), text, fill=BANNER_TEXT, font=fnt)
        y += line_h


def _wrap(text: str, fnt, width: int) -> list[str]:
    """Greedy word wrap to ``width`` px."""
    words, lines, current = text.split(), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if current and text_width(trial, fnt) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return lines + ([current] if current else [])


def group_colours(n: int) -> np.ndarray:
    """``[n, 3]`` uint8 colours, neighbours in index order far apart in the palette."""
    return PALETTE[(np.arange(n) * 5) % len(PALETTE)]


def fmt_ms(ms: float | None) -> str:
    return "n/a" if ms is None else (f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms")


def fmt_count(n: float | None) -> str:
    if n is None:
        return "n/a"
    n = float(n)
    for unit, div in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= div:
            return f"{n / div:.1f}{unit}"
    return f"{n:.0f}"


def random_banner(lang: str | None = "en") -> str:
    """The red banner's words: random weights, so the colours mean nothing."""
    return i18n.t("visualize.random_banner", lang)


def random_stamp(lang: str | None = "en") -> str:
    """The banner's big first words, the same as the badge in the picker and the ledger."""
    return i18n.t("compare.badge_random", lang)


def vstack(images, gap: int = 4, background=PAPER) -> Image.Image:
    """Pictures one under the other, left-aligned, ``gap`` px apart on ``background``."""
    out = Image.new("RGB", (max(i.width for i in images), sum(i.height for i in images) + gap * (len(images) - 1)),
                    background)
    y = 0
    for im in images:
        out.paste(im, (0, y))
        y += im.height + gap
    return out


def hstack(images, gap: int = 8, background=PAPER) -> Image.Image:
    """Pictures side by side, top-aligned, ``gap`` px apart on ``background``."""
    out = Image.new("RGB", (sum(i.width for i in images) + gap * (len(images) - 1), max(i.height for i in images)),
                    background)
    x = 0
    for im in images:
        out.paste(im, (x, 0))
        x += im.width + gap
    return out
