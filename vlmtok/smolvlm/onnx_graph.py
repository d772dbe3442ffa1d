"""SmolVLM's language model written out as ONNX graphs with the published files' input and output names.

Hugging Face publishes SmolVLM with ONNX files beside the PyTorch weights (``onnx/embed_tokens.onnx``,
``onnx/decoder_model_merged.onnx``, ``onnx/vision_encoder.onnx`` and quantised variants); transformers.js runs them
in a browser with these names:

- ``embed_tokens``: ``input_ids [B, S] int64`` -> ``inputs_embeds [B, S, D]``;
- ``decoder_model_merged``: ``inputs_embeds [B, S, D]``, ``attention_mask [B, P + S] int64``,
  ``position_ids [B, S] int64``, ``past_key_values.{i}.key`` / ``.value [B, kv_heads, P, head_dim]`` ->
  ``logits [B, S, vocab]``, ``present.{i}.key`` / ``.value [B, kv_heads, P + S, head_dim]`` (P = 0 on the first
  call: empty past tensors);
- ``vision_encoder``: ``pixel_values [B, N, 3, tile, tile]``, ``pixel_attention_mask [B, N, tile, tile]`` ->
  ``image_features [B * N, tokens_per_tile, D]`` (tower + pixel shuffle + projection).

``decoder_graph`` / ``embed_graph`` / ``vision_graph`` build those graphs from a loaded PyTorch model's own weights
(no tracing: each layer is a few named ONNX ops, so the export takes seconds and is the same on every torch
version). vlmtok's exporter (``vlmtok.smolvlm.onnx_export``) writes them for a model whose files are not published
(a tiny test model, a random-weight stand-in); the narrator loads either the same way.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from onnx import GraphProto, ModelProto, TensorProto, helper, numpy_helper

OPSET = 18
FLOAT_MIN = float(np.finfo(np.float32).min)   # what a masked attention score becomes (transformers does the same)


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().to(torch.float32).cpu().numpy()


class _Builder:
    """Collects nodes and initialisers; each helper returns the name of its output."""

    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.inits: list[TensorProto] = []
        self._n = 0

    def name(self, hint: str) -> str:
        self._n += 1
        return f"{hint}_{self._n}"

    def const(self, value: Any, hint: str = "c", dtype: Any = np.float32) -> str:
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def weight(self, array: np.ndarray, name: str) -> str:
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type: str, inputs: list[str], hint: str | None = None, out: str | None = None, **attrs: Any) -> str:
        out = out or self.name(hint or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def ops(self, op_type: str, inputs: list[str], n: int, hint: str, **attrs: Any) -> list[str]:
        outs = [self.name(hint) for _ in range(n)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, **attrs))
        return outs

    def linear(self, x: str, weight: torch.Tensor, name: str, bias: torch.Tensor | None = None) -> str:
        """``x @ W^T (+ b)``: the weight stored as ``[in, out]``, the layout MatMul and the quantisers expect."""
        y = self.op("MatMul", [x, self.weight(_np(weight).T, f"{name}.weight")], hint=name)
        return self.op("Add", [y, self.weight(_np(bias), f"{name}.bias")], hint=name) if bias is not None else y

    def rms_norm(self, x: str, weight: torch.Tensor, eps: float, name: str) -> str:
        """``x * rsqrt(mean(x^2) + eps) * w`` (ONNX Runtime fuses this into one SimplifiedLayerNormalization)."""
        var = self.op("ReduceMean", [self.op("Mul", [x, x]), self.const([-1], dtype=np.int64)], keepdims=1)
        inv = self.op("Reciprocal", [self.op("Sqrt", [self.op("Add", [var, self.const(eps)])])])
        return self.op("Mul", [self.op("Mul", [x, inv]), self.weight(_np(weight), f"{name}.weight")], hint=name)

    def layer_norm(self, x: str, norm: torch.nn.LayerNorm, name: str) -> str:
        return self.op("LayerNormalization", [x, self.weight(_np(norm.weight), f"{name}.weight"),
                                              self.weight(_np(norm.bias), f"{name}.bias")],
                       hint=name, axis=-1, epsilon=float(norm.eps))

    def shape_of(self, x: str, start: int, end: int) -> str:
        return self.op("Shape", [x], start=start, end=end)

    def model(self, name: str, inputs: list, outputs: list) -> ModelProto:
        graph: GraphProto = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="vlmtok")
        model.ir_version = 8
        return model


def _f32(name: str, shape: list) -> Any:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _i64(name: str, shape: list) -> Any:
    return helper.make_tensor_value_info(name, TensorProto.INT64, shape)


# ----------------------------------------------------------------------------------------------------------------
# embed_tokens


def embed_graph(model: torch.nn.Module) -> ModelProto:
    """``input_ids -> inputs_embeds``: one Gather over the language model's embedding table."""
    from vlmtok.smolvlm.decode import text_model

    b = _Builder()
    table = b.weight(_np(text_model(model).embed_tokens.weight), "embed_tokens.weight")
    b.op("Gather", [table, "input_ids"], out="inputs_embeds", axis=0)
    d = text_model(model).config.hidden_size
    return b.model("embed_tokens", [_i64("input_ids", ["batch_size", "sequence_length"])],
                   [_f32("inputs_embeds", ["batch_size", "sequence_length", d])])


