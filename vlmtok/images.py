"""Safe image intake: any photo a guide uploads becomes an upright 8-bit RGB picture carrying pixels only.

``load_image(source)`` accepts a path, bytes, a binary file object, a PIL image or a numpy array, and either
returns a clean ``PIL.Image.Image`` or raises ``ImageInputError`` whose message is written for the guide.

What it guarantees, in the order it happens:

0. **Isolated.** Paths, bytes and file objects are read here (size checked) and decoded in a worker process with
   its own memory and CPU limits (``vlmtok.decoder``, running ``worker_job``); this process only receives the
   finished pixels, checked (mode, size, length) before they become an image. A worker that crashes, loops or runs
   out of memory costs that one picture a plain "could not read" (reason "undecodable"); the next one is served by
   a fresh worker. A PIL image or numpy array handed in by the caller is already decoded and stays in-process.
1. **Content first.** Empty input, documents (PDF, SVG, HTML) and image formats outside the allowlist
   (EPS, FITS, PSD, ICO, ...) are recognised from their first bytes and refused before any decoder runs.
   Pillow is then asked to open the data with ``formats=`` the allowlist only (``open_formats()``), so no other
   plugin (EPS would start Ghostscript) is ever tried. HEIC (pillow-heif) and AVIF (Pillow's own plugin) are on
   the allowlist where their decoder is installed; where it is not, the message names the format and asks for a
   JPEG.
2. **Header checks before decoding.** Width and height come from the header: more than ``MAX_PIXELS`` pixels,
   a side under ``MIN_SIDE`` pixels, or one side more than ``MAX_ASPECT_RATIO`` times the other is refused.
   Pillow's own ``DecompressionBombWarning`` is turned into an error for the duration of the call.
3. **Bounded decoding.** JPEGs are decoded with ``draft`` at the smallest DCT scale (1/2, 1/4, 1/8) that still
   covers the working size, so an 8000x6000 photo never exists in memory at full size. Animated GIFs and
   multi-page TIFFs give their first frame; the other frames are never read.
4. **Normalisation.** 16-bit and 32-bit integer images are scaled by their real range, float images in 0..1
   as they are, and HDR floats (above 1) tone-mapped: white at the 99.5th percentile (at most two stops above the 95th), then gamma 2.2 (see
   ``_to_uint8``); transparency is composited on white (colour hidden under alpha 0 never shows); CMYK, 1-bit,
   palette, YCbCr and LAB become RGB; an embedded ICC profile is converted to sRGB when it can be (else ignored).
5. **Working size.** The longest side is reduced to ``max_side`` (default ``DEFAULT_MAX_SIDE`` = 2048 px, enough
   for every encoder at 224-448 px and for the zoomable visualisations, small enough to keep memory and the
   content hash cheap). Smaller pictures are never enlarged.
6. **Upright, pixels only.** The EXIF orientation (all 8 values, also from XMP) is applied; a malformed EXIF
   block means "no rotation", never a failure. The result is a fresh image: ``img.info == {}``, no EXIF, GPS,
   ICC, XMP or comments.

>>> img = load_image("examples/great_wave_off_kanagawa.jpg")   # doctest: +SKIP
>>> img.mode, max(img.size) <= DEFAULT_MAX_SIDE, img.info   # doctest: +SKIP
('RGB', True, {})

Thread safety: the bomb-warning filter uses ``warnings.catch_warnings``, which is process-global in Python 3.11.
Our own ``MAX_PIXELS`` check is stricter than Pillow's threshold and does not depend on that filter, so a race
between threads can at worst lose the redundant warning, never let a bomb through.
"""
from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import time
import warnings
from collections.abc import Iterator
from typing import IO, Union

import numpy as np
from PIL import Image, ImageCms, ImageFile, JpegImagePlugin

from vlmtok import decoder
from vlmtok.errors import VisitorError
from vlmtok.i18n import DEFAULT_LANGUAGE, catalogue

