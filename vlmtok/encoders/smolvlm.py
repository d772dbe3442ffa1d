"""SmolVLM's vision tower + connector as an encoder (family "vlm"): the very tokens the narrator reads.

Registered as ``smolvlm-256m`` and ``smolvlm-500m`` from the checkpoint records in ``vlmtok.smolvlm``.
"""
from __future__ import annotations

import logging
import time
from typing import Any

import torch
from PIL import Image

from vlmtok.encoders.base import EncoderSpec, VisionTokens
from vlmtok.encoders.registry import register_encoder
from vlmtok.smolvlm import (LoadedSmolVLM, SmolVLMUnavailable, check_detail, checkpoint, encoder_checkpoints,
                            load_smolvlm, random_smolvlm_shared)

log = logging.getLogger(__name__)


class SmolVLMEncoder:
    """SmolVLM's vision tower + connector as a vlmtok encoder (family "vlm").

    ``encode`` returns the very tokens the narrator splices into the language model (same cache).
    ``VisionTokens.grid`` is the per-tile token grid (8, 8); ``tokens`` holds all tiles in the language model's
    order (local tiles row-major, then the global view), so ``num_tokens = len(extra["tiles"]) * 64``.
    """

    family = "vlm"

    def __init__(self, name: str, loaded: LoadedSmolVLM):
        self.name, self.loaded = name, loaded
        self.model, self.weights_source = loaded.model, loaded.weights_source
        param = next(loaded.model.parameters())
        self.device, self.dtype = param.device, param.dtype
        geo = loaded.tower.geometry
        self.patch_px = geo.patch_px * geo.scale_factor            # input pixels per token side (64)
        ip = loaded.tower.image_processor
        self.mean = tuple(float(v) for v in ip.image_mean)
        self.std = tuple(float(v) for v in ip.image_std)

    def __repr__(self) -> str:
        return f"SmolVLMEncoder({self.name!r}, weights={self.weights_source!r})"

    @property
    def num_params(self) -> int:
        """Parameters of the part that makes the tokens: vision tower + connector (not the language model)."""
        parts = [getattr(self.model.model, n, None) for n in ("vision_model", "connector")]
        return sum(p.numel() for part in parts if part is not None for p in part.parameters())

    def detail_for(self, size: int | None) -> str:
        """``size`` as a longest edge: None or one tile -> "low", up to 2 tiles -> "normal", more -> "high"."""
        tile = self.loaded.tower.geometry.tile_px
        return "low" if not size or size <= tile else ("normal" if size <= 2 * tile else "high")

    def encode(self, image: Image.Image, size: int | None = None, *, detail: str | None = None):
        """Tokenise one picture exactly as SmolVLM reads it.

        Args:
            image: an RGB picture.
            size: longest edge to tile at (None = the global view only); ``detail`` wins when given.

        Returns:
            ``VisionTokens``: ``tokens [T * 64, D]``, ``grid (8, 8)`` per tile, ``input_image`` the resized picture the
            tiles are cut from, ``extra`` = tiles (index, kind, row, col, box in ``input_image`` pixels),
            ``pixel_shuffle``, ``patch_grid`` (32, 32), ``rows``, ``cols``, ``detail``, ``tokens_per_tile``.
        """
        detail = check_detail(detail or self.detail_for(size))
        t0 = time.perf_counter()
        it = self.loaded.tower.encode(image, detail)
        pixels = it.pixel_values if it.pixel_values is not None else self.loaded.tower.preprocess(image, detail)[
            "pixel_values"][0].float()
        picture = _mosaic(pixels, it.rows, it.cols, self.mean, self.std)
        total_ms = (time.perf_counter() - t0) * 1e3
        return VisionTokens(
            tokens=it.tokens.float().cpu(), cls=None, grid=it.token_grid, patch_px=self.patch_px,
            input_size=(picture.height, picture.width), input_image=picture, mean=self.mean, std=self.std,
            family=self.family, encoder=self.name, weights_source=self.weights_source,
            timings={"preprocess_ms": it.timings["preprocess_ms"], "forward_ms": it.timings["encode_ms"],
                     "total_ms": total_ms, "cached": it.timings["cached"]},
            extra={"tiles": _tile_boxes(it.rows, it.cols, picture.size, pixels.shape[-1]),
                   "pixel_shuffle": it.pixel_shuffle, "patch_grid": it.patch_grid,
                   "siglip_patch_px": self.patch_px // it.pixel_shuffle, "rows": it.rows, "cols": it.cols,
                   "detail": detail, "tokens_per_tile": it.tokens_per_tile, "model_id": self.loaded.model_id})


