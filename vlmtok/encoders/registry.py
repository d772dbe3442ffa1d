"""The encoder registry: each kind of encoder registers its specs with a builder (timm's ``register_model`` idiom).

``create_encoder(name)`` looks the name up and calls the builder; it never asks what kind of encoder it is. A new kind
is one module that calls ``register_encoder(spec, build)`` for each of its models and is imported by
``vlmtok.encoders``. A kind that can build models it never listed (timm: any of its model names) also registers a
resolver, asked for names the registry does not hold; what it resolves is built like a listed entry, never listed.
"""
from __future__ import annotations

import threading
from collections.abc import Callable

from vlmtok.encoders.base import FAMILIES, Encoder, EncoderSpec
from vlmtok.errors import VisitorError

Builder = Callable[[EncoderSpec, str], Encoder]
Resolver = Callable[[str], "tuple[EncoderSpec, Builder, Callable[[EncoderSpec], str] | None] | None"]


class UnknownEncoderError(VisitorError, ValueError):
    """No encoder of that name: neither registered nor a model any resolver knows (``str`` lists the known ones)."""

    message_key = "compare.unknown_encoder"


class _Entry:
    __slots__ = ("spec", "build", "share", "expect")

    def __init__(self, spec: EncoderSpec, build: Builder, share: bool, expect: Callable[[EncoderSpec], str] | None):
        self.spec, self.build, self.share, self.expect = spec, build, share, expect


_REGISTRY: dict[str, _Entry] = {}
_RESOLVERS: list[Resolver] = []
_RESOLVED: dict[str, _Entry] = {}
_INSTANCES: dict[tuple[str, str], Encoder] = {}
_LOCK = threading.Lock()
_BUILD_LOCKS: dict[tuple[str, str], threading.Lock] = {}


def register_encoder(spec: EncoderSpec, build: Builder, *, share: bool = True,
                     expect: Callable[[EncoderSpec], str] | None = None) -> EncoderSpec:
    """Add ``spec`` to the registry, built by ``build(spec, weights)``.

    Args:
        share: keep one instance per (name, weights) for every caller; False when the builder shares its own
            models already (SmolVLM's tower is shared with the narrator).
        expect: ``expect(spec)`` -> the weight source ``weights="auto"`` will find, without loading anything.
    """
    if spec.family not in FAMILIES:
        raise ValueError(f"Unknown family {spec.family!r}; known: {', '.join(FAMILIES)}")
    _REGISTRY[spec.name] = _Entry(spec, build, share, expect)
    return spec


def register_resolver(resolve: Resolver) -> Resolver:
    """Ask ``resolve(name) -> (spec, build, expect) or None`` for names the registry does not hold (in order).

    A resolver may raise a ``VisitorError`` for a name it knows but cannot use (a model without a token grid).
    """
    _RESOLVERS.append(resolve)
    return resolve


def list_encoders() -> list[str]:
    """Registered encoder names, in registry order (as ``timm.list_models`` returns names)."""
    return list(_REGISTRY)


def encoder_specs() -> list[EncoderSpec]:
    """The registry entries (name, timm name, family, default size, summary), in registry order."""
    return [e.spec for e in _REGISTRY.values()]


def _entry(name: str) -> _Entry:
    name = (name or "").strip()
    entry = _REGISTRY.get(name) or next((e for e in _REGISTRY.values() if e.spec.timm_name == name), None)
    return entry or _resolved(name)


def _resolved(name: str) -> _Entry:
    with _LOCK:
        if name in _RESOLVED:
            return _RESOLVED[name]
    for resolve in _RESOLVERS:
        found = resolve(name)
        if found is not None:
            spec, build, expect = found
            if spec.family not in FAMILIES:
                raise ValueError(f"Unknown family {spec.family!r}; known: {', '.join(FAMILIES)}")
            with _LOCK:
                return _RESOLVED.setdefault(name, _Entry(spec, build, True, expect))
    raise UnknownEncoderError(f"Unknown encoder {name!r}. Known encoders: {', '.join(_REGISTRY)} (or any timm "
                              "model name)", name=name[:80])


def get_spec(name: str) -> EncoderSpec:
    """The registry entry for a registry name or its timm name (or what a resolver makes of any other name).

    Raises:
        UnknownEncoderError: no such encoder (a ``ValueError`` and a ``VisitorError``).
    """
    return _entry(name).spec


def expected_weights(name: str) -> str:
    """The weight source ``create_encoder(name)`` will find ("hub", "offline-pack", "random"; SmolVLM: "hub"),
    told before anything is loaded; "random" when the kind cannot tell."""
    entry = _entry(name)
    return entry.expect(entry.spec) if entry.expect else "random"


def is_trained(source: str) -> bool:
    """Real weights: anything but "random" ("hub", "offline-pack", SmolVLM's "local-cache")."""
    return source != "random"


def create_encoder(name: str, weights: str = "auto", *, cache: bool = True) -> Encoder:
    """Build (or reuse) an encoder by registry name.

    Args:
        name: a registry name (``list_encoders()``), its timm name, or any name a resolver knows (any timm model).
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
