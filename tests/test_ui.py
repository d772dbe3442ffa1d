"""The thin layer the app calls: plain values, the visitor's language, honest labels, limits."""
from __future__ import annotations

import re

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
    # 576 tokens, 2 markers and the Vietnamese prompt's own tokens (more than the English prompt's 4), summed right
    sums = re.findall(r"\[576 \+ 2 \+ (\d+), 576\] = \[(\d+), 576\]", r.html)
    assert "[256 + 2" not in r.html and len(sums) == 1
    words, total = map(int, sums[0])
    assert words > 4 and total == 576 + 2 + words
    assert r.html.count("<img ") == 7 and 'aria-live' not in r.html and "Đã sẵn sàng" in r.status


# ----------------------------------------------------------------------------------------------------------------
# The Tour's conversation (vlmtok.app.tour): turns, messages apart and spoken, the queue in plain words

from vlmtok.app import tour  # noqa: E402
from vlmtok.text import split_sentences  # noqa: E402

WAVE = str(EXAMPLES / "great_wave_off_kanagawa.jpg")


def _described(lang="en", session=None):
    views = list(ui.tour_stream(WAVE, lang, session=session))
    assert views[0].thread.count('aria-busy="true"') == 1      # written first, spoken after
    return views[-1]


def _turns(view):
    return view.session["thread"]


def test_a_description_is_a_turn_with_its_byline_first_and_audio_ready_not_played():
    view = _described()
    (item,) = _turns(view)
    assert view.ok and item["kind"] == "description" and item["byline"].startswith("Offline description")
    assert not item["body"].startswith("Offline description") and view.text == item["body"]   # said once, first
    (clip,) = item["clips"]
    assert clip["src"].startswith(tour.FILE_ROUTE) and not item["play"]      # ready for Play, never autoplayed
    assert [i for _, i in clip["marks"]] == list(range(len(tour.spoken_sentences(item))))
    assert 'data-i="0"' in view.thread.split('class="vt-byline"')[1].split("</p>")[0]   # sentence 0 is the byline
    assert "Press Play" in view.status


def test_questions_continue_the_thread_and_a_new_picture_starts_a_new_one():
    first = _described()
    answer = list(ui.ask_stream(WAVE, "What colour is the sky?", "en", session=first.session))[-1]
    assert [t["kind"] for t in _turns(answer)] == ["description", "answer"]
    assert answer.session["conversation"] == first.session["conversation"] and answer.session["thread_id"] == \
        first.session["thread_id"]
    assert "What colour is the sky?" in answer.thread and answer.thread.count('class="vt-replay"') == 2
    assert answer.thread.count("vt-on-card") == 1 and answer.text == _turns(answer)[-1]["body"]
    mona = str(EXAMPLES / "mona_lisa.jpg")
    view, go = ui.tour_begin(mona, "en", answer.session, reason="picture")
    assert go and "What colour is the sky?" not in view.thread and 'aria-busy="true"' in view.thread
    new = list(ui.tour_stream(mona, "en", session=view.session))[-1]
    assert [t["kind"] for t in _turns(new)] == ["description"] and new.session["thread_id"] != \
        answer.session["thread_id"]


def _bad_photo(tmp_path) -> str:
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 2000)
    return str(bad)


def test_a_broken_photo_is_a_spoken_notice_in_the_thread_it_never_wipes(tmp_path):
    described = _described()
    answer = list(ui.ask_stream(WAVE, "What colour is the sky?", "en", session=described.session))[-1]
    view, go = ui.tour_begin(_bad_photo(tmp_path), "vi", answer.session, reason="picture")
    view = list(ui.tour_stream(_bad_photo(tmp_path), "vi", session=view.session))[-1]
    assert [t["kind"] for t in _turns(view)] == ["description", "answer", "message"]
    item = _turns(view)[-1]
    assert not view.ok and "vt-turn-message" in view.thread and "Thông báo" in view.thread
    assert item["clips"] and item["play"]                 # spoken at once, by the offline voice
    assert "vt-status-message" in view.status and "What colour is the sky?" in view.thread
    assert view.session["conversation"] == answer.session["conversation"]      # the questions can go on
    assert view.session["thread_id"] == answer.session["thread_id"]


def test_the_same_notice_twice_is_said_again_not_stacked():
    described = _described()
    once = ui.tour_message("The photo could not be read.", "en", described.session)
    twice = ui.tour_message("The photo could not be read.", "en", once.session)
    assert [t["kind"] for t in _turns(twice)] == ["description", "message"]
    assert _turns(twice)[-1]["play"] != _turns(once)[-1]["play"]          # spoken again
    other = ui.tour_message("Too busy.", "en", twice.session)
    assert [t["kind"] for t in _turns(other)] == ["description", "message", "message"]