def _mosaic(pixels: torch.Tensor, rows: int, cols: int, mean, std) -> Image.Image:
    """The picture the tiles were cut from, rebuilt from the normalised tiles ``[T, 3, t, t]``."""
    m, s = torch.tensor(mean).view(1, 3, 1, 1), torch.tensor(std).view(1, 3, 1, 1)
    x = (pixels.float() * s + m).clamp(0, 1)                          # [T, 3, t, t] in 0..1
    if rows:
        t = x.shape[-1]
        x = x[: rows * cols].reshape(rows, cols, 3, t, t).permute(2, 0, 3, 1, 4).reshape(3, rows * t, cols * t)
    else:
        x = x[-1]                                                     # [3, t, t]: the global view
    return Image.fromarray((x.permute(1, 2, 0).numpy() * 255).round().astype("uint8"))


def _tile_boxes(rows: int, cols: int, size: tuple[int, int], tile: int) -> list[dict[str, Any]]:
    """Where each encoded image lies on the mosaic picture, in the language model's order."""
    boxes = [{"index": r * cols + c, "kind": "tile", "row": r + 1, "col": c + 1,
              "box": (c * tile, r * tile, (c + 1) * tile, (r + 1) * tile)} for r in range(rows) for c in range(cols)]
    boxes.append({"index": rows * cols, "kind": "global", "row": 0, "col": 0, "box": (0, 0, size[0], size[1])})
    return boxes


def create_smolvlm_encoder(name: str = "smolvlm-256m", weights: str = "auto") -> SmolVLMEncoder:
    """The encoder registry's builder for "smolvlm-256m" / "smolvlm-500m".

    Args:
        weights: "auto" (local cache or Hub, else random with a warning), "hub" (raise if unavailable), "random".
    """
    model_id = checkpoint(name).model_id
    if weights not in ("auto", "hub", "random"):
        raise ValueError(f"Unknown weights choice {weights!r}; known: auto, hub, random")
    if weights != "random":
        try:
            return SmolVLMEncoder(name, load_smolvlm(model_id, role="encoder"))
        except SmolVLMUnavailable as exc:
            if weights == "hub":
                raise
            log.warning("%s uses random weights (%s): geometry only", name, exc)
    return SmolVLMEncoder(name, random_smolvlm_shared(model_id))


def _build(spec: EncoderSpec, weights: str) -> SmolVLMEncoder:
    return create_smolvlm_encoder(spec.name, weights)


def _expect(spec: EncoderSpec) -> str:
    """"hub" when the checkpoint is cached or the Hub answers, else "random" (what ``create_encoder`` will find)."""
    from vlmtok.smolvlm import smolvlm_available

    return "hub" if smolvlm_available(spec.timm_name)[0] else "random"


# 512 px tiles -> 32x32 SigLIP patches -> pixel shuffle x4 -> 64 tokens per tile. ``grid`` is per tile; N = tiles x 64.
for _c in encoder_checkpoints():
    _plain = _c.short_name.removesuffix("-Instruct")
    register_encoder(EncoderSpec(_c.encoder, _c.model_id, "vlm", _c.tile_px,
                                 f"{_plain}'s vision tower + connector: the tokens the narrator reads",
                                 label=_plain), _build, share=False, expect=_expect)
