"""The follower's side on the web: a light page per room and its Server-Sent Events, mounted beside the Gradio app.

- ``GET /follow/{code}``: the follower's page (its own small HTML, CSS and script from ``assets/``, no Gradio),
  or a plain page in English and Vietnamese for a wrong or closed code (HTTP 404).
- ``GET /follow/{code}/events?lang=xx``: the room's events in ``xx`` as Server-Sent Events. Each event has its
  ``id``; a phone that reconnects sends ``Last-Event-ID`` (or ``?last=``) and gets only what came after it. A
  comment every ``KEEP_ALIVE_S`` keeps proxies and phones from dropping a quiet stream; a closed room sends
  ``event: closed`` and ends.
- ``GET /follow/static/{name}``: the page's script and style.

Only GET (and HEAD) are routed: any other method is refused (405), so nothing a phone sends can publish. Audio and
pictures go through the app's own file route, with its headers (``vlmtok.app.http``). The headers of these
responses are ``Hardened``'s, like every other.
"""
from __future__ import annotations

import contextlib
import html
import json
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from vlmtok.app import rooms
from vlmtok.i18n import LANGUAGES, catalogue, normalize_lang, t

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent / "assets"
STATIC = {"follow.js": "text/javascript; charset=utf-8", "follow.css": "text/css; charset=utf-8"}
RETRY_MS = 2000           # how soon a phone reconnects after a drop
PAGE_KEYS = ("follow.title", "follow.settings", "follow.language", "follow.size", "follow.colours",
             "follow.stop_audio", "follow.speed", "follow.waiting", "follow.new_artwork",
             "follow.earlier", "follow.reconnecting", "follow.connected", "follow.closed", "follow.picture",
             "follow.start_audio", "follow.described", "follow.answered", "follow.room", "tour.question",
             "tour.smaller", "tour.larger", "tour.message", "app.preset_dark", "app.preset_light",
             "app.preset_dyslexia", "language.name")


def both(key: str, **kw: Any) -> str:
    """A message in every language, each in its own words ("No open tour ... / Không có ...")."""
    return " / ".join(t(key, lang, **kw) for lang in LANGUAGES)


def routes() -> list[Route]:
    """The follower's routes, for the app's FastAPI constructor (ahead of Gradio's own)."""
    return [Route("/follow/static/{name}", static, methods=["GET"]),
            Route("/follow/{code}", page, methods=["GET"]),
            Route("/follow/{code}/events", events, methods=["GET"])]


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in STATIC:
        return PlainTextResponse("not found", status_code=404)
    return Response((ASSETS / name).read_bytes(), media_type=STATIC[name],
                    headers={"cache-control": "public, max-age=3600"})


def _refusal_page(exc: Exception) -> HTMLResponse:
    """A plain page in both languages: what went wrong and what to do."""
    key = getattr(exc, "key", "") or "follow.no_room"
    items = "".join(f'<p lang="{lang}">{html.escape(t(key, lang))}</p>' for lang in LANGUAGES)
    body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{html.escape(both("follow.title"))}</title>'
            f'<link rel="stylesheet" href="/follow/static/follow.css"></head><body class="vf-refused">'
            f'<main><h1>{html.escape(both("follow.title"))}</h1><div role="alert">{items}</div></main></body></html>')
    return HTMLResponse(body, status_code=404 if isinstance(exc, rooms.RoomError) else 503)


async def page(request: Request) -> HTMLResponse:
    try:
        room = rooms.ROOMS.get(request.path_params["code"])
    except rooms.RoomError as exc:
        return _refusal_page(exc)
    lang = normalize_lang((request.headers.get("accept-language") or "en").split(",")[0])
    strings = {code: {k: catalogue(code).get(k) or t(k, code) for k in PAGE_KEYS} for code in LANGUAGES}
    template = (ASSETS / "follow.html").read_text(encoding="utf-8")
    data = json.dumps({"code": room.code, "lang": lang, "strings": strings}, ensure_ascii=False)
    body = (template.replace("{{lang}}", lang).replace("{{title}}", html.escape(t("follow.title", lang)))
            .replace("{{data}}", data.replace("</", "<\\/"))        # raw JSON in a data script: no early end
            .replace("{{noscript}}", html.escape(both("follow.noscript"))))
    return HTMLResponse(body, headers={"cache-control": "no-store"})


def _last_id(request: Request) -> int:
    raw = request.headers.get("last-event-id") or request.query_params.get("last") or "0"
    return int(raw) if raw.isdigit() else 0


def sse(event: dict[str, Any]) -> bytes:
    """One event as the SSE wire wants it: its id, then its JSON on one data line."""
    return f"id: {event['id']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n".encode()


async def events(request: Request) -> Response:
    lang = request.query_params.get("lang", "en")
    if lang not in LANGUAGES:
        known = ", ".join(LANGUAGES)
        return PlainTextResponse(both("follow.bad_lang", known=known), status_code=400)
    try:
        room = rooms.ROOMS.get(request.path_params["code"])
        room.join()
    except (rooms.RoomError, rooms.RoomFull) as exc:
        status = 404 if isinstance(exc, rooms.RoomError) else 503
        return PlainTextResponse(both(exc.key), status_code=status)
    channel = room.channel(lang)
    headers = {"cache-control": "no-store", "x-accel-buffering": "no"}   # no proxy may hold an event back
    return StreamingResponse(_stream(room, channel, _last_id(request)), media_type="text/event-stream",
                             headers=headers)


