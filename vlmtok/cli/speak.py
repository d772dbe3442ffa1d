"""``python -m vlmtok speak "text" --lang vi --rate 1.25 --out out.wav [--engine auto|gtts|piper|espeak]``."""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from vlmtok.choices import RATE_RANGE, rate_argument
from vlmtok.i18n import LANGUAGES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", help='text to speak ("-" reads standard input)')
    parser.add_argument("--lang", default="en", choices=LANGUAGES, help="language of the text")
    parser.add_argument("--rate", type=rate_argument, default=1.0,
                        help=f"speed, {RATE_RANGE[0]:g} to {RATE_RANGE[1]:g} (1.0 = normal)")
    parser.add_argument("--engine", default="auto", choices=("auto", "gtts", "piper", "espeak"),
                        help="voice to try first (others follow unless --no-fallback)")
    parser.add_argument("--no-fallback", action="store_true", help="try only --engine")
    parser.add_argument("--out", help="copy the audio here (the suffix follows the real format: .wav or .mp3)")


def run(args: argparse.Namespace) -> int:
    from vlmtok.speech import speak

    text = sys.stdin.read() if args.text == "-" else args.text
    result = speak(text, args.lang, rate=args.rate, engine=args.engine, fallback=not args.no_fallback)
    print(f"engine: {result.engine or 'none'}" + (f" ({result.voice})" if result.voice else ""))
    print(f"duration: {result.duration_s:.2f} s, play at {result.playback_rate:g}x"
          f"{', from cache' if result.cached else ''} ({result.elapsed_ms:.0f} ms)")
    for start, sentence in zip(result.sentence_starts, result.sentences):
        print(f"  {start:7.2f} s  {sentence}")
    for reason in result.fallback_reasons:
        print(f"skipped {reason}")
    if result.notice:
        print(f"notice: {result.notice}")
    if result.audio_path is None:
        return 1
    if args.out:
        out = _out_path(Path(args.out), result.format or "wav")
        shutil.copyfile(result.audio_path, out)
        print(f"wrote {out}")
    else:
        print(f"audio: {result.audio_path}")
    return 0


def _out_path(out: Path, fmt: str) -> Path:
    """Keep the user's name, but never put MP3 bytes in a file called .wav (or the reverse)."""
    if out.suffix.lower() in (".wav", ".mp3") and out.suffix.lower() != f".{fmt}":
        print(f"note: the voice produced {fmt.upper()}, so the file is named {out.with_suffix('.' + fmt).name}")
        return out.with_suffix("." + fmt)
    return out
