"""Loading SmolVLM: the real checkpoints (Hub or local Hugging Face cache) and random-weight stand-ins.

``load_smolvlm`` loads once per process, on ``runtime()``'s device and dtype, and fails fast (no download timeout)
when the model is neither cached nor reachable. ``random_smolvlm`` builds the real architecture with random weights
(geometry and speed, never meaning). Both return a ``LoadedSmolVLM`` whose vision tower (and token cache) the
narrator and the encoder registry share.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import torch

from vlmtok.device import Runtime, runtime
from vlmtok.errors import VisitorError
from vlmtok.smolvlm.checkpoints import DEFAULT_MODEL_ID, smolvlm_config
from vlmtok.smolvlm.tiles import Geometry, geometry_of
from vlmtok.smolvlm.tower import SmolVLMVisionTower

log = logging.getLogger(__name__)


def default_image_processor(geometry: Geometry | None = None):
    """The Idefics3 image processor as SmolVLM's preprocessor_config.json sets it (LANCZOS, mean = std = 0.5)."""
    from transformers import Idefics3ImageProcessor

    geometry = geometry or Geometry()

    return Idefics3ImageProcessor(
        size={"longest_edge": geometry.default_longest_edge}, max_image_size={"longest_edge": geometry.tile_px},
        image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5], do_image_splitting=True, resample=1)


# ----------------------------------------------------------------------------------------------------------------
# Loading the real checkpoints (Hub or local cache), shared by the narrator and the encoder registry

class SmolVLMUnavailable(VisitorError, RuntimeError):
    """SmolVLM cannot be loaded here; ``user_message_for(lang)`` says so in plain words.

    Args:
        reason: the technical detail (logs only).
        kind: "offline" (not cached, Hub unreachable) or "failed" (it would not load); the message is the
            catalogue's ``smolvlm.<kind>``.
    """

    message_key = "smolvlm.offline"

    def __init__(self, reason: str, kind: str = "offline"):
        super().__init__(reason, key=f"smolvlm.{kind}")
        self.kind = kind


def _cached_snapshot(model_id: str) -> str | None:
    """The commit of an intact local copy (config + weights) in the Hugging Face cache, else None."""
    from huggingface_hub import try_to_load_from_cache

    config = try_to_load_from_cache(model_id, "config.json")
    if not isinstance(config, str):
        return None
    for name in ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin"):
        weights = try_to_load_from_cache(model_id, name)
        if isinstance(weights, str):
            if not _intact(config, weights):
                log.warning("The cached copy of %s is damaged; it will not be used", model_id)
                return None
            parts = config.replace("\\", "/").split("/")
            return parts[parts.index("snapshots") + 1] if "snapshots" in parts else "local"
    return None


def _intact(config: str, weights: str) -> bool:
    """Cheap checks that catch a truncated or garbage download without loading it: JSON parses, the safetensors
    header (8-byte little-endian length, then JSON) fits in the file."""
    import json
    import os

    try:
        with open(config, encoding="utf-8") as f:
            json.load(f)
        if weights.endswith(".json"):
            with open(weights, encoding="utf-8") as f:
                json.load(f)
        elif weights.endswith(".safetensors"):
            with open(weights, "rb") as f:
                n = int.from_bytes(f.read(8), "little")
                if not 0 < n <= os.path.getsize(weights) - 8:
                    return False
                json.loads(f.read(n))
        return os.path.getsize(weights) > 0
    except (OSError, ValueError):
        return False


def smolvlm_available(model_id: str = DEFAULT_MODEL_ID) -> tuple[bool, str]:
    """Can SmolVLM run here? ``(True, reason)`` when an intact copy is cached locally or the Hub answers."""
    if _cached_snapshot(model_id):
        return True, f"{model_id} is in the local Hugging Face cache"
    from vlmtok.hub import hub_available

    if hub_available():
        return True, f"{model_id} can be downloaded from the Hugging Face Hub"
    return False, f"{model_id} is not in the local cache (or the cached copy is damaged) and the Hub is not reachable"


