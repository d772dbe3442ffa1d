"""Many visitors at once against a running app: full tours, bounded, on loopback; JSON figures out.

Each simulated visitor (a thread with its own ``gradio_client.Client``) uploads its own picture, a solid colour
no other visitor has, and asks ``/describe`` for the description and its speech. The offline narrator names the
colour ("... almost entirely dark blue."), so every answer can be checked against the picture its visitor sent:
an answer naming another visitor's colour means state leaked between requests (a shared global, a cache keyed on
the wrong thing), and is counted as ``mismatched``.

Two more scenes use the raw HTTP API (``RawGradio``) so the server's own answers can be read:

- ``overflow``: more requests at once than the queue holds. Each either completes or is turned away at once with
  HTTP 503 and a plain "too many visitors" message; none fails otherwise, none hangs. How soon the excess hears
  it is reported (``busy_p50_s``, ``busy_p95_s``, ``busy_max_s``: from the burst's start to the 503).
- ``disconnects``: visitors join the queue and leave before their answer comes (the page closed). Their queued
  events must be dropped, so the queue drains and the next visitor is served promptly.

Every request has a timeout and every loop a bound: the test ends even against a server that stopped answering.

>>> report = run_load("http://127.0.0.1:7860/", clients=8, runs=5)  # doctest: +SKIP
>>> report.completed, report.p95_s, report.mismatched  # doctest: +SKIP
"""
from __future__ import annotations

import json
import logging
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

log = logging.getLogger(__name__)

# Solid colours whose names the offline narrator keeps apart. It may add a shade ("dark blue" or "blue", depending
# on size and encoding), so a description is matched on the colour family: the name's last word.
COLOURS: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("red", (255, 0, 0)), ("dark blue", (0, 0, 255)), ("green", (0, 128, 0)), ("yellow", (255, 255, 0)),
    ("dark purple", (128, 0, 128)), ("orange", (255, 165, 0)), ("black", (0, 0, 0)), ("grey", (128, 128, 128)),
    ("pink", (255, 192, 203)), ("teal", (0, 128, 128)), ("brown", (139, 69, 19)),
)
FORMATS: tuple[tuple[str, tuple[int, int]], ...] = (("landscape", (96, 64)), ("portrait", (64, 96)),
                                                    ("square", (80, 80)))
MAX_CLIENTS = len(COLOURS) * len(FORMATS)
DEFAULT_TIMEOUT_S = 60.0
_NAMED = re.compile(r"entirely ([a-z ]+?)[.,;]")
_BUSY_WORDS = ("busy", "queue is full", "too many visitors", "try again", "bận", "quá nhiều khách")


@dataclass(frozen=True)
class Picture:
    """One visitor's picture and what a correct description of it must say."""

    path: str
    colour: str
    fmt: str


