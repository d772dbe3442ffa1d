"""From encoder tokens to language-model tokens: the seed's sections 4-6, made real.

    Z [N, d] --LayerNorm, Linear--> Y [N, d_llm] --+ E_mod + E_pos(i, j)--> <IMG_TOKEN> Y <IMG_END> -> prompt

Also multi-scale tokenisation (several sizes or encoders, fused by concatenation, resampling or attention) and
training-free compression (token merging, pixel shuffle, average pooling, a Perceiver-style resampler). Every
compression reports which input tokens formed each output token (``Compressed.assignment``) so the pictures can
draw it.

The projector here is untrained for timm encoders: its outputs have the right shapes for a language model, not a
meaning one has learned to read (SmolVLM's own connector, in ``vlmtok.smolvlm``, is the trained one).
"""
from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, field
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from vlmtok.encoders import Encoder, VisionTokens, create_encoder

log = logging.getLogger(__name__)

TOKEN_BUDGET = 1024          # the seed's tip: above ~1024 image tokens, attention cost starts to hurt
PROJECTOR_NOTE = "untrained projector: shapes, not meaning"


def budget_warning(n: int, budget: int = TOKEN_BUDGET) -> str | None:
    """A plain warning when ``n`` image tokens exceed the budget, else None."""
    if n <= budget:
        return None
    return (f"{n} image tokens is over the {budget}-token budget: attention cost grows with the square of the "
            f"count. Use a smaller size, a larger patch, or merge tokens.")


# ----------------------------------------------------------------------------------------------------------------
# Projection into the language model's space


