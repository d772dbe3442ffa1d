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


@pytest.fixture(scope="session")
def app_cache(tmp_path_factory) -> Path:
    """The cache folder (``VLMTOK_CACHE``) of the shared app, ``app_url``."""
    return tmp_path_factory.mktemp("app-cache")


@pytest.fixture(scope="session")
def app_url(app_cache):
    """One real ``python app.py`` on 127.0.0.1 (offline, its own cache) shared by the API and browser tests."""
    from vlmtok.bench.app import running_app

    cache = app_cache
    # "check before speaking": these tests follow the guide's approve step and press Play themselves; speech as it is
    # written has its own app, narrated slowly enough to hear it start (test_browser.py)
    env = {"VLMTOK_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1", "VLMTOK_SPEAK": "check"}
    with running_app(env, cache / "app.log") as (url, _startup_s, _proc):
        yield url
