"""The SmolVLM narrator: vlmtok's own vision tokens spliced into SmolVLM's input embeddings, text streamed back.

The picture is tokenised once by the model's vision tower + connector (``vlmtok.smolvlm``, cached per image
by content hash, model and tiling); the chat prompt is tokenised with one ``<image>`` placeholder per vision token;
the text embeddings get the vision tokens written at those positions; a greedy decoder runs on ``inputs_embeds``
(``vlmtok.smolvlm.decode``). All of that is one GPU job of plain values (``vlmtok.smolvlm.generate.run_job``), which
ZeroGPU runs in its GPU worker and any other machine runs here. Greedy output equals the model's own
``generate(pixel_values=...)`` token for token (tests/test_smolvlm.py). A follow-up question about the same artwork
reuses the cached vision tokens (no second encode) and continues from the previous turn's attention cache, so only
the new text is prefilled. SmolVLM writes English; another language comes from the translation stage every
narrator gets (``BaseNarrator``). ``VLMTOK_INT8=1`` runs the language model's linear layers in int8 on the CPU.

>>> narrator = SmolVLMNarrator()                                 # HuggingFaceTB/SmolVLM-256M-Instruct  # doctest: +SKIP
>>> for part in narrator.stream(image, NarrationRequest(tier="short")):  # doctest: +SKIP
...     print(part if isinstance(part, str) else part.timings)     # text chunks, then the Narration
>>> narrator.describe(image, NarrationRequest(question="What is the woman holding?")).text  # doctest: +SKIP
"""
from __future__ import annotations

import contextvars
import functools
import logging
import queue
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from pathlib import Path

import numpy as np
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
    tile_plan,
    zerogpu,
)
from vlmtok.smolvlm.generate import (Engine, GenerationDone, GenerationJob, Piece, engine, prompt_ids,
                                     register_engine, run_job)
from vlmtok.smolvlm.int8 import is_int8, quantize_language_model

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_MODEL_ID", "SmolVLMNarrator", "SmolVLMUnavailable", "available", "smolvlm_available",
           "tile_plan"]

GENERATE_WORKERS = settings.generate_workers()   # narrations generated at once
MAX_TURNS = 4                  # turns of conversation kept per artwork (the first description + 3 follow-ups)
MAX_ARTWORKS = 32              # conversations kept (one per picture and detail level)
_MARKUP = re.compile(r"<(?:image|fake_token_around_image|global-img|end_of_utterance|row_\d+_col_\d+|\|[^|>]*\|)>")


def available(model_id: str | None = None, **_: Any) -> tuple[bool, str]:
    """The narrator registry's check: ``(ok, why)`` for ``model_id`` (default SmolVLM-256M), without loading it.

    It takes the options ``get_narrator`` was given (``model_id=``, ...) and uses only the model id.
    """
    return smolvlm_available(model_id) if model_id else smolvlm_available()


def preload() -> SmolVLMNarrator | None:
    """On a ZeroGPU Space, load SmolVLM now (``app.py`` calls this at module level, ZeroGPU's pattern: the weights
    load on the CPU at start-up and are moved to ``cuda`` there, before any GPU worker forks) and register it for
    the GPU job. Anywhere else it does nothing: models load on first use. A model that cannot load is logged and
    left to ``get_narrator("auto")``'s fallback."""
    if not zerogpu.on_zero_gpu():
        return None
    from vlmtok.narrate import get_narrator

    narrator, _ = get_narrator("smolvlm")
    try:
        narrator.warm_up()
    except Exception:  # noqa: BLE001 - the app still starts; "auto" falls back to the offline narrator
        log.exception("SmolVLM could not be loaded at start-up on ZeroGPU")
        return None
    return narrator


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
# Running the GPU job


_END = object()


@dataclass
class _Failed:
    error: BaseException


@functools.lru_cache(maxsize=1)
def _worker() -> ThreadPoolExecutor:
    """Long-lived generation threads: a fresh thread per narration pays for a new OpenMP pool (~8% on CPU)."""
    return ThreadPoolExecutor(max_workers=GENERATE_WORKERS, thread_name_prefix="smolvlm-generate")


