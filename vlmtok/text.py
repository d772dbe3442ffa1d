"""Sentences, the unit the visitor reads, hears and sees highlighted (English and Vietnamese)."""
from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(["mr", "mrs", "ms", "dr", "st", "mt", "no", "vs", "etc", "e.g", "i.e", "c", "ca", "fig", "approx", "tp", "ts", "ths", "pgs"])
_BOUNDARY = re.compile(r"""([.!?…]+["'”’)\]]*)\s+|\n\s*\n""")


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences for timing and highlighting (English and Vietnamese punctuation).

    A break follows ``. ! ? …`` (and any closing quote or bracket) plus whitespace, or a blank line. A period
    after a known abbreviation ("Mt.", "c." for circa, "TP." for Thành phố) or a single capital (initials, as in
    "J. M. W. Turner") does not end a sentence.

    >>> split_sentences("The Great Wave, c. 1831. A boat rides it! Sóng lớn.")
    ['The Great Wave, c. 1831.', 'A boat rides it!', 'Sóng lớn.']
    """
    pieces, start = [], 0
    for match in _BOUNDARY.finditer(text):
        end = match.end(1) if match.group(1) else match.start()
        if match.group(1) and _ends_with_abbreviation(text[start:end]):
            continue
        pieces.append(text[start:end])
        start = match.end()
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


def _ends_with_abbreviation(piece: str) -> bool:
    words = piece.rstrip().split()
    if not words or not words[-1].endswith("."):
        return False
    word = words[-1].rstrip(".").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and words[-1][0].isupper())
