"""``python -m vlmtok bench follow``: many phones following tours, on 127.0.0.1.

A server process (the app's follower routes and ``Hardened`` headers under uvicorn, real speech with the offline
voice, its own cache folder) opens ``--rooms`` rooms; this process connects ``--followers`` simulated phones (raw
HTTP, Server-Sent Events), spread over the rooms and over English and Vietnamese; then every room's guide writes one
narration at once, a word every ``--word-delay`` seconds. Measured:

- ``latency_s``: from the moment the guide's stream finished a sentence to the moment each phone received that
  sentence's event (translated, spoken, with its audio address): p50, p95, max over every phone and sentence;
- ``cpu_ms_per_follower`` and ``memory_kb_per_follower``: the server's CPU time over the narration, and its resident
  memory grown by the connections, divided by the phones;
- ``lost`` and ``crossed``: sentences a phone should have had and did not, and events of another room's narration.

Target on a 2-core machine: 200 phones in 5 rooms, p95 under 1 s, nothing lost or crossed.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vlmtok import settings

STORY = ("Room {r} shows a great wave curling over three small boats. The foam reaches like fingers toward the sky. "
         "Mount Fuji stands small and calm in the distance. The boats lean into the water as the wave falls.")
LANGS = ("en", "vi")
CONNECT_TIMEOUT_S = 60.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--followers", type=int, default=200, help="simulated phones (default 200)")
    parser.add_argument("--rooms", type=int, default=5, help="rooms they follow (default 5)")
    parser.add_argument("--word-delay", type=float, default=0.05, help="seconds between the guide's words")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds the narration may take to arrive")


# ----------------------------------------------------------------------------------------------------------------
# The server side (also used by the tests): the follower routes under uvicorn


def follower_app():
    """The app's follower routes with the app's headers, without Gradio (what the phones talk to)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware

    from vlmtok.app import follow, http

    return Starlette(routes=follow.routes(), middleware=[Middleware(http.Hardened)])


@contextlib.contextmanager
def serving(port: int) -> Iterator[str]:
    """Serve ``follower_app()`` on 127.0.0.1:``port`` in a thread; yield its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(follower_app(), host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, name="vlmtok-follow-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.02)
    if not server.started:
        raise RuntimeError("the follower server did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _usage() -> dict[str, float]:
    """This process's CPU seconds so far and resident memory now (kB)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    rss = 0
    with contextlib.suppress(OSError), open("/proc/self/status", encoding="ascii") as fh:
        rss = next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "rss_kb": rss}


def _narrate(room, r: int, word_delay_s: float) -> None:
    """One guide writing one narration into ``room``, a word at a time."""
    from vlmtok.app.rooms import Source

    turn = f"room{r}"
    room.publish(room.key, Source("artwork", turn, {"image": "", "lang": "en"}))
    for word in STORY.format(r=r).split():
        room.publish(room.key, Source("text", turn, {"text": word + " ", "lang": "en"}))
        time.sleep(word_delay_s)
    room.publish(room.key, Source("done", turn, {"label": "bench", "lang": "en", "text": "", "text_lang": "en"}))


def serve_main(n_rooms: int, word_delay_s: float) -> None:
    """The server process: open rooms, say their codes, narrate on "go", report usage on "usage"."""
    from vlmtok.app import rooms
    from vlmtok.bench.app import free_port

    port = free_port()
    with serving(port):
        opened = [rooms.ROOMS.open() for _ in range(n_rooms)]
        for lang in LANGS:          # warm each voice and the translator once, as a tour's first sentence does
            rooms.speak_sentence("Welcome.", lang)
            rooms.translate_sentence("Welcome.", "en", lang)
        for room in opened:         # each language's channel made before the phones: what they add is measured
            for lang in LANGS:
                room.channel(lang)
        print(json.dumps({"port": port, "codes": [r.code for r in opened]}), flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "go":
                threads = [threading.Thread(target=_narrate, args=(room, r, word_delay_s))
                           for r, room in enumerate(opened)]
                for th in threads:
                    th.start()
                for th in threads:
                    th.join()
                print(json.dumps({"published": True}), flush=True)
            elif command == "usage":
                print(json.dumps({**_usage(), "followers": sum(r.followers for r in opened)}), flush=True)
            elif command == "quit":
                break


# ----------------------------------------------------------------------------------------------------------------
# The phones


class Phone:
    """One simulated phone: an SSE connection, the sentences it received and when."""

    def __init__(self, base: str, code: str, lang: str, room: int) -> None:
        self.base, self.code, self.lang, self.room = base, code, lang, room
        self.sentences: list[str] = []
        self.latencies: list[float] = []
        self.crossed = 0
        self.connected = asyncio.Event()
        self.finished = asyncio.Event()

    async def run(self) -> None:
        host, port = self.base.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"GET /follow/{self.code}/events?lang={self.lang} HTTP/1.1\r\nHost: {host}\r\n"
                     f"Accept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        try:
            await self._read(reader)
        finally:
            writer.close()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"phone refused: {status!r}")
        while (await reader.readline()).strip():          # headers
            pass
        self.connected.set()
        while not self.finished.is_set():
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"data: ") and b'"type"' in line:   # chunk sizes and comments are skipped
                self._event(json.loads(line[6:]))

    def _event(self, event: dict[str, Any]) -> None:
        if event["turn"] != f"room{self.room}":
            self.crossed += 1
        elif event["type"] == "sentence":
            self.latencies.append(time.time() - event["source_at"])
            self.sentences.append(event["text"])
        elif event["type"] == "done":
            self.finished.set()