def make_picture(index: int, folder: str | Path, stamp: str = "") -> Picture:
    """The ``index``-th distinct picture (colour x format) saved as PNG in ``folder``."""
    if not 0 <= index < MAX_CLIENTS:
        raise ValueError(f"at most {MAX_CLIENTS} distinct pictures (colours x formats), asked for #{index}")
    (colour, rgb), (fmt, size) = COLOURS[index % len(COLOURS)], FORMATS[index // len(COLOURS)]
    path = Path(folder) / f"visitor-{index:02d}{stamp}.png"
    Image.new("RGB", size, rgb).save(path)
    return Picture(str(path), colour, fmt)


def named_colour(text: str) -> str | None:
    """The colour the offline narrator says covers the picture ("... almost entirely dark blue." -> "dark blue")."""
    m = _NAMED.search(text or "")
    return m.group(1).strip() if m else None


def colour_family(name: str | None) -> str | None:
    """"dark blue" -> "blue": the word a description must share with its picture's colour."""
    return name.split()[-1] if name else None


def is_busy_message(text: str) -> bool:
    low = (text or "").lower()
    return any(w in low for w in _BUSY_WORDS)


# ----------------------------------------------------------------------------------------------------------------
# Tours through gradio_client


@dataclass
class Tour:
    """One visitor's request and what came back."""

    client: int
    run: int
    outcome: str                 # "ok", "busy", "mismatched", "failed", "timeout"
    latency_s: float
    expected: str
    described: str | None = None
    audio_bytes: int = 0
    message: str = ""


def colour_words(lang: str) -> dict[str, str]:
    """``{colour family: its word in lang}`` as the offline narrator writes it ("blue" -> "xanh dương")."""
    from vlmtok.i18n import t

    families = {colour_family(name) for name, _ in COLOURS}
    return {f: t(f"narrate.offline.word.colour.{f}", lang) for f in families}


def _named_in(text: str, lang: str) -> str | None:
    """The colour family a description in ``lang`` names (the longest word found: "xanh dương" before "xanh")."""
    if lang == "en":
        return named_colour(text)
    low = (text or "").lower()
    found = [(len(word), family) for family, word in colour_words(lang).items() if word.lower() in low]
    return max(found)[1] if found else None


def _classify(text: str, audio: str | None, picture: Picture, lang: str = "en") -> tuple[str, str | None, int]:
    """``(outcome, colour named, audio bytes)`` for one description of ``picture`` in ``lang``."""
    from vlmtok.i18n import t

    got = _named_in(text, lang)
    size = Path(audio).stat().st_size if audio and Path(audio).is_file() else 0
    fmt = picture.fmt if lang == "en" else t(f"narrate.offline.word.format.{picture.fmt}", lang)
    if got is None:
        return ("busy" if is_busy_message(text) else "failed"), None, size
    if colour_family(got) != colour_family(picture.colour) or fmt not in text:
        return "mismatched", got, size
    return ("ok" if size > 0 else "failed"), got, size


def one_tour(client: Any, picture: Picture, index: int, run: int, lang: str = "en", tier: str = "short",
             timeout_s: float = DEFAULT_TIMEOUT_S) -> Tour:
    """Upload ``picture``, ask ``/describe``, check the description names this picture's colour and format."""
    from gradio_client import handle_file

    t0 = time.perf_counter()
    job = client.submit(handle_file(picture.path), lang, tier, api_name="/describe")
    try:
        result = job.result(timeout=timeout_s)
        text, audio = result["text"], (result["speech"] or {}).get("audio")
    except TimeoutError:
        job.cancel()
        return Tour(index, run, "timeout", time.perf_counter() - t0, picture.colour)
    except Exception as exc:  # noqa: BLE001 - QueueError, AppError, connection errors: recorded, not raised
        kind = "busy" if is_busy_message(str(exc)) else "failed"
        return Tour(index, run, kind, time.perf_counter() - t0, picture.colour, message=str(exc)[:200])
    outcome, got, size = _classify(text, audio, picture, lang)
    return Tour(index, run, outcome, time.perf_counter() - t0, picture.colour, got, size,
                "" if outcome == "ok" else (text or "")[:200])


def _visitor(url: str, index: int, runs: int, folder: str, lang: str, tier: str, timeout_s: float,
             start: threading.Barrier) -> list[Tour]:
    from gradio_client import Client

    picture = make_picture(index, folder)
    client = Client(url, verbose=False, download_files=folder + f"/dl-{index:02d}")
    try:
        start.wait(timeout=timeout_s)            # everyone starts together: real contention
    except threading.BrokenBarrierError:
        pass
    return [one_tour(client, picture, index, r, lang, tier, timeout_s) for r in range(runs)]


# ----------------------------------------------------------------------------------------------------------------
# The report


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


@dataclass
class LoadReport:
    """Figures from one load run (latencies in seconds, of completed tours)."""

    url: str
    clients: int
    runs: int
    requested: int
    completed: int
    busy: int
    failed: int
    timed_out: int
    mismatched: int
    p50_s: float | None
    p95_s: float | None
    max_s: float | None
    wall_s: float
    tours_per_s: float
    problems: list[dict[str, Any]] = field(default_factory=list)   # the first few non-ok tours
    overflow: dict[str, Any] | None = None
    disconnects: dict[str, Any] | None = None

    @property
    def passed(self) -> bool:
        """Every tour completed with its own picture's description and audio."""
        return self.completed == self.requested and self.mismatched == 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


def summarise(url: str, clients: int, runs: int, tours: list[Tour], wall_s: float) -> LoadReport:
    done = [t.latency_s for t in tours if t.outcome == "ok"]
    count = {k: sum(t.outcome == k for t in tours) for k in ("ok", "busy", "failed", "timeout", "mismatched")}

    def r3(v):
        return None if v is None else round(v, 3)

    return LoadReport(url, clients, runs, clients * runs, count["ok"], count["busy"], count["failed"],
                      count["timeout"], count["mismatched"], r3(percentile(done, 50)), r3(percentile(done, 95)),
                      r3(max(done) if done else None), round(wall_s, 3), round(len(done) / max(wall_s, 1e-9), 2),
                      [asdict(t) for t in tours if t.outcome != "ok"][:10])


def run_load(url: str, clients: int = 8, runs: int = 5, lang: str = "en", tier: str = "short",
             timeout_s: float = DEFAULT_TIMEOUT_S) -> LoadReport:
    """``clients`` visitors at once, ``runs`` tours each, every one checked against its own picture."""
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"clients must be 1..{MAX_CLIENTS} (one distinct picture each), got {clients}")
    start = threading.Barrier(clients)
    with tempfile.TemporaryDirectory(prefix="vlmtok-load-") as folder, ThreadPoolExecutor(clients) as pool:
        t0 = time.perf_counter()
        futures = [pool.submit(_visitor, url, i, runs, folder, lang, tier, timeout_s, start) for i in range(clients)]
        tours = []
        for i, f in enumerate(futures):
            try:
                tours += f.result(timeout=timeout_s * (runs + 2))
            except Exception as exc:  # noqa: BLE001 - a visitor that could not even connect
                tours += [Tour(i, r, "failed", 0.0, "", message=str(exc)[:200]) for r in range(runs)]
        wall = time.perf_counter() - t0
    return summarise(url, clients, runs, tours, wall)


