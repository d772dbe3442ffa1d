"""Which artwork of a pack is this photo of? DINOv2 ViT-S/14's tokens, global and patch by patch.

A photo is encoded once (aspect kept, long side ``QUERY_PX``) and compared in three stages:

1. **global**: cosine of the photo's descriptor (final class token and mean patch token) with every artwork's;
   the ``SHORTLIST`` closest go on. Cheap, but paintings look alike to it, so it never decides.
2. **patch level, with geometry**: mutual nearest neighbours between the photo's block-``LAYER`` patch tokens
   (local enough to find the same place again; the final layer's are too global) and each artwork's, at two
   sizes, then the largest set of those pairs one affine map of the grid explains (RANSAC). The map says where
   the artwork lies in the photo, even with a wall around it, a tilt or a crop.
3. **verification**: the photo is warped back into the artwork's own frame by that map and encoded again; the
   patch tokens now sit where the artwork's do, and their mean cosine (``score``) is high only for the same
   picture. Another painting that happened to share a patch of plain sky with the photo scores low here.

A match needs ``score >= THRESHOLD`` and ``MARGIN`` more than the runner-up; anything else is "not in this pack".
The rule was calibrated on photos ``vlmtok.pack.photos`` makes from the example paintings, against photos of
examples left out of the pack, real photos of other things and made-up pictures; ``python -m vlmtok bench pack``
measures it again.

>>> rec = Recogniser()                                             # doctest: +SKIP
>>> index = RecognitionIndex.build({"lion": rec.features(lion)})   # doctest: +SKIP
>>> rec.match(index, photo).id                                     # doctest: +SKIP
'lion'
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
METHOD = "dinov2-b7-mnn-affine-rectified-v1"   # in the manifest: a pack indexed another way is indexed again
LAYER = 7                 # block whose patch tokens are matched: local enough to find the same place again
INDEX_SIDES = (224, 336)  # an artwork is indexed at two sizes (16 and 24 patches long), for far and near photos
QUERY_PX = 336            # long side of a photo: the picture is often half of it, so ~12-24 patches across
SHORTLIST = 24            # artworks the global stage passes to the patch stage
VERIFY = 2                # artworks (most agreeing pairs first) the photo is warped back onto and encoded again
MIN_PAIRS = 8             # fewer agreeing pairs than this: no map worth verifying
MIN_COVER = 0.2           # the photo must show at least this share of the artwork's patches
THRESHOLD = 0.52          # mean cosine of the realigned patch tokens needed to say "this is it" ...
MARGIN = 0.06             # ... and this much more than the runner-up
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
class Candidate:
    id: str
    pairs: int                             # agreeing patch pairs (stage 2)
    score: float = 0.0                     # realigned similarity (stage 3; 0 when not verified)
    cover: float = 0.0                     # share of the artwork's patches the photo shows


@dataclass
class Match:
    """The answer for one photo. ``id`` is None when nothing in the pack matches well enough."""

    id: str | None
    score: float                           # realigned similarity of the best candidate (0 when none had a map)
    runner_up: str | None
    runner_up_score: float
    candidates: list[Candidate] = field(default_factory=list)   # verified first (best score first), then the rest
    ms: float = 0.0

    @property
    def closest(self) -> str | None:
        """The best candidate, matched or not."""
        return self.candidates[0].id if self.candidates else None

    def to_dict(self) -> dict:
        return {"id": self.id, "score": round(self.score, 4), "runner_up": self.runner_up,
                "runner_up_score": round(self.runner_up_score, 4), "closest": self.closest,
                "pairs": self.candidates[0].pairs if self.candidates else 0}


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

    def patches(self, image: Image.Image, long_side: int) -> tuple[np.ndarray, tuple[int, int]]:
        """``(block-LAYER patches [h * w, d], (h, w))`` only: the blocks after ``LAYER`` are not run (the
        verification stage needs no global descriptor, and this saves a third of the forward pass)."""
        import torch

        enc = self.encoder
        x, _ = enc.preprocess(image, size_for(image.size, long_side, enc.patch_px))   # [1, 3, H, W]
        with torch.inference_mode():
            (mid,) = enc.model.forward_intermediates(x.to(enc.device, enc.dtype), indices=[LAYER], norm=True,
                                                     output_fmt="NLC", intermediates_only=True, stop_early=True)
        grid = (x.shape[-2] // enc.patch_px, x.shape[-1] // enc.patch_px)
        return _unit(mid[0].float().cpu().numpy()), grid                          # [h * w, d]

    def features(self, image: Image.Image, sides: tuple[int, ...] = INDEX_SIDES) -> Features:
        """Recognition features of an artwork: the global descriptor of the first side, patches of every side."""
        views = [self.view(image, side) for side in sides]
        return Features(views[0][0], np.concatenate([v[1] for v in views]).astype(np.float16),
                        [v[2] for v in views])

    def photo_features(self, image: Image.Image) -> Features:
        return self.features(image, (QUERY_PX,))

    def match(self, index: RecognitionIndex, photo: Image.Image, threshold: float = THRESHOLD,
              margin: float = MARGIN) -> Match:
        """The artwork of ``index`` that ``photo`` shows, or ``id=None`` when none does (or two do alike)."""
        t0 = time.perf_counter()
        if not len(index):
            return Match(None, 0.0, None, 0.0)
        query = self.photo_features(photo)
        shortlist = np.argsort(-(index.global_ @ query.global_))[:SHORTLIST]
        staged = sorted(((i, *best_view(query, index.features(i))) for i in shortlist), key=lambda c: -c[1])
        candidates = [self._verify(photo, query, index, i, pairs, view, fitted) if rank < VERIFY
                      else Candidate(index.ids[i], pairs) for rank, (i, pairs, view, fitted) in enumerate(staged)]
        candidates.sort(key=lambda c: (-c.score, -c.pairs))
        best, second = candidates[0], (candidates[1] if len(candidates) > 1 else Candidate("", 0))
        accepted = best.score >= threshold and best.score - second.score >= margin
        return Match(best.id if accepted else None, best.score, second.id or None, second.score, candidates,
                     ms=round((time.perf_counter() - t0) * 1e3, 1))

    def _verify(self, photo: Image.Image, query: Features, index: RecognitionIndex, i: int, pairs: int, view: int,
                fitted: np.ndarray | None) -> Candidate:
        """Stage 3 for artwork ``i``: realigned similarity, when its map is worth checking."""
        art = index.features(i)
        if fitted is None or pairs < MIN_PAIRS:
            return Candidate(index.ids[i], pairs)
        tokens, a_grid = list(art.views())[view]
        warped, covered = realign(photo, query.grids[0], a_grid, fitted, self.encoder.patch_px)
        if covered.mean() < MIN_COVER:
            return Candidate(index.ids[i], pairs, 0.0, float(covered.mean()))
        again, grid = self.patches(warped, max(warped.size))                 # [h * w, d] where the artwork's are
        if tuple(grid) != tuple(a_grid):
            log.debug("realigned grid %s differs from the artwork's %s", grid, a_grid)
            return Candidate(index.ids[i], pairs)
        sim = (again * tokens.astype(np.float32)).sum(1)                     # [h * w] cosine, patch by patch
        return Candidate(index.ids[i], pairs, float(sim[covered].mean()), float(covered.mean()))


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


# --- stage 2: patches that agree on where they are --------------------------------------------------------------


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


def agreeing_pairs(pq: np.ndarray, pa: np.ndarray, seed: int = 0) -> tuple[int, np.ndarray | None]:
    """The most pairs (``pa`` in the artwork -> ``pq`` in the photo) one affine map explains (RANSAC), and that
    map refitted to them: ``[x y 1] @ map -> (x', y')``, a [3, 2] array (None when there is none)."""
    m = len(pq)
    if m < 4:
        return 0, None
    rng = np.random.default_rng(seed)
    picks = np.argsort(rng.random((RANSAC_ITERS, m)), axis=1)[:, :3]           # [K, 3] distinct pairs
    src = np.concatenate([pa[picks], np.ones((RANSAC_ITERS, 3, 1), np.float32)], 2)   # [K, 3, 3]
    ok = np.abs(np.linalg.det(src)) > 1e-3
    maps = np.zeros((RANSAC_ITERS, 3, 2), np.float32)
    maps[ok] = np.linalg.solve(src[ok], pq[picks][ok])
    det = np.linalg.det(maps[:, :2, :])
    ok &= (det > 0.05) & (det < 20)        # no mirror image, no collapse: a photo keeps the picture's handedness
    pts = np.concatenate([pa, np.ones((m, 1), np.float32)], 1)                 # [m, 3]
    err = np.linalg.norm(np.einsum("mi,kij->kmj", pts, maps) - pq[None], axis=2)   # [K, m]
    inliers = np.where(ok, (err < INLIER_PATCHES).sum(1), 0)
    best = int(inliers.argmax())
    keep = err[best] < INLIER_PATCHES
    if inliers[best] < 3:
        return int(inliers[best]), None
    fitted, *_ = np.linalg.lstsq(pts[keep], pq[keep], rcond=None)
    return int(inliers[best]), fitted.astype(np.float32)


def best_view(query: Features, art: Features) -> tuple[int, int, np.ndarray | None]:
    """``(pairs, view, map)`` for the artwork view whose patches agree most with the photo's (first) view."""
    q, q_grid = next(query.views())
    best: tuple[int, int, np.ndarray | None] = (0, 0, None)
    for v, (a, a_grid) in enumerate(art.views()):
        iq, ia = mutual_pairs(q, a)
        pairs, fitted = agreeing_pairs(_centres(q_grid)[iq], _centres(a_grid)[ia])
        if pairs > best[0]:
            best = (pairs, v, fitted)
    return best


