"""The ZeroGPU contract, offline: one narration's GPU work runs in a forked worker, arguments and yields pickled.

``forked_gpu(fn)`` does to a generator function what ``spaces.GPU`` does on a ZeroGPU Space: the worker is forked
(so it inherits the model loaded at start-up), the arguments cross to it through
``multiprocessing.reduction.ForkingPickler`` and every yielded value crosses back the same way. A tiny SmolVLM
built around the real processor stands in for the model; quota errors become the catalogue's plain messages.
"""
from __future__ import annotations

import json
import math
import multiprocessing
import subprocess
import sys
import types
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from helpers import tiny_smolvlm
from vlmtok.narrate.base import Narration, NarrationRequest
from vlmtok.narrate.smolvlm import SmolVLMNarrator
from vlmtok.smolvlm import zerogpu
from vlmtok.smolvlm.generate import (GenerationDone, GenerationJob, Piece, job_seconds, run_job,
                                     worst_case_seconds)

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


def test_on_zero_gpu_a_new_picture_waits_for_describe(monkeypatch):
    """An upload alone spends no visitor's GPU quota there; the Describe button does (elsewhere: described at once)."""
    from vlmtok.app.callbacks import tour_begin

    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    view, go = tour_begin("picture.jpg", "vi", None, reason="picture")
    assert not go and "Mô tả" in view.status
    assert tour_begin("picture.jpg", "en", None, reason="describe")[1]
    monkeypatch.delenv("SPACES_ZERO_GPU")
    assert tour_begin("picture.jpg", "en", None, reason="picture")[1]


def test_the_duration_follows_detail_and_length(monkeypatch):
    from vlmtok.smolvlm import generate
    from vlmtok.smolvlm.zerogpu import GpuClock

    monkeypatch.setattr(generate, "CLOCK", GpuClock())              # nothing measured yet in this process
    job = lambda detail, n: GenerationJob("e", np.zeros((2, 2, 3), np.uint8), detail, [], n)  # noqa: E731
    assert job_seconds(job("low", 60)) < job_seconds(job("high", 60)) < job_seconds(job("high", 400)) <= 120


# ----------------------------------------------------------------------------------------------------------------
# Every tab under the real `spaces` package (tests/zerogpu_space.py), against a stand-in of ZeroGPU's device API


class DeviceAPI:
    """ZeroGPU's device API on 127.0.0.1 (``/startup-report``, ``/schedule``, ``/allow``, ``/release``): grants
    every job at once and records each request, so a test counts GPU jobs and reads their requested durations."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qsl, urlsplit

        self.calls: list[tuple[str, dict]] = []
        self.busy = 0
        lock, api = threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                params = dict(parse_qsl(url.query))
                with lock:
                    api.calls.append((url.path, params))
                    body = b""
                    if url.path == "/schedule":
                        body = json.dumps({"idle": api.busy == 0, "nvidiaIndex": 0, "nvidiaUUID": "GPU-stand-in",
                                           "allowToken": f"token-{len(api.calls)}"}).encode()
                        api.busy += 1
                    elif url.path == "/release":
                        api.busy -= 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def jobs(self, since: int = 0) -> list[int]:
        """The requested duration (s) of every GPU job scheduled since call number ``since``."""
        return [int(p["durationSeconds"]) for path, p in self.calls[since:] if path == "/schedule"]

    def released(self, since: int = 0) -> list[dict]:
        return [p for path, p in self.calls[since:] if path == "/release"]


def _cached_snapshot(root: Path, model_id: str) -> Path:
    """A snapshot folder where huggingface_hub's cache looks for ``model_id`` (the Hub is unreachable here)."""
    commit = "0" * 40
    repo = root / f"models--{model_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    return repo / "snapshots" / commit