# ----------------------------------------------------------------------------------------------------------------
# decoder_model_merged


def _rotary(b: _Builder, position_ids: str, inv_freq: np.ndarray) -> tuple[str, str]:
    """cos, sin ``[B, 1, S, head_dim]`` for ``position_ids [B, S]`` (transformers' default rope, in float32)."""
    pos = b.op("Unsqueeze", [b.op("Cast", [position_ids], to=TensorProto.FLOAT), b.const([-1], dtype=np.int64)])
    freqs = b.op("Mul", [pos, b.const(inv_freq.reshape(1, 1, -1), "inv_freq")])          # [B, S, hd/2]
    emb = b.op("Concat", [freqs, freqs], axis=-1)                                            # [B, S, hd]
    axis1 = b.const([1], dtype=np.int64)
    return b.op("Unsqueeze", [b.op("Cos", [emb]), axis1]), b.op("Unsqueeze", [b.op("Sin", [emb]), axis1])


def _rope(b: _Builder, x: str, cos: str, sin: str, half: int) -> str:
    """``x * cos + rotate_half(x) * sin`` on ``[B, heads, S, head_dim]``."""
    x1, x2 = b.ops("Split", [x, b.const([half, half], dtype=np.int64)], 2, "half", axis=-1)
    rotated = b.op("Concat", [b.op("Neg", [x2]), x1], axis=-1)
    return b.op("Add", [b.op("Mul", [x, cos]), b.op("Mul", [rotated, sin])])


def _allowed(b: _Builder, attention_mask: str, embeds: str) -> str:
    """``[B, 1, 1, S, T]`` bool: query i (at position P + i) may attend key j when j <= P + i and the mask keeps j."""
    one = b.const(1, dtype=np.int64)
    zero = b.const(0, dtype=np.int64)
    t = b.op("Squeeze", [b.shape_of(attention_mask, 1, 2)])                                  # T = P + S
    s = b.op("Squeeze", [b.shape_of(embeds, 1, 2)])                                          # S
    keys = b.op("Range", [zero, t, one])                                                      # [T]
    queries = b.op("Add", [b.op("Range", [zero, s, one]), b.op("Sub", [t, s])])               # [S]
    causal = b.op("LessOrEqual", [b.op("Unsqueeze", [keys, b.const([0], dtype=np.int64)]),
                                  b.op("Unsqueeze", [queries, b.const([1], dtype=np.int64)])])  # [S, T]
    kept = b.op("Cast", [attention_mask], to=TensorProto.BOOL)                                # [B, T]
    kept = b.op("Unsqueeze", [kept, b.const([1, 2, 3], dtype=np.int64)])                      # [B, 1, 1, 1, T]
    return b.op("And", [causal, kept])                                                        # [B, 1, 1, S, T]


