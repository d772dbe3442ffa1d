"""Safe image intake: a corpus of odd and hostile pictures, generated here, and what load_image makes of them."""
from __future__ import annotations

import io
import logging
import pickle
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, JpegImagePlugin

from vlmtok import images
from vlmtok.i18n import catalogue
from vlmtok.images import (
    DEFAULT_MAX_SIDE, MAX_PIXELS, MIN_SIDE, SUPPORTED_FORMATS, ImageInputError, load_image,
)

RED, GREEN, BLUE, WHITE, BLACK = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0)


# ----------------------------------------------------------------------------------------------- helpers


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def close(pixel, expected, tol: int = 40) -> bool:
    return all(abs(int(a) - int(b)) <= tol for a, b in zip(pixel, expected))


def assert_clean(img: Image.Image) -> None:
    """The contract every output meets: 8-bit RGB, pixels only."""
    assert type(img) is Image.Image
    assert img.mode == "RGB"
    assert img.info == {}
    assert len(img.getexif()) == 0


def reason_of(source, **kw) -> ImageInputError:
    with pytest.raises(ImageInputError) as info:
        load_image(source, **kw)
    return info.value


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height but carries a few bytes of pixel data: any decode fails."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def upright_marks() -> np.ndarray:
    """[48, 64, 3] white picture with a red block top-left and a blue block top-right."""
    pixels = np.full((48, 64, 3), 255, np.uint8)
    pixels[:16, :16] = RED
    pixels[:16, -16:] = BLUE
    return pixels


# How the camera stored the pixels for each EXIF orientation (EXIF 2.3, tag 0x0112), written with numpy so
# the test does not share the implementation's table.
STORED_FOR_ORIENTATION = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],  # mirrored left-right
    3: lambda a: a[::-1, ::-1],  # rotated 180
    4: lambda a: a[::-1, :],  # mirrored top-bottom
    5: lambda a: a.transpose(1, 0, 2),  # mirrored along the main diagonal
    6: lambda a: np.rot90(a, 1),  # needs 90 clockwise to display
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),  # mirrored along the anti-diagonal
    8: lambda a: np.rot90(a, -1),  # needs 90 counter-clockwise to display
}


def assert_upright_marks(img: Image.Image) -> None:
    assert img.size == (64, 48)
    assert close(img.getpixel((8, 8)), RED)
    assert close(img.getpixel((56, 8)), BLUE)
    assert close(img.getpixel((8, 40)), WHITE)
    assert close(img.getpixel((56, 40)), WHITE)


def exif_with_orientation(value: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif


# ----------------------------------------------------------------------------------------------- orientation


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(tmp_path, orientation):
    stored = Image.fromarray(np.ascontiguousarray(STORED_FOR_ORIENTATION[orientation](upright_marks())))
    path = write(tmp_path, "o.jpg", encode(stored, "JPEG", quality=95, exif=exif_with_orientation(orientation)))
    img = load_image(path)
    assert_clean(img)
    assert_upright_marks(img)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF"])
def test_orientation_in_other_formats(fmt):
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(upright_marks(), 1)))
    kw = {"lossless": True} if fmt == "WEBP" else {}
    assert_upright_marks(load_image(encode(stored, fmt, exif=exif_with_orientation(6), **kw)))


@pytest.mark.parametrize("payload", [
    b"Exif\x00\x00garbage",
    b"Exif\x00\x00MM\x00\x2a\xff\xff\xff\xff",  # first IFD far past the end
    b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x05\x00\x12\x01\x03\x00\x01\x00\x00\x00",  # entries cut short
    b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff",  # 65535 entries announced, none there
])
def test_malformed_exif_loads_without_rotation(payload):
    data = encode(Image.fromarray(upright_marks()), "JPEG", quality=95, exif=payload)
    img = load_image(data)
    assert_clean(img)
    assert_upright_marks(img)


@pytest.mark.parametrize("value", [0, 9, 65535])
def test_out_of_range_orientation_is_ignored(value):
    data = encode(Image.fromarray(upright_marks()), "JPEG", quality=95, exif=exif_with_orientation(value))
    assert_upright_marks(load_image(data))


