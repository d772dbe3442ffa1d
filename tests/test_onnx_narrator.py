"""The CPU narrator: a tiny random SmolVLM exported with the published ONNX files' names, run in ONNX Runtime.

The PyTorch narrator is the reference: the fp32 export writes its greedy tokens exactly (first description and a
follow-up that continues from the kept cache); the quantised files stay close; the vision encoder file gives the
PyTorch tower's tokens; the same narrator finds the published layout in a local Hugging Face cache, and "auto"
picks it there.
"""
from __future__ import annotations

import shutil

import numpy as np
import onnxruntime as ort
import pytest
import torch
from PIL import Image

from helpers import tiny_processor, tiny_smolvlm
from vlmtok.narrate import get_narrator, list_narrators
from vlmtok.narrate.base import Narration, NarrationRequest
from vlmtok.narrate.onnx import OnnxNarrator, available
from vlmtok.narrate.smolvlm import SmolVLMNarrator
from vlmtok.smolvlm.onnx_export import export_onnx, file_name
from vlmtok.smolvlm.onnx_runtime import OnnxCache, OnnxSmolVLM, find_onnx_files

NEW = 12
REPO = "vlmtok-test/tiny-smolvlm"


@pytest.fixture(scope="module")
def tiny():
    """The tiny model in float32 (the export's precision), as the PyTorch narrator loads it."""
    lm = tiny_smolvlm()
    lm.model.float()
    return lm


@pytest.fixture(scope="module")
def folder(tiny, tmp_path_factory):
    """The published layout: processor and config files at the top, ``onnx/`` in fp32, int8 and q4."""
    root = tmp_path_factory.mktemp("tiny-onnx")
    export_onnx(tiny.model, root, weights=("fp32", "int8", "q4"))
    tiny.processor.save_pretrained(str(root))
    tiny.model.config.save_pretrained(str(root))
    tiny.model.generation_config.save_pretrained(str(root))
    return root


def _picture(w: int, h: int, seed: int = 0) -> Image.Image:
    return Image.fromarray((np.random.RandomState(seed).rand(h, w, 3) * 255).astype("uint8"))


def _onnx(folder, weights="fp32", vision="fp32", **kw) -> OnnxNarrator:
    return OnnxNarrator(REPO, folder=folder, weights=weights, vision_weights=vision, processor=tiny_processor(),
                        threads=1, generation={"min_new_tokens": NEW}, **kw)


# ----------------------------------------------------------------------------------------------------------------
# The published names


def test_export_has_the_published_input_and_output_names(folder, tiny):
    layers = tiny.model.config.text_config.num_hidden_layers
    dec = ort.InferenceSession(str(folder / file_name("decoder_model_merged", "q4")))
    past = [f"past_key_values.{i}.{p}" for i in range(layers) for p in ("key", "value")]
    assert [i.name for i in dec.get_inputs()] == ["inputs_embeds", "attention_mask", "position_ids", *past]
    assert [o.name for o in dec.get_outputs()] == ["logits", *(f"present.{i}.{p}" for i in range(layers)
                                                               for p in ("key", "value"))]
    emb = ort.InferenceSession(str(folder / "onnx/embed_tokens.onnx"))
    assert [i.name for i in emb.get_inputs()] == ["input_ids"] and emb.get_outputs()[0].name == "inputs_embeds"
    vis = ort.InferenceSession(str(folder / file_name("vision_encoder", "int8")))
    assert [i.name for i in vis.get_inputs()] == ["pixel_values", "pixel_attention_mask"]
    assert vis.get_outputs()[0].name == "image_features"
    assert {p.name for p in (folder / "onnx").iterdir()} == {
        "embed_tokens.onnx", "decoder_model_merged.onnx", "decoder_model_merged_int8.onnx",
        "decoder_model_merged_q4.onnx", "vision_encoder.onnx", "vision_encoder_int8.onnx", "vision_encoder_q4.onnx"}


def test_an_unknown_weight_format_is_refused(folder):
    with pytest.raises(ValueError, match="known: fp32, int8, q4"):
        find_onnx_files(REPO, "q3", folder=folder)


# ----------------------------------------------------------------------------------------------------------------
# The same tokens as PyTorch


