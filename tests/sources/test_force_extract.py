"""A force's own extract mapped to the contract by the params (format: force_extract).

The fixture ``tests/fixtures/force_extract/niche_violence_extract.csv`` is written by hand in
the shape of a Niche export; ``params.yaml`` beside it maps it. Expected counts are computed
from the raw CSV with the csv module and the mapping written out again below, not with the
adapter.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from snalib.errors import InputError
from snalib.inputs.contract import schema
from snalib.inputs.load import check_contract, load_inputs
from snalib.inputs.sources._rows import data_without_trace
from snalib.inputs.sources.force_extract import read_force_extract
from snalib.params import parse_params
from tests.conftest import FIXTURES

FOLDER = FIXTURES / "force_extract"
EXTRACT = FOLDER / "niche_violence_extract.csv"
PARAMS = FOLDER / "params.yaml"
PREFIX = "sources.crimes.options"


def fixture_options() -> dict:
    """The mapping of the fixture params file, exactly as YAML reads it."""
    params = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
    return copy.deepcopy(params["sources"]["crimes"]["options"])


def read_fixture(**changes) -> object:
    options = fixture_options()
    options.update(changes)
    return read_force_extract(EXTRACT, "crimes", options)


def write_extract(tmp_path: Path, rows: list[dict[str, str]], name: str = "extract.csv") -> Path:
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def extract_row(**values: str) -> dict[str, str]:
    """One row of a small extract with the fixture's column names."""
    row = {
        "Occurrence Ref": "R1",
        "Committed From": "03/04/2021 23:15",
        "HO Code": "8N",
        "LSOA": "E01900001",
        "Location Type": "Street",
        "Victim Age": "19",
        "Victim Gender": "Male",
        "Suspect Age": "21",
        "DA Flag": "N",
        "Knife Flag": "NONE",
    }
    row.update(values)
    return row


def small_options(**changes) -> dict:
    """The fixture mapping without the columns that small extracts lack."""
    options = fixture_options()
    for name in ("victim_id", "offender_id"):
        options["columns"].pop(name)
    options.update(changes)
    return options


# --------------------------------------------------------------------------- independent count

PUBLIC = {"street", "park", "licensed premises", "car park", "public transport"}
PRIVATE = {"dwelling", "residential", "prison"}
DOMESTIC = {"y": True, "yes": True, "n": False, "no": False, "": False}
KNIFE = {"knife": True, "sharp instrument": True}  # anything else: false (otherwise: false)


