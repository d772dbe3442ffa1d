"""SmolVLM's own vision tower and connector as a token source: tiles -> SigLIP patches -> pixel shuffle -> projection.

The image processor splits the picture into square tiles (512 px for SmolVLM) plus a global view; each tile becomes
``(512 / 16) ** 2 = 1024`` SigLIP patches, pixel shuffle (factor 4) folds every 4x4 block into one vector
(``1024 / 16 = 64`` tokens), and a linear connector projects them into the language model's embedding space. These
are exactly the vectors the language model sees: vlmtok computes them once per image (cached by content hash +
model + tiling), shows them, and splices them into ``inputs_embeds`` at the ``<image>`` positions.

>>> plan = tile_plan((1200, 1200), "high")         # PIL size (width, height); SmolVLM-256M geometry by default
>>> (plan.rows, plan.cols, plan.tokens)              # 4 x 4 tiles + global view, 64 tokens each
(4, 4, 1088)
>>> tile_plan((1200, 800), "high").tokens            # 3 x 4 tiles + global view
832
"""
from __future__ import annotations

import io
import logging
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import torch
from PIL import Image

from vlmtok.cache import image_hash

log = logging.getLogger(__name__)

DEFAULT_MODEL_ID = "HuggingFaceTB/SmolVLM-256M-Instruct"
DETAILS: tuple[str, ...] = ("low", "normal", "high")
DISK_CACHE_NAME = "smolvlm-tokens"
DISK_CACHE_BYTES = 1024 ** 3            # 1088 tokens x 576 x 4 B = 2.5 MB per picture at "high"
MAX_IMAGE_SIDE = 4096                    # the Idefics3 processor's absolute cap on the resized image

# The real architectures (config.json of the Hub checkpoints), so random-weight stand-ins have the real sizes.
_VISION_SIGLIP_B16_512 = {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
                          "num_attention_heads": 12, "image_size": 512, "patch_size": 16,
                          "hidden_act": "gelu_pytorch_tanh", "layer_norm_eps": 1e-6}


def _arch(hidden: int, intermediate: int, layers: int, heads: int, kv_heads: int) -> dict[str, Any]:
    """A SmolVLM checkpoint: SigLIP-B/16 at 512 px, pixel shuffle 4, a SmolLM2 (Llama) text model."""
    text = {"model_type": "llama", "hidden_size": hidden, "intermediate_size": intermediate,
            "num_hidden_layers": layers, "num_attention_heads": heads, "num_key_value_heads": kv_heads,
            "head_dim": 64, "vocab_size": 49280, "max_position_embeddings": 8192, "rms_norm_eps": 1e-5,
            "rope_theta": 100000.0}
    return {"model_type": "idefics3", "scale_factor": 4, "image_token_id": 49190, "tie_word_embeddings": False,
            "vision_config": _VISION_SIGLIP_B16_512, "text_config": text}


SMOLVLM_ARCHITECTURES: dict[str, dict[str, Any]] = {
    "HuggingFaceTB/SmolVLM-256M-Instruct": _arch(576, 1536, 30, 9, 3),     # SmolLM2-135M
    "HuggingFaceTB/SmolVLM-500M-Instruct": _arch(960, 2560, 32, 15, 5),    # SmolLM2-360M
}


# ----------------------------------------------------------------------------------------------------------------
# Geometry: how many tiles and tokens an image costs (no model needed)


@dataclass(frozen=True)
class Geometry:
    """The numbers that decide the token cost: tile side, SigLIP patch side, pixel-shuffle factor."""

    tile_px: int = 512
    patch_px: int = 16
    scale_factor: int = 4
    default_longest_edge: int = 2048     # the processor's ``size["longest_edge"]`` (4 tiles across)

    @property
    def patch_grid(self) -> tuple[int, int]:
        side = self.tile_px // self.patch_px
        return side, side                                      # (32, 32) SigLIP patches per tile

    @property
    def token_grid(self) -> tuple[int, int]:
        side = self.tile_px // self.patch_px // self.scale_factor
        return side, side                                      # (8, 8) tokens per tile after pixel shuffle

    @property
    def tokens_per_tile(self) -> int:
        h, w = self.token_grid
        return h * w

    def longest_edge(self, detail: str) -> int | None:
        """Longest edge the picture is resized to before tiling; None = no tiling (global view only)."""
        return {"low": None, "normal": 2 * self.tile_px, "high": self.default_longest_edge}[check_detail(detail)]


