"""``describe(image, lang=..., tier=...) -> Narration``: one call from a picture to a description.

The picture may be a path, bytes or a PIL image; anything from outside goes through the safe intake
(``vlmtok.load_image``). The narrator is chosen as ``get_narrator`` chooses it ("auto": the best one available here),
and the result says which narrator wrote it, with which model and weights.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image

from vlmtok.images import load_image
from vlmtok.narrate.base import Narration, NarrationRequest


def describe(image: str | Path | bytes | Image.Image, *, lang: str = "en", tier: str = "short",
             audience: str = "adult", label_text: str | None = None, question: str | None = None,
             narrator: str = "auto", detail: str = "auto", **narrator_options: Any) -> Narration:
    """Describe an artwork.

    Args:
        image: a path, the file's bytes, or a PIL image (converted to upright 8-bit RGB by the safe intake).
        lang, tier, audience, label_text, question, detail: as ``NarrationRequest``.
        narrator: "auto" or a registered narrator name (``vlmtok.narrate.list_narrators()``).
        **narrator_options: passed to the narrator (e.g. ``model_id=`` for SmolVLM).

    Raises:
        vlmtok.VisitorError: a picture that cannot be used (its ``user_message_for(lang)`` says why).
    """
    from vlmtok.narrate import get_narrator

    picture = image if isinstance(image, Image.Image) else load_image(image)
    chosen, _reason = get_narrator(narrator, lang=lang, **narrator_options)
    request = NarrationRequest(lang=lang, tier=tier, audience=audience, label_text=label_text, question=question,
                               detail=detail)
    return chosen.describe(picture, request)