def independent_rows() -> tuple[list[dict], dict[int, str]]:
    """The fixture's rows as the mapping means them, and the rejected rows by hand."""
    with open(EXTRACT, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    kept, rejected, seen = [], {}, set()
    for number, row in enumerate(rows, start=1):
        ref = row["Occurrence Ref"]
        flag = row["DA Flag"].strip().lower()
        when = row["Committed From"]
        try:
            moment = dt.datetime.strptime(when, "%d/%m/%Y %H:%M")
        except ValueError:
            try:
                moment = dt.datetime.fromisoformat(when)
            except ValueError:
                moment = None
        age = row["Victim Age"]
        if ref in seen:
            rejected[number] = "crime_id"
        elif flag not in DOMESTIC:
            rejected[number] = "domestic"
        elif moment is None:
            rejected[number] = "offence_date"
        elif age.isdigit() and int(age) > 120:
            rejected[number] = "victim_age"
        seen.add(ref)
        if number in rejected:
            continue
        location = row["Location Type"].strip().lower()
        kept.append(
            {
                "row": number,
                "hocr_code": row["HO Code"],
                "hour": moment.hour,
                "domestic": DOMESTIC[flag],
                "knife": KNIFE.get(row["Knife Flag"].strip().lower(), False),
                "public_place": True
                if location in PUBLIC
                else False
                if location in PRIVATE
                else None,
            }
        )
    return kept, rejected


def test_fixture_extract_maps_to_a_valid_crimes_table():
    result = read_fixture()
    result.reconcile()
    assert result.rows_in == 40 and result.n_included == 36 and result.n_rejected == 4
    schema("crimes").validate(data_without_trace(result.data))
    assert list(result.data["_source_file"].unique()) == [EXTRACT.name]


def test_fixture_counts_equal_an_independent_count():
    kept, rejected = independent_rows()
    data = read_fixture().data
    assert data["_source_row"].tolist() == [k["row"] for k in kept]
    assert Counter(data["hocr_code"]) == Counter(k["hocr_code"] for k in kept)
    assert Counter(data["offence_hour"].astype(int)) == Counter(k["hour"] for k in kept)
    assert int(data["domestic"].sum()) == sum(k["domestic"] for k in kept)
    assert int(data["knife"].sum()) == sum(k["knife"] for k in kept)
    public = data["public_place"]
    assert int(public.eq(True).sum()) == sum(k["public_place"] is True for k in kept)
    assert int(public.eq(False).sum()) == sum(k["public_place"] is False for k in kept)
    assert int(public.isna().sum()) == sum(k["public_place"] is None for k in kept)


def test_fixture_rejections_equal_an_independent_check():
    _, rejected = independent_rows()
    result = read_fixture()
    assert dict(zip(result.rejected["source_row"], result.rejected["column"], strict=True)) == (
        rejected
    )


# --------------------------------------------------------------------------- mapping


def test_value_mapping_reads_the_extracts_own_codes_ignoring_case():
    data = read_fixture().data.set_index("_source_row")
    assert data.at[22, "domestic"]  # "Yes"
    assert not data.at[11, "domestic"]  # "No"
    assert not data.at[40, "domestic"]  # "n": matched ignoring case
    assert data.at[3, "knife"]  # "SHARP INSTRUMENT"
    assert not data.at[40, "knife"]  # empty, listed under false
    assert not data.at[27, "knife"]  # "BLUNT INSTRUMENT": otherwise false


def test_derived_public_place_follows_location_type():
    data = read_fixture().data.set_index("_source_row")
    assert data.at[2, "public_place"]  # Licensed Premises
    assert data.at[15, "public_place"]  # Public Transport
    assert not data.at[5, "public_place"]  # Dwelling
    assert not data.at[32, "public_place"]  # Prison
    assert data.loc[[4, 9, 11, 25], "public_place"].isna().all()  # Shop, Garden, Unknown


def test_hour_is_taken_from_the_time_of_the_datetime():
    data = read_fixture().data.set_index("_source_row")
    assert data.at[1, "offence_hour"] == 23  # 03/04/2021 23:15
    assert data.at[2, "offence_hour"] == 1  # 10/04/2021 01:05
    assert data.at[10, "offence_hour"] == 21  # ISO 2021-09-18 21:40
    assert data.at[1, "offence_date"] == pd.Timestamp("2021-04-03")
    assert data.at[10, "offence_date"] == pd.Timestamp("2021-09-18")


def test_midnight_times_are_kept_and_noted():
    result = read_fixture()
    data = result.data.set_index("_source_row")
    assert data.at[4, "offence_hour"] == 0 and data.at[23, "offence_hour"] == 0
    assert any("2 values at exactly 00:00" in n for n in result.notes)


def test_dates_without_time_leave_the_hour_empty(tmp_path):
    path = write_extract(
        tmp_path,
        [
            extract_row(**{"Occurrence Ref": "A"}),
            extract_row(**{"Occurrence Ref": "B", "Committed From": "04/04/2021"}),
        ],
    )
    options = small_options(datetime_formats={"offence_date": ["%d/%m/%Y %H:%M", "%d/%m/%Y"]})
    result = read_force_extract(path, "crimes", options)
    assert result.n_included == 2
    assert result.data["offence_hour"].tolist()[0] == 23
    assert result.data["offence_hour"].isna().tolist() == [False, True]
    assert result.data["offence_date"].tolist()[1] == pd.Timestamp("2021-04-04")
    assert any("1 value without a time: hour left empty" in n for n in result.notes)


def test_missing_values_are_read_as_empty():
    result = read_fixture()
    data = result.data.set_index("_source_row")
    assert pd.isna(data.at[13, "victim_age"]) and pd.isna(data.at[13, "offender_age"])
    assert f"{PREFIX}.missing_values: 2 cells read as empty" in " ".join(result.notes)


def test_constant_fills_a_column_the_extract_lacks():
    data = read_fixture().data
    assert (data["offender_sex"] == "U").all()  # "" read as unknown, as in the contract


def test_notes_say_what_the_mapping_did():
    notes = read_fixture().notes
    assert notes[0] == (
        "force extract niche_violence_extract.csv (40 rows, 15 columns) mapped to crimes: "
        "columns mapped: 11; derived: public_place from 'Location Type'; hour taken from "
        "'Committed From' (offence_hour); constants: offender_sex = (empty)"
    )
    assert "extract columns not used: Committed To, Offence Description, Beat" in notes
    assert "offence_date read from 'Committed From' with format %d/%m/%Y %H:%M" in notes


# --------------------------------------------------------------------------- unmapped values


def test_unmapped_values_are_counted_in_the_notes():
    notes = read_fixture().notes
    assert (
        "Location Type: 4 rows with values not in the mapping "
        f"({PREFIX}.derive.public_place): 'Garden' (2), 'Shop' (1), 'Unknown' (1); "
        "public_place left empty (otherwise: missing)"
    ) in notes
    assert (
        f"DA Flag: 1 row with values not in the mapping ({PREFIX}.values.domestic): 'U' (1); "
        "rows rejected (otherwise: reject)"
    ) in notes
    assert any(n.startswith("Knife Flag: 1 row") and "'BLUNT INSTRUMENT' (1)" in n for n in notes)


@pytest.mark.parametrize(
    ("otherwise", "included", "public_place"),
    [
        ("missing", 3, [True, None, None]),
        ("false", 3, [True, False, False]),
        (False, 3, [True, False, False]),  # YAML's unquoted false
        ("true", 3, [True, True, True]),
        ("reject", 1, [True]),
    ],
)
def test_unmapped_values_are_handled_as_otherwise_says(tmp_path, otherwise, included, public_place):
    path = write_extract(
        tmp_path,
        [
            extract_row(**{"Occurrence Ref": "A", "Location Type": "Street"}),
            extract_row(**{"Occurrence Ref": "B", "Location Type": "Garden"}),
            extract_row(**{"Occurrence Ref": "C", "Location Type": "garden "}),
        ],
    )
    options = small_options()
    options["derive"]["public_place"]["otherwise"] = otherwise
    result = read_force_extract(path, "crimes", options)
    result.reconcile()
    assert result.n_included == included
    values = [None if pd.isna(v) else bool(v) for v in result.data["public_place"]]
    assert values == public_place
    assert any("'Garden' (2)" in n for n in result.notes)  # "garden " is the same value


def test_rejected_unmapped_value_names_the_column_and_the_value(tmp_path):
    path = write_extract(
        tmp_path,
        [
            extract_row(**{"Occurrence Ref": "A"}),
            extract_row(**{"Occurrence Ref": "B", "Location Type": "Garden"}),
        ],
    )
    options = small_options()
    options["derive"]["public_place"]["otherwise"] = "reject"
    rejected = read_force_extract(path, "crimes", options).rejected
    assert rejected["source_row"].tolist() == [2]
    assert rejected["column"].tolist() == ["public_place"]
    assert rejected["reason"].iloc[0] == (
        "public_place (from 'Location Type'): 'Garden' is not in the mapping "
        f"{PREFIX}.derive.public_place (otherwise: reject)"
    )
    assert rejected["Location Type"].tolist() == ["Garden"]


def test_otherwise_keep_passes_the_value_to_the_contract_check(tmp_path):
    path = write_extract(
        tmp_path,
        [
            extract_row(**{"Occurrence Ref": "A", "Victim Gender": "1"}),
            extract_row(**{"Occurrence Ref": "B", "Victim Gender": "Female"}),
            extract_row(**{"Occurrence Ref": "C", "Victim Gender": "9"}),
        ],
    )
    options = small_options()
    options["values"]["victim_sex"] = {"map": {"M": ["1"]}, "otherwise": "keep"}
    result = read_force_extract(path, "crimes", options)
    assert result.data["victim_sex"].tolist() == ["M", "F", "U"]
    assert any("'Female' (1), '9' (1)" in n for n in result.notes)


def test_default_otherwise_rejects_a_required_column_and_empties_a_nullable_one(tmp_path):
    path = write_extract(
        tmp_path,
        [
            extract_row(**{"Occurrence Ref": "A", "DA Flag": "U", "Location Type": "Garden"}),
            extract_row(**{"Occurrence Ref": "B", "Location Type": "Garden"}),
        ],
    )
    options = small_options()
    del options["derive"]["public_place"]["otherwise"]
    result = read_force_extract(path, "crimes", options)
    assert result.rejected["column"].tolist() == ["domestic"]  # domestic may not be empty
    assert result.data["public_place"].isna().all()  # public_place may


# --------------------------------------------------------------------------- rejected rows


def test_bad_rows_keep_the_extracts_row_numbers_and_raw_values():
    rejected = read_fixture().rejected.set_index("source_row")
    assert rejected.index.tolist() == [33, 34, 35, 36]
    assert rejected.at[33, "DA Flag"] == "U"
    assert rejected.at[34, "Committed From"] == "31/02/2021 14:00"
    assert rejected.at[35, "Victim Age"] == "130"
    assert rejected.at[36, "Occurrence Ref"] == "LP/21/000412"
    assert rejected.at[34, "reason"] == (
        "offence_date (from 'Committed From'): '31/02/2021 14:00' does not match the format "
        f"%d/%m/%Y %H:%M ({PREFIX}.datetime_formats.offence_date)"
    )
    assert rejected.at[35, "reason"] == (
        "victim_age (from 'Victim Age'): impossible age (expected 0-120)"
    )
    assert rejected.at[36, "reason"] == "crime_id (from 'Occurrence Ref'): duplicate crime_id"
    assert set(rejected["source_file"]) == {EXTRACT.name}


def test_rejected_rows_show_the_columns_the_mapping_reads_in_extract_order():
    rejected = read_fixture().rejected
    assert list(rejected.columns) == [
        "source_file",
        "source_row",
        "column",
        "reason",
        "Occurrence Ref",
        "Committed From",
        "HO Code",
        "LSOA",
        "Location Type",
        "Victim Age",
        "Victim Gender",
        "Suspect Age",
        "DA Flag",
        "Knife Flag",
        "Victim Ref",
        "Suspect Ref",
    ]


def test_a_row_with_mapping_and_contract_problems_reports_both(tmp_path):
    path = write_extract(
        tmp_path,
        [
            extract_row(**{"Occurrence Ref": "A"}),
            extract_row(**{"Occurrence Ref": "B", "DA Flag": "U", "Victim Age": "twenty"}),
        ],
    )
    result = read_force_extract(path, "crimes", small_options())
    result.reconcile()
    assert result.rejected["column"].tolist() == ["domestic"]
    reason = result.rejected["reason"].iloc[0]
    assert reason == (
        f"domestic (from 'DA Flag'): 'U' is not in the mapping {PREFIX}.values.domestic "
        "(otherwise: reject); victim_age (from 'Victim Age'): not a number"
    )


def test_dates_not_in_the_format_are_rejected_naming_the_option(tmp_path):
    path = write_extract(
        tmp_path,
        [
            extract_row(**{"Occurrence Ref": "A"}),
            extract_row(**{"Occurrence Ref": "B", "Committed From": "2021/04/03 10:00"}),
        ],
    )
    options = small_options()
    del options["datetime_formats"], options["hour_from"]
    result = read_force_extract(path, "crimes", options)
    assert result.n_included == 0 and result.n_rejected == 2
    assert result.rejected["reason"].iloc[0] == (
        "offence_date (from 'Committed From'): '03/04/2021 23:15' is not a date in the form "
        f"YYYY-MM-DD; give the extract's format under {PREFIX}.datetime_formats.offence_date"
    )


def test_every_record_is_accounted_for():
    for changes in ({}, {"missing_values": []}, {"dayfirst": True}):
        result = read_fixture(**changes)
        result.reconcile()
        assert result.rows_in == result.n_included + result.n_rejected == 40


# --------------------------------------------------------------------------- bad mapping


def _set(path: str, value):
    def change(options: dict) -> None:
        *parents, last = path.split(".")
        node = options
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value

    return change


def _rename(path: str, new: str):
    def change(options: dict) -> None:
        *parents, last = path.split(".")
        node = options
        for part in parents:
            node = node[part]
        node[new] = node.pop(last)

    return change


def _drop(*paths: str):
    def change(options: dict) -> None:
        for path in paths:
            *parents, last = path.split(".")
            node = options
            for part in parents:
                node = node[part]
            del node[last]

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_rename("columns", "colums"), f"unknown key '{PREFIX}.colums'; did you mean "),
        (
            _rename("derive.public_place.otherwise", "otherwize"),
            f"did you mean '{PREFIX}.derive.public_place.otherwise'?",
        ),
        (
            _set("columns.victim_age", "Victim Agee"),
            f"{PREFIX}.columns.victim_age: the extract has no column 'Victim Agee' (did you "
            "mean 'Victim Age'?)",
        ),
        (
            _set("derive.public_place.from", "Location"),
            f"{PREFIX}.derive.public_place.from: the extract has no column 'Location'",
        ),
        (
            _rename("columns.victim_age", "victim_agee"),
            f"{PREFIX}.columns.victim_agee: 'victim_agee' is not a column of the crimes table "
            "(did you mean 'victim_age'?)",
        ),
        (
            _set("constants.offender_gender", ""),
            f"{PREFIX}.constants.offender_gender: 'offender_gender' is not a column of the "
            "crimes table",
        ),
        (
            _set("datetime_formats.offence_date", "%d/%m/%Y %Q"),
            f"{PREFIX}.datetime_formats.offence_date: '%d/%m/%Y %Q' is not a valid date format",
        ),
        (
            _set("datetime_formats.offence_date", "dd/mm/yyyy hh:mm"),
            "looks like a spreadsheet format",
        ),
        (
            _set("datetime_formats.offence_date", "%H:%M"),
            "'%H:%M' does not give a whole date",
        ),
        (
            _set("datetime_formats.victim_age", "%Y"),
            f"{PREFIX}.datetime_formats.victim_age: victim_age is not a date column",
        ),
        (
            _drop("columns.knife", "values.knife"),
            "required contract column(s) knife of the crimes table are not mapped",
        ),
        (
            _set("values.domestic.true", ["Y", True]),
            f"'{PREFIX}.values.domestic.true (item 2)': YAML read an unquoted word",
        ),
        (
            _set("values.domestic.false", ["N", "y"]),
            f"{PREFIX}.values.domestic: 'y' is listed under both true and false",
        ),
        (
            _set("values.domestic.otherwise", "missing"),
            f"{PREFIX}.values.domestic.otherwise: domestic may not be empty",
        ),
        (
            _set("values.domestic.otherwise", "perhaps"),
            f"{PREFIX}.values.domestic.otherwise: 'perhaps' is not a valid domestic value",
        ),
        (
            _set("values.domestic", {"map": {"true": ["Y"]}}),
            f"{PREFIX}.values.domestic.map: domestic is a true/false column",
        ),
        (
            _set("values.victim_sex", {"map": {"Male": ["1"], "X": ["3"]}}),
            f"{PREFIX}.values.victim_sex.map.X: 'X' is not a valid victim_sex value",
        ),
        (
            _set("values.offender_sex", {"map": {"M": ["1"]}}),
            f"{PREFIX}.values.offender_sex: offender_sex is filled by {PREFIX}.constants",
        ),
        (
            _set("constants.knife", "false"),
            f"{PREFIX}.constants.knife: knife is already filled by {PREFIX}.columns.knife",
        ),
        (
            _set("constants.offence_hour", "25"),
            f"{PREFIX}.constants.offence_hour: '25' is not a valid offence_hour value (hour "
            "must be 0-23)",
        ),
        (
            _set("hour_from", "victim_age"),
            f"{PREFIX}.hour_from: the crimes table has no victim_age_hour column",
        ),
        (
            _set("missing_values", ["Not Known", "n"]),
            f"{PREFIX}.values.domestic: 'N' is listed under false and in the options' "
            "missing_values",
        ),
        (_set("sheet", "Crimes"), f"{PREFIX}.sheet is only for Excel files"),
        (_set("delimiter", "||"), f"'{PREFIX}.delimiter': expected one character"),
    ],
)
def test_bad_mapping_raises_input_error_naming_the_option_and_file(change, expected):
    options = fixture_options()
    change(options)
    with pytest.raises(InputError) as caught:
        read_force_extract(EXTRACT, "crimes", options)
    assert expected in caught.value.message
    assert caught.value.file == str(EXTRACT)