def geometry_of(config: Any = None, processor: Any = None) -> Geometry:
    """Geometry from a model config (Idefics3Config / SmolVLMConfig or its dict) and, optionally, the processor.

    Without arguments: SmolVLM-256M/500M (512 px tiles, 16 px patches, pixel shuffle 4, longest edge 2048).
    """
    if config is None:
        return Geometry()
    get = (lambda o, k: o[k]) if isinstance(config, dict) else getattr
    vision = get(config, "vision_config")
    tile, patch = int(get(vision, "image_size")), int(get(vision, "patch_size"))
    longest = 4 * tile
    ip = getattr(processor, "image_processor", processor)
    if ip is not None and getattr(ip, "size", None) and ip.size.get("longest_edge"):
        longest = int(ip.size["longest_edge"])
    if ip is not None and getattr(ip, "max_image_size", None):
        tile = int(ip.max_image_size["longest_edge"])
    return Geometry(tile_px=tile, patch_px=patch, scale_factor=int(get(config, "scale_factor")),
                    default_longest_edge=longest)


def check_detail(detail: str) -> str:
    if detail not in DETAILS:
        raise ValueError(f"Unknown detail {detail!r}; known: {', '.join(DETAILS)}")
    return detail


def resolve_detail(detail: str | None) -> str:
    """``"auto"``/None -> "low" on the CPU (one tile keeps a description to seconds), "normal" on CUDA."""
    if detail in (None, "", "auto"):
        from vlmtok.device import runtime

        return "normal" if runtime().is_cuda else "low"
    return check_detail(detail)


@dataclass(frozen=True)
class TilePlan:
    """How the processor will cut one picture. ``rows == cols == 0`` means the global view only.

    Attributes:
        rows, cols: local tiles (0, 0 without tiling).
        resized: ``(H, W)`` of the picture the tiles are cut from (multiples of ``tile_px``), or the square global
            view when there is no tiling.
        tile_px, tokens_per_tile: e.g. 512 and 64.
    """

    rows: int
    cols: int
    resized: tuple[int, int]
    tile_px: int
    tokens_per_tile: int

    @property
    def tiles(self) -> int:
        """Images the vision tower encodes: local tiles plus the global view."""
        return self.rows * self.cols + 1

    @property
    def tokens(self) -> int:
        """Image tokens the language model reads (the ``<image>`` placeholders)."""
        return self.tiles * self.tokens_per_tile


def _rescale_to_longest(h: int, w: int, longest: int) -> tuple[int, int]:
    """The processor's first resize: longest edge -> ``longest`` (up or down), the other side even, then capped."""
    aspect = w / h
    if w >= h:
        w, h = longest, int(longest / aspect)
        h += h % 2
    else:
        h, w = longest, int(longest * aspect)
        w += w % 2
    h, w = max(h, 1), max(w, 1)
    if max(h, w) > MAX_IMAGE_SIDE:                       # scale below the processor's 4k ceiling
        aspect = w / h
        h, w = (int(MAX_IMAGE_SIDE / aspect), MAX_IMAGE_SIDE) if w >= h else (MAX_IMAGE_SIDE, int(MAX_IMAGE_SIDE * aspect))
    return max(h, 1), max(w, 1)


def _round_to_tiles(h: int, w: int, tile: int) -> tuple[int, int]:
    """The processor's ``resize_for_vision_encoder``: both sides rounded up to whole tiles (aspect kept first)."""
    aspect = w / h
    if w >= h:
        w = math.ceil(w / tile) * tile
        h = math.ceil(int(w / aspect) / tile) * tile
    else:
        h = math.ceil(h / tile) * tile
        w = math.ceil(int(h * aspect) / tile) * tile
    return h, w


