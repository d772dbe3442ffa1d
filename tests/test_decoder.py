"""Uploads are decoded in worker processes with their own limits: a crash, a CPU overrun, a hang or a memory
blow-up in one picture costs that picture a plain message, and the next one is decoded by a fresh worker."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from decoding import cpu_ticks, heavy_png, small_png
from vlmtok import decoder, images, settings
from vlmtok.images import ImageInputError, load_image

ROOT = Path(__file__).resolve().parents[1]


def _pool(**limits) -> decoder.Pool:
    defaults = dict(memory_mb=1024, cpu_s=10.0, timeout_s=30.0)
    return decoder.Pool(images._JOB, images._SETUP, size=1, limits=decoder.Limits(**{**defaults, **limits}))


def _decode(pool: decoder.Pool, data: bytes) -> Image.Image:
    header, pixels = pool.call(data, {"max_side": 256})
    return images._checked_pixels(header, pixels, 256)


def _busy_with(pid: int, ticks: int = 20, timeout_s: float = 20.0) -> None:
    """Wait until ``pid`` has used ``ticks`` more clock ticks of CPU (it is decoding now)."""
    start, deadline = cpu_ticks(pid), time.monotonic() + timeout_s
    while cpu_ticks(pid) - start < ticks and time.monotonic() < deadline:
        time.sleep(0.02)


def test_bytes_are_decoded_in_another_process(monkeypatch):
    def no_decoding_here(*_a, **_k):
        raise AssertionError("Image.open ran in the server process")

    load_image(small_png())                                  # the workers are up
    monkeypatch.setattr(Image, "open", no_decoding_here)
    out = load_image(small_png((200, 10, 30)))
    assert out.getpixel((5, 5)) == (200, 10, 30) and out.info == {}
    pids = decoder.pool(images._JOB, images._SETUP).pids()
    assert pids and os.getpid() not in pids


def test_a_worker_killed_mid_decode_is_replaced_and_the_picture_tried_once_more():
    """Killed from outside (not by its limits) the worker is not the picture's fault: a fresh worker decodes it.
    Killed again there, the picture gets the plain message, and the next picture a fresh worker."""
    pool = _pool()
    try:
        _decode(pool, small_png())
        victim = pool.pids()[0]
        outcome: list[object] = []
        thread = threading.Thread(target=lambda: outcome.append(_catch(_decode, pool, heavy_png(), keep=True)))
        thread.start()
        _busy_with(victim)
        os.kill(victim, signal.SIGKILL)
        thread.join(60)
        assert isinstance(outcome[0], Image.Image) and outcome[0].size == (256, 256), outcome
        second = pool.pids()[0]
        assert second != victim
        outcome.clear()
        thread = threading.Thread(target=lambda: outcome.append(_catch(_decode, pool, heavy_png())))
        thread.start()
        for pid in (second, None):                          # the worker, then the fresh one it was retried on
            busy = pid or _next_worker(pool, {victim, second})
            _busy_with(busy)
            os.kill(busy, signal.SIGKILL)
        thread.join(60)
        assert isinstance(outcome[0], decoder.DecoderFailed) and "SIGKILL" in str(outcome[0]), outcome
        assert _decode(pool, small_png((10, 20, 200))).getpixel((3, 3)) == (10, 20, 200)
    finally:
        pool.close()


def _next_worker(pool: decoder.Pool, old: set[int], timeout_s: float = 20.0) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        fresh = [p for p in pool.pids() if p not in old]
        if fresh:
            return fresh[0]
        time.sleep(0.02)
    raise AssertionError("no fresh worker started")


def test_workers_inherit_no_secrets(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    monkeypatch.setenv("VLMTOK_OPENAI_API_KEY", "sk-secret")
    pool = _pool()
    try:
        _decode(pool, small_png())
        environ = Path(f"/proc/{pool.pids()[0]}/environ").read_bytes().split(b"\0")
        names = {entry.split(b"=", 1)[0].decode() for entry in environ if entry}
        assert names <= set(settings.MINIMAL_ENV) | {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"}, names
        assert b"secret" not in b"".join(environ)
    finally:
        pool.close()


def _catch(fn, *args, keep: bool = False) -> object:
    """What ``fn(*args)`` raised, or (``keep``) what it returned."""
    try:
        out = fn(*args)
    except BaseException as exc:  # noqa: BLE001 - handed to the test
        return exc
    return out if keep else None


def test_cpu_limit_ends_an_endless_decode():
    pool = _pool(cpu_s=0.3)
    try:
        t0 = time.perf_counter()
        with pytest.raises(decoder.DecoderFailed, match="more than 0.3 s of CPU time"):
            _decode(pool, heavy_png())                       # ~3 s of CPU: stopped at 0.3 s
        assert time.perf_counter() - t0 < 20
        assert _decode(pool, small_png()).size == (96, 64)   # restarted
    finally:
        pool.close()


def test_a_worker_stopped_while_idle_costs_the_next_picture_a_ping_not_the_timeout():
    pool = _pool(timeout_s=30.0)
    try:
        _decode(pool, small_png())
        stuck = pool.pids()[0]
        os.kill(stuck, signal.SIGSTOP)                       # hangs without using CPU: only the clock sees it
        t0 = time.perf_counter()
        assert _decode(pool, small_png((10, 20, 200))).getpixel((3, 3)) == (10, 20, 200)
        assert time.perf_counter() - t0 < decoder.PING_TIMEOUT_S + 10        # not the 30 s timeout
        assert not Path(f"/proc/{stuck}").exists() or "Z" in Path(f"/proc/{stuck}/stat").read_text().split()[2]
    finally:
        pool.close()


def test_a_decoder_that_stops_answering_mid_job_is_killed_at_the_deadline_and_retried():
    """Stopped mid-job, a worker is killed at the wall-clock deadline; the picture is tried on a fresh one."""
    pool = _pool(timeout_s=20.0)      # the heavy picture needs ~3 s of CPU when nothing stops it (more on a busy machine)
    try:
        _decode(pool, small_png())
        stuck = pool.pids()[0]
        outcome: list[object] = []
        thread = threading.Thread(target=lambda: outcome.append(_catch(_decode, pool, heavy_png(), keep=True)))
        thread.start()
        _busy_with(stuck, ticks=5)
        os.kill(stuck, signal.SIGSTOP)
        thread.join(60)
        assert isinstance(outcome[0], Image.Image) and outcome[0].size == (256, 256), outcome
        assert not Path(f"/proc/{stuck}").exists() or "Z" in Path(f"/proc/{stuck}/stat").read_text().split()[2]
    finally:
        pool.close()


def test_memory_limit_ends_a_memory_blow_up():
    pool = _pool(memory_mb=300)                              # the 49 MP decode needs ~600 MB
    try:
        with pytest.raises(decoder.DecoderFailed, match="memory|signal|exited"):
            _decode(pool, heavy_png())
        assert _decode(pool, small_png()).size == (96, 64)
    finally:
        pool.close()


def test_load_image_turns_a_dead_decoder_into_the_plain_message(monkeypatch):
    def died(*_a, **_k):
        raise decoder.DecoderFailed("picture decoder 1: it was killed by signal SIGSEGV")

    monkeypatch.setattr(decoder, "run", died)
    with pytest.raises(ImageInputError) as info:
        load_image(small_png())
    err = info.value
    assert err.reason == "undecodable" and "could not read this picture" in err.user_message
    assert "SIGSEGV" not in err.user_message_for("vi")


@pytest.mark.parametrize("header, pixels", [
    ({"mode": "RGB", "size": [10, 10]}, b"\0" * 299),        # one byte short
    ({"mode": "RGBA", "size": [10, 10]}, b"\0" * 400),
    ({"mode": "RGB", "size": [100000, 1]}, b"\0" * 300000),  # larger than the working size asked for
    ({"mode": "RGB", "size": "10x10"}, b"\0" * 300),
    ({"error": "no_such_reason"}, b""),
    ({"error": "too_small", "details": {"width": [1]}}, b""),
])
def test_malformed_replies_never_become_pictures(header, pixels):
    with pytest.raises(ImageInputError) as info:
        if "error" in header:
            raise images._error_from(header)
        images._checked_pixels(header, pixels, 2048)
    assert info.value.reason == "undecodable"


def test_refusals_come_back_whole_from_the_worker():
    err = pytest.raises(ImageInputError, load_image, small_png(size=(8, 8))).value
    assert err.reason == "too_small" and err.details == {"width": 8, "height": 8, "min_side": 16}


def test_cpu_rlimit_is_armed_as_the_backstop():
    code = ("import resource; from vlmtok.decoder import _arm_cpu; _arm_cpu(2.5); "
            "u = resource.getrusage(resource.RUSAGE_SELF); "
            "print(resource.getrlimit(resource.RLIMIT_CPU)[0], u.ru_utime + u.ru_stime)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    soft, used = out.stdout.split()
    assert used and float(used) + 2.5 < int(soft) <= float(used) + 4.5, out.stdout


# ----------------------------------------------------------------------------------------------------------------
# Through the running app: a decode past its CPU limit, while the server keeps answering


@pytest.fixture(scope="module")
def limited_app(tmp_path_factory):
    pytest.importorskip("gradio_client")
    from vlmtok.bench.app import running_app

    root = tmp_path_factory.mktemp("limited")
    env = {"VLMTOK_CACHE": str(root / "cache"), "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1",
           "VLMTOK_DECODER_CPU_S": "0.5", "GRADIO_TEMP_DIR": str(root / "uploads")}
    with running_app(env, root / "app.log") as (url, _startup_s, proc):
        yield {"url": url, "proc": proc, "log": root / "app.log", "root": root}


@pytest.mark.slow
def test_a_decode_past_its_cpu_limit_while_the_server_answers(limited_app, tmp_path):
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    client = Client(limited_app["url"], verbose=False)
    heavy, good = tmp_path / "heavy.png", tmp_path / "good.png"
    heavy.write_bytes(heavy_png())
    good.write_bytes(small_png())
    t0 = time.perf_counter()
    job = client.submit(handle_file(str(heavy)), "en", "short", api_name="/describe")
    result = client.predict(handle_file(str(good)), "en", "short", api_name="/describe")
    assert "teal" in result["text"]                          # the next visitor, meanwhile: served normally
    with pytest.raises(AppError, match="could not read this picture"):
        job.result(timeout=60)
    assert time.perf_counter() - t0 < 45
    assert limited_app["proc"].poll() is None
    log = limited_app["log"].read_text(errors="replace")
    assert "more than 0.5 s of CPU time" in log and "Traceback" not in log


def test_pillow_moves_to_13_as_soon_as_gradio_allows_it():
    """Pillow is held below 13 only because gradio 6 requires it, and Pillow 13.0.0 fixed decoder flaws: once the
    installed gradio allows 13, this fails until requirements.txt and pyproject.toml allow it too."""
    from importlib import metadata

    from packaging.requirements import Requirement

    def pillow(lines) -> list[Requirement]:
        specs = (line.split("#")[0].strip() for line in lines)
        reqs = [Requirement(spec) for spec in specs if spec and not spec.startswith("-")]  # not "-c constraints.txt"
        return [r for r in reqs if r.name.lower() == "pillow" and (r.marker is None or r.marker.evaluate())]

    gradio = pillow(metadata.requires("gradio") or [])
    ours = pillow((ROOT / "requirements.txt").read_text().splitlines())
    assert ours, "requirements.txt names pillow"
    if gradio and all(r.specifier.contains("13.0.0") for r in gradio):
        assert all(r.specifier.contains("13.0.0") for r in ours), \
            "gradio now allows Pillow 13: lift pillow<13 in requirements.txt and pyproject.toml (decoder fixes)"
