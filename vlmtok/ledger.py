"""The token ledger: what each encoder and scale costs (tokens, width, time, memory), and what SmolVLM charges.

Rows are plain dicts (JSON-ready). ``smolvlm_tile_plan`` follows the Idefics3 / SmolVLM image processor step by
step (transformers ``image_processing_smolvlm.py``), which is why a small picture can cost the most tokens:

1. resize so the longest edge equals ``size["longest_edge"]`` (2048 for SmolVLM-256M/500M), **up or down**;
2. round each side up to a multiple of the tile (``max_image_size["longest_edge"]``, 512);
3. if larger than one tile: cut into ``rows × cols`` tiles of 512 px and add one global image (the whole picture
   shrunk to 512 × 512); otherwise the picture is one image;
4. each image becomes ``image_seq_len`` tokens: ``(512 / 16)² = 1024`` SigLIP patches, pixel-shuffled by 4 × 4
   into 64.

A 386 × 386 photo is scaled *up* to 2048 × 2048, cut into 4 × 4 = 16 tiles, plus the global image: 17 × 64 = 1088.

>>> smolvlm_tile_plan(386, 386)["image_tokens"]
1088
"""
from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image, ImageDraw

from vlmtok.encoders import Encoder, VisionTokens
from vlmtok.tokens import TOKEN_BUDGET
from vlmtok.visualize import _draw

log = logging.getLogger(__name__)

MEMORY_SAMPLE_S = 0.001             # RSS sampling period while an encoder runs on the CPU

# The vision-language models whose image-token cost the ledger shows: their config's vision tower and connector
# (tile = SigLIP image_size, patch, pixel-shuffle scale_factor); the longest edge defaults to 4 tiles, as in their
# preprocessor_config.json (2048 for 256M/500M, 1536 for the 2.2B SmolVLM-Instruct).
VLM_CONFIGS: dict[str, dict[str, Any]] = {
    "SmolVLM-256M-Instruct": {"vision_config": {"image_size": 512, "patch_size": 16}, "scale_factor": 4},
    "SmolVLM-500M-Instruct": {"vision_config": {"image_size": 512, "patch_size": 16}, "scale_factor": 4},
    "SmolVLM-Instruct": {"vision_config": {"image_size": 384, "patch_size": 14}, "scale_factor": 3},
}


def _vlm_config(model: str) -> dict[str, Any]:
    if model not in VLM_CONFIGS:
        raise ValueError(f"Unknown vision-language model {model!r}; known: {', '.join(VLM_CONFIGS)}")
    return VLM_CONFIGS[model]


def smolvlm_tile_plan(width: int, height: int, model: str = "SmolVLM-256M-Instruct",
                      detail: str = "high") -> dict[str, Any]:
    """How many image tokens SmolVLM spends on a ``width × height`` picture, and why, in plain words.

    The rules are ``vlmtok.smolvlm_tokens.tile_plan`` (the processor's, step by step); "high" is the processor's
    default (longest edge 4 tiles), "normal" 2 tiles, "low" the global view only.

    Returns:
        dict: ``model``, ``detail``, ``image_size`` (w, h), ``resized`` and ``tiled`` (h, w), ``rows``, ``cols``,
        ``images`` (tiles + global view), ``tokens_per_image``, ``image_tokens``, ``over_budget``, ``why``.
    """
    from vlmtok import smolvlm_tokens as st

    config = _vlm_config(model)
    plan = st.tile_plan((width, height), detail, config)
    longest = st.geometry_of(config).longest_edge(detail)
    resized = st._rescale_to_longest(height, width, longest) if longest else plan.resized
    return {"model": model, "detail": detail, "image_size": [width, height], "resized": list(resized),
            "tiled": list(plan.resized), "rows": plan.rows, "cols": plan.cols, "images": plan.tiles,
            "tokens_per_image": plan.tokens_per_tile, "image_tokens": plan.tokens,
            "over_budget": plan.tokens > TOKEN_BUDGET, "why": _why(width, height, resized, plan, longest)}


