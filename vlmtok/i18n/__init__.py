"""Languages the visitor can choose, and a tiny helper to pick a message in one of them.

Each module keeps its own message table (``{"en": ..., "vi": ...}``) next to the code that uses it, so a
message and the situation it describes are read together.
"""
from __future__ import annotations

from typing import Mapping

LANGUAGES: tuple[str, ...] = ("en", "vi")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "vi": "Tiếng Việt"}


def normalize_lang(lang: str | None) -> str:
    """Map 'vi', 'vi-VN', 'VI' ... to a supported code; anything unknown falls back to English."""
    code = (lang or DEFAULT_LANGUAGE).strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def pick(messages: Mapping[str, str], lang: str | None, **fmt: object) -> str:
    """Return the message in ``lang`` (English if missing), formatted with ``fmt``.

    >>> pick({"en": "Hello {name}", "vi": "Xin chào {name}"}, "vi", name="An")
    'Xin chào An'
    """
    text = messages.get(normalize_lang(lang)) or messages[DEFAULT_LANGUAGE]
    return text.format(**fmt) if fmt else text
