"""The per-artwork work of a build, as plain functions both engines call (local, and Ray Data's workers).

Each takes plain values and returns plain values (bytes, dicts, numpy arrays), so a result can cross a process or
a machine; nothing here writes into the pack (``vlmtok.pack.writer`` does, on the machine that holds it).

- ``picture_work``: the picture from its file's bytes -> the pack's copies (picture, thumbnail), the token
  picture and the recognition features, from one DINOv2 pass.
- ``narration_work``: one (language, length, audience) narration from the narrator, then its audio.
- ``speech_work``: audio for a text already written (a resumed pack whose voice changed or failed before).
"""
from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
from PIL import Image

from vlmtok.cache import cache_key, image_hash
from vlmtok.pack.recognise import Features, Recogniser, size_for

log = logging.getLogger(__name__)

PICTURE_PX = 1024          # the copy questions are asked about (and the app shows large)
THUMB_PX = 384             # the gallery's thumbnails
TOKEN_PICTURE_PX = 224     # the encoder's input for the token picture (16 patches along the long side) ...
TOKEN_PICTURE_SCALE = 2    # ... drawn at 2x (~448 px)
NARRATION_VERSION = 1      # bump when what a narration depends on changes meaning


@dataclass
class PictureResult:
    sha256: str
    weights: str                           # DINOv2's weight source: "hub", "offline-pack" or "random"
    size: tuple[int, int]
    picture: bytes                         # JPEG
    thumbnail: bytes                       # JPEG
    tokens_picture: bytes                  # PNG
    features: Features
    ms: float = 0.0


@dataclass
class NarrationTask:
    """One narration to make: ``key`` names what its text depends on."""

    lang: str
    tier: str
    audience: str
    key: str
    text: dict[str, Any] | None = None     # a text kept from before: only its audio is to be made


@dataclass
class NarrationResult:
    record: dict[str, Any]                 # the fields of ``manifest.PreparedNarration`` except ``audio``
    audio: bytes | None = None
    timings: dict[str, float] = field(default_factory=dict)


def narration_key(sha256: str, label_text: str | None, lang: str, tier: str, audience: str, detail: str) -> str:
    """What a narration's words depend on, the narrator aside (``auto`` keeps whichever wrote it)."""
    return cache_key(NARRATION_VERSION, sha256, label_text or "", lang, tier, audience, detail)


def load_picture(data: bytes) -> Image.Image:
    """The picture through the safe intake (raises ``ImageInputError`` with a plain message), its content hash
    computed once for every narration of it (``vlmtok.session.Picture``)."""
    from vlmtok.session import Picture

    return Picture.load(data).image


def picture_work(picture: Image.Image, sha256: str, recogniser: Recogniser, lang: str = "en") -> PictureResult:
    """Copies, token picture and recognition features of one artwork (one DINOv2 pass)."""
    from vlmtok.visualize import pca_picture

    t0 = time.perf_counter()
    enc = recogniser.encoder
    vt = enc.encode(picture, size_for(picture.size, TOKEN_PICTURE_PX, enc.patch_px))
    features = recogniser.features(picture)
    tokens = pca_picture(vt, scale=TOKEN_PICTURE_SCALE, alpha=0.75, lang=lang)
    return PictureResult(sha256=sha256, weights=recogniser.weights_source, size=picture.size,
                         picture=_jpeg(picture, PICTURE_PX), thumbnail=_jpeg(picture, THUMB_PX),
                         tokens_picture=_png(tokens), features=features,
                         ms=(time.perf_counter() - t0) * 1e3)


def narration_work(picture: Image.Image, label_text: str | None, task: NarrationTask, narrator, *, detail: str,
                   voice: str, rate: float) -> NarrationResult:
    """Write one narration with ``narrator`` (unless ``task.text`` is kept), then speak it.

    The narration is a ``vlmtok.session.Session``, as through every other door: the same checks, the same narration
    cache (an artwork the Tour already described this way is not written again)."""
    from vlmtok import session

    t0 = time.perf_counter()
    if task.text is not None:
        record = dict(task.text)
    else:
        request = session.request(task.lang, task.tier, task.audience, label_text, detail)
        done = session.Session(session.Picture(picture, image_hash(picture)), request, narrator).run()
        record = _record(done.narration, task)
    t1 = time.perf_counter()
    result = speech_work(record, voice=voice, rate=rate)
    result.timings = {"narrate_ms": (t1 - t0) * 1e3, "speak_ms": (time.perf_counter() - t1) * 1e3}
    return result


