"""``vlmtok COMMAND ...``: the command line mirrors the app for batch work.

``python -m vlmtok`` is the same command. Each command lives in ``vlmtok/cli/<name>.py`` with
``add_arguments(parser)`` and ``run(args) -> int``; it is imported only when chosen, so ``vlmtok speak`` never pays
for torch or gradio, nor does ``vlmtok --version``.

Conventions: ``-v`` (INFO) or ``-vv`` (DEBUG) before or after the command, warnings only without it; ranges, choices
and files are checked by the parser (``number_in``, ``existing_file``, ``file_to_write``), so a mistake is answered
at once, before any heavy import; no input ends in a traceback: a mistake the code finds later is one plain line
(``-v`` shows the details).
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path

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


def _verbosity(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("-v", "--verbose", action="count", default=default,
                        help="show progress (INFO); -vv for debug logs")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vlmtok", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"vlmtok {__version__}")
    _verbosity(parser, 0)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = next((a for a in sys.argv[1:] if a in COMMANDS), None)
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        _verbosity(p, argparse.SUPPRESS)                # after the command too; unset there, the one before stands
        if name == chosen:  # only the chosen command's module is imported
            _module(name).add_arguments(p)
    return parser


def _module(name: str):
    return importlib.import_module(f"vlmtok.cli.{name}")


# ----------------------------------------------------------------------------------------------------------------
# Argument types: checked by the parser, before anything heavy is imported


def number_in(low: float, high: float, kind: type = float) -> Callable[[str], float]:
    """An argparse ``type``: a number from ``low`` to ``high`` inclusive (``kind`` int or float); else refused."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'a whole number' if kind is int else 'a number'}") \
                from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is outside the range {low:g} to {high:g}")
        return value

    parse.__name__ = "number"
    return parse


def existing_file(text: str) -> str:
    """An argparse ``type``: a file that exists."""
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text}" if not Path(text).exists() else f"not a file: {text}")
    return text


def file_to_write(text: str) -> str:
    """An argparse ``type``: a file path whose folder exists (the file itself may not yet)."""
    folder = Path(text).expanduser().parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"no such folder: {folder} (create it first)")
    return text


# ----------------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    if argv is not None:
        sys.argv = [sys.argv[0], *argv]
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:])
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help()
        return 2
    try:
        return int(_module(args.command).run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one plain line for the person at the terminal; -v for the details
        if args.verbose:
            raise
        print(f"vlmtok {args.command}: {_plain(exc)}", file=sys.stderr)
        return 1


def _plain(exc: BaseException) -> str:
    """What went wrong, for a person: a visitor error's own message, else the error's text (and -v's promise)."""
    from vlmtok.errors import VisitorError

    if isinstance(exc, VisitorError):
        return exc.user_message_for("en")
    return f"{exc or type(exc).__name__} (run with -v for details)"
