"""vlmtok: describe an artwork in large text and speech, and see how vision encoders tokenise it.

Run ``python app.py`` and open the address it prints. Layout and wiring only: every callback is a thin call into
``vlmtok.app.callbacks``, which returns plain values; models load on first use, not at import.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from vlmtok import settings
from vlmtok.app import callbacks as ui
from vlmtok.app import tour as tour_ui
from vlmtok.app.strings import AUDIENCE_KEYS, LANGUAGE_CHOICES, TIER_KEYS, choices
from vlmtok.app.tour import QueueLoad
from vlmtok.i18n import t

ASSETS = Path(__file__).resolve().parent / "vlmtok" / "app" / "assets"
PUBLIC = settings.public()                # VLMTOK_PUBLIC=1 or on a Space
CONCURRENCY = settings.concurrency()      # model calls at once (2 cores here; 1 GPU on a Space)
QUEUE_SIZE = settings.queue_size()        # visitors waiting before "too busy"
MAX_FILE_SIZE = settings.max_file_size()  # a phone photo is 2-8 MB
MAX_FILE_BYTES = tour_ui.file_size_bytes(MAX_FILE_SIZE)
L = "en"  # the page opens in English; the language choice relabels it
MODEL = dict(concurrency_id="model")  # every event that runs a model shares one limit: per machine, not per button


class ArtworkImage(gr.Image):
    """An image input that hands the uploaded file to ``vlmtok.images.load_image`` unopened.

    Gradio's own preprocessing would open every upload with Pillow (any format, no pixel cap) and fail with a
    technical error on a broken file; the safe loader refuses it with a plain message instead.
    """

    def preprocess(self, payload):
        if payload is not None and payload.path and not (payload.url or "").startswith("data:"):
            return str(payload.path)
        return super().preprocess(payload)

    def get_block_name(self) -> str:
        return "image"


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


def tour(image, lang, tier, audience, label_text, session, progress=gr.Progress()):
    for v in ui.tour_stream(image, lang, tier, audience, label_text, session, progress=progress):
        yield _view(v)


def follow_up(image, question, lang, audience, label_text, session, progress=gr.Progress()):
    v = None
    for v in ui.ask_stream(image, question, lang, audience, label_text, session, progress=progress):
        yield *_view(v), gr.skip()
    if v is not None and v.ok:
        yield *_view(v), ""                         # answered: the box is ready for the next question


def speak_approved(text, lang, session):
    v = ui.speak_edited(text, lang, session)
    return v.thread, v.status, v.session


def clear(lang, session):
    return _view(ui.clear_thread(lang, session))


def too_large(lang, session):
    v = ui.oversize(None, MAX_FILE_BYTES, lang, session)
    return v.thread, v.status, v.session


def describe_api(image, lang, tier, audience="adult", label_text="", rate=1.0, progress=gr.Progress()):
    r = ui.guarded_call(ui.describe, image, lang, tier, audience, label_text, rate, progress=progress, lang=lang)
    return r.text, r.audio, r.caption, r.status


def compare(image, encoders, sizes, lang, progress=gr.Progress()):
    r = ui.guarded_call(ui.compare, image, encoders, sizes, lang, progress=progress, lang=lang,
                        on_message=ui.compare_message)
    compared = {"image": image, "encoders": list(encoders or []), "sizes": list(sizes or [])} if r.pictures else {}
    return r.pictures, r.ledger, r.status, r.artwork, compared


def tapped(compared, lang, evt: gr.SelectData):
    """A tap maps onto the picture that was compared (not whatever the input holds now)."""
    image, encoders, sizes = compared.get("image"), compared.get("encoders", []), compared.get("sizes", [])
    xy = tuple(evt.index[:2]) if evt.index else None
    r = ui.guarded_call(ui.similarity, image, encoders, sizes, xy, lang, lang=lang, on_message=ui.compare_message)
    return r.similarity, r.status


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
            gr.update(label=t("app.examples", lang)))


def relabel_views(lang):
    """The tab names and the Compare and How-it-works controls in the chosen language."""
    return (gr.update(label=t("app.tab_tour", lang)), gr.update(label=t("app.tab_compare", lang)),
            gr.update(label=t("app.tab_how", lang)), gr.update(label=t("app.encoders", lang)),
            gr.update(label=t("app.sizes", lang)), gr.update(value=t("app.compare", lang)),
            gr.update(label=t("app.pictures", lang)), gr.update(value=t("app.tap_hint", lang)),
            gr.update(label=t("app.tap_hint", lang)), gr.update(label=t("app.similarity", lang)),
            gr.update(label=t("app.encoder", lang)), gr.update(label=t("app.size", lang)),
            gr.update(value=t("app.explain", lang)))


# ----------------------------------------------------------------------------------------------------------------
# Layout

with gr.Blocks(title="vlmtok", delete_cache=(3600, 3600)) as demo:  # uploads older than an hour are removed
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
                    label_text = gr.Textbox("", label=t("app.label_text", L), lines=1, max_length=400)
                    rate = gr.Slider(0.75, 1.5, value=1.0, step=0.25, label=t("app.speed", L), elem_id="vt-rate")
                    examples = gr.Examples(ui.example_paths(), inputs=[image], label=t("app.examples", L),
                                           examples_per_page=10, example_labels=ui.example_titles())
            # the page's script presses this when a file is too large to send (caught before the upload)
            too_large_btn = gr.Button("too large", visible="hidden", elem_id="vt-too-large")
            api_describe = gr.Button(visible=False)
            api_text, api_status = gr.Textbox(visible=False), gr.HTML(visible=False, js_on_load=None)
            api_caption = gr.HTML(visible=False, js_on_load=None)
            api_audio = gr.Audio(visible=False, type="filepath")

        with gr.Tab(t("app.tab_compare", L), id="compare") as tab_compare:
            with gr.Row():
                with gr.Column(scale=1, min_width=280):
                    cmp_image = ArtworkImage(label=t("app.image", L), type="filepath", sources=["upload", "webcam"],
                                             image_mode=None, height=280, elem_id="vt-cmp-image")
                    gr.Examples(ui.example_paths(), inputs=[cmp_image], label=t("app.examples", L),
                                example_labels=ui.example_titles())
                    encoders = gr.CheckboxGroup(list(ui.DEFAULT_COMPARE), value=list(ui.DEFAULT_COMPARE),
                                                label=t("app.encoders", L))
                    sizes = gr.CheckboxGroup([str(s) for s in ui.COMPARE_SIZES], value=["224"], label=t("app.sizes", L))
                    compare_btn = gr.Button(t("app.compare", L), variant="primary", elem_classes="vt-big")
                with gr.Column(scale=2, min_width=280):
                    cmp_status = gr.HTML(elem_id="vt-cmp-status", js_on_load=None,
                                         html_template='<div role="status" aria-live="polite">${value}</div>')
                    pictures = gr.Gallery(label=t("app.pictures", L), columns=4, height="auto", object_fit="contain",
                                          elem_classes="vt-compare-gallery")
                    ledger = gr.Markdown(label=t("app.ledger", L))
                    tap_hint = gr.Markdown(t("app.tap_hint", L))
                    tap_image = gr.Image(label=t("app.tap_hint", L), interactive=False, type="pil", height=320,
                                         elem_id="vt-tap-image")
                    sim_pictures = gr.Gallery(label=t("app.similarity", L), columns=4, height="auto",
                                              elem_classes="vt-sim-gallery")

        with gr.Tab(t("app.tab_how", L), id="how") as tab_how:
            with gr.Row():
                with gr.Column(scale=1, min_width=280):
                    how_image = ArtworkImage(label=t("app.image", L), type="filepath", sources=["upload"],
                                             image_mode=None, height=280)
                    gr.Examples(ui.example_paths(), inputs=[how_image], label=t("app.examples", L),
                                example_labels=ui.example_titles())
                    how_encoder = gr.Dropdown(list(ui.DEFAULT_COMPARE), value=ui.DEFAULT_COMPARE[0],
                                              label=t("app.encoder", L))
                    how_size = gr.Dropdown([str(s) for s in ui.COMPARE_SIZES], value="224", label=t("app.size", L))
                    how_btn = gr.Button(t("app.explain", L), variant="primary", elem_classes="vt-big")
                with gr.Column(scale=2, min_width=280):
                    steps = gr.Markdown(label=t("app.steps", L))

    # ------------------------------------------------------------------------------------------------------------
    # Wiring

    view = [thread, status, approved, session]
    quick = dict(queue=False, show_progress="hidden", api_visibility="private")   # no model: never queued
    model = dict(show_progress="hidden", **MODEL)
    tour_in = [image, lang, tier, audience, label_text, session]

    def describes(event, reason, api_name=None):
        """``event`` -> a spoken message or the picture described (the model step only when the queue has room)."""
        first = event(begin(reason), inputs=[image, lang, session], outputs=[*view, go], **quick)
        return first.success(gate, inputs=go, **quick).success(tour, inputs=tour_in, outputs=view, api_name=api_name,
                                                               **model)

    describes(image.change, "picture", api_name="tour")
    describes(describe_btn.click, "describe", api_name="describe_again")
    image.change(lambda path, lg: ui.credit_line(path, lg), inputs=[image, lang], outputs=credit, api_name="credit",
                 queue=False)
    asked = gr.on([ask_btn.click, question.submit], ask_begin, inputs=[image, question, lang, session],
                  outputs=[*view, go], **quick)
    asked.success(gate, inputs=go, **quick).success(
        follow_up, inputs=[image, question, lang, audience, label_text, session], outputs=[*view, question],
        api_name="ask", **model)
    speak_btn.click(speak_approved, inputs=[approved, lang, session], outputs=[thread, status, session],
                    api_name="speak", queue=False, show_progress="hidden")
    clear_btn.click(clear, inputs=[lang, session], outputs=view, **quick)
    too_large_btn.click(too_large, inputs=[lang, session], outputs=[thread, status, session], **quick)
    api_describe.click(describe_api, inputs=[image, lang, tier, audience, label_text, rate],
                       outputs=[api_text, api_audio, api_caption, api_status], api_name="describe", **MODEL)

    # a changed language relabels the page at once, then describes the picture again in it
    relabelled = lang.change(relabel, inputs=[lang, tier, audience, image, session], api_name="relabel",
                             outputs=[intro, image, describe_btn, credit, strip, thread, status, question, ask_btn,
                                      clear_btn, edit_panel, approved, speak_btn, options, lang, tier, audience,
                                      label_text, rate, examples.dataset], queue=False, show_progress="hidden")
    describes(relabelled.then, "options")
    lang.change(relabel_views, inputs=lang, api_name="relabel_views", queue=False, show_progress="hidden",
                outputs=[tab_tour, tab_compare, tab_how, encoders, sizes, compare_btn, pictures, tap_hint, tap_image,
                         sim_pictures, how_encoder, how_size, how_btn])
    for choice in (tier, audience):
        summed = choice.input(lambda lg, tr, au: gr.update(label=tour_ui.options_label(lg, tr, au)),
                              inputs=[lang, tier, audience], outputs=options, **quick)
        describes(summed.then, "options")
    describes(label_text.submit, "options")

    compare_btn.click(compare, inputs=[cmp_image, encoders, sizes, lang],
                      outputs=[pictures, ledger, cmp_status, tap_image, compared], api_name="compare", **MODEL)
    tap_image.select(tapped, inputs=[compared, lang], outputs=[sim_pictures, cmp_status],
                     api_name="similarity", **MODEL)
    how_btn.click(ui.pipeline_steps, inputs=[how_image, how_encoder, how_size, lang], outputs=steps,
                  api_name="pipeline", **MODEL)
    demo.load(lambda: (gr.update(choices=ui.encoder_choices()),) * 2, outputs=[encoders, how_encoder],
              api_name="encoders")

demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)


def launch_kwargs() -> dict:
    """What ``launch()`` needs besides the layout: assets, limits, the speech cache the audio is served from."""
    from vlmtok.paths import cache_dir

    return dict(max_file_size=MAX_FILE_SIZE, show_error=not PUBLIC, css_paths=[ASSETS / "app.css"],
                js=(ASSETS / "app.js").read_text(encoding="utf-8"), allowed_paths=[str(cache_dir("speech")), str(Path(tempfile.gettempdir()) / "vlmtok-speech-uncached")])


if __name__ == "__main__":
    demo.launch(**launch_kwargs())
