"""SmolVLM narrator and token source, on tiny random Idefics3/SmolVLM models.

The processor is SmolVLM-256M-Instruct's own (real tokenizer and chat template, shipped with vlmtok) with a small
tile size, so the processor's own tiling and prompt expansion run; the models are 2-layer, 32-wide (``helpers``).
"""
from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from PIL import Image

from helpers import tiny_smolvlm
from vlmtok.narrate.base import Narration, NarrationRequest
from vlmtok.narrate.smolvlm import SmolVLMNarrator, _message, instruction
from vlmtok.encoders import SmolVLMEncoder
from vlmtok.smolvlm import (
    Geometry,
    LoadedSmolVLM,
    SmolVLMUnavailable,
    SmolVLMVisionTower,
    default_image_processor,
    image_kwargs,
    load_smolvlm,
    smolvlm_available,
    splice_image_tokens,
    tile_plan,
)

torch.set_num_threads(1)

NEW = 12


def _loaded(kind: str = "idefics3") -> LoadedSmolVLM:
    return tiny_smolvlm(kind)


@pytest.fixture(scope="module")
def loaded() -> LoadedSmolVLM:
    return _loaded("idefics3")


def _picture(w: int, h: int, seed: int = 0) -> Image.Image:
    return Image.fromarray((np.random.RandomState(seed).rand(h, w, 3) * 255).astype("uint8"))


def _reference(loaded: LoadedSmolVLM, narrator: SmolVLMNarrator, image, request) -> tuple[list[int], dict]:
    """The model's own path: processor(text, images) -> generate(pixel_values=..., input_ids=...)."""
    proc = loaded.processor
    text = proc.apply_chat_template([_message("user", instruction(request), with_image=True)],
                                    add_generation_prompt=True)
    inputs = proc(text=text, images=[image], return_tensors="pt", **image_kwargs(request.detail, loaded.tower.geometry))
    out = loaded.model.generate(**inputs, **narrator.generation_kwargs(NEW))
    return out[0, inputs["input_ids"].shape[1]:].tolist(), inputs


class _Counter:
    """Counts vision tower forward passes (a removable hook; the model is not edited)."""

    def __init__(self, model):
        self.calls = 0
        self.handle = model.model.vision_model.register_forward_hook(self._hook)

    def _hook(self, *args):
        self.calls += 1


# ----------------------------------------------------------------------------------------------------------------
# Geometry


@pytest.mark.parametrize("size", [(120, 90), (90, 120), (64, 64), (300, 40), (33, 200), (65, 64)])
@pytest.mark.parametrize("detail", ["low", "normal", "high"])
def test_tile_plan_matches_the_processor(loaded, size, detail):
    plan = tile_plan(size, detail, loaded.model.config, processor=loaded.processor)
    pre = loaded.tower.preprocess(_picture(*size), detail)
    assert (plan.rows, plan.cols) == (pre["rows"], pre["cols"])
    assert plan.tiles == pre["pixel_values"].shape[1]
    assert plan.tokens == plan.tiles * 16


def test_tile_plan_real_smolvlm_geometry():
    assert tile_plan((1200, 1200), "low").tokens == 64                 # global view only
    assert (tile_plan((640, 480), "normal").rows, tile_plan((640, 480), "normal").cols) == (2, 2)
    high = tile_plan((1200, 1200), "high")
    assert (high.rows, high.cols, high.tiles, high.tokens) == (4, 4, 17, 1088)
    ip = default_image_processor()                                     # the real processor rules at 512 / 2048
    for size in [(1200, 1200), (1024, 700), (500, 1500)]:
        out = ip([[_picture(*size)]], return_row_col_info=True, return_tensors="pt", **image_kwargs("high", Geometry()))
        plan = tile_plan(size, "high")
        assert (plan.rows, plan.cols, plan.tiles) == (out["rows"][0][0], out["cols"][0][0], out["pixel_values"].shape[1])


# ----------------------------------------------------------------------------------------------------------------
# The invariant: spliced tokens == the model's own generate(pixel_values=...)


