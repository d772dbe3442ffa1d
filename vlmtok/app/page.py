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

from pathlib import Path
from typing import Any

from vlmtok.app import http

UPLOADS_OK = http.prepare_upload_folder()  # before gradio is imported: it reads GRADIO_TEMP_DIR then

import gradio as gr  # noqa: E402

from vlmtok import settings  # noqa: E402
from vlmtok.app import endpoints  # noqa: E402
from vlmtok.app import callbacks as ui  # noqa: E402
from vlmtok.app import compare as cmp  # noqa: E402
from vlmtok.app import pack_view, queue_fill  # noqa: E402
from vlmtok.app import tour as tour_ui  # noqa: E402
from vlmtok.app.strings import AUDIENCE_KEYS, LANGUAGE_CHOICES, SPEAK_KEYS, TIER_KEYS, choices, words_html  # noqa: E402
from vlmtok.app.tour import QueueLoad  # noqa: E402
from vlmtok.choices import RATE_RANGE, RATE_STEP  # noqa: E402
from vlmtok.i18n import t  # noqa: E402

ASSETS = Path(__file__).resolve().parent / "assets"
PUBLIC = settings.public()                # VLMTOK_PUBLIC=1 or on a Space
CONCURRENCY = settings.concurrency()      # model calls at once (2 cores here; 1 GPU on a Space)
QUEUE_SIZE = settings.queue_size()        # visitors waiting before "too busy"
MAX_FILE_SIZE = settings.max_file_size()  # a phone photo is 2-8 MB
SPEAK_MODE = settings.speak_mode()        # "live": each sentence spoken as it is written; "check": after Play
MAX_FILE_BYTES = tour_ui.file_size_bytes(MAX_FILE_SIZE)
EXAMPLES = ui.example_paths() if UPLOADS_OK else []   # Gradio copies examples at start-up: none where it cannot
L = "en"  # the page opens in English; the language choice relabels it
# The page's type: fonts every tablet and laptop has (with Vietnamese letters), so it renders the same offline;
# Gradio's own Source Sans Pro has no bold and falls back letter by letter ("Ask" with a small "A")
# (Arial's widths first, as Gradio's tables and ledgers were laid out for, then DejaVu Sans, wider)
FONTS = ("Segoe UI", "Roboto", "Noto Sans", "Liberation Sans", "Arial", "DejaVu Sans", "system-ui", "sans-serif")
MONO_FONTS = ("ui-monospace", "DejaVu Sans Mono", "Liberation Mono", "Menlo", "Consolas", "monospace")
MODEL = dict(concurrency_id="model")  # every event that runs a model shares one limit: per machine, not per button

if settings.zero_gpu():  # ZeroGPU's pattern: SmolVLM loads at start-up and moves to cuda here, at module level
    from vlmtok.narrate.smolvlm import preload

    preload()


class ArtworkImage(gr.Image):
    """An image input that hands the uploaded file to ``vlmtok.images.load_image`` unopened.

    Gradio's own preprocessing would open every upload with Pillow in the server (any format, no pixel cap) and fail
    with a technical error on a broken file; the safe loader decodes it in its worker and refuses it plainly instead.
    A picture sent inline (a ``data:`` URL) is written to a file unopened, for the same loader.
    """

    def preprocess(self, payload):
        if payload is not None and (payload.url or "").startswith("data:"):
            return endpoints.inline(payload.url)
        if payload is not None and payload.path:
            return str(payload.path)
        return super().preprocess(payload)

    def get_block_name(self) -> str:
        return "image"


# ----------------------------------------------------------------------------------------------------------------
# Callbacks: plain results from vlmtok.app.callbacks, wrapped for the page


def queue_load() -> QueueLoad | None:
    """How full the model queue is now (Gradio's own count), for the "busy" message before a request joins it."""
    return queue_fill.load(demo, CONCURRENCY)


