"""Tour packs: a collection narrated ahead, recognised by a photo, played offline.

- ``build_pack(SOURCE, PACK)`` (``vlmtok pack build``): pictures + labels -> narrations, audio, pictures and a
  recognition index in one folder, resumable, written atomically; ``engine="ray"`` runs it on Ray Data.
- ``TourPack(PACK)`` (``vlmtok pack match``, the app's Tour pack view): read a pack, find the artwork a photo
  shows, give its prepared narration.

``docs/tour-packs.md`` documents the folder and its ``manifest.json``.
"""
from vlmtok.pack.build import BuildReport, build_pack
from vlmtok.pack.manifest import SCHEMA_VERSION, BuildOptions, Manifest, PackError, read_manifest
from vlmtok.pack.player import TourPack

__all__ = ["build_pack", "BuildReport", "BuildOptions", "Manifest", "PackError", "read_manifest", "TourPack",
           "SCHEMA_VERSION"]
