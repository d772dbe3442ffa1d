"""The CPU narrator: SmolVLM's own published ONNX files in ONNX Runtime, fed with vlmtok's own vision tokens.

The same narration as the SmolVLM narrator (``vlmtok.narrate.smolvlm``: the same prompts, the same splice of the
picture's vision tokens at the ``<image>`` positions, greedy, streamed, follow-ups continuing from the previous
turn's key/value cache), with the model's work in ONNX Runtime (``vlmtok.smolvlm.onnx_runtime``) from the model's
quantised files: on a CPU, decode reads every weight per token, and the q4 decoder reads about a seventh of
float32's bytes (int8 a quarter). It is registered as ``"onnx"``; ``get_narrator("auto")`` picks it on a CPU when its
files are in the local Hugging Face cache (``vlmtok prefetch`` puts them there). The byline says which runtime
and weights wrote the words ("SmolVLM-256M q4, ONNX Runtime").

>>> narrator = OnnxNarrator()                     # HuggingFaceTB/SmolVLM-256M-Instruct, q4    # doctest: +SKIP
>>> narrator.describe(image, NarrationRequest(tier="short")).text                              # doctest: +SKIP
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from vlmtok.i18n import normalize_lang, t
from vlmtok.narrate.backend import BaseNarrator
from vlmtok.narrate.base import Narration, NarrationRequest
from vlmtok.narrate.smolvlm import MAX_ARTWORKS, MAX_TURNS, _clean, _conversation_key, _fit_tier, _max_new_tokens, \
    _message, instruction
from vlmtok.smolvlm.checkpoints import DEFAULT_MODEL_ID, model_id_of
from vlmtok.smolvlm.generate import END_OF_UTTERANCE, _Chunks
from vlmtok.smolvlm.onnx_runtime import (DEFAULT_VISION_WEIGHTS, DEFAULT_WEIGHTS, OnnxCache, OnnxFiles, OnnxSmolVLM,
                                         find_onnx_files)

log = logging.getLogger(__name__)

RUNTIME = "onnxruntime"
KV_CONVERSATIONS = 2           # conversations whose key/value cache is kept (as the PyTorch narrator keeps)


def available(model_id: str | None = None, weights: str = DEFAULT_WEIGHTS,
              vision_weights: str | None = DEFAULT_VISION_WEIGHTS, folder: str | None = None,
              **_: Any) -> tuple[bool, str]:
    """The registry's check: on a CPU, with ONNX Runtime installed and the model's ONNX files already here.

    ``(False, "")`` otherwise, so "auto" passes it by silently (on a GPU, the PyTorch narrator is the fast one).
    """
    from vlmtok.device import runtime

    if runtime().is_cuda:
        return False, ""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False, ""
    model_id = model_id_of(model_id or DEFAULT_MODEL_ID)
    files = find_onnx_files(model_id, weights, vision_weights, folder=folder)
    if files is None:
        return False, ""
    return True, f"{model_id} ONNX files ({weights}) in the {'folder' if folder else 'local Hugging Face cache'}"


class OnnxNarrator(BaseNarrator):
    """Narrates with SmolVLM's ONNX files in ONNX Runtime (English; ``BaseNarrator`` translates).

    Args:
        model_id: a SmolVLM checkpoint id or alias whose repository holds the ONNX files.
        weights: the decoder's format, "q4" (default), "int8" or "fp32".
        vision_weights: the vision encoder file's format ("int8" default); None takes the vision tokens from
            ``tower`` (vlmtok's PyTorch tower) instead.
        folder: a folder of the published layout (``onnx/...`` beside the processor files) instead of the cache.
        tower: a PyTorch ``SmolVLMVisionTower`` (benchmarks compare both vision sides).
        processor: the processor (default: from the files' folder).
        threads: ONNX Runtime threads (default: every core this process may use).
        weights_source: what the byline's provenance says the weights are (default: where the files came from).
        generation: ``{"min_new_tokens": n}`` for fixed-length benchmarks (the only option; decoding is greedy).
    """

    name = "onnx"
    languages = ("en",)

    def __init__(self, model_id: str = DEFAULT_MODEL_ID, *, weights: str = DEFAULT_WEIGHTS,
                 vision_weights: str | None = DEFAULT_VISION_WEIGHTS, folder: str | Path | None = None,
                 tower: Any = None, processor: Any = None, threads: int | None = None,
                 weights_source: str | None = None, generation: dict[str, Any] | None = None):
        self.generation = dict(generation or {})
        if set(self.generation) - {"min_new_tokens"}:
            raise ValueError(f"unknown decoding options {sorted(set(self.generation) - {'min_new_tokens'})}; "
                             "the decoder is greedy and takes only min_new_tokens")
        self.model_id, self.weights, self.vision_weights = model_id_of(model_id), weights, vision_weights
        self.folder, self.tower, self.processor, self.threads = folder, tower, processor, threads
        self._source = weights_source
        self._rt: OnnxSmolVLM | None = None
        self._load_lock, self._lock = threading.Lock(), threading.Lock()
        self._history: OrderedDict[tuple[str, str], list[tuple[str, str]]] = OrderedDict()
        self._kv: OrderedDict[str, OnnxCache] = OrderedDict()
        self.last_token_ids: list[int] = []
        self.tokens_written = 0                     # tokens of the narration being written (benchmarks count them)

    # -- files and sessions ------------------------------------------------------------------------------------

    @property
    def runtime(self) -> OnnxSmolVLM:
        """The opened files (found in the folder or the cache, downloaded when the Hub answers), once."""
        if self._rt is None:
            with self._load_lock:
                if self._rt is None:
                    self._rt = OnnxSmolVLM(self._files(), processor=self.processor, tower=self.tower,
                                           threads=self.threads)
        return self._rt

    def _files(self) -> OnnxFiles:
        from vlmtok.hub import hub_available
        from vlmtok.smolvlm import SmolVLMUnavailable

        files = find_onnx_files(self.model_id, self.weights, self.vision_weights, folder=self.folder)
        if files is None and self.folder is None and hub_available():
            files = find_onnx_files(self.model_id, self.weights, self.vision_weights, download=True)
        if files is None:
            raise SmolVLMUnavailable(f"the ONNX files of {self.model_id} ({self.weights}) are not here "
                                     f"and the Hub is not reachable")
        return files

    def warm_up(self) -> None:
        """Open the files now, so ``get_narrator("auto")`` can fall back at once if they cannot be opened."""
        self.runtime  # noqa: B018

    @property
    def weights_source(self) -> str:
        return self._source or self.runtime.files.source.replace("folder", "local-cache")

    @property
    def label_model(self) -> str:
        """"SmolVLM-256M q4, ONNX Runtime": the model, the decoder's weights and the runtime that wrote the words."""
        return f"{self.model_id.split('/')[-1].removesuffix('-Instruct')} {self.weights}, ONNX Runtime"

    def byline(self, lang: str) -> str:
        return t("narrate.smolvlm.label", normalize_lang(lang), model=self.label_model)

    def detail(self, request: NarrationRequest) -> str:
        from vlmtok.smolvlm import resolve_detail

        return resolve_detail(request.detail if request.detail not in (None, "", "auto") else "low")

    def eos_ids(self) -> list[int]:
        """The model's end tokens (its generation_config.json) and ``<end_of_utterance>``, as the PyTorch narrator
        stops."""
        from transformers import GenerationConfig

        rt = self.runtime
        tok = rt.processor.tokenizer
        try:
            eos = GenerationConfig.from_pretrained(str(rt.files.root), local_files_only=True).eos_token_id
        except OSError:                                                # no generation_config.json: the tokenizer's
            eos = tok.eos_token_id
        ids = [eos] if isinstance(eos, int) else list(eos or [])
        eou = tok.convert_tokens_to_ids(END_OF_UTTERANCE)
        return ids + [eou] if isinstance(eou, int) and eou != tok.unk_token_id and eou not in ids else ids

    # -- conversation ------------------------------------------------------------------------------------------

    def messages(self, image_hash: str, detail: str, request: NarrationRequest) -> list[dict[str, Any]]:
        turns = self._history.get(_conversation_key(image_hash, detail, request), []) if request.question else []
        out: list[dict[str, Any]] = []
        for i, (user, answer) in enumerate(turns):
            out += [_message("user", user, with_image=i == 0), _message("assistant", _clean(answer))]
        return out + [_message("user", instruction(request), with_image=not turns)]

    def _remember(self, key: tuple[str, str], request: NarrationRequest, user: str, answer: str) -> None:
        with self._lock:
            turns = (self._history.pop(key, []) if request.question else []) + [(user, answer)]
            self._history[key] = turns[:1] + turns[1:][-(MAX_TURNS - 1):]
            while len(self._history) > MAX_ARTWORKS:
                self._history.popitem(last=False)

    def _take_cache(self, key: str, ids: np.ndarray, resume: bool) -> tuple[OnnxCache, int]:
        """The kept cache of this conversation cut to its common prefix with ``ids`` (one token always left)."""
        with self._lock:
            held = self._kv.pop(key, None) if resume else None
        if held is None:
            return OnnxCache(), 0
        row = ids[0].tolist()
        n = min(held.length, len(row) - 1)
        keep = 0
        while keep < n and held.ids[keep] == row[keep]:
            keep += 1
        held.crop(keep)
        return held, keep

    def _keep_cache(self, key: str, cache: OnnxCache, ids: np.ndarray, new_ids: list[int]) -> None:
        cache.ids = (ids[0].tolist() + new_ids)[:cache.length]
        with self._lock:
            self._kv[key] = cache
            while len(self._kv) > KV_CONVERSATIONS:
                self._kv.popitem(last=False)

    def forget(self) -> None:
        """Drop all conversations (a new tour)."""
        with self._lock:
            self._history.clear()
            self._kv.clear()

    # -- narration ---------------------------------------------------------------------------------------------

    def write(self, image: Image.Image, request: NarrationRequest,
              cancel: threading.Event | None = None) -> Iterator[str | Narration]:
        """English text chunks as they are written, then the ``Narration`` (timings as the PyTorch narrator's)."""
        from vlmtok.cache import image_hash

        t0, rt = time.perf_counter(), self.runtime
        picture = image.convert("RGB")
        detail, digest = self.detail(request), image_hash(picture)
        key = _conversation_key(digest, detail, request)
        messages = self.messages(digest, detail, request)
        tokens = rt.encode(picture, detail)
        ids = rt.prompt_ids(messages, tokens)
        cache, reused = self._take_cache("|".join(key), ids, bool(request.question))
        embeds = rt.splice(ids, tokens)[:, reused:]
        chunks, times, t_gen = _Chunks(rt.processor.tokenizer), [], time.perf_counter()
        decoding = rt.greedy(embeds, cache, max_new_tokens=request.max_new_tokens or _max_new_tokens(request.tier),
                             eos=self.eos_ids(), min_new_tokens=int(self.generation.get("min_new_tokens", 0)))
        try:
            for token_id in decoding:
                times.append(time.perf_counter())
                self.tokens_written = len(times)
                if text := chunks.add(token_id):
                    yield text
                if cancel is not None and cancel.is_set():
                    break
            if text := chunks.add(-1, final=True):
                yield text
        finally:
            decoding.close()
            self._keep_cache("|".join(key), cache, ids, chunks.ids)
        self.last_token_ids = list(chunks.ids)
        english = chunks.text.strip()
        self._remember(key, request, messages[-1]["content"][-1]["text"], english)
        timings = _timings(t0, t_gen, times, tokens, ids, reused)
        yield Narration(text=_fit_tier(english, request.tier), language="en", tier=request.tier, narrator=self.name,
                        narrator_label=self.byline(request.lang), model_id=self.model_id,
                        weights_source=self.weights_source, audience=request.audience, question=request.question,
                        timings=timings)


def _timings(t0: float, t_gen: float, times: list[float], tokens: Any, ids: np.ndarray,
             reused: int) -> dict[str, float]:
    end, n = time.perf_counter(), len(times)
    decode = (times[-1] - times[0]) * 1e3 if n > 1 else 0.0
    return {"preprocess_ms": tokens.timings.get("preprocess_ms", 0.0), "encode_ms": tokens.timings["encode_ms"],
            "prefill_ms": ((times[0] if times else end) - t_gen) * 1e3, "decode_ms": decode,
            "decode_tokens_per_s": (n - 1) / (decode / 1e3) if decode > 0 else 0.0, "total_ms": (end - t0) * 1e3,
            "prompt_tokens": float(ids.shape[1]), "image_tokens": float(tokens.tokens.shape[0]),
            "new_tokens": float(n), "cached_image": tokens.timings.get("cached", 0.0),
            "reused_prefix_tokens": float(reused)}
