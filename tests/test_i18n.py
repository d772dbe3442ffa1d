"""Languages as data: the catalogues agree with each other and with the code that reads them.

Each check is a small function run once on the real catalogues and sources, and once on a made-up broken case, so
a check that could never fail would show up here.
"""
from __future__ import annotations

import ast
import logging
import pickle
import re
import string
from pathlib import Path

import pytest

from vlmtok import i18n
from vlmtok.errors import VisitorError

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "vlmtok"
SOURCES = sorted(PACKAGE.rglob("*.py")) + [ROOT / "app.py"]
ENGLISH = i18n.catalogue(i18n.DEFAULT_LANGUAGE)

# Inline {"en": ..., "vi": ...} tables that may stay, each with its reason. A path ending in "/" covers a folder.
ALLOWED_TABLES = {
    "vlmtok/bench/speech.py": "the benchmark's sample sentences, one per language: data to synthesise, not words of "
                              "the interface",
}


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ----------------------------------------------------------------------------------------------------------------
# (a) the same keys in every language


def key_problems(reference: dict[str, str], other: dict[str, str]) -> list[str]:
    """Keys English has that ``other`` lacks, and keys ``other`` has that English lacks."""
    return ([f"missing {k!r}" for k in sorted(set(reference) - set(other))]
            + [f"unknown {k!r}" for k in sorted(set(other) - set(reference))])


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_language_has_exactly_the_english_keys(lang):
    assert key_problems(ENGLISH, i18n.catalogue(lang)) == []


def test_key_check_finds_missing_and_extra_keys():
    assert key_problems({"a.x": "1", "a.y": "2"}, {"a.x": "1", "a.z": "3"}) == ["missing 'a.y'", "unknown 'a.z'"]


def test_every_language_names_itself():
    names = i18n.language_names()
    assert list(names) == list(i18n.LANGUAGES) and names["en"] == "English" and names["vi"] == "Tiếng Việt"


# ----------------------------------------------------------------------------------------------------------------
# (b) the same placeholders in every language


def placeholders(template: str) -> set[str]:
    """The ``{name}`` fields of a ``str.format`` template (``ValueError`` for unbalanced braces)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def placeholder_problems(reference: dict[str, str], other: dict[str, str]) -> list[str]:
    problems = []
    for key, template in reference.items():
        if key in other and placeholders(template) != placeholders(other[key]):
            problems.append(f"{key}: {sorted(placeholders(template))} vs {sorted(placeholders(other[key]))}")
    return problems


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_template_has_the_english_placeholders(lang):
    assert placeholder_problems(ENGLISH, i18n.catalogue(lang)) == []


def test_placeholder_check_finds_a_renamed_or_dropped_field():
    assert placeholder_problems({"a.x": "{n} tokens", "a.y": "{a} by {b}"},
                                {"a.x": "{count} token", "a.y": "{a}"}) == ["a.x: ['n'] vs ['count']",
                                                                            "a.y: ['a', 'b'] vs ['a']"]
    with pytest.raises(ValueError):
        placeholders("unbalanced {n")


# ----------------------------------------------------------------------------------------------------------------
# (c) no inline en/vi tables outside the catalogues


def inline_tables(source: str) -> list[int]:
    """Line numbers of dict literals whose keys include both "en" and "vi"."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            if {"en", "vi"} <= keys:
                lines.append(node.lineno)
    return sorted(lines)


def _allowed(rel: str) -> str | None:
    return next((entry for entry in ALLOWED_TABLES if rel == entry or (entry.endswith("/") and rel.startswith(entry))),
                None)


def _tables_by_file() -> dict[str, list[int]]:
    found = {}
    for path in SOURCES:
        rel = _rel(path)
        if rel.startswith("vlmtok/i18n/"):
            continue
        if lines := inline_tables(path.read_text(encoding="utf-8")):
            found[rel] = lines
    return found


def test_no_inline_language_tables_outside_the_catalogues():
    found = _tables_by_file()
    stray = {rel: lines for rel, lines in found.items() if _allowed(rel) is None}
    assert stray == {}, "move these to vlmtok/i18n/<lang>.py and read them with t(key, lang)"
    stale = [entry for entry in ALLOWED_TABLES if not any(_allowed(rel) == entry for rel in found)]
    assert stale == [], "these allow-list entries hold no table any more; remove them"