def patch_score(query: Features, art: Features) -> int:
    """Agreeing patch pairs between the photo and the artwork's best view."""
    return best_view(query, art)[0]


# --- stage 3: the photo warped back onto the artwork -------------------------------------------------------------


def realign(photo: Image.Image, photo_grid: tuple[int, int], art_grid: tuple[int, int], fitted: np.ndarray,
            patch: int = 14) -> tuple[Image.Image, np.ndarray]:
    """The photo resampled into the artwork view's frame (``art_grid`` patches of ``patch`` px), and which of
    those patches the photo covers ``[h * w]`` bool."""
    gh, gw = art_grid
    sx, sy = photo.width / photo_grid[1], photo.height / photo_grid[0]      # photo px per photo patch
    (a, d), (b, e), (c, f) = fitted                                          # artwork patch -> photo patch
    # output px (x, y) -> artwork patch (x, y) / patch -> photo patch (fitted) -> photo px
    coeffs = (a * sx / patch, b * sx / patch, c * sx, d * sy / patch, e * sy / patch, f * sy)
    size = (gw * patch, gh * patch)
    warped = photo.transform(size, Image.AFFINE, coeffs, Image.BICUBIC)
    inside = Image.new("L", photo.size, 255).transform(size, Image.AFFINE, coeffs, Image.NEAREST)
    covered = np.asarray(inside.resize((gw, gh), Image.BOX)) > 128         # [h, w]: mostly inside the photo
    return warped, covered.ravel()


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
