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
from vlmtok import settings

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
    """The requirements in a pip requirements file, comments, blank lines and the constraints line dropped; other
    options are refused."""
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = COMMENT.sub("", raw).strip()
        if not line or line == "-c constraints.txt":
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


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in requirement_lines(path):
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{path.name}: {line} is not an exact version"
        pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_requirements_are_ranges_and_the_tested_set_fits_them(pyproject):
    """No exact pin in the package's requirements (installing vlmtok must not replace a user's own torch); every
    version in constraints.txt satisfies them, and requirements.txt reads constraints.txt (the Space installs it)."""
    pins = _pins(ROOT / "constraints.txt")
    for line in pyproject["project"]["dependencies"]:
        req = Requirement(line)
        assert all(s.operator != "==" for s in req.specifier), f"{line}: an exact pin"
        name = canonicalize_name(req.name)
        if name in pins:
            assert req.specifier.contains(pins[name]), f"constraints.txt {name}=={pins[name]} does not fit {line}"
    assert {"torch", "gtts", "huggingface-hub", "click", "transformers"} <= pins.keys()
    assert "-c constraints.txt" in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()


def test_this_environment_was_installed_with_the_constraints():
    """CI installs with constraints.txt (through requirements.txt): the versions it tests are the pinned ones."""
    from importlib.metadata import PackageNotFoundError, version

    if not settings.ci():
        pytest.skip("a development environment may hold other versions; CI's may not")
    for name, pinned in _pins(ROOT / "constraints.txt").items():
        try:
            assert version(name) == pinned, f"{name} {version(name)} installed, constraints.txt says {pinned}"
        except PackageNotFoundError:
            pytest.fail(f"{name} is pinned in constraints.txt but not installed")


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


def test_gradio_telemetry_is_off_unless_asked(monkeypatch):
    """The app starts Gradio with its usage reports off; a user who sets GRADIO_ANALYTICS_ENABLED keeps their choice."""
    from gradio.analytics import analytics_enabled

    from vlmtok.app.main import telemetry_off

    monkeypatch.delenv("GRADIO_ANALYTICS_ENABLED", raising=False)
    telemetry_off()
    assert not analytics_enabled()
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "True")
    telemetry_off()
    assert analytics_enabled()


# ----------------------------------------------------------------------------------------------------------------
# The built wheel, installed into a fresh venv outside the repository


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """The wheel built from this checkout, installed (without its dependencies) into a fresh venv in a temporary
    folder; the dependencies are this interpreter's, reached through a ``.pth`` line (an editable vlmtok there is
    not: a ``.pth`` file in a folder added that way is never read, and the venv's own site-packages comes first)."""
    import site
    import sysconfig

    tmp = tmp_path_factory.mktemp("installed")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"),
                            str(ROOT)], cwd=tmp, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp / "dist").glob("vlmtok-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "venv")], check=True, timeout=120)
    python = tmp / "venv" / "bin" / "python"
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                           str(wheel)], cwd=tmp, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    outer = [p for p in {*site.getsitepackages(), sysconfig.get_paths()["purelib"]} if Path(p).is_dir()]
    (Path(purelib) / "outer-dependencies.pth").write_text("\n".join(outer) + "\n")
    home = tmp / "home"
    home.mkdir()
    return {"bin": tmp / "venv" / "bin", "home": home, "purelib": Path(purelib), "tmp": tmp}


def _installed_env(installed: dict[str, Path], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VLMTOK_CACHE", "VIRTUAL_ENV")}
    return {**env, "HOME": str(installed["home"]), "VLMTOK_CACHE": str(installed["tmp"] / "cache"),
            "HF_HUB_OFFLINE": "1", "VLMTOK_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", **extra}


def test_the_installed_package_is_the_wheel_and_carries_its_examples(installed):
    code = ("import vlmtok, vlmtok.paths as p; print(vlmtok.__file__); print(p.examples_dir()); "
            "print(sorted(x.name for x in p.examples_dir().iterdir()))")
    out = subprocess.run([str(installed["bin"] / "python"), "-c", code], cwd=installed["home"],
                         env=_installed_env(installed), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    package_file, examples, names = out.stdout.splitlines()
    assert Path(package_file).is_relative_to(installed["purelib"]), package_file
    assert Path(examples) == installed["purelib"] / "vlmtok" / "examples"
    assert {"CREDITS.json", "great_wave_off_kanagawa.jpg"} <= set(eval(names))  # noqa: S307 - our own output
    assert set(eval(names)) == {p.name for p in (ROOT / "examples").iterdir()}  # noqa: S307


def test_the_installed_app_command_answers_help_without_heavy_imports(installed):
    out = subprocess.run([str(installed["bin"] / "vlmtok"), "app", "--help"], cwd=installed["home"],
                         env=_installed_env(installed), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for option in ("--port", "--offline", "--narrator", "--pack", "--public"):
        assert option in out.stdout


def test_the_installed_app_serves_its_first_page_with_its_examples(installed):
    import json
    import urllib.request

    from vlmtok.bench.app import free_port, wait_for_page

    port = free_port()
    env = _installed_env(installed, GRADIO_TEMP_DIR=str(installed["tmp"] / "gradio"))
    log_path = installed["tmp"] / "app.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(installed["bin"] / "vlmtok"), "app", "--port", str(port), "--offline"],
                                cwd=installed["home"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_page(f"http://127.0.0.1:{port}/", proc)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=30) as resp:
                text = json.dumps(json.loads(resp.read()))
            urls = re.findall(r'"url": "([^"]*great_wave_off_kanagawa\.jpg)"', text)
            assert urls, log_path.read_text(errors="replace")[-3000:]
            with urllib.request.urlopen(urls[0], timeout=30) as resp:        # the example, served
                served = resp.read()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert served == (ROOT / "examples" / "great_wave_off_kanagawa.jpg").read_bytes()


def test_the_installed_command_describes_an_example(installed):
    example = installed["purelib"] / "vlmtok" / "examples" / "durer_lion.jpg"
    out = subprocess.run([str(installed["bin"] / "vlmtok"), "describe", str(example), "--tier", "alt"],
                         cwd=installed["home"], env=_installed_env(installed), capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert len(out.stdout.split()) >= 5, out.stdout