def _why(width: int, height: int, resized, plan, longest: int | None) -> str:
    images = f"{plan.tiles} × {plan.tokens_per_tile} = {plan.tokens} tokens"
    if longest is None:
        return f"{width}×{height} is squeezed into one {plan.tile_px} px image: {images}"
    direction = "up" if max(resized) > max(width, height) else ("down" if max(resized) < max(width, height) else "")
    scaled_txt = f"scaled {direction} to" if direction else "kept at"
    tiles = (f"cut into {plan.rows}×{plan.cols} = {plan.rows * plan.cols} tiles of {plan.tile_px} px + 1 global image"
             if plan.rows else "one image")
    return (f"{width}×{height} is {scaled_txt} {resized[1]}×{resized[0]} (longest edge {longest}), "
            f"rounded up to {plan.resized[1]}×{plan.resized[0]}, {tiles}: {images}")


# ----------------------------------------------------------------------------------------------------------------
# Measuring an encoder


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None  # not Linux: peak memory is reported as unknown, never guessed


class _PeakRSS:
    """Samples the process's resident memory every millisecond while a block runs."""

    def __init__(self):
        self.start = _rss_bytes()
        self.peak = self.start or 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(MEMORY_SAMPLE_S):
            self.peak = max(self.peak, _rss_bytes() or 0)

    def __enter__(self):
        if self.start is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.peak = max(self.peak, _rss_bytes() or 0)

    @property
    def delta_mb(self) -> float | None:
        return None if self.start is None else (self.peak - self.start) / 2**20


def measure_encode(encoder: Encoder, image: Image.Image, size: int) -> tuple[VisionTokens, float | None, str]:
    """Encode once and measure peak memory growth: ``(vt, peak_mb, how)``.

    On CUDA: peak ``torch.cuda.max_memory_allocated`` above the allocation before the call. On the CPU: peak
    resident-set growth of the whole process, sampled every millisecond (other threads' allocations count too).
    """
    if encoder.family == "vlm":
        # pictures need one token grid: SmolVLM's global view (8 x 8 tokens); its tiles are costed by tile_plan
        return _measured(lambda: encoder.encode(image, detail="low"), encoder.device)
    return _measured(lambda: encoder.encode(image, size), encoder.device)


def _measured(encode, device: torch.device) -> tuple[VisionTokens, float | None, str]:
    if device.type == "cuda":
        torch.cuda.synchronize()
        before = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        vt = encode()
        return vt, (torch.cuda.max_memory_allocated() - before) / 2**20, "cuda peak allocated"
    with _PeakRSS() as rss:
        vt = encode()
    return vt, rss.delta_mb, "peak RSS growth"


def encoder_row(vt: VisionTokens, *, params: int | None = None, peak_mb: float | None = None,
                memory_how: str | None = None, compressed: Any | None = None) -> dict[str, Any]:
    """One ledger row for one encoder at one scale; counts are read from the tensors themselves."""
    after = None if compressed is None else int(compressed.tokens.shape[0])
    knob = None if compressed is None else getattr(compressed, "param", None)
    return {
        "kind": "encoder", "encoder": vt.encoder, "family": vt.family,
        "input_size": list(vt.input_size), "grid": list(vt.grid), "patch_px": vt.patch_px,
        "tokens": vt.num_tokens, "dim": vt.dim,
        "tokens_after": after, "compression": None if compressed is None else f"{compressed.method} {knob}",
        "params": params, "encode_ms": round(vt.timings.get("total_ms", float("nan")), 2),
        "forward_ms": round(vt.timings.get("forward_ms", float("nan")), 2),
        "peak_memory_mb": None if peak_mb is None else round(peak_mb, 2), "memory_measure": memory_how,
        "weights_source": vt.weights_source, "over_budget": vt.num_tokens > TOKEN_BUDGET,
    }


