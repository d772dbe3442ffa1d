"""Each running instance keeps its private files in its own folder (0700, named after its process), and the folders
of instances that were killed are removed by the next one."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile

from vlmtok import paths
from vlmtok.speech import service


def _fresh(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(paths, "_PRIVATE", [])


def test_uncached_speech_waits_in_this_instances_private_folder(monkeypatch, tmp_path):
    _fresh(monkeypatch, tmp_path)
    store = service._uncached_store()
    private = paths.private_root()
    assert store.root is not None and private in store.root.parents
    assert private.name.startswith(f"{paths.PRIVATE_PREFIX}{os.getpid()}-")
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert not (tmp_path / "vlmtok-speech-uncached").exists()               # the old shared, predictable folder


def test_private_folders_left_by_a_killed_instance_are_removed(monkeypatch, tmp_path):
    _fresh(monkeypatch, tmp_path)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    left = tmp_path / f"{paths.PRIVATE_PREFIX}{dead_pid}-abc123"
    (left / "speech-uncached").mkdir(parents=True)
    (left / "speech-uncached" / "x.wav").write_bytes(b"RIFF")
    alive = tmp_path / f"{paths.PRIVATE_PREFIX}{os.getppid()}-def456"            # a running process's: kept
    alive.mkdir()
    mine = paths.private_root()
    assert mine is not None and mine.is_dir()
    assert not left.exists() and alive.exists()
