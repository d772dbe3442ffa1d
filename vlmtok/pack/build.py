"""``build_pack(SOURCE, PACK)``: plan what is missing, have an engine make it, write the pack, swap the manifest.

Resumable: every narration is keyed by what its words depend on (the picture's sha256, the label, language,
length, audience, detail); a key the pack (or the journal of a crashed build) already holds is not narrated
again, and a picture already indexed is not encoded again. ``narrator="auto"`` keeps a text whichever narrator
wrote it; naming a narrator rewrites texts another one wrote. ``voice="auto"`` likewise keeps any voice's audio.

Engines: ``local`` (this process, one artwork after another) and ``ray`` (``vlmtok.pack.ray_engine``: Ray Data
actor pools, imported only when chosen). Both call the same functions of ``vlmtok.pack.work``.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Callable

from vlmtok.pack.manifest import (Artwork, BuildOptions, Manifest, PreparedNarration, Recognition,
                                  Skipped, read_manifest, write_manifest)
from vlmtok.pack.recognise import ENCODER, MARGIN, METHOD, THRESHOLD, Features, RecognitionIndex
from vlmtok.pack.source import SourceItem, read_source
from vlmtok.pack.work import (ArtworkJob, ArtworkResult, NarrationTask, features_from_bytes, features_to_bytes,
                              narration_key)
from vlmtok.pack.writer import PackWriter

log = logging.getLogger(__name__)

ENGINES: tuple[str, ...] = ("local", "ray")
AUDIO_FIELDS = ("audio", "audio_format", "duration_s", "voice", "sentences", "sentence_starts")

Progress = Callable[[int, int, str, str], None]    # (done, total, artwork id, what happened)


@dataclass
class BuildReport:
    folder: Path
    manifest: Manifest
    engine: str
    artworks: int = 0
    jobs: int = 0                          # artworks that needed any work
    pictures_made: int = 0
    narrations_made: int = 0
    audio_made: int = 0
    narrations_kept: int = 0
    problems: list[Skipped] = field(default_factory=list)
    changed: bool = True
    seconds: float = 0.0

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("engine", "artworks", "jobs", "pictures_made", "narrations_made",
                                             "audio_made", "narrations_kept", "changed", "seconds")}
        return {"pack": str(self.folder), **out, "problems": [dataclasses.asdict(p) for p in self.problems]}


def check_options(options: BuildOptions) -> BuildOptions:
    """``options`` with lists de-duplicated; ``ValueError`` naming the allowed values for anything unknown."""
    from vlmtok.i18n import LANGUAGES
    from vlmtok.choices import AUDIENCES, DETAILS, TIERS, check
    from vlmtok.narrate import list_narrators
    from vlmtok.speech import list_engines

    def allowed(what: str, values: list[str], known) -> list[str]:
        values = list(dict.fromkeys(v.strip().lower() for v in values if v.strip()))
        bad = [v for v in values if v not in known]
        if bad or not values:
            raise ValueError(f"unknown {what}: {', '.join(bad) or '(none given)'}; choose from {', '.join(known)}")
        return values

    narrators, voices = list_narrators(), ["auto", *list_engines()]
    if options.narrator.strip().lower() == "openai":
        _served_narrator_ready()
    return dataclasses.replace(
        options, langs=allowed("language", options.langs, LANGUAGES), tiers=allowed("length", options.tiers, TIERS),
        audiences=allowed("audience", options.audiences, AUDIENCES),
        narrator=allowed("narrator", [options.narrator], narrators)[0],
        voice=allowed("voice", [options.voice], voices)[0], detail=allowed("detail", [options.detail], DETAILS)[0],
        rate=check("rate", options.rate))   # refused, never clamped


def _served_narrator_ready() -> None:
    """A pack narrated by a served model needs that server now: texts the offline narrator wrote in its place
    would be packed under the wrong name."""
    from vlmtok.narrate.openai import available

    ok, why = available()
    if not ok:
        raise ValueError(f"the openai narrator cannot be used: {why or 'no server is set'}; give its address with "
                         "--base-url URL (or VLMTOK_OPENAI_BASE_URL)")


# --- what is already there ---------------------------------------------------------------------------------------


class Known:
    """Pictures and narrations the pack already holds, from its manifest and from a crashed build's journal."""

    def __init__(self, writer: PackWriter, previous: Manifest | None) -> None:
        self.writer = writer
        self.pictures: dict[str, dict] = {}
        self.narrations: dict[str, dict] = {}
        self._features: dict[str, Features] = {}
        self.weights = previous.recognition.weights if previous else ""
        if previous is not None:
            self._from_manifest(previous)
        for name, record in writer.journalled().items():
            kind, _, key = name.partition("-")
            (self.pictures if kind == "picture" else self.narrations)[key] = record

    def _from_manifest(self, m: Manifest) -> None:
        index = None
        if m.recognition.method == METHOD and self.writer.has(m.recognition.index):
            try:
                index = RecognitionIndex.load(self.writer.folder / m.recognition.index)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("the pack's recognition index cannot be read (%s); pictures are indexed again", exc)
        rows = {i: n for n, i in enumerate(index.ids)} if index else {}
        for a in m.artworks:
            if a.id in rows:
                self._features[a.sha256] = index.features(rows[a.id])
            self.pictures[a.sha256] = {"size": a.size, "picture": a.picture, "thumbnail": a.thumbnail,
                                       "tokens_picture": a.tokens_picture}
            for n in a.narrations:
                self.narrations[n.key] = dataclasses.asdict(n)

    def features(self, sha: str) -> Features | None:
        if sha not in self._features:
            blob = self.writer.journalled_blob(f"features-{sha}.npz")
            if blob is not None:
                self._features[sha] = features_from_bytes(blob)
        return self._features.get(sha)

    def picture_ok(self, sha: str) -> bool:
        p = self.pictures.get(sha)
        files = (p or {}).get("picture"), (p or {}).get("thumbnail"), (p or {}).get("tokens_picture")
        return p is not None and all(self.writer.has(f) for f in files) and self.features(sha) is not None

    # --- the reuse rules ---

    def text_for(self, key: str, options: BuildOptions) -> dict | None:
        rec = self.narrations.get(key)
        if rec is None or not rec.get("text") or options.narrator not in ("auto", rec.get("narrator")):
            return None
        return rec

    def audio_ok(self, rec: dict, options: BuildOptions) -> bool:
        return (self.writer.has(rec.get("audio")) and float(rec.get("rate", 1.0)) == options.rate
                and options.voice in ("auto", rec.get("voice")))


