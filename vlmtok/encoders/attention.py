"""A ViT's attention weights, read during the very forward pass that makes its tokens.

timm's fused attention (``scaled_dot_product_attention``) never materialises the weights, so we do not ask it
to. Removable forward hooks read each block's queries and keys (the outputs of ``attn.q_norm`` and
``attn.k_norm``, identity layers unless the model normalises q and k) and the weights are recomputed as
``softmax(q k^T / sqrt(d_head))``, exactly what the non-fused path computes. The model is never edited; a hook
only records calls from the thread that set it, so visitors sharing one encoder do not see each other's maps.
Models that rotate q and k after those layers (EVA's rotary embedding) are left out: the weights would be wrong.
"""
from __future__ import annotations

import threading

import torch


def attention_modules(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The global self-attention modules whose q and k can be read (``ValueError`` when there are none)."""
    blocks = getattr(model, "blocks", None)
    mods = [b.attn for b in blocks if hasattr(getattr(b, "attn", None), "q_norm")] if blocks is not None else []
    if not mods:
        raise ValueError(f"{type(model).__name__} has no global self-attention blocks to read (ViTs only)")
    if getattr(model, "rope", None) is not None:
        raise ValueError(f"{type(model).__name__} rotates q and k after q_norm (rotary embedding): not readable")
    return mods


def has_readable_attention(model: torch.nn.Module) -> bool:
    try:
        attention_modules(model)
        return True
    except ValueError:
        return False


class QKRecorder:
    """Forward hooks on ``q_norm`` / ``k_norm`` of each attention module, for the calling thread only."""

    def __init__(self, modules: list[torch.nn.Module]):
        self.modules = modules
        self.owner = threading.get_ident()
        self.q: list[torch.Tensor | None] = [None] * len(modules)
        self.k: list[torch.Tensor | None] = [None] * len(modules)
        self.handles = []
        for i, m in enumerate(modules):
            self.handles.append(m.q_norm.register_forward_hook(self._hook(self.q, i)))
            self.handles.append(m.k_norm.register_forward_hook(self._hook(self.k, i)))

    def _hook(self, store: list, i: int):
        def hook(_module, _inputs, out):
            if threading.get_ident() == self.owner:
                store[i] = out.detach()  # [B, heads, T, d_head]
        return hook

    def remove(self) -> None:
        for h in self.handles:
            h.remove()

    def weights(self) -> list[torch.Tensor]:
        """Per block ``[heads, T, T]`` (float32, CPU) of the first picture of the batch."""
        layers = []
        for m, q, k in zip(self.modules, self.q, self.k):
            scale = float(getattr(m, "scale", q.shape[-1] ** -0.5))
            layers.append(((q[0].float() * scale) @ k[0].float().transpose(-2, -1)).softmax(-1).cpu())
        return layers


def rollout(layers: list[torch.Tensor], has_cls: bool, prefix: int, grid: tuple[int, int],
            head_fusion: str = "mean") -> torch.Tensor:
    """Attention rollout (Abnar & Zuidema 2020): ``R = prod_l norm(0.5 A_l + 0.5 I)``, the residual as identity.

    Only one row of ``R`` is drawn, so it is computed as a row vector times each layer from the last to the first
    (``T^2`` per layer, not the ``T^3`` of the full product).

    Args:
        layers: per block ``[heads, T, T]``.

    Returns:
        The class token's row of ``R`` over the patches ``[h, w]`` (mean over rows without a class token).
    """
    t = layers[0].shape[-1]
    row = torch.zeros(t) if has_cls else torch.full((t,), 1.0 / t)
    if has_cls:
        row[0] = 1.0
    for a in reversed(layers):                                     # R = A_L ... A_1, so row @ A_L first
        fused = a.mean(0) if head_fusion == "mean" else a.amax(0)  # [T, T]
        fused = 0.5 * fused + 0.5 * torch.eye(t)
        row = row @ (fused / fused.sum(-1, keepdim=True))          # [T]
    return row[prefix:].reshape(grid)