def test_exif_parser_failure_falls_back_to_no_rotation(monkeypatch):
    data = encode(Image.fromarray(upright_marks()), "JPEG", quality=95, exif=exif_with_orientation(3))

    def broken(self):
        raise SyntaxError("corrupt EXIF")

    monkeypatch.setattr(Image.Image, "getexif", broken)     # in this process: watch the pipeline the worker runs
    assert_upright_marks(images.decode_bytes(data))  # not rotated by 180, and no failure


# ----------------------------------------------------------------------------------------------- bit depths


def test_16bit_png_gradient_spans_full_range():
    ramp = np.linspace(0, 65535, 256).round().astype(np.uint16)[None, :].repeat(32, 0)  # [32, 256]
    data = encode(Image.fromarray(ramp), "PNG")
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    out = np.asarray(load_image(data))[..., 0]
    assert out.min() == 0 and out.max() == 255
    assert abs(int(out[16, 128]) - 128) <= 2
    assert np.all(np.diff(out[16].astype(int)) >= 0)  # monotone: nothing clipped or wrapped


def test_16bit_big_endian_image():
    ramp = np.linspace(0, 65535, 64).round().astype(">u2")[None, :].repeat(32, 0)  # [32, 64]
    img = Image.frombytes("I;16B", (64, 32), ramp.tobytes())
    out = np.asarray(load_image(img))[..., 0]
    assert out[0, 0] == 0 and out[0, -1] == 255 and 120 <= out[0, 32] <= 136


def test_dark_16bit_photo_stays_dark():
    dark = np.full((32, 32), 1000, np.uint16)  # 1.5 % of full scale
    assert np.asarray(load_image(dark)).max() <= 5


@pytest.mark.parametrize("top, expected_mid", [(1_000_000, 128), (65535, 128), (255, 128)])
def test_32bit_integer_tiff_scaled_by_its_range(top, expected_mid):
    ramp = np.linspace(0, top, 100).round().astype(np.int32)[None, :].repeat(20, 0)  # [20, 100]
    data = encode(Image.fromarray(ramp), "TIFF")
    assert Image.open(io.BytesIO(data)).mode == "I"
    out = np.asarray(load_image(data))[..., 0]
    assert out.min() == 0 and out.max() == 255
    assert abs(int(out[0, 50]) - expected_mid) <= 3


def test_float_tiff_0_to_1():
    ramp = np.linspace(0, 1, 100, dtype=np.float32)[None, :].repeat(20, 0)  # [20, 100]
    data = encode(Image.fromarray(ramp), "TIFF")
    assert Image.open(io.BytesIO(data)).mode == "F"
    out = np.asarray(load_image(data))[..., 0]
    assert out[0, 0] == 0 and out[0, -1] == 255 and abs(int(out[0, 50]) - 128) <= 3


def test_float_tiff_outside_0_1_uses_min_max():
    ramp = np.linspace(-5, 20, 100, dtype=np.float32)[None, :].repeat(20, 0)
    out = np.asarray(load_image(encode(Image.fromarray(ramp), "TIFF")))[..., 0]
    assert out.min() == 0 and out.max() == 255


def test_hdr_float_ramp_with_one_highlight_keeps_its_ramp():
    """A 0..1 float picture with one glint at 1000 (an HDR TIFF): scaling by the maximum made it black."""
    ramp = np.linspace(0, 1, 256, dtype=np.float32)[None, :].repeat(32, 0)  # [32, 256]
    ramp[0, 0] = 1000.0
    out = np.asarray(load_image(encode(Image.fromarray(ramp), "TIFF")))[..., 0]
    row = out[16].astype(int)
    assert out[0, 0] == 255 and row[0] == 0 and row[-1] >= 250
    assert np.all(np.diff(row) >= 0) and len(np.unique(row)) > 150       # the ramp, every step still visible
    assert out.mean() > 100                                              # was 12.6: "almost entirely black"
    assert 170 <= row[128] <= 200                                        # mid-grey of linear light, gamma 2.2


