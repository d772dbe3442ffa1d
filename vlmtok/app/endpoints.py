"""The public API's endpoints as Gradio publishes them (``gr.api``): named, typed, described for callers and MCP.

Each endpoint is a thin adapter over ``vlmtok.app.api`` (plain functions, no gradio): it takes the uploaded file's
path (or a picture sent inline as a ``data:`` URL, written to a file unopened, as the page's picture is), turns the
result's pictures and paths into files Gradio sends, and turns ``api.ApiError`` into ``gr.Error`` (so
``gradio_client`` raises ``AppError`` with the plain message). The choices in the signatures come from
``vlmtok.choices``, declared once. ``public_api(uploads)`` registers them; call it first in the Blocks.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import gradio as gr
from gradio import FileData

from vlmtok.app import api, http
from vlmtok.choices import AUDIENCES, DETAILS, TIERS
from vlmtok.i18n import LANGUAGES

Lang = Literal[LANGUAGES]          # Literal of a tuple: each of its values (the API page lists them)
Tier = Literal[TIERS]
Audience = Literal[AUDIENCES]
Detail = Literal[DETAILS]

_APP: dict[str, Callable[[], Any]] = {}   # "demo": the page's Blocks; "pack": (its tour pack, problems)


def _app() -> Any:
    return _APP["demo"]()


def _upload(image) -> str | None:
    """An uploaded file's path here (Gradio checked it lies in its upload folder), or a picture sent inline (a
    ``data:`` URL) written to a file unopened, as the page's picture is; any other value is no picture."""
    if isinstance(image, dict) and (image.get("meta") or {}).get("_type") == "gradio.FileData":
        url = image.get("url") or ""
        if not image.get("path") and url.startswith("data:"):
            return inline(url)
        return image.get("path")
    return None


def inline(url: str) -> str | None:
    """A picture sent inline, written unopened where uploads go (and cleaned up with them); past the size limit
    (rare: the server refuses most such requests before they are read) the visitor's plain message."""
    from vlmtok.images import ImageInputError

    try:
        return http.save_data_url(url, _app().GRADIO_CACHE)
    except ImageInputError as exc:
        raise gr.Error(exc.user_message_for("en"), print_exception=False) from None


def _wire(value):
    """A result as Gradio sends it: PIL pictures become PNG files, paths become files, the rest stays JSON."""
    from gradio import processing_utils
    from PIL import Image

    if isinstance(value, Image.Image):
        path = processing_utils.save_pil_to_cache(value, cache_dir=_app().GRADIO_CACHE, format="png")
        return {"path": path, "mime_type": "image/png", "meta": {"_type": "gradio.FileData"}}
    if isinstance(value, Path):
        return {"path": str(value), "meta": {"_type": "gradio.FileData"}}
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wire(v) for v in value]
    return value


def _call(fn, *args):
    try:
        return _wire(fn(*args))
    except api.ApiError as exc:
        raise gr.Error(exc.message, print_exception=False) from None


def _stream(fn, *args):
    try:
        for item in fn(*args):
            yield _wire(item)
    except api.ApiError as exc:
        raise gr.Error(exc.message, print_exception=False) from None


def api_describe(image: FileData, lang: Lang = "en", tier: Tier = "short", audience: Audience = "adult",
                 label_text: str = "", rate: float = 1.0, detail: Detail = "auto",
                 speak: bool = True, room: str = "", find_artwork: bool = True) -> api.Description:
    """Describe an artwork in one call: the text, where it came from (narrator, model, weights, detail, tiles, image
    tokens, translation, timings) and its speech.

    Args:
        image: a photo of the artwork (JPEG, PNG, WebP, ...).
        lang: the visitor's language.
        tier: alt text (~30 words), short (~60) or long (~150).
        audience: wording for adults or for children.
        label_text: the museum label (title, artist, date): the only source of such facts.
        rate: speech speed, 0.75 to 1.5.
        detail: how finely SmolVLM looks (low: 64 image tokens; normal: up to 320; high: up to 1088).
        speak: also speak the text (false: text only).
        room: a room's key from /open_room: visitors following it get the description on their phones.
        find_artwork: find the artwork in a gallery photo and straighten it first (false: the whole picture).
    """
    return _call(api.describe, _upload(image), lang, tier, audience, label_text, rate, detail, speak, room,
                 find_artwork)


