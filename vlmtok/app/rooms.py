"""Rooms: a guide's Tour followed on visitors' own phones, each visitor in their own language.

The guide's session opens a **room** (``ROOMS.open(guide)``): an unguessable code for the visitors (read aloud, typed
or scanned) and a secret key. The Tour finds its room by the guide's session id (``session["guide"]``, kept on the
server, never sent to a browser), so a narration already under way when the room opens cannot lose it; a museum's
own app holds the key (``/open_room``). Only the guide's session or the key publishes; a code only reads.

What the guide's Tour publishes is a small stream of **sources** (``Source``): a turn begins (a new artwork, or a
question), a piece of text is written, a notice, the turn is done (its provenance). For every language a visitor
chose, the room keeps one **channel** (a thread) that turns the sources into that language's **events**, once:
text pieces (translated sentence by sentence when the guide's text is in another language), each finished
sentence spoken (``vlmtok.speech``; the speech cache makes the guide's own language free), the picture, notices,
and the finished text with who wrote it. Fifty phones in Vietnamese cost one translation and one voice, not fifty.

Events are numbered per channel (``id``), kept for the room's life (bounded), and read after any id: a phone that
slept asks for what came after the last one it saw (SSE ``Last-Event-ID``) and misses nothing, twice nothing.

Bounded: ``MAX_ROOMS`` open rooms, ``MAX_FOLLOWERS`` phones per room, ``MAX_EVENTS`` per channel; a room closes when
the guide closes it or after ``IDLE_S`` without a publish. Nothing here imports gradio; the web routes are
``vlmtok.app.follow``.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from vlmtok.errors import VisitorError
from vlmtok.i18n import LANGUAGES, normalize_lang, t

log = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I/L: read aloud and typed on a phone without doubt
CODE_LENGTH = 8          # 31^8 = 8.5e11 codes: guessing one of 20 open rooms at 1000 tries a second takes ~700 years
MAX_ROOMS = 20           # rooms open at once on one server (each holds a thread per language in use)
MAX_FOLLOWERS = 100      # phones per room: a tour group, with room to spare
MAX_EVENTS = 20_000      # events kept per channel (about 40 long narrations); past it the room closes, said plainly
IDLE_S = 3 * 3600.0      # a room the guide forgot closes after three hours without a publish
KEEP_ALIVE_S = 15.0      # a comment on a quiet stream, so proxies and phones keep the connection
PICTURE_PX = 960         # the follower's picture: enough for a phone, light on busy Wi-Fi
FILE_ROUTE = "/gradio_api/file="   # the app's own file route (vlmtok.app.http sets its headers)
SOURCE_KINDS = ("artwork", "answer", "text", "notice", "done")


class RoomError(VisitorError, LookupError):
    """No open room has this code (wrong, or closed); the message is plain, in the visitor's language."""

    message_key = "follow.no_room"


class RoomFull(VisitorError, RuntimeError):
    """Too many rooms on this server, or too many phones in this room."""

    message_key = "follow.full"


def new_code() -> str:
    """A fresh room code from the OS's secure random source (never a counter)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(code: str | None) -> str:
    """The code as a visitor may type it ("abcd efgh", "ABCD-EFGH") -> "ABCDEFGH"; anything else -> ""."""
    code = "".join(ch for ch in (code or "").upper() if ch not in " -")
    return code if len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code) else ""


def picture_root() -> Path:
    """Where rooms keep their pictures (the app serves this folder as it serves audio): inside this process's
    private temporary folder when there is one (nobody else can place a file there)."""
    from vlmtok import paths

    private = paths.private_root()
    return (private if private is not None else Path(tempfile.gettempdir())) / "vlmtok-rooms"


def file_url(path: str | Path) -> str:
    return FILE_ROUTE + quote(str(path))


@dataclass(frozen=True)
class Source:
    """One thing the guide's session publishes: ``kind`` (``SOURCE_KINDS``), the turn it belongs to, its data, when."""

    kind: str
    turn: str
    data: dict[str, Any]
    at: float = field(default_factory=time.time)


# ----------------------------------------------------------------------------------------------------------------
# Language services (swappable in tests and the benchmark)


def speak_sentence(text: str, lang: str) -> tuple[str, float]:
    """``(audio address, playback rate)`` of one sentence in ``lang``; ``("", 1.0)`` when no voice could say it."""
    from vlmtok.speech import speak

    try:
        result = speak(text, lang)
    except Exception as exc:  # noqa: BLE001 - the text stands without audio, and the phone says so
        log.error("room speech failed: %s", exc)
        return "", 1.0
    return (file_url(result.audio_path), result.playback_rate) if result.ok else ("", 1.0)


