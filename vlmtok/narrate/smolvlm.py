"""The SmolVLM narrator: vlmtok's own vision tokens spliced into SmolVLM's input embeddings, text streamed back.

The picture is tokenised once by the model's vision tower + connector (``vlmtok.smolvlm``, cached per image
by content hash, model and tiling); the chat prompt is tokenised with one ``<image>`` placeholder per vision token;
the text embeddings get the vision tokens written at those positions; ``generate`` runs on ``inputs_embeds``. Greedy
output equals the model's own ``generate(pixel_values=...)`` token for token (tests/test_smolvlm.py). A follow-up
question about the same artwork reuses the cached vision tokens (no second encode) and continues from the previous
turn's attention cache, so only the new text is prefilled. SmolVLM writes English; another language comes from the
translation stage every narrator gets (``BaseNarrator``).

>>> narrator = SmolVLMNarrator()                                 # HuggingFaceTB/SmolVLM-256M-Instruct  # doctest: +SKIP
>>> for part in narrator.stream(image, NarrationRequest(tier="short")):  # doctest: +SKIP
...     print(part if isinstance(part, str) else part.timings)     # text chunks, then the Narration
>>> narrator.describe(image, NarrationRequest(question="What is the woman holding?")).text  # doctest: +SKIP
"""
from __future__ import annotations

import functools
import inspect
import logging
import queue
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image

from vlmtok import settings
from vlmtok.i18n import normalize_lang, t
from vlmtok.narrate import prompts
from vlmtok.narrate.backend import BaseNarrator
from vlmtok.narrate.base import Narration, NarrationRequest
from vlmtok.smolvlm import (
    DEFAULT_MODEL_ID,
    LoadedSmolVLM,
    SmolVLMImageTokens,
    SmolVLMUnavailable,
    SmolVLMVisionTower,
    load_smolvlm,
    model_id_of,
    resolve_detail,
    smolvlm_available,
    splice_image_tokens,
    tile_plan,
)

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_MODEL_ID", "SmolVLMNarrator", "SmolVLMUnavailable", "available", "smolvlm_available",
           "tile_plan"]

GENERATE_WORKERS = settings.generate_workers()   # narrations generated at once
MAX_TURNS = 4                  # turns of conversation kept per artwork (the first description + 3 follow-ups)
KV_ARTWORKS = 2                # conversations whose attention cache is kept (~46 kB per token at 256M, float32)
MAX_ARTWORKS = 32              # conversations kept (one per picture and detail level)
END_OF_UTTERANCE = "<end_of_utterance>"
_CHAT_TEMPLATE = ("<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}"
                  "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
                  "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
                  "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n"
                  "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}")
_MARKUP = re.compile(r"<(?:image|fake_token_around_image|global-img|end_of_utterance|row_\d+_col_\d+|\|[^|>]*\|)>")


def available(model_id: str | None = None, **_: Any) -> tuple[bool, str]:
    """The narrator registry's check: ``(ok, why)`` for ``model_id`` (default SmolVLM-256M), without loading it.

    It takes the options ``get_narrator`` was given (``model_id=``, ...) and uses only the model id.
    """
    return smolvlm_available(model_id) if model_id else smolvlm_available()


# ----------------------------------------------------------------------------------------------------------------
# Prompt text


def instruction(request: NarrationRequest) -> str:
    """The user turn's text (a description request or a follow-up question: tier, audience and label aware, from
    ``vlmtok.narrate.prompts``), free of chat markup."""
    return _clean(prompts.vlm_prompt(request))


def _clean(text: str) -> str:
    """Guide-typed text must not smuggle in image placeholders or chat markers."""
    return _MARKUP.sub("", text).strip()


def _message(role: str, text: str, with_image: bool = False) -> dict[str, Any]:
    content = ([{"type": "image"}] if with_image else []) + [{"type": "text", "text": text}]
    return {"role": role, "content": content}


# ----------------------------------------------------------------------------------------------------------------
# Streaming generation


_END = object()


