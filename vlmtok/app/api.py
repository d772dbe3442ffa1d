"""The public API as plain functions: what ``/describe``, ``/tour``, ``/ask``, ``/speak``, ``/compare``,
``/similarity``, ``/pipeline``, ``/pack_match`` and ``/about`` answer.

``app.py`` publishes each one with ``gr.api`` under its own name; nothing here imports gradio. Results are dicts
(the ``TypedDict`` s below name their fields, and the API page shows them); pictures are PIL images and files are
``pathlib.Path`` s, which app.py hands over as files. Every narration carries its provenance as data
(``Provenance``): which narrator wrote it, with which model and weights, at which detail, how many tiles and image
tokens, whether it was machine translated, and its timings.

A request the caller got wrong (no picture, a broken file, an unknown encoder) or one this server could not serve
(busy, too slow) raises ``ApiError`` with the plain message in the caller's language; app.py turns it into
``gr.Error``, so ``gradio_client`` raises ``AppError`` with that message. Nothing is cached for a picture that
could not be read: it is refused before any narrator, encoder or voice sees it.

>>> result = describe("examples/durer_lion.jpg", lang="vi", tier="alt")  # doctest: +SKIP
>>> result["narration"]["narrator"], result["speech"]["audio"]           # doctest: +SKIP
('offline', PosixPath('.../speech/....wav'))
"""
from __future__ import annotations

import logging

from collections.abc import Callable, Iterator
from typing import Any, TypedDict, TypeVar

from vlmtok import settings
from vlmtok.choices import ChoiceRefused, check
from vlmtok.errors import VisitorError
from vlmtok.i18n import LANGUAGES, t

log = logging.getLogger(__name__)

T = TypeVar("T")

SIZES = (224, 336, 448)
MAX_ENCODERS = 4
MAX_SPEAK_CHARS = 3000
MERGE_RATIO = 0.5


