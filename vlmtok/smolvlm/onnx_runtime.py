"""SmolVLM's published ONNX files in ONNX Runtime on the CPU: vision tokens, the splice, a greedy decoder with a cache.

The files are the model's own (``onnx/*.onnx`` beside the PyTorch weights on the Hub; ``onnx_graph`` names their
inputs and outputs), found in the local Hugging Face cache, downloaded like the PyTorch weights (also by
``vlmtok prefetch``), or in a folder of the same layout (``vlmtok.smolvlm.onnx_export`` writes one). vlmtok keeps
its design: it cuts the tiles with the processor, computes the vision tokens once per picture (the model's own
``vision_encoder`` file, or a PyTorch tower it is given), writes them at the ``<image>`` positions of the text
embeddings (``embed_tokens``), and runs ``decoder_model_merged`` on ``inputs_embeds`` with the key/value cache fed
back each step. Decode on a CPU reads every weight once per token, so it is bound by memory bandwidth: the smaller
the weights, the faster (``WEIGHT_BYTES``).

>>> rt = OnnxSmolVLM(find_onnx_files("HuggingFaceTB/SmolVLM-256M-Instruct", "q4"))          # doctest: +SKIP
>>> tokens = rt.encode(image, "low"); ids = rt.prompt_ids(messages, tokens)                  # doctest: +SKIP
>>> for token_id in rt.greedy(rt.splice(ids, tokens), OnnxCache(), max_new_tokens=60, eos=[2]): ...  # doctest: +SKIP
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from vlmtok.smolvlm.onnx_export import file_name

log = logging.getLogger(__name__)

DEFAULT_WEIGHTS = "q4"            # decoder: the fewest bytes per token; decode 3.1x PyTorch fp32 here, int8 2.0x (bench)
DEFAULT_VISION_WEIGHTS = "int8"   # vision encoder: a quarter of fp32's bytes; tokens within 2% (tests)
WEIGHT_BYTES = {"fp32": 4.0, "int8": 1.0, "q4": 0.5 + 4 / 32}   # per weight (q4: a float scale per 32)
Q4_ACCURACY_LEVEL = 4             # MatMulNBits: int8 products on 4-bit weights (the CPU's fast kernels)
PROCESSOR_FILES = ("config.json", "preprocessor_config.json", "processor_config.json", "tokenizer.json",
                   "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "chat_template.json",
                   "chat_template.jinja", "generation_config.json")
TOKEN_CACHE_SIZE = 16


def onnx_file_names(weights: str = DEFAULT_WEIGHTS, vision_weights: str | None = DEFAULT_VISION_WEIGHTS
                    ) -> list[str]:
    """The ONNX files the narrator reads (what ``prefetch`` downloads): decoder, text embeddings, vision encoder."""
    names = [file_name("decoder_model_merged", weights), file_name("embed_tokens", "fp32")]
    return names + ([file_name("vision_encoder", vision_weights)] if vision_weights else [])


@dataclass(frozen=True)
class OnnxFiles:
    """Where one model's ONNX files and processor files are. ``vision`` None: the vision tokens come from a
    PyTorch tower the caller gives."""

    root: Path                     # the folder with config.json, the tokenizer and onnx/
    decoder: Path
    embed: Path
    vision: Path | None
    weights: str                   # the decoder's format: "fp32", "int8", "q4"
    vision_weights: str | None
    source: str                    # "local-cache", "hub" or "folder"


def _in_folder(folder: Path, weights: str, vision_weights: str | None, source: str) -> OnnxFiles | None:
    decoder, embed = folder / file_name("decoder_model_merged", weights), folder / file_name("embed_tokens", "fp32")
    vision = folder / file_name("vision_encoder", vision_weights) if vision_weights else None
    if not decoder.is_file() or not embed.is_file() or (vision is not None and not vision.is_file()):
        return None
    return OnnxFiles(folder, decoder, embed, vision, weights, vision_weights, source)


def find_onnx_files(model_id: str, weights: str = DEFAULT_WEIGHTS,
                    vision_weights: str | None = DEFAULT_VISION_WEIGHTS, folder: str | Path | None = None,
                    download: bool = False) -> OnnxFiles | None:
    """The model's ONNX files in ``folder``, else in the local Hugging Face cache, else (``download``) from the Hub.

    Returns None when they are not there (and not downloaded). Raises ``ValueError`` for an unknown format.
    """
    onnx_file_names(weights, vision_weights)                        # refuses unknown formats
    if folder is not None:
        return _in_folder(Path(folder), weights, vision_weights, "folder")
    from huggingface_hub import try_to_load_from_cache

    config = try_to_load_from_cache(model_id, "config.json")
    if isinstance(config, str):
        found = _in_folder(Path(config).parent, weights, vision_weights, "local-cache")
        if found is not None:
            return found
    if not download:
        return None
    return _download(model_id, weights, vision_weights)


def _download(model_id: str, weights: str, vision_weights: str | None) -> OnnxFiles | None:
    from huggingface_hub import snapshot_download

    patterns = [*PROCESSOR_FILES, *(f"{name}*" for name in onnx_file_names(weights, vision_weights))]
    root = Path(snapshot_download(model_id, allow_patterns=patterns))
    return _in_folder(root, weights, vision_weights, "hub")


# ----------------------------------------------------------------------------------------------------------------
# Sessions


def session_options(threads: int | None = None) -> Any:
    """One intra-op pool of ``threads`` (default: the cores this process may use), graph optimisations on."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or len(os.sched_getaffinity(0))
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return opts


