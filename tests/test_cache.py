"""DiskCache: stable keys, atomic writes under concurrency, LRU eviction under a cap, and never raising on disk
errors (the app must keep working with a broken cache)."""
from __future__ import annotations

import errno
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest

from vlmtok import cache as cache_mod
from vlmtok.cache import TMP_PREFIX, DiskCache, cache_key


@pytest.fixture(autouse=True)
def _tmp_cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path / "cache-root"))


def _temps(root: Path) -> list[Path]:
    return [p for p in root.iterdir() if p.name.startswith(TMP_PREFIX)]


# --- keys ----------------------------------------------------------------------------------------------------

def test_key_is_stable_and_unambiguous():
    k = cache_key("Hello.", "en", "espeak", "en-us", 175)
    assert k == cache_key("Hello.", "en", "espeak", "en-us", 175)
    assert len(k) == 64 and all(c in "0123456789abcdef" for c in k)
    assert cache_key("ab", "c") != cache_key("a", "bc")           # boundaries are encoded
    assert cache_key(1) != cache_key("1") != cache_key(b"1")      # types are encoded
    assert cache_key(True) != cache_key(1)
    assert cache_key(1.0) != cache_key(1)
    assert cache_key(["a", "b"]) != cache_key("a", "b")
    assert cache_key({"x": 1, "y": 2}) == cache_key({"y": 2, "x": 1})
    assert cache_key(b"\x00\xff" * 3) == DiskCache.key(b"\x00\xff" * 3)
    with pytest.raises(TypeError):
        cache_key(object())


def test_default_location_follows_vlmtok_cache(tmp_path):
    c = DiskCache("things", max_bytes=1000)
    assert c.root == tmp_path / "cache-root" / "things"
    assert c.enabled


# --- basic reads and writes ----------------------------------------------------------------------------------

def test_put_get_bytes_json_file(tmp_path):
    c = DiskCache("t", max_bytes=1_000_000)
    k = c.key("a")
    assert c.get_path(k, ".bin") is None and c.get_bytes(k, ".bin") is None and c.get_json(k) is None
    path = c.put_bytes(k, b"payload", ".bin")
    assert path == c.get_path(k, ".bin") and path.read_bytes() == b"payload"
    assert c.put_json(k, {"text": "Sóng lớn", "n": [1, 2]}) is not None
    assert c.get_json(k) == {"text": "Sóng lớn", "n": [1, 2]}
    src = tmp_path / "src.wav"
    src.write_bytes(b"RIFF" + bytes(100))
    copied = c.put_file(k, src, ".wav")
    assert copied.read_bytes() == src.read_bytes() and src.exists()
    assert c.put_file(k, tmp_path / "missing.wav", ".wav") is None        # unreadable source: None, no raise
    assert _temps(c.root) == []
    assert c.total_bytes() == sum(p.stat().st_size for p in c.root.iterdir())


def test_corrupt_json_is_a_miss():
    c = DiskCache("t", max_bytes=1_000_000)
    k = c.key("j")
    c.put_bytes(k, b"{not json", ".json")
    assert c.get_json(k) is None


def test_bad_keys_and_suffixes_are_refused():
    c = DiskCache("t", max_bytes=1000)
    with pytest.raises(ValueError):
        c.put_bytes("../../etc/passwd", b"x")
    with pytest.raises(ValueError):
        c.get_path(c.key("x"), "/../../x")


# --- eviction ------------------------------------------------------------------------------------------------

def test_lru_eviction_keeps_recently_used_entries():
    c = DiskCache("lru", max_bytes=10_000)
    keys = [c.key(i) for i in range(3)]
    paths = [c.put_bytes(k, bytes([i]) * 3000, ".bin") for i, k in enumerate(keys)]
    now = time.time()
    for age, p in zip((300, 200, 100), paths):              # entry 0 oldest, entry 2 newest
        os.utime(p, (now - age, now - age))
    assert c.get_path(keys[0], ".bin") is not None          # a hit makes entry 0 the most recently used
    new = c.put_bytes(c.key("new"), b"n" * 3000, ".bin")     # 12 000 bytes > cap: evict down to 9 000
    assert new is not None and new.exists()
    assert paths[0].exists(), "the entry just read must survive"
    assert not paths[1].exists(), "the least recently used entry must go first"
    assert paths[2].exists()
    assert c.total_bytes() <= c.max_bytes


def test_entry_larger_than_the_cap_is_not_cached():
    c = DiskCache("small", max_bytes=100)
    assert c.put_bytes(c.key("big"), b"x" * 101, ".bin") is None
    assert list(c.root.iterdir()) == []


def test_stale_temp_files_are_cleaned():
    c = DiskCache("stale", max_bytes=1_000_000)
    stale = c.root / f"{TMP_PREFIX}dead-writer"
    stale.write_bytes(b"half a file")
    old = time.time() - 2 * cache_mod.STALE_TMP_S
    os.utime(stale, (old, old))
    fresh = c.root / f"{TMP_PREFIX}live-writer"
    fresh.write_bytes(b"being written")
    c.put_bytes(c.key("x"), b"x", ".bin")
    assert not stale.exists() and fresh.exists()            # a live writer's temp file is left alone
    assert c.total_bytes() == 1                             # temp files are not counted as entries


# --- concurrency ---------------------------------------------------------------------------------------------

PAYLOAD = bytes(range(256)) * 800          # 204 800 bytes: big enough that a torn write would show


