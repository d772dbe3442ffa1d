"""SmolVLM checkpoints: one record each, with every name the model goes by and the sizes that matter.

A checkpoint is known by its Hub id (``HuggingFaceTB/SmolVLM-256M-Instruct``), its short name on the Hub
(``SmolVLM-256M-Instruct``, used in the ledger) and, when its vision tower is offered as an encoder, its encoder
name (``smolvlm-256m``). ``checkpoint(name)`` accepts any of them.

>>> checkpoint("smolvlm-256m").model_id
'HuggingFaceTB/SmolVLM-256M-Instruct'
>>> checkpoint("SmolVLM-500M-Instruct").d_llm
960
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_MODEL_ID = "HuggingFaceTB/SmolVLM-256M-Instruct"

# SigLIP-B/16 at 512 px: the vision tower of SmolVLM-256M and 500M (their config.json).
_SIGLIP_B16_512 = {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
                   "num_attention_heads": 12, "image_size": 512, "patch_size": 16,
                   "hidden_act": "gelu_pytorch_tanh", "layer_norm_eps": 1e-6}


def _arch(hidden: int, intermediate: int, layers: int, heads: int, kv_heads: int) -> dict[str, Any]:
    """A SmolVLM checkpoint: SigLIP-B/16 at 512 px, pixel shuffle 4, a SmolLM2 (Llama) text model."""
    text = {"model_type": "llama", "hidden_size": hidden, "intermediate_size": intermediate,
            "num_hidden_layers": layers, "num_attention_heads": heads, "num_key_value_heads": kv_heads,
            "head_dim": 64, "vocab_size": 49280, "max_position_embeddings": 8192, "rms_norm_eps": 1e-5,
            "rope_theta": 100000.0}
    return {"model_type": "idefics3", "scale_factor": 4, "image_token_id": 49190, "tie_word_embeddings": False,
            "vision_config": _SIGLIP_B16_512, "text_config": text}


@dataclass(frozen=True)
class Checkpoint:
    """One SmolVLM checkpoint.

    Attributes:
        model_id: the Hub id.
        encoder: the encoder-registry name of its vision tower ("" when it is not offered as an encoder).
        d_llm: width of the language model the vision tokens are projected into.
        tile_px, patch_px, scale_factor: the vision tower's tile side, SigLIP patch side and pixel-shuffle factor.
        longest_edge: the processor's default ``size["longest_edge"]`` (4 tiles across).
        architecture: the full config (as a dict) when random-weight stand-ins can be built without a download.
    """

    model_id: str
    encoder: str
    d_llm: int
    tile_px: int
    patch_px: int
    scale_factor: int
    longest_edge: int
    architecture: dict[str, Any] | None = None

    @property
    def short_name(self) -> str:
        return self.model_id.split("/")[-1]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.model_id, self.short_name, self.encoder) if n)

    @property
    def vision_config(self) -> dict[str, Any]:
        """The part of the model config that decides the token cost (what ``tiles.geometry_of`` reads)."""
        return {"vision_config": {"image_size": self.tile_px, "patch_size": self.patch_px},
                "scale_factor": self.scale_factor}


CHECKPOINTS: tuple[Checkpoint, ...] = (
    Checkpoint("HuggingFaceTB/SmolVLM-256M-Instruct", "smolvlm-256m", 576, 512, 16, 4, 2048,
               _arch(576, 1536, 30, 9, 3)),                       # SmolLM2-135M
    Checkpoint("HuggingFaceTB/SmolVLM-500M-Instruct", "smolvlm-500m", 960, 512, 16, 4, 2048,
               _arch(960, 2560, 32, 15, 5)),                      # SmolLM2-360M
    Checkpoint("HuggingFaceTB/SmolVLM-Instruct", "", 2048, 384, 14, 3, 1536),   # SmolLM2-1.7B; no stand-in
)

_BY_NAME: dict[str, Checkpoint] = {name: c for c in CHECKPOINTS for name in c.names}


def checkpoint(name: str) -> Checkpoint:
    """The record for a Hub id, a short name or an encoder name.

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if name not in _BY_NAME:
        raise ValueError(f"Unknown SmolVLM checkpoint {name!r}; known: {', '.join(c.model_id for c in CHECKPOINTS)}")
    return _BY_NAME[name]


def model_id_of(name: str) -> str:
    """A known alias resolved to its Hub id; any other string is taken to be a Hub id already."""
    return _BY_NAME[name].model_id if name in _BY_NAME else name


def encoder_checkpoints() -> list[Checkpoint]:
    """Checkpoints whose vision tower is offered as an encoder, in order."""
    return [c for c in CHECKPOINTS if c.encoder]


def smolvlm_config(model_id: str = DEFAULT_MODEL_ID, **overrides: Any):
    """The transformers config of a known SmolVLM checkpoint, built from the record (no download)."""
    from transformers import AutoConfig

    arch = _BY_NAME[model_id].architecture if model_id in _BY_NAME else None      # any alias or the Hub id
    if arch is None:
        known = ", ".join(c.model_id for c in CHECKPOINTS if c.architecture)
        raise ValueError(f"No built-in architecture for {model_id!r}; known: {known}")
    return AutoConfig.for_model(**{**arch, **overrides})
