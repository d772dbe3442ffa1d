"""How many tiles and tokens a picture costs SmolVLM, by its image processor's rules (no model needed).

The image processor splits the picture into square tiles (512 px for SmolVLM) plus a global view; each tile becomes
``(512 / 16) ** 2 = 1024`` SigLIP patches, pixel shuffle (factor 4) folds every 4x4 block into one vector
(``1024 / 16 = 64`` tokens).

>>> plan = tile_plan((1200, 1200), "high")         # PIL size (width, height); SmolVLM-256M geometry by default
>>> (plan.rows, plan.cols, plan.tokens)              # 4 x 4 tiles + global view, 64 tokens each
(4, 4, 1088)
>>> tile_plan((1200, 800), "high").tokens            # 3 x 4 tiles + global view
832
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

DETAILS: tuple[str, ...] = ("low", "normal", "high")
MAX_IMAGE_SIDE = 4096                    # the Idefics3 processor's absolute cap on the resized image

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

        return "normal" if runtime("narrator").is_cuda else "low"
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


def rescale_to_longest(h: int, w: int, longest: int) -> tuple[int, int]:
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
    h, w = _round_to_tiles(*rescale_to_longest(height, width, longest), geo.tile_px)
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