def speech_work(record: dict[str, Any], *, voice: str, rate: float) -> NarrationResult:
    """Audio for ``record["text"]`` in its own language; no voice at all leaves ``audio`` None and a notice."""
    from vlmtok.speech import speak

    speech = speak(record["text"], record["text_lang"], rate=rate, engine=voice)
    record = {**record, "rate": float(rate), "voice": speech.engine, "audio_format": speech.format,
              "duration_s": round(float(speech.duration_s), 3), "sentences": list(speech.sentences),
              "sentence_starts": [round(float(s), 3) for s in speech.sentence_starts]}
    audio = None
    if speech.audio_path is not None:
        try:
            audio = speech.audio_path.read_bytes()
        except OSError as exc:          # evicted from the speech cache between speak() and here
            log.warning("speech audio vanished before it was packed (%s)", exc)
    if audio is None:
        record.update(voice=None, audio_format=None, duration_s=0.0, sentences=[], sentence_starts=[])
        record["notice"] = " ".join(filter(None, [record.get("notice"), speech.notice]))
    return NarrationResult(record=record, audio=audio)


class NarratorPool:
    """The narrator of a build, created on first use (one per process: models load once)."""

    def __init__(self, name: str) -> None:
        self.name, self._narrator = name, None

    def get(self, lang: str = "en"):
        if self._narrator is None:
            from vlmtok.narrate import get_narrator

            self._narrator, reason = get_narrator(self.name, lang="en")
            log.info("pack narrator: %s (%s)", self._narrator.name, reason)
        return self._narrator


# --- one artwork's jobs, as each engine runs them -----------------------------------------------------------------


@dataclass
class ArtworkJob:
    """What one artwork still needs: the picture work, and the narrations (or only their audio)."""

    id: str
    file: str
    sha256: str
    label_text: str | None
    picture: bool
    tasks: list[NarrationTask] = field(default_factory=list)


@dataclass
class ArtworkResult:
    id: str
    picture: PictureResult | None = None
    narrations: list[NarrationResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unusable: bool = False                 # the picture could not be used: the artwork stays out of the pack


def picture_stage(job: ArtworkJob, data: bytes, recogniser: Recogniser, lang: str = "en"
                  ) -> tuple[Image.Image | None, ArtworkResult]:
    """Load the picture (a bad one ends the artwork with a plain reason) and do its picture work if needed."""
    from vlmtok.images import ImageInputError

    result = ArtworkResult(job.id)
    try:
        picture = load_picture(data)
    except ImageInputError as exc:
        result.problems.append(exc.user_message_for("en"))
        result.unusable = True
        return None, result
    if job.picture:
        result.picture = picture_work(picture, job.sha256, recogniser, lang)
    return picture, result


def narration_stage(job: ArtworkJob, picture: Image.Image, result: ArtworkResult, narrator_for, *, detail: str,
                    voice: str, rate: float) -> ArtworkResult:
    """Every narration task of the artwork; one that fails is reported and the others go on."""
    for task in job.tasks:
        try:
            narrator = narrator_for(task.lang) if task.text is None else None
            result.narrations.append(narration_work(picture, job.label_text, task, narrator, detail=detail,
                                                    voice=voice, rate=rate))
        except Exception as exc:  # noqa: BLE001 - one narration must not stop the collection
            log.exception("narration %s/%s/%s of %s failed", task.lang, task.tier, task.audience, job.file)
            result.problems.append(f"the {task.lang} {task.tier} narration ({task.audience}) failed: "
                                   f"{type(exc).__name__}: {exc}"[:300])
    return result


def _record(narration, task: NarrationTask) -> dict[str, Any]:
    return {"lang": task.lang, "tier": task.tier, "audience": task.audience, "text": narration.text,
            "text_lang": narration.language, "narrator": narration.narrator,
            "narrator_label": narration.narrator_label, "model": narration.model_id,
            "weights": narration.weights_source, "translated": bool(narration.machine_translated),
            "made_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "key": task.key,
            "notice": narration.notice}


def _jpeg(picture: Image.Image, long_side: int) -> bytes:
    copy = picture.copy()
    copy.thumbnail((long_side, long_side), Image.LANCZOS)
    buf = io.BytesIO()
    copy.save(buf, "JPEG", quality=88, optimize=True)
    return buf.getvalue()


def _png(picture: Image.Image) -> bytes:
    buf = io.BytesIO()
    picture.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def features_to_bytes(f: Features) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, global_=f.global_, patches=f.patches, grids=np.array(f.grids))
    return buf.getvalue()


def features_from_bytes(data: bytes) -> Features:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        return Features(z["global_"], z["patches"], [tuple(int(v) for v in g) for g in z["grids"]])