log = logging.getLogger(__name__)

SUPPORTED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF", "AVIF")
"""Pillow format names ``Image.open`` may use (those of them whose plugin is installed); nothing else is tried."""
_OPENED_FORMATS = SUPPORTED_FORMATS + ("MPO",)  # Pillow's JPEG plugin names multi-picture JPEGs "MPO"
_CONTAINER_FORMATS = {"heic": "HEIF", "avif": "AVIF"}  # ISO-BMFF pictures: what they are -> the plugin for them
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})

MAX_PIXELS = 50_000_000
"""Refuse more than 50 megapixels (read from the header): above any camera a guide carries (a 48 MP phone
mode fits), below Pillow's own bomb warning (~89 MP); a 50 MP RGB decode is ~150 MB."""
MAX_FILE_BYTES = 200 * 1024 * 1024
"""Refuse files over 200 MiB before reading them: an uncompressed 50 MP RGB TIFF is ~150 MB."""
MIN_SIDE = 16
"""A side shorter than this cannot hold even one 16 px encoder patch."""
MAX_ASPECT_RATIO = 10.0
"""Longest side / shortest side. Panoramas up to 10:1 pass; a 20000x200 strip does not."""
DEFAULT_MAX_SIDE = 2048
"""Working size: the longest side of the returned image, at most."""

_BACKGROUND = (255, 255, 255)  # transparency is shown on white, like a printed page
_SNIFF_BYTES = 4096
_ORIENTATION_TAG = 0x0112
_TRANSPOSE = {  # EXIF orientation -> the operation that makes the stored pixels upright
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})

# First bytes of the allowlisted formats, mirroring the ``_accept`` functions of Pillow's plugins.
_ALLOWED_MAGIC: tuple[bytes, ...] = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",  # PNG
    b"GIF87a", b"GIF89a",  # GIF
    b"BM",  # BMP
    b"II*\x00", b"MM\x00*", b"II\x00*", b"MM*\x00", b"II+\x00", b"MM\x00+",  # TIFF, BigTIFF
)
# First bytes of picture formats we recognise but do not accept, so the guide hears "not supported"
# rather than "not a picture".
_REFUSED_MAGIC: tuple[bytes, ...] = (
    b"%!PS", b"\xc5\xd0\xd3\xc6",  # PostScript, EPS (Pillow would run Ghostscript)
    b"SIMPLE  =",  # FITS
    b"8BPS",  # Photoshop
    b"\x00\x00\x01\x00", b"\x00\x00\x02\x00", b"icns",  # icons, cursors
    b"\xffO\xffQ", b"\x00\x00\x00\x0cjP  ",  # JPEG 2000
    b"\xff\x0a", b"\x00\x00\x00\x0cJXL ",  # JPEG XL
    b"qoif", b"DDS ", b"gimp xcf", b"/* XPM */", b"\x01\xda",  # QOI, DirectDraw, GIMP, XPM, SGI
    b"P1\n", b"P2\n", b"P3\n", b"P4\n", b"P5\n", b"P6\n", b"P7\n",  # Netpbm
)

# ---------------------------------------------------------------------------------------------------------------
# Errors a guide reads
# ---------------------------------------------------------------------------------------------------------------