def test_hdr_ramp_beside_a_large_highlight_stays_a_visible_ramp():
    """A lamp covering 3.8% of the picture: the 99.5th percentile lands on it, which left the rest near black
    (mean 41 of 255); the white point now stays within two stops of the picture's ordinary bright tones."""
    ramp = np.linspace(0, 1, 256, dtype=np.float32)[None, :].repeat(32, 0)        # [32, 256]
    lamp = np.full((32, 10), 1000.0, np.float32)                                  # 10 of 266 columns: 3.8%
    out = np.asarray(load_image(encode(Image.fromarray(np.hstack([ramp, lamp])), "TIFF")))[..., 0]
    row = out[16, :256].astype(int)
    assert 60 <= out.mean() <= 200, out.mean()
    assert np.all(np.diff(row) >= 0) and len(np.unique(row)) > 100 and row[-1] >= 120, row[::32]
    assert (out[:, 256:] == 255).all()                                            # the lamp clips to white


def test_hdr_colour_array_keeps_its_hues():
    pixels = np.zeros((20, 30, 3), np.float32)
    pixels[:, :15] = (0.8, 0.1, 0.1)
    pixels[:, 15:] = (0.1, 0.1, 0.8)
    pixels[0, 0] = (500.0, 500.0, 500.0)
    out = load_image(pixels)
    r, g, b = out.getpixel((5, 10))
    assert r > 200 and g < 100 and b < 100, (r, g, b)
    r, g, b = out.getpixel((25, 10))
    assert b > 200 and r < 100 and g < 100, (r, g, b)


# ----------------------------------------------------------------------------------------------- transparency


def test_rgba_hidden_colour_comes_out_white():
    pixels = np.zeros((32, 32, 4), np.uint8)
    pixels[:, :16] = (255, 0, 0, 0)  # red hidden under alpha 0
    pixels[:, 16:] = (0, 0, 255, 255)
    pixels[:4, :] = (0, 0, 0, 128)  # half-transparent black -> mid grey
    out = load_image(encode(Image.fromarray(pixels), "PNG"))
    assert out.getpixel((4, 20)) == WHITE
    assert out.getpixel((24, 20)) == BLUE
    assert close(out.getpixel((20, 1)), (127, 127, 127), tol=2)


def test_hidden_colour_does_not_bleed_when_downscaling():
    pixels = np.zeros((100, 400, 4), np.uint8)
    pixels[:, :200] = (255, 0, 0, 0)  # hidden red
    pixels[:, 200:] = (255, 255, 255, 255)
    out = np.asarray(load_image(Image.fromarray(pixels), max_side=64))
    assert out.min() >= 250  # no pink fringe at the edge


def test_la_transparency():
    pixels = np.zeros((32, 32, 2), np.uint8)
    pixels[:, 16:, 1] = 255  # left: black under alpha 0; right: opaque black
    data = encode(Image.frombytes("LA", (32, 32), pixels.tobytes()), "PNG")
    out = load_image(data)
    assert out.getpixel((4, 4)) == WHITE and out.getpixel((28, 4)) == BLACK


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_palette_with_transparency(fmt):
    img = Image.new("P", (32, 32), 0)
    img.putpalette([0, 255, 0, 0, 0, 255] + [0] * (256 * 3 - 6))  # index 0 hidden green, index 1 blue
    img.paste(1, (16, 0, 32, 32))
    out = load_image(encode(img, fmt, transparency=0))
    assert out.getpixel((4, 4)) == WHITE and out.getpixel((28, 4)) == BLUE


def test_pa_image_input():
    img = Image.new("PA", (32, 32))
    img.putpalette([0, 255, 0] * 256)
    assert load_image(img).getpixel((4, 4)) == WHITE  # alpha 0 everywhere


# ----------------------------------------------------------------------------------------------- colour modes


def test_cmyk_jpeg_becomes_rgb():
    img = Image.new("CMYK", (32, 32), (0, 255, 255, 0))  # red in ink
    out = load_image(encode(img, "JPEG", quality=95))
    assert_clean(out)
    assert close(out.getpixel((16, 16)), RED)


def test_one_bit_image():
    img = Image.new("1", (32, 32), 0)
    img.paste(1, (16, 0, 32, 32))
    for fmt in ("PNG", "BMP", "TIFF"):
        out = load_image(encode(img, fmt))
        assert out.getpixel((4, 4)) == BLACK and out.getpixel((28, 4)) == WHITE


@pytest.mark.parametrize("mode", ["YCbCr", "LAB", "HSV", "P"])
def test_other_modes_become_rgb(mode):
    img = Image.new("RGB", (32, 32), (200, 30, 30)).convert(mode)
    out = load_image(img)
    assert_clean(out)
    assert close(out.getpixel((5, 5)), (200, 30, 30), tol=60)