def _view(v: ui.TourView | None) -> tuple:
    """A Tour view for the outputs [thread, status, approved, session]; nothing changes for None."""
    return (gr.skip(),) * 4 if v is None else (v.thread, v.status, v.text, v.session)


def begin(reason: str):
    def step(image, lang, session):
        view, go = ui.tour_begin(image, lang, session, queue_load(), reason)
        return *_view(view), go
    return step


def new_artwork(image, lang, tier, audience, session):
    """A new picture is a new artwork: its label starts empty (the old one must never be read out for it)."""
    view, go = ui.tour_begin(image, lang, session, queue_load(), "picture")
    return *_view(view), go, "", gr.update(label=tour_ui.options_label(lang, tier, audience, ""))


def ask_begin(image, question, lang, session):
    view, go = ui.ask_begin(image, question, lang, session, queue_load())
    return *_view(view), go


def room(lang):
    """Before a model step outside the Tour (Compare, How it works, the pack photo): when the queue is full, the plain
    "busy" sentence in the tab's status line (a live region: screen readers say it) and no model step."""
    message, full = tour_ui.queue_message(queue_load(), lang)
    return (ui.status_html(message, lang, message_kind=True) if full else gr.skip()), not full


def gate(go):
    """Stop the chain quietly when the step before said no (the visitor already has a message)."""
    if not go:
        raise gr.Error("", visible=False, print_exception=False)


def tour(image, lang, tier, audience, label_text, session, speak_mode="live", whole_for=None,
         progress=gr.Progress()):
    for v in ui.tour_stream(image, lang, tier, audience, label_text, session, progress=progress,
                            speak_mode=speak_mode, whole=bool(image) and whole_for == image):
        yield _view(v)


def follow_up(image, question, lang, audience, label_text, session, speak_mode="live", whole_for=None,
              progress=gr.Progress()):
    v = None
    for v in ui.ask_stream(image, question, lang, audience, label_text, session, progress=progress,
                           speak_mode=speak_mode, whole=bool(image) and whole_for == image):
        yield *_view(v), gr.skip()
    if v is not None and v.ok:
        yield *_view(v), ""                         # answered: the box is ready for the next question


def outlined(image, lang, new_picture=False):
    """The artwork's outline on the photo and "use the whole photo", shown only when an artwork was cut out."""
    picture, sentence = ui.artwork_outline(image, lang)
    found = picture is not None
    box = gr.update(visible=found, label=t("frame.whole", lang), info=sentence)
    return (gr.update(value=picture, visible=found, label=t("frame.found", lang)),
            gr.update(value=False, **box) if new_picture else box)


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


def upload_failed(lang, session):
    """The server could not store an upload (its disk is full): said and spoken, in the visitor's language."""
    v = ui.tour_message(t("robust.upload_failed", lang), lang, session)
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


def options_summary(lang, tier, audience, label_text):
    return gr.update(label=tour_ui.options_label(lang, tier, audience, label_text))


def relabel(lang, tier, audience, label_text, image, session) -> dict[str, Any]:
    """The Tour's words in the chosen language, and what it shows redrawn in it: {component name: update}."""
    v = ui.redraw(lang, session)
    return {"intro": gr.update(value=f"# {t('app.title', lang)}"),
            "image": gr.update(label=t("app.image", lang), placeholder=t("tour.drop", lang)),
            "describe_btn": gr.update(value=t("app.describe", lang)), "credit": ui.credit_line(image, lang),
            "strip": tour_ui.strip_html(lang), "thread": v.thread, "status": v.status,
            "question": gr.update(label=t("app.question", lang), placeholder=t("app.question_hint", lang)),
            "ask_btn": gr.update(value=t("app.ask", lang)), "clear_btn": gr.update(value=t("tour.clear", lang)),
            "edit_panel": gr.update(label=t("app.edit_box", lang)),
            "approved": gr.update(label=t("tour.edit_label", lang)), "speak_btn": gr.update(value=t("app.speak", lang)),
            "options": gr.update(label=tour_ui.options_label(lang, tier, audience, label_text)),
            "lang": gr.update(label=t("app.language", lang)),
            "tier": gr.update(label=t("app.length", lang), choices=choices(TIER_KEYS, lang)),
            "audience": gr.update(label=t("app.audience", lang), choices=choices(AUDIENCE_KEYS, lang)),
            "label_text": gr.update(label=t("app.label_text", lang)), "rate": gr.update(label=t("app.speed", lang)),
            "examples": gr.update(label=t("app.examples", lang),
                                  sample_labels=ui.example_titles(lang) if EXAMPLES else []),
            "speak_mode": gr.update(label=t("tour.speak_mode", lang), choices=choices(SPEAK_KEYS, lang))}


