"""The Compare and How-it-works tabs as plain functions: picture paths and names in, pictures, HTML and text out.

A teacher compares how encoders cut one painting into tokens. Every encoder is shown by its plain name with a badge,
"trained" or "random weights: shapes only", before a run (told by the registry without loading anything) and on
every picture and ledger row after it. One comparison's encodes are kept (a few, in memory) so a tap on the painting
draws similarity maps without running any encoder again.

Nothing here imports gradio; ``app.py`` wires these into the page.
"""
from __future__ import annotations

import html
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Sequence

from vlmtok.app.callbacks import Progress, _failure, _load, _step, status_html
from vlmtok.i18n import normalize_lang, t

log = logging.getLogger(__name__)

MAX_COMPARE_ENCODERS = 4
DEFAULT_COMPARE = ("vit_small_patch14_dinov2", "mobilenetv2_100", "tf_efficientnet_lite0")
CURATED = ("vit_small_patch14_dinov2", "tf_efficientnet_lite0", "mobilenetv2_100", "coatnet_0_rw_224",
           "eva02_base_patch16_clip_224", "vit_base_patch16_clip_224.openai", "vit_base_patch16_siglip_224",
           "swin_tiny_patch4_window7_224", "convnext_tiny", "resnet50", "smolvlm-256m")
COMPARE_SIZES = (224, 336, 448)
SIZE_RANGE = (112, 518)            # sizes an API caller may ask for; anything else is ignored
MERGE_RATIO = 0.5                  # the compression shown: token merging halves the count
RESAMPLER_M = 16                   # latent queries of the resampler picture (one per encoder, its first size)
KEPT_COMPARISONS = 4               # encodes kept for taps (a few MB each)
SOURCE_KEYS = {"hub": "compare.source_hub", "local-cache": "compare.source_hub", "offline-pack": "compare.source_pack",
               "random": "compare.source_random"}


# ----------------------------------------------------------------------------------------------------------------
# Names and badges


def plain_name(name: str) -> str:
    """"DINOv2 ViT-S/14" for ``vit_small_patch14_dinov2``; any other timm name stays as typed."""
    from vlmtok.encoders import get_spec

    try:
        return get_spec(name).plain_name
    except Exception:  # an unknown name is shown as typed (the error comes when it is built)
        return name


def badge(source: str, lang: str = "en") -> str:
    """"trained" or "random weights: shapes only"."""
    from vlmtok.encoders import is_trained

    return t("compare.badge_trained" if is_trained(source) else "compare.badge_random", lang)


def source_words(source: str, lang: str = "en") -> str:
    """Where the weights came from, in words ("trained weights stored on this machine" for an offline pack)."""
    return t(SOURCE_KEYS.get(source, "compare.source_random"), lang)


def encoder_choices(lang: str = "en", names: Sequence[str] = CURATED) -> list[tuple[str, str]]:
    """``[(label, name)]`` for the picker: "DINOv2 ViT-S/14 · trained", told before anything is loaded."""
    from vlmtok.encoders import expected_weights

    out = []
    for name in names:
        try:
            source = expected_weights(name)
        except Exception:  # the picker must open even if one probe fails
            log.warning("could not tell the weights of %s", name, exc_info=True)
            source = "random"
        out.append((f"{_picker_name(name, lang)} · {badge(source, lang)}", name))
    return out


def _picker_name(name: str, lang: str) -> str:
    """The picker's name: a vision-language model's entry says it is only its vision tower."""
    from vlmtok.encoders import get_spec

    try:
        vlm = get_spec(name).family == "vlm"
    except Exception:  # an unknown name is shown as typed
        vlm = False
    return t("compare.vision_tower", lang, name=plain_name(name)) if vlm else plain_name(name)


def choices_label(encoders: Sequence[str] | None, sizes: Sequence[int | str] | None, extra: str | None = None,
                  lang: str = "en") -> str:
    """The folded choices' title, so a teacher sees what will run without opening them: "Encoders and sizes:
    DINOv2 ViT-S/14, MobileNetV2 · 224 px"."""
    names = compare_names(encoders, extra)
    if not names:
        return t("compare.choices_none", lang)
    px = ", ".join(t("compare.px", lang, n=s) for s in compare_sizes(sizes))
    return t("compare.choices", lang, names=", ".join(plain_name(n) for n in names), sizes=px)