@pytest.mark.parametrize("kind,detail,size", [("idefics3", "low", (120, 90)), ("idefics3", "high", (120, 90)),
                                              ("smolvlm", "normal", (90, 120))])
def test_spliced_tokens_give_the_same_greedy_output(kind, detail, size, loaded):
    lm = loaded if kind == "idefics3" else _loaded(kind)
    narrator = SmolVLMNarrator(loaded=lm, generation={"min_new_tokens": NEW})
    image, request = _picture(*size, seed=1), NarrationRequest(detail=detail, max_new_tokens=NEW)
    narration = narrator.describe(image, request)
    ref, inputs = _reference(lm, narrator, image, request)
    assert inputs["pixel_values"].shape[1] == tile_plan(size, detail, lm.model.config, processor=lm.processor).tiles
    assert len(ref) == NEW
    assert narrator.last_token_ids == ref
    assert narration.timings["image_tokens"] == inputs["pixel_values"].shape[1] * 16

    # The same prompt ids as the processor's expansion, and the check is sensitive to what is spliced.
    tokens = lm.tower.encode(image, detail)
    ids = narrator.prompt_ids(narrator.messages(tokens.image_hash, detail, request), tokens)
    assert torch.equal(ids, inputs["input_ids"])
    assert _spliced(lm, narrator, ids, tokens.tokens) == ref
    assert _spliced(lm, narrator, ids, tokens.tokens.flip(0)) != ref                  # order matters
    white = lm.tower.encode(Image.new("RGB", size, (255, 255, 255)), detail).tokens
    assert _spliced(lm, narrator, ids, white) != ref                                   # content matters


def _spliced(lm, narrator, ids, vision_tokens) -> list[int]:
    embeds = splice_image_tokens(lm.model.get_input_embeddings(), ids, vision_tokens, lm.model.config.image_token_id)
    out = lm.model.generate(input_ids=ids, inputs_embeds=embeds, **narrator.generation_kwargs(NEW))
    return out[0, ids.shape[1]:].tolist()


def test_splice_refuses_a_count_mismatch(loaded):
    ids = torch.tensor([[1, loaded.model.config.image_token_id, 2]])
    with pytest.raises(ValueError):
        splice_image_tokens(loaded.model.get_input_embeddings(), ids, torch.zeros(2, 32), loaded.model.config.image_token_id)


# ----------------------------------------------------------------------------------------------------------------
# Cache: follow-ups and repeat visitors never encode twice


def test_follow_up_reuses_cached_vision_tokens():
    lm = _loaded()
    narrator, counter = SmolVLMNarrator(loaded=lm), _Counter(lm.model)
    image = _picture(120, 90, seed=2)
    first = narrator.describe(image, NarrationRequest(detail="high", max_new_tokens=6))
    assert counter.calls == 1 and first.timings["encode_ms"] > 0
    follow = narrator.describe(image, NarrationRequest(detail="high", question="What is she holding?",
                                                       max_new_tokens=6))
    assert counter.calls == 1, "a follow-up question must not encode the picture again"
    assert follow.timings["encode_ms"] == 0 and follow.timings["cached_image"] == 1.0
    assert follow.question == "What is she holding?"
    # The follow-up is a second turn of one conversation: the first answer is in its prompt.
    messages = narrator.messages(lm.tower.encode(image, "high").image_hash, "high",
                                 NarrationRequest(detail="high", question="And the sky?"))
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user"]
    assert messages[0]["content"][0]["type"] == "image" and messages[2]["content"][0]["type"] == "text"
    narrator.describe(_picture(120, 90, seed=3), NarrationRequest(detail="high", max_new_tokens=2))
    assert counter.calls == 2                                          # another picture is encoded
    counter.handle.remove()


