"""Start-up that cannot fail on the disk: a cache folder that is read-only, a file, full, missing or vanished.

Root ignores permission bits, so "read-only" is a read-only tmpfs or a read-only bind mount (skipped, with the
reason, where mounting is not permitted), and "full" a tiny tmpfs filled to the brim.
"""
from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from vlmtok import paths
from vlmtok.cache import DiskCache


def _mount(*args: str) -> None:
    proc = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        pytest.skip(f"mounting is not permitted here: {proc.stderr.strip() or proc.returncode}")


@contextmanager
def tmpfs(where: Path, options: str):
    where.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    _mount("-t", "tmpfs", "-o", options, "tmpfs", str(where))
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=30)


@contextmanager
def read_only_bind(source: Path, where: Path):
    where.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    _mount("--bind", str(source), str(where))
    try:
        _mount("-o", "remount,ro,bind", str(where))
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=30)


@contextmanager
def full_tmpfs(where: Path):
    with tmpfs(where, "size=256k") as mount:
        fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:                                                     # ENOSPC: full
            pass
        finally:
            os.close(fd)
        yield mount


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "vlmtok.paths" and r.levelno >= logging.WARNING]


def _use(monkeypatch, folder: Path) -> None:
    monkeypatch.setenv("VLMTOK_CACHE", str(folder))


def _assert_temporary(state: paths.CacheState, reason: str) -> None:
    assert state.mode == "temporary" and reason in state.reason, state
    assert state.root.is_dir() and stat.S_IMODE(state.root.stat().st_mode) == 0o700      # private to this user
    cache = DiskCache("speech")
    key = cache.key("works")
    assert cache.put_bytes(key, b"RIFF", ".wav") == state.root / "speech" / f"{key}.wav"
    assert cache.get_bytes(key, ".wav") == b"RIFF"


# ----------------------------------------------------------------------------------------------------------------
# In this process


def test_a_file_where_the_folder_should_be(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    _use(monkeypatch, blocker)
    with caplog.at_level(logging.WARNING):
        _assert_temporary(paths.cache_state(), "a file is in the way")
        for name in ("speech", "narrations", "weights"):
            paths.cache_dir(name)
            DiskCache(name)
    assert len(_warnings(caplog)) == 1, caplog.text                                     # one plain warning
    assert "private temporary folder" in _warnings(caplog)[0]


def test_a_file_above_the_folder(tmp_path, monkeypatch):
    (tmp_path / "mnt").write_text("x")
    _use(monkeypatch, tmp_path / "mnt" / "vlmtok")
    _assert_temporary(paths.cache_state(), "a file is in the way")


def test_read_only_mount(tmp_path, monkeypatch):
    with tmpfs(tmp_path / "ro", "ro,size=1m") as mount:
        _use(monkeypatch, mount / "vlmtok")
        _assert_temporary(paths.cache_state(), "read-only")


def test_read_only_cache_that_holds_entries_is_still_read(tmp_path, monkeypatch):
    """A kiosk image with its caches prepared: they are read, new entries go to the private folder."""
    prepared = tmp_path / "prepared"
    _use(monkeypatch, prepared)
    old = DiskCache("speech")
    key = old.key("prepared")
    old.put_bytes(key, b"RIFF-old", ".wav")
    (paths.cache_dir("weights") / "vit.safetensors").write_bytes(b"weights")
    with read_only_bind(prepared, tmp_path / "kiosk") as mount:
        _use(monkeypatch, mount)
        state = paths.cache_state()
        _assert_temporary(state, "read-only")
        assert state.linked == mount
        assert DiskCache("speech").get_bytes(key, ".wav") == b"RIFF-old"
        assert (paths.cache_dir("weights") / "vit.safetensors").read_bytes() == b"weights"


def test_full_disk(tmp_path, monkeypatch):
    with full_tmpfs(tmp_path / "full") as mount:
        _use(monkeypatch, mount / "vlmtok")
        _assert_temporary(paths.cache_state(), "full")


def test_nothing_writable_at_all_turns_caches_off(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    _use(monkeypatch, blocker / "cache")
    monkeypatch.setattr(paths, "_PRIVATE", [])
    monkeypatch.setattr(tempfile, "tempdir", str(blocker / "tmp"))          # mkdtemp cannot work either
    with caplog.at_level(logging.DEBUG):
        state = paths.cache_state()
        cache = DiskCache("speech")
    assert state.mode == "off" and state.root is None
    with pytest.raises(paths.CacheUnavailable):
        paths.cache_dir("speech")
    assert not cache.enabled and cache.put_bytes(cache.key("x"), b"x", ".bin") is None
    assert len(_warnings(caplog)) == 1 and "caches are off" in _warnings(caplog)[0]
    assert not [r for r in caplog.records if r.name == "vlmtok.cache" and r.levelno >= logging.WARNING]


def test_a_cache_folder_that_vanishes_is_found_again(tmp_path, monkeypatch):
    root = tmp_path / "usb" / "vlmtok"
    _use(monkeypatch, root)
    cache = DiskCache("speech")
    assert paths.cache_state().mode == "normal"
    assert cache.put_bytes(cache.key("a"), b"a", ".wav") is not None
    shutil.rmtree(tmp_path / "usb")                                            # cleaned away under the app
    path = cache.put_bytes(cache.key("b"), b"b", ".wav")
    assert path is not None and path.read_bytes() == b"b" and paths.cache_state().mode == "normal"


def test_normal_folder_is_used_as_it_is(tmp_path, monkeypatch):
    _use(monkeypatch, tmp_path / "cache")
    state = paths.cache_state()
    assert state == paths.CacheState("normal", tmp_path / "cache", tmp_path / "cache")
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".probe-")]   # the probe is gone


