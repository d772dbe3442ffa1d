"""``python -m vlmtok bench app``: how fast the app starts and answers, with the narrator this machine has.

Measures, on a fresh ``python app.py`` in a subprocess (own port, own cache folder unless ``--keep-cache``):

- ``startup_s``: from process start to the first page served (HTTP 200 on ``/``); target under 20 s on a CPU;
- ``first_text_s``: from sending an example artwork to the first text of its description (streamed ``/tour``);
- ``described_s``: to the finished description;
- ``first_audio_s``: from sending the artwork to the description and its audio file (``/describe``; the
  speech cache is cold, the narrator may reuse what the stream just measured);
- ``warm_describe_s``: the same request again (the narration and speech caches answer).
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

from vlmtok import settings
from vlmtok.choices import TIERS
from vlmtok.paths import examples_dir

ROOT = Path(__file__).resolve().parents[2]        # the checkout (or site-packages, installed)
DEFAULT_EXAMPLE = examples_dir() / "great_wave_off_kanagawa.jpg"
STARTUP_TIMEOUT_S = 180.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--image", default=str(DEFAULT_EXAMPLE), help="artwork to describe")
    parser.add_argument("--lang", default="en", choices=("en", "vi"))
    parser.add_argument("--tier", default="short", choices=TIERS)
    parser.add_argument("--keep-cache", action="store_true", help="use the normal cache (warm start)")


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_page(url: str, proc: subprocess.Popen, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
    """Poll ``url`` until it answers 200; raise if the process dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with code {proc.returncode} before serving a page")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"app.py did not serve {url} within {timeout_s:.0f} s")


@contextmanager
def running_app(env: dict[str, str] | None = None, log_path: str | os.PathLike | None = None,
                args: list[str] | tuple[str, ...] = ()) -> Iterator[tuple[str, float, subprocess.Popen]]:
    """Start ``python app.py`` on 127.0.0.1 and a free port; yield ``(url, startup_s, process)``; stop it after.

    Args:
        env: extra environment (``VLMTOK_CACHE``, ``HF_HUB_OFFLINE`` ...), on top of this process's.
        log_path: where the app's output goes (default: discarded).
        args: the app's options (``["--narrator", "openai", "--base-url", url]``).
    """
    port = free_port()
    full_env = settings.child_environment({"GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
                                           "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})})
    out = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed when the app stops
    t0 = time.perf_counter()
    in_checkout = (ROOT / "app.py").is_file()      # the Space's entry point there; else the installed command
    command = [str(ROOT / "app.py")] if in_checkout else ["-m", "vlmtok", "app"]
    proc = subprocess.Popen([sys.executable, *command, *args], cwd=str(ROOT) if in_checkout else None, env=full_env,
                            stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_page(url, proc)
        yield url, time.perf_counter() - t0, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log_path:
            out.close()


def _time_stream(client, image: str, lang: str, tier: str) -> tuple[float | None, float]:
    """Seconds to the first non-empty text and to the finished description, from the streamed ``/tour``."""
    from gradio_client import handle_file

    t0, first = time.perf_counter(), None
    job = client.submit(handle_file(image), lang, tier, api_name="/tour")
    for update in job:
        if first is None and update["text"]:
            first = time.perf_counter() - t0
    job.result()
    return first, time.perf_counter() - t0


def _time_describe(client, image: str, lang: str, tier: str) -> tuple[float, bool]:
    from gradio_client import handle_file

    t0 = time.perf_counter()
    result = client.predict(handle_file(image), lang, tier, api_name="/describe")
    audio = (result["speech"] or {}).get("audio")
    return time.perf_counter() - t0, bool(audio and Path(audio).is_file() and result["text"])


def run(args: argparse.Namespace) -> dict:
    from gradio_client import Client

    with tempfile.TemporaryDirectory(prefix="vlmtok-bench-app-") as tmp:
        env = {} if args.keep_cache else {"VLMTOK_CACHE": tmp}
        with running_app(env, Path(tmp) / "app.log") as (url, startup_s, _proc):
            client = Client(url, verbose=False)
            first_text, described = _time_stream(client, args.image, args.lang, args.tier)
            first_audio, audio_ok = _time_describe(client, args.image, args.lang, args.tier)
            warm, _ = _time_describe(client, args.image, args.lang, args.tier)
    return {"area": "app", "image": Path(args.image).name, "lang": args.lang, "tier": args.tier,
            "cold_cache": not args.keep_cache, "startup_s": round(startup_s, 2),
            "startup_target_s": 20.0, "startup_ok": startup_s < 20.0,
            "first_text_s": None if first_text is None else round(first_text, 3),
            "described_s": round(described, 3), "first_audio_s": round(first_audio, 3), "audio_ok": audio_ok,
            "warm_describe_s": round(warm, 3)}