class ApiError(VisitorError):
    """A request the API refuses or could not serve; ``message`` is already in the caller's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def user_message_for(self, lang: str | None) -> str:
        return self.message


# ----------------------------------------------------------------------------------------------------------------
# What the endpoints return


class Provenance(TypedDict):
    """Where a narration came from."""

    narrator: str                  # "smolvlm", "openai" (a served model), "offline"
    label: str                     # the byline, in the caller's language: "AI description, SmolVLM-256M"
    model_id: str | None           # "HuggingFaceTB/SmolVLM-256M-Instruct"; None for the offline narrator
    weights_source: str            # "hub", "local-cache", "random", "served", "none"
    server: str | None             # the served narrator's host:port
    detail: str | None             # "low", "normal", "high" (vision-language models only)
    tiles: int | None              # images SmolVLM's vision tower encoded (local tiles + the global view)
    image_tokens: int | None       # image tokens the language model read
    language: str                  # the language of ``text``
    machine_translated: bool
    cached: bool                   # read back from the narration cache (written earlier, same picture and request)
    notice: str | None             # e.g. "No translation model available; shown in English."
    timings: dict[str, float]      # milliseconds and counts: total_ms, prefill_ms, decode_ms, first_token_ms ...
    artwork: dict | None           # {"found", "corners", "confidence"}: found, the picture described is the artwork
                                   # straightened out of the photo (corners TL, TR, BR, BL in the photo's pixels)


class Speech(TypedDict):
    """The narration spoken: an audio file and when each sentence starts."""

    audio: str | None              # a WAV or MP3 file (None when no voice could speak; ``notice`` says so)
    engine: str | None             # "gtts", "piper", "espeak"
    format: str | None
    duration_s: float
    playback_rate: float           # the speed the player must apply (1.0 when the voice spoke at the rate itself)
    sentences: list[str]
    starts: list[float]            # seconds into the audio
    notice: str | None


class Description(TypedDict):
    """A finished description (or answer), with its provenance and, when asked for, its speech."""

    text: str
    language: str
    tier: str
    conversation: str              # give it to /ask to continue this visitor's conversation about the picture
    narration: Provenance
    speech: Speech | None


class TourUpdate(TypedDict):
    """One step of a streamed description: the text so far, then the finished one (``done``)."""

    text: str
    done: bool
    status: str                    # a plain sentence: "Describing... Expected time on this hardware: about 24 s"
    expected_s: float | None       # measured on this hardware for this kind of narration; None: not timed yet
    conversation: str | None
    narration: Provenance | None   # on the last update


class Picture(TypedDict):
    image: Any                     # a PNG file
    caption: str
    kind: str                      # "grid", "pca", "merge", "similarity"


class EncoderRun(TypedDict):
    encoder: str
    family: str
    weights_source: str            # "hub", "offline-pack", "random" (random: geometry only, colours mean nothing)
    size: int
    grid: list[int]
    patch_px: int
    tokens: int
    dim: int
    forward_ms: float
    pictures: list[Picture]


class Comparison(TypedDict):
    runs: list[EncoderRun]
    ledger: dict[str, Any]         # the token ledger: every encoder's cost and SmolVLM's tiles for this picture
    notice: str | None


class Similarity(TypedDict):
    point: list[float]             # the tapped (x, y) in pixels of the original picture
    maps: list[Picture]


class Pipeline(TypedDict):
    steps: str                     # HTML: each step with the shapes computed for this picture, drawn on it
    encoder: dict[str, Any]
    smolvlm: list[dict[str, Any]]  # one tile plan per detail level


class FollowRoom(TypedDict):
    """A room visitors follow on their phones: its code, the key that narrates into it (keep it secret), the address
    phones open, and the QR code of that address (a PNG)."""

    code: str
    key: str
    url: str
    reachable: bool
    qr: Any                        # a PNG file


class ClosedRoom(TypedDict):
    closed: bool                   # False when no room with that key was open


class PackMatch(TypedDict):
    """Which artwork of the server's tour pack a photo shows (as ``vlmtok pack match`` prints it, and a sentence)."""

    id: str | None                 # the artwork's id in the pack; None when nothing in it matches well enough
    name: str | None               # its name (the label's title), for the caller to say
    score: float                   # realigned similarity of the best candidate
    runner_up: str | None
    runner_up_score: float
    closest: str | None            # the best candidate, matched or not
    pairs: int                     # agreeing patch pairs of the best candidate
    ms: float
    message: str                   # "Found in this pack: Lion." or how to take a better photo, in ``lang``


class About(TypedDict):
    narrator: str
    reason: str
    model_id: str | None
    server: str | None
    hardware: str
    expected_s: dict[str, float | None]   # a short description at each detail, measured here (None: not yet)
    languages: list[str]
    encoders: list[str]
    offline: bool
    storage: str                          # "" when the caches work; else what is not kept (and for how long)


# ----------------------------------------------------------------------------------------------------------------
# Checks


def _lang(lang: str | None) -> str:
    try:
        return check("lang", lang or "en")
    except ChoiceRefused as refused:
        raise ApiError(refused.user_message_for("en")) from None


def _choice(value: Any, name: str, choices: tuple, lang: str) -> Any:
    if value not in choices:
        raise ApiError(t("api.bad_choice", lang, name=name, choices=", ".join(str(c) for c in choices)))
    return value


def _guarded(step: Callable[[], T], lang: str) -> T:
    """``step()`` under the request timeout (``VLMTOK_REQUEST_TIMEOUT_S``); a plain message raised instead."""
    from vlmtok.guard import run_guarded

    result, message = run_guarded(step, timeout_s=settings.request_timeout_s(), lang=lang)
    if message is not None:
        raise ApiError(message)
    return result


def _load(image: Any, lang: str, find_artwork: bool = True):
    """The caller's picture through the safe loader (raises VisitorError with a plain message): the artwork
    straightened out of a gallery photo, unless ``find_artwork`` is False."""
    if not image:
        raise ApiError(t("app.no_image", lang))
    from vlmtok.frame import artwork_in
    from vlmtok.images import load_image

    return artwork_in(load_image(image), bool(find_artwork)).image


