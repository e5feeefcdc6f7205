"""Reading files written to the data contract: types, quarantine, file-level errors."""

from __future__ import annotations

import pandas as pd
import pytest

from snalib.errors import InputError
from snalib.inputs.contract import TABLES, contract_markdown, schema
from snalib.inputs.sources.canonical import read_canonical
from tests.conftest import HANDWRITTEN, ROOT

HEADER = "crime_id,offence_date,offence_hour,hocr_code,area_code,public_place,domestic,knife,victim_age,victim_sex,offender_age,offender_sex,victim_id,offender_id"


def _crimes(tmp_path, *rows: str, header: str = HEADER):
    path = tmp_path / "crimes.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def test_handwritten_crimes_read_with_contract_types():
    result = read_canonical(HANDWRITTEN / "crimes.csv", "crimes")
    assert result.rows_in == 20 and result.n_included == 20 and result.n_rejected == 0
    data = result.data
    assert str(data["offence_date"].dtype) == "datetime64[ns]"
    assert str(data["public_place"].dtype) == "boolean"
    assert str(data["victim_age"].dtype) == "Int64"
    assert "extra columns ignored: beat" in result.notes
    schema("crimes").validate(data[TABLES["crimes"].names])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("Y", True),
        ("yes", True),
        ("Yes", True),
        ("false", False),
        ("0", False),
        ("n", False),
        ("NO", False),
        ("", None),
    ],
)
def test_booleans_are_read_in_any_accepted_spelling(tmp_path, text, expected):
    path = _crimes(tmp_path, f"A,2021-05-01,1,8N,E1,{text},N,N,20,M,20,M,,")
    value = read_canonical(path, "crimes").data["public_place"].iloc[0]
    assert (value is pd.NA and expected is None) or value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("M", "M"), ("f", "F"), ("Female", "F"), ("X", "U"), ("", "U"), ("unknown", "U")],
)
def test_sex_other_than_m_or_f_is_unknown_not_an_error(tmp_path, text, expected):
    path = _crimes(tmp_path, f"A,2021-05-01,1,8N,E1,Y,N,N,20,{text},20,M,,")
    result = read_canonical(path, "crimes")
    assert result.n_rejected == 0
    assert result.data["victim_sex"].iloc[0] == expected


def test_row_level_problems_are_rejected_with_row_column_and_reason(tmp_path):
    path = _crimes(
        tmp_path,
        "A,2021-05-01,1,8N,E1,Y,N,N,20,M,20,M,,",
        "B,2021-02-30,1,8N,E1,Y,N,N,20,M,20,M,,",  # no such date
        "C,2021-05-01,24,8N,E1,Y,N,N,20,M,20,M,,",  # hour 24
        "D,2021-05-01,1,8N,E1,maybe,N,N,20,M,20,M,,",  # not a boolean
        "E,2021-05-01,1,8N,E1,Y,N,N,130,M,20,M,,",  # impossible age
        "F,2021-05-01,1,8N,E1,Y,N,N,20.5,M,20,M,,",  # not a whole age
        "A,2021-05-02,1,8N,E1,Y,N,N,20,M,20,M,,",  # duplicate id
        "G,2021-05-01,1,8N,E1,Y,,N,20,M,20,M,,",  # domestic is required
    )
    result = read_canonical(path, "crimes")
    assert result.rows_in == 8 and result.n_included == 1 and result.n_rejected == 7
    result.reconcile()
    rejected = result.rejected.set_index("source_row")
    assert rejected.loc[2, "column"] == "offence_date" and "YYYY-MM-DD" in rejected.loc[2, "reason"]
    assert rejected.loc[3, "column"] == "offence_hour" and "0-23" in rejected.loc[3, "reason"]
    assert rejected.loc[4, "column"] == "public_place"
    assert "impossible age" in rejected.loc[5, "reason"]
    assert "whole number" in rejected.loc[6, "reason"]
    assert "duplicate crime_id" in rejected.loc[7, "reason"]
    assert "required" in rejected.loc[8, "reason"]
    assert rejected.loc[2, "offence_date"] == "2021-02-30"  # the raw value is kept for the analyst