def test_icc_profile_is_applied_then_dropped():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (32, 32), (40, 160, 220)), "PNG", icc_profile=icc)
    out = load_image(data)
    assert_clean(out)
    assert close(out.getpixel((5, 5)), (40, 160, 220), tol=3)


def test_broken_icc_profile_is_ignored():
    data = encode(Image.new("RGB", (32, 32), (40, 160, 220)), "PNG", icc_profile=b"not a profile" * 20)
    assert load_image(data).getpixel((5, 5)) == (40, 160, 220)


# ----------------------------------------------------------------------------------------------- tablet formats


def tablet_photo(fmt: str, img: Image.Image, exif: Image.Exif | None = None, icc: bytes | None = None) -> bytes:
    """AVIF, or HEIC as a phone writes it: pixels as the sensor saw them, the turn in the container (``irot``, from
    the EXIF orientation) and the EXIF kept. pillow-heif writes it here, never registered in this process."""
    extra = {**({"exif": exif.tobytes()} if exif else {}), **({"icc_profile": icc} if icc else {})}
    if fmt == "AVIF":
        return encode(img, "AVIF", quality=95, **extra)
    import pillow_heif

    buf = io.BytesIO()
    pillow_heif.encode("RGB", img.size, img.convert("RGB").tobytes(), buf, quality=95, **extra)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["HEIC", "AVIF"])
def test_tablet_photos_come_out_upright(fmt):
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(upright_marks(), 1)))   # needs 90 clockwise
    out = load_image(tablet_photo(fmt, stored, exif=exif_with_orientation(6)))
    assert_clean(out)
    assert_upright_marks(out)


@pytest.mark.parametrize("fmt", ["HEIC", "AVIF", "JPEG"])
def test_tablet_photos_honour_their_colour_profile(fmt):
    from decoding import swapping_icc

    red = Image.new("RGB", (64, 48), RED)
    data = encode(red, "JPEG", quality=95, icc_profile=swapping_icc()) if fmt == "JPEG" else \
        tablet_photo(fmt, red, icc=swapping_icc())
    assert close(load_image(data).getpixel((10, 10)), GREEN, tol=12)      # the profile's red is sRGB's green


@pytest.mark.parametrize("fmt, word", [("HEIC", "HEIC photo"), ("AVIF", "AVIF picture")])
def test_a_missing_decoder_names_the_format(fmt, word, monkeypatch):
    data = tablet_photo(fmt, Image.new("RGB", (64, 48), RED))
    monkeypatch.setattr(images, "open_formats", lambda: ("JPEG", "PNG"))  # as in a worker without the plugin
    err = pytest.raises(ImageInputError, images.decode_bytes, data).value
    assert err.reason == "unsupported_format" and err.detected == fmt.lower()
    assert word in err.user_message and "JPEG" in err.user_message
    assert fmt in err.user_message_for("vi") and "JPEG" in err.user_message_for("vi")


def test_videos_and_cut_photos_in_the_same_container():
    video = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 200
    err = reason_of(video)
    assert err.reason == "unsupported_format" and err.detected is None
    heic = tablet_photo("HEIC", Image.fromarray(upright_marks()))
    assert reason_of(heic[: len(heic) // 3]).reason == "corrupt"


# ----------------------------------------------------------------------------------------------- frames


def frames_file(fmt: str) -> bytes:
    frames = [Image.new("RGB", (40, 30), colour) for colour in (RED, GREEN, BLUE)]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:])


@pytest.mark.parametrize("fmt", ["GIF", "TIFF", "WEBP", "PNG"])
def test_animation_or_pages_give_first_frame(fmt):
    data = frames_file(fmt)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    assert close(load_image(data).getpixel((5, 5)), RED, tol=10)


@pytest.mark.parametrize("fmt, keep", [("GIF", 0.5), ("TIFF", 0.34)])
def test_later_frames_are_never_read(fmt, keep):
    data = frames_file(fmt)
    cut = data[: int(len(data) * keep)]  # the first frame is intact, the rest is gone
    assert close(load_image(cut).getpixel((5, 5)), RED, tol=10)


