"""``python -m vlmtok bench encoders``: encode latency against the bare timm forward, in one run.

``peak_rss_mb`` is the process's peak so far (models loaded before it included); ``encode_memory_growth_mb`` is
this encoder's own peak growth during one encode (CUDA: peak allocated).
``overhead = median_ms / raw_median_ms``, where ``median_ms`` times ``Encoder.encode`` on a loaded picture
(resize, normalise, forward, token extraction) and ``raw_median_ms`` the bare ``forward_features`` on the same
preprocessed tensor. Target on CPU: at most 1.10 for every encoder.
"""
from __future__ import annotations

import argparse
import logging

import torch

from vlmtok.bench.common import machine, paired_medians, peak_rss_mb
from vlmtok.paths import examples_dir

log = logging.getLogger(__name__)

OFFLINE_ENCODERS = "vit_small_patch14_dinov2,mobilenetv2_100,tf_efficientnet_lite0"
DEFAULT_IMAGE = examples_dir() / "great_wave_off_kanagawa.jpg"
OVERHEAD_TARGET = 1.10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--encoders", default=OFFLINE_ENCODERS, help="comma-separated registry names")
    parser.add_argument("--sizes", default="224,336", help="comma-separated input sides")
    parser.add_argument("--iters", type=int, default=30, help="timed iterations per measurement")
    parser.add_argument("--image", default=str(DEFAULT_IMAGE))
    parser.add_argument("--weights", default="auto", help="auto, hub, offline-pack or random")


def bench_one(enc, image, size: int, iters: int) -> dict[str, object]:
    x, _ = enc.preprocess(image, size)
    x = x.to(enc.device, enc.dtype)  # the bare network gets its input ready on the device, as encode() gives it
    if enc.device.type == "cuda" and enc.family == "cnn":
        x = x.contiguous(memory_format=torch.channels_last)

    def raw():
        with torch.inference_mode():
            enc.model.forward_features(x)
        if enc.device.type == "cuda":
            torch.cuda.synchronize()  # encode() waits for the GPU too: compare like for like

    from vlmtok.ledger import measure_encode

    vt, growth_mb, _how = measure_encode(enc, image, size)  # warm-up, the shapes, and this encode's own memory
    raw_ms, full_ms = paired_medians(raw, lambda: enc.encode(image, size), iters)
    return {"name": enc.name, "size": size, "tokens": vt.num_tokens, "dim": vt.dim, "grid": list(vt.grid),
            "median_ms": round(full_ms, 3), "raw_median_ms": round(raw_ms, 3),
            "overhead": round(full_ms / raw_ms, 4), "peak_rss_mb": round(peak_rss_mb(), 1),
            "encode_memory_growth_mb": None if growth_mb is None else round(growth_mb, 1),
            "weights_source": enc.weights_source, "device": enc.device.type,
            "dtype": str(enc.dtype).removeprefix("torch.")}


def run(args: argparse.Namespace) -> dict[str, object]:
    from vlmtok.encoders import create_encoder
    from vlmtok.images import load_image

    image = load_image(args.image)
    sizes = [int(s) for s in str(args.sizes).split(",")]
    rows = []
    for name in str(args.encoders).split(","):
        enc = create_encoder(name.strip(), weights=args.weights)
        for size in sizes:
            row = bench_one(enc, image, size, args.iters)
            log.info("%s @%d: %.1f ms (raw %.1f ms, overhead %.3f)", name, size, row["median_ms"],
                     row["raw_median_ms"], row["overhead"])
            rows.append(row)
    worst = max(r["overhead"] for r in rows)
    return {"encoders": rows, "overhead_target": OVERHEAD_TARGET, "worst_overhead": worst,
            "meets_target": worst <= OVERHEAD_TARGET, "machine": machine()}
