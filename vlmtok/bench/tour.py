"""``python -m vlmtok bench tour``: how long the tablet stays silent after Describe, and when the narration ends.

From the press of Describe (time 0) it measures, in seconds: ``first_text_s`` (first caption text),
``first_sentence_s`` (first complete sentence), ``first_audio_s`` (that sentence's audio ready to play),
``last_token_s`` (the narration written) and ``last_audio_s`` (the last sentence's audio ready), plus
``decode_tokens_per_s``, at detail "low" and tier "short", speaking with espeak-ng (offline) through
``vlmtok.speech.stream.speak_as_written``, the pipeline the app uses: each sentence synthesised as soon as it is
written, while the narrator writes on.

- ``offline``: the offline narrator (colours and layout).
- ``smolvlm``: the SmolVLM narrator's own GPU job on SmolVLM-256M's real architecture with random weights, around
  the real processor and tokenizer (``vlmtok.bench.narrate.standin_smolvlm``). Random weights write no sentences,
  so the words are a fixed short narration (``SCRIPT``), handed out token for token as the model writes its tokens:
  the timing is the model's, the sentence lengths a real narration's.
  In ``smolvlm`` the picture's vision tokens were computed when it was uploaded (the app starts that work on upload;
  the tower's token cache serves Describe); ``smolvlm_encode_on_describe`` encodes on Describe.
- ``plain_generate``: the path before: ``model.generate(pixel_values=...)`` to the end, then the whole text
  spoken at once. ``ratios`` (and ``ratios_encode_on_describe``) = smolvlm / plain_generate for each figure, from
  the same run.
- ``smolvlm_int8`` (unless ``--no-int8``): the same with the language model in int8 (``VLMTOK_INT8``), and the
  megabytes of its linear weights before and after.
- ``onnx_q4`` and ``onnx_int8`` (unless ``--no-onnx``): the CPU narrator (``vlmtok.narrate.onnx``), ONNX Runtime on
  the stand-in exported in the published ONNX layout (decoder in q4 or int8, vision tokens from the int8 vision
  encoder file), encoding on Describe; ``ratios_onnx`` = onnx_q4 (the CPU narrator's default) /
  smolvlm_encode_on_describe (PyTorch fp32, same
  conditions, same run).

Every row says what it measured: ``runtime`` ("pytorch", "onnxruntime") and ``weights`` ("fp32", "int8", "q4").
The load average of the machine is stated beside the figures.

Each figure is the best of ``--iters`` runs (on a shared CPU other work only adds time); every run encodes the
picture afresh (no cached vision tokens) and synthesises afresh (an empty speech cache).
"""
from __future__ import annotations

import argparse
import copy
import functools
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from vlmtok.bench.common import peak_rss_mb

SCRIPT = ("A tall wave curls over three narrow boats on a dark blue sea. White foam breaks from its crest like "
          "reaching fingers. The rowers bend low as the water rises above them. Far behind, a small snowy "
          "mountain sits under a pale grey sky. The picture is mostly deep blue, cream and soft brown.")
FIELDS = ("first_text_s", "first_sentence_s", "first_audio_s", "last_token_s", "last_audio_s",
          "decode_tokens_per_s")
TARGETS = {"smolvlm_first_audio_after_first_sentence_max_s": 0.5, "smolvlm_first_audio_share_of_writing_max": 0.5,
           "offline_first_audio_max_s": 0.5, "decode_tokens_per_s_min": 20.0,
           "onnx_first_text_max_s": 1.5, "onnx_first_audio_max_s": 2.5, "onnx_last_token_max_s": 6.0}
