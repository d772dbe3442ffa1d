"""``python -m vlmtok bench intake``: what decoding every upload in a separate, limited process costs.

A phone photo (4032 x 3024 JPEG, ~4 MB, EXIF-rotated, made here) through ``load_image`` (the worker of
``vlmtok.decoder``) against the same pipeline in this process (``images.decode_bytes``), timed in alternating pairs:

- ``added_ms``: median of the paired differences, isolated minus in-process (wall time; on a busy machine it also
  counts waiting for a core to wake the worker on, so ``load_average`` is recorded beside it);
- ``isolation_cpu_ms``: the CPU time isolation itself adds to one upload, measured where it is spent: this
  process handing the bytes over and making an image of the pixels (``server_cpu_ms``), the worker reading the
  bytes and packing and writing the pixels (``worker_io_cpu_ms``); ``hop_ms``: the round trip of a 32 x 32 picture
  through a worker, less in-process; ``estimated_added_ms`` = the two, the figure against the 30 ms target
  (``TARGET_MS``) that a busy machine cannot blur;
- ``cold_start_ms``: a worker's first picture (interpreter, numpy, Pillow and its plugins); ``restart_ms``: the
  first picture after a worker was killed (SIGKILL), until it answers again;
- ``formats``: a small photo in each tablet format (HEIC, AVIF, PNG, WebP) through the worker.
"""
from __future__ import annotations

import argparse
import io
import os
import signal
import statistics
import time

import numpy as np
from PIL import Image

from vlmtok.bench.common import machine

TARGET_MS = 30.0
PHONE = (4032, 3024)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--iters", type=int, default=15, help="timed pairs for the phone photo")


def phone_jpeg(size: tuple[int, int] = PHONE, seed: int = 0) -> bytes:
    """A photo-like JPEG: smooth light and colour with sensor noise, quality 90, EXIF orientation 6."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)                                         # [H, W]
    light = np.stack([np.sin(x / 300), np.cos(y / 250), np.sin((x + y) / 400)], -1)     # [H, W, 3]
    noise = np.random.default_rng(seed).normal(0, 12, (h, w, 3)).astype(np.float32)
    pixels = np.clip(128 + 100 * light + noise, 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "JPEG", quality=90, exif=exif.tobytes())
    return buf.getvalue()


def _small(fmt: str, size: tuple[int, int] = (1024, 768)) -> bytes:
    img = Image.open(io.BytesIO(phone_jpeg(size))).convert("RGB")
    buf = io.BytesIO()
    if fmt == "HEIC":
        import pillow_heif

        pillow_heif.encode("RGB", img.size, img.tobytes(), buf, quality=85)
    else:
        img.save(buf, fmt, quality=85)
    return buf.getvalue()


def _paired(a, b, iters: int) -> tuple[list[float], list[float]]:
    """Wall ms of ``a`` and ``b`` in alternating pairs (load drift hits both alike)."""
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(iters):
        for which in ((0, 1) if i % 2 == 0 else (1, 0)):
            t0 = time.perf_counter()
            (a, b)[which]()
            times[which].append((time.perf_counter() - t0) * 1e3)
    return times


def _cpu_ms(fn, iters: int = 5) -> float:
    samples = []
    for _ in range(iters):
        t0 = time.process_time()
        fn()
        samples.append((time.process_time() - t0) * 1e3)
    return statistics.median(samples)


def _isolation_cpu(photo: bytes, iters: int = 5) -> tuple[float, float]:
    """(server CPU ms, worker's own I/O CPU ms) per upload of ``photo``, medians."""
    from vlmtok import decoder, images

    pool, server, worker = decoder.pool(images._JOB, images._SETUP), [], []
    for _ in range(iters):
        t0 = time.process_time()
        header, pixels = pool.call(photo, {"max_side": images.DEFAULT_MAX_SIDE})
        images._checked_pixels(header, pixels, images.DEFAULT_MAX_SIDE)
        server.append((time.process_time() - t0) * 1e3)
        worker.append(float(header.get("_io_cpu_ms", 0.0)))
    return statistics.median(server), statistics.median(worker)


def _hop_ms(iters: int = 21) -> float:
    """Round trip of a tiny picture through a worker, less decoding it here: the fixed cost of the process hop."""
    from vlmtok import images

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 20, 30)).save(buf, "PNG")
    tiny = buf.getvalue()
    local, isolated = _paired(lambda: images.decode_bytes(tiny), lambda: images.load_image(tiny), iters)
    return statistics.median(b - a for a, b in zip(local, isolated))


def _lifecycle(data: bytes) -> dict[str, float]:
    """Cold start and restart after SIGKILL, on a pool of its own (the shared one is left alone)."""
    from vlmtok import decoder, images

    pool = decoder.Pool(images._JOB, images._SETUP, size=1)
    try:
        t0 = time.perf_counter()
        pool.call(data, {"max_side": 2048})
        cold = (time.perf_counter() - t0) * 1e3
        t0 = time.perf_counter()
        pool.call(data, {"max_side": 2048})
        warm = (time.perf_counter() - t0) * 1e3
        os.kill(pool.pids()[0], signal.SIGKILL)
        time.sleep(0.2)
        t0 = time.perf_counter()
        pool.call(data, {"max_side": 2048})
        restart = (time.perf_counter() - t0) * 1e3
    finally:
        pool.close()
    return {"cold_start_ms": round(cold, 1), "warm_ms": round(warm, 1), "restart_ms": round(restart, 1)}


def run(args: argparse.Namespace) -> dict:
    from vlmtok import images

    photo = phone_jpeg()
    images.load_image(photo)                                  # the shared workers are up
    local, isolated = _paired(lambda: images.decode_bytes(photo), lambda: images.load_image(photo), args.iters)
    added = statistics.median(b - a for a, b in zip(local, isolated))
    small = _small("PNG")
    formats = {}
    for fmt in ("HEIC", "AVIF", "PNG", "WEBP"):
        data = _small(fmt)
        images.load_image(data)
        formats[fmt] = {"bytes": len(data), "isolated_ms": round(statistics.median(
            _paired(lambda d=data: images.load_image(d), lambda: None, 5)[0]), 1)}
    server_cpu, worker_io = _isolation_cpu(photo)
    hop = _hop_ms()
    estimate = server_cpu + worker_io + hop
    r1 = lambda v: round(v, 1)  # noqa: E731
    return {"area": "intake", "photo": {"size": list(PHONE), "bytes": len(photo), "pixels_back": 2048 * 1536 * 3},
            "in_process_ms": r1(statistics.median(local)), "isolated_ms": r1(statistics.median(isolated)),
            "added_ms": r1(added), "load_average": r1(os.getloadavg()[0]),
            "in_process_cpu_ms": r1(_cpu_ms(lambda: images.decode_bytes(photo))), "server_cpu_ms": r1(server_cpu),
            "worker_io_cpu_ms": r1(worker_io), "isolation_cpu_ms": r1(server_cpu + worker_io), "hop_ms": r1(hop),
            "estimated_added_ms": r1(estimate), "target_ms": TARGET_MS, "meets_target": estimate < TARGET_MS,
            **_lifecycle(small), "formats": formats, "iters": args.iters, "machine": machine()}