def translate_sentence(text: str, source: str, target: str) -> str | None:
    """``text`` machine-translated from ``source`` into ``target``, or None (no model for the pair, or none here)."""
    from vlmtok.narrate.translate import NoTranslationModel, get_translator

    try:
        result = get_translator(target, source=source).translate(text, target)
    except NoTranslationModel:
        return None
    except Exception as exc:  # noqa: BLE001 - a broken model keeps the guide's words, with a notice
        log.warning("room translation %s -> %s failed: %s", source, target, exc)
        return None
    return result.text if result.machine_translated else None


def warm_language(lang: str) -> None:
    """Load the translation model into ``lang`` now, when the first phone chooses it, not at its first sentence."""
    from vlmtok.narrate.translate import NoTranslationModel, get_translator

    if lang != "en":
        with contextlib.suppress(NoTranslationModel):
            get_translator(lang, source="en").available   # noqa: B018 - loads the model (or notes why it cannot)


def picture_file(image_path: str, folder: Path) -> str:
    """A phone-sized JPEG of the guide's picture (decoded by the safe loader), its file path; "" when unusable."""
    from vlmtok.images import load_image

    try:
        image = load_image(image_path, max_side=PICTURE_PX)
    except Exception as exc:  # noqa: BLE001 - the narration still goes out, without its picture
        log.info("room picture not made: %s", exc)
        return ""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.jpg"
    image.save(target, "JPEG", quality=82)
    return str(target)


@dataclass
class Services:
    """How a room speaks, translates and makes pictures (the real ones by default)."""

    speak: Callable[[str, str], tuple[str, float]] = speak_sentence
    translate: Callable[[str, str, str], str | None] = translate_sentence
    picture: Callable[[str, Path], str] = picture_file
    warm: Callable[[str], None] = warm_language


# ----------------------------------------------------------------------------------------------------------------
# A channel: one language's events, made once