def test_concurrent_writers_and_readers_same_key_threads():
    c = DiskCache("threads", max_bytes=50_000_000)
    k = c.key("same")
    torn: list[int] = []
    stop = threading.Event()

    def write():
        for _ in range(15):
            assert c.put_bytes(k, PAYLOAD, ".bin") is not None

    def read():
        while not stop.is_set():
            data = c.get_bytes(k, ".bin")
            if data is not None and data != PAYLOAD:
                torn.append(len(data))

    readers = [threading.Thread(target=read) for _ in range(2)]
    writers = [threading.Thread(target=write) for _ in range(6)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert torn == [], f"readers saw partial entries of sizes {torn[:5]}"
    assert c.get_bytes(k, ".bin") == PAYLOAD
    assert _temps(c.root) == []


def _write_many(root: str, n: int) -> None:
    c = DiskCache("procs", max_bytes=50_000_000, root=root)
    for _ in range(n):
        c.put_bytes(c.key("same"), PAYLOAD, ".bin")


def test_concurrent_writers_same_key_two_processes(tmp_path):
    root = tmp_path / "procs"
    c = DiskCache("procs", max_bytes=50_000_000, root=root)
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_write_many, args=(str(root), 25)) for _ in range(2)]
    for p in procs:
        p.start()
    seen_bad = 0
    while any(p.is_alive() for p in procs):
        data = c.get_bytes(c.key("same"), ".bin")
        seen_bad += data is not None and data != PAYLOAD
    for p in procs:
        p.join()
        assert p.exitcode == 0
    assert seen_bad == 0
    assert c.get_bytes(c.key("same"), ".bin") == PAYLOAD
    assert _temps(root) == []


# --- a broken cache never raises -----------------------------------------------------------------------------

def test_cache_folder_that_cannot_exist_moves_to_a_private_folder(tmp_path, monkeypatch):
    from vlmtok import paths

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("VLMTOK_CACHE", str(blocker / "cache"))
    c = DiskCache("speech", max_bytes=1000)
    assert c.enabled and c.root == paths.cache_state().root / "speech" and blocker not in c.root.parents


def test_a_cache_that_cannot_be_had_steps_aside(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    c = DiskCache("speech", max_bytes=1000, root=blocker / "speech")
    assert not c.enabled
    k = c.key("x")
    assert c.put_bytes(k, b"x", ".bin") is None
    assert c.put_json(k, {"a": 1}) is None
    assert c.get_path(k, ".bin") is None and c.get_json(k) is None
    assert c.total_bytes() == 0


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_full_or_read_only_disk_returns_none_and_leaves_no_temp(monkeypatch, code):
    c = DiskCache("full", max_bytes=1_000_000)
    k = c.key("x")
    ok = c.put_bytes(k, b"old", ".bin")

    def fail(*_a, **_k):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(cache_mod.os, "replace", fail)
    assert c.put_bytes(k, b"new", ".bin") is None
    assert _temps(c.root) == []
    assert ok.read_bytes() == b"old"                  # the old entry is intact
    monkeypatch.setattr(cache_mod.os, "utime", fail)
    assert c.get_bytes(k, ".bin") == b"old"           # a hit still serves when touching fails


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_permissions(tmp_path):
    c = DiskCache("ro", max_bytes=1000, root=tmp_path / "ro")
    c.root.chmod(0o555)
    try:
        assert c.put_bytes(c.key("x"), b"x", ".bin") is None
    finally:
        c.root.chmod(0o755)


# --- collection scale: writes do not list the folder ---------------------------------------------------------

def _count_scans(monkeypatch) -> list[int]:
    calls = [0]
    real = cache_mod.os.scandir

    def counting(path):
        calls[0] += 1
        return real(path)

    monkeypatch.setattr(cache_mod.os, "scandir", counting)
    monkeypatch.setattr(cache_mod.os, "fsync", lambda fd: None)     # durability is not what these tests time
    return calls


def test_writes_list_the_folder_once_not_per_write(monkeypatch):
    c = DiskCache("scale", max_bytes=50_000_000)
    scans = _count_scans(monkeypatch)
    for i in range(300):
        assert c.put_bytes(c.key(i), b"x" * 100, ".bin") is not None
    assert scans[0] == 1, "only the first write of this process lists the folder"
    again = DiskCache("scale", max_bytes=50_000_000)       # a second instance on the same folder shares the total
    again.put_bytes(again.key("more"), b"y", ".bin")
    assert scans[0] == 1
    assert c.total_bytes() == 300 * 100 + 1


def test_sweeps_at_the_cap_are_amortised_and_keep_the_bound(monkeypatch):
    c = DiskCache("sweeps", max_bytes=10_000)
    scans = _count_scans(monkeypatch)
    writes = 400
    for i in range(writes):
        c.put_bytes(c.key(i), bytes([i % 256]) * 100, ".bin")       # 40 kB through a 10 kB cache
        assert c.total_bytes() <= c.max_bytes
    assert scans[0] - writes <= writes / 5, "a sweep comes once per many writes, not on every write"


def _fill_other_process(root: str, n: int) -> None:
    c = DiskCache("shared", max_bytes=40_000, root=root)
    for i in range(n):
        c.put_bytes(c.key("child", i), b"c" * 1000, ".bin")


def test_another_process_writing_is_caught_by_the_next_sweep(tmp_path):
    root = tmp_path / "shared"
    c = DiskCache("shared", max_bytes=40_000, root=root)
    c.put_bytes(c.key("first"), b"p" * 1000, ".bin")                # this process's running total starts here
    child = multiprocessing.get_context("fork").Process(target=_fill_other_process, args=(str(root), 39))
    child.start()
    child.join()
    assert child.exitcode == 0
    bound = c.max_bytes * (1 + 2 * cache_mod.SWEEP_FRACTION)         # two writing processes
    for i in range(60):
        c.put_bytes(c.key("parent", i), b"p" * 1000, ".bin")
        assert c.total_bytes() <= bound
    assert c.total_bytes() <= c.max_bytes
