"""The Tour's conversation as plain data, and the HTML the page shows for it.

A visitor's session (a dict) holds one **thread**: the description of the current picture, then every question
and answer, and any **message** (a bad photo, busy, too slow, audio unavailable) shown apart from them. Each turn
is a plain dict::

    {"id": "3f2a9c1b", "kind": "description" | "answer" | "message", "question": "...", "byline": "...",
     "body": "...", "lang": "en", "edited": False, "clips": [{"src": "gradio_api/file=...", "marks": [[0.0, 0]]}],
     "play": ""}

``clips`` is what the page's player plays for the turn, in order; ``marks`` pairs a time in that clip (seconds) with
the index of the sentence then spoken (``data-i`` of its span). One clip per turn today; a turn spoken sentence by
sentence is simply one clip per sentence. ``play`` is a fresh token when the page should play the turn at once
(a spoken message, a text the guide asked to hear); the page plays each token once.

Everything here is escaped text in, HTML out; nothing imports gradio or a model.
"""
from __future__ import annotations

import html
import json
import uuid
from dataclasses import dataclass
from typing import Any
from collections.abc import Sequence
from urllib.parse import quote

from vlmtok import settings
from vlmtok.i18n import normalize_lang, t
from vlmtok.text import split_sentences

FILE_ROUTE = "gradio_api/file="   # where Gradio serves the files app.py allows (the speech cache), page-relative
KINDS = ("description", "answer", "message")


def file_size_bytes(size: str | int) -> int:
    """Bytes in a size written Gradio's way (``settings.file_size_bytes``, where the rule is declared)."""
    return settings.file_size_bytes(size)


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def audio_src(path: str) -> str:
    """The page-relative address the player loads an audio file from.

    >>> audio_src("/cache/speech/ab cd.wav")
    'gradio_api/file=/cache/speech/ab%20cd.wav'
    """
    return FILE_ROUTE + quote(str(path))


# ----------------------------------------------------------------------------------------------------------------
# Turns


def turn(kind: str, body: str, lang: str, byline: str = "", question: str = "", **extra: Any) -> dict[str, Any]:
    """A new turn (see the module docstring); ``extra`` sets any other field."""
    if kind not in KINDS:
        raise ValueError(f"unknown turn kind {kind!r}; known: {', '.join(KINDS)}")
    return {"id": new_id(), "kind": kind, "question": question, "byline": byline, "body": body,
            "lang": normalize_lang(lang), "edited": False, "clips": [], "play": "", **extra}


def strip_byline(text: str, label: str) -> str:
    """The narration without the narrator's own opening words (the offline narrator starts with its label).

    >>> strip_byline("Offline description: colours only. A wave.", "Offline description: colours only")
    'A wave.'
    """
    text = (text or "").strip()
    if label and text.startswith(label):
        return text[len(label):].lstrip(" .:;,-\u2014\n")
    return text


def spoken_sentences(item: dict[str, Any]) -> list[str]:
    """The sentences the voice reads for a turn, in order: who wrote it first, then the text.

    Their indexes are the ``data-i`` of the spans ``thread_html`` draws, so a clip's ``marks`` light the right one.

    >>> spoken_sentences({"kind": "answer", "byline": "AI description · machine translated", "body": "A boat. Sky."})
    ['AI description, machine translated.', 'A boat.', 'Sky.']
    """
    return _byline_sentences(item) + split_sentences(item.get("body", ""))


def spoken_text(item: dict[str, Any]) -> str:
    return " ".join(spoken_sentences(item))


def _byline_sentences(item: dict[str, Any]) -> list[str]:
    byline = (item.get("byline") or "").replace(" \u00b7 ", ", ").strip()
    if not byline or item.get("kind") == "message":
        return []
    return split_sentences(byline if byline[-1] in ".!?:" else byline + ".")


def clip(src: str, starts: Sequence[float] = (), rate: float = 1.0, first: int = 0) -> dict[str, Any]:
    """One clip of a turn's audio: its address, the rate the player applies, and ``[time, sentence]`` marks."""
    return {"src": src, "rate": round(float(rate), 3),
            "marks": [[round(float(s), 3), first + i] for i, s in enumerate(starts)]}


