"""``PACK/manifest.json``: what a tour pack holds, versioned (``SCHEMA_VERSION``), read and written here only.

Every path in it is relative to the pack folder and content-addressed (named by a hash of what it holds), so a
file is never rewritten with other content: a new build adds files, swaps the manifest in one ``os.replace``,
then removes the files only the old manifest named. ``docs/tour-packs.md`` documents every field.

>>> m = Manifest(options=BuildOptions(langs=["en"]))
>>> Manifest.from_dict(m.to_dict()).options.langs
['en']
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from vlmtok.cache import write_atomic  # the pack's files are written as the caches' are: whole or not at all
from vlmtok.errors import VisitorError
from vlmtok.i18n import t

SCHEMA = "vlmtok-tour-pack"
SCHEMA_VERSION = 1
MANIFEST = "manifest.json"


class PackError(VisitorError, ValueError):
    """A pack folder that cannot be read: missing, not a pack, damaged, or from a newer vlmtok.

    ``str()`` is the technical detail for the log (it may name the folder); ``user_message_for(lang)`` is the plain,
    path-free sentence a visitor reads (``pack.problem_*`` keys).
    """

    message_key = "pack.problem_other"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack that still plays: a catalogue key and the names it quotes (never a path)."""

    key: str
    details: tuple[tuple[str, str], ...] = ()

    def message(self, lang: str) -> str:
        return t(self.key, lang, **dict(self.details))


@dataclass
class PreparedNarration:
    """One narration written ahead, with where it came from and its audio."""

    lang: str                              # the language asked for
    tier: str                              # "alt", "short", "long"
    audience: str                          # "adult", "child"
    text: str
    text_lang: str                         # the language the text is in (SmolVLM without a translator: "en")
    narrator: str                          # registry name: "smolvlm", "offline", ...
    narrator_label: str                    # the byline, in ``text_lang``
    model: str | None                      # model id; None for the offline narrator
    weights: str                           # "hub", "local-cache", "offline-pack", "random", "none"
    translated: bool                       # machine translated
    made_at: str                           # ISO 8601, UTC
    key: str                               # what the text depends on (picture, label, lang, tier, audience, ...)
    audio: str | None = None               # relative path; None when no voice could speak
    audio_format: str | None = None        # "wav" or "mp3"
    duration_s: float = 0.0
    voice: str | None = None               # speech engine: "gtts", "piper", "espeak"
    rate: float = 1.0
    sentences: list[str] = field(default_factory=list)
    sentence_starts: list[float] = field(default_factory=list)   # seconds into the audio file
    notice: str | None = None              # e.g. "shown in English", for the visitor


@dataclass
class Artwork:
    """One artwork: its label fields, its pictures in the pack, and its narrations."""

    id: str
    file: str                              # the source file's name
    sha256: str                            # of the source file: a changed picture is a new artwork
    title: str = ""
    artist: str = ""
    date: str = ""
    label: str = ""
    size: list[int] = field(default_factory=list)            # [width, height] of the picture as loaded
    picture: str | None = None             # relative path: the picture (long side <= 1024 px), for questions
    thumbnail: str | None = None           # relative path: long side 384 px, for the gallery
    tokens_picture: str | None = None      # relative path: what DINOv2's tokens see (PCA colours)
    narrations: list[PreparedNarration] = field(default_factory=list)

    @property
    def name(self) -> str:
        """What to call it on screen: the title from the label, else the file name."""
        return self.title or Path(self.file).stem.replace("_", " ")

    def narration(self, lang: str, tier: str, audience: str = "adult") -> PreparedNarration | None:
        """The narration for (lang, tier, audience); the adult one when no child's version was made."""
        for aud in dict.fromkeys((audience, "adult")):
            hit = next((n for n in self.narrations if (n.lang, n.tier, n.audience) == (lang, tier, aud)), None)
            if hit is not None:
                return hit
        return None


@dataclass
class BuildOptions:
    langs: list[str] = field(default_factory=lambda: ["en", "vi"])
    tiers: list[str] = field(default_factory=lambda: ["alt", "short", "long"])
    audiences: list[str] = field(default_factory=lambda: ["adult"])
    narrator: str = "auto"
    detail: str = "auto"
    voice: str = "auto"                    # speech engine for ``speak``: "auto" or a name from list_engines()
    rate: float = 1.0