def size_notes(runs, sizes: Sequence[int], lang: str = "en") -> list[str]:
    """A sentence for every size an encoder did not run at (a fixed input size, SmolVLM's own view)."""
    notes = []
    for run in runs:
        for asked, vt in zip(sizes, run.scales):
            h, w = vt.input_size
            if (h, w) != (asked, asked):
                notes.append(t("compare.size_changed", lang, name=plain_name(run.name), h=h, w=w, asked=asked))
    return notes


def size_choices(lang: str = "en") -> list[tuple[str, str]]:
    return [(t("compare.px", lang, n=s), str(s)) for s in COMPARE_SIZES]


# ----------------------------------------------------------------------------------------------------------------
# Compare


@dataclass
class CompareResult:
    """Pictures side by side (picture, caption), a similarity row per tapped point, the token ledger (HTML)."""

    pictures: list[tuple[Any, str]]
    ledger: str
    status: str
    similarity: list[tuple[Any, str]] = field(default_factory=list)
    artwork: Any = None                # the loaded picture, to tap a point on
    lens: str = ""                     # SmolVLM's nearest words for the tapped token (HTML)


def compare_message(message: str, lang: str = "en") -> CompareResult:
    """A comparison that could not be made: no pictures, the plain message in the status line."""
    return CompareResult(pictures=[], ledger="", status=status_html(message))


_KEPT: OrderedDict[tuple, tuple[Any, list]] = OrderedDict()
_KEPT_LOCK = threading.Lock()


def _key(image_path: str, encoders: Sequence[str], sizes: Sequence[int]) -> tuple:
    return (str(image_path), tuple(encoders), tuple(sizes))


def _keep(key: tuple, image, runs) -> None:
    with _KEPT_LOCK:
        _KEPT[key] = (image, runs)
        _KEPT.move_to_end(key)
        while len(_KEPT) > KEPT_COMPARISONS:
            _KEPT.popitem(last=False)


def _kept(key: tuple):
    with _KEPT_LOCK:
        return _KEPT.get(key)


def compare_names(encoders: Sequence[str] | None, extra: str | None = None) -> list[str]:
    """The ticked encoders and the one typed in the field (any timm name), each once, in order."""
    names = [str(e).strip() for e in (encoders or []) if str(e).strip()]
    typed = (extra or "").strip()
    return list(dict.fromkeys(names + ([typed] if typed else [])))


def compare_sizes(sizes: Sequence[int | str] | None) -> list[int]:
    """Whole sizes in ``SIZE_RANGE``, each once, smallest first; 224 when none is left."""
    out = []
    for s in sizes or []:
        try:
            v = int(s)
        except (TypeError, ValueError):
            continue
        if SIZE_RANGE[0] <= v <= SIZE_RANGE[1]:
            out.append(v)
    return sorted(set(out)) or [224]


def _check(image_path, names: list[str], lang: str) -> str | None:
    if not image_path:
        return t("app.no_image", lang)
    if not names:
        return t("app.no_encoder", lang)
    return None


def _runs(image_path: str, names: Sequence[str], sizes: Sequence[int], lang: str, progress: Progress | None):
    """The loaded picture and one ``EncoderRun`` per encoder, reused from a kept comparison when there is one."""
    from vlmtok.visualize import run_encoders

    key = _key(image_path, names, sizes)
    if (kept := _kept(key)) is not None:
        return kept
    image = _load(image_path)

    def on_step(done: int, total: int, what: str) -> None:
        name, _, size = what.partition(" ")
        words = (t("compare.progress_encode", lang, name=plain_name(name), size=size) if size
                 else t("compare.progress_load", lang, name=plain_name(name)))
        _step(progress, 0.05 + 0.75 * done / total, words)

    runs = run_encoders(image, list(names), list(sizes), merge=MERGE_RATIO, attention=True, on_step=on_step)
    _keep(key, image, runs)
    return image, runs