def latest(thread: Sequence[dict[str, Any]], kinds: Sequence[str] = ("description", "answer")) -> dict | None:
    """The last turn of one of ``kinds`` (the text the guide edits and the card shows), or None."""
    return next((item for item in reversed(thread) if item.get("kind") in kinds), None)


# ----------------------------------------------------------------------------------------------------------------
# HTML


@dataclass
class ThreadView:
    """How the thread is drawn right now: ``busy`` while a turn is being written (screen readers wait)."""

    thread_id: str
    turns: Sequence[dict[str, Any]]
    lang: str
    busy: bool = False
    status: str = "ready"      # "empty", "busy", "ready", "message": the page scrolls a finished result into view


def thread_html(view: ThreadView) -> str:
    """The conversation: one ``<article>`` per turn, the latest last; an invitation when there is none."""
    lang = normalize_lang(view.lang)
    state = "empty" if not view.turns and not view.busy else view.status
    items = "".join(_turn_html(item, lang) for item in view.turns)
    if not view.turns:
        items = f'<p class="vt-placeholder">{html.escape(t("app.intro", lang))}</p>'
    return (f'<div class="vt-thread" role="region" tabindex="0" aria-label="{_attr(t("tour.caption", lang))}" '
            f'lang="{lang}" data-thread="{_attr(view.thread_id)}" data-state="{state}" '
            f'aria-busy="{str(view.busy).lower()}">{items}</div>')


def _turn_html(item: dict[str, Any], ui_lang: str) -> str:
    kind, lang = item.get("kind", "description"), normalize_lang(item.get("lang"))
    attrs = (f'id="vt-turn-{_attr(item["id"])}" data-turn="{_attr(item["id"])}" lang="{lang}" '
             f'data-clips="{_attr(json.dumps(item.get("clips") or []))}" data-play="{_attr(item.get("play", ""))}"')
    tools = _tools_html(item, ui_lang)
    card = " vt-on-card" if item.get("card") else ""
    if kind == "message":
        return (f'<article class="vt-turn vt-turn-message{card}" {attrs}>'
                f'<p class="vt-message-label" lang="{ui_lang}"><span aria-hidden="true">\u26a0 </span>'
                f'{html.escape(t("tour.message", ui_lang))}</p>'
                f'<p class="vt-message-text">{html.escape(item.get("body", ""))}</p>{tools}</article>')
    head = _byline_sentences(item)
    body = split_sentences(item.get("body", ""))
    question = ""
    if kind == "answer" and item.get("question"):
        question = (f'<p class="vt-question" lang="{ui_lang}"><span class="vt-who">'
                    f'{html.escape(t("tour.question", ui_lang))}</span>'
                    f'<span lang="{normalize_lang(item.get("question_lang") or ui_lang)}">'
                    f'{html.escape(item["question"])}</span></p>')
    byline = f'<p class="vt-byline">{_spans(head, 0)}</p>' if head else ""
    text = _spans(body, len(head)) if body else html.escape(item.get("body", ""))
    return (f'<article class="vt-turn vt-turn-{kind}{card}" {attrs}>{question}{byline}'
            f'<p class="vt-text">{text}</p>{tools}</article>')


def _tools_html(item: dict[str, Any], lang: str) -> str:
    if not item.get("clips"):
        return ""
    label = t("tour.replay_turn", lang)
    return (f'<p class="vt-turn-tools"><button type="button" class="vt-replay" data-vt-action="replay" '
            f'data-turn="{_attr(item["id"])}"><span aria-hidden="true">\u21bb </span>{html.escape(label)}</button></p>')


def _spans(sentences: Sequence[str], first: int) -> str:
    return " ".join(f'<span class="vt-s" data-i="{first + i}">{html.escape(s)}</span>'
                    for i, s in enumerate(sentences))


def _attr(value: Any) -> str:
    return html.escape(str(value), quote=True)


PRESETS = ("dark", "light", "dyslexia")


def options_label(lang: str, tier: str, audience: str, label_text: str | None = None) -> str:
    """The folded options panel's title, saying what is chosen: "Options: English, Short, Adult", and ", museum label
    set" when a label is typed: a label folded away must never be spoken unseen."""
    from vlmtok.app.strings import AUDIENCE_KEYS, TIER_KEYS

    lang = normalize_lang(lang)
    options = t("tour.options", lang, language=t("language.name", lang),
                tier=t(TIER_KEYS.get(tier, TIER_KEYS["short"]), lang),
                audience=t(AUDIENCE_KEYS.get(audience, AUDIENCE_KEYS["adult"]), lang))
    return t("tour.options_label", lang, options=options) if (label_text or "").strip() else options


