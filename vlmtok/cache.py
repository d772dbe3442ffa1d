"""A content-addressed disk cache shared by speech, narrations and tokens.

Entries are plain files named ``<sha256 key><suffix>`` in ``vlmtok.paths.cache_dir(name)``:

- **Atomic:** every write goes to a temporary file in the same folder, then ``os.replace`` puts it in place, so a
  reader sees the old entry, the new one, or none, never half a file. Two writers of the same key (threads or
  processes) each write their own temporary file; the last rename wins, and both hold the same content.
- **Bounded:** when the folder grows past ``max_bytes``, the least recently used entries go first. "Used" is
  the file's modification time, which a hit refreshes (``os.utime``), because access times are unreliable on
  ``relatime`` / ``noatime`` mounts.
- **O(1) writes, amortised:** a write does not list the folder. Each process keeps a running total per folder
  (one scan on its first write, then the size of each write added), and sweeps (lists, evicts to 90% of the cap)
  only when that total passes the cap or when it has written ``SWEEP_FRACTION`` of the cap since its last sweep.
  A sweep costs O(entries) and comes at most once per ~``SWEEP_FRACTION`` x entries writes, so a write at 20,000
  entries costs what it costs at 20. Other processes' writes are seen at the next sweep: with P writing processes
  the folder stays under ``max_bytes`` x (1 + P x ``SWEEP_FRACTION``).
- **Never in the way:** a full disk, a read-only folder or a folder that cannot be created is logged (once per
  cache and kind of error) and the cache steps aside (``get_*`` return None, ``put_*`` return None). The app keeps
  working without it. A folder that vanished while the app runs is looked up again (``vlmtok.paths``) on the next
  write, so a cleaned or re-mounted cache starts filling again.

>>> cache = DiskCache("speech", max_bytes=50_000_000)
>>> key = cache.key("Hello.", "en", "espeak", "en-us", 175)
>>> path = cache.put_bytes(key, b"RIFF...", ".wav")          # Path, or None if the cache is unusable
>>> cache.get_path(key, ".wav") == path
True
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Iterable

from vlmtok.paths import CacheUnavailable, cache_dir

log = logging.getLogger(__name__)

TMP_PREFIX = ".tmp-"
STALE_TMP_S = 3600.0          # a temporary file this old belongs to a writer that died; remove it
LOW_WATERMARK = 0.9           # evict down to 90% of the cap, so a busy cache does not evict on every write
SWEEP_FRACTION = 0.05         # a process that wrote 5% of the cap since its last sweep sweeps again (others' writes)


_KNOWN_HASHES: dict[int, tuple[Any, str]] = {}   # id(picture) -> (weak reference, sha256), see remember_hash


def remember_hash(image: Any, digest: str) -> None:
    """Remember ``image``'s hash while it lives, so every stage that asks again gets it without hashing the pixels
    again. Only for pictures nobody changes in place (``vlmtok.session.Picture``)."""
    import weakref

    key = id(image)
    _KNOWN_HASHES[key] = (weakref.ref(image, lambda _ref: _KNOWN_HASHES.pop(key, None)), digest)


def image_hash(image: Any) -> str:
    """sha256 of a decoded picture (mode, size, pixels): the same artwork uploaded twice hashes the same."""
    known = _KNOWN_HASHES.get(id(image))
    if known is not None and known[0]() is image:
        return known[1]
    h = hashlib.sha256(f"{image.mode}:{image.size}".encode())
    h.update(image.tobytes())
    return h.hexdigest()


def cache_key(*parts: Any) -> str:
    """sha256 (hex) of a stable, unambiguous encoding of ``parts``.

    Each part is tagged with its type and length, so ``("ab", "c")`` and ``("a", "bc")`` differ, and ``1`` differs
    from ``"1"``. Supports str, bytes, int, float, bool, None, Path, and (nested) lists, tuples and dicts.

    >>> cache_key("Hello.", "en") == cache_key("Hello.", "en")
    True
    """
    digest = hashlib.sha256()
    for chunk in _encode(parts):
        digest.update(chunk)
    return digest.hexdigest()


def _encode(value: Any) -> Iterable[bytes]:
    if isinstance(value, (list, tuple)):
        yield b"L%d:" % len(value)
        for item in value:
            yield from _encode(item)
        return
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        yield b"D%d:" % len(items)
        for k, v in items:
            yield from _encode(str(k))
            yield from _encode(v)
        return
    tag, data = _scalar(value)
    yield b"%s%d:" % (tag, len(data))
    yield data


def _scalar(value: Any) -> tuple[bytes, bytes]:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return b"b", bytes(value)
    if isinstance(value, str):
        return b"s", value.encode("utf-8")
    if value is None or isinstance(value, (bool, int, float)):     # bool before int: True != 1 here
        return type(value).__name__.encode()[:1].upper(), repr(value).encode()
    if isinstance(value, os.PathLike):
        return b"p", os.fspath(value).encode("utf-8", "surrogateescape")
    raise TypeError(f"cache_key cannot encode {type(value).__name__}; use str, bytes, numbers or lists of them")


@dataclass
class _Entry:
    path: Path
    size: int
    used: float


class _Ledger:
    """One process's view of one folder's size between sweeps: ``total`` as last listed plus what it wrote since."""

    def __init__(self, total: int | None) -> None:
        self.total, self.since_sweep, self.lock = total, 0, threading.Lock()

    def wrote(self, delta: int, written: int, cap: int) -> bool:
        """Count a write (``delta``: net bytes; ``written``: bytes put); True when a sweep is due."""
        with self.lock:
            self.total = (self.total or 0) + delta
            self.since_sweep += written
            return self.total > cap or self.since_sweep > SWEEP_FRACTION * cap

    def swept(self, total: int) -> None:
        with self.lock:
            self.total, self.since_sweep = total, 0


_LEDGERS: dict[Path, _Ledger] = {}
_LEDGERS_LOCK = threading.Lock()


class DiskCache:
    """A folder of content-addressed files with a size cap (LRU). Never raises on disk errors.

    Args:
        name: sub-folder of the cache root (``vlmtok.paths.cache_dir(name)``), e.g. ``"speech"``.
        max_bytes: size cap; least recently used entries are removed when the total goes past it.
        root: an explicit folder instead of ``cache_dir(name)`` (tests, benchmarks).
    """

    def __init__(self, name: str, max_bytes: int = 512 * 1024 * 1024, root: str | Path | None = None) -> None:
        self.name = name
        self.max_bytes = int(max_bytes)
        self._explicit = Path(root) if root is not None else None
        self._warned: set[int | None] = set()
        self.root: Path | None = self._locate()

    def _locate(self) -> Path | None:
        """The folder: the explicit ``root``, else ``cache_dir(name)``; None when it cannot be had."""
        try:
            if self._explicit is None:
                return cache_dir(self.name)
            self._explicit.mkdir(parents=True, exist_ok=True)
            return self._explicit
        except CacheUnavailable as exc:      # vlmtok.paths has already said so, once
            log.debug("cache %r is off: %s", self.name, exc)
        except OSError as exc:
            self._warn(exc, "is unusable")
        return None

    def _warn(self, exc: OSError, what: str) -> None:
        """One warning per cache and kind of error (a full disk must not log on every tour); debug after that."""
        level = logging.DEBUG if exc.errno in self._warned else logging.WARNING
        self._warned.add(exc.errno)
        log.log(level, "cache %r %s (%s); carrying on without it", self.name, what, exc.strerror or exc)

    @property
    def enabled(self) -> bool:
        """False when the folder could not be created; every call is then a miss / no-op."""
        return self.root is not None

    key = staticmethod(cache_key)

    # --- reading -------------------------------------------------------------------------------------------

    def get_path(self, key: str, suffix: str = "") -> Path | None:
        """The entry's path, marked as just used, or None on a miss."""
        path = self._path(key, suffix)
        if path is None or not path.is_file():
            return None
        self._touch(path)
        return path

    def get_bytes(self, key: str, suffix: str = "") -> bytes | None:
        """The entry's content, or None on a miss or a read error."""
        path = self.get_path(key, suffix)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except OSError as exc:       # evicted by another process between the check and the read, or unreadable
            log.debug("cache read failed for %s: %s", path.name, exc)
            return None

    def get_json(self, key: str, suffix: str = ".json") -> Any | None:
        """A JSON entry decoded, or None on a miss or a corrupt entry."""
        data = self.get_bytes(key, suffix)
        if data is None:
            return None
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            log.warning("cache entry %s%s is corrupt (%s); ignoring it", key[:12], suffix, exc)
            return None

    # --- writing -------------------------------------------------------------------------------------------

    def put_bytes(self, key: str, data: bytes, suffix: str = "") -> Path | None:
        """Store ``data`` atomically; returns the entry's path, or None if it could not be cached."""
        path = self._path(key, suffix)
        if path is None:
            return None
        if len(data) > self.max_bytes:
            log.info("not caching %s%s: %d bytes exceeds the cap of %d", key[:12], suffix, len(data), self.max_bytes)
            return None
        replaced = _size_or_zero(path)
        try:
            _atomic_write(path, data)
        except FileNotFoundError as exc:     # the folder vanished (cleaned, unmounted): look for it once more
            path = self._relocated(key, data, suffix, exc)
            if path is None:
                return None
        except OSError as exc:
            self._warn(exc, "could not store an entry")
            return None
        if self._ledger().wrote(len(data) - replaced, len(data), self.max_bytes):
            self._evict(keep=path)
        return path

    def _relocated(self, key: str, data: bytes, suffix: str, exc: OSError) -> Path | None:
        """Find the folder again (``vlmtok.paths`` re-checks a vanished one) and write there, once."""
        log.info("cache %r: its folder vanished (%s); looking for it again", self.name, exc.strerror)
        self.root = self._locate()
        path = self._path(key, suffix)
        if path is None:
            return None
        try:
            _atomic_write(path, data)
        except OSError as again:
            self._warn(again, "could not store an entry")
            return None
        return path

    def put_file(self, key: str, src_path: str | Path, suffix: str = "") -> Path | None:
        """Copy ``src_path`` into the cache atomically (the source is left in place)."""
        try:
            data = Path(src_path).read_bytes()
        except OSError as exc:
            log.warning("cache %r could not read %s (%s)", self.name, Path(src_path).name, exc)
            return None
        return self.put_bytes(key, data, suffix)

    def put_json(self, key: str, obj: Any, suffix: str = ".json") -> Path | None:
        """Store ``obj`` as UTF-8 JSON."""
        try:
            data = json.dumps(obj, ensure_ascii=False, sort_keys=True).encode("utf-8")
        except (TypeError, ValueError) as exc:
            log.warning("cache %r: value for %s is not JSON (%s)", self.name, key[:12], exc)
            return None
        return self.put_bytes(key, data, suffix)

    def delete(self, key: str, suffix: str = "") -> None:
        """Remove one entry if present."""
        path = self._path(key, suffix)
        if path is not None:
            size = _size_or_zero(path)
            if _unlink(path):
                self._ledger().wrote(-size, 0, self.max_bytes)

    # --- size ----------------------------------------------------------------------------------------------

    def total_bytes(self) -> int:
        """Bytes held by finished entries (temporary files excluded)."""
        return sum(e.size for e in self._entries())

    def _folder(self) -> Path | None:
        """The folder as one absolute path (two caches on one folder share a ledger), resolved once per root."""
        if getattr(self, "_resolved", (None, None))[0] != self.root:
            self._resolved = (self.root, self.root.resolve() if self.root is not None else None)
        return self._resolved[1]

    def _ledger(self) -> _Ledger:
        """This process's running total for the folder, shared by every DiskCache on it (first use: one scan)."""
        with _LEDGERS_LOCK:
            folder = self._folder()
            ledger = _LEDGERS.get(folder)
            if ledger is None:
                ledger = _LEDGERS[folder] = _Ledger(None)
        if ledger.total is None:
            ledger.swept(sum(e.size for e in self._entries()))
        return ledger

    def _evict(self, keep: Path | None = None) -> None:
        """The sweep: list the folder once, evict the least recently used down to the low watermark."""
        entries = self._entries()
        total = sum(e.size for e in entries)
        if total > self.max_bytes:
            total = self._evict_oldest(entries, total, keep)
        self._ledger().swept(total)

    def _evict_oldest(self, entries: list[_Entry], total: int, keep: Path | None) -> int:
        target = int(self.max_bytes * LOW_WATERMARK)
        for entry in sorted(entries, key=lambda e: e.used):    # oldest use first
            if total <= target:
                break
            if keep is not None and entry.path == keep:
                continue
            if _unlink(entry.path):
                total -= entry.size
                log.debug("cache %r evicted %s (%d bytes)", self.name, entry.path.name, entry.size)
        return total

    def _entries(self) -> list[_Entry]:
        if self.root is None:
            return []
        entries: list[_Entry] = []
        now = time.time()
        try:
            with os.scandir(self.root) as it:
                for item in it:
                    entry = self._stat(item, now)
                    if entry is not None:
                        entries.append(entry)
        except OSError as exc:
            log.debug("cache %r could not be listed: %s", self.name, exc)
        return entries

    @staticmethod
    def _stat(item: os.DirEntry, now: float) -> _Entry | None:
        try:
            if not item.is_file(follow_symlinks=False):
                return None
            st = item.stat(follow_symlinks=False)
        except OSError:          # removed by another process while listing
            return None
        if item.name.startswith(TMP_PREFIX):
            if now - st.st_mtime > STALE_TMP_S:
                _unlink(Path(item.path))
            return None
        return _Entry(Path(item.path), st.st_size, st.st_mtime)

    # --- helpers -------------------------------------------------------------------------------------------

    def _path(self, key: str, suffix: str) -> Path | None:
        if self.root is None:
            return None
        if not key or any(c not in "0123456789abcdef" for c in key):
            raise ValueError("cache keys are lowercase hex digests from DiskCache.key(...)")
        if "/" in suffix or "\\" in suffix or ".." in suffix:
            raise ValueError(f"bad cache suffix {suffix!r}")
        return self.root / f"{key}{suffix}"

    @staticmethod
    def _touch(path: Path) -> None:
        try:
            os.utime(path)
        except OSError:          # read-only cache: the entry still serves, it just ages
            pass


def write_atomic(path: Path, data: bytes) -> None:
    """``data`` at ``path`` all at once or not at all (the folder made if needed): readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, data)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file next to ``path``, fsync, then rename over ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        _unlink(Path(tmp))
        raise


def _size_or_zero(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.debug("could not remove %s: %s", path.name, exc)
        return False
