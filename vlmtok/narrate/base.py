"""What every narrator returns and accepts, and ``BaseNarrator``, which gives every backend the translation stage.

Narrators are chosen by name from ``vlmtok.narrate``'s registry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol
from collections.abc import Iterator

from PIL import Image


from vlmtok.choices import AUDIENCES, TIERS  # noqa: F401 - declared once there; narrators read them here


@dataclass
class NarrationRequest:
    """What the guide asked for. ``label_text`` (title, artist, date typed by the guide) is the only source
    allowed for art-history claims; without it a narration sticks to what is visible."""

    lang: str = "en"
    tier: str = "short"
    audience: str = "adult"
    label_text: str | None = None
    question: str | None = None            # a follow-up question about the same artwork
    conversation: str | None = None        # one visitor's conversation (kept in their session); None: the picture
    detail: str = "auto"                   # "low" / "normal" / "high" tile budget (SmolVLM); "auto" per device
    max_new_tokens: int | None = None


@dataclass
class Narration:
    """One description, with everything a visitor must be told about where it came from."""

    text: str
    language: str
    tier: str
    narrator: str                          # registry name: "smolvlm", "openai", "offline"
    narrator_label: str                    # stated first in the UI, in ``language``: "AI description, SmolVLM-256M"
    model_id: str | None                   # e.g. "HuggingFaceTB/SmolVLM-256M-Instruct"; None for the offline narrator
    weights_source: str                    # "hub", "local-cache", "offline-pack", "random", "served", "none"
    machine_translated: bool = False
    audience: str = "adult"
    question: str | None = None
    timings: dict[str, float] = field(default_factory=dict)   # ms: encode_ms, prefill_ms, decode_ms, total_ms ...
    notice: str | None = None              # e.g. "No translation model; shown in English"


class Narrator(Protocol):
    """The small interface any narrator (SmolVLM here; vLLM or a Ray batch job later) implements.

    A narrator may also have ``warm_up()``: ``get_narrator("auto")`` calls it, so a model that cannot load falls
    back to the offline narrator at once instead of failing the first visitor.
    """

    name: str
    languages: tuple[str, ...]             # languages it writes itself; it writes English for any other

    def describe(self, image: Image.Image, request: NarrationRequest) -> Narration: ...

    def stream(self, image: Image.Image, request: NarrationRequest) -> Iterator[str | Narration]:
        """Yield text chunks as they are written, then the final ``Narration`` last."""
        ...


def detail_of(narrator: object, request: NarrationRequest) -> str:
    """The detail the narrator will use for ``request`` ("auto" resolved by the narrator when it can)."""
    resolve = getattr(narrator, "detail", None)
    try:
        return str(resolve(request)) if callable(resolve) else str(request.detail or "auto")
    except Exception:  # noqa: BLE001 - a model not loaded yet: the request's own word
        return str(request.detail or "auto")