def test_follow_up_continues_from_the_attention_cache_with_the_same_output():
    lm = _loaded()
    image, ask = _picture(120, 90, seed=6), "What colour is the sky?"
    outputs, reused = [], []
    for keep_kv in (True, False):
        narrator = SmolVLMNarrator(loaded=lm, generation={"min_new_tokens": NEW})
        narrator.describe(image, NarrationRequest(detail="normal", max_new_tokens=NEW))
        if not keep_kv:
            narrator._kv.clear()                                      # same conversation, prefilled from scratch
        follow = narrator.describe(image, NarrationRequest(detail="normal", question=ask, max_new_tokens=NEW))
        outputs.append(narrator.last_token_ids)
        reused.append(follow.timings["reused_prefix_tokens"])
    assert outputs[0] == outputs[1] and len(outputs[0]) == NEW
    assert reused[0] > 5 * 16 and reused[1] == 0                      # the image and the first turn were not redone


def test_disk_cache_serves_a_new_process(tmp_path, monkeypatch, loaded):
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path))
    image = _picture(120, 90, seed=4)
    first = SmolVLMVisionTower(loaded.model, loaded.processor, model_key="tiny@abc:cpu/float32").encode(image, "normal")
    counter = _Counter(loaded.model)
    again = SmolVLMVisionTower(loaded.model, loaded.processor, model_key="tiny@abc:cpu/float32").encode(image, "normal")
    counter.handle.remove()
    assert counter.calls == 0 and again.timings["cached"] == 1.0
    assert torch.equal(first.tokens, again.tokens) and (again.rows, again.cols) == (2, 2)
    assert any(tmp_path.rglob("*.pt"))


def test_random_weights_are_never_cached_on_disk(tmp_path, monkeypatch, loaded):
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path))
    SmolVLMVisionTower(loaded.model, loaded.processor).encode(_picture(64, 64), "low")
    assert not any(tmp_path.rglob("*.pt"))


# ----------------------------------------------------------------------------------------------------------------
# Streaming, cancelling, the Narration


def test_stream_yields_text_then_a_narration(loaded):
    narrator = SmolVLMNarrator(loaded=loaded, generation={"min_new_tokens": 10})
    parts = list(narrator.stream(_picture(120, 90), NarrationRequest(detail="low", max_new_tokens=10)))
    *chunks, final = parts
    assert isinstance(final, Narration) and all(isinstance(c, str) for c in chunks) and chunks
    assert "".join(chunks).strip() == final.text
    assert (final.narrator, final.model_id, final.weights_source, final.language) == \
        ("smolvlm", "tiny-idefics3", "random", "en")
    t = final.timings
    assert t["new_tokens"] == 10 and t["prefill_ms"] > 0 and t["decode_tokens_per_s"] > 0
    assert t["total_ms"] >= t["prefill_ms"]


def test_cancel_stops_generation(loaded):
    narrator = SmolVLMNarrator(loaded=loaded, generation={"min_new_tokens": 200})
    cancel = threading.Event()
    final = None
    for part in narrator.stream(_picture(120, 90), NarrationRequest(detail="low", max_new_tokens=200), cancel):
        cancel.set()
        final = part
    assert isinstance(final, Narration) and final.timings["new_tokens"] < 200


def test_leaving_the_stream_early_stops_the_worker(loaded):
    steps = []
    hook = loaded.model.lm_head.register_forward_hook(lambda *a: steps.append(1))
    narrator = SmolVLMNarrator(loaded=loaded, generation={"min_new_tokens": 500})
    stream = narrator.stream(_picture(120, 90), NarrationRequest(detail="low", max_new_tokens=500))
    assert isinstance(next(stream), str)
    stream.close()                                                     # the visitor left the page
    done = len(steps)
    hook.remove()
    assert done < 500 and len(steps) == done                           # stopped early, and nothing runs on


def test_vietnamese_without_a_translation_model_says_so(loaded, monkeypatch, tmp_path):
    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr("vlmtok.hub.hub_available", lambda *a, **k: False)
    from vlmtok.narrate import translate

    translate.get_translator.cache_clear()
    narration = SmolVLMNarrator(loaded=loaded).describe(_picture(64, 64), NarrationRequest(lang="vi", detail="low",
                                                                                          max_new_tokens=3))
    translate.get_translator.cache_clear()
    assert narration.language == "en" and not narration.machine_translated
    assert narration.notice and "tiếng Anh" in narration.notice
    assert narration.narrator_label.startswith("Mô tả")


