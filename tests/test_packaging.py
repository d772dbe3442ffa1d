"""The package: pyproject.toml agrees with the requirements files, ships every data file, and reports its version.

requirements.txt stays the source Hugging Face Spaces installs from, so pyproject.toml must list the very same
requirements; a drift between the two fails here, not on a fresh machine.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import vlmtok

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "vlmtok"
COMMENT = re.compile(r"(^|\s)#.*$")  # pip's rule: a # at the start or after whitespace begins a comment


def _toml_loads():
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            try:
                from pip._vendor import tomli as tomllib  # pip vendors a TOML reader on 3.10
            except ImportError:
                pytest.skip("no TOML reader: Python 3.10 without tomli (or pip's vendored copy)")
    return tomllib.loads


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return _toml_loads()((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def normalise(line: str) -> str:
    """One requirement in a canonical spelling: ``huggingface_hub >= 1.0`` and ``huggingface-hub>=1.0`` agree."""
    req = Requirement(line)
    extras = f"[{','.join(sorted(canonicalize_name(e) for e in req.extras))}]" if req.extras else ""
    marker = f"; {req.marker}" if req.marker else ""
    url = f" @ {req.url}" if req.url else ""
    return f"{canonicalize_name(req.name)}{extras}{req.specifier}{url}{marker}"


def requirement_lines(path: Path) -> list[str]:
    """The requirements in a pip requirements file, comments and blank lines dropped; options are refused."""
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = COMMENT.sub("", raw).strip()
        if not line:
            continue
        assert not line.startswith("-"), f"{path.name}: pip option {line!r} has no place in pyproject.toml"
        lines.append(normalise(line))
    return lines


def _same(listed: list[str], wanted: list[str], what: str) -> None:
    got = [normalise(r) for r in listed]
    assert len(set(got)) == len(got), f"{what}: a requirement is listed twice: {got}"
    missing, extra = sorted(set(wanted) - set(got)), sorted(set(got) - set(wanted))
    assert not missing and not extra, f"{what}: missing {missing}, not in the requirements file {extra}"


def test_normalise_tells_real_differences_apart():
    assert normalise("huggingface_hub >= 1.0") == normalise("Huggingface-Hub>=1.0")
    assert normalise("gradio>=6.0,<7") == normalise("gradio<7, >=6.0")
    assert normalise("torch==2.14.1") != normalise("torch==2.14.0")
    assert normalise("pillow>=12.0,<13") != normalise("pillow>=12.0")


def test_comments_and_blank_lines_are_not_requirements(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# a comment\n\ntorch==2.14.1  # pinned\n  numpy>=1.26\t# tab\n", encoding="utf-8")
    assert requirement_lines(req) == ["torch==2.14.1", "numpy>=1.26"]


def test_dependencies_are_requirements_txt(pyproject):
    _same(pyproject["project"]["dependencies"], requirement_lines(ROOT / "requirements.txt"), "dependencies")


def test_test_extra_is_requirements_test_txt(pyproject):
    _same(pyproject["project"]["optional-dependencies"]["test"], requirement_lines(ROOT / "requirements-test.txt"),
          "optional-dependencies.test")


def test_the_ray_extra_is_installed_by_the_tests(pyproject):
    """``pip install vlmtok[ray]`` gives the Ray engine; CI installs requirements-test.txt, so its test runs there."""
    extras = pyproject["project"]["optional-dependencies"]
    ray = [normalise(r) for r in extras["ray"]]
    assert ray and all(Requirement(r).name == "ray" and "data" in Requirement(r).extras for r in ray)
    assert set(ray) <= set(requirement_lines(ROOT / "requirements-test.txt"))


def test_version_comes_from_the_package(pyproject):
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "vlmtok.__version__"}
    assert pyproject["project"]["scripts"]["vlmtok"] == "vlmtok.cli:main"


def test_every_subpackage_has_an_init():
    """Discovery skips namespace packages (``namespaces = false``): a folder of modules without one is not shipped."""
    for folder in [PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir() and p.name != "__pycache__")]:
        if any(folder.glob("*.py")):
            assert (folder / "__init__.py").is_file(), f"{folder.relative_to(ROOT)} has modules but no __init__.py"


def test_package_data_globs_cover_every_data_file(pyproject):
    """Each non-Python file inside vlmtok/ matches a package-data glob, so a wheel carries it (py.typed included)."""
    assert (PACKAGE / "py.typed").is_file()
    shipped = set()
    for package, patterns in pyproject["tool"]["setuptools"]["package-data"].items():
        base = ROOT.joinpath(*package.split("."))
        for pattern in patterns:
            shipped.update(p for p in base.glob(pattern) if p.is_file())
    data = {p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix not in
            (".py", ".pyc", ".pyi")}  # .pyi: the stub Gradio writes beside vlmtok/app/page.py, not shipped
    assert data, "vlmtok/ holds no data files at all: the globs are not being tested"
    missing = sorted(str(p.relative_to(ROOT)) for p in data - shipped)
    assert not missing, f"not matched by [tool.setuptools.package-data]: {missing}"


def _vlmtok(*args: str, script: bool = False) -> subprocess.CompletedProcess:
    if script:
        found = Path(sys.executable).with_name("vlmtok")  # the console script pip put beside this interpreter
        if not found.exists():
            pytest.skip("the vlmtok command is not installed here (pip install -e .)")
        cmd = [str(found), *args]
    else:
        cmd = [sys.executable, "-m", "vlmtok", *args]
    # this checkout's vlmtok, even where a non-editable copy is installed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("script", [False, True], ids=["python -m vlmtok", "vlmtok"])
def test_version_prints_the_package_version(script):
    out = _vlmtok("--version", script=script)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"vlmtok {vlmtok.__version__}\n"


@pytest.mark.parametrize("script", [False, True], ids=["python -m vlmtok", "vlmtok"])
def test_no_command_prints_help_and_exits_2(script):
    out = _vlmtok(script=script)
    assert out.returncode == 2, out.stderr
    assert out.stdout.startswith("usage: vlmtok ") and "--version" in out.stdout


def test_version_and_help_import_no_heavy_library():
    code = ("import sys\nfrom vlmtok.cli import main\n"
            "for argv in (['--version'], ['--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit as e:\n        assert e.code == 0, e.code\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'timm', 'gradio', 'transformers', "
            "'numpy', 'PIL'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]"
