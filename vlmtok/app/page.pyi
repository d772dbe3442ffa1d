"""The page: Gradio Blocks for the Tour, Compare, How it works and the Tour pack, and the public API's endpoints.

Started by ``vlmtok app`` or ``python app.py`` (``vlmtok.app.main``), which apply the options before this module
is imported, so the settings read below see them. The one module of vlmtok that imports gradio. Layout and wiring
only: every callback is a thin call into ``vlmtok.app.callbacks`` (the Tour) or ``vlmtok.app.compare`` (Compare, How it
works), which return plain values; models load on first use, not at import. The public API (``public_api``:
``/describe``, ``/tour``, ...) is ``vlmtok.app.api``; UI events are hidden from it.
"""
from __future__ import annotations

try:  # ZeroGPU: `spaces` must be imported before anything initialises CUDA (elsewhere it changes nothing)
    import spaces  # noqa: F401
except ImportError:
    pass

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, get_args, get_origin

import gradio as gr
from gradio import FileData

from vlmtok import settings
from vlmtok.app import api
from vlmtok.app import callbacks as ui
from vlmtok.app import compare as cmp
from vlmtok.app import http
from vlmtok.app import pack_view
from vlmtok.app import tour as tour_ui
from vlmtok.app.strings import AUDIENCE_KEYS, LANGUAGE_CHOICES, SPEAK_KEYS, TIER_KEYS, choices
from vlmtok.app.tour import QueueLoad
from vlmtok.i18n import t

ASSETS = Path(__file__).resolve().parent / "assets"
PUBLIC = settings.public()                # VLMTOK_PUBLIC=1 or on a Space
CONCURRENCY = settings.concurrency()      # model calls at once (2 cores here; 1 GPU on a Space)
QUEUE_SIZE = settings.queue_size()        # visitors waiting before "too busy"
MAX_FILE_SIZE = settings.max_file_size()  # a phone photo is 2-8 MB
SPEAK_MODE = settings.speak_mode()        # "live": each sentence spoken as it is written; "check": after Play
MAX_FILE_BYTES = tour_ui.file_size_bytes(MAX_FILE_SIZE)
L = "en"  # the page opens in English; the language choice relabels it
MODEL = dict(concurrency_id="model")  # every event that runs a model shares one limit: per machine, not per button

if settings.zero_gpu():  # ZeroGPU's pattern: SmolVLM loads at start-up and moves to cuda here, at module level
    from vlmtok.narrate.smolvlm import preload

    preload()

from gradio.events import Dependency

class ArtworkImage(gr.Image):
    """An image input that hands the uploaded file to ``vlmtok.images.load_image`` unopened.

    Gradio's own preprocessing would open every upload with Pillow in the server (any format, no pixel cap) and fail
    with a technical error on a broken file; the safe loader decodes it in its worker and refuses it plainly instead.
    A picture sent inline (a ``data:`` URL) is written to a file unopened, for the same loader.
    """

    def preprocess(self, payload):
        if payload is not None and (payload.url or "").startswith("data:"):
            return _inline(payload.url)
        if payload is not None and payload.path:
            return str(payload.path)
        return super().preprocess(payload)

    def get_block_name(self) -> str:
        return "image"
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component


# ----------------------------------------------------------------------------------------------------------------
# Callbacks: plain results from vlmtok.app.callbacks, wrapped for the page


def queue_load() -> QueueLoad | None:
    """How full the model queue is now (Gradio's own count), for the "busy" message before a request joins it."""
    try:
        q = demo._queue
        times = [p.avg_time for p in q.process_time_per_fn.values() if p.count]
        return QueueLoad(waiting=len(q), max_size=q.max_size, avg_s=max(times) if times else None,
                         slots=CONCURRENCY)
    except Exception:  # a Gradio without these internals: no early "busy", Gradio's own answer stands
        return None


def _view(v: ui.TourView | None) -> tuple:
    """A Tour view for the outputs [thread, status, approved, session]; nothing changes for None."""
    return (gr.skip(),) * 4 if v is None else (v.thread, v.status, v.text, v.session)


