"""Repository hygiene that reviewers and CI rely on."""

from __future__ import annotations

import ast
import json
import re

import pytest

from snalib.pipeline.notebooks import NOTEBOOKS
from snalib.render.markdown import markdown_parser, pandoc_identifier
from tests.conftest import ROOT

NOTEBOOK_FILES = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_every_pipeline_notebook_exists_and_every_notebook_is_in_the_pipeline():
    assert {s.notebook for s in NOTEBOOKS} == {p.name for p in NOTEBOOK_FILES}


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name} has stored outputs"
            assert cell["execution_count"] is None, f"{path.name} has execution counts"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_notebooks_have_a_typed_commented_parameters_cell(path):
    nb = json.loads(path.read_text())
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    source = "".join(tagged[0]["source"])
    assert re.search(r"^run_dir: str = .+#", source, re.M), "run_dir must be typed and commented"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_notebook_cells_stay_thin(path):
    """Logic belongs in snalib: no cell longer than a screen, no function definitions."""
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        assert len(source.splitlines()) <= 30, f"{path.name}: a cell is longer than a screen"
        assert not re.search(r"^\s*def |^\s*class ", source, re.M), f"{path.name} defines functions"


#: Statements and expressions that are logic: they belong in snalib, with tests.
LOGIC = (
    ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.With, ast.AsyncWith, ast.Match,
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.IfExp,
    ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
)  # fmt: skip
MAX_STATEMENTS = 3  # an output cell: e.g. one show(...) call
MAX_SETUP_ASSIGNMENTS = 4  # run = RunContext(run_dir) and the chapter's objects


def _cell_label(source: str) -> str | None:
    m = re.search(r"^#\|\s*label:\s*(\S+)", source, re.M)
    return m.group(1) if m else None


def logic_in_cell(source: str, *, setup: bool = False) -> list[str]:
    """What makes a notebook cell more than "load, one call, show" (empty when thin)."""
    code = "\n".join(line for line in source.splitlines() if not line.startswith("#|"))
    tree = ast.parse(code)
    problems = [
        f"{type(node).__name__} at line {node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, LOGIC)
    ]
    statements = [s for s in tree.body if not isinstance(s, ast.Import | ast.ImportFrom)]
    for statement in statements:
        value = statement.value if isinstance(statement, ast.Expr | ast.Assign) else None
        if not isinstance(value, ast.Call | ast.Name):
            problems.append(f"{type(statement).__name__} at line {statement.lineno} is not a call")
    limit = MAX_SETUP_ASSIGNMENTS if setup else MAX_STATEMENTS
    if len(statements) > limit:
        problems.append(f"{len(statements)} statements (at most {limit})")
    return problems


@pytest.mark.parametrize(
    ("source", "thin"),
    [
        ("#| label: x\nshow(chapter.flow_table())", True),
        ("#| label: x\nif public:\n    show(a)\nelse:\n    show(b)", False),
        ("#| label: x\nshow([f(x) for x in xs])", False),
        ("#| label: x\ntable = frame[frame.a > 1]\nshow(table)", False),
        ("#| label: x\na()\nb()\nc()\nd()", False),
    ],
)
def test_logic_in_a_notebook_cell_is_found(source, thin):
    assert (logic_in_cell(source) == []) is thin


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_notebook_cells_hold_no_logic(path):
    """Load, one call per output, show: mode dispatch and frame assembly live in snalib."""
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        source = "".join(cell["source"])
        label = _cell_label(source) or ""
        problems = logic_in_cell(source, setup=label.endswith("setup"))
        assert not problems, f"{path.name} cell {label or '(unlabelled)'}: {problems}"


def _notebook_labels() -> list[tuple[str, str]]:
    return [
        (path.name, label)
        for path in NOTEBOOK_FILES
        for cell in json.loads(path.read_text())["cells"]
        if (label := _cell_label("".join(cell["source"])))
    ]


def test_cell_labels_are_unique_and_clash_with_no_tag_or_heading():
    """Quarto embeds the first cell whose id, label or tag matches, and the label becomes an
    id on the page: a label must name one cell and differ from every tag and heading id."""
    labels = [label for _, label in _notebook_labels()]
    assert len(labels) == len(set(labels)), sorted(x for x in labels if labels.count(x) > 1)
    tags = {
        tag
        for path in NOTEBOOK_FILES
        for cell in json.loads(path.read_text())["cells"]
        for tag in cell.get("metadata", {}).get("tags", [])
    } | {"parameters", "injected-parameters"}
    assert not set(labels) & tags
    md = markdown_parser()
    headings = set()
    for qmd in (ROOT / "reports").rglob("*.qmd"):
        tokens = md.parse(qmd.read_text(encoding="utf-8"))
        headings |= {
            pandoc_identifier(tokens[i + 1].content.split("{")[0].strip())
            for i, token in enumerate(tokens)
            if token.type == "heading_open"
        }
    assert not set(labels) & headings, set(labels) & headings


def test_every_embedded_cell_exists():
    """Each {{< embed >}} in the reports names a labelled cell of a pipeline notebook."""
    embed = re.compile(r"\{\{<\s*embed\s+\.\./\.\./notebooks/(?P<nb>[^#\s]+)#(?P<label>[^\s>]+)")
    labels: dict[str, set[str]] = {}
    for path in NOTEBOOK_FILES:
        nb = json.loads(path.read_text())
        labels[path.name] = {
            m.group(1)
            for c in nb["cells"]
            for m in [re.search(r"^#\|\s*label:\s*(\S+)", "".join(c["source"]), re.M)]
            if m
        }
    found = 0
    for qmd in sorted((ROOT / "reports").rglob("*.qmd")):
        for m in embed.finditer(qmd.read_text()):
            found += 1
            assert m.group("label") in labels.get(m.group("nb"), set()), f"{qmd.name}: {m.group(0)}"
    assert found > 5


def test_no_absolute_machine_paths_in_tracked_text():
    pattern = re.compile(r"/(work|farm|home|Users|tmp)/[A-Za-z]")
    offenders = []
    for path in ROOT.rglob("*"):
        if any(
            part
            in {
                ".git",
                ".venv",
                "outputs",
                "__pycache__",
                ".pytest_cache",
                "sna.egg-info",
                ".ruff_cache",
                "node_modules",
            }
            for part in path.parts
        ):
            continue
        if path.is_file() and path.suffix in {
            ".py",
            ".md",
            ".yaml",
            ".yml",
            ".qmd",
            ".ipynb",
            ".toml",
            ".cfg",
        }:
            if pattern.search(path.read_text(errors="ignore")) and path.name != "test_hygiene.py":
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders
