"""Narrations reused across visitors and restarts, keyed by the picture's content and everything that shapes the text.

A SmolVLM description costs seconds on a CPU; a tour group photographing the same painting should pay once.
Follow-up questions are not cached (they depend on the conversation), nor are narrations from random weights
(they describe nothing) or streams that were cancelled before the end.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator

from PIL import Image

from vlmtok.cache import DiskCache, cache_key, image_hash
from vlmtok.narrate.base import Narration, NarrationRequest, detail_of

log = logging.getLogger(__name__)

CACHE_NAME = "narrations"
CACHE_BYTES = 64 * 1024 * 1024   # ~1 KB a narration: tens of thousands of artworks
VERSION = 2                      # bump when a narrator changes what it would write (the prompt is in the key)



def narration_cache() -> DiskCache:
    """The shared narration cache, under the current cache folder (``VLMTOK_CACHE`` is read each time)."""
    return DiskCache(CACHE_NAME, max_bytes=CACHE_BYTES)


def narrator_identity(narrator) -> tuple:
    """Who writes, as far as it changes the words: name, model, its revision or weights, and the server it runs on
    (``narrator.identity()``; a narrator without one is its name and model)."""
    identity = getattr(narrator, "identity", None)
    return tuple(identity()) if callable(identity) else (narrator.name, getattr(narrator, "model_id", None))


def narration_key(narrator, image: Image.Image | str, request: NarrationRequest) -> str:
    """Everything that changes the words: the picture (or its content hash), who writes it (``narrator_identity``),
    the detail it is read at ("auto" resolved by the narrator), the guide's choices and the prompt itself."""
    from vlmtok.narrate import prompts

    r = request
    digest = image if isinstance(image, str) else image_hash(image)
    return cache_key(VERSION, digest, narrator_identity(narrator), detail_of(narrator, r), r.lang, r.tier,
                     r.audience, r.label_text or "", r.max_new_tokens, prompts.prompt_for(r))


def cached_stream(narrator, image: Image.Image, request: NarrationRequest,
                  cache: DiskCache | None = None, digest: str | None = None) -> Iterator[str | Narration]:
    """``narrator.stream`` with a disk cache in front: a hit yields the whole text at once, then the Narration.

    ``digest``: the picture's content hash when the caller has it (``vlmtok.session.Picture``)."""
    if request.question:
        yield from narrator.stream(image, request)
        return
    cache = cache or narration_cache()
    key = narration_key(narrator, digest or image, request)
    hit = cache.get_json(key)
    if hit is not None:
        narration = Narration(**{**hit, "timings": {**hit.get("timings", {}), "cached": 1.0}})
        remember = getattr(narrator, "remember", None)
        if remember is not None:  # a follow-up question then continues from this description
            remember(image, request, narration)
        yield narration.text
        yield narration
        return
    for part in narrator.stream(image, request):
        # random weights describe nothing; English kept for a Vietnamese request waits for a translator; a
        # stand-in's narration (the offline narrator answering for a server that failed) is not this narrator's
        if (isinstance(part, Narration) and part.weights_source != "random" and part.language == request.lang
                and part.narrator == narrator.name):
            cache.put_json(key, dataclasses.asdict(part))
        yield part
