"""What to ask the vision-language model, and how long an answer may be.

Museum narration in three tiers (alt text, short, long) for two audiences (adult, child). The museum label typed
by the guide is the only source allowed for art-history claims: without it the model is told to describe only
what is visible and not to guess artist, date or technique. SmolVLM writes English; Vietnamese comes later from
the translator, so every prompt here asks for English.

>>> msgs = build_messages(NarrationRequest(tier="alt", audience="child"))
>>> msgs[0]["content"][0]
{'type': 'image'}
"""
from __future__ import annotations

import re
from dataclasses import replace
from collections.abc import Sequence

from vlmtok.i18n import LANGUAGES, language_facts, normalize_lang
from vlmtok.choices import checked
from vlmtok.narrate.base import NarrationRequest
from vlmtok.text import split_sentences

# Target length of each tier in English words; alt text is a hard ceiling, short and long are "about".
TIER_WORDS: dict[str, int] = {"alt": 30, "short": 60, "long": 150}
TIER_SLACK: dict[str, float] = {"alt": 1.0, "short": 1.15, "long": 1.15}
# Vietnamese is counted in space-separated syllables: the same content takes about 1.4x as many.
LANG_WORD_FACTOR: dict[str, float] = {lang: float(language_facts(lang)["words_per_word"]) for lang in LANGUAGES}
TOKENS_PER_WORD = 1.6        # English words -> new tokens for generation, with room for punctuation
MAX_FREE_TEXT = 400          # label and question text are capped (the public demo takes any input)

_WORD = re.compile(r"\S+")


def check_request(request: NarrationRequest) -> NarrationRequest:
    """Validate tier and audience (``vlmtok.choices.ChoiceRefused``, a ValueError naming the choices); normalise the
    language."""
    checked(tier=request.tier, audience=request.audience)
    return replace(request, lang=normalize_lang(request.lang))


def count_words(text: str) -> int:
    """Space-separated words (Vietnamese: syllables)."""
    return len(_WORD.findall(text))


def word_limit(tier: str, lang: str = "en") -> int:
    """Most words a narration of ``tier`` may have in ``lang`` (alt: 30 in English, 42 syllables in Vietnamese)."""
    factor = LANG_WORD_FACTOR[normalize_lang(lang)] if normalize_lang(lang) in LANGUAGES else 1.0
    return int(TIER_WORDS[tier] * TIER_SLACK[tier] * factor)


def max_new_tokens(tier: str) -> int:
    """A generation budget for ``tier`` that lets the model finish its last sentence."""
    return int(TIER_WORDS[tier] * TIER_SLACK[tier] * TOKENS_PER_WORD) + 16


def fit_words(text: str, limit: int) -> str:
    """Keep whole sentences while they fit in ``limit`` words; if even the first does not, cut it and add '…'."""
    kept: list[str] = []
    for sentence in split_sentences(text):
        if count_words(" ".join([*kept, sentence])) > limit:
            break
        kept.append(sentence)
    if kept:
        return " ".join(kept)
    words = _WORD.findall(text)[:limit]
    return " ".join(words).rstrip(".,;:") + "…" if words else ""


def clean_free_text(text: str | None) -> str | None:
    """Guide- or visitor-typed text made safe to quote: one line, no control characters, double quotes made
    single (so it cannot close the quote it sits in), at most MAX_FREE_TEXT characters. Empty -> None."""
    if not text:
        return None
    text = "".join(ch if ch.isprintable() else " " for ch in text).replace('"', "'")
    text = re.sub(r"\s+", " ", text).strip()[:MAX_FREE_TEXT].strip()
    return text or None


# ------------------------------------------------------------------------------------------------- prompt parts

_ROLE = ("You are a museum guide describing an artwork for visitors, some of whom are blind or have low vision "
         "and will hear your words read aloud.")
_TIER_TASK = {
    "alt": "Write alt text for this artwork: one or two sentences, at most {words} words, naming the main subject, "
           "the main colours and the layout. Do not begin with 'This image shows'.",
    "short": "Describe this artwork in about {words} words: the main subject, the colours and light, and where "
             "things are in the picture.",
    "long": "Describe this artwork in about {words} words. Start with the main subject, then describe the details "
            "from foreground to background and from left to right, then the colours, the light and the mood.",
}
_AUDIENCE = {
    "adult": "Use clear, plain English; avoid jargon.",
    "child": "Write for a child of about eight: short sentences, simple everyday words, warm and curious, "
             "perhaps inviting the child to look for something in the picture.",
}
_WITH_LABEL = ('The museum label for this artwork reads: "{label}". You may use the title, artist and date from '
               "this label. Do not add any other facts about the artist, the date, the place, the style or the "
               "technique.")
_NO_LABEL = ("Describe only what is visible. Do not guess the title, the artist, the date, the place, the style or "
             "the technique, and do not say which famous work it might be.")
_HONESTY = "If you are unsure what something is, say what it looks like instead. Write in English."
_QUESTION = ('A visitor asks about this artwork: "{question}" Answer in at most {words} words, using only what is '
             "visible in the picture{label_part}. If the picture does not show the answer, say that you cannot "
             "tell from the picture.")


def _label_sentence(request: NarrationRequest) -> str:
    label = clean_free_text(request.label_text)
    return _WITH_LABEL.format(label=label) if label else _NO_LABEL


def describe_prompt(request: NarrationRequest) -> str:
    """The instruction for a first description of the artwork (English)."""
    request = check_request(request)
    task = _TIER_TASK[request.tier].format(words=TIER_WORDS[request.tier])
    return " ".join([_ROLE, task, _AUDIENCE[request.audience], _label_sentence(request), _HONESTY])


def question_prompt(request: NarrationRequest) -> str:
    """The instruction for a follow-up question (``request.question``) about the same artwork (English)."""
    request = check_request(request)
    question = clean_free_text(request.question)
    if not question:
        raise ValueError("question_prompt needs request.question")
    label_part = " and the museum label" if clean_free_text(request.label_text) else ""
    ask = _QUESTION.format(question=question, words=TIER_WORDS[request.tier], label_part=label_part)
    return " ".join([ask, _AUDIENCE[request.audience], _label_sentence(request), _HONESTY])


def prompt_for(request: NarrationRequest) -> str:
    """``question_prompt`` when the request carries a question, else ``describe_prompt``."""
    return question_prompt(request) if clean_free_text(request.question) else describe_prompt(request)


def build_messages(request: NarrationRequest, history: Sequence[tuple[str, str]] = ()) -> list[dict]:
    """Chat messages for the processor's chat template; the image goes in the first user turn only.

    Args:
        request: what the guide asked for; ``request.question`` makes this a follow-up turn.
        history: earlier ``(user prompt, assistant reply)`` turns about the same image, oldest first.

    Returns:
        ``[{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": ...}]}, ...]``
    """
    turns = [*history, (prompt_for(request), None)]
    messages: list[dict] = []
    for i, (user, reply) in enumerate(turns):
        content = ([{"type": "image"}] if i == 0 else []) + [{"type": "text", "text": user}]
        messages.append({"role": "user", "content": content})
        if reply is not None:
            messages.append({"role": "assistant", "content": [{"type": "text", "text": reply}]})
    return messages


def vlm_prompt(request: NarrationRequest) -> str:
    """The user turn's text for a vision-language model: ``prompt_for(request)`` (the SmolVLM narrator's hook)."""
    return prompt_for(request)
