"""What several test files share: tiny SmolVLM models around the real processor, and the running app.

The tiny models keep SmolVLM-256M-Instruct's real tokenizer, chat template, vocabulary and special-token ids
(``vlmtok.smolvlm.reference``), and shrink only the widths and the tile, so prompts and image-token counts follow the
real processor's rules while a whole model builds in well under a second.
"""
from __future__ import annotations

import functools

import torch

from vlmtok.bench.app import running_app  # noqa: F401  (the app in a subprocess, as the benchmarks start it)
from vlmtok.smolvlm import Geometry, LoadedSmolVLM, SmolVLMVisionTower
from vlmtok.smolvlm.reference import reference_config, reference_processor

TINY = Geometry(tile_px=64, patch_px=8, scale_factor=2, default_longest_edge=256)   # 16 tokens per tile


@functools.lru_cache(maxsize=4)
def tiny_processor(geometry: Geometry = TINY):
    """The real processor and tokenizer, cutting ``geometry``'s tiles (one per geometry: tests only read it)."""
    return reference_processor(geometry)


def tiny_config(kind: str = "idefics3", geometry: Geometry = TINY):
    """SmolVLM-256M's config with 2-layer, 32-wide text and vision models and ``geometry``'s tile and patch."""
    from transformers import SmolVLMConfig

    config = reference_config(
        scale_factor=geometry.scale_factor,
        vision={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
                "image_size": geometry.tile_px, "patch_size": geometry.patch_px},
        text={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "head_dim": 8, "max_position_embeddings": 2048,
              "initializer_range": 0.2})       # peaky logits: greedy output depends on the picture
    if kind == "smolvlm":
        return SmolVLMConfig(**config.to_dict())
    return config


def tiny_model(kind: str = "idefics3", geometry: Geometry = TINY, seed: int = 0):
    """A random tiny Idefics3 / SmolVLM model with loud image tokens (a wrong splice changes the greedy output)."""
    from transformers import AutoModelForImageTextToText

    torch.manual_seed(seed)
    model = AutoModelForImageTextToText.from_config(tiny_config(kind, geometry), attn_implementation="sdpa").eval()
    with torch.no_grad():
        model.model.connector.modality_projection.proj.weight.mul_(30)
    return model


def tiny_smolvlm(kind: str = "idefics3", geometry: Geometry = TINY) -> LoadedSmolVLM:
    """A tiny model, the real processor, and the vision tower over both, as the narrator loads them."""
    processor = tiny_processor(geometry)
    model = tiny_model(kind, geometry)
    tok = processor.tokenizer
    model.generation_config.eos_token_id = tok.convert_tokens_to_ids("<end_of_utterance>")
    model.generation_config.pad_token_id = tok.pad_token_id
    return LoadedSmolVLM(f"tiny-{kind}", model, processor, "random", SmolVLMVisionTower(model, processor))
