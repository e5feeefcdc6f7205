"""data.police.uk street-level adapter, on real excerpts and (marked shared) the full files.

Expected values come from the raw files read with the csv module, never from the adapter.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest

from snalib.errors import InputError
from snalib.inputs.contract import schema
from snalib.inputs.sources._rows import data_without_trace
from snalib.inputs.sources.police_uk import (
    ASB_REASON,
    POLICE_UK_HEADER,
    REPEAT_REASON,
    monthly_counts,
    read_police_uk,
)

from ._paths import LLR_DISTRICTS, STREET_FIXTURES, WARD_FIXTURE, WARD_LOOKUP

REPEATED_ID = "eb7c1756fb3e82339a245f1eeb"  # listed in 2021-07 and 2021-08 (prefix)


def raw_rows(paths: list[Path]) -> list[dict[str, str]]:
    rows = []
    for path in paths:
        with open(path, newline="", encoding="utf-8") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


def independent_counts(paths: list[Path]) -> Counter:
    """(month, crime type) -> crimes, each Crime ID counted in the first month it is listed."""
    rows = [r for r in raw_rows(paths) if r["Crime ID"]]
    first_month: dict[str, str] = {}
    for r in rows:
        m = r["Month"]
        if r["Crime ID"] not in first_month or m < first_month[r["Crime ID"]]:
            first_month[r["Crime ID"]] = m
    counts: Counter = Counter()
    counted: set[str] = set()
    for r in sorted(rows, key=lambda r: r["Month"]):
        if r["Crime ID"] in counted:
            continue
        counted.add(r["Crime ID"])
        counts[(first_month[r["Crime ID"]], r["Crime type"])] += 1
    return counts


def llr_lsoas() -> set[str]:
    with open(WARD_FIXTURE, newline="", encoding="utf-8-sig") as fh:
        return {r["LSOA11CD"] for r in csv.DictReader(fh) if r["LAD19CD"] in LLR_DISTRICTS}


def fixture_files() -> list[Path]:
    return sorted(STREET_FIXTURES.glob("*-street.csv"))


def write_copy(src: Path, dst: Path, edit) -> Path:
    """Copy a street file with edit(list of lines) applied, keeping CRLF."""
    lines = src.read_bytes().decode("utf-8").split("\r\n")
    dst.write_bytes("\r\n".join(edit(lines)).encode("utf-8"))
    return dst


# --------------------------------------------------------------------------- excerpts


def test_read_police_uk_fixture_reconciles():
    result = read_police_uk(STREET_FIXTURES)
    result.reconcile()
    assert result.rows_in == len(raw_rows(fixture_files())) == 214
    assert result.n_included + result.n_excluded + result.n_rejected == result.rows_in


def test_read_police_uk_data_validates_against_contract():
    result = read_police_uk(STREET_FIXTURES)
    validated = schema("street_crimes").validate(data_without_trace(result.data))
    assert len(validated) == result.n_included


def test_anti_social_behaviour_rows_excluded_with_reason():
    result = read_police_uk(STREET_FIXTURES)
    expected = sum(
        1
        for r in raw_rows(fixture_files())
        if not r["Crime ID"] and r["Crime type"] == "Anti-social behaviour"
    )
    excluded = dict(zip(result.excluded["reason"], result.excluded["records"], strict=True))
    assert expected == 21
    assert excluded[ASB_REASON] == expected
    assert not (result.data["crime_type"] == "Anti-social behaviour").any()


def test_repeated_crime_id_counted_once_in_first_month():
    result = read_police_uk(STREET_FIXTURES)
    rows = result.data[result.data["crime_id"].str.startswith(REPEATED_ID)]
    excluded = dict(zip(result.excluded["reason"], result.excluded["records"], strict=True))
    assert len(rows) == 1
    assert rows["month"].iloc[0] == "2021-07"
    assert rows["_source_file"].iloc[0] == "2021-07-leicestershire-street.csv"
    assert excluded[REPEAT_REASON] == 1
    note = next(n for n in result.notes if "more than one month" in n)
    assert "eb7c1756fb3e… listed 2021-07, 2021-08 (kept 2021-07)" in note


def test_repeated_crime_id_first_month_whatever_the_file_order():
    result = read_police_uk(list(reversed(fixture_files())))
    rows = result.data[result.data["crime_id"].str.startswith(REPEATED_ID)]
    assert rows["month"].tolist() == ["2021-07"]


def test_no_location_rows_kept_with_empty_area_and_noted():
    result = read_police_uk(STREET_FIXTURES)
    expected = sum(1 for r in raw_rows(fixture_files()) if r["Crime ID"] and not r["LSOA code"])
    assert expected == 20
    assert int(result.data["area_code"].isna().sum()) == expected
    assert any(n.startswith(f"{expected} crimes have no LSOA") for n in result.notes)


def test_out_of_force_lsoas_kept_and_counted_in_note():
    force = llr_lsoas()
    result = read_police_uk(STREET_FIXTURES, force_lsoas=force)
    expected = sum(
        1
        for r in raw_rows(fixture_files())
        if r["Crime ID"] and r["LSOA code"] and r["LSOA code"] not in force
    )
    kept = result.data["area_code"].notna() & ~result.data["area_code"].isin(force)
    assert expected == 9
    assert int(kept.sum()) == expected
    assert any(
        n.startswith(f"{expected} crimes in ") and "outside the force" in n for n in result.notes
    )


def test_per_file_row_counts_in_notes():
    result = read_police_uk(STREET_FIXTURES)
    assert "2021-07-leicestershire-street.csv: 152 rows" in " ".join(result.notes)
    assert "2021-08-leicestershire-street.csv: 62 rows" in " ".join(result.notes)


def test_monthly_counts_equal_independent_count_of_raw_files():
    result = read_police_uk(STREET_FIXTURES)
    counts = monthly_counts(result)
    got = {(m, t): c for m, t, c in counts.itertuples(index=False) if c}
    assert got == dict(independent_counts(fixture_files()))


def test_monthly_counts_fill_missing_combinations_with_zero():
    result = read_police_uk(STREET_FIXTURES)
    counts = monthly_counts(result.data)
    assert len(counts) == counts["month"].nunique() * counts["crime_type"].nunique()
    assert counts["count"].sum() == result.n_included
    assert (counts["count"] == 0).any()


def test_source_rows_point_at_the_raw_line():
    result = read_police_uk(STREET_FIXTURES)
    row = result.data[result.data["crime_id"].str.startswith(REPEATED_ID)].iloc[0]
    raw = raw_rows([STREET_FIXTURES / row["_source_file"]])[row["_source_row"] - 1]
    assert raw["Crime ID"] == row["crime_id"]


# --------------------------------------------------------------------------- bad inputs


def test_wrong_header_raises_input_error_naming_file_and_column(tmp_path):
    src = fixture_files()[0]
    bad = write_copy(
        src,
        tmp_path / "2021-07-x-street.csv",
        lambda lines: [lines[0].replace("Crime type", "Offence type"), *lines[1:]],
    )
    with pytest.raises(InputError) as err:
        read_police_uk([bad])
    assert err.value.column == "Crime type"
    assert err.value.file == str(bad)
    assert "2021-07-x-street.csv" in str(err.value)


def test_month_not_yyyy_mm_row_rejected(tmp_path):
    src = fixture_files()[0]

    def edit(lines):
        lines[3] = lines[3].replace(",2021-07,", ",2021/07,", 1)
        return lines

    bad = write_copy(src, tmp_path / src.name, edit)
    result = read_police_uk([bad])
    result.reconcile()
    assert result.n_rejected == 1
    rejected = result.rejected.iloc[0]
    assert rejected["column"] == "month"
    assert rejected["source_file"] == src.name
    assert rejected["source_row"] == 3
    assert "YYYY-MM" in rejected["reason"]


def test_no_month_in_yyyy_mm_raises_input_error_naming_month(tmp_path):
    src = fixture_files()[0]
    bad = write_copy(
        src,
        tmp_path / src.name,
        lambda lines: [lines[0], *(ln.replace(",2021-07,", ",Jul-21,", 1) for ln in lines[1:])],
    )
    with pytest.raises(InputError) as err:
        read_police_uk([bad])
    assert err.value.column == "Month"
    assert err.value.file == str(bad)


def test_empty_file_raises_input_error_naming_file(tmp_path):
    empty = tmp_path / "2021-09-leicestershire-street.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as err:
        read_police_uk([empty])
    assert err.value.file == str(empty)
    assert "empty" in str(err.value)


def test_header_only_file_raises_input_error_naming_file(tmp_path):
    header_only = tmp_path / "2021-09-leicestershire-street.csv"
    header_only.write_bytes((",".join(POLICE_UK_HEADER) + "\r\n").encode())
    with pytest.raises(InputError) as err:
        read_police_uk(tmp_path)
    assert err.value.file == str(header_only)
    assert "no data rows" in str(err.value)


def test_folder_without_street_files_raises_input_error(tmp_path):
    with pytest.raises(InputError) as err:
        read_police_uk(tmp_path)
    assert err.value.file == str(tmp_path)


def test_crime_without_id_that_is_not_asb_is_rejected(tmp_path):
    src = fixture_files()[0]

    def edit(lines):
        fields = lines[1].split(",", 1)
        lines[1] = "," + fields[1]  # a Bicycle theft with its Crime ID removed
        return lines

    bad = write_copy(src, tmp_path / src.name, edit)
    result = read_police_uk([bad])
    result.reconcile()
    assert result.rejected["column"].tolist() == ["crime_id"]
    assert result.rejected["source_row"].tolist() == [1]


def test_same_month_duplicate_crime_id_is_rejected_not_excluded(tmp_path):
    src = fixture_files()[0]
    bad = write_copy(src, tmp_path / src.name, lambda lines: [*lines[:-1], lines[1], ""])
    result = read_police_uk([bad])
    result.reconcile()
    assert result.n_rejected == 1
    assert "duplicate crime_id" in result.rejected["reason"].iloc[0]
    assert REPEAT_REASON not in set(result.excluded["reason"])


def test_folder_reads_only_street_files(tmp_path):
    for f in fixture_files():
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "2021-07-leicestershire-outcomes.csv").write_text("not a street file\n")
    result = read_police_uk(tmp_path)
    assert [f.name for f in result.files] == [f.name for f in fixture_files()]


# --------------------------------------------------------------------------- full files


@pytest.mark.shared
def test_full_15_months_counts_equal_independent_count(public):
    folder = public / "police_uk_street" / "leicestershire"
    files = sorted(folder.glob("*-street.csv"))
    result = read_police_uk(folder)
    result.reconcile()
    counts = monthly_counts(result)
    got = {(m, t): c for m, t, c in counts.itertuples(index=False) if c}
    assert len(files) == 15
    assert result.rows_in == len(raw_rows(files)) == 134_630
    assert got == dict(independent_counts(files))


@pytest.mark.shared
def test_full_fy_2021_22_repeats_and_no_location_match_sources_md(public):
    folder = public / "police_uk_street" / "leicestershire"
    fy = [f for f in sorted(folder.glob("*-street.csv")) if "2021-04" <= f.name[:7] <= "2022-03"]
    result = read_police_uk(fy)
    excluded = dict(zip(result.excluded["reason"], result.excluded["records"], strict=True))
    no_location = sum(1 for r in raw_rows(fy) if not r["LSOA code"])
    # SOURCES.md: "7 Crime IDs appear twice"; in the files, 5 IDs account for 7 repeat
    # listings (one ID is listed in 4 months): 7 rows are excluded.
    assert len(fy) == 12
    assert excluded[REPEAT_REASON] == 7
    assert any(n.startswith("5 Crime ID(s) listed in more than one month") for n in result.notes)
    assert no_location == 853
    assert int(result.data["area_code"].isna().sum()) == 853


@pytest.mark.shared
def test_full_files_out_of_force_crimes_counted(public):
    with open(public / "geography" / WARD_LOOKUP, newline="", encoding="utf-8-sig") as fh:
        force = {r["LSOA11CD"] for r in csv.DictReader(fh) if r["LAD19CD"] in LLR_DISTRICTS}
    folder = public / "police_uk_street" / "leicestershire"
    result = read_police_uk(folder, force_lsoas=force)
    rows = [r for r in raw_rows(sorted(folder.glob("*-street.csv"))) if r["Crime ID"]]
    outside_ids = {r["Crime ID"] for r in rows if r["LSOA code"] and r["LSOA code"] not in force}
    assert len(force) == 611
    assert any(n.startswith(f"{len(outside_ids)} crimes in ") for n in result.notes)
    assert result.data["area_code"].notna().sum() - result.data["area_code"].isin(
        force
    ).sum() == len(outside_ids)
