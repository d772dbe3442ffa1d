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
from PIL import Image

from vlmtok.encoders import Encoder, VisionTokens
from vlmtok.tokens import TOKEN_BUDGET
from vlmtok.smolvlm import checkpoint, geometry_of, resolve_detail, tile_plan
from vlmtok.smolvlm.tiles import rescale_to_longest

log = logging.getLogger(__name__)

MEMORY_SAMPLE_S = 0.001             # RSS sampling period while an encoder runs on the CPU

def _vlm_config(model: str) -> dict[str, Any]:
    """The vision side of a SmolVLM checkpoint (tile, patch, pixel-shuffle factor), by any of its names."""
    return checkpoint(model).vision_config


def smolvlm_tile_plan(width: int, height: int, model: str = "SmolVLM-256M-Instruct",
                      detail: str = "high") -> dict[str, Any]:
    """How many image tokens SmolVLM spends on a ``width × height`` picture, and why, in plain words.

    The rules are ``vlmtok.smolvlm.tile_plan`` (the processor's, step by step); "high" is the processor's
    default (longest edge 4 tiles), "normal" 2 tiles, "low" the global view only.

    Returns:
        dict: ``model``, ``detail``, ``image_size`` (w, h), ``resized`` and ``tiled`` (h, w), ``rows``, ``cols``,
        ``images`` (tiles + global view), ``tokens_per_image``, ``image_tokens``, ``over_budget``, ``why``.
    """
    config = _vlm_config(model)
    plan = tile_plan((width, height), detail, config)
    longest = geometry_of(config).longest_edge(detail)
    resized = rescale_to_longest(height, width, longest) if longest else plan.resized
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


def measure_encode(encoder: Encoder, image: Image.Image, size: int,
                   **kwargs: Any) -> tuple[VisionTokens, float | None, str]:
    """Encode once and measure peak memory growth: ``(vt, peak_mb, how)``; ``kwargs`` go to ``encode``.

    On CUDA: peak ``torch.cuda.max_memory_allocated`` above the allocation before the call. On the CPU: peak
    resident-set growth of the whole process, sampled every millisecond (other threads' allocations count too).
    """
    if encoder.family == "vlm":
        # pictures need one token grid: SmolVLM's global view (8 x 8 tokens); its tiles are costed by tile_plan
        return _measured(lambda: encoder.encode(image, detail="low"), encoder.device)
    return _measured(lambda: encoder.encode(image, size, **kwargs), encoder.device)


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
    details = dict.fromkeys([resolve_detail(None), "high"])  # e.g. "low" on a CPU, then "high"; once if equal
    vlm_rows = [{"kind": "vlm", **smolvlm_tile_plan(image_size[0], image_size[1], name, detail)}
                for name in vlms for detail in details]
    return Ledger(list(rows), vlm_rows, tuple(image_size))
