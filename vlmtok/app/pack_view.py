"""The Tour pack view's callbacks: a pack's artworks as large thumbnails, a photo that finds one, its prepared
narration in the caption card with its audio, offline and at once; questions go to the live narrator.

It presents as the Tour does, not beside it: a prepared narration is a Tour turn (``vlmtok.app.tour``) whose clip
is the pack's audio, so the page's one player plays and highlights it; notices and answers are the Tour's own
(``callbacks.tour_message``, ``callbacks.ask_stream``), spoken. Plain values in and out (``page.py`` wraps them);
words come from the catalogues (``pack.*`` keys).
"""
from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from typing import Any
from collections.abc import Iterator

from vlmtok.app import tour
from vlmtok.app.callbacks import TourView
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
class PackView:
    """What the pack tab shows after a step: the Tour's view (its caption card's conversation, status line and the
    session to keep, with the open artwork's ``id``), and who wrote the narration (``about``, Markdown)."""

    view: TourView
    about: str = ""

    @property
    def session(self) -> dict[str, Any]:
        return self.view.session


def _html(text: str) -> str:
    return html.escape(text)


def notice(message: str, lang: str = "en", session: dict | None = None) -> PackView:
    """A step that ended in a plain message (no match, busy, a bad photo): the Tour's spoken notice, in the thread."""
    from vlmtok.app.callbacks import tour_message

    return PackView(tour_message(message, normalize_lang(lang), session))


def open_artwork(pack, session: dict | None, artwork_id: str | None, lang: str = "en", tier: str = "short",
                 audience: str = "adult", found: str = "", play: bool = False) -> PackView:
    """The prepared narration of ``artwork_id`` in ``lang`` and ``tier`` as the Tour's turn: its text in the caption
    card, its audio as the turn's clip (marks on each sentence), who wrote it; ``play``: the page plays it at once."""
    from vlmtok.app.callbacks import tour_session

    lang = normalize_lang(lang)
    art = pack.artwork(artwork_id) if pack is not None and artwork_id else None
    if art is None:
        return notice(t("pack.choose", lang), lang, session)
    session = {**tour_session(session), "id": art.id}
    try:
        n = art.narration(lang, check("tier", tier), check("audience", audience))   # refused, never replaced
    except ChoiceRefused as refused:
        return notice(refused.user_message_for(lang), lang, session)
    if n is None:
        return notice(t("pack.no_narration", lang, name=art.name), lang, session)
    byline = n.narrator_label + (f" · {t('pack.machine_translated', n.text_lang)}" if n.translated else "")
    item = tour.turn("description", tour.strip_byline(n.text, n.narrator_label), n.text_lang, byline=byline)
    audio = pack.path(n.audio)
    if audio:
        item["clips"] = [tour.clip(tour.audio_src(str(audio)))]
        item["clips"][0]["marks"] = _marks(item, n.sentences, n.sentence_starts)
        item["play"] = tour.new_id() if play else ""
    session.update(thread=[item], thread_id=tour.new_id(), text=item["body"], conversation=None)
    ready = t("pack.opened", lang, name=art.name) if audio else t("pack.no_audio", lang, name=art.name)
    status = " ".join(filter(None, [found, ready, n.notice]))
    return PackView(_draw(session, lang, status), about(art, n, lang))


def _marks(item: dict[str, Any], sentences: list[str], starts: list[float]) -> list[list[float]]:
    """``[time, span]`` for each sentence the pack's audio reads, on the span where its words begin.

    The voice splits the text its own way (espeak-ng ends a sentence at "c. 1831"), so each of its sentences is found
    by its first words in the spans' text, in order; one that is not found lights nothing rather than a wrong span."""
    if len(sentences) != len(starts):
        return []
    text, bounds = "", []
    for span in tour.spoken_sentences(item):
        bounds.append(len(text))
        text += " ".join(span.split()) + " "
    marks: list[list[float]] = []
    at = 0
    for sentence, start in zip(sentences, starts):
        pos = text.find(" ".join(sentence.split())[:24], at)
        if pos < 0:
            continue
        span = max(i for i, b in enumerate(bounds) if b <= pos)
        if not marks or marks[-1][1] != span:
            marks.append([round(float(start), 3), span])
        at = pos + 1
    return marks


def _draw(session: dict[str, Any], lang: str, status: str) -> TourView:
    from vlmtok.app.callbacks import status_html

    thread = [{**item, "card": True} for item in session["thread"]]
    view = tour.ThreadView(session["thread_id"], thread, lang, status="ready" if thread else "empty")
    return TourView(tour.thread_html(view), status_html(status, lang), session.get("text", ""), session)


def empty(lang: str = "en") -> str:
    """The caption card before any artwork is open: the invitation to tap one."""
    return tour.thread_html(tour.ThreadView(tour.new_id(), [], normalize_lang(lang), status="empty"))


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


def select(pack, session: dict | None, index: int | None, lang: str, tier: str, audience: str) -> PackView:
    """A tapped thumbnail (its position in ``gallery(pack)``): its narration plays at once."""
    shown = [a for a in (pack.artworks if pack else []) if pack.path(a.thumbnail)]
    art = shown[index] if index is not None and 0 <= index < len(shown) else None
    return open_artwork(pack, session, art.id if art else None, lang, tier, audience, play=True)


def match_photo(pack, session: dict | None, photo_path: str | None, lang: str, tier: str,
                audience: str) -> PackView:
    """Find the artwork a guide's photo shows and play it; a spoken notice when it is not in the pack."""
    from vlmtok.images import ImageInputError, load_image

    lang = normalize_lang(lang)
    if pack is None or not photo_path:
        return notice(t("pack.choose", lang), lang, session)
    try:
        match = pack.match(load_image(photo_path))
    except ImageInputError as exc:
        return notice(exc.user_message_for(lang), lang, session)
    except Exception:  # noqa: BLE001 - a visitor gets a plain sentence; the log gets the details
        log.exception("matching a photo against the pack failed")
        return notice(t("pack.match_failed", lang), lang, session)
    if match.id is None:
        return notice(t("pack.not_found", lang), lang, session)
    found = t("pack.found", lang, name=pack.artwork(match.id).name)
    return open_artwork(pack, session, match.id, lang, tier, audience, found=found, play=True)


def ask(pack, session: dict | None, question: str, lang: str, audience: str) -> Iterator[PackView]:
    """A question about the open artwork, for the live narrator, answered as the Tour answers: a new turn in the
    caption card, spoken as it is written; when only the offline narrator is here, the status says so first."""
    from vlmtok.app.callbacks import ask_stream, status_html

    lang = normalize_lang(lang)
    art = pack.artwork((session or {}).get("id", "")) if pack is not None else None
    if art is None or pack.path(art.picture) is None:
        yield notice(t("pack.choose", lang), lang, session)
        return
    label = ". ".join(v for v in (", ".join(x for x in (art.title, art.artist, art.date) if x), art.label) if v)
    live = _live_narrator()
    for view in ask_stream(str(pack.path(art.picture)), question, lang, audience, label or None, session,
                           speak_mode="live"):
        if not live and view.ok:
            view.status = status_html(t("pack.no_live_narrator", lang)) + view.status
        yield PackView(view)


def _live_narrator() -> bool:
    """True when the narrator questions would go to is a model (not the offline colours-and-layout narrator)."""
    from vlmtok.narrate import get_narrator

    narrator, _ = get_narrator("auto")
    return narrator.name != "offline"
