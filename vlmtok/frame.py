"""The artwork found in a gallery photo, and straightened: as document scanners find a page.

A guide photographs a painting on a wall: frame, wall, perspective, glare, a dim room. Everything said about the
picture (tokens, narration, colours) should be about the painting, not the wall. ``find_artwork(picture)``
returns the painting's quadrilateral inside its frame (top-left, top-right, bottom-right, bottom-left, in photo
pixels), a confidence and the straightened painting; or the whole picture when the picture already is the artwork
(a scan, a screenshot, a close crop) or nothing framed is found.

How, on a copy ``WORK_PX`` long (the full photo is only touched by the final warp):

1. **edges**: Canny on each colour channel (a dark frame on a dark wall of another hue still has an edge), its
   thresholds from the picture's own strongest gradients; the photo's border counts as an edge, so a painting cut
   by the edge is closed by it and straightened to what is visible;
2. **outline**: the largest closed shape the edges draw (frame and painting), its convex hull simplified
   (Douglas-Peucker) to four corners, each side then refitted to the edge pixels along it (a robust line fit, in
   two passes of narrowing reach, so it keeps to its own edge and not the moulding's next line);
3. **framed**: each side must lie on edges along most of its length, and the surround must be plain (a wall) next
   to a busier inside (both at least ``MIN_CONFIDENCE``); a scan's own rectangles sit in a busy surround;
4. **inside the frame**: the outline straightened, each side is walked inward over the moulding (lines plain
   along their length) to where the painting's texture starts; the innermost straight edge before it is the
   painting's side. A plain inside (an empty frame, a bare wall) is no painting: the whole picture stays;
5. **straightened**: a perspective warp to the painting's own proportions (its sides' lengths), reading only the
   painting's box of the full photo.

>>> art = find_artwork(load_image("gallery_photo.jpg"))      # doctest: +SKIP
>>> art.found, art.corners, round(art.confidence, 2)         # doctest: +SKIP
(True, [[212.0, 140.5], [893.1, 160.2], [880.7, 650.3], [205.2, 633.9]], 0.91)
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

WORK_PX = 512               # long side the search runs at: ~4 px of a 2048 px photo per step, 20x fewer pixels
MIN_AREA = 0.03             # a painting smaller than this share of the photo is not what the guide photographed
WHOLE_AREA = 0.9            # a painting covering this share already is the picture: leave it whole
INNER_MIN_SHARE = 0.45      # the painting covers at least this share of its frame's outline (else: the outline)
PLAIN_RATIO = 0.5           # the surround's edge density at most this share of the inside's ...
PLAIN_MAX = 0.08            # ... and at most this share of its pixels on an edge at all
MIN_BUSY = 0.01            # a painting has edges on at least this share of its pixels (an empty frame: none)
INNER_SAMPLE = 0.9          # ... measured inside this shrinking of it, its own outline left out
SURROUNDS = ((1.04, 1.3), (1.15, 1.45))  # the surround judged: between these scalings of the outline (the plainer)
MIN_CONFIDENCE = 0.5        # below this, the whole picture is safer than a doubtful cut
SAMPLES = 64                # points tested along each side
OUTER_REACHES = (0.015, 0.006)  # a side is refitted to edges within these shares of the diagonal, in turn
INNER_REACHES = (0.006,)    # ... the painting's sides, closer (the moulding's lines are near)
RECTIFIED_PX = 320          # long side of the straightened outline the moulding is measured on
BUSY = 0.5                  # a line as busy as this share of the middle's median belongs to the painting
RUN = 3                     # ... when this many lines in a row are
MAX_INSET = 0.25            # a moulding is never wider than this share of the outline
STRONG = 0.35               # an edge line at least this share of the band's strongest ...
MIN_STEP = 6.0              # ... and this strong (summed RGB change across two lines) counts
STRAIGHT_MAX_PX = 2048      # the straightened artwork's long side at most (safe intake's working size)
OUTLINE_PX = 960            # long side of the photo the outline is shown on
BORDER_PX = 2               # a side this close to the photo's border is the border (a painting cut by the edge)


@dataclass
class Artwork:
    """Where the artwork lies in the photo. ``corners``: [[x, y]] x4, TL, TR, BR, BL, in photo pixels (the whole
    picture's corners when ``found`` is False); ``image``: the straightened artwork (the picture itself when not
    found)."""

    found: bool
    corners: list[list[float]]
    confidence: float
    image: Image.Image

    def to_dict(self) -> dict:
        return {"found": self.found, "corners": [[round(x, 1), round(y, 1)] for x, y in self.corners],
                "confidence": round(self.confidence, 3)}


def whole_picture(picture: Image.Image) -> Artwork:
    """The picture as it is (the guide chose "use the whole photo", or the caller ``find_artwork=False``)."""
    return Artwork(False, whole_corners(picture.size), 0.0, picture)


def artwork_in(picture: Image.Image, find: bool = True) -> Artwork:
    """What every door narrates and tokenises: the straightened artwork, or the whole picture when ``find`` is
    False (a guide's choice, an API caller's ``find_artwork=False``)."""
    return find_artwork(picture) if find else whole_picture(picture)


def whole_corners(size: tuple[int, int]) -> list[list[float]]:
    w, h = size
    return [[0.0, 0.0], [float(w), 0.0], [float(w), float(h)], [0.0, float(h)]]


def find_artwork(picture: Image.Image) -> Artwork:
    """The painting in ``picture`` (an upright RGB picture from safe intake), straightened; or the whole picture."""
    picture = picture if picture.mode == "RGB" else picture.convert("RGB")     # convert() would copy 12 MP
    small = _work_copy(picture)
    quad, confidence = locate(np.asarray(small))
    if quad is None:
        return Artwork(False, whole_corners(picture.size), confidence, picture)
    quad = quad * (picture.width / small.width)
    return Artwork(True, quad.tolist(), confidence, straighten(picture, quad))


def _work_copy(picture: Image.Image) -> Image.Image:
    """``WORK_PX`` long: a box reduction first (cheap on a 12-megapixel photo), then a small resize."""
    factor = max(1, max(picture.size) // (2 * WORK_PX))
    reduced = picture.reduce(factor) if factor > 1 else picture
    scale = min(1.0, WORK_PX / max(reduced.size))
    size = (max(1, round(reduced.width * scale)), max(1, round(reduced.height * scale)))
    return reduced.resize(size, Image.BILINEAR, reducing_gap=2.0) if scale < 1 else reduced


def locate(rgb: np.ndarray) -> tuple[np.ndarray | None, float]:
    """The painting's corners [4, 2] in ``rgb``'s pixels and a confidence; None when it is the whole picture."""
    edges = edge_map(rgb)
    h, w = edges.shape
    outer = outline(edges)
    if outer is None:
        return None, 0.0
    outer = refine(outer, edges)
    near = _near_edges(edges)
    share = _area(outer) / (w * h)
    confidence = float(min(support(outer, near), plainness(outer, edges)))
    if not MIN_AREA <= share < WHOLE_AREA or confidence < MIN_CONFIDENCE:
        log.debug("outline covering %.2f with confidence %.2f: the whole picture", share, confidence)
        return None, confidence
    inner = refine(inset(rgb, outer), edges, INNER_REACHES)
    if not _inside(inner, outer) or _area(inner) < INNER_MIN_SHARE * _area(outer):
        inner = outer
    if _density(inner, edges, INNER_SAMPLE) < MIN_BUSY:
        log.debug("a frame around a plain inside (an empty frame, a bare wall): the whole picture")
        return None, 0.0
    return inner, confidence


def _density(quad: np.ndarray, edges: np.ndarray, shrink: float) -> float:
    """Share of edge pixels inside ``quad`` shrunk about its centre (its own outline left out)."""
    import cv2

    mask = np.zeros(edges.shape, np.uint8)
    centre = quad.mean(0)
    cv2.fillConvexPoly(mask, np.round(centre + (quad - centre) * shrink).astype(np.int32), 1)
    return float((edges[mask > 0] > 0).mean()) if mask.any() else 0.0


def edge_map(rgb: np.ndarray) -> np.ndarray:
    """Edges of any channel, [H, W] uint8 0/255, thresholds from the strongest gradients; the border drawn in."""
    import cv2

    blurred = cv2.GaussianBlur(rgb, (5, 5), 0)
    edges = np.zeros(rgb.shape[:2], np.uint8)
    for c in range(3):
        channel = blurred[..., c]
        magnitude = np.hypot(cv2.Sobel(channel, cv2.CV_32F, 1, 0), cv2.Sobel(channel, cv2.CV_32F, 0, 1))
        high = max(40.0, float(np.percentile(magnitude, 92)))
        edges |= cv2.Canny(channel, high * 0.5, high, L2gradient=True)
    edges[:BORDER_PX, :] = edges[-BORDER_PX:, :] = 255
    edges[:, :BORDER_PX] = edges[:, -BORDER_PX:] = 255
    return edges


def outline(edges: np.ndarray) -> np.ndarray | None:
    """A rough quadrilateral around the largest closed shape the edges draw (frame and painting), or None."""
    import cv2

    closed = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    inner = closed[BORDER_PX + 1:-BORDER_PX - 1, BORDER_PX + 1:-BORDER_PX - 1]    # the drawn border aside
    contours, _ = cv2.findContours(inner.copy(), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    shift = BORDER_PX + 1
    best = None
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
        if cv2.contourArea(contour) < MIN_AREA * edges.size:
            break
        quad = _four_corners(cv2.convexHull(contour) + shift)
        if quad is not None and (best is None or _area(quad) > _area(best)):
            best = quad
    return best


def _four_corners(hull: np.ndarray) -> np.ndarray:
    """Four corners of a convex hull: Douglas-Peucker at growing tolerance, else its smallest enclosing box."""
    import cv2

    perimeter = cv2.arcLength(hull, True)
    for eps in (0.02, 0.04, 0.06, 0.08, 0.1):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4 and cv2.isContourConvex(approx):
            return order_corners(approx.reshape(4, 2).astype(np.float64))
        if len(approx) < 4:
            break
    return order_corners(cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float64))


def refine(quad: np.ndarray, edges: np.ndarray, reaches: tuple[float, ...] = OUTER_REACHES) -> np.ndarray:
    """Each side moved onto the edge pixels near it (a robust line fit), nearer at each pass, so a side keeps to
    its own edge and not the moulding's next line; corners where the lines meet."""
    ys, xs = np.nonzero(edges)
    points = np.stack([xs, ys], 1).astype(np.float64)                       # [N, 2]
    diagonal = float(np.linalg.norm(quad[2] - quad[0]))
    for reach in reaches:
        quad = _fit_sides(quad, points, max(2.0, reach * diagonal))
    return quad