class _ChunkStreamer:
    """A ``generate`` streamer: decodes new tokens into text chunks on a queue, timing each token."""

    def __init__(self, tokenizer: Any):
        self.tokenizer = tokenizer
        self.chunks: queue.Queue = queue.Queue()
        self.ids: list[int] = []
        self.times: list[float] = []
        self._prompt_seen = False
        self._text = ""

    def put(self, value: torch.Tensor) -> None:
        if not self._prompt_seen:                      # generate() first hands over the prompt itself
            self._prompt_seen = True
            return
        self.times.append(time.perf_counter())
        self.ids.extend(int(v) for v in value.reshape(-1).tolist())
        self._flush(final=False)

    def _flush(self, final: bool) -> None:
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if text.endswith("\ufffd") and not final:      # half of a multi-byte character: wait for the rest
            return
        new, self._text = text[len(self._text):], text
        if new:
            self.chunks.put(new)

    def end(self) -> None:
        self._flush(final=True)
        self.chunks.put(_END)


class _Cancelled:
    """Stopping criterion: ends generation as soon as any of ``events`` is set."""

    def __init__(self, *events: threading.Event | None):
        self.events = [e for e in events if e is not None]

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: Any) -> torch.Tensor:
        stop = any(e.is_set() for e in self.events)
        return torch.full((input_ids.shape[0],), stop, dtype=torch.bool, device=input_ids.device)


@dataclass
class _PrefixCache:
    """An attention (KV) cache and the token ids it covers; ``reused`` = tokens not prefilled again."""

    cache: Any
    ids: torch.Tensor
    reused: int


def _new_cache() -> Any:
    from transformers import DynamicCache

    return DynamicCache()


def _trim(cache: Any, keep: int) -> None:
    """Cut the cache back to its first ``keep`` tokens (a negative crop removes tokens in transformers 4 and 5)."""
    extra = cache.get_seq_length() - keep
    if extra > 0:
        cache.crop(-extra)


@functools.lru_cache(maxsize=8)
def _cache_kwarg_for(model_class: type) -> str:
    params = inspect.signature(model_class.forward).parameters
    return "cache" if "cache" in params else "past_key_values"      # transformers 5 renamed it


def _cache_kwarg(model: torch.nn.Module) -> str:
    return _cache_kwarg_for(type(model))


def _zero_gpu(fn: Callable) -> Callable:
    """On Hugging Face ZeroGPU (``SPACES_ZERO_GPU`` set), let ``spaces.GPU`` attach a GPU to ``fn``; else no-op."""
    if not settings.zero_gpu():
        return fn
    try:
        import spaces
    except ImportError:
        return fn
    return spaces.GPU(duration=120)(fn)


@functools.lru_cache(maxsize=1)
def _worker() -> ThreadPoolExecutor:
    """Long-lived generation threads: a fresh thread per narration pays for a new OpenMP pool (~8% on CPU)."""
    return ThreadPoolExecutor(max_workers=GENERATE_WORKERS, thread_name_prefix="smolvlm-generate")


@_zero_gpu
def _generate(model: torch.nn.Module, **kwargs: Any) -> torch.Tensor:
    with torch.inference_mode():
        return model.generate(**kwargs)


# ----------------------------------------------------------------------------------------------------------------
# The narrator


def _conversation_key(image_hash: str, detail: str, request: NarrationRequest) -> tuple[str, str]:
    """Conversations are one visitor's: two tablets asking about the same painting never share turns."""
    return (f"{image_hash}:{request.conversation}" if request.conversation else image_hash, detail)