def test_options_for_an_unknown_table_raise_input_error():
    with pytest.raises(InputError, match="'crime' is not a table of the data contract"):
        read_force_extract(EXTRACT, "crime", fixture_options())


def test_hour_from_a_date_with_no_time_raises_input_error(tmp_path):
    path = write_extract(tmp_path, [extract_row(**{"Committed From": "03/04/2021"})])
    options = small_options(datetime_formats={"offence_date": "%d/%m/%Y"})
    with pytest.raises(InputError, match=f"{PREFIX}.hour_from: no value of 'Committed From'"):
        read_force_extract(path, "crimes", options)


def test_extract_with_a_header_but_no_rows_raises_input_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(EXTRACT.read_text(encoding="utf-8").splitlines()[0] + "\n")
    with pytest.raises(InputError, match="header but no data rows"):
        read_force_extract(path, "crimes", fixture_options())


# --------------------------------------------------------------------------- dates


def test_dayfirst_guesses_a_day_first_format_and_says_so():
    options = fixture_options()
    del options["datetime_formats"]
    result = read_force_extract(EXTRACT, "crimes", {**options, "dayfirst": True})
    explicit = read_fixture()
    pd.testing.assert_frame_equal(result.data, explicit.data)
    assert any("format %d/%m/%Y %H:%M guessed from '03/04/2021 23:15'" in n for n in result.notes)