def plan(items: list[SourceItem], options: BuildOptions, known: Known) -> list[ArtworkJob]:
    """The work still to do, one job per artwork that needs any."""
    jobs = []
    for item in items:
        tasks = []
        for lang, tier, audience in wanted(options):
            key = narration_key(item.sha256, item.label_text(), lang, tier, audience, options.detail)
            rec = known.text_for(key, options)
            if rec is None:
                tasks.append(NarrationTask(lang, tier, audience, key))
            elif not known.audio_ok(rec, options):
                tasks.append(NarrationTask(lang, tier, audience, key, text=_without_audio(rec)))
        need_picture = not known.picture_ok(item.sha256)
        if need_picture or tasks:
            jobs.append(ArtworkJob(item.id, item.file, item.sha256, item.label_text(), need_picture, tasks))
    return jobs


def wanted(options: BuildOptions) -> list[tuple[str, str, str]]:
    return [(lang, tier, aud) for lang in options.langs for tier in options.tiers for aud in options.audiences]


def _without_audio(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if k not in AUDIO_FIELDS}


# --- the build ---------------------------------------------------------------------------------------------------


def build_pack(source: str | Path, out: str | Path, *, labels: str | Path | None = None,
               options: BuildOptions | None = None, engine: str = "local", ray_address: str | None = None,
               progress: Progress | None = None) -> BuildReport:
    """Build (or bring up to date) the tour pack ``out`` from the pictures in ``source``.

    Raises:
        ValueError: an unknown option value, or an unknown engine.
        FileNotFoundError: ``source`` is not a folder. ``PackError``: ``out`` is being built by another process,
            or holds a pack from a newer vlmtok. A bad picture or CSV row is reported in ``problems``, not raised.
    """
    t0 = time.perf_counter()
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    options = check_options(options or BuildOptions())
    src = read_source(source, labels)
    with PackWriter(out) as writer:
        previous = _previous(writer.folder)
        known = Known(writer, previous)
        jobs = plan(src.items, options, known)
        report = BuildReport(writer.folder, previous or Manifest(), engine, artworks=len(src.items), jobs=len(jobs))
        results: dict[str, ArtworkResult] = {}
        _run(engine, jobs, src, options, ray_address,
             lambda job, result: _keep(writer, known, job, result, results, report, progress))
        manifest = _assemble(src, options, known, results, previous, report)
        made = report.pictures_made + report.narrations_made
        report.changed = previous is None or made > 0 or _content(manifest) != _content(previous)
        if report.changed:
            _commit(writer, manifest, known)
        writer.clean(keep=(manifest if report.changed else previous).files())
        report.manifest = manifest if report.changed else previous
    report.seconds = round(time.perf_counter() - t0, 3)
    return report


def _previous(folder: Path) -> Manifest | None:
    if not (folder / "manifest.json").exists():
        return None
    return read_manifest(folder)          # a pack from a newer vlmtok raises: never overwrite it


def _run(engine: str, jobs: list[ArtworkJob], src, options: BuildOptions, ray_address: str | None, on_result) -> None:
    if not jobs:
        return
    paths = {item.id: item.path for item in src.items}
    if engine == "ray":
        from vlmtok.pack.ray_engine import run_ray

        run_ray(jobs, paths, options, on_result, address=ray_address)
    else:
        run_local(jobs, paths, options, on_result)