def relabel_views(lang) -> dict[str, Any]:
    """The tab names, the Compare and How-it-works controls (badges included) and Gradio's own words in the chosen
    language."""
    names = cmp.encoder_choices(lang)
    titles = ui.example_titles(lang) if EXAMPLES else []
    picture = lambda: gr.update(label=t("app.image", lang))  # noqa: E731  (one update per output)
    examples = lambda: gr.update(label=t("app.examples", lang), sample_labels=titles)  # noqa: E731
    return {"words": words_html(lang), "cmp_image": picture(), "cmp_examples": examples(), "how_image": picture(),
            "how_examples": examples(), "cmp_examples_box": gr.update(label=t("app.examples", lang)),
            "how_examples_box": gr.update(label=t("app.examples", lang)),
            "tab_tour": gr.update(label=t("app.tab_tour", lang)),
            "tab_compare": gr.update(label=t("app.tab_compare", lang)),
            "tab_how": gr.update(label=t("app.tab_how", lang)),
            "encoders": gr.update(label=t("app.encoders", lang), choices=names),
            "sizes": gr.update(label=t("app.sizes", lang), choices=cmp.size_choices(lang)),
            "compare_btn": gr.update(value=t("app.compare", lang)),
            "pictures": gr.update(label=t("app.pictures", lang)), "tap_hint": gr.update(value=t("app.tap_hint", lang)),
            "tap_image": gr.update(label=t("app.tap_hint", lang)),
            "sim_pictures": gr.update(label=t("app.similarity", lang)),
            "how_encoder": gr.update(label=t("app.encoder", lang), choices=names),
            "how_size": gr.update(label=t("app.size", lang), choices=cmp.size_choices(lang)),
            "how_btn": gr.update(value=t("app.explain", lang)),
            "extra_encoder": gr.update(label=t("compare.any_timm", lang), placeholder=t("compare.any_timm_hint", lang))}


def by_name(step, parts: dict[str, Any]):
    """``step``'s {name: update} as Gradio's {component: update}: each update goes to its component by name, never by
    position; ``parts`` (name -> component) is also the event's outputs."""
    def named(*args):
        return {parts[name]: update for name, update in step(*args).items()}
    return named


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
                gr.update(label=labels[6]), gr.update(value=t("pack.ask", lang)),
                gr.update(value=pack_view.intro(PACK, PACK_PROBLEM, lang)))

    def asked(artwork_id, question, lang, audience):
        for r in ui.guarded_stream(lambda: pack_view.ask(PACK, {"id": artwork_id}, question, lang, audience), lang):
            yield r.caption, r.status

    with gr.Tab(t("pack.tab", L), id="pack", visible=bool(PACK or PACK_PROBLEM)):
        intro = gr.Markdown(pack_view.intro(PACK, PACK_PROBLEM, L), elem_id="vt-pack-intro")
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
    roomy = gr.State(False)
    photo.change(room, inputs=lang, outputs=[status, roomy], queue=False, **private).success(
        gate, inputs=roomy, queue=False, **private).success(matched, inputs=[photo, *choice], outputs=out, **MODEL,
                                                            **private)
    gr.on([lang.change, tier.change, audience.change], lambda a, *c: pick(pack_view.open_artwork(PACK, a, *c)),
          inputs=[artwork, *choice], outputs=out, queue=False, **private)
    gr.on([ask_btn.click, question.submit], asked, inputs=[artwork, question, lang, audience],
          outputs=[caption, status], **MODEL, **private)
    lang.change(relabel, inputs=lang,
                outputs=[gallery, photo, lang, tier, audience, audio, question, ask_btn, intro], queue=False, **private)


