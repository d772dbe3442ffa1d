"""Untrusted bytes are decoded in small long-lived worker processes with their own limits; the server gets pixels.

A decoder bug in a hostile file (a crash, an endless loop, a memory blow-up) must cost one visitor one plain
message, never the server. So ``vlmtok.images.load_image`` hands the bytes of every upload to ``run()``, which
gives them to a worker process (``python -c BOOT``) and waits for a small JSON header and the decoded pixels
back. Headers go over pipes; the bytes both ways through one shared in-memory file per worker (``memfd``, read
and written with ``pread``/``pwrite``: one copy each way, and a worker cannot make the server fault by shrinking
it). Each worker:

- sets its own limits before it reads anything: address space ``RLIMIT_AS`` (``VLMTOK_DECODER_MEMORY_MB``), no
  core files, and CPU time per job (``VLMTOK_DECODER_CPU_S``), armed before each one twice over: a CPU-time timer
  (``ITIMER_PROF``, precise to the millisecond; its SIGPROF ends the process) and ``RLIMIT_CPU`` one second later
  as the backstop (its SIGXCPU, then SIGKILL, cannot be ignored by a decoder stuck in C);
- runs a job function named by its caller (``"vlmtok.images:worker_job"``) and a setup function once at start
  (plugin registration: the HEIC decoder exists in the workers only);
- writes nothing but the reply on its reply pipe: stray output from a library goes to stderr.

The parent sends, then waits at most ``timeout_s`` of wall time (a job stuck without using CPU is killed too). A
worker that dies (a signal, the CPU limit's SIGXCPU, a closed pipe) or times out is reaped and replaced on the next
job; the job raises ``DecoderFailed`` with a reason for the log. Where the worker rather than the picture is the
likely cause (killed from outside, stopped, no answer), the picture is tried once more on a fresh worker before it
is blamed; an idle worker is pinged before each job (``PING_TIMEOUT_S``), so one stopped since its last job costs
the next visitor two seconds, not the whole timeout. A worker starts isolated (``python -I``) with a minimal
environment (``worker_environment()``): a decoder exploit finds no token or key there. Replies are JSON and raw bytes, never pickles: a
worker that a hostile file took over cannot hand the server an object to run. Up to ``VLMTOK_DECODERS`` workers
run at once (started on first use), so one slow picture does not hold up the next visitor's.

>>> header, pixels = run("vlmtok.images:worker_job", data, {"max_side": 2048})  # doctest: +SKIP
"""
from __future__ import annotations

import atexit
import contextlib
import json
import logging
import math
import os
import queue
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any, BinaryIO

from vlmtok import settings

log = logging.getLogger(__name__)

PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])
BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from vlmtok.decoder import main; main(sys.argv[2:])"
PING_TIMEOUT_S = 2.0            # an idle worker answers a ping in well under a millisecond; a stopped one never
PICTURE_SIGNALS = frozenset({signal.SIGXCPU, signal.SIGPROF, signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT,
                             signal.SIGFPE, signal.SIGILL})
"""A worker ended by one of these was ended by the picture it was decoding (its limits, or a decoder crash)."""
START_TIMEOUT_S = 60.0         # a cold interpreter with numpy and Pillow starts in ~0.5 s; a loaded machine is slower
_FRAME = struct.Struct(">I")    # header length
MAX_HEADER = 1 << 20
MAX_LOG_RECORDS = 50
KEEP_SHARED_BYTES = 32 * 1024 * 1024   # the shared file keeps its pages up to this size (a phone photo's pixels)


class DecoderFailed(RuntimeError):
    """The worker died, hit a limit or did not answer in time; ``str()`` says which (for the log).

    ``picture`` is False when the worker, not the picture, is the likely cause (killed from outside, stopped, its
    pipe closed), so ``Pool.call`` tries once more on a fresh worker before the picture is blamed.
    """

    def __init__(self, message: str, picture: bool = True) -> None:
        super().__init__(message)
        self.picture = picture


@dataclass(frozen=True)
class Limits:
    """What one worker may use: address space (MB), CPU seconds per job, wall seconds per job."""

    memory_mb: int
    cpu_s: float
    timeout_s: float

    @classmethod
    def from_settings(cls) -> Limits:
        cpu = max(0.05, settings.decoder_cpu_s())
        return cls(memory_mb=max(256, settings.decoder_memory_mb()), cpu_s=cpu, timeout_s=2.0 * cpu + 5.0)


