"""Follow-up questions to the offline narrator: answered where colours, light or layout can answer them, honestly
declined otherwise (it cannot say what is shown, nor who painted it unless the guide typed the label).

A question is read for colour, place and topic words, in English or Vietnamese whatever the visitor's language
(a visitor may type either); the answer is worded by ``wording.Writer`` in the request's language.
"""
from __future__ import annotations

import re

import numpy as np

from vlmtok.narrate.offline.measure import COLOUR_KEYS, COLOURS, grid_key, light_level, region_mask, where_in_picture
from vlmtok.narrate.offline.wording import (PRESENT_SHARE, TRACE_SHARE, Writer, cap, colour_name, disclaimer,
                                            fit_sentences, join, share_words)
from vlmtok.narrate.prompts import clean_free_text, word_limit

# The words a question is read for: recognised words, not text shown to anyone, so they stay here (keyed by what
# they mean, with both languages' words together) rather than in the message catalogues.
# colour word (English, or Vietnamese with its diacritics) -> families it names; plain "xanh" is blue or green
COLOUR_WORDS: dict[str, tuple[str, ...]] = {
    "red": ("red",), "pink": ("pink",), "orange": ("orange",), "brown": ("brown",), "beige": ("beige",),
    "cream": ("beige",), "yellow": ("yellow",), "gold": ("yellow",), "golden": ("yellow",), "olive": ("olive",),
    "green": ("green",), "teal": ("teal",), "turquoise": ("teal",), "cyan": ("teal",), "blue": ("blue",),
    "navy": ("blue",), "purple": ("purple",), "violet": ("purple",), "lilac": ("purple",), "black": ("black",),
    "grey": ("grey",), "gray": ("grey",), "white": ("white",),
    "đỏ": ("red",), "hồng": ("pink",), "cam": ("orange",), "nâu": ("brown",), "kem": ("beige",),
    "vàng": ("yellow",), "ô liu": ("olive",), "xanh lá": ("green",), "xanh lục": ("green",),
    "xanh ngọc": ("teal",), "xanh dương": ("blue",), "xanh lam": ("blue",), "xanh da trời": ("blue",),
    "xanh nước biển": ("blue",), "xanh": ("blue", "green"), "tím": ("purple",), "đen": ("black",),
    "xám": ("grey",), "trắng": ("white",), "màu be": ("beige",),
}
TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "colours": ("colour", "colours", "color", "colors", "màu"),
    "light": ("bright", "dark", "light", "contrast", "sáng", "tối", "tương phản"),
    "focus": ("where", "focus", "look first", "eye", "ở đâu", "chỗ nào", "điểm nhấn", "chú ý"),
    "format": ("shape", "portrait", "landscape", "format", "tall", "wide", "khổ", "dọc", "ngang", "hình dạng"),
    "temperature": ("warm", "cool", "cold", "ấm", "lạnh", "mát"),
    "busy": ("busy", "calm", "detail", "texture", "bận", "rối", "yên", "tĩnh", "chi tiết"),
    "label": ("who", "artist", "painted", "when", "year", "title", "name", "date", "ai vẽ", "tác giả", "họa sĩ",
              "năm", "tên", "niên đại"),
}
REGION_WORDS: dict[str, tuple[str, ...]] = {
    "top": ("top", "upper", "sky", "phía trên", "bên trên", "góc trên", "trên cùng"),
    "bottom": ("bottom", "lower", "phía dưới", "bên dưới", "góc dưới", "dưới cùng"),
    "left": ("left", "trái"), "right": ("right", "phải"),
    "centre": ("centre", "center", "middle", "ở giữa", "chính giữa", "trung tâm"),
}
# the words of a question that ask about nothing in particular (question words, articles, "picture", "see"); any
# other word left once these and the colour, topic and place words are taken out names an object, a person or an
# action, which colours and layout cannot tell
FRAME_WORDS: tuple[str, ...] = (
    "what", "which", "who", "whom", "whose", "where", "how", "is", "are", "was", "were", "be", "does", "do", "did",
    "can", "could", "you", "me", "us", "we", "i", "the", "a", "an", "of", "in", "on", "at", "to", "from", "by",
    "this", "that", "these", "those", "there", "here", "it", "its", "it's", "there's", "what's", "picture",
    "painting", "image", "artwork", "photo", "work", "much", "many", "any", "some", "and", "or", "with", "side",
    "part", "area", "corner", "half", "most", "mostly", "more", "less", "very", "see", "tell", "show", "say", "look",
    "looks", "like", "about", "please", "first", "go", "goes", "kind", "sort", "main", "overall", "whole", "all",
    "bức", "tranh", "này", "đó", "kia", "gì", "nào", "là", "có", "không", "của", "trong", "ở", "đâu", "bao",
    "nhiêu", "nhiều", "ít", "bên", "phía", "góc", "phần", "và", "hay", "hoặc", "những", "các", "một", "được", "thế",
    "sao", "như", "với", "nhất", "hơn", "rất", "cho", "tôi", "biết", "xem", "thấy", "nhìn", "chủ", "yếu", "toàn",
    "cả", "chính", "vậy", "ạ", "nhỉ", "không?", "trên", "dưới", "giữa",
)