def compare(image_path: str | None, encoders: Sequence[str], sizes: Sequence[int | str], lang: str = "en",
            progress: Progress | None = None, extra: str | None = None) -> CompareResult:
    """Patch grids, PCA colours, attention and merge groups for each (encoder, size), and the ledger."""
    lang = normalize_lang(lang)
    names = compare_names(encoders, extra)
    if problem := _check(image_path, names, lang):
        return CompareResult([], "", status_html(problem))
    notice = t("app.too_many_encoders", lang, n=MAX_COMPARE_ENCODERS) if len(names) > MAX_COMPARE_ENCODERS else ""
    names, sizes = names[:MAX_COMPARE_ENCODERS], compare_sizes(sizes)
    try:
        from vlmtok.visualize.sheet import Comparison

        image, runs = _runs(image_path, names, sizes, lang, progress)
        _step(progress, 0.85, t("app.comparing", lang))
        pictures = [pic for run in runs for pic in pictures_for(run, image, lang)]
        changed = size_notes(runs, sizes, lang)
        ledger = ledger_html(Comparison(runs, image.size, "").ledger(), lang, changed)
        said = " ".join([t("app.compared", lang), notice, *changed]).strip()
        return CompareResult(pictures, ledger, status_html(said), artwork=image)
    except Exception as exc:
        return CompareResult([], "", _failure(exc, lang, key="app.compare_failed").status)


def picture_tag(vt, lang: str) -> str:
    """"DINOv2 ViT-S/14, 224 × 224 px (trained)": what a picture's caption starts with (the page's and the API's)."""
    h, w = vt.input_size
    return t("compare.tag", lang, name=plain_name(vt.encoder), h=h, w=w, badge=badge(vt.weights_source, lang))


def pictures_for(run, image, lang: str = "en") -> list[tuple[Any, str]]:
    """(picture, caption) for every scale of one encoder: grid, PCA, attention (readable ViTs), merge groups;
    SmolVLM adds the tile plan the narrator cuts from this picture. The captions are the page's text; the
    pictures carry only the random-weights stamp."""
    from vlmtok.visualize import thumbs

    out = []
    for vt, comp in zip(run.scales, run.compressed):
        tag = picture_tag(vt, lang)
        grid_key = "compare.cap_grid_vlm" if vt.family == "vlm" else "compare.cap_grid"
        out += [(thumbs.grid_thumb(vt, lang=lang), t(grid_key, lang, tag=tag, n=vt.num_tokens, p=vt.patch_px)),
                (thumbs.pca_thumb(vt, lang=lang), t("compare.cap_pca", lang, tag=tag))]
        if "rollout" in vt.extra:
            out.append((thumbs.heat_thumb(vt, vt.extra["rollout"], lang=lang), t("compare.cap_attention", lang, tag=tag)))
        if comp is not None:
            out.append((thumbs.merge_thumb(vt, comp, lang=lang),
                        t("compare.cap_merge", lang, tag=tag, n=vt.num_tokens, m=comp.num_tokens)))
        if vt is run.scales[0] and vt.num_tokens > RESAMPLER_M:
            from vlmtok.visualize.fusion import resampler_picture

            out.append((resampler_picture(vt, RESAMPLER_M, legend=False, lang=lang),
                        t("compare.cap_resampler", lang, tag=tag, n=vt.num_tokens, m=RESAMPLER_M)))
        if vt.family == "vlm":
            from vlmtok.visualize.pipeline import tile_plan_picture

            plan, facts = tile_plan_picture(image, "high", lang=lang)
            out.append((plan, t("compare.cap_tiles", lang, tag=tag, **facts)))
    return out


# ----------------------------------------------------------------------------------------------------------------
# The ledger: a table on a tablet, cards on a phone (compare.css), every number with its unit


LEDGER_COLUMNS = ("encoder", "input", "grid", "tokens", "merged", "width", "forward")