# ----------------------------------------------------------------------------------------------- large photos


@pytest.fixture(scope="module")
def big_jpeg(tmp_path_factory) -> Path:
    img = Image.new("RGB", (8000, 6000), (90, 120, 200))
    img.paste(RED, (0, 0, 800, 600))  # top-left tenth in red
    path = tmp_path_factory.mktemp("big") / "big.jpg"
    img.save(path, "JPEG", quality=80, exif=exif_with_orientation(6))
    return path


def test_big_jpeg_is_draft_decoded_and_downscaled(big_jpeg, monkeypatch):
    decoded_sizes = []
    original_load = JpegImagePlugin.JpegImageFile.load

    def spy(self):
        decoded_sizes.append(self.size)
        return original_load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)   # in this process: the pipeline the worker runs
    out = images.decode_bytes(big_jpeg.read_bytes())
    assert_clean(out)
    assert out.size == (1536, 2048)  # rotated by orientation 6, longest side = working size
    w, h = decoded_sizes[0]
    assert w * h <= 8000 * 6000 // 4  # libjpeg decoded at 1/2 scale or less: 4x less memory
    assert max(w, h) >= DEFAULT_MAX_SIDE  # ... but never below the working size
    assert close(out.getpixel((1536 - 50, 50)), RED)  # the red corner moved top-right with the rotation


def test_max_side_is_honoured_and_small_images_not_enlarged(big_jpeg):
    assert max(load_image(big_jpeg, max_side=512).size) == 512
    assert load_image(np.zeros((40, 50, 3), np.uint8), max_side=512).size == (50, 40)


def test_bad_max_side_is_a_programming_error():
    with pytest.raises(ValueError, match="max_side"):
        load_image(np.zeros((40, 50), np.uint8), max_side=0)


# ----------------------------------------------------------------------------------------------- refusals


def test_empty_inputs(tmp_path):
    for source in (b"", bytearray(), io.BytesIO(b""), write(tmp_path, "empty.jpg", b""), None, np.zeros((0, 5))):
        assert reason_of(source).reason == "empty"


def test_random_bytes_are_not_an_image():
    data = np.random.default_rng(0).bytes(5000)
    assert reason_of(data).reason == "not_image"


@pytest.mark.parametrize("payload, detected", [
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "pdf"),
    (b'\xef\xbb\xbf<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
     b'<rect width="100" height="100"/></svg>', "svg"),
    (b"<!DOCTYPE html>\n<html><head><title>Artwork</title></head><body><img src=x></body></html>", "html"),
    (b"  <html><body>saved page</body></html>", "html"),
])
def test_documents_are_named(payload, detected):
    err = reason_of(payload)
    assert err.reason == "unsupported_format" and err.detected == detected
    assert detected.upper() in err.user_message.upper() or "web page" in err.user_message


@pytest.mark.parametrize("payload", [
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n0 0 moveto 100 100 lineto stroke\nshowpage\n",
    b"\xc5\xd0\xd3\xc6" + b"\x00" * 60,  # binary EPS header
    (b"SIMPLE  =                    T" + b" " * 50 + b"BITPIX  =                    8").ljust(2880, b" "),  # FITS
])
def test_refused_formats_get_the_plain_message(payload):
    err = reason_of(payload)
    assert err.reason == "unsupported_format" and err.detected is None
    assert "not supported" in err.user_message


@pytest.mark.parametrize("fmt", ["ICO", "PPM", "TGA", "PCX", "SGI", "IM", "JPEG2000"])
def test_formats_pillow_could_open_are_still_refused(fmt):
    data = encode(Image.new("RGB", (32, 32), RED), fmt)
    assert Image.open(io.BytesIO(data)).format  # Pillow alone would open it
    assert reason_of(data).reason in ("unsupported_format", "not_image")


def test_open_is_restricted_to_the_allowlist(monkeypatch):
    seen = []
    real_open = Image.open

    def spy(fp, mode="r", formats=None):
        seen.append(formats)
        return real_open(fp, mode, formats)

    monkeypatch.setattr(Image, "open", spy)                # in this process: the pipeline the worker runs
    images.decode_bytes(encode(Image.new("RGB", (32, 32)), "PNG"))
    assert seen == [["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"]]     # HEIF and AVIF only for their containers
    assert set(images.open_formats()) <= set(SUPPORTED_FORMATS)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"])