def test_a_label_belongs_to_its_artwork_and_never_crosses_to_the_next():
    label = "Kazusa Sea Route, Katsushika Hokusai, 1830"
    view, go = ui.tour_begin(WAVE, "en", {}, reason="picture")
    first = list(ui.tour_stream(WAVE, "en", label_text=label, session=view.session))[-1]
    assert "Kazusa Sea Route" not in first.thread                  # a new picture: no label typed for it yet
    view, go = ui.tour_begin(WAVE, "en", first.session, reason="options")    # the guide typed it, pressed Enter
    labelled = list(ui.tour_stream(WAVE, "en", label_text=label, session=view.session))[-1]
    assert "Kazusa Sea Route" in labelled.thread and labelled.session["artwork_label"] == label
    renoir = str(EXAMPLES / "mona_lisa.jpg")
    view, go = ui.tour_begin(renoir, "en", labelled.session, reason="picture")
    # even if the page still sent the old label with the new picture, it is not this artwork's
    other = list(ui.tour_stream(renoir, "en", label_text=label, session=view.session))[-1]
    assert "Kazusa Sea Route" not in other.thread and other.session["artwork_label"] == ""
    assert tour.options_label("en", "short", "adult", label) == "Options: English, Short, Adult, museum label set"
    assert tour.options_label("en", "short", "adult", " ") == "Options: English, Short, Adult"


def test_a_full_queue_is_said_in_the_visitors_language_and_nothing_joins_it():
    described = _described()
    load = tour.QueueLoad(waiting=1, max_size=1, avg_s=12.0, slots=1)
    view, go = ui.tour_begin(WAVE, "vi", described.session, load, reason="options")
    assert not go and "hàng đợi đã đầy" in view.thread and "24 giây" in view.thread    # (1 + 1) x 12 s, one slot
    assert _turns(view)[0]["kind"] == "description" and _turns(view)[-1]["play"]      # kept; the message spoken
    view, go = ui.tour_begin(WAVE, "en", described.session, tour.QueueLoad(waiting=2, max_size=8, avg_s=5, slots=2),
                             reason="describe")
    assert go and "2 ahead of you, about 8 seconds" in view.status                       # waiting, not refused


def test_options_describe_again_only_when_something_is_on_screen():
    assert ui.tour_begin(WAVE, "vi", {}, reason="options") == (None, False)
    assert ui.tour_begin(None, "vi", _described().session, reason="options") == (None, False)
    view, go = ui.tour_begin(WAVE, "vi", _described().session, reason="options")
    assert go and 'lang="vi"' in view.thread


def test_the_guides_edit_is_what_is_spoken_and_says_who_wrote_it():
    described = _described()
    old_src = _turns(described)[0]["clips"][0]["src"]
    view = ui.speak_edited("The sea rises. A boat is in danger.", "en", described.session)
    (item,) = _turns(view)
    assert item["edited"] and item["byline"] == "Edited by the guide" and item["body"] == "The sea rises. A boat is in danger."
    assert item["clips"][0]["src"] != old_src and item["play"]          # new audio, played at once
    assert len(item["clips"][0]["marks"]) == len(split_sentences("Edited by the guide. The sea rises. A boat is in danger."))
    assert "Offline description" not in view.thread.split("vt-turn-description")[1]


def test_nothing_to_speak_and_a_file_too_large_are_messages():
    view = ui.speak_edited("", "en", {})
    assert not view.ok and "no text to speak" in view.thread
    view = ui.oversize(30_000_000, 20 * 1024 * 1024, "vi", {})
    assert not view.ok and "20 MB" in view.thread and _turns(view)[-1]["clips"]


def test_the_page_is_redrawn_in_the_chosen_language_and_cleared_on_request():
    described = _described()
    vi = ui.redraw("vi", described.session)
    assert "Nghe lại đoạn này" in vi.thread and 'aria-label="Phụ đề"' in vi.thread and "Sẵn sàng" in vi.status
    cleared = ui.clear_thread("en", described.session)
    assert cleared.session["thread"] == [] and 'data-state="empty"' in cleared.thread and cleared.text == ""


def test_thread_markup_escapes_text_and_draws_messages_apart():
    item = tour.turn("answer", "<img src=x onerror=alert(1)>. Two.", "en", byline="AI <b>", question="<script>")
    message = tour.turn("message", "Busy <now>", "en")
    html = tour.thread_html(tour.ThreadView("t1", [item, message], "en"))
    assert "<img" not in html and "<script>" not in html and "<b>" not in html and "onerror=alert(1)&gt;" in html
    assert 'class="vt-turn vt-turn-message"' in html and "Busy &lt;now&gt;" in html
    with pytest.raises(ValueError):
        tour.turn("narration", "x", "en")