def _words(text: str) -> str:
    """Escaped text whose words never split: a word with "-" or "/" ("ViT-S/14") is kept whole on its line."""
    out = []
    for word in text.split(" "):
        w = html.escape(word)
        out.append(f'<span class="vt-nw">{w}</span>' if ("-" in word or "/" in word) else w)
    return " ".join(out)


def _nb(text: str) -> str:
    """Escaped, and kept on one line where a break would split a value ("224 × 224")."""
    return _words(text).replace(" × ", "&nbsp;×&nbsp;")


def _name_html(name: str) -> str:
    """A plain name, words kept whole; a typed timm id may break after "_" or "." (never inside a word)."""
    if " " in name or "_" not in name:
        return _words(name)
    return html.escape(name).replace("_", "_<wbr>").replace(".", ".<wbr>")


def _ledger_cells(row: dict, lang: str) -> dict[str, str]:
    (h, w), (gh, gw) = row["input_size"], row["grid"]
    unit = "compare.grid_cells_vlm" if row["family"] == "vlm" else "compare.grid_cells"
    after = row.get("tokens_after")
    source = row["weights_source"]
    trained = "vt-trained" if source != "random" else "vt-random"
    return {
        "encoder": f'<span class="vt-name">{_name_html(plain_name(row["encoder"]))}</span> '
                   f'<span class="vt-badge {trained}">{_words(badge(source, lang))}</span> '
                   f'<span class="vt-source">{_words(source_words(source, lang))}</span>',
        "input": _nb(t("compare.px_hw", lang, h=h, w=w)),
        "grid": _nb(t(unit, lang, gh=gh, gw=gw, p=row["patch_px"])),
        "tokens": _nb(t("compare.n_tokens", lang, n=row["tokens"])),
        "merged": _nb(t("compare.n_tokens", lang, n=after)) if after is not None else "",
        "width": _nb(t("compare.n_values", lang, n=row["dim"])),
        "forward": _nb(t("compare.ms", lang, ms=_ms(row.get("forward_ms")))),
    }


def _ms(ms: float | None) -> str:
    if ms is None or ms != ms:  # NaN: not measured
        return "?"
    return f"{ms:.0f}" if ms >= 10 else f"{ms:.1f}"


def ledger_html(ledger, lang: str = "en", changed: Sequence[str] = ()) -> str:
    """The token ledger (``vlmtok.ledger.Ledger``) as an HTML table, SmolVLM's cost and the words explained below.

    Each cell carries its column's name (``data-label``) so that on a phone each row reads as a card; ``changed``
    (``size_notes``) come first among the notes.
    """
    lang = normalize_lang(lang)
    heads = {k: t(f"compare.col_{k}", lang) for k in LEDGER_COLUMNS}
    head = "".join(f'<th scope="col">{html.escape(heads[k])}</th>' for k in LEDGER_COLUMNS)
    body = []
    for row in ledger.rows:
        cells = _ledger_cells(row, lang)
        tds = "".join(f'<td data-label="{html.escape(heads[k])}" class="vt-col-{k}">{cells[k]}</td>'
                      for k in LEDGER_COLUMNS)
        body.append(f'<tr class="{"vt-row-random" if row["weights_source"] == "random" else "vt-row-trained"}">'
                    f"{tds}</tr>")
    vlm = "".join(f"<li>{_words(_vlm_cost(v, lang))}</li>" for v in ledger.vlm_rows)
    notes = "".join(f"<li>{_words(text)}</li>" for text in [*changed, *(t(k, lang) for k in (
        "compare.note_pack", "compare.note_random", "compare.note_merge"))])
    caption = html.escape(t("app.ledger", lang))
    return (f'<div class="vt-ledger" lang="{lang}">'
            f'<div class="vt-ledger-scroll" tabindex="0" role="region" aria-label="{caption}">'
            f'<table><caption>{caption}</caption>'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
            f'<ul class="vt-ledger-vlm">{vlm}</ul><ul class="vt-ledger-notes">{notes}</ul></div>')


