"""The app driven through its API (gradio_client), started as a real ``python app.py`` on 127.0.0.1."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client, handle_file  # noqa: E402


ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "great_wave_off_kanagawa.jpg"
LEAKS = re.compile(r"Traceback|File \"|/tmp/|/work/|/home/|\.py\b|Error\b|Exception")


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def test_every_event_has_an_api_name(client):
    names = set(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert {"/describe", "/tour", "/speak", "/ask", "/compare", "/similarity", "/pipeline"} <= names


def test_describe_returns_text_then_audio(client):
    text, audio, caption, status = client.predict(handle_file(str(EXAMPLE)), "en", "short", api_name="/describe")
    assert text.startswith("Offline description"), text      # the narrator is stated first
    assert len(text.split()) >= 10
    data = Path(audio).read_bytes()
    assert data[:4] == b"RIFF" and len(data) > 10_000          # espeak-ng speaks WAV here
    assert 'class="vt-s"' in caption and "data-start" in caption   # sentence spans for the highlight
    assert "Audio ready" in status


def test_describe_in_vietnamese(client):
    text, audio, _caption, status = client.predict(handle_file(str(EXAMPLE)), "vi", "alt", api_name="/describe")
    assert text.startswith("Mô tả ngoại tuyến"), text
    assert audio and Path(audio).stat().st_size > 1000
    assert "Giọng đọc đã sẵn sàng" in status


def test_broken_upload_gets_a_plain_message(client, tmp_path):
    bad = tmp_path / "artwork.png"
    bad.write_bytes(os.urandom(4096))
    for lang in ("en", "vi"):
        text, audio, caption, status = client.predict(handle_file(str(bad)), lang, "short", api_name="/describe")
        assert audio is None
        assert text and not LEAKS.search(text), text
        assert text in status and not LEAKS.search(caption)
    assert text != client.predict(handle_file(str(bad)), "en", "short", api_name="/describe")[0]  # vi differs


def test_tour_streams_and_escapes_markup(client):
    job = client.submit(handle_file(str(EXAMPLE)), "en", "short", "adult", "<b>Label</b>", api_name="/tour")
    updates = list(job)
    thread, status, text = job.result()           # the session state stays on the server
    assert any("Describing" in u[1] for u in updates) and len(updates) >= 2
    assert "Description ready" in status and 'class="vt-byline"' in thread and "Offline description" in thread
    assert text and not text.startswith("Offline description")   # the edit box holds the words, not the byline
    assert "<b>" not in thread and "&lt;b&gt;" in thread and 'aria-busy="false"' in thread
    assert "gradio_api/file=" in thread                          # its audio, ready to play


def test_follow_up_question(client):
    thread, status, text, box = client.predict(handle_file(str(EXAMPLE)), "what colour is the sky?", "en", "adult",
                                               "", api_name="/ask")
    assert text.strip() and "Answer ready" in status and "what colour is the sky?" in thread
    assert box == ""                                             # answered: the question box is ready for the next


def test_compare_returns_pictures(client):
    pictures, ledger, status, artwork = client.predict(handle_file(str(EXAMPLE)), ["mobilenetv2_100"], ["224"],
                                                       "en", api_name="/compare")
    assert len(pictures) >= 2
    for item in pictures:
        path = Path(item["image"] if isinstance(item["image"], str) else item["image"]["path"])
        assert path.stat().st_size > 1000
    assert "|" in ledger and "49" in ledger          # 7 x 7 cells of a stride-32 CNN at 224 px
    assert artwork and Path(artwork).is_file()


@pytest.mark.slow
def test_pipeline_shows_real_shapes(client):
    steps = client.predict(handle_file(str(EXAMPLE)), "vit_small_patch14_dinov2", "224", "en", api_name="/pipeline")
    assert "16 x 16 = **256**" in steps and "[1, 3, 224, 224]" in steps
    assert "[258, 576]" in steps                      # <IMG_TOKEN> + 256 + <IMG_END> in d_llm = 576
    assert "1024 patches" in steps and "64 tokens" in steps
