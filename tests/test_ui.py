"""The thin layer the app calls: plain values, the visitor's language, honest labels, limits."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vlmtok.app import callbacks as ui
from vlmtok.app import compare as cmp

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("VLMTOK_OFFLINE", "1")


def test_comparison_speaks_the_visitors_language():
    r = cmp.compare(str(EXAMPLES / "mona_lisa.jpg"), ["mobilenetv2_100"], ["224"], "vi")
    assert '<th scope="col">Bộ mã hoá</th>' in r.ledger and "token ảnh" in r.ledger
    assert all(c.startswith("MobileNetV2, 224 × 224 px (đã huấn luyện)") for _, c in r.pictures), r.pictures
    assert {"ô 32 px", "màu PCA", "gộp token"} <= {w for _, c in r.pictures for w in ("ô 32 px", "màu PCA", "gộp token")
                                                  if w in c}


def test_credits_follow_the_picture_not_its_name(tmp_path):
    renamed = tmp_path / "holiday.jpg"
    shutil.copy(EXAMPLES / "great_wave_off_kanagawa.jpg", renamed)
    assert "Hokusai" in ui.credit_line(str(renamed))
    impostor = tmp_path / "great_wave_off_kanagawa.jpg"
    shutil.copy(EXAMPLES / "mona_lisa.jpg", impostor)
    assert "Hokusai" not in ui.credit_line(str(impostor)) and "Leonardo" in ui.credit_line(str(impostor))


def test_too_long_a_text_is_refused_in_plain_words():
    r = ui.speak_text("word " * 1000, "vi", session={"text": "x"})
    assert not r.ok and r.audio is None and "3000" in r.status


def test_a_failed_step_carries_no_session_to_speak():
    bad = EXAMPLES.parent / "README.md"  # not a picture
    results = list(ui.describe_stream(str(bad), "en"))
    assert not results[-1].ok and not results[-1].session.get("text")


def test_a_new_description_starts_a_conversation_that_questions_continue():
    path = str(EXAMPLES / "van_gogh_starry_night.jpg")
    described = list(ui.describe_stream(path, "en"))[-1]
    conversation = described.session["conversation"]
    assert conversation and described.session["text_lang"] == "en"
    again = list(ui.describe_stream(path, "en"))[-1]
    assert again.session["conversation"] != conversation  # another visitor, another conversation


def test_how_it_works_shows_real_shapes_in_vietnamese():
    r = cmp.how_it_works(str(EXAMPLES / "mona_lisa.jpg"), "vit_small_patch14_dinov2", 336, "vi")
    assert r.steps == 7 and "Cắt thành mảnh" in r.html and "24 × 24 = 576" in r.html
    assert "[256 + 2" not in r.html and "[576 + 2 + 4, 576] = [582, 576]" in r.html   # 576 tokens, 2 markers, 4 words
    assert r.html.count("<img ") == 7 and 'aria-live' not in r.html and "Đã sẵn sàng" in r.status
