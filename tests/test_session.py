"""One narration, every door: the same request gives the same text, provenance and cache behaviour through the Tour,
/describe, /tour, vlmtok.describe, ``vlmtok describe --json`` and a pack build's narration; a wrong choice is refused
with the same words everywhere; the picture is hashed once per description."""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from helpers import ChatServer

import vlmtok
from vlmtok import cache as cache_module
from vlmtok import session
from vlmtok.app import api
from vlmtok.app import callbacks as ui
from vlmtok.cli import main as cli_main
from vlmtok.narrate.openai import OpenAINarrator

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples" / "great_wave_off_kanagawa.jpg")
MODEL = "HuggingFaceTB/SmolVLM-256M-Instruct"
FIELDS = ("narrator", "label", "model_id", "weights_source", "server", "language", "machine_translated")


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("VLMTOK_OFFLINE", "1")


def _tour(narrator):
    final = [r for r in ui.describe_stream(EXAMPLE, "en", "alt") if r.session][-1]
    n = final.session
    return final.text, {"narrator": n["narrator"], "label": n["label"]}, None


def _api_describe(narrator):
    d = api.describe(EXAMPLE, "en", "alt", speak=False)
    return d["text"], d["narration"], d["narration"]["cached"]


def _api_tour(narrator):
    last = list(api.tour(EXAMPLE, "en", "alt"))[-1]
    assert last["done"]
    return last["text"], last["narration"], last["narration"]["cached"]


def _library(narrator):
    n = vlmtok.describe(EXAMPLE, tier="alt", narrator="openai", base_url=narrator.base_url, model_id=MODEL)
    return n.text, {"narrator": n.narrator, "label": n.narrator_label, "model_id": n.model_id}, \
        bool(n.timings.get("cached"))


def _cli(narrator):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = cli_main(["describe", EXAMPLE, "--tier", "alt", "--base-url", narrator.base_url, "--model", MODEL,
                       "--json"])
    assert rc == 0
    d = json.loads(out.getvalue())
    return d["text"], d["narration"], d["narration"]["cached"]


def _pack(narrator):
    from vlmtok.pack import work

    task = work.NarrationTask(lang="en", tier="alt", audience="adult", key="k")
    picture = work.load_picture(Path(EXAMPLE).read_bytes())
    record = work.narration_work(picture, None, task, narrator, detail="auto", voice="espeak", rate=1.0).record
    return record["text"], {"narrator": record["narrator"], "label": record["narrator_label"],
                            "model_id": record["model"]}, None


DOORS = {"tour": _tour, "describe": _api_describe, "api-tour": _api_tour, "library": _library, "cli": _cli,
         "pack": _pack}


def test_every_door_gives_the_same_narration_and_the_cache_answers_the_second_call(monkeypatch):
    with ChatServer(words=["A great wave curls ", "over three boats. ", "Mount Fuji stands behind."]) as server:
        narrator = OpenAINarrator(server.base_url, MODEL, timeout_s=5)
        monkeypatch.setattr(api, "narrator", lambda: (narrator, "chosen by the test"))
        monkeypatch.setattr(ui, "_narrator", lambda lang, progress: narrator)
        reference = api.describe(EXAMPLE, "en", "alt", speak=False)
        assert reference["narration"]["cached"] is False and len(server.requests) == 1
        for name, door in DOORS.items():
            text, provenance, cached = door(narrator)
            assert text == reference["text"] == "A great wave curls over three boats. Mount Fuji stands behind.", name
            for key, value in provenance.items():
                if key in FIELDS:
                    assert value == reference["narration"][key], (name, key)
            assert cached in (True, None), name        # the Tour and pack records do not show it: the server does
        assert len(server.requests) == 1               # written once, read back through every door
    assert reference["narration"]["server"] == server.base_url.split("//")[1].removesuffix("/v1")
    assert reference["narration"]["label"] == "AI description, SmolVLM-256M, served"


@pytest.mark.parametrize("call", [
    lambda: api.describe(EXAMPLE, tier="medium", speak=False),
    lambda: next(api.tour(EXAMPLE, tier="medium")),
    lambda: vlmtok.describe(EXAMPLE, tier="medium"),
    lambda: session.request(tier="medium"),
])
def test_a_wrong_choice_is_refused_with_the_same_words_through_every_door(call):
    with pytest.raises(Exception) as err:           # noqa: PT011 - each door raises its own kind, with one message
        call()
    message = getattr(err.value, "message", None) or err.value.user_message_for("en")
    assert message == "tier must be one of: alt, short, long."


def test_the_tour_refuses_a_wrong_choice_in_plain_words_instead_of_replacing_it():
    final = list(ui.describe_stream(EXAMPLE, "vi", tier="medium"))[-1]
    assert not final.ok and final.text == "tier phải là một trong: alt, short, long."


def test_the_cli_refuses_a_rate_out_of_range(capsys):
    with pytest.raises(SystemExit) as stop:
        cli_main(["describe", EXAMPLE, "--rate", "2"])
    assert stop.value.code == 2 and "rate must be between 0.75 and 1.5." in capsys.readouterr().err


def test_one_description_hashes_its_picture_once(monkeypatch):
    """The narration cache, the expected time and the narrator all ask for the picture's hash: it is computed once."""
    hashed = []
    real = cache_module.hashlib.sha256

    def counting(data=b"", *args, **kwargs):
        if isinstance(data, bytes) and data.startswith(b"RGB:"):
            hashed.append(data)
        return real(data, *args, **kwargs)

    with ChatServer() as server:
        narrator = OpenAINarrator(server.base_url, MODEL, timeout_s=5)
        monkeypatch.setattr(cache_module.hashlib, "sha256", counting)
        done = session.Session(session.Picture.load(EXAMPLE), session.request(tier="alt"), narrator).run()
    assert done.narration.narrator == "openai" and len(hashed) == 1


def test_a_picture_object_goes_through_the_safe_intake_too():
    """vlmtok.describe normalises a PIL picture as it does a file: an RGBA picture is described, as RGB."""
    from PIL import Image

    rgba = Image.new("RGBA", (320, 200), (40, 90, 160, 128))
    picture = session.Picture.load(rgba)
    assert picture.image.mode == "RGB" and picture.image is not rgba
    assert vlmtok.describe(rgba, narrator="offline").text.startswith("Offline description")
