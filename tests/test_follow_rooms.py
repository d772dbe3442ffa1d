"""Rooms on the server: codes, keys, bounds, idle closing, one channel per language, and the Tour's relay.

The voice and the translator are counting stand-ins here (the real ones are exercised by the browser tests and
their own test files): what is checked is that a room translates and speaks once per language, not once per phone.
"""
from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from vlmtok.app import rooms
from vlmtok.i18n import t


class Counting(rooms.Services):
    """Speaks and translates by rule, counting every call."""

    def __init__(self) -> None:
        self.spoken: Counter = Counter()
        self.translated: Counter = Counter()
        self.lock = threading.Lock()
        super().__init__(speak=self._speak, translate=self._translate, picture=lambda image, folder: image,
                         warm=lambda lang: None)

    def _speak(self, text: str, lang: str) -> tuple[str, float]:
        with self.lock:
            self.spoken[(text, lang)] += 1
        return f"/gradio_api/file=/audio/{lang}/{abs(hash(text))}.wav", 1.0

    def _translate(self, text: str, source: str, target: str) -> str | None:
        with self.lock:
            self.translated[(text, target)] += 1
        return f"[{target}] {text}" if (source, target) == ("en", "vi") else None


def _wait_for(condition, timeout_s: float = 10.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


def _narrate(room: rooms.Room, turn: str, pieces: list[str], image: str = "wave.jpg") -> None:
    room.publish(room.key, rooms.Source("artwork", turn, {"image": image, "lang": "en"}))
    for piece in pieces:
        room.publish(room.key, rooms.Source("text", turn, {"text": piece, "lang": "en"}))
    room.publish(room.key, rooms.Source("done", turn, {"label": "AI description, SmolVLM-256M", "lang": "en",
                                                       "text": "".join(pieces), "text_lang": "en"}))


PIECES = ["A great ", "wave curls. ", "Three boats ", "lean. Fuji ", "stands far away."]
SENTENCES = ["A great wave curls.", "Three boats lean.", "Fuji stands far away."]


def _done(channel: rooms.Channel) -> list[dict]:
    return _wait_for(lambda: [e for e in channel.after(0) if e["type"] == "done"] and channel.after(0))


def test_codes_are_random_unambiguous_and_typed_loosely():
    codes = {rooms.new_code() for _ in range(2000)}
    assert len(codes) == 2000                                          # not a counter, no repeats in practice
    assert all(len(c) == rooms.CODE_LENGTH and set(c) <= set(rooms.CODE_ALPHABET) for c in codes)
    assert not set("01OIL") & set(rooms.CODE_ALPHABET)
    code = next(iter(codes))
    assert rooms.clean_code(f" {code[:4].lower()}-{code[4:]} ") == code
    assert rooms.clean_code("ABC") == rooms.clean_code("<script>") == rooms.clean_code(None) == ""


def test_each_language_is_translated_and_spoken_once_not_once_per_phone():
    services = Counting()
    registry = rooms.Rooms(services=services)
    room = registry.open()
    english, vietnamese = room.channel("en"), room.channel("vi")
    for _ in range(5):                                   # five more phones per language: the same two channels
        assert room.channel("en") is english and room.channel("vi-VN") is vietnamese
    _narrate(room, "t1", PIECES)
    en, vi = _done(english), _done(vietnamese)
    assert [e["text"] for e in en if e["type"] == "sentence"] == SENTENCES
    assert "".join(e["text"] for e in en if e["type"] == "text") == "".join(PIECES)   # streamed piece by piece
    assert [e["text"] for e in vi if e["type"] == "sentence"] == [f"[vi] {s}" for s in SENTENCES]
    assert all(n == 1 for n in services.translated.values()) and len(services.translated) == 3
    assert all(n == 1 for n in services.spoken.values()) and len(services.spoken) == 6
    done_vi = vi[-1]
    assert done_vi["machine_translated"] and done_vi["byline"].endswith(t("app.machine_translated", "vi"))
    assert not en[-1]["machine_translated"] and en[-1]["byline"] == "AI description, SmolVLM-256M"
    assert [e["id"] for e in vi] == list(range(1, len(vi) + 1))            # numbered for Last-Event-ID
    assert en[0]["type"] == "artwork" and en[0]["picture"].endswith("wave.jpg")


def test_a_late_language_catches_up_and_an_untranslatable_text_says_so():
    services = Counting()
    room = rooms.Rooms(services=services).open()
    room.publish(room.key, rooms.Source("artwork", "t1", {"image": "", "lang": "vi"}))
    room.publish(room.key, rooms.Source("text", "t1", {"text": "Một con sóng lớn. Ba chiếc thuyền.", "lang": "vi"}))
    room.publish(room.key, rooms.Source("done", "t1", {"label": "Mô tả ngoại tuyến", "lang": "vi",
                                                       "text": "", "text_lang": "vi"}))
    english = room.channel("en")                     # the first English phone arrives after the narration
    events = _done(english)
    notices = [e["text"] for e in events if e["type"] == "notice"]
    assert notices == [t("narrate.translate.no_model", "en")]               # told once, in the phone's language
    sentences = [e for e in events if e["type"] == "sentence"]
    assert [(e["text"], e["text_lang"]) for e in sentences] == [("Một con sóng lớn.", "vi"), ("Ba chiếc thuyền.", "vi")]
    assert services.spoken[("Một con sóng lớn.", "vi")] == 1                # read by the voice of its own language


def test_only_the_key_publishes_and_a_closed_room_is_gone():
    registry = rooms.Rooms(services=Counting())
    room = registry.open()
    with pytest.raises(rooms.RoomError):
        room.publish("a follower's guess", rooms.Source("notice", "t", {"text": "hi", "lang": "en"}))
    assert registry.get(room.code.lower()) is room
    assert registry.guide(room.code, "wrong") is None and not registry.close(room.code, "wrong")
    room.folder.mkdir(parents=True)
    (room.folder / "picture.jpg").write_bytes(b"\xff\xd8\xff")
    assert registry.close(room.code, room.key)
    assert not room.folder.exists()                                 # its pictures go with it
    with pytest.raises(rooms.RoomError) as err:
        registry.get(room.code)
    assert err.value.user_message_for("vi") == t("follow.no_room", "vi")
    with pytest.raises(rooms.RoomError):
        room.publish(room.key, rooms.Source("notice", "t", {"text": "late", "lang": "en"}))


def test_rooms_and_followers_are_bounded_and_idle_rooms_close():
    registry = rooms.Rooms(max_rooms=2, max_followers=2, idle_s=60, services=Counting())
    first, second = registry.open(), registry.open()
    with pytest.raises(rooms.RoomFull) as err:
        registry.open()
    assert err.value.user_message_for("en") == t("follow.rooms_full", "en")
    first.join(), first.join()
    with pytest.raises(rooms.RoomFull):
        first.join()
    first.leave()
    first.join()                                       # a phone that left frees its place
    second.active -= 61                                # the guide of the second room forgot it
    assert registry.open() is not None and len(registry) == 2
    assert second.closed
    with pytest.raises(rooms.RoomError):
        registry.get(second.code)


def test_a_waiting_stream_wakes_on_a_new_event_and_ends_when_closed():
    room = rooms.Rooms(services=Counting()).open()
    channel = room.channel("en")

    async def follow() -> tuple[list[dict], list[dict]]:
        loop_task = asyncio.create_task(channel.wait(0, timeout_s=30))
        await asyncio.sleep(0.05)
        room.publish(room.key, rooms.Source("notice", "t", {"text": "The gallery closes soon.", "lang": "en"}))
        first = await asyncio.wait_for(loop_task, 10)
        closing = asyncio.create_task(channel.wait(first[-1]["id"], timeout_s=30))
        await asyncio.sleep(0.05)
        room.close()
        return first, await asyncio.wait_for(closing, 10)

    first, after_close = asyncio.run(follow())
    assert [e["text"] for e in first] == ["The gallery closes soon."] and after_close == []
    assert channel.after(1) == [] and channel.after(0) == first


def test_the_tours_relay_tells_its_room_and_changes_nothing(tmp_path: Path):
    registry = rooms.Rooms(services=Counting())
    room = registry.open(guide="guide-session-1")
    session = {"guide": "guide-session-1", "thread": []}
    results = [SimpleNamespace(ok=True, text="A great", text_lang="en", session={}, spoken=None),
               SimpleNamespace(ok=True, text="A great wave curls.", text_lang="en", session={}, spoken=None),
               SimpleNamespace(ok=True, text="A great wave curls.", session={"byline": "AI", "narrator": "x",
                                                                            "text": "A great wave curls.",
                                                                            "text_lang": "en"}, spoken=None),
               SimpleNamespace(ok=True, text="A great wave curls.", session={"byline": "AI"}, spoken=object())]
    info = rooms.TurnInfo("description", str(tmp_path / "wave.jpg"), "", "en")
    assert list(rooms.relay(session, info, iter(results), registry)) == results
    events = _done(room.channel("en"))
    assert [e["type"] for e in events] == ["artwork", "text", "text", "sentence", "done"]
    assert "".join(e["text"] for e in events if e["type"] == "text") == "A great wave curls."
    # no room for this session, or another guide's session: the results pass untouched and nothing is published
    assert list(rooms.relay({}, info, iter(results), registry)) == results
    stranger = {"guide": "another-guide", "room": {"code": room.code, "key": room.key}}
    assert list(rooms.relay(stranger, info, iter(results), registry)) == results
    assert len(room.channel("en").after(0)) == len(events)


def test_an_answer_reaches_the_phones_with_its_question():
    room = rooms.Rooms(services=Counting()).open(guide="g")
    info = rooms.TurnInfo("answer", None, "What is she holding?", "en")
    results = [SimpleNamespace(ok=True, text="A fan.", text_lang="en", session={}, spoken=None),
               SimpleNamespace(ok=True, text="A fan.", session={"byline": "AI", "narrator": "x", "text": "A fan.",
                                                                "text_lang": "en"}, spoken=None)]
    list(rooms.relay({"guide": "g"}, info, iter(results)))      # the module's ROOMS has no room for "g"
    assert room.channel("en").after(0) == []
    list(rooms.relay({"guide": "g"}, info, iter(results), rooms=_registry_of(room)))
    events = _done(room.channel("vi"))
    assert events[0]["type"] == "answer" and events[0]["question"] == "What is she holding?"
    assert events[0]["question_lang"] == "en" and [e["text"] for e in events if e["type"] == "sentence"] == [
        "[vi] A fan."]


def _registry_of(room: rooms.Room) -> rooms.Rooms:
    registry = rooms.Rooms(services=room.services)
    registry._rooms[room.code] = room
    return registry