def tile_plan(image_size: tuple[int, int], detail: str, config: Any = None, *, processor: Any = None) -> TilePlan:
    """Tiles and token cost of one picture at a detail level, by the Idefics3/SmolVLM image processor's rules.

    Args:
        image_size: the picture's PIL size ``(width, height)``.
        detail: "low" (global view only: 64 tokens), "normal" (longest edge 2 tiles: up to 2x2 + global = 320),
            "high" (the processor default, longest edge 2048: up to 4x4 + global = 1088).
        config: the model config (or its dict); None = SmolVLM-256M/500M geometry.
        processor: optional processor, whose ``size``/``max_image_size`` then win over the defaults.

    >>> tile_plan((640, 480), "normal").tokens           # 2 x 2 tiles + global view, 64 tokens each
    320
    """
    geo = geometry_of(config, processor)
    longest = geo.longest_edge(detail)
    if longest is None:
        return TilePlan(0, 0, (geo.tile_px, geo.tile_px), geo.tile_px, geo.tokens_per_tile)
    width, height = image_size
    h, w = _round_to_tiles(*_rescale_to_longest(height, width, longest), geo.tile_px)
    rows, cols = (h // geo.tile_px, w // geo.tile_px) if (h > geo.tile_px or w > geo.tile_px) else (0, 0)
    return TilePlan(rows, cols, (h, w), geo.tile_px, geo.tokens_per_tile)


def image_kwargs(detail: str, geometry: Geometry) -> dict[str, Any]:
    """Image-processor keyword arguments that give ``detail``'s tiling."""
    longest = geometry.longest_edge(detail)
    if longest is None:
        return {"do_image_splitting": False}
    return {"do_image_splitting": True, "size": {"longest_edge": longest}}


def image_prompt(rows: int, cols: int, tokens_per_tile: int) -> str:
    """The text the processor puts in place of one ``<image>``: tile markers and one ``<image>`` per token."""
    fake, img, glob = "<fake_token_around_image>", "<image>", "<global-img>"
    text = ""
    for r in range(rows):
        text += "".join(f"{fake}<row_{r + 1}_col_{c + 1}>" + img * tokens_per_tile for c in range(cols)) + "\n"
    prefix = "\n" if rows else ""
    return f"{text}{prefix}{fake}{glob}" + img * tokens_per_tile + fake


# ----------------------------------------------------------------------------------------------------------------
# Vision tokens, cached


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
        from vlmtok.cache import cache_key

        return cache_key("smolvlm-tokens", self.model_key, key[0], key[1], repr(self.geometry))

    def _disk(self):
        from vlmtok.cache import DiskCache

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


# ----------------------------------------------------------------------------------------------------------------
# Stand-ins with the real architecture (random weights) for benchmarks and geometry-only encoders


def smolvlm_config(model_id: str = DEFAULT_MODEL_ID, **overrides: Any):
    """The transformers config of a known SmolVLM checkpoint, built from the sizes above (no download)."""
    from transformers import AutoConfig

    if model_id not in SMOLVLM_ARCHITECTURES:
        raise ValueError(f"No built-in architecture for {model_id!r}; known: {', '.join(SMOLVLM_ARCHITECTURES)}")
    spec = {**SMOLVLM_ARCHITECTURES[model_id], **overrides}
    return AutoConfig.for_model(**spec)


def default_image_processor(geometry: Geometry = Geometry()):
    """The Idefics3 image processor as SmolVLM's preprocessor_config.json sets it (LANCZOS, mean = std = 0.5)."""
    from transformers import Idefics3ImageProcessor

    return Idefics3ImageProcessor(
        size={"longest_edge": geometry.default_longest_edge}, max_image_size={"longest_edge": geometry.tile_px},
        image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5], do_image_splitting=True, resample=1)


# ----------------------------------------------------------------------------------------------------------------
# Loading the real checkpoints (Hub or local cache), shared by the narrator and the encoder registry

