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


# --------------------------------------------------------------------------- exact reading


def _write(tmp_path, data: bytes, name: str = "t.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_short_or_long_record_is_a_row_with_its_field_count(tmp_path):
    from snalib.inputs.sources.files import RECORD_PROBLEM

    path = _write(tmp_path, b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n")
    frame = read_text_table(path, table="t", bad_records="reject")
    assert frame["a"].tolist() == ["1", "", "", "10"]
    assert frame[RECORD_PROBLEM].tolist() == [
        "",
        "expected 3 fields, found 2",
        "expected 3 fields, found 4",
        "",
    ]


def test_a_damaged_published_file_is_refused_naming_the_rows(tmp_path):
    path = _write(tmp_path, b"a,b,c\n1,2,3\n4,5\n")
    with pytest.raises(InputError, match="row 2: expected 3 fields, found 2") as caught:
        read_text_table(path, table="t")
    assert caught.value.rows == [2]


def test_an_unclosed_quote_rejects_every_row_it_swallows(tmp_path):
    from snalib.inputs.sources.files import RECORD_PROBLEM

    rows = [f"{i},x{i},y{i}" for i in range(1, 11)]
    rows[2] = '3,"x3,y3'  # a stray quote at the start of b on row 3
    rows[6] = '7",x7,y7'  # closed on row 7
    path = _write(tmp_path, ("a,b,c\n" + "\n".join(rows) + "\n").encode())
    frame = read_text_table(path, table="t", bad_records="reject")
    assert len(frame) == 10  # every data row of the file
    problems = frame[RECORD_PROBLEM].tolist()
    assert problems[:2] == ["", ""] and problems[7:] == ["", "", ""]
    assert problems[2].startswith("a quote opened in column 'b' is not closed on this row")
    assert "next 4 rows (to row 7)" in problems[2]
    assert problems[3:7] == ["taken in by the unclosed quote on row 3"] * 4
    assert frame["a"].tolist()[7:] == ["8", "9", "10"]


def test_a_line_break_inside_quoted_text_is_one_record(tmp_path):
    path = _write(tmp_path, b'a,b\n1,"two\nlines"\n2,x\n')
    frame = read_text_table(path, table="t", bad_records="reject")
    assert frame.to_dict("list") == {"a": ["1", "2"], "b": ["two\nlines", "x"]}


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"PK\x03\x04" + b"\x00" * 20 + b"[Content_Types].xml xl/workbook.xml", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "Excel 97-2003 workbook"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 50, "gzip-compressed"),
        (b"PAR1" + b"\x00" * 50, "Parquet file"),
        (b"PK\x03\x04" + b"\x00" * 20 + b"data.csv", "ZIP archive"),
        (b"\xff\xfea\x00,\x00b\x00", "UTF-16 text"),
    ],
)
def test_a_file_that_is_not_csv_text_is_named_for_what_it_is(tmp_path, data, kind):
    path = _write(tmp_path, data)
    with pytest.raises(InputError, match=f"not a CSV text file: it is (an? )?{kind}"):
        read_text_table(path, table="t")


def test_a_csv_named_parquet_is_named_for_what_it_is(tmp_path):
    path = _write(tmp_path, b"a,b\n1,2\n", "t.parquet")
    with pytest.raises(InputError, match=r"named '.parquet' but it is text \(a CSV file\?\)"):
        read_text_table(path, table="t")


def test_duplicated_header_names_are_refused_as_written(tmp_path):
    path = _write(tmp_path, b"a,b,a\n1,2,3\n")
    with pytest.raises(InputError, match=r"'a' appears twice .*columns 1 and 3"):
        read_text_table(path, table="t")


def test_an_empty_unnamed_column_is_dropped_and_a_filled_one_named_by_position(tmp_path):
    frame = read_text_table(_write(tmp_path, b"a,b,\n1,2,\n"), table="t")
    assert list(frame.columns) == ["a", "b"]
    frame = read_text_table(_write(tmp_path, b"a,,c\n1,2,3\n"), table="t")
    assert list(frame.columns) == ["a", "(column 2, no header)", "c"]


def test_excel_duplicated_and_empty_header_names_are_reported_as_written(tmp_path):
    path = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Victim Age", "Victim Age", None])
    book.active.append([1, 2, None])
    book.save(path)
    with pytest.raises(InputError) as caught:
        read_excel_text(path, table="t")
    assert "'Victim Age' appears twice" in caught.value.message
    assert "Victim Age.1" not in caught.value.message


def test_a_huge_field_rejects_its_row(tmp_path):
    from snalib.inputs.sources.files import MAX_FIELD_CHARS, RECORD_PROBLEM

    path = _write(tmp_path, b"a,b\n1,x\n2," + b"y" * (MAX_FIELD_CHARS + 1) + b"\n3,z\n")
    frame = read_text_table(path, table="t", bad_records="reject")
    assert frame[RECORD_PROBLEM].tolist() == [
        "",
        f"b: a field of {MAX_FIELD_CHARS + 1:,} characters (at most {MAX_FIELD_CHARS:,})",
        "",
    ]
    assert frame["b"].tolist() == ["x", "", "z"]
