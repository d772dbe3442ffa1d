"""Which artwork of a pack is this photo of? DINOv2 ViT-S/14's tokens, global and patch by patch.

A photo is encoded once (aspect kept, long side ``QUERY_PX``) and compared in two stages:

1. **global**: cosine of the photo's descriptor (class token and mean patch token, each unit length) with every
   artwork's; the ``SHORTLIST`` closest go on. Cheap, but it also rates *other* paintings highly (paintings look
   alike to a global descriptor), so it never decides alone.
2. **patch level, with geometry**: mutual nearest neighbours between the photo's patch tokens and the artwork's,
   then the largest set of those pairs that one affine map of the grid explains (RANSAC). A photo of the artwork
   has many pairs that agree on where they are; a photo of something else has a few pairs, scattered. The wall
   around the picture, a crop, glare or a tilt take pairs away but leave the agreeing ones.

The decision (``THRESHOLD`` agreeing patches, ``MARGIN`` more than the runner-up) was calibrated on photos made by
``vlmtok.pack.photos`` from the example paintings, against photos of examples left out of the pack, real photos of
other things and made-up pictures (``python -m vlmtok bench pack`` measures it again).

>>> rec = Recogniser()                                             # doctest: +SKIP
>>> index = RecognitionIndex.build({"lion": rec.features(lion)})   # doctest: +SKIP
>>> index.match(rec.features(photo))                               # doctest: +SKIP
Match(id='lion', score=61, runner_up=None, ...)
"""
from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator

import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

ENCODER = "vit_small_patch14_dinov2"
METHOD = "dinov2-b7-mnn-affine-v1"   # stored in the manifest: a pack indexed another way is built again
LAYER = 7                 # block whose patch tokens are matched: local enough to find the same place again
INDEX_SIDES = (224, 336)  # an artwork is indexed at two sizes (16 and 24 patches long), for far and near photos
QUERY_PX = 336            # long side of a photo: the picture is often half of it, so ~12-24 patches across
SHORTLIST = 24            # artworks the global stage passes to the patch stage
THRESHOLD = 40            # agreeing patch pairs needed to say "this is it"
MARGIN = 12               # ... and this many more than the runner-up
RANSAC_ITERS = 256
INLIER_PATCHES = 1.5      # how far (in photo patches) a pair may sit from where the affine map puts it


@dataclass
class Features:
    """What recognition keeps of one picture: ``global_`` [2d] float32 (the final class token and mean patch
    token), and block-``LAYER`` patch tokens ``patches`` [N, d] float16 for one or more views, on ``grids``
    (``N = sum(h * w)``, views one after another, each row-major)."""

    global_: np.ndarray
    patches: np.ndarray
    grids: list[tuple[int, int]]

    def views(self) -> Iterator[tuple[np.ndarray, tuple[int, int]]]:
        start = 0
        for h, w in self.grids:
            yield self.patches[start:start + h * w], (h, w)
            start += h * w


@dataclass
class Match:
    """The answer for one photo. ``id`` is None when nothing in the pack matches well enough."""

    id: str | None
    score: int                             # agreeing patch pairs for the best artwork
    runner_up: str | None
    runner_up_score: int
    candidates: list[tuple[str, int]] = field(default_factory=list)   # (id, score), best first
    ms: float = 0.0

    def to_dict(self) -> dict:
        return {"id": self.id, "score": self.score, "runner_up": self.runner_up,
                "runner_up_score": self.runner_up_score}


