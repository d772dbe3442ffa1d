"""What the decoder tests share: a picture that takes seconds of CPU to decode, and the app's decoder workers."""
from __future__ import annotations

import functools
import io
import struct
import zlib
from pathlib import Path

from PIL import Image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@functools.lru_cache(maxsize=1)
def heavy_png(side: int = 7000) -> bytes:
    """A valid 16-bit grey PNG of side x side (49 MP, under the pixel cap) in ~0.4 MB: ~3 s of CPU to decode and
    scale on this machine, so a decoder can be caught mid-decode or run past a CPU limit."""
    row = b"\0" * (1 + side * 2)
    packer = zlib.compressobj(1)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 16, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def small_png(rgb=(0, 128, 128), size=(96, 64)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, rgb).save(buf, "PNG")
    return buf.getvalue()


def decoder_pids(parent: int) -> list[int]:
    """Decoder worker processes whose parent is ``parent`` (read from /proc)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"vlmtok.decoder" in cmdline and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return sorted(pids)


def cpu_ticks(pid: int) -> int:
    """utime + stime of ``pid`` in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _tag_xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + b"\0" * 4 + _s15(x) + _s15(y) + _s15(z)


def swapping_icc() -> bytes:
    """A minimal RGB display profile (ICC v2) whose red and green primaries are sRGB's green and red: a picture
    tagged with it shows pure red as green once its profile is honoured, and as red when it is ignored."""
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", 5) + b"swap\0" + b"\0" * 8 + b"\0" * 3 + b"\0" * 64
    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, 0x0233) + b"\0\0"           # gamma 2.2
    tags = [(b"desc", desc), (b"wtpt", _tag_xyz(0.9642, 1.0, 0.8249)),
            (b"rXYZ", _tag_xyz(0.3851, 0.7169, 0.0971)), (b"gXYZ", _tag_xyz(0.4361, 0.2225, 0.0139)),
            (b"bXYZ", _tag_xyz(0.1431, 0.0606, 0.7141)), (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve),
            (b"cprt", b"text" + b"\0" * 4 + b"none\0\0\0\0")]
    offset, table, body = 128 + 4 + 12 * len(tags), b"", b""
    for sig, data in tags:
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    size = 128 + 4 + len(table) + len(body)
    header = (struct.pack(">I", size) + b"\0" * 4 + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ " + b"\0" * 12
              + b"acsp" + b"\0" * 24 + struct.pack(">I", 0) + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"\0" * 48)
    return header + struct.pack(">I", len(tags)) + table + body