# ----------------------------------------------------------------------------------------------------------------
# Narration: the door presents a narration session (vlmtok.session)


def narrator():
    """The narrator the app uses (``VLMTOK_NARRATOR``, ``python app.py --narrator``) and why it was chosen."""
    from vlmtok.session import app_narrator

    return app_narrator()


def _checked(lang: str, rate: float | None = None, **choices: Any):
    """A session request, every choice checked; a refusal in the caller's language."""
    from vlmtok import session

    try:
        if rate is not None:
            check("rate", rate)
        return session.request(lang, **choices)
    except ChoiceRefused as refused:
        raise ApiError(refused.user_message_for(lang)) from None


def _picture(image: Any, lang: str, find_artwork: bool = True):
    from vlmtok.session import Picture

    if not image:
        raise ApiError(t("app.no_image", lang))
    return Picture.load(image, bool(find_artwork))


def _room(key: str | None, lang: str):
    """The open room a caller narrates into (its key from /open_room), None without one; a wrong key is refused."""
    if not key:
        return None
    from vlmtok.app.rooms import ROOMS

    room = ROOMS.by_key(key)
    if room is None:
        raise ApiError(t("follow.no_room", lang))
    return room


def _followed(narrate: Any, room: Any, image: Any) -> Iterator[Any]:
    """The session's events; a room, when given, follows them (its phones get the narration as it is written)."""
    from vlmtok.app.rooms import TurnInfo, relay_parts

    asked = narrate.request
    info = TurnInfo("answer" if asked.question else "description", image if isinstance(image, str) else None,
                    asked.question or "", asked.lang)
    writes = asked.lang if asked.lang in getattr(narrate.narrator, "languages", (asked.lang,)) else "en"
    return relay_parts(room, info, narrate.events(), writes)


def _described(image: Any, asked: Any, lang: str, speak: bool, rate: float, room: Any = None,
               find_artwork: bool = True) -> Description:
    from vlmtok import session

    def step() -> Any:
        narrate = session.Session(_picture(image, lang, find_artwork), asked, narrator()[0])
        return narrate.run() if room is None else next(
            e for e in reversed(list(_followed(narrate, room, image))) if isinstance(e, session.Done))

    done = _guarded(step, lang)       # the request's time limit covers the writing; the voice has its own deadline
    n = done.narration
    speech = session.speech_of(n.text, n.language, rate, lang) if speak else None
    return Description(**session.description(done, asked.tier, speech))


def describe(image: Any, lang: str = "en", tier: str = "short", audience: str = "adult", label_text: str = "",
             rate: float = 1.0, detail: str = "auto", speak: bool = True, room: str = "",
             find_artwork: bool = True) -> Description:
    """Describe an artwork in one call, then speak it (``speak=False``: text only); ``room``: a room's key;
    ``find_artwork``: the artwork straightened out of a gallery photo first (its outline in ``narration.artwork``)."""
    lang = _lang(lang)
    asked = _checked(lang, rate, tier=tier, audience=audience, label_text=label_text, detail=detail)
    return _described(image, asked, lang, speak, rate, _room(room, lang), find_artwork)


def ask(image: Any, question: str, lang: str = "en", audience: str = "adult", label_text: str = "",
        conversation: str = "", speak: bool = False, room: str = "", find_artwork: bool = True) -> Description:
    """Answer a question about the artwork; ``conversation`` (from /describe or /tour) continues that visitor's."""
    lang = _lang(lang)
    if not (question or "").strip():
        raise ApiError(t("app.no_question", lang))
    asked = _checked(lang, audience=audience, label_text=label_text, question=question,
                     conversation=conversation or None)
    return _described(image, asked, lang, speak, 1.0, _room(room, lang), find_artwork)


