"""Start-up checks and a full queue, against a running ``python app.py`` on 127.0.0.1: a bad size setting warns and
the page is served with the default; a broken tour pack is said without a path, in each language; a full queue is
said on Compare, How it works and the pack photo in the visitor's language. (``VLMTOK_QUEUE_SIZE=0`` refusing to
start is in ``tests/test_settings.py``.)"""
from __future__ import annotations

import io
import re
import time

import httpx
import pytest
from helpers import ChatServer
from PIL import Image

from vlmtok import settings
from vlmtok.bench.app import running_app
from vlmtok.bench.loadtest import RawGradio, describe_data

TECHNICAL = re.compile(r"/|\\\\|Expecting|JSON|line \d+ column|Traceback|Error\b|manifest\.json")


def _component(config: dict, elem_id: str) -> dict:
    return next(c for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id)


def _call(url: str, fn_index: int, data: list) -> list:
    """One event that skips the queue (``queue=False``), as the page calls it: its outputs."""
    resp = httpx.post(f"{url}gradio_api/run/predict", timeout=30,
                      json={"data": data, "fn_index": fn_index, "session_hash": "t0", "event_data": None,
                            "trigger_id": None})
    resp.raise_for_status()
    return resp.json()["data"]


@pytest.fixture(scope="module")
def odd_app(tmp_path_factory):
    """One app started with ``VLMTOK_MAX_FILE_SIZE=lots`` and ``--pack`` a folder whose manifest is not JSON."""
    root = tmp_path_factory.mktemp("odd-app")
    (root / "pack").mkdir()
    (root / "pack" / "manifest.json").write_text("{ not json", encoding="utf-8")
    env = {"VLMTOK_CACHE": str(root / "cache"), "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1",
           "VLMTOK_MAX_FILE_SIZE": "lots"}
    with running_app(env, root / "app.log", ["--pack", str(root / "pack")]) as (url, _startup_s, _proc):
        yield url, root / "app.log", httpx.get(f"{url}config", timeout=30).json()


def test_a_size_that_is_not_a_size_warns_and_the_page_is_served_with_the_default(odd_app):
    url, log, config = odd_app
    page = httpx.get(url, timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower()
    from gradio.utils import _parse_file_size

    assert config["max_file_size"] == _parse_file_size(settings.setting("VLMTOK_MAX_FILE_SIZE").default) > 0
    said = [line for line in log.read_text(errors="replace").splitlines() if "VLMTOK_MAX_FILE_SIZE" in line]
    assert len(said) == 1 and "'lots'" in said[0] and "default" in said[0], said


def test_a_broken_pack_is_said_without_a_path_in_each_language(odd_app):
    url, log, config = odd_app
    intro = _component(config, "vt-pack-intro")
    shown = {"en": intro["props"]["value"]}
    relabel = next(d for d in config["dependencies"] if intro["id"] in d["outputs"] and d["queue"] is False)
    shown["vi"] = _call(url, relabel["id"], ["vi"])[relabel["outputs"].index(intro["id"])]["value"]
    for lang, word in (("en", "damaged"), ("vi", "bị hỏng")):
        assert word in shown[lang] and not TECHNICAL.search(shown[lang]), shown
    assert "Expecting" in log.read_text(errors="replace")               # the detail is for the log only


def _room_step(config: dict, api_name: str) -> int:
    """The queue check that runs before the tab's model step named ``api_name`` (``compare_1``: the API has its own
    ``compare``), back along its ``.success()`` chain."""
    deps = {d["id"]: d for d in config["dependencies"]}
    cursor = next(d for d in deps.values()
                  if (d.get("api_name") or "").startswith(api_name) and d.get("trigger_after") is not None)
    cursor = deps[deps[cursor["trigger_after"]]["trigger_after"]]       # model step <- gate <- room
    return cursor["id"]


def test_a_full_queue_is_said_on_compare_and_how_it_works_in_the_visitors_language(tmp_path):
    """One slot, a queue of one: a slow description holds the slot, a second waits; Compare, How it works and the
    pack photo then answer the busy sentence in English and in Vietnamese instead of joining the queue."""
    picture = io.BytesIO()
    Image.new("RGB", (96, 64), (0, 128, 128)).save(picture, format="PNG")
    env = {"VLMTOK_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1",
           "VLMTOK_QUEUE_SIZE": "1", "VLMTOK_CONCURRENCY": "1"}
    with ChatServer(word_delay_s=3.0) as model, running_app(
            env, tmp_path / "app.log", ["--narrator", "openai", "--base-url", model.base_url]) as (url, _s, _p), \
            RawGradio(url) as raw:
        data = describe_data(raw.file_data(picture.getvalue(), "teal.png"), speak=False)
        for _ in range(2):
            resp, _session = raw.join("describe", data)
            assert resp.status_code == 200, resp.text
        for api_name in ("compare", "pipeline", "matched"):     # Compare, How it works, the pack photo
            step = _room_step(raw.config, api_name)
            for lang, words in (("en", "busy right now"), ("vi", "bận")):
                deadline, status = time.monotonic() + 30, ""
                while words not in status and time.monotonic() < deadline:    # the second description is waiting
                    status = str(_call(url, step, [lang])[0])
                    time.sleep(0.1)
                assert words in status and f'lang="{lang}"' in status, (api_name, lang, status)