class SmolVLMNarrator(BaseNarrator):
    """Narrates artworks with SmolVLM from vlmtok's cached vision tokens (in English; ``BaseNarrator`` translates).

    Args:
        model_id: any Idefics3/SmolVLM checkpoint id (default SmolVLM-256M-Instruct), loaded lazily on first use.
        loaded: an already loaded model (tests and benchmarks pass random-weight stand-ins here).
        detail: default tile budget when a request says "auto": None = "low" on CPU, "normal" on CUDA.
        generation: extra ``generate`` keyword arguments (e.g. ``{"min_new_tokens": 16}`` for fixed-length benches).
    """

    name = "smolvlm"
    languages = ("en",)

    def __init__(self, model_id: str = DEFAULT_MODEL_ID, *, loaded: LoadedSmolVLM | None = None,
                 detail: str | None = None, generation: dict[str, Any] | None = None):
        self.generation = dict(generation or {})
        self.model_id = loaded.model_id if loaded is not None else model_id_of(model_id)  # alias or id
        self._loaded = loaded
        self.default_detail = detail
        self.last_token_ids: list[int] = []         # ids of the latest narration (tests and benchmarks)
        self._history: OrderedDict[tuple[str, str], list[tuple[str, str]]] = OrderedDict()
        self._kv: OrderedDict[tuple[str, str], _PrefixCache] = OrderedDict()
        self._lock = threading.Lock()

    # -- model -----------------------------------------------------------------------------------------------

    @property
    def loaded(self) -> LoadedSmolVLM:
        if self._loaded is None:
            self._loaded = load_smolvlm(self.model_id)
        return self._loaded

    def warm_up(self) -> None:
        """Load the model now (once per process), so ``get_narrator("auto")`` can fall back if it cannot load."""
        self.loaded  # noqa: B018

    @property
    def tower(self) -> SmolVLMVisionTower:
        return self.loaded.tower

    @property
    def label_model(self) -> str:
        """Short model name for the narrator label: "SmolVLM-256M"."""
        return self.model_id.split("/")[-1].removesuffix("-Instruct")

    def detail(self, request: NarrationRequest) -> str:
        return resolve_detail(request.detail if request.detail not in (None, "", "auto") else self.default_detail)

    def tile_plan(self, image: Image.Image, detail: str | None = None):
        """Tiles and tokens this picture will cost at ``detail`` (see ``vlmtok.smolvlm.tile_plan``)."""
        return tile_plan(image.size, resolve_detail(detail), self.loaded.model.config, processor=self.loaded.processor)

    def generation_kwargs(self, max_new_tokens: int) -> dict[str, Any]:
        """Greedy decoding, stopping at the end of the assistant's turn (shared with the reference path in tests)."""
        tok = self.loaded.processor.tokenizer
        eos = self.loaded.model.generation_config.eos_token_id
        eos = [eos] if isinstance(eos, int) else list(eos or [])
        eou = tok.convert_tokens_to_ids(END_OF_UTTERANCE)
        if isinstance(eou, int) and eou != tok.unk_token_id and eou not in eos:
            eos.append(eou)
        pad = tok.pad_token_id if tok.pad_token_id is not None else (eos[0] if eos else None)
        return {"max_new_tokens": max_new_tokens, "do_sample": False, "num_beams": 1, "eos_token_id": eos,
                "pad_token_id": pad, **self.generation}

    # -- prompt ------------------------------------------------------------------------------------------------

    def messages(self, image_hash: str, detail: str, request: NarrationRequest) -> list[dict[str, Any]]:
        """The conversation so far about this picture, plus the new user turn (the image rides on the first)."""
        turns = self._history.get(_conversation_key(image_hash, detail, request), []) if request.question else []
        out: list[dict[str, Any]] = []
        for i, (user, answer) in enumerate(turns):
            out += [_message("user", user, with_image=i == 0), _message("assistant", _clean(answer))]
        return out + [_message("user", instruction(request), with_image=not turns)]

    def prompt_ids(self, messages: list[dict[str, Any]], image_tokens: SmolVLMImageTokens) -> torch.Tensor:
        """``[1, L]`` ids: the chat text with ``<image>`` expanded exactly as the processor expands it."""
        proc = self.loaded.processor
        template = getattr(proc, "chat_template", None) or _CHAT_TEMPLATE
        text = proc.apply_chat_template(messages, chat_template=template, add_generation_prompt=True, tokenize=False)
        text = text.replace("<image>", image_tokens.prompt_text, 1)
        return proc.tokenizer(text, return_tensors="pt")["input_ids"]

    # -- narration ------------------------------------------------------------------------------------------------

    def write(self, image: Image.Image, request: NarrationRequest,
              cancel: threading.Event | None = None) -> Iterator[str | Narration]:
        """Yield English text chunks as they are written, then the final (English) ``Narration``.

        ``stream`` and ``describe`` (from ``BaseNarrator``) run this and translate the final narration when the
        visitor reads another language. Setting ``cancel`` (or closing the generator) stops generation within one
        token; the Narration then carries the text so far. Timings (ms): ``preprocess_ms``, ``encode_ms`` (0 when
        the tokens were cached), ``prefill_ms`` (to the first new token), ``decode_ms``, ``decode_tokens_per_s``,
        ``total_ms``, plus ``prompt_tokens``, ``image_tokens``, ``new_tokens``, ``cached_image``.
        """
        t0 = time.perf_counter()
        detail = self.detail(request)
        tokens = self.tower.encode(image, detail)
        messages = self.messages(tokens.image_hash, detail, request)
        input_ids = self.prompt_ids(messages, tokens)
        model = self.loaded.model
        with torch.inference_mode():
            embeds = splice_image_tokens(model.get_input_embeddings(), input_ids.to(model.device), tokens.tokens,
                                         model.config.image_token_id)          # [1, L, D]
        streamer = _ChunkStreamer(self.loaded.processor.tokenizer)
        max_new = request.max_new_tokens or _max_new_tokens(request.tier)
        key = _conversation_key(tokens.image_hash, detail, request)
        # a static cache (set for CUDA graphs / torch.compile) is generate()'s own: no prefix reuse then
        static = bool(getattr(self.loaded.model.generation_config, "cache_implementation", None))
        prefix = self._take_prefix(key, input_ids, resume=bool(request.question) and not static)
        t_gen = time.perf_counter()
        yield from self._run(input_ids, embeds, max_new, streamer, cancel, None if static else prefix.cache)
        if not static:
            self._keep_prefix(key, prefix.cache, input_ids, streamer.ids)
        self.last_token_ids = list(streamer.ids)
        english = streamer.tokenizer.decode(streamer.ids, skip_special_tokens=True).strip()
        self._remember(tokens.image_hash, detail, request, messages[-1]["content"][-1]["text"], english)
        timings = _timings(t0, t_gen, tokens, input_ids, streamer)
        timings["reused_prefix_tokens"] = float(prefix.reused)
        yield self._narration(english, request, timings)

    def _run(self, input_ids: torch.Tensor, embeds: torch.Tensor, max_new: int, streamer: _ChunkStreamer,
             cancel: threading.Event | None, cache: Any) -> Iterator[str]:
        """Generate in a worker thread; yield its chunks here. Closing this generator stops the worker."""
        from transformers import StoppingCriteriaList

        model, closed = self.loaded.model, threading.Event()
        kwargs = dict(input_ids=input_ids.to(model.device), inputs_embeds=embeds,
                      attention_mask=torch.ones_like(input_ids, device=model.device), streamer=streamer,
                      stopping_criteria=StoppingCriteriaList([_Cancelled(cancel, closed)]),
                      **({_cache_kwarg(model): cache} if cache is not None else {}), **self.generation_kwargs(max_new))

        threads = torch.get_num_threads()             # intra-op threads are set per calling thread

        def work() -> None:
            try:
                torch.set_num_threads(threads)
                _generate(model, **kwargs)
            finally:
                streamer.chunks.put(_END)

        future = _worker().submit(work)
        try:
            while (chunk := streamer.chunks.get()) is not _END:
                yield chunk
        finally:
            closed.set()                               # the consumer left early (or is done): stop generating
            error = future.exception()                 # waits for the worker to finish
        if error is not None:
            raise error

    # -- attention cache of the conversation so far ---------------------------------------------------------------

    def _take_prefix(self, key: tuple[str, str], input_ids: torch.Tensor, resume: bool) -> _PrefixCache:
        """A follow-up continues from the attention cache of the previous turn: only the new text is prefilled.

        The cache is taken out of the store while in use, so two visitors never write into one cache.
        """
        with self._lock:
            held = self._kv.pop(key, None) if resume else None
        if held is None:
            return _PrefixCache(_new_cache(), torch.empty(1, 0, dtype=torch.long), 0)
        ids = input_ids[0].cpu()
        n = min(held.ids.shape[1], ids.shape[0] - 1)                    # at least one token left to prefill
        same = (held.ids[0, :n] == ids[:n]).long()
        keep = int(same.cumprod(0).sum())                              # length of the common prefix
        _trim(held.cache, keep)
        return _PrefixCache(held.cache, held.ids[:, :keep], keep)

    def _keep_prefix(self, key: tuple[str, str], cache: Any, input_ids: torch.Tensor, new_ids: list[int]) -> None:
        """Store the cache with the ids it covers (the last new token has no keys yet)."""
        ids = torch.cat([input_ids.cpu(), torch.tensor([new_ids], dtype=torch.long)], dim=1)
        ids = ids[:, :cache.get_seq_length()]
        with self._lock:
            self._kv[key] = _PrefixCache(cache, ids, 0)
            while len(self._kv) > KV_ARTWORKS:
                self._kv.popitem(last=False)

    def _remember(self, image_hash: str, detail: str, request: NarrationRequest, user: str, answer: str) -> None:
        """A new description starts the artwork's conversation; a question continues it (bounded)."""
        with self._lock:
            key = _conversation_key(image_hash, detail, request)
            turns = self._history.pop(key, []) if request.question else []
            turns = turns + [(user, answer)]
            self._history[key] = turns[:1] + turns[1:][-(MAX_TURNS - 1):]
            while len(self._history) > MAX_ARTWORKS:
                self._history.popitem(last=False)

    def remember(self, image: Image.Image, request: NarrationRequest, narration: Narration) -> None:
        """A description served from the narration cache starts this visitor's conversation as if written now.

        Only English text is remembered: it is what the model wrote (a translation is not its own words).
        """
        if narration.language == "en" and not request.question:
            from vlmtok.cache import image_hash

            self._remember(image_hash(image), self.detail(request), request, instruction(request), narration.text)

    def forget(self) -> None:
        """Drop all conversations (a new tour)."""
        with self._lock:
            self._history.clear()
            self._kv.clear()

    def _narration(self, english: str, request: NarrationRequest, timings: dict[str, float]) -> Narration:
        """The English narration, its byline in the visitor's language."""
        return Narration(
            text=_fit_tier(english, request.tier), language="en", tier=request.tier, narrator=self.name,
            narrator_label=t("narrate.smolvlm.label", normalize_lang(request.lang), model=self.label_model),
            model_id=self.model_id, weights_source=self.loaded.weights_source, audience=request.audience,
            question=request.question, timings=timings)


