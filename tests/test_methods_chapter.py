"""The methods appendix: tables from the manifest, or a sentence when it lists nothing."""

from __future__ import annotations

import pandas as pd

from snalib.chapters import methods
from snalib.publish.tables import PublishedTable
from tests.chapter_runs import write_run

MANIFEST = {
    "sna_version": "1.2.3",
    "code": {"commit": "0123456789abcdef0123", "dirty": True},
    "params": {"report_year": "2021/22", "definition": {"priority_age_limit": 25}},
    "inputs": [
        {
            "source": "crimes",
            "format": "canonical",
            "path": "crimes.csv",
            "files": [{"bytes": 2048, "sha256": "ab" * 32}],
            "rows_in": 20,
            "included": 19,
            "excluded": 0,
            "rejected": 1,
        }
    ],
    "environment": {"versions": {"python": "3.11.9", "pandas": "2.2.2"}},
    "stages": [{"stage": "validate inputs", "status": "ok", "seconds": 1.25}],
}


def test_code_version_names_the_commit_and_uncommitted_changes(tmp_path):
    run = write_run(tmp_path / "run", manifest=MANIFEST)
    assert methods.code_version(run) == (
        "Code: sna 1.2.3, git commit `0123456789ab` with uncommitted changes."
    )


def test_methods_tables_are_published_from_the_manifest(tmp_path):
    run = write_run(tmp_path / "run", manifest=MANIFEST)
    for table in (
        methods.inputs_table(run),
        methods.parameters_table(run),
        methods.versions_table(run),
        methods.stages_table(run),
    ):
        assert isinstance(table, PublishedTable)
    inputs = pd.read_csv(run.dir / "tables" / "provenance_inputs.csv")
    assert inputs.loc[0, "sha256"] == "ab" * 8 + "…" and inputs.loc[0, "rejected"] == 1
    parameters = pd.read_csv(run.dir / "tables" / "provenance_parameters.csv", dtype=str)
    assert parameters.values.tolist() == [
        ["report_year", "2021/22"],
        ["definition.priority_age_limit", "25"],
    ]
    versions = pd.read_csv(run.dir / "tables" / "provenance_versions.csv")
    assert list(versions["component"]) == ["pandas", "python"]
    stages = pd.read_csv(run.dir / "tables" / "provenance_stages.csv")
    assert stages.values.tolist() == [["validate inputs", "ok", 1.25]]


def test_methods_say_why_when_the_manifest_lists_nothing(tmp_path):
    run = write_run(tmp_path / "run")  # no manifest.json yet
    assert methods.code_version(run).startswith("Code: sna unknown (not run from a git checkout")
    assert methods.inputs_table(run) == "No input is recorded: the run's manifest lists none."
    assert methods.parameters_table(run).startswith("No parameters are recorded")
    assert methods.versions_table(run).startswith("No software versions are recorded")
    assert methods.stages_table(run).startswith("No pipeline stage is recorded")
    # The tables are still written, with their columns, for whoever reads tables/.
    stages = pd.read_csv(run.dir / "tables" / "provenance_stages.csv")
    assert list(stages.columns) == ["stage", "status", "seconds"] and stages.empty
