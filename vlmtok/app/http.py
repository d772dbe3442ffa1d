"""What the app's web server sends, beyond the page: safe headers, files served as what they are, busy at once.

``Hardened`` is a plain ASGI middleware (no gradio import) that ``app.py`` puts around Gradio's FastAPI app:

- **Every response** carries ``X-Content-Type-Options: nosniff`` (a browser never guesses a type) and a
  ``Content-Security-Policy``: the page may load scripts, styles, pictures and sound from its own origin only
  (``PAGE_POLICY``; Gradio's page needs inline and evaluated script, so those are allowed, but nothing from
  elsewhere, no plugins, no forms or ``<base>`` pointing away, framing only by itself and Hugging Face).
- **Files** (Gradio's ``/file=`` routes: uploads, the Compare pictures, speech) are looked at only when Gradio's own
  rule allows them (``may_serve``), off the event loop, opened without blocking and read only when ``fstat`` says
  they are regular files; anything else (a path elsewhere, a FIFO, ``/proc/self/fd/N``, nothing) gets the same
  bare 404 without touching the disk, so a probe learns nothing and cannot freeze the server. Files are served
  only as the type their
  first bytes prove (``sniff``: JPEG, PNG, GIF, WebP, AVIF, WAV, MP3), inline; anything else, such as an HTML page
  uploaded as ``.jpg``, goes out as ``application/octet-stream`` with ``Content-Disposition: attachment`` and a
  ``sandbox`` policy, so it can never run as a page of this origin.
- **Request bodies** (all but Gradio's multipart uploads, which its ``max_file_size`` bounds as they stream) are read
  here up to ``body_limit()`` (the largest picture, sent inline as base64, and its JSON) and refused past it with
  HTTP 413 and the same plain sentence an oversized upload gets, before Gradio parses a byte.
- **A full queue** is answered before Gradio reads the request. ``room()`` (the queue's free places, from Gradio's
  own count) is asked for every ``queue/join``, less the joins let through but not yet answered: in a burst they
  all arrive before any is queued, and Gradio would read, parse and check each one first, behind every other
  request the burst brought. The excess gets HTTP 503 at once, with a plain sentence in the language of the
  visitor's browser (``Accept-Language``) and ``Retry-After``; Gradio's own check stays behind it.

``served_folders()`` and ``storage_notice()`` say where audio is served from and, on the page, when the cache
folder could not be used (see ``vlmtok.paths``).
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import json
import logging
import os
import re
import stat
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from vlmtok import paths, settings
from vlmtok.images import ImageInputError
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
_UPLOAD_ROUTE = re.compile(r"/upload/?$")         # multipart, streamed to disk: Gradio's max_file_size bounds it
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_SNIFF_BYTES = 32
BODY_SLACK_BYTES = 256 * 1024      # a request's JSON around the largest picture it may carry inline
FILE_CHECK_S = 5.0                   # one file route's check (a hung network disk): then refused
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


REFUSED = "refused"
"""``inspect_file``'s answer for a file route that is not served: outside Gradio's allowed files, or not a regular
file (a FIFO, a device, a folder, nothing at all)."""


def route_target(route_path: str) -> str | None:
    """The path (or URL) a ``/file=`` route names; None for any other route."""
    match = _FILE_ROUTE.search(route_path)
    return match.group("path") if match else None   # the ASGI path is already percent-decoded, as Gradio reads it


def inspect_file(target: str, may_serve: Callable[[str], bool] | None) -> str | None:
    """What a ``/file=`` route may send: ``REFUSED``, else the type the file's first bytes prove (None: unproven).

    Blocking (it may touch the disk): run it off the event loop. Nothing is opened unless ``may_serve`` (Gradio's
    own rule for which files it serves) allows the path first, so a probe of ``/proc/self/fd/N`` or a file elsewhere
    learns nothing, and an allowed path is opened without blocking (``O_NONBLOCK``: a FIFO does not wait for a
    writer) and read only when ``fstat`` says it is a regular file.
    """
    if "://" in target:                      # Gradio proxies URLs itself; this app never serves one inline
        return None
    path = os.path.abspath(target)
    if may_serve is None:                    # no rule given: nothing is opened, nothing is served inline
        return None
    if not may_serve(path):
        return REFUSED
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except (OSError, ValueError):
        return REFUSED
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return REFUSED
        return sniff(os.read(fd, _SNIFF_BYTES))
    except OSError:
        return REFUSED
    finally:
        os.close(fd)


async def _inspect_off_loop(target: str, may_serve: Callable[[str], bool] | None) -> str | None:
    """``inspect_file`` in a thread, bounded: a hung disk costs one thread, never the event loop."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(inspect_file, target, may_serve), FILE_CHECK_S)
    except Exception:                        # timed out, or the rule itself failed: not served
        log.warning("a file route could not be checked in %.0f s; refused", FILE_CHECK_S, exc_info=True)
        return REFUSED


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

    def __init__(self, app: Callable[..., Awaitable[None]], room: Callable[[], int | None] | None = None,
                 may_serve: Callable[[str], bool] | None = None, max_body: int | None = None) -> None:
        self.app = app
        self.room = room
        self.may_serve = may_serve
        self.max_body = max_body
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
        if self.max_body is not None and scope.get("method") in _BODY_METHODS and not _UPLOAD_ROUTE.search(path):
            receive = await _bounded_body(scope, receive, self.max_body)
            if receive is None:
                await _too_large(send, _lang(scope), self.max_body)
                return
        target = route_target(path)
        file_route = target is not None
        kind = await _inspect_off_loop(target, self.may_serve) if file_route else None
        if kind == REFUSED:
            await _not_found(send)
            return
        counted = [join]
        self.joining += join

        async def hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._answered(counted)       # queued by now (or refused by Gradio): its own count has it
                message = {**message, "headers": _headers(list(message.get("headers") or ()), file_route, kind)}
            await send(message)

        upload = scope.get("method") == "POST" and bool(_UPLOAD_ROUTE.search(path))
        started = [False]

        async def answered(message: Message) -> None:
            if message["type"] == "http.response.start":
                started[0] = True
                if upload and message["status"] >= 500:      # the disk filled up or went away under Gradio
                    log.warning("an upload failed in Gradio (HTTP %d)", message["status"])
                    started.append("replaced")
                    await _upload_failed(send, _lang(scope))
                    return
            if "replaced" not in started:
                await hardened(message)

        try:
            await self.app(scope, receive, answered)
        except OSError as exc:
            if not upload or started[0]:
                raise
            log.warning("an upload could not be stored: %s", exc)
            await _upload_failed(send, _lang(scope))
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