class Channel:
    """The events of one room in one language, made on this channel's own thread from the room's sources."""

    def __init__(self, room: Room, lang: str) -> None:
        self.room, self.lang = room, lang
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._turns: dict[str, _Turn] = {}
        threading.Thread(target=self._run, name=f"vlmtok-room-{lang}", daemon=True).start()

    # reading (any thread, or the event loop)

    def after(self, last_id: int) -> list[dict[str, Any]]:
        """Events with an id above ``last_id``, in order."""
        with self._lock:
            return self.events[max(0, last_id):]

    async def wait(self, last_id: int, timeout_s: float) -> list[dict[str, Any]]:
        """Events after ``last_id``; waits up to ``timeout_s`` for one (an empty list: nothing came, or closed)."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            if len(self.events) > last_id or self.room.closed:
                return self.events[max(0, last_id):]
            self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter[1].wait(), timeout_s)
        except asyncio.TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(waiter)
        return self.after(last_id)

    def wake(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            loop.call_soon_threadsafe(event.set)

    # making

    def _emit(self, kind: str, source: Source, **data: Any) -> None:
        with self._lock:
            if len(self.events) >= MAX_EVENTS:
                return
            event = {"id": len(self.events) + 1, "type": kind, "turn": source.turn, "lang": self.lang,
                     "source_at": source.at, **data}
            self.events.append(event)
        self.wake()

    def _run(self) -> None:
        try:
            self.room.services.warm(self.lang)
        except Exception:  # noqa: BLE001 - a model that cannot load is said at the first sentence instead
            log.exception("room channel %s could not warm up", self.lang)
        index = 0
        while (source := self.room.source(index)) is not None:
            try:
                self._handle(source)
            except Exception:  # noqa: BLE001 - one bad source must not silence the room
                log.exception("room channel %s could not handle a %s", self.lang, source.kind)
            index += 1
        self.wake()                                   # closed: every stream ends

    def _handle(self, source: Source) -> None:
        if source.kind in ("artwork", "answer"):
            self._turns[source.turn] = _Turn()
            self._begin(source)
        elif source.kind == "text":
            turn = self._turns.setdefault(source.turn, _Turn())
            self._text(source, turn, source.data["text"], normalize_lang(source.data.get("lang")))
        elif source.kind == "notice":
            self._notice(source)
        elif source.kind == "done":
            self._done(source, self._turns.pop(source.turn, _Turn()))

    def _begin(self, source: Source) -> None:
        data = source.data
        if source.kind == "artwork":
            self._emit("artwork", source, picture=self.room.picture(source), credit=data.get("credit", ""))
            return
        self._emit("answer", source, question=data.get("question", ""),
                   question_lang=normalize_lang(data.get("lang")))

    def _text(self, source: Source, turn: _Turn, piece: str, text_lang: str, final: bool = False) -> None:
        """A piece of the guide's text: shown at once in the same language, else translated a sentence at a time."""
        from vlmtok.speech.stream import SentenceStream

        turn.stream = turn.stream or SentenceStream()
        turn.source_lang = text_lang
        same = text_lang == self.lang
        if same and piece:
            self._emit("text", source, text=piece, text_lang=text_lang)
        sentences = turn.stream.finish() if final else turn.stream.feed(piece)
        for sentence in sentences:
            said, said_lang = sentence, text_lang
            if not same:
                said, said_lang = self._translated(source, turn, sentence, text_lang)
                self._emit("text", source, text=said + " ", text_lang=said_lang)
            turn.sentences.append(said)
            turn.langs.add(said_lang)
            audio, rate = self.room.services.speak(said, said_lang)
            self._emit("sentence", source, i=len(turn.sentences) - 1, text=said, text_lang=said_lang, audio=audio,
                       start=0.0, rate=rate)
            if not audio and not turn.told_silent:
                turn.told_silent = True
                self._emit("notice", source, text=t("app.audio_unavailable", self.lang), text_lang=self.lang)

    def _translated(self, source: Source, turn: _Turn, sentence: str, text_lang: str) -> tuple[str, str]:
        out = self.room.services.translate(sentence, text_lang, self.lang)
        if out:
            turn.machine_translated = True
            return out, self.lang
        if not turn.told_untranslated:
            turn.told_untranslated = True
            self._emit("notice", source, text=t("narrate.translate.no_model", self.lang), text_lang=self.lang)
        return sentence, text_lang

    def _notice(self, source: Source) -> None:
        text, lang = source.data.get("text", ""), normalize_lang(source.data.get("lang"))
        translated = self.room.services.translate(text, lang, self.lang) if lang != self.lang else None
        if translated:
            text, lang = translated, self.lang
        self._emit("notice", source, text=text, text_lang=lang)

    def _done(self, source: Source, turn: _Turn) -> None:
        data = source.data
        if turn.stream is None:                     # nothing was streamed: the finished text, all of it now
            self._text(source, turn, data.get("text", ""), normalize_lang(data.get("text_lang")))
        self._text(source, turn, "", turn.source_lang, final=True)
        byline = data.get("label", "")
        if turn.machine_translated:
            byline = f"{byline} · {t('app.machine_translated', self.lang)}" if byline else \
                t("app.machine_translated", self.lang)
        text_lang = self.lang if self.lang in turn.langs or not turn.langs else next(iter(turn.langs))
        self._emit("done", source, text=" ".join(turn.sentences), text_lang=text_lang, byline=byline,
                   byline_lang=normalize_lang(data.get("lang")), narrator=data.get("narrator", ""),
                   machine_translated=turn.machine_translated)


@dataclass
class _Turn:
    """What a channel remembers while a turn is being written."""

    stream: Any = None                            # SentenceStream over the guide's text
    source_lang: str = ""
    sentences: list[str] = field(default_factory=list)
    langs: set[str] = field(default_factory=set)
    machine_translated: bool = False
    told_untranslated: bool = False
    told_silent: bool = False


# ----------------------------------------------------------------------------------------------------------------
# A room


