"""Repository hygiene that reviewers and CI rely on."""

from __future__ import annotations

import json
import re

import pytest

from snalib.pipeline.notebooks import NOTEBOOKS
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
