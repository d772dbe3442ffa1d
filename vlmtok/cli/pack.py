"""``vlmtok pack build SOURCE --out PACK`` and ``vlmtok pack match PACK PHOTO``: tour packs.

``build`` narrates a folder of pictures ahead (every language, length and audience asked for), speaks each text,
and writes the pack with its recognition index; run again, it does only what is missing or changed. ``match``
prints the artwork a photo shows as JSON: ``{"id": ..., "score": ..., "runner_up": ...}``, ``"id": null`` when
nothing in the pack matches. Bad input prints a plain message and exits with 2.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys

from vlmtok.choices import DETAILS, RATE_RANGE, TIERS, rate_argument

log = logging.getLogger(__name__)

ENGINES = ("local", "ray")                 # as vlmtok.pack.build.ENGINES (not imported: keeps --help instant)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="pack_command", metavar="ACTION", required=True)
    build = sub.add_parser("build", help="narrate a folder of pictures ahead into a tour pack")
    build.add_argument("source", help="folder of pictures (labels.csv inside is read too)")
    build.add_argument("--out", required=True, help="the pack folder to write (created, or brought up to date)")
    build.add_argument("--labels", help="CSV of museum labels: file,title,artist,date,label")
    build.add_argument("--langs", default="en,vi", help="languages, comma-separated (en, vi)")
    build.add_argument("--tiers", default=",".join(TIERS), help=f"lengths, comma-separated ({', '.join(TIERS)})")
    build.add_argument("--audience", default="adult", help="audiences, comma-separated (adult, child)")
    build.add_argument("--narrator", default="auto",
                       help="auto, smolvlm, openai (a served model: --base-url) or offline")
    build.add_argument("--base-url", metavar="URL", help="the openai narrator's OpenAI-compatible server, up to /v1 "
                       "[VLMTOK_OPENAI_BASE_URL]")
    build.add_argument("--model", metavar="NAME", help="the model name on that server [VLMTOK_OPENAI_MODEL]")
    build.add_argument("--detail", default="auto", choices=DETAILS, help="SmolVLM tiles")
    build.add_argument("--voice", default="auto", help="auto, or a speech engine by name (gtts, piper, espeak)")
    build.add_argument("--rate", type=rate_argument, default=1.0,
                       help=f"speech speed of the audio, {RATE_RANGE[0]:g} to {RATE_RANGE[1]:g}")
    build.add_argument("--engine", default="local", choices=ENGINES, help="local, or ray (pip install vlmtok[ray])")
    build.add_argument("--ray-address", help="join this Ray cluster (default: start Ray on this machine)")
    build.add_argument("--json", dest="json_path", help="also write the build report here as JSON")
    match = sub.add_parser("match", help="which artwork of a pack does a photo show? (JSON)")
    match.add_argument("pack", help="a pack folder")
    match.add_argument("photo", help="the photo (JPEG, PNG, WebP, ...)")


def run(args: argparse.Namespace) -> int:
    return _build(args) if args.pack_command == "build" else _match(args)


def _split(text: str) -> list[str]:
    return [v.strip() for v in (text or "").split(",") if v.strip()]


def _build(args: argparse.Namespace) -> int:
    from vlmtok import settings
    from vlmtok.pack import BuildOptions, PackError, build_pack

    for value, name in ((args.base_url, "VLMTOK_OPENAI_BASE_URL"), (args.model, "VLMTOK_OPENAI_MODEL")):
        if value:
            settings.override(name, value)
    options = BuildOptions(langs=_split(args.langs), tiers=_split(args.tiers), audiences=_split(args.audience),
                           narrator=args.narrator, detail=args.detail, voice=args.voice, rate=args.rate)
    if args.engine == "ray" and not _ray_installed():
        print("The Ray engine needs Ray: pip install 'vlmtok[ray]'", file=sys.stderr)
        return 2
    bar = _Bar()
    try:
        report = build_pack(args.source, args.out, labels=args.labels, options=options, engine=args.engine,
                            ray_address=args.ray_address, progress=bar)
    except (ValueError, FileNotFoundError, PackError) as err:
        print(f"Cannot build the pack: {err}", file=sys.stderr)
        return 2
    finally:
        bar.close()
    _summary(report)
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as f:
            json.dump(report.to_dict(), f, indent=2, ensure_ascii=False)
    return 0


def _summary(report) -> None:
    m = report.manifest
    narrations = sum(len(a.narrations) for a in m.artworks)
    state = "written" if report.changed else "already up to date"
    print(f"{report.folder}: {len(m.artworks)} artworks, {narrations} narrations ({report.narrations_made} new, "
          f"{report.narrations_kept} kept), {state}, {report.seconds:.1f} s, engine {report.engine}")
    for problem in report.problems:
        print(f"  skipped {problem.file}: {problem.reason}")


def _ray_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("ray") is not None


class _Bar:
    """One line per artwork on a terminal bar (tqdm) that goes to stderr; plain lines when tqdm is missing."""

    def __init__(self) -> None:
        self._bar = None

    def __call__(self, done: int, total: int, artwork_id: str, note: str) -> None:
        try:
            from tqdm import tqdm
        except ImportError:
            print(f"[{done}/{total}] {artwork_id}: {note}", file=sys.stderr)
            return
        if self._bar is None:
            self._bar = tqdm(total=total, unit="artwork", file=sys.stderr, dynamic_ncols=True)
        self._bar.set_postfix_str(f"{artwork_id}: {note}"[:60])
        self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _match(args: argparse.Namespace) -> int:
    from vlmtok.images import ImageInputError, load_image
    from vlmtok.pack import PackError, TourPack

    try:
        pack = TourPack(args.pack)
        photo = load_image(args.photo)
        match = pack.match(photo)
    except ImageInputError as err:
        print(err.user_message_for("en"), file=sys.stderr)
        return 2
    except PackError as err:
        print(f"Cannot read the pack: {err}", file=sys.stderr)
        return 2
    print(json.dumps({**match.to_dict(), "ms": match.ms}, ensure_ascii=False))
    return 0
