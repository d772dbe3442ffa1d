"""The served narrator (vlmtok.narrate.openai) against a stand-in chat-completions server on 127.0.0.1."""
from __future__ import annotations

import base64
import io
import time

import pytest
from helpers import ChatServer, closed_port_url
from PIL import Image

from vlmtok.narrate import NarrationRequest, get_narrator, prompts
from vlmtok.narrate.base import Narration
from vlmtok.narrate.openai import OpenAINarrator, available

MODEL = "HuggingFaceTB/SmolVLM-256M-Instruct"


@pytest.fixture(scope="module")
def picture():
    """A 1200 x 800 picture: sky blue above, sea green below (big enough to be shrunk for each detail)."""
    img = Image.new("RGB", (1200, 800), (70, 130, 200))
    img.paste((20, 110, 90), (0, 400, 1200, 800))
    return img


def _run(narrator, picture, request):
    parts = list(narrator.stream(picture, request))
    assert isinstance(parts[-1], Narration)
    return [p for p in parts if isinstance(p, str)], parts[-1]


def _sent_image(body) -> Image.Image:
    url = body["messages"][0]["content"][0]["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,")
    return Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))


def test_streams_the_answer_with_the_prompt_and_the_picture(picture):
    request = NarrationRequest(lang="en", tier="short", audience="child", label_text="The Great Wave, Hokusai")
    with ChatServer() as server:
        narrator = OpenAINarrator(server.base_url, MODEL, api_key="museum-key", timeout_s=5)
        chunks, narration = _run(narrator, picture, request)
    body = server.requests[0]
    assert body["stream"] is True and body["model"] == MODEL
    assert body["max_tokens"] == prompts.max_new_tokens("short")
    user = body["messages"][0]
    assert user["role"] == "user" and [c["type"] for c in user["content"]] == ["image_url", "text"]
    assert user["content"][1]["text"] == prompts.prompt_for(request)        # tier, audience and the label rule
    assert "The Great Wave, Hokusai" in user["content"][1]["text"]
    assert _sent_image(body).size == (1024, 683)                            # "auto" is normal detail: 1024 px
    assert server.headers[0]["Authorization"] == "Bearer museum-key"
    assert chunks == ChatServer.WORDS                                        # streamed as the server wrote them
    assert narration.text == "".join(ChatServer.WORDS).strip()
    assert (narration.narrator, narration.model_id, narration.weights_source) == ("openai", MODEL, "served")
    server_name = server.base_url.split("//")[1].removesuffix("/v1")
    assert narration.narrator_label == "AI description, SmolVLM-256M, served"   # spoken first: short, no address
    assert server_name not in narration.narrator_label and narrator.server == server_name   # the address: provenance
    assert narration.timings["new_tokens"] == len(ChatServer.WORDS) and narration.timings["prompt_tokens"] == 120
    assert narration.timings["first_token_ms"] > 0 and narration.timings["image_px"] == 1024


@pytest.mark.parametrize("detail, edge", [("low", 512), ("high", 1200)])    # never enlarged past the picture
def test_detail_sets_the_pixels_sent(picture, detail, edge):
    with ChatServer() as server:
        _run(OpenAINarrator(server.base_url, MODEL, timeout_s=5), picture, NarrationRequest(detail=detail))
    assert max(_sent_image(server.requests[0]).size) == edge


def test_a_server_that_ignores_stream_true_still_narrates(picture):
    with ChatServer("whole") as server:
        chunks, narration = _run(OpenAINarrator(server.base_url, MODEL, timeout_s=5), picture, NarrationRequest())
    assert narration.narrator == "openai" and narration.text.startswith("A great wave") and chunks


def test_alt_text_is_cut_to_whole_sentences_within_the_tier(picture):
    words = ["One short sentence here. "] + ["word "] * 40 + ["end."]
    with ChatServer(words=words) as server:
        _, narration = _run(OpenAINarrator(server.base_url, MODEL, timeout_s=5), picture, NarrationRequest(tier="alt"))
    assert narration.text == "One short sentence here."


def test_vietnamese_goes_through_the_translation_stage(picture):
    with ChatServer() as server:
        _, narration = _run(OpenAINarrator(server.base_url, MODEL, timeout_s=5), picture, NarrationRequest(lang="vi"))
    assert "Write in English" in server.requests[0]["messages"][0]["content"][1]["text"]
    # no translation model offline: English kept and said so, in Vietnamese; the byline is Vietnamese already
    assert narration.language == "en" and not narration.machine_translated and narration.notice
    assert narration.notice != "" and "tiếng Anh" in narration.notice
    assert narration.narrator_label == "Mô tả do AI viết, SmolVLM-256M, qua máy chủ"