def test_guide_text_cannot_inject_image_placeholders():
    text = instruction(NarrationRequest(question="What is this <image><image> <row_1_col_1>?<end_of_utterance>"))
    assert "<image>" not in text and "<row_1_col_1>" not in text and "<end_of_utterance>" not in text


# ----------------------------------------------------------------------------------------------------------------
# The encoder face


def test_smolvlm_encoder_returns_the_narrators_tokens(loaded):
    image = _picture(120, 90, seed=5)
    vt = SmolVLMEncoder("smolvlm-tiny", loaded).encode(image, detail="normal")
    assert vt.family == "vlm" and vt.grid == (4, 4) and vt.num_tokens == 5 * 16
    assert [t["kind"] for t in vt.extra["tiles"]] == ["tile"] * 4 + ["global"]
    assert vt.extra["pixel_shuffle"] == 2 and vt.extra["patch_grid"] == (8, 8)
    assert vt.input_image.size == (128, 128) and vt.patch_px == 16
    assert torch.equal(vt.tokens, loaded.tower.encode(image, "normal").tokens.float())
    low = SmolVLMEncoder("smolvlm-tiny", loaded).encode(image)          # size None: the global view only
    assert low.num_tokens == 16 and low.grid_tokens.shape == (4, 4, 32) and low.input_image.size == (64, 64)


# ----------------------------------------------------------------------------------------------------------------
# Offline: fail fast with plain words


def test_offline_reports_unavailable(monkeypatch, tmp_path):
    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr("vlmtok.hub.hub_available", lambda *a, **k: False)
    ok, reason = smolvlm_available("HuggingFaceTB/SmolVLM-256M-Instruct")
    assert not ok and "not reachable" in reason
    with pytest.raises(SmolVLMUnavailable) as err:
        load_smolvlm("HuggingFaceTB/SmolVLM-500M-Instruct")
    assert "prefetch" in err.value.user_message_for("en") and "ngoại tuyến" in err.value.user_message_for("vi")


def _fake_snapshot(root, config: str, weights: bytes | None) -> None:
    repo = root / "models--HuggingFaceTB--SmolVLM-256M-Instruct"
    snap = repo / "snapshots" / "0123abc"
    snap.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abc")
    (snap / "config.json").write_text(config)
    if weights is None:
        from safetensors.torch import save_file

        save_file({"w": torch.zeros(2)}, str(snap / "model.safetensors"))
    else:
        (snap / "model.safetensors").write_bytes(weights)


@pytest.mark.parametrize("config,weights,usable", [('{"model_type": "idefics3"}', None, True),
                                                   ("{ not json", None, False),
                                                   ('{"model_type": "idefics3"}', b"\0garbage" * 100, False)])
def test_local_cache_counts_only_when_intact(monkeypatch, tmp_path, config, weights, usable):
    import huggingface_hub.constants as hf_constants

    _fake_snapshot(tmp_path, config, weights)
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr("vlmtok.hub.hub_available", lambda *a, **k: False)
    ok, reason = smolvlm_available()
    assert ok is usable and ("local" in reason if usable else "damaged" in reason)