def _vlm_cost(v: dict, lang: str) -> str:
    facts = dict(model=v["model"], detail=t(f"compare.detail_{v['detail']}", lang), n=v["image_tokens"],
                 rows=v["rows"], cols=v["cols"], images=v["images"], per=v["tokens_per_image"])
    return t("compare.vlm_cost" if v["rows"] else "compare.vlm_cost_global", lang, **facts)


# ----------------------------------------------------------------------------------------------------------------
# A tap: similarity maps from the kept encodes (no encoder runs again)


def similarity(image_path: str | None, encoders: Sequence[str], sizes: Sequence[int | str],
               xy: tuple[int, int] | None, lang: str = "en") -> CompareResult:
    """Similarity of every token to the tapped point ``(x, y)`` (pixels of the original), per encoder and size;
    where one encoder ran at two sizes, where the tapped fine token looks at the coarse scale (attention fusion)."""
    lang = normalize_lang(lang)
    names = compare_names(encoders)[:MAX_COMPARE_ENCODERS]
    problem = _check(image_path, names, lang)
    if problem or xy is None:
        return CompareResult([], "", status_html(problem or t("app.tap_hint", lang)))
    try:
        from vlmtok.visualize.thumbs import similarity_thumb

        image, runs = _runs(image_path, names, compare_sizes(sizes), lang, None)
        point = (float(xy[0]), float(xy[1]))
        maps = [(similarity_thumb(vt, point, from_size=image.size, lang=lang),
                 t("compare.cap_similarity", lang, tag=picture_tag(vt, lang))) for run in runs for vt in run.scales]
        maps += _fusion_pictures(runs, point, image.size, lang)
        return CompareResult([], "", status_html(t("compare.tapped", lang, n=len(maps))), similarity=maps,
                             lens=_lens_html(runs, point, image.size, lang))
    except Exception as exc:
        return CompareResult([], "", _failure(exc, lang, key="app.compare_failed").status)


def _fusion_pictures(runs, point, size, lang: str) -> list[tuple[Any, str]]:
    from vlmtok.visualize.fusion import fusion_picture

    out = []
    for run in runs:
        if len(run.scales) >= 2 and run.family != "vlm":
            coarse, fine = run.scales[0], run.scales[-1]
            out.append((fusion_picture(fine, coarse, point, from_size=size, lang=lang),
                        t("compare.cap_fusion", lang, name=plain_name(run.name), fine=fine.input_size[0],
                          coarse=coarse.input_size[0], badge=badge(run.weights_source, lang))))
    return out


def _lens_html(runs, point, size, lang: str) -> str:
    """SmolVLM's image token under the tap, and its nearest words in the language model's input embeddings."""
    run = next((r for r in runs if r.family == "vlm"), None)
    if run is None:
        return ""
    from vlmtok.encoders import create_encoder
    from vlmtok.smolvlm.lens import nearest_words
    from vlmtok.visualize import tap_to_cell

    vt = run.scales[0]
    cell = tap_to_cell(vt, point, size)
    index = vt.num_tokens - vt.grid[0] * vt.grid[1] + cell[0] * vt.grid[1] + cell[1]   # in the global view
    words = nearest_words(create_encoder(run.name).loaded, vt.tokens[index:index + 1], k=8)[0]
    items = "".join(f"<li><code>{html.escape(w)}</code> <span>{c:.2f}</span></li>" for w, c in words)
    warning = "" if vt.meaningful else f'<p class="vt-lens-warning">{html.escape(t("compare.lens_random", lang))}</p>'
    title = t("compare.lens_title", lang, name=plain_name(run.name), row=cell[0] + 1, col=cell[1] + 1)
    return (f'<div class="vt-lens" lang="{lang}"><h3>{html.escape(title)}</h3>{warning}'
            f'<p>{html.escape(t("compare.lens_how", lang))}</p><ol class="vt-lens-words">{items}</ol></div>')


# ----------------------------------------------------------------------------------------------------------------
# Warm encoders: built and run once when a teacher opens the tab, so the first comparison pays only its forwards


