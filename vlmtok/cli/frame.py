"""``python -m vlmtok frame PHOTO [--out straight.jpg] [--json]``: find the artwork in a gallery photo.

Prints where the painting lies (corners top-left, top-right, bottom-right, bottom-left, in photo pixels; the whole
picture when nothing is cut), and writes the straightened painting with ``--out``. Bad input prints a plain
message and exits with 2.
"""
from __future__ import annotations

import argparse
import json
import sys

from vlmtok.i18n import LANGUAGES, t


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("photo", help="path to the photo (JPEG, PNG, WebP, ...)")
    parser.add_argument("--out", metavar="IMAGE", help="write the straightened artwork here (JPEG or PNG)")
    parser.add_argument("--json", action="store_true", help="print {found, corners, confidence} as JSON")
    parser.add_argument("--lang", default="en", choices=LANGUAGES, help="language of messages")


def run(args: argparse.Namespace) -> int:
    from vlmtok.frame import find_artwork
    from vlmtok.images import ImageInputError, load_image

    try:
        picture = load_image(args.photo)
    except ImageInputError as err:
        print(err.user_message_for(args.lang), file=sys.stderr)
        return 2
    art = find_artwork(picture)
    if args.out:
        art.image.save(args.out, quality=92)
    if args.json:
        print(json.dumps(art.to_dict()))
    else:
        key = "cli.frame_found" if art.found else "cli.frame_whole"
        corners = ", ".join(f"({x:.0f}, {y:.0f})" for x, y in art.corners)
        print(t(key, args.lang, corners=corners, confidence=f"{art.confidence:.2f}"))
    return 0
