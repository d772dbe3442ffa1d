"""Languages as data: one catalogue per language (``vlmtok/i18n/<code>.py``), read through ``t(key, lang)``.

A catalogue is a flat ``MESSAGES`` dict from a dotted key (``"app.describe"``, ``"images.too_large"``) to a
``str.format`` template. English is the reference: every key of ``en`` must exist in every other catalogue (a test
checks it, so a missing key fails the test suite, not the page). Adding a language is adding one catalogue and its
code to ``LANGUAGES``.

>>> t("app.describe", "vi")
'Mô tả'
>>> t("app.credit", "en", title="The Great Wave", artist="Hokusai", license="public domain")
'The Great Wave, by Hokusai. Picture: public domain'
"""
from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Mapping

log = logging.getLogger(__name__)

LANGUAGES: tuple[str, ...] = ("en", "vi")
DEFAULT_LANGUAGE = "en"


def normalize_lang(lang: str | None) -> str:
    """Map 'vi', 'vi-VN', 'VI' ... to a supported code; anything unknown is the default language.

    >>> normalize_lang("vi-VN"), normalize_lang("fr")
    ('vi', 'en')
    """
    code = (lang or DEFAULT_LANGUAGE).strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


@functools.cache
def catalogue(lang: str) -> Mapping[str, str]:
    """The whole catalogue of one supported language (``ValueError`` for any other code)."""
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}; known: {', '.join(LANGUAGES)}")
    return importlib.import_module(f"vlmtok.i18n.{lang}").MESSAGES


def t(key: str, lang: str | None = None, **fmt: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``fmt``.

    A key missing from a translation is logged and shown in English, so a visitor never meets an error page; a key
    missing from English is a bug and raises ``KeyError``.
    """
    code = normalize_lang(lang)
    text = catalogue(code).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE)[key]
        log.warning("message %r has no %s translation; showing English", key, code)
    return text.format(**fmt) if fmt else text


@functools.cache
def language_facts(lang: str) -> Mapping[str, object]:
    """The facts a catalogue gives about its language: ``espeak_voice``, ``gtts_lang``, ``words_per_word``.

    >>> language_facts("vi")["espeak_voice"]
    'vi'
    """
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}; known: {', '.join(LANGUAGES)}")
    return importlib.import_module(f"vlmtok.i18n.{lang}").LANGUAGE


def language_names() -> dict[str, str]:
    """Each language's own name for itself, for a language picker: ``{"en": "English", "vi": "Tiếng Việt"}``."""
    return {code: catalogue(code)["language.name"] for code in LANGUAGES}


def pick(messages: Mapping[str, str], lang: str | None, **fmt: object) -> str:
    """The message in ``lang`` from an inline ``{"en": ..., "vi": ...}`` table (English if missing, logged).

    Prefer ``t`` and a catalogue key; ``pick`` remains for text that is data rather than interface (e.g. a museum's
    own label given in several languages).

    >>> pick({"en": "Hello {name}", "vi": "Xin chào {name}"}, "vi", name="An")
    'Xin chào An'
    """
    code = normalize_lang(lang)
    text = messages.get(code)
    if text is None:
        log.warning("no %s text in %s; showing English", code, sorted(messages))
        text = messages[DEFAULT_LANGUAGE]
    return text.format(**fmt) if fmt else text

