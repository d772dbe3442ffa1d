"""SmolVLM's own vision tower and connector as a token source: tiles -> SigLIP patches -> pixel shuffle -> projection.

These are exactly the vectors the language model sees: vlmtok computes them once per image (cached by content hash +
model + tiling, in memory and on disk), shows them, and splices them into ``inputs_embeds`` at the ``<image>``
positions (``splice_image_tokens``).
"""
from __future__ import annotations

import io
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import torch
from PIL import Image

from vlmtok.cache import DiskCache, cache_key, image_hash
from vlmtok.smolvlm.tiles import check_detail, geometry_of, image_kwargs, image_prompt

log = logging.getLogger(__name__)

DISK_CACHE_NAME = "smolvlm-tokens"
DISK_CACHE_BYTES = 1024 ** 3            # 1088 tokens x 576 x 4 B = 2.5 MB per picture at "high"


@dataclass
class SmolVLMImageTokens:
    """One picture as the language model will read it.

    Attributes:
        tokens: ``[T * S, D]`` projected vision tokens in the model's dtype and device, tiles row-major then the
            global view (the order of the ``<image>`` placeholders); T tiles, S = tokens per tile, D = text width.
        rows, cols: local tiles (0, 0 = global view only).
        token_grid: ``(8, 8)`` tokens per tile after pixel shuffle; ``patch_grid``: ``(32, 32)`` SigLIP patches.
        pixel_shuffle: the connector's scale factor (4).
        detail: "low", "normal" or "high"; ``image_hash``: content hash of the picture.
        timings: ``preprocess_ms``, ``encode_ms`` (0 when read from the cache), ``cached`` (1.0 / 0.0).
        pixel_values: ``[T, 3, tile, tile]`` normalised tiles (float32, CPU) when freshly encoded, else None.
        patch_tokens: ``[T, 1024, d_vision]`` SigLIP outputs before the shuffle (float32, CPU) if asked for.
    """

    tokens: torch.Tensor
    rows: int
    cols: int
    token_grid: tuple[int, int]
    patch_grid: tuple[int, int]
    pixel_shuffle: int
    detail: str
    image_hash: str
    timings: dict[str, float] = field(default_factory=dict)
    pixel_values: torch.Tensor | None = None
    patch_tokens: torch.Tensor | None = None

    @property
    def num_tiles(self) -> int:
        return self.rows * self.cols + 1

    @property
    def tokens_per_tile(self) -> int:
        return self.token_grid[0] * self.token_grid[1]

    @property
    def prompt_text(self) -> str:
        """What replaces ``<image>`` in the chat text (identical to the processor's expansion)."""
        return image_prompt(self.rows, self.cols, self.tokens_per_tile)


def splice_image_tokens(embed: torch.nn.Module, input_ids: torch.Tensor, tokens: torch.Tensor,
                        image_token_id: int) -> torch.Tensor:
    """Text embeddings with the vision tokens written at the ``<image>`` positions.

    Args:
        embed: the language model's input embedding table.
        input_ids: ``[1, L]`` prompt ids with exactly ``tokens.shape[0]`` image placeholders.
        tokens: ``[N, D]`` vision tokens, in placeholder order.

    Returns:
        ``inputs_embeds [1, L, D]``.
    """
    embeds = embed(input_ids)                                      # [1, L, D]
    mask = input_ids == image_token_id                             # [1, L]
    if int(mask.sum()) != tokens.shape[0]:
        raise ValueError(f"{int(mask.sum())} image placeholders in the prompt but {tokens.shape[0]} vision tokens")
    tokens = tokens.to(device=embeds.device, dtype=embeds.dtype)
    return embeds.masked_scatter(mask.unsqueeze(-1), tokens)      # same op as the model's own merge


