"""How the offline narrator words its measurements: ``ImageFacts`` -> sentences for one language, tier and audience.

Every phrase is a template in the language catalogues under ``narrate.offline.*`` (``vlmtok.i18n``); a key with
".child" appended is what a child hears, where that differs. Vietnamese is written as Vietnamese, not word for word
from the English. This module holds only the choices: which sentence, which words, how many fit the tier.
"""
from __future__ import annotations

from vlmtok.i18n import catalogue, normalize_lang, t
from vlmtok.narrate.base import NarrationRequest
from vlmtok.narrate.offline.measure import (COOL_FAMILIES, WARM_FAMILIES, ImageFacts, PaletteColour, cell_means,
                                            grid_key)
from vlmtok.narrate.prompts import clean_free_text, count_words, fit_words, word_limit

PREFIX = "narrate.offline."
SHARE_WORDS: tuple[tuple[float, str], ...] = (   # share of the picture -> its words ("narrate.offline.word.share.*")
    (0.9, "almost_all"), (0.6, "most"), (0.4, "half"), (0.29, "third"), (0.23, "quarter"), (0.18, "fifth"),
    (0.14, "sixth"), (0.08, "tenth"), (0.0, "small"))
ONE_COLOUR_SHARE = 0.8        # one colour this large: "almost entirely red"
LEAD_COLOUR_SHARE = 0.4       # a leading colour: "mostly dark blue (about half of it)"
PRESENT_SHARE = 0.03          # a colour asked about covers at least this: it is there
TRACE_SHARE = 0.003           # ... at least this: "only a little"
EVEN_LIGHT = 12.0             # L* spread between the nine areas below which light is called even
LABEL_MIN_WORDS = 4           # a label is never shortened below this many words
SHADE_RANGE_MIN = 0.03        # shades this large count when saying "its blue tones range from ... to ..."


def _slug(key: str) -> str:
    """A measurement key as part of a catalogue key: "fairly dark" -> "fairly_dark", "top-left" -> "top_left"."""
    return key.replace(" ", "_").replace("-", "_")


def disclaimer(lang: str, answer: bool = False) -> str:
    """The offline narrator's first sentence: "Offline description: colours and layout only." (for a question:
    "Offline answer: ...", so an answer is never mistaken for a description)."""
    return t(PREFIX + ("answer_disclaimer" if answer else "disclaimer"), lang)


def narrator_label(lang: str, answer: bool = False) -> str:
    """The byline the UI states first; the text opens with the same words, so the caption shows them once."""
    return disclaimer(lang, answer).rstrip(".")


def colour_name(key: str, lang: str) -> str:
    """The name of a colour key ("dark blue") or of a family ("blue") in ``lang``."""
    return t(f"{PREFIX}word.colour.{_slug(key)}", lang)


def join(items: list[str], lang: str) -> str:
    """'a', 'a and b', 'a, b and c' ('và' in Vietnamese)."""
    if len(items) == 1:
        return items[0]
    return t(PREFIX + "word.and", lang, first=", ".join(items[:-1]), last=items[-1])


def share_words(share: float, lang: str) -> str:
    """'most', 'about a third', ... of the picture."""
    return t(PREFIX + "word.share." + next(name for top, name in SHARE_WORDS if share >= top), lang)


def cap(text: str) -> str:
    """First letter upper-case (a sentence that opens with a colour name or a place)."""
    return text[:1].upper() + text[1:]


