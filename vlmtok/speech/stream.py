"""Speech by sentence: each sentence is synthesised as soon as the narrator has finished writing it.

``speak_as_written(parts, lang)`` takes a narrator's stream (text chunks, then the ``Narration``) and passes every
part through unchanged, adding a ``SpokenSentence`` (the sentence, its ``SpeechResult``: one audio file) as soon as
each one's audio is ready. A voice thread synthesises sentence after sentence while the narrator writes on, so the
visitor hears the first sentence while the rest is still being written. Sentences follow ``vlmtok.text``'s rules
(a sentence is complete once the text after its full stop has begun), and the tier's word limit holds as it does for
the caption (``vlmtok.narrate.prompts.fit_words``): a sentence the caption will not show is never spoken. When the
chunks are not in the visitor's language (a narrator that writes English for a Vietnamese visitor, translated at the
end), pass ``live=False``: the final narration's sentences are then spoken one by one, first sentence first.

>>> for part in speak_as_written(narrator.stream(image, request), "en", tier="short"):  # doctest: +SKIP
...     if isinstance(part, SpokenSentence):
...         play(part.speech.audio_path)          # sentence part.index, in order, without waiting for the rest
...     elif isinstance(part, str):
...         caption.append(part)

Audio is yielded in sentence order. A ready sentence is handed over with the next text chunk (one token later at
most) or, once the text is complete, as soon as it is ready. Closing the generator stops the narrator and the voice
(sentences not yet synthesised are dropped).
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from vlmtok.narrate.base import Narration
from vlmtok.narrate.prompts import count_words, word_limit
from vlmtok.speech.service import SpeechResult, speak
from vlmtok.text import split_sentences

log = logging.getLogger(__name__)

__all__ = ["SentenceStream", "SpokenSentence", "Voice", "speak_as_written"]


@dataclass
class SpokenSentence:
    """One sentence's audio: ``index`` in the narration, its ``text``, the ``speech`` (``SpeechResult``), and when
    it was asked for and ready (``time.perf_counter()`` seconds)."""

    index: int
    text: str
    speech: SpeechResult
    asked_at: float = 0.0
    ready_at: float = 0.0


@dataclass
class SentenceStream:
    """Text chunks in, complete sentences out, within a word limit (None: no limit)."""

    limit: int | None = None
    text: str = ""
    done: list[str] = field(default_factory=list)
    full: bool = False                        # the word limit is reached: nothing more is let through

    def feed(self, chunk: str) -> list[str]:
        """Sentences completed by ``chunk`` (all but the one still being written)."""
        self.text += chunk
        return self._take(split_sentences(self.text)[:-1])

    def finish(self, final_text: str | None = None) -> list[str]:
        """The text is complete: the sentences not given out yet. ``final_text`` (the narration as it will be
        shown) replaces what was fed, so its own sentences win where they differ."""
        if final_text is not None:
            self.text = final_text
        return self._take(split_sentences(self.text))

    def _take(self, sentences: list[str]) -> list[str]:
        if sentences[:len(self.done)] != self.done:
            log.info("the final text differs from the sentences already spoken; speaking on from the first change")
            same = next((i for i, (a, b) in enumerate(zip(self.done, sentences)) if a != b), len(self.done))
            self.done = self.done[:same]
        out = []
        for sentence in sentences[len(self.done):]:
            if self.full or (self.limit is not None and self.done and
                             count_words(" ".join([*self.done, sentence])) > self.limit):
                self.full = True              # as fit_words: whole sentences while they fit (the first always)
                break
            self.done.append(sentence)
            out.append(sentence)
        return out


class Voice:
    """Synthesises sentences in order on a background thread; ``ready()`` hands over those that are done."""

    def __init__(self, lang: str, rate: float = 1.0, engine: str = "auto", *,
                 speak_fn: Callable[..., SpeechResult] = speak):
        self.lang, self.rate, self.engine, self._speak = lang, rate, engine, speak_fn
        self._todo: queue.Queue = queue.Queue()
        self._ready: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._count = 0
        self._thread = threading.Thread(target=self._run, name="vlmtok-voice", daemon=True)
        self._thread.start()

    def say(self, sentence: str) -> None:
        self._todo.put((self._count, sentence, time.perf_counter()))
        self._count += 1

    def _run(self) -> None:
        while (item := self._todo.get()) is not None and not self._stop.is_set():
            index, sentence, asked = item
            try:
                result = self._speak(sentence, self.lang, self.rate, self.engine)
            except Exception:  # noqa: BLE001 - speak() itself never raises; a stand-in might: keep the order
                log.exception("speaking a sentence failed")
                result = SpeechResult(None, None, None, 0.0, False, self.lang, self.rate)
            self._ready.put(SpokenSentence(index, sentence, result, asked, time.perf_counter()))
        self._ready.put(None)

    def ready(self) -> list[SpokenSentence]:
        """Sentences whose audio is ready, without waiting."""
        out = []
        while True:
            try:
                item = self._ready.get_nowait()
            except queue.Empty:
                return out
            if item is None:
                self._ready.put(None)
                return out
            out.append(item)

    def rest(self) -> Iterator[SpokenSentence]:
        """Every sentence still to come, each as soon as it is ready; ends when all are said."""
        self._todo.put(None)
        while (item := self._ready.get()) is not None:
            yield item

    def close(self) -> None:
        self._stop.set()
        self._todo.put(None)


def speak_as_written(parts: Iterable[str | Narration], lang: str, rate: float = 1.0, engine: str = "auto", *,
                     tier: str | None = None, live: bool = True, preamble: Sequence[str] = (),
                     speak_fn: Callable[..., SpeechResult] = speak) -> Iterator[str | Narration | SpokenSentence]:
    """A narrator's stream with each sentence's audio added as soon as it is ready (see the module's notes).

    Args:
        parts: text chunks, then the final ``Narration`` (``narrator.stream(...)``).
        lang, rate, engine: as ``vlmtok.speech.speak``.
        tier: the narration's tier: sentences past its word limit are not spoken (None: no limit).
        live: the chunks are in ``lang``: speak them as they are written; False: speak the final narration.
        preamble: sentences said first, before the narration's own (who wrote it, when the text does not say);
            they are not part of the text and do not count against the word limit.
        speak_fn: the synthesiser (``speak``; tests and benchmarks pass their own).
    """
    sentences = SentenceStream(word_limit(tier, lang) if tier else None)
    voice = Voice(lang, rate, engine, speak_fn=speak_fn)
    finished = False
    try:
        for sentence in preamble:
            voice.say(sentence)
        for part in parts:
            if isinstance(part, Narration):
                finished = True
                for sentence in sentences.finish(part.text):
                    voice.say(sentence)
            elif live:
                for sentence in sentences.feed(part):
                    voice.say(sentence)
            yield part
            yield from voice.ready()
        if not finished and live:             # a stream of text alone: its last sentence ends with it
            for sentence in sentences.finish():
                voice.say(sentence)
        yield from voice.rest()
    finally:
        voice.close()
        close = getattr(parts, "close", None)
        if close is not None:
            close()