class Room:
    """One guide's room: the sources the guide published, a channel per language in use, the phones following."""

    def __init__(self, code: str, services: Services, max_followers: int = MAX_FOLLOWERS, guide: str = "") -> None:
        self.code, self.key, self.services, self.guide = code, secrets.token_urlsafe(24), services, guide
        self.url, self.reachable = "", True                  # the address phones open (set by the guide's panel)
        self.max_followers = max_followers
        self.opened = self.active = time.monotonic()
        self.closed = False
        self.followers = 0
        self._sources: list[Source] = []
        self._channels: dict[str, Channel] = {}
        self._pictures: dict[str, str] = {}
        self._cond = threading.Condition()
        self._drawing = threading.Lock()                     # pictures are made apart from the guide's publishing
        self.folder = picture_root() / uuid.uuid4().hex      # not the code: file addresses never reveal it

    def publish(self, key: str, source: Source) -> None:
        """Add what the guide's session wrote; only the room's key may (``RoomError`` otherwise, or when closed)."""
        if not secrets.compare_digest(key or "", self.key) or self.closed:
            raise RoomError("not this room's key, or the room is closed")
        if source.kind not in SOURCE_KINDS:
            raise ValueError(f"unknown source kind {source.kind!r}; known: {', '.join(SOURCE_KINDS)}")
        with self._cond:
            self._sources.append(source)
            self.active = time.monotonic()
            self._cond.notify_all()

    def source(self, index: int) -> Source | None:
        """The ``index``-th source, waiting for it; None once the room is closed."""
        with self._cond:
            while index >= len(self._sources) and not self.closed:
                self._cond.wait()
            return None if self.closed else self._sources[index]

    def channel(self, lang: str) -> Channel:
        """This room's channel in ``lang``, started on first use (it catches up on everything published)."""
        lang = normalize_lang(lang)
        with self._cond:
            if lang not in self._channels:
                self._channels[lang] = Channel(self, lang)
            return self._channels[lang]

    def join(self) -> None:
        with self._cond:
            if self.followers >= self.max_followers:
                raise RoomFull("this room has as many phones as it can take", key="follow.room_full")
            self.followers += 1

    def leave(self) -> None:
        with self._cond:
            self.followers = max(0, self.followers - 1)

    def picture(self, source: Source) -> str:
        """The address of the phone-sized picture of an artwork source, made once for every language."""
        with self._drawing:
            if source.turn not in self._pictures:
                image = source.data.get("image") or ""
                path = self.services.picture(image, self.folder) if image else ""
                self._pictures[source.turn] = file_url(path) if path else ""
            return self._pictures[source.turn]

    def close(self) -> None:
        """Closed: every channel ends, every stream says so, and the room's pictures are removed."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()
            channels = list(self._channels.values())
        for channel in channels:
            channel.wake()
        shutil.rmtree(self.folder, ignore_errors=True)


class Rooms:
    """Every open room of this server, bounded; the one instance the app uses is ``ROOMS``."""

    def __init__(self, max_rooms: int = MAX_ROOMS, max_followers: int = MAX_FOLLOWERS, idle_s: float = IDLE_S,
                 services: Services | None = None) -> None:
        self.max_rooms, self.max_followers, self.idle_s = max_rooms, max_followers, idle_s
        self.services = services or Services()
        self._rooms: dict[str, Room] = {}
        self._lock = threading.Lock()

    def open(self, guide: str = "") -> Room:
        """A new room with a fresh code for the guide's session ``guide`` (``RoomFull`` when the server has as many as
        it may)."""
        self.sweep()
        with self._lock:
            if len(self._rooms) >= self.max_rooms:
                raise RoomFull("every room of this server is in use", key="follow.rooms_full")
            code = new_code()
            while code in self._rooms:
                code = new_code()
            room = self._rooms[code] = Room(code, self.services, self.max_followers, guide)
        log.info("room opened (%d open)", len(self._rooms))
        return room

    def get(self, code: str | None) -> Room:
        """The open room with this code (as a visitor may type it); ``RoomError`` for a wrong or closed one."""
        self.sweep()
        with self._lock:
            room = self._rooms.get(clean_code(code))
        if room is None or room.closed:
            raise RoomError("no open room with this code")
        return room

    def guide(self, code: str | None, key: str | None) -> Room | None:
        """The guide's open room, when ``key`` is its key; else None (closed meanwhile, or never opened)."""
        try:
            room = self.get(code)
        except RoomError:
            return None
        return room if secrets.compare_digest(key or "", room.key) else None

    def of_guide(self, guide: str | None) -> Room | None:
        """The open room of the guide's session ``guide``, else None."""
        self.sweep()
        with self._lock:
            found = [r for r in self._rooms.values() if guide and r.guide and secrets.compare_digest(guide, r.guide)]
        return found[0] if found and not found[0].closed else None

    def by_key(self, key: str | None) -> Room | None:
        """The open room whose key is ``key`` (what a museum's own app holds after ``/open_room``), else None."""
        self.sweep()
        with self._lock:
            found = [r for r in self._rooms.values() if key and secrets.compare_digest(key, r.key)]
        return found[0] if found and not found[0].closed else None

    def close(self, code: str | None, key: str | None) -> bool:
        """Close the guide's room (only with its key); True when it was open."""
        room = self.guide(code, key)
        if room is None:
            return False
        with self._lock:
            self._rooms.pop(room.code, None)
        room.close()
        log.info("room closed by its guide (%d open)", len(self._rooms))
        return True

    def sweep(self) -> None:
        """Close rooms idle longer than ``idle_s`` (no publish)."""
        now = time.monotonic()
        with self._lock:
            idle = [r for r in self._rooms.values() if now - r.active > self.idle_s]
            for room in idle:
                self._rooms.pop(room.code, None)
        for room in idle:
            room.close()
            log.info("room closed after %.0f s idle", now - room.active)

    def __len__(self) -> int:
        return len(self._rooms)