def _model_bytes(path: Path) -> str | bytes:
    """The file itself, or (a q4 file whose MatMulNBits compute in float) its graph with int8 products switched on."""
    import onnx

    if "_q4" not in path.name:
        return str(path)
    model = onnx.load(str(path), load_external_data=True)
    changed = False
    for node in model.graph.node:
        if node.op_type != "MatMulNBits":
            continue
        level = next((a for a in node.attribute if a.name == "accuracy_level"), None)
        if level is None or level.i != Q4_ACCURACY_LEVEL:
            if level is not None:
                node.attribute.remove(level)
            node.attribute.append(onnx.helper.make_attribute("accuracy_level", Q4_ACCURACY_LEVEL))
            changed = True
    return model.SerializeToString() if changed else str(path)


def open_session(path: Path, threads: int | None = None) -> Any:
    import onnxruntime as ort

    return ort.InferenceSession(_model_bytes(path), session_options(threads), providers=["CPUExecutionProvider"])


# ----------------------------------------------------------------------------------------------------------------
# The key/value cache


@dataclass
class OnnxCache:
    """The decoder's ``present`` tensors fed back as ``past_key_values``, and the token ids they cover."""

    past: dict[str, np.ndarray] = field(default_factory=dict)     # "past_key_values.{i}.key" -> [1, kv, T, hd]
    ids: list[int] = field(default_factory=list)

    @property
    def length(self) -> int:
        return next(iter(self.past.values())).shape[2] if self.past else 0

    def crop(self, keep: int) -> None:
        """Keep the first ``keep`` positions (a follow-up that shares only part of the conversation)."""
        self.past = {k: np.ascontiguousarray(v[:, :, :keep]) for k, v in self.past.items()}
        self.ids = self.ids[:keep]


# ----------------------------------------------------------------------------------------------------------------
# The model in ONNX Runtime


