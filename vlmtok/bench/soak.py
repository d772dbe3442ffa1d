"""``python -m vlmtok bench soak``: 500 sequential tours on one ``python app.py``; does anything grow without bound?

Every tour uploads a new picture (two colours, split at a different place each time, so descriptions and speech
differ and the caches keep filling). Sampled on the server process from ``/proc``: resident memory (after a
warm-up of ``--warmup`` tours, growth must stay under ``--max-growth`` percent), open file descriptors, threads,
its picture decoder workers (how many, their resident memory, how many were ever started), and the files and bytes
in the cache folder, in total and per cache (speech is capped at ``--speech-cache-mb``; narrations, tokens and tour
packs have their own caps) and in the upload folder. Not part of CI: it takes ten minutes or so.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import tempfile
import time
from pathlib import Path

from PIL import Image

from vlmtok.bench.loadtest import COLOURS, DEFAULT_TIMEOUT_S


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tours", type=int, default=500, help="sequential tours")
    parser.add_argument("--warmup", type=int, default=20, help="tours before the memory baseline")
    parser.add_argument("--max-growth", type=float, default=10.0, help="allowed RSS growth after warm-up, percent")
    parser.add_argument("--speech-cache-mb", type=int, default=16, help="speech cache cap for the started app")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per tour")


def _proc_status(pid: int) -> dict[str, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"rss_mb": int(fields["VmRSS"].split()[0]) / 1024, "threads": int(fields["Threads"]),
            "open_fds": len(os.listdir(f"/proc/{pid}/fd"))}


def _files(folder: Path) -> tuple[int, int]:
    """(files, bytes) under ``folder``."""
    n = size = 0
    for root, _dirs, names in os.walk(folder):
        for name in names:
            try:
                size += (Path(root) / name).stat().st_size
                n += 1
            except OSError:
                pass
    return n, size


def _picture(i: int, folder: Path) -> str:
    """Two colours side by side, the split moving with ``i``: a new description every few tours."""
    (_, a), (_, b) = COLOURS[i % len(COLOURS)], COLOURS[(i // len(COLOURS) + 1 + i) % len(COLOURS)]
    img = Image.new("RGB", (120, 80), a)
    img.paste(Image.new("RGB", (10 + (i * 7) % 100, 80), b))
    path = folder / f"soak-{i:04d}.png"
    img.save(path)
    return str(path)


def _children(pid: int, marker: bytes = b"vlmtok.decoder") -> list[int]:
    """Running child processes of ``pid`` whose command line holds ``marker``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z" and marker in (stat.parent / "cmdline").read_bytes():
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _per_cache(cache: Path) -> dict[str, float]:
    """MB held by each cache folder (speech, narrations, smolvlm-tokens, packs ...)."""
    try:
        folders = sorted(p for p in cache.iterdir() if p.is_dir())
    except OSError:
        return {}
    return {p.name: round(_files(p)[1] / 2**20, 2) for p in folders}


def _sample(i: int, pid: int, cache: Path, uploads: Path, seen: set[int]) -> dict:
    cache_files, cache_bytes = _files(cache)
    upload_files, upload_bytes = _files(uploads)
    decoders = _children(pid)
    seen.update(decoders)
    rss = 0.0
    for child in decoders:
        with contextlib.suppress(OSError, KeyError):     # it may have just ended
            rss += _proc_status(child)["rss_mb"]
    return {"tour": i, **_proc_status(pid), "cache_files": cache_files, "cache_mb": round(cache_bytes / 2**20, 2),
            "cache_by_folder_mb": _per_cache(cache), "upload_files": upload_files,
            "upload_mb": round(upload_bytes / 2**20, 2), "decoders": len(decoders),
            "decoders_rss_mb": round(rss, 1), "decoders_started": len(seen)}


def _tours(client, args: argparse.Namespace, pid: int, tmp: Path) -> tuple[list[dict], list[float], int]:
    from gradio_client import handle_file

    samples, latencies, failed, seen = [], [], 0, set()
    every = max(1, args.tours // 20)
    for i in range(args.tours):
        t0 = time.perf_counter()
        try:
            result = client.submit(handle_file(_picture(i, tmp)), "en", "short",
                                   api_name="/describe").result(timeout=args.timeout)
            failed += not (result["text"] and (result["speech"] or {}).get("audio"))
        except Exception:  # noqa: BLE001 - counted; the soak goes on
            failed += 1
        latencies.append(time.perf_counter() - t0)
        if i + 1 == args.warmup or (i + 1) % every == 0 or i + 1 == args.tours:
            samples.append(_sample(i + 1, pid, tmp / "cache", tmp / "uploads", seen))
    return samples, latencies, failed


def _verdict(samples: list[dict], warmup: int, max_growth: float, cap_mb: int) -> dict:
    base = next((s for s in samples if s["tour"] >= warmup), samples[0])
    end = samples[-1]
    growth = 100.0 * (end["rss_mb"] - base["rss_mb"]) / base["rss_mb"]
    return {"rss_warm_mb": round(base["rss_mb"], 1), "rss_end_mb": round(end["rss_mb"], 1),
            "rss_growth_pct": round(growth, 2), "rss_ok": growth < max_growth,
            "fds_warm": base["open_fds"], "fds_end": end["open_fds"], "fds_ok": end["open_fds"] <= base["open_fds"] + 16,
            "threads_warm": base["threads"], "threads_end": end["threads"],
            "cache_mb_end": end["cache_mb"], "cache_ok": end["cache_mb"] <= cap_mb * 1.5 + 16,
            "cache_by_folder_mb_end": end["cache_by_folder_mb"],
            "decoders_end": end["decoders"], "decoders_rss_warm_mb": base["decoders_rss_mb"],
            "decoders_rss_end_mb": end["decoders_rss_mb"], "decoders_started": end["decoders_started"],
            "decoders_ok": end["decoders_started"] <= 4 and end["decoders_rss_mb"] <= max(base["decoders_rss_mb"], 1)
            * (1 + max_growth / 100) + 32,
            # Gradio's own folder (uploads, served audio copies): not cleaned unless the app sets delete_cache
            "upload_files_end": end["upload_files"], "upload_mb_end": end["upload_mb"]}


def run(args: argparse.Namespace) -> dict:
    from gradio_client import Client

    from vlmtok.bench.app import running_app
    from vlmtok.bench.loadtest import percentile

    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="vlmtok-soak-") as name:
        tmp = Path(name)
        env = {"VLMTOK_CACHE": str(tmp / "cache"), "GRADIO_TEMP_DIR": str(tmp / "uploads"),
               "VLMTOK_SPEECH_CACHE_MB": str(args.speech_cache_mb)}
        with running_app(env, tmp / "app.log") as (url, _startup_s, proc):
            client = Client(url, verbose=False, download_files=str(tmp / "downloads"))
            t0 = time.perf_counter()
            samples, latencies, failed = _tours(client, args, proc.pid, tmp)
            wall, alive = time.perf_counter() - t0, proc.poll() is None
    verdict = _verdict(samples, args.warmup, args.max_growth, args.speech_cache_mb)
    held = (verdict["rss_ok"] and verdict["fds_ok"] and verdict["cache_ok"] and verdict["decoders_ok"]
            and failed == 0 and alive)
    return {"area": "soak", "tours": args.tours, "failed": failed, "wall_s": round(wall, 1),
            "p50_s": round(percentile(latencies, 50), 3), "p95_s": round(percentile(latencies, 95), 3),
            **verdict, "server_alive": alive, "held": held, "samples": samples}
