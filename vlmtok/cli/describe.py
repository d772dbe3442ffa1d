"""``python -m vlmtok describe IMAGE [--lang en|vi] [--tier alt|short|long] [--audience adult|child]
[--label TEXT] [--narrator auto|smolvlm|openai|offline] [--base-url URL --model NAME] [--ask "..."]``: print a
narration of an artwork. ``--base-url`` (with ``--narrator openai``, implied) asks a served model.

The first line names the narrator and why it was chosen; the text follows as it is written; a notice (for
example "shown in English") comes last. Bad input prints a plain message and exits with 2.
"""
from __future__ import annotations

import argparse
import logging
import sys

from vlmtok.cli import existing_file, file_to_write, number_in
from vlmtok.i18n import LANGUAGES, t

log = logging.getLogger(__name__)

TIERS = ("alt", "short", "long")          # as vlmtok.narrate.base.TIERS (not imported: keeps --help instant)
AUDIENCES = ("adult", "child")
NARRATOR_NAMES = ("auto", "smolvlm", "openai", "offline")
DETAILS = ("auto", "low", "normal", "high")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", type=existing_file, help="path to the picture (JPEG, PNG, WebP, ...)")
    parser.add_argument("--lang", default="en", choices=LANGUAGES, help="language of the narration")
    parser.add_argument("--tier", default="short", choices=TIERS,
                        help="alt text (~30 words), short (~60) or long (~150)")
    parser.add_argument("--audience", default="adult", choices=AUDIENCES, help="wording for adults or children")
    parser.add_argument("--label", help="the museum label (title, artist, date): the only source of such facts")
    parser.add_argument("--narrator", default="auto", choices=NARRATOR_NAMES,
                        help="auto: a served model when one is set and answers, else SmolVLM when available, else "
                             "the offline narrator (colours and layout); openai: a served model (--base-url)")
    parser.add_argument("--base-url", metavar="URL",
                        help="an OpenAI-compatible server, up to /v1 (vLLM: http://gpu-box:8000/v1); implies "
                             "--narrator openai (default: VLMTOK_OPENAI_BASE_URL)")
    parser.add_argument("--model", help="SmolVLM checkpoint id or alias (default: SmolVLM-256M-Instruct); with "
                                        "--narrator openai, the model name on the server")
    parser.add_argument("--detail", default="auto", choices=DETAILS, help="SmolVLM tile budget")
    parser.add_argument("--ask", help="a question about the artwork, answered instead of a description")
    parser.add_argument("--speak", metavar="AUDIO", type=file_to_write, help="also speak the text into this file (gTTS, else offline)")
    parser.add_argument("--rate", type=number_in(0.75, 1.5), default=1.0, help="speech speed, 0.75 to 1.5")


def run(args: argparse.Namespace) -> int:
    from vlmtok.images import ImageInputError, load_image
    from vlmtok.narrate import NarrationRequest, get_narrator

    try:
        image = load_image(args.image)
    except ImageInputError as err:
        print(err.user_message_for(args.lang), file=sys.stderr)
        return 2
    name = "openai" if args.base_url and args.narrator == "auto" else args.narrator
    kw = {"model_id": args.model} if args.model and name != "offline" else {}
    if name == "openai" and args.base_url:
        kw["base_url"] = args.base_url
    narrator, reason = get_narrator(name, lang=args.lang, **kw)
    print(t("cli.describe_header", args.lang, name=narrator.name, reason=reason), flush=True)
    request = NarrationRequest(lang=args.lang, tier=args.tier, audience=args.audience, label_text=args.label,
                               question=args.ask, detail=args.detail)
    narration = _print_stream(narrator, image, request, args.lang)
    if narration is None:
        return 1
    return _speak(narration.text, narration.language, args) if args.speak else 0


def _speak(text: str, lang: str, args: argparse.Namespace) -> int:
    """Write the narration's audio to ``args.speak``; a voice that fails leaves a plain notice, never silence."""
    import shutil
    from pathlib import Path

    from vlmtok.speech import speak

    result = speak(text, lang, rate=args.rate)
    if result.audio_path is None:
        print(result.notice, file=sys.stderr)
        return 1
    out = Path(args.speak)
    if out.suffix.lower().lstrip(".") != result.format:
        out = out.with_suffix("." + result.format)  # gTTS gives MP3, espeak-ng WAV: keep the true extension
    shutil.copyfile(result.audio_path, out)
    print(f"{out} ({result.engine}, {result.duration_s:.1f} s)" + (f" - {result.notice}" if result.notice else ""))
    return 0


def _print_stream(narrator, image, request, lang: str):
    """Print chunks as they come, then the final text if it differs (a translation), then the notice.

    A narrator failure is a plain message on stderr and exit code 1; the details go to the log (``-v``)."""
    from vlmtok.narrate.cache import cached_stream

    streamed: list[str] = []
    narration = None
    try:
        for part in cached_stream(narrator, image, request):
            if isinstance(part, str):
                streamed.append(part)
                sys.stdout.write(part)
                sys.stdout.flush()
            else:
                narration = part
    except Exception as err:  # noqa: BLE001 - the person gets plain words, whatever went wrong
        log.debug("narrator %s failed", narrator.name, exc_info=True)
        message = getattr(err, "user_message_for", None)
        print("")
        print(message(lang) if callable(message) else t("cli.describe_failed", lang, name=narrator.name),
              file=sys.stderr)
        return None
    print()
    if narration is None:
        return None
    if narration.text.strip() != "".join(streamed).strip():
        if narration.machine_translated:
            print(t("cli.describe_machine_translated", lang))
        print(narration.text)
    if narration.notice:
        print(t("cli.describe_notice", lang, notice=narration.notice))
    return narration
