"""One narration session: a picture and a checked request in, typed events out. Every door presents these events.

The Tour, the API (``/describe``, ``/tour``, ``/ask``), ``vlmtok.describe``, ``python -m vlmtok describe`` and pack
builds all narrate through ``Session``; none of them composes a narration itself. A session:

1. takes a ``Picture`` (decoded once through the safe intake, its content hash computed once and reused by the
   narration cache, the vision tower and the narrators) and a ``NarrationRequest`` built by ``request`` (every choice
   checked against ``vlmtok.choices``: refused in plain words, never clamped);
2. chooses the narrator (``VLMTOK_NARRATOR`` unless the door names one), says how long it should take here
   (``Started``), reads the narration cache or writes the text (``Text`` pieces), speaks each sentence as it is
   written when asked (``Sentence``), and ends with ``Done``: the narration, its provenance and its timings;
3. records the time it took, so the next ``Started`` can say it.

A follow-up question is a session too (``request(question=..., conversation=...)``): it continues that visitor's
conversation and is never cached.

>>> picture = Picture.load("examples/durer_lion.jpg")                          # doctest: +SKIP
>>> done = Session(picture, request(lang="vi", tier="alt")).run()              # doctest: +SKIP
>>> done.narration.text, done.provenance["narrator"], done.provenance["cached"]  # doctest: +SKIP
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from vlmtok import settings
from vlmtok.cache import image_hash, remember_hash
from vlmtok.choices import check
from vlmtok.i18n import normalize_lang, t
from vlmtok.narrate import eta
from vlmtok.narrate.base import Narration, NarrationRequest, detail_of
from vlmtok.narrate.cache import cached_stream
from vlmtok.text import split_sentences

log = logging.getLogger(__name__)

__all__ = ["Picture", "Session", "Started", "Text", "Sentence", "Done", "request", "provenance", "describe",
           "description"]


# ----------------------------------------------------------------------------------------------------------------
# What goes in


@dataclass(frozen=True)
class Picture:
    """A picture as every stage sees it: upright 8-bit RGB pixels and their content hash (sha256), computed once.

    ``image`` must not be changed in place: its hash is remembered for the stages that ask for it again.
    ``artwork``: where the artwork lay in the photo (``vlmtok.frame.Artwork.to_dict()``: found, corners in the
    photo's pixels, confidence); when found, ``image`` is the artwork straightened out of the photo.
    """

    image: Image.Image
    sha256: str
    artwork: dict | None = None

    @classmethod
    def load(cls, source: Any, find_artwork: bool = True) -> Picture:
        """Any picture from outside (path, bytes, PIL image, array) through ``vlmtok.load_image``, then the artwork
        straightened out of a gallery photo (``find_artwork=False``: the picture as it is); raises
        ``ImageInputError`` (a ``VisitorError``) with a plain message when it cannot be used."""
        from vlmtok.frame import artwork_in
        from vlmtok.images import load_image

        if isinstance(source, Picture):
            return source
        art = artwork_in(load_image(source), find_artwork)
        digest = image_hash(art.image)
        remember_hash(art.image, digest)
        return cls(art.image, digest, art.to_dict())


def request(lang: str = "en", tier: str = "short", audience: str = "adult", label_text: str | None = None,
            detail: str = "auto", question: str | None = None, conversation: str | None = None) -> NarrationRequest:
    """A ``NarrationRequest`` whose every choice is checked (``vlmtok.choices.ChoiceRefused`` names the choices).

    A new description starts a new conversation (a fresh id) unless ``conversation`` continues one.
    """
    return NarrationRequest(lang=check("lang", lang), tier=check("tier", tier), audience=check("audience", audience),
                            label_text=(label_text or "").strip() or None, detail=check("detail", detail),
                            question=(question or "").strip() or None,
                            conversation=conversation or uuid.uuid4().hex)


# ----------------------------------------------------------------------------------------------------------------
# What comes out


@dataclass(frozen=True)
class Started:
    """Before the first word: what the status line says ("Describing... about 24 s") and the expected seconds."""

    status: str
    expected_s: float | None


@dataclass(frozen=True)
class Text:
    """A piece of text as it is written; ``written`` is the whole text so far."""

    piece: str
    written: str


@dataclass(frozen=True)
class Sentence:
    """One sentence spoken as it was written: its index among the spoken sentences (the byline first), its words,
    its audio clip (None: no voice could say it), the rate the player applies, and its start in the whole telling
    (seconds at 1x, the clips played one after another)."""

    index: int
    text: str
    audio: Path | None
    playback_rate: float
    start_s: float
    speech: Any = None                   # the ``SpeechResult`` (engine, notice ...)


@dataclass(frozen=True)
class Done:
    """The finished narration, where it came from (``provenance``: the API's field names) and its status words."""

    narration: Narration
    provenance: dict[str, Any]
    status: str
    conversation: str | None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def cached(self) -> bool:
        return bool(self.provenance.get("cached"))


Event = Started | Text | Sentence | Done


# ----------------------------------------------------------------------------------------------------------------
# The session


def app_narrator():
    """The narrator this process uses (``VLMTOK_NARRATOR``, ``--narrator``) and why it was chosen."""
    from vlmtok.narrate import get_narrator

    return get_narrator(settings.narrator())


class Session:
    """One narration (or answer) of one picture; ``events()`` streams it, ``run()`` returns its ``Done``.

    Args:
        picture: the artwork (``Picture.load``).
        request: from ``request(...)`` (checked).
        narrator: the narrator to use (default: this process's, ``app_narrator``).
        speak: "none", or "live": each sentence spoken as soon as it is written, the byline first, when the narrator
            writes the visitor's language (a translated narration is spoken by the door, once it is translated).
        rate: speech speed (``vlmtok.choices.RATE_RANGE``).
        cache: use the narration cache (False: always write anew).
    """

    def __init__(self, picture: Picture, request: NarrationRequest, narrator: Any = None, *, speak: str = "none",
                 rate: float = 1.0, cache: bool = True):
        self.picture, self.request = picture, request
        self.narrator = narrator if narrator is not None else app_narrator()[0]
        self.rate = check("rate", rate)
        self.speak, self.cache = speak, cache

    @property
    def live(self) -> bool:
        """Whether sentences are spoken as they are written (the text is in the visitor's language as it comes)."""
        return self.speak == "live" and self.request.lang in getattr(self.narrator, "languages", ())

    def started(self) -> Started:
        lang, answering = self.request.lang, bool(self.request.question)
        guess = eta.expected(self.narrator, self.request, self.picture.sha256)
        words = eta.sentence(self.narrator, self.request, lang, self.picture.sha256)
        status = " ".join(filter(None, [t("app.answering" if answering else "app.describing", lang), words]))
        return Started(status, guess["seconds"] if guess else None)

    def events(self) -> Iterator[Event]:
        """``Started``, then ``Text`` pieces (and ``Sentence`` s when speaking live), then ``Done`` (live: the last
        sentences may follow it)."""
        yield self.started()
        written, starts = "", [0.0]
        for part in self._parts():
            if isinstance(part, Narration):
                yield self._done(part)
            elif isinstance(part, str):
                written += part
                yield Text(part, written)
            else:
                yield _sentence(part, starts)

    def run(self) -> Done:
        """The whole session; its ``Done``."""
        done = None
        for event in self.events():
            if isinstance(event, Done):
                done = event
        if done is None:
            raise RuntimeError("the narration ended without a narration")
        return done

    def _parts(self) -> Iterator[Any]:
        parts = (cached_stream(self.narrator, self.picture.image, self.request, digest=self.picture.sha256)
                 if self.cache else self.narrator.stream(self.picture.image, self.request))
        if not self.live:
            return parts
        from vlmtok.speech.stream import speak_as_written

        byline = getattr(self.narrator, "byline", lambda _lang: None)(self.request.lang)
        preamble = byline_sentences(byline) if byline else []
        return speak_as_written(parts, self.request.lang, self.rate, tier=self.request.tier, preamble=preamble)

    def _done(self, narration: Narration) -> Done:
        eta.record(self.narrator, self.request, narration)
        key = "app.answered" if self.request.question else "app.described"
        status = " ".join(filter(None, [t(key, self.request.lang), narration.notice]))
        return Done(narration, provenance(self.narrator, self.request, narration, self.picture.artwork), status,
                    self.request.conversation, dict(narration.timings))


def byline_sentences(byline: str) -> list[str]:
    """Who wrote it, as sentences said before the narration ("AI description, SmolVLM-256M.")."""
    byline = byline.replace(" \u00b7 ", ", ").strip()
    return split_sentences(byline if byline[-1:] in ".!?:" else byline + ".") if byline else []


def _sentence(spoken: Any, starts: list[float]) -> Sentence:
    """A ``SpokenSentence`` as an event; ``starts[0]`` runs on with each clip's length at 1x."""
    speech = spoken.speech
    audio = speech.audio_path if speech is not None else None
    rate = float(speech.playback_rate) if speech is not None else 1.0
    start = starts[0]
    if speech is not None:
        starts[0] += float(speech.duration_s or 0.0) * rate
    return Sentence(spoken.index, spoken.text, audio, rate, round(start, 3), speech)


# ----------------------------------------------------------------------------------------------------------------
# Provenance, and the one-call description


def provenance(narrator: Any, request: NarrationRequest, narration: Narration,
               artwork: dict | None = None) -> dict[str, Any]:
    """Everything a caller must know about where ``narration`` came from (the API's ``Provenance`` fields), the
    artwork's outline in the photo included (``artwork``, from ``Picture``)."""
    timings = {k: float(v) for k, v in narration.timings.items()}
    served_by = narration.narrator == narrator.name      # else a stand-in answered (the offline narrator)
    tokens = timings.get("image_tokens")                 # counted by SmolVLM's own vision tower
    return {"narrator": narration.narrator, "label": narration.narrator_label, "model_id": narration.model_id,
            "weights_source": narration.weights_source,
            "server": getattr(narrator, "server", None) if served_by else None,
            "detail": detail_of(narrator, request) if served_by and narration.model_id else None,
            "tiles": _tiles(narration.model_id, tokens), "image_tokens": int(tokens) if tokens else None,
            "language": narration.language, "machine_translated": narration.machine_translated,
            "cached": bool(timings.get("cached")), "notice": narration.notice, "timings": timings,
            "artwork": artwork}


def _tiles(model_id: str | None, image_tokens: float | None) -> int | None:
    """Images the vision tower encoded (local tiles + global view): image tokens over tokens per tile, for a known
    SmolVLM checkpoint (None for any other model: its tiling is not known here)."""
    if not model_id or not image_tokens:
        return None
    from vlmtok.smolvlm import checkpoint

    try:
        record = checkpoint(model_id)
    except ValueError:
        return None
    per_tile = (record.tile_px // record.patch_px // record.scale_factor) ** 2    # 512 / 16 / 4 -> 8 x 8 = 64
    return round(image_tokens / per_tile)


def description(done: Done, tier: str, speech: dict[str, Any] | None = None) -> dict[str, Any]:
    """The finished narration as ``/describe`` and ``vlmtok describe --json`` give it (the API's ``Description``)."""
    n = done.narration
    return {"text": n.text, "language": n.language, "tier": tier, "conversation": done.conversation,
            "narration": done.provenance, "speech": speech}


def speech_of(text: str, text_lang: str, rate: float, lang: str) -> dict[str, Any]:
    """``text`` spoken as one clip: the API's ``Speech`` fields (a notice, never an exception, when no voice works)."""
    from vlmtok.speech import speak

    rate = check("rate", rate)
    try:
        result = speak(text, text_lang, rate=rate)
    except Exception as exc:  # noqa: BLE001 - the text stands; the notice says there is no audio
        log.error("speech failed: %s", exc, exc_info=exc)
        return {"audio": None, "engine": None, "format": None, "duration_s": 0.0, "playback_rate": 1.0,
                "sentences": [], "starts": [], "notice": t("app.audio_unavailable", lang)}
    return {"audio": result.audio_path, "engine": result.engine, "format": result.format,
            "duration_s": float(result.duration_s), "playback_rate": float(result.playback_rate),
            "sentences": list(result.sentences), "starts": [float(s) for s in result.sentence_starts],
            "notice": result.notice if result.ok else (result.notice or t("app.audio_unavailable", lang))}


def describe(image: Any, *, lang: str = "en", tier: str = "short", audience: str = "adult",
             label_text: str | None = None, question: str | None = None, narrator: str = "auto",
             detail: str = "auto", **narrator_options: Any) -> Narration:
    """Describe an artwork in one call (``vlmtok.describe``), through the same session as every other door.

    Args:
        image: a path, the file's bytes, a PIL image or an array (all through the safe intake: upright 8-bit RGB).
        lang, tier, audience, label_text, question, detail: as ``request`` (invalid choices raise ``ChoiceRefused``).
        narrator: "auto" or a registered narrator name (``vlmtok.narrate.list_narrators()``).
        **narrator_options: passed to the narrator (e.g. ``model_id=`` for SmolVLM, ``base_url=`` for a server).

    Raises:
        vlmtok.VisitorError: a picture or a choice that cannot be used (``user_message_for(lang)`` says why).
    """
    from vlmtok.narrate import get_narrator

    asked = request(lang, tier, audience, label_text, detail, question)
    picture = Picture.load(image)
    chosen, _reason = get_narrator(narrator, lang=normalize_lang(lang), **narrator_options)
    return Session(picture, asked, chosen).run().narration
