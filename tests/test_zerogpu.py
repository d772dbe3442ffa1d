"""The ZeroGPU contract, offline: one narration's GPU work runs in a forked worker, arguments and yields pickled.

``forked_gpu(fn)`` does to a generator function what ``spaces.GPU`` does on a ZeroGPU Space: the worker is forked
(so it inherits the model loaded at start-up), the arguments cross to it through
``multiprocessing.reduction.ForkingPickler`` and every yielded value crosses back the same way. A tiny SmolVLM
built around the real processor stands in for the model; quota errors become the catalogue's plain messages.
"""
from __future__ import annotations

import multiprocessing
import sys
import types
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest
import torch
from PIL import Image

from helpers import tiny_smolvlm
from vlmtok.narrate.base import Narration, NarrationRequest
from vlmtok.narrate.smolvlm import SmolVLMNarrator
from vlmtok.smolvlm import zerogpu
from vlmtok.smolvlm.generate import GenerationDone, GenerationJob, Piece, job_seconds, run_job

_END = b"end"


def _child(fn, conn) -> None:
    torch.set_num_threads(1)
    try:
        args, kwargs = ForkingPickler.loads(conn.recv_bytes())
        for part in fn(*args, **kwargs):
            conn.send_bytes(bytes(ForkingPickler.dumps(part)))
        conn.send_bytes(_END)
    except BaseException as exc:  # noqa: BLE001 - the worker reports, as ZeroGPU's does
        conn.send_bytes(bytes(ForkingPickler.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))))
    finally:
        conn.close()


def forked_gpu(fn):
    """``fn`` run the way ZeroGPU runs a ``@spaces.GPU`` generator: in a forked worker, through ForkingPickler."""
    def handler(*args, **kwargs):
        ctx = multiprocessing.get_context("fork")
        parent, child = ctx.Pipe()
        worker = ctx.Process(target=_child, args=(fn, child), daemon=True)
        worker.start()
        child.close()
        try:
            parent.send_bytes(bytes(ForkingPickler.dumps((args, kwargs))))
            while (data := parent.recv_bytes()) != _END:
                part = ForkingPickler.loads(data)
                if isinstance(part, BaseException):
                    raise part
                yield part
        finally:
            parent.close()
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()

    return handler


@pytest.fixture(scope="module")
def narrator() -> SmolVLMNarrator:
    n = SmolVLMNarrator(loaded=tiny_smolvlm(), generation={"min_new_tokens": 8})
    n.warm_up()                           # registered before any worker forks, as app.py does at start-up
    return n


def _picture(seed: int = 0) -> Image.Image:
    return Image.fromarray((np.random.RandomState(seed).rand(90, 120, 3) * 255).astype("uint8"))


def test_the_gpu_job_runs_in_a_forked_worker_and_streams_back(narrator):
    image, request = _picture(1), NarrationRequest(detail="normal", max_new_tokens=8)
    job = narrator.job(image, request)
    assert isinstance(job, GenerationJob) and job.pixels.dtype == np.uint8
    ForkingPickler.dumps(job)                                          # plain values only: it pickles
    parts = list(forked_gpu(run_job)(job))
    *pieces, done = parts
    assert pieces and all(isinstance(p, Piece) for p in pieces) and isinstance(done, GenerationDone)
    assert [i for p in pieces for i in p.token_ids] == done.token_ids and len(done.token_ids) == 8
    assert "".join(p.text for p in pieces).strip() == done.text
    here = narrator.describe(image, request)                          # the same job in this process
    assert narrator.last_token_ids == done.token_ids and here.text == done.text


