"""What a pack is built from: a folder of pictures and, optionally, the museum's labels as CSV.

The CSV has a header row with ``file`` and any of ``title``, ``artist``, ``date``, ``label`` (other columns are
ignored); ``file`` is a name inside the folder. Pictures in the folder without a row get empty label fields (no
title is made up); rows whose file is missing are reported and skipped, and so is every other file the folder
holds that is not a picture (HEIC and AVIF are pictures). The label fields are the only source of
art-history claims a narration may make.

>>> items, problems = read_source("examples")  # doctest: +SKIP
"""
from __future__ import annotations

import csv
import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

LABEL_FIELDS: tuple[str, ...] = ("title", "artist", "date", "label")
CSV_NAMES: tuple[str, ...] = ("labels.csv",)       # looked for inside SOURCE when no CSV is given
PICTURE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff",  # images.py's
                              ".heic", ".heif", ".avif"})                                       # formats


@dataclass
class SourceItem:
    """One picture to put in the pack, with its label fields and the sha256 of its file."""

    id: str
    file: str                              # name inside the source folder
    path: Path
    sha256: str
    title: str = ""
    artist: str = ""
    date: str = ""
    label: str = ""

    def label_text(self) -> str | None:
        """What the narrator may say about the work beyond what it sees: "Title, Artist, Date. Label"."""
        head = ", ".join(v for v in (self.title, self.artist, self.date) if v)
        text = ". ".join(v.rstrip(". ") for v in (head, self.label) if v)
        return text or None

    def fields(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in LABEL_FIELDS}


@dataclass
class Problem:
    """Something in the source that could not go into the pack, said plainly."""

    file: str
    reason: str


@dataclass
class Source:
    items: list[SourceItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_source(folder: str | Path, labels_csv: str | Path | None = None) -> Source:
    """The pictures in ``folder`` (sorted by name) with their labels from ``labels_csv`` (or ``folder/labels.csv``).

    Raises:
        FileNotFoundError: the folder does not exist. A bad CSV row or file is a ``Problem``, not an error.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of pictures")
    source = Source()
    labels_path = _csv_path(folder, labels_csv)
    labels = _read_labels(labels_path, folder, source.problems)
    pictures = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or (labels_path is not None and path.resolve() == labels_path.resolve()):
            continue                               # hidden files (.DS_Store ...) and the labels themselves
        if path.is_file() and path.suffix.lower() in PICTURE_SUFFIXES:
            pictures.append(path)
        else:                                      # every file left out is listed, never dropped silently
            source.problems.append(Problem(path.name, _left_out(path)))
    ids: set[str] = set()
    for path in pictures:
        try:
            digest = _sha256(path)
        except OSError as exc:
            source.problems.append(Problem(path.name, f"cannot be read ({exc.strerror or exc})"))
            continue
        item = SourceItem(id=_unique(slug(path.stem), ids), file=path.name, path=path, sha256=digest,
                          **labels.get(path.name, {}))
        source.items.append(item)
    return source


def _left_out(path: Path) -> str:
    if path.is_dir():
        return "a folder: only pictures directly in the source folder are read"
    return f"not a picture file this app reads (by its name; pictures end in {', '.join(sorted(PICTURE_SUFFIXES))})"


def slug(text: str) -> str:
    """A stable id from a file name: lower case, ASCII letters, digits and ``_``.

    >>> slug("Van Gogh - Starry Night (1889)")
    'van_gogh_starry_night_1889'
    """
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "artwork"


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _csv_path(folder: Path, labels_csv: str | Path | None) -> Path | None:
    if labels_csv is not None:
        return Path(labels_csv)
    return next((folder / n for n in CSV_NAMES if (folder / n).is_file()), None)


def _read_labels(path: Path | None, folder: Path, problems: list[Problem]) -> dict[str, dict[str, str]]:
    """``{file name: {title, artist, date, label}}``; rows that cannot be used become problems."""
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path.name, f"the labels file cannot be read as UTF-8 CSV ({exc})"))
        return {}
    rows = csv.DictReader(text.splitlines())
    if not rows.fieldnames or "file" not in [f.strip().lower() for f in rows.fieldnames]:
        problems.append(Problem(path.name, "the labels file needs a header row with a 'file' column"))
        return {}
    labels: dict[str, dict[str, str]] = {}
    for line, row in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
        name = Path(row.get("file", "")).name
        if not name:
            problems.append(Problem(path.name, f"line {line} names no file"))
        elif not (folder / name).is_file():
            problems.append(Problem(name, f"listed on line {line} of {path.name} but not in the folder"))
        else:
            labels[name] = {k: row.get(k, "") for k in LABEL_FIELDS}
    return labels


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