def test_table_scan_finds_a_table():
    source = ('A = {"en": "Hi", "vi": "Chào"}\n'
              'def f():\n    return {"en": 1, "fr": 2}, {"vi": "x", "en": "y", "de": "z"}\n')
    assert inline_tables(source) == [1, 3]
    assert inline_tables('B = {"en": "Hi"}\nC = dict(en="a", vi="b")\n') == []


# ----------------------------------------------------------------------------------------------------------------
# (d) a missing translation falls back to English; a key missing from English is a bug


def test_missing_translation_logs_and_shows_english(monkeypatch, caplog):
    monkeypatch.setitem(i18n.catalogue("en"), "test.only_english", "Only in English, {n} times")
    with caplog.at_level(logging.WARNING, logger="vlmtok.i18n"):
        assert i18n.t("test.only_english", "vi", n=2) == "Only in English, 2 times"
    assert "test.only_english" in caplog.text and "vi" in caplog.text


def test_key_missing_from_english_raises():
    with pytest.raises(KeyError):
        i18n.t("test.nowhere", "vi")
    with pytest.raises(KeyError):
        i18n.t("test.nowhere", "en")


def test_unknown_language_is_english():
    assert i18n.t("app.describe", "fr") == i18n.t("app.describe", "en") == "Describe"
    assert i18n.t("app.describe", "vi-VN") == "Mô tả"


# ----------------------------------------------------------------------------------------------------------------
# (e) every key the code names exists in English

AREAS = {key.split(".")[0] for key in ENGLISH}
_KEY = re.compile(rf"^(?:{'|'.join(map(re.escape, sorted(AREAS)))})\.[a-z0-9_]+(?:\.[a-z0-9_]+)*$")
_FILE_SUFFIXES = {"py", "css", "js", "json", "log", "txt", "md", "html", "png", "jpg", "wav", "mp3"}  # "app.py"


def _is_t_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id == "t")
        or (isinstance(node.func, ast.Attribute) and node.func.attr == "t"))


def used_keys(source: str) -> tuple[set[str], set[str]]:
    """``(keys, prefixes)`` the source names.

    keys: the literal first argument of every ``t(...)`` call (both branches of ``t("a" if c else "b")``), and
    every other string constant shaped like a key of a known area (``"app.tier_alt"`` in a ``*_KEYS`` table, a
    ``key="app.failed"`` argument, a ``message_key``), file names like ``"app.py"`` aside. prefixes: the constant
    start of an f-string key (``t(f"app.col_{name}")``).
    """
    tree = ast.parse(source)
    keys, prefixes = set(), set()
    in_fstring = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    for node in ast.walk(tree):
        if _is_t_call(node) and node.args:
            first = node.args[0]
            options = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
            for arg in options:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    keys.add(arg.value)
                elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                    prefixes.add(arg.values[0].value)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstring
              and _KEY.match(node.value) and node.value.rsplit(".", 1)[1] not in _FILE_SUFFIXES):
            keys.add(node.value)
    return keys, prefixes


def test_every_key_named_in_the_code_exists_in_english():
    missing, bad_prefixes, seen = {}, {}, set()
    for path in SOURCES:
        if _rel(path).startswith("vlmtok/i18n/"):
            continue
        keys, prefixes = used_keys(path.read_text(encoding="utf-8"))
        seen |= keys
        if lost := sorted(k for k in keys if k not in ENGLISH):
            missing[_rel(path)] = lost
        if lost := sorted(p for p in prefixes if not any(k.startswith(p) for k in ENGLISH)):
            bad_prefixes[_rel(path)] = lost
    assert missing == {} and bad_prefixes == {}
    assert {"app.describe", "app.tier_alt", "app.failed", "guard.busy", "cli.tokens_sizes"} <= seen  # scan works