def begin(reason: str):
    def step(image, lang, session):
        view, go = ui.tour_begin(image, lang, session, queue_load(), reason)
        return *_view(view), go
    return step


def ask_begin(image, question, lang, session):
    view, go = ui.ask_begin(image, question, lang, session, queue_load())
    return *_view(view), go


def gate(go):
    """Stop the chain quietly when the step before said no (the visitor already has a message)."""
    if not go:
        raise gr.Error("", visible=False, print_exception=False)


def tour(image, lang, tier, audience, label_text, session, speak_mode="live", progress=gr.Progress()):
    for v in ui.tour_stream(image, lang, tier, audience, label_text, session, progress=progress,
                            speak_mode=speak_mode):
        yield _view(v)


def follow_up(image, question, lang, audience, label_text, session, speak_mode="live", progress=gr.Progress()):
    v = None
    for v in ui.ask_stream(image, question, lang, audience, label_text, session, progress=progress,
                           speak_mode=speak_mode):
        yield *_view(v), gr.skip()
    if v is not None and v.ok:
        yield *_view(v), ""                         # answered: the box is ready for the next question


def prepare(lang):
    """The first page is served: the narrator starts loading; the status says so until it is ready."""
    preparing = ui.prepare_narrator(lang)
    return (preparing, gr.Timer(active=True)) if preparing else (gr.skip(), gr.skip())


def prepared(status_now, lang):
    """Every second while preparing: once ready, "Ready." replaces the preparing line (never a describing one)."""
    if not ui.narrator_prepared():
        return gr.skip(), gr.skip()
    waiting = t("tour.preparing_narrator", lang).split("...")[0] in (status_now or "")
    return (ui.status_html(t("app.ready", lang), lang) if waiting else gr.skip()), gr.Timer(active=False)


def speak_approved(text, lang, session):
    v = ui.speak_edited(text, lang, session)
    return v.thread, v.status, v.session


def clear(lang, session):
    return _view(ui.clear_thread(lang, session))


def too_large(lang, session):
    v = ui.oversize(None, MAX_FILE_BYTES, lang, session)
    return v.thread, v.status, v.session


def compare(image, encoders, sizes, lang, extra="", progress=gr.Progress()):
    r = ui.guarded_call(cmp.compare, image, encoders, sizes, lang, progress=progress, extra=extra, lang=lang,
                        on_message=cmp.compare_message)
    names, chosen = cmp.compare_names(encoders, extra), cmp.compare_sizes(sizes)
    compared = {"image": image, "encoders": names, "sizes": chosen} if r.pictures else {}
    return r.pictures, r.ledger, r.status, r.artwork, compared


def tapped(compared, lang, evt: gr.SelectData):
    """A tap maps onto the picture that was compared (not whatever the input holds now)."""
    image, encoders, sizes = compared.get("image"), compared.get("encoders", []), compared.get("sizes", [])
    xy = tuple(evt.index[:2]) if evt.index else None
    r = ui.guarded_call(cmp.similarity, image, encoders, sizes, xy, lang, lang=lang, on_message=cmp.compare_message)
    return r.similarity, r.status, r.lens


def how(image, encoder, size, lang, progress=gr.Progress()):
    r = ui.guarded_call(cmp.how_it_works, image, encoder, size, lang, progress=progress, lang=lang,
                        on_message=cmp.how_message)
    return r.html, r.status


def relabel(lang, tier, audience, image, session):
    """The Tour's words in the chosen language, and what it shows redrawn in it."""
    v = ui.redraw(lang, session)
    return (gr.update(value=f"# {t('app.title', lang)}"),
            gr.update(label=t("app.image", lang), placeholder=t("tour.drop", lang)),
            gr.update(value=t("app.describe", lang)), ui.credit_line(image, lang), tour_ui.strip_html(lang),
            v.thread, v.status, gr.update(label=t("app.question", lang), placeholder=t("app.question_hint", lang)),
            gr.update(value=t("app.ask", lang)), gr.update(value=t("tour.clear", lang)),
            gr.update(label=t("app.edit_box", lang)), gr.update(label=t("tour.edit_label", lang)),
            gr.update(value=t("app.speak", lang)), gr.update(label=tour_ui.options_label(lang, tier, audience)),
            gr.update(label=t("app.language", lang)),
            gr.update(label=t("app.length", lang), choices=choices(TIER_KEYS, lang)),
            gr.update(label=t("app.audience", lang), choices=choices(AUDIENCE_KEYS, lang)),
            gr.update(label=t("app.label_text", lang)), gr.update(label=t("app.speed", lang)),
            gr.update(label=t("app.examples", lang)),
            gr.update(label=t("tour.speak_mode", lang), choices=choices(SPEAK_KEYS, lang)))


