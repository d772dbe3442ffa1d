"""``vlmtok COMMAND ...``: the command line mirrors the app for batch work.

``python -m vlmtok`` is the same command. Each command lives in ``vlmtok/cli/<name>.py`` with
``add_arguments(parser)`` and ``run(args) -> int``; it is imported only when chosen, so ``vlmtok speak`` never pays
for torch or gradio, nor does ``vlmtok --version``.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from vlmtok import __version__

COMMANDS: dict[str, str] = {
    "app": "start the app (the Tour, Compare, How it works) and serve it in a browser",
    "tokens": "turn an image into vision tokens and draw the comparison sheet",
    "describe": "describe an artwork (SmolVLM or the offline narrator)",
    "speak": "turn text into speech (gTTS, else an offline voice)",
    "prefetch": "download the models a tour needs, then run offline",
    "frame": "find the artwork in a gallery photo and straighten it",
    "pack": "build a tour pack (narrated ahead, played offline) or match a photo to one",
    "bench": "run benchmarks and write JSON",
    "loadtest": "drive a running app with several clients",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vlmtok", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"vlmtok {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = next((a for a in sys.argv[1:] if a in COMMANDS), None)
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:  # only the chosen command's module is imported
            _module(name).add_arguments(p)
    return parser


def _module(name: str):
    return importlib.import_module(f"vlmtok.cli.{name}")


def main(argv: list[str] | None = None) -> int:
    if argv is not None:
        sys.argv = [sys.argv[0], *argv]
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:])
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help()
        return 2
    return int(_module(args.command).run(args) or 0)
