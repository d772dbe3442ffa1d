"""The Tour pack view's callbacks: a pack's artworks as large thumbnails, a photo that finds one, its prepared
narration in the caption card with its audio, offline and at once; questions go to the live narrator.

Plain values in and out (``app.py`` wraps them); words come from the catalogues (``pack.*`` keys).
"""
from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterator

from vlmtok.choices import AUDIENCES, TIERS, ChoiceRefused, check
from vlmtok.i18n import normalize_lang, t

log = logging.getLogger(__name__)



def open_pack(folder: str | None):
    """``(TourPack or None, problems)``, checked at start-up: a pack that cannot be read gives its ``PackError``; one
    that plays but lacks files named in its manifest gives one ``Problem`` per artwork and kind. Each is logged
    with its detail and shown to visitors as a plain sentence without a path (``intro``)."""
    if not folder:
        return None, []
    from vlmtok.pack import PackError, TourPack
    from vlmtok.pack.manifest import check_files

    try:
        pack = TourPack(folder)
    except PackError as exc:
        log.error("tour pack %s cannot be played: %s", folder, exc)
        return None, [exc]
    problems = check_files(pack.folder, pack.manifest)
    for problem in problems:
        log.warning("tour pack %s: %s", folder, problem.message("en"))
    return pack, problems


def intro(pack, problems, lang: str) -> str:
    """The view's first lines, in ``lang``: what it is and what is missing from it, or why it cannot be played
    (escaped; never a path or a parser's words)."""
    if pack is None:
        return _html(unplayable(problems, lang))
    return "\n\n".join(_html(line) for line in [t("pack.intro", lang), *_said(problems, lang)])


def unplayable(problems, lang: str) -> str:
    """Why no pack plays, in ``lang`` (plain text, also the API's answer): the reason it could not be read, or how
    to start the app with one."""
    said = _said(problems, lang)
    return t("pack.unreadable", lang, reason=said[0]) if said else t("pack.none", lang)


def _said(problems, lang: str) -> list[str]:
    return [p.user_message_for(lang) if hasattr(p, "user_message_for") else p.message(lang) for p in problems or ()]


def default_tier(pack) -> str:
    """The length the view opens on: short, unless the pack was built without it (then its first length)."""
    tiers = list(pack.manifest.options.tiers) if pack is not None else []
    return "short" if not tiers or "short" in tiers else tiers[0]


def tier_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(f"pack.tier_{k}", lang), k) for k in TIERS]


def audience_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(f"pack.audience_{k}", lang), k) for k in AUDIENCES]


def gallery(pack) -> list[tuple[str, str]]:
    """``[(thumbnail path, name)]`` for the gallery, in the pack's order (artworks whose thumbnail is lost left out)."""
    if pack is None:
        return []
    return [(str(pack.path(a.thumbnail)), a.name) for a in pack.artworks if pack.path(a.thumbnail)]


@dataclass
class PackResult:
    caption: str                           # caption card HTML (escaped)
    status: str                            # status line HTML
    audio: str | None = None
    about: str = ""                        # who wrote the narration and when (Markdown, escaped)
    picture: str | None = None             # the artwork's picture in the pack
    state: dict[str, Any] = field(default_factory=dict)   # {"id": artwork id}


def _html(text: str) -> str:
    return html.escape(text)


def message_result(message: str, lang: str = "en") -> PackResult:
    """A step that ended in a plain message (busy, timed out): shown in the caption card and the status line."""
    return _message(message, normalize_lang(lang))


def _message(message: str, lang: str, state: dict | None = None) -> PackResult:
    from vlmtok.app.callbacks import caption_html, status_html

    return PackResult(caption_html(message, lang), status_html(message), state=dict(state or {}))


