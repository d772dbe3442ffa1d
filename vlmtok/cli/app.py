"""``vlmtok app``: start the app from an installed package, with the options ``python app.py`` takes."""
from __future__ import annotations

import argparse

from vlmtok.app.options import build_parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    for action in build_parser()._actions:
        if action.dest != "help":
            parser._add_action(action)


def run(args: argparse.Namespace) -> int:
    from vlmtok.app.main import launch
    from vlmtok.app.options import settle

    launch(settle(args))
    return 0
