"""Tour packs are checked at start-up and say what is wrong plainly, without a path, in the visitor's language; a
build lists every file of the source folder it leaves out."""
from __future__ import annotations

import html
import json
import re

import pytest

from vlmtok.app import api, pack_view
from vlmtok.pack.manifest import (Artwork, Manifest, PackError, PreparedNarration, Recognition, check_files,
                                  read_manifest, write_manifest)
from vlmtok.pack.source import read_source

TECHNICAL = re.compile(r"/|\\\\|Expecting|JSON|line \d+ column|Traceback|Error\b|manifest\.json")


def _plain(text: str) -> None:
    assert text and not TECHNICAL.search(text), text


@pytest.mark.parametrize("content, words", [
    ("{ not json", ("damaged", "bị hỏng")),
    ('{"schema": "something else"}', ("not a tour pack", "không phải")),
    ('{"schema": "vlmtok-tour-pack", "schema_version": 99}', ("newer version", "mới hơn")),
    ('{"schema": "vlmtok-tour-pack", "schema_version": 1, "artworks": [{"file": "x.jpg"}]}', ("damaged", "bị hỏng")),
])
def test_a_pack_that_cannot_be_read_is_said_plainly_in_each_language(tmp_path, content, words):
    (tmp_path / "manifest.json").write_text(content, encoding="utf-8")
    with pytest.raises(PackError):
        read_manifest(tmp_path)
    pack, problems = pack_view.open_pack(str(tmp_path))
    assert pack is None and problems
    for lang, word in zip(("en", "vi"), words):
        shown = pack_view.intro(pack, problems, lang)
        _plain(shown)
        assert word in shown, shown
        with pytest.raises(api.ApiError) as err:                    # /pack_match answers the same, in plain text
            api.pack_match(pack, "photo.jpg", lang, problems=problems)
        assert html.escape(err.value.message) == shown


def test_no_pack_at_all_names_no_folder(tmp_path):
    _pack, problems = pack_view.open_pack(str(tmp_path / "nowhere"))
    shown = pack_view.intro(None, problems, "vi")
    _plain(shown)
    assert "Không phát được gói tham quan" in shown


def _art(art_id: str, title: str, audio: str | None) -> Artwork:
    narration = PreparedNarration("vi", "short", "adult", "Một bức tranh.", "vi", "offline", "Offline", None, "none",
                                  False, "2026-01-01T00:00:00Z", "k", audio=audio, audio_format="wav")
    return Artwork(art_id, f"{art_id}.jpg", "0" * 64, title=title, picture=f"pictures/{art_id}.jpg",
                   thumbnail=f"thumbs/{art_id}.jpg", narrations=[narration])


def test_files_missing_from_a_pack_are_found_at_start_up_and_named_by_artwork(tmp_path):
    for rel in ("pictures/wave.jpg", "thumbs/wave.jpg", "audio/wave.wav", "pictures/iris.jpg", "thumbs/iris.jpg"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    (tmp_path / "thumbs" / "night.jpg").mkdir(parents=True)             # a folder where a file should be
    manifest = Manifest(artworks=[_art("wave", "The Great Wave", "audio/wave.wav"),
                                  _art("iris", "Irises", "audio/iris.wav"),
                                  _art("night", "Starry Night", None)],
                        recognition=Recognition(index="index/recognition.npz"))
    manifest.artworks[2].picture = "../outside.jpg"                     # never looked for outside the pack
    (tmp_path.parent / "outside.jpg").write_bytes(b"x")
    write_manifest(tmp_path, manifest)
    assert [p.key for p in check_files(tmp_path, manifest)] == ["pack.missing_audio", "pack.missing_picture",
                                                                "pack.missing_index"]
    pack, problems = pack_view.open_pack(str(tmp_path))
    assert pack is not None and len(problems) == 3
    for lang, words in (("en", ("Irises: its prepared audio (vi) is missing", "Starry Night: its picture")),
                        ("vi", ("Irises: thiếu phần âm thanh", "Starry Night: thiếu ảnh"))):
        shown = pack_view.intro(pack, problems, lang)
        _plain(shown)
        assert all(w in shown for w in words) and "The Great Wave" not in shown, shown


def test_the_build_lists_every_file_it_leaves_out(tmp_path):
    for name in ("a.jpg", "b.HEIC", "c.avif", "d.heif", "notes.txt", "scan.pdf", ".DS_Store", "labels.csv"):
        (tmp_path / name).write_bytes(b"file,title\na.jpg,A\n" if name == "labels.csv" else b"x")
    (tmp_path / "more").mkdir()
    source = read_source(tmp_path)
    assert [i.file for i in source.items] == ["a.jpg", "b.HEIC", "c.avif", "d.heif"]
    left_out = {p.file: p.reason for p in source.problems}
    assert set(left_out) == {"notes.txt", "scan.pdf", "more"}, left_out
    assert "not a picture" in left_out["scan.pdf"] and "folder" in left_out["more"]
    assert json.dumps(left_out)                                         # plain strings, for the manifest's list
