"""Gallery photos made from a known picture, to calibrate and test recognition (no camera needed).

A guide's photo of a painting differs from the museum's file in known ways; each ``KINDS`` entry makes one of
them, and ``"mixed"`` makes several at once, as a real photo does:

- ``wall``: the framed picture hung on a wall, the wall filling a third or more of the photo;
- ``perspective``: taken from the side, the frame a trapezoid (up to ~15% of a side);
- ``crop``: only part of the painting in view (60-85% of each side);
- ``glare``: a bright reflection on the varnish or glass;
- ``dark``: a dim room, with a warm or cool cast;
- ``blur``: a shaky hand or missed focus;
- ``jpeg``: a phone's strong compression, with sensor noise.

Everything is drawn from ``seed``, so a photo can be made again exactly.

>>> photo = gallery_photo(load_image("examples/durer_lion.jpg"), "mixed", seed=3)  # doctest: +SKIP
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

KINDS: tuple[str, ...] = ("wall", "perspective", "crop", "glare", "dark", "blur", "jpeg", "mixed")
PHOTO_PX = 640                      # long side of the photo (a phone's, downscaled as the app would)
WALLS = ((222, 214, 198), (196, 200, 204), (120, 34, 40), (245, 245, 240), (52, 62, 74))
FRAMES = ((176, 140, 60), (60, 40, 25), (20, 20, 20), (230, 230, 225))


def gallery_photo(picture: Image.Image, kind: str = "mixed", seed: int = 0) -> Image.Image:
    """A simulated gallery photo of ``picture`` (RGB, long side ``PHOTO_PX``)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown photo kind {kind!r}; known: {', '.join(KINDS)}")
    rng = random.Random(f"{kind}:{seed}")
    art = _fit(picture.convert("RGB"), PHOTO_PX)
    if kind == "mixed":
        steps = [_on_wall, _crop_or_not, _light, _glare_or_not, _blur_or_not]
        for step in steps:
            art = step(art, rng)
        return _jpeg(art, rng)
    return {"wall": _on_wall, "perspective": _perspective, "crop": _crop, "glare": _glare, "dark": _dark,
            "blur": _blur, "jpeg": _jpeg}[kind](art, rng)


def not_a_painting(kind: str, seed: int = 0, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """Photos of things that are no artwork: ``"noise"``, ``"wall"`` (a bare wall, maybe an empty frame),
    ``"gradient"`` (a sky-like blend) and ``"shapes"`` (a poster of plain shapes)."""
    rng = random.Random(f"neg:{kind}:{seed}")
    w, h = size
    if kind == "noise":
        arr = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
        return Image.fromarray(arr).filter(ImageFilter.GaussianBlur(rng.uniform(0, 2)))
    if kind == "wall":
        wall = _wall((w, h), rng)
        if rng.random() < 0.7:
            ImageDraw.Draw(wall).rectangle(_box(w, h, rng), outline=rng.choice(FRAMES), width=rng.randint(8, 20))
        return wall
    if kind == "gradient":
        top, bottom = np.array(_colour(rng)), np.array(_colour(rng))
        ramp = np.linspace(0, 1, h)[:, None, None]
        return Image.fromarray(np.broadcast_to(top * (1 - ramp) + bottom * ramp, (h, w, 3)).astype(np.uint8))
    if kind == "shapes":
        img = Image.new("RGB", size, _colour(rng))
        draw = ImageDraw.Draw(img)
        for _ in range(rng.randint(3, 8)):
            (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(_box(w, h, rng), fill=_colour(rng))
        return img
    raise ValueError(f"Unknown kind {kind!r}; known: noise, wall, gradient, shapes")


NEGATIVE_KINDS: tuple[str, ...] = ("noise", "wall", "gradient", "shapes")


# --- the steps ---------------------------------------------------------------------------------------------------


def _fit(img: Image.Image, side: int) -> Image.Image:
    scale = side / max(img.size)
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.BICUBIC)


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)


