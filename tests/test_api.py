"""vlmtok.app.api in process: provenance from a real SmolVLM narrator, and every caller mistake raised plainly."""
from __future__ import annotations

from pathlib import Path

import pytest
from helpers import tiny_smolvlm

from vlmtok.app import api

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples" / "great_wave_off_kanagawa.jpg")


def _use(monkeypatch, narrator) -> None:
    monkeypatch.setattr(api, "narrator", lambda: (narrator, "chosen by the test"))


def test_a_smolvlm_narration_says_where_it_came_from(monkeypatch, tmp_path):
    from vlmtok.narrate.smolvlm import SmolVLMNarrator

    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path))
    _use(monkeypatch, SmolVLMNarrator(loaded=tiny_smolvlm()))
    result = api.describe(EXAMPLE, "en", "alt", detail="low", speak=False)
    n = result["narration"]
    assert (n["narrator"], n["model_id"], n["weights_source"], n["detail"]) == ("smolvlm", "tiny-idefics3", "random",
                                                                               "low")
    assert n["image_tokens"] == 16 and n["tiles"] is None          # 64 px tile / 8 px patches / shuffle 2; unknown
    assert 0 < n["timings"]["new_tokens"] <= 64 and n["cached"] is False and result["speech"] is None
    assert not (tmp_path / "timings").exists() or not any((tmp_path / "timings").iterdir())  # random: not timed


@pytest.mark.parametrize("detail, tiles", [("low", 1), ("normal", 5), ("high", 13)])
def test_tiles_follow_the_real_tiling(detail, tiles):
    """A known checkpoint's image tokens give its tiles (the 665 x 450 Great Wave: global, 2 x 2, 3 x 4)."""
    from vlmtok.images import load_image
    from vlmtok.smolvlm import tile_plan

    plan = tile_plan(load_image(EXAMPLE).size, detail)
    from vlmtok.session import _tiles

    assert _tiles("HuggingFaceTB/SmolVLM-256M-Instruct", plan.tokens) == plan.tiles == tiles
    assert _tiles("HuggingFaceTB/SmolVLM-500M-Instruct", plan.tokens) == tiles
    assert _tiles("someone/other-vlm", plan.tokens) is None


@pytest.mark.parametrize("call, words", [
    (lambda: api.describe(None), "Please take a photo"),
    (lambda: api.describe(str(ROOT / "README.md"), "vi"), "tệp"),
    (lambda: api.describe(EXAMPLE, detail="max"), "detail must be one of: auto, low, normal, high"),
    (lambda: api.describe(EXAMPLE, tier="medium"), "tier must be one of: alt, short, long"),
    (lambda: api.describe(EXAMPLE, rate=2.0), "rate must be between 0.75 and 1.5"),      # refused, never clamped
    (lambda: api.describe(EXAMPLE, "vi", rate=0.5), "rate phải nằm trong khoảng 0.75 đến 1.5"),
    (lambda: api.describe(EXAMPLE, lang="fr"), "lang must be one of: en, vi"),
    (lambda: api.speak("Hello.", rate=0.5), "rate must be between 0.75 and 1.5"),
    (lambda: api.ask(EXAMPLE, ""), "type a question"),
    (lambda: api.speak("   "), "no text"),
    (lambda: api.speak("a" * 3001), "too long"),
    (lambda: api.compare(EXAMPLE, [], [224]), "between 1 and 4"),
    (lambda: api.compare(EXAMPLE, ["mobilenetv2_100"], [500]), "size must be one of: 224, 336, 448"),
    (lambda: api.similarity(EXAMPLE, ["mobilenetv2_100"], -1, 10), "outside the picture"),
    (lambda: api.pipeline(EXAMPLE, "resnet9000"), "Unknown encoder resnet9000"),
])
def test_a_callers_mistake_raises_a_plain_message(call, words):
    with pytest.raises(api.ApiError) as err:
        call()
    assert words.lower() in err.value.message.lower(), err.value.message