def _attention(b: _Builder, h: str, layer: torch.nn.Module, i: int, cos: str, sin: str, allowed: str,
               dims: dict[str, int]) -> str:
    """Grouped-query attention with the layer's new key and value appended to the past (``present.{i}.*``)."""
    attn, name = layer.self_attn, f"model.layers.{i}.self_attn"
    heads, kv, hd = dims["heads"], dims["kv_heads"], dims["head_dim"]
    groups = heads // kv

    def split(x: str, n: int) -> str:                                                        # [B, S, n*hd] ->
        x = b.op("Reshape", [x, b.const([0, 0, n, hd], dtype=np.int64)])                      # [B, S, n, hd]
        return b.op("Transpose", [x], perm=[0, 2, 1, 3])                                      # [B, n, S, hd]

    q = _rope(b, split(b.linear(h, attn.q_proj.weight, f"{name}.q_proj"), heads), cos, sin, hd // 2)
    k = _rope(b, split(b.linear(h, attn.k_proj.weight, f"{name}.k_proj"), kv), cos, sin, hd // 2)
    v = split(b.linear(h, attn.v_proj.weight, f"{name}.v_proj"), kv)
    keys = b.op("Concat", [f"past_key_values.{i}.key", k], out=f"present.{i}.key", axis=2)   # [B, kv, T, hd]
    values = b.op("Concat", [f"past_key_values.{i}.value", v], out=f"present.{i}.value", axis=2)
    q = b.op("Mul", [q, b.const(float(attn.scaling))])
    q = b.op("Reshape", [q, b.const([0, kv, groups, -1, hd], dtype=np.int64)])              # [B, kv, g, S, hd]
    scores = b.op("MatMul", [q, b.op("Unsqueeze", [b.op("Transpose", [keys], perm=[0, 1, 3, 2]),
                                                   b.const([2], dtype=np.int64)])])          # [B, kv, g, S, T]
    scores = b.op("Where", [allowed, scores, b.const(FLOAT_MIN)])
    probs = b.op("Softmax", [scores], axis=-1)
    y = b.op("MatMul", [probs, b.op("Unsqueeze", [values, b.const([2], dtype=np.int64)])])  # [B, kv, g, S, hd]
    y = b.op("Reshape", [y, b.const([0, heads, -1, hd], dtype=np.int64)])                   # [B, H, S, hd]
    y = b.op("Reshape", [b.op("Transpose", [y], perm=[0, 2, 1, 3]), b.const([0, 0, heads * hd], dtype=np.int64)])
    return b.linear(y, attn.o_proj.weight, f"{name}.o_proj")


def _mlp(b: _Builder, h: str, mlp: torch.nn.Module, name: str) -> str:
    gate = b.linear(h, mlp.gate_proj.weight, f"{name}.gate_proj")
    up = b.linear(h, mlp.up_proj.weight, f"{name}.up_proj")
    act = b.op("Mul", [gate, b.op("Sigmoid", [gate])])                                        # SiLU
    return b.linear(b.op("Mul", [act, up]), mlp.down_proj.weight, f"{name}.down_proj")


def decoder_graph(model: torch.nn.Module) -> ModelProto:
    """The language model and its head as ``decoder_model_merged`` (inputs_embeds + past -> logits + present)."""
    from vlmtok.smolvlm.decode import text_model

    lm = text_model(model)
    cfg = lm.config
    attn0 = lm.layers[0].self_attn
    dims = {"heads": cfg.num_attention_heads, "kv_heads": cfg.num_key_value_heads, "head_dim": attn0.head_dim}
    b = _Builder()
    inv_freq = lm.rotary_emb.inv_freq.detach().float().cpu().numpy() * float(lm.rotary_emb.attention_scaling)
    cos, sin = _rotary(b, "position_ids", inv_freq)
    allowed = _allowed(b, "attention_mask", "inputs_embeds")
    x = "inputs_embeds"
    for i, layer in enumerate(lm.layers):
        h = b.rms_norm(x, layer.input_layernorm.weight, cfg.rms_norm_eps, f"model.layers.{i}.input_layernorm")
        x = b.op("Add", [x, _attention(b, h, layer, i, cos, sin, allowed, dims)])
        h = b.rms_norm(x, layer.post_attention_layernorm.weight, cfg.rms_norm_eps,
                       f"model.layers.{i}.post_attention_layernorm")
        x = b.op("Add", [x, _mlp(b, h, layer.mlp, f"model.layers.{i}.mlp")])
    x = b.rms_norm(x, lm.norm.weight, cfg.rms_norm_eps, "model.norm")
    b.op("MatMul", [x, b.weight(_np(model.lm_head.weight).T, "lm_head.weight")], out="logits")
    return b.model("decoder_model_merged", _decoder_inputs(cfg, dims), _decoder_outputs(cfg, dims))


def _decoder_inputs(cfg: Any, dims: dict[str, int]) -> list:
    kv = ["batch_size", dims["kv_heads"], "past_sequence_length", dims["head_dim"]]
    out = [_f32("inputs_embeds", ["batch_size", "sequence_length", cfg.hidden_size]),
           _i64("attention_mask", ["batch_size", "total_sequence_length"]),
           _i64("position_ids", ["batch_size", "sequence_length"])]
    for i in range(cfg.num_hidden_layers):
        out += [_f32(f"past_key_values.{i}.key", kv), _f32(f"past_key_values.{i}.value", kv)]
    return out


def _decoder_outputs(cfg: Any, dims: dict[str, int]) -> list:
    kv = ["batch_size", dims["kv_heads"], "total_sequence_length", dims["head_dim"]]
    out = [_f32("logits", ["batch_size", "sequence_length", cfg.vocab_size])]
    for i in range(cfg.num_hidden_layers):
        out += [_f32(f"present.{i}.key", kv), _f32(f"present.{i}.value", kv)]
    return out


# ----------------------------------------------------------------------------------------------------------------
# vision_encoder: SigLIP tower + pixel shuffle + projection (full tiles: every patch is picture)


def _gelu_tanh(b: _Builder, x: str) -> str:
    """``0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))``: SigLIP's ``gelu_pytorch_tanh``."""
    cube = b.op("Mul", [b.op("Mul", [x, x]), x])
    inner = b.op("Mul", [b.op("Add", [x, b.op("Mul", [cube, b.const(0.044715)])]), b.const(float(np.sqrt(2 / np.pi)))])
    return b.op("Mul", [b.op("Mul", [x, b.const(0.5)]), b.op("Add", [b.op("Tanh", [inner]), b.const(1.0)])])


def _vision_layer(b: _Builder, x: str, layer: torch.nn.Module, name: str, heads: int) -> str:
    """One SigLIP encoder layer on ``[N, P, d]`` (no mask: full tiles)."""
    attn = layer.self_attn
    d = attn.embed_dim
    hd = d // heads

    def split(y: str) -> str:                                                                # [N, P, d] ->
        return b.op("Transpose", [b.op("Reshape", [y, b.const([0, 0, heads, hd], dtype=np.int64)])],
                    perm=[0, 2, 1, 3])                                                        # [N, h, P, hd]

    h = b.layer_norm(x, layer.layer_norm1, f"{name}.layer_norm1")
    q = split(b.linear(h, attn.q_proj.weight, f"{name}.self_attn.q_proj", attn.q_proj.bias))
    k = split(b.linear(h, attn.k_proj.weight, f"{name}.self_attn.k_proj", attn.k_proj.bias))
    v = split(b.linear(h, attn.v_proj.weight, f"{name}.self_attn.v_proj", attn.v_proj.bias))
    scores = b.op("MatMul", [b.op("Mul", [q, b.const(float(attn.scale))]),
                             b.op("Transpose", [k], perm=[0, 1, 3, 2])])                      # [N, h, P, P]
    y = b.op("MatMul", [b.op("Softmax", [scores], axis=-1), v])                               # [N, h, P, hd]
    y = b.op("Reshape", [b.op("Transpose", [y], perm=[0, 2, 1, 3]), b.const([0, 0, d], dtype=np.int64)])
    x = b.op("Add", [x, b.linear(y, attn.out_proj.weight, f"{name}.self_attn.out_proj", attn.out_proj.bias)])
    h = b.layer_norm(x, layer.layer_norm2, f"{name}.layer_norm2")
    mlp = layer.mlp
    h = _gelu_tanh(b, b.linear(h, mlp.fc1.weight, f"{name}.mlp.fc1", mlp.fc1.bias))
    return b.op("Add", [x, b.linear(h, mlp.fc2.weight, f"{name}.mlp.fc2", mlp.fc2.bias)])


def _pixel_shuffle(b: _Builder, x: str, side: int, d: int, s: int) -> str:
    """Idefics3's pixel shuffle: ``[N, side * side, d]`` -> ``[N, (side / s)^2, d * s^2]`` (same reshapes)."""
    x = b.op("Reshape", [x, b.const([-1, side, side // s, d * s], dtype=np.int64)])          # [N, H, W/s, d s]
    x = b.op("Transpose", [x], perm=[0, 2, 1, 3])                                             # [N, W/s, H, d s]
    x = b.op("Reshape", [x, b.const([-1, side // s, side // s, d * s * s], dtype=np.int64)])
    x = b.op("Transpose", [x], perm=[0, 2, 1, 3])
    return b.op("Reshape", [x, b.const([-1, (side // s) ** 2, d * s * s], dtype=np.int64)])


def vision_graph(model: torch.nn.Module) -> ModelProto:
    """``pixel_values [B, N, 3, t, t]`` -> ``image_features [B * N, tokens_per_tile, D]`` (tower + connector).

    Every tile vlmtok sends is whole picture (the processor resizes the global view and cuts tiles to the full
    side), so the patch positions are ``0 .. P - 1`` and nothing is masked; ``pixel_attention_mask`` is taken, as
    the published file takes it, and the runner refuses to use this graph for a tile that has padding.
    """
    core = model.model if hasattr(model, "model") else model
    vm, connector = core.vision_model, core.connector
    cfg = vm.config
    side, d = cfg.image_size // cfg.patch_size, cfg.hidden_size
    b = _Builder()
    tile = cfg.image_size
    pixels = b.op("Reshape", ["pixel_values", b.const([-1, 3, tile, tile], dtype=np.int64)])   # [N, 3, t, t]
    conv = vm.embeddings.patch_embedding
    x = b.op("Conv", [pixels, b.weight(_np(conv.weight), "patch_embedding.weight"),
                      b.weight(_np(conv.bias), "patch_embedding.bias")],
             kernel_shape=[cfg.patch_size] * 2, strides=[cfg.patch_size] * 2)                  # [N, d, side, side]
    x = b.op("Transpose", [b.op("Reshape", [x, b.const([0, d, -1], dtype=np.int64)])], perm=[0, 2, 1])  # [N, P, d]
    x = b.op("Add", [x, b.weight(_np(vm.embeddings.position_embedding.weight), "position_embedding.weight")])
    for i, layer in enumerate(vm.encoder.layers):
        x = _vision_layer(b, x, layer, f"vision.layers.{i}", cfg.num_attention_heads)
    x = b.layer_norm(x, vm.post_layernorm, "vision.post_layernorm")
    x = _pixel_shuffle(b, x, side, d, connector.scale_factor)
    proj = connector.modality_projection.proj
    b.op("MatMul", [x, b.weight(_np(proj.weight).T, "connector.proj.weight")], out="image_features")
    text_d = proj.weight.shape[0]
    inputs = [_f32("pixel_values", ["batch_size", "num_images", 3, tile, tile]),
              helper.make_tensor_value_info("pixel_attention_mask", TensorProto.BOOL,
                                            ["batch_size", "num_images", tile, tile])]
    return b.model("vision_encoder", inputs, [_f32("image_features", ["num_tiles", (side // connector.scale_factor) ** 2,
                                                                       text_d])])