def relabel_views(lang):
    """The tab names and the Compare and How-it-works controls in the chosen language (badges included)."""
    names = cmp.encoder_choices(lang)
    return (gr.update(label=t("app.tab_tour", lang)), gr.update(label=t("app.tab_compare", lang)),
            gr.update(label=t("app.tab_how", lang)), gr.update(label=t("app.encoders", lang), choices=names),
            gr.update(label=t("app.sizes", lang), choices=cmp.size_choices(lang)),
            gr.update(value=t("app.compare", lang)),
            gr.update(label=t("app.pictures", lang)), gr.update(value=t("app.tap_hint", lang)),
            gr.update(label=t("app.tap_hint", lang)), gr.update(label=t("app.similarity", lang)),
            gr.update(label=t("app.encoder", lang), choices=names),
            gr.update(label=t("app.size", lang), choices=cmp.size_choices(lang)),
            gr.update(value=t("app.explain", lang)),
            gr.update(label=t("compare.any_timm", lang), placeholder=t("compare.any_timm_hint", lang)))


# ----------------------------------------------------------------------------------------------------------------
# The public API: what a caller wants, named and described; a caller's mistake raises (gradio_client: AppError)

Lang = Literal["en", "vi"]
Tier = Literal["alt", "short", "long"]
Audience = Literal["adult", "child"]
Detail = Literal["auto", "low", "normal", "high"]


def _upload(image) -> str | None:
    """An uploaded file's path here (Gradio checked it lies in its upload folder), or a picture sent inline (a
    ``data:`` URL) written to a file unopened, as the page's picture is; any other value is no picture."""
    if isinstance(image, dict) and (image.get("meta") or {}).get("_type") == "gradio.FileData":
        url = image.get("url") or ""
        if not image.get("path") and url.startswith("data:"):
            return http.save_data_url(url, demo.GRADIO_CACHE)
        return image.get("path")
    return None