def test_missing_required_column_names_file_and_column(tmp_path):
    header = HEADER.replace("hocr_code,", "offence_code,")
    path = _crimes(tmp_path, "A,2021-05-01,1,8N,E1,Y,N,N,20,M,20,M,,", header=header)
    with pytest.raises(InputError) as err:
        read_canonical(path, "crimes")
    assert err.value.column == "hocr_code"
    assert "crimes.csv" in str(err.value) and "'hocr_code'" in str(err.value)


def test_column_names_differing_only_in_case_are_matched(tmp_path):
    path = _crimes(
        tmp_path,
        "A,2021-05-01,1,8N,E1,Y,N,N,20,M,20,M,,",
        header=HEADER.replace("crime_id", "Crime_ID"),
    )
    result = read_canonical(path, "crimes")
    assert result.n_included == 1 and any("ignoring case" in n for n in result.notes)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        (HEADER.replace(",", ";") + "\nA;2021\n", "semicolons"),
        (HEADER + "\n", "no data rows"),
    ],
)
def test_file_level_problems_raise_input_error(tmp_path, content, message):
    path = tmp_path / "crimes.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_canonical(path, "crimes")


def test_missing_file_and_wrong_extension_raise_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_canonical(tmp_path / "nope.csv", "crimes")
    xlsx = tmp_path / "crimes.xlsx"
    xlsx.write_bytes(b"PK")
    with pytest.raises(InputError, match="expected .csv or .parquet"):
        read_canonical(xlsx, "crimes")


def test_parquet_and_csv_give_the_same_table(tmp_path):
    csv = read_canonical(HANDWRITTEN / "crimes.csv", "crimes").data
    path = tmp_path / "crimes.parquet"
    csv.drop(columns="_source_row").to_parquet(path)
    parquet = read_canonical(path, "crimes").data
    pd.testing.assert_frame_equal(csv, parquet)


def test_suppressed_hes_counts_are_missing_not_rejected(tmp_path):
    path = tmp_path / "admissions.csv"
    path.write_text(
        "period,area_code,age_band,sex,icd10_cause,count\n"
        "2021-04,E06000016,18-24,M,X99,12\n"
        "2021-04,E06000016,0-17,M,X99,*\n"
    )
    result = read_canonical(path, "admissions")
    assert result.n_rejected == 0
    assert result.data["count"].isna().tolist() == [False, True]


def test_data_contract_document_matches_the_contract():
    doc = (ROOT / "docs" / "data-contract.md").read_text()
    start = doc.index("<!-- BEGIN GENERATED: tables -->") + len("<!-- BEGIN GENERATED: tables -->")
    end = doc.index("<!-- END GENERATED: tables -->")
    assert doc[start:end].strip() == contract_markdown().strip(), (
        "docs/data-contract.md is out of date: run `python tools/update_docs.py`"
    )


def test_parsing_by_distinct_value_gives_what_parsing_every_cell_gives(monkeypatch):
    import snalib.inputs.sources.canonical as canonical
    from snalib.inputs.contract import TABLES

    cells = {
        "offence_date": ["2021-04-03", "31/12/2021", "", "2021-04-03", "2021-02-30"] * 30,
        "offence_hour": ["23", "24", "", "7.5", "x"] * 30,
        "knife": ["Y", "maybe", "", "no", "TRUE"] * 30,
        "victim_age": ["19", "-4", "NA", "230", "seventeen"] * 30,
        "victim_sex": ["M", "female", "", "X", "F"] * 30,
        "hocr_code": ["8n", " 5D ", "", "4/1", "34B"] * 30,
    }
    monkeypatch.setattr(canonical, "_DISTINCT_FROM", 10)
    for name, values in cells.items():
        col = TABLES["crimes"].column(name)
        text = pd.Series(values, dtype="str")
        fast_values, fast_problem = canonical.parse_column(text, col)
        cell_values, cell_problem = canonical._parse_cells(text, col)
        pd.testing.assert_series_equal(fast_values, cell_values, check_names=False)
        assert fast_problem.tolist() == cell_problem.tolist()
        assert (fast_problem != "").sum() > 0 or name in ("victim_sex", "hocr_code")
