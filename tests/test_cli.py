"""The command line: dispatch, and describe --speak writing real audio with the true extension."""
from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, env_extra: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "vlmtok", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_no_command_prints_help_and_fails():
    out = _run()
    assert out.returncode == 2 and "COMMAND" in out.stdout


def test_describe_speaks_into_a_wav_when_offline(tmp_path):
    target = tmp_path / "narration.mp3"
    out = _run("describe", "examples/mona_lisa.jpg", "--tier", "alt", "--speak", str(target),
               env_extra={"VLMTOK_CACHE": str(tmp_path / "cache")})
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1].startswith("Offline description")
    wav = tmp_path / "narration.wav"  # espeak-ng writes WAV: the extension tells the truth
    assert wav.exists() and not target.exists()
    with wave.open(str(wav)) as w:
        assert w.getnframes() / w.getframerate() > 2.0


def test_describe_refuses_a_broken_file_in_plain_words(tmp_path):
    bad = tmp_path / "photo.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    out = _run("describe", str(bad), "--lang", "vi")
    assert out.returncode == 2
    assert str(tmp_path) not in out.stderr and "Traceback" not in out.stderr and out.stderr.strip()