# ----------------------------------------------------------------------------------------------------------------
# Framing: a length-prefixed JSON header on a pipe; the bytes in the shared file


def frame(header: dict[str, Any]) -> bytes:
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    return _FRAME.pack(len(head)) + head


def read_frame(read: Callable[[int], bytes]) -> dict[str, Any]:
    """One header; ``EOFError`` when the other side has gone, ``ValueError`` when it is malformed."""
    (length,) = _FRAME.unpack(_read_exact(read, _FRAME.size))
    if length > MAX_HEADER:
        raise ValueError("frame header too large")
    header = json.loads(_read_exact(read, length))
    if not isinstance(header, dict):
        raise ValueError("frame header is not an object")
    return header


def _read_exact(read: Callable[[int], bytes], n: int) -> bytes:
    parts, left = [], n
    while left:
        chunk = read(left)
        if not chunk:
            raise EOFError("stream closed")
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def put_shared(fd: int, data: bytes) -> None:
    view = memoryview(data)
    offset = 0
    while offset < len(view):
        offset += os.pwrite(fd, view[offset:], offset)


def get_shared(fd: int, n: int) -> bytes:
    """``n`` bytes from the start of the shared file; fewer if it holds fewer (never a fault)."""
    parts, offset = [], 0
    while offset < n:
        chunk = os.pread(fd, n - offset, offset)
        if not chunk:
            break
        parts.append(chunk)
        offset += len(chunk)
    return b"".join(parts)


def _shared_file() -> int:
    """An anonymous in-memory file (``memfd``; an unlinked temporary file where there is none)."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("vlmtok-decoder", os.MFD_CLOEXEC)
    fd, path = tempfile.mkstemp(prefix="vlmtok-decoder-")
    os.unlink(path)
    return fd


# ----------------------------------------------------------------------------------------------------------------
# The worker process


class _Records(logging.Handler):
    """Log records of one job, sent back with its reply so the server's log tells what the decoder did."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[list[Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < MAX_LOG_RECORDS:
            self.records.append([record.levelno, record.name, record.getMessage()[:500]])


def _limit(memory_mb: int) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024, memory_mb * 1024 * 1024))
    except (ValueError, OSError) as exc:          # macOS refuses RLIMIT_AS: the CPU limits and the clock remain
        log.warning("the picture decoder's memory limit could not be set here (%s)", exc)


def _arm_cpu(cpu_s: float) -> None:
    """Allow ``cpu_s`` more seconds of CPU from now: the timer to the millisecond, the rlimit (which counts the
    process's whole life, in whole seconds) one second after it."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + cpu_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    signal.setitimer(signal.ITIMER_PROF, cpu_s)


def _disarm_cpu() -> None:
    signal.setitimer(signal.ITIMER_PROF, 0)


def _resolve(name: str) -> Callable[..., Any]:
    module, _, attr = name.partition(":")
    return getattr(import_module(module), attr)


class _Replies:
    """The reply pipe: whole frames, flushed at once."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        self.stream.flush()


def _serve(job: Callable, inp: BinaryIO, out: _Replies, shared: int, cpu_s: float) -> None:
    records, root = _Records(), logging.getLogger("vlmtok")
    root.addHandler(records)
    root.propagate = False                         # to the server only, not to this process's stderr as well
    while True:
        try:
            params = read_frame(inp.read)
        except EOFError:
            return                                 # the server closed the pipe: it stopped, so do we
        if params.get("_ping"):
            out.write(frame({"pong": True}))
            continue
        records.records = []
        root.setLevel(int(params.pop("_log_level", logging.WARNING)))
        t0 = time.process_time()
        payload = get_shared(shared, int(params.pop("_bytes")))
        t1 = time.process_time()
        _arm_cpu(cpu_s)
        try:
            header, data = job(payload, params)
        except MemoryError:
            _disarm_cpu()
            out.write(frame({"failed": "it ran out of memory", "logs": records.records}))
            return                                 # a fresh process for the next job
        _disarm_cpu()
        del payload
        t2 = time.process_time()
        put_shared(shared, data)
        io_ms = (t1 - t0 + time.process_time() - t2) * 1e3 + float(header.pop("_io_cpu_ms", 0.0))  # beside decoding
        out.write(frame({**header, "_bytes": len(data), "_io_cpu_ms": round(io_ms, 3), "logs": records.records}))