_MESSAGES = {
    "offline": {"en": "The SmolVLM model is not on this device and the internet is not reachable. Run "
                      "'python -m vlmtok prefetch' once while online, or use the offline description.",
                "vi": "Mô hình SmolVLM chưa có trên máy này và không kết nối được internet. Hãy chạy "
                      "'python -m vlmtok prefetch' một lần khi có mạng, hoặc dùng mô tả ngoại tuyến."},
    "failed": {"en": "The SmolVLM model could not be loaded. Run 'python -m vlmtok prefetch' again while online, "
                     "or use the offline description.",
               "vi": "Không tải được mô hình SmolVLM. Hãy chạy lại 'python -m vlmtok prefetch' khi có mạng, "
                     "hoặc dùng mô tả ngoại tuyến."},
}


class SmolVLMUnavailable(RuntimeError):
    """SmolVLM cannot be loaded here; ``user_message_for(lang)`` says so in plain words."""

    def __init__(self, reason: str, kind: str = "offline"):
        super().__init__(reason)
        self.kind = kind

    @property
    def user_message(self) -> str:
        return self.user_message_for("en")

    def user_message_for(self, lang: str | None) -> str:
        from vlmtok.i18n import pick

        return pick(_MESSAGES[self.kind], lang)


def _cached_snapshot(model_id: str) -> str | None:
    """The commit of an intact local copy (config + weights) in the Hugging Face cache, else None."""
    from huggingface_hub import try_to_load_from_cache

    config = try_to_load_from_cache(model_id, "config.json")
    if not isinstance(config, str):
        return None
    for name in ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin"):
        weights = try_to_load_from_cache(model_id, name)
        if isinstance(weights, str):
            if not _intact(config, weights):
                log.warning("The cached copy of %s is damaged; it will not be used", model_id)
                return None
            parts = config.replace("\\", "/").split("/")
            return parts[parts.index("snapshots") + 1] if "snapshots" in parts else "local"
    return None


def _intact(config: str, weights: str) -> bool:
    """Cheap checks that catch a truncated or garbage download without loading it: JSON parses, the safetensors
    header (8-byte little-endian length, then JSON) fits in the file."""
    import json
    import os

    try:
        with open(config, encoding="utf-8") as f:
            json.load(f)
        if weights.endswith(".json"):
            with open(weights, encoding="utf-8") as f:
                json.load(f)
        elif weights.endswith(".safetensors"):
            with open(weights, "rb") as f:
                n = int.from_bytes(f.read(8), "little")
                if not 0 < n <= os.path.getsize(weights) - 8:
                    return False
                json.loads(f.read(n))
        return os.path.getsize(weights) > 0
    except (OSError, ValueError):
        return False


def smolvlm_available(model_id: str = DEFAULT_MODEL_ID) -> tuple[bool, str]:
    """Can SmolVLM run here? ``(True, reason)`` when an intact copy is cached locally or the Hub answers."""
    if _cached_snapshot(model_id):
        return True, f"{model_id} is in the local Hugging Face cache"
    from vlmtok.hub import hub_available

    if hub_available():
        return True, f"{model_id} can be downloaded from the Hugging Face Hub"
    return False, f"{model_id} is not in the local cache (or the cached copy is damaged) and the Hub is not reachable"


@dataclass
class LoadedSmolVLM:
    """One loaded checkpoint and its vision tower (whose token cache the narrator and the visualisations share)."""

    model_id: str
    model: torch.nn.Module
    processor: Any
    weights_source: str                    # "hub", "local-cache" or "random"
    tower: SmolVLMVisionTower


_LOADED: dict[tuple[str, str], LoadedSmolVLM] = {}
_LOAD_LOCK = threading.Lock()


