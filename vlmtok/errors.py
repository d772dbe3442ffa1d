"""``VisitorError``: the one base of every error a visitor can cause or meet, with a message in their language.

``str(err)`` is the technical detail for the log; ``err.user_message_for(lang)`` is what a person reads, taken from
the language catalogues (``vlmtok.i18n``) by the error's ``message_key`` and formatted with its ``details``.

>>> class PictureTooBig(VisitorError):
...     message_key = "app.credit"
>>> PictureTooBig("12000 px", title="A", artist="B", license="C").user_message_for("en")
'A, by B. Picture: C'
"""
from __future__ import annotations

from typing import Any

from vlmtok.i18n import t


class VisitorError(Exception):
    """An error with a plain message for the visitor.

    Args:
        reason: the technical detail (logs only).
        key: the catalogue key of the visitor's message; default ``message_key`` of the class.
        **details: values the message is formatted with.
    """

    message_key: str = ""

    def __init__(self, reason: str = "", *, key: str | None = None, **details: Any):
        super().__init__(reason)
        self.reason = reason
        self.key = key or self.message_key
        self.details = details

    @property
    def user_message(self) -> str:
        """The English message."""
        return self.user_message_for("en")

    def user_message_for(self, lang: str | None) -> str:
        """The message in ``lang`` (a language of ``vlmtok.i18n.LANGUAGES``; anything else gives English)."""
        return t(self.key, lang, **self.details)