# ----------------------------------------------------------------------------------------------------------------
# The raw HTTP API (what the browser does), for the queue and for hostile uploads


class RawGradio:
    """The app's HTTP API without gradio_client: upload, join the queue, read the event stream, fetch files.

    Every call has a timeout; nothing here retries.
    """

    def __init__(self, url: str, timeout_s: float = 30.0):
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        # a burst holds one connection per accepted visitor (its event stream): the pool must not make the rest wait
        self.http = httpx.Client(timeout=timeout_s, limits=httpx.Limits(max_connections=512,
                                                                          max_keepalive_connections=64))
        self.config = self.http.get(f"{self.url}/config").json()
        self.api = self.url + (self.config.get("api_prefix") or "/gradio_api")

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RawGradio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fn_index(self, api_name: str) -> int:
        for dep in self.config["dependencies"]:
            if dep.get("api_name") == api_name.lstrip("/"):
                return int(dep["id"])
        raise ValueError(f"no endpoint {api_name!r}")

    def upload(self, data: bytes, filename: str, content_type: str = "application/octet-stream") -> httpx.Response:
        """POST ``data`` to the upload route as the browser does; the response lists the server-side path."""
        return self.http.post(f"{self.api}/upload", files={"files": (filename, data, content_type)})

    def file_data(self, data: bytes, filename: str) -> dict[str, Any]:
        """Upload and return the ``FileData`` dict an endpoint takes."""
        resp = self.upload(data, filename)
        resp.raise_for_status()
        return {"path": resp.json()[0], "orig_name": filename, "meta": {"_type": "gradio.FileData"}}

    def file_url(self, server_path: str) -> str:
        return f"{self.api}/file={server_path}"

    def join(self, api_name: str, data: list[Any], session_hash: str | None = None) -> tuple[httpx.Response, str]:
        """Put one event in the queue; ``(response, session_hash)`` (503 + a message when the queue is full)."""
        session = session_hash or uuid.uuid4().hex[:11]
        body = {"data": data, "fn_index": self.fn_index(api_name), "session_hash": session, "event_data": None,
                "trigger_id": None}
        return self.http.post(f"{self.api}/queue/join", json=body), session

    def messages(self, session_hash: str, timeout_s: float | None = None) -> Iterator[dict[str, Any]]:
        """The session's event stream, message by message, until ``close_stream`` or the deadline."""
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        with self.http.stream("GET", f"{self.api}/queue/data", params={"session_hash": session_hash}) as resp:
            for line in resp.iter_lines():
                if time.monotonic() > deadline:
                    raise TimeoutError("no answer in time")
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                yield msg
                if msg.get("msg") == "close_stream":
                    return

    def call(self, api_name: str, data: list[Any], timeout_s: float | None = None) -> dict[str, Any]:
        """Join and wait for the event's end: ``{"http": status, "success": bool, "output": ..., "detail": ...}``."""
        resp, session = self.join(api_name, data)
        if resp.status_code != 200:
            return {"http": resp.status_code, "success": False, "detail": _detail(resp)}
        for msg in self.messages(session, timeout_s):
            if msg.get("msg") == "process_completed":
                return {"http": 200, "success": bool(msg.get("success")), "output": msg.get("output") or {}}
        return {"http": 200, "success": False, "detail": "stream closed without a result"}


