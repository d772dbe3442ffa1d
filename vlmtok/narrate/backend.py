"""``BaseNarrator``: what a narrator backend builds on; it puts the backend's English in the visitor's language."""
from __future__ import annotations

import threading
from collections.abc import Iterator

from PIL import Image

from vlmtok.i18n import normalize_lang
from vlmtok.narrate.base import Narration, NarrationRequest


class BaseNarrator:
    """What a narrator backend builds on: the backend writes, this class puts the result in the visitor's language.

    A backend implements ``write(image, request, cancel)``: text chunks as they are written, then the final
    ``Narration``. For a language it does not write itself (not in ``languages``) it writes English, its byline
    already in the visitor's language; ``stream`` then hands the final narration to the translation stage
    (``vlmtok.narrate.translate.in_language``): machine-translated and labelled so, or kept in English with a notice.
    The chunks stay English: they are what the model is writing.
    """

    name: str = ""
    languages: tuple[str, ...] = ("en",)

    def byline(self, lang: str) -> str | None:
        """Who writes, as the narration's byline will say it in ``lang`` ("AI description, SmolVLM-256M"), known
        before a word is written, so speech that starts with the first sentence can say it first; None when the
        text itself begins by saying so (the offline narrator)."""
        return None

    def write(self, image: Image.Image, request: NarrationRequest,
              cancel: threading.Event | None = None) -> Iterator[str | Narration]:
        raise NotImplementedError

    def stream(self, image: Image.Image, request: NarrationRequest,
               cancel: threading.Event | None = None) -> Iterator[str | Narration]:
        """``write``, then the translation stage when the visitor's language is not one this narrator writes."""
        lang = normalize_lang(request.lang)
        parts = self.write(image, request, cancel)
        if lang in self.languages:
            yield from parts
            return
        from vlmtok.narrate.translate import in_language  # the Marian stack loads only when a translation is due

        try:
            for part in parts:
                yield in_language(part, lang) if isinstance(part, Narration) else part
        finally:
            close = getattr(parts, "close", None)
            if close is not None:          # a visitor who leaves early stops the writing at once
                close()

    def describe(self, image: Image.Image, request: NarrationRequest,
                 cancel: threading.Event | None = None) -> Narration:
        """The whole narration (collects ``stream``)."""
        final = None
        for part in self.stream(image, request, cancel):
            final = part
        if not isinstance(final, Narration):
            raise RuntimeError("the narration stream ended without a Narration")  # noqa: TRY004
        return final
