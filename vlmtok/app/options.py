"""``python app.py --help``: the app's options. Each option is its setting (``vlmtok.settings``) for this run.

``--offline`` is ``VLMTOK_OFFLINE=1``, ``--public`` is ``VLMTOK_PUBLIC=1``, ``--narrator NAME`` is
``VLMTOK_NARRATOR``, ``--base-url`` and ``--model`` are the served narrator's ``VLMTOK_OPENAI_BASE_URL`` and
``VLMTOK_OPENAI_MODEL``, ``--pack PACK`` is ``VLMTOK_PACK`` (a tour pack to play): the option overrides the variable in this process (``settings.override``), so both mean
the same and the README's settings table documents both. ``--host`` and ``--port`` go to ``launch()`` (unset,
Gradio's own ``GRADIO_SERVER_NAME`` / ``GRADIO_SERVER_PORT`` apply, else 127.0.0.1:7860); ``--mcp`` also serves the
public API as an MCP server (needs ``pip install "gradio[mcp]"``).

>>> options = parse_options(["--offline", "--port", "8080"])  # doctest: +SKIP
>>> launch_options(options)                                     # doctest: +SKIP
{'server_port': 8080}
"""
from __future__ import annotations

import argparse
from typing import Any

from vlmtok import settings

NARRATORS = ("auto", "smolvlm", "onnx", "openai", "offline")   # as vlmtok.narrate.list_narrators(); --help imports nothing

# option -> (setting, the value it stands for; None: the option's own value)
OVERRIDES: dict[str, tuple[str, str | None]] = {
    "offline": ("VLMTOK_OFFLINE", "1"),
    "public": ("VLMTOK_PUBLIC", "1"),
    "narrator": ("VLMTOK_NARRATOR", None),
    "base_url": ("VLMTOK_OPENAI_BASE_URL", None),
    "model": ("VLMTOK_OPENAI_MODEL", None),
    "pack": ("VLMTOK_PACK", None),
}


def build_parser(prog: str = "python app.py") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="vlmtok: artwork descriptions in large text and speech, and how vision "
        "encoders tokenise them. Each option can also be set as the environment variable named in its help.")
    parser.add_argument("--host", help="address to listen on, 0.0.0.0 for every network (default: "
                        "GRADIO_SERVER_NAME, else 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default: GRADIO_SERVER_PORT, else 7860)")
    parser.add_argument("--narrator", choices=NARRATORS, help="who writes descriptions: auto picks the best one "
                        "available; openai is a served model (--base-url) [VLMTOK_NARRATOR]")
    parser.add_argument("--base-url", metavar="URL", help="the served narrator's OpenAI-compatible server, up to /v1, "
                        "for example http://gpu-box:8000/v1 [VLMTOK_OPENAI_BASE_URL]")
    parser.add_argument("--model", metavar="NAME", help="the model name on that server "
                        "[VLMTOK_OPENAI_MODEL]")
    parser.add_argument("--public", action="store_true", help="public demo mode: errors are never shown raw "
                        "(on by itself on a Hugging Face Space) [VLMTOK_PUBLIC=1]")
    parser.add_argument("--offline", action="store_true", help="no network: local model files only, offline voices "
                        "[VLMTOK_OFFLINE=1]")
    parser.add_argument("--pack", metavar="PACK", help="a tour pack folder (python -m vlmtok pack build) to play "
                        "offline in the Tour pack tab [VLMTOK_PACK]")
    parser.add_argument("--mcp", action="store_true", help="also serve the public API as an MCP server, for AI "
                        "agents (needs gradio[mcp])")
    return parser


def parse_options(argv: list[str] | None = None, prog: str = "python app.py") -> argparse.Namespace:
    """Parse ``argv`` (default ``sys.argv[1:]``) and apply the options that are settings; ``--help`` exits here."""
    return settle(build_parser(prog).parse_args(argv))


def settle(options: argparse.Namespace) -> argparse.Namespace:
    """Complete parsed options (a server address given is a server to use) and apply those that are settings."""
    if options.base_url and not options.narrator:
        options.narrator = "openai"
    apply(options)
    return options


def apply(options: argparse.Namespace) -> None:
    """Each option given overrides its setting for this process."""
    for attr, (name, fixed) in OVERRIDES.items():
        value = getattr(options, attr, None)
        if value:
            settings.override(name, fixed if fixed is not None else str(value))


def launch_options(options: argparse.Namespace | None) -> dict[str, Any]:
    """The ``launch()`` keywords the options set (only those given, so Gradio's own variables still apply)."""
    if options is None:
        return {}
    out: dict[str, Any] = {}
    if options.host:
        out["server_name"] = options.host
    if options.port:
        out["server_port"] = options.port
    if options.mcp:
        out["mcp_server"] = True
    return out