class OnnxSmolVLM:
    """One SmolVLM's ONNX files, opened (decoder and embeddings at once, the vision encoder on first use).

    Args:
        files: from ``find_onnx_files`` (or ``OnnxFiles`` of an exported folder).
        processor: the model's processor (default: loaded from ``files.root``).
        tower: a PyTorch ``SmolVLMVisionTower`` to take the vision tokens from when ``files.vision`` is None.
        threads: ONNX Runtime intra-op threads (default: every core this process may use).
    """

    def __init__(self, files: OnnxFiles, processor: Any = None, tower: Any = None, threads: int | None = None):
        from transformers import AutoConfig, AutoProcessor

        from vlmtok.smolvlm.tiles import geometry_of

        self.files, self.threads, self.tower = files, threads, tower
        self.processor = processor or AutoProcessor.from_pretrained(str(files.root), local_files_only=True)
        self.config = AutoConfig.from_pretrained(str(files.root), local_files_only=True)
        self.geometry = geometry_of(self.config, self.processor)
        self.image_token_id = int(self.processor.tokenizer.convert_tokens_to_ids("<image>"))
        t0 = time.perf_counter()
        self.decoder, self.embedder = open_session(files.decoder, threads), open_session(files.embed, threads)
        self._vision = None
        self._vision_lock = threading.Lock()
        self.load_s = time.perf_counter() - t0
        self.outputs = [o.name for o in self.decoder.get_outputs()]
        kv = next(i for i in self.decoder.get_inputs() if i.name.startswith("past_key_values."))
        self.kv_shape = (int(kv.shape[1]), int(kv.shape[3]))              # (kv_heads, head_dim)
        self.layers = sum(1 for i in self.decoder.get_inputs() if i.name.endswith(".key"))
        self._tokens: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()
        log.info("ONNX Runtime SmolVLM: %s (%s) and %s opened in %.1f s", files.decoder.name, files.weights,
                 files.embed.name, self.load_s)

    # -- vision ------------------------------------------------------------------------------------------------

    @property
    def vision(self) -> Any:
        with self._vision_lock:
            if self._vision is None and self.files.vision is not None:
                self._vision = open_session(self.files.vision, self.threads)
        return self._vision

    def preprocess(self, image: Image.Image, detail: str) -> dict[str, Any]:
        """The processor's own tiling (numpy): ``pixel_values [1, T, 3, t, t]``, the mask, rows, cols."""
        from vlmtok.smolvlm.tiles import check_detail, image_kwargs

        ip = getattr(self.processor, "image_processor", self.processor)
        out = ip([[image.convert("RGB")]], return_row_col_info=True, return_tensors="np",
                 **image_kwargs(check_detail(detail), self.geometry))
        return {"pixel_values": out["pixel_values"].astype(np.float32),
                "pixel_attention_mask": np.asarray(out["pixel_attention_mask"]).astype(bool),
                "rows": int(out["rows"][0][0]), "cols": int(out["cols"][0][0])}

    def encode(self, image: Image.Image, detail: str = "low"):
        """Vision tokens of ``image`` (``SmolVLMImageTokens``), once per picture and detail."""
        from vlmtok.cache import image_hash

        if self.files.vision is None:
            if self.tower is None:
                raise RuntimeError("no vision encoder file and no PyTorch vision tower to take the tokens from")
            return self.tower.encode(image, detail)
        key = (image_hash(image), detail)
        with self._lock:
            hit = self._tokens.get(key)
            if hit is not None:
                self._tokens.move_to_end(key)
                return _cached(hit)
        tokens = self._encode_fresh(image, detail, key[0])
        with self._lock:
            self._tokens[key] = tokens
            while len(self._tokens) > TOKEN_CACHE_SIZE:
                self._tokens.popitem(last=False)
        return tokens

    def _encode_fresh(self, image: Image.Image, detail: str, digest: str):
        import torch

        from vlmtok.smolvlm.tower import SmolVLMImageTokens

        t0 = time.perf_counter()
        pre = self.preprocess(image, detail)
        if not pre["pixel_attention_mask"].all():
            raise ValueError("a tile with padding: the vision encoder file is run on whole tiles only")
        t1 = time.perf_counter()
        features = self.vision.run(["image_features"], {"pixel_values": pre["pixel_values"],
                                                        "pixel_attention_mask": pre["pixel_attention_mask"]})[0]
        t2 = time.perf_counter()
        geo = self.geometry
        return SmolVLMImageTokens(
            tokens=torch.from_numpy(features.reshape(-1, features.shape[-1])), rows=pre["rows"], cols=pre["cols"],
            token_grid=geo.token_grid, patch_grid=geo.patch_grid, pixel_shuffle=geo.scale_factor, detail=detail,
            image_hash=digest, timings={"preprocess_ms": (t1 - t0) * 1e3, "encode_ms": (t2 - t1) * 1e3,
                                        "cached": 0.0})

    # -- text --------------------------------------------------------------------------------------------------

    def prompt_ids(self, messages: list[dict[str, Any]], tokens: Any) -> np.ndarray:
        """``[1, L]`` ids: the chat with ``<image>`` expanded as the processor expands it (the PyTorch path's own)."""
        from vlmtok.smolvlm.generate import prompt_ids

        return prompt_ids(self.processor, messages, tokens).numpy()

    def embed(self, ids: np.ndarray) -> np.ndarray:
        """``[1, L]`` ids -> ``[1, L, D]`` text embeddings (the published ``embed_tokens`` file)."""
        return self.embedder.run(["inputs_embeds"], {"input_ids": np.asarray(ids, dtype=np.int64)})[0]

    def splice(self, ids: np.ndarray, tokens: Any) -> np.ndarray:
        """Text embeddings with the vision tokens written at the ``<image>`` positions, in order."""
        embeds = self.embed(ids)
        mask = ids == self.image_token_id                                  # [1, L]
        vision = tokens.tokens.detach().float().cpu().numpy() if hasattr(tokens, "tokens") else np.asarray(tokens)
        if int(mask.sum()) != vision.shape[0]:
            raise ValueError(f"{int(mask.sum())} image placeholders in the prompt but {vision.shape[0]} vision tokens")
        embeds[mask] = vision.astype(embeds.dtype)
        return embeds

    # -- decoding ----------------------------------------------------------------------------------------------

    def step(self, embeds: np.ndarray, cache: OnnxCache) -> np.ndarray:
        """Run the decoder on ``embeds [1, S, D]`` after what ``cache`` holds; returns the last logits ``[vocab]``
        and leaves the new keys and values in ``cache``."""
        past, n = cache.length, embeds.shape[1]
        feeds = {"inputs_embeds": embeds, "attention_mask": np.ones((1, past + n), dtype=np.int64),
                 "position_ids": np.arange(past, past + n, dtype=np.int64)[None]}
        feeds.update(cache.past or self._empty())
        out = self.decoder.run(self.outputs, feeds)
        cache.past = {name.replace("present.", "past_key_values."): value
                      for name, value in zip(self.outputs[1:], out[1:])}
        return out[0][0, -1]

    def _empty(self) -> dict[str, np.ndarray]:
        kv, hd = self.kv_shape
        empty = np.zeros((1, kv, 0, hd), dtype=np.float32)
        return {f"past_key_values.{i}.{part}": empty for i in range(self.layers) for part in ("key", "value")}

    def greedy(self, embeds: np.ndarray, cache: OnnxCache, *, max_new_tokens: int, eos: Sequence[int] = (),
               min_new_tokens: int = 0) -> Iterator[int]:
        """Greedy new token ids after ``embeds`` (the part of the prompt ``cache`` does not hold), the same rule as
        ``vlmtok.smolvlm.decode.greedy``: end tokens barred for ``min_new_tokens``, the end token yielded last.
        Afterwards ``cache`` holds every position but the last token's."""
        logits = self.step(embeds, cache)
        for i in range(max_new_tokens):
            if i < min_new_tokens and eos:
                logits = logits.copy()
                logits[list(eos)] = -np.inf
            token = int(np.argmax(logits))
            yield token
            if token in eos or i + 1 == max_new_tokens:
                return
            logits = self.step(self.embed(np.array([[token]])), cache)


def _cached(value: Any) -> Any:
    """A token-cache hit: the same tokens, timings saying no encode happened."""
    import dataclasses

    return dataclasses.replace(value, timings={"preprocess_ms": 0.0, "encode_ms": 0.0, "cached": 1.0})
