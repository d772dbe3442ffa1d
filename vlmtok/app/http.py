"""What the app's web server sends, beyond the page: safe headers, files served as what they are, busy at once.

``Hardened`` is a plain ASGI middleware (no gradio import) that ``app.py`` puts around Gradio's FastAPI app:

- **Every response** carries ``X-Content-Type-Options: nosniff`` (a browser never guesses a type) and a
  ``Content-Security-Policy``: the page may load scripts, styles, pictures and sound from its own origin only
  (``PAGE_POLICY``; Gradio's page needs inline and evaluated script, so those are allowed, but nothing from
  elsewhere, no plugins, no forms or ``<base>`` pointing away, framing only by itself and Hugging Face).
- **Files** (Gradio's ``/file=`` routes: uploads, the Compare pictures, speech) are served only as the type their
  first bytes prove (``sniff``: JPEG, PNG, GIF, WebP, AVIF, WAV, MP3), inline; anything else, such as an HTML page
  uploaded as ``.jpg``, goes out as ``application/octet-stream`` with ``Content-Disposition: attachment`` and a
  ``sandbox`` policy, so it can never run as a page of this origin.
- **A full queue** is answered before Gradio reads the request. ``room()`` (the queue's free places, from Gradio's
  own count) is asked for every ``queue/join``, less the joins let through but not yet answered: in a burst they
  all arrive before any is queued, and Gradio would read, parse and check each one first, behind every other
  request the burst brought. The excess gets HTTP 503 at once, with a plain sentence in the language of the
  visitor's browser (``Accept-Language``) and ``Retry-After``; Gradio's own check stays behind it.

``served_folders()`` and ``storage_notice()`` say where audio is served from and, on the page, when the cache
folder could not be used (see ``vlmtok.paths``).
"""
from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import re
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from vlmtok import paths, settings
from vlmtok.i18n import normalize_lang, t

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PAGE_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",     # Gradio's page: inline config, js= handlers
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",                             # Gradio's default theme ships its fonts
    "img-src 'self' data: blob:",
    "media-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self' https://huggingface.co https://*.hf.space",   # a Space shows the app in an iframe
))
FILE_POLICY = "default-src 'none'; sandbox"
"""For a served file opened on its own: nothing loads, nothing runs (a picture or a sound still shows)."""

_MAGIC: tuple[tuple[bytes, int, str], ...] = (   # (bytes, offset, type): what a served file may be, inline
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"ID3", 0, "audio/mpeg"),
)
_FILE_ROUTE = re.compile(r"/file[=/](?P<path>.+)$")
_JOIN_ROUTE = re.compile(r"/queue/join/?$")
_SNIFF_BYTES = 32
MAX_DATA_URL_BYTES = 64 * 1024 * 1024
REFUSAL_LOG_S = 10.0


def sniff(head: bytes) -> str | None:
    """The media type ``head`` (a file's first bytes) proves, among those served inline; None for anything else.

    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n...."), sniff(b"<html><script>"), sniff(b"RIFF\\x00\\x00\\x00\\x00WAVEfmt ")
    ('image/png', None, 'audio/wav')
    """
    for magic, offset, kind in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return kind
    if head[:4] == b"RIFF":
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav"}.get(head[8:12])
    if head[4:12] in (b"ftypavif", b"ftypavis"):
        return "image/avif"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:  # MPEG audio frame
        return "audio/mpeg"
    return None


def served_type(route_path: str) -> str | None:
    """The type the file behind a ``/file=`` route proves (read from disk, as Gradio resolves it), else None."""
    match = _FILE_ROUTE.search(route_path)
    if not match:
        return None
    target = match.group("path")             # the ASGI path is already percent-decoded, as Gradio reads it
    if "://" in target:                      # Gradio proxies URLs; this app never serves one inline
        return None
    try:
        with open(os.path.abspath(target), "rb") as fh:
            return sniff(fh.read(_SNIFF_BYTES))
    except (OSError, ValueError):
        return None


def _lang(scope: Scope) -> str:
    for name, value in scope.get("headers") or ():
        if name == b"accept-language":
            return normalize_lang(value.decode("latin-1").split(",")[0])
    return "en"


def _headers(raw: list[tuple[bytes, bytes]], file_route: bool, kind: str | None) -> list[tuple[bytes, bytes]]:
    """Response headers with ours set (and Gradio's type and disposition replaced on file routes)."""
    replaced = {b"x-content-type-options", b"content-security-policy"}
    if file_route:
        replaced |= {b"content-type", b"content-disposition"}
    out = [(k, v) for k, v in raw if k.lower() not in replaced]
    out.append((b"x-content-type-options", b"nosniff"))
    if not file_route:
        return out + [(b"content-security-policy", PAGE_POLICY.encode())]
    out.append((b"content-security-policy", FILE_POLICY.encode()))
    if kind is None:
        return out + [(b"content-type", b"application/octet-stream"), (b"content-disposition", b"attachment")]
    return out + [(b"content-type", kind.encode()), (b"content-disposition", b"inline")]


