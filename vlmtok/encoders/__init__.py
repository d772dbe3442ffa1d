"""Vision encoders chosen by name: one registry, one ``encode`` that returns named token outputs.

>>> enc = create_encoder("vit_small_patch14_dinov2")          # doctest: +SKIP
>>> vt = enc.encode(load_image("examples/great_wave_off_kanagawa.jpg"), size=224)   # doctest: +SKIP
>>> vt.tokens.shape, vt.grid                                  # doctest: +SKIP
(torch.Size([256, 384]), (16, 16))

- ``base``: ``VisionTokens``, the ``Encoder`` protocol and ``EncoderSpec``.
- ``registry``: ``register_encoder(spec, build)``, ``create_encoder``, ``list_encoders``, ``encoder_specs``,
  ``expected_weights`` (trained or random, told before loading).
- ``timm_encoder``: timm's ViTs, CNNs and hybrids, and any other timm model name; ``weights``: the offline packs.
- ``attention``: a ViT's attention weights, read in the forward pass that makes its tokens.
- ``smolvlm``: SmolVLM's own vision tower and connector.
"""
from vlmtok.encoders import timm_encoder, smolvlm  # noqa: F401, I001  (import order = registry order)
from vlmtok.encoders.base import FAMILIES, WEIGHT_SOURCES, Encoder, EncoderSpec, VisionTokens
from vlmtok.encoders.registry import (UnknownEncoderError, create_encoder, encoder_specs, expected_weights, get_spec,
                                     is_trained, list_encoders, register_encoder, register_resolver)
from vlmtok.encoders.smolvlm import SmolVLMEncoder, create_smolvlm_encoder
from vlmtok.encoders.timm_encoder import NoTokenGridError, TimmEncoder, TooLargeError

__all__ = ["FAMILIES", "WEIGHT_SOURCES", "Encoder", "EncoderSpec", "NoTokenGridError", "SmolVLMEncoder", "TimmEncoder",
           "TooLargeError", "UnknownEncoderError", "VisionTokens", "create_encoder", "create_smolvlm_encoder",
           "encoder_specs", "expected_weights", "get_spec", "is_trained", "list_encoders", "register_encoder",
           "register_resolver"]
