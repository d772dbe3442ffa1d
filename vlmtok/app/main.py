"""Start the app: ``vlmtok app [OPTIONS]`` from an installed package, or ``python app.py [OPTIONS]`` in a checkout.

The options are applied (``vlmtok.app.options``) before the page is imported, so every setting the page reads at
import sees them, and ``--help`` answers before gradio or torch are loaded.
"""
from __future__ import annotations

import argparse

from vlmtok import settings
from vlmtok.app.options import launch_options, parse_options


def launch(options: argparse.Namespace) -> None:
    """Import the page (its settings now final) and serve it until interrupted."""
    from vlmtok.app.page import demo, launch_kwargs

    demo.launch(**launch_kwargs(), **launch_options(options))


def main(argv: list[str] | None = None, prog: str = "python app.py") -> int:
    options = parse_options(argv, prog=prog)
    try:
        settings.check()                   # bad values warn once here; values the app cannot run with stop it
    except settings.SettingError as exc:
        raise SystemExit(f"{prog}: {exc}") from None
    launch(options)
    return 0