def _pumped(job: GenerationJob, cancel: threading.Event | None) -> Iterator[Piece | GenerationDone]:
    """``run_job(job)`` on a generation thread (its context copied, so ZeroGPU sees the visitor's request),
    its parts handed over here; setting ``cancel`` or closing this generator closes the job within one token."""
    parts: queue.Queue = queue.Queue()
    closed, threads, context = threading.Event(), torch.get_num_threads(), contextvars.copy_context()

    def work() -> None:
        torch.set_num_threads(threads)             # intra-op threads are set per calling thread
        job_parts = run_job(job)
        try:
            for part in job_parts:
                parts.put(part)
                if closed.is_set() or (cancel is not None and cancel.is_set()):
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            parts.put(_Failed(exc))
        finally:
            job_parts.close()
            parts.put(_END)

    future = _worker().submit(context.run, work)
    try:
        while (part := parts.get()) is not _END:
            if isinstance(part, _Failed):
                raise part.error
            yield part
    finally:
        closed.set()                               # the consumer left early (or is done): stop generating
        future.result()                            # waits for the job to close


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
        generation: decoding options: ``{"min_new_tokens": 16}`` for fixed-length benchmarks (the only one).
    """

    name = "smolvlm"
    languages = ("en",)

    def __init__(self, model_id: str = DEFAULT_MODEL_ID, *, loaded: LoadedSmolVLM | None = None,
                 detail: str | None = None, generation: dict[str, Any] | None = None):
        self.generation = dict(generation or {})
        if set(self.generation) - {"min_new_tokens"}:
            raise ValueError(f"unknown decoding options {sorted(set(self.generation) - {'min_new_tokens'})}; "
                             "the decoder is greedy and takes only min_new_tokens")
        self.model_id = loaded.model_id if loaded is not None else model_id_of(model_id)  # alias or id
        self._loaded = loaded
        self.default_detail = detail
        self.last_token_ids: list[int] = []         # ids of the latest narration (tests and benchmarks)
        self._history: OrderedDict[tuple[str, str], list[tuple[str, str]]] = OrderedDict()
        self._engine_key: str | None = None
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()          # the page's background preload and a first visitor load once

    # -- model -----------------------------------------------------------------------------------------------

    @property
    def loaded(self) -> LoadedSmolVLM:
        if self._loaded is None:
            with self._load_lock:
                if self._loaded is None:
                    loaded = load_smolvlm(self.model_id)
                    if settings.int8():
                        quantize_language_model(loaded.model)
                    self._loaded = loaded
        return self._loaded

    def warm_up(self) -> None:
        """Load the model now (once per process) and register it for the GPU job, so ``get_narrator("auto")`` can
        fall back if it cannot load, and a ZeroGPU worker forked later finds it."""
        self.engine  # noqa: B018

    @property
    def tower(self) -> SmolVLMVisionTower:
        return self.loaded.tower

    @property
    def label_model(self) -> str:
        """Short model name for the narrator label: "SmolVLM-256M" ("SmolVLM-256M int8" with int8 weights)."""
        name = self.model_id.split("/")[-1].removesuffix("-Instruct")
        return f"{name} int8" if self._loaded is not None and is_int8(self._loaded.model) else name

    def byline(self, lang: str) -> str:
        return t("narrate.smolvlm.label", normalize_lang(lang), model=self.label_model)

    def identity(self) -> tuple:
        """The checkpoint's revision (the Hub snapshot's commit, read from the local cache without loading it), the
        int8 language model and the decoding options change the words as much as the model's name does."""
        return (self.name, self.model_id, checkpoint_revision(self.model_id), settings.int8(),
                tuple(sorted(self.generation.items())))

    def detail(self, request: NarrationRequest) -> str:
        return resolve_detail(request.detail if request.detail not in (None, "", "auto") else self.default_detail)

    def tile_plan(self, image: Image.Image, detail: str | None = None):
        """Tiles and tokens this picture will cost at ``detail`` (see ``vlmtok.smolvlm.tile_plan``)."""
        return tile_plan(image.size, resolve_detail(detail), self.loaded.model.config, processor=self.loaded.processor)

    def generation_kwargs(self, max_new_tokens: int) -> dict[str, Any]:
        """``generate`` keyword arguments for the same greedy decoding (the reference path in tests and benches)."""
        tok = self.loaded.processor.tokenizer
        eos = self.engine.eos_ids()
        pad = tok.pad_token_id if tok.pad_token_id is not None else (eos[0] if eos else None)
        return {"max_new_tokens": max_new_tokens, "do_sample": False, "num_beams": 1, "eos_token_id": eos,
                "pad_token_id": pad, **self.generation}

    @property
    def engine(self) -> Engine:
        """The loaded model as the GPU job finds it (``vlmtok.smolvlm.generate``), registered on first use."""
        if self._engine_key is None:
            self._engine_key = register_engine(self.loaded)
        return engine(self._engine_key)

    @property
    def _kv(self):
        """The attention caches kept for follow-ups (in the process that runs the job)."""
        return self.engine.kv

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
        return prompt_ids(self.loaded.processor, messages, image_tokens)

    def job(self, image: Image.Image, request: NarrationRequest) -> GenerationJob:
        """The request as plain values for the GPU job (the picture as an array, the chat as dicts)."""
        return self._job(image, request)[0]

    def _job(self, image: Image.Image, request: NarrationRequest) -> tuple[GenerationJob, str]:
        from vlmtok.cache import image_hash

        picture = image.convert("RGB")
        detail, digest = self.detail(request), image_hash(picture)
        job = GenerationJob(
            engine=self.engine_key, pixels=np.asarray(picture, dtype=np.uint8), detail=detail,
            messages=self.messages(digest, detail, request),
            max_new_tokens=request.max_new_tokens or _max_new_tokens(request.tier),
            min_new_tokens=int(self.generation.get("min_new_tokens", 0)),
            conversation="|".join(_conversation_key(digest, detail, request)), resume=bool(request.question))
        return job, digest

    @property
    def engine_key(self) -> str:
        """The key the GPU job finds this narrator's model by."""
        self.engine  # noqa: B018 - registers it
        return self._engine_key

    # -- narration ------------------------------------------------------------------------------------------------

    def write(self, image: Image.Image, request: NarrationRequest,
              cancel: threading.Event | None = None) -> Iterator[str | Narration]:
        """Yield English text chunks as they are written, then the final (English) ``Narration``.

        All the model's work runs in one GPU job (``vlmtok.smolvlm.generate.run_job``; on ZeroGPU, in its GPU
        worker). ``stream`` and ``describe`` (from ``BaseNarrator``) run this and translate the final narration when
        the visitor reads another language. Setting ``cancel`` (or closing the generator) stops generation within
        one token; the Narration then carries the text so far. Timings (ms): ``preprocess_ms``, ``encode_ms`` (0
        when the tokens were cached), ``prefill_ms`` (to the first new token), ``decode_ms``,
        ``decode_tokens_per_s``, ``total_ms``, plus ``prompt_tokens``, ``image_tokens``, ``new_tokens``,
        ``cached_image``, ``reused_prefix_tokens`` and ``int8`` (1.0 when the language model ran in int8).

        Raises:
            GpuUnavailable: on ZeroGPU, the GPU quota is spent or no GPU came free (a plain message with the wait).
        """
        t0 = time.perf_counter()
        job, digest = self._job(image, request)
        ids, texts, done = [], [], None
        try:
            for part in _pumped(job, cancel):
                if isinstance(part, GenerationDone):
                    done = part
                    continue
                ids += part.token_ids
                if part.text:
                    texts.append(part.text)
                    yield part.text
        except Exception as exc:
            gpu_error = zerogpu.visitor_error(exc)
            if gpu_error is not None:
                log.warning("GPU refused the narration: %s", exc)
                raise gpu_error from exc
            raise
        if done is None:                               # stopped early: what was written so far
            done = GenerationDone(ids, "".join(texts).strip(), digest,
                                  {"new_tokens": float(len(ids)), "total_ms": (time.perf_counter() - t0) * 1e3,
                                   "stopped": 1.0})
        self.last_token_ids = list(done.token_ids)
        self._remember(digest, job.detail, request, job.messages[-1]["content"][-1]["text"], done.text)
        timings = {**done.timings, "total_ms": (time.perf_counter() - t0) * 1e3,
                   "int8": 1.0 if is_int8(self.loaded.model) else 0.0}
        yield self._narration(done.text, request, timings)

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
            narrator_label=self.byline(request.lang),
            model_id=self.model_id, weights_source=self.loaded.weights_source, audience=request.audience,
            question=request.question, timings=timings)


def _fit_tier(text: str, tier: str) -> str:
    """Whole sentences within the tier's word limit (alt text is a hard ceiling)."""
    return prompts.fit_words(text, prompts.word_limit(tier, "en")) if text else text


def _max_new_tokens(tier: str) -> int:
    return prompts.max_new_tokens(tier)


def checkpoint_revision(model_id: str) -> str | None:
    """The commit of the checkpoint's snapshot in the local Hugging Face cache (None: not there, or a local folder)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        path = try_to_load_from_cache(model_id, "config.json")
    except Exception:  # noqa: BLE001 - a folder path or an odd id: no revision to name
        return None
    if not isinstance(path, str):
        return None
    parts = Path(path).parts
    return parts[-2] if len(parts) >= 2 and "snapshots" in parts else None
