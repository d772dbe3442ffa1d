"""Outside calls on a wall-clock deadline, enforced on the socket.

A socket timeout bounds each wait for bytes, not a whole answer: a server (or a museum proxy) that answers 200 and
then drips a byte every half second never trips it, and the thread reading is held for as long as the drip lasts.
Here a watchdog shuts the socket down when the deadline comes, so a blocked read ends at once whatever the server
does, and no thread is left reading behind a visitor who has moved on. Name lookups, which no socket timeout
covers, get the same bound (``resolve``).

``request`` is a small HTTP client for the project's own outside calls (Google's voice); ``abort`` ends a
``requests`` response from another thread (the served narrator's stream); ``reachable`` is the Hub probe.

>>> reply = request("POST", url, body=b"...", limit_s=8.0)   # doctest: +SKIP
>>> reply.status, len(reply.body)                           # doctest: +SKIP
"""
from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

MAX_REPLY_BYTES = 16 * 1024 * 1024
"""The largest answer read from an outside service (Google's voice sends a few hundred KB per sentence)."""


class TooSlow(TimeoutError):
    """The deadline came before the answer was complete (the socket was shut down)."""


@dataclass
class Reply:
    """An outside service's whole answer."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)    # names in lower case


class Watchdog:
    """Shuts the sockets it watches down at ``deadline`` (``time.monotonic()``); ``cancel()`` when done."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            late = self.fired
        if late:
            _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: Any) -> None:
    """Shut ``sock`` down for both directions: a read blocked on it in any thread returns at once."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)   # the plain socket's, also under TLS (no TLS goodbye)
    except (OSError, TypeError, ValueError):
        pass


def resolve(host: str, timeout_s: float) -> list[tuple]:
    """``socket.getaddrinfo(host)`` within ``timeout_s`` (no socket timeout covers a hanging name lookup).

    Raises:
        TooSlow: no answer in time (the lookup finishes in a daemon thread that holds nothing else).
        OSError: the name does not resolve.
    """
    done, box = threading.Event(), []

    def lookup() -> None:
        try:
            box.append(socket.getaddrinfo(host, None, type=socket.SOCK_STREAM))
        except OSError as exc:
            box.append(exc)
        done.set()

    threading.Thread(target=lookup, daemon=True, name="name-lookup").start()
    if not done.wait(timeout_s):
        raise TooSlow(f"name lookup of {host} took over {timeout_s:g} s")
    if isinstance(box[0], OSError):
        raise box[0]
    return box[0]


def reachable(url: str, timeout_s: float) -> bool:
    """One TCP connection to ``url``'s host and port, name lookup included, within ``timeout_s`` in all."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    deadline = time.monotonic() + timeout_s
    try:
        resolve(parts.hostname or "", timeout_s)
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        with socket.create_connection((parts.hostname, port), timeout=left):
            return True
    except OSError as exc:
        log.info("%s not reachable: %s", parts.hostname, exc)
        return False


def request(method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
            limit_s: float, connect_s: float | None = None, read_s: float | None = None,
            max_bytes: int = MAX_REPLY_BYTES) -> Reply:
    """``method url`` and its whole answer within ``limit_s`` seconds of wall clock, however slowly bytes come.

    ``connect_s`` bounds the connection, ``read_s`` each wait for bytes (both within ``limit_s``). The system's
    proxy settings (``https_proxy``, ``no_proxy`` ...) are honoured, as ``requests`` would.

    Raises:
        TooSlow: the deadline came first (name lookup, connection, headers or body).
        OSError, http.client.HTTPException: the server could not be reached or answered nonsense.
        ValueError: the answer is larger than ``max_bytes``.
    """
    deadline = time.monotonic() + limit_s
    parts = urlsplit(url)
    conn = _connection(parts, min(connect_s or limit_s, limit_s))
    resolve(conn.host, limit_s)
    if time.monotonic() >= deadline:
        raise TooSlow(f"name lookup of {conn.host} used the whole {limit_s:g} s")
    watchdog = Watchdog(deadline)
    try:
        conn.connect()
        watchdog.watch(conn.sock)
        if read_s is not None:                   # each wait for bytes, on top of the whole answer's deadline
            conn.sock.settimeout(min(read_s, limit_s))
        conn.request(method, _target(parts), body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read(max_bytes + 1)
        if watchdog.fired:                       # a shut socket reads as a short answer, not as an error
            raise TooSlow(f"{parts.hostname} did not answer within {limit_s:g} s")
        if len(data) > max_bytes:
            raise ValueError(f"the answer is larger than {max_bytes} bytes")
        return Reply(resp.status, data, {k.lower(): v for k, v in resp.getheaders()})
    except (OSError, http.client.HTTPException, ValueError, AttributeError) as exc:
        if watchdog.fired:                       # whatever the shut socket made the reader raise
            raise TooSlow(f"{parts.hostname} did not answer within {limit_s:g} s") from exc
        raise
    finally:
        watchdog.cancel()
        conn.close()


def _target(parts: Any) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _connection(parts: Any, timeout_s: float) -> http.client.HTTPConnection:
    """A connection to ``parts``' host, through the system's proxy when one applies (CONNECT for https)."""
    https = parts.scheme == "https"
    host, port = parts.hostname or "", parts.port or (443 if https else 80)
    proxy = None if urllib.request.proxy_bypass(host) else urllib.request.getproxies().get(parts.scheme)
    cls = http.client.HTTPSConnection if https else http.client.HTTPConnection
    if not proxy:
        return cls(host, port, timeout=timeout_s)
    via = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    conn = cls(via.hostname or "", via.port or 8080, timeout=timeout_s)
    conn.set_tunnel(host, port)
    return conn


def abort(response: Any) -> None:
    """End a ``requests`` response from any thread: its socket is shut down, so a read blocked on it returns."""
    raw = getattr(response, "raw", None)
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if sock is None:                             # the socket under the buffered reader http.client holds
        fp = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(fp, "raw", None), "_sock", None)
    if sock is not None:
        _shut(sock)
    try:
        response.close()
    except Exception:  # noqa: BLE001 - closing a response that broke under us: nothing more to do
        log.debug("closing an aborted response failed", exc_info=True)