@dataclass
class Ledger:
    """Encoder rows and vision-language-model rows, for one picture."""

    rows: list[dict[str, Any]]
    vlm_rows: list[dict[str, Any]]
    image_size: tuple[int, int]

    def to_dict(self) -> dict[str, Any]:
        return {"image_size": list(self.image_size), "budget": TOKEN_BUDGET, "encoders": self.rows,
                "vlm": self.vlm_rows}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def build_ledger(rows: Sequence[dict[str, Any]], image_size: tuple[int, int],
                 vlms: Sequence[str] = ("SmolVLM-256M-Instruct",)) -> Ledger:
    """Gather encoder rows and the SmolVLM cost of the original picture (``image_size`` = (width, height)):
    at the detail vlmtok's narrator uses on this machine, and at the processor's default ("high")."""
    from vlmtok.smolvlm_tokens import resolve_detail

    details = dict.fromkeys([resolve_detail(None), "high"])  # e.g. "low" on a CPU, then "high"; once if equal
    vlm_rows = [{"kind": "vlm", **smolvlm_tile_plan(image_size[0], image_size[1], name, detail)}
                for name in vlms for detail in details]
    return Ledger(list(rows), vlm_rows, tuple(image_size))


# ----------------------------------------------------------------------------------------------------------------
# Bar chart

BAR_COLOUR = (31, 119, 180)
AFTER_COLOUR = (44, 160, 44)
VLM_COLOUR = (148, 103, 189)


def ledger_chart(ledger: Ledger, *, width: int = 1100, lang: str = "en") -> Image.Image:
    """Horizontal bars: tokens per encoder and scale (green: after compression), then SmolVLM's cost.

    Bars over the 1024-token budget are red; a dashed line marks the budget.
    """
    items = _chart_items(ledger)
    fnt, bold = _draw.font(16), _draw.font(18, bold=True)
    label_w = max(_draw.text_width(label, fnt) for label, *_ in items) + 24
    row_h, top, pad = 30, 64, 16
    height = top + row_h * len(items) + 56
    out = Image.new("RGB", (width, height), _draw.PAPER)
    draw = ImageDraw.Draw(out)
    draw.text((pad, pad), "Token ledger: how many tokens each choice costs", fill=_draw.INK, font=bold)
    vmax = max([TOKEN_BUDGET * 1.1] + [v for _, v, *_ in items])
    bar_w = width - label_w - 110
    x0 = label_w
    for k, (label, value, after, colour) in enumerate(items):
        y = top + k * row_h
        draw.text((pad, y + 5), label, fill=_draw.INK, font=fnt)
        fill = _draw.ALERT_COLOUR if value > TOKEN_BUDGET else colour
        draw.rectangle([x0, y + 4, x0 + max(1, round(bar_w * value / vmax)), y + row_h - 6], fill=fill)
        if after is not None:
            draw.rectangle([x0, y + row_h - 11, x0 + max(1, round(bar_w * after / vmax)), y + row_h - 6],
                           fill=AFTER_COLOUR)
        note = f"{value}" + (f" → {after}" if after is not None else "")
        draw.text((x0 + round(bar_w * value / vmax) + 6, y + 5), note, fill=_draw.INK, font=fnt)
    bx = x0 + round(bar_w * TOKEN_BUDGET / vmax)
    for y in range(top - 4, top + row_h * len(items), 8):
        draw.line([(bx, y), (bx, y + 4)], fill=_draw.ALERT_COLOUR, width=2)
    foot = f"dashed line: {TOKEN_BUDGET}-token budget; red: over it; green: after compression"
    draw.text((pad, height - 40), foot, fill=_draw.INK, font=fnt)
    if any(r["weights_source"] == "random" for r in ledger.rows):
        draw.text((pad, height - 22), "some encoders use random weights: their counts are real, their features not",
                  fill=_draw.ALERT_COLOUR, font=_draw.font(14))
    return out


def _chart_items(ledger: Ledger) -> list[tuple[str, int, int | None, tuple[int, int, int]]]:
    items = [(f"{r['encoder']} @ {r['input_size'][0]}", r["tokens"], r["tokens_after"], BAR_COLOUR)
             for r in ledger.rows]
    items += [(f"{v['model']} ({v['image_size'][0]}×{v['image_size'][1]})", v["image_tokens"], None, VLM_COLOUR)
              for v in ledger.vlm_rows]
    return items or [("no rows", 0, None, BAR_COLOUR)]
