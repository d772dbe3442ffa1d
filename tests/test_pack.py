"""Tour packs: build from a folder and a labels CSV, resume, survive a crash, read back, match photos, CLI.

One small pack (two paintings, English and Vietnamese, alt text, the offline narrator, espeak-ng) is built once
per module; tests that change a pack copy it first. DINOv2's real offline weights are read from the user's cache
(linked into each test's own cache folder), so they are fetched at most once per machine.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from vlmtok import load_image
from vlmtok.pack import BuildOptions, PackError, TourPack, build_pack, read_manifest
from vlmtok.pack import work as pack_work
from vlmtok.pack.manifest import MANIFEST, SCHEMA_VERSION
from vlmtok.pack.photos import gallery_photo, not_a_painting
from vlmtok.pack.source import read_source, slug

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PAINTINGS = ("durer_lion.jpg", "great_wave_off_kanagawa.jpg")
LABELS = ('file,title,artist,date,label\n'
          'durer_lion.jpg,Lion,Albrecht Dürer,1521,"A watercolour study, made in Ghent."\n'
          'great_wave_off_kanagawa.jpg,The Great Wave off Kanagawa,Katsushika Hokusai,c. 1831,\n'
          'lost.jpg,A work that is not in the folder,,,\n')
OPTIONS = dict(langs=["en", "vi"], tiers=["alt"], narrator="offline", voice="espeak")


@pytest.fixture(scope="module")
def weights_dir() -> Path:
    """The user's weights folder (DINOv2's offline weights are converted there once)."""
    from vlmtok.paths import cache_dir

    return cache_dir("weights")


def _own_cache(path: Path, weights: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if not (path / "weights").exists():
        (path / "weights").symlink_to(weights, target_is_directory=True)
    return path


@pytest.fixture
def cache(tmp_path, weights_dir, monkeypatch) -> Path:
    root = _own_cache(tmp_path / "cache", weights_dir)
    monkeypatch.setenv("VLMTOK_CACHE", str(root))
    monkeypatch.setenv("VLMTOK_OFFLINE", "1")
    return root


def _source(folder: Path, paintings=PAINTINGS, labels: str = LABELS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in paintings:
        shutil.copy(EXAMPLES / name, folder / name)
    (folder / "labels.csv").write_text(labels, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory, weights_dir):
    """``(source, pack, report)``: the module's pack, plus a file that is no picture."""
    base = tmp_path_factory.mktemp("pack")
    source = _source(base / "source")
    (source / "notes.jpg").write_text("this is not a picture", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VLMTOK_CACHE", str(_own_cache(base / "cache", weights_dir)))
        mp.setenv("VLMTOK_OFFLINE", "1")
        report = build_pack(source, base / "pack", options=BuildOptions(**OPTIONS))
    return source, base / "pack", report


@pytest.fixture
def pack_copy(built, tmp_path) -> Path:
    shutil.copytree(built[1], tmp_path / "pack", symlinks=True)
    return tmp_path / "pack"


class Counting:
    """Counts narrator and voice calls in this process (``NarratorPool`` and ``speak`` are looked up per call)."""

    def __init__(self, monkeypatch, fail_after: int | None = None) -> None:
        import vlmtok.speech
        from vlmtok.narrate import get_narrator

        self.described, self.spoken = 0, 0
        real_narrator, real_speak = get_narrator("offline")[0], vlmtok.speech.speak
        counter = self

        class Narrator:
            name = real_narrator.name

            def stream(self, image, request):
                if fail_after is not None and counter.described >= fail_after:
                    raise KeyboardInterrupt("the build machine lost power")
                counter.described += 1
                return real_narrator.stream(image, request)

        def speak(*a, **k):
            counter.spoken += 1
            return real_speak(*a, **k)

        monkeypatch.setattr(pack_work.NarratorPool, "get", lambda self, lang="en": Narrator())
        monkeypatch.setattr(vlmtok.speech, "speak", speak)


# --- the source folder ---------------------------------------------------------------------------------------------

def test_source_reads_labels_and_reports_what_it_cannot_use(tmp_path):
    folder = _source(tmp_path / "src", labels="\ufeff" + LABELS)            # a BOM, as spreadsheets write it
    shutil.copy(EXAMPLES / "mona_lisa.jpg", folder / "Mona Lisa (1503).jpg")
    src = read_source(folder)
    by_file = {i.file: i for i in src.items}
    lion = by_file["durer_lion.jpg"]
    assert (lion.title, lion.artist, lion.date) == ("Lion", "Albrecht Dürer", "1521")
    assert lion.label_text() == "Lion, Albrecht Dürer, 1521. A watercolour study, made in Ghent"
    assert by_file["Mona Lisa (1503).jpg"].id == "mona_lisa_1503"
    assert by_file["Mona Lisa (1503).jpg"].label_text() is None           # no row: no title made up
    assert [(p.file, "not in the folder" in p.reason) for p in src.problems] == [("lost.jpg", True)]
    (folder / "labels.csv").write_text("name,title\nx.jpg,X\n", encoding="utf-8")
    assert "'file' column" in read_source(folder).problems[0].reason
    assert slug("Ảnh số 1") == "nh_s_1" and slug("***") == "artwork"


# --- building ------------------------------------------------------------------------------------------------------

def test_build_writes_the_manifest_audio_pictures_and_index(built):
    _source_dir, pack, report = built
    m = read_manifest(pack)
    assert m.schema_version == SCHEMA_VERSION and m.options.langs == ["en", "vi"]
    assert [a.id for a in m.artworks] == ["durer_lion", "great_wave_off_kanagawa"]
    lion = m.artwork("durer_lion")
    assert (lion.title, lion.artist, lion.label) == ("Lion", "Albrecht Dürer", "A watercolour study, made in Ghent.")
    assert sorted((n.lang, n.tier, n.audience) for n in lion.narrations) == [("en", "alt", "adult"),
                                                                              ("vi", "alt", "adult")]
    for n in lion.narrations:
        assert n.narrator == "offline" and n.model is None and n.text_lang == n.lang and not n.translated
        assert n.made_at.endswith("+00:00") and n.voice == "espeak" and n.audio.startswith("audio/")
        with wave.open(str(pack / n.audio)) as w:                            # a real, playable WAV
            assert abs(w.getnframes() / w.getframerate() - n.duration_s) < 0.05 and n.duration_s > 1
        assert len(n.sentences) == len(n.sentence_starts) > 0
    assert "Lion, Albrecht Dürer, 1521" in lion.narration("en", "alt").text    # the label is the only source
    for rel in m.files():
        assert (pack / rel).is_file(), rel
    assert load_image(pack / lion.thumbnail).size[0] == 384
    assert m.recognition.weights == "offline-pack" and m.recognition.index.startswith("index/")
    skipped = {s.file: s.reason for s in m.skipped}
    assert set(skipped) == {"lost.jpg", "notes.jpg"} and "not a picture" in skipped["notes.jpg"]
    assert report.narrations_made == 4 and report.audio_made == 4 and report.pictures_made == 2
    assert not (pack / ".work").exists()


def test_second_run_does_nothing(built, pack_copy, cache, monkeypatch):
    source, _pack, _report = built
    before = (pack_copy / MANIFEST).read_bytes()
    calls = Counting(monkeypatch)
    report = build_pack(source, pack_copy, options=BuildOptions(**OPTIONS))
    assert (calls.described, calls.spoken, report.pictures_made) == (0, 0, 0)
    assert not report.changed and (pack_copy / MANIFEST).read_bytes() == before
    assert report.narrations_kept == 4


def test_only_what_changed_is_made_again(built, pack_copy, cache, monkeypatch):
    source, _pack, _report = built
    changed = tmp_source = pack_copy.parent / "source"
    shutil.copytree(source, tmp_source)
    img = load_image(changed / "durer_lion.jpg")
    img.rotate(180).save(changed / "durer_lion.jpg", quality=92)                 # a new photograph of the lion
    calls = Counting(monkeypatch)
    report = build_pack(changed, pack_copy, options=BuildOptions(**{**OPTIONS, "tiers": ["alt", "short"]}))
    # the lion: 2 languages x 2 tiers anew; the wave: only its new "short" tier
    assert (calls.described, report.pictures_made) == (6, 1)
    assert report.narrations_kept == 2
    m = read_manifest(pack_copy)
    assert len({f for f in m.files() if f.startswith("pictures/")}) == 2      # the old lion's copy was removed
    assert all((pack_copy / f).is_file() for f in m.files())
    assert len(list((pack_copy / "pictures").iterdir())) == 2


def test_a_crash_leaves_the_last_good_pack_and_the_rerun_keeps_finished_work(built, pack_copy, cache, monkeypatch):
    source, _pack, _report = built
    before = (pack_copy / MANIFEST).read_bytes()
    more = BuildOptions(**{**OPTIONS, "tiers": ["alt", "short", "long"]})      # 2 artworks x 2 langs x 2 new tiers
    Counting(monkeypatch, fail_after=5)                                        # dies inside the second artwork
    with pytest.raises(KeyboardInterrupt):
        build_pack(source, pack_copy, options=more)
    assert (pack_copy / MANIFEST).read_bytes() == before                       # the last good pack, untouched
    old = TourPack(pack_copy)
    assert all((pack_copy / f).is_file() for f in old.manifest.files())
    assert old.narration("durer_lion", "vi", "alt") is not None
    calls = Counting(monkeypatch)
    report = build_pack(source, pack_copy, options=more)
    # the first artwork's four were journalled before the crash; the fifth, written just before it, comes back from
    # the narration cache every door shares
    assert calls.described == 8 - 4 - 1
    assert report.changed and len(read_manifest(pack_copy).artwork("durer_lion").narrations) == 6


def test_bad_options_and_a_second_builder_are_refused_plainly(built, pack_copy, cache):
    source = built[0]
    with pytest.raises(ValueError, match="unknown narrator: gpt; choose from auto, smolvlm, onnx, openai, offline"):
        build_pack(source, pack_copy, options=BuildOptions(**{**OPTIONS, "narrator": "gpt"}))
    with pytest.raises(ValueError, match="openai narrator cannot be used.*--base-url"):   # no server: never offline
        build_pack(source, pack_copy, options=BuildOptions(**{**OPTIONS, "narrator": "openai"}))   # texts under its name
    with pytest.raises(ValueError, match="unknown language: fr"):
        build_pack(source, pack_copy, options=BuildOptions(**{**OPTIONS, "langs": ["fr"]}))
    from vlmtok.pack.writer import PackWriter

    with PackWriter(pack_copy), pytest.raises(PackError, match="another build"):
        build_pack(source, pack_copy, options=BuildOptions(**OPTIONS))


def test_a_pack_from_a_newer_vlmtok_is_never_overwritten(built, pack_copy, cache):
    data = json.loads((pack_copy / MANIFEST).read_text(encoding="utf-8"))
    data["schema_version"] = SCHEMA_VERSION + 1
    (pack_copy / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PackError, match="schema version"):
        build_pack(built[0], pack_copy, options=BuildOptions(**OPTIONS))
    with pytest.raises(PackError, match="no tour pack"):
        TourPack(pack_copy.parent / "nothing-here")


def test_the_local_engine_never_imports_ray(tmp_path):
    """Only ``--engine ray`` imports Ray (it takes seconds and is an optional extra)."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "broken.png").write_bytes(b"\x89PNG not really")
    code = ("import sys; from vlmtok.pack import build_pack, BuildOptions; "
            f"r = build_pack({str(source)!r}, {str(tmp_path / 'pack')!r}, options=BuildOptions(langs=['en'], "
            "tiers=['alt'], narrator='offline')); print(len(r.problems), 'ray' in sys.modules)")
    env = {**os.environ, "VLMTOK_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["1", "False"]


# --- playing and matching ------------------------------------------------------------------------------------------

def test_the_player_finds_paintings_from_gallery_photos_and_refuses_others(built):
    pack = TourPack(built[1])
    for name, artwork_id in zip(PAINTINGS, ("durer_lion", "great_wave_off_kanagawa")):
        photo = gallery_photo(load_image(EXAMPLES / name), "mixed", seed=1)
        match = pack.match(photo)
        assert match.id == artwork_id, match
    for other in (gallery_photo(load_image(EXAMPLES / "mona_lisa.jpg"), "wall", seed=0), not_a_painting("wall")):
        match = pack.match(other)
        assert match.id is None, match


def test_cli_build_and_match(built, tmp_path, cache, capsys):
    from vlmtok.cli import main

    source = _source(tmp_path / "one", paintings=PAINTINGS[:1], labels="file,title\ndurer_lion.jpg,Lion\n")
    assert main(["pack", "build", str(source), "--out", str(tmp_path / "p"), "--langs", "vi", "--tiers", "alt",
                 "--narrator", "offline", "--voice", "espeak"]) == 0
    out = capsys.readouterr().out
    assert "1 artworks, 1 narrations (1 new, 0 kept)" in out
    assert main(["pack", "build", str(source), "--out", str(tmp_path / "p"), "--narrator", "gpt"]) == 2
    assert "unknown narrator: gpt" in capsys.readouterr().err
    photo = tmp_path / "photo.jpg"
    gallery_photo(load_image(EXAMPLES / "durer_lion.jpg"), "perspective", seed=2).save(photo)
    assert main(["pack", "match", str(built[1]), str(photo)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["id"] == "durer_lion" and result["score"] > result["runner_up_score"]
    not_a_painting("noise").save(photo)
    assert main(["pack", "match", str(built[1]), str(photo)]) == 0
    assert json.loads(capsys.readouterr().out)["id"] is None
    assert main(["pack", "match", str(tmp_path), str(photo)]) == 2
    assert "no tour pack" in capsys.readouterr().err


# --- the Ray engine ------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_ray_engine_builds_the_same_pack(built, tmp_path, cache):
    """Ray Data (local, 2 CPUs: one picture worker, one narrator) writes the pack the local engine wrote."""
    pytest.importorskip("ray")
    source, local_pack, _report = built
    report = build_pack(source, tmp_path / "ray-pack", options=BuildOptions(**OPTIONS), engine="ray")
    assert report.engine == "ray" and report.narrations_made == 4
    local, ray = read_manifest(local_pack), read_manifest(tmp_path / "ray-pack")

    def essentials(m):
        return [(a.id, a.sha256, a.title, a.size, [(n.lang, n.tier, n.text, n.voice) for n in a.narrations])
                for a in m.artworks]

    assert essentials(ray) == essentials(local)
    assert [s.file for s in ray.skipped] == [s.file for s in local.skipped]
    for a_local, a_ray in zip(local.artworks, ray.artworks):
        assert a_local.thumbnail == a_ray.thumbnail                       # the same picture files, byte for byte
        for n_local, n_ray in zip(a_local.narrations, a_ray.narrations):
            # the same voice reads the same words; espeak-ng's trailing pause can differ by a few ms between a
            # fresh process and one that has spoken before, so the audio is the same length, not the same bytes
            assert (tmp_path / "ray-pack" / n_ray.audio).is_file()
            assert abs(n_ray.duration_s - n_local.duration_s) < 0.1, (n_ray.duration_s, n_local.duration_s)
    assert ray.recognition.weights == "offline-pack"
    photo = gallery_photo(load_image(EXAMPLES / "durer_lion.jpg"), "wall", seed=4)
    assert TourPack(tmp_path / "ray-pack").match(photo).id == "durer_lion"


@pytest.mark.slow
def test_recognition_on_generated_gallery_photos(weights_dir, tmp_path, monkeypatch):
    """The calibrated rule on every kind of simulated photo: five paintings indexed, the other five (in every
    kind of photo), made-up pictures and real photos of other things must find nothing."""
    from vlmtok.bench.pack import recognition

    monkeypatch.setenv("VLMTOK_CACHE", str(_own_cache(tmp_path / "cache", weights_dir)))
    report = recognition(indexed=5, seeds=1)
    assert report["weights"] == "offline-pack" and report["photos"] == 5 * 8
    assert report["top1"] >= 0.95, report["top1_by_kind"]
    assert report["false_matches"] == 0 and report["negatives"] >= 5 * 8 + 4
    assert report["false_score_max"] < report["threshold"] <= report["true_score_p5"], report


# --- the simulated gallery photos ----------------------------------------------------------------------------------

def test_gallery_photos_are_reproducible_and_differ_by_kind():
    import numpy as np

    from vlmtok.pack.photos import KINDS, NEGATIVE_KINDS

    art = load_image(EXAMPLES / "durer_lion.jpg")
    a, b = gallery_photo(art, "mixed", seed=5), gallery_photo(art, "mixed", seed=5)
    assert a.tobytes() == b.tobytes() and max(a.size) == 640
    assert gallery_photo(art, "mixed", seed=6).tobytes() != a.tobytes()
    means = {k: np.asarray(gallery_photo(art, k, seed=0), dtype=np.float32).mean() for k in KINDS}
    plain = np.asarray(art.resize(gallery_photo(art, "jpeg", seed=0).size), dtype=np.float32).mean()
    assert means["dark"] < 0.8 * plain and means["glare"] > plain
    for kind in NEGATIVE_KINDS:
        assert not_a_painting(kind, seed=1).size == (640, 480)
    with pytest.raises(ValueError, match="Unknown photo kind"):
        gallery_photo(art, "sepia")


# --- the app's Tour pack view --------------------------------------------------------------------------------------

def _turns(view) -> list[dict]:
    return view.session["thread"]


def test_the_pack_view_plays_prepared_narrations_in_both_languages(built, cache, tmp_path):
    """A tapped artwork is the Tour's turn: its prepared text in the caption card's spans, the pack's audio as its
    clip with a mark on each sentence, played at once; "no match" and a bad photo are the Tour's spoken notices."""
    import html

    from vlmtok.app import pack_view, tour

    pack, problem = pack_view.open_pack(str(built[1]))
    assert problem == [] and [name for _, name in pack_view.gallery(pack)] == ["Lion", "The Great Wave off Kanagawa"]
    r = pack_view.select(pack, None, 0, "vi", "alt", "adult")
    n = pack.narration("durer_lion", "vi", "alt")
    (turn,) = _turns(r)
    assert r.session["id"] == "durer_lion" and turn["kind"] == "description" and turn["play"]
    (clip,) = turn["clips"]
    assert clip["src"] == tour.audio_src(str(pack.path(n.audio)))
    spans = tour.spoken_sentences(turn)
    lit = [i for _, i in clip["marks"]]
    assert lit == sorted(set(lit)) and len(lit) >= len(spans) - 1, (clip, spans)   # each sentence lit, in turn
    assert {time for time, _ in clip["marks"]} <= {round(s, 3) for s in n.sentence_starts}
    assert all(n.text.find(spans[i][:12]) >= 0 or i == 0 for i in lit)
    assert 'lang="vi"' in r.view.thread and html.escape(n.sentences[-1]) in r.view.thread
    assert 'class="vt-s"' in r.view.thread and "vt-on-card" in r.view.thread
    assert f"Được viết sẵn ngày {n.made_at[:10]}: Mô tả ngoại tuyến" in r.about and "Albrecht Dürer" in r.about
    by_model = dataclasses.replace(n, model="HuggingFaceTB/SmolVLM-256M-Instruct", weights="hub")
    assert f"Written ahead by HuggingFaceTB/SmolVLM-256M-Instruct (hub weights) on {n.made_at[:10]}" in \
        pack_view.about(pack.artwork("durer_lion"), by_model, "en")
    child = pack_view.open_artwork(pack, r.session, "durer_lion", "en", "alt", "child")   # no child's text: the adults'
    assert _turns(child)[0]["clips"][0]["src"] == tour.audio_src(str(pack.path(pack.narration("durer_lion", "en",
                                                                                             "alt").audio)))
    assert not _turns(child)[0]["play"]                        # a changed option redraws; only a tap plays at once
    assert pack_view.default_tier(pack) == "alt" and pack_view.default_tier(None) == "short"   # built: alt only
    none = pack_view.open_artwork(pack, r.session, "durer_lion", "en", "long")
    assert _turns(none)[-1]["kind"] == "message" and "no prepared narration" in _turns(none)[-1]["body"]
    photo = tmp_path / "wave.jpg"
    gallery_photo(load_image(EXAMPLES / "great_wave_off_kanagawa.jpg"), "wall", seed=3).save(photo)
    found = pack_view.match_photo(pack, r.session, str(photo), "en", "alt", "adult")
    assert found.session["id"] == "great_wave_off_kanagawa" and "Found in this pack" in found.view.status
    assert _turns(found)[0]["play"]
    not_a_painting("shapes").save(photo)
    missed = pack_view.match_photo(pack, found.session, str(photo), "vi", "alt", "adult")
    said = _turns(missed)[-1]
    assert said["kind"] == "message" and "không khớp" in said["body"] and "không khớp" in missed.view.status
    assert said["clips"] and said["play"]                                                  # a notice, spoken
    assert _turns(missed)[0]["id"] == _turns(found)[0]["id"]           # the open artwork's narration stays
    (tmp_path / "bad.jpg").write_text("not a picture")
    assert "JPEG" in pack_view.match_photo(pack, None, str(tmp_path / "bad.jpg"), "en", "alt", "adult").view.status
    pack_none, problem = pack_view.open_pack(str(tmp_path))
    assert pack_none is None and "no pack was found" in pack_view.intro(None, problem, "en")
    assert str(tmp_path) not in pack_view.intro(None, problem, "en")


def test_app_option_pack_is_the_pack_setting_and_its_folder_is_served(tmp_path):
    from vlmtok import settings
    from vlmtok.app import http
    from vlmtok.app.options import parse_options

    try:
        parse_options(["--pack", str(tmp_path)])
        assert settings.pack_folder() == str(tmp_path)
        assert str(tmp_path.resolve()) in http.served_folders()
    finally:
        settings.override("VLMTOK_PACK", None)
    assert str(tmp_path.resolve()) not in http.served_folders()


def test_questions_say_when_no_live_narrator_is_here(built, cache):
    from vlmtok.app import pack_view
    from vlmtok.narrate import get_narrator

    pack, _ = pack_view.open_pack(str(built[1]))
    opened = pack_view.open_artwork(pack, None, "durer_lion", "en", "alt", "adult").session
    steps = list(pack_view.ask(pack, opened, "What colours are there?", "en", "adult"))
    live = get_narrator("auto")[0].name != "offline"
    answer = steps[-1].session["thread"][-1]
    assert steps[-1].view.ok and answer["kind"] == "answer" and answer["body"]
    assert answer["clips"] and answer["play"]                                  # answers are spoken, as the Tour's
    assert steps[-1].session["thread"][0]["kind"] == "description"            # under the narration they follow
    assert ("No AI narrator is available here" in steps[-1].view.status) is not live
    asked = list(pack_view.ask(pack, {}, "Why?", "en", "adult"))[-1]
    assert "Tap an artwork" in asked.view.status and asked.session["thread"][-1]["clips"]   # a spoken notice


# --- the benchmarks ------------------------------------------------------------------------------------------------

def test_bench_pack_reports_the_build_rate_and_the_resume(cache, capsys):
    """``python -m vlmtok bench pack`` JSON: a build, then a second run of the unchanged folder that changes nothing."""
    from vlmtok.cli import main

    assert main(["bench", "pack", "--artworks", "2", "--langs", "en", "--tiers", "alt", "--engines", "local",
                 "--parts", "build"]) == 0
    report = json.loads(capsys.readouterr().out)
    local = report["build"]["local"]
    assert report["area"] == "pack" and report["recognition"] == {}
    assert (local["artworks"], local["narrations"], local["resume_changed"]) == (2, 2, False)
    assert 0 < local["resume_s"] < local["seconds"] and local["artworks_per_min"] > 0


def test_bench_cache_writes_do_not_grow_with_the_folder(capsys, monkeypatch):
    """``bench cache``: a write at 5,000 entries costs about what it costs at 200, far below one listing."""
    from vlmtok import cache as cache_mod
    from vlmtok.cli import main

    monkeypatch.setattr(cache_mod.os, "fsync", lambda fd: None)     # the disk's flush is not what is compared
    assert main(["bench", "cache", "--entries", "200,5000", "--writes", "60"]) == 0
    sizes = json.loads(capsys.readouterr().out)["sizes"]
    small, large = sizes["200"], sizes["5000"]
    assert large["write_ms"] < 3 * small["write_ms"] + 0.5 and large["write_ms"] < large["scan_ms"]
    assert large["entries_after"] <= large["entries"] * (1 + cache_mod.SWEEP_FRACTION) + 1     # still bounded
