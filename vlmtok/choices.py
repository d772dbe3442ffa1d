"""What a guide or a caller may choose for a narration, declared once, and the one way a wrong choice is refused.

Every door (the Tour, the pack tab, the API, the command line, ``vlmtok.describe``, pack builds) reads these lists
and checks its values with ``check``: an invalid value is refused with the same plain sentence everywhere
("tier must be one of: alt, short, long."), never clamped or replaced. This module imports nothing heavy, so a
command line's ``--help`` stays instant.

>>> check("tier", "long")
'long'
>>> try:
...     check("tier", "medium")
... except ChoiceRefused as refused:
...     refused.user_message_for("en")
'tier must be one of: alt, short, long.'
>>> try:
...     check("rate", 2.0)
... except ChoiceRefused as refused:
...     refused.user_message_for("en")
'rate must be between 0.75 and 1.5.'
"""
from __future__ import annotations

from typing import Any

from vlmtok.errors import VisitorError
from vlmtok.i18n import LANGUAGES

TIERS: tuple[str, ...] = ("alt", "short", "long")              # ~30, ~60, ~150 words
AUDIENCES: tuple[str, ...] = ("adult", "child")
DETAILS: tuple[str, ...] = ("auto", "low", "normal", "high")  # SmolVLM's tile budget; "auto": by device
RATE_RANGE: tuple[float, float] = (0.75, 1.5)                # speech speed; ACCESSIBILITY.md asks for 0.75x-1.5x
RATE_STEP = 0.25

CHOICES: dict[str, tuple[str, ...]] = {"lang": LANGUAGES, "tier": TIERS, "audience": AUDIENCES, "detail": DETAILS}


class ChoiceRefused(VisitorError, ValueError):
    """A value outside its list or range; the message names the choices ("tier must be one of: alt, short, long.")."""

    message_key = "api.bad_choice"


def check(name: str, value: Any) -> Any:
    """``value`` when it is one of ``name``'s choices (``rate``: inside ``RATE_RANGE``), else ``ChoiceRefused``
    (its ``user_message_for(lang)`` is the refusal in the visitor's words). A language is matched as written
    ("vi-VN" is "vi")."""
    if name == "rate":
        return _rate(value)
    if name == "lang" and isinstance(value, str) and value.strip():
        code = value.strip().lower().replace("_", "-").split("-")[0]
        value = code if code in LANGUAGES else value
    if value not in CHOICES[name]:
        known = ", ".join(CHOICES[name])
        raise ChoiceRefused(f"{name} {value!r} is not one of {known}", name=name, choices=known)
    return value


def _rate(value: Any) -> float:
    low, high = RATE_RANGE
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = float("nan")
    if not low <= rate <= high:                                    # nan fails too
        raise ChoiceRefused(f"rate {value} not in {low}..{high}", key="api.bad_rate", low=low, high=high)
    return rate


def rate_argument(text: str) -> float:
    """``--rate`` on a command line: a number inside ``RATE_RANGE``, else argparse's plain refusal (exit 2)."""
    import argparse

    try:
        return check("rate", text)
    except ChoiceRefused as refused:
        raise argparse.ArgumentTypeError(refused.user_message_for("en")) from None


def checked(**values: Any) -> dict[str, Any]:
    """Each of ``values`` checked: ``checked(tier="long", rate=1.5)``."""
    return {name: check(name, value) for name, value in values.items()}