def test_queue_wording():
    assert tour.queue_message(None) == (None, False)
    full, is_full = tour.queue_message(tour.QueueLoad(waiting=3, max_size=3), "en")
    assert is_full and "3 requests are waiting" in full and "seconds" not in full   # nothing timed yet: no guess
    assert tour.QueueLoad(waiting=0, max_size=1, avg_s=10, slots=2).wait_s() == 5


# ----------------------------------------------------------------------------------------------------------------
# Speak as it is written: each sentence's clip joins the turn while the text is still being written

def test_spoken_as_written_the_first_clip_plays_before_the_text_is_finished(monkeypatch):
    from vlmtok.narrate.offline import OfflineNarrator

    real = OfflineNarrator.write

    def slowly(self, image, request, cancel=None):       # the offline narrator writes a word at a time
        import time

        for part in real(self, image, request, cancel):
            if isinstance(part, str):
                for word in part.split(" "):
                    time.sleep(0.02)
                    yield word + " "
            else:
                yield part

    monkeypatch.setattr(OfflineNarrator, "write", slowly)
    views = list(ui.tour_stream(WAVE, "en", tier="long", speak_mode="live"))
    first_clip = next(n for n, v in enumerate(views) if '&quot;src&quot;' in v.thread)
    finished = next(n for n, v in enumerate(views) if 'class="vt-byline"' in v.thread)   # the finished turn
    assert first_clip < finished                                   # heard while the narrator still writes
    plays = {v.thread.split('data-play="')[1].split('"')[0] for v in views[first_clip:] if 'data-play="' in v.thread}
    ids = {v.thread.split('data-turn="')[1].split('"')[0] for v in views[first_clip:]}
    assert len(plays) == 1 and "" not in plays and len(ids) == 1  # one turn, played once, from start to end
    (item,) = views[-1].session["thread"]
    sentences = tour.spoken_sentences(item)
    assert len(item["clips"]) == len(sentences) >= 3                # every sentence, the byline included, in order
    assert [c["text"] for c in item["clips"]] == sentences
    assert [c["marks"] for c in item["clips"]] == [[[0.0, i]] for i in range(len(sentences))]
    assert "Press Play" not in views[-1].status and 'aria-busy="false"' in views[-1].thread


def test_check_before_speaking_plays_nothing_until_play(monkeypatch):
    views = list(ui.tour_stream(WAVE, "en", speak_mode="check"))
    assert all('data-play=""' in v.thread or "vt-turn" not in v.thread for v in views)
    (item,) = views[-1].session["thread"]
    assert len(item["clips"]) == 1 and not item["play"] and "Press Play" in views[-1].status


def test_a_translated_answer_is_spoken_sentence_by_sentence_in_its_own_language(monkeypatch):
    from vlmtok.narrate.offline import OfflineNarrator

    monkeypatch.setattr(OfflineNarrator, "languages", ("en",))      # as SmolVLM: English written, then translated
    views = list(ui.tour_stream(WAVE, "vi", speak_mode="live"))
    (item,) = views[-1].session["thread"]
    assert item["clips"] and [c["text"] for c in item["clips"]] == tour.spoken_sentences(item)
    assert all(c["marks"] for c in item["clips"])
    spoken_before_final = [v for v in views if '&quot;src&quot;' in v.thread and 'class="vt-byline"' not in v.thread]
    assert not spoken_before_final                                  # English chunks are never read to a Vietnamese visitor


def test_the_narrator_is_prepared_once_in_the_background_after_the_first_page(monkeypatch):
    import threading
    import time

    loads, release = [], threading.Event()
    monkeypatch.setattr(ui, "_PREPARED", threading.Event())
    monkeypatch.setattr(ui, "_PREPARING", threading.Lock())
    monkeypatch.setattr(ui, "_narrator", lambda lang, progress: (loads.append(lang), release.wait(10)))
    first = ui.prepare_narrator("vi", wait_s=0.05)
    assert first and "Đang chuẩn bị bộ mô tả" in first and 'lang="vi"' in first   # the page says so, at once
    assert ui.prepare_narrator("en", wait_s=0.05) and not ui.narrator_prepared()   # a second page: no second load
    release.set()
    deadline = time.monotonic() + 5
    while not ui.narrator_prepared() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ui.narrator_prepared() and ui.prepare_narrator("en") is None and loads == ["vi"]