def api_tour(image: FileData, lang: Lang = "en", tier: Tier = "short", audience: Audience = "adult",
             label_text: str = "", detail: Detail = "auto", room: str = "",
             find_artwork: bool = True) -> Iterator[api.TourUpdate]:
    """Stream a description: the expected time first, then the text as it is written, then the finished text
    with its provenance (done = true). Speak it with /speak.

    Args:
        image: a photo of the artwork.
        lang: the visitor's language.
        tier: alt, short or long.
        audience: adult or child.
        label_text: the museum label (title, artist, date).
        detail: SmolVLM's tile budget (auto: low on a CPU, normal on a GPU).
        room: a room's key from /open_room: visitors following it get the text as it is written.
        find_artwork: find the artwork in a gallery photo and straighten it first (false: the whole picture).
    """
    yield from _stream(api.tour, _upload(image), lang, tier, audience, label_text, detail, room, find_artwork)


def api_ask(image: FileData, question: str, lang: Lang = "en", audience: Audience = "adult", label_text: str = "",
            conversation: str = "", speak: bool = False, room: str = "",
            find_artwork: bool = True) -> api.Description:
    """Answer a visitor's question about the artwork, from what is visible (and the label).

    Args:
        image: the same photo as the description.
        question: the visitor's question.
        lang: the visitor's language.
        audience: adult or child.
        label_text: the museum label.
        conversation: the conversation id from /describe or /tour, to continue that visitor's conversation.
        speak: also speak the answer.
        room: a room's key from /open_room: visitors following it get the answer on their phones.
        find_artwork: find the artwork in a gallery photo and straighten it first (false: the whole picture).
    """
    return _call(api.ask, _upload(image), question, lang, audience, label_text, conversation, speak, room,
                 find_artwork)


def api_open_room(address: str = "", lang: Lang = "en", request: gr.Request = None) -> api.FollowRoom:
    """Open a room that visitors follow on their own phones: the room code, its key (keep it: pass it as `room` to
    /describe, /tour and /ask), the address phones open and its QR code (a PNG).

    Args:
        address: how phones reach this server (http://192.168.1.20:7860); empty: the address this call came to.
        lang: the language of any message.
    """
    from urllib.parse import urlsplit

    if address:
        parts = urlsplit(address)
        host, scheme = parts.netloc or parts.path, parts.scheme or "http"
    else:
        host = request.headers.get("host", "127.0.0.1") if request else "127.0.0.1"
        scheme = (request.headers.get("x-forwarded-proto") if request else None) or "http"
    return _call(api.open_room, host, scheme, getattr(_app(), "server_name", None), lang)


def api_close_room(room: str, lang: Lang = "en") -> api.ClosedRoom:
    """Close a room; every phone following it is told the tour has ended.

    Args:
        room: the room's key from /open_room.
        lang: the language of any message.
    """
    return _call(api.close_room, room, lang)


def api_speak(text: str, lang: Lang = "en", rate: float = 1.0) -> api.Speech:
    """Speak a text (a description, maybe corrected by the guide): an audio file and each sentence's start time.

    Args:
        text: what to say (at most 3000 characters).
        lang: the language the text is in.
        rate: speed, 0.75 to 1.5.
    """
    return _call(api.speak, text, lang, rate)


