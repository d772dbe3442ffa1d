"""``python -m vlmtok describe IMAGE [--lang en|vi] [--tier alt|short|long] [--audience adult|child]
[--label TEXT] [--narrator auto|smolvlm|openai|offline] [--base-url URL --model NAME] [--ask "..."]``: print a
narration of an artwork. ``--base-url`` (with ``--narrator openai``, implied) asks a served model.

The first line names the narrator and why it was chosen; the text follows as it is written; a notice (for
example "shown in English") comes last. ``--json`` prints instead the same dict as the API's ``/describe`` (text,
provenance, speech when ``--speak`` is given). Bad input prints a plain message and exits with 2. The narration is a
``vlmtok.session.Session``, as through every other door (same cache, same checks, same provenance).
"""
from __future__ import annotations

import argparse
import logging
import sys

from vlmtok.choices import AUDIENCES, DETAILS, RATE_RANGE, TIERS, rate_argument
from vlmtok.i18n import LANGUAGES, t

log = logging.getLogger(__name__)

NARRATOR_NAMES = ("auto", "smolvlm", "onnx", "openai", "offline")   # as vlmtok.narrate.list_narrators()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", help="path to the picture (JPEG, PNG, WebP, ...)")
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
    parser.add_argument("--speak", metavar="AUDIO", help="also speak the text into this file (gTTS, else offline)")
    parser.add_argument("--rate", type=rate_argument, default=1.0,
                        help=f"speech speed, {RATE_RANGE[0]:g} to {RATE_RANGE[1]:g}")
    parser.add_argument("--json", action="store_true", help="print the API's /describe result as JSON instead")


def run(args: argparse.Namespace) -> int:
    from vlmtok import session
    from vlmtok.errors import VisitorError
    from vlmtok.narrate import get_narrator

    try:
        picture = session.Picture.load(args.image)
        request = session.request(args.lang, args.tier, args.audience, args.label, args.detail, args.ask)
    except VisitorError as err:
        print(err.user_message_for(args.lang), file=sys.stderr)
        return 2
    name = "openai" if args.base_url and args.narrator == "auto" else args.narrator
    kw = {"model_id": args.model} if args.model and name != "offline" else {}
    if name == "openai" and args.base_url:
        kw["base_url"] = args.base_url
    narrator, reason = get_narrator(name, lang=args.lang, **kw)
    narrate = session.Session(picture, request, narrator)
    if args.json:
        return _print_json(narrate, args)
    print(t("cli.describe_header", args.lang, name=narrator.name, reason=reason), flush=True)
    narration = _print_stream(narrate, args.lang)
    if narration is None:
        return 1
    return _speak(narration.text, narration.language, args) if args.speak else 0


def _print_json(narrate, args: argparse.Namespace) -> int:
    """The /describe dict on stdout (paths as strings); with ``--speak``, the audio copied there too."""
    import json

    from vlmtok import session

    try:
        done = narrate.run()
    except Exception as err:  # noqa: BLE001 - the person gets plain words, whatever went wrong
        return _failed(err, narrate.narrator.name, args.lang)
    speech = None
    if args.speak:
        n = done.narration
        speech = session.speech_of(n.text, n.language, args.rate, args.lang)
        if speech["audio"] is not None:
            speech["audio"] = str(_copy_audio(speech["audio"], speech["format"], args.speak))
    print(json.dumps(session.description(done, narrate.request.tier, speech), ensure_ascii=False, indent=1,
                     default=str))
    return 0


def _failed(err: BaseException, name: str, lang: str) -> int:
    log.debug("narrator %s failed", name, exc_info=err)
    message = getattr(err, "user_message_for", None)
    print(message(lang) if callable(message) else t("cli.describe_failed", lang, name=name), file=sys.stderr)
    return 1


def _speak(text: str, lang: str, args: argparse.Namespace) -> int:
    """Write the narration's audio to ``args.speak``; a voice that fails leaves a plain notice, never silence."""
    from vlmtok.speech import speak

    result = speak(text, lang, rate=args.rate)
    if result.audio_path is None:
        print(result.notice, file=sys.stderr)
        return 1
    out = _copy_audio(result.audio_path, result.format, args.speak)
    print(f"{out} ({result.engine}, {result.duration_s:.1f} s)" + (f" - {result.notice}" if result.notice else ""))
    return 0


def _copy_audio(audio, fmt: str | None, where: str):
    """The audio copied to ``where``, its suffix the true format (gTTS gives MP3, espeak-ng WAV)."""
    import shutil
    from pathlib import Path

    out = Path(where)
    if fmt and out.suffix.lower().lstrip(".") != fmt:
        out = out.with_suffix("." + fmt)
    shutil.copyfile(audio, out)
    return out


def _print_stream(narrate, lang: str):
    """Print the text as it is written, then the final text if it differs (a translation), then the notice.

    A narrator failure is a plain message on stderr and exit code 1; the details go to the log (``-v``)."""
    from vlmtok import session

    streamed: list[str] = []
    done = None
    try:
        for event in narrate.events():
            if isinstance(event, session.Text):
                streamed.append(event.piece)
                sys.stdout.write(event.piece)
                sys.stdout.flush()
            elif isinstance(event, session.Done):
                done = event
    except Exception as err:  # noqa: BLE001 - the person gets plain words, whatever went wrong
        print("")
        _failed(err, narrate.narrator.name, lang)
        return None
    print()
    if done is None:
        return None
    narration = done.narration
    if narration.text.strip() != "".join(streamed).strip():
        if narration.machine_translated:
            print(t("cli.describe_machine_translated", lang))
        print(narration.text)
    if narration.notice:
        print(t("cli.describe_notice", lang, notice=narration.notice))
    return narration
