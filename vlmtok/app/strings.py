"""The app's radio groups and language picker; every word they show is an ``app.*`` key of ``vlmtok.i18n``.

``app.py`` and ``vlmtok.app.callbacks`` read their words with ``vlmtok.i18n.t("app.<name>", lang)``.
"""
from __future__ import annotations

import html
import json

from vlmtok.i18n import catalogue, language_names, normalize_lang, t


def choices(keys: dict[str, str], lang: str | None) -> list[tuple[str, str]]:
    """``[(label, value)]`` for a radio group: ``choices({"short": "app.tier_short"}, "vi")``.

    >>> choices(TIER_KEYS, "vi")[1]
    ('Ngắn', 'short')
    """
    return [(t(key, lang), value) for value, key in keys.items()]


TIER_KEYS = {"alt": "app.tier_alt", "short": "app.tier_short", "long": "app.tier_long"}
AUDIENCE_KEYS = {"adult": "app.aud_adult", "child": "app.aud_child"}
SPEAK_KEYS = {"live": "tour.speak_live", "check": "tour.speak_check"}   # vlmtok.app.callbacks.SPEAK_MODES
PRESET_KEYS = {"dark": "app.preset_dark", "light": "app.preset_light", "dyslexia": "app.preset_dyslexia"}
LANGUAGE_CHOICES: list[tuple[str, str]] = [(name, code) for code, name in language_names().items()]

# Gradio's own words (its upload box, image buttons, footer): the catalogue's ``gradio.*`` keys hold them as Gradio
# writes them in English, and each language's words for them; the page's script swaps them (Gradio's own locales
# follow the browser, not the visitor's choice, and have no Vietnamese). "done" stands for a key Gradio announces
# untranslated after every run.
GRADIO_RAW_KEYS = {"gradio.done": "common.complete"}


def gradio_words(lang: str | None) -> dict[str, str]:
    """``{Gradio's English: the words in lang}``; ``{name}`` marks a part kept as it is ("Thumbnail {n} of {m}").

    >>> gradio_words("vi")["Remove Image"], gradio_words("en")["common.complete"]
    ('Xoá ảnh', 'Done.')
    """
    keys = [k for k in catalogue("en") if k.startswith("gradio.")]
    return {GRADIO_RAW_KEYS.get(k, t(k, "en")): t(k, lang) for k in keys}


def words_html(lang: str | None) -> str:
    """The page's language and Gradio's words in it, for the page's script (a hidden element it reads)."""
    code = normalize_lang(lang)
    data = html.escape(json.dumps(gradio_words(code), ensure_ascii=False), quote=True)
    return f'<div hidden id="vt-words-data" data-vt-lang="{code}" data-vt-words="{data}"></div>'
