"""Everything that writes into a pack folder: content-addressed files, the journal, the lock and the clean-up.

Files are named by the sha256 of their bytes (``audio/3fa2....wav``), so writing one never changes a file an
older manifest names. Each finished artwork is journalled in ``.work/`` at once, so a build that crashes keeps
what it made; ``manifest.json`` is swapped in last (``os.replace``), then files no manifest names are removed.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from vlmtok.pack.manifest import PackError, write_atomic

log = logging.getLogger(__name__)

FOLDERS: tuple[str, ...] = ("audio", "pictures", "thumbs", "tokens", "index")
JOURNAL = ".work"
LOCK = ".lock"


class PackWriter:
    """Writes into one pack folder; ``with PackWriter(folder) as w:`` holds its lock (one build at a time)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._lock = None

    def __enter__(self) -> PackWriter:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.folder / LOCK, "a")  # noqa: SIM115 - held until __exit__
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._lock.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise PackError(f"another build is writing {self.folder} right now") from exc
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

    # --- content-addressed files -----------------------------------------------------------------------------

    def put(self, folder: str, data: bytes, suffix: str) -> str:
        """Store ``data`` as ``folder/<sha256>suffix`` (once) and return that relative path."""
        rel = f"{folder}/{hashlib.sha256(data).hexdigest()[:40]}{suffix}"
        path = self.folder / rel
        if not (path.is_file() and path.stat().st_size == len(data)):
            write_atomic(path, data)
        return rel

    def has(self, rel: str | None) -> bool:
        return bool(rel) and (self.folder / rel).is_file()

    # --- the journal: what a crashed build already made --------------------------------------------------------

    def journal(self, name: str, record: dict[str, Any]) -> None:
        write_atomic(self.folder / JOURNAL / f"{name}.json",
                     json.dumps(record, ensure_ascii=False).encode("utf-8"))

    def journal_blob(self, name: str, data: bytes) -> None:
        write_atomic(self.folder / JOURNAL / name, data)

    def journalled_blob(self, name: str) -> bytes | None:
        try:
            return (self.folder / JOURNAL / name).read_bytes()
        except OSError:
            return None

    def journalled(self) -> dict[str, dict[str, Any]]:
        """Every journal record by name; a torn or unreadable one is ignored (its work is done again)."""
        records = {}
        for path in sorted((self.folder / JOURNAL).glob("*.json")):
            try:
                records[path.stem] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                log.warning("ignoring journal record %s (%s)", path.name, exc)
        return records

    # --- after the manifest is in place ------------------------------------------------------------------------

    def clean(self, keep: set[str]) -> int:
        """Remove the journal and every file of ours that ``keep`` (the new manifest's files) does not name."""
        removed = 0
        for folder in FOLDERS:
            for path in (self.folder / folder).glob("*"):
                rel = f"{folder}/{path.name}"
                if path.is_file() and rel not in keep:
                    path.unlink(missing_ok=True)
                    removed += 1
        shutil.rmtree(self.folder / JOURNAL, ignore_errors=True)
        for tmp in self.folder.glob(".tmp-*"):
            tmp.unlink(missing_ok=True)
        return removed