@dataclass
class Recognition:
    """How photos are matched: the encoder, its weights, the index file and the calibrated decision rule."""

    encoder: str = ""
    weights: str = ""
    index: str | None = None               # relative path of the index (``.npz``)
    method: str = ""
    threshold: float = 0.0
    margin: float = 0.0


@dataclass
class Skipped:
    file: str
    reason: str


@dataclass
class Manifest:
    schema: str = SCHEMA
    schema_version: int = SCHEMA_VERSION
    vlmtok_version: str = ""
    created_at: str = ""
    updated_at: str = ""
    options: BuildOptions = field(default_factory=BuildOptions)
    recognition: Recognition = field(default_factory=Recognition)
    artworks: list[Artwork] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def artwork(self, artwork_id: str) -> Artwork | None:
        return next((a for a in self.artworks if a.id == artwork_id), None)

    def files(self) -> set[str]:
        """Every relative path the manifest names."""
        named = {self.recognition.index}
        for a in self.artworks:
            named |= {a.picture, a.thumbnail, a.tokens_picture, *(n.audio for n in a.narrations)}
        return {p for p in named if p}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise PackError("this folder's manifest.json is not a vlmtok tour pack", key="pack.problem_not_pack")
        version = data.get("schema_version")
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise PackError(f"this pack has schema version {version}; this vlmtok reads up to {SCHEMA_VERSION}",
                            key="pack.problem_newer")
        artworks = [_build(Artwork, {**a, "narrations": [_build(PreparedNarration, n)
                                                         for n in a.get("narrations", [])]})
                    for a in data.get("artworks", [])]
        return _build(cls, {**data, "options": _build(BuildOptions, data.get("options", {})),
                            "recognition": _build(Recognition, data.get("recognition", {})), "artworks": artworks,
                            "skipped": [_build(Skipped, s) for s in data.get("skipped", [])]})


def _build(kind: type, data: dict[str, Any]) -> Any:
    """``kind(**data)`` keeping only known fields (a newer minor addition is ignored, not an error)."""
    if isinstance(data, kind):
        return data
    known = {f.name for f in fields(kind)}
    try:
        return kind(**{k: v for k, v in data.items() if k in known})
    except (TypeError, AttributeError) as exc:
        raise PackError(f"manifest.json is incomplete ({exc})", key="pack.problem_damaged") from exc


def read_manifest(pack: str | Path) -> Manifest:
    """The manifest of the pack folder ``pack``. Raises ``PackError`` with a plain reason."""
    path = Path(pack) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PackError(f"{pack} holds no tour pack (no {MANIFEST})", key="pack.problem_missing") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PackError(f"{MANIFEST} in {pack} cannot be read ({exc})", key="pack.problem_damaged") from exc
    return Manifest.from_dict(data)


def check_files(pack: str | Path, manifest: Manifest) -> list[Problem]:
    """What the manifest names but the folder lacks (or holds as something other than a file inside it), one
    ``Problem`` per artwork and kind: a picture or thumbnail (the artwork would vanish from the gallery), audio
    (its narration plays as text only), the recognition index (photos cannot be matched)."""
    root = Path(pack).resolve()
    problems: list[Problem] = []
    for art in manifest.artworks:
        if not all(_present(root, rel) for rel in (art.picture, art.thumbnail)):
            problems.append(Problem("pack.missing_picture", (("name", art.name),)))
        silent = sorted({n.lang for n in art.narrations if n.audio and not _present(root, n.audio)})
        if silent:
            problems.append(Problem("pack.missing_audio", (("name", art.name), ("langs", ", ".join(silent)))))
    if manifest.recognition.index and not _present(root, manifest.recognition.index):
        problems.append(Problem("pack.missing_index"))
    return problems


def _present(root: Path, rel: str | None) -> bool:
    if not rel:
        return False
    path = (root / rel).resolve()
    return root in path.parents and path.is_file()


def write_manifest(pack: str | Path, manifest: Manifest) -> Path:
    """Write ``manifest.json`` atomically (temporary file, fsync, rename): readers see the old or the new one."""
    path = Path(pack) / MANIFEST
    data = json.dumps(manifest.to_dict(), ensure_ascii=False, indent=1).encode("utf-8")
    write_atomic(path, data)
    return path