def run_local(jobs: list[ArtworkJob], paths: dict[str, Path], options: BuildOptions, on_result) -> None:
    """One artwork after another in this process; the encoder and the narrator load once, on first need."""
    from vlmtok.pack.recognise import Recogniser
    from vlmtok.pack.work import NarratorPool, narration_stage, picture_stage

    recogniser, narrators = Recogniser(), NarratorPool(options.narrator)
    for job in jobs:
        picture, result = picture_stage(job, _read(paths[job.id], job), recogniser, options.langs[0])
        if picture is not None:
            narration_stage(job, picture, result, narrators.get, detail=options.detail, voice=options.voice,
                            rate=options.rate)
        on_result(job, result)


def _read(path: Path, job: ArtworkJob) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        log.warning("%s cannot be read: %s", job.file, exc)
        return b""                          # the safe loader turns this into a plain "empty file" reason


def _keep(writer: PackWriter, known: Known, job: ArtworkJob, result: ArtworkResult, results: dict,
          report: BuildReport, progress: Progress | None) -> None:
    """Write what one artwork's job made into the pack and the journal, at once (a crash later keeps it)."""
    results[job.id] = result
    if result.picture is not None:
        p = result.picture
        record = {"size": list(p.size), "picture": writer.put("pictures", p.picture, ".jpg"),
                  "thumbnail": writer.put("thumbs", p.thumbnail, ".jpg"),
                  "tokens_picture": writer.put("tokens", p.tokens_picture, ".png")}
        writer.journal_blob(f"features-{p.sha256}.npz", features_to_bytes(p.features))
        writer.journal(f"picture-{p.sha256}", record)
        known.pictures[p.sha256], known._features[p.sha256], known.weights = record, p.features, p.weights
        report.pictures_made += 1
    for n in result.narrations:
        rec = dict(n.record)
        rec["audio"] = writer.put("audio", n.audio, f".{rec['audio_format']}") if n.audio else None
        writer.journal(f"narration-{rec['key']}", rec)
        known.narrations[rec["key"]] = rec
        report.audio_made += n.audio is not None
        report.narrations_made += 1
    if progress is not None:
        note = "; ".join(result.problems) or f"{len(result.narrations)} narrations"
        progress(len(results), report.jobs, job.id, note)


def _assemble(src, options: BuildOptions, known: Known, results: dict[str, ArtworkResult],
              previous: Manifest | None, report: BuildReport) -> Manifest:
    """The new manifest, artworks in source order; unusable pictures and failed narrations listed as skipped."""
    skipped = [Skipped(p.file, p.reason) for p in src.problems]
    artworks = []
    for item in src.items:
        result = results.get(item.id)
        skipped += [Skipped(item.file, why) for why in (result.problems if result else [])]
        if (result and result.unusable) or item.sha256 not in known.pictures:
            continue
        artworks.append(_artwork(item, options, known, report))
    now = _now()
    recognition = Recognition(ENCODER, known.weights, None, METHOD, THRESHOLD, MARGIN)
    report.problems = skipped
    report.narrations_kept = sum(len(a.narrations) for a in artworks) - report.narrations_made
    return Manifest(vlmtok_version=_version(), created_at=previous.created_at if previous else now, updated_at=now,
                    options=options, recognition=recognition, artworks=artworks, skipped=skipped)


def _artwork(item: SourceItem, options: BuildOptions, known: Known, report: BuildReport) -> Artwork:
    pic = known.pictures[item.sha256]
    narrations = []
    for lang, tier, audience in wanted(options):
        rec = known.narrations.get(narration_key(item.sha256, item.label_text(), lang, tier, audience, options.detail))
        if rec is not None:
            narrations.append(PreparedNarration(**{k: rec[k] for k in _FIELDS if k in rec}))
    return Artwork(id=item.id, file=item.file, sha256=item.sha256, **item.fields(), size=list(pic["size"]),
                   picture=pic["picture"], thumbnail=pic["thumbnail"], tokens_picture=pic["tokens_picture"],
                   narrations=narrations)


_FIELDS = {f.name for f in dataclasses.fields(PreparedNarration)}


def _commit(writer: PackWriter, manifest: Manifest, known: Known) -> None:
    """Index first (a new file), then the manifest swapped in one rename: the commit point."""
    feats = {a.id: known.features(a.sha256) for a in manifest.artworks}
    index = RecognitionIndex.build({k: f for k, f in feats.items() if f is not None})
    manifest.recognition.index = writer.put("index", index.to_bytes(), ".npz")
    write_manifest(writer.folder, manifest)


def _content(m: Manifest) -> dict:
    """What a manifest says, its timestamps and index name aside (an unchanged pack is not rewritten)."""
    d = m.to_dict()
    d.pop("updated_at"), d.pop("created_at"), d.pop("vlmtok_version")
    d["recognition"].pop("index")
    return d


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _version() -> str:
    from vlmtok import __version__

    return __version__
