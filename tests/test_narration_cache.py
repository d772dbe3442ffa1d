"""Narrations are written once per artwork and request, then reused; what must not be cached is not."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from vlmtok.cache import DiskCache
from vlmtok.narrate.base import Narration, NarrationRequest
from vlmtok.narrate.cache import cached_stream


class _Counting:
    name = "smolvlm"
    model_id = "tiny/test"

    def __init__(self, weights_source: str = "hub"):
        self.calls = 0
        self.weights_source = weights_source

    def stream(self, image, request):
        self.calls += 1
        text = f"A picture described for {request.tier} ({self.calls})."
        yield "A picture "
        yield text[len("A picture "):]
        yield Narration(text=text, language=request.lang, tier=request.tier, narrator=self.name,
                        narrator_label="AI description", model_id=self.model_id,
                        weights_source=self.weights_source, timings={"total_ms": 1234.0})


@pytest.fixture
def cache(tmp_path) -> DiskCache:
    return DiskCache("narrations", root=tmp_path / "narrations")


@pytest.fixture
def picture() -> Image.Image:
    return Image.fromarray(np.random.default_rng(3).integers(0, 255, (64, 80, 3), dtype=np.uint8))


def _final(parts) -> Narration:
    parts = list(parts)
    assert isinstance(parts[-1], Narration) and "".join(p for p in parts if isinstance(p, str)) == parts[-1].text
    return parts[-1]


def test_the_same_artwork_and_request_is_written_once(cache, picture):
    narrator = _Counting()
    first = _final(cached_stream(narrator, picture, NarrationRequest(), cache))
    again = _final(cached_stream(narrator, picture.copy(), NarrationRequest(), cache))  # same pixels, new object
    assert narrator.calls == 1
    assert again.text == first.text and again.model_id == "tiny/test" and again.timings["cached"] == 1.0


def test_a_different_picture_or_choice_is_a_new_narration(cache, picture):
    narrator = _Counting()
    _final(cached_stream(narrator, picture, NarrationRequest(), cache))
    _final(cached_stream(narrator, picture, NarrationRequest(tier="long"), cache))
    _final(cached_stream(narrator, picture, NarrationRequest(label_text="Mona Lisa"), cache))
    _final(cached_stream(narrator, picture.rotate(90, expand=True), NarrationRequest(), cache))
    assert narrator.calls == 4


def test_questions_and_random_weights_are_never_cached(cache, picture):
    narrator = _Counting()
    for _ in range(2):
        _final(cached_stream(narrator, picture, NarrationRequest(question="What is she holding?"), cache))
    assert narrator.calls == 2
    random = _Counting(weights_source="random")
    for _ in range(2):
        _final(cached_stream(random, picture, NarrationRequest(), cache))
    assert random.calls == 2


def test_a_stream_left_early_is_not_cached(cache, picture):
    narrator = _Counting()
    stream = cached_stream(narrator, picture, NarrationRequest(), cache)
    next(stream)
    stream.close()  # the visitor left before the end
    _final(cached_stream(narrator, picture, NarrationRequest(), cache))
    assert narrator.calls == 2


def test_an_unusable_cache_folder_still_narrates(tmp_path, picture):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    broken = DiskCache("narrations", root=blocker / "narrations")
    narrator = _Counting()
    assert _final(cached_stream(narrator, picture, NarrationRequest(), broken)).text
    assert _final(cached_stream(narrator, picture, NarrationRequest(), broken)).text
    assert narrator.calls == 2


def test_two_servers_never_share_a_narration(cache, picture):
    """One model name on two OpenAI-compatible servers: the second is asked, and its own text comes back."""
    from helpers import ChatServer

    from vlmtok.narrate.openai import OpenAINarrator

    with ChatServer(words=["A first server's words."]) as one, ChatServer(words=["A second server's words."]) as two:
        first = _final(cached_stream(OpenAINarrator(one.base_url, "same/model", timeout_s=5), picture,
                                     NarrationRequest(), cache))
        second = _final(cached_stream(OpenAINarrator(two.base_url, "same/model", timeout_s=5), picture,
                                      NarrationRequest(), cache))
    assert (first.text, second.text) == ("A first server's words.", "A second server's words.")
    assert len(one.requests) == 1 and len(two.requests) == 1 and not second.timings.get("cached")


@pytest.mark.parametrize("change", ["revision", "int8", "detail", "audience", "lang"])
def test_everything_that_changes_the_words_is_in_the_key(change, picture, monkeypatch):
    from vlmtok.narrate import smolvlm
    from vlmtok.narrate.cache import narration_key

    narrator = smolvlm.SmolVLMNarrator("HuggingFaceTB/SmolVLM-256M-Instruct", detail="low")
    request = NarrationRequest()
    before = narration_key(narrator, picture, request)
    if change == "revision":
        monkeypatch.setattr(smolvlm, "checkpoint_revision", lambda _id: "a-newer-commit")
    elif change == "int8":
        monkeypatch.setenv("VLMTOK_INT8", "1")
    else:
        request = NarrationRequest(**{change: {"detail": "high", "audience": "child", "lang": "vi"}[change]})
    assert narration_key(narrator, picture, request) != before
