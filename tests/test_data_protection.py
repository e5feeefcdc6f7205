"""Personal data: identifiers and free text never reach a published file; the rejected rows
file is for the analyst, holds only contract columns and runs no formula.

See docs/data-protection.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from snalib.cli import main
from snalib.csvsafe import safe_text_column
from snalib.inputs.contract import TABLES
from snalib.inputs.personal import looks_personal
from snalib.inputs.sources.base import REJECTED_COLUMNS, SourceResult

PUBLISHED = ("tables", "figures", "sna", "annual-report")
# Identifier and free-text columns of the demo inputs, by file.
PRIVATE = {
    "crimes.csv": ["crime_id", "victim_id", "offender_id"],
    "ed_attendances.csv": ["attendance_id", "location_description"],
    "ambulance.csv": ["incident_id"],
    "homicides.csv": ["homicide_id"],
    "survey.csv": ["respondent_id"],
}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("protect") / "demo"
    argv = ["demo", "--scale", "0.02", "--renderer", "builtin", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    return out


def _private_values(inputs: Path) -> set[str]:
    values: set[str] = set()
    for name, columns in PRIVATE.items():
        frame = pd.read_csv(inputs / name, dtype=str, keep_default_na=False)
        for column in columns:
            # Short values ("V1") could match any text by chance; the demo's ids are long.
            values |= {v for v in frame[column] if len(v) >= 6}
    return values


def test_published_files_hold_no_identifier_or_free_text_of_the_inputs(demo_run):
    inputs = demo_run.parent / f"{demo_run.name}-input"
    private = _private_values(inputs)
    assert len(private) > 1000  # the check looks for something
    published = [
        p
        for folder in PUBLISHED
        for p in (demo_run / folder).rglob("*")
        if p.is_file() and p.suffix in (".csv", ".html", ".svg", ".json", ".txt", ".md")
    ]
    assert published
    leaks = []
    for path in published:
        text = path.read_text(encoding="utf-8", errors="replace")
        found = [v for v in private if v in text]
        if found:
            leaks.append((str(path.relative_to(demo_run)), sorted(found)[:3]))
    assert not leaks, leaks


def test_published_tables_have_no_identifier_columns(demo_run):
    ids = {c.name for t in TABLES.values() for c in t.columns if c.kind == "id"}
    for path in (demo_run / "tables").glob("*.csv"):
        with open(path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), [])
        assert not ids & set(header), path.name
        assert not [h for h in header if looks_personal(h) == "a crime reference"], path.name


def test_rejected_rows_keep_only_contract_columns_and_run_no_formula():
    rejected = pd.DataFrame(
        {
            "source_file": ["crimes.csv"] * 3,
            "source_row": [2, 5, 9],
            "column": ["victim_age", "hocr_code", "victim_age"],
            "reason": ["victim_age: impossible age (expected 0-120)"] * 3,
            "victim_age": ["-4", "19", "=1+1"],
            "hocr_code": ["8N", '+cmd|" /C calc"!A0', "@SUM(A1)"],
            "Victim Name": ["Ann", "Bob", "Cy"],  # not a contract column
        }
    )
    result = SourceResult(table="crimes", data=pd.DataFrame(), rows_in=3, rejected=rejected)
    out = result.rejected_for_analyst()
    assert list(out.columns) == REJECTED_COLUMNS + ["victim_age", "hocr_code"]
    assert out["victim_age"].tolist() == ["-4", "19", "'=1+1"]
    assert out["hocr_code"].tolist() == ["8N", '\'+cmd|" /C calc"!A0', "'@SUM(A1)"]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("-2+3", "'-2+3"),
        ("\tx", "'\tx"),
        ("\rx", "'\nx"),  # a carriage return is written as a newline: one quoted cell
        ("-12.5", "-12.5"),
        ("+7", "+7"),
        ("E01000001", "E01000001"),
    ],
)
def test_formula_safe_neutralises_formulas_and_keeps_numbers(cell, written):
    assert safe_text_column(pd.Series([cell])).tolist() == [written]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Victim Surname", "a name"),
        ("VictimDOB", "a date of birth"),
        ("Post Code", "a postcode"),
        ("Address Line 1", "an address"),
        ("Narrative", "free text"),
        ("Crime Reference", "a crime reference"),
        ("NHS Number", "an NHS number"),
        ("Mobile", "a phone number"),
        ("e-mail", "an email address"),
    ],
)
def test_personal_data_column_names_are_recognised(name, kind):
    assert looks_personal(name) == kind


@pytest.mark.parametrize(
    "name",
    ["victim_age", "offence_date", "hocr_code", "Offence Description", "Location Type", "knife"],
)
def test_ordinary_column_names_are_not_personal(name):
    assert looks_personal(name) is None


def test_a_force_extracts_rejected_rows_keep_the_columns_its_mapping_reads():
    rejected = pd.DataFrame(
        {
            "source_file": ["x.csv"],
            "source_row": [3],
            "column": ["victim_age"],
            "reason": ["victim_age: impossible age (expected 0-120)"],
            "Victim Age": ["130"],
            "Beat": ["A1"],  # read by no mapping
        }
    )
    result = SourceResult(
        table="crimes",
        data=pd.DataFrame(),
        rows_in=1,
        rejected=rejected,
        mapped_columns=["Victim Age"],
    )
    assert list(result.rejected_for_analyst().columns) == REJECTED_COLUMNS + ["Victim Age"]
