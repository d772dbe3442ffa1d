"""``python app.py`` options, the expected-time store, and the served narrator from the app and the command line."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ChatServer

from vlmtok import settings
from vlmtok.narrate import eta
from vlmtok.app.options import launch_options, parse_options
from vlmtok.narrate import Narration, NarrationRequest
from vlmtok.narrate.openai import server_name

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "great_wave_off_kanagawa.jpg"


@pytest.fixture
def clean_overrides():
    yield
    for name in list(settings.overrides()):
        settings.override(name, None)


def test_help_lists_every_option_without_starting_the_app():
    out = subprocess.run([sys.executable, "app.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for option in ("--port", "--host", "--narrator", "--public", "--offline", "--base-url", "--model", "--mcp"):
        assert option in out.stdout
    assert "Running on" not in out.stdout


def test_options_are_their_settings_for_this_run(clean_overrides, monkeypatch):
    for name in ("VLMTOK_OFFLINE", "VLMTOK_PUBLIC", "VLMTOK_NARRATOR", "VLMTOK_OPENAI_BASE_URL", "SPACE_ID"):
        monkeypatch.delenv(name, raising=False)
    assert not settings.offline_forced() and not settings.public() and settings.narrator() == "auto"
    options = parse_options(["--offline", "--public", "--base-url", "http://gpu-box:8000/v1", "--model", "smol",
                             "--port", "8080"])
    assert settings.offline_forced() and settings.public()
    assert settings.narrator() == "openai"                         # a server address given is a server to use
    assert (settings.openai_base_url(), settings.openai_model()) == ("http://gpu-box:8000/v1", "smol")
    assert launch_options(options) == {"server_port": 8080}
    assert "VLMTOK_OFFLINE" not in os.environ                      # nothing written to the environment
    assert launch_options(parse_options(["--host", "0.0.0.0", "--mcp"])) == {"server_name": "0.0.0.0",
                                                                               "mcp_server": True}


def test_no_option_leaves_the_environment_in_charge(clean_overrides, monkeypatch):
    monkeypatch.setenv("VLMTOK_NARRATOR", "offline")
    assert launch_options(parse_options([])) == {} and settings.narrator() == "offline"


def test_an_unknown_narrator_is_refused_and_every_registered_one_offered():
    from vlmtok.app.options import NARRATORS
    from vlmtok.narrate import list_narrators

    assert list(NARRATORS) == list_narrators()
    with pytest.raises(SystemExit):
        parse_options(["--narrator", "gpt"])


# ----------------------------------------------------------------------------------------------------------------
# Expected time: measured once, remembered


class _Timed:
    """A narrator with a model, as the store sees it."""

    name, model_id, server = "smolvlm", "HuggingFaceTB/SmolVLM-256M-Instruct", None

    def detail(self, request):
        return "low" if request.detail == "auto" else request.detail


def _narration(ms: float, **kw) -> Narration:
    return Narration(text="A wave.", language="en", tier="short", narrator=kw.pop("narrator", "smolvlm"),
                     narrator_label="AI description", model_id=_Timed.model_id, weights_source="local-cache",
                     timings={"total_ms": ms, **kw})


def test_the_first_narration_is_timed_and_the_next_one_announced(tmp_path, monkeypatch):
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path))
    narrator, request = _Timed(), NarrationRequest(tier="short")
    first = "First low-detail description on this hardware: it is being timed now."
    assert eta.sentence(narrator, request, "en") == first
    eta.record(narrator, request, _narration(24_000))
    assert eta.expected(narrator, request) == {"seconds": 24.0, "measured": 1, "detail": "low"}
    vi = "Thời gian dự kiến trên máy này: khoảng 24 giây (độ chi tiết thấp, đã đo)."
    assert eta.sentence(narrator, request, "vi") == vi
    eta.record(narrator, request, _narration(14_000))                   # a running average follows the machine
    assert eta.expected(narrator, request)["seconds"] == 21.0
    other = NarrationRequest(tier="short", detail="high")
    assert eta.expected(narrator, other)["measured"] == 0               # each detail is timed on its own


def test_cache_hits_stand_ins_and_model_less_narrators_are_not_timed(tmp_path, monkeypatch):
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path))
    narrator, request = _Timed(), NarrationRequest()
    eta.record(narrator, request, _narration(5, cached=1.0))             # read back from the narration cache
    eta.record(narrator, request, _narration(50, narrator="offline"))    # the offline narrator stood in
    assert eta.expected(narrator, request)["measured"] == 0
    from vlmtok.narrate.offline import OfflineNarrator

    assert eta.expected(OfflineNarrator(), request) is None and eta.sentence(OfflineNarrator(), request) == ""


def test_a_remembered_time_survives_a_restart(tmp_path):
    code = ("from vlmtok.narrate import eta; from vlmtok.narrate import NarrationRequest, Narration\n"
            "class N: name, model_id, server = 'openai', 'smol', 'gpu-box:8000'\n"
            "r = NarrationRequest()\n"
            "import sys\n"
            "if sys.argv[1] == 'w': eta.record(N(), r, Narration('x', 'en', 'short', 'openai', 'l', 'smol', "
            "'served', timings={'total_ms': 3000.0}))\n"
            "else: print(eta.expected(N(), r))\n")
    env = {**os.environ, "VLMTOK_CACHE": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code, "w"], cwd=ROOT, env=env, check=True, timeout=60)
    out = subprocess.run([sys.executable, "-c", code, "r"], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=60)
    assert "'seconds': 3.0, 'measured': 1, 'detail': 'auto'" in out.stdout


# ----------------------------------------------------------------------------------------------------------------
# The served narrator from the command line and from the app


def test_describe_command_asks_a_served_model(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1", "VLMTOK_CACHE": str(tmp_path)}
    with ChatServer() as server:
        out = subprocess.run([sys.executable, "-m", "vlmtok", "describe", str(EXAMPLE), "--base-url",
                              server.base_url, "--model", "smol-on-gpu"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith("Narrator: openai")
    assert "A great wave curls over three small boats." in out.stdout
    assert server.requests[0]["model"] == "smol-on-gpu"


@pytest.mark.slow
def test_the_app_narrates_through_a_served_model_and_stands_in_when_it_is_gone(tmp_path):
    from gradio_client import Client, handle_file

    from vlmtok.bench.app import running_app

    env = {"VLMTOK_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1",
           "VLMTOK_OPENAI_TIMEOUT_S": "2"}
    server = ChatServer()
    args = ["--narrator", "openai", "--base-url", server.base_url]
    with server, running_app(env, tmp_path / "app.log", args=args) as (url, _s, _p):
        client = Client(url, verbose=False)
        served = client.predict(handle_file(str(EXAMPLE)), speak=False, api_name="/describe")
        server.close()                                                   # the GPU box goes away
        fallback = client.predict(handle_file(str(EXAMPLE)), tier="alt", speak=False, api_name="/describe")
    n = served["narration"]
    assert (n["narrator"], n["weights_source"], n["server"]) == ("openai", "served", server_name(server.base_url))
    assert n["detail"] == "normal" and n["label"] == "AI description, SmolVLM-256M, served"   # short: it is spoken
    assert served["text"] == "A great wave curls over three small boats. Mount Fuji stands far behind."
    assert fallback["narration"]["narrator"] == "offline"
    assert "could not be reached" in fallback["narration"]["notice"]


def test_the_tour_says_how_long_before_it_starts(tmp_path, monkeypatch):
    """The page's status line: "being timed" the first time, the measured time the next (a new picture)."""
    from PIL import Image

    from vlmtok.app import callbacks as ui
    from vlmtok.narrate.backend import BaseNarrator

    class Slow(BaseNarrator):
        name, model_id = "smolvlm", "HuggingFaceTB/SmolVLM-256M-Instruct"

        def detail(self, request):
            return "low"

        def write(self, image, request, cancel=None):
            yield "A wave."
            yield Narration(text="A wave.", language="en", tier=request.tier, narrator=self.name,
                            narrator_label="AI description", model_id=self.model_id, weights_source="local-cache",
                            timings={"total_ms": 31_000.0})

    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path))
    monkeypatch.setattr(ui, "_narrator", lambda lang, progress: Slow())
    for i, expected in enumerate(["it is being timed now", "about 31 s (low detail, measured)"]):
        path = tmp_path / f"picture-{i}.png"
        Image.new("RGB", (64, 48), (40 * i, 90, 160)).save(path)
        statuses = [r.status for r in ui.describe_stream(str(path), "en", "short")]
        assert expected in statuses[0] and "Description ready" in statuses[-1], statuses
