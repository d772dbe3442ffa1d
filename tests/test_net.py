"""Outside calls on a wall-clock deadline (``vlmtok.net``), against stand-in servers on 127.0.0.1."""
from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vlmtok import net


class _Server(BaseHTTPRequestHandler):
    mode = "ok"

    def do_GET(self):
        try:
            self._answer()
        except OSError:                                # the client hung up: what a deadline does
            pass

    def _answer(self):
        if _Server.mode == "slow_headers":             # the status line itself, a byte at a time
            for byte in b"HTTP/1.1 200 OK\r\n":
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.1)
            return
        self.send_response(200)
        self.send_header("Content-Length", "5" if _Server.mode == "ok" else "100000")
        self.end_headers()
        if _Server.mode == "ok":
            self.wfile.write(b"hello")
            return
        for _ in range(300):                           # drip: a byte every 0.1 s, each wait well inside read_s
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.1)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_a_whole_answer_arrives(server):
    _Server.mode = "ok"
    reply = net.request("GET", server, limit_s=5, read_s=1)
    assert reply.status == 200 and reply.body == b"hello" and reply.headers["content-length"] == "5"


@pytest.mark.parametrize("mode", ["drip", "slow_headers"])
def test_a_drip_ends_at_the_deadline_not_later(server, mode):
    _Server.mode = mode
    t0 = time.monotonic()
    with pytest.raises(net.TooSlow):
        net.request("GET", server, limit_s=0.8, read_s=1.0)
    assert time.monotonic() - t0 < 1.5


def test_an_answer_too_large_is_refused(server):
    _Server.mode = "ok"
    with pytest.raises(ValueError, match="larger"):
        net.request("GET", server, limit_s=5, max_bytes=3)


def test_a_hanging_name_lookup_is_bounded(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: time.sleep(3))
    t0 = time.monotonic()
    with pytest.raises(net.TooSlow):
        net.resolve("tts.example.invalid", 0.3)
    assert not net.reachable("https://hub.example.invalid", 0.3)
    assert time.monotonic() - t0 < 1.5


def test_abort_ends_a_read_blocked_in_another_thread(server):
    import requests

    _Server.mode = "drip"
    resp = requests.get(server, stream=True, timeout=(2, 5))
    ended, reading = threading.Event(), threading.Event()

    def read():
        try:
            for _ in resp.iter_content(1):
                reading.set()
        except Exception:  # noqa: BLE001 - any error is the read ending
            pass
        ended.set()

    threading.Thread(target=read, daemon=True).start()
    assert reading.wait(5.0) and not ended.is_set()    # the reader is inside the drip now
    net.abort(resp)
    assert ended.wait(2.0), "the reader is still reading"