def _tiny_translator(folder: Path) -> None:
    """A tiny MarianMT English-to-Vietnamese model with a real SentencePiece tokenizer (random weights)."""
    import io

    import sentencepiece as spm
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    text = ["A great wave curls over three small boats.", "Mount Fuji stands far behind.",
            "Bức tranh vẽ một con sóng lớn.", "The sea is dark blue and the sky is pale.", "Một ngọn núi ở xa."] * 20
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(text), model_writer=model, vocab_size=50,
                                   character_coverage=1.0, bos_id=-1, eos_id=1, unk_id=2, pad_id=0, pad_piece="<pad>",
                                   eos_piece="</s>", unk_piece="<unk>")
    for name in ("source.spm", "target.spm"):
        (folder / name).write_bytes(model.getvalue())
    pieces = spm.SentencePieceProcessor(model_proto=model.getvalue())
    (folder / "vocab.json").write_text(json.dumps({pieces.id_to_piece(i): i for i in range(pieces.get_piece_size())}))
    MarianTokenizer(str(folder / "source.spm"), str(folder / "target.spm"), str(folder / "vocab.json"),
                    source_lang="en", target_lang="vi").save_pretrained(folder)
    config = MarianConfig(vocab_size=pieces.get_piece_size(), d_model=16, encoder_layers=1, decoder_layers=1,
                          encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
                          max_position_embeddings=4096, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    MarianMTModel(config).save_pretrained(folder)


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "great_wave_off_kanagawa.jpg"


PACK_PAINTINGS = ("durer_lion.jpg", "great_wave_off_kanagawa.jpg")


def _tour_pack(base: Path, cache: Path) -> Path:
    """A two-artwork tour pack (offline narrator, English alt text), built with the user's DINOv2 offline weights
    linked into ``cache``, the app's cache, so the app recognises photos with real weights."""
    import shutil

    from vlmtok.pack import BuildOptions, build_pack
    from vlmtok.paths import cache_dir

    source = base / "source"
    source.mkdir(parents=True)
    for name in PACK_PAINTINGS:
        shutil.copy(EXAMPLE.with_name(name), source / name)
    (source / "labels.csv").write_text("file,title,artist,date,label\ndurer_lion.jpg,Lion,Albrecht Dürer,1521,\n"
                                       "great_wave_off_kanagawa.jpg,The Great Wave off Kanagawa,Hokusai,c. 1831,\n",
                                       encoding="utf-8")
    cache.mkdir(parents=True)
    (cache / "weights").symlink_to(cache_dir("weights"), target_is_directory=True)   # DINOv2, converted once
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VLMTOK_CACHE", str(cache))
        mp.setenv("VLMTOK_OFFLINE", "1")
        build_pack(source, base / "pack", options=BuildOptions(langs=["en"], tiers=["alt"], narrator="offline",
                                                               voice="espeak"))
    return base / "pack"


def _fake_hub_cache(root: Path) -> Path:
    """A tiny SmolVLM and a tiny translator where huggingface_hub's cache looks for the real ones."""
    snapshot = _cached_snapshot(root, "HuggingFaceTB/SmolVLM-256M-Instruct")
    loaded = tiny_smolvlm()
    loaded.model.save_pretrained(snapshot)
    loaded.processor.save_pretrained(snapshot)
    _tiny_translator(_cached_snapshot(root, "Helsinki-NLP/opus-mt-en-vi"))
    return root


@pytest.fixture(scope="module")
def zero_space(tmp_path_factory):
    """The app started by the real `spaces` package in ZeroGPU mode, playing a two-artwork tour pack; yields
    (gradio Client, DeviceAPI, log)."""
    from gradio_client import Client

    from vlmtok import settings
    from vlmtok.bench.app import free_port, wait_for_page

    tmp = tmp_path_factory.mktemp("zerogpu")
    cgroup = tmp / "cgroup"
    cgroup.write_text("0::/zerogpu-test\n")
    api, port, log_path = DeviceAPI(), free_port(), tmp / "app.log"
    pack = _tour_pack(tmp / "tour", tmp / "cache")
    env = settings.child_environment({
        "SPACES_ZERO_GPU": "true", "SPACES_ZERO_DEVICE_API_URL": api.url, "ZEROGPU_PROC_SELF_CGROUP_PATH": str(cgroup),
        "HOME": str(tmp), "HF_HUB_CACHE": str(_fake_hub_cache(tmp / "hub")), "HF_HUB_OFFLINE": "1",
        "VLMTOK_CACHE": str(tmp / "cache"), "VLMTOK_OFFLINE": "1", "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port), "GRADIO_TEMP_DIR": str(tmp / "gradio"), "OMP_NUM_THREADS": "1"})
    env.pop("VLMTOK_DEVICE", None)                     # the device policy decides, as on a Space
    env.pop("SPACE_ID", None)
    with open(log_path, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("zerogpu_space.py")), "--pack",
                                 str(pack)], cwd=str(Path(__file__).resolve().parents[1]), env=env, stdout=out,
                                stderr=subprocess.STDOUT)
        try:
            wait_for_page(f"http://127.0.0.1:{port}/", proc)
            yield Client(f"http://127.0.0.1:{port}/", verbose=False), api, log_path
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _log(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-4000:]


def test_zerogpu_reports_at_start_up_and_moves_only_the_narrator_to_cuda(zero_space):
    _client, api, log_path = zero_space
    assert ("/startup-report", {}) in api.calls, _log(log_path)
    assert api.jobs() == [] or all(p == "/schedule" for p, _ in api.calls if p != "/startup-report")


def test_zerogpu_describe_in_english_and_vietnamese_is_one_gpu_job_each(zero_space):
    """One spaces.GPU job each; the Vietnamese one is translated by MarianMT on the CPU, in a request thread."""
    from gradio_client import handle_file

    client, api, log_path = zero_space
    requested = []
    for lang, picture in (("en", EXAMPLE), ("vi", EXAMPLE.with_name("mona_lisa.jpg"))):
        before = len(api.calls)
        result = client.predict(handle_file(str(picture)), lang=lang, tier="alt", speak=False, api_name="/describe")
        jobs = api.jobs(before)
        assert result["text"].strip() and result["narration"]["narrator"] == "smolvlm", (result, _log(log_path))
        assert len(jobs) == 1, jobs
        assert len(api.released(before)) == 1 and api.released(before)[0].get("fail") == "false"
        assert "Low-level CUDA init" not in _log(log_path)
        assert result["narration"]["machine_translated"] == (lang == "vi"), result   # translated, on the CPU
        requested += jobs
    from vlmtok.narrate.prompts import max_new_tokens

    job = GenerationJob("e", np.zeros((2, 2, 3), np.uint8), "normal", [], max_new_tokens("alt"))  # "auto" on a GPU
    assert requested[0] == math.ceil(worst_case_seconds(job)), requested    # nothing measured yet: the worst case
    assert 10 <= requested[1] < requested[0], requested                    # then scaled to the measured job


def test_zerogpu_a_follow_up_question_is_one_gpu_job(zero_space):
    from gradio_client import handle_file

    client, api, log_path = zero_space
    described = client.predict(handle_file(str(EXAMPLE)), speak=False, api_name="/describe")
    before = len(api.calls)
    answer = client.predict(handle_file(str(EXAMPLE)), "What colour is the sea?", "en", "adult", "",
                            described["conversation"], api_name="/ask")
    assert answer["text"].strip(), _log(log_path)
    assert len(api.jobs(before)) == 1


@pytest.mark.parametrize("encoders", [["resnet50", "smolvlm-256m"]])
def test_zerogpu_compare_similarity_and_how_it_works_run_on_the_cpu_with_no_gpu_job(zero_space, encoders):
    """The teaching tabs' encoders run on the CPU by design there: they answer, and spend no GPU quota."""
    from gradio_client import handle_file

    client, api, log_path = zero_space
    before = len(api.calls)
    compared = client.predict(handle_file(str(EXAMPLE)), encoders, [224], "en", api_name="/compare")
    assert sorted({r["encoder"] for r in compared["runs"]}) == sorted(encoders), (compared, _log(log_path))
    similar = client.predict(handle_file(str(EXAMPLE)), encoders, 100, 50, api_name="/similarity")
    assert len(similar["maps"]) == len(encoders), similar
    for encoder in encoders:
        steps = client.predict(handle_file(str(EXAMPLE)), encoder, 224, "en", api_name="/pipeline")
        assert steps["steps"], steps
    about = client.predict("en", api_name="/about")
    assert about["narrator"] == "smolvlm", about
    assert api.jobs(before) == [], api.calls[before:]
    assert "Low-level CUDA init" not in _log(log_path) and "Traceback" not in _log(log_path), _log(log_path)


def test_zerogpu_a_pack_match_names_the_artwork_on_the_cpu_with_no_gpu_job(zero_space, tmp_path):
    """A gallery photo of one of the pack's artworks, matched through /pack_match: the recogniser runs on the CPU by
    design there, so the match is found and spends no GPU quota; a photo of nothing in the pack says so plainly."""
    from gradio_client import handle_file

    from vlmtok import load_image
    from vlmtok.i18n import t
    from vlmtok.pack.photos import gallery_photo, not_a_painting

    client, api, log_path = zero_space
    lion, other = tmp_path / "lion.jpg", tmp_path / "other.jpg"
    gallery_photo(load_image(EXAMPLE.with_name("durer_lion.jpg")), "wall", seed=7).save(lion, quality=85)
    not_a_painting("wall").save(other, quality=85)
    before = len(api.calls)
    found = client.predict(handle_file(str(lion)), "vi", api_name="/pack_match")
    assert (found["id"], found["name"]) == ("durer_lion", "Lion"), (found, _log(log_path))
    assert found["message"] == t("pack.found", "vi", name="Lion")
    assert found["score"] > found["runner_up_score"] and found["runner_up"] in (None, "great_wave_off_kanagawa"), found
    nothing = client.predict(handle_file(str(other)), "en", api_name="/pack_match")
    assert (nothing["id"], nothing["name"], nothing["message"]) == (None, None, t("pack.not_found", "en")), nothing
    assert api.jobs(before) == [], api.calls[before:]
    assert "Low-level CUDA init" not in _log(log_path) and "Traceback" not in _log(log_path), _log(log_path)


def test_the_device_policy_on_zero_gpu_puts_only_the_narrator_on_the_gpu(monkeypatch):
    """There CUDA is real only inside a spaces.GPU job: the narrator's weights wait for it; encoders (Compare,
    Similarity, How it works, a pack's photo match) and translation run on the CPU by design, and say so."""
    from vlmtok import device

    def policy(**env):
        for name in ("SPACES_ZERO_GPU", "VLMTOK_DEVICE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        device.runtime.cache_clear()
        return {role: device.runtime(role).name for role in device.ROLES}

    try:
        assert policy(SPACES_ZERO_GPU="true") == {"narrator": "cuda/bfloat16", "encoder": "cpu/float32",
                                                  "translator": "cpu/float32"}
        assert device.on_cpu_by_design("encoder") and not device.on_cpu_by_design("narrator")
        assert set(policy(SPACES_ZERO_GPU="true", VLMTOK_DEVICE="cpu").values()) == {"cpu/float32"}
        assert not device.on_cpu_by_design("encoder")
        with pytest.raises(ValueError, match="narrator"):
            device.runtime("painter")
    finally:
        device.runtime.cache_clear()
