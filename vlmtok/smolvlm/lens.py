"""The projection lens: which words of the language model lie nearest to an image token.

SmolVLM's connector projects every image token into the language model's input space, where its word embeddings
live too. The cosine similarity of an image token to every row of the input-embedding table ranks the vocabulary;
the top words are a first look at what the language model "reads" from that part of the picture. With random
weights the ranking is noise, and the app says so.

>>> nearest_words(loaded, vision_tokens[:1], k=3)      # doctest: +SKIP
[[('sky', 0.21), ('blue', 0.19), ('sea', 0.18)]]
"""
from __future__ import annotations

import functools

import torch
import torch.nn.functional as F


@functools.lru_cache(maxsize=1)
def _shipped_tokenizer():
    from vlmtok.smolvlm.reference import reference_processor

    return reference_processor().tokenizer


def tokenizer_of(loaded):
    """The loaded processor's tokenizer, else the real SmolVLM tokenizer shipped with vlmtok (random stand-ins)."""
    return getattr(loaded.processor, "tokenizer", None) or _shipped_tokenizer()


def _word(tokenizer, index: int) -> str:
    """A vocabulary entry as text ("Ġsky" -> "sky"); special tokens keep their markup."""
    piece = tokenizer.convert_ids_to_tokens(index)
    text = tokenizer.convert_tokens_to_string([piece]).strip()
    return text or piece


@torch.no_grad()
def nearest_words(loaded, tokens: torch.Tensor, k: int = 8) -> list[list[tuple[str, float]]]:
    """For each image token ``[n, D]``, the ``k`` vocabulary entries nearest by cosine: ``[(word, cos), ...]``.

    Args:
        loaded: a ``LoadedSmolVLM`` (its language model's input embeddings and its tokenizer).
        tokens: image tokens in the language model's space (after the connector), ``D`` = the model's width.

    Only ids the tokenizer can write back are ranked (a table padded past the vocabulary has rows no word owns).
    """
    table = loaded.model.get_input_embeddings().weight                   # [V, D]
    tokenizer = tokenizer_of(loaded)
    vocab = min(int(table.shape[0]), len(tokenizer))
    emb = F.normalize(table[:vocab].float(), dim=-1)                     # [V, D]
    q = F.normalize(tokens.to(emb.device).float(), dim=-1)               # [n, D]
    cos, ids = (q @ emb.T).topk(min(k, vocab), dim=-1)                   # [n, k]
    return [[(_word(tokenizer, int(i)), float(c)) for i, c in zip(row_ids, row_cos)]
            for row_ids, row_cos in zip(ids.tolist(), cos.tolist())]
