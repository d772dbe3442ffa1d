"""The translation stage: a narration written in English, put into the visitor's language.

Any narrator gets it (``BaseNarrator.stream`` calls ``in_language``) when the visitor's language is not one the
narrator writes itself; SmolVLM writes English, the offline narrator writes Vietnamese itself. Each language pair has
its model (``TRANSLATION_MODELS``: en -> vi is MarianMT ``Helsinki-NLP/opus-mt-en-vi``); a pair without one is
refused (``NoTranslationModel``). The model is loaded the ordinary way through transformers, from the Hub or the
local cache. Without the Hub only the local cache is tried, so an offline start fails in milliseconds instead of
waiting on a download. Without a model the English text is kept and the visitor is told so, in their language; text
that did go through the model is labelled machine-translated.

>>> result = Translator().translate("A dark blue night sky.", "vi")  # doctest: +SKIP
>>> result.machine_translated     # False offline, True with a model  # doctest: +SKIP
"""
from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vlmtok.errors import VisitorError
from vlmtok.i18n import normalize_lang, t
from vlmtok.narrate.base import Narration
from vlmtok.text import split_sentences

log = logging.getLogger(__name__)

# (source, target) -> model id; a pair missing here has no translation
TRANSLATION_MODELS: dict[tuple[str, str], str] = {("en", "vi"): "Helsinki-NLP/opus-mt-en-vi"}
DEFAULT_TRANSLATION_MODEL = TRANSLATION_MODELS[("en", "vi")]
MAX_BATCH_SENTENCES = 16     # sentences translated per forward pass
MAX_NEW_TOKENS_FACTOR = 3    # Vietnamese needs more tokens than English; leave room, but bound runaway output
MIN_NEW_TOKENS = 32


class NoTranslationModel(VisitorError, ValueError):
    """No model translates this language pair (``str(err)`` names the pair and the known ones)."""

    message_key = "narrate.translate.no_pair"


def _code(lang: str | None) -> str:
    """'vi-VN', 'VI' -> 'vi'; unlike ``normalize_lang`` an unknown code stays itself, so the error can name it."""
    return (lang or "en").strip().lower().replace("_", "-").split("-")[0]


def model_for(source: str, target: str) -> str:
    """The model id that translates ``source`` into ``target``.

    Raises:
        NoTranslationModel: no model for that pair (a ``ValueError``; the message names the pair).
    """
    source, target = _code(source), _code(target)
    try:
        return TRANSLATION_MODELS[(source, target)]
    except KeyError:
        known = ", ".join(f"{s} -> {d}" for s, d in TRANSLATION_MODELS)
        raise NoTranslationModel(f"No translation model for {source} -> {target}; known pairs: {known}",
                                 source=source, target=target) from None


@dataclass
class Translation:
    """One translation attempt. When no model was available, ``text`` is the English source unchanged."""

    text: str
    language: str                       # the language ``text`` is in
    source_text: str
    machine_translated: bool
    model_id: str | None
    notice: str | None = None           # written in the requested language, for the visitor
    timings: dict[str, float] = field(default_factory=dict)


class Translator:
    """``source`` -> ``target`` with a seq2seq model loaded lazily, once; a failed load is remembered.

    Args:
        model_id: the model to use; default the pair's model from ``TRANSLATION_MODELS``.

    Raises:
        NoTranslationModel: no ``model_id`` given and no model for the pair.
    """

    def __init__(self, model_id: str | None = None, target: str = "vi",
                 local_files_only: bool | None = None, source: str = "en") -> None:
        self.source, self.target = _code(source), _code(target)
        self.model_id = model_id or model_for(self.source, self.target)
        self.local_files_only = local_files_only
        self._model: Any = None
        self._tokenizer: Any = None
        self._error: str | None = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """True when the model is loaded or loads now."""
        return self._load()

    @property
    def error(self) -> str | None:
        """Why the model could not be loaded (for logs), or None."""
        return self._error

    def _load(self) -> bool:
        with self._lock:
            if self._model is not None or self._error is not None:
                return self._model is not None
            t0 = time.perf_counter()
            offline = self._offline()
            if offline and not in_local_cache(self.model_id):
                self._error = "not in the local cache and the Hub is not reachable"     # no torch import needed
                log.info("translation model %s %s; narrations stay in English", self.model_id, self._error)
                return False
            try:
                self._tokenizer, self._model = _load_model(self.model_id, offline)
            except Exception as exc:  # noqa: BLE001 - any load failure means "no translation": say so, keep English
                self._error = f"{type(exc).__name__}: {exc}"
                log.info("translation model %s not available (%s); narrations stay in English",
                         self.model_id, self._error.splitlines()[0])
                return False
            log.info("translation model %s loaded in %.0f ms", self.model_id, (time.perf_counter() - t0) * 1e3)
            return True

    def _offline(self) -> bool:
        if self.local_files_only is not None:
            return self.local_files_only
        from vlmtok.hub import hub_available

        return not hub_available()

    def translate(self, text: str, target: str | None = None) -> Translation:
        """Translate ``text`` from ``source`` into ``target`` (default: this translator's); to ``source``: unchanged."""
        lang = normalize_lang(target or self.target)
        if lang == self.source or not text.strip():
            return Translation(text=text, language=lang, source_text=text, machine_translated=False, model_id=None)
        if lang != self.target or not self._load():
            return _untranslated(text, lang, self.source)
        t0 = time.perf_counter()
        out = self._generate(split_sentences(text))
        if not out.strip():                                    # a model that says nothing has not translated
            log.warning("translation model %s returned empty text; keeping English", self.model_id)
            return _untranslated(text, lang, self.source)
        return Translation(text=out, language=lang, source_text=text, machine_translated=True,
                           model_id=self.model_id, notice=t("narrate.translate.machine", lang),
                           timings={"translate_ms": (time.perf_counter() - t0) * 1e3})

    def _generate(self, sentences: list[str]) -> str:
        import torch

        device = next(self._model.parameters()).device
        pieces: list[str] = []
        for i in range(0, len(sentences), MAX_BATCH_SENTENCES):
            batch = self._tokenizer(sentences[i:i + MAX_BATCH_SENTENCES], return_tensors="pt", padding=True,
                                    truncation=True).to(device)                        # input_ids [B, T]
            budget = max(MIN_NEW_TOKENS, MAX_NEW_TOKENS_FACTOR * batch["input_ids"].shape[1])
            with torch.inference_mode():
                ids = self._model.generate(**batch, max_new_tokens=budget)              # [B, T_out]
            pieces += [p.strip() for p in self._tokenizer.batch_decode(ids, skip_special_tokens=True)]
        return " ".join(p for p in pieces if p)


