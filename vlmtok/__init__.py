"""vlmtok: see how vision encoders turn an artwork into tokens, describe it, and speak it.

>>> from vlmtok import load_image, create_encoder, list_encoders
>>> img = load_image("examples/great_wave_off_kanagawa.jpg")
>>> vt = create_encoder("vit_small_patch14_dinov2").encode(img, size=224)  # doctest: +SKIP
>>> vt.tokens.shape, vt.grid  # doctest: +SKIP
(torch.Size([256, 384]), (16, 16))

Names are imported lazily, so ``import vlmtok.speech`` does not pay for torch.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "load_image": "vlmtok.images",
    "ImageInputError": "vlmtok.images",
    "create_encoder": "vlmtok.encoders",
    "list_encoders": "vlmtok.encoders",
    "VisionTokens": "vlmtok.encoders",
    "Encoder": "vlmtok.encoders",
    "encode_multiscale": "vlmtok.tokens",
    "merge_tokens": "vlmtok.tokens",
    "VisionProjector": "vlmtok.tokens",
    "get_narrator": "vlmtok.narrate",
    "speak": "vlmtok.speech",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'vlmtok' has no attribute {name!r}")
