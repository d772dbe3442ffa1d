"""``python -m vlmtok bench narrate``: SmolVLM-256M narration speed with random weights in the real architecture.

Speed does not depend on weight values, so the model is built from the real config (``SMOLVLM_ARCHITECTURES``) and
a stand-in tokenizer with the real processor's special tokens (the real tokenizer needs the Hub). For one tile
("low") and the processor's default tiling ("high", 4x4 tiles + global view on a square picture), with a fixed
prompt and a fixed number of new tokens, it measures:

- plain ``model.generate(pixel_values=..., input_ids=...)`` (the model's own path), total ms;
- vlmtok's narrator (own vision tokens spliced into ``inputs_embeds``, streamed): encode ms, prefill ms, decode
  tokens/s, total ms; and a follow-up question about the same picture (cached vision tokens, no encode);
- ratios in the same run: ``describe_over_plain`` (target <= 1.05) and ``follow_up_speedup`` (target >= 1.5);
- peak RSS of the process after each stage.
"""
from __future__ import annotations

import argparse
import platform
import resource
import statistics
import time
from typing import Any

import torch
from PIL import Image

from vlmtok.smolvlm_tokens import (
    DEFAULT_MODEL_ID,
    Geometry,
    LoadedSmolVLM,
    SmolVLMVisionTower,
    default_image_processor,
    image_kwargs,
    smolvlm_config,
)

PROMPT = "Describe this artwork for an adult museum visitor in about 60 words."
QUESTION = "What is in the lower left corner?"
DESCRIBE_TARGET = 1.05
FOLLOW_UP_TARGET = 1.5


# ----------------------------------------------------------------------------------------------------------------
# Stand-ins: a tokenizer with SmolVLM's special tokens, and the real architecture with random weights


def standin_tokenizer():
    """A byte-level tokenizer (no merges) with the special tokens SmolVLM's processor and chat template use."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    tok = Tokenizer(models.BPE(vocab={ch: i for i, ch in enumerate(alphabet)}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tiles = [f"<row_{r}_col_{c}>" for r in range(1, 7) for c in range(1, 7)]
    tok.add_special_tokens(["<|endoftext|>", "<|im_start|>", "<end_of_utterance>", "<fake_token_around_image>",
                            "<image>", "<global-img>", *tiles])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<end_of_utterance>",
                                   pad_token="<|endoftext|>", unk_token="<|endoftext|>")


def standin_processor(geometry: Geometry = Geometry()):
    """The real ``Idefics3Processor`` class around the stand-in tokenizer and SmolVLM's image-processor settings."""
    from transformers import Idefics3Processor

    from vlmtok.narrate.smolvlm import _CHAT_TEMPLATE

    return Idefics3Processor(image_processor=default_image_processor(geometry), tokenizer=standin_tokenizer(),
                             image_seq_len=geometry.tokens_per_tile, chat_template=_CHAT_TEMPLATE)


def standin_smolvlm(model_id: str = DEFAULT_MODEL_ID, seed: int = 0) -> LoadedSmolVLM:
    """SmolVLM-256M's real architecture, random weights, stand-in processor (ids of the stand-in tokenizer)."""
    from transformers import AutoModelForImageTextToText

    from vlmtok.device import runtime

    processor = standin_processor()
    tok = processor.tokenizer
    config = smolvlm_config(model_id, image_token_id=tok.convert_tokens_to_ids("<image>"))
    torch.manual_seed(seed)
    rt = runtime()
    model = AutoModelForImageTextToText.from_config(config, dtype=rt.dtype, attn_implementation="sdpa")
    model = model.eval().to(rt.device)
    model.generation_config.eos_token_id = tok.convert_tokens_to_ids("<end_of_utterance>")
    model.generation_config.pad_token_id = tok.pad_token_id
    return LoadedSmolVLM(model_id, model, processor, "random", SmolVLMVisionTower(model, processor))