async def _bounded_body(scope: Scope, receive: Receive, limit: int) -> Receive | None:
    """The request's body read whole here, up to ``limit`` bytes, and handed on as one message; None when it is
    larger (told by ``Content-Length`` before a byte is read, else counted as it arrives)."""
    for name, value in scope.get("headers") or ():
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            return None
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":       # the client left: hand that on as it is
            return _replay([message], receive)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}], receive)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replayed() -> Message:
        return messages.pop(0) if messages else await receive()
    return replayed


async def _too_large(send: Send, lang: str, limit: int) -> None:
    """HTTP 413 with the same plain sentence an oversized upload gets, in the visitor's language."""
    limit_mb = max(1, (limit - BODY_SLACK_BYTES) * 3 // 4 // (1024 * 1024))
    body = json.dumps({"detail": t("images.file_too_large", lang, limit_mb=limit_mb)}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": _headers(headers, False, None)})
    await send({"type": "http.response.body", "body": body})


async def _upload_failed(send: Send, lang: str) -> None:
    """HTTP 507 with a plain sentence in the visitor's language: the page says and speaks it (``app.js``)."""
    body = json.dumps({"detail": t("robust.upload_failed", lang)}, ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 507, "headers": _headers(headers, False, None)})
    await send({"type": "http.response.body", "body": body})


async def _not_found(send: Send) -> None:
    """HTTP 404, the same bytes for every refused file: nothing said about what exists or where."""
    body = b'{"detail":"Not Found"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": _headers(headers, True, None)})
    await send({"type": "http.response.body", "body": body})


def app_kwargs(room: Callable[[], int | None] | None = None,
               may_serve: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """Keyword arguments for the FastAPI app Gradio builds (``launch(app_kwargs=...)``): ``Hardened`` around it.

    Args:
        room: free places in the queue now (see ``Hardened``).
        may_serve: Gradio's own rule for which files a ``/file=`` route serves (an absolute path in, yes or no).
    """
    from starlette.middleware import Middleware

    from vlmtok.app import follow

    return_large_buffers()
    return {"middleware": [Middleware(Hardened, room=room, may_serve=may_serve, max_body=body_limit())],
            "routes": follow.routes()}        # the followers' pages and event streams, ahead of Gradio's own


M_MMAP_THRESHOLD = -3                 # glibc's mallopt() parameter
LARGE_BUFFER_BYTES = 1024 * 1024


def return_large_buffers() -> bool:
    """Have glibc hand every buffer of 1 MB or more back to the system when it is freed.

    A request carrying a picture inline makes a few buffers of its size (the body, its JSON text, the decoded
    bytes). By default glibc raises its mmap threshold after the first such buffer is freed, so later ones come from
    the thread's heap and stay in the server's memory after the request (the server grew tens of MB per request).
    Setting the threshold explicitly turns that adjustment off. Elsewhere than glibc nothing changes (False).
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return bool(libc and libc.mallopt(M_MMAP_THRESHOLD, LARGE_BUFFER_BYTES))
    except (OSError, AttributeError):
        return False


def body_limit(max_file_bytes: int | None = None) -> int:
    """The largest request body (other than an upload): the largest picture, sent inline as base64, and its JSON.

    >>> body_limit(3 * 1024 * 1024) - BODY_SLACK_BYTES
    4194304
    """
    picture = settings.max_file_bytes() if max_file_bytes is None else max_file_bytes
    return -(-picture * 4 // 3) + BODY_SLACK_BYTES


# ----------------------------------------------------------------------------------------------------------------
# Where files come from


def served_folders() -> list[str]:
    """Folders the app serves audio from: the speech cache (wherever ``vlmtok.paths`` put it), the private
    temporary folder it would move to if its folder vanished (the speech service's uncached store too), the tour
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

    return folders + [str(picture_root())]


def prepare_upload_folder() -> bool:
    """Make sure Gradio can write its uploads, before gradio is imported: a folder that cannot be used (read-only,
    full, a file in the way) is replaced by a private temporary one (``GRADIO_TEMP_DIR``), as the caches are.

    Returns False when no folder at all can be written: the page then copies no examples at start-up (Gradio would
    stop there) and an upload is refused with a plain message.
    """
    wanted = Path(settings.gradio_temp_dir() or Path(tempfile.gettempdir()) / "gradio")
    why = paths.unusable_reason(wanted)
    if why is None:
        return True
    private = paths.private_root()
    if private is None:
        log.warning("the upload folder %s cannot be used (%s) and no other can be written: no examples, and "
                    "uploads will be refused", wanted, why)
        return False
    folder = private / "uploads"
    folder.mkdir(exist_ok=True)
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    log.warning("the upload folder %s cannot be used (%s): uploads go to %s until the app restarts", wanted, why,
                folder)
    return True


def storage_notice(lang: str = "en") -> str:
    """One short line for the page when caches are not where they should be; "" when all is well."""
    mode = paths.cache_state().mode
    return "" if mode == "normal" else t(f"robust.cache_{mode}", lang)


WRITTEN: set[str] = set()
"""Every file a request wrote (pictures sent inline): the page hands this set to Gradio's own clean-up
(``Blocks.temp_file_sets``, ``delete_cache``), which removes uploads, so both go the same way."""


def save_data_url(url: str, folder: str | os.PathLike, max_bytes: int | None = None) -> str | None:
    """Write the bytes of a ``data:`` URL (a picture sent inline) to a file in ``folder``, unopened.

    Returns the file's path, or None when the URL is not base64 data. The size is checked on the text before a
    byte is decoded; a picture over ``max_bytes`` (default: ``VLMTOK_MAX_FILE_SIZE``, as for uploads) raises
    ``ImageInputError("file_too_large")``, the message an oversized upload gets. The file is named by its content
    (the same picture sent twice is one file) and listed in ``WRITTEN`` for the clean-up. The picture is decoded
    later by ``vlmtok.images.load_image`` (in its worker), never here.
    """
    limit = settings.max_file_bytes() if max_bytes is None else max_bytes
    head, sep, payload = url.partition(",")
    if not sep or not head.startswith("data:") or not head.endswith(";base64"):
        return None
    if len(payload.rstrip("=")) * 3 // 4 > limit:
        raise ImageInputError("file_too_large", limit_mb=max(1, limit // (1024 * 1024)))
    try:
        data = base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return None
    target = Path(folder) / f"inline-{hashlib.sha256(data).hexdigest()[:32]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file():
        os.utime(target)                          # sent again: the clean-up's clock starts again
    else:
        partial = target.with_name(f"{target.name}.{uuid.uuid4().hex[:8]}.part")
        partial.write_bytes(data)
        os.replace(partial, target)
    WRITTEN.add(str(target))
    return str(target)