def _wire(value):
    """A result as Gradio sends it: PIL pictures become PNG files, paths become files, the rest stays JSON."""
    from gradio import processing_utils
    from PIL import Image

    if isinstance(value, Image.Image):
        path = processing_utils.save_pil_to_cache(value, cache_dir=demo.GRADIO_CACHE, format="png")
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
                 speak: bool = True) -> api.Description:
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
    """
    return _call(api.describe, _upload(image), lang, tier, audience, label_text, rate, detail, speak)


def api_tour(image: FileData, lang: Lang = "en", tier: Tier = "short", audience: Audience = "adult",
             label_text: str = "", detail: Detail = "auto") -> Iterator[api.TourUpdate]:
    """Stream a description: the expected time first, then the text as it is written, then the finished text
    with its provenance (done = true). Speak it with /speak.

    Args:
        image: a photo of the artwork.
        lang: the visitor's language.
        tier: alt, short or long.
        audience: adult or child.
        label_text: the museum label (title, artist, date).
        detail: SmolVLM's tile budget (auto: low on a CPU, normal on a GPU).
    """
    yield from _stream(api.tour, _upload(image), lang, tier, audience, label_text, detail)


def api_ask(image: FileData, question: str, lang: Lang = "en", audience: Audience = "adult", label_text: str = "",
            conversation: str = "", speak: bool = False) -> api.Description:
    """Answer a visitor's question about the artwork, from what is visible (and the label).

    Args:
        image: the same photo as the description.
        question: the visitor's question.
        lang: the visitor's language.
        audience: adult or child.
        label_text: the museum label.
        conversation: the conversation id from /describe or /tour, to continue that visitor's conversation.
        speak: also speak the answer.
    """
    return _call(api.ask, _upload(image), question, lang, audience, label_text, conversation, speak)


def api_speak(text: str, lang: Lang = "en", rate: float = 1.0) -> api.Speech:
    """Speak a text (a description, maybe corrected by the guide): an audio file and each sentence's start time.

    Args:
        text: what to say (at most 3000 characters).
        lang: the language the text is in.
        rate: speed, 0.75 to 1.5.
    """
    return _call(api.speak, text, lang, rate)


def api_compare(image: FileData, encoders: list[str], sizes: list[int], lang: Lang = "en") -> api.Comparison:
    """How vision encoders cut the picture into tokens: patch grids, PCA colours and merge groups per encoder and
    size, and the token ledger (what each choice costs, and SmolVLM's tiles).

    Args:
        image: a photo of the artwork.
        encoders: 1 to 4 encoder names (see /about), e.g. ["vit_small_patch14_dinov2", "mobilenetv2_100"].
        sizes: input sizes in pixels: 224, 336 or 448.
        lang: the language of the captions.
    """
    return _call(api.compare, _upload(image), encoders, sizes, lang)


def api_similarity(image: FileData, encoders: list[str], x: float, y: float, size: int = 224,
                   lang: Lang = "en") -> api.Similarity:
    """How similar every token is to the token under one point of the picture, one map per encoder.

    Args:
        image: a photo of the artwork.
        encoders: 1 to 4 encoder names.
        x: the point's x, in pixels of the picture.
        y: the point's y, in pixels of the picture.
        size: input size: 224, 336 or 448.
        lang: the language of the captions.
    """
    return _call(api.similarity, _upload(image), encoders, x, y, size, lang)


def api_pipeline(image: FileData, encoder: str = "vit_small_patch14_dinov2", size: int = 224,
                 lang: Lang = "en") -> api.Pipeline:
    """Every step from pixels to the language model's input, with the shapes computed for this picture.

    Args:
        image: a photo of the artwork.
        encoder: an encoder name.
        size: input size: 224, 336 or 448.
        lang: the language of the steps.
    """
    return _call(api.pipeline, _upload(image), encoder, size, lang)


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


def public_api() -> None:
    """The endpoints ``gradio_client`` and the API page list; call first in the Blocks, so they get these names."""
    for fn in (api_describe, api_tour, api_ask, api_speak, api_compare, api_similarity, api_pipeline, api_about):
        name, heavy = fn.__name__.removeprefix("api_"), fn not in (api_speak, api_about)
        gr.api(_endpoint(fn, name), api_name=name, concurrency_id="model" if heavy else None)


# ----------------------------------------------------------------------------------------------------------------
# Tour pack: prepared narrations played offline (vlmtok.app.pack_view); python app.py --pack PACK or VLMTOK_PACK

PACK, PACK_PROBLEM = pack_view.open_pack(settings.pack_folder())


def pack_tab() -> None:
    """The Tour pack tab and its wiring (hidden when no pack was asked for); called inside ``gr.Tabs``."""
    pick = lambda r: (r.caption, r.status, r.audio, r.about, r.state.get("id", ""))  # noqa: E731

    def select(lang, tier, audience, evt: gr.SelectData):
        return pick(pack_view.select(PACK, evt.index, lang, tier, audience))

    def matched(photo, lang, tier, audience):
        return pick(ui.guarded_call(pack_view.match_photo, PACK, photo, lang, tier, audience, lang=lang,
                                    on_message=pack_view.message_result))

    def relabel(lang):
        labels = [t(f"pack.{key}", lang) for key in ("gallery", "photo", "language", "length", "audience", "audio",
                                                      "question")]
        tiers, audiences = pack_view.tier_choices(lang), pack_view.audience_choices(lang)
        return (*(gr.update(label=label) for label in labels[:3]), gr.update(label=labels[3], choices=tiers),
                gr.update(label=labels[4], choices=audiences), gr.update(label=labels[5]),
                gr.update(label=labels[6]), gr.update(value=t("pack.ask", lang)))

    def asked(artwork_id, question, lang, audience):
        for r in ui.guarded_stream(lambda: pack_view.ask(PACK, {"id": artwork_id}, question, lang, audience), lang):
            yield r.caption, r.status

    with gr.Tab(t("pack.tab", L), id="pack", visible=bool(PACK or PACK_PROBLEM)):
        gr.Markdown(pack_view.intro(PACK, PACK_PROBLEM, L))
        artwork = gr.Textbox(visible=False)  # the open artwork's id
        with gr.Row():
            with gr.Column(scale=1, min_width=280):
                gallery = gr.Gallery(pack_view.gallery(PACK), label=t("pack.gallery", L), columns=2, height="auto",
                                     allow_preview=False, object_fit="contain", elem_id="vt-pack-gallery")
                photo = ArtworkImage(label=t("pack.photo", L), type="filepath", sources=["webcam", "upload"],
                                     image_mode=None, height=240, elem_id="vt-pack-photo")
                lang = gr.Radio(LANGUAGE_CHOICES, value="en", label=t("pack.language", L), elem_id="vt-pack-lang",
                                elem_classes="vt-big")
                tier = gr.Radio(pack_view.tier_choices(L), value=pack_view.default_tier(PACK),
                                label=t("pack.length", L), elem_classes="vt-big")
                audience = gr.Radio(pack_view.audience_choices(L), value="adult", label=t("pack.audience", L),
                                    elem_classes="vt-big")
            with gr.Column(scale=2, min_width=280):
                status = gr.HTML(ui.status_html(t("pack.choose", L), L), elem_id="vt-pack-status", js_on_load=None,
                                 html_template='<div role="status" aria-live="polite">${value}</div>')
                caption = gr.HTML(ui.caption_html("", L), elem_id="vt-pack-caption", js_on_load=None)
                audio = gr.Audio(label=t("pack.audio", L), type="filepath", interactive=False,
                                 elem_id="vt-pack-audio")
                about = gr.Markdown(elem_id="vt-pack-about", elem_classes="vt-credit")
                question = gr.Textbox(label=t("pack.question", L), max_length=400)
                ask_btn = gr.Button(t("pack.ask", L), elem_classes="vt-big")
    out, choice = [caption, status, audio, about, artwork], [lang, tier, audience]
    private = dict(api_visibility="private", show_progress="hidden")
    gallery.select(select, inputs=choice, outputs=out, queue=False, **private)
    photo.change(matched, inputs=[photo, *choice], outputs=out, **MODEL, **private)
    gr.on([lang.change, tier.change, audience.change], lambda a, *c: pick(pack_view.open_artwork(PACK, a, *c)),
          inputs=[artwork, *choice], outputs=out, queue=False, **private)
    gr.on([ask_btn.click, question.submit], asked, inputs=[artwork, question, lang, audience],
          outputs=[caption, status], **MODEL, **private)
    lang.change(relabel, inputs=lang, outputs=[gallery, photo, lang, tier, audience, audio, question, ask_btn],
                queue=False, **private)


# ----------------------------------------------------------------------------------------------------------------
# Layout

with gr.Blocks(title="vlmtok", delete_cache=(3600, 3600)) as demo:  # uploads older than an hour are removed
    public_api()
    session = gr.State({})
    go = gr.State(False)      # whether the step before lets a model step join the queue
    compared = gr.State({})  # what the Compare tab last drew: the picture, encoders and sizes a tap refers to
    intro = gr.Markdown(f"# {t('app.title', L)}", elem_id="vt-header")
    with gr.Tabs():
        with gr.Tab(t("app.tab_tour", L), id="tour") as tab_tour:
            # One screen on a tablet: the picture and Describe, then the caption card (its own Play/Pause) and the
            # question. The options fold away; they come last in the page (the Tab order is picture, Describe,
            # Play, caption, options) and app.css places them under Describe.
            with gr.Row(elem_id="vt-tour", equal_height=False):
                with gr.Column(scale=4, min_width=300, elem_id="vt-left"):
                    image = ArtworkImage(label=t("app.image", L), type="filepath", sources=["upload", "webcam"],
                                         image_mode=None, height=300, elem_id="vt-image",
                                         placeholder=t("tour.drop", L), buttons=[])
                    describe_btn = gr.Button(t("app.describe", L), variant="primary", elem_id="vt-describe",
                                             elem_classes="vt-big")
                    credit = gr.Markdown(elem_id="vt-credit", elem_classes="vt-credit")
                with gr.Column(scale=9, min_width=400, elem_id="vt-right"):
                    status = gr.HTML(ui.status_html(t("app.ready", L), L), elem_id="vt-status", js_on_load=None)
                    with gr.Column(elem_id="vt-card"):         # the caption card: full screen when opened
                        strip = gr.HTML(tour_ui.strip_html(L), elem_id="vt-strip", js_on_load=None)
                        thread = gr.HTML(ui.redraw(L).thread, elem_id="vt-thread", js_on_load=None)
                    with gr.Row(elem_id="vt-ask", equal_height=True):
                        question = gr.Textbox(label=t("app.question", L), placeholder=t("app.question_hint", L),
                                              max_length=400, scale=6, min_width=180, elem_id="vt-question")
                        ask_btn = gr.Button(t("app.ask", L), scale=1, min_width=80, elem_classes="vt-big")
                        clear_btn = gr.Button(t("tour.clear", L), scale=1, min_width=80, elem_classes="vt-big")
                    with gr.Accordion(t("app.edit_box", L), open=False, elem_id="vt-edit") as edit_panel:
                        approved = gr.Textbox(label=t("tour.edit_label", L), lines=4, interactive=True,
                                              max_length=ui.MAX_SPEAK_CHARS, elem_id="vt-approved")
                        speak_btn = gr.Button(t("app.speak", L), elem_id="vt-speak", elem_classes="vt-big")
                with gr.Accordion(tour_ui.options_label(L, "short", "adult"), open=False,
                                  elem_id="vt-options") as options:
                    lang = gr.Radio(LANGUAGE_CHOICES, value="en", label=t("app.language", L), elem_id="vt-lang",
                                    elem_classes="vt-big")
                    tier = gr.Radio(choices(TIER_KEYS, L), value="short", label=t("app.length", L), elem_id="vt-tier",
                                    elem_classes="vt-big")
                    audience = gr.Radio(choices(AUDIENCE_KEYS, L), value="adult", label=t("app.audience", L),
                                        elem_id="vt-audience", elem_classes="vt-big")
                    speak_mode = gr.Radio(choices(SPEAK_KEYS, L), value=SPEAK_MODE, label=t("tour.speak_mode", L),
                                          elem_id="vt-speak-mode", elem_classes="vt-big")
                    label_text = gr.Textbox("", label=t("app.label_text", L), lines=1, max_length=400)
                    rate = gr.Slider(0.75, 1.5, value=1.0, step=0.25, label=t("app.speed", L), elem_id="vt-rate")
                    examples = gr.Examples(ui.example_paths(), inputs=[image], label=t("app.examples", L),
                                           examples_per_page=10, example_labels=ui.example_titles())
            # the page's script presses this when a file is too large to send (caught before the upload)
            too_large_btn = gr.Button("too large", visible="hidden", elem_id="vt-too-large")
            storage = gr.Markdown(http.storage_notice(L), elem_id="vt-storage")  # caches not where asked
            preparing = gr.Timer(1.0, active=False)          # ticks only while the narrator is being prepared

        with gr.Tab(t("app.tab_compare", L), id="compare") as tab_compare:
            with gr.Row(elem_id="vt-compare-row"):
                with gr.Column(scale=1, min_width=280, elem_id="vt-compare-controls"):
                    cmp_image = ArtworkImage(label=t("app.image", L), type="filepath", sources=["upload", "webcam"],
                                             image_mode=None, height=280, elem_id="vt-cmp-image")
                    gr.Examples(ui.example_paths(), inputs=[cmp_image], label=t("app.examples", L),
                                example_labels=ui.example_titles())
                    encoders = gr.CheckboxGroup([(cmp.plain_name(n), n) for n in cmp.CURATED],
                                                value=list(cmp.DEFAULT_COMPARE), label=t("app.encoders", L),
                                                elem_id="vt-encoders", elem_classes="vt-big")
                    extra_encoder = gr.Textbox("", label=t("compare.any_timm", L), max_length=120,
                                               placeholder=t("compare.any_timm_hint", L), elem_id="vt-any-timm")
                    sizes = gr.CheckboxGroup(cmp.size_choices(L), value=["224"], label=t("app.sizes", L),
                                             elem_classes="vt-big")
                    compare_btn = gr.Button(t("app.compare", L), variant="primary", elem_classes="vt-big")
                with gr.Column(scale=2, min_width=280, elem_id="vt-compare-results"):
                    cmp_status = gr.HTML(elem_id="vt-cmp-status", js_on_load=None,
                                         html_template='<div role="status" aria-live="polite">${value}</div>')
                    pictures = gr.Gallery(label=t("app.pictures", L), columns=4, height="auto", object_fit="contain",
                                          elem_classes="vt-compare-gallery")
                    ledger = gr.HTML(elem_id="vt-ledger", js_on_load=None)
                    tap_hint = gr.Markdown(t("app.tap_hint", L))
                    tap_image = gr.Image(label=t("app.tap_hint", L), interactive=False, type="pil", height=320,
                                         elem_id="vt-tap-image")
                    sim_pictures = gr.Gallery(label=t("app.similarity", L), columns=4, height="auto",
                                              object_fit="contain", elem_classes="vt-sim-gallery")
                    lens = gr.HTML(elem_id="vt-lens", js_on_load=None)

        with gr.Tab(t("app.tab_how", L), id="how") as tab_how:
            with gr.Row(elem_id="vt-how-row"):
                with gr.Column(scale=1, min_width=280):
                    how_image = ArtworkImage(label=t("app.image", L), type="filepath", sources=["upload"],
                                             image_mode=None, height=280, elem_id="vt-how-image")
                    gr.Examples(ui.example_paths(), inputs=[how_image], label=t("app.examples", L),
                                example_labels=ui.example_titles())
                    how_encoder = gr.Dropdown([(cmp.plain_name(n), n) for n in cmp.CURATED],
                                              value=cmp.DEFAULT_COMPARE[0], allow_custom_value=True,
                                              label=t("app.encoder", L), elem_id="vt-how-encoder")
                    how_size = gr.Dropdown(cmp.size_choices(L), value="224", label=t("app.size", L))
                    how_btn = gr.Button(t("app.explain", L), variant="primary", elem_classes="vt-big")
                with gr.Column(scale=2, min_width=280):
                    how_status = gr.HTML(elem_id="vt-how-status", js_on_load=None,
                                         html_template='<div role="status" aria-live="polite">${value}</div>')
                    steps = gr.HTML(elem_id="vt-how", js_on_load=None)
        pack_tab()

    # ------------------------------------------------------------------------------------------------------------
    # Wiring

    view = [thread, status, approved, session]
    quick = dict(queue=False, show_progress="hidden", api_visibility="private")   # no model: never queued
    model = dict(show_progress="hidden", api_visibility="private", **MODEL)
    tour_in = [image, lang, tier, audience, label_text, session, speak_mode]

    def describes(event, reason, api_name=None):
        """``event`` -> a spoken message or the picture described (the model step only when the queue has room)."""
        first = event(begin(reason), inputs=[image, lang, session], outputs=[*view, go], **quick)
        return first.success(gate, inputs=go, **quick).success(tour, inputs=tour_in, outputs=view, api_name=api_name,
                                                               **model)

    describes(image.change, "picture", api_name="ui_tour")
    describes(describe_btn.click, "describe", api_name="ui_describe_again")
    image.change(lambda path, lg: ui.credit_line(path, lg), inputs=[image, lang], outputs=credit, api_name="credit",
                 queue=False, api_visibility="private")
    asked = gr.on([ask_btn.click, question.submit], ask_begin, inputs=[image, question, lang, session],
                  outputs=[*view, go], **quick)
    asked.success(gate, inputs=go, **quick).success(
        follow_up, inputs=[image, question, lang, audience, label_text, session, speak_mode], outputs=[*view, question],
        api_name="ui_ask", **model)
    speak_btn.click(speak_approved, inputs=[approved, lang, session], outputs=[thread, status, session],
                    api_name="speak_approved", queue=False, show_progress="hidden",
                    api_visibility="private")
    clear_btn.click(clear, inputs=[lang, session], outputs=view, **quick)
    too_large_btn.click(too_large, inputs=[lang, session], outputs=[thread, status, session], **quick)

    # a changed language relabels the page at once, then describes the picture again in it
    relabelled = lang.change(relabel, inputs=[lang, tier, audience, image, session], api_name="relabel",
                             outputs=[intro, image, describe_btn, credit, strip, thread, status, question, ask_btn,
                                      clear_btn, edit_panel, approved, speak_btn, options, lang, tier, audience,
                                      label_text, rate, examples.dataset, speak_mode], queue=False,
                             show_progress="hidden",
                             api_visibility="private")
    describes(relabelled.then, "options")
    lang.change(relabel_views, inputs=lang, api_name="relabel_views", queue=False, show_progress="hidden",
                api_visibility="private",
                outputs=[tab_tour, tab_compare, tab_how, encoders, sizes, compare_btn, pictures, tap_hint, tap_image,
                         sim_pictures, how_encoder, how_size, how_btn, extra_encoder])
    for choice in (tier, audience):
        summed = choice.input(lambda lg, tr, au: gr.update(label=tour_ui.options_label(lg, tr, au)),
                              inputs=[lang, tier, audience], outputs=options, **quick)
        describes(summed.then, "options")
    describes(label_text.submit, "options")

    compare_btn.click(compare, inputs=[cmp_image, encoders, sizes, lang, extra_encoder],
                      outputs=[pictures, ledger, cmp_status, tap_image, compared], api_name="compare", **MODEL,
                      api_visibility="private")
    tap_image.select(tapped, inputs=[compared, lang], outputs=[sim_pictures, cmp_status, lens],
                     api_name="similarity", **MODEL, api_visibility="private")
    how_btn.click(how, inputs=[how_image, how_encoder, how_size, lang], outputs=[steps, how_status],
                  api_name="pipeline", **MODEL, api_visibility="private")
    gr.on([tab_compare.select, cmp_image.change], lambda: cmp.warm_up_soon(), api_name="warm", queue=False, api_visibility="private",
          show_progress="hidden")
    demo.load(lambda lg: (gr.update(choices=cmp.encoder_choices(lg)),) * 2, inputs=lang,
              outputs=[encoders, how_encoder], api_name="encoders", api_visibility="private")
    demo.load(prepare, inputs=lang, outputs=[status, preparing], queue=False, show_progress="hidden",
              api_visibility="private")
    preparing.tick(prepared, inputs=[status, lang], outputs=[status, preparing], queue=False, show_progress="hidden",
                   api_visibility="private")
    demo.load(http.storage_notice, inputs=lang, outputs=storage, api_name="storage", queue=False,
              api_visibility="private")
    lang.change(http.storage_notice, inputs=lang, outputs=storage, api_name="relabel_storage", queue=False,
                show_progress="hidden", api_visibility="private")

demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)


def queue_room() -> int | None:
    """Free places in Gradio's queue, by its own count (None: unlimited); the server's busy check reads it."""
    queue = demo._queue
    return None if queue.max_size is None else queue.max_size - len(queue)


def launch_kwargs() -> dict:
    """What ``launch()`` needs besides the layout: assets, limits, the folders audio is served from, the headers."""
    return dict(max_file_size=MAX_FILE_SIZE, show_error=not settings.public(), css_paths=[ASSETS / "app.css", ASSETS / "compare.css"],
                js=(ASSETS / "app.js").read_text(encoding="utf-8"), allowed_paths=http.served_folders(),
                app_kwargs=http.app_kwargs(room=queue_room))