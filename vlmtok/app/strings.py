"""The app's radio groups and language picker; every word they show is an ``app.*`` key of ``vlmtok.i18n``.

``app.py`` and ``vlmtok.app.callbacks`` read their words with ``vlmtok.i18n.t("app.<name>", lang)``.
"""
from __future__ import annotations

from vlmtok.i18n import language_names, t


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