class Recogniser:
    """DINOv2 ViT-S/14 (real weights: Hub, else the offline pack) turned into recognition features."""

    def __init__(self, encoder=None) -> None:
        self._encoder = encoder

    @property
    def encoder(self):
        if self._encoder is None:
            from vlmtok.encoders import create_encoder

            self._encoder = create_encoder(ENCODER)
            if self._encoder.weights_source == "random":
                log.warning("DINOv2 has random weights here: photos will not be recognised")
        return self._encoder

    @property
    def weights_source(self) -> str:
        return self.encoder.weights_source

    def view(self, image: Image.Image, long_side: int) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
        """``(global [2d], block-LAYER patches [h * w, d], (h, w))`` of ``image`` at long side ``long_side``."""
        import torch

        enc = self.encoder
        x, _ = enc.preprocess(image, size_for(image.size, long_side, enc.patch_px))   # [1, 3, H, W]
        with torch.inference_mode():
            (mid, _), (last, prefix) = enc.model.forward_intermediates(
                x.to(enc.device, enc.dtype), indices=[LAYER, len(enc.model.blocks) - 1], norm=True,
                output_fmt="NLC", intermediates_only=True, return_prefix_tokens=True)   # [1, N, d], [1, 1, d]
        last = last[0].float().cpu().numpy()
        cls = prefix[0, 0].float().cpu().numpy()
        grid = (x.shape[-2] // enc.patch_px, x.shape[-1] // enc.patch_px)
        return _unit(np.concatenate([_unit(cls), _unit(last.mean(0))])), _unit(mid[0].float().cpu().numpy()), grid

    def features(self, image: Image.Image, sides: tuple[int, ...] = INDEX_SIDES) -> Features:
        """Recognition features of an artwork: the global descriptor of the first side, patches of every side."""
        views = [self.view(image, side) for side in sides]
        return Features(views[0][0], np.concatenate([v[1] for v in views]).astype(np.float16),
                        [v[2] for v in views])

    def photo_features(self, image: Image.Image) -> Features:
        return self.features(image, (QUERY_PX,))


def size_for(size: tuple[int, int], long_side: int, patch: int = 14) -> tuple[int, int]:
    """``(H, W)`` in whole patches, the long side ``long_side``, the aspect kept.

    >>> size_for((697, 500), 224)
    (154, 224)
    """
    w, h = size
    scale = long_side / max(w, h)
    return max(patch, round(h * scale / patch) * patch), max(patch, round(w * scale / patch) * patch)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.clip(np.linalg.norm(x, axis=-1, keepdims=True), 1e-6, None)


# --- the patch stage -------------------------------------------------------------------------------------------


def _centres(grid: tuple[int, int]) -> np.ndarray:
    """Patch centres ``[h * w, 2]`` as (x, y) in patch units, row-major like the tokens."""
    h, w = grid
    ii, jj = np.mgrid[0:h, 0:w]
    return np.stack([jj.ravel() + 0.5, ii.ravel() + 0.5], 1).astype(np.float32)


def mutual_pairs(query: np.ndarray, art: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(iq, ia)`` of patch pairs that are each other's nearest neighbour (cosine)."""
    sim = query.astype(np.float32) @ art.astype(np.float32).T     # [Nq, Na]
    best_a, best_q = sim.argmax(1), sim.argmax(0)
    iq = np.nonzero(best_q[best_a] == np.arange(len(query)))[0]
    return iq, best_a[iq]


def agreeing_pairs(pq: np.ndarray, pa: np.ndarray, seed: int = 0) -> int:
    """The most pairs (``pa`` in the artwork -> ``pq`` in the photo) one affine map explains (RANSAC)."""
    m = len(pq)
    if m < 4:
        return 0
    rng = np.random.default_rng(seed)
    picks = np.argsort(rng.random((RANSAC_ITERS, m)), axis=1)[:, :3]           # [K, 3] distinct pairs
    src = np.concatenate([pa[picks], np.ones((RANSAC_ITERS, 3, 1), np.float32)], 2)   # [K, 3, 3]
    ok = np.abs(np.linalg.det(src)) > 1e-3
    maps = np.zeros((RANSAC_ITERS, 3, 2), np.float32)                          # [x y 1] @ map -> (x', y')
    maps[ok] = np.linalg.solve(src[ok], pq[picks][ok])
    det = np.linalg.det(maps[:, :2, :])
    ok &= (det > 0.05) & (det < 20)        # no mirror image, no collapse: a photo keeps the picture's handedness
    pts = np.concatenate([pa, np.ones((m, 1), np.float32)], 1)                 # [m, 3]
    err = np.linalg.norm(np.einsum("mi,kij->kmj", pts, maps) - pq[None], axis=2)   # [K, m]
    inliers = (err < INLIER_PATCHES).sum(1)
    inliers[~ok] = 0
    return int(inliers.max())


def patch_score(query: Features, art: Features) -> int:
    """Agreeing patch pairs between the photo's (first) view and the artwork's best view."""
    q, q_grid = next(query.views())
    best = 0
    for a, a_grid in art.views():
        iq, ia = mutual_pairs(q, a)
        best = max(best, agreeing_pairs(_centres(q_grid)[iq], _centres(a_grid)[ia]))
    return best


# --- the index -------------------------------------------------------------------------------------------------


class RecognitionIndex:
    """Every artwork's features in one ``.npz``: ``ids``, ``global_`` [A, 2d], the patches of all views
    [sum N, d] float16 with ``offsets`` [A + 1] into them, and ``grids`` [A, views, 2]."""

    def __init__(self, ids: list[str], global_: np.ndarray, patches: np.ndarray, offsets: np.ndarray,
                 grids: np.ndarray) -> None:
        self.ids, self.global_, self.patches, self.offsets, self.grids = list(ids), global_, patches, offsets, grids

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, features: dict[str, Features]) -> RecognitionIndex:
        ids, feats = list(features), list(features.values())
        if not feats:
            return cls([], np.zeros((0, 768), np.float32), np.zeros((0, 384), np.float16), np.zeros(1, np.int64),
                       np.zeros((0, len(INDEX_SIDES), 2), np.int64))
        return cls(ids, np.stack([f.global_ for f in feats]).astype(np.float32),
                   np.concatenate([f.patches for f in feats]).astype(np.float16),
                   np.cumsum([0] + [len(f.patches) for f in feats]), np.array([f.grids for f in feats]))

    def features(self, i: int) -> Features:
        a, b = self.offsets[i], self.offsets[i + 1]
        return Features(self.global_[i], self.patches[a:b], [tuple(int(v) for v in g) for g in self.grids[i]])

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, ids=np.array(self.ids, dtype=str), global_=self.global_, patches=self.patches,
                 offsets=self.offsets, grids=self.grids)
        return buf.getvalue()

    @classmethod
    def load(cls, path: str | Path) -> RecognitionIndex:
        with np.load(path, allow_pickle=False) as z:
            return cls([str(i) for i in z["ids"]], z["global_"], z["patches"], z["offsets"], z["grids"])

    def match(self, query: Features, threshold: int = THRESHOLD, margin: int = MARGIN) -> Match:
        """The artwork this photo shows, or ``id=None`` when none agrees well enough (or two agree alike)."""
        t0 = time.perf_counter()
        if not self.ids:
            return Match(None, 0, None, 0)
        shortlist = np.argsort(-(self.global_ @ query.global_))[:SHORTLIST]
        scored = sorted(((self.ids[i], patch_score(query, self.features(i))) for i in shortlist),
                        key=lambda c: -c[1])
        (best, score), (second, second_score) = scored[0], (scored[1] if len(scored) > 1 else (None, 0))
        accepted = score >= threshold and score - second_score >= margin
        return Match(best if accepted else None, score, second, second_score, scored,
                     ms=round((time.perf_counter() - t0) * 1e3, 1))
