"""The shape of the package: no import cycle, no import hidden inside a function.

The import graph is built statically, with ``ast``, from every ``snalib/**/*.py``: an edge
goes from a module to each snalib module it imports, at module level or inside a function.
``from a.b import c`` is an edge to ``a.b.c`` when that is a module, else to ``a.b``;
importing ``a.b.c`` is not counted as importing its parent packages.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import snalib

PACKAGE = Path(snalib.__file__).parent

#: Imports of snalib modules inside a function, allowed: (importing module, imported module).
#: Each needs a reason that is not "it would be an import cycle".
ALLOWED_FUNCTION_IMPORTS: dict[tuple[str, str], str] = {
    # `sna --help` and argument errors answer in about 0.06 s instead of about 1.9 s: each
    # command imports the stages it runs (pandas, pydantic, papermill) only when it runs.
    ("snalib.cli", "snalib.params"): "CLI start-up time",
    ("snalib.cli", "snalib.pipeline.build"): "CLI start-up time",
    ("snalib.cli", "snalib.pipeline.reports"): "CLI start-up time",
    ("snalib.cli", "snalib.synth"): "CLI start-up time",
}


@dataclass(frozen=True)
class Import:
    """One import of a module of the package, where it is written."""

    source: str  # the importing module
    target: str  # the imported module
    line: int
    in_function: bool


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` file below ``root`` (package ``package``)."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _function_nodes(tree: ast.AST) -> set[int]:
    """ids of the import statements written inside a function (at any depth)."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            inside |= {
                id(sub) for sub in ast.walk(node) if isinstance(sub, ast.Import | ast.ImportFrom)
            }
    return inside


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module a ``from ... import`` names, relative imports resolved."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_in(modules: dict[str, Path]) -> list[Import]:
    """Every import, by a module of ``modules``, of another module of ``modules``."""
    found = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        in_function = _function_nodes(tree)
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, module, path.name == "__init__.py")
                for alias in node.names:
                    name = f"{base}.{alias.name}"
                    targets.append(name if name in modules else base)
            for target in dict.fromkeys(targets):  # once a statement, in order
                if target in modules and target != module:
                    found.append(Import(module, target, node.lineno, id(node) in in_function))
    return found


def import_graph(imports: list[Import]) -> dict[str, set[str]]:
    """Module → the modules it imports."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.source, set()).add(imp.target)
        graph.setdefault(imp.target, set())
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` as ``[a, b, ..., a]``, or None when there is none.

    Depth-first search; a module met again while it is still on the search path closes a
    cycle. Iterative, so a deep package cannot hit the recursion limit.
    """
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path = [start]
        on_path = {start}
        pending = [iter(sorted(graph[start]))]
        while pending:
            following = next(pending[-1], None)
            if following is None:  # every module it imports is searched: step back
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                pending.pop()
                continue
            if following in on_path:
                return path[path.index(following) :] + [following]
            if following in done:
                continue
            path.append(following)
            on_path.add(following)
            pending.append(iter(sorted(graph.get(following, ()))))
    return None


# --------------------------------------------------------------------------- the finder


def test_find_cycle_finds_a_three_module_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]


def test_find_cycle_finds_a_module_importing_itself_through_one_other():
    assert find_cycle({"x": {"y"}, "y": {"x"}}) == ["x", "y", "x"]


def test_find_cycle_is_none_for_a_diamond_without_cycle():
    graph = {"top": {"left", "right"}, "left": {"bottom"}, "right": {"bottom"}, "bottom": set()}
    assert find_cycle(graph) is None


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_imports_in_resolves_submodules_functions_and_relative_imports(tmp_path):
    _write(
        tmp_path / "pkg",
        {
            "__init__.py": "",
            "a.py": "from pkg.sub import b\nfrom pkg.sub.b import thing\n",
            "sub/__init__.py": "",
            "sub/b.py": "def f():\n    from ..a import x\n    import pkg.c\n",
            "c.py": "import os\nfrom pkg import sub\n",
        },
    )
    found = imports_in(module_names(tmp_path / "pkg", "pkg"))
    edges = {(i.source, i.target, i.in_function) for i in found}
    assert edges == {
        ("pkg.a", "pkg.sub.b", False),
        ("pkg.sub.b", "pkg.a", True),
        ("pkg.sub.b", "pkg.c", True),
        ("pkg.c", "pkg.sub", False),
    }
    assert find_cycle(import_graph(found)) == ["pkg.a", "pkg.sub.b", "pkg.a"]


# --------------------------------------------------------------------------- snalib


@pytest.fixture(scope="module")
def snalib_imports() -> list[Import]:
    return imports_in(module_names(PACKAGE, "snalib"))


def test_snalib_graph_sees_the_package(snalib_imports):
    # A guard on the scan itself: a broken scan finding nothing would pass every test below.
    graph = import_graph(snalib_imports)
    assert "snalib.params" in graph["snalib.inputs.load"]
    assert "snalib.inputs.contract" in graph["snalib.inputs.sources.canonical"]


def test_snalib_has_no_import_cycle(snalib_imports):
    cycle = find_cycle(import_graph(snalib_imports))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_snalib_imports_its_modules_at_module_level(snalib_imports):
    hidden = [
        f"{imp.source} (line {imp.line}) imports {imp.target}"
        for imp in snalib_imports
        if imp.in_function and (imp.source, imp.target) not in ALLOWED_FUNCTION_IMPORTS
    ]
    assert not hidden, "imports inside a function:\n" + "\n".join(hidden)


def test_allowed_function_imports_are_all_still_needed(snalib_imports):
    used = {(imp.source, imp.target) for imp in snalib_imports if imp.in_function}
    stale = sorted(set(ALLOWED_FUNCTION_IMPORTS) - used)
    assert not stale, f"allow-list entries no longer needed: {stale}"