def strip_html(lang: str = "en") -> str:
    """The caption card's own controls: Play/Pause, Replay, text size, colours, the card toggle and Close.

    The page's script gives them their behaviour (``data-vt-action``); every word comes from the catalogue.
    """
    lang = normalize_lang(lang)
    names = {p: t(f"app.preset_{p}", lang) for p in PRESETS}
    labels = {p: [names[p], t("tour.colours", lang, name=names[p])] for p in PRESETS}   # [shown, said]

    def button(action: str, icon: str, words: str, cls: str = "", extra: str = "") -> str:
        return (f'<button type="button" class="vt-tool {cls}" data-vt-action="{action}" {extra}>'
                f'<span aria-hidden="true" class="vt-icon">{icon}</span>{words}</button>')

    play = (f'<span class="vt-when-paused">{html.escape(t("tour.play", lang))}</span>'
            f'<span class="vt-when-playing">{html.escape(t("tour.pause", lang))}</span>')
    return (f'<div class="vt-strip" role="group" aria-label="{_attr(t("tour.controls", lang))}" lang="{lang}">'
            + button("play", '<span class="vt-when-paused">\u25b6</span><span class="vt-when-playing">\u275a\u275a'
                     '</span>', play, "vt-play")
            + button("replay-latest", "\u21bb", html.escape(t("tour.replay", lang)), "vt-replay-latest")
            + f'<span class="vt-sizes" role="group" aria-label="{_attr(t("tour.text_size", lang))}">'
            + button("smaller", "A\u2212", f'<span class="vt-sr">{html.escape(t("tour.smaller", lang))}</span>')
            + button("larger", "A+", f'<span class="vt-sr">{html.escape(t("tour.larger", lang))}</span>')
            + "</span>"
            + button("preset", "\u25d0", f'<span class="vt-preset-name vt-words" aria-hidden="true">'
                     f'{html.escape(names["dark"])}</span><span class="vt-sr vt-preset-said">'
                     f'{html.escape(labels["dark"][1])}</span>',
                     "vt-preset", f'data-labels="{_attr(json.dumps(labels, ensure_ascii=False))}"')
            + button("card", "\u2922", f'<span class="vt-words">{html.escape(t("tour.card", lang))}</span>',
                     "vt-card-toggle", 'aria-pressed="false"')
            + button("close-card", "\u2715", html.escape(t("tour.close_card", lang)), "vt-close-card")
            + "</div>")


# ----------------------------------------------------------------------------------------------------------------
# The queue, in the visitor's words


@dataclass(frozen=True)
class QueueLoad:
    """How full the shared model queue is: requests ``waiting`` (not yet started), its ``max_size``, the average
    seconds one model call has taken (None before the first), and the calls that run at once (``slots``)."""

    waiting: int
    max_size: int | None
    avg_s: float | None = None
    slots: int = 1

    @property
    def full(self) -> bool:
        return self.max_size is not None and self.waiting >= self.max_size

    def wait_s(self) -> int | None:
        """Seconds until a new request would start, roughly; None when nothing has been timed yet."""
        if not self.avg_s:
            return None
        return max(1, round((self.waiting + 1) * self.avg_s / max(1, self.slots)))


def queue_message(load: QueueLoad | None, lang: str = "en") -> tuple[str | None, bool]:
    """``(message, full)``: what to tell a visitor about the queue before their request joins it.

    None when nobody is waiting; the "busy, try again" sentence (with the wait) when the queue is full.

    >>> queue_message(QueueLoad(waiting=1, max_size=1, avg_s=20.0), "en")[1]
    True
    >>> queue_message(QueueLoad(waiting=0, max_size=8), "en")
    (None, False)
    """
    if load is None or load.waiting <= 0:
        return None, False
    wait = load.wait_s()
    if load.full:
        key = "tour.queue_full_wait" if wait else "tour.queue_full"
        return t(key, lang, n=load.waiting, s=wait), True
    key = "tour.queue_wait_s" if wait else "tour.queue_wait"
    return t(key, lang, n=load.waiting, s=wait), False
