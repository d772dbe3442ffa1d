"""One narration's GPU work as one function of plain values: ``run_job(job)`` yields text chunks, then a summary.

Everything that touches the model runs inside ``run_job``: the vision tower (through its token cache), the splice
into ``inputs_embeds``, the prefill and the decode (``vlmtok.smolvlm.decode.greedy``). Its argument is a
``GenerationJob`` (the picture as a ``uint8`` array, the chat so far as plain dicts, numbers and strings) and it
yields ``Piece`` chunks (text and token ids) and one ``GenerationDone``: all of it pickles, so on a ZeroGPU Space ``spaces.GPU`` can run it
in its forked GPU worker (``vlmtok.smolvlm.zerogpu.gpu``, with a ``duration`` from the detail and the length), and
anywhere else it is an ordinary generator. The model is found again by ``job.engine``, the key an ``Engine`` was
registered under before the worker forked (ZeroGPU's pattern: the model is loaded at start-up, at module level).

An ``Engine`` also keeps, per conversation, the attention cache of the previous turn (in the process that runs the
job), so a follow-up question prefills only its new text.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from PIL import Image

from vlmtok.smolvlm.decode import greedy
from vlmtok.smolvlm.loading import LoadedSmolVLM
from vlmtok.smolvlm.tiles import DETAILS
from vlmtok.smolvlm.tower import SmolVLMImageTokens, splice_image_tokens
from vlmtok.smolvlm.zerogpu import GpuClock, gpu

log = logging.getLogger(__name__)

KV_CONVERSATIONS = 2           # conversations whose attention cache is kept (~46 kB per token at 256M, float32)
END_OF_UTTERANCE = "<end_of_utterance>"
CHAT_TEMPLATE = ("<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}"
                 "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
                 "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
                 "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n"
                 "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}")
TILES = {"low": 1, "normal": 5, "high": 17}   # tiles a picture costs at most per detail (4 x 4 + global at "high")


@dataclass(frozen=True)
class GenerationJob:
    """One narration, as plain values (it crosses a process boundary on ZeroGPU)."""

    engine: str                            # ``register_engine`` key of the model
    pixels: np.ndarray                     # [H, W, 3] uint8, the picture as the intake left it
    detail: str                            # "low" / "normal" / "high"
    messages: list                         # the chat so far and the new user turn (plain dicts)
    max_new_tokens: int
    min_new_tokens: int = 0
    conversation: str = ""                 # key of the attention cache this turn continues ("" = none)
    resume: bool = False                   # a follow-up: continue from the kept attention cache


@dataclass
class Piece:
    """New text and the token ids that wrote it (ids of a half-written character wait for the next piece)."""

    text: str
    token_ids: list[int]


@dataclass
class GenerationDone:
    """What ``run_job`` yields last: the ids it wrote and its timings (ms; ``decode_tokens_per_s``; counts)."""

    token_ids: list[int]
    text: str
    image_hash: str
    timings: dict[str, float] = field(default_factory=dict)


def worst_case_seconds(job: GenerationJob) -> float:
    """A job's time on a busy shared GPU before anything was measured: start-up, tiles to encode, tokens to write."""
    return 15 + 2 * TILES.get(job.detail, 17) + 0.1 * job.max_new_tokens


CLOCK = GpuClock()             # this process's measured job times (the narrator records each finished job)


def job_seconds(job: GenerationJob) -> int:
    """ZeroGPU's dynamic ``duration``: the worst case until jobs were measured here, then scaled to them."""
    return CLOCK.request(worst_case_seconds(job))


def record_job(job: GenerationJob, done: GenerationDone) -> None:
    """Count a finished job's measured time (its ``total_ms``) towards the next jobs' requested durations."""
    CLOCK.record(worst_case_seconds(job), done.timings.get("total_ms", 0.0) / 1e3)


# ----------------------------------------------------------------------------------------------------------------
# Engines: a loaded model and its kept attention caches, found by key (also in a forked worker)


@dataclass
class _Prefix:
    cache: Any
    ids: torch.Tensor                      # [1, n] the token ids the cache covers
    reused: int = 0


class Engine:
    """A loaded SmolVLM and the attention caches of its last conversations (in this process)."""

    def __init__(self, loaded: LoadedSmolVLM):
        self.loaded = loaded
        self.kv: OrderedDict[str, _Prefix] = OrderedDict()
        self.lock = threading.Lock()

    def eos_ids(self) -> list[int]:
        """The model's end tokens plus ``<end_of_utterance>`` (the end of the assistant's turn)."""
        tok = self.loaded.processor.tokenizer
        eos = self.loaded.model.generation_config.eos_token_id
        eos = [eos] if isinstance(eos, int) else list(eos or [])
        eou = tok.convert_tokens_to_ids(END_OF_UTTERANCE)
        if isinstance(eou, int) and eou != tok.unk_token_id and eou not in eos:
            eos.append(eou)
        return eos

    def take(self, key: str, input_ids: torch.Tensor, resume: bool) -> _Prefix:
        """The kept cache of ``key`` cut to its common prefix with ``input_ids`` (taken out while in use), or a new
        one. At least one token is always left to prefill."""
        from transformers import DynamicCache

        with self.lock:
            held = self.kv.pop(key, None) if resume and key else None
        if held is None:
            return _Prefix(DynamicCache(), torch.empty(1, 0, dtype=torch.long))
        ids = input_ids[0].cpu()
        n = min(held.ids.shape[1], ids.shape[0] - 1)
        keep = int((held.ids[0, :n] == ids[:n]).long().cumprod(0).sum())
        extra = held.cache.get_seq_length() - keep
        if extra > 0:
            held.cache.crop(-extra)                    # a negative crop removes tokens
        return _Prefix(held.cache, held.ids[:, :keep], keep)

    def keep(self, key: str, cache: Any, input_ids: torch.Tensor, new_ids: list[int]) -> None:
        if not key:
            return
        ids = torch.cat([input_ids.cpu(), torch.tensor([new_ids], dtype=torch.long)], dim=1)
        with self.lock:
            self.kv[key] = _Prefix(cache, ids[:, :cache.get_seq_length()])
            while len(self.kv) > KV_CONVERSATIONS:
                self.kv.popitem(last=False)


