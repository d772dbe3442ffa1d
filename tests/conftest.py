"""Shared test set-up: small thread count (2-core CI), offline Hub, example paths."""
from __future__ import annotations

import os
from pathlib import Path

# The Hub is unreachable on CI; say so up front so no test waits on a network probe (tests of the probe set their own).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("VLMTOK_DEVICE", "cpu")

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(min(2, os.cpu_count() or 1))

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES
