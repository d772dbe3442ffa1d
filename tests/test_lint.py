"""The code stays as ruff's configuration in pyproject.toml asks (pyflakes, bugbear, pyupgrade, simplify, 120 columns)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vlmtok import settings

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        if settings.ci():
            pytest.fail("ruff is required in CI (requirements-test.txt)")
        pytest.skip("ruff is not installed (pip install -r requirements-test.txt)")
    done = subprocess.run([ruff, "check", "vlmtok", "tests", "app.py"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:]
