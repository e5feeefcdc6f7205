"""Reading an input file as a table of text: the one definition every adapter uses."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from snalib.errors import InputError
from snalib.inputs.sources.files import read_excel_text, read_text_table

OPTION = "sources.crimes.options"


def test_read_text_table_keeps_every_cell_as_written(tmp_path):
    path = tmp_path / "t.csv"
    # A byte order mark (Excel, the ONS), a padded header, and values a reader might guess at.
    path.write_bytes('\ufeff code , n,flag\n007,"1,954",NA\nE1,,\n'.encode())
    frame = read_text_table(path, table="t")
    assert list(frame.columns) == ["code", "n", "flag"]
    assert frame.to_dict("list") == {
        "code": ["007", "E1"],
        "n": ["1,954", ""],
        "flag": ["NA", ""],
    }


def test_read_text_table_reads_a_set_encoding_and_separator(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes("place|n\nCaf\u00e9|1\n".encode("cp1252"))
    frame = read_text_table(path, table="t", encoding="cp1252", delimiter="|", option=OPTION)
    assert frame.to_dict("list") == {"place": ["Caf\u00e9"], "n": ["1"]}


def test_read_text_table_not_utf8_says_how_to_fix_it(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("place,n\nCaf\u00e9,1\n".encode("cp1252"))
    with pytest.raises(InputError, match="not UTF-8 text: row 1 has the byte 0xE9") as caught:
        read_text_table(path, table="t")
    assert "Latin-1 / Windows-1252" in caught.value.message
    assert "save it as CSV UTF-8" in caught.value.message
    assert caught.value.rows == [1]
    with pytest.raises(InputError, match=f"set {OPTION}.encoding to the file's encoding"):
        read_text_table(path, table="t", option=OPTION)


def test_read_text_table_unknown_encoding_names_the_option(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=f"{OPTION}.encoding: unknown encoding 'klingon'"):
        read_text_table(path, table="t", encoding="klingon", option=OPTION)


@pytest.mark.parametrize(
    ("option", "advice"),
    [(None, "save it as comma-separated CSV"), (OPTION, f"set {OPTION}.delimiter to ';'")],
)
def test_read_text_table_wrong_separator_says_which(tmp_path, option, advice):
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1;2\n")
    with pytest.raises(InputError) as caught:
        read_text_table(path, table="t", option=option)
    assert "separated by semicolons, not commas" in caught.value.message
    assert caught.value.message.endswith(advice)


def test_read_text_table_tsv_with_commas_expected_names_tabs(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\n1\t2\n")
    with pytest.raises(InputError, match=r"separated by tabs, not commas.*delimiter to '\\t'"):
        read_text_table(path, table="t", option=OPTION)
    frame = read_text_table(path, table="t", delimiter="\t", option=OPTION)
    assert frame.to_dict("list") == {"a": ["1"], "b": ["2"]}


def test_read_text_table_parquet_gives_the_csv_text(tmp_path):
    frame = pd.DataFrame({"day": pd.to_datetime(["2021-04-01"]), "n": [3.0], "s": ["x"]})
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    assert read_text_table(path, table="t").to_dict("list") == {
        "day": ["2021-04-01"],
        "n": ["3"],
        "s": ["x"],
    }


def _workbook(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Violence"
    sheet.append(["Ref ", "When", "Age"])
    sheet.append(["A1", dt.datetime(2021, 4, 3, 23, 15), 19.0])
    sheet.append(["A2", dt.datetime(2021, 4, 4), None])
    path = tmp_path / "book.xlsx"
    book.save(path)
    return path


def test_read_excel_text_gives_dates_and_numbers_as_text(tmp_path):
    frame = read_excel_text(_workbook(tmp_path), table="t")
    assert frame.to_dict("list") == {
        "Ref": ["A1", "A2"],
        "When": ["2021-04-03 23:15:00", "2021-04-04"],
        "Age": ["19", ""],
    }


def test_read_excel_text_missing_sheet_suggests_one_ignoring_case(tmp_path):
    path = _workbook(tmp_path)
    with pytest.raises(InputError) as caught:
        read_excel_text(path, table="t", sheet="VIOLENCE")
    assert caught.value.message == (
        "no sheet named 'VIOLENCE' (did you mean 'Violence'?); the workbook has: Violence"
    )
    with pytest.raises(InputError, match=f": {OPTION}.sheet: there is no sheet at position 3 "):
        read_excel_text(path, table="t", sheet=3, option=f"{OPTION}.sheet")
