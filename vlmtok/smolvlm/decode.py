"""Greedy decoding for SmolVLM, one short Python step per token: the same tokens as ``generate``, less overhead.

``greedy(model, embeds, cache, ...)`` prefills with the model's own forward (so the first token and the attention
cache are exactly ``generate``'s), then decodes with ``FastStep``: the language model's decoder layers written out
(nanoGPT style) over the model's own weights and modules, keys and values written into a preallocated buffer that
the ``DynamicCache`` views, so the cache stays usable for the next turn's prefill. Per token that is one embedding
row, 30 x (norm, three projections, rope, attention, output projection, norm, MLP) and the head: no mask building,
no cache objects, no ``generate`` bookkeeping. When a model is not a Llama-style text model it decodes with the
model's forward instead (``FastStep.supports``). Tokens are yielded one by one: closing the generator stops it.

>>> for token_id in greedy(model, embeds, DynamicCache(), max_new_tokens=60, eos=[2]):  # doctest: +SKIP
...     print(token_id)
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator, Sequence
from typing import Any

import torch
import torch.nn.functional as F


@functools.lru_cache(maxsize=8)
def _cache_kwarg_for(model_class: type) -> str:
    params = inspect.signature(model_class.forward).parameters
    return "cache" if "cache" in params else "past_key_values"      # transformers 5 renamed it


def cache_kwarg(model: torch.nn.Module) -> str:
    """The name the model's ``forward`` takes its attention cache by."""
    return _cache_kwarg_for(type(model))


def text_model(model: torch.nn.Module) -> torch.nn.Module:
    """The decoder-only language model inside an Idefics3 / SmolVLM (``model.model.text_model``)."""
    inner = getattr(model, "model", model)
    return getattr(inner, "text_model", inner)