def test_truncated_files_are_corrupt(fmt):
    noise = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    data = encode(Image.fromarray(noise), fmt)
    assert load_image(data).size == (64, 64)
    assert reason_of(data[: len(data) // 2]).reason == "corrupt"
    assert reason_of(data[:40]).reason == "corrupt"  # header cut short


def test_png_with_bad_header_crc_is_corrupt():
    data = bytearray(encode(Image.new("RGB", (32, 32)), "PNG"))
    data[29] ^= 0xFF  # inside the IHDR checksum
    assert reason_of(bytes(data)).reason == "corrupt"


@pytest.mark.parametrize("width, height", [
    (7200, 7200),  # 52 MP: above our cap, below Pillow's warning
    (10000, 9500),  # 95 MP: Pillow's DecompressionBombWarning, raised as an error
    (100_000, 100_000),  # 10 GP: Pillow's DecompressionBombError
])
def test_pixel_bombs_are_refused_from_the_header(width, height):
    err = reason_of(png_header_only(width, height))  # decoding would fail as "corrupt": it never starts
    assert err.reason == "too_many_pixels"
    assert str(MAX_PIXELS // 1_000_000) in err.user_message


def test_pillow_global_limit_is_left_alone():
    before = Image.MAX_IMAGE_PIXELS
    reason_of(png_header_only(10000, 9500))
    assert before == Image.MAX_IMAGE_PIXELS


def test_pixel_cap_also_applies_to_pil_and_arrays():
    assert reason_of(Image.new("L", (8000, 7000))).reason == "too_many_pixels"
    assert reason_of(np.broadcast_to(np.uint8(0), (7000, 8000))).reason == "too_many_pixels"


def test_too_small():
    err = reason_of(encode(Image.new("RGB", (10, 40)), "PNG"))
    assert err.reason == "too_small" and "10 x 40" in err.user_message
    assert load_image(encode(Image.new("RGB", (MIN_SIDE, MIN_SIDE)), "PNG")).size == (MIN_SIDE, MIN_SIDE)


def test_absurd_aspect_ratio():
    strip = encode(Image.new("RGB", (20000, 200), RED), "PNG")
    err = reason_of(strip)
    assert err.reason == "aspect_ratio" and "20000 x 200" in err.user_message
    assert reason_of(np.zeros((2000, 100), np.uint8)).reason == "aspect_ratio"
    assert load_image(np.zeros((100, 1000), np.uint8)).size == (1000, 100)  # exactly 10:1 passes


def test_missing_and_unreadable_paths(tmp_path):
    assert reason_of(tmp_path / "nope.jpg").reason == "not_found"
    assert reason_of(str(tmp_path)).reason == "unreadable"  # a folder


def test_file_size_limit(monkeypatch):
    monkeypatch.setattr(images, "MAX_FILE_BYTES", 1000)
    data = encode(Image.fromarray(np.random.default_rng(2).integers(0, 256, (64, 64, 3), np.uint8)), "PNG")
    assert len(data) > 1000
    assert reason_of(data).reason == "file_too_large"
    assert reason_of(io.BytesIO(data)).reason == "file_too_large"


def test_unknown_source_type_is_a_type_error():
    with pytest.raises(TypeError):
        load_image(12345)


# ----------------------------------------------------------------------------------------------- sources


def test_path_str_bytes_and_file_objects_agree(tmp_path):
    data = encode(Image.fromarray(upright_marks()), "PNG")
    path = write(tmp_path, "marks.png", data)

    class ReadOnly:  # a stream that cannot seek, like a network body
        def __init__(self, payload: bytes) -> None:
            self._buf = io.BytesIO(payload)

        def read(self, n: int = -1) -> bytes:
            return self._buf.read(n)

    stream = io.BytesIO(data)
    stream.seek(10)  # read from the start whatever the position
    with open(path, "rb") as fh:
        sources = [path, str(path), data, bytearray(data), memoryview(data), stream, fh, ReadOnly(data)]
        outputs = [np.asarray(load_image(s)) for s in sources]
    for out in outputs:
        assert np.array_equal(out, upright_marks())


def test_text_mode_file_is_a_type_error(tmp_path):
    path = write(tmp_path, "x.png", encode(Image.new("RGB", (32, 32)), "PNG"))
    with open(path, encoding="latin-1") as fh, pytest.raises(TypeError, match="binary"):
        load_image(fh)


def test_pil_input_is_not_mutated():
    img = Image.fromarray(np.random.default_rng(3).integers(0, 256, (40, 60, 4), np.uint8))
    img.info["dpi"] = (300, 300)
    before = (img.mode, img.size, img.tobytes(), dict(img.info))
    out = load_image(img, max_side=32)
    assert (img.mode, img.size, img.tobytes(), dict(img.info)) == before
    assert out is not img and out.size == (32, 21)


def test_lazily_opened_pil_jpeg_keeps_its_size(big_jpeg):
    with Image.open(big_jpeg) as img:
        out = load_image(img, max_side=256)
        assert img.size == (8000, 6000)  # no draft applied to the caller's object
    assert out.size == (192, 256)  # orientation still honoured


def test_pil_image_of_refused_format_is_refused(monkeypatch):
    img = Image.new("RGB", (32, 32))
    img.format = "EPS"
    assert reason_of(img).reason == "unsupported_format"


@pytest.mark.parametrize("array, expected", [
    (np.full((20, 30), 128, np.uint8), (128,) * 3),
    (np.full((20, 30, 1), 128, np.uint8), (128,) * 3),
    (np.tile(np.array(RED, np.uint8), (20, 30, 1)), RED),
    (np.tile(np.array((0, 0, 255, 255), np.uint8), (20, 30, 1)), BLUE),
    (np.tile(np.array((0, 0, 255, 0), np.uint8), (20, 30, 1)), WHITE),
    (np.full((20, 30), 32768, np.uint16), (128,) * 3),
    (np.full((20, 30, 3), 0.5, np.float32), (128,) * 3),
    (np.tile(np.array((1.0, 0.0, 0.0, 1.0)), (20, 30, 1)), RED),  # float64 RGBA
    (np.ones((20, 30), bool), WHITE),
])
def test_numpy_inputs(array, expected):
    out = load_image(array)
    assert_clean(out)
    assert out.size == (30, 20)
    assert close(out.getpixel((10, 10)), expected, tol=1)


def test_numpy_ranges():
    ramp16 = np.linspace(0, 65535, 64).astype(np.uint16)[None].repeat(20, 0)
    ramp32 = np.linspace(0, 4095, 64).astype(np.int32)[None].repeat(20, 0)  # 12-bit data in int32 -> 0..65535
    signed = np.linspace(-1000, 1000, 64).astype(np.int32)[None].repeat(20, 0)
    floats = np.linspace(-1.0, 1.0, 64)[None].repeat(20, 0)
    for array in (ramp16, signed, floats):
        row = np.asarray(load_image(array))[0, :, 0]
        assert row[0] == 0 and row[-1] == 255
    assert np.asarray(load_image(ramp32)).max() == round(4095 / 65535 * 255)


def test_numpy_nan_and_inf_do_not_break():
    values = np.linspace(0, 1, 30 * 20, dtype=np.float32).reshape(20, 30)
    values[0, 0], values[0, 1], values[0, 2] = np.nan, np.inf, -np.inf
    out = np.asarray(load_image(values))[..., 0]
    assert out[0, 0] == 0 and out[-1, -1] == 255


@pytest.mark.parametrize("shape", [(20, 30, 2), (2, 20, 30, 3), (600,)])
def test_numpy_bad_shapes(shape):
    assert reason_of(np.zeros(shape, np.uint8)).reason == "not_image"


def test_numpy_complex_is_not_an_image():
    assert reason_of(np.zeros((20, 30), np.complex64)).reason == "not_image"


# ----------------------------------------------------------------------------------------------- metadata


def test_metadata_is_stripped(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 5.0), 3: "E", 4: (4.0, 53.0, 0.0)}  # GPS
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = write(tmp_path, "gps.jpg", encode(Image.new("RGB", (64, 48), (10, 200, 10)), "JPEG", exif=exif,
                                             icc_profile=icc, comment=b"visitor notes", dpi=(300, 300)))
    with Image.open(path) as original:  # the file really carries it
        assert original.getexif().get_ifd(0x8825) and "icc_profile" in original.info
    out = load_image(path)
    assert_clean(out)
    assert out.getexif().get_ifd(0x8825) == {}
    assert "icc_profile" not in out.info
    assert encode(out, "PNG").find(b"iCCP") == -1  # nothing to leak when saved again


def test_output_is_independent_of_the_file(tmp_path):
    path = write(tmp_path, "x.png", encode(Image.fromarray(upright_marks()), "PNG"))
    out = load_image(path)
    path.unlink()
    assert_upright_marks(out)


# ----------------------------------------------------------------------------------------------- messages


ALL_ERRORS = [
    ImageInputError("empty"), ImageInputError("not_found"), ImageInputError("unreadable"),
    ImageInputError("file_too_large", limit_mb=200), ImageInputError("not_image"),
    ImageInputError("unsupported_format"), ImageInputError("unsupported_format", detected="pdf"),
    ImageInputError("unsupported_format", detected="svg"), ImageInputError("unsupported_format", detected="html"),
    ImageInputError("corrupt"), ImageInputError("too_many_pixels", limit_mp=50),
    ImageInputError("too_small", width=8, height=9, min_side=16),
    ImageInputError("aspect_ratio", width=20000, height=200, max_ratio="10"),
    ImageInputError("undecodable"), ImageInputError("unsupported_format", detected="heic"),
    ImageInputError("unsupported_format", detected="avif"),
]


@pytest.mark.parametrize("err", ALL_ERRORS, ids=lambda e: e.key)
def test_messages_are_plain_and_bilingual(err):
    en, vi = err.user_message_for("en"), err.user_message_for("vi")
    assert en and vi and en != vi
    for text in (en, vi):
        for banned in ("/", "\\", "Error", "Traceback", "ImageInputError", "{", "}"):
            assert banned not in text
    assert str(err) == err.user_message == en
    assert err.user_message_for("vi-VN") == vi and err.user_message_for("fr") == en
    assert isinstance(err, ValueError)


def test_every_message_has_a_test_case():
    assert {e.key for e in ALL_ERRORS} == {k for k in catalogue("en") if k.startswith("images.")}


def test_errors_from_real_files_never_show_the_path(tmp_path):
    cases = {
        "empty.png": b"", "noise.jpg": np.random.default_rng(4).bytes(300), "doc.pdf": b"%PDF-1.4\n",
        "cut.png": encode(Image.new("RGB", (32, 32)), "PNG")[:50], "tiny.png": encode(Image.new("RGB", (4, 4)), "PNG"),
    }
    for name, data in cases.items():
        err = reason_of(write(tmp_path, name, data))
        for lang in ("en", "vi"):
            text = err.user_message_for(lang)
            assert str(tmp_path) not in text and name not in text and tmp_path.name not in text
        assert err.__cause__ is None  # no chained Pillow error to leak into a log or a page
        assert err.__context__ is None or err.__suppress_context__


def test_error_survives_pickling():
    err = pickle.loads(pickle.dumps(ImageInputError("too_small", width=8, height=9, min_side=16)))
    assert err.reason == "too_small" and "8 x 9" in err.user_message_for("en")


def test_unknown_reason_is_a_programming_error():
    with pytest.raises(KeyError):
        ImageInputError("bogus")


def test_actions_are_logged_at_debug(caplog, big_jpeg):
    with caplog.at_level(logging.DEBUG, logger="vlmtok.images"):
        load_image(big_jpeg, max_side=512)
        load_image(encode(Image.new("RGBA", (32, 32)), "PNG"))
    text = caplog.text
    assert "draft" in text and "downscaled" in text and "orientation 6" in text and "composited" in text


def test_big_endian_16_bit_tiff_is_scaled_like_little_endian(tmp_path):
    """Pillow reads a big-endian (MM) 16-bit TIFF as '>u2'; it must not be mistaken for 8-bit data."""
    import numpy as np
    from PIL import Image

    from vlmtok.images import load_image

    arr = np.full((64, 64), 200, dtype=">u2")
    img = Image.frombytes("I;16B", (64, 64), arr.tobytes())
    path = tmp_path / "mm.tif"
    img.save(path)
    out = np.asarray(load_image(path))
    assert out.max() <= 2  # 200 / 65535 of full scale is black, not grey 200
