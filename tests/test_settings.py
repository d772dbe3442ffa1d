"""vlmtok.settings: the one place that reads the environment, its README table, and how values are parsed."""
from __future__ import annotations

import ast
import logging
import re
import sys
from pathlib import Path

import pytest

from vlmtok import settings

ROOT = Path(__file__).resolve().parents[1]
ENV_ATTRS = {"environ", "environb", "getenv", "getenvb"}
WRITE_METHODS = {"setdefault", "update", "pop", "popitem", "clear", "__setitem__", "__delitem__"}


# ---------------------------------------------------------------------------------------------- (a) no reads elsewhere


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _env_write_name(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str | None:
    """For ``os.environ`` at ``node``: the variable it writes (``os.environ.setdefault("X", ..)``,
    ``os.environ["X"] = ..``, ``del os.environ["X"]``), or None if this use is a read."""
    parent = parents.get(node)
    if isinstance(parent, ast.Subscript) and isinstance(parent.ctx, (ast.Store, ast.Del)):
        key = parent.slice
    elif isinstance(parent, ast.Attribute) and parent.attr in WRITE_METHODS:
        call = parents.get(parent)
        if not (isinstance(call, ast.Call) and call.func is parent and call.args):
            return None
        key = call.args[0]
    else:
        return None
    return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else "?"


def environment_uses(source: str) -> list[tuple[int, str, str | None]]:
    """Every use of the process environment in ``source``: ``(line, what, written variable or None)``."""
    tree = ast.parse(source)
    parents = _parents(tree)
    env_names: set[str] = set()                # local names bound by ``from os import environ`` and the like
    uses: list[tuple[int, str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("os", "posix", "nt"):
            for a in node.names:
                if a.name in ENV_ATTRS or a.name == "*":
                    env_names.add(a.asname or a.name)
                    uses.append((node.lineno, f"from {node.module} import {a.name}", None))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ENV_ATTRS:    # os.environ, o.getenv, any alias of os
            written = _env_write_name(node, parents) if node.attr == "environ" else None
            uses.append((node.lineno, f"{ast.unparse(node)}", written))
        elif isinstance(node, ast.Name) and node.id in env_names and isinstance(node.ctx, ast.Load):
            written = _env_write_name(node, parents) if node.id == "environ" else None
            uses.append((node.lineno, node.id, written))
    return sorted(uses, key=lambda u: u[0])


def _project_modules() -> list[Path]:
    return sorted((ROOT / "vlmtok").rglob("*.py")) + [ROOT / "app.py"]


def test_the_scan_sees_reads_and_writes():
    src = (
        "import os\nimport os as o\nfrom os import environ, getenv as ge\n"
        "a = os.environ.get('A')\nb = os.getenv('B')\nc = o.environ['C']\nd = environ.get('D')\ne = ge('E')\n"
        "f = {**os.environ}\nos.environ.setdefault('W', '1')\nos.environ['X'] = '1'\ndel os.environ['Y']\n"
        "g = __import__('os').environ\n"
    )
    uses = environment_uses(src)
    reads = [(line, what) for line, what, written in uses if written is None]
    writes = sorted(written for _, _, written in uses if written is not None)
    assert [line for line, _ in reads] == [3, 3, 4, 5, 6, 7, 8, 9, 13]
    assert writes == ["W", "X", "Y"]


def test_only_settings_reads_the_environment():
    allowed = {(w.path, w.name) for w in settings.WRITES}
    found = []
    for path in _project_modules():
        rel = path.relative_to(ROOT).as_posix()
        if rel == "vlmtok/settings.py":
            continue
        for line, what, written in environment_uses(path.read_text(encoding="utf-8")):
            if written is None or (rel, written) not in allowed:
                found.append(f"{rel}:{line}: {what}" + (f" writes {written}" if written else ""))
    assert not found, "read the environment through vlmtok.settings (or list a write in settings.WRITES):\n" + \
        "\n".join(found)


def test_every_allowed_write_exists_and_says_why():
    for w in settings.WRITES:
        uses = environment_uses((ROOT / w.path).read_text(encoding="utf-8"))
        assert any(written == w.name for _, _, written in uses), f"{w.path} no longer writes {w.name}"
        assert w.reason.strip()


def test_settings_is_the_bottom_layer():
    tree = ast.parse((ROOT / "vlmtok" / "settings.py").read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    # the standard library only: nothing of vlmtok's and nothing installed, so every layer may read it
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_every_setting_names_who_reads_it():
    for s in settings.SETTINGS:
        assert s.help.strip() and s.readers, s.name
        for reader in s.readers:
            assert (ROOT / reader.split()[0]).is_file(), f"{s.name}: {reader}"
    assert len({s.name for s in settings.SETTINGS}) == len(settings.SETTINGS)


# ---------------------------------------------------------------------------------------------- (b) the README table


def _readme_settings() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Settings\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert section, "README.md has no '## Settings' section"
    rows: dict[str, str] = {}
    for line in section.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or cells[0] in ("name", "---"):
            continue
        name = cells[0].strip("`")
        assert name not in rows, f"{name} appears twice in the README's settings table"
        rows[name] = cells[1].replace("`", "")
    return rows


def test_readme_lists_every_setting_and_nothing_else():
    rows = _readme_settings()
    names = {s.name for s in settings.SETTINGS}
    assert sorted(names - rows.keys()) == [], "settings missing from the README table"
    assert sorted(rows.keys() - names) == [], "README rows that are not settings"
    for s in settings.SETTINGS:
        assert rows[s.name] == s.default_text, f"{s.name}: README says {rows[s.name]!r}, settings {s.default_text!r}"


# ---------------------------------------------------------------------------------------------- (c) parsing


def _clear(monkeypatch):
    for s in settings.SETTINGS:
        monkeypatch.delenv(s.name, raising=False)


def test_defaults_when_nothing_is_set(monkeypatch):
    _clear(monkeypatch)
    assert settings.cache_root_override() is None and settings.xdg_cache_home() is None
    assert settings.offline_forced() is False and settings.hf_hub_offline() is False
    assert settings.hf_endpoint() == "https://huggingface.co"
    assert settings.forced_device() == ""
    assert settings.generate_workers() == 1 and settings.zero_gpu() is False
    assert settings.pip_timeout_s() == 600.0 and settings.request_timeout_s() == 120.0
    assert settings.speech_cache_mb() == 256.0 and settings.piper_voice() is None
    assert settings.gtts_url().startswith("https://translate.google.com/")
    assert settings.public() is False and settings.on_space() is False
    assert (settings.concurrency(), settings.queue_size(), settings.max_file_size()) == (2, 64, "20mb")
    assert settings.ci() is False and settings.axe_js() is None


@pytest.mark.parametrize("raw, on", [("1", True), ("true", True), ("TRUE", True), ("yes", True), ("Yes", True),
                                     ("0", False), ("false", False), ("no", False), ("", False), ("on", False)])
def test_booleans(monkeypatch, raw, on):
    monkeypatch.setenv("VLMTOK_OFFLINE", raw)
    monkeypatch.setenv("HF_HUB_OFFLINE", raw)
    assert settings.offline_forced() is on and settings.hf_hub_offline() is on


def test_public_needs_exactly_one_or_a_space(monkeypatch):
    _clear(monkeypatch)
    monkeypatch.setenv("VLMTOK_PUBLIC", "true")
    assert settings.public() is False                     # as before: only "1" turns it on
    monkeypatch.setenv("VLMTOK_PUBLIC", "1")
    assert settings.public() is True
    monkeypatch.delenv("VLMTOK_PUBLIC")
    monkeypatch.setenv("SPACE_ID", "owner/space")
    assert settings.public() is True


def test_reads_are_live(monkeypatch, tmp_path):
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path / "a"))
    assert settings.cache_root_override() == str(tmp_path / "a")
    monkeypatch.setenv("VLMTOK_CACHE", str(tmp_path / "b"))
    assert settings.cache_root_override() == str(tmp_path / "b")
    monkeypatch.setenv("VLMTOK_CACHE", "")
    assert settings.cache_root_override() is None         # blank is unset, as before


def test_numbers_parse(monkeypatch):
    monkeypatch.setenv("VLMTOK_REQUEST_TIMEOUT_S", "30.5")
    monkeypatch.setenv("VLMTOK_QUEUE_SIZE", " 8 ")
    assert settings.request_timeout_s() == 30.5 and settings.queue_size() == 8


@pytest.mark.parametrize("name, raw, default", [("VLMTOK_REQUEST_TIMEOUT_S", "soon", 120.0),
                                                ("VLMTOK_PIP_TIMEOUT", "", 600.0),
                                                ("VLMTOK_SPEECH_CACHE_MB", "lots", 256.0),
                                                ("VLMTOK_CONCURRENCY", "2.5", 2),
                                                ("VLMTOK_GENERATE_WORKERS", "many", 1)])
def test_a_bad_number_logs_and_falls_back_to_the_default(monkeypatch, caplog, name, raw, default):
    settings._WARNED.discard((name, raw))
    monkeypatch.setenv(name, raw)
    with caplog.at_level(logging.WARNING, logger="vlmtok.settings"):
        assert settings.get(name) == default
        assert settings.get(name) == default
    warnings = [r for r in caplog.records if r.name == "vlmtok.settings" and name in r.getMessage()]
    assert len(warnings) == 1                                 # once per value, not on every call


def test_blank_text_settings_keep_their_old_meaning(monkeypatch):
    monkeypatch.setenv("VLMTOK_GTTS_URL", "")
    monkeypatch.setenv("VLMTOK_PIPER_VOICE", "")
    monkeypatch.setenv("VLMTOK_MAX_FILE_SIZE", "")
    assert settings.gtts_url().startswith("https://translate.google.com/")   # blank: the default, as before
    assert settings.piper_voice() is None
    assert settings.max_file_size() == "20mb"           # blank is unset: Gradio took "" for no limit at all


def test_child_environment_adds_to_this_one(monkeypatch):
    monkeypatch.setenv("VLMTOK_CACHE", "/somewhere")
    env = settings.child_environment({"VLMTOK_CACHE": "/elsewhere", "GRADIO_SERVER_PORT": "1"})
    assert env["VLMTOK_CACHE"] == "/elsewhere" and env["GRADIO_SERVER_PORT"] == "1" and "PATH" in env


def test_an_unknown_name_is_an_error():
    with pytest.raises(KeyError):
        settings.get("VLMTOK_NO_SUCH_THING")


@pytest.mark.parametrize("name, raw", [("VLMTOK_MAX_FILE_SIZE", "lots"), ("VLMTOK_MAX_FILE_SIZE", "0mb"),
                                       ("VLMTOK_REQUEST_TIMEOUT_S", "-5"), ("VLMTOK_DECODER_MEMORY_MB", "3"),
                                       ("VLMTOK_SPEECH_CACHE_MB", "-1"), ("VLMTOK_DECODER_CPU_S", "soon")])
def test_a_bad_value_warns_once_and_the_default_is_used(name, raw, monkeypatch, caplog):
    monkeypatch.setenv(name, raw)
    settings._WARNED.discard((name, raw))
    with caplog.at_level("WARNING", logger="vlmtok.settings"):
        settings.check()
        settings.check()
    default = settings.setting(name).default
    assert (settings.max_file_size() if name == "VLMTOK_MAX_FILE_SIZE" else settings.get(name)) == default
    said = [r.getMessage() for r in caplog.records if name in r.getMessage()]
    assert len(said) == 1 and repr(raw) in said[0] and "default" in said[0], said


@pytest.mark.parametrize("name", ["VLMTOK_CONCURRENCY", "VLMTOK_QUEUE_SIZE", "VLMTOK_DECODERS",
                                  "VLMTOK_GENERATE_WORKERS"])
def test_values_that_would_stop_the_app_are_refused_at_start_up(name, monkeypatch):
    import subprocess

    monkeypatch.setenv(name, "0")
    with pytest.raises(settings.SettingError, match=f"{name}=0 would stop the app"):
        settings.check()
    monkeypatch.setenv(name, "-3")
    with pytest.raises(settings.SettingError, match="at least 1"):
        settings.get(name)
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(root / "app.py")], cwd=root, capture_output=True, text=True,
                          env=settings.child_environment({name: "0"}), timeout=120)
    assert done.returncode != 0 and f"{name}=0 would stop the app" in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Unset it for the default" in done.stderr