# ----------------------------------------------------------------------------------------------------------------
# Group tours: visitors follow the Tour on their own phones (vlmtok.app.follow: the panel; vlmtok.app.rooms: rooms)


def follow_room(session: gr.State, lang: gr.Radio) -> None:
    """"Let visitors follow": a QR code, the room code and address, how many follow, and Close; inside the Tour tab.

    Only opening and closing write the session (the guide's id, which finds its room); the count's timer only reads it.
    """
    from vlmtok.app import follow

    def shown(v):
        return v.panel, gr.update(visible=v.open), gr.Timer(active=v.open)

    def opened(sess, lg, request: gr.Request):
        scheme = request.headers.get("x-forwarded-proto") or request.request.url.scheme
        v = follow.guide_open(sess, lg, request.headers.get("host", "127.0.0.1"), scheme,
                              getattr(demo, "server_name", None))
        return *shown(v), v.session

    def closed(sess, lg):
        v = follow.guide_close(sess, lg)
        return *shown(v), v.session

    with gr.Row(elem_id="vt-follow-row"):
        open_btn = gr.Button(t("follow.let_follow", L), elem_id="vt-follow-open", elem_classes="vt-big")
        close_btn = gr.Button(t("follow.close_room", L), visible=False, elem_id="vt-follow-close",
                              elem_classes="vt-big")
    panel = gr.HTML("", elem_id="vt-follow-panel", js_on_load=None)
    ticks = gr.Timer(3.0, active=False)                  # the follower count, while a room is open
    quick = dict(queue=False, show_progress="hidden", api_visibility="private")
    shows = [panel, close_btn, ticks]
    open_btn.click(opened, inputs=[session, lang], outputs=[*shows, session], **quick).then(
        None, js="() => document.getElementById('vt-follow-panel').scrollIntoView({block: 'nearest'})")
    close_btn.click(closed, inputs=[session, lang], outputs=[*shows, session], **quick)
    ticks.tick(lambda sess, lg: shown(follow.guide_panel(sess, lg)), inputs=[session, lang], outputs=shows, **quick)
    lang.change(lambda sess, lg: (gr.update(value=t("follow.let_follow", lg)),
                                  gr.update(value=t("follow.close_room", lg)),
                                  follow.guide_panel(sess, lg, was_open=False).panel or gr.skip()),
                inputs=[session, lang], outputs=[open_btn, close_btn, panel], **quick)


# ----------------------------------------------------------------------------------------------------------------
# Layout