def _box(w: int, h: int, rng: random.Random) -> tuple[int, int, int, int]:
    x0, y0 = rng.randint(0, w // 2), rng.randint(0, h // 2)
    return x0, y0, rng.randint(x0 + w // 8, w), rng.randint(y0 + h // 8, h)


def _wall(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A painted wall: one colour, lit unevenly from one side, with a little texture."""
    w, h = size
    base = np.array(rng.choice(WALLS), dtype=np.float32)
    light = np.linspace(rng.uniform(0.8, 1.0), rng.uniform(0.9, 1.1), w)[None, :, None]   # [1, W, 1]
    texture = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 4, (h, w, 1))
    return Image.fromarray(np.clip(base * light + texture, 0, 255).astype(np.uint8))


def _framed(art: Image.Image, rng: random.Random) -> Image.Image:
    border = max(4, round(max(art.size) * rng.uniform(0.03, 0.07)))
    framed = Image.new("RGB", (art.width + 2 * border, art.height + 2 * border), rng.choice(FRAMES))
    framed.paste(art, (border, border))
    return framed


def _on_wall(art: Image.Image, rng: random.Random) -> Image.Image:
    """The framed picture on a wall, filling 55-80% of the photo's width, maybe taken from the side."""
    framed = _framed(art, rng)
    fill = rng.uniform(0.55, 0.8)
    photo_w = round(framed.width / fill)
    photo_h = max(round(framed.height / rng.uniform(0.55, 0.85)), round(photo_w * 0.75))
    photo = _wall((photo_w, photo_h), rng)
    warped, mask = _warp(framed, rng, rng.uniform(0.0, 0.15))
    photo.paste(warped, ((photo_w - framed.width) // 2 + rng.randint(-20, 20),
                         (photo_h - framed.height) // 2 + rng.randint(-20, 20)), mask)
    return _fit(photo, PHOTO_PX)


def _warp(img: Image.Image, rng: random.Random, amount: float) -> tuple[Image.Image, Image.Image]:
    """A perspective view of ``img`` (same size), and the mask of where the picture lands."""
    w, h = img.size
    side = rng.choice((-1, 1))          # which side is nearer the camera
    dy = amount * h
    # the far side shrinks vertically; each corner also moves a little at random
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    far = [1, 2] if side > 0 else [0, 3]
    target = []
    for i, (x, y) in enumerate(corners):
        shrink = dy if i in far else 0.0
        jitter = amount * 0.3
        target.append((x + rng.uniform(-jitter, jitter) * w, y + (shrink if y == 0 else -shrink)
                       + rng.uniform(-jitter, jitter) * h))
    coeffs = _perspective_coeffs(target, corners)
    warped = img.transform((w, h), Image.PERSPECTIVE, coeffs, Image.BICUBIC)
    mask = Image.new("L", (w, h), 255).transform((w, h), Image.PERSPECTIVE, coeffs, Image.BILINEAR)
    return warped, mask


def _perspective_coeffs(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """PIL's 8 coefficients mapping output points ``dst`` back to input points ``src``."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        rhs += [u, v]
    return np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64)).tolist()


def _perspective(art: Image.Image, rng: random.Random) -> Image.Image:
    """Taken from the side: the picture a trapezoid on its wall."""
    framed = _framed(art, rng)
    warped, mask = _warp(framed, rng, rng.uniform(0.08, 0.15))
    photo = _wall(framed.size, rng)
    photo.paste(warped, (0, 0), mask)
    return photo


def _crop(art: Image.Image, rng: random.Random) -> Image.Image:
    w, h = art.size
    cw, ch = round(w * rng.uniform(0.6, 0.85)), round(h * rng.uniform(0.6, 0.85))
    x0, y0 = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return _fit(art.crop((x0, y0, x0 + cw, y0 + ch)), PHOTO_PX)


def _crop_or_not(art: Image.Image, rng: random.Random) -> Image.Image:
    return _crop(art, rng) if rng.random() < 0.3 else art


def _glare(art: Image.Image, rng: random.Random) -> Image.Image:
    """A soft white ellipse, up to 70% opaque at its centre."""
    w, h = art.size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    rx, ry = rng.uniform(0.1, 0.3) * w, rng.uniform(0.1, 0.3) * h
    alpha = rng.uniform(0.45, 0.7) * np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2))[..., None]
    arr = np.asarray(art, dtype=np.float32)
    return Image.fromarray(np.clip(arr * (1 - alpha) + 255 * alpha, 0, 255).astype(np.uint8))


def _glare_or_not(art: Image.Image, rng: random.Random) -> Image.Image:
    return _glare(art, rng) if rng.random() < 0.5 else art


def _dark(art: Image.Image, rng: random.Random) -> Image.Image:
    """A dim room: 40-70% of the light, and a warm (tungsten) or cool (daylight) cast."""
    arr = np.asarray(art, dtype=np.float32) * rng.uniform(0.4, 0.7)
    cast = np.array((1.12, 1.0, 0.82) if rng.random() < 0.5 else (0.88, 1.0, 1.12), dtype=np.float32)
    arr = np.clip(arr * cast, 0, 255).astype(np.uint8)
    return ImageEnhance.Contrast(Image.fromarray(arr)).enhance(rng.uniform(0.8, 1.0))


def _light(art: Image.Image, rng: random.Random) -> Image.Image:
    return _dark(art, rng) if rng.random() < 0.6 else art


def _blur(art: Image.Image, rng: random.Random) -> Image.Image:
    return art.filter(ImageFilter.GaussianBlur(rng.uniform(1.5, 3.0) * max(art.size) / PHOTO_PX))


def _blur_or_not(art: Image.Image, rng: random.Random) -> Image.Image:
    return _blur(art, rng) if rng.random() < 0.4 else art


def _jpeg(art: Image.Image, rng: random.Random) -> Image.Image:
    """Sensor noise, then JPEG at quality 35-65, decoded again."""
    arr = np.asarray(art, dtype=np.float32)
    arr += np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(2, 6), arr.shape)
    buf = io.BytesIO()
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=rng.randint(35, 65))
    buf.seek(0)
    return Image.open(buf).convert("RGB")


# --- gallery scenes with the artwork's true outline (for finding the artwork, ``vlmtok.frame``) ----------------

DISTANCES: tuple[str, ...] = ("near", "far")
_FILL = {"near": (0.55, 0.85), "far": (0.25, 0.45)}   # the framed picture's share of the photo's long side
SCENE_PX = 1024                                        # long side of a scene photo
MAX_TILT_DEG = 4.0


@dataclass
class Scene:
    """A simulated gallery photo and where the painting (inside its frame) truly lies in it: ``quad`` is
    top-left, top-right, bottom-right, bottom-left, in photo pixels."""

    photo: Image.Image
    quad: np.ndarray                    # [4, 2] float
    effects: tuple[str, ...]


def gallery_scene(picture: Image.Image, seed: int = 0, distance: str = "near", long_side: int = SCENE_PX) -> Scene:
    """A framed ``picture`` on a wall of random colour, seen from the side and tilted, with glare, a dark room
    with a colour cast, blur and a phone's JPEG drawn at random; the true outline comes with it."""
    if distance not in DISTANCES:
        raise ValueError(f"Unknown distance {distance!r}; known: {', '.join(DISTANCES)}")
    rng = random.Random(f"scene:{distance}:{seed}")
    w, h = (long_side, round(long_side * 0.75)) if rng.random() < 0.6 else (round(long_side * 0.75), long_side)
    art = picture.convert("RGB")
    fill = rng.uniform(*_FILL[distance])
    scale = fill * min(w, h) / max(art.size) if distance == "near" else fill * max(w, h) / max(art.size)
    art = art.resize((max(8, round(art.width * scale)), max(8, round(art.height * scale))), Image.BICUBIC)
    framed, inner = _framed_with_inner(art, rng)
    photo, quad = _hang(framed, inner, (w, h), rng)
    effects = []
    for name, step, chance in (("glare", _glare, 0.4), ("dark", _dark, 0.4), ("blur", _blur, 0.3)):
        if rng.random() < chance:
            photo = step(photo, rng)
            effects.append(name)
    return Scene(_jpeg(photo, rng), quad, (*effects, "jpeg"))


def _framed_with_inner(art: Image.Image, rng: random.Random) -> tuple[Image.Image, np.ndarray]:
    """The picture in a moulding of random width and colour; the painting's corners in the framed image."""
    border = max(3, round(max(art.size) * rng.uniform(0.02, 0.07)))
    colour = rng.choice(FRAMES) if rng.random() < 0.7 else _colour(rng)
    framed = Image.new("RGB", (art.width + 2 * border, art.height + 2 * border), colour)
    draw = ImageDraw.Draw(framed)
    shade = tuple(max(0, c - 40) for c in colour)
    draw.rectangle((border // 2, border // 2, framed.width - border // 2, framed.height - border // 2),
                   outline=shade, width=max(1, border // 6))           # a bevel line in the moulding
    framed.paste(art, (border, border))
    b = float(border)
    inner = np.array([(b, b), (b + art.width, b), (b + art.width, b + art.height), (b, b + art.height)])
    return framed, inner


def _hang(framed: Image.Image, inner: np.ndarray, size: tuple[int, int],
          rng: random.Random) -> tuple[Image.Image, np.ndarray]:
    """Warp the framed picture onto a wall: placed at random, turned up to ``MAX_TILT_DEG``, one side nearer."""
    import cv2

    w, h = size
    fw, fh = framed.size
    src = np.array([(0, 0), (fw, 0), (fw, fh), (0, fh)], dtype=np.float32)
    shrink = rng.uniform(0.0, 0.15) * fh
    dst = src.copy()
    far = (1, 2) if rng.random() < 0.5 else (0, 3)
    for i in far:                                         # the far side is shorter
        dst[i, 1] += shrink / 2 if i in (0, 1) else -shrink / 2
    angle = np.deg2rad(rng.uniform(-MAX_TILT_DEG, MAX_TILT_DEG))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = dst.mean(0)
    dst = (dst - centre) @ rot.T
    span = dst.max(0) - dst.min(0)
    room = np.maximum(np.array([w, h]) - span, 0)
    offset = np.array([rng.uniform(0.1, 0.9) * room[0], rng.uniform(0.1, 0.9) * room[1]]) - dst.min(0)
    dst = (dst + offset).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    wall = np.asarray(_random_wall((w, h), rng))
    warped = cv2.warpPerspective(np.asarray(framed), matrix, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((fh, fw), 255, np.uint8), matrix, (w, h), flags=cv2.INTER_LINEAR)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    photo = (warped * alpha + wall * (1 - alpha)).astype(np.uint8)
    quad = cv2.perspectiveTransform(inner.reshape(1, 4, 2).astype(np.float32), matrix)[0]
    return Image.fromarray(photo), quad.astype(np.float64)


def _random_wall(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A wall of any colour (half of them a gallery's usual ones), lit unevenly, with a little texture."""
    w, h = size
    base = np.array(rng.choice(WALLS) if rng.random() < 0.5 else _colour(rng), dtype=np.float32)
    light = np.linspace(rng.uniform(0.75, 1.0), rng.uniform(0.9, 1.1), w)[None, :, None]   # [1, W, 1]
    texture = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 4, (h, w, 1))
    return Image.fromarray(np.clip(base * light + texture, 0, 255).astype(np.uint8))


def cut_scene(scene: Scene, hidden: float = 0.25) -> tuple[Image.Image, np.ndarray]:
    """The scene's photo cropped so that ``hidden`` of the painting's width lies beyond its right edge; the part
    still in view as a polygon [K, 2] (what an honest straightening keeps)."""
    import cv2

    xs = scene.quad[:, 0]
    x_cut = int(xs.min() + (1 - hidden) * (xs.max() - xs.min()))
    photo = scene.photo.crop((0, 0, x_cut, scene.photo.height))
    visible = np.zeros((photo.height, photo.width), np.uint8)
    cv2.fillPoly(visible, [np.round(scene.quad).astype(np.int32)], 1)
    contours, _ = cv2.findContours(visible, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return photo, max(contours, key=cv2.contourArea).reshape(-1, 2).astype(np.float64)
