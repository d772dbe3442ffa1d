"""The encoder registry: each kind of encoder registers its specs with a builder (timm's ``register_model`` idiom).

``create_encoder(name)`` looks the name up and calls the builder; it never asks what kind of encoder it is. A new kind
is one module that calls ``register_encoder(spec, build)`` for each of its models and is imported by
``vlmtok.encoders``.
"""
from __future__ import annotations

import threading
from typing import Callable

from vlmtok.encoders.base import FAMILIES, Encoder, EncoderSpec

Builder = Callable[[EncoderSpec, str], Encoder]


class _Entry:
    __slots__ = ("spec", "build", "share")

    def __init__(self, spec: EncoderSpec, build: Builder, share: bool):
        self.spec, self.build, self.share = spec, build, share


_REGISTRY: dict[str, _Entry] = {}
_INSTANCES: dict[tuple[str, str], Encoder] = {}
_LOCK = threading.Lock()
_BUILD_LOCKS: dict[tuple[str, str], threading.Lock] = {}


def register_encoder(spec: EncoderSpec, build: Builder, *, share: bool = True) -> EncoderSpec:
    """Add ``spec`` to the registry, built by ``build(spec, weights)``.

    Args:
        share: keep one instance per (name, weights) for every caller; False when the builder shares its own
            models already (SmolVLM's tower is shared with the narrator).
    """
    if spec.family not in FAMILIES:
        raise ValueError(f"Unknown family {spec.family!r}; known: {', '.join(FAMILIES)}")
    _REGISTRY[spec.name] = _Entry(spec, build, share)
    return spec


def list_encoders() -> list[str]:
    """Registered encoder names, in registry order (as ``timm.list_models`` returns names)."""
    return list(_REGISTRY)


def encoder_specs() -> list[EncoderSpec]:
    """The registry entries (name, timm name, family, default size, summary), in registry order."""
    return [e.spec for e in _REGISTRY.values()]


def _entry(name: str) -> _Entry:
    entry = _REGISTRY.get(name) or next((e for e in _REGISTRY.values() if e.spec.timm_name == name), None)
    if entry is None:
        raise ValueError(f"Unknown encoder {name!r}. Known encoders: {', '.join(_REGISTRY)}")
    return entry


def get_spec(name: str) -> EncoderSpec:
    """The registry entry for a registry name or its timm name."""
    return _entry(name).spec


def create_encoder(name: str, weights: str = "auto", *, cache: bool = True) -> Encoder:
    """Build (or reuse) an encoder by registry name.

    Args:
        name: a registry name (``list_encoders()``) or its timm name.
        weights: "auto" (Hub or local cache -> offline pack -> random), "hub", "offline-pack" or "random".
        cache: reuse one instance per (name, weights) across callers (the app shares them between visitors).

    >>> create_encoder("mobilenetv2_100").weights_source   # doctest: +SKIP
    'offline-pack'
    """
    entry = _entry(name)
    spec = entry.spec
    if not (cache and entry.share):
        return entry.build(spec, weights)
    key = (spec.name, weights)
    with _LOCK:  # one lock per encoder: building one (maybe a download) never blocks the others
        lock = _BUILD_LOCKS.setdefault(key, threading.Lock())
    with lock:
        if key not in _INSTANCES:
            _INSTANCES[key] = entry.build(spec, weights)
        return _INSTANCES[key]
