"""SmolVLM-256M-Instruct's own configuration, processor and tokenizer, shipped with vlmtok (no weights).

With these files the real processor runs offline: the real tokenizer and chat template, the real image tiling and
prompt expansion. Token counts and prompts are then the ones the model sees. Random-weight stand-ins (benchmarks,
tests) are built from the same ``config.json``. Source and licence: ``files/SmolVLM-256M-Instruct/SOURCE.md``.

>>> reference_processor().image_seq_len      # doctest: +SKIP
64
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from vlmtok.smolvlm.tiles import Geometry

REFERENCE_DIR = Path(__file__).resolve().parent / "files" / "SmolVLM-256M-Instruct"
REFERENCE_MODEL_ID = "HuggingFaceTB/SmolVLM-256M-Instruct"


def reference_processor(geometry: Geometry | None = None):
    """The real ``Idefics3Processor`` of SmolVLM-256M-Instruct, from the shipped files (never the network).

    Args:
        geometry: another tile geometry (a tiny test model's, say): the image processor and the number of image
            tokens per tile follow it; None keeps the checkpoint's (512 px tiles, 64 tokens each).
    """
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained(str(REFERENCE_DIR), local_files_only=True)
    if geometry is not None:
        processor.image_processor.size = {"longest_edge": geometry.default_longest_edge}
        processor.image_processor.max_image_size = {"longest_edge": geometry.tile_px}
        processor.image_seq_len = geometry.tokens_per_tile
    return processor


def reference_config(*, text: dict[str, Any] | None = None, vision: dict[str, Any] | None = None,
                     **overrides: Any):
    """The checkpoint's ``config.json`` as a transformers config; ``text`` / ``vision`` override sub-config fields.

    Keeping the vocabulary and special-token ids while shrinking the widths gives a tiny model whose prompts are the
    real ones.
    """
    import json

    from transformers import AutoConfig

    raw = json.loads((REFERENCE_DIR / "config.json").read_text(encoding="utf-8"))
    raw.pop("architectures", None)
    raw["text_config"] = {**raw.get("text_config", {}), **(text or {})}
    raw["vision_config"] = {**raw.get("vision_config", {}), **(vision or {})}
    raw.update(overrides)
    return AutoConfig.for_model(**raw)
