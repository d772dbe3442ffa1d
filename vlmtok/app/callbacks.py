"""The app's callbacks as plain functions: strings, file paths, PIL pictures and dicts in and out.

``app.py`` (Gradio Blocks) wraps these in components; nothing here imports gradio, so every callback can be
called and tested without a browser. Heavy modules (torch, narrators, encoders, speech) are imported inside the
functions, so ``python app.py`` serves its first page before any model is loaded.

Every error a visitor can cause ends in a plain sentence in their language (``TourResult.text``), never a
traceback or a server path; the details go to the log.
"""
from __future__ import annotations

import html
import json
import logging
import threading
import uuid
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator, Sequence

from vlmtok import settings
from vlmtok.app import tour
from vlmtok.errors import VisitorError
from vlmtok.i18n import normalize_lang, t
from vlmtok.paths import examples_dir

log = logging.getLogger(__name__)

EXAMPLES_DIR = examples_dir()
REQUEST_TIMEOUT_S = settings.request_timeout_s()  # a hung model call frees its slot

Progress = Callable[..., Any]  # gr.Progress or any callable(fraction, desc=...)


# ----------------------------------------------------------------------------------------------------------------
# Examples and credits


@lru_cache(maxsize=1)
def _credits() -> dict[str, dict[str, Any]]:
    try:
        entries = json.loads((EXAMPLES_DIR / "CREDITS.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("examples/CREDITS.json unreadable (%s)", exc)
        return {}
    return {e["file"]: e for e in entries}


def example_paths() -> list[str]:
    """The example artworks, in CREDITS.json order (files that are missing are skipped)."""
    return [str(EXAMPLES_DIR / name) for name in _credits() if (EXAMPLES_DIR / name).is_file()]


def example_titles(lang: str = "en") -> list[str]:
    """A short label for each example button (screen readers need a name, not only a thumbnail), in ``lang``."""
    return [f"{_in(e, 'title', lang)}, {_in(e, 'artist', lang)}" for name, e in _credits().items()
            if (EXAMPLES_DIR / name).is_file()]


def _in(entry: dict[str, Any], field: str, lang: str) -> str:
    """A credit's field in ``lang`` ("title_vi"), else as the source gives it (a name is the same in any language)."""
    return entry.get(f"{field}_{normalize_lang(lang)}") or entry[field]


@lru_cache(maxsize=1)
def _example_digests() -> dict[str, str]:
    """sha256 of each example file -> its name: credits follow the picture, not what an upload is called."""
    import hashlib

    return {hashlib.sha256((EXAMPLES_DIR / name).read_bytes()).hexdigest(): name
            for name in _credits() if (EXAMPLES_DIR / name).is_file()}


def credit_line(image_path: str | None, lang: str = "en") -> str:
    """"Title, by Artist. Picture: licence" for an example (matched by content), else ""."""
    import hashlib

    try:
        digest = hashlib.sha256(Path(image_path).read_bytes()).hexdigest() if image_path else None
    except OSError:
        digest = None
    entry = _credits().get(_example_digests().get(digest, "")) if digest else None
    if not entry:
        return ""
    licence = _in(entry, "license", lang).split(";")[0]
    return t("app.credit", lang, title=_in(entry, "title", lang), artist=_in(entry, "artist", lang), license=licence)


# ----------------------------------------------------------------------------------------------------------------
# The large-text panel (escaped text only: model output never becomes markup)


def status_html(message: str, lang: str | None = None, message_kind: bool = False) -> str:
    """The status line; the live region (role=status) is its container in the page.

    ``message_kind``: a message for the visitor (a bad photo, busy ...), drawn apart from progress lines.
    """
    lang_attr = f' lang="{normalize_lang(lang)}"' if lang else ""
    if message_kind:
        return (f'<p class="vt-status-text vt-status-message"{lang_attr}><span aria-hidden="true">\u26a0 </span>'
                f'{html.escape(message)}</p>')
    return f'<p class="vt-status-text"{lang_attr}>{html.escape(message)}</p>'


def caption_html(text: str, lang: str = "en", byline: str = "", sentences: Sequence[str] = (),
                 starts: Sequence[float] = (), playback_rate: float = 1.0, busy: bool = False) -> str:
    """The caption panel: byline first (who wrote it), then the text, one span per spoken sentence.

    Args:
        text: the description (escaped here).
        byline: "AI description, SmolVLM-256M" or "Offline description: colours and layout only".
        sentences, starts: the spoken sentences and their start times (s) for the highlight while playing.
        playback_rate: the speed the audio element must apply (gTTS speeds other than 1x).
        busy: True while streaming (aria-busy: screen readers wait for the finished text).
    """
    lang = normalize_lang(lang)
    body = _sentence_spans(sentences, starts) if sentences and len(starts) == len(sentences) else html.escape(text)
    head = f'<p class="vt-byline">{html.escape(byline)}</p>' if byline and not text.startswith(byline) else ""
    placeholder = "" if text else f'<p class="vt-placeholder">{html.escape(t("app.placeholder", lang))}</p>'
    return (f'<div class="vt-caption-body" lang="{lang}" data-playback-rate="{float(playback_rate):.3f}" '
            f'aria-busy="{str(busy).lower()}">{head}{placeholder}<p class="vt-text">{body}</p></div>')


def _sentence_spans(sentences: Sequence[str], starts: Sequence[float]) -> str:
    return " ".join(f'<span class="vt-s" data-start="{float(s):.3f}">{html.escape(text)}</span>'
                    for text, s in zip(sentences, starts))


# ----------------------------------------------------------------------------------------------------------------
# Tour: describe, speak, ask


@dataclass
class TourResult:
    """One step of the tour, ready for the page. ``text`` is a plain message when something went wrong."""

    text: str
    caption: str                       # caption panel HTML (escaped)
    status: str                        # status line HTML
    audio: str | None = None           # audio file path
    byline: str = ""
    ok: bool = True
    session: dict[str, Any] = field(default_factory=dict)
    spoken: Any = None                 # a sentence's audio (``SpokenSentence``) when speaking as it is written
    text_lang: str = ""                # the language ``text`` is written in while streaming (a follower's room reads it)


def _step(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        try:
            progress(fraction, desc=message)
        except Exception:  # a progress bar must never break a description
            log.debug("progress update failed", exc_info=True)


def _narrator(lang: str, progress: Progress | None):
    from vlmtok.narrate import get_narrator

    _step(progress, 0.05, t("app.loading", lang))
    narrator, reason = get_narrator(settings.narrator())          # VLMTOK_NARRATOR, python app.py --narrator
    if reason:
        log.info("narrator %s: %s", getattr(narrator, "name", "?"), reason)
    return narrator


_PREPARED = threading.Event()
_PREPARING = threading.Lock()


def prepare_narrator(lang: str = "en", wait_s: float = 0.5) -> str | None:
    """Start loading the app's narrator in the background (once per process), right after the first page is served.

    Returns the status line to show while it loads ("preparing the narrator"), or None when it is ready within
    ``wait_s``. A visitor who describes meanwhile waits for the same load, never a second one.
    """
    if _PREPARING.acquire(blocking=False):
        def load() -> None:
            try:
                _narrator(normalize_lang(lang), None)
            except Exception:  # noqa: BLE001 - the first description will say what went wrong, in plain words
                log.exception("the narrator could not be prepared in the background")
            finally:
                _PREPARED.set()

        threading.Thread(target=load, name="vlmtok-prepare-narrator", daemon=True).start()
    if _PREPARED.wait(wait_s):
        return None
    return status_html(t("tour.preparing_narrator", lang), lang)


def narrator_prepared() -> bool:
    """Whether the background load that ``prepare_narrator`` began has ended."""
    return _PREPARED.is_set()


def _load(image_path: str | None, whole: bool = False):
    """The visitor's picture through the safe loader (Compare and How it works; raises ImageInputError): the
    artwork straightened out of a gallery photo, or the whole picture (``whole``)."""
    from vlmtok.frame import artwork_in
    from vlmtok.images import load_image

    return artwork_in(load_image(image_path), not whole).image


def artwork_outline(image_path: str | None, lang: str = "en") -> tuple[Any, str]:
    """The photo with the artwork's found outline drawn on it (None when the whole picture is used) and a
    sentence saying so, for the Tour to show before anything is said about the picture."""
    from vlmtok.frame import find_artwork, outline_picture
    from vlmtok.images import load_image

    if not image_path:
        return None, ""
    try:
        picture = load_image(image_path)
    except VisitorError:
        return None, ""                     # the description step says why, in plain words
    art = find_artwork(picture)
    return (outline_picture(picture, art), t("frame.outline", normalize_lang(lang))) if art.found else (None, "")


def _failure(exc: BaseException, lang: str, key: str = "app.failed") -> TourResult:
    """A plain message for the visitor; the details go to the log only."""
    from vlmtok.guard import guard_message

    if isinstance(exc, VisitorError):  # a picture we cannot use, a model that is not on this device ...
        log.info("tour step refused: %s: %s", type(exc).__name__, exc)
        message = exc.user_message_for(lang)
    elif (message := guard_message(exc, lang)) is None:  # out of memory: "busy, please retry", memory freed
        log.error("tour step failed: %s", exc, exc_info=exc)
        message = t(key, lang)
    return _message_result(message, lang)


def _message_result(message: str, lang: str) -> TourResult:
    return TourResult(text=message, caption=caption_html(message, lang), status=status_html(message), ok=False)


def guarded_stream(steps: Callable[[], Iterator[TourResult]], lang: str = "en",
                   timeout_s: float | None = None) -> Iterator[TourResult]:
    """Run a streaming tour step in a worker: a hang or out-of-memory ends in a plain message, the slot freed.

    The time limit covers the writing: once the text is complete (a result with its session) the rest is its
    audio, waited for under the voice's own deadline, so a slow voice costs the audio (a plain notice), never the text.
    """
    from vlmtok.guard import iter_guarded
    from vlmtok.speech.service import deadline_s

    lang = normalize_lang(lang)
    written = False
    for result, message in iter_guarded(steps, timeout_s=timeout_s or REQUEST_TIMEOUT_S, lang=lang,
                                        then_s=lambda r: deadline_s() if r.session else None):
        if message is not None:
            yield _message_result(t("app.audio_unavailable", lang) if written else message, lang)
            return
        written = written or bool(result.session)
        yield result


def guarded_call(step: Callable[..., Any], *args: Any, lang: str = "en", timeout_s: float | None = None,
                 on_message: Callable[[str, str], Any] | None = None, **kwargs: Any) -> Any:
    """``step(*args, **kwargs)`` under the per-request timeout; a plain message instead of a hang.

    ``on_message(message, lang)`` shapes that message like the step's own result (a ``TourResult`` by default).
    """
    from vlmtok.guard import run_guarded

    lang = normalize_lang(lang)
    result, message = run_guarded(step, *args, timeout_s=timeout_s or REQUEST_TIMEOUT_S, lang=lang, **kwargs)
    return (on_message or _message_result)(message, lang) if message is not None else result


def _session(narration, lang: str, image_path: str | None, conversation: str | None = None,
             artwork: dict | None = None) -> dict[str, Any]:
    """What the next steps need: the text's own language (English kept when no translator), who wrote it, and
    where the artwork lay in the photo (the guide's choice kept with the picture)."""
    return {"lang": lang, "text_lang": narration.language, "byline": _byline(narration, artwork),
            "label": narration.narrator_label, "narrator": narration.narrator, "text": narration.text,
            "image": image_path, "artwork": artwork,
            "notice": narration.notice or "", "conversation": conversation}


def _byline(narration, artwork: dict | None = None) -> str:
    """Who wrote it, first; "machine translated" when it was (DESIGN: label translations as such); "straightened"
    when the picture described is the artwork cut out of the photo."""
    label = narration.narrator_label
    if narration.machine_translated:
        label = f"{label} · {t('app.machine_translated', narration.language)}"
    if artwork and artwork.get("found"):
        label = f"{label} · {t('frame.straightened', narration.language)}"
    return label


def describe_stream(image_path: str | None, lang: str = "en", tier: str = "short", audience: str = "adult",
                    label_text: str | None = None, question: str | None = None,
                    progress: Progress | None = None, conversation: str | None = None,
                    speak_live: bool = False, whole: bool = False) -> Iterator[TourResult]:
    """Stream a description (or a follow-up answer): partial results while writing, the finished one last.

    The Tour's presenter of a narration session (``vlmtok.session``): the picture through the safe intake, the
    request checked (an invalid choice is a plain message, never replaced), the narrator this process uses.
    A new description starts a new conversation (a fresh id in the session); a question continues ``conversation``.
    ``speak_live``: each sentence's audio comes too (``TourResult.spoken``), as soon as it is ready; with a narrator
    that writes the visitor's language these come while it writes, and the last of them after the finished result.
    ``whole``: the guide chose the whole photo (else the artwork found in it, straightened).
    """
    lang = normalize_lang(lang)
    if not image_path:
        message = t("app.no_image", lang)
        yield TourResult(message, caption_html(message, lang), status_html(message), ok=False)
        return
    try:
        from vlmtok import session

        picture = session.Picture.load(image_path, find_artwork=not whole)
        narrator = _narrator(lang, progress)
        request = session.request(lang, tier, audience, label_text, question=question,
                                  conversation=conversation if question else None)
        narrate = session.Session(picture, request, narrator, speak="live" if speak_live else "none")
        yield from _present(narrate, image_path, progress)
    except Exception as exc:  # every visitor-caused error ends in a plain message
        yield _failure(exc, lang)


def _present(narrate, image_path: str, progress: Progress | None = None) -> Iterator[TourResult]:
    """A session's events as the Tour's steps: the text as it is written, the finished turn, each sentence's audio."""
    from vlmtok import session

    lang, working, written, final = narrate.request.lang, "", "", None
    for event in narrate.events():
        if isinstance(event, session.Started):
            working = event.status
            _step(progress, 0.2, working)
            yield TourResult("", "", status_html(working))
        elif isinstance(event, session.Text):
            written = event.written
            writes = lang if lang in getattr(narrate.narrator, "languages", (lang,)) else "en"
            yield TourResult(written, "", status_html(working), text_lang=writes)
        elif isinstance(event, session.Done):
            n = event.narration
            found = _session(n, lang, image_path, event.conversation, narrate.picture.artwork)
            found["spoken_live"] = narrate.live
            final = TourResult(n.text, caption_html(n.text, n.language, found["byline"]), status_html(event.status),
                               byline=found["byline"], session=found)
            yield final
            if not narrate.live:
                return
        else:                                                   # a sentence's audio, ready to play
            yield TourResult(final.text if final else written, "", final.status if final else status_html(working),
                             spoken=event, session=final.session if final else {})
    if final is None:
        raise RuntimeError("narrator stream ended without a Narration")


def describe(image_path: str | None, lang: str = "en", tier: str = "short", audience: str = "adult",
             label_text: str | None = None, rate: float = 1.0, progress: Progress | None = None) -> TourResult:
    """The whole tour step at once (the API's ``/describe``): narration, then speech."""
    final = None
    for final in describe_stream(image_path, lang, tier, audience, label_text, progress=progress):  # noqa: B007
        pass                                                  # the last step is the result
    if final is None or not final.ok:
        return final
    return speak_text(final.text, lang, rate, final.session)


MAX_SPEAK_CHARS = 3000   # ~5 minutes of speech: longer text is refused, so one visitor cannot hold every voice


def speak_text(text: str, lang: str = "en", rate: float = 1.0, session: dict[str, Any] | None = None) -> TourResult:
    """Speak the (approved, maybe edited) text; the caption gets one span per sentence for the highlight."""
    lang = normalize_lang(lang)
    session = dict(session or {})
    byline = session.get("byline", "")
    text = (text or "").strip()
    if not text:
        message = t("app.no_text", lang)
        return TourResult(message, caption_html(message, lang), status_html(message), ok=False, session=session)
    if len(text) > MAX_SPEAK_CHARS:
        message = t("app.too_long", lang, limit=MAX_SPEAK_CHARS)
        return TourResult(text, caption_html(text, lang, byline), status_html(message), ok=False, session=session)
    session["text"] = text
    voice_lang = session.get("text_lang") or lang   # English kept for a Vietnamese visitor is read in English
    speech = _speak(text, voice_lang, rate)
    if speech is None or speech.audio_path is None:
        notice = t("app.audio_unavailable", lang)  # speech's own notice says the same: one plain sentence is enough
        return TourResult(text, caption_html(text, voice_lang, byline), status_html(notice), byline=byline,
                          session=session)
    sentences, starts = _sentences(speech, text)
    caption = caption_html(text, voice_lang, byline, sentences, starts, speech.playback_rate)
    ready = " ".join(filter(None, [t("app.audio_ready", lang), t(f"app.voice_{speech.engine}", lang), speech.notice,
                                   session.get("notice")]))
    return TourResult(text, caption, status_html(ready), audio=str(speech.audio_path), byline=byline,
                      session=session)


def _speak(text: str, lang: str, rate: float):
    """A SpeechResult, or None when no voice could speak (the text stands, the status says so)."""
    try:
        from vlmtok.speech import speak

        return speak(text, lang, rate=rate)
    except Exception as exc:
        log.error("speech failed: %s", exc, exc_info=exc)
        return None


def _sentences(speech, text: str) -> tuple[list[str], list[float]]:
    starts, sentences = list(speech.sentence_starts), list(speech.sentences)
    if not sentences:
        from vlmtok.speech.base import split_sentences

        sentences = split_sentences(text)
    return (sentences, starts) if len(sentences) == len(starts) else ([], [])


def ask(image_path: str | None, question: str, lang: str = "en", audience: str = "adult",
        label_text: str | None = None, progress: Progress | None = None,
        session: dict[str, Any] | None = None, speak_live: bool = False,
        whole: bool = False) -> Iterator[TourResult]:
    """A follow-up question about the same artwork: the narrator reuses its cached vision tokens and continues
    this visitor's conversation (``session["conversation"]``)."""
    lang = normalize_lang(lang)
    if not (question or "").strip():
        message = t("app.no_question", lang)
        yield TourResult(message, caption_html(message, lang), status_html(message), ok=False)
        return
    yield from describe_stream(image_path, lang, "short", audience, label_text, question.strip(), progress,
                               conversation=(session or {}).get("conversation"), speak_live=speak_live, whole=whole)


# ----------------------------------------------------------------------------------------------------------------
# The Tour page: a conversation per picture (vlmtok.app.tour), messages spoken, the queue said in plain words


@dataclass
class TourView:
    """What the Tour shows after a step: the conversation and status line (HTML), the text in the edit box, and
    the session to keep. ``ok`` is False when the step ended in a message for the visitor."""

    thread: str
    status: str
    text: str
    session: dict[str, Any]
    ok: bool = True


def tour_session(session: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of the visitor's session with a conversation in it (empty on the first visit)."""
    session = dict(session or {})
    session["thread"] = [dict(item) for item in session.get("thread") or []]
    session.setdefault("thread_id", tour.new_id())
    session.setdefault("guide", uuid.uuid4().hex)     # this guide's session, for its room (vlmtok.app.rooms); server-side
    return session


def _draw(session: dict[str, Any], lang: str, status: str, *, busy_turn: dict[str, Any] | None = None,
          state: str = "ready", message: bool = False) -> TourView:
    """The view of ``session``'s conversation, with a turn still being written (``busy_turn``) drawn last."""
    thread = session["thread"]
    marked = _mark_latest(thread + ([busy_turn] if busy_turn else []))
    view = tour.ThreadView(session["thread_id"], marked, lang, busy=busy_turn is not None, status=state)
    text_turn = tour.latest(thread)
    return TourView(tour.thread_html(view), status_html(status, lang, message_kind=message),
                    text_turn["body"] if text_turn else "", session, ok=not message)


def _mark_latest(thread: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flag the turns the caption card shows: the latest description or answer, and any message after it."""
    last = max((i for i, item in enumerate(thread) if item.get("kind") != "message"), default=-1)
    return [{**item, "card": i >= last} for i, item in enumerate(thread)]


def _notice_clip(message: str, lang: str) -> dict[str, Any] | None:
    """The message read by the offline voice, as a short notice (never a narration); None when no voice works."""
    try:
        from vlmtok.speech import speak

        speech = speak(f"{t('tour.message', lang)}: {message}", lang, engine="espeak")
    except Exception as exc:
        log.error("notice speech failed: %s", exc, exc_info=exc)
        return None
    return tour.clip(tour.audio_src(str(speech.audio_path)), rate=speech.playback_rate) if speech.ok else None


def tour_message(message: str, lang: str, session: dict[str, Any] | None) -> TourView:
    """A message for the visitor (a bad photo, busy, too slow ...): shown apart from the descriptions, spoken at once.

    The message joins the current artwork's thread: it never wipes what was said about it. The same message twice in
    a row (a picture the page sends twice) is said again in place, not stacked.
    """
    lang = normalize_lang(lang)
    session = tour_session(session)
    item = tour.turn("message", message, lang)
    notice = _notice_clip(message, lang)
    if notice:
        item.update(clips=[notice], play=tour.new_id())
    thread = session["thread"]
    if thread and thread[-1].get("kind") == "message" and thread[-1].get("body") == message:
        thread.pop()
    thread.append(item)
    return _draw(session, lang, message, state="message", message=True)


def tour_begin(image_path: str | None, lang: str, session: dict[str, Any] | None, load: tour.QueueLoad | None = None,
               reason: str = "describe") -> tuple[TourView | None, bool]:
    """Before a description joins the model queue: ``(view, go)``.

    ``reason``: "picture" (a new picture: a new artwork, whose label starts empty; a cleared picture clears the
    conversation quietly), "describe" (the Describe button), "options" (language, length, audience or label changed:
    describe again, so what is on screen is redrawn in them, only when something is on screen). A full queue, or no
    picture, gives a spoken message in the current artwork's thread and ``go`` False. The thread on screen is only
    replaced once the new description begins (``_conversation_step``): a picture that cannot be read leaves it whole.
    ``view`` is None when nothing on the page changes.
    """
    lang = normalize_lang(lang)
    session = tour_session(session)
    if reason == "options" and not (image_path and session["thread"]):   # nothing on screen to redo
        return None, False
    if not image_path:
        if reason == "picture":
            session.update(thread=[], thread_id=tour.new_id(), text="", conversation=None, artwork_label="")
            return _draw(session, lang, t("app.ready", lang), state="empty"), False
        return tour_message(t("app.no_image", lang), lang, session), False
    from vlmtok.smolvlm.zerogpu import describe_on_upload

    if reason == "picture" and not describe_on_upload():   # on ZeroGPU a GPU job would spend the visitor's quota
        session.update(thread=[], thread_id=tour.new_id(), text="", conversation=None, artwork_label="")
        return _draw(session, lang, t("app.ready_press_describe", lang), state="empty"), False
    message, full = tour.queue_message(load, lang)
    if full:
        return tour_message(message, lang, session), False
    session.update(next_thread_id=tour.new_id(), new_artwork=reason == "picture")
    working = message or t("app.describing", lang)
    shown = {**session, "thread": [], "thread_id": session["next_thread_id"]}
    return replace(_draw(shown, lang, working, busy_turn=tour.turn("description", "", lang), state="busy"),
                   session=session), True


def ask_begin(image_path: str | None, question: str, lang: str, session: dict[str, Any] | None,
              load: tour.QueueLoad | None = None) -> tuple[TourView, bool]:
    """Before a question joins the queue: the question drawn, waiting for its answer; or a spoken message."""
    lang = normalize_lang(lang)
    session = tour_session(session)
    question = (question or "").strip()
    if not question:
        return tour_message(t("app.no_question", lang), lang, session), False
    if not image_path:
        return tour_message(t("app.no_image", lang), lang, session), False
    message, full = tour.queue_message(load, lang)
    if full:
        return tour_message(message, lang, session), False
    pending = tour.turn("answer", "", lang, question=question)
    return _draw(session, lang, message or t("app.answering", lang), busy_turn=pending, state="busy"), True


SPEAK_MODES = ("live", "check")   # speak as it is written; check before speaking (nothing plays before Play)


def tour_stream(image_path: str | None, lang: str = "en", tier: str = "short", audience: str = "adult",
                label_text: str | None = None, session: dict[str, Any] | None = None,
                progress: Progress | None = None, timeout_s: float | None = None,
                speak_mode: str = "check", whole: bool = False) -> Iterator[TourView]:
    """Describe the picture: the text as it is written, then its turn with audio.

    ``speak_mode`` "live": each sentence plays as soon as it is written and spoken; "check": the audio is made
    ready, and plays when the guide presses Play. A new description starts a new conversation (thread and SmolVLM
    conversation); a failure ends in a message.
    """
    live = speak_mode == "live"
    session = tour_session(session)
    if session.pop("new_artwork", False):     # a new picture: the label typed for the one before is not its label
        label_text = ""
    steps = lambda: describe_stream(image_path, lang, tier, audience, label_text, progress=progress,  # noqa: E731
                                    speak_live=live, whole=whole)
    yield from _conversation_step(steps, "description", lang, session, "", timeout_s, live,
                                  label=(label_text or "").strip(), image_path=image_path)


def ask_stream(image_path: str | None, question: str, lang: str = "en", audience: str = "adult",
               label_text: str | None = None, session: dict[str, Any] | None = None,
               progress: Progress | None = None, timeout_s: float | None = None,
               speak_mode: str = "check", whole: bool = False) -> Iterator[TourView]:
    """Answer a question about the same picture, continuing this visitor's conversation; the answer is a new turn
    (spoken as it is written when ``speak_mode`` is "live", as for a description)."""
    session = tour_session(session)
    question = (question or "").strip()
    live = speak_mode == "live"
    steps = lambda: ask(image_path, question, lang, audience, label_text, progress=progress,  # noqa: E731
                        session=session, speak_live=live, whole=whole)
    yield from _conversation_step(steps, "answer", lang, session, question, timeout_s, live, image_path=image_path)


def _conversation_step(steps: Callable[[], Iterator[TourResult]], kind: str, lang: str, session: dict[str, Any],
                       question: str, timeout_s: float | None, live: bool = False,
                       label: str = "", image_path: str | None = None) -> Iterator[TourView]:
    """One description (a new thread, begun only once its picture was read and its narrator chosen) or answer."""
    from vlmtok.app import rooms

    lang = normalize_lang(lang)
    previous = session
    if kind == "description":                 # the artwork's thread: its label, its turns, its audio
        thread_id = session.pop("next_thread_id", None) or tour.new_id()
        session = {**session, "thread": [], "thread_id": thread_id, "artwork_label": label}
    busy = tour.turn(kind, "", lang, question=question)   # one turn from the first word to the last sound
    item, begun = None, kind != "description"
    told = rooms.TurnInfo(kind, image_path, question, lang)           # the guide's room, if open, follows along
    for r in rooms.relay(session, told, guarded_stream(steps, lang, timeout_s=timeout_s)):
        if not r.ok:    # before the new artwork began (a bad file): a notice in the thread on screen, kept whole
            yield tour_message(r.text, lang, session if begun else previous)
            return
        begun = True
        if r.spoken is not None:     # a sentence's audio: it joins the turn's clips and plays after the one before
            _add_clip(item or busy, r.spoken)
            yield _draw(session, lang, _plain(r.status), state="busy", busy_turn=None if item else busy)
            continue
        if not r.session:            # still writing
            busy["body"] = r.text
            yield _draw(session, lang, _plain(r.status), state="busy", busy_turn=busy)
            continue
        found = r.session
        item = tour.turn(kind, tour.strip_byline(found["text"], found.get("label", "")), found["text_lang"],
                         byline=found["byline"], question=question, question_lang=lang)
        item.update(id=busy["id"], play=busy["play"], clips=busy["clips"])  # what plays goes on playing
        session.update({k: v for k, v in found.items() if k != "text"}, text=item["body"])
        session["thread"].append(item)
        if not live:
            yield _draw(session, lang, f"{_plain(r.status)} {t('tour.preparing_audio', lang)}", state="busy")
            yield _spoken(session, item, lang, _plain(r.status))
            return
        _remark(item)
        yield _draw(session, lang, _plain(r.status), state="busy")
        done = _plain(r.status)
        if not found.get("spoken_live"):
            # written in another language and translated at the end: its sentences are spoken now, one by one
            yield from _speak_turn_by_sentence(session, item, lang, done)
    if item is not None:
        if not item["clips"]:
            yield tour_message(t("app.audio_unavailable", lang), lang, session)
            return
        yield _draw(session, lang, done)


def _add_clip(item: dict[str, Any], spoken) -> None:
    """``spoken`` (a ``SpokenSentence``) as the next clip of ``item``, its mark on the sentence it reads."""
    speech = spoken.speech
    if speech is None or speech.audio_path is None:
        log.info("sentence %d had no voice: %s", spoken.index, getattr(speech, "notice", ""))
        return
    item["clips"].append({**tour.clip(tour.audio_src(str(speech.audio_path)), (), speech.playback_rate),
                          "text": spoken.text})
    _remark(item)
    if not item["play"]:
        item["play"] = tour.new_id()            # the page plays the turn at once, and each new clip after the last


def _remark(item: dict[str, Any]) -> None:
    """Point each clip's mark at the span of the sentence it reads (the finished turn adds its byline spans)."""
    sentences, at = tour.spoken_sentences(item), 0
    for c in item["clips"]:
        found = next((i for i in range(at, len(sentences)) if sentences[i] == c.get("text")), None)
        c["marks"] = [[0.0, found]] if found is not None else []
        at = found + 1 if found is not None else at


def _speak_turn_by_sentence(session: dict[str, Any], item: dict[str, Any], lang: str, done: str) -> Iterator[TourView]:
    from vlmtok.speech.stream import speak_as_written

    for part in speak_as_written([tour.spoken_text(item)], item["lang"]):
        if not isinstance(part, str):
            _add_clip(item, part)
            yield _draw(session, lang, done, state="busy")


def _plain(status: str) -> str:
    """The words of a status line drawn by ``status_html``."""
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", status or "")).replace("\u26a0 ", "").strip()


def _spoken(session: dict[str, Any], item: dict[str, Any], lang: str, done: str, play: bool = False) -> TourView:
    """Give ``item`` (a turn of ``session``'s thread) its audio; a message, spoken, when no voice could read it."""
    from vlmtok.text import split_sentences

    spoken = tour.spoken_sentences(item)
    speech = _speak(" ".join(spoken), item["lang"], 1.0)
    if speech is None or speech.audio_path is None:
        return tour_message(t("app.audio_unavailable", lang), lang, session)
    starts = list(speech.sentence_starts)
    if len(starts) != len(spoken) or len(split_sentences(" ".join(spoken))) != len(spoken):
        starts = []                    # the voice split the text otherwise: no highlight rather than a wrong one
    item["clips"] = [tour.clip(tour.audio_src(str(speech.audio_path)), starts, speech.playback_rate)]
    item["play"] = tour.new_id() if play else ""
    words = [done, t("tour.press_play", lang), speech.notice]   # the voice itself is said only when it had to change
    return _draw(session, lang, " ".join(filter(None, words)))


def speak_edited(text: str, lang: str = "en", session: dict[str, Any] | None = None) -> TourView:
    """Speak the approved text now: the guide's edit replaces the latest turn's words ("edited by the guide")."""
    lang = normalize_lang(lang)
    session = tour_session(session)
    item = tour.latest(session["thread"])
    text = (text or "").strip()
    if item is None or not text:
        return tour_message(t("app.no_text", lang), lang, session)
    if len(text) > MAX_SPEAK_CHARS:
        return tour_message(t("app.too_long", lang, limit=MAX_SPEAK_CHARS), lang, session)
    if text != item["body"].strip():
        item.update(body=text, byline=t("tour.edited", item["lang"]), edited=True)   # its words, its language
        session["text"] = text
    return _spoken(session, item, lang, t("tour.speaking", lang), play=True)


def clear_thread(lang: str = "en", session: dict[str, Any] | None = None) -> TourView:
    """A fresh conversation about the same picture (Describe starts it again)."""
    lang = normalize_lang(lang)
    session = tour_session(session)
    session.update(thread=[], thread_id=tour.new_id(), text="", conversation=None)
    return _draw(session, lang, t("tour.cleared", lang), state="empty")


def redraw(lang: str = "en", session: dict[str, Any] | None = None) -> TourView:
    """The conversation with the page's words in ``lang`` (the turns keep their own language)."""
    lang = normalize_lang(lang)
    return _draw(tour_session(session), lang, t("app.ready", lang))


def oversize(size_bytes: float | int | None, limit_bytes: int, lang: str = "en",
             session: dict[str, Any] | None = None) -> TourView:
    """The page refused a file before uploading it: the same plain, spoken message as the server's own check."""
    log.info("upload refused in the browser: %s bytes (limit %s)", size_bytes, limit_bytes)
    limit_mb = max(1, round(limit_bytes / (1024 * 1024)))
    return tour_message(t("images.file_too_large", lang, limit_mb=limit_mb), lang, session)
