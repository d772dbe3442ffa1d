"""Write a SmolVLM as the ONNX files Hugging Face publishes beside its PyTorch weights, in the same folder layout.

``export_onnx(model, folder, weights=("fp32", "int8", "q4"))`` writes ``folder/onnx/embed_tokens.onnx``,
``decoder_model_merged{suffix}.onnx`` and ``vision_encoder{suffix}.onnx`` for each weight format, with the
published files' input and output names (``vlmtok.smolvlm.onnx_graph``) and their quantisation:

- ``fp32``: the graphs as built (suffix ``""``);
- ``int8``: ONNX Runtime's dynamic quantisation of every MatMul weight to signed 8 bits, per tensor (suffix
  ``_int8``, as transformers.js's ``quantize`` script writes it);
- ``q4``: 4-bit weights in blocks of 32 along the input, one float scale per block, symmetric (zero point 8),
  as ONNX Runtime's ``MatMulNBits`` reads them (suffix ``_q4``).

It is for models whose ONNX files are not published: the tiny test models, the random-weight stand-in the
benchmarks use, a fine-tuned checkpoint. A real SmolVLM's own files come from the Hub
(``vlmtok.smolvlm.onnx_files``).

>>> export_onnx(loaded.model, "/tmp/smolvlm-onnx", weights=("fp32", "q4"))   # doctest: +SKIP
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np
import torch
from onnx import ModelProto, helper, numpy_helper

from vlmtok.smolvlm.onnx_graph import decoder_graph, embed_graph, vision_graph

log = logging.getLogger(__name__)

WEIGHT_SUFFIX: dict[str, str] = {"fp32": "", "int8": "_int8", "q4": "_q4"}   # the published files' suffixes
Q4_BLOCK = 32                                  # inputs per 4-bit block (transformers.js's q4 files use 32)
MIN_QUANTISED_INPUTS = Q4_BLOCK                # narrower MatMuls stay float (the quantisers skip them too)


def file_name(part: str, weights: str) -> str:
    """``onnx/<part><suffix>.onnx``: the published file of ``part`` ("decoder_model_merged", ...) in ``weights``.

    Raises:
        ValueError: an unknown weight format (the message lists the known ones).
    """
    if weights not in WEIGHT_SUFFIX:
        raise ValueError(f"Unknown ONNX weight format {weights!r}; known: {', '.join(WEIGHT_SUFFIX)}")
    return f"onnx/{part}{WEIGHT_SUFFIX[weights]}.onnx"


# ----------------------------------------------------------------------------------------------------------------
# Quantisation


def quantize_int8(model: ModelProto) -> ModelProto:
    """Every MatMul weight in signed 8 bits, activations quantised on the fly (ONNX Runtime's dynamic quantiser)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(prefix="vlmtok-int8-") as tmp:
        src, dst = Path(tmp) / "in.onnx", Path(tmp) / "out.onnx"
        onnx.save(model, str(src))
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=False, reduce_range=False,
                         op_types_to_quantize=["MatMul"])
        return onnx.load(str(dst))


def _q4_pack(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``[K, N]`` float -> (``[N, K / 32, 16]`` uint8, two 4-bit values a byte, low nibble first; ``[N * K / 32]``
    scales): ``w ~= (q - 8) * scale``, ``scale = max|w| / 7`` per block."""
    k, n = weight.shape
    blocks = weight.T.reshape(n, k // Q4_BLOCK, Q4_BLOCK)                          # [N, K/32, 32]
    scale = np.abs(blocks).max(axis=-1, keepdims=True) / 7.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(blocks / scale) + 8, 1, 15).astype(np.uint8)               # [N, K/32, 32] in 1..15
    packed = q[..., 0::2] | (q[..., 1::2] << 4)                                    # [N, K/32, 16]
    return np.ascontiguousarray(packed), scale.reshape(-1).astype(np.float32)


def quantize_q4(model: ModelProto) -> ModelProto:
    """Each MatMul whose weight is an initialiser ``[K, N]`` (K a multiple of 32) becomes ``MatMulNBits`` (4 bits)."""
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    nodes = []
    for node in graph.node:
        w = inits.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if w is None or len(w.dims) != 2 or w.dims[0] % Q4_BLOCK or w.dims[0] < MIN_QUANTISED_INPUTS:
            nodes.append(node)
            continue
        packed, scales = _q4_pack(numpy_helper.to_array(w))
        graph.initializer.remove(w)
        graph.initializer.extend([numpy_helper.from_array(packed, f"{w.name}_Q4"),
                                  numpy_helper.from_array(scales, f"{w.name}_scales")])
        nodes.append(helper.make_node("MatMulNBits", [node.input[0], f"{w.name}_Q4", f"{w.name}_scales"],
                                      list(node.output), name=node.name or f"{w.name}_MatMulNBits",
                                      domain="com.microsoft", K=int(w.dims[0]), N=int(w.dims[1]), bits=4,
                                      block_size=Q4_BLOCK))
    del graph.node[:]
    graph.node.extend(nodes)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model


def quantize(model: ModelProto, weights: str) -> ModelProto:
    """``model`` in ``weights`` ("fp32" returns it as it is)."""
    file_name("decoder_model_merged", weights)                                   # refuses an unknown format
    if weights == "int8":
        return quantize_int8(model)
    if weights == "q4":
        return quantize_q4(model)
    return model


# ----------------------------------------------------------------------------------------------------------------
# The folder


def export_onnx(model: torch.nn.Module, folder: str | Path, weights: tuple[str, ...] = ("fp32",),
                vision_weights: tuple[str, ...] | None = None) -> dict[str, Path]:
    """Write the published ONNX layout of ``model`` (an Idefics3 / SmolVLM in float32) under ``folder/onnx``.

    ``weights``: the decoder's formats; ``vision_weights``: the vision encoder's (None: the same; ``()``: none).

    Returns:
        ``{"onnx/decoder_model_merged_q4.onnx": path, ...}``, every file written.
    """
    import onnx

    model = model.float().eval() if next(model.parameters()).dtype != torch.float32 else model.eval()
    root = Path(folder)
    (root / "onnx").mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}

    def save(graph: ModelProto, name: str) -> None:
        path = root / name
        onnx.save(graph, str(path))
        written[name] = path

    with torch.no_grad():
        save(embed_graph(model), file_name("embed_tokens", "fp32"))
        parts = {"decoder_model_merged": (decoder_graph(model), weights)}
        vision_weights = weights if vision_weights is None else vision_weights
        if vision_weights:
            parts["vision_encoder"] = (vision_graph(model), vision_weights)
    for part, (graph, formats) in parts.items():
        for w in formats:
            save(quantize(ModelProto.FromString(graph.SerializeToString()), w), file_name(part, w))
    log.info("Exported %s to %s", ", ".join(written), root)
    return written
