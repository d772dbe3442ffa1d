"""The house stays straight: no import loop inside vlmtok, and nothing imports upward in the pipeline's order.

Every import counts: module level, inside functions, and ``importlib.import_module("vlmtok....")`` with a literal
(or an f-string's literal prefix). Importing ``a.b.c`` also runs ``a.b``'s ``__init__``, so a module depends on the
packages above its target too, except those it sits in itself (they are already being imported).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "vlmtok"

# Lowest first. A module may import modules of its own layer or below, never above.
LAYERS: list[tuple[str, ...]] = [
    ("settings", "i18n", "errors", "choices", "text", "net", "paths", "cache", "device", "hub", "guard"),
    ("images", "decoder", "frame"),
    ("smolvlm",),
    ("encoders",),
    ("tokens",),
    ("ledger",),
    ("visualize",),
    ("narrate",),
    ("speech",),
    ("session",),
    ("pack",),
    ("app",),
    ("bench",),
    ("cli", "__main__"),
]


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


MODULES = _modules()


def _under_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _imported_names(name: str, path: Path) -> set[str]:
    """Every vlmtok module ``name`` makes Python import (its own package ancestors excepted)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if _under_type_checking(node, parents):
            continue
        if isinstance(node, ast.Import):
            targets |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([node.module] if node.module else []))
            targets |= {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names}
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("import_module") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                targets.add(arg.value)
            elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                targets.add(str(arg.values[0].value).rstrip("."))
    own = {".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 1)}
    deps = set()
    for target in targets:
        parts = target.split(".")
        for k in range(2, len(parts) + 1):          # "vlmtok" itself is lazy: importing it imports nothing
            dep = ".".join(parts[:k])
            if dep in MODULES and dep != name and (dep == target or dep not in own):
                deps.add(dep)
    return deps


GRAPH = {name: _imported_names(name, path) for name, path in MODULES.items()}


def _layer(module: str) -> int:
    top = module.split(".")[1] if module.count(".") else ""
    for index, layer in enumerate(LAYERS):
        if top in layer:
            return index
    raise AssertionError(f"{module} is in no layer of tests/test_house.py: place it")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_module_has_a_layer():
    for module in MODULES:
        if module != "vlmtok":
            _layer(module)


def test_no_import_loops():
    assert _cycles(GRAPH) == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "vlmtok"))
def test_nothing_imports_upward(module):
    upward = sorted(dep for dep in GRAPH[module] if _layer(dep) > _layer(module))
    assert upward == [], f"{module} imports a higher layer"


def test_the_package_root_imports_nothing_eagerly():
    assert GRAPH["vlmtok"] == set()


def test_the_checker_sees_loops_and_upward_imports(tmp_path):
    """The checks above would catch a real loop and a real upward import (function-local and by importlib)."""
    fake = {"vlmtok.images": {"vlmtok.ledger"}, "vlmtok.ledger": {"vlmtok.images"}}
    assert _cycles(fake) == [["vlmtok.images", "vlmtok.ledger"]]
    source = tmp_path / "images.py"
    source.write_text("def f():\n    import importlib\n    from vlmtok.app import callbacks\n"
                      "    return importlib.import_module(f'vlmtok.cli.{1}')\n", encoding="utf-8")
    deps = _imported_names("vlmtok.images", source)
    assert {"vlmtok.app.callbacks", "vlmtok.app", "vlmtok.cli"} <= deps
    assert any(_layer(d) > _layer("vlmtok.images") for d in deps)