def tour(image: Any, lang: str = "en", tier: str = "short", audience: str = "adult", label_text: str = "",
         detail: str = "auto", room: str = "", find_artwork: bool = True) -> Iterator[TourUpdate]:
    """Stream a description: first the expected time, then the text as it is written, then the finished one."""
    from vlmtok import session
    from vlmtok.guard import iter_guarded

    lang = _lang(lang)
    asked = _checked(lang, tier=tier, audience=audience, label_text=label_text, detail=detail)
    followed = _room(room, lang)

    def steps() -> Iterator[TourUpdate]:
        expected_s, status = None, ""
        narrate = session.Session(_picture(image, lang, find_artwork), asked, narrator()[0])
        for event in _followed(narrate, followed, image):
            if isinstance(event, session.Started):
                expected_s, status = event.expected_s, event.status
                yield TourUpdate(text="", done=False, status=status, expected_s=expected_s,
                                 conversation=asked.conversation, narration=None)
            elif isinstance(event, session.Text):
                yield TourUpdate(text=event.written, done=False, status=status, expected_s=expected_s,
                                 conversation=asked.conversation, narration=None)
            elif isinstance(event, session.Done):
                yield TourUpdate(text=event.narration.text, done=True, status=event.status, expected_s=expected_s,
                                 conversation=asked.conversation, narration=Provenance(**event.provenance))

    for update, message in iter_guarded(steps, timeout_s=settings.request_timeout_s(), lang=lang):
        if message is not None:
            raise ApiError(message)
        yield update


# ----------------------------------------------------------------------------------------------------------------
# Group tours


def open_room(host: str, scheme: str = "http", server_name: str | None = None, lang: str = "en") -> FollowRoom:
    """Open a room: phones follow it at ``url``; pass ``key`` as ``room`` to /describe, /tour or /ask."""
    from vlmtok.app import follow, rooms

    lang = _lang(lang)
    try:
        room = rooms.ROOMS.open()
    except rooms.RoomFull as exc:
        raise ApiError(exc.user_message_for(lang)) from None
    url, reachable = follow.follow_url(host, scheme, room.code, server_name)
    return FollowRoom(code=room.code, key=room.key, url=url, reachable=reachable, qr=follow.qr_png(url, room.folder))


def close_room(key: str, lang: str = "en") -> ClosedRoom:
    """Close the room whose key this is; every phone following it is told."""
    from vlmtok.app.rooms import ROOMS

    room = ROOMS.by_key(key)
    return ClosedRoom(closed=bool(room) and ROOMS.close(room.code, key))


# ----------------------------------------------------------------------------------------------------------------
# Speech


def speak(text: str, lang: str = "en", rate: float = 1.0) -> Speech:
    """Speak a text (a narration, maybe edited by the guide) in ``lang``, at ``rate`` (``vlmtok.choices.RATE_RANGE``)."""
    from vlmtok import session

    lang = _lang(lang)
    text = (text or "").strip()
    if not text:
        raise ApiError(t("app.no_text", lang))
    if len(text) > MAX_SPEAK_CHARS:
        raise ApiError(t("app.too_long", lang, limit=MAX_SPEAK_CHARS))
    _checked(lang, rate)
    return _guarded(lambda: Speech(**session.speech_of(text, lang, rate, lang)), lang)


# ----------------------------------------------------------------------------------------------------------------
# Encoders: compare, similarity, pipeline


def _encoders(encoders: list[str] | str | None, lang: str) -> list[str]:
    from vlmtok.encoders import encoder_specs

    names = [encoders] if isinstance(encoders, str) else list(encoders or [])
    if not 1 <= len(names) <= MAX_ENCODERS:
        raise ApiError(t("api.too_many_encoders", lang, n=MAX_ENCODERS))
    known = [s.name for s in encoder_specs()]
    for name in names:
        if name not in known:
            raise ApiError(t("api.unknown_encoder", lang, name=name, known=", ".join(known)))
    return names