def test_dayfirst_refuses_a_month_first_extract(tmp_path):
    path = write_extract(tmp_path, [extract_row(**{"Committed From": "12/31/2021 23:15"})])
    options = small_options(dayfirst=True)
    del options["datetime_formats"]
    with pytest.raises(InputError, match=f"{PREFIX}.dayfirst: cannot guess a day-first"):
        read_force_extract(path, "crimes", options)


def test_several_date_formats_are_tried_in_order(tmp_path):
    path = write_extract(
        tmp_path,
        [
            extract_row(**{"Occurrence Ref": "A", "Committed From": "03/04/2021 23:15"}),
            extract_row(**{"Occurrence Ref": "B", "Committed From": "04-Apr-2021 10:05"}),
        ],
    )
    formats = ["%d/%m/%Y %H:%M", "%d-%b-%Y %H:%M"]
    result = read_force_extract(
        path, "crimes", small_options(datetime_formats={"offence_date": formats})
    )
    assert result.data["offence_date"].tolist() == [
        pd.Timestamp("2021-04-03"),
        pd.Timestamp("2021-04-04"),
    ]
    assert result.data["offence_hour"].tolist() == [23, 10]


@pytest.mark.parametrize(
    "text",
    [
        "03/04/2021 23:15",
        "3/4/2021 9:05",
        "03/04/2021   23:15",
        "03/04/2021\t23:15",
        "03/04/2021 23:15 X",
        "31/02/2021 10:00",
        "03/04/2021 24:00",
        "03/04/2021",
        "03/04/21 23:15",
        "03/04/2021 23:15:00",
        "29/02/2020 00:30",
    ],
)
def test_date_times_read_as_python_strptime_reads_them(tmp_path, text):
    path = write_extract(
        tmp_path,
        [
            extract_row(**{"Occurrence Ref": "A"}),
            extract_row(**{"Occurrence Ref": "B", "Committed From": text}),
        ],
    )
    result = read_force_extract(path, "crimes", small_options())
    try:
        expected = dt.datetime.strptime(text, "%d/%m/%Y %H:%M")
    except ValueError:
        expected = None
    data = result.data.set_index("crime_id")
    if expected is None:
        assert result.rejected["column"].tolist() == ["offence_date"]
        assert "B" not in data.index
    else:
        assert result.n_rejected == 0
        assert data.at["B", "offence_date"] == pd.Timestamp(expected.date())
        assert data.at["B", "offence_hour"] == expected.hour