def _detail(resp: httpx.Response) -> str:
    try:
        return str(resp.json().get("detail", resp.text))
    except ValueError:
        return resp.text


def describe_data(file_data: dict[str, Any], lang: str = "en", tier: str = "short", speak: bool = True) -> list[Any]:
    """The ``/describe`` inputs, all of them (a raw caller gets no defaults; Gradio refuses fewer): image, lang,
    tier, audience, label text, speech rate, detail, speak, room, find_artwork."""
    return [file_data, lang, tier, "adult", "", 1.0, "auto", speak, "", True]


# ----------------------------------------------------------------------------------------------------------------
# Overflow and disconnects


def overflow(url: str, burst: int = 24, timeout_s: float = DEFAULT_TIMEOUT_S) -> dict[str, Any]:
    """``burst`` requests at the same instant: each completes or gets HTTP 503 with a plain "queue is full"."""
    with tempfile.TemporaryDirectory(prefix="vlmtok-burst-") as folder, RawGradio(url, timeout_s) as raw:
        datas = [describe_data(raw.file_data(Path(make_picture(i % MAX_CLIENTS, folder, f"-b{i}").path)
                                             .read_bytes(), f"burst-{i}.png")) for i in range(burst)]
        start = threading.Barrier(burst)

        def one(data: list[Any]) -> dict[str, Any]:
            start.wait(timeout=timeout_s)
            t0 = time.perf_counter()
            out = raw.call("describe", data, timeout_s)
            return {**out, "latency_s": time.perf_counter() - t0}

        with ThreadPoolExecutor(burst) as pool:
            results = list(pool.map(one, datas, timeout=timeout_s * 3))
    busy = [r for r in results if r["http"] == 503]
    done = [r for r in results if r["http"] == 200 and r["success"]]
    waits = [r["latency_s"] for r in busy]
    return {"burst": burst, "completed": len(done), "busy": len(busy),
            "other": len(results) - len(done) - len(busy),
            "busy_messages": sorted({r["detail"] for r in busy}),
            "busy_p50_s": _r3(percentile(waits, 50)), "busy_p95_s": _r3(percentile(waits, 95)),
            "busy_max_s": round(max(waits, default=0.0), 3),
            "completed_p95_s": _r3(percentile([r["latency_s"] for r in done], 95))}