def load_smolvlm(model_id: str = DEFAULT_MODEL_ID) -> LoadedSmolVLM:
    """Load (once per process) a SmolVLM/Idefics3 checkpoint the ordinary way, on ``runtime()``'s device/dtype.

    Raises:
        SmolVLMUnavailable: not cached and the Hub is unreachable (fails fast, without a download timeout), or the
            checkpoint could not be loaded.
    """
    with _LOAD_LOCK:
        if (model_id, "real") not in _LOADED:
            _LOADED[(model_id, "real")] = _load_real(model_id)
        return _LOADED[(model_id, "real")]


def _load_real(model_id: str) -> LoadedSmolVLM:
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from vlmtok.device import runtime
    from vlmtok.hub import hub_available

    snapshot = _cached_snapshot(model_id)
    if snapshot is None and not hub_available():
        raise SmolVLMUnavailable(f"{model_id} is not cached and the Hub is not reachable")
    rt, local = runtime(), snapshot is not None and not hub_available()
    t0 = time.perf_counter()
    try:
        processor = AutoProcessor.from_pretrained(model_id, local_files_only=local)
        model = AutoModelForImageTextToText.from_pretrained(
            model_id, dtype=rt.dtype, attn_implementation="sdpa", local_files_only=local)
    except Exception as exc:  # corrupt cache, interrupted download, unknown architecture
        raise SmolVLMUnavailable(f"{model_id} could not be loaded: {exc}", kind="failed") from exc
    model = model.eval().to(rt.device)
    source = "local-cache" if snapshot else "hub"
    commit = snapshot or getattr(model.config, "_commit_hash", None) or "unknown"
    log.info("Loaded %s (%s, %s) in %.1f s", model_id, source, rt.name, time.perf_counter() - t0)
    tower = SmolVLMVisionTower(model, processor, model_key=f"{model_id}@{commit}:{rt.name}")
    return LoadedSmolVLM(model_id, model, processor, source, tower)


def random_smolvlm(model_id: str = DEFAULT_MODEL_ID, processor: Any = None) -> LoadedSmolVLM:
    """The real architecture of a known checkpoint with random weights (geometry, speed; never meaning).

    ``processor`` defaults to the image processor alone (enough for tokens; a narrator also needs a tokenizer).
    """
    from transformers import AutoModelForImageTextToText

    from vlmtok.device import runtime

    config = smolvlm_config(model_id)
    rt = runtime()
    model = AutoModelForImageTextToText.from_config(config, dtype=rt.dtype, attn_implementation="sdpa")
    model = model.eval().to(rt.device)
    processor = processor if processor is not None else default_image_processor(geometry_of(config))
    return LoadedSmolVLM(model_id, model, processor, "random", SmolVLMVisionTower(model, processor))


# ----------------------------------------------------------------------------------------------------------------
# The encoder-registry face: SmolVLM's vision side as ``encode(image) -> VisionTokens``

SMOLVLM_ENCODERS: dict[str, str] = {
    "smolvlm-256m": "HuggingFaceTB/SmolVLM-256M-Instruct",
    "smolvlm-500m": "HuggingFaceTB/SmolVLM-500M-Instruct",
}


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
        from vlmtok.encoders import VisionTokens

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
    """The encoder registry's entry point for "smolvlm-256m" / "smolvlm-500m".

    Args:
        weights: "auto" (local cache or Hub, else random with a warning), "hub" (raise if unavailable), "random".
    """
    if name not in SMOLVLM_ENCODERS:
        raise ValueError(f"Unknown SmolVLM encoder {name!r}; known: {', '.join(SMOLVLM_ENCODERS)}")
    model_id = SMOLVLM_ENCODERS[name]
    if weights not in ("auto", "hub", "random"):
        raise ValueError(f"Unknown weights choice {weights!r}; known: auto, hub, random")
    if weights != "random":
        try:
            return SmolVLMEncoder(name, load_smolvlm(model_id))
        except SmolVLMUnavailable as exc:
            if weights == "hub":
                raise
            log.warning("%s uses random weights (%s): geometry only", name, exc)
    with _LOAD_LOCK:
        if (model_id, "random") not in _LOADED:
            _LOADED[(model_id, "random")] = random_smolvlm(model_id)
        return SmolVLMEncoder(name, _LOADED[(model_id, "random")])