def _fit_tier(text: str, tier: str) -> str:
    """Whole sentences within the tier's word limit (alt text is a hard ceiling)."""
    return prompts.fit_words(text, prompts.word_limit(tier, "en")) if text else text


def _max_new_tokens(tier: str) -> int:
    return prompts.max_new_tokens(tier)


def _timings(t0: float, t_gen: float, tokens: SmolVLMImageTokens, input_ids: torch.Tensor,
             streamer: _ChunkStreamer) -> dict[str, float]:
    """Milliseconds and counts for one narration (see ``SmolVLMNarrator.write``)."""
    end, times, n = time.perf_counter(), streamer.times, len(streamer.ids)
    prefill = (times[0] - t_gen) * 1e3 if times else (end - t_gen) * 1e3
    decode = (times[-1] - times[0]) * 1e3 if n > 1 else 0.0
    return {"preprocess_ms": tokens.timings.get("preprocess_ms", 0.0), "encode_ms": tokens.timings["encode_ms"],
            "prefill_ms": prefill, "decode_ms": decode,
            "decode_tokens_per_s": (n - 1) / (decode / 1e3) if decode > 0 else 0.0, "total_ms": (end - t0) * 1e3,
            "prompt_tokens": float(input_ids.shape[1]), "image_tokens": float(tokens.tokens.shape[0]),
            "new_tokens": float(n), "cached_image": tokens.timings.get("cached", 0.0)}