# ----------------------------------------------------------------------------------------------------------------
# The running app


def _tour(url: str, folder: Path, rgb=(0, 128, 128)) -> tuple[str, str]:
    from gradio_client import Client, handle_file
    from PIL import Image

    picture = folder / f"p{rgb[0]}-{rgb[1]}-{rgb[2]}.png"
    Image.new("RGB", (96, 64), rgb).save(picture)
    client = Client(url, verbose=False, download_files=str(folder / "dl"))
    result = client.predict(handle_file(str(picture)), "en", "short", api_name="/describe")
    text, audio = result["text"], result["speech"]["audio"]
    assert text.startswith("Offline description") and audio and Path(audio).stat().st_size > 1000, result
    return text, client.predict("en", api_name="/about")["storage"]


def _started(env: dict[str, str], root: Path):
    from vlmtok.bench.app import running_app

    base = {"HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1", "GRADIO_TEMP_DIR": str(root / "uploads")}
    return running_app({**base, **env}, root / "app.log")


@pytest.mark.slow
@pytest.mark.parametrize("case", ["read-only", "file", "full"])
def test_the_app_starts_and_speaks_whatever_the_cache_folder(case, tmp_path):
    pytest.importorskip("gradio_client")
    mounts = {"read-only": lambda: tmpfs(tmp_path / "ro", "ro,size=1m"), "full": lambda: full_tmpfs(tmp_path / "f")}
    if case == "file":
        (tmp_path / "cachefile").write_text("x")
        context, folder = _nothing(), tmp_path / "cachefile"
    else:
        context, folder = mounts[case](), None
    with context as mount:
        cache = folder or mount / "vlmtok"
        with _started({"VLMTOK_CACHE": str(cache)}, tmp_path) as (url, _startup_s, proc):
            _text, notice = _tour(url, tmp_path)
            assert proc.poll() is None
        log = (tmp_path / "app.log").read_text(errors="replace")
    assert "Storage note" in notice and "until the app restarts" in notice
    assert log.count("cannot be used") == 1 and "Traceback" not in log, log[-3000:]


@contextmanager
def _nothing():
    yield None


@pytest.mark.slow
def test_the_app_keeps_speaking_when_its_cache_mount_vanishes(tmp_path):
    pytest.importorskip("gradio_client")
    with tmpfs(tmp_path / "usb", "size=64m") as mount, \
            _started({"VLMTOK_CACHE": str(mount / "vlmtok")}, tmp_path) as (url, _startup_s, proc):
        _text, notice = _tour(url, tmp_path)
        assert notice == ""                                                   # all well: no note on the page
        subprocess.run(["umount", "-l", str(mount)], check=True, timeout=30)  # the stick is pulled
        _tour(url, tmp_path, (255, 0, 0))                                     # a new picture, a new sound
        assert proc.poll() is None
    log = (tmp_path / "app.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert os.path.ismount(mount) is False