def test_a_question_continues_the_visitors_conversation(picture):
    with ChatServer() as server:
        narrator = OpenAINarrator(server.base_url, MODEL, timeout_s=5)
        _run(narrator, picture, NarrationRequest(conversation="tablet-1"))
        _run(narrator, picture, NarrationRequest(question="What colour is the sky?", conversation="tablet-1"))
        _run(narrator, picture, NarrationRequest(question="What colour is the sky?", conversation="tablet-2"))
    follow_up, stranger = server.requests[1]["messages"], server.requests[2]["messages"]
    assert [m["role"] for m in follow_up] == ["user", "assistant", "user"]
    assert follow_up[1]["content"] == "".join(ChatServer.WORDS).strip()
    assert [c["type"] for c in follow_up[2]["content"]] == ["text"]           # the picture rides on the first turn
    assert "What colour is the sky?" in follow_up[2]["content"][0]["text"]
    assert [m["role"] for m in stranger] == ["user"]                          # another tablet: no shared turns
    assert stranger[0]["content"][0]["type"] == "image_url"


def test_one_refusal_is_tried_again(picture):
    with ChatServer([503]) as server:
        _, narration = _run(OpenAINarrator(server.base_url, MODEL, timeout_s=5), picture, NarrationRequest())
    assert narration.narrator == "openai" and narration.timings["attempts"] == 2 and len(server.requests) == 2


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_server_that_refuses_pictures_says_so_in_its_own_words(lang, picture):
    with ChatServer("no_pictures") as server:
        narrator = OpenAINarrator(server.base_url, MODEL, timeout_s=5)
        _, narration = _run(narrator, picture, NarrationRequest(lang=lang))
    assert len(server.requests) == 1                                          # a refusal is not tried again
    assert narration.narrator == "offline"
    assert ChatServer.NOT_MULTIMODAL in narration.notice and narrator.server in narration.notice
    assert "could not be reached" not in narration.notice and "Không kết nối" not in narration.notice


FAULTS = {  # mode, delay, the notice's words
    "down": (None, 0, "could not be reached"),
    "refuses": ([500, 500, 500], 0, "could not be reached"),
    "slow": ("slow", 2.0, "did not answer in time"),
    "stalls": ("stall", 2.0, "did not answer in time"),
    "web page": ("html", 0, "could not be read"),
    "error event": ("error_event", 0, "could not be reached"),
    "no text": ("empty", 0, "could not be read"),
    "cut off": ("cut", 0, "could not be reached"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_failing_server_hands_over_to_the_offline_narrator_in_time(fault, lang, picture):
    mode, delay, words = FAULTS[fault]
    server = ChatServer(mode, delay_s=delay) if mode is not None else None
    timeout = 0.5
    narrator = OpenAINarrator(server.base_url if server else closed_port_url(), MODEL, timeout_s=timeout)
    t0 = time.monotonic()
    try:
        _, narration = _run(narrator, picture, NarrationRequest(lang=lang))
    finally:
        if server:
            server.close()
    elapsed = time.monotonic() - t0
    assert elapsed < timeout + 1.0, f"{fault}: {elapsed:.1f} s"            # never a hang past the timeout
    assert narration.narrator == "offline" and narration.language == lang
    assert narration.text.startswith("Offline description" if lang == "en" else "Mô tả ngoại tuyến")
    if lang == "en":
        assert words in narration.notice and narrator.server in narration.notice
    else:
        assert narrator.server in narration.notice and "ngoại tuyến" in narration.notice


def test_a_fallback_is_never_cached_as_the_servers_answer(picture, tmp_path):
    from vlmtok.cache import DiskCache
    from vlmtok.narrate.cache import cached_stream

    cache = DiskCache("narrations", root=tmp_path)
    narrator = OpenAINarrator(closed_port_url(), MODEL, timeout_s=1)
    final = list(cached_stream(narrator, picture, NarrationRequest(), cache=cache))[-1]
    assert final.narrator == "offline" and cache.total_bytes() == 0
    with ChatServer() as server:
        narrator = OpenAINarrator(server.base_url, MODEL, timeout_s=5)
        assert list(cached_stream(narrator, picture, NarrationRequest(), cache=cache))[-1].narrator == "openai"
        hit = list(cached_stream(narrator, picture, NarrationRequest(), cache=cache))[-1]
    assert hit.narrator == "openai" and hit.timings.get("cached") == 1.0 and len(server.requests) == 1


def test_auto_prefers_a_server_that_answers_and_is_silent_without_one(monkeypatch):
    monkeypatch.delenv("VLMTOK_OPENAI_BASE_URL", raising=False)
    assert available() == (False, "")
    narrator, reason = get_narrator("auto")
    assert narrator.name != "openai" and "served" not in reason          # not set up here: no word about it
    monkeypatch.setenv("VLMTOK_OPENAI_BASE_URL", closed_port_url())
    ok, why = available()
    assert not ok and "did not answer" in why
    with ChatServer() as server:
        monkeypatch.setenv("VLMTOK_OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("VLMTOK_OPENAI_MODEL", "smolvlm-on-the-gpu-box")
        narrator, reason = get_narrator("auto")
        assert narrator.name == "openai" and narrator.model_id == "smolvlm-on-the-gpu-box"
        assert narrator.base_url == server.base_url and "served at" in reason