_WARM: set[str] = set()
_WARM_LOCK = threading.Lock()


def warm_up(names: Sequence[str] = DEFAULT_COMPARE, size: int = 224) -> None:
    """Build each encoder (weights loaded) and run it once on a small picture; then it answers at full speed."""
    from PIL import Image

    from vlmtok.encoders import create_encoder

    picture = Image.new("RGB", (size, size), (128, 128, 128))
    for name in names:
        with _WARM_LOCK:
            if name in _WARM:
                continue
            _WARM.add(name)
        try:
            create_encoder(name).encode(picture, size)
        except Exception:  # warming is a courtesy: the comparison itself reports any problem
            log.warning("could not warm %s", name, exc_info=True)


def warm_up_soon(names: Sequence[str] = DEFAULT_COMPARE) -> None:
    """``warm_up`` in a background thread (returns at once)."""
    if set(names) <= _WARM:
        return
    threading.Thread(target=warm_up, args=(tuple(names),), name="vlmtok-warm", daemon=True).start()


# ----------------------------------------------------------------------------------------------------------------
# How it works: the pipeline drawn on the chosen picture, step by step


@dataclass
class HowResult:
    """The walk-through (HTML: one figure per step, plain words then symbols) and the status line."""

    html: str
    status: str
    steps: int = 0


def _png_data_uri(picture) -> str:
    import base64
    import io

    buf = io.BytesIO()
    picture.save(buf, format="PNG", compress_level=3)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def steps_html(steps, title: str, lang: str = "en") -> str:
    """An ordered list of steps: heading, plain words, the symbols, and the picture with its alt text."""
    items = []
    for i, s in enumerate(steps, 1):
        heading = html.escape(t("how.step_heading", lang, i=i, title=s.title))
        items.append(f'<li><h3>{heading}</h3><div class="vt-plain">{html.escape(s.plain)}</div>'
                     f'<div class="vt-symbols"><span>{html.escape(t("how.symbols_label", lang))}</span> '
                     f'<code>{html.escape(s.symbols)}</code></div>'
                     f'<img src="{_png_data_uri(s.picture)}" alt="{html.escape(s.alt)}" width="{s.picture.width}" '
                     f'height="{s.picture.height}"></li>')
    return f'<div class="vt-how" lang="{lang}"><h2>{html.escape(title)}</h2><ol>{"".join(items)}</ol></div>'


def how_it_works(image_path: str | None, encoder: str, size: int | str = 224, lang: str = "en",
                 progress: Progress | None = None) -> HowResult:
    """The steps from this picture to the language model's tokens, for one encoder (SmolVLM: its own steps)."""
    lang = normalize_lang(lang)
    if not image_path:
        message = t("app.no_image", lang)
        return HowResult("", status_html(message))
    try:
        from vlmtok.encoders import create_encoder, expected_weights, get_spec
        from vlmtok.visualize.pipeline import encoder_steps, smolvlm_steps

        image = _load(image_path)
        name = (encoder or DEFAULT_COMPARE[0]).strip()
        _step(progress, 0.1, t("compare.progress_load", lang, name=plain_name(name)))
        if get_spec(name).family == "vlm":           # SmolVLM's steps are its processor's rules: no model to load
            steps, source = smolvlm_steps(image, name, lang), expected_weights(name)
        else:
            enc = create_encoder(name)
            _step(progress, 0.4, t("compare.progress_encode", lang, name=plain_name(name), size=size))
            steps, source = encoder_steps(image, enc.encode(image, compare_sizes([size])[0]), lang), enc.weights_source
        title = f"{plain_name(name)} ({badge(source, lang)})"
        ready = t("how.ready", lang, n=len(steps), name=plain_name(name))
        return HowResult(steps_html(steps, title, lang), status_html(ready), len(steps))
    except Exception as exc:
        return HowResult("", _failure(exc, lang, key="app.steps_failed").status)


def how_message(message: str, lang: str = "en") -> HowResult:
    """Steps that could not be drawn: the plain message in the status line."""
    return HowResult("", status_html(message))