async def _stream(room: rooms.Room, channel: rooms.Channel, last: int):
    """Everything after ``last``, then each event as it comes; a comment when quiet; ``closed`` at the end."""
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        while True:
            batch = await channel.wait(last, rooms.KEEP_ALIVE_S)
            if batch:
                last = batch[-1]["id"]
                yield b"".join(sse(e) for e in batch)
            elif room.closed:
                data = json.dumps({"text": {lang: t("follow.closed", lang) for lang in LANGUAGES}})
                yield f"event: closed\ndata: {data}\n\n".encode()
                return
            else:
                yield b": keep-alive\n\n"
    finally:
        room.leave()


# ----------------------------------------------------------------------------------------------------------------
# The guide's side: open a room, show how to join it, count the phones, close it (plain values for the page)

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass
class GuideView:
    """What the Tour shows about its room: the panel's HTML, whether a room is open, and the session to keep."""

    panel: str
    open: bool
    session: dict[str, Any]


def lan_address() -> str | None:
    """This machine's address on its network (no packet is sent: a UDP socket is only pointed), or None."""
    import socket

    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.255.255.255", 1))
        address = s.getsockname()[0]
        return None if address.startswith("127.") else address
    return None


def follow_url(host: str, scheme: str, code: str, server_name: str | None = None) -> tuple[str, bool]:
    """``(address the phones open, reachable)``: the address the guide's own browser used, unless that is this
    machine's loopback; then the network address when the app listens on every network, else not reachable."""
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
    port = host[len(name) + 1:] if len(host) > len(name) else ""
    if name in LOCAL_HOSTS:
        listening_everywhere = (server_name or "") in ("0.0.0.0", "::")
        lan = lan_address() if listening_everywhere else None
        if lan is None:
            return f"{scheme}://{host}/follow/{code}", False
        host = f"{lan}:{port}" if port else lan
    return f"{scheme}://{host}/follow/{code}", True


def _qr(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=6, border=4, dark="#000000", light="#ffffff")


def qr_png(url: str, folder: Path) -> Path:
    """The QR code of ``url`` as a PNG file in ``folder`` (a room's picture folder, which the app serves)."""
    import segno

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "follow-qr.png"
    segno.make(url, error="m").save(str(target), scale=8, border=4)
    return target


def panel_html(room: rooms.Room | None, url: str, reachable: bool, lang: str, message: str = "") -> str:
    """The QR code, the room code and address, how many follow; or a plain message."""
    lang = normalize_lang(lang)
    if room is None:
        text = html.escape(message)
        return f'<div class="vt-follow" lang="{lang}"><p class="vt-follow-message" role="status">{text}</p></div>'
    code = f"{room.code[:4]} {room.code[4:]}"
    warning = "" if reachable else f'<p class="vt-follow-warning" role="alert">{html.escape(t("follow.local_only", lang))}</p>'
    alt = html.escape(t("follow.qr_alt", lang, url=url), quote=True)
    return (f'<div class="vt-follow" lang="{lang}" data-code="{room.code}" data-url="{html.escape(url, quote=True)}">'
            f'<img class="vt-follow-qr" src="{_qr(url)}" alt="{alt}" width="240" height="240">'
            f'<div class="vt-follow-words"><p>{html.escape(t("follow.scan", lang))}</p>'
            f'<p><span class="vt-follow-label">{html.escape(t("follow.code", lang))}</span> '
            f'<strong class="vt-follow-code">{code}</strong></p>'
            f'<p><span class="vt-follow-label">{html.escape(t("follow.address", lang))}</span> '
            f'<span class="vt-follow-url" lang="en">{html.escape(url)}</span></p>'
            f'<p class="vt-follow-count" role="status">{html.escape(t("follow.followers", lang, n=room.followers))}'
            f'</p>{warning}</div></div>')


def guide_open(session: dict[str, Any] | None, lang: str, host: str, scheme: str = "http",
               server_name: str | None = None) -> GuideView:
    """Open a room for this guide's session (or show the one already open)."""
    session = dict(session or {})
    guide = session.setdefault("guide", uuid.uuid4().hex)   # the Tour's steps keep it too (callbacks.tour_session)
    room = rooms.ROOMS.of_guide(guide)
    if room is None:
        try:
            room = rooms.ROOMS.open(guide)
        except rooms.RoomFull as exc:
            return GuideView(panel_html(None, "", True, lang, exc.user_message_for(lang)), False, session)
        room.url, room.reachable = follow_url(host, scheme, room.code, server_name)
    return GuideView(panel_html(room, room.url, room.reachable, lang), True, session)


def guide_panel(session: dict[str, Any] | None, lang: str, was_open: bool = True) -> GuideView:
    """The panel as it is now (the follower count changes); a room closed meanwhile says so when ``was_open``."""
    session = dict(session or {})
    room = rooms.ROOMS.of_guide(session.get("guide"))
    if room is None:
        message = panel_html(None, "", True, lang, t("follow.room_closed", lang)) if was_open else ""
        return GuideView(message, False, session)
    return GuideView(panel_html(room, room.url, room.reachable, lang), True, session)


def guide_close(session: dict[str, Any] | None, lang: str) -> GuideView:
    """Close the guide's room; every phone following it is told."""
    session = dict(session or {})
    room = rooms.ROOMS.of_guide(session.get("guide"))
    if room is not None:
        rooms.ROOMS.close(room.code, room.key)
    return GuideView(panel_html(None, "", True, lang, t("follow.room_closed", lang)), False, session)