def _r3(v: float | None) -> float | None:
    return None if v is None else round(v, 3)


def queue_size(raw: RawGradio) -> int:
    return int(raw.http.get(f"{raw.api}/queue/status").json().get("queue_size") or 0)


def _leave_early(raw: RawGradio, data: list[Any], timeout_s: float) -> int:
    """Join, read the first message of the event stream, hang up (the visitor closed the tab); the join status."""
    resp, session = raw.join("describe", data)
    if resp.status_code == 200:
        next(raw.messages(session, timeout_s), None)
    return resp.status_code


def disconnects(url: str, leavers: int = 12, after: int = 4, timeout_s: float = DEFAULT_TIMEOUT_S) -> dict[str, Any]:
    """``leavers`` visitors join at once and hang up before their answer; then ``after`` visitors come at once.

    If a visitor who left kept a queue place or a slot, the queue would not drain and the newcomers would be
    turned away (503) or wait; so: ``drained`` (queue empty again, in ``drained_s``), ``after_busy`` (must be 0
    when ``after`` fits the queue) and ``after_ok`` (newcomers whose own picture was described).
    """
    with tempfile.TemporaryDirectory(prefix="vlmtok-leave-") as folder, RawGradio(url, timeout_s) as raw:
        pictures = [make_picture(i % MAX_CLIENTS, folder, f"-l{i}") for i in range(leavers + after)]
        datas = [describe_data(raw.file_data(Path(p.path).read_bytes(), f"visitor-{i}.png"))
                 for i, p in enumerate(pictures)]
        with ThreadPoolExecutor(max(leavers, after, 1)) as pool:
            joins = list(pool.map(lambda d: _leave_early(raw, d, timeout_s), datas[:leavers], timeout=timeout_s * 2))
            t0 = time.perf_counter()
            while queue_size(raw) > 0 and time.perf_counter() - t0 < timeout_s:
                time.sleep(0.05)
            drained, empty = time.perf_counter() - t0, queue_size(raw) == 0
            t1 = time.perf_counter()
            outs = list(pool.map(lambda d: raw.call("describe", d, timeout_s), datas[leavers:], timeout=timeout_s * 2))
    texts = [((o.get("output", {}).get("data") or [{}])[0] or {}).get("text", "") if o.get("success") else ""
             for o in outs]
    return {"leavers": leavers, "leavers_joined": sum(s == 200 for s in joins), "drained": empty,
            "drained_s": round(drained, 3), "after": after, "after_busy": sum(o["http"] == 503 for o in outs),
            "after_ok": sum(colour_family(named_colour(t)) == colour_family(p.colour)
                            for t, p in zip(texts, pictures[leavers:])),
            "after_s": round(time.perf_counter() - t1, 3)}


def full_report(url: str, clients: int = 8, runs: int = 5, burst: int = 0, leavers: int = 0, after: int = 4,
                lang: str = "en", tier: str = "short", timeout_s: float = DEFAULT_TIMEOUT_S) -> LoadReport:
    """The load run, then the overflow burst and the disconnects when asked for (``burst`` / ``leavers`` > 0)."""
    report = run_load(url, clients, runs, lang, tier, timeout_s)
    if burst:
        report.overflow = overflow(url, burst, timeout_s)
    if leavers:
        report.disconnects = disconnects(url, leavers, after, timeout_s)
    log.info("load: %d/%d completed, p50 %.3f s, p95 %.3f s", report.completed, report.requested,
             report.p50_s or 0, report.p95_s or 0)
    return report


def held(report: dict) -> bool:
    """The run passed, no burst request failed other than "busy", and the newcomers after the leavers were served."""
    burst, leave = report.get("overflow"), report.get("disconnects")
    ok = report["passed"]
    if burst:
        ok &= burst["other"] == 0 and burst["completed"] > 0
    if leave:
        ok &= leave["drained"] and leave["after_ok"] == leave["after"] - leave["after_busy"]
    return bool(ok)
