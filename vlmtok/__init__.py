"""vlmtok: see how vision encoders turn an artwork into tokens, describe it, and speak it.

>>> from vlmtok import load_image, create_encoder, list_encoders, describe, speak
>>> img = load_image("examples/great_wave_off_kanagawa.jpg")                 # doctest: +SKIP
>>> vt = create_encoder("vit_small_patch14_dinov2").encode(img, size=224)    # doctest: +SKIP
>>> vt.tokens.shape, vt.grid                                                 # doctest: +SKIP
(torch.Size([256, 384]), (16, 16))
>>> describe(img, lang="vi", tier="short").text                             # doctest: +SKIP

The names below are imported on first use, so ``import vlmtok`` (and ``python -m vlmtok speak``) never pays for
torch; type checkers and ``dir(vlmtok)`` see them all.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.2.0"

_EXPORTS: dict[str, str] = {
    # intake
    "load_image": "vlmtok.images",
    "ImageInputError": "vlmtok.images",
    "find_artwork": "vlmtok.frame",
    # encoders
    "create_encoder": "vlmtok.encoders",
    "list_encoders": "vlmtok.encoders",
    "encoder_specs": "vlmtok.encoders",
    "VisionTokens": "vlmtok.encoders",
    "Encoder": "vlmtok.encoders",
    # the seed's pipeline
    "encode_multiscale": "vlmtok.tokens",
    "merge_tokens": "vlmtok.tokens",
    "VisionProjector": "vlmtok.tokens",
    # narration
    "describe": "vlmtok.session",
    "get_narrator": "vlmtok.narrate",
    "list_narrators": "vlmtok.narrate",
    "Narration": "vlmtok.narrate.base",
    "NarrationRequest": "vlmtok.narrate.base",
    # speech
    "speak": "vlmtok.speech",
    "SpeechResult": "vlmtok.speech",
    # errors a visitor can meet
    "VisitorError": "vlmtok.errors",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from vlmtok.encoders import Encoder, VisionTokens, create_encoder, encoder_specs, list_encoders
    from vlmtok.errors import VisitorError
    from vlmtok.frame import find_artwork
    from vlmtok.images import ImageInputError, load_image
    from vlmtok.narrate import get_narrator, list_narrators
    from vlmtok.narrate.base import Narration, NarrationRequest
    from vlmtok.session import describe
    from vlmtok.speech import SpeechResult, speak
    from vlmtok.tokens import VisionProjector, encode_multiscale, merge_tokens


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value          # later lookups are plain attribute reads
        return value
    raise AttributeError(f"module 'vlmtok' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
