"""Where vlmtok keeps weights and caches: outside the repository, in one cache folder.

``VLMTOK_CACHE`` overrides the location; otherwise ``$XDG_CACHE_HOME/vlmtok`` or ``~/.cache/vlmtok``.
"""
from __future__ import annotations

import os
from pathlib import Path

from vlmtok import settings


def cache_root() -> Path:
    """The root cache folder (created on first use)."""
    env = settings.cache_root_override()
    if env:
        root = Path(env)
    else:
        base = settings.xdg_cache_home() or os.path.join(os.path.expanduser("~"), ".cache")
        root = Path(base) / "vlmtok"
    root.mkdir(parents=True, exist_ok=True)
    return root


def cache_dir(name: str) -> Path:
    """A named sub-folder of the cache root, e.g. ``cache_dir("weights")``."""
    path = cache_root() / name
    path.mkdir(parents=True, exist_ok=True)
    return path
