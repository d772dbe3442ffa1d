"""The follower's routes over real HTTP on 127.0.0.1: the page, Server-Sent Events with resumption and keep-alive,
refusals in both languages, read-only routes, and ``bench follow`` with small numbers.

The server is the app's own follower routes and headers under uvicorn (``vlmtok.bench.follow.serving``); the voice
and translator are counting stand-ins (the browser tests use the real ones).
"""
from __future__ import annotations

import argparse
import html
import http.client
import json
import time
from types import SimpleNamespace

import pytest
from test_follow_rooms import PIECES, SENTENCES, Counting, _narrate

from vlmtok.app import follow, rooms
from vlmtok.bench import follow as bench
from vlmtok.bench.app import free_port
from vlmtok.i18n import t


@pytest.fixture()
def server(monkeypatch):
    registry = rooms.Rooms(services=Counting())
    monkeypatch.setattr(rooms, "ROOMS", registry)
    monkeypatch.setattr(rooms, "KEEP_ALIVE_S", 0.3)
    port = free_port()
    with bench.serving(port):
        yield port, registry


def _get(port: int, path: str, method: str = "GET", headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, headers=headers or {})
    resp = conn.getresponse()
    return resp, resp.read().decode("utf-8")


class Stream:
    """An SSE connection read line by line, with a deadline."""

    def __init__(self, port: int, path: str, headers: dict | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.conn.request("GET", path, headers=headers or {})
        self.resp = self.conn.getresponse()

    def read_until(self, done, timeout_s: float = 10.0) -> tuple[list[dict], list[str]]:
        """Events and raw lines until ``done(events, lines)`` is true."""
        events, lines, deadline = [], [], time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            line = self.resp.fp.readline().decode("utf-8").rstrip("\n")
            lines.append(line)
            if line.startswith("data: ") and '"type"' in line:
                events.append(json.loads(line[6:]))
            if done(events, lines):
                return events, lines
        raise AssertionError(f"stream did not reach its condition; got {lines[-10:]}")

    def close(self) -> None:
        self.conn.close()


def test_the_page_is_light_its_own_and_served_with_the_apps_headers(server):
    port, registry = server
    room = registry.open()
    resp, body = _get(port, f"/follow/{room.code.lower()}", headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    assert resp.status == 200 and '<html lang="vi"' in body
    assert "gradio" not in body.lower() and len(body.encode()) < 8_000
    assert resp.getheader("x-content-type-options") == "nosniff"
    assert "default-src 'self'" in resp.getheader("content-security-policy")
    data = json.loads(body.split('id="vf-data" type="application/json">')[1].split("</script>")[0])
    assert data["code"] == room.code and data["strings"]["vi"]["follow.title"] == t("follow.title", "vi")
    for name, kind in (("follow.js", "text/javascript"), ("follow.css", "text/css")):
        asset, text = _get(port, f"/follow/static/{name}")
        assert asset.status == 200 and asset.getheader("content-type").startswith(kind) and text
    assert _get(port, "/follow/static/app.py")[0].status == 404


def test_a_wrong_or_closed_code_gets_a_plain_message_in_both_languages(server):
    port, registry = server
    room = registry.open()
    registry.close(room.code, room.key)
    for code in ("NOPE2345", room.code):
        resp, body = _get(port, f"/follow/{code}")
        assert resp.status == 404 and 'role="alert"' in body
        assert html.escape(t("follow.no_room", "en")) in body and html.escape(t("follow.no_room", "vi")) in body
        events, text = _get(port, f"/follow/{code}/events?lang=en")
        assert events.status == 404 and text == follow.both("follow.no_room")
    resp, text = _get(port, f"/follow/{registry.open().code}/events?lang=fr")
    assert resp.status == 400 and t("follow.bad_lang", "vi", known="en, vi") in text


def test_a_follower_cannot_publish(server):
    port, registry = server
    room = registry.open()
    channel = room.channel("en")
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in (f"/follow/{room.code}/events?lang=en", f"/follow/{room.code}"):
            resp, _ = _get(port, path, method=method, headers={"Content-Type": "application/json"})
            assert resp.status == 405, (method, path)
    assert channel.after(0) == [] and not room._sources          # nothing reached the room


def test_events_stream_resume_after_the_last_id_and_keep_alive(server):
    port, registry = server
    room = registry.open()
    path = f"/follow/{room.code}/events?lang=en"
    first = Stream(port, path)
    assert first.resp.status == 200 and first.resp.getheader("content-type").startswith("text/event-stream")
    assert first.resp.getheader("cache-control") == "no-store" and room.followers == 1
    _, lines = first.read_until(lambda ev, ls: ": keep-alive" in ls)            # a quiet room still speaks
    assert "retry: 2000" in lines
    _narrate(room, "t1", PIECES[:2])
    seen, _ = first.read_until(lambda ev, ls: any(e["type"] == "done" for e in ev))
    first.close()                                                            # the phone goes to sleep here
    _narrate(room, "t2", PIECES[2:])
    again = Stream(port, path, headers={"Last-Event-ID": str(seen[-1]["id"])})
    later, _ = again.read_until(lambda ev, ls: any(e["type"] == "done" for e in ev))
    assert later[0]["id"] == seen[-1]["id"] + 1 and {e["turn"] for e in later} == {"t2"}   # no repeats, no gaps
    ids = [e["id"] for e in seen + later]
    assert ids == list(range(1, len(ids) + 1))
    spoken = [e["text"] for e in seen + later if e["type"] == "sentence"]
    assert spoken == ["A great wave curls.", *SENTENCES[1:]]
    registry.close(room.code, room.key)
    _, lines = again.read_until(lambda ev, ls: "event: closed" in ls[:-1])
    closed = json.loads(lines[lines.index("event: closed") + 1].removeprefix("data: "))
    assert closed["text"]["vi"] == t("follow.closed", "vi")
    again.close()
    deadline = time.monotonic() + 10
    while room.followers and time.monotonic() < deadline:
        time.sleep(0.02)
    assert room.followers == 0                                               # both phones counted out


def test_bench_follow_small():
    report = bench.run(argparse.Namespace(followers=8, rooms=2, word_delay=0.01, timeout=60.0))
    assert (report["followers"], report["rooms"], report["connected"]) == (8, 2, 8)
    assert report["lost"] == 0 and report["crossed"] == 0
    assert report["sentences_received"] == 8 * len(bench._expected(0))
    assert report["latency_s"]["max"] >= report["latency_s"]["p95"] >= report["latency_s"]["p50"] > 0


def test_the_guides_panel_opens_counts_and_closes_and_a_narration_under_way_keeps_its_room(server):
    from vlmtok.app.callbacks import tour_session

    port, registry = server
    before = tour_session({})                      # the session a narration copied before the room was opened
    view = follow.guide_open(dict(before), "vi", f"127.0.0.1:{port}")
    room = registry.of_guide(view.session["guide"])
    assert view.open and room is not None and view.session["guide"] == before["guide"]
    assert f"/follow/{room.code}" in view.panel and html.escape(t("follow.local_only", "vi")) in view.panel
    assert follow.guide_open(view.session, "vi", f"127.0.0.1:{port}").session == view.session   # the same room
    assert follow.follow_url("museum.example:7860", "https", room.code) == (
        f"https://museum.example:7860/follow/{room.code}", True)
    phone = Stream(port, f"/follow/{room.code}/events?lang=en")
    assert t("follow.followers", "vi", n=1) in follow.guide_panel(view.session, "vi").panel
    info = rooms.TurnInfo("description", None, "", "en")
    results = [SimpleNamespace(ok=False, text="The picture is too dark.", session={}, spoken=None)]
    assert list(rooms.relay(before, info, iter(results))) == results            # the older copy still reaches it
    events, _ = phone.read_until(lambda ev, ls: any(e["type"] == "notice" for e in ev))
    assert events[-1]["text"] == "The picture is too dark."
    closed = follow.guide_close(view.session, "vi")
    assert not closed.open and html.escape(t("follow.room_closed", "vi")) in closed.panel and room.closed
    assert follow.guide_panel(view.session, "vi", was_open=False).panel == ""
    phone.read_until(lambda ev, ls: "event: closed" in ls)
    phone.close()
