"""vlmtok: describe an artwork in large text and speech, and see how vision encoders tokenise it.

Run ``python app.py`` and open the address it prints. Layout and wiring only: every callback is a thin call into
``vlmtok.app.callbacks`` (the Tour) or ``vlmtok.app.compare`` (Compare, How it works), which return plain values;
models load on first use, not at import.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from vlmtok import settings
from vlmtok.app import callbacks as ui
from vlmtok.app import compare as cmp
from vlmtok.app.strings import AUDIENCE_KEYS, LANGUAGE_CHOICES, PRESET_KEYS, TIER_KEYS, choices
from vlmtok.i18n import t

ASSETS = Path(__file__).resolve().parent / "vlmtok" / "app" / "assets"
PUBLIC = settings.public()                # VLMTOK_PUBLIC=1 or on a Space
CONCURRENCY = settings.concurrency()      # model calls at once (2 cores here; 1 GPU on a Space)
QUEUE_SIZE = settings.queue_size()        # visitors waiting before "too busy"
MAX_FILE_SIZE = settings.max_file_size()  # a phone photo is 2-8 MB
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


def tour(image, lang, tier, audience, label_text, session, progress=gr.Progress()):
    steps = lambda: ui.describe_stream(image, lang, tier, audience, label_text, progress=progress)  # noqa: E731
    for r in ui.guarded_stream(steps, lang):
        yield r.caption, r.status, r.text, (r.session or session) if r.ok else {}  # never speak an error


def follow_up(image, question, lang, audience, label_text, session, progress=gr.Progress()):
    steps = lambda: ui.ask(image, question, lang, audience, label_text, progress=progress, session=session)  # noqa: E731
    for r in ui.guarded_stream(steps, lang):
        yield r.caption, r.status, r.text, (r.session or session) if r.ok else {}


def speak_approved(text, lang, rate, session):
    if not (session or {}).get("text"):            # nothing described yet, or the step before failed
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    r = ui.speak_text(text, lang, rate, session)
    return r.caption, r.status, r.audio, r.session


def describe_api(image, lang, tier, audience="adult", label_text="", rate=1.0, progress=gr.Progress()):
    r = ui.guarded_call(ui.describe, image, lang, tier, audience, label_text, rate, progress=progress, lang=lang)
    return r.text, r.audio, r.caption, r.status


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


def relabel(lang):
    """The Tour's words in the chosen language."""
    return (gr.update(value=f"# {t('app.title', lang)}\n{t('app.intro', lang)}"),
            gr.update(label=t("app.image", lang)), gr.update(label=t("app.language", lang)),
            gr.update(label=t("app.length", lang), choices=choices(TIER_KEYS, lang)),
            gr.update(label=t("app.audience", lang), choices=choices(AUDIENCE_KEYS, lang)),
            gr.update(label=t("app.label_text", lang)), gr.update(value=t("app.describe", lang)),
            gr.update(label=t("app.edit_box", lang)), gr.update(value=t("app.speak", lang)),
            gr.update(label=t("app.audio", lang)), gr.update(label=t("app.speed", lang)),
            gr.update(label=t("app.question", lang), placeholder=t("app.question_hint", lang)),
            gr.update(value=t("app.ask", lang)), gr.update(label=t("app.text_size", lang)),
            gr.update(label=t("app.preset", lang), choices=choices(PRESET_KEYS, lang)),
            gr.update(value=t("app.fullscreen", lang)))


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


SET_SIZE = "(px) => { document.documentElement.style.setProperty('--vt-caption-size', px + 'px'); }"
SET_PRESET = "(p) => { document.documentElement.dataset.vtPreset = p; }"
TOGGLE_CARD = "() => { document.documentElement.classList.toggle('vt-card-open'); window.vtFitCard?.(); }"


# ----------------------------------------------------------------------------------------------------------------
# Layout