def sincos_pos_embed_2d(grid: tuple[int, int], dim: int) -> torch.Tensor:
    """Fixed 2-D sine-cosine position embedding ``E_pos(i, j)`` -> ``[h * w, dim]`` (row-major).

    Half the channels encode the row, half the column, so any grid size works without interpolation.
    """
    if dim % 4:
        raise ValueError(f"dim must be a multiple of 4 for a 2-D sin-cos embedding, got {dim}")
    h, w = grid
    quarter = dim // 4
    freqs = 1.0 / (10000 ** (torch.arange(quarter, dtype=torch.float32) / quarter))  # [dim/4]
    rows = torch.arange(h, dtype=torch.float32)[:, None] * freqs  # [h, dim/4]
    cols = torch.arange(w, dtype=torch.float32)[:, None] * freqs  # [w, dim/4]
    row_emb = torch.cat([rows.sin(), rows.cos()], dim=1)[:, None, :].expand(h, w, dim // 2)  # [h, w, dim/2]
    col_emb = torch.cat([cols.sin(), cols.cos()], dim=1)[None, :, :].expand(h, w, dim // 2)  # [h, w, dim/2]
    return torch.cat([row_emb, col_emb], dim=-1).reshape(h * w, dim)  # [h*w, dim]


@dataclass
class ProjectedTokens:
    """Vision tokens in the language model's space, wrapped in markers: ``[1 + N + 1, d_llm]``."""

    embeds: torch.Tensor          # [N + 2, d_llm]: <IMG_TOKEN>, Y_1 ... Y_N, <IMG_END>
    num_image_tokens: int         # N
    grid: tuple[int, int]
    note: str = PROJECTOR_NOTE


class VisionProjector(nn.Module):
    """``Y = LayerNorm(Z) W_proj + b_proj + E_mod + E_pos``, between ``<IMG_TOKEN>`` and ``<IMG_END>``.

    The modality embedding is added exactly once (the seed's example adds it twice).

    Args:
        d_vision: encoder token width d.
        d_llm: language model width (576 for SmolLM2-135M, 4096 as in the seed).
        seed: initialisation seed, so an untrained projector gives the same numbers on every run.

    >>> proj = VisionProjector(384, 576)
    >>> proj(torch.randn(256, 384), grid=(16, 16)).embeds.shape
    torch.Size([258, 576])
    """

    def __init__(self, d_vision: int, d_llm: int = 576, seed: int = 0):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.norm = nn.LayerNorm(d_vision)
        self.proj = nn.Linear(d_vision, d_llm)
        with torch.no_grad():
            self.proj.weight.copy_(torch.randn(d_llm, d_vision, generator=gen) / math.sqrt(d_vision))
            self.proj.bias.zero_()
        self.modality = nn.Parameter(torch.randn(d_llm, generator=gen) * 0.02)      # E_mod
        self.img_start = nn.Parameter(torch.randn(d_llm, generator=gen) * 0.02)     # <IMG_TOKEN>
        self.img_end = nn.Parameter(torch.randn(d_llm, generator=gen) * 0.02)       # <IMG_END>
        self.d_llm = d_llm

    def forward(self, tokens: torch.Tensor, grid: tuple[int, int]) -> ProjectedTokens:
        n = tokens.shape[0]  # tokens: [N, d]
        if grid[0] * grid[1] != n:
            raise ValueError(f"grid {grid} does not hold {n} tokens")
        y = self.proj(self.norm(tokens))  # [N, d_llm]
        y = y + self.modality + sincos_pos_embed_2d(grid, self.d_llm).to(y)  # [N, d_llm]
        embeds = torch.cat([self.img_start[None], y, self.img_end[None]], dim=0)  # [N + 2, d_llm]
        return ProjectedTokens(embeds=embeds, num_image_tokens=n, grid=grid)


def build_prompt(vision: ProjectedTokens | torch.Tensor, text_embeds: torch.Tensor) -> torch.Tensor:
    """Put the wrapped image tokens before the text: ``[N + 2 + T, d_llm]``.

    Args:
        vision: projector output (already carries E_mod and the markers; nothing is added again).
        text_embeds: the prompt's token embeddings ``[T, d_llm]``.
    """
    embeds = vision.embeds if isinstance(vision, ProjectedTokens) else vision
    if embeds.shape[-1] != text_embeds.shape[-1]:
        raise ValueError(f"width mismatch: vision {embeds.shape[-1]} vs text {text_embeds.shape[-1]}")
    return torch.cat([embeds, text_embeds.to(embeds)], dim=0)


# ----------------------------------------------------------------------------------------------------------------
# Multi-scale


@dataclass
class MultiScaleTokens:
    """The same artwork at several scales (and/or encoders), fused.

    Attributes:
        scales: one VisionTokens per (encoder, size).
        fused: ``[sum N_s, d]`` for "concat" (same width needed), ``[h * w, sum d_s]`` for "resample", or the
            finest scale's ``[N, d]`` for "attention" (each of its tokens plus what it gathered from the others).
        fused_grid: grid of ``fused`` for "resample" and "attention", None for "concat".
        method: "concat", "resample" or "attention".
    """

    scales: list[VisionTokens]
    fused: torch.Tensor
    fused_grid: tuple[int, int] | None
    method: str
    warnings: list[str] = field(default_factory=list)

    @property
    def counts(self) -> list[int]:
        return [vt.num_tokens for vt in self.scales]

    @property
    def total(self) -> int:
        return int(self.fused.shape[0])


def _pairs(encoders: Sequence[Encoder | str], sizes: Sequence[int]) -> list[tuple[Encoder, int]]:
    encs = [create_encoder(e) if isinstance(e, str) else e for e in encoders]  # any encoder object: timm or SmolVLM
    if len(encs) == 1 or len(sizes) == 1:
        return list(itertools.product(encs, sizes))
    if len(encs) != len(sizes):
        raise ValueError("give one encoder, one size, or as many encoders as sizes")
    return list(zip(encs, sizes))


def resample_grid(tokens: torch.Tensor, grid: tuple[int, int], target: tuple[int, int]) -> torch.Tensor:
    """Bilinear resampling of a token grid: ``[h*w, d] -> [H'*W', d]``."""
    h, w = grid
    x = tokens.T.reshape(1, -1, h, w)  # [1, d, h, w]
    x = F.interpolate(x, size=target, mode="bilinear", align_corners=False)  # [1, d, H', W']
    return x.reshape(x.shape[1], -1).T  # [H'*W', d]


def encode_multiscale(encoders: Sequence[Encoder | str], image, sizes: Sequence[int],
                      fuse: str = "concat") -> MultiScaleTokens:
    """Tokenise at several scales and fuse (the seed's ``MultiScaleTokenizer``, without its untrained head).

    Args:
        encoders: one encoder for every size, or one encoder per size.
        sizes: input sides, e.g. ``(224, 336)``.
        fuse: "concat" joins the token sequences (N = sum N_s); "resample" brings every grid to the smallest
            one and joins features (N = h * w, d = sum d_s); "attention" lets the finest scale's tokens attend
            to each coarser scale in turn (``attention_fuse``; N and d of the finest scale, one width needed).
    """
    scales = [enc.encode(image, size) for enc, size in _pairs(encoders, sizes)]
    if fuse == "concat":
        dims = {vt.dim for vt in scales}
        if len(dims) > 1:
            raise ValueError(f"concat needs one token width, got {sorted(dims)}: use fuse='resample'")
        fused, grid = torch.cat([vt.tokens for vt in scales], dim=0), None  # [sum N_s, d]
    elif fuse == "resample":
        grid = min((vt.grid for vt in scales), key=lambda g: g[0] * g[1])
        fused = torch.cat([resample_grid(vt.tokens, vt.grid, grid) for vt in scales], dim=1)  # [h*w, sum d_s]
    elif fuse == "attention":
        order = sorted(scales, key=lambda vt: vt.num_tokens)
        fine, grid = order[-1], order[-1].grid
        fused = fine.tokens
        for coarse in order[:-1]:
            fused = attention_fuse(fused, coarse.tokens, fine_grid=grid, coarse_grid=coarse.grid).tokens
    else:
        raise ValueError(f"Unknown fusion {fuse!r}; known: concat, resample, attention")
    warnings = [w for w in [budget_warning(int(fused.shape[0]))] if w]
    return MultiScaleTokens(scales=scales, fused=fused, fused_grid=grid, method=fuse, warnings=warnings)


def _unit(x: torch.Tensor) -> torch.Tensor:
    """Each token layer-normalised without learned scale: dot products then compare directions, not lengths."""
    return F.layer_norm(x.float(), (x.shape[-1],))


def cross_attention(queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """``softmax(LN(Q) LN(K)^T / sqrt(d))``: ``[M, d], [N, d] -> [M, N]``, each row summing to 1."""
    if queries.shape[-1] != keys.shape[-1]:
        raise ValueError(f"width mismatch: queries {queries.shape[-1]} vs keys {keys.shape[-1]}")
    return (_unit(queries) @ _unit(keys).T / math.sqrt(queries.shape[-1])).softmax(-1)


@dataclass
class FusedTokens:
    """The finer scale's tokens after attending to a coarser scale (the seed's ``Z = Attention(Z1, Z2)``).

    Attributes:
        tokens: ``[N_f, d]`` = ``Z1 + A Z2``: each fine token plus what it gathered from the coarse scale.
        weights: ``A [N_f, N_c]``: where each fine token looks at the coarse scale (rows sum to 1).
        fine_grid, coarse_grid: the two grids (row-major tokens).
    """

    tokens: torch.Tensor
    weights: torch.Tensor
    fine_grid: tuple[int, int] | None
    coarse_grid: tuple[int, int] | None

    def looks_at(self) -> torch.Tensor:
        """``[N_f]``: the coarse token each fine token attends to most (groups the fine tokens: a partition)."""
        return self.weights.argmax(-1)


def attention_fuse(fine: VisionTokens | torch.Tensor, coarse: VisionTokens | torch.Tensor, *,
                   fine_grid: tuple[int, int] | None = None,
                   coarse_grid: tuple[int, int] | None = None) -> FusedTokens:
    """Fuse two scales by attention, training-free: fine tokens are the queries, coarse tokens keys and values.

    Scaled dot-product on the encoders' own features (layer-normalised, no learned projection), so with real
    weights a token of the lion's eye at 448 px looks at the coarse tokens that look like it at 224 px; with random
    weights the weights are shapes only. One token width is needed (the same encoder at two sizes).
    """
    z1, g1 = _as_tokens(fine, fine_grid)
    z2, g2 = _as_tokens(coarse, coarse_grid)
    a = cross_attention(z1, z2)                                      # [N_f, N_c]
    return FusedTokens(tokens=z1.float() + a @ z2.float(), weights=a, fine_grid=g1, coarse_grid=g2)


# ----------------------------------------------------------------------------------------------------------------
# Compression (training-free)


@dataclass
class Compressed:
    """Fewer tokens, and where each came from.

    Attributes:
        tokens: ``[M, d_out]`` output tokens.
        assignment: ``[N]`` long tensor: input token i became output token ``assignment[i]``.
        grid: output grid for grid-preserving methods (pixel shuffle, pooling), None for merging.
        method: "merge", "pixel_shuffle" or "pool".
        param: the ratio (merge) or factor (pixel shuffle, pooling).
    """

    tokens: torch.Tensor
    assignment: torch.Tensor
    grid: tuple[int, int] | None
    method: str
    param: float

    @property
    def num_tokens(self) -> int:
        return int(self.tokens.shape[0])

    def groups(self) -> list[list[int]]:
        """Input indices per output token (a partition of ``range(N)``)."""
        out: list[list[int]] = [[] for _ in range(self.num_tokens)]
        for i, k in enumerate(self.assignment.tolist()):
            out[k].append(i)
        return out


def _as_tokens(x: VisionTokens | torch.Tensor, grid: tuple[int, int] | None = None):
    if isinstance(x, VisionTokens):
        return x.tokens, x.grid
    return x, grid


def _merge_round(x: torch.Tensor, size: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One bipartite soft-matching round (ToMe): merge the k most similar A tokens into their best B match.

    Returns the new tokens, their sizes, and ``index [n]`` mapping each current token to its new position.
    """
    n = x.shape[0]
    a_idx, b_idx = torch.arange(0, n, 2), torch.arange(1, n, 2)  # alternate split keeps both sets spread out
    xn = F.normalize(x, dim=-1)
    score = xn[a_idx] @ xn[b_idx].T  # [|A|, |B|] cosine similarity
    best, match = score.max(dim=-1)  # [|A|]
    order = best.argsort(descending=True)
    merged_a, kept_a = order[:k], order[k:].sort().values
    # new layout: kept A tokens first, then all B tokens
    index = torch.empty(n, dtype=torch.long)
    index[a_idx[kept_a]] = torch.arange(len(kept_a))
    index[b_idx] = len(kept_a) + torch.arange(len(b_idx))
    index[a_idx[merged_a]] = len(kept_a) + match[merged_a]
    m = len(kept_a) + len(b_idx)
    weighted = torch.zeros(m, x.shape[1], dtype=x.dtype).index_add_(0, index, x * size[:, None])
    new_size = torch.zeros(m, dtype=size.dtype).index_add_(0, index, size)
    return weighted / new_size[:, None], new_size, index


def merge_tokens(x: VisionTokens | torch.Tensor, ratio: float = 0.5) -> Compressed:
    """Token merging by bipartite soft matching, size-weighted averages; removes ``round(ratio * N)`` tokens.

    ``ratio=0.5`` halves the count (the seed's "token merging 0.5"). Ratios above 0.5 take several rounds.
    """
    tokens, _ = _as_tokens(x)
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"merge ratio must be in [0, 1), got {ratio}")
    n = tokens.shape[0]
    target = max(1, n - round(ratio * n))  # at least one token survives, whatever the ratio
    cur, size = tokens.float(), torch.ones(n)
    assignment = torch.arange(n)
    while cur.shape[0] > target:
        k = min(cur.shape[0] - target, (cur.shape[0] + 1) // 2)
        cur, size, index = _merge_round(cur, size, k)
        assignment = index[assignment]
    return Compressed(tokens=cur, assignment=assignment, grid=None, method="merge", param=ratio)


def _block_assignment(grid: tuple[int, int], factor: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """Output index of every grid cell when s x s blocks become one token (edge blocks may be partial)."""
    h, w = grid
    gh, gw = math.ceil(h / factor), math.ceil(w / factor)
    rows = torch.arange(h)[:, None] // factor
    cols = torch.arange(w)[None, :] // factor
    return (rows * gw + cols).reshape(-1), (gh, gw)  # [h*w]


def pool_tokens(x: VisionTokens | torch.Tensor, factor: int = 2, grid: tuple[int, int] | None = None) -> Compressed:
    """Average pooling of s x s cells: ``t_k = mean over R_k`` (the seed's CNN region tokens)."""
    tokens, grid = _as_tokens(x, grid)
    assignment, out_grid = _block_assignment(grid, factor)
    m = out_grid[0] * out_grid[1]
    sums = torch.zeros(m, tokens.shape[1]).index_add_(0, assignment, tokens.float())  # [M, d]
    counts = torch.bincount(assignment, minlength=m).clamp(min=1)
    return Compressed(tokens=sums / counts[:, None], assignment=assignment, grid=out_grid, method="pool",
                      param=factor)


def pixel_shuffle_tokens(x: VisionTokens | torch.Tensor, factor: int = 2,
                         grid: tuple[int, int] | None = None) -> Compressed:
    """Space-to-depth: each s x s block of tokens becomes one token ``s*s`` times wider (SmolVLM uses s = 4).

    Grids that are not a multiple of s are zero-padded at the bottom and right, as the picture shows.
    """
    tokens, grid = _as_tokens(x, grid)
    h, w = grid
    d = tokens.shape[1]
    assignment, (gh, gw) = _block_assignment(grid, factor)
    t = tokens.float().T.reshape(1, d, h, w)  # [1, d, h, w]
    t = F.pad(t, (0, gw * factor - w, 0, gh * factor - h))  # [1, d, gh*s, gw*s]
    t = F.pixel_unshuffle(t, factor)  # [1, d*s*s, gh, gw]
    out = t.reshape(d * factor * factor, gh * gw).T  # [gh*gw, d*s*s]
    return Compressed(tokens=out, assignment=assignment, grid=(gh, gw), method="pixel_shuffle", param=factor)


@dataclass
class Resampled(Compressed):
    """A Perceiver-style resampler's output: M latent tokens, each a weighted average of the input tokens.

    Attributes:
        weights: ``[M, N]``: how much of each input token each latent gathered (rows sum to 1).
        queries: the ``[M, d]`` latent queries; ``random_queries`` True when they were drawn at random (then the
            grouping follows the geometry of the feature space, not anything learned).
        assignment: input token i is counted in the latent that gathered most of it (a partition, for pictures).
    """

    weights: torch.Tensor | None = None
    queries: torch.Tensor | None = None
    random_queries: bool = True


def resample_tokens(x: VisionTokens | torch.Tensor, m: int = 32, *, queries: torch.Tensor | None = None,
                    seed: int = 0) -> Resampled:
    """A fixed number M of latent queries cross-attending to the N tokens (Flamingo's Perceiver Resampler, one
    cross-attention, no training): ``Y = softmax(LN(Q) LN(Z)^T / sqrt(d)) Z`` -> ``[M, d]``, whatever N is.

    Args:
        m: latent queries (the output count).
        queries: ``[M, d]`` learned queries, if any; None draws them at random (seeded: the same on every run).
    """
    tokens, _ = _as_tokens(x)
    d = tokens.shape[1]
    drawn = queries is None
    if drawn:
        queries = torch.randn(int(m), d, generator=torch.Generator().manual_seed(seed))
    weights = cross_attention(queries, tokens)                       # [M, N]
    out = weights @ tokens.float()                                   # [M, d]
    return Resampled(tokens=out, assignment=weights.argmax(0), grid=None, method="resample", param=int(m),
                     weights=weights, queries=queries, random_queries=drawn)


COMPRESSORS = {"merge": merge_tokens, "pixel_shuffle": pixel_shuffle_tokens, "pool": pool_tokens,
               "resample": resample_tokens}


def compress(x: VisionTokens | torch.Tensor, method: str, param: float) -> Compressed:
    """Dispatch by name: ``compress(vt, "merge", 0.5)``, ``compress(vt, "resample", 32)``."""
    if method not in COMPRESSORS:
        raise ValueError(f"Unknown compression {method!r}; known: {', '.join(COMPRESSORS)}")
    return COMPRESSORS[method](x, param if method == "merge" else int(param))