ROOMS = Rooms()


# ----------------------------------------------------------------------------------------------------------------
# The one call the Tour makes: what its stream yields, told to its room


@dataclass
class TurnInfo:
    """What the Tour knows before a turn is written: its kind, the picture, the question, the guide's language."""

    kind: str
    image: str | None
    question: str
    lang: str


def relay(session: dict[str, Any] | None, info: TurnInfo, results: Iterable[Any],
          rooms: Rooms | None = None) -> Iterator[Any]:
    """Pass the Tour's results on unchanged, telling the guide's room (by ``session["guide"]``) about each as it goes.

    A result is read by its fields only (``ok``, ``text``, ``text_lang``, ``session``, ``spoken``): text as it is
    written, a message, the finished narration with its provenance. No room, or a closed one: nothing is told.
    """
    room = (rooms or ROOMS).of_guide((session or {}).get("guide"))
    if room is None:
        yield from results
        return
    turn, written, done = uuid.uuid4().hex[:12], "", False
    tell = _teller(room)
    tell("artwork" if info.kind == "description" else "answer", turn,
         {"image": info.image or "", "question": info.question, "lang": info.lang})
    for r in results:
        if not getattr(r, "ok", True):
            tell("notice", turn, {"text": r.text, "lang": info.lang})
        elif r.session and not done:
            done = True
            found = r.session
            tell("done", turn, {"label": found.get("byline", ""), "narrator": found.get("narrator", ""),
                                "lang": info.lang, "text": found.get("text", ""), "text_lang": found.get("text_lang", "")})
        elif not r.session and getattr(r, "spoken", None) is None and r.text.startswith(written):
            piece, written = r.text[len(written):], r.text
            if piece:
                tell("text", turn, {"text": piece, "lang": _text_lang(r, info)})
        yield r


def relay_parts(room: Room | None, info: TurnInfo, parts: Iterable[Any], writes: str) -> Iterator[Any]:
    """A narration's events (``vlmtok.session``: text pieces, then the finished narration; or a narrator's own
    strings and ``Narration``) passed on unchanged, told to ``room``.

    For the API (``room`` from ``Rooms.by_key``); ``writes`` is the language the pieces are written in.
    """
    if room is None:
        yield from parts
        return
    turn, tell = uuid.uuid4().hex[:12], _teller(room)
    tell("artwork" if info.kind == "description" else "answer", turn,
         {"image": info.image or "", "question": info.question, "lang": info.lang})
    for part in parts:
        piece = part if isinstance(part, str) else getattr(part, "piece", None)
        done = part if hasattr(part, "narrator_label") else getattr(part, "narration", None)
        if piece:
            tell("text", turn, {"text": piece, "lang": writes})
        elif done is not None:
            label = done.narrator_label
            if done.machine_translated:
                label = f"{label} · {t('app.machine_translated', done.language)}"
            tell("done", turn, {"label": label, "narrator": done.narrator, "lang": info.lang, "text": done.text,
                                "text_lang": done.language})
        yield part


def _text_lang(result: Any, info: TurnInfo) -> str:
    return normalize_lang(getattr(result, "text_lang", "") or info.lang)


def _teller(room: Room) -> Callable[[str, str, dict[str, Any]], None]:
    def tell(kind: str, turn: str, data: dict[str, Any]) -> None:
        try:
            room.publish(room.key, Source(kind, turn, data))
        except RoomError:              # closed meanwhile: the guide's own tour goes on
            pass
    return tell


def languages() -> tuple[str, ...]:
    """The languages a visitor may follow in."""
    return LANGUAGES
