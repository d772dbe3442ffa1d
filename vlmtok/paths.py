"""Where vlmtok keeps weights and caches: outside the repository, in one cache folder, and never a reason not to start.

``VLMTOK_CACHE`` overrides the location; otherwise ``$XDG_CACHE_HOME/vlmtok`` or ``~/.cache/vlmtok``.

A folder that cannot be used (missing and not creatable, read-only, a file where a folder should be, full, or on
a mount that vanished) is logged once, in one plain warning, and the caches move to a private temporary folder
(``mkdtemp``: only this user can read it; removed at exit). A read-only folder that holds caches already (a kiosk
image with its weights prepared) is still read: its entries are linked into the private folder, so they are found
where they always are, and new entries go beside them. If even the temporary folder fails, caches are off:
``cache_dir`` raises ``CacheUnavailable`` (an ``OSError``, which ``DiskCache`` already steps aside for).
``cache_state()`` says which of the three is in force, for the page's status line. A folder that disappears while
the app runs is looked at again on the next use.

>>> cache_state().mode in ("normal", "temporary", "off")
True
"""
from __future__ import annotations

import atexit
import errno
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from vlmtok import settings

log = logging.getLogger(__name__)

PRIVATE_PREFIX = "vlmtok-cache-"      # + process id + "-" + mkdtemp's random part
MIN_FREE_BYTES = 64 * 1024 * 1024
"""Less free space than this counts as full: a few narrations and their audio, not a weight file."""


class CacheUnavailable(OSError):
    """No folder at all can hold caches (the chosen one and the system's temporary folder both failed)."""


@dataclass(frozen=True)
class CacheState:
    """Which cache folder is in use, and why.

    Attributes:
        mode: "normal" (the chosen folder), "temporary" (a private temporary folder) or "off".
        root: the folder in use; None when off.
        wanted: the folder asked for (``VLMTOK_CACHE`` or the default).
        reason: why ``wanted`` is not used, in plain words ("" when normal).
        linked: the read-only ``wanted`` folder whose entries were linked into ``root`` (None if none).
    """

    mode: str
    root: Path | None
    wanted: Path
    reason: str = ""
    linked: Path | None = None


_LOCK = threading.Lock()
_STATES: dict[Path, CacheState] = {}
_PRIVATE: list[Path] = []             # the one private temporary folder of this process, once made


def wanted_root() -> Path:
    """The cache folder the settings ask for (not checked)."""
    env = settings.cache_root_override()
    if env:
        return Path(env)
    base = settings.xdg_cache_home() or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vlmtok"


def unusable_reason(folder: Path) -> str | None:
    """Why ``folder`` cannot hold caches ("read-only file system", "not a folder", "full ..."), or None if it can.

    Creates the folder if needed and writes (then removes) a one-byte probe file.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            return "it is not a folder"
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=folder)
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
            os.unlink(probe)
        free = shutil.disk_usage(folder).free
    except (FileExistsError, NotADirectoryError):
        return "a file is in the way where a folder should be"
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "the disk is full"
        return (exc.strerror or type(exc).__name__).lower()
    if free < MIN_FREE_BYTES:
        return f"the disk is full ({free // (1024 * 1024)} MB free)"
    return None


def private_root() -> Path | None:
    """This process's private temporary cache folder (0700, removed at exit), made on first need; None if impossible."""
    if _PRIVATE and _PRIVATE[0].is_dir():
        return _PRIVATE[0]
    _remove_orphans()
    try:
        path = Path(tempfile.mkdtemp(prefix=f"{PRIVATE_PREFIX}{os.getpid()}-"))
    except OSError as exc:
        log.debug("no private temporary folder: %s", exc)
        return None
    if unusable_reason(path) is not None:
        shutil.rmtree(path, ignore_errors=True)
        return None
    _PRIVATE[:] = [path]
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def _remove_orphans() -> None:
    """Remove the private folders of this user's processes that ended without their exit clean-up (killed, crashed):
    each is named after its process id, so one whose process is gone is nobody's."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PRIVATE_PREFIX}*-*"):
        pid = folder.name[len(PRIVATE_PREFIX):].split("-", 1)[0]
        try:
            if not pid.isdigit() or folder.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)                   # still running: its folder is in use
        except ProcessLookupError:
            log.info("removing %s, left by a process that ended without cleaning up", folder.name)
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:                            # not ours to look at
            continue


def _link_entries(source: Path, target: Path) -> bool:
    """Link the entries of each sub-folder of a readable ``source`` (``weights/``, ``speech/`` ...) into ``target``.

    ``DiskCache`` then finds them (it follows links to read, never counts or evicts them), and new entries are
    written beside them in ``target``. Returns whether ``source`` held anything.
    """
    try:
        folders = [f for f in source.iterdir() if f.is_dir()] if source.is_dir() else []
        for folder in folders:
            (target / folder.name).mkdir(exist_ok=True)
            for entry in folder.iterdir():
                link = target / folder.name / entry.name
                if not link.exists():
                    link.symlink_to(entry)
    except OSError as exc:
        log.debug("could not link the entries of %s: %s", source, exc)
    return bool(folders)


def _resolve(wanted: Path) -> CacheState:
    reason = unusable_reason(wanted)
    if reason is None:
        return CacheState("normal", wanted, wanted)
    private = private_root()
    if private is not None:
        linked = wanted if _link_entries(wanted, private) else None
        kept = f"; what {wanted} holds is still read" if linked else ""
        log.warning("The cache folder %s cannot be used (%s): caches are kept in the private temporary folder %s "
                    "until the app stops%s.", wanted, reason, private, kept)
        return CacheState("temporary", private, wanted, reason, linked)
    log.warning("The cache folder %s cannot be used (%s), nor can a temporary folder: caches are off, every "
                "description and sound is made afresh.", wanted, reason)
    return CacheState("off", None, wanted, reason)


def cache_state() -> CacheState:
    """The cache folder in use for the current settings; checked once, and again if its folder disappeared."""
    wanted = wanted_root()
    with _LOCK:
        state = _STATES.get(wanted)
        if state is None or (state.root is not None and not state.root.is_dir()):
            if state is not None:
                log.info("cache folder %s disappeared; looking again", state.root)
            state = _STATES[wanted] = _resolve(wanted)
        return state


def cache_root() -> Path:
    """The root cache folder in use (created on first use). Raises ``CacheUnavailable`` when caches are off."""
    state = cache_state()
    if state.root is None:
        raise CacheUnavailable(f"no usable cache folder ({state.reason})")
    return state.root


def cache_dir(name: str) -> Path:
    """A named sub-folder of the cache root, e.g. ``cache_dir("weights")``. Raises ``CacheUnavailable`` when off."""
    path = cache_root() / name
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CacheUnavailable(f"{name} in the cache folder is a file") from None
    return path
