"""The offline narrator: describes only what it can measure (colours, light, layout), and says so first.

It is the embedded default when no vision-language model is available (a museum basement, a first start before
``prefetch``). It never names objects: ImageNet labels are mostly wrong on paintings, so they are never used.
Everything it says is computed from pixels in a few tens of milliseconds, with numpy only, and written in English
or Vietnamese itself (no translation stage).

- ``measure``: pixels -> ``ImageFacts`` (colours, light, contrast, warmth, focus, busyness).
- ``wording``: ``ImageFacts`` -> sentences per language, tier and audience (templates: ``narrate.offline.*``).
- ``answer``: follow-up questions answered from the same facts.

>>> from vlmtok.images import load_image
>>> narr = OfflineNarrator().describe(load_image("examples/van_gogh_starry_night.jpg"), NarrationRequest(lang="vi"))
>>> narr.text.split(":")[0]
'Mô tả ngoại tuyến'
"""
from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator

from PIL import Image

from vlmtok.i18n import LANGUAGES
from vlmtok.narrate.backend import BaseNarrator
from vlmtok.narrate.base import Narration, NarrationRequest
from vlmtok.narrate.offline import measure as _measure
from vlmtok.narrate.offline.answer import Answerer
from vlmtok.narrate.offline.measure import ImageFacts, PaletteColour
from vlmtok.narrate.offline.wording import Writer, disclaimer, narrator_label
from vlmtok.narrate.prompts import check_request, clean_free_text

__all__ = ["OfflineNarrator", "ImageFacts", "PaletteColour", "disclaimer", "narrator_label"]


class OfflineNarrator(BaseNarrator):
    """Describes what it can measure, in English or Vietnamese, three tiers, adult or child wording.

    Stateless apart from the last picture's facts, which a follow-up question about the same picture reuses.
    """

    name = "offline"
    languages = LANGUAGES          # its wording is catalogue templates: it writes every language that has a catalogue

    def __init__(self) -> None:
        self._last: tuple[weakref.ref, ImageFacts] | None = None

    def measure(self, image: Image.Image) -> ImageFacts:
        """``measure.measure(image)``, reusing the facts when asked about the same (still living) picture again."""
        if self._last is not None and self._last[0]() is image:
            return self._last[1]
        facts = _measure.measure(image)
        self._last = (weakref.ref(image), facts)
        return facts

    def sentences(self, image: Image.Image, request: NarrationRequest) -> tuple[list[str], ImageFacts]:
        """The narration as sentences (disclaimer first) and the facts behind it."""
        request = check_request(request)
        facts = self.measure(image)
        writer = Answerer(facts, request) if clean_free_text(request.question) else Writer(facts, request)
        return writer.narration(), facts

    def write(self, image: Image.Image, request: NarrationRequest,
              cancel: threading.Event | None = None) -> Iterator[str | Narration]:
        """Yield the text sentence by sentence (chunks join into ``text``), then the final ``Narration``."""
        t0 = time.perf_counter()
        request = check_request(request)
        sentences, facts = self.sentences(image, request)
        compose_ms = (time.perf_counter() - t0) * 1e3
        for i, sentence in enumerate(sentences):
            yield sentence if i == 0 else " " + sentence
        timings = {"measure_ms": facts.timings.get("measure_ms", 0.0), "compose_ms": compose_ms,
                   "total_ms": (time.perf_counter() - t0) * 1e3}
        answer = bool(clean_free_text(request.question))
        yield Narration(text=" ".join(sentences), language=request.lang, tier=request.tier, narrator=self.name,
                        narrator_label=narrator_label(request.lang, answer), model_id=None, weights_source="none",
                        machine_translated=False, audience=request.audience, question=request.question,
                        timings=timings)