def _fit_sides(quad: np.ndarray, points: np.ndarray, tolerance: float) -> np.ndarray:
    import cv2

    lines = []
    for a, b in zip(quad, np.roll(quad, -1, axis=0)):
        length = float(np.linalg.norm(b - a)) + 1e-9
        direction = (b - a) / length
        normal = np.array([-direction[1], direction[0]])
        rel = points - a
        along = rel @ direction / length
        near = (np.abs(rel @ normal) <= tolerance) & (along > 0.1) & (along < 0.9)
        if near.sum() < 10:
            lines.append((a, direction))
            continue
        vx, vy, x0, y0 = cv2.fitLine(points[near].astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)))
    corners = [_meet(lines[i - 1], lines[i]) for i in range(4)]
    if any(c is None for c in corners):
        return quad
    fitted = np.array(corners)
    return fitted if np.abs(fitted - quad).max() <= 3 * tolerance + 2 else quad


def _meet(first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]) -> np.ndarray | None:
    (p, u), (q, v) = first, second
    det = u[0] * (-v[1]) - u[1] * (-v[0])
    if abs(det) < 1e-6:
        return None
    t = ((q - p)[0] * (-v[1]) - (q - p)[1] * (-v[0])) / det
    return p + t * u


def inset(rgb: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """The painting inside the frame ``outer``: in the outline straightened, each side walked inward over the
    moulding (lines plain along their length) to where the painting's texture starts."""
    import cv2

    side = RECTIFIED_PX
    tl, tr, br, bl = outer
    aspect = max(np.linalg.norm(tr - tl), 1) / max(np.linalg.norm(bl - tl), 1)
    w, h = (side, max(16, round(side / aspect))) if aspect >= 1 else (max(16, round(side * aspect)), side)
    target = np.array([(0, 0), (w, 0), (w, h), (0, h)], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(outer.astype(np.float32), target)
    flat = cv2.warpPerspective(rgb, matrix, (w, h), flags=cv2.INTER_AREA).astype(np.float32)
    flat = cv2.GaussianBlur(flat, (3, 3), 0)
    rows = np.ascontiguousarray(flat[:, w // 10: w - w // 10])                # [h, w', 3] the middle of each row
    cols = np.ascontiguousarray(flat[h // 10: h - h // 10].transpose(1, 0, 2))  # [w, h', 3] ... of each column
    top, bottom = _edge_inset(rows), _edge_inset(rows[::-1])
    left, right = _edge_inset(cols), _edge_inset(cols[::-1])
    x0, x1, y0, y1 = left, w - right, top, h - bottom
    box = np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], dtype=np.float32)
    return cv2.perspectiveTransform(box.reshape(1, 4, 2), np.linalg.inv(matrix))[0].astype(np.float64)


def _edge_inset(lines: np.ndarray) -> float:
    """How far (in lines) from the outline the painting starts, ``lines`` [n, m, 3] running parallel to one side,
    the side first: the innermost strong straight edge before the painting's texture starts."""
    texture = np.abs(np.diff(lines, axis=1)).sum(2).mean(1)                    # [n] change along each line
    step = np.zeros(len(lines))
    step[1:-1] = np.median(np.abs(lines[2:] - lines[:-2]).sum(2), axis=1)      # [n] an edge all along the line
    reach = _walk(texture) or int(MAX_INSET * len(lines))
    band = step[: min(reach + 3, len(lines))]
    strong = max(MIN_STEP, STRONG * float(band[1:].max(initial=0.0)))
    peaks = [i for i in range(1, len(band) - 1)
             if band[i] >= strong and band[i] >= band[i - 1] and band[i] >= band[i + 1]]
    return float(peaks[-1]) + 0.5 if peaks else 0.0


def _walk(texture: np.ndarray) -> int:
    """How many lines from the outline the painting starts: the first of ``RUN`` lines in a row as busy as
    ``BUSY`` of the middle's, within ``MAX_INSET`` of the side; 0 when none is."""
    n = len(texture)
    middle = float(np.median(texture[n // 3: 2 * n // 3])) + 1e-6
    busy = texture >= BUSY * middle
    limit = int(MAX_INSET * n)
    for i in range(2, limit):
        if busy[i:i + RUN].all():
            return i
    return 0


def order_corners(points: np.ndarray) -> np.ndarray:
    """TL, TR, BR, BL: by angle around the centre, starting from the corner nearest the top-left."""
    centre = points.mean(0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    ring = points[np.argsort(angles)]                     # clockwise on screen (y down), from the left
    start = int(np.argmin(ring.sum(1)))
    return np.roll(ring, -start, axis=0)


def _near_edges(edges: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.dilate(edges, np.ones((5, 5), np.uint8))


def support(quad: np.ndarray, edges: np.ndarray) -> float:
    """The weakest side's share of points on an edge (sides along the photo's border count as seen)."""
    h, w = edges.shape
    t = np.linspace(0.05, 0.95, SAMPLES)[:, None]
    shares = []
    for a, b in zip(quad, np.roll(quad, -1, axis=0)):
        points = a + t * (b - a)                                           # [SAMPLES, 2]
        xs = np.clip(np.round(points[:, 0]).astype(int), 0, w - 1)
        ys = np.clip(np.round(points[:, 1]).astype(int), 0, h - 1)
        shares.append(float((edges[ys, xs] > 0).mean()))
    return min(shares)


def plainness(quad: np.ndarray, edges: np.ndarray) -> float:
    """1 for a plain surround around a busy inside, 0 for a surround as busy as the inside: the plainer of a near
    and a farther ring (when the outline is the painting's own edge, the near ring holds the moulding's lines)."""
    import cv2

    inside = np.zeros(edges.shape, np.uint8)
    cv2.fillConvexPoly(inside, np.round(quad).astype(np.int32), 1)
    inside_density = float((edges[inside > 0] > 0).mean()) + 1e-6
    return max(_ring_plainness(quad, edges, ring, inside_density) for ring in SURROUNDS)


def _ring_plainness(quad: np.ndarray, edges: np.ndarray, scales: tuple[float, float], inside_density: float) -> float:
    import cv2

    h, w = edges.shape
    centre = quad.mean(0)
    ring = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(ring, np.round(centre + (quad - centre) * scales[1]).astype(np.int32), 1)
    cv2.fillConvexPoly(ring, np.round(centre + (quad - centre) * scales[0]).astype(np.int32), 0)
    outline = cv2.dilate(cv2.polylines(np.zeros((h, w), np.uint8), [np.round(quad).astype(np.int32)], True, 1, 1),
                         np.ones((7, 7), np.uint8))
    ring[outline > 0] = 0                                 # the outline's own edge is neither
    ring[:BORDER_PX + 1, :] = ring[-BORDER_PX - 1:, :] = 0
    ring[:, :BORDER_PX + 1] = ring[:, -BORDER_PX - 1:] = 0
    if ring.sum() < 0.01 * h * w:                         # no surround in view (a close crop): nothing to judge by
        return 0.0
    ring_density = float((edges[ring > 0] > 0).mean())
    if ring_density > PLAIN_MAX:
        return 0.0
    return float(np.clip(1.0 - ring_density / (PLAIN_RATIO * inside_density), 0.0, 1.0) ** 0.5)


def straighten(picture: Image.Image, quad: np.ndarray) -> Image.Image:
    """The quadrilateral warped to an upright rectangle of its own proportions (the longer of opposite sides, at
    most ``STRAIGHT_MAX_PX`` long); only its bounding box is read, box-reduced first when much larger."""
    import cv2

    tl, tr, br, bl = quad
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    fit = min(1.0, STRAIGHT_MAX_PX / max(width, height))
    size = (max(16, round(width * fit)), max(16, round(height * fit)))
    x0, y0 = np.floor(np.maximum(quad.min(0), 0)).astype(int)
    x1, y1 = np.ceil(np.minimum(quad.max(0), picture.size)).astype(int)
    factor = max(1, int(1 / fit) // 2)                   # leave at least twice the pixels the warp samples from
    crop = picture.crop((x0, y0, x1, y1))
    crop = crop.reduce(factor) if factor > 1 else crop
    local = ((quad - (x0, y0)) / factor).astype(np.float32)
    target = np.array([(0, 0), (size[0], 0), size, (0, size[1])], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(local, target)
    return Image.fromarray(cv2.warpPerspective(np.asarray(crop), matrix, size, flags=cv2.INTER_LINEAR,
                                               borderMode=cv2.BORDER_REPLICATE))


def outline_picture(picture: Image.Image, artwork: Artwork, long_side: int = OUTLINE_PX) -> Image.Image:
    """A copy of the photo (``long_side`` long at most) with the artwork's outline drawn in yellow on black, seen
    on any wall."""
    from PIL import ImageDraw

    scale = min(1.0, long_side / max(picture.size))
    shown = picture.resize((round(picture.width * scale), round(picture.height * scale)), Image.BILINEAR)
    points = [(x * scale, y * scale) for x, y in artwork.corners]
    width = max(3, round(max(shown.size) / 160))
    draw = ImageDraw.Draw(shown)
    draw.line([*points, points[0]], fill=(0, 0, 0), width=width * 2 + 2, joint="curve")
    draw.line([*points, points[0]], fill=(255, 214, 0), width=width, joint="curve")
    return shown


def quad_iou(a: np.ndarray | list, b: np.ndarray | list, size: tuple[int, int]) -> float:
    """Intersection over union of two quadrilaterals in a picture of ``size`` (w, h), by rasterising."""
    import cv2

    w, h = size
    scale = min(1.0, 1024 / max(w, h))
    masks = []
    for quad in (a, b):
        mask = np.zeros((max(1, round(h * scale)), max(1, round(w * scale))), np.uint8)
        cv2.fillPoly(mask, [np.round(np.asarray(quad, dtype=np.float64) * scale).astype(np.int32)], 1)
        masks.append(mask > 0)
    union = (masks[0] | masks[1]).sum()
    return float((masks[0] & masks[1]).sum() / union) if union else 0.0


def _area(quad: np.ndarray) -> float:
    x, y = quad[:, 0], quad[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _inside(quad: np.ndarray, outer: np.ndarray, slack: float = 3.0) -> bool:
    import cv2

    contour = outer.astype(np.float32).reshape(-1, 1, 2)
    return all(cv2.pointPolygonTest(contour, (float(x), float(y)), True) >= -slack for x, y in quad)
