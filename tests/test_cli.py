"""The command line: dispatch, and describe --speak writing real audio with the true extension."""
from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, env_extra: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "vlmtok", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_no_command_prints_help_and_fails():
    out = _run()
    assert out.returncode == 2 and "COMMAND" in out.stdout


def test_describe_speaks_into_a_wav_when_offline(tmp_path):
    target = tmp_path / "narration.mp3"
    out = _run("describe", "examples/mona_lisa.jpg", "--tier", "alt", "--speak", str(target),
               env_extra={"VLMTOK_CACHE": str(tmp_path / "cache")})
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1].startswith("Offline description")
    wav = tmp_path / "narration.wav"  # espeak-ng writes WAV: the extension tells the truth
    assert wav.exists() and not target.exists()
    with wave.open(str(wav)) as w:
        assert w.getnframes() / w.getframerate() > 2.0


def test_describe_refuses_a_broken_file_in_plain_words(tmp_path):
    bad = tmp_path / "photo.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    out = _run("describe", str(bad), "--lang", "vi")
    assert out.returncode == 2
    assert str(tmp_path) not in out.stderr and "Traceback" not in out.stderr and out.stderr.strip()


# ----------------------------------------------------------------------------------------------------------------
# Conventions: ranges and files checked by the parser, before heavy imports; -v anywhere; quiet by default


HEAVY = ("torch", "timm", "gradio", "transformers", "gradio_client")


def _parsed(argv: list[str]) -> tuple[int | None, str, list[str]]:
    """Run ``main(argv)`` in a fresh interpreter: (exit code, stderr, the heavy libraries it imported)."""
    code = ("import sys, contextlib, io\nfrom vlmtok.cli import main\nerr = io.StringIO()\n"
            "with contextlib.redirect_stderr(err):\n    try:\n        rc = main(sys.argv[1:])\n"
            "    except SystemExit as e:\n        rc = e.code\n"
            f"print(rc); print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
            "print(err.getvalue(), end='')")
    out = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120)
    rc, heavy, *err = out.stdout.splitlines()
    return (None if rc == "None" else int(rc)), "\n".join(err), eval(heavy)  # noqa: S307 - our own output


def test_bad_input_is_refused_by_the_parser_in_plain_words_before_heavy_imports(tmp_path):
    cases = {
        ("speak", "hi", "--out", str(tmp_path / "missing" / "x.wav")): "no such folder",
        ("speak", "hi", "--rate", "9"): "rate must be between 0.75 and 1.5",
        ("tokens", str(ROOT / "examples" / "durer_lion.jpg"), "--lang", "fr"): "invalid choice: 'fr'",
        ("tokens", str(tmp_path / "missing.jpg")): "no such file",
        ("describe", str(tmp_path), "-v"): "not a file",
        ("describe", str(ROOT / "examples" / "durer_lion.jpg"), "--rate", "fast"): "rate must be between",
        ("pack", "match", str(tmp_path), str(tmp_path / "missing.jpg")): "no such file",
    }
    for argv, words in cases.items():
        rc, err, heavy = _parsed(list(argv))
        assert rc == 2 and words in err and "Traceback" not in err, (argv, err)
        assert heavy == [], (argv, heavy)


def test_loadtest_clients_out_of_range_is_refused():
    out = _run("loadtest", "--url", "http://127.0.0.1:9/", "--clients", "99")
    assert out.returncode == 2 and "--clients: 99 is outside the range 1 to" in out.stderr
    assert "Traceback" not in out.stderr


def test_verbose_goes_before_or_after_the_command_and_the_default_is_quiet(monkeypatch):
    from vlmtok.cli import build_parser

    for argv, level in ((["-v", "speak", "hi"], 1), (["speak", "hi", "-v"], 1), (["speak", "-vv", "hi"], 2),
                        (["speak", "hi"], 0)):
        monkeypatch.setattr(sys, "argv", ["vlmtok", *argv])         # the chosen command's options are added
        assert build_parser().parse_args(argv).verbose == level, argv


def test_an_error_found_later_is_one_plain_line_and_v_shows_the_traceback(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a picture")
    out = _run("tokens", str(broken), "--encoder", "resnet50", "--out", str(tmp_path / "s.png"), cwd=tmp_path)
    assert out.returncode != 0 and "Traceback" not in out.stderr and out.stderr.strip(), out.stderr
    assert "INFO" not in out.stderr                                         # quiet by default


def test_every_command_and_action_has_a_description():
    from vlmtok.cli import COMMANDS

    for name in COMMANDS:
        out = _run(name, "--help")
        assert out.returncode == 0, (name, out.stderr)
        assert COMMANDS[name] in " ".join(out.stdout.split()), name
    for action in ("build", "match"):
        out = _run("pack", action, "--help")
        assert out.returncode == 0 and ("tour pack" in out.stdout or "photo" in out.stdout.split("positional")[0])