class ImageInputError(VisitorError, ValueError):
    """A picture that cannot be used, with a message for the person who supplied it.

    Attributes:
        reason: short code: "empty", "not_found", "unreadable", "file_too_large", "not_image",
            "unsupported_format", "corrupt", "too_many_pixels", "too_small" or "aspect_ratio".
        detected: for "unsupported_format", what the content looked like ("pdf", "svg", "html"), else None.
        details: the numbers the message quotes (sizes, limits); never a path.
        key: the message's catalogue key, ``images.<reason>`` (``images.unsupported_format.<detected>``).

    ``str(err)`` is the English ``user_message``, so logging the error is as safe as showing it.

    >>> ImageInputError("too_small", width=8, height=8, min_side=16).user_message_for("vi")[:14]
    'Ảnh này quá nh'
    """

    def __init__(self, reason: str, *, detected: str | None = None, **details: object) -> None:
        key = f"images.{reason}.{detected}" if detected else f"images.{reason}"
        if key not in catalogue(DEFAULT_LANGUAGE):
            known = sorted(k for k in catalogue(DEFAULT_LANGUAGE) if k.startswith("images."))
            raise KeyError(f"unknown image error {key!r}; known: {known}")
        super().__init__(reason, key=key, **details)
        self.detected = detected
        self.args = (self.user_message,)

    def __reduce__(self):  # keep reason and details across pickling (worker processes)
        return (_rebuild_error, (self.reason, self.detected, self.details))


def _rebuild_error(reason: str, detected: str | None, details: dict) -> ImageInputError:
    return ImageInputError(reason, detected=detected, **details)


# ---------------------------------------------------------------------------------------------------------------
# Content sniffing and header checks (nothing decoded yet)
# ---------------------------------------------------------------------------------------------------------------


def _detect_document(head: bytes) -> str | None:
    """Name the document type of text content ("pdf", "svg", "html"), or None."""
    if b"%PDF-" in head[:1024]:  # the PDF header may sit anywhere in the first 1024 bytes
        return "pdf"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if not text.startswith(b"<"):
        return None
    if b"<svg" in text:
        return "svg"
    if any(tag in text for tag in (b"<!doctype html", b"<html", b"<head", b"<body")):
        return "html"
    return None