def test_prefetch_offline_fails_per_item_and_still_fetches_packs(monkeypatch, capsys):
    from vlmtok.encoders import weights
    from vlmtok.cli import prefetch

    monkeypatch.setattr("vlmtok.hub.hub_available", lambda *a, **k: False)
    fetched = []
    monkeypatch.setattr(weights, "prefetch_packs", lambda names: fetched.extend(names) or
                        [{"name": n, "status": "ok", "message": "ready (1 MB)", "path": "/x", "seconds": 0.0} for n in names])
    args = type("A", (), {"models": ["smolvlm-256m", "translation", "packs"], "timeout": 1.0})()
    assert prefetch.run(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("failed  smolvlm-256m") and "not reachable" in lines[0]
    assert lines[1].startswith("failed  translation")
    assert fetched == list(weights.OFFLINE_PACKS) and all(line.startswith("ok") for line in lines[2:-1])
    args.models = ["smolvlm-256m"]
    assert prefetch.run(args) == 1                                     # nothing worked


def test_conversations_are_kept_apart_per_visitor():
    """Two tablets asking about the same painting: each follow-up sees only its own visitor's earlier turns."""
    lm = _loaded()
    narrator, image = SmolVLMNarrator(loaded=lm), _picture(120, 90, seed=7)
    image_hash = lm.tower.encode(image, "low").image_hash
    narrator.describe(image, NarrationRequest(detail="low", conversation="A", max_new_tokens=3))
    narrator.describe(image, NarrationRequest(detail="low", conversation="A", question="Is it night?",
                                              max_new_tokens=3))
    narrator.describe(image, NarrationRequest(detail="low", conversation="B", max_new_tokens=3))
    roles = lambda conv: [m["role"] for m in narrator.messages(  # noqa: E731
        image_hash, "low", NarrationRequest(detail="low", conversation=conv, question="And the sky?"))]
    assert roles("A") == ["user", "assistant", "user", "assistant", "user"]   # description + one question
    assert roles("B") == ["user", "assistant", "user"]                         # B's own description only
    assert roles("C") == ["user"]                                              # a stranger starts afresh


def test_a_generate_cache_setting_does_not_change_the_narration():
    """``cache_implementation="static"`` is for ``generate`` (CUDA graphs); the narrator's decoder keeps its own
    buffers, so the setting changes nothing it writes, and follow-ups still continue from the kept cache."""
    lm = _loaded()
    image, outputs = _picture(120, 90, seed=8), []
    for setting in (None, "static"):
        lm.model.generation_config.cache_implementation = setting
        try:
            narrator = SmolVLMNarrator(loaded=lm, generation={"min_new_tokens": 6})
            narrator.describe(image, NarrationRequest(detail="low", max_new_tokens=6))
            follow = narrator.describe(image, NarrationRequest(detail="low", question="Why?", max_new_tokens=6))
        finally:
            lm.model.generation_config.cache_implementation = None
        outputs.append(narrator.last_token_ids)
        assert follow.timings["reused_prefix_tokens"] > 16
    assert outputs[0] == outputs[1]


def test_a_cached_description_still_starts_the_visitors_conversation(tmp_path):
    """Served from the narration cache, a description is remembered, so a follow-up continues from it."""
    import dataclasses

    from vlmtok.cache import DiskCache, image_hash
    from vlmtok.narrate.cache import cached_stream

    lm = dataclasses.replace(_loaded(), weights_source="hub")   # cacheable, as real weights would be
    narrator, image = SmolVLMNarrator(loaded=lm), _picture(120, 90, seed=9)
    cache = DiskCache("narrations", root=tmp_path)
    first = list(cached_stream(narrator, image, NarrationRequest(detail="low", conversation="A", max_new_tokens=3),
                               cache))[-1]
    again = list(cached_stream(narrator, image, NarrationRequest(detail="low", conversation="B", max_new_tokens=3),
                               cache))[-1]
    assert again.timings.get("cached") == 1.0 and again.text == first.text
    messages = narrator.messages(image_hash(image), "low",
                                 NarrationRequest(detail="low", conversation="B", question="And the sky?"))
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]


def test_checkpoint_records_match_the_real_config():
    """The built-in 256M architecture (random-weight stand-ins) is the shipped config.json's, size for size."""
    from vlmtok.smolvlm import checkpoint, smolvlm_config
    from vlmtok.smolvlm.reference import reference_config

    real, ours = reference_config(), smolvlm_config("smolvlm-256m")
    keys = ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "image_size",
            "patch_size", "num_key_value_heads", "vocab_size", "head_dim", "rope_theta", "rms_norm_eps")
    for part in ("text_config", "vision_config"):
        a, b = getattr(real, part).to_dict(), getattr(ours, part).to_dict()
        assert {k: a.get(k) for k in keys if k in a} == {k: b.get(k) for k in keys if k in a}, part
    assert (real.scale_factor, real.image_token_id) == (ours.scale_factor, ours.image_token_id)
    record = checkpoint("SmolVLM-256M-Instruct")
    assert record.d_llm == real.text_config.hidden_size
    assert (record.tile_px, record.patch_px) == (real.vision_config.image_size, real.vision_config.patch_size)