@dataclass
class LoadedSmolVLM:
    """One loaded checkpoint and its vision tower (whose token cache the narrator and the visualisations share)."""

    model_id: str
    model: torch.nn.Module
    processor: Any
    weights_source: str                    # "hub", "local-cache" or "random"
    tower: SmolVLMVisionTower


_LOADED: dict[tuple[str, str], LoadedSmolVLM] = {}
_LOAD_LOCK = threading.Lock()


def load_smolvlm(model_id: str = DEFAULT_MODEL_ID, role: str = "narrator") -> LoadedSmolVLM:
    """Load (once per process and device) a SmolVLM/Idefics3 checkpoint the ordinary way, on ``runtime(role)``'s
    device/dtype: one copy where every role has the same device; on ZeroGPU the narrator's copy waits for the GPU
    job and the Compare tab's (``role="encoder"``) runs on the CPU (``vlmtok.device``).

    Raises:
        SmolVLMUnavailable: not cached and the Hub is unreachable (fails fast, without a download timeout), or the
            checkpoint could not be loaded.
    """
    rt = runtime(role)
    with _LOAD_LOCK:
        if (model_id, rt.name) not in _LOADED:
            _LOADED[(model_id, rt.name)] = _load_real(model_id, rt)
        return _LOADED[(model_id, rt.name)]


def _load_real(model_id: str, rt: Runtime) -> LoadedSmolVLM:
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from vlmtok.hub import hub_available

    snapshot = _cached_snapshot(model_id)
    if snapshot is None and not hub_available():
        raise SmolVLMUnavailable(f"{model_id} is not cached and the Hub is not reachable")
    local = snapshot is not None and not hub_available()
    t0 = time.perf_counter()
    try:
        processor = AutoProcessor.from_pretrained(model_id, local_files_only=local)
        model = AutoModelForImageTextToText.from_pretrained(
            model_id, dtype=rt.dtype, attn_implementation="sdpa", local_files_only=local)
    except Exception as exc:  # corrupt cache, interrupted download, unknown architecture
        raise SmolVLMUnavailable(f"{model_id} could not be loaded: {exc}", kind="failed") from exc
    model = model.eval().to(rt.device)
    source = "local-cache" if snapshot else "hub"
    commit = snapshot or getattr(model.config, "_commit_hash", None) or "unknown"
    log.info("Loaded %s (%s, %s) in %.1f s", model_id, source, rt.name, time.perf_counter() - t0)
    tower = SmolVLMVisionTower(model, processor, model_key=f"{model_id}@{commit}:{rt.name}")
    return LoadedSmolVLM(model_id, model, processor, source, tower)


def random_smolvlm(model_id: str = DEFAULT_MODEL_ID, processor: Any = None, role: str = "narrator") -> LoadedSmolVLM:
    """The real architecture of a known checkpoint with random weights (geometry, speed; never meaning).

    ``processor`` defaults to the image processor alone (enough for tokens; a narrator also needs a tokenizer).
    """
    from transformers import AutoModelForImageTextToText

    config = smolvlm_config(model_id)
    rt = runtime(role)
    model = AutoModelForImageTextToText.from_config(config, dtype=rt.dtype, attn_implementation="sdpa")
    model = model.eval().to(rt.device)
    processor = processor if processor is not None else default_image_processor(geometry_of(config))
    return LoadedSmolVLM(model_id, model, processor, "random", SmolVLMVisionTower(model, processor))


def random_smolvlm_shared(model_id: str = DEFAULT_MODEL_ID, role: str = "encoder") -> LoadedSmolVLM:
    """One random-weight stand-in per model and device for the whole process (the encoder registry's fallback)."""
    with _LOAD_LOCK:
        if (model_id, f"random:{role}") not in _LOADED:
            _LOADED[(model_id, f"random:{role}")] = random_smolvlm(model_id, role=role)
        return _LOADED[(model_id, f"random:{role}")]