def _container_kind(head: bytes) -> str | None:
    """"heic" or "avif" for an ISO-BMFF picture (from the brands of its ``ftyp`` box), else None (video, other)."""
    if head[4:8] != b"ftyp":
        return None
    size = int.from_bytes(head[:4], "big")
    brands = {head[8:12]} | {head[i:i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    if brands & _AVIF_BRANDS:                    # AVIF files list mif1 too: AVIF first
        return "avif"
    return "heic" if brands & _HEIF_BRANDS else None


def _decodable_container(head: bytes) -> bool:
    kind = _container_kind(head)
    return kind is not None and _CONTAINER_FORMATS[kind] in open_formats()


def _has_allowed_magic(head: bytes) -> bool:
    return (head.startswith(_ALLOWED_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
            or _decodable_container(head))


def _refuse_by_content(head: bytes) -> None:
    """Raise for empty input, documents and known non-allowlisted formats; pass everything else."""
    if not head:
        raise ImageInputError("empty")
    if _has_allowed_magic(head):
        return
    document = _detect_document(head)
    if document:
        raise ImageInputError("unsupported_format", detected=document)
    kind = _container_kind(head)
    if kind is not None:                         # a HEIC or AVIF picture whose decoder is not installed
        raise ImageInputError("unsupported_format", detected=kind)
    if head.startswith(_REFUSED_MAGIC) or head[4:8] == b"ftyp":  # ftyp: videos and other ISO-BMFF files
        raise ImageInputError("unsupported_format")


def _check_dimensions(width: int, height: int) -> None:
    """Refuse sizes we will not decode: too many pixels, too small, absurd aspect ratio."""
    if width * height > MAX_PIXELS:
        raise ImageInputError("too_many_pixels", limit_mp=MAX_PIXELS // 1_000_000)
    if min(width, height) < MIN_SIDE:
        raise ImageInputError("too_small", width=width, height=height, min_side=MIN_SIDE)
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise ImageInputError("aspect_ratio", width=width, height=height, max_ratio=f"{MAX_ASPECT_RATIO:g}")


@contextlib.contextmanager
def _bomb_guard() -> Iterator[None]:
    """Turn Pillow's decompression-bomb warning into an error for this block only.

    Pillow's other warnings about the file ("Corrupt EXIF data", "malformed MPO") go to the debug log.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as err:
            log.debug("pillow refused a decompression bomb: %s", err)
            raise ImageInputError("too_many_pixels", limit_mp=MAX_PIXELS // 1_000_000) from None
        finally:
            for warning in caught:
                log.debug("pillow: %s", warning.message)


# ---------------------------------------------------------------------------------------------------------------
# Reading the source into a seekable binary stream
# ---------------------------------------------------------------------------------------------------------------


def _stream_size(fp: IO[bytes]) -> int:
    start = fp.tell()
    end = fp.seek(0, io.SEEK_END)
    fp.seek(start)
    return end - start


def _check_file_size(n_bytes: int) -> None:
    if n_bytes == 0:
        raise ImageInputError("empty")
    if n_bytes > MAX_FILE_BYTES:
        raise ImageInputError("file_too_large", limit_mb=MAX_FILE_BYTES // (1024 * 1024))


@contextlib.contextmanager
def _open_path(path: str | os.PathLike) -> Iterator[IO[bytes]]:
    try:
        fp = open(path, "rb")  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        raise ImageInputError("not_found") from None
    except (OSError, ValueError):  # a directory, no permission, a NUL in the name
        raise ImageInputError("unreadable") from None
    with fp:
        _check_file_size(os.fstat(fp.fileno()).st_size)
        yield fp


def _seekable_stream(fileobj: IO[bytes]) -> IO[bytes]:
    """The caller's file object when it can seek, else its bytes (read up to the size limit)."""
    if getattr(fileobj, "seekable", lambda: False)():
        fileobj.seek(0)  # Pillow reads from the start whatever the position
        _check_file_size(_stream_size(fileobj))
        return fileobj
    data = fileobj.read(MAX_FILE_BYTES + 1)
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("load_image needs a file opened in binary mode ('rb')")
    _check_file_size(len(data))
    return io.BytesIO(data)


def _peek(fp: IO[bytes]) -> bytes:
    start = fp.tell()
    head = fp.read(_SNIFF_BYTES)
    fp.seek(start)
    if not isinstance(head, (bytes, bytearray)):
        raise TypeError("load_image needs a file opened in binary mode ('rb')")
    return bytes(head)


# ---------------------------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _opened(fp: IO[bytes], head: bytes) -> Iterator[ImageFile.ImageFile]:
    """``Image.open`` restricted to the allowlist; failures become ImageInputError."""
    kind = _container_kind(head)
    classic = [f for f in open_formats() if f not in _CONTAINER_FORMATS.values()]
    formats = [_CONTAINER_FORMATS[kind]] if kind else classic
    try:
        img = Image.open(fp, formats=formats)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise  # _bomb_guard names it
    except Exception as err:  # Pillow raises many types for bad headers
        log.debug("image header unreadable: %s: %s", type(err).__name__, err)
        raise ImageInputError("corrupt" if _has_allowed_magic(head) else "not_image") from None
    with img:
        yield img


def _target_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """Size with the longest side at most ``max_side``, aspect kept, never enlarged."""
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _draft(img: Image.Image, max_side: int) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers the working size."""
    if not isinstance(img, JpegImagePlugin.JpegImageFile):
        return
    full = img.size
    img.draft("RGB", _target_size(*full, max_side))
    if img.size != full:
        log.debug("jpeg draft decode at %sx%s instead of %sx%s", *img.size, *full)


def _decode(img: Image.Image) -> None:
    """Decode the pixels (first frame only); truncated or broken data becomes "corrupt"."""
    try:
        img.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise
    except Exception as err:
        log.debug("image data unreadable: %s: %s", type(err).__name__, err)
        raise ImageInputError("corrupt") from None


def _orientation(img: Image.Image) -> int:
    """EXIF orientation 1..8; 1 when absent, out of range or when the EXIF block is malformed."""
    try:
        value = img.getexif().get(_ORIENTATION_TAG, 1)
    except Exception as err:  # malformed EXIF must never cost the guide the picture
        log.debug("ignoring malformed EXIF: %s: %s", type(err).__name__, err)
        return 1
    return value if isinstance(value, int) and value in _TRANSPOSE else 1


# ---------------------------------------------------------------------------------------------------------------
# Pixel normalisation
# ---------------------------------------------------------------------------------------------------------------


def _integer_range(values: np.ndarray) -> tuple[float, float]:
    """Black and white levels for integer data.

    Rule: uint8 and uint16 by their container (0..255, 0..65535), so a dark 16-bit photo stays dark.
    Wider or signed types (int32, Pillow's "I") rarely fill their container: they are read as 8-bit data when
    all values fit 0..255, as 16-bit data when they fit 0..65535, else 0..max. Negative values: min..max.
    """
    lo, hi = int(values.min()), int(values.max())
    if lo < 0:
        return lo, hi
    if values.dtype.kind == "u" and values.dtype.itemsize == 2:  # '<u2' and big-endian '>u2' alike
        return 0, 65535
    for container in (255, 65535):
        if hi <= container:
            return 0, container
    return 0, hi


HDR_WHITE_PERCENTILE = 99.5
"""HDR floats: the value that becomes white. One bright highlight (a lamp, a glint) is clipped, the rest keeps its
tones; scaling by the maximum would turn a 0..1 picture with one highlight at 1000 black."""
HDR_HEADROOM = 4.0
"""...but white at most this many times the 95th percentile (two stops above the picture's ordinary bright tones):
where a highlight covers more than half a percent (a lamp, a window: 3.8% of one picture), the 99.5th percentile
lands on it and the rest went near black (mean 41 of 255); now the highlight clips, as in a camera's photo."""
HDR_GAMMA = 2.2
"""HDR floats are linear light; a display gamma makes their dark half visible, as a camera's JPEG does."""
_LEVEL_SAMPLE = 1_000_000  # percentiles from at most this many values: a 50 MP float picture needs no copy


def _finite_sample(values: np.ndarray) -> np.ndarray:
    flat = values.reshape(-1)
    flat = flat[:: max(1, flat.size // _LEVEL_SAMPLE)]
    return flat[np.isfinite(flat)]


def _float_levels(values: np.ndarray) -> tuple[float, float, float]:
    """Black level, white level and gamma for float data.

    Rule: all finite values in [0, 1]: 0..1 as they are. Non-negative with values above 1 (HDR, linear light):
    0..the ``HDR_WHITE_PERCENTILE``-th percentile (at most ``HDR_HEADROOM`` times the 95th), then ``HDR_GAMMA``. Negative values (signed data, not light):
    min..max.
    """
    finite = _finite_sample(values)
    if finite.size == 0:
        return 0.0, 1.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if lo >= 0.0 and hi <= 1.0:
        return 0.0, 1.0, 1.0
    if lo < 0.0:
        return lo, hi, 1.0
    white, bright = (float(v) for v in np.percentile(finite, [HDR_WHITE_PERCENTILE, 95.0]))
    if bright > 0.0:
        white = min(white, HDR_HEADROOM * bright)
    return 0.0, white if white > 0.0 else hi, HDR_GAMMA


def _to_uint8(values: np.ndarray) -> np.ndarray:
    """Scale any numeric array to uint8 (levels from ``_integer_range`` or ``_float_levels``).

    Non-finite floats become black. The same levels apply to every channel, so hues are kept.
    """
    if values.dtype == np.uint8:
        return values
    if values.dtype == np.bool_:
        return values.astype(np.uint8) * 255
    gamma = 1.0
    if np.issubdtype(values.dtype, np.integer):
        lo, hi = _integer_range(values)
    elif np.issubdtype(values.dtype, np.floating):
        lo, hi, gamma = _float_levels(values)
    else:
        raise ImageInputError("not_image")
    scaled = (values.astype(np.float32) - np.float32(lo)) * np.float32(1.0 / max(hi - lo, 1e-12))  # 0..1
    np.nan_to_num(scaled, copy=False, nan=0.0, posinf=1.0, neginf=0.0)
    np.clip(scaled, 0.0, 1.0, out=scaled)
    if gamma != 1.0:
        log.debug("tone-mapped HDR values: white at %.4g, gamma %.1f", hi, gamma)
        np.power(scaled, np.float32(1.0 / gamma), out=scaled)
    return np.rint(scaled * np.float32(255.0)).astype(np.uint8)


def _high_bit_to_l(img: Image.Image) -> Image.Image:
    """Pillow's 16-bit ("I;16", "I;16B"), 32-bit ("I") and float ("F") grey images -> 8-bit "L"."""
    values = np.asarray(img)  # [H, W]
    log.debug("scaled %s image to 8 bits", img.mode)
    return Image.fromarray(_to_uint8(values))


def _composite_on_white(img: Image.Image) -> Image.Image:
    """Alpha-blend over white; pixels with alpha 0 come out pure white whatever colour they stored."""
    rgba = img.convert("RGBA") if img.mode != "La" else img.convert("LA").convert("RGBA")
    out = Image.new("RGB", rgba.size, _BACKGROUND)
    out.paste(rgba, mask=rgba.getchannel("A"))
    log.debug("composited %s transparency on white", img.mode)
    return out


@functools.lru_cache(maxsize=1)
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _icc_to_srgb(img: Image.Image, icc: bytes) -> Image.Image | None:
    """Convert RGB or CMYK pixels from their embedded profile to sRGB; None when the profile is unusable."""
    if img.mode not in ("RGB", "CMYK"):
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out = ImageCms.profileToProfile(img, source, _srgb_profile(), outputMode="RGB")
    except Exception as err:  # a broken or mismatched profile: keep the pixels as they are
        log.debug("ignoring ICC profile: %s: %s", type(err).__name__, err)
        return None
    log.debug("converted %s pixels from their ICC profile to sRGB", img.mode)
    return out


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode -> 8-bit RGB (transparency on white, ICC profile applied when possible)."""
    icc = img.info.get("icc_profile")
    if img.mode.startswith("I") or img.mode == "F":
        img = _high_bit_to_l(img)
    if img.mode in _ALPHA_MODES or img.info.get("transparency") is not None:
        img = _composite_on_white(img)
    elif img.mode not in ("RGB", "CMYK"):
        img = img.convert("RGB")  # 1, L, P, YCbCr, LAB, HSV
    converted = _icc_to_srgb(img, icc) if icc else None
    if converted is not None:
        return converted
    return img if img.mode == "RGB" else img.convert("RGB")


def _downscale(img: Image.Image, max_side: int) -> Image.Image:
    size = _target_size(*img.size, max_side)
    if size == img.size:
        return img
    log.debug("downscaled %sx%s to %sx%s", *img.size, *size)
    return img.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)  # bicubic: as the encoders resize


def _upright(img: Image.Image, orientation: int) -> Image.Image:
    if orientation not in _TRANSPOSE:
        return img
    log.debug("applied EXIF orientation %d", orientation)
    return img.transpose(_TRANSPOSE[orientation])


def _pixels_only(img: Image.Image) -> Image.Image:
    """A fresh RGB image with the same pixels and nothing else (no info, EXIF, ICC, file handle)."""
    clean = Image.new("RGB", img.size)
    clean.paste(img)
    return clean


def _finish(img: Image.Image, orientation: int, max_side: int) -> Image.Image:
    if img.mode in ("F", "I"):  # 4 bytes a pixel: shrink before converting (a 50 MP float picture is 200 MB)
        img = _downscale(img, max_side)
    rgb = _downscale(_to_rgb(img), max_side)
    return _pixels_only(_upright(rgb, orientation))


# ---------------------------------------------------------------------------------------------------------------
# One path per kind of source
# ---------------------------------------------------------------------------------------------------------------


def _from_stream(fp: IO[bytes], max_side: int) -> Image.Image:
    head = _peek(fp)
    _refuse_by_content(head)
    with _bomb_guard(), _opened(fp, head) as img:
        _check_dimensions(*img.size)
        _draft(img, max_side)
        _decode(img)
        return _finish(img, _orientation(img), max_side)


def _from_pil(img: Image.Image, max_side: int) -> Image.Image:
    """A caller's PIL image: same checks, no draft (it would change the caller's object)."""
    if img.format is not None and img.format not in _OPENED_FORMATS:
        raise ImageInputError("unsupported_format")  # e.g. an EPS opened elsewhere: loading runs Ghostscript
    _check_dimensions(*img.size)
    with _bomb_guard():
        _decode(img)
        return _finish(img, _orientation(img), max_side)


def _from_array(array: np.ndarray, max_side: int) -> Image.Image:
    """[H, W], [H, W, 1], [H, W, 3] or [H, W, 4] of any numeric dtype."""
    if array.size == 0:
        raise ImageInputError("empty")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]  # [H, W]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ImageInputError("not_image")
    _check_dimensions(array.shape[1], array.shape[0])
    if array.ndim == 3 and array.shape[2] == 4:  # colour and alpha have their own ranges
        pixels = np.dstack([_to_uint8(array[..., :3]), _to_uint8(array[..., 3])])  # [H, W, 4]
    else:
        pixels = _to_uint8(array)
    return _finish(Image.fromarray(np.ascontiguousarray(pixels)), 1, max_side)


# ---------------------------------------------------------------------------------------------------------------
# Decoding in the worker process (vlmtok.decoder): the worker runs worker_setup once and worker_job per picture
# ---------------------------------------------------------------------------------------------------------------

_JOB, _SETUP = "vlmtok.images:worker_job", "vlmtok.images:worker_setup"


def open_formats() -> tuple[str, ...]:
    """The allowlisted formats whose Pillow plugin is registered in this process (HEIC: the worker's only)."""
    Image.init()
    return tuple(f for f in SUPPORTED_FORMATS if f in Image.OPEN)


def worker_setup() -> dict:
    """Run once in a decoder worker before its limits apply: register HEIC, load every plugin, warm sRGB."""
    try:
        import pillow_heif

        pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False, decode_threads=2)
    except ImportError:
        log.info("pillow-heif is not installed: HEIC photos are refused with a plain message")
    _srgb_profile()
    return {"formats": list(open_formats())}


def decode_bytes(data: bytes, max_side: int = DEFAULT_MAX_SIDE) -> Image.Image:
    """The intake pipeline on bytes, in this process: what a worker runs (tests call it to watch Pillow work)."""
    _check_file_size(len(data))
    return _from_stream(io.BytesIO(data), max_side)


def worker_job(data: bytes, params: dict) -> tuple[dict, bytes]:
    """One picture in a worker: ``({"mode", "size"}, RGB bytes)``, or ``({"error", "detected", "details"}, b"")``."""
    try:
        img = decode_bytes(data, int(params["max_side"]))
    except ImageInputError as err:
        return {"error": err.reason, "detected": err.detected, "details": err.details}, b""
    t0 = time.process_time()
    pixels = img.tobytes()
    return {"mode": img.mode, "size": list(img.size), "_io_cpu_ms": (time.process_time() - t0) * 1e3}, pixels


def _read_all(fp: IO[bytes]) -> bytes:
    data = fp.read()
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("load_image needs a file opened in binary mode ('rb')")
    return bytes(data)


def _isolated(data: bytes, max_side: int) -> Image.Image:
    """Decode ``data`` in a worker; only checked pixels come back."""
    _check_file_size(len(data))
    try:
        header, pixels = decoder.run(_JOB, data, {"max_side": max_side}, setup=_SETUP)
    except decoder.DecoderFailed as err:
        log.warning("a picture could not be decoded: %s", err)
        raise ImageInputError("undecodable") from None
    if "error" in header:
        raise _error_from(header)
    return _checked_pixels(header, pixels, max_side)


def _error_from(header: dict) -> ImageInputError:
    """The worker's refusal as an ImageInputError; anything malformed becomes "undecodable"."""
    reason, detected, details = header.get("error"), header.get("detected"), header.get("details")
    simple = isinstance(details, dict) and all(isinstance(v, (int, float, str)) for v in details.values())
    try:
        if isinstance(reason, str) and (detected is None or isinstance(detected, str)) and simple:
            return ImageInputError(reason, detected=detected, **details)
    except (KeyError, IndexError, ValueError):
        pass
    log.error("the picture decoder sent a malformed refusal: %.200r", header)
    return ImageInputError("undecodable")


def _checked_pixels(header: dict, pixels: bytes, max_side: int) -> Image.Image:
    """``Image.frombytes`` only for what a clean decode can give: RGB, 1..max_side px a side, w * h * 3 bytes."""
    size = header.get("size")
    ok = (header.get("mode") == "RGB" and isinstance(size, list) and len(size) == 2
          and all(isinstance(v, int) and 1 <= v <= max_side for v in size) and len(pixels) == size[0] * size[1] * 3)
    if not ok:
        log.error("the picture decoder sent malformed pixels: %.200r, %d bytes", header, len(pixels))
        raise ImageInputError("undecodable")
    return Image.frombytes("RGB", (size[0], size[1]), pixels)


ImageSource = Union[str, os.PathLike, bytes, bytearray, memoryview, IO[bytes], Image.Image, np.ndarray]  # noqa: UP007 - a runtime alias


def load_image(source: ImageSource | None, *, max_side: int = DEFAULT_MAX_SIDE) -> Image.Image:
    """Turn an uploaded picture into an upright 8-bit RGB image with pixels only.

    Args:
        source: a path, bytes, a binary file object (read from its start), a PIL image (left unchanged) or a
            numpy array [H, W], [H, W, 3] or [H, W, 4] (uint8, uint16, int32, float, bool; see ``_to_uint8``).
        max_side: the longest side of the result, at most (the working size); smaller pictures keep their size.

    Returns:
        A new ``PIL.Image.Image`` in mode "RGB" with ``info == {}`` and no EXIF.

    Raises:
        ImageInputError: the picture cannot be used; ``err.user_message_for(lang)`` says why and what to do.
        TypeError: ``source`` is not one of the kinds above (a programming error, not the guide's).

    >>> load_image(np.zeros((32, 48, 3), np.uint8)).size
    (48, 32)
    """
    if isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < MIN_SIDE:
        raise ValueError(f"max_side must be an int >= {MIN_SIDE}, got {max_side!r}")
    if source is None:
        raise ImageInputError("empty")
    if isinstance(source, Image.Image):
        return _from_pil(source, max_side)
    if isinstance(source, np.ndarray):
        return _from_array(source, max_side)
    if isinstance(source, (str, os.PathLike)):
        with _open_path(source) as fp:
            return _isolated(fp.read(), max_side)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _isolated(bytes(source), max_side)
    if hasattr(source, "read"):
        return _isolated(_read_all(_seekable_stream(source)), max_side)
    raise TypeError(f"load_image cannot read a {type(source).__name__}; pass a path, bytes, a binary file, "
                    "a PIL image or a numpy array")


def find_artwork(picture: Image.Image):
    """The artwork straightened out of a gallery photo, or the whole picture: see ``vlmtok.frame``."""
    from vlmtok.frame import find_artwork as find

    return find(picture)


__all__ = [
    "DEFAULT_MAX_SIDE", "ImageInputError", "MAX_ASPECT_RATIO", "MAX_FILE_BYTES", "MAX_PIXELS", "MIN_SIDE",
    "SUPPORTED_FORMATS", "decode_bytes", "find_artwork", "load_image", "open_formats",
]
