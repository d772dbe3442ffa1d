"""``python -m vlmtok tokens IMAGE --encoder NAME [--encoder NAME ...] --sizes 224,336 --out sheet.png``

Tokenises one picture with 1 to 4 encoders at one or more sizes, writes the comparison sheet, and optionally the
token ledger (JSON) and its bar chart.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from vlmtok.cli import existing_file, file_to_write
from vlmtok.i18n import LANGUAGES, t

log = logging.getLogger(__name__)

DEFAULT_ENCODERS = ("vit_small_patch14_dinov2", "mobilenetv2_100", "tf_efficientnet_lite0")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", type=existing_file, help="picture file (JPEG, PNG, WebP ...)")
    parser.add_argument("--encoder", action="append", dest="encoders", metavar="NAME",
                        help=f"encoder name, repeat for 1-4 encoders (default: {', '.join(DEFAULT_ENCODERS)})")
    parser.add_argument("--sizes", default="224", help="input sides, comma-separated (default 224)")
    parser.add_argument("--merge", type=float, default=None, metavar="RATIO",
                        help="also merge tokens (ToMe), removing this share, e.g. 0.5")
    parser.add_argument("--weights", default="auto", choices=("auto", "hub", "offline-pack", "random"),
                        help="where weights come from (default: hub, else offline pack, else random)")
    parser.add_argument("--out", default="sheet.png", type=file_to_write, help="comparison sheet PNG (default sheet.png)")
    parser.add_argument("--ledger", default=None, metavar="JSON", type=file_to_write, help="write the token ledger here")
    parser.add_argument("--chart", default=None, metavar="PNG", type=file_to_write, help="write the ledger's bar chart here")
    parser.add_argument("--lang", default="en", choices=LANGUAGES, help="language of messages")


def _parse_sizes(text: str) -> list[int]:
    sizes = [int(s) for s in text.replace(" ", "").split(",") if s]
    if not sizes or any(s < 16 or s > 4096 for s in sizes):
        raise ValueError(text)
    return sizes


def _check(args: argparse.Namespace) -> tuple[list[str], list[int]] | str:
    """Validated (encoders, sizes), or a message for the person at the terminal."""
    from vlmtok.encoders import get_spec, list_encoders

    try:
        sizes = _parse_sizes(args.sizes)
    except ValueError:
        return t("cli.tokens_sizes", args.lang)
    names = args.encoders or list(DEFAULT_ENCODERS)
    if not 1 <= len(names) <= 4:
        return t("cli.tokens_count", args.lang)
    if args.merge is not None and not 0 <= args.merge < 1:
        return t("cli.tokens_merge", args.lang)
    for name in names:
        try:
            get_spec(name)
        except ValueError:
            return t("cli.tokens_unknown", args.lang, name=name, known=", ".join(list_encoders()))
    return names, sizes


def run(args: argparse.Namespace) -> int:
    from vlmtok.images import ImageInputError, load_image
    from vlmtok.visualize.ledger_chart import ledger_chart
    from vlmtok.visualize import compare

    checked = _check(args)
    if isinstance(checked, str):
        sys.stderr.write(checked + "\n")
        return 2
    names, sizes = checked
    try:
        image = load_image(args.image)
    except ImageInputError as exc:
        sys.stderr.write(exc.user_message_for(args.lang) + "\n")
        return 2
    sheet, comp = compare(image, names, sizes, merge=args.merge, weights=args.weights,
                          title=f"How {len(names)} encoder{'s' if len(names) > 1 else ''} cut "
                                f"{Path(args.image).stem.replace('_', ' ')} into tokens")
    sheet.save(args.out, optimize=True)
    print(f"sheet: {args.out} ({sheet.width} × {sheet.height} px)")
    ledger = comp.ledger()
    for row in ledger.rows:
        flag = "  OVER BUDGET" if row["over_budget"] else ""
        after = f" -> {row['tokens_after']}" if row["tokens_after"] is not None else ""
        print(f"  {row['encoder']:<30} {row['input_size'][0]:>5} px  {row['tokens']:>5} tokens{after}  d={row['dim']:<5}"
              f" {row['encode_ms']:>8.1f} ms  weights: {row['weights_source']}{flag}")
    for v in ledger.vlm_rows:
        print(f"  {v['model']}: {v['image_tokens']} image tokens ({v['why']})")
    if args.ledger:
        Path(args.ledger).write_text(ledger.to_json() + "\n", encoding="utf-8")
        print(f"ledger: {args.ledger}")
    if args.chart:
        ledger_chart(ledger).save(args.chart, optimize=True)
        print(f"chart: {args.chart}")
    return 0