with gr.Blocks(title="vlmtok", delete_cache=(3600, 3600)) as demo:  # uploads older than an hour are removed
    session = gr.State({})
    compared = gr.State({})  # what the Compare tab last drew: the picture, encoders and sizes a tap refers to
    intro = gr.Markdown(f"# {t('app.title', L)}\n{t('app.intro', L)}")
    with gr.Tabs():
        with gr.Tab(t("app.tab_tour", L), id="tour") as tab_tour:
            with gr.Row():
                with gr.Column(scale=1, min_width=280):
                    image = ArtworkImage(label=t("app.image", L), type="filepath", sources=["upload", "webcam"],
                                         image_mode=None, height=320, elem_id="vt-image")
                    credit = gr.Markdown(elem_classes="vt-credit")
                    gr.Examples(ui.example_paths(), inputs=[image], label=t("app.examples", L), examples_per_page=10,
                                example_labels=ui.example_titles())
                    lang = gr.Radio(LANGUAGE_CHOICES, value="en", label=t("app.language", L), elem_classes="vt-big")
                    tier = gr.Radio(choices(TIER_KEYS, L), value="short", label=t("app.length", L),
                                    elem_classes="vt-big")
                    audience = gr.Radio(choices(AUDIENCE_KEYS, L), value="adult", label=t("app.audience", L),
                                        elem_classes="vt-big")
                    label_text = gr.Textbox("", label=t("app.label_text", L), lines=1, max_length=400)
                    describe_btn = gr.Button(t("app.describe", L), variant="primary", elem_classes="vt-big")
                with gr.Column(scale=2, min_width=280):
                    status = gr.HTML(ui.status_html(t("app.ready", L)), elem_id="vt-status",
                                     html_template='<div role="status" aria-live="polite">${value}</div>',
                                     js_on_load=None)
                    with gr.Row(elem_id="vt-card-controls"):
                        card_btn = gr.Button(t("app.fullscreen", L), elem_classes="vt-big", min_width=120)
                        size = gr.Slider(24, 64, value=32, step=4, label=t("app.text_size", L), min_width=120)
                        preset = gr.Radio(choices(PRESET_KEYS, L), value="dark", label=t("app.preset", L),
                                          elem_classes="vt-big", min_width=120)
                    caption = gr.HTML(ui.caption_html("", L), elem_id="vt-caption", js_on_load=None)
                    audio = gr.Audio(label=t("app.audio", L), type="filepath", interactive=False, elem_id="vt-audio",
                                     waveform_options=gr.WaveformOptions(show_recording_waveform=False))
                    rate = gr.Slider(0.75, 1.5, value=1.0, step=0.25, label=t("app.speed", L))
                    approved = gr.Textbox(label=t("app.edit_box", L), lines=4, interactive=True,
                                          max_length=ui.MAX_SPEAK_CHARS)
                    speak_btn = gr.Button(t("app.speak", L), elem_classes="vt-big")
                    question = gr.Textbox(label=t("app.question", L), placeholder=t("app.question_hint", L),
                                          max_length=400)
                    ask_btn = gr.Button(t("app.ask", L), elem_classes="vt-big")
            api_describe = gr.Button(visible=False)

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

    # ------------------------------------------------------------------------------------------------------------
    # Wiring

    tour_outputs = [caption, status, approved, session]
    speak_io = dict(inputs=[approved, lang, rate, session], outputs=[caption, status, audio, session])
    gr.on([describe_btn.click, image.change], tour, inputs=[image, lang, tier, audience, label_text, session],
          outputs=tour_outputs, api_name="tour", **MODEL).then(speak_approved, **speak_io, api_name="speak_after_tour")
    image.change(lambda path, lg: ui.credit_line(path, lg), inputs=[image, lang], outputs=credit, api_name="credit")
    speak_btn.click(speak_approved, **speak_io, api_name="speak")
    rate.release(speak_approved, **speak_io, api_name="speak_at_rate")
    gr.on([ask_btn.click, question.submit], follow_up, inputs=[image, question, lang, audience, label_text, session],
          outputs=tour_outputs, api_name="ask", **MODEL).then(speak_approved, **speak_io, api_name="speak_after_ask")
    api_describe.click(describe_api, inputs=[image, lang, tier, audience, label_text, rate],
                       outputs=[approved, audio, caption, status], api_name="describe", **MODEL)
    lang.change(relabel, inputs=lang, api_name="relabel",
                outputs=[intro, image, lang, tier, audience, label_text, describe_btn, approved, speak_btn, audio,
                         rate, question, ask_btn, size, preset, card_btn])
    lang.change(relabel_views, inputs=lang, api_name="relabel_views",
                outputs=[tab_tour, tab_compare, tab_how, encoders, sizes, compare_btn, pictures, tap_hint, tap_image,
                         sim_pictures, how_encoder, how_size, how_btn, extra_encoder])
    card_btn.click(None, js=TOGGLE_CARD)
    size.change(None, inputs=size, js=SET_SIZE)
    preset.change(None, inputs=preset, js=SET_PRESET)

    compare_btn.click(compare, inputs=[cmp_image, encoders, sizes, lang, extra_encoder],
                      outputs=[pictures, ledger, cmp_status, tap_image, compared], api_name="compare", **MODEL)
    tap_image.select(tapped, inputs=[compared, lang], outputs=[sim_pictures, cmp_status, lens],
                     api_name="similarity", **MODEL)
    how_btn.click(how, inputs=[how_image, how_encoder, how_size, lang], outputs=[steps, how_status],
                  api_name="pipeline", **MODEL)
    gr.on([tab_compare.select, cmp_image.change], lambda: cmp.warm_up_soon(), api_name="warm", queue=False,
          show_progress="hidden")
    demo.load(lambda lg: (gr.update(choices=cmp.encoder_choices(lg)),) * 2, inputs=lang,
              outputs=[encoders, how_encoder], api_name="encoders")

demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)


def launch_kwargs() -> dict:
    """What ``launch()`` needs besides the layout: assets, limits, the speech cache the audio is served from."""
    from vlmtok.paths import cache_dir

    return dict(max_file_size=MAX_FILE_SIZE, show_error=not PUBLIC,
                css_paths=[ASSETS / "app.css", ASSETS / "compare.css"],
                js=(ASSETS / "app.js").read_text(encoding="utf-8"), allowed_paths=[str(cache_dir("speech")), str(Path(tempfile.gettempdir()) / "vlmtok-speech-uncached")])


if __name__ == "__main__":
    demo.launch(**launch_kwargs())