def test_key_scan_finds_literal_conditional_and_prefixed_keys():
    source = ('from vlmtok.i18n import t\n'
              'KEYS = {"a": "app.tier_alt", "b": "app.no_such_tier"}\n'
              'x = t("app.nope", lang) + i18n.t("guard.busy" if busy else "guard.nope", lang)\n'
              'y = t(f"app.col_{name}", lang) + t(f"app.zzz_{name}", lang)\n'
              'z = _failure(exc, lang, key="app.nothing_here"); open("app.py"); other("plain text.")\n')
    keys, prefixes = used_keys(source)
    assert keys == {"app.tier_alt", "app.no_such_tier", "app.nope", "guard.busy", "guard.nope", "app.nothing_here"}
    assert prefixes == {"app.col_", "app.zzz_"}
    assert sorted(k for k in keys if k not in ENGLISH) == ["app.no_such_tier", "app.nope", "app.nothing_here",
                                                           "guard.nope"]


def test_keys_built_from_names_exist():
    """Keys put together at run time: ledger headings, voices, pack and SmolVLM failure kinds."""
    from vlmtok.app.compare import LEDGER_COLUMNS
    from vlmtok.app.strings import AUDIENCE_KEYS, PRESET_KEYS, TIER_KEYS
    from vlmtok.encoders.weights import OfflinePackError
    from vlmtok.speech import list_engines

    built = ([f"compare.col_{name}" for name in LEDGER_COLUMNS] + [f"app.voice_{name}" for name in list_engines()]
             + [OfflinePackError("x", kind).key for kind in OfflinePackError.KINDS]
             + [f"smolvlm.{kind}" for kind in ("offline", "failed")]
             + [*TIER_KEYS.values(), *AUDIENCE_KEYS.values(), *PRESET_KEYS.values()])
    assert [k for k in built if k not in ENGLISH] == []


# ----------------------------------------------------------------------------------------------------------------
# the errors a visitor meets share one base and read their words from the catalogues


def _visitor_errors():
    from vlmtok.encoders.weights import OfflinePackError
    from vlmtok.images import ImageInputError
    from vlmtok.smolvlm.loading import SmolVLMUnavailable

    return [(ImageInputError("too_small", width=8, height=9, min_side=16), ValueError),
            (ImageInputError("unsupported_format", detected="pdf"), ValueError),
            (OfflinePackError("pip exited 1", kind="broken"), RuntimeError),
            (OfflinePackError("pip exited 1", kind="nonsense"), RuntimeError),
            (SmolVLMUnavailable("not cached, Hub unreachable"), RuntimeError),
            (SmolVLMUnavailable("bad weights", kind="failed"), RuntimeError)]


@pytest.mark.parametrize("err,base", _visitor_errors(), ids=lambda v: getattr(v, "key", ""))
def test_visitor_errors_read_the_catalogues_and_survive_pickling(err, base):
    assert isinstance(err, VisitorError) and isinstance(err, base)
    en, vi = err.user_message_for("en"), err.user_message_for("vi")
    assert en == ENGLISH[err.key].format(**err.details) and vi == i18n.catalogue("vi")[err.key].format(**err.details)
    assert en != vi and err.user_message == en
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is type(err) and str(again) == str(err) and again.key == err.key
    assert again.user_message_for("vi") == vi and getattr(again, "kind", None) == getattr(err, "kind", None)


def test_guarded_visitor_error_shows_its_own_message():
    from vlmtok import guard
    from vlmtok.images import ImageInputError

    def refuse():
        raise ImageInputError("empty")

    g = guard.guarded(refuse, timeout_s=5, lang="vi")
    assert g.kind == "failed" and g.message == ImageInputError("empty").user_message_for("vi")


def test_every_language_says_how_it_is_spoken():
    """A language's voices and word counts come from its catalogue, so a new language is one file."""
    from vlmtok.narrate.prompts import LANG_WORD_FACTOR
    from vlmtok.speech.espeak import VOICES
    from vlmtok.speech.google import LANGS

    for lang in i18n.LANGUAGES:
        facts = i18n.language_facts(lang)
        assert set(facts) == set(i18n.language_facts("en")), lang
        assert VOICES[lang] == facts["espeak_voice"] and LANGS[lang] == facts["gtts_lang"]
        assert LANG_WORD_FACTOR[lang] == facts["words_per_word"] > 0
    with pytest.raises(ValueError):
        i18n.language_facts("fr")