with gr.Blocks(title="vlmtok", delete_cache=(3600, 3600)) as demo:  # uploads older than an hour are removed
    endpoints.public_api(lambda: demo, pack=lambda: (PACK, PACK_PROBLEM))
    session = gr.State({})
    go = gr.State(False)      # whether the step before lets a model step join the queue
    compared = gr.State({})  # what the Compare tab last drew: the picture, encoders and sizes a tap refers to
    intro = gr.Markdown(f"# {t('app.title', L)}", elem_id="vt-header")
    words = gr.HTML(words_html(L), elem_id="vt-words", js_on_load=None)   # the page's language, for its script
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
                    with gr.Column(elem_id="vt-frame"):      # the artwork found in the photo, shown when found
                        outline = gr.Image(label=t("frame.found", L), interactive=False, type="pil", height=180,
                                           visible=False, elem_id="vt-outline", buttons=[])
                        whole = gr.Checkbox(False, label=t("frame.whole", L), visible=False, elem_id="vt-whole",
                                            elem_classes="vt-big")
                    whole_for = gr.State(None)   # the photo the guide chose to keep whole (a new photo: found again)
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
                    rate = gr.Slider(*RATE_RANGE, value=1.0, step=RATE_STEP, label=t("app.speed", L), elem_id="vt-rate")
                    examples = gr.Examples(EXAMPLES, inputs=[image], label=t("app.examples", L),
                                           examples_per_page=10,
                                           example_labels=ui.example_titles(L) if EXAMPLES else [])
            # the page's script presses this when a file is too large to send (caught before the upload)
            too_large_btn = gr.Button("too large", visible="hidden", elem_id="vt-too-large")
            upload_failed_btn = gr.Button("upload failed", visible="hidden", elem_id="vt-upload-failed")
            storage = gr.Markdown(http.storage_notice(L), elem_id="vt-storage")  # caches not where asked
            preparing = gr.Timer(1.0, active=False)          # ticks only while the narrator is being prepared
            follow_room(session, lang)                      # group tours: visitors follow on their phones

        with gr.Tab(t("app.tab_compare", L), id="compare") as tab_compare:
            with gr.Row(elem_id="vt-compare-row"):
                # one screen at 1024x768: the picture, Compare and the first results; the choices and the examples
                # fold away, the choices' summary in their title
                with gr.Column(scale=1, min_width=280, elem_id="vt-compare-controls"):
                    cmp_image = ArtworkImage(label=t("app.image", L), type="filepath", sources=["upload", "webcam"],
                                             image_mode=None, height=240, elem_id="vt-cmp-image")
                    compare_btn = gr.Button(t("app.compare", L), variant="primary", elem_id="vt-compare-btn",
                                            elem_classes="vt-big")
                    with gr.Accordion(cmp.choices_label(cmp.DEFAULT_COMPARE, ["224"], "", L), open=False,
                                      elem_id="vt-cmp-choices", elem_classes="vt-fold") as cmp_choices:
                        encoders = gr.CheckboxGroup([(cmp.plain_name(n), n) for n in cmp.CURATED],
                                                    value=list(cmp.DEFAULT_COMPARE), label=t("app.encoders", L),
                                                    elem_id="vt-encoders", elem_classes="vt-big")
                        extra_encoder = gr.Textbox("", label=t("compare.any_timm", L), max_length=120,
                                                   placeholder=t("compare.any_timm_hint", L), elem_id="vt-any-timm")
                        sizes = gr.CheckboxGroup(cmp.size_choices(L), value=["224"], label=t("app.sizes", L),
                                                 elem_id="vt-sizes", elem_classes="vt-big")
                    with gr.Accordion(t("app.examples", L), open=False, elem_id="vt-cmp-examples",
                                      elem_classes="vt-fold") as cmp_examples_box:
                        cmp_examples = gr.Examples(EXAMPLES, inputs=[cmp_image], label=t("app.examples", L),
                                                   example_labels=ui.example_titles(L) if EXAMPLES else [])
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
                with gr.Column(scale=1, min_width=280, elem_id="vt-how-controls"):
                    how_image = ArtworkImage(label=t("app.image", L), type="filepath", sources=["upload"],
                                             image_mode=None, height=240, elem_id="vt-how-image")
                    with gr.Accordion(t("app.examples", L), open=False, elem_id="vt-how-examples",
                                      elem_classes="vt-fold") as how_examples_box:
                        how_examples = gr.Examples(EXAMPLES, inputs=[how_image], label=t("app.examples", L),
                                                   example_labels=ui.example_titles(L) if EXAMPLES else [])
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
    tour_in = [image, lang, tier, audience, label_text, session, speak_mode, whole_for]

    def describes(event, reason, api_name=None):
        """``event`` -> a spoken message or the picture described (the model step only when the queue has room)."""
        if reason == "picture":     # a new artwork: the label box empties with it
            first = event(new_artwork, inputs=[image, lang, tier, audience, session],
                          outputs=[*view, go, label_text, options], **quick)
        else:
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
        follow_up, inputs=[image, question, lang, audience, label_text, session, speak_mode, whole_for],
        outputs=[*view, question],
        api_name="ui_ask", **model)
    speak_btn.click(speak_approved, inputs=[approved, lang, session], outputs=[thread, status, session],
                    api_name="speak_approved", queue=False, show_progress="hidden",
                    api_visibility="private")
    clear_btn.click(clear, inputs=[lang, session], outputs=view, **quick)
    too_large_btn.click(too_large, inputs=[lang, session], outputs=[thread, status, session], **quick)
    upload_failed_btn.click(upload_failed, inputs=[lang, session], outputs=[thread, status, session], **quick)

    # a changed language relabels the page at once, then describes the picture again in it
    tour_parts = dict(intro=intro, image=image, describe_btn=describe_btn, credit=credit, strip=strip, thread=thread,
                      status=status, question=question, ask_btn=ask_btn, clear_btn=clear_btn, edit_panel=edit_panel,
                      approved=approved, speak_btn=speak_btn, options=options, lang=lang, tier=tier,
                      audience=audience, label_text=label_text, rate=rate, examples=examples.dataset,
                      speak_mode=speak_mode)
    relabelled = lang.change(by_name(relabel, tour_parts), inputs=[lang, tier, audience, label_text, image, session],
                             outputs=list(tour_parts.values()), api_name="relabel", **quick)
    describes(relabelled.then, "options")
    view_parts = dict(words=words, cmp_image=cmp_image, cmp_examples=cmp_examples.dataset, how_image=how_image,
                      how_examples=how_examples.dataset, cmp_examples_box=cmp_examples_box,
                      how_examples_box=how_examples_box, tab_tour=tab_tour, tab_compare=tab_compare, tab_how=tab_how,
                      encoders=encoders, sizes=sizes,
                      compare_btn=compare_btn, pictures=pictures, tap_hint=tap_hint, tap_image=tap_image,
                      sim_pictures=sim_pictures, how_encoder=how_encoder, how_size=how_size, how_btn=how_btn,
                      extra_encoder=extra_encoder)
    lang.change(by_name(relabel_views, view_parts), inputs=lang, outputs=list(view_parts.values()),
                api_name="relabel_views", **quick)
    for choice in (tier, audience):
        summed = choice.input(options_summary, inputs=[lang, tier, audience, label_text], outputs=options, **quick)
        describes(summed.then, "options")
    label_text.input(options_summary, inputs=[lang, tier, audience, label_text], outputs=options, **quick)
    describes(label_text.submit, "options")
    image.change(lambda path, lg: outlined(path, lg, True), inputs=[image, lang], outputs=[outline, whole], **quick)
    lang.change(outlined, inputs=[image, lang], outputs=[outline, whole], **quick)
    chosen = whole.input(lambda keep, path: path if keep else None, inputs=[whole, image], outputs=whole_for, **quick)
    describes(chosen.then, "options")
    # the player's speed: the page's player applies it to every clip at once (no server round trip)
    rate.input(None, inputs=rate, js="(r) => { document.dispatchEvent(new CustomEvent('vt-rate', {detail: r})); }",
               **quick)

    # Gradio's examples put the picture's first (English) label back with each example: it is said again in the
    # chosen language
    for shown, picture, hint in ((examples, image, "tour.drop"), (cmp_examples, cmp_image, None),
                                 (how_examples, how_image, None)):
        shown.load_input_event.then(
            lambda lg, hint=hint: gr.update(label=t("app.image", lg), **({"placeholder": t(hint, lg)} if hint else {})),
            inputs=lang, outputs=picture, **quick)

    gr.on([encoders.change, sizes.change, extra_encoder.change, lang.change],
          lambda *chosen: gr.update(label=cmp.choices_label(*chosen)),
          inputs=[encoders, sizes, extra_encoder, lang], outputs=cmp_choices, **quick)   # the folded choices, said
    roomy = gr.State(False)   # whether the queue had room for the model step that follows
    checked = compare_btn.click(room, inputs=lang, outputs=[cmp_status, roomy], **quick)
    checked.success(gate, inputs=roomy, **quick).success(
        compare, inputs=[cmp_image, encoders, sizes, lang, extra_encoder],
        outputs=[pictures, ledger, cmp_status, tap_image, compared], api_name="compare", **MODEL,
        api_visibility="private")
    tap_image.select(tapped, inputs=[compared, lang], outputs=[sim_pictures, cmp_status, lens],
                     api_name="similarity", **MODEL, api_visibility="private")
    checked = how_btn.click(room, inputs=lang, outputs=[how_status, roomy], **quick)
    checked.success(gate, inputs=roomy, **quick).success(
        how, inputs=[how_image, how_encoder, how_size, lang], outputs=[steps, how_status], api_name="pipeline",
        **MODEL, api_visibility="private")
    gr.on([tab_compare.select, cmp_image.change], lambda: cmp.warm_up_soon(), api_name="warm", queue=False, api_visibility="private",
          show_progress="hidden")
    demo.load(lambda lg: (gr.update(choices=cmp.encoder_choices(lg)),) * 2, inputs=lang,   # no model: never queued,
              outputs=[encoders, how_encoder], api_name="encoders", api_visibility="private",  # so a full queue
              queue=False, show_progress="hidden")                                                # never breaks a load
    demo.load(prepare, inputs=lang, outputs=[status, preparing], queue=False, show_progress="hidden",
              api_visibility="private")
    preparing.tick(prepared, inputs=[status, lang], outputs=[status, preparing], queue=False, show_progress="hidden",
                   api_visibility="private")
    demo.load(http.storage_notice, inputs=lang, outputs=storage, api_name="storage", queue=False,
              api_visibility="private")
    lang.change(http.storage_notice, inputs=lang, outputs=storage, api_name="relabel_storage", queue=False,
                show_progress="hidden", api_visibility="private")

demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
demo.temp_file_sets.append(http.WRITTEN)   # pictures sent inline are removed by the clean-up that removes uploads


def queue_room() -> int | None:
    """Free places in Gradio's queue, by its own count (None: unlimited); the server's busy check reads it."""
    return queue_fill.room(demo)


def may_serve(path: str) -> bool:
    """Gradio's own rule for the files its ``/file=`` route serves (the server's file check asks it first)."""
    from gradio import utils
    from gradio.data_classes import _StaticFiles

    allowed, _why = utils.is_allowed_file(
        Path(path), blocked_paths=getattr(demo, "blocked_paths", None) or [],
        allowed_paths=[*(getattr(demo, "allowed_paths", None) or []), *_StaticFiles.all_paths],
        created_paths=[utils.get_upload_folder(), str(utils.get_cache_folder())])
    return allowed


def launch_kwargs() -> dict:
    """What ``launch()`` needs besides the layout: assets, limits, the folders audio is served from, the headers."""
    return dict(max_file_size=MAX_FILE_SIZE, show_error=not settings.public(),
                theme=gr.themes.Default(font=list(FONTS), font_mono=list(MONO_FONTS)),
                css_paths=[ASSETS / "app.css", ASSETS / "compare.css"],
                js=(ASSETS / "app.js").read_text(encoding="utf-8"), allowed_paths=http.served_folders(),
                app_kwargs=http.app_kwargs(room=queue_room, may_serve=may_serve))