class Writer:
    """Turns one picture's facts into sentences for one request (language, tier, audience)."""

    def __init__(self, facts: ImageFacts, request: NarrationRequest) -> None:
        self.f, self.lang = facts, normalize_lang(request.lang)
        self.audience, self.tier = request.audience, request.tier
        self.label, self.question = request.label_text, request.question

    def _key(self, key: str) -> str:
        """``key``, or its ".child" wording when a child is listening and there is one."""
        child = f"{key}.child"
        return child if self.audience == "child" and child in catalogue(self.lang) else key

    def say(self, kind: str, **fmt: object) -> str:
        """The sentence (or sentence part) ``kind``, for this audience, formatted."""
        return t(self._key(PREFIX + kind), self.lang, **fmt)

    def phrase(self, name: str, key: str) -> str:
        """A word for a measurement (``phrase("light", "fairly dark")``), for this audience."""
        return t(self._key(f"{PREFIX}word.{name}.{_slug(key)}"), self.lang)

    def word(self, name: str, key: str) -> str:
        """A word for a measurement, the same for every audience."""
        return t(f"{PREFIX}word.{name}.{_slug(key)}", self.lang)

    def names(self, colours: list[PaletteColour]) -> list[str]:
        return [colour_name(c.key, self.lang) for c in colours]

    def at(self, key: str) -> dict[str, str]:
        """A place as ``{"at": "on the right", "to": "to the right"}`` (in place / as a direction)."""
        return {"at": self.word("at", key), "to": self.word("to", key)}

    # -------------------------------------------------------------------------------------------- sentences
    def mostly(self) -> str:
        top = self.f.palette
        if top[0].share >= ONE_COLOUR_SHARE:
            return t(PREFIX + "word.mostly_all", self.lang, c=colour_name(top[0].key, self.lang))
        return t(PREFIX + "word.mostly", self.lang, c=join(self.names(top[:2]), self.lang))

    def alt(self) -> str:
        f = self.f
        spread = f.focus_where == "spread"
        focus = self.say("alt_focus_spread") if spread else self.say("alt_focus", **self.at(f.focus_where))
        return self.say("alt", fmt=self.phrase("format", f.format), mostly=self.mostly(),
                        light_alt=self.word("light_alt", f.light), light=self.phrase("light", f.light),
                        top2=join(self.names(f.palette[:2]), self.lang), focus=focus)

    def alt_compact(self) -> str:
        return self.say("alt_compact", Mostly=cap(self.mostly()), light_alt=self.word("light_alt", self.f.light))

    def colours(self) -> str:
        top = self.f.palette[:4]
        fmt = self.phrase("format", self.f.format)
        c1 = colour_name(top[0].key, self.lang)
        if top[0].share >= ONE_COLOUR_SHARE:
            return self.say("colours_one", fmt=fmt, c1=c1)
        if top[0].share >= LEAD_COLOUR_SHARE or len(top) == 1:
            rest = self.names(top[1:])
            with_rest = self.say("with_rest", rest=join(rest, self.lang)) if rest else ""
            return self.say("colours_lead", fmt=fmt, c1=c1, with_rest=with_rest,
                            share1=share_words(top[0].share, self.lang))
        return self.say("colours_mix", fmt=fmt, all=join(self.names(top), self.lang))

    def colours_pct(self) -> str:
        if self.audience == "child":
            return self.colours()
        top = self.f.palette[:4]
        rest = [f"{colour_name(c.key, self.lang)} ({round(c.share * 100)}%)" for c in top[1:]]
        followed = self.say("followed", rest_pct=join(rest, self.lang)) if rest else ""
        return cap(self.say("colours_pct", c1=colour_name(top[0].key, self.lang),
                            share1=share_words(top[0].share, self.lang), pct1=round(top[0].share * 100),
                            followed=followed))

    def shades(self) -> str | None:
        family = self.f.palette[0].family
        tones = [c for c in self.f.shades if c.family == family and c.share >= SHADE_RANGE_MIN]
        if self.audience == "child" or len(tones) < 2:
            return None
        tones.sort(key=lambda c: c.lightness)
        return self.say("shades", family=colour_name(family, self.lang), darkest=colour_name(tones[0].key, self.lang),
                        lightest=colour_name(tones[-1].key, self.lang))

    def format(self) -> str:
        ratio = max(self.f.aspect, 1.0 / self.f.aspect)
        text = f"{ratio:.1f}".replace(".", t(PREFIX + "word.decimal_point", self.lang))
        return self.say(f"format_{self.f.format}", ratio=text)

    def light(self) -> str:
        return self.say("light", light=self.phrase("light", self.f.light),
                        contrast=self.phrase("contrast", self.f.contrast))

    def temperature(self, detailed: bool = False) -> str:
        temp = self.f.temperature
        fams = WARM_FAMILIES if temp == "warm" else COOL_FAMILIES
        names = [colour_name(c.key, self.lang) for c in self.f.palette if c.family in fams][:3]
        leaning = self.say("leaning", fams=join(names, self.lang)) if detailed and names else ""
        return self.say(f"temp_{temp}", leaning=leaning)

    def focus(self, detailed: bool = False) -> str:
        where = self.f.focus_where
        if detailed and self.audience != "child":
            return self.say("focus_how_spread") if where == "spread" else self.say("focus_how", **self.at(where))
        return self.say("focus_spread") if where == "spread" else self.say("focus", **self.at(where))

    def extremes(self) -> str | None:
        """Where the brightest and darkest of the nine areas are (None when light is even)."""
        cells = cell_means(self.f.light_map)                                                # [3, 3] mean L*
        if cells.max() - cells.min() < EVEN_LIGHT:
            return None
        hi, lo = (divmod(int(i), 3) for i in (cells.argmax(), cells.argmin()))
        bright, dark = self.at(grid_key(*hi)), self.at(grid_key(*lo))
        return self.say("extremes", **bright, at2=dark["at"])

    def count(self) -> str | None:
        n = len({c.family for c in self.f.shades if c.share >= PRESENT_SHARE})
        return self.say("count", n=n) if n >= 3 else None

    def busy(self) -> str:
        return self.say(f"busy_{self.f.busyness}")

    def label_sentence(self, max_words: int) -> str | None:
        label = clean_free_text(self.label)
        return self.say("label", label=fit_words(label, max(LABEL_MIN_WORDS, max_words))) if label else None

    # -------------------------------------------------------------------------------------------- tiers
    def body(self) -> list[str]:
        if self.tier == "alt":
            return [self.alt()]
        if self.tier == "short":
            return [self.colours(), self.light(), self.focus(), self.temperature(), self.busy()]
        parts = [self.format(), self.colours_pct(), self.shades(), self.count(), self.light(), self.extremes(),
                 self.temperature(detailed=True), self.focus(detailed=True), self.busy(), self.say("limits")]
        return [p for p in parts if p]

    def narration(self) -> list[str]:
        """Disclaimer first, then the guide's label (quoted, shortened if it must), then what was measured."""
        limit = word_limit(self.tier, self.lang)
        head, body = [disclaimer(self.lang)], self.body()
        if clean_free_text(self.label):
            if self.tier == "alt":
                body = [self.alt_compact()]
            head.append(self._label_within(limit - count_words(" ".join([*head, *body[:1]]))))
        return fit_sentences(head, body, limit)

    def _label_within(self, budget: int) -> str:
        """The label sentence, the quote shortened (at least to LABEL_MIN_WORDS) until it fits ``budget``."""
        words = count_words(clean_free_text(self.label) or "")
        sentence = self.label_sentence(words)
        while count_words(sentence) > budget and words > LABEL_MIN_WORDS:
            words -= 1
            sentence = self.label_sentence(words)
        return sentence


def fit_sentences(head: list[str], body: list[str], limit: int) -> list[str]:
    """Keep ``head`` and as many ``body`` sentences, in order, as fit in ``limit`` words."""
    out = list(head)
    for sentence in body:
        if count_words(" ".join([*out, sentence])) <= limit:
            out.append(sentence)
    return out
