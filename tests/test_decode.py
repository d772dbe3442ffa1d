"""The greedy decoder (``vlmtok.smolvlm.decode``): ``generate``'s tokens, one short step per token; int8 weights.

Tiny random SmolVLMs around the real processor (``helpers``); one check on the real 256M architecture is slow.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from helpers import tiny_smolvlm
from vlmtok.narrate.base import NarrationRequest
from vlmtok.narrate.smolvlm import SmolVLMNarrator
from vlmtok.smolvlm import splice_image_tokens
from vlmtok.smolvlm.decode import FastStep, greedy

torch.set_num_threads(1)


def _prompt(loaded, detail="normal", seed=0):
    narrator = SmolVLMNarrator(loaded=loaded)
    image = Image.fromarray((np.random.RandomState(seed).rand(90, 120, 3) * 255).astype("uint8"))
    tokens = loaded.tower.encode(image, detail)
    ids = narrator.prompt_ids(narrator.messages(tokens.image_hash, detail, NarrationRequest()), tokens)
    with torch.inference_mode():
        embeds = splice_image_tokens(loaded.model.get_input_embeddings(), ids, tokens.tokens,
                                     loaded.model.config.image_token_id)
    return narrator, ids, embeds


def _generate(loaded, narrator, ids, embeds, n: int, min_new: int) -> list[int]:
    kw = {**narrator.generation_kwargs(n), "min_new_tokens": min_new}
    with torch.inference_mode():
        out = loaded.model.generate(input_ids=ids, inputs_embeds=embeds, attention_mask=torch.ones_like(ids), **kw)
    return out[0, ids.shape[1]:].tolist()


def _greedy(loaded, narrator, embeds, n: int, min_new: int, fast: bool = True) -> list[int]:
    from transformers import DynamicCache

    return list(greedy(loaded.model, embeds, DynamicCache(), max_new_tokens=n, eos=narrator.engine.eos_ids(),
                       min_new_tokens=min_new, fast=fast))


@pytest.mark.parametrize("dtype", ["bfloat16", "float32"])     # float32: the CPU's own attention for one query
@pytest.mark.parametrize("kind", ["idefics3", "smolvlm"])
def test_the_fast_step_writes_generates_tokens(kind, dtype):
    loaded = tiny_smolvlm(kind)
    loaded.model.to(getattr(torch, dtype))
    assert FastStep.supports(loaded.model)
    narrator, ids, embeds = _prompt(loaded)
    reference = _generate(loaded, narrator, ids, embeds, 40, 40)
    assert len(set(reference)) > 3                                    # not a degenerate repeat of one token
    assert _greedy(loaded, narrator, embeds, 40, 40) == reference
    assert _greedy(loaded, narrator, embeds, 40, 40, fast=False) == reference


@pytest.mark.parametrize("dtype", ["bfloat16", "float32"])
def test_the_fast_step_matches_the_models_forward_logits(dtype):
    """Position by position, the hand-written step gives the model's own logits (a wrong rope, norm, attention or
    cache write shows here before it changes a greedy token)."""
    from transformers import DynamicCache

    from vlmtok.smolvlm.decode import _forward_step, cache_kwarg

    loaded = tiny_smolvlm()
    loaded.model.to(getattr(torch, dtype))
    _, ids, embeds = _prompt(loaded, seed=1)
    caches = [DynamicCache(), DynamicCache()]
    step = FastStep(loaded.model)
    with torch.inference_mode():
        for cache in caches:
            loaded.model(inputs_embeds=embeds, use_cache=True, **{cache_kwarg(loaded.model): cache})
        for token in (5, 900, 17, 49000, 3):
            t = torch.tensor([[token]])
            a, b = step(t, caches[0]), _forward_step(loaded.model, t, caches[1])
            assert torch.allclose(a, b, atol=1e-5, rtol=1e-5)
    assert caches[0].get_seq_length() == caches[1].get_seq_length() == ids.shape[1] + 5


def test_eos_ends_the_narration_and_min_new_tokens_holds_it_off():
    loaded = tiny_smolvlm()
    narrator, ids, embeds = _prompt(loaded, seed=2)
    eos = narrator.engine.eos_ids()
    free = _greedy(loaded, narrator, embeds, 30, 0)
    assert free == _generate(loaded, narrator, ids, embeds, 30, 0)
    if free[-1] in eos:                                              # a free run that ended by itself
        assert all(t not in eos for t in free[:-1])
    held = _greedy(loaded, narrator, embeds, 30, 30)
    assert len(held) == 30 and all(t not in eos for t in held)


def test_closing_the_decoder_stops_it():
    from transformers import DynamicCache

    loaded = tiny_smolvlm()
    _, ids, embeds = _prompt(loaded, seed=3)
    cache = DynamicCache()
    decoding = greedy(loaded.model, embeds, cache, max_new_tokens=500, min_new_tokens=500)
    [next(decoding) for _ in range(3)]
    decoding.close()
    assert cache.get_seq_length() == ids.shape[1] + 2                 # the third token was never fed back


def test_int8_weights_shrink_the_language_model_and_are_labelled(monkeypatch):
    from vlmtok.smolvlm.int8 import is_int8, linear_bytes, quantize_language_model
    from vlmtok.smolvlm.decode import text_model

    loaded = tiny_smolvlm()
    assert quantize_language_model(loaded.model) == {} and not is_int8(loaded.model)   # bfloat16: left alone
    loaded.model.float()
    vision_before = linear_bytes(loaded.model.model.vision_model)
    sizes = quantize_language_model(loaded.model)
    assert is_int8(loaded.model) and sizes["after_mb"] < 0.26 * sizes["before_mb"]      # 1 byte a weight, not 4
    assert linear_bytes(loaded.model.model.vision_model) == vision_before            # the tower stays float32
    assert not any(isinstance(m, torch.nn.Linear) for m in text_model(loaded.model).modules())
    assert quantize_language_model(loaded.model) == {}                               # once
    narrator = SmolVLMNarrator(loaded=loaded, generation={"min_new_tokens": 6})
    narration = narrator.describe(Image.new("RGB", (64, 64), (200, 40, 40)),
                                  NarrationRequest(detail="low", max_new_tokens=6))
    assert narration.timings["int8"] == 1.0 and narration.timings["new_tokens"] == 6
    assert "int8" in narration.narrator_label


def test_int8_is_chosen_by_setting(monkeypatch):
    from vlmtok import settings

    monkeypatch.setenv("VLMTOK_INT8", "1")
    assert settings.int8() is True
    monkeypatch.setenv("VLMTOK_INT8", "0")
    assert settings.int8() is False


@pytest.mark.slow
def test_the_fast_step_writes_generates_tokens_on_the_256m_architecture():
    from vlmtok.bench.narrate import bench_image, standin_smolvlm

    loaded = standin_smolvlm()
    narrator = SmolVLMNarrator(loaded=loaded)
    tokens = loaded.tower.encode(bench_image(600), "low")
    ids = narrator.prompt_ids(narrator.messages(tokens.image_hash, "low", NarrationRequest()), tokens)
    with torch.inference_mode():
        embeds = splice_image_tokens(loaded.model.get_input_embeddings(), ids, tokens.tokens,
                                     loaded.model.config.image_token_id)
    reference = _generate(loaded, narrator, ids, embeds, 24, 24)
    assert _greedy(loaded, narrator, embeds, 24, 24) == reference
