"""Networks as museums have them: the Hub probe through a proxy, offline weights without pip in the environment."""
from __future__ import annotations

import socket


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_hub_probe_goes_through_the_proxy_the_downloads_use(monkeypatch):
    """A museum network that reaches the Hub only through a proxy is online: the probe asks through HTTP_PROXY (here
    the only way to a Hub whose name does not resolve), and a dead proxy means offline."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from huggingface_hub.utils import close_session

    from vlmtok import hub

    seen = []

    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_HEAD(self):  # noqa: N802 - http.server's name
            seen.append(self.path)                       # a proxy is sent the absolute URL
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)   # read at its import (conftest's)
    monkeypatch.delenv("VLMTOK_OFFLINE", raising=False)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://hub.vlmtok-test.invalid")
    try:
        for proxy, online in ((f"http://127.0.0.1:{server.server_address[1]}", True), (f"http://127.0.0.1:{_closed_port()}", False)):
            monkeypatch.setenv("HTTP_PROXY", proxy)
            monkeypatch.setenv("http_proxy", proxy)
            close_session()                              # huggingface_hub's client reads the proxy when made
            hub.hub_available.cache_clear()
            assert hub.hub_available() is online, proxy
        assert seen and seen[0].startswith("http://hub.vlmtok-test.invalid")
    finally:
        server.shutdown()
        close_session()
        hub.hub_available.cache_clear()
