"""``python -m vlmtok bench pack``: how fast a tour pack is built and resumed, and how well photos find artworks.

- **build**: a pack of ``--artworks`` paintings (the examples, then their mirror images as further artworks) in
  ``--langs`` and ``--tiers`` with the offline narrator and espeak-ng, once per engine (``local``, ``ray``):
  seconds, artworks per minute, and the resume time of a second, unchanged run.
- **recognition**: an index of the first ``--indexed`` examples; simulated gallery photos of them
  (``vlmtok.pack.photos``, every kind, ``--seeds`` each) must find them (top-1), and photos of the examples left
  out, real photos of other things (Gradio's sample pictures) and made-up pictures must find nothing (false
  matches). Time per photo, and the scores on each side of the threshold.
"""
from __future__ import annotations

import argparse
import glob
import importlib.util
import logging
import shutil
import statistics
import tempfile
import time
from vlmtok.paths import examples_dir
from pathlib import Path

log = logging.getLogger(__name__)

EXAMPLES = examples_dir()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--artworks", type=int, default=20, help="artworks in the built pack")
    parser.add_argument("--langs", default="en,vi")
    parser.add_argument("--tiers", default="alt,short,long")
    parser.add_argument("--engines", default="local,ray", help="local and/or ray (ray: pip install vlmtok[ray])")
    parser.add_argument("--indexed", type=int, default=7, help="examples in the recognition index (rest: left out)")
    parser.add_argument("--seeds", type=int, default=2, help="simulated photos per kind per indexed artwork")
    parser.add_argument("--parts", default="build,recognition", help="build and/or recognition")


def run(args: argparse.Namespace) -> dict:
    report: dict = {"area": "pack", "build": {}, "recognition": {}}
    parts = {p.strip() for p in args.parts.split(",")}
    engines = [e.strip() for e in args.engines.split(",") if e.strip()] if "build" in parts else []
    root = Path(tempfile.mkdtemp(prefix="vlmtok-bench-pack-"))
    try:
        source = _collection(root / "source", int(args.artworks)) if engines else None
        for engine in engines:
            if engine == "ray" and importlib.util.find_spec("ray") is None:
                report["build"][engine] = {"skipped": "Ray is not installed (pip install vlmtok[ray])"}
                continue
            report["build"][engine] = _build(source, root / f"pack-{engine}", engine, args)
        if "recognition" in parts:
            report["recognition"] = recognition(int(args.indexed), int(args.seeds))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return report


def _collection(folder: Path, n: int) -> Path:
    """``n`` artworks: the examples, then their mirror images (new pictures, new content hashes)."""
    from PIL import ImageOps

    from vlmtok import load_image

    folder.mkdir(parents=True)
    files = sorted(EXAMPLES.glob("*.jpg"))
    rows = ["file,title,artist,date,label"]
    for i in range(n):
        src = files[i % len(files)]
        name = f"{i:02d}_{src.stem}.jpg"
        picture = load_image(src)
        (ImageOps.mirror(picture) if i >= len(files) else picture).save(folder / name, quality=92)
        rows.append(f"{name},{src.stem.replace('_', ' ').title()},,,")
    (folder / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def _build(source: Path, out: Path, engine: str, args: argparse.Namespace) -> dict:
    from vlmtok.pack import BuildOptions, build_pack

    options = BuildOptions(langs=args.langs.split(","), tiers=args.tiers.split(","), narrator="offline",
                           voice="espeak")
    started = _start_ray() if engine == "ray" else None     # Ray's start-up, timed apart from the work
    try:
        first = build_pack(source, out, options=options, engine=engine)
        resumed = build_pack(source, out, options=options, engine=engine)
    finally:
        if started is not None:
            import ray

            ray.shutdown()
    narrations = sum(len(a.narrations) for a in first.manifest.artworks)
    out_dict = {"artworks": len(first.manifest.artworks), "narrations": narrations, "seconds": first.seconds,
                "artworks_per_min": round(60 * len(first.manifest.artworks) / max(first.seconds, 1e-6), 1),
                "resume_s": resumed.seconds, "resume_changed": resumed.changed,
                "audio_mb": round(sum(f.stat().st_size for f in (out / "audio").iterdir()) / 1e6, 1)}
    if started is not None:
        out_dict["ray_start_s"] = started
    return out_dict


def _start_ray() -> float:
    """Start Ray here as ``--engine ray`` would (the build then joins it); seconds it took."""
    import ray

    from vlmtok.pack import ray_engine

    t0 = time.perf_counter()
    ray_engine.connect(ray, None)
    return round(time.perf_counter() - t0, 2)


def recognition(indexed: int, seeds: int) -> dict:
    """Top-1 and false matches of the decision rule in ``vlmtok.pack.recognise``, on simulated photos."""
    from vlmtok import load_image
    from vlmtok.pack import recognise as rec
    from vlmtok.pack.photos import KINDS, NEGATIVE_KINDS, gallery_photo, not_a_painting

    recogniser = rec.Recogniser()
    files = sorted(EXAMPLES.glob("*.jpg"))
    pictures = {f.stem: load_image(f) for f in files}
    inside, outside = list(pictures)[:indexed], list(pictures)[indexed:]
    t0 = time.perf_counter()
    index = rec.RecognitionIndex.build({k: recogniser.features(pictures[k]) for k in inside})
    index_ms = (time.perf_counter() - t0) * 1e3 / max(1, len(inside))
    hits, times, true_scores, per_kind = 0, [], [], {}
    for name in inside:
        for kind in KINDS:
            for seed in range(seeds):
                match = _match(recogniser, index, gallery_photo(pictures[name], kind, seed), times)
                ok = match.id == name
                hits += ok
                true_scores.append(next((c.score for c in match.candidates if c.id == name), 0.0))
                per_kind.setdefault(kind, []).append(ok)
    negatives = [gallery_photo(pictures[n], k, s) for n in outside for k in KINDS for s in range(seeds)]
    negatives += [not_a_painting(k, s) for k in NEGATIVE_KINDS for s in range(seeds)]
    negatives += [load_image(p) for p in _other_photos()]
    false, false_scores = 0, []
    for photo in negatives:
        match = _match(recogniser, index, photo, times)
        false += match.id is not None
        false_scores.append(match.score)
    positives = len(inside) * len(KINDS) * seeds
    return {"indexed": len(inside), "photos": positives, "top1": round(hits / max(1, positives), 4),
            "top1_by_kind": {k: round(sum(v) / len(v), 3) for k, v in per_kind.items()},
            "negatives": len(negatives), "false_matches": false, "threshold": rec.THRESHOLD, "margin": rec.MARGIN,
            "true_score_min": round(min(true_scores), 3), "true_score_p5": round(_pct(true_scores, 5), 3),
            "false_score_max": round(max(false_scores), 3), "false_score_p95": round(_pct(false_scores, 95), 3),
            "ms_per_photo": round(statistics.median(times), 1), "index_ms_per_artwork": round(index_ms, 1),
            "weights": recogniser.weights_source}


def _match(recogniser, index, photo, times: list[float]):
    t0 = time.perf_counter()
    match = recogniser.match(index, photo)
    times.append((time.perf_counter() - t0) * 1e3)
    return match


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return float(s[min(len(s) - 1, int(q / 100 * len(s)))])


def _other_photos() -> list[str]:
    """Real photos of things that are no painting: the sample pictures Gradio ships (found, not imported)."""
    spec = importlib.util.find_spec("gradio")
    if spec is None or not spec.origin:
        return []
    return sorted(glob.glob(str(Path(spec.origin).parent / "media_assets" / "images" / "*.jp*g")))