@pytest.mark.parametrize("detail,size", [("low", (120, 90)), ("normal", (90, 120))])
def test_fp32_export_writes_the_pytorch_narrators_greedy_tokens(folder, tiny, detail, size):
    image, request = _picture(*size, seed=1), NarrationRequest(detail=detail, max_new_tokens=NEW)
    torch_narrator = SmolVLMNarrator(loaded=tiny, generation={"min_new_tokens": NEW})
    reference = torch_narrator.describe(image, request)
    narrator = _onnx(folder)
    narration = narrator.describe(image, request)
    assert len(narrator.last_token_ids) == NEW
    assert narrator.last_token_ids == torch_narrator.last_token_ids
    assert narration.text == reference.text
    assert narration.timings["image_tokens"] == reference.timings["image_tokens"]
    assert narration.timings["prompt_tokens"] == reference.timings["prompt_tokens"]

    # The follow-up continues from the kept cache (only its new text is prefilled) and still agrees.
    question = NarrationRequest(detail=detail, max_new_tokens=NEW, question="What is in the corner?")
    assert narrator.describe(image, question).timings["reused_prefix_tokens"] > 0
    torch_narrator.describe(image, question)
    assert narrator.last_token_ids == torch_narrator.last_token_ids


def test_tokens_from_the_pytorch_tower_give_the_same_narration(folder, tiny):
    """No vision file: the tokens come from vlmtok's own PyTorch tower, spliced the same way."""
    image, request = _picture(100, 80, seed=2), NarrationRequest(detail="low", max_new_tokens=NEW)
    narrator = _onnx(folder, vision=None, tower=tiny.tower)
    narrator.describe(image, request)
    torch_narrator = SmolVLMNarrator(loaded=tiny, generation={"min_new_tokens": NEW})
    torch_narrator.describe(image, request)
    assert narrator.last_token_ids == torch_narrator.last_token_ids


@pytest.mark.parametrize("vision,tolerance", [("fp32", 1e-5), ("int8", 0.05), ("q4", 0.15)])
def test_vision_file_gives_the_pytorch_towers_tokens(folder, tiny, vision, tolerance):
    image = _picture(120, 90, seed=3)
    expected = tiny.tower.encode(image, "normal").tokens.float()
    rt = OnnxSmolVLM(find_onnx_files(REPO, "fp32", vision, folder=folder), processor=tiny_processor(), threads=1)
    got = rt.encode(image, "normal").tokens
    assert got.shape == expected.shape
    assert float((got - expected).norm() / expected.norm()) < tolerance
    assert rt.encode(image, "normal").timings["cached"] == 1.0                  # once per picture


@pytest.mark.parametrize("weights,tolerance,size", [("int8", 0.15, 0.3), ("q4", 0.5, 0.2)])
def test_quantised_decoders_stay_close_to_fp32(folder, weights, tolerance, size):
    """Relative error of the next-token logits (the tiny model is 32 wide, one q4 block per row, with loud image
    tokens: a harsh case; a wrong model or a wrong splice is off by more than 1.0)."""
    image = _picture(120, 90, seed=4)
    full = OnnxSmolVLM(find_onnx_files(REPO, "fp32", "fp32", folder=folder), processor=tiny_processor(), threads=1)
    small = OnnxSmolVLM(find_onnx_files(REPO, weights, "fp32", folder=folder), processor=tiny_processor(), threads=1)
    tokens = full.encode(image, "low")
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Describe it."}]}]
    embeds = full.splice(full.prompt_ids(messages, tokens), tokens)
    a, b = full.step(embeds, OnnxCache()), small.step(embeds, OnnxCache())
    assert float(np.linalg.norm(a - b) / np.linalg.norm(a)) < tolerance
    other = full.step(full.splice(full.prompt_ids(messages, tokens), full.encode(_picture(120, 90, 5), "low")),
                      OnnxCache())
    assert float(np.linalg.norm(a - other) / np.linalg.norm(a)) > 2 * tolerance     # the check can tell pictures
    paths = find_onnx_files(REPO, weights, "fp32", folder=folder), find_onnx_files(REPO, "fp32", "fp32", folder=folder)
    assert paths[0].decoder.stat().st_size < size * paths[1].decoder.stat().st_size
    assert np.argsort(a)[-5:][::-1][0] in np.argsort(b)[-5:]                   # fp32's choice is in its top five


def test_stream_says_which_runtime_and_weights_wrote_it(folder):
    narrator = _onnx(folder, weights="q4", vision="int8")
    parts = list(narrator.stream(_picture(64, 64), NarrationRequest(detail="low", max_new_tokens=NEW)))
    assert all(isinstance(p, str) for p in parts[:-1]) and isinstance(parts[-1], Narration)
    final = parts[-1]
    assert (final.narrator, final.model_id, final.weights_source) == ("onnx", REPO, "local-cache")
    assert final.narrator_label == "AI description, tiny-smolvlm q4, ONNX Runtime"
    assert final.timings["new_tokens"] == NEW and final.timings["decode_tokens_per_s"] > 0