def _sizes(sizes: list[int] | int | None, lang: str) -> list[int]:
    values = [sizes] if isinstance(sizes, (int, str)) else list(sizes or [224])
    try:
        out = [int(s) for s in values]
    except (TypeError, ValueError):
        out = [0]
    for s in out:
        _choice(s, "size", SIZES, lang)
    return out


def _run_record(run, vt, comp, lang: str) -> EncoderRun:
    """The page's own pictures (no words drawn in them but the random-weights stamp, in ``lang``), their words in
    the captions, in ``lang``."""
    from vlmtok.app.compare import picture_tag
    from vlmtok.visualize import thumbs

    tag = picture_tag(vt, lang)
    pictures = [Picture(image=thumbs.grid_thumb(vt, lang=lang), caption=t("compare.cap_grid", lang, tag=tag,
                                                                         n=vt.num_tokens, p=vt.patch_px), kind="grid"),
                Picture(image=thumbs.pca_thumb(vt, lang=lang), caption=t("compare.cap_pca", lang, tag=tag), kind="pca")]
    if comp is not None:
        pictures.append(Picture(image=thumbs.merge_thumb(vt, comp, lang=lang),
                                caption=t("compare.cap_merge", lang, tag=tag, n=vt.num_tokens, m=comp.num_tokens),
                                kind="merge"))
    return EncoderRun(encoder=run.name, family=run.family, weights_source=run.weights_source,
                      size=int(vt.input_size[0]), grid=list(vt.grid), patch_px=int(vt.patch_px),
                      tokens=int(vt.num_tokens), dim=int(vt.dim), forward_ms=float(vt.timings.get("forward_ms", 0.0)),
                      pictures=pictures)


def compare(image: Any, encoders: list[str], sizes: list[int], lang: str = "en",
            find_artwork: bool = True) -> Comparison:
    """How each encoder cuts the picture into tokens at each size: grids, PCA colours, merge groups, the ledger."""
    lang = _lang(lang)
    names, chosen_sizes = _encoders(encoders, lang), _sizes(sizes, lang)

    def step() -> Comparison:
        from vlmtok.visualize import Comparison as Sheet
        from vlmtok.visualize import run_encoders

        picture = _load(image, lang, find_artwork)
        runs = run_encoders(picture, names, chosen_sizes, merge=MERGE_RATIO)
        records = [_run_record(run, vt, comp, lang) for run in runs for vt, comp in zip(run.scales, run.compressed)]
        random = any(run.weights_source == "random" for run in runs)
        return Comparison(runs=records, ledger=Sheet(runs, picture.size, "").ledger().to_dict(),
                          notice=t("visualize.random_banner", lang) if random else None)

    return _guarded(step, lang)


def similarity(image: Any, encoders: list[str], x: float, y: float, size: int = 224,
               lang: str = "en", find_artwork: bool = True) -> Similarity:
    """How similar every token is to the one under the point ``(x, y)`` (pixels of the picture encoded: the
    straightened artwork unless ``find_artwork`` is False), per encoder."""
    lang = _lang(lang)
    names, (chosen_size,) = _encoders(encoders, lang), _sizes([size], lang)

    def step() -> Similarity:
        from vlmtok.app.compare import picture_tag
        from vlmtok.visualize import run_encoders
        from vlmtok.visualize.thumbs import similarity_thumb

        picture = _load(image, lang, find_artwork)
        w, h = picture.size
        if not (0 <= float(x) < w and 0 <= float(y) < h):
            raise ApiError(t("api.bad_point", lang, x=x, y=y, width=w, height=h))
        runs = run_encoders(picture, names, [chosen_size], merge=None)
        maps = [Picture(image=similarity_thumb(run.scales[0], (float(x), float(y)), from_size=picture.size,
                                               lang=lang),
                        caption=t("compare.cap_similarity", lang, tag=picture_tag(run.scales[0], lang)),
                        kind="similarity") for run in runs]
        return Similarity(point=[float(x), float(y)], maps=maps)

    return _guarded(step, lang)