def asks_beyond_colours(question: str) -> bool:
    """Whether a question names something colours, light and layout cannot tell: an object, a person, an action.

    >>> asks_beyond_colours("What is the girl on the left holding?"), asks_beyond_colours("Where is the blue?")
    (True, False)
    """
    rest = question.lower()
    known = [*COLOUR_WORDS, *(w for ws in TOPIC_WORDS.values() for w in ws),
             *(w for ws in REGION_WORDS.values() for w in ws)]
    for phrase in sorted(known, key=len, reverse=True):             # "xanh lá" before "xanh"
        rest = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", rest)
    words = re.findall(r"[\w']+", rest)
    return any(w not in FRAME_WORDS and not w.isdigit() for w in words)


def _mentions(question: str, words: tuple[str, ...] | list[str]) -> list[str]:
    """Which of ``words`` occur in ``question`` as whole words (Vietnamese syllables are whole words too)."""
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", question)]


def _asked_families(question: str) -> list[str]:
    hits = _mentions(question, list(COLOUR_WORDS))
    hits = [h for h in hits if not any(h != o and h in o for o in hits)]    # "xanh lá" wins over "xanh"
    return list(dict.fromkeys(f for h in hits for f in COLOUR_WORDS[h]))


def _asked_region(question: str) -> str | None:
    found = {k for k, words in REGION_WORDS.items() if _mentions(question, words)}
    if not found:
        return None
    row = 0 if "top" in found else (2 if "bottom" in found else 1)
    col = 0 if "left" in found else (2 if "right" in found else 1)
    return grid_key(row, col)


class Answerer(Writer):
    """Answers one follow-up question from the facts, in the request's language."""

    def colour_answer(self, family: str) -> str:
        idx = [i for i, k in enumerate(COLOUR_KEYS) if COLOURS[k] == family]
        mask = np.isin(self.f.labels, idx)
        share = float(mask.mean())
        name = colour_name(family, self.lang)
        if share < TRACE_SHARE:
            return self.say("colour_none", c=name)
        where = where_in_picture(mask)
        if share < PRESENT_SHARE:
            return self.say("colour_little", c=name, **self.at("centre" if where == "spread" else where))
        fmt = dict(c=name, share=share_words(share, self.lang), pct=max(1, round(share * 100)))
        if where == "spread":
            return cap(self.say("colour_all_over", **fmt))
        return cap(self.say("colour_yes", **fmt, **self.at(where)))

    def region_answer(self, key: str) -> str:
        mask = region_mask(self.f.labels.shape, key)
        counts = np.bincount(self.f.labels[mask], minlength=len(COLOUR_KEYS))
        families: dict[str, int] = {}
        for i in np.argsort(-counts):
            if counts[i]:
                families.setdefault(COLOURS[COLOUR_KEYS[i]], i)
        top = [colour_name(COLOUR_KEYS[i], self.lang) for i in list(families.values())[:2]]
        level = light_level(float(self.f.light_map[mask].mean()))
        return cap(self.say("region", at=self.at(key)["at"], top2=join(top, self.lang),
                            light=self.word("light", level)))

    def answers(self, question: str) -> list[str]:
        q = question.lower()
        topics = {t for t, words in TOPIC_WORDS.items() if _mentions(q, words)}
        out = [self.colour_answer(fam) for fam in _asked_families(q)]
        region = _asked_region(q)
        if region and not out:
            out.append(self.region_answer(region))
        elif "colours" in topics and not out:
            out.append(self.colours())
        out += [fn() for topic, fn in (("light", self.light), ("format", self.format),
                                       ("temperature", self.temperature), ("busy", self.busy)) if topic in topics]
        if "focus" in topics and not region and not _asked_families(q):
            out.append(self.focus())
        label = self.label_sentence(word_limit(self.tier, self.lang) // 2) if "label" in topics else None
        if label:
            return [label, self.say("label_only"), *out]
        if out and not asks_beyond_colours(q):
            return out
        if out:                                           # a part it can answer, said after what it cannot
            return [self.say("cannot"), *out]
        alt = self.alt()
        return [self.say("cannot"), self.say("can_say", alt=alt[:1].lower() + alt[1:])]

    def narration(self) -> list[str]:
        """Disclaimer first ("Offline answer: ..."), then the answers that fit (a question gets at least the short tier's room)."""
        limit = max(word_limit(self.tier, self.lang), word_limit("short", self.lang))
        return fit_sentences([disclaimer(self.lang, answer=True)], self.answers(clean_free_text(self.question) or ""), limit)