def bench_image(size: int = 1200) -> Image.Image:
    """A fixed square picture (gradients and stripes): 1 tile at "low", 4x4 + global at the default tiling."""
    x = torch.linspace(0, 1, size)
    r = x.view(1, -1).expand(size, size)
    g = x.view(-1, 1).expand(size, size)
    b = ((torch.arange(size).view(-1, 1) // 40 + torch.arange(size).view(1, -1) // 40) % 2).float()
    rgb = (torch.stack([r, g, 0.3 + 0.4 * b], dim=-1) * 255).round().to(torch.uint8)
    return Image.fromarray(rgb.numpy())


# ----------------------------------------------------------------------------------------------------------------
# Measurements


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024          # Linux reports KiB


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _plain(loaded: LoadedSmolVLM, image: Image.Image, detail: str, gen: dict[str, Any]) -> dict[str, float]:
    """The model's own path: processor(text, images) -> generate(pixel_values=..., input_ids=...)."""
    from vlmtok.narrate.smolvlm import _message

    proc, model = loaded.processor, loaded.model
    t0 = time.perf_counter()
    text = proc.apply_chat_template([_message("user", PROMPT, with_image=True)], add_generation_prompt=True)
    inputs = proc(text=text, images=[image], return_tensors="pt", **image_kwargs(detail, loaded.tower.geometry))
    inputs = {k: v.to(model.device) for k, v in inputs.items()}
    with torch.inference_mode():
        out = model.generate(**inputs, **gen)
    _sync()
    new = out.shape[1] - inputs["input_ids"].shape[1]
    return {"total_ms": (time.perf_counter() - t0) * 1e3, "new_tokens": float(new),
            "prompt_tokens": float(inputs["input_ids"].shape[1])}


def _narrate(narrator, image: Image.Image, detail: str, new_tokens: int, question: str | None) -> dict[str, float]:
    from vlmtok.narrate.base import NarrationRequest

    request = NarrationRequest(detail=detail, question=question, max_new_tokens=new_tokens)
    t0 = time.perf_counter()
    narration = narrator.describe(image, request)
    _sync()
    timings = dict(narration.timings)
    timings["wall_ms"] = (time.perf_counter() - t0) * 1e3
    return timings


def _one_setting(loaded: LoadedSmolVLM, image: Image.Image, detail: str, new_tokens: int, iters: int) -> dict:
    from vlmtok.narrate.smolvlm import SmolVLMNarrator

    narrator = SmolVLMNarrator(loaded=loaded, generation={"min_new_tokens": new_tokens})   # fixed length
    gen = narrator.generation_kwargs(new_tokens)                            # same decoding for the plain path
    runs: dict[str, list[dict[str, float]]] = {"plain": [], "describe": [], "follow_up": []}
    for _ in range(iters):
        loaded.tower._cache.clear()                                         # a first question encodes afresh
        narrator.forget()
        runs["plain"].append(_plain(loaded, image, detail, gen))
        runs["describe"].append(_narrate(narrator, image, detail, new_tokens, None))
        runs["follow_up"].append(_narrate(narrator, image, detail, new_tokens, QUESTION))
    return _summary(runs, detail, loaded, image)


def _median(runs: list[dict[str, float]], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 2)


def _summary(runs: dict[str, list[dict[str, float]]], detail: str, loaded: LoadedSmolVLM, image: Image.Image) -> dict:
    describe, follow, plain = runs["describe"], runs["follow_up"], runs["plain"]
    plain_ms, describe_ms, follow_ms = _median(plain, "total_ms"), _median(describe, "wall_ms"), _median(follow, "wall_ms")
    keys = ("encode_ms", "prefill_ms", "decode_tokens_per_s", "total_ms", "prompt_tokens", "image_tokens", "new_tokens")
    return {
        "detail": detail, "image_size": list(image.size), "tiles": int(_median(describe, "image_tokens") // 64),
        "plain_generate": {"total_ms": plain_ms, "new_tokens": _median(plain, "new_tokens"),
                           "prompt_tokens": _median(plain, "prompt_tokens")},
        "vlmtok_describe": {k: _median(describe, k) for k in keys},
        "vlmtok_follow_up": {k: _median(follow, k) for k in keys},
        "describe_over_plain": round(describe_ms / plain_ms, 3),
        "follow_up_speedup": round(describe_ms / follow_ms, 3),
        "iterations": len(describe), "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--new-tokens", type=int, default=16, help="new tokens per answer (fixed length)")
    parser.add_argument("--iters", type=int, default=2, help="repetitions with one tile (medians reported)")
    parser.add_argument("--iters-default", type=int, default=1, help="repetitions with the default tiling")
    parser.add_argument("--image-size", type=int, default=1200, help="side of the square test picture")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--static-cache", action="store_true",
                        help="static KV cache (lets CUDA compile the decode step); GPU runs only")


def run(args: argparse.Namespace) -> dict:
    from vlmtok.device import runtime

    if args.threads:
        torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    loaded = standin_smolvlm()
    if args.static_cache:
        loaded.model.generation_config.cache_implementation = "static"
    build_s = time.perf_counter() - t0
    image = bench_image(args.image_size)
    rt = runtime()
    settings = [_one_setting(loaded, image, "low", args.new_tokens, args.iters),
                _one_setting(loaded, image, "high", args.new_tokens, args.iters_default)]
    worst_describe = max(s["describe_over_plain"] for s in settings)
    return {
        "area": "narrate", "model": f"{DEFAULT_MODEL_ID} architecture, random weights", "device": rt.name,
        "torch_threads": torch.get_num_threads(), "cpu": platform.processor() or platform.machine(),
        "new_tokens": args.new_tokens, "build_model_s": round(build_s, 1), "settings": settings,
        "targets": {"describe_over_plain_max": DESCRIBE_TARGET, "follow_up_speedup_min": FOLLOW_UP_TARGET},
        "describe_over_plain_ok": worst_describe <= DESCRIBE_TARGET,
        "follow_up_speedup_ok": {s["detail"]: s["follow_up_speedup"] >= FOLLOW_UP_TARGET for s in settings},
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
