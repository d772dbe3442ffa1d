"""SmolVLM, the vision-language model vlmtok narrates with: its checkpoints, tiling, vision tower and loading.

- ``checkpoints``: one record per checkpoint (Hub id, aliases, architecture, language-model width, tile geometry).
- ``tiles``: how many tiles and tokens a picture costs at a detail level, by the image processor's rules.
- ``tower``: the model's own vision tower and connector behind a per-image token cache; the splice into
  ``inputs_embeds``.
- ``loading``: the real checkpoint (Hub or local cache) and random-weight stand-ins with the real architecture.
- ``decode``: the greedy decoder (one short step per token); ``generate``: one narration's GPU work as one job of
  plain values; ``zerogpu``: ``spaces.GPU`` where it works and its quota errors in plain words; ``int8``: opt-in
  int8 weights for the language model on the CPU.

This package imports nothing from ``vlmtok.encoders``; the encoder registry wraps the tower
(``vlmtok.encoders.smolvlm``).
"""
from vlmtok.smolvlm.checkpoints import (CHECKPOINTS, DEFAULT_MODEL_ID, Checkpoint, checkpoint, encoder_checkpoints,
                                        model_id_of, smolvlm_config)
from vlmtok.smolvlm.loading import (LoadedSmolVLM, SmolVLMUnavailable, default_image_processor, load_smolvlm,
                                    random_smolvlm, random_smolvlm_shared, smolvlm_available)
from vlmtok.smolvlm.tiles import (DETAILS, Geometry, TilePlan, check_detail, geometry_of, image_kwargs, image_prompt,
                                  resolve_detail, tile_plan)
from vlmtok.smolvlm.tower import SmolVLMImageTokens, SmolVLMVisionTower, splice_image_tokens
from vlmtok.smolvlm import zerogpu  # noqa: E402, F401  (light: settings, errors, i18n)

__all__ = ["CHECKPOINTS", "DEFAULT_MODEL_ID", "DETAILS", "Checkpoint", "Geometry", "LoadedSmolVLM",
           "SmolVLMImageTokens", "SmolVLMUnavailable", "SmolVLMVisionTower", "TilePlan", "check_detail", "checkpoint",
           "default_image_processor", "encoder_checkpoints", "geometry_of", "image_kwargs", "image_prompt",
           "load_smolvlm", "model_id_of", "random_smolvlm", "random_smolvlm_shared", "resolve_detail",
           "smolvlm_available", "smolvlm_config", "splice_image_tokens", "tile_plan"]