class FastStep:
    """One decode step of a Llama-style language model, over the model's own weights; writes the new key and
    value into the cache's per-layer buffers (grown in blocks, viewed by the cache)."""

    BLOCK = 128                 # buffer growth, in tokens

    def __init__(self, model: torch.nn.Module):
        self.model, self.lm = model, text_model(model)
        self.layers = list(self.lm.layers)
        attn = self.layers[0].self_attn
        self.heads, self.head_dim = self.lm.config.num_attention_heads, attn.head_dim
        self.kv_heads = self.lm.config.num_key_value_heads
        self.scale = attn.scaling
        self.head = model.lm_head

    @staticmethod
    def supports(model: torch.nn.Module) -> bool:
        lm = text_model(model)
        layers = getattr(lm, "layers", None)
        if not layers or not hasattr(model, "lm_head") or not hasattr(lm, "rotary_emb"):
            return False
        first = layers[0]
        attn, mlp = getattr(first, "self_attn", None), getattr(first, "mlp", None)
        return (type(first).__name__ == "LlamaDecoderLayer" and attn is not None and mlp is not None
                and getattr(lm.config, "_attn_implementation", "sdpa") in ("sdpa", "eager")
                and not getattr(lm.config, "attention_bias", False) and not getattr(lm.config, "mlp_bias", False))

    def _buffers(self, cache: Any, n: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per layer, (keys, values) buffers with room for position ``n``; the cache's tensors become views."""
        out = []
        for layer in cache.layers:
            keys, values = layer.keys, layer.values
            base = getattr(layer, "_vlmtok_buffers", None)
            if base is None or base[0].shape[-2] <= n or keys.data_ptr() != base[0].data_ptr():
                room = n + self.BLOCK
                bk = keys.new_empty(*keys.shape[:-2], room, keys.shape[-1])
                bv = values.new_empty(*values.shape[:-2], room, values.shape[-1])
                bk[..., :n, :].copy_(keys[..., :n, :])
                bv[..., :n, :].copy_(values[..., :n, :])
                base = (bk, bv)
                layer._vlmtok_buffers = base
            out.append(base)
        return out

    def __call__(self, token: torch.Tensor, cache: Any) -> torch.Tensor:
        """Logits ``[1, vocab]`` for ``token`` (``[1, 1]`` ids) at position ``cache.get_seq_length()``."""
        n = cache.get_seq_length()
        lm = self.lm
        x = lm.embed_tokens(token)                                              # [1, 1, D]
        position = torch.tensor([[n]], device=x.device)
        cos, sin = lm.rotary_emb(x, position_ids=position)                      # [1, 1, hd]
        cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
        for layer, (bk, bv), cached in zip(self.layers, self._buffers(cache, n), cache.layers):
            attn = layer.self_attn
            h = layer.input_layernorm(x)
            q = attn.q_proj(h).view(1, 1, self.heads, self.head_dim).transpose(1, 2)
            k = attn.k_proj(h).view(1, 1, self.kv_heads, self.head_dim).transpose(1, 2)
            v = attn.v_proj(h).view(1, 1, self.kv_heads, self.head_dim).transpose(1, 2)
            q, k = q * cos + _rotate_half(q) * sin, k * cos + _rotate_half(k) * sin
            bk[..., n:n + 1, :].copy_(k)
            bv[..., n:n + 1, :].copy_(v)
            cached.keys, cached.values = bk[..., :n + 1, :], bv[..., :n + 1, :]
            y = _attend(q, cached.keys, cached.values, self.scale, self.heads // self.kv_heads)
            x = x + attn.o_proj(y.transpose(1, 2).reshape(1, 1, -1))
            x = x + layer.mlp(layer.post_attention_layernorm(x))
        return self.head(lm.norm(x))[:, -1]


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def _attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: float, groups: int) -> torch.Tensor:
    """One query over all cached keys, each key head shared by ``groups`` query heads.

    In fp32 on the CPU it is written out (``softmax(q k^T * scale) v``): for a single query PyTorch's CPU flash
    kernel spent ~4 ms a layer, 60% of a decode step (profiled), on what is two small matrix products. Elsewhere
    (bf16, a GPU) it is the fused kernel, as transformers' SDPA path runs it for one token without a mask.
    """
    if q.dtype == torch.float32 and q.device.type == "cpu":
        b, heads, _, d = q.shape
        q = q.reshape(b, k.shape[1], groups, d)                       # the query heads that share each key head
        weights = torch.softmax((q @ k.transpose(-1, -2)) * scale, dim=-1)
        return (weights @ v).reshape(b, heads, 1, d)
    if groups > 1:
        return F.scaled_dot_product_attention(q, k, v, scale=scale, enable_gqa=True)
    return F.scaled_dot_product_attention(q, k, v, scale=scale)


@functools.lru_cache(maxsize=8)
def _fast_step(model: torch.nn.Module) -> FastStep | None:
    return FastStep(model) if FastStep.supports(model) else None


def _forward_step(model: torch.nn.Module, token: torch.Tensor, cache: Any) -> torch.Tensor:
    n = cache.get_seq_length()
    out = model(input_ids=token, use_cache=True, cache_position=torch.tensor([n], device=token.device),
                logits_to_keep=1, **{cache_kwarg(model): cache})
    return out.logits[:, -1]


def _pick(logits: torch.Tensor, eos: Sequence[int], allow_eos: bool) -> int:
    if not allow_eos and eos:
        logits = logits.clone()
        logits[..., list(eos)] = float("-inf")
    return int(logits.argmax(-1))


def greedy(model: torch.nn.Module, embeds: torch.Tensor, cache: Any, *, max_new_tokens: int,
           eos: Sequence[int] = (), min_new_tokens: int = 0, fast: bool = True) -> Iterator[int]:
    """Greedy new token ids after ``embeds`` (``[1, L, D]``, the part of the prompt ``cache`` does not hold yet).

    The same ids as ``model.generate(inputs_embeds=..., do_sample=False)`` with ``max_new_tokens``,
    ``min_new_tokens`` and ``eos_token_id=eos``; the end-of-turn token is yielded last, as ``generate`` returns it.
    Afterwards ``cache`` holds every position but the last token's (as after ``generate``).
    """
    step = _fast_step(model) if fast else None
    with torch.inference_mode():
        start = cache.get_seq_length()
        position = torch.arange(start, start + embeds.shape[1], device=embeds.device)
        out = model(inputs_embeds=embeds, use_cache=True, cache_position=position, logits_to_keep=1,
                    attention_mask=torch.ones(1, start + embeds.shape[1], dtype=torch.long, device=embeds.device),
                    **{cache_kwarg(model): cache})
        logits = out.logits[:, -1]
        for i in range(max_new_tokens):
            token = _pick(logits, eos, allow_eos=i >= min_new_tokens)
            yield token
            if token in eos or i + 1 == max_new_tokens:
                return
            ids = torch.tensor([[token]], device=embeds.device)
            logits = step(ids, cache) if step is not None else _forward_step(model, ids, cache)
