"""Pictures of tokens: pure functions from a picture and ``VisionTokens`` to a PIL image.

One module per kind of picture:

- ``grid``: the patch grid on the encoder's input, Swin windows and stages, a CNN cell's receptive field;
- ``features``: PCA colours (foreground / background), token norms, similarity to a tapped patch;
- ``attention``: class-token attention and attention rollout for ViTs (removable hooks);
- ``compression``: merge groups, pixel-shuffle blocks, pooled cells;
- ``sheet``: several scales side by side, and the encoder comparison sheet.

Every picture made from random weights carries a red banner: geometry only, colours mean nothing.

>>> vt = create_encoder("vit_small_patch14_dinov2").encode(load_image("examples/durer_lion.jpg"), 224)  # doctest: +SKIP
>>> patch_grid(vt, scale=2).save("grid.png"); pca_picture(vt).save("pca.png")  # doctest: +SKIP
"""
from vlmtok.visualize.attention import (
    AttentionMaps,
    attention_picture,
    attention_rollout,
    capture_attention,
    cls_attention,
    cls_attention_picture,
    rollout_picture,
)
from vlmtok.visualize.compression import compression_picture, group_members
from vlmtok.visualize.features import (
    PCAResult,
    norm_picture,
    pca_picture,
    pca_tokens,
    similarity,
    similarity_picture,
    tap_to_cell,
    token_norms,
)
from vlmtok.visualize.grid import (
    ReceptiveField,
    patch_grid,
    receptive_field,
    receptive_field_picture,
    stage_merging,
    swin_windows,
)
from vlmtok.visualize.sheet import (
    Comparison,
    compare,
    comparison_sheet,
    multiscale_picture,
    run_encoders,
)

__all__ = [
    "AttentionMaps", "Comparison", "PCAResult", "ReceptiveField", "attention_picture", "attention_rollout",
    "capture_attention", "cls_attention", "cls_attention_picture", "compare", "comparison_sheet",
    "compression_picture", "group_members", "multiscale_picture", "norm_picture", "patch_grid", "pca_picture",
    "pca_tokens", "receptive_field", "receptive_field_picture", "rollout_picture", "run_encoders", "similarity",
    "similarity_picture", "stage_merging", "swin_windows", "tap_to_cell", "token_norms",
]
