"""Home Office police recorded crime open data (PFA) adapter.

Expected totals are computed from the raw CSV with the csv module, not with the adapter.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from snalib.errors import InputError
from snalib.inputs.contract import schema
from snalib.inputs.sources._rows import data_without_trace
from snalib.inputs.sources.home_office import (
    HOMICIDE_CODE,
    OTHER_FORCE_REASON,
    force_key,
    pfa_codes,
    read_home_office_prc,
)

from ._paths import LEICESTERSHIRE, PFA_FIXTURE, PFA_LOOKUP, PRC_FIXTURE, ROLLING_FIXTURE

PRC_FULL = "prc-pfa-mar2013-onwards-tables201718.csv"


def independent_subgroup_totals(path: Path, force: str, year: str) -> dict[str, int]:
    """Offence subgroup -> total, from the raw text (spaces, '-00' and ',' by hand)."""
    totals: dict[str, int] = defaultdict(int)
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["Force Name"] == force and row["Financial Year"] == year:
                totals[row["Offence Subgroup"]] += int(
                    row["Number of Offences"].strip().replace(",", "")
                )
    return dict(totals)


def adapter_subgroup_totals(path: Path, force: str) -> dict[str, int]:
    result = read_home_office_prc(path, force_names=[force])
    sums = result.data.groupby("offence_subgroup")["count"].sum()
    return {k: int(v) for k, v in sums.items()}


def raw_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


# --------------------------------------------------------------------------- excerpt


def test_read_prc_fixture_reconciles():
    result = read_home_office_prc(PRC_FIXTURE)
    result.reconcile()
    assert result.rows_in == 564
    assert result.n_included == 564


def test_read_prc_data_validates_against_contract():
    result = read_home_office_prc(PRC_FIXTURE, pfa_lookup=PFA_FIXTURE)
    validated = schema("recorded_crime_counts").validate(data_without_trace(result.data))
    assert len(validated) == result.n_included


def test_leicestershire_subgroup_totals_equal_independent_computation():
    expected = independent_subgroup_totals(PRC_FIXTURE, "Leicestershire", "2017/18")
    assert adapter_subgroup_totals(PRC_FIXTURE, "Leicestershire") == expected
    assert expected["Homicide"] == 18


def test_other_forces_excluded_with_reason_and_counted():
    result = read_home_office_prc(PRC_FIXTURE, force_names=["leicestershire"])
    result.reconcile()
    excluded = dict(zip(result.excluded["reason"], result.excluded["records"], strict=True))
    assert result.n_included == 524
    assert excluded == {OTHER_FORCE_REASON: 564 - 524}
    assert set(result.data["area_name"]) == {"Leicestershire"}


def test_minus_zero_read_as_zero():
    result = read_home_office_prc(PRC_FIXTURE, force_names=["Leicestershire"])
    zeros = sum(
        1
        for line in raw_lines(PRC_FIXTURE)
        if line.startswith("2017/18") and "Leicestershire" in line and line.endswith(",-00 ")
    )
    assert zeros > 0
    assert int((result.data["count"] == 0).sum()) == zeros
    assert any(f"{zeros} were written '-00'" in n for n in result.notes)


def test_negative_adjustments_kept_and_noted():
    result = read_home_office_prc(PRC_FIXTURE)
    negative = result.data[result.data["count"] < 0]
    found = zip(negative["area_name"], negative["hocr_code"], negative["count"], strict=True)
    assert sorted(found) == [
        ("Cambridgeshire", "26", -1.0),
        ("Kent", HOMICIDE_CODE, -1.0),
    ]
    assert any(n.startswith("2 negative counts kept") for n in result.notes)


def test_combined_homicide_code_kept_as_published():
    result = read_home_office_prc(PRC_FIXTURE, force_names=["Leicestershire"])
    homicide = result.data[result.data["offence_subgroup"] == "Homicide"]
    assert set(homicide["hocr_code"]) == {"1/4.1/4.10/4.2"}
    assert len(homicide) == 16
    assert homicide["count"].sum() == 18


def test_area_code_filled_from_pfa_lookup():
    result = read_home_office_prc(PRC_FIXTURE, pfa_lookup=PFA_FIXTURE)
    codes = result.data.groupby("area_name")["area_code"].first().to_dict()
    assert codes["Leicestershire"] == LEICESTERSHIRE
    assert codes["Devon and Cornwall"] == "E23000035"  # "Devon & Cornwall" in the lookup
    assert result.data.loc[result.data["area_name"] == "Action Fraud", "area_code"].isna().all()
    assert any("no PFA code" in n and "British Transport Police" in n for n in result.notes)


def test_area_code_empty_without_lookup():
    result = read_home_office_prc(PRC_FIXTURE)
    assert result.data["area_code"].isna().all()
    assert "no PFA lookup given: area_code left empty" in result.notes


def test_force_key_matches_publication_spellings():
    assert force_key("Devon & Cornwall") == force_key("Devon and Cornwall")
    assert force_key("City of London") == force_key("London, City of")
    assert force_key(" Leicestershire ") == "leicestershire"


def test_pfa_codes_read_lookup_with_bom():
    codes = pfa_codes(PFA_FIXTURE)
    assert codes[force_key("Leicestershire")] == LEICESTERSHIRE
    assert len(codes) == 3


def test_thousands_separators_and_spaces_parsed(tmp_path):
    lines = raw_lines(PRC_FIXTURE)
    bad = tmp_path / "prc.csv"
    lines[1] = lines[1].replace(", 66776 ", ',"66,776"')
    bad.write_text("\n".join(lines), encoding="utf-8")
    result = read_home_office_prc(bad)
    assert result.data.loc[result.data["area_name"] == "Action Fraud", "count"].tolist() == [66776]
    assert any("1 had thousands separators" in n for n in result.notes)


def test_non_numeric_count_rejected_with_row(tmp_path):
    lines = raw_lines(PRC_FIXTURE)
    bad = tmp_path / "prc.csv"
    lines[1] = lines[1].replace(", 66776 ", ",..")
    bad.write_text("\n".join(lines), encoding="utf-8")
    result = read_home_office_prc(bad)
    result.reconcile()
    assert result.rejected[["source_file", "source_row", "column"]].values.tolist() == [
        ["prc.csv", 1, "count"]
    ]


def test_quarter_out_of_range_rejected(tmp_path):
    lines = raw_lines(PRC_FIXTURE)
    bad = tmp_path / "prc.csv"
    lines[2] = lines[2].replace("2017/18,1,", "2017/18,5,", 1)
    bad.write_text("\n".join(lines), encoding="utf-8")
    result = read_home_office_prc(bad)
    result.reconcile()
    assert result.rejected["source_row"].tolist() == [2]
    assert result.rejected["column"].tolist() == ["quarter"]


def test_unknown_force_raises_input_error():
    with pytest.raises(InputError) as err:
        read_home_office_prc(PRC_FIXTURE, force_names=["Leicestershir"])
    assert err.value.column == "Force Name"
    assert "leicestershir" in str(err.value)


def test_wrong_header_raises_input_error_naming_file_and_column(tmp_path):
    lines = raw_lines(PRC_FIXTURE)
    bad = tmp_path / "prc.csv"
    lines[0] = lines[0].replace("Offence Code", "Code")
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_home_office_prc(bad)
    assert err.value.column == "Offence Code"
    assert err.value.file == str(bad)


def test_rolling_12_month_layout_refused_with_explanation():
    with pytest.raises(InputError) as err:
        read_home_office_prc(ROLLING_FIXTURE)
    assert "rolling 12-month" in str(err.value)
    assert err.value.file == str(ROLLING_FIXTURE)


def test_empty_file_raises_input_error(tmp_path):
    empty = tmp_path / "prc.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as err:
        read_home_office_prc(empty)
    assert err.value.file == str(empty)


# --------------------------------------------------------------------------- full file


@pytest.mark.shared
def test_full_file_leicestershire_subgroup_totals_equal_independent_computation(public):
    path = public / "home_office_prc" / PRC_FULL
    expected = independent_subgroup_totals(path, "Leicestershire", "2017/18")
    assert adapter_subgroup_totals(path, "Leicestershire") == expected
    assert expected["Homicide"] == 18  # SOURCES.md: "Leicestershire homicide ... 18 here"


@pytest.mark.shared
def test_full_file_quirks_counted(public):
    path = public / "home_office_prc" / PRC_FULL
    result = read_home_office_prc(path, pfa_lookup=public / "lookups" / PFA_LOOKUP)
    result.reconcile()
    assert result.rows_in == result.n_included == 23_068
    assert int((result.data["count"] < 0).sum()) == 36  # SOURCES.md: 36 negative adjustments
    assert any("5,792 were written '-00'" in n for n in result.notes)
    no_code = set(result.data.loc[result.data["area_code"].isna(), "area_name"])
    assert no_code == {
        "Action Fraud",
        "British Transport Police",
        "CIFAS",
        "Financial Fraud Action UK",
        "UK Finance",
    }
    assert result.data["area_code"].nunique() == 43