ROWS = {"smolvlm": ("pytorch", "fp32"), "smolvlm_encode_on_describe": ("pytorch", "fp32"),
        "plain_generate": ("pytorch", "fp32"), "smolvlm_int8": ("pytorch", "int8"),
        "onnx_q4": ("onnxruntime", "q4"), "onnx_int8": ("onnxruntime", "int8")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--iters", type=int, default=2, help="runs of each pipeline (the best is reported)")
    parser.add_argument("--detail", default="low", help="SmolVLM tile budget")
    parser.add_argument("--tier", default="short", help="narration length")
    parser.add_argument("--image-size", type=int, default=600, help="side of the square test picture")
    parser.add_argument("--voice", default="espeak", help="speech engine (espeak is offline)")
    parser.add_argument("--no-int8", dest="int8", action="store_false", help="skip the int8 run")
    parser.add_argument("--no-onnx", dest="onnx", action="store_false", help="skip the ONNX Runtime runs")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")


# ----------------------------------------------------------------------------------------------------------------
# One Describe, timed


class _Clock:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.marks: dict[str, float] = {}

    def mark(self, name: str, at: float | None = None) -> None:
        self.marks.setdefault(name, (at if at is not None else time.perf_counter()) - self.t0)


def _speaker(voice: str):
    """``speak`` with a fresh, empty speech cache (nothing is served from an earlier run)."""
    from vlmtok.cache import DiskCache
    from vlmtok.speech import speak

    cache = DiskCache("speech", root=Path(tempfile.mkdtemp(prefix="vlmtok-bench-tour-")))
    return functools.partial(speak, cache=cache, fallback=False) if voice else speak, voice


def _pipeline(parts, clock: _Clock, args: argparse.Namespace, lang: str = "en") -> dict[str, float]:
    """Run a narrator's stream through speech-by-sentence, marking the figures."""
    from vlmtok.narrate.base import Narration
    from vlmtok.speech.stream import SpokenSentence, speak_as_written

    speak_fn, voice = _speaker(args.voice)
    spoken = []
    for part in speak_as_written(parts, lang, engine=voice, tier=args.tier, speak_fn=speak_fn):
        if isinstance(part, str) and part.strip():
            clock.mark("first_text_s")
        elif isinstance(part, Narration):
            clock.mark("last_token_s")
        elif isinstance(part, SpokenSentence):
            spoken.append(part)
    if not spoken or not spoken[0].speech.ok:
        raise RuntimeError(f"no audio from {voice or 'auto'}: {spoken[0].speech.fallback_reasons if spoken else ''}")
    clock.mark("first_sentence_s", spoken[0].asked_at)
    clock.mark("first_audio_s", spoken[0].ready_at)
    clock.mark("last_audio_s", spoken[-1].ready_at)
    return {**clock.marks, "sentences": float(len(spoken))}


def _offline(image, args: argparse.Namespace) -> dict[str, float]:
    from vlmtok.narrate import get_narrator
    from vlmtok.narrate.base import NarrationRequest

    narrator, _ = get_narrator("offline")
    clock = _Clock()
    return {**_pipeline(narrator.stream(image, NarrationRequest(tier=args.tier)), clock, args),
            "decode_tokens_per_s": None}


def _scripted(narrator, image, request, script_ids: list[int], times: list[float], timings: dict[str, float]):
    """The narrator's GPU job, token for token, speaking the words of ``SCRIPT`` (see the module's notes)."""
    from vlmtok.narrate.base import Narration
    from vlmtok.narrate.smolvlm import _pumped
    from vlmtok.smolvlm.generate import GenerationDone

    tok = narrator.loaded.processor.tokenizer
    job, written, n = narrator.job(image, request), "", 0
    for part in _pumped(job, None):
        if isinstance(part, GenerationDone):
            timings.update(part.timings)
            yield Narration(text=written.strip(), language="en", tier=request.tier, narrator="smolvlm",
                            narrator_label="bench", model_id=narrator.model_id, weights_source="random",
                            timings=part.timings)
            return
        n += len(part.token_ids)
        times.extend([time.perf_counter()] * len(part.token_ids))
        text = tok.decode(script_ids[:n], skip_special_tokens=True)
        if text.endswith("\ufffd"):
            continue
        new, written = text[len(written):], text
        if new:
            yield new


def _smolvlm(loaded, image, args: argparse.Namespace, script_ids: list[int], at_upload: bool = False
             ) -> dict[str, float]:
    from vlmtok.narrate.base import NarrationRequest
    from vlmtok.narrate.smolvlm import SmolVLMNarrator

    loaded.tower._cache.clear()                                     # a picture just photographed
    if at_upload:                                                   # its vision tokens computed on upload
        loaded.tower.encode(image.convert("RGB"), args.detail)
    narrator = SmolVLMNarrator(loaded=loaded, generation={"min_new_tokens": len(script_ids)})
    request = NarrationRequest(detail=args.detail, tier=args.tier, max_new_tokens=len(script_ids))
    narrator.warm_up()
    clock, times, timings = _Clock(), [], {}
    marks = _pipeline(_scripted(narrator, image, request, script_ids, times, timings), clock, args)
    return {**marks, "decode_tokens_per_s": (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0,
            "new_tokens": float(len(times)), "encode_s": timings.get("encode_ms", 0.0) / 1e3,
            "prefill_s": timings.get("prefill_ms", 0.0) / 1e3}


def _onnx_scripted(narrator, image, request, script_ids: list[int], timings: dict[str, float]):
    """The CPU narrator's own stream, token for token speaking the words of ``SCRIPT`` (as ``_scripted``)."""
    from vlmtok.narrate.base import Narration

    tok, written = narrator.runtime.processor.tokenizer, ""
    for part in narrator.stream(image, request):
        n = len(script_ids) if isinstance(part, Narration) else narrator.tokens_written
        text = tok.decode(script_ids[:n], skip_special_tokens=True)
        new, written = (text[len(written):], text) if not text.endswith("\ufffd") else ("", written)
        if new:
            yield new
        if isinstance(part, Narration):
            timings.update(part.timings)
            yield Narration(text=written.strip(), language="en", tier=request.tier, narrator=part.narrator,
                            narrator_label="bench", model_id=part.model_id, weights_source="random",
                            timings=part.timings)


def _onnx(narrator, image, args: argparse.Namespace, script_ids: list[int]) -> dict[str, float]:
    """A picture just photographed, described by the CPU narrator (vision tokens computed on Describe)."""
    from vlmtok.bench.narrate import _fresh
    from vlmtok.narrate.base import NarrationRequest

    _fresh(narrator)
    request = NarrationRequest(detail=args.detail, tier=args.tier, max_new_tokens=len(script_ids))
    clock, timings = _Clock(), {}
    marks = _pipeline(_onnx_scripted(narrator, image, request, script_ids, timings), clock, args)
    return {**marks, "decode_tokens_per_s": timings.get("decode_tokens_per_s", 0.0),
            "new_tokens": timings.get("new_tokens", 0.0), "encode_s": timings.get("encode_ms", 0.0) / 1e3,
            "prefill_s": timings.get("prefill_ms", 0.0) / 1e3}


def _onnx_pipeline(narrator):
    """``_onnx`` as a pipeline of ``run`` (called with the PyTorch stand-in, which it does not use)."""
    return lambda _loaded, image, args, script_ids: _onnx(narrator, image, args, script_ids)


def _onnx_narrators(loaded, folder: str, n: int) -> dict[str, Any]:
    """The CPU narrator in q4 and int8 on the stand-in, exported to ``folder`` in the published layout."""
    from vlmtok.bench.narrate import export_standin
    from vlmtok.narrate.onnx import OnnxNarrator

    export_standin(loaded, folder)
    return {f"onnx_{w}": OnnxNarrator(loaded.model_id, folder=folder, weights=w, vision_weights="int8",
                                      processor=loaded.processor, weights_source="random",
                                      generation={"min_new_tokens": n}, threads=torch.get_num_threads())
            for w in ("q4", "int8")}


def _plain(loaded, image, args: argparse.Namespace, script_ids: list[int]) -> dict[str, float]:
    """``generate(pixel_values=...)`` to the end, then the whole text spoken: the path before speech by sentence."""
    from vlmtok.narrate.base import NarrationRequest
    from vlmtok.narrate.smolvlm import SmolVLMNarrator, _message, instruction
    from vlmtok.smolvlm import image_kwargs
    from vlmtok.text import split_sentences

    proc, model, n = loaded.processor, loaded.model, len(script_ids)
    gen = {**SmolVLMNarrator(loaded=loaded).generation_kwargs(n), "min_new_tokens": n}
    clock, times = _Clock(), []

    class Times:
        def put(self, value: torch.Tensor) -> None:
            times.append(time.perf_counter())

        def end(self) -> None:
            pass

    text = proc.apply_chat_template([_message("user", instruction(NarrationRequest(tier=args.tier)),
                                              with_image=True)], add_generation_prompt=True)
    inputs = proc(text=text, images=[image], return_tensors="pt", **image_kwargs(args.detail, loaded.tower.geometry))
    with torch.inference_mode():
        model.generate(**{k: v.to(model.device) for k, v in inputs.items()}, **gen, streamer=Times())
    tokens = times[1:]                                              # the first put is the prompt
    tok = proc.tokenizer
    k = next(i for i in range(1, n + 1) if len(split_sentences(tok.decode(script_ids[:i]))) > 1 or
             tok.decode(script_ids[:i]).strip() == SCRIPT)
    clock.mark("first_text_s", tokens[0])
    clock.mark("first_sentence_s", tokens[min(k, n) - 1])
    clock.mark("last_token_s", tokens[-1])
    speak_fn, voice = _speaker(args.voice)
    result = speak_fn(SCRIPT, "en", 1.0, voice)                     # spoken after the whole stream, at once
    clock.mark("first_audio_s")
    clock.mark("last_audio_s")
    if not result.ok:
        raise RuntimeError(f"no audio from {voice}: {result.fallback_reasons}")
    decode = tokens[-1] - tokens[0]
    return {**clock.marks, "decode_tokens_per_s": (len(tokens) - 1) / decode if decode > 0 else 0.0,
            "new_tokens": float(len(tokens))}


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in runs[0]:
        values = [r[key] for r in runs if r.get(key) is not None]
        if not values:
            out[key] = None
        elif key == "decode_tokens_per_s":
            out[key] = round(max(values), 2)
        else:
            out[key] = round(min(values), 3)
    return out


# ----------------------------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    from vlmtok.bench.narrate import bench_image, standin_smolvlm

    if args.threads:
        torch.set_num_threads(args.threads)
    load_before = os.getloadavg()
    image = bench_image(args.image_size)
    loaded = standin_smolvlm()
    script_ids = loaded.processor.tokenizer(SCRIPT, add_special_tokens=False)["input_ids"]
    _smolvlm(loaded, image, args, script_ids[:4])                   # warm-up, not timed
    pipelines = {"smolvlm": functools.partial(_smolvlm, at_upload=True), "smolvlm_encode_on_describe": _smolvlm,
                 "plain_generate": _plain}
    with tempfile.TemporaryDirectory(prefix="vlmtok-bench-tour-onnx-") as folder:
        if args.onnx:
            for name, narrator in _onnx_narrators(loaded, folder, len(script_ids)).items():
                _onnx(narrator, image, args, script_ids[:4])        # warm-up, not timed
                pipelines[name] = _onnx_pipeline(narrator)
        report = _runs(pipelines, loaded, image, args, script_ids)
    report["load_average_before"] = [round(x, 2) for x in load_before]
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return _finish(report, loaded, image, args, script_ids)


def _runs(pipelines: dict[str, Any], loaded, image, args: argparse.Namespace, script_ids: list[int]
          ) -> dict[str, Any]:
    """Each pipeline ``args.iters`` times (order alternating), the best of each."""
    runs: dict[str, list] = {"offline": [], **{name: [] for name in pipelines}}
    for i in range(args.iters):
        runs["offline"].append(_offline(image, args))
        order = list(pipelines) if i % 2 == 0 else list(pipelines)[::-1]
        for name in order:                                          # alternate the order: drift cancels
            runs[name].append(pipelines[name](loaded, image, args, script_ids))
    report = {name: _best(r) for name, r in runs.items()}
    for name, (runtime, weights) in ROWS.items():
        if name in report:
            report[name].update(runtime=runtime, weights=weights)
    return report


def _finish(report: dict[str, Any], loaded, image, args: argparse.Namespace, script_ids: list[int]) -> dict[str, Any]:
    from vlmtok.device import runtime

    s, p, o = report["smolvlm"], report["plain_generate"], report["offline"]
    report["ratios"] = {k: round(s[k] / p[k], 3) for k in FIELDS if s.get(k) and p.get(k)}
    e = report["smolvlm_encode_on_describe"]
    report["ratios_encode_on_describe"] = {k: round(e[k] / p[k], 3) for k in FIELDS if e.get(k) and p.get(k)}
    if args.int8:
        report["smolvlm_int8"] = {**_int8(loaded, image, args, script_ids), "runtime": "pytorch", "weights": "int8"}
    ok = {"smolvlm_first_audio_after_first_sentence": s["first_audio_s"] - s["first_sentence_s"]
          <= TARGETS["smolvlm_first_audio_after_first_sentence_max_s"],
          "smolvlm_first_audio_before_half_written": s["first_audio_s"]
          <= TARGETS["smolvlm_first_audio_share_of_writing_max"] * s["last_token_s"],
          "offline_first_audio": o["first_audio_s"] <= TARGETS["offline_first_audio_max_s"],
          "decode_fp32": s["decode_tokens_per_s"] >= TARGETS["decode_tokens_per_s_min"]}
    if "onnx_q4" in report:
        q = report["onnx_q4"]
        report["ratios_onnx"] = {k: round(q[k] / e[k], 3) for k in FIELDS if q.get(k) and e.get(k)}
        ok.update(onnx_first_text=q["first_text_s"] <= TARGETS["onnx_first_text_max_s"],
                  onnx_first_audio=q["first_audio_s"] <= TARGETS["onnx_first_audio_max_s"],
                  onnx_last_token=q["last_token_s"] <= TARGETS["onnx_last_token_max_s"])
    rt = runtime()
    return {"area": "tour", "model": "HuggingFaceTB/SmolVLM-256M-Instruct architecture, random weights, real "
            "processor", "words": "SCRIPT, token for token", "device": rt.name, "detail": args.detail,
            "tier": args.tier, "voice": args.voice, "torch_threads": torch.get_num_threads(),
            "cpu": platform.processor() or platform.machine(), "iterations": args.iters, **report,
            "targets": TARGETS, "targets_ok": ok, "peak_rss_mb": round(peak_rss_mb(), 1)}


def _int8(loaded, image, args: argparse.Namespace, script_ids: list[int]) -> dict[str, Any]:
    """The same pipeline with the language model in int8 (a copy of the stand-in, quantised)."""
    import dataclasses

    from vlmtok.smolvlm import SmolVLMVisionTower
    from vlmtok.smolvlm.int8 import quantize_language_model

    model = copy.deepcopy(loaded.model)
    sizes = quantize_language_model(model)
    if not sizes:
        return {"skipped": "int8 weights are for a float32 model on the CPU"}
    q = dataclasses.replace(loaded, model=model, tower=SmolVLMVisionTower(model, loaded.processor))
    best = _best([_smolvlm(q, image, args, script_ids, at_upload=True) for _ in range(args.iters)])
    return {**best, "linear_mb_fp32": round(sizes["before_mb"], 1), "linear_mb_int8": round(sizes["after_mb"], 1),
            "note": "random weights: the effect of int8 on wording is unmeasured"}
