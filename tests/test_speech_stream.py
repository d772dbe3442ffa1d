"""Speech by sentence (``vlmtok.speech.stream``): each sentence spoken as soon as it is written, in order."""
from __future__ import annotations

import threading
import time

from PIL import Image

from vlmtok.narrate.base import Narration
from vlmtok.speech.service import SpeechResult
from vlmtok.speech.stream import SentenceStream, SpokenSentence, speak_as_written

TEXT = "The sky is pale blue. A boat rides the wave! Mt. Fuji stands small behind it."


def _narration(text: str, lang: str = "en") -> Narration:
    return Narration(text=text, language=lang, tier="short", narrator="test", narrator_label="test",
                     model_id=None, weights_source="none")


def _written(text: str, delay: float = 0.0, log: list | None = None):
    """A narrator's stream: the text a few characters at a time, then the Narration."""
    try:
        for i in range(0, len(text), 3):
            time.sleep(delay)
            if log is not None:
                log.append(("chunk", time.perf_counter()))
            yield text[i:i + 3]
        yield _narration(text)
    finally:
        if log is not None:
            log.append(("closed", time.perf_counter()))


class _Speaker:
    def __init__(self, seconds: float = 0.0):
        self.said, self.seconds, self.threads = [], seconds, set()

    def __call__(self, text, lang, rate, engine):
        self.threads.add(threading.current_thread().name)
        time.sleep(self.seconds)
        self.said.append((text, lang))
        return SpeechResult(None, "fake", "wav", 1.0, False, lang, rate, sentences=[text])


def test_sentences_come_out_when_the_next_one_has_begun():
    stream, out = SentenceStream(), []
    for ch in TEXT:
        out += [(s, len(stream.text)) for s in stream.feed(ch)]
    assert [s for s, _ in out] == ["The sky is pale blue.", "A boat rides the wave!"]     # "Mt." is no end
    assert out[0][1] == len("The sky is pale blue. A")              # complete once the next sentence begins
    assert stream.finish() == ["Mt. Fuji stands small behind it."]


def test_the_word_limit_holds_as_for_the_caption():
    stream = SentenceStream(limit=9)
    assert stream.feed(TEXT + " More.") == ["The sky is pale blue."]  # 5 + 5 words would pass 9
    assert stream.finish() == [] and stream.full


def test_audio_starts_before_the_narration_is_written():
    log, speaker = [], _Speaker()
    parts = list(speak_as_written(_written(TEXT, delay=0.01, log=log), "en", speak_fn=speaker))
    kinds = [type(p).__name__ for p in parts]
    assert kinds.index("SpokenSentence") < kinds.index("Narration")  # the first sentence is heard early
    spoken = [p for p in parts if isinstance(p, SpokenSentence)]
    assert [s.index for s in spoken] == [0, 1, 2]
    assert [s.text for s in spoken] == ["The sky is pale blue.", "A boat rides the wave!",
                                        "Mt. Fuji stands small behind it."]
    assert "".join(p for p in parts if isinstance(p, str)) == TEXT   # the text passes through unchanged
    chunks = [t for k, t in log if k == "chunk"]
    assert spoken[0].ready_at < chunks[-1]                            # ready while the narrator still wrote
    assert speaker.threads == {"vlmtok-voice"}


def test_a_slow_voice_does_not_hold_up_the_writing():
    log, speaker = [], _Speaker(seconds=0.05)
    t0 = time.perf_counter()
    parts = speak_as_written(_written(TEXT, delay=0.0, log=log), "en", speak_fn=speaker)
    for part in parts:
        if isinstance(part, Narration):
            written = time.perf_counter() - t0
        last = part
    assert isinstance(last, SpokenSentence) and len(speaker.said) == 3
    assert written < 0.05                                             # the caption did not wait for the voice


def test_not_live_speaks_the_final_narration_only():
    speaker = _Speaker()

    def english_then_vietnamese():
        yield "The sky is blue. "
        yield "A boat."
        yield _narration("Bầu trời xanh. Một con thuyền.", "vi")

    parts = list(speak_as_written(english_then_vietnamese(), "vi", live=False, speak_fn=speaker))
    assert speaker.said == [("Bầu trời xanh.", "vi"), ("Một con thuyền.", "vi")]
    kinds = [type(p).__name__ for p in parts]
    assert kinds == ["str", "str", "Narration", "SpokenSentence", "SpokenSentence"]


def test_the_preamble_is_said_first_and_outside_the_word_limit():
    speaker = _Speaker()
    parts = list(speak_as_written(_written(TEXT), "en", tier="alt", preamble=["AI description, SmolVLM."],
                                  speak_fn=speaker))
    spoken = [p for p in parts if isinstance(p, SpokenSentence)]
    assert [s.text for s in spoken][:2] == ["AI description, SmolVLM.", "The sky is pale blue."]
    assert [s.index for s in spoken] == list(range(len(spoken)))
    assert "AI description" not in "".join(p for p in parts if isinstance(p, str))   # said, never written


def test_leaving_early_stops_the_narrator_and_the_voice():
    log, speaker = [], _Speaker(seconds=0.02)
    parts = speak_as_written(_written(TEXT * 5, delay=0.005, log=log), "en", speak_fn=speaker)
    for part in parts:
        if isinstance(part, SpokenSentence):
            break
    parts.close()
    time.sleep(0.1)
    assert log[-1][0] == "closed" and len(speaker.said) < 15


def test_the_offline_narrator_is_heard_with_espeak(tmp_path, monkeypatch):
    from vlmtok.narrate import get_narrator
    from vlmtok.narrate.base import NarrationRequest

    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path))
    monkeypatch.setenv("VLMTOK_OFFLINE", "1")
    narrator, _ = get_narrator("offline")
    image = Image.new("RGB", (96, 64), (30, 60, 200))
    parts = list(speak_as_written(narrator.stream(image, NarrationRequest(tier="short")), "en", tier="short",
                                  engine="espeak"))
    final = next(p for p in parts if isinstance(p, Narration))
    spoken = [p for p in parts if isinstance(p, SpokenSentence)]
    assert spoken and all(s.speech.ok and s.speech.audio_path.exists() for s in spoken)
    assert " ".join(s.text for s in spoken) == final.text
