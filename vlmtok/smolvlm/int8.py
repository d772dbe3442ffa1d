"""Opt-in int8 weights for SmolVLM's language model on the CPU (``VLMTOK_INT8=1``): a quarter of the bytes per token.

Decode on a CPU reads every weight of the language model once per token, so it is bound by memory bandwidth;
int8 weights (per-tensor scales, activations quantised on the fly: PyTorch's dynamic quantisation, fbgemm/x86
kernels) read four times less. The vision tower and connector stay float32. Random weights say nothing about
wording: the effect of int8 on what the real model writes has not been measured, and the narration says it ran
in int8 (``timings["int8"]``, and the byline).
"""
from __future__ import annotations

import logging
import warnings

import torch

from vlmtok.smolvlm.decode import text_model

log = logging.getLogger(__name__)


def linear_bytes(module: torch.nn.Module) -> int:
    """Bytes of the weights of ``module``'s linear layers (float or int8 packed)."""
    from torch.ao.nn.quantized.dynamic import Linear as Int8Linear

    total = 0
    for m in module.modules():
        if isinstance(m, Int8Linear):
            w = m.weight()
            total += w.numel() * w.element_size()
        elif isinstance(m, torch.nn.Linear):
            total += m.weight.numel() * m.weight.element_size()
    return total


def is_int8(model: torch.nn.Module) -> bool:
    return bool(getattr(model, "_vlmtok_int8", False))


def quantize_language_model(model: torch.nn.Module) -> dict[str, float]:
    """Quantise the language model's linear layers and the head of ``model`` to int8, in place (once).

    Returns ``{"before_mb", "after_mb"}`` of those layers. For a float32 model on the CPU only: any other is left
    as it is (and ``{}`` returned).
    """
    if is_int8(model):
        return {}
    first = next(model.parameters())
    if first.device.type != "cpu" or first.dtype != torch.float32:
        log.warning("int8 weights are for a float32 model on the CPU; the model stays as it is (%s, %s)",
                    first.device, first.dtype)
        return {}
    from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic

    lm = text_model(model)
    names = {name for name, m in model.named_modules()
             if isinstance(m, torch.nn.Linear) and (any(m is x for x in lm.modules()) or name == "lm_head")}
    before = linear_bytes(lm) + linear_bytes(model.lm_head)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                    # PyTorch marks the quantised tensor API as deprecated
        quantize_dynamic(model, {name: default_dynamic_qconfig for name in names}, dtype=torch.qint8, inplace=True)
    model._vlmtok_int8 = True
    after = linear_bytes(text_model(model)) + linear_bytes(model.lm_head)
    log.info("SmolVLM language model in int8: %.0f MB -> %.0f MB of linear weights", before / 1e6, after / 1e6)
    return {"before_mb": before / 1e6, "after_mb": after / 1e6}