ENGINES: dict[str, Engine] = {}


def register_engine(loaded: LoadedSmolVLM) -> str:
    """Make ``loaded`` reachable from ``run_job`` (register before a ZeroGPU worker forks); returns its key."""
    key = f"{loaded.model_id}#{id(loaded):x}"
    ENGINES.setdefault(key, Engine(loaded))
    return key


def engine(key: str) -> Engine:
    try:
        return ENGINES[key]
    except KeyError:
        raise RuntimeError(f"No SmolVLM engine {key!r} in this process: register it before the GPU worker "
                           f"starts (load the model at start-up)") from None


# ----------------------------------------------------------------------------------------------------------------
# Prompt


def prompt_ids(processor: Any, messages: list[dict[str, Any]], image_tokens: SmolVLMImageTokens) -> torch.Tensor:
    """``[1, L]`` ids: the chat text with ``<image>`` expanded exactly as the processor expands it."""
    template = getattr(processor, "chat_template", None) or CHAT_TEMPLATE
    text = processor.apply_chat_template(messages, chat_template=template, add_generation_prompt=True,
                                         tokenize=False)
    text = text.replace("<image>", image_tokens.prompt_text, 1)
    return processor.tokenizer(text, return_tensors="pt")["input_ids"]


class _Chunks:
    """New token ids -> new text (a half-written multi-byte character waits for the rest)."""

    def __init__(self, tokenizer: Any):
        self.tokenizer, self.ids, self.text = tokenizer, [], ""

    def add(self, token_id: int, final: bool = False) -> str:
        if token_id >= 0:
            self.ids.append(token_id)
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if text.endswith("\ufffd") and not final:
            return ""
        new, self.text = text[len(self.text):], text
        return new


# ----------------------------------------------------------------------------------------------------------------
# The job


@gpu(duration=job_seconds)
def run_job(job: GenerationJob) -> Iterator[Piece | GenerationDone]:
    """Encode, splice, prefill and decode one narration; yields ``Piece`` s as text is written, then a
    ``GenerationDone``.

    Closing the generator stops the decode within one token (ZeroGPU closes it when the visitor leaves).
    """
    if job.detail not in DETAILS:
        raise ValueError(f"unknown detail {job.detail!r}")
    eng = engine(job.engine)
    loaded, t0 = eng.loaded, time.perf_counter()
    model = loaded.model
    tokens = loaded.tower.encode(Image.fromarray(job.pixels, "RGB"), job.detail)
    input_ids = prompt_ids(loaded.processor, job.messages, tokens)
    prefix = eng.take(job.conversation, input_ids, job.resume)
    with torch.inference_mode():
        embeds = splice_image_tokens(model.get_input_embeddings(), input_ids.to(model.device), tokens.tokens,
                                     model.config.image_token_id)            # [1, L, D]
    chunks, times, sent = _Chunks(loaded.processor.tokenizer), [], 0
    t_gen = time.perf_counter()
    decoding = greedy(model, embeds[:, prefix.reused:], prefix.cache, max_new_tokens=job.max_new_tokens,
                      eos=eng.eos_ids(), min_new_tokens=job.min_new_tokens)
    try:
        for token_id in decoding:
            times.append(time.perf_counter())
            if text := chunks.add(token_id):
                yield Piece(text, chunks.ids[sent:])
                sent = len(chunks.ids)
        if (text := chunks.add(-1, final=True)) or sent < len(chunks.ids):
            yield Piece(text, chunks.ids[sent:])
    finally:
        decoding.close()
        eng.keep(job.conversation, prefix.cache, input_ids, chunks.ids)
    yield GenerationDone(list(chunks.ids), chunks.text.strip(), tokens.image_hash,
                         _timings(t0, t_gen, times, tokens, input_ids, prefix.reused))


def _timings(t0: float, t_gen: float, times: list[float], tokens: SmolVLMImageTokens, input_ids: torch.Tensor,
             reused: int) -> dict[str, float]:
    end, n = time.perf_counter(), len(times)
    prefill = (times[0] - t_gen) * 1e3 if times else (end - t_gen) * 1e3
    decode = (times[-1] - times[0]) * 1e3 if n > 1 else 0.0
    return {"preprocess_ms": tokens.timings.get("preprocess_ms", 0.0), "encode_ms": tokens.timings["encode_ms"],
            "prefill_ms": prefill, "decode_ms": decode,
            "decode_tokens_per_s": (n - 1) / (decode / 1e3) if decode > 0 else 0.0, "total_ms": (end - t0) * 1e3,
            "prompt_tokens": float(input_ids.shape[1]), "image_tokens": float(tokens.tokens.shape[0]),
            "new_tokens": float(n), "cached_image": tokens.timings.get("cached", 0.0),
            "reused_prefix_tokens": float(reused)}