def pipeline(image: Any, encoder: str, size: int = 224, lang: str = "en", find_artwork: bool = True) -> Pipeline:
    """Every step from pixels to the language model's input, with the shapes computed for this picture."""
    lang = _lang(lang)
    (name,), (chosen_size,) = _encoders([encoder], lang), _sizes([size], lang)

    def step() -> Pipeline:
        from vlmtok.app.compare import how_it_works
        from vlmtok.encoders import create_encoder
        from vlmtok.smolvlm import tile_plan

        picture = _load(image, lang, find_artwork)
        vt = create_encoder(name).encode(picture, chosen_size)
        encoder_facts = {"encoder": name, "family": vt.family, "weights_source": vt.weights_source,
                         "input_size": list(vt.input_size), "patch_px": int(vt.patch_px), "grid": list(vt.grid),
                         "tokens": int(vt.num_tokens), "dim": int(vt.dim)}
        plans = []
        for detail in ("low", "normal", "high"):
            plan = tile_plan(picture.size, detail)
            plans.append({"detail": detail, "rows": plan.rows, "cols": plan.cols, "tiles": plan.tiles,
                          "tokens_per_tile": plan.tokens_per_tile, "tokens": plan.tokens})
        return Pipeline(steps=how_it_works(image, name, chosen_size, lang).html, encoder=encoder_facts, smolvlm=plans)

    return _guarded(step, lang)


# ----------------------------------------------------------------------------------------------------------------
# Tour pack


def pack_match(pack: Any, image: Any, lang: str = "en", find_artwork: bool = True,
               problems: Any = ()) -> PackMatch:
    """The artwork of ``pack`` (the server's ``TourPack``; None: the app plays none, ``problems`` say why) that a
    photo shows. Its recognition encoder is one of the CPU's by design on ZeroGPU (``vlmtok.device``): no GPU job."""
    lang = _lang(lang)
    if pack is None:
        from vlmtok.app.pack_view import unplayable

        raise ApiError(unplayable(problems, lang))
    if not image:
        raise ApiError(t("app.no_image", lang))

    def step() -> PackMatch:
        from vlmtok.images import load_image

        match = pack.match(load_image(image), bool(find_artwork))
        art = pack.artwork(match.id) if match.id else None
        said = t("pack.found", lang, name=art.name) if art else t("pack.not_found", lang)
        return PackMatch(**match.to_dict(), name=art.name if art else None, ms=match.ms, message=said)

    return _guarded(step, lang)


# ----------------------------------------------------------------------------------------------------------------
# About this server


def about(lang: str = "en") -> About:
    """Which narrator this server uses and why, on what hardware, how long a description takes here, and whether
    its caches work."""
    lang = _lang(lang)

    def step() -> About:
        from vlmtok.narrate import eta
        from vlmtok.app.http import storage_notice
        from vlmtok.encoders import encoder_specs
        from vlmtok.hub import hub_offline_forced
        from vlmtok.narrate import NarrationRequest, get_narrator

        chosen, reason = get_narrator(settings.narrator(), lang=lang)
        times: dict[str, float | None] = {}
        for detail in ("low", "normal", "high"):
            guess = eta.expected(chosen, NarrationRequest(lang=lang, detail=detail))
            times[detail] = guess["seconds"] if guess else None
        return About(narrator=chosen.name, reason=reason, model_id=getattr(chosen, "model_id", None),
                     server=getattr(chosen, "server", None), hardware=eta.where(chosen), expected_s=times,
                     languages=list(LANGUAGES), encoders=[s.name for s in encoder_specs()],
                     offline=hub_offline_forced(), storage=storage_notice(lang))

    return _guarded(step, lang)


__all__ = ["ApiError", "About", "Comparison", "Description", "EncoderRun", "PackMatch", "Picture", "Pipeline",
           "Provenance", "Similarity", "Speech", "TourUpdate", "about", "ask", "compare", "describe", "narrator",
           "pack_match", "pipeline", "similarity", "speak", "tour"]