class SmolVLMVisionTower:
    """The model's own vision tower + connector, behind a per-image cache.

    Args:
        model: an Idefics3/SmolVLM ``...ForConditionalGeneration`` (or its inner ``...Model``).
        processor: its processor (or just the image processor).
        model_key: identifies the weights (model id + revision + dtype); when given, tokens are also cached on disk
            in ``cache_dir("smolvlm-tokens")``. Leave None for random weights (they differ per instance).
        cache_size: pictures kept in memory.
    """

    def __init__(self, model: torch.nn.Module, processor: Any, model_key: str | None = None, cache_size: int = 16):
        self.model = model
        self.core = model.model if hasattr(model, "model") and hasattr(model.model, "vision_model") else model
        self.image_processor = getattr(processor, "image_processor", processor)
        self.geometry = geometry_of(model.config, processor)
        self.model_key = model_key
        self.cache_size = cache_size
        self.encode_calls = 0                  # vision tower runs (not cache hits)
        self._cache: OrderedDict[tuple[str, str, bool], SmolVLMImageTokens] = OrderedDict()
        self._lock = threading.Lock()

    # -- preprocessing -----------------------------------------------------------------------------------------

    def preprocess(self, image: Image.Image, detail: str) -> dict[str, Any]:
        """The processor's own tiling: ``pixel_values [1, T, 3, t, t]``, ``pixel_attention_mask``, rows, cols."""
        out = self.image_processor([[image.convert("RGB")]], return_row_col_info=True, return_tensors="pt",
                                   **image_kwargs(check_detail(detail), self.geometry))
        return {"pixel_values": out["pixel_values"], "pixel_attention_mask": out.get("pixel_attention_mask"),
                "rows": int(out["rows"][0][0]), "cols": int(out["cols"][0][0])}

    @torch.no_grad()
    def features(self, pixel_values: torch.Tensor, pixel_attention_mask: torch.Tensor | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Run vision tower + connector: ``(tokens [T * S, D], patch_tokens [T, P, d_vision] or None)``."""
        dev = self.core.device
        mask = None if pixel_attention_mask is None else pixel_attention_mask.to(dev)
        out = self.core.get_image_features(pixel_values.to(dev), mask)
        self.encode_calls += 1
        if isinstance(out, torch.Tensor):                          # older transformers: [T, S, D]
            return out.reshape(-1, out.shape[-1]), None
        pooled = out.pooler_output
        tokens = torch.cat(list(pooled), dim=0) if isinstance(pooled, (list, tuple)) else pooled
        return tokens.reshape(-1, tokens.shape[-1]), getattr(out, "last_hidden_state", None)

    # -- cached encode ------------------------------------------------------------------------------------------

    def encode(self, image: Image.Image, detail: str = "low", *, keep_patches: bool = False) -> SmolVLMImageTokens:
        """Vision tokens of ``image`` at ``detail``; a repeat (same pixels, model, tiling) costs no encode."""
        key = (image_hash(image), check_detail(detail), keep_patches)
        with self._lock:                       # the lock covers the cache, not the encode: a hit never waits
            hit = self._from_memory(key)
        hit = hit or self._from_disk(key)
        if hit is not None:
            return hit
        result = self._encode_fresh(image, detail, key[0], keep_patches)
        with self._lock:
            self._remember(key, result)
        self._to_disk(key, result)
        return result

    def _encode_fresh(self, image: Image.Image, detail: str, image_hash: str, keep_patches: bool) -> SmolVLMImageTokens:
        t0 = time.perf_counter()
        pre = self.preprocess(image, detail)
        t1 = time.perf_counter()
        tokens, patches = self.features(pre["pixel_values"], pre["pixel_attention_mask"])
        if tokens.device.type == "cuda":
            torch.cuda.synchronize()
        t2 = time.perf_counter()
        geo = self.geometry
        return SmolVLMImageTokens(
            tokens=tokens, rows=pre["rows"], cols=pre["cols"], token_grid=geo.token_grid, patch_grid=geo.patch_grid,
            pixel_shuffle=geo.scale_factor, detail=detail, image_hash=image_hash,
            timings={"preprocess_ms": (t1 - t0) * 1e3, "encode_ms": (t2 - t1) * 1e3, "cached": 0.0},
            pixel_values=pre["pixel_values"][0].float().cpu(),
            patch_tokens=patches.float().cpu() if keep_patches and patches is not None else None)

    def _from_memory(self, key: tuple[str, str, bool]) -> SmolVLMImageTokens | None:
        hit = self._cache.get(key)
        if hit is None:
            return None
        self._cache.move_to_end(key)
        return _as_cached(hit)

    def _remember(self, key: tuple[str, str, bool], value: SmolVLMImageTokens) -> None:
        self._cache[key] = _as_cached(value, keep_pixels=False)   # 17 tiles of pixels = 53 MB: not kept
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _disk_key(self, key: tuple[str, str, bool]) -> str | None:
        if not self.model_key or key[2]:                           # random weights, or patch tokens (too big)
            return None
        return cache_key("smolvlm-tokens", self.model_key, key[0], key[1], repr(self.geometry))

    def _disk(self):
        return DiskCache(DISK_CACHE_NAME, max_bytes=DISK_CACHE_BYTES)

    def _from_disk(self, key: tuple[str, str, bool]) -> SmolVLMImageTokens | None:
        disk_key = self._disk_key(key)
        data = None if disk_key is None else self._disk().get_bytes(disk_key, ".pt")
        if data is None:
            return None
        try:
            saved = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - a truncated or foreign entry: encode again, overwrite it
            log.warning("Ignoring an unreadable token cache entry (%s)", exc)
            return None
        geo = self.geometry
        value = SmolVLMImageTokens(
            tokens=saved["tokens"].to(self.core.device, self.core.dtype), rows=int(saved["rows"]),
            cols=int(saved["cols"]), token_grid=geo.token_grid, patch_grid=geo.patch_grid,
            pixel_shuffle=geo.scale_factor, detail=key[1], image_hash=key[0])
        with self._lock:
            self._remember(key, value)
        return _as_cached(value)

    def _to_disk(self, key: tuple[str, str, bool], value: SmolVLMImageTokens) -> None:
        disk_key = self._disk_key(key)
        if disk_key is None:
            return
        buf = io.BytesIO()
        torch.save({"tokens": value.tokens.detach().cpu(), "rows": value.rows, "cols": value.cols}, buf)
        self._disk().put_bytes(disk_key, buf.getvalue(), ".pt")


def _as_cached(value: SmolVLMImageTokens, keep_pixels: bool = True) -> SmolVLMImageTokens:
    """A cache hit: same tokens, timings saying no encode happened."""
    return SmolVLMImageTokens(
        tokens=value.tokens, rows=value.rows, cols=value.cols, token_grid=value.token_grid,
        patch_grid=value.patch_grid, pixel_shuffle=value.pixel_shuffle, detail=value.detail,
        image_hash=value.image_hash, timings={"preprocess_ms": 0.0, "encode_ms": 0.0, "cached": 1.0},
        pixel_values=value.pixel_values if keep_pixels else None, patch_tokens=value.patch_tokens)
