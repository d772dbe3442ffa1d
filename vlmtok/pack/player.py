"""The player's side of a pack: read it, find the artwork a photo shows, hand out prepared narrations.

Nothing here writes or narrates; a pack folder may be read-only (a tablet's SD card).

>>> pack = TourPack("museum-pack")                       # doctest: +SKIP
>>> pack.match(load_image("photo.jpg")).id               # doctest: +SKIP
'bruegel_the_harvesters'
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from PIL import Image

from vlmtok.pack.manifest import Artwork, Manifest, PackError, PreparedNarration, read_manifest
from vlmtok.pack.recognise import METHOD, Match, RecognitionIndex, Recogniser

log = logging.getLogger(__name__)


class TourPack:
    """A pack folder, read once. The recognition encoder loads on the first photo."""

    def __init__(self, folder: str | Path, recogniser: Recogniser | None = None) -> None:
        self.folder = Path(folder)
        self.manifest: Manifest = read_manifest(self.folder)
        self._recogniser = recogniser
        self._index: RecognitionIndex | None = None
        self._lock = threading.Lock()

    @property
    def artworks(self) -> list[Artwork]:
        return self.manifest.artworks

    def artwork(self, artwork_id: str) -> Artwork | None:
        return self.manifest.artwork(artwork_id)

    def path(self, rel: str | None) -> Path | None:
        """A manifest path as a file on disk, or None when it is not there."""
        if not rel:
            return None
        path = (self.folder / rel).resolve()
        if self.folder.resolve() not in path.parents or not path.is_file():
            return None
        return path

    def narration(self, artwork_id: str, lang: str, tier: str, audience: str = "adult") -> PreparedNarration | None:
        art = self.artwork(artwork_id)
        return art.narration(lang, tier, audience) if art else None

    # --- recognition ---

    @property
    def index(self) -> RecognitionIndex:
        with self._lock:
            if self._index is None:
                path = self.path(self.manifest.recognition.index)
                if self.manifest.recognition.method != METHOD:
                    raise PackError(f"the pack in {self.folder} was indexed another way "
                                    f"({self.manifest.recognition.method}); build it again to recognise photos")
                if path is None:
                    raise PackError(f"the pack in {self.folder} has no recognition index")
                self._index = RecognitionIndex.load(path)
                if self._recogniser is None:
                    self._recogniser = Recogniser()
            return self._index

    def match(self, photo: Image.Image, find_artwork: bool = True) -> Match:
        """The artwork ``photo`` shows (``id`` None when none in the pack does): the artwork straightened out of
        the photo first (``vlmtok.frame``), the whole photo again when that finds nothing in the pack."""
        from vlmtok.frame import artwork_in

        t0 = time.perf_counter()
        index, rule = self.index, self.manifest.recognition
        art = artwork_in(photo, find_artwork)
        match = self._recogniser.match(index, art.image, threshold=float(rule.threshold), margin=float(rule.margin))
        if match.id is None and art.found:
            match = self._recogniser.match(index, photo, threshold=float(rule.threshold), margin=float(rule.margin))
        match.ms = round((time.perf_counter() - t0) * 1e3, 1)
        return match