def main(argv: list[str]) -> None:
    """Worker entry: ``BOOT PACKAGE_ROOT JOB SETUP MEMORY_MB CPU_S SHARED_FD``; replies on the original stdout."""
    job_name, setup_name, memory_mb, cpu_s, shared = argv[0], argv[1], int(argv[2]), float(argv[3]), int(argv[4])
    inp, out = os.fdopen(os.dup(0), "rb", buffering=0), _Replies(os.fdopen(os.dup(1), "wb"))
    os.dup2(2, 1)                                  # a library's print() must not corrupt the replies
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C reaches the server, which closes our pipe
    signal.signal(signal.SIGPROF, signal.SIG_DFL)  # the CPU timer ends the process
    info = _resolve(setup_name)() if setup_name else {}
    job = _resolve(job_name)
    _limit(memory_mb)
    out.write(frame({"ready": True, "pid": os.getpid(), **(info or {})}))
    _serve(job, inp, out, shared, cpu_s)


# ----------------------------------------------------------------------------------------------------------------
# The server's side: one worker


class Worker:
    """One worker process, started on first use and again after it failed. Not thread-safe: the pool lends it."""

    def __init__(self, job: str, setup: str, limits: Limits) -> None:
        self.job, self.setup, self.limits = job, setup, limits
        self.proc: subprocess.Popen | None = None
        self.shared: int | None = None
        self.info: dict[str, Any] = {}

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> None:
        self.shared = _shared_file()
        cmd = [sys.executable, "-I", "-c", BOOT, PACKAGE_ROOT, self.job, self.setup, str(self.limits.memory_mb),
               str(self.limits.cpu_s), str(self.shared)]
        env = worker_environment()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0,
                                     pass_fds=(self.shared,))
        os.set_blocking(self.proc.stdin.fileno(), False)   # a worker that stops reading must not block us
        header = self._receive(time.monotonic() + START_TIMEOUT_S)
        self.info = {k: v for k, v in header.items() if k != "logs"}
        log.info("picture decoder %d started (limits: %d MB, %g s CPU per picture; %s)", self.proc.pid,
                 self.limits.memory_mb, self.limits.cpu_s, ", ".join(self.info.get("formats", [])))

    def call(self, payload: bytes, params: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        """Send one job and wait for its reply; ``DecoderFailed`` (worker stopped) when it does not come."""
        if self.proc is not None and self.proc.poll() is None and not self._answers_ping():
            self.stop()                          # stopped or wedged while idle: not this picture's doing
        if self.proc is None or self.proc.poll() is not None:
            try:
                self.start()
            except OSError as exc:               # no process could be made (out of pids or memory)
                self.stop()
                raise DecoderFailed(f"a picture decoder could not start: {exc}", picture=False) from None
        deadline = time.monotonic() + self.limits.timeout_s
        put_shared(self.shared, payload)
        self._send(frame({**params, "_bytes": len(payload)}), deadline)
        header = self._receive(deadline)
        if "failed" in header:
            self._fail(str(header["failed"])[:200])
        n = header.pop("_bytes", None)
        data = get_shared(self.shared, n) if isinstance(n, int) and n >= 0 else b""
        if os.fstat(self.shared).st_size > KEEP_SHARED_BYTES:
            os.ftruncate(self.shared, 0)
        return header, data

    def stop(self) -> None:
        """Kill the worker (if running) and reap it."""
        proc, self.proc = self.proc, None
        if self.shared is not None:
            os.close(self.shared)
            self.shared = None
        if proc is None:
            return
        for pipe in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        if proc.poll() is None:
            proc.kill()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.error("picture decoder %d did not exit after SIGKILL", proc.pid)

    def _answers_ping(self) -> bool:
        """True when the idle worker answers at once (a worker stopped or killed since its last job does not)."""
        try:
            deadline = time.monotonic() + PING_TIMEOUT_S
            self._send(frame({"_ping": True}), deadline)
            return bool(self._receive(deadline).get("pong"))
        except DecoderFailed as exc:
            log.warning("%s; a fresh one takes its place", exc)
            return False

    # --- pipes with a deadline ---------------------------------------------------------------------------------

    def _send(self, data: bytes, deadline: float) -> None:
        fd, view = self.proc.stdin.fileno(), memoryview(data)
        while view:
            if not select.select([], [fd], [], max(0.0, deadline - time.monotonic()))[1]:
                self._fail("it stopped reading (no answer in time)", picture=False)
            try:
                sent = os.write(fd, view[:65536])
            except BlockingIOError:
                continue
            except OSError:                      # BrokenPipeError: it died
                self._fail(*self._death())
            view = view[sent:]

    def _receive(self, deadline: float) -> dict[str, Any]:
        try:
            return read_frame(lambda n: self._read(n, deadline))
        except EOFError:
            self._fail(*self._death())
        except ValueError:
            self._fail("it sent a malformed reply")
        raise AssertionError("unreachable")

    def _read(self, n: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
            self._fail(f"it gave no answer within {self.limits.timeout_s:.0f} s", picture=False)
        return os.read(fd, n)

    def _death(self) -> tuple[str, bool]:
        """Why the worker ended, and whether the picture it was decoding did it (see ``PICTURE_SIGNALS``)."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "its pipe closed", False
        if code in (-signal.SIGXCPU, -signal.SIGPROF):
            return f"it used more than {self.limits.cpu_s:g} s of CPU time", True
        if code < 0:
            return f"it was killed by signal {signal.Signals(-code).name}", -code in PICTURE_SIGNALS
        return f"it exited with code {code}", True

    def _fail(self, why: str, picture: bool = True) -> None:
        pid = self.pid
        self.stop()
        raise DecoderFailed(f"picture decoder {pid}: {why}", picture=picture)


# ----------------------------------------------------------------------------------------------------------------
# The pool


class Pool:
    """Up to ``size`` workers for one job; ``call`` borrows one (waiting at most ``timeout_s`` for it)."""

    def __init__(self, job: str, setup: str = "", size: int = 2, limits: Limits | None = None) -> None:
        self.limits = limits or Limits.from_settings()
        self.logger = logging.getLogger(job.partition(":")[0])   # the job's records come back at its level
        self.workers = [Worker(job, setup, self.limits) for _ in range(max(1, size))]
        self._free: queue.LifoQueue[Worker] = queue.LifoQueue()
        for worker in self.workers:
            self._free.put(worker)

    def call(self, payload: bytes, params: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        try:
            worker = self._free.get(timeout=self.limits.timeout_s * 2)
        except queue.Empty:
            raise DecoderFailed("every picture decoder stayed busy") from None
        job = {**params, "_log_level": self.logger.getEffectiveLevel()}
        try:
            try:
                header, data = worker.call(payload, job)
            except DecoderFailed as exc:
                if exc.picture:
                    raise
                log.warning("%s; trying the picture once more on a fresh decoder", exc)
                header, data = worker.call(payload, job)     # the worker was stopped: this one starts afresh
        finally:
            self._free.put(worker)
        _replay(header.pop("logs", []))
        return header, data

    def pids(self) -> list[int]:
        """Process ids of the workers running now."""
        procs = [w.proc for w in self.workers]
        return [p.pid for p in procs if p is not None and p.poll() is None]

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()


def worker_environment() -> dict[str, str]:
    """A worker's whole environment: the minimal one (``settings.MINIMAL_ENV``), and one thread for numpy's
    libraries (one picture at a time needs no thread pool, and the memory limit counts every thread)."""
    return settings.minimal_environment({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})


def _replay(records: list[list[Any]]) -> None:
    """Re-emit the worker's log records here, under their own logger names (newlines flattened)."""
    for level, name, message in records[:MAX_LOG_RECORDS]:
        if isinstance(level, int) and isinstance(name, str) and name.startswith("vlmtok"):
            logging.getLogger(name).log(level, "%s", str(message).replace("\n", " ")[:500])


_POOLS: dict[tuple[str, str], Pool] = {}
_POOLS_LOCK = threading.Lock()


def pool(job: str, setup: str = "") -> Pool:
    """The process-wide pool for ``job`` (``VLMTOK_DECODERS`` workers, limits from the settings)."""
    with _POOLS_LOCK:
        if (job, setup) not in _POOLS:
            _POOLS[(job, setup)] = Pool(job, setup, size=settings.decoders())
        return _POOLS[(job, setup)]


def run(job: str, payload: bytes, params: dict[str, Any], setup: str = "") -> tuple[dict[str, Any], bytes]:
    """Run ``job`` (``"module:function"``, called as ``function(payload, params) -> (header, bytes)``) in a worker."""
    return pool(job, setup).call(payload, params)


@atexit.register
def _close_all() -> None:
    for p in list(_POOLS.values()):
        p.close()