# --------------------------------------------------------------------------- files and tables


def test_excel_extract_reads_a_named_sheet_with_spreadsheet_dates(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Summary"
    sheet = book.create_sheet("Violence")
    sheet.append(["Ref", "Date", "Code", "LSOA", "Place", "DA", "Knife", "VAge", "VSex", "SAge"])
    sheet.append(["A1", dt.datetime(2021, 4, 3, 23, 15), "8N", "E01900001", "Street", "N", "N"])
    sheet.append(["A2", "04/04/2021 10:30", "5D", "E01900001", "Dwelling", "Y", "Y", 19.0])
    sheet.append([12345, dt.datetime(2021, 4, 5), "34B", None, "Street", "N", "N", 45, "F"])
    path = tmp_path / "extract.xlsx"
    book.save(path)
    options = {
        "sheet": "Violence",
        "columns": {
            "crime_id": "Ref",
            "offence_date": "Date",
            "hocr_code": "Code",
            "area_code": "LSOA",
            "domestic": "DA",
            "knife": "Knife",
            "victim_age": "VAge",
            "victim_sex": "VSex",
            "offender_age": "SAge",
        },
        "datetime_formats": {"offence_date": "%d/%m/%Y %H:%M"},
        "hour_from": "offence_date",
        "derive": {"public_place": {"from": "Place", True: ["Street"], False: ["Dwelling"]}},
    }
    result = read_force_extract(path, "crimes", options)
    data = result.data
    assert data["crime_id"].tolist() == ["A1", "A2", "12345"]
    assert data["offence_date"].tolist() == [
        pd.Timestamp("2021-04-03"),
        pd.Timestamp("2021-04-04"),
        pd.Timestamp("2021-04-05"),
    ]
    # A date-only cell has no time: its hour is missing, not 00:00.
    assert [None if pd.isna(h) else int(h) for h in data["offence_hour"]] == [23, 10, None]
    assert data["victim_age"].tolist()[1:] == [19, 45]
    with pytest.raises(InputError, match="no sheet named 'Violense' \\(did you mean 'Violence'"):
        read_force_extract(path, "crimes", {**options, "sheet": "Violense"})


def test_csv_encoding_and_delimiter_options_read_a_windows_export(tmp_path):
    path = tmp_path / "extract.txt"
    text = (
        "Ref|Date|Code|LSOA|Place|DA|Knife|VAge|VSex|SAge\n"
        "A1|03/04/2021 23:15|8N|E01900001|Caf\u00e9|N|N|19|M|21\n"
    )
    path.write_bytes(text.encode("cp1252"))
    options = {
        "encoding": "cp1252",
        "delimiter": "|",
        "columns": {
            "crime_id": "Ref",
            "offence_date": "Date",
            "hocr_code": "Code",
            "area_code": "LSOA",
            "domestic": "DA",
            "knife": "Knife",
            "victim_age": "VAge",
            "victim_sex": "VSex",
            "offender_age": "SAge",
        },
        "datetime_formats": {"offence_date": "%d/%m/%Y %H:%M"},
        "derive": {"public_place": {"from": "Place", "true": ["Caf\u00e9"], "false": []}},
    }
    result = read_force_extract(path, "crimes", options)
    assert result.n_included == 1 and bool(result.data["public_place"].iloc[0])
    with pytest.raises(InputError, match=f"{PREFIX}.encoding"):
        read_force_extract(path, "crimes", {**options, "encoding": "utf-8"})


def test_columns_of_the_contracts_own_name_need_no_mapping(tmp_path):
    path = write_extract(
        tmp_path, [extract_row(**{"KNIFE": "Y", "public_place": "N"}) | {"Knife Flag": "x"}]
    )
    options = small_options()
    del options["columns"]["knife"], options["values"]["knife"], options["derive"]
    result = read_force_extract(path, "crimes", options)
    assert bool(result.data["knife"].iloc[0]) and not bool(result.data["public_place"].iloc[0])
    assert "knife <- 'KNIFE' (same name)" in result.notes[1]


def test_extract_column_names_match_ignoring_case_with_a_note():
    options = fixture_options()
    options["columns"]["hocr_code"] = "ho code"
    result = read_force_extract(EXTRACT, "crimes", options)
    assert result.n_included == 36
    assert f"{PREFIX}.columns.hocr_code: 'ho code' matched the extract's column 'HO Code' " in (
        " ".join(result.notes)
    )


def test_another_contract_table_maps_with_contract_values(tmp_path):
    path = write_extract(
        tmp_path,
        [
            {"Attendance": "ED1", "Arrived": "03/04/2021 23:50", "Weapon": "Knife", "Where": "Pub"},
            {"Attendance": "ED2", "Arrived": "04/04/2021 02:10", "Weapon": "Fist", "Where": "Home"},
            {"Attendance": "ED3", "Arrived": "05/04/2021 12:00", "Weapon": "??", "Where": "Bus"},
        ],
    )
    options = {
        "columns": {"attendance_id": "Attendance", "arrival_date": "Arrived"},
        "datetime_formats": {"arrival_date": "%d/%m/%Y %H:%M"},
        "hour_from": {"arrival_hour": "arrival_date"},
        "derive": {
            "assault_method": {
                "from": "Weapon",
                "map": {"knife_sharp": ["Knife"], "body_part": ["Fist"]},
                "otherwise": "unknown",
            },
            "location_type": {
                "from": "Where",
                "map": {"licensed_premises": ["Pub"], "home": ["Home"], "transport": ["Bus"]},
            },
        },
        "constants": {"assault_date": "", "area_code": "", "age": "", "sex": ""},
    }
    result = read_force_extract(path, "ed_attendances", options)
    result.reconcile()
    check_contract("ed_attendances", result.data)
    assert result.data["assault_method"].tolist() == ["knife_sharp", "body_part", "unknown"]
    assert result.data["location_type"].tolist() == ["licensed_premises", "home", "transport"]
    assert result.data["arrival_hour"].tolist() == [23, 2, 12]
    options["derive"]["location_type"]["map"]["pub"] = options["derive"]["location_type"][
        "map"
    ].pop("licensed_premises")
    with pytest.raises(InputError, match="'pub' is not a valid location_type value"):
        read_force_extract(path, "ed_attendances", options)


# --------------------------------------------------------------------------- end to end


def test_load_inputs_reads_a_params_file_with_a_force_extract():
    data = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
    params = parse_params(data, source_file=PARAMS)
    assert params.sources.crimes.format == "force_extract"
    inputs = load_inputs(params)
    crimes = inputs.results["crimes"]
    crimes.reconcile()
    kept, rejected = independent_rows()
    assert crimes.n_included == len(kept) and crimes.n_rejected == len(rejected)
    assert inputs.mode == "record"
    check_contract("crimes", inputs.table("crimes"))
    assert sorted(inputs.table("crimes")["hocr_code"].unique()) == sorted(
        {"8N", "5D", "34B", "34A", "8P", "4/1", "105A", "2", "5E", "8S"}
    )
    assert crimes.rejected["source_row"].tolist() == sorted(rejected)


def test_load_inputs_stops_on_a_bad_mapping_with_the_option_named():
    data = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
    data["sources"]["crimes"]["options"]["columns"]["knife"] = "Knife Flg"
    params = parse_params(data, source_file=PARAMS)
    with pytest.raises(InputError) as caught:
        load_inputs(params)
    assert f"{PREFIX}.columns.knife" in caught.value.message
    assert "did you mean 'Knife Flag'?" in caught.value.message


# --------------------------------------------------------------------------- speed


@pytest.mark.slow
def test_seven_hundred_thousand_rows_map_in_seconds(tmp_path):
    source = pd.read_csv(EXTRACT, dtype=str, keep_default_na=False).iloc[:32]
    n = 700_000
    big = pd.concat([source] * (n // len(source) + 1), ignore_index=True).iloc[:n]
    minutes = np.random.default_rng(20190901).integers(0, 3 * 365 * 24 * 60, n)
    moments = pd.Timestamp("2019-04-01") + pd.to_timedelta(minutes, unit="min")
    big["Committed From"] = moments.strftime("%d/%m/%Y %H:%M")
    big["Occurrence Ref"] = [f"LP/{i:07d}" for i in range(n)]
    big.loc[::1000, "DA Flag"] = "U"
    path = tmp_path / "big.csv"
    big.to_csv(path, index=False)
    start = time.perf_counter()
    result = read_force_extract(path, "crimes", fixture_options())
    seconds = time.perf_counter() - start
    result.reconcile()
    assert result.n_rejected == 700 and result.n_included == n - 700
    assert seconds < 30, f"{seconds:.1f} s"