def open_artwork(pack, artwork_id: str | None, lang: str = "en", tier: str = "short",
                 audience: str = "adult", found: str = "") -> PackResult:
    """The prepared narration of ``artwork_id`` in ``lang`` and ``tier``: caption card, audio, provenance."""
    from vlmtok.app.callbacks import caption_html, status_html

    lang = normalize_lang(lang)
    art = pack.artwork(artwork_id) if pack is not None and artwork_id else None
    if art is None:
        return _message(t("pack.choose", lang), lang)
    state = {"id": art.id}
    try:
        n = art.narration(lang, check("tier", tier), check("audience", audience))   # refused, never replaced
    except ChoiceRefused as refused:
        return _message(refused.user_message_for(lang), lang, state)
    if n is None:
        return _message(t("pack.no_narration", lang, name=art.name), lang, state)
    byline = n.narrator_label + (f" · {t('pack.machine_translated', n.text_lang)}" if n.translated else "")
    starts = n.sentence_starts if len(n.sentence_starts) == len(n.sentences) else []
    caption = caption_html(n.text, n.text_lang, byline, n.sentences if starts else [], starts)
    audio = pack.path(n.audio)
    ready = t("pack.opened", lang, name=art.name) if audio else t("pack.no_audio", lang, name=art.name)
    status = " ".join(filter(None, [found, ready, n.notice]))
    return PackResult(caption, status_html(status), str(audio) if audio else None, about(art, n, lang),
                      str(pack.path(art.picture) or "") or None, state)


def about(art, n, lang: str) -> str:
    """"Written ahead by <model> (<weights> weights) on <date>", and the label fields the pack holds."""
    if n.model:
        lines = [t("pack.written_by", lang, who=n.model, weights=n.weights, when=n.made_at[:10])]
    else:                                  # the offline narrator: no model, no weights; its byline says what it is
        lines = [t("pack.written_by_no_model", lang, who=n.narrator_label, when=n.made_at[:10])]
    label = ", ".join(v for v in (art.title, art.artist, art.date) if v)
    if label:
        lines.append(t("pack.label_line", lang, label=label))
    return "\n\n".join(_html(line) for line in lines)


def select(pack, index: int | None, lang: str, tier: str, audience: str) -> PackResult:
    """A tapped thumbnail (its position in ``gallery(pack)``)."""
    shown = [a for a in (pack.artworks if pack else []) if pack.path(a.thumbnail)]
    art = shown[index] if index is not None and 0 <= index < len(shown) else None
    return open_artwork(pack, art.id if art else None, lang, tier, audience)


def match_photo(pack, photo_path: str | None, lang: str, tier: str, audience: str) -> PackResult:
    """Find the artwork a guide's photo shows and open it; say so plainly when it is not in the pack."""
    from vlmtok.images import ImageInputError, load_image

    lang = normalize_lang(lang)
    if pack is None or not photo_path:
        return _message(t("pack.choose", lang), lang)
    try:
        match = pack.match(load_image(photo_path))
    except ImageInputError as exc:
        return _message(exc.user_message_for(lang), lang)
    except Exception:  # noqa: BLE001 - a visitor gets a plain sentence; the log gets the details
        log.exception("matching a photo against the pack failed")
        return _message(t("pack.match_failed", lang), lang)
    if match.id is None:
        return _message(t("pack.not_found", lang), lang)
    found = t("pack.found", lang, name=pack.artwork(match.id).name)
    return open_artwork(pack, match.id, lang, tier, audience, found=found)


def ask(pack, state: dict | None, question: str, lang: str, audience: str) -> Iterator[Any]:
    """A question about the open artwork, for the live narrator (``vlmtok.app.callbacks.ask``); when only the
    offline narrator is here, the answer says so first. Yields ``TourResult`` steps."""
    from vlmtok.app.callbacks import ask as live_ask

    lang = normalize_lang(lang)
    art = pack.artwork((state or {}).get("id", "")) if pack is not None else None
    if art is None or pack.path(art.picture) is None:
        yield _message(t("pack.choose", lang), lang)
        return
    label = ". ".join(v for v in (", ".join(x for x in (art.title, art.artist, art.date) if x), art.label) if v)
    live = _live_narrator()
    for step in live_ask(str(pack.path(art.picture)), question, lang, audience, label or None):
        if not live and step.ok and step.text:
            from vlmtok.app.callbacks import status_html

            step.status = status_html(t("pack.no_live_narrator", lang)) + step.status
        yield step


def _live_narrator() -> bool:
    """True when the narrator questions would go to is a model (not the offline colours-and-layout narrator)."""
    from vlmtok.narrate import get_narrator

    narrator, _ = get_narrator("auto")
    return narrator.name != "offline"