class Hardened:
    """ASGI middleware: safe headers on every response, files served as what they are, a full queue said at once.

    Args:
        app: the ASGI app (Gradio's FastAPI app).
        room: free places in the queue now (None: no limit); a ``queue/join`` beyond them is refused here.
    """

    def __init__(self, app: Callable[..., Awaitable[None]], room: Callable[[], int | None] | None = None) -> None:
        self.app = app
        self.room = room
        self.joining = 0                      # joins let through, not answered yet (one event loop: no lock)
        self.refused, self._logged, self._logged_count = 0, -REFUSAL_LOG_S, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        join = scope.get("method") == "POST" and bool(_JOIN_ROUTE.search(path))
        if join and self._full():
            self._refused()
            await _busy(send, _lang(scope))
            return
        file_route = bool(_FILE_ROUTE.search(path))
        kind = served_type(path) if file_route else None
        counted = [join]
        self.joining += join

        async def hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._answered(counted)       # queued by now (or refused by Gradio): its own count has it
                message = {**message, "headers": _headers(list(message.get("headers") or ()), file_route, kind)}
            await send(message)

        try:
            await self.app(scope, receive, hardened)
        finally:
            self._answered(counted)

    def _refused(self) -> None:
        """Count refusals; say so in the log at most every ``REFUSAL_LOG_S`` seconds (a flood is one line)."""
        self.refused += 1
        now = time.monotonic()
        if now - self._logged >= REFUSAL_LOG_S:
            log.warning("queue full: %d visitors told at once to try again", self.refused - self._logged_count)
            self._logged, self._logged_count = now, self.refused

    def _answered(self, counted: list[bool]) -> None:
        if counted[0]:
            counted[0] = False
            self.joining -= 1

    def _full(self) -> bool:
        try:
            room = self.room() if self.room else None
        except Exception:  # a broken check must never refuse everyone
            log.debug("queue check failed", exc_info=True)
            return False
        return room is not None and self.joining >= room


async def _busy(send: Send, lang: str) -> None:
    """HTTP 503 with a plain sentence (JSON ``detail``, as Gradio words its own refusals)."""
    body = json.dumps({"detail": t("robust.queue_full", lang)}, ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"retry-after", b"5")]
    await send({"type": "http.response.start", "status": 503, "headers": _headers(headers, False, None)})
    await send({"type": "http.response.body", "body": body})


def app_kwargs(room: Callable[[], int | None] | None = None) -> dict[str, Any]:
    """Keyword arguments for the FastAPI app Gradio builds (``launch(app_kwargs=...)``): ``Hardened`` around it,
    and the followers' pages and event streams (``vlmtok.app.follow``) routed ahead of Gradio's own."""
    from starlette.middleware import Middleware

    from vlmtok.app import follow

    return {"middleware": [Middleware(Hardened, room=room)], "routes": follow.routes()}


# ----------------------------------------------------------------------------------------------------------------
# Where files come from


def served_folders() -> list[str]:
    """Folders the app serves audio from: the speech cache (wherever ``vlmtok.paths`` put it), the private
    temporary folder it would move to if its folder vanished, the speech service's uncached store, and the tour
    pack being played (``VLMTOK_PACK``: its prepared audio and pictures), and the followers' pictures (rooms)."""
    folders = []
    pack = settings.pack_folder()
    if pack:
        folders.append(str(Path(pack).resolve()))
    with contextlib.suppress(OSError):        # caches off: audio is only ever in the uncached store
        folders.append(str(paths.cache_dir("speech")))
    linked = paths.cache_state().linked       # a read-only cache's audio, linked into the private folder
    if linked is not None:
        folders.append(str(linked / "speech"))
    private = paths.private_root()
    if private is not None:
        folders.append(str(private))
    from vlmtok.app.rooms import picture_root

    return folders + [str(Path(tempfile.gettempdir()) / "vlmtok-speech-uncached"), str(picture_root())]


def storage_notice(lang: str = "en") -> str:
    """One short line for the page when caches are not where they should be; "" when all is well."""
    mode = paths.cache_state().mode
    return "" if mode == "normal" else t(f"robust.cache_{mode}", lang)


def save_data_url(url: str, folder: str | os.PathLike, max_bytes: int = MAX_DATA_URL_BYTES) -> str | None:
    """Write the bytes of a ``data:`` URL (a picture sent inline) to a new file in ``folder``, unopened.

    Returns the file's path, or None when the URL is not base64 data or is larger than ``max_bytes``. The picture
    is decoded later by ``vlmtok.images.load_image`` (in its worker), never here.
    """
    head, sep, payload = url.partition(",")
    if not sep or not head.startswith("data:") or not head.endswith(";base64") or len(payload) > max_bytes * 4 // 3 + 4:
        return None
    try:
        data = base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return None
    target = Path(folder) / f"inline-{uuid.uuid4().hex}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return str(target)