def in_local_cache(model_id: str) -> bool:
    """True when ``model_id`` is a local model folder or its config is in the Hugging Face cache (cheap check)."""
    if Path(model_id).is_dir():
        return (Path(model_id) / "config.json").is_file()
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(model_id, "config.json"), str)
    except ValueError:                                        # not a valid repo id
        return False


def _load_model(model_id: str, local_files_only: bool) -> tuple[Any, Any]:
    """Tokenizer and seq2seq model, on the translator's device (``vlmtok.device.runtime("translator")``: the CPU on
    ZeroGPU, by design), in eval mode."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from vlmtok.device import runtime

    rt = runtime("translator")
    tokenizer = AutoTokenizer.from_pretrained(model_id, local_files_only=local_files_only)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_id, local_files_only=local_files_only, dtype=rt.dtype)
    return tokenizer, model.to(rt.device).eval()


def _untranslated(text: str, lang: str, source: str = "en") -> Translation:
    return Translation(text=text, language=source, source_text=text, machine_translated=False, model_id=None,
                       notice=t("narrate.translate.no_model", lang))


@functools.lru_cache(maxsize=4)
def get_translator(target: str = "vi", model_id: str | None = None, source: str = "en") -> Translator:
    """One shared translator per (pair, model): the model is loaded once per process (``NoTranslationModel`` for a
    pair without a model)."""
    return Translator(model_id=model_id, target=target, source=source)


def translate_narration(narration: Narration, lang: str, translator: Translator | None = None) -> Narration:
    """A narration in ``lang``: translated and labelled, or kept in its own language with a notice.

    Args:
        narration: written in another language (English, from every narrator that needs this).
        lang: the visitor's language.
        translator: defaults to ``get_translator(lang, source=narration.language)``.

    Raises:
        NoTranslationModel: no translator given and no model for the pair.
    """
    lang = normalize_lang(lang)
    if lang == narration.language:
        return narration
    translator = translator or get_translator(lang, source=narration.language)
    result = translator.translate(narration.text, lang)
    timings = {**narration.timings, **result.timings}
    if "translate_ms" in result.timings and "total_ms" in narration.timings:
        timings["total_ms"] = narration.timings["total_ms"] + result.timings["translate_ms"]
    return replace(narration, text=result.text, language=result.language,
                   machine_translated=result.machine_translated, notice=result.notice, timings=timings)


def in_language(narration: Narration, lang: str) -> Narration:
    """The translation stage: ``narration`` in the visitor's ``lang``, or as it was with a notice. Never raises.

    A broken translation model, or a pair without one, must not lose the text: it is kept, with a notice in ``lang``
    (the app then reads it with the voice of the language it is in).
    """
    lang = normalize_lang(lang)
    if narration.language == lang:
        return narration
    try:
        return translate_narration(narration, lang)
    except Exception as exc:  # noqa: BLE001 - whatever failed, the visitor keeps the English text and is told
        log.warning("Translation to %s failed (%s); keeping English", lang, exc)
        return replace(narration, notice=t("narrate.translate.failed", lang))


def translate(text: str, lang: str) -> str | None:
    """The machine translation of English ``text`` into ``lang``, or None when no model could translate it."""
    lang = normalize_lang(lang)
    if lang == "en":
        return None
    result = get_translator(lang).translate(text, lang)
    return result.text if result.machine_translated else None