def test_the_narrator_works_through_the_forked_worker(narrator, monkeypatch):
    """The narrator's own call path hands the GPU job only what pickles, and reads its stream back."""
    image = _picture(2)
    expected = narrator.describe(image, NarrationRequest(detail="low", max_new_tokens=8))
    expected_ids = list(narrator.last_token_ids)
    monkeypatch.setattr("vlmtok.narrate.smolvlm.run_job", forked_gpu(run_job))
    parts = list(narrator.stream(image, NarrationRequest(detail="low", max_new_tokens=8)))
    *chunks, final = parts
    assert isinstance(final, Narration) and all(isinstance(c, str) for c in chunks)
    assert narrator.last_token_ids == expected_ids and final.text == expected.text
    assert final.timings["new_tokens"] == 8 and final.timings["prefill_ms"] > 0


def test_a_quota_error_from_the_worker_reaches_the_visitor_in_plain_words(narrator, monkeypatch):
    def refused(job):
        raise RuntimeError("ZeroGPU quota exceeded: You have exceeded your free ZeroGPU quota (45s requested vs. "
                           "3s left). Try again in 0:04:12.")
        yield  # unreachable: it makes this function a generator, like the real job

    monkeypatch.setattr("vlmtok.narrate.smolvlm.run_job", forked_gpu(refused))
    with pytest.raises(zerogpu.GpuUnavailable) as err:
        narrator.describe(_picture(3), NarrationRequest(detail="low", max_new_tokens=4))
    assert err.value.wait_s == 252
    assert err.value.user_message_for("en") == ("Free GPU time is used up for now. "
                                                "Please try again in about 4 minutes.")
    assert "khoảng 4 phút" in err.value.user_message_for("vi")


@pytest.mark.parametrize("title,message,kind,wait", [
    ("ZeroGPU quota exceeded", "You have exceeded your free ZeroGPU quota (60s requested vs. 10s left). "
     "Try again in 0:00:40.", "quota", 40),
    ("ZeroGPU quota exceeded", "Space app has reached its GPU limit. Try re-running outside of examples",
     "quota", None),
    ("ZeroGPU queue timeout", "No GPU was available after 60s", "busy", None),
    ("ZeroGPU worker error", "GPU task aborted", "busy", None),
])
def test_zerogpu_refusals_are_recognised(title, message, kind, wait):
    exc = type("Error", (Exception,), {})(message)
    exc.title, exc.message = title, message                            # gradio.Error's fields
    err = zerogpu.visitor_error(exc)
    assert err is not None and (err.kind, err.wait_s) == (kind, wait)
    for lang in ("en", "vi"):
        text = err.user_message_for(lang)
        assert text and "{" not in text and "ZeroGPU" not in text


def test_other_errors_are_left_alone():
    assert zerogpu.visitor_error(ValueError("shape mismatch")) is None
    assert zerogpu.visitor_error(RuntimeError("CUDA out of memory")) is None


def test_wait_words():
    assert zerogpu.wait_seconds("Try again in 1 day, 2:00:00") == 26 * 3600
    words = [zerogpu.wait_words(s, "en") for s in (30, 75, 252, 290, 7200)]
    assert words == ["less than a minute", "about a minute", "about 4 minutes", "about 5 minutes", "about 2 hours"]


def test_on_zero_gpu_the_job_is_one_spaces_gpu_function_with_a_dynamic_duration(monkeypatch):
    seen = {}

    def GPU(duration):                                                 # noqa: N802 - spaces' own name
        def wrap(fn):
            seen.update(fn=fn, duration=duration)
            return fn
        return wrap

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=GPU))
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    assert zerogpu.on_zero_gpu()
    decorated = zerogpu.gpu(duration=job_seconds)(run_job)
    assert seen["fn"] is decorated is run_job and seen["duration"] is job_seconds
    monkeypatch.delenv("SPACES_ZERO_GPU")
    marker = object()
    assert zerogpu.gpu(duration=10)(marker) is marker                 # off ZeroGPU: unchanged


def test_the_duration_follows_detail_and_length():
    job = lambda detail, n: GenerationJob("e", np.zeros((2, 2, 3), np.uint8), detail, [], n)  # noqa: E731
    assert job_seconds(job("low", 60)) < job_seconds(job("high", 60)) < job_seconds(job("high", 400)) <= 120
