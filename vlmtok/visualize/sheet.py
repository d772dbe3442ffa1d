"""Side by side: several scales of one encoder, and 1 to 4 encoders of any family on one sheet.

``compare`` runs the encoders (measuring time and memory for the ledger) and keeps the drawing time apart, so the
benchmark can say how much of a sheet is drawing and how much is the networks.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable

from PIL import Image, ImageDraw

from vlmtok import ledger as ledger_mod
from vlmtok.encoders import Encoder, VisionTokens, create_encoder
from vlmtok.visualize import _draw
from vlmtok.visualize.compression import compression_panel
from vlmtok.visualize.features import pca_tokens
from vlmtok.visualize.grid import TOKEN_BUDGET, grid_panel

log = logging.getLogger(__name__)

MAX_ENCODERS = 4
TILE_PX = 280          # longest side of each picture on the sheet: 3 encoders × 2 scales fit a 1600 px wide page
INFO_PX = 270          # left column: the encoder's facts
GAP = 10
FONT_PX = 17


def pca_panel(vt: VisionTokens, scale: float) -> Image.Image:
    """PCA colours per token at ``scale`` (nearest: one flat colour per token)."""
    rgb = _draw.cells_to_pixels(pca_tokens(vt).rgb, vt.patch_px, vt.input_size)  # [H, W, 3]
    h, w = vt.input_size
    return Image.fromarray(rgb).resize((round(w * scale), round(h * scale)), Image.Resampling.NEAREST)


# ----------------------------------------------------------------------------------------------------------------
# Multi-scale strip


def multiscale_picture(scales: Sequence[VisionTokens], *, kind: str = "grid", tile_px: int = TILE_PX,
                       lang: str = "en") -> Image.Image:
    """The same artwork at each scale, side by side (same display size), with counts per scale and the total.

    Args:
        scales: one VisionTokens per scale (any encoders).
        kind: "grid" (the cells) or "pca" (what the tokens see).
    """
    tiles = []
    for vt in scales:
        scale = tile_px / max(vt.input_size)
        panel = grid_panel(vt, scale) if kind == "grid" else pca_panel(vt, scale)
        caption = [f"{vt.encoder} @ {vt.input_size[0]}", f"{vt.grid[0]} × {vt.grid[1]} = {vt.num_tokens} tokens"]
        tiles.append(_draw.frame(panel, caption, random_weights=False, size=15,
                                 alert=[False, vt.num_tokens > TOKEN_BUDGET]))
    total = sum(vt.num_tokens for vt in scales)
    counts = " + ".join(str(vt.num_tokens) for vt in scales)
    lines = [f"{len(scales)} scales", f"{counts} = {total} tokens in all"
             + (f" (over the {TOKEN_BUDGET}-token budget)" if total > TOKEN_BUDGET else "")]
    return _draw.frame(_draw.hstack(tiles, gap=GAP), lines, random_weights=any(_draw.banner_needed(v) for v in scales),
                       lang=lang, alert=[False, total > TOKEN_BUDGET])


# ----------------------------------------------------------------------------------------------------------------
# Comparison: run encoders, then draw


@dataclass
class EncoderRun:
    """One encoder at all its scales."""

    name: str
    family: str
    params: int
    weights_source: str
    scales: list[VisionTokens]
    compressed: list[Any | None] = field(default_factory=list)
    peak_mb: list[float | None] = field(default_factory=list)
    memory_how: str | None = None


@dataclass
class Comparison:
    """Everything a sheet and a ledger need, plus where the time went (milliseconds)."""

    runs: list[EncoderRun]
    image_size: tuple[int, int]
    title: str
    timings: dict[str, float] = field(default_factory=dict)

    def ledger(self, vlms: Sequence[str] = ("SmolVLM-256M-Instruct",)) -> ledger_mod.Ledger:
        rows = [ledger_mod.encoder_row(vt, params=r.params, peak_mb=pk, memory_how=r.memory_how, compressed=c)
                for r in self.runs for vt, c, pk in zip(r.scales, r.compressed, r.peak_mb)]
        return ledger_mod.build_ledger(rows, self.image_size, vlms)


def _merge(vt: VisionTokens, ratio: float | None):
    if ratio is None:
        return None
    from vlmtok.tokens import (
        merge_tokens,  # imported on use: compression is optional on the sheet
    )

    return merge_tokens(vt, ratio)


def scale_sizes(encoder: Encoder, sizes: Sequence[int]) -> list[int]:
    """The sizes an encoder really runs at: each asked size, but one for SmolVLM (its own 512 px global view
    whatever is asked: a second size would only repeat it)."""
    return list(sizes[:1]) if encoder.family == "vlm" else list(dict.fromkeys(sizes))


def run_encoders(image: Image.Image, encoders: Sequence[Encoder | str], sizes: Sequence[int], *,
                 merge: float | None = None, weights: str = "auto", attention: bool = False,
                 on_step: Callable[[int, int, str], Any] | None = None) -> list[EncoderRun]:
    """Encode ``image`` with every encoder at every size (measuring memory) and optionally merge tokens.

    The picture is decoded once and resized once per input size for all the encoders (timm's); with
    ``attention`` a ViT's rollout is read in the forward pass that makes its tokens. ``on_step(done, total, what)``
    is called before each encoder is built and before each size is encoded (a progress bar).
    """
    if not 1 <= len(encoders) <= MAX_ENCODERS:
        raise ValueError(f"compare 1 to {MAX_ENCODERS} encoders, got {len(encoders)}")
    runs, shared = [], {}
    total = len(encoders) * (1 + len(sizes))
    done = 0
    for e in encoders:
        if on_step:
            on_step(done, total, str(e))
        enc = create_encoder(e, weights=weights) if isinstance(e, str) else e
        done += 1
        run = EncoderRun(enc.name, enc.family, enc.num_params, enc.weights_source, [])
        for size in scale_sizes(enc, sizes):
            if on_step:
                on_step(done, total, f"{enc.name} {size}")
            kwargs = {"attention": attention, "shared": shared} if enc.family != "vlm" else {}
            vt, peak, how = ledger_mod.measure_encode(enc, image, size, **kwargs)
            run.scales.append(vt)
            run.peak_mb.append(peak)
            run.memory_how = how
            run.compressed.append(_merge(vt, merge))
            done += 1
        done += len(sizes) - len(run.scales)
        runs.append(run)
    return runs


def compare(image: Image.Image, encoders: Sequence[Encoder | str], sizes: Sequence[int], *,
            merge: float | None = None, title: str = "", weights: str = "auto") -> tuple[Image.Image, Comparison]:
    """Encode and draw the comparison sheet; ``Comparison.timings`` splits forward passes from everything else.

    Timings: ``total_ms`` (encode + merge + draw), ``forward_ms`` (sum of the networks' forward passes),
    ``draw_ms`` (the sheet alone), ``overhead_ms = total - forward`` (preprocessing, memory sampling, merging,
    drawing) and ``overhead_share``.
    """
    t0 = time.perf_counter()
    runs = run_encoders(image, encoders, sizes, merge=merge, weights=weights)
    t1 = time.perf_counter()
    comp = Comparison(runs, image.size, title)
    sheet = comparison_sheet(comp)
    t2 = time.perf_counter()
    forward = sum(vt.timings.get("forward_ms", 0.0) for r in runs for vt in r.scales)
    total = (t2 - t0) * 1e3
    comp.timings = {"total_ms": total, "encode_ms": (t1 - t0) * 1e3, "forward_ms": forward,
                    "draw_ms": (t2 - t1) * 1e3, "overhead_ms": total - forward,
                    "overhead_share": (total - forward) / total if total else 0.0}
    return sheet, comp


# ----------------------------------------------------------------------------------------------------------------
# The sheet


def comparison_sheet(comp: Comparison, *, tile_px: int = TILE_PX, lang: str = "en") -> Image.Image:
    """One row per encoder: its facts, then for each scale the grid, the PCA colours and (if merged) the groups.

    Every number on the sheet comes from the tensors and timers of this run; rows with random weights carry the
    red banner across the whole row.
    """
    rows = [_encoder_row(run, tile_px, lang) for run in comp.runs]
    header = _header(comp, max(r.width for r in rows))
    parts = [header, *rows, _footer(comp, header.width)]
    out = Image.new("RGB", (header.width, sum(p.height for p in parts) + GAP * (len(parts) - 1)), _draw.PAPER)
    y = 0
    for p in parts:
        out.paste(p, (0, y))
        y += p.height + GAP
    return out


def _header(comp: Comparison, width: int) -> Image.Image:
    names = ", ".join(r.name for r in comp.runs)
    title = comp.title or f"How {len(comp.runs)} encoder{'s' if len(comp.runs) > 1 else ''} cut one artwork into tokens"
    lines = [f"{names}  ·  original picture {comp.image_size[0]} × {comp.image_size[1]} px, resized whole (no crop)",
             "grid: the cells each encoder saw (a line every patch P or stride s)  ·  PCA: what the tokens see, "
             "background black" + ("  ·  merge: tokens averaged together" if _merged(comp) else "")]
    out = Image.new("RGB", (width, 92), _draw.PAPER)
    draw = ImageDraw.Draw(out)
    draw.text((GAP, 8), title, fill=_draw.INK, font=_draw.font(24, bold=True))
    for k, line in enumerate(lines):
        draw.text((GAP, 42 + 22 * k), line, fill=_draw.INK, font=_draw.font(15))
    return out


def _merged(comp: Comparison) -> bool:
    return any(c is not None for r in comp.runs for c in r.compressed)


def _encoder_row(run: EncoderRun, tile_px: int, lang: str) -> Image.Image:
    tiles = [_scale_block(vt, c, tile_px) for vt, c in zip(run.scales, run.compressed)]
    body = _draw.hstack(tiles, gap=2 * GAP)
    info = _info_panel(run, body.height)
    random_weights = run.weights_source == "random"
    banner_h = 34 if random_weights else 0
    out = Image.new("RGB", (INFO_PX + GAP + body.width + GAP, body.height + banner_h + 2), _draw.PAPER)
    draw = ImageDraw.Draw(out)
    if random_weights:
        fnt = _draw.font(FONT_PX)
        _draw.draw_banner(draw, (0, 0, out.width, banner_h - 2), [_draw.random_banner(lang)], fnt, 6, 20)
    out.paste(info, (0, banner_h))
    out.paste(body, (INFO_PX + GAP, banner_h))
    draw.line([(0, out.height - 1), (out.width, out.height - 1)], fill=(200, 200, 200), width=1)
    return out


def _info_panel(run: EncoderRun, height: int) -> Image.Image:
    out = Image.new("RGB", (INFO_PX, height), (238, 238, 232))
    draw = ImageDraw.Draw(out)
    fnt, bold = _draw.font(FONT_PX), _draw.font(FONT_PX + 1, bold=True)
    vt0 = run.scales[0]
    unit = f"patch P = {vt0.patch_px} px" if run.family == "vit" else f"stride s = {vt0.patch_px} px"
    weights_colour = _draw.ALERT_COLOUR if run.weights_source == "random" else _draw.INK
    lines = [(run.name, bold, _draw.INK), (f"family: {run.family}", fnt, _draw.INK), (unit, fnt, _draw.INK),
             (f"token width d = {vt0.dim}", fnt, _draw.INK),
             (f"parameters: {_draw.fmt_count(run.params)}", fnt, _draw.INK),
             (f"weights: {run.weights_source}", fnt, weights_colour),
             (f"tokens in all: {sum(v.num_tokens for v in run.scales)}", fnt, _draw.INK)]
    y = 8
    for text, f, colour in lines:
        for wrapped in _draw._wrap(text, f, INFO_PX - 16):
            draw.text((8, y), wrapped, fill=colour, font=f)
            y += int(FONT_PX * 1.4)
    return out


def _scale_block(vt: VisionTokens, compressed: Any | None, tile_px: int) -> Image.Image:
    """Grid, PCA (and merge groups) of one scale, with one caption underneath."""
    scale = tile_px / max(vt.input_size)
    panels = [grid_panel(vt, scale), pca_panel(vt, scale)]
    if compressed is not None:
        panels.append(compression_panel(vt, compressed.assignment, scale, tint_singletons=False))
    over = vt.num_tokens > TOKEN_BUDGET
    lines = [f"input {vt.input_size[1]} × {vt.input_size[0]} px: {vt.grid[0]} × {vt.grid[1]} = {vt.num_tokens} tokens"
             + ("  (over budget)" if over else ""),
             f"encode {_draw.fmt_ms(vt.timings.get('total_ms'))} (forward {_draw.fmt_ms(vt.timings.get('forward_ms'))})"]
    if compressed is not None:
        lines.append(f"merged: {vt.num_tokens} → {int(compressed.tokens.shape[0])} tokens")
    return _caption_under(_draw.hstack(panels, gap=4), lines, alert=[over])


def _caption_under(panel: Image.Image, lines: Sequence[str], alert: Sequence[bool] = ()) -> Image.Image:
    fnt = _draw.font(FONT_PX - 1)
    line_h = int(FONT_PX * 1.35)
    out = Image.new("RGB", (panel.width, panel.height + 8 + line_h * len(lines)), _draw.PAPER)
    out.paste(panel, (0, 0))
    draw = ImageDraw.Draw(out)
    for k, text in enumerate(lines):
        colour = _draw.ALERT_COLOUR if k < len(alert) and alert[k] else _draw.INK
        draw.text((2, panel.height + 4 + k * line_h), text, fill=colour, font=fnt)
    return out


def _footer(comp: Comparison, width: int) -> Image.Image:
    over = [f"{vt.encoder} @ {vt.input_size[0]}" for r in comp.runs for vt in r.scales if vt.num_tokens > TOKEN_BUDGET]
    vlm = ledger_mod.smolvlm_tile_plan(*comp.image_size)
    lines = [f"SmolVLM-256M would spend {vlm['image_tokens']} image tokens on this picture: {vlm['why']}",
             (f"over the {TOKEN_BUDGET}-token budget: " + ", ".join(over)) if over
             else f"every encoder stays within the {TOKEN_BUDGET}-token budget"]
    fnt = _draw.font(15)
    wrapped = [(w, k) for k, line in enumerate(lines) for w in _draw._wrap(line, fnt, width - 2 * GAP)]
    out = Image.new("RGB", (width, 8 + 22 * len(wrapped)), _draw.PAPER)
    draw = ImageDraw.Draw(out)
    for n, (text, k) in enumerate(wrapped):
        draw.text((GAP, 4 + 22 * n), text, fill=_draw.ALERT_COLOUR if (k == 1 and over) else _draw.INK, font=fnt)
    return out