def _expected(room: int) -> list[str]:
    from vlmtok.text import split_sentences

    return split_sentences(STORY.format(r=room))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


async def _follow(base: str, codes: list[str], n: int, server: subprocess.Popen, timeout_s: float) -> dict:
    phones = [Phone(base, codes[i % len(codes)], LANGS[(i // len(codes)) % len(LANGS)], i % len(codes))
              for i in range(n)]
    tasks = [asyncio.create_task(p.run()) for p in phones]
    await asyncio.wait_for(asyncio.gather(*(p.connected.wait() for p in phones)), CONNECT_TIMEOUT_S)
    idle = _ask(server, "usage")
    t0 = time.perf_counter()
    server.stdin.write("go\n")
    server.stdin.flush()
    try:
        await asyncio.wait_for(asyncio.gather(*(p.finished.wait() for p in phones)), timeout_s)
    except asyncio.TimeoutError:
        pass
    elapsed = time.perf_counter() - t0
    await asyncio.get_running_loop().run_in_executor(None, server.stdout.readline)   # "published"
    busy = _ask(server, "usage")
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return _report(phones, idle, busy, elapsed)


def _ask(server: subprocess.Popen, command: str) -> dict:
    server.stdin.write(command + "\n")
    server.stdin.flush()
    return json.loads(server.stdout.readline())


def _report(phones: list[Phone], idle: dict, busy: dict, elapsed: float) -> dict:
    latencies = [x for p in phones for x in p.latencies]
    lost = sum(max(0, len(_expected(p.room)) - len(p.sentences)) for p in phones)
    n = len(phones)
    return {"followers": n, "rooms": len({p.code for p in phones}), "connected": idle["followers"],
            "sentences_received": len(latencies), "lost": lost, "crossed": sum(p.crossed for p in phones),
            "latency_s": {"p50": round(_percentile(latencies, 0.5), 4), "p95": round(_percentile(latencies, 0.95), 4),
                          "max": round(max(latencies, default=float("nan")), 4)},
            "narration_s": round(elapsed, 2),
            "cpu_ms_per_follower": round((busy["cpu_s"] - idle["cpu_s"]) * 1000 / n, 2),
            "memory_kb_per_follower": round(idle["rss_kb"] / n, 1),
            "server_rss_kb": busy["rss_kb"], "target_p95_s": 1.0}


def run(args: argparse.Namespace) -> dict:
    """Start the server, connect the phones, narrate, measure."""
    with tempfile.TemporaryDirectory(prefix="vlmtok-bench-follow-") as cache:
        env = settings.child_environment({"VLMTOK_CACHE": cache, "VLMTOK_OFFLINE": "1", "HF_HUB_OFFLINE": "1"})
        cmd = [sys.executable, "-m", "vlmtok.bench.follow", "--serve", str(args.rooms), str(args.word_delay)]
        server = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                                  cwd=str(Path(__file__).resolve().parents[2]))
        try:
            hello = json.loads(server.stdout.readline() or "{}")
            if "port" not in hello:
                raise RuntimeError("the follower server did not start")
            base = f"http://127.0.0.1:{hello['port']}"
            baseline = _ask(server, "usage")
            report = asyncio.run(_follow(base, hello["codes"], args.followers, server, args.timeout))
            report["memory_kb_per_follower"] = round((report["server_rss_kb"] - baseline["rss_kb"]) / args.followers, 1)
            report["server_rss_kb_before"] = baseline["rss_kb"]
            return report
        finally:
            with contextlib.suppress(OSError):
                server.stdin.write("quit\n")
                server.stdin.flush()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__" and sys.argv[1:2] == ["--serve"]:
    os.environ.setdefault("VLMTOK_OFFLINE", "1")
    serve_main(int(sys.argv[2]), float(sys.argv[3]))