def api_compare(image: FileData, encoders: list[str], sizes: list[int], lang: Lang = "en",
                find_artwork: bool = True) -> api.Comparison:
    """How vision encoders cut the picture into tokens: patch grids, PCA colours and merge groups per encoder and
    size, and the token ledger (what each choice costs, and SmolVLM's tiles).

    Args:
        image: a photo of the artwork.
        encoders: 1 to 4 encoder names (see /about), e.g. ["vit_small_patch14_dinov2", "mobilenetv2_100"].
        sizes: input sizes in pixels: 224, 336 or 448.
        lang: the language of the captions.
        find_artwork: find the artwork in a gallery photo and straighten it first (false: the whole picture).
    """
    return _call(api.compare, _upload(image), encoders, sizes, lang, find_artwork)


def api_similarity(image: FileData, encoders: list[str], x: float, y: float, size: int = 224,
                   lang: Lang = "en", find_artwork: bool = True) -> api.Similarity:
    """How similar every token is to the token under one point of the picture, one map per encoder.

    Args:
        image: a photo of the artwork.
        encoders: 1 to 4 encoder names.
        x: the point's x, in pixels of the picture.
        y: the point's y, in pixels of the picture.
        size: input size: 224, 336 or 448.
        lang: the language of the captions.
        find_artwork: find the artwork in a gallery photo and straighten it first (false: the whole picture).
    """
    return _call(api.similarity, _upload(image), encoders, x, y, size, lang, find_artwork)


def api_pipeline(image: FileData, encoder: str = "vit_small_patch14_dinov2", size: int = 224,
                 lang: Lang = "en", find_artwork: bool = True) -> api.Pipeline:
    """Every step from pixels to the language model's input, with the shapes computed for this picture.

    Args:
        image: a photo of the artwork.
        encoder: an encoder name.
        size: input size: 224, 336 or 448.
        lang: the language of the steps.
        find_artwork: find the artwork in a gallery photo and straighten it first (false: the whole picture).
    """
    return _call(api.pipeline, _upload(image), encoder, size, lang, find_artwork)


def api_pack_match(image: FileData, lang: Lang = "en", find_artwork: bool = True) -> api.PackMatch:
    """Which artwork of this server's tour pack a photo shows: its id and name, the score and the runner-up (as
    `vlmtok pack match` prints them), and a sentence to say. A server that plays no pack answers with a plain message.

    Args:
        image: a photo of the artwork, taken in the gallery.
        lang: the language of the sentence.
        find_artwork: find the artwork in the photo and straighten it first (false: the whole picture).
    """
    pack, problems = _APP["pack"]()
    return _call(api.pack_match, pack, _upload(image), lang, find_artwork, problems)


def api_about(lang: Lang = "en") -> api.About:
    """Which narrator this server uses and why, the hardware, how long a short description takes here at each
    detail (measured), the languages, the encoders, and a storage notice when caches cannot be kept.

    Args:
        lang: the language of the reason.
    """
    return _call(api.about, lang)


def _endpoint(fn, name: str):
    """``fn`` as ``gr.api`` reads it: annotations resolved (a stream's items for a generator), named as its
    endpoint (an MCP client sees the tool "describe")."""
    sig = inspect.signature(fn, eval_str=True)
    returns = sig.return_annotation
    if get_origin(returns) is Iterator:
        returns = get_args(returns)[0]
    fn.__signature__ = sig.replace(return_annotation=returns)
    fn.__name__ = name
    return fn


def public_api(app: Callable[[], Any], pack: Callable[[], tuple[Any, list]] = lambda: (None, [])) -> None:
    """The endpoints ``gradio_client`` and the API page list; call first in the Blocks, so they get these names.

    ``app``: the page's Blocks (``lambda: demo``): its upload folder and server name; ``pack``: the tour pack it
    plays and the problems found opening it (``vlmtok.app.pack_view.open_pack``)."""
    _APP["demo"], _APP["pack"] = app, pack
    for fn in (api_describe, api_tour, api_ask, api_speak, api_compare, api_similarity, api_pipeline, api_pack_match,
               api_about, api_open_room, api_close_room):
        name, heavy = fn.__name__.removeprefix("api_"), fn not in (api_speak, api_about, api_open_room, api_close_room)
        gr.api(_endpoint(fn, name), api_name=name, concurrency_id="model" if heavy else None)