def test_cancel_stops_within_a_token(folder):
    import threading

    cancel = threading.Event()
    narrator = _onnx(folder)
    seen = 0
    for part in narrator.stream(_picture(64, 64), NarrationRequest(detail="low", max_new_tokens=NEW), cancel):
        if isinstance(part, str):
            seen += 1
            cancel.set()
    assert 1 <= len(narrator.last_token_ids) <= 2 and seen >= 1


# ----------------------------------------------------------------------------------------------------------------
# The published layout in a local Hugging Face cache; "auto" picks it on a CPU


def _hf_cache(root, folder) -> None:
    """``folder`` as the Hub's cache keeps a snapshot of ``REPO`` (refs/main -> snapshots/<commit>/...)."""
    repo = root / f"models--{REPO.replace('/', '--')}"
    shutil.copytree(folder, repo / "snapshots" / "0123abc")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abc")


def test_loads_the_published_layout_from_a_local_hub_cache_and_auto_picks_it(folder, tmp_path, monkeypatch):
    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr("vlmtok.hub.hub_available", lambda *a, **k: False)
    assert available(REPO) == (False, "")                                 # not cached: "auto" passes it by
    _hf_cache(tmp_path, folder)
    ok, why = available(REPO)
    assert ok and "local Hugging Face cache" in why
    assert "onnx" in list_narrators()
    narrator, reason = get_narrator("auto", model_id=REPO)
    assert isinstance(narrator, OnnxNarrator) and "ONNX Runtime" in reason
    narration = narrator.describe(_picture(80, 60), NarrationRequest(detail="low", max_new_tokens=4))
    assert narration.narrator == "onnx" and narration.weights_source == "local-cache"
    assert narrator.runtime.files.root.name == "0123abc"
    assert (narrator.runtime.files.weights, narrator.runtime.files.vision_weights) == ("q4", "int8")


def test_not_chosen_on_a_gpu(folder, monkeypatch):
    from vlmtok.device import Runtime

    monkeypatch.setattr("vlmtok.device.runtime", lambda: Runtime(torch.device("cuda"), torch.bfloat16))
    assert available(REPO, folder=str(folder)) == (False, "")


def test_prefetch_fetches_the_files_the_cpu_narrator_reads(monkeypatch, capsys):
    import huggingface_hub

    from vlmtok.cli import prefetch

    asked = []
    monkeypatch.setattr("vlmtok.hub.hub_available", lambda *a, **k: True)
    monkeypatch.setattr(huggingface_hub, "snapshot_download",
                        lambda repo, allow_patterns: asked.append((repo, allow_patterns)) or "/cache/snap")
    args = type("A", (), {"models": ["smolvlm-256m"], "timeout": 1.0})()
    assert prefetch.run(args) == 0
    [(repo, patterns)] = asked
    assert repo == "HuggingFaceTB/SmolVLM-256M-Instruct"
    for name in ("onnx/decoder_model_merged_q4.onnx*", "onnx/embed_tokens.onnx*", "onnx/vision_encoder_int8.onnx*",
                 "*.safetensors", "*.json"):
        assert name in patterns
    assert not any("decoder_model_merged.onnx" in p or "fp16" in p for p in patterns)   # not every format


def test_bench_rows_say_runtime_and_weights_and_compare_in_one_run(tiny, tmp_path):
    """``bench narrate``'s runtimes table on the tiny model: every row labelled, ratios to PyTorch fp32."""
    import dataclasses

    from vlmtok.bench.narrate import RUNTIME_ROWS, cpu_targets, export_standin, runtime_rows

    lm = dataclasses.replace(tiny, tower=type(tiny.tower)(tiny.model, tiny.processor))
    export_standin(lm, str(tmp_path))
    rows = runtime_rows(lm, _picture(80, 60), new_tokens=4, iters=1, folder=str(tmp_path), bandwidth_gbs=10.0)
    assert [(r["runtime"], r["weights"]) for r in rows] == list(RUNTIME_ROWS)
    assert rows[0]["decode_over_pytorch_fp32"] == 1.0 and all(r["new_tokens"] == 4 for r in rows)
    mb = {(r["runtime"], r["weights"]): r["decoder_mb"] for r in rows}
    assert mb["onnxruntime", "q4"] < mb["onnxruntime", "int8"] < mb["pytorch", "fp32"]
    assert all(r["bound_tokens_per_s"] == pytest.approx(10.0 * 1e3 / r["decoder_mb"], rel=0.02) for r in rows)
    assert set(cpu_targets(rows)) >= {"decode_over_pytorch_fp32_ok", "bound_over_decode_ok", "first_token_ok"}
