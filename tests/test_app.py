"""The app's public API driven with gradio_client, against a real ``python app.py`` on 127.0.0.1."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client, handle_file  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "great_wave_off_kanagawa.jpg"
LEAKS = re.compile(r"Traceback|File \"|/tmp/|/work/|/home/|\.py\b|Error\b|Exception")
PUBLIC = {"/describe", "/tour", "/ask", "/speak", "/compare", "/similarity", "/pipeline", "/pack_match", "/about",
          "/open_room", "/close_room"}


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_the_api_lists_only_the_public_endpoints_with_named_parameters(client):
    info = client.view_api(return_format="dict", print_info=False)
    assert set(info["named_endpoints"]) == PUBLIC and not info["unnamed_endpoints"]   # no UI plumbing
    for name, endpoint in info["named_endpoints"].items():
        assert endpoint["description"], name
        for p in endpoint["parameters"]:
            assert re.fullmatch(r"[a-z_]+", p["parameter_name"] or ""), (name, p)
        (returns,) = endpoint["returns"]
        assert returns["type"]["type"] == "object" and returns["type"]["properties"], name    # named outputs
    describe = info["named_endpoints"]["/describe"]
    assert [p["parameter_name"] for p in describe["parameters"]] == [
        "image", "lang", "tier", "audience", "label_text", "rate", "detail", "speak", "room", "find_artwork"]
    assert {"narrator", "model_id", "weights_source", "detail", "tiles", "image_tokens", "machine_translated",
            "timings", "artwork"} <= set(describe["returns"][0]["type"]["properties"]["narration"]["properties"])


def test_ui_events_cannot_be_called(client):
    for hidden in ("/relabel", "/credit", "/speak_after_tour", "/encoders"):
        with pytest.raises(ValueError):
            client.predict("en", api_name=hidden)


def test_describe_returns_text_provenance_and_speech(client):
    result = client.predict(handle_file(str(EXAMPLE)), "en", "short", api_name="/describe")
    assert result["text"].startswith("Offline description") and len(result["text"].split()) >= 10
    n = result["narration"]
    assert (n["narrator"], n["model_id"], n["weights_source"], n["machine_translated"]) == (
        "offline", None, "none", False)
    assert n["label"] == "Offline description: colours and layout only" and n["timings"]["total_ms"] > 0
    speech = result["speech"]
    data = Path(speech["audio"]).read_bytes()
    assert data[:4] == b"RIFF" and len(data) > 10_000 and speech["engine"] == "espeak"   # espeak-ng speaks WAV
    assert len(speech["sentences"]) == len(speech["starts"]) >= 3 and speech["starts"][0] == 0.0
    assert result["conversation"]


def test_describe_in_vietnamese_without_speech(client):
    result = client.predict(handle_file(str(EXAMPLE)), lang="vi", tier="alt", speak=False, api_name="/describe")
    assert result["text"].startswith("Mô tả ngoại tuyến") and result["language"] == "vi"
    assert result["speech"] is None


def test_a_broken_upload_raises_a_plain_error_and_caches_nothing(client, app_cache, tmp_path):
    bad = tmp_path / "artwork.png"
    bad.write_bytes(os.urandom(4096))
    before = _files(app_cache)
    messages = []
    for lang in ("en", "vi"):
        with pytest.raises(AppError) as err:
            client.predict(handle_file(str(bad)), lang, "short", api_name="/describe")
        messages.append(str(err.value))
        assert messages[-1] and not LEAKS.search(messages[-1]), messages[-1]
    assert messages[0] != messages[1]                              # in the caller's language
    assert _files(app_cache) - before == set()                     # no narration, speech or token cached


@pytest.mark.parametrize("args, words", [
    (dict(tier="poem"), "tier must be one of: alt, short, long"),
    (dict(lang="fr"), "lang must be one of: en, vi"),
])
def test_a_wrong_choice_raises_with_the_choices(client, args, words):
    with pytest.raises(AppError, match=words):
        client.predict(handle_file(str(EXAMPLE)), **args, api_name="/describe")


def test_tour_streams_the_expected_time_then_the_text(client):
    job = client.submit(handle_file(str(EXAMPLE)), "en", "short", "adult", "<b>Label</b>", api_name="/tour")
    updates = list(job)
    final = job.result()
    assert updates[0]["status"].startswith("Describing") and updates[0]["text"] == "" and len(updates) >= 3
    assert [u["done"] for u in updates].count(True) == 1 and final["done"]
    assert final["text"].startswith("Offline description") and final["narration"]["narrator"] == "offline"
    assert all(u["conversation"] == final["conversation"] for u in updates)


def test_a_follow_up_question_continues_the_conversation(client):
    described = client.predict(handle_file(str(EXAMPLE)), speak=False, api_name="/describe")
    answer = client.predict(handle_file(str(EXAMPLE)), "What colour is the sky?", "en", "adult", "",
                            described["conversation"], api_name="/ask")
    assert answer["text"].strip() and answer["conversation"] == described["conversation"]
    assert answer["narration"]["narrator"] == "offline" and answer["speech"] is None
    with pytest.raises(AppError, match="type a question"):
        client.predict(handle_file(str(EXAMPLE)), "  ", api_name="/ask")


def test_speak_works_from_a_fresh_client(app_url):
    speech = Client(app_url, verbose=False).predict("Bức tranh này vẽ một con sóng lớn.", "vi", 1.25,
                                                    api_name="/speak")
    assert Path(speech["audio"]).read_bytes()[:4] == b"RIFF" and speech["sentences"]
    with pytest.raises(AppError, match="no text"):
        Client(app_url, verbose=False).predict("", "en", api_name="/speak")


def test_compare_returns_pictures_and_the_ledger(client):
    result = client.predict(handle_file(str(EXAMPLE)), ["mobilenetv2_100"], [224], "en", api_name="/compare")
    (run,) = result["runs"]
    assert (run["encoder"], run["grid"], run["tokens"], run["weights_source"]) == (
        "mobilenetv2_100", [7, 7], 49, "offline-pack")                # 7 x 7 cells of a stride-32 CNN at 224 px
    assert [p["kind"] for p in run["pictures"]] == ["grid", "pca", "merge"]
    for picture in run["pictures"]:
        assert Path(picture["image"]).read_bytes()[:4] == b"\x89PNG"
    assert result["ledger"]["encoders"][0]["tokens"] == 49 and result["ledger"]["vlm"]
    with pytest.raises(AppError, match="Unknown encoder nope"):
        client.predict(handle_file(str(EXAMPLE)), ["nope"], [224], "en", api_name="/compare")


def test_similarity_from_a_fresh_client(app_url):
    c = Client(app_url, verbose=False)
    result = c.predict(handle_file(str(EXAMPLE)), ["mobilenetv2_100"], 100, 50, api_name="/similarity")
    assert result["point"] == [100.0, 50.0] and Path(result["maps"][0]["image"]).is_file()
    with pytest.raises(AppError, match="outside the picture"):
        c.predict(handle_file(str(EXAMPLE)), ["mobilenetv2_100"], 5000, 50, api_name="/similarity")


def test_about_says_which_narrator_and_hardware(client):
    about = client.predict(api_name="/about")
    assert about["narrator"] == "offline" and about["offline"] is True and about["hardware"].startswith("cpu:")
    assert "mobilenetv2_100" in about["encoders"] and about["languages"] == ["en", "vi"]
    assert set(about["expected_s"]) == {"low", "normal", "high"}


def test_pack_match_on_a_server_without_a_pack_says_so_plainly(client):
    """The app plays no tour pack here: /pack_match answers how to start it with one, in the caller's language."""
    from vlmtok.i18n import t

    for lang in ("en", "vi"):
        with pytest.raises(AppError) as err:
            client.predict(handle_file(str(EXAMPLE)), lang, api_name="/pack_match")
        assert str(err.value) == t("pack.none", lang), err.value          # the catalogue's sentence, nothing raw


@pytest.mark.slow
def test_pipeline_shows_real_shapes(client):
    result = client.predict(handle_file(str(EXAMPLE)), "vit_small_patch14_dinov2", 224, "en", api_name="/pipeline")
    steps = result["steps"]
    assert "16 × 16 = 256" in steps and "[1, 3, 224, 224]" in steps
    assert "[256, 384] → [256, 576]" in steps          # the projector to d_llm = 576
    assert steps.count("<img ") == 7
    assert result["encoder"]["grid"] == [16, 16] and result["encoder"]["tokens"] == 256
    assert [p["tokens"] for p in result["smolvlm"]][0] == 64
