"""ONS / MHCLG readers: LSOA lookup (areas), IMD 2019, LSOA population, Census 2011 ages.

Expected values are read from the raw files with the csv module, or are the published
figures quoted in SOURCES.md.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest

from snalib.errors import InputError
from snalib.inputs.contract import schema
from snalib.inputs.sources._rows import data_without_trace
from snalib.inputs.sources.ons import (
    CENSUS2011_AGE_BANDS,
    GRAND_TOTAL_REASON,
    NO_FORCE_REASON,
    OTHER_AREA_REASON,
    OTHER_FORCE_REASON,
    attach_imd,
    read_census2011_oa_ages,
    read_imd2019,
    read_lsoa_lookup,
    read_lsoa_population,
)

from ._paths import (
    CENSUS_FIXTURES,
    IMD_FIXTURE,
    LEICESTERSHIRE,
    LLR_DISTRICTS,
    PFA_FIXTURE,
    PFA_LOOKUP,
    POPULATION_FIXTURE,
    WARD_FIXTURE,
    WARD_LOOKUP,
)

#: LSOAs per district (SOURCES.md, sections 3 and 10c).
LLR_LSOAS_BY_DISTRICT = {
    "Leicester": 192,
    "Charnwood": 99,
    "Hinckley and Bosworth": 66,
    "Blaby": 60,
    "North West Leicestershire": 58,
    "Harborough": 47,
    "Oadby and Wigston": 36,
    "Melton": 30,
    "Rutland": 23,
}
#: ONS mid-2019 totals (SOURCES.md, section 10d).
MID_2019 = {"Leicester": 354_224, "Leicestershire": 706_155, "Rutland": 39_927}
IMD_FULL = "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"


def excluded(result) -> dict[str, int]:
    return dict(zip(result.excluded["reason"], result.excluded["records"], strict=True))


def csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def county_totals(population, areas) -> dict[str, int]:
    """Leicester, Leicestershire (the 7 county districts) and Rutland totals."""
    district = dict(zip(areas.data["lsoa_code"], areas.data["district_name"], strict=True))
    totals: dict[str, int] = defaultdict(int)
    for code, pop in zip(population.data["area_code"], population.data["population"], strict=True):
        name = district[code]
        totals[name if name in ("Leicester", "Rutland") else "Leicestershire"] += int(pop)
    return dict(totals)


# --------------------------------------------------------------------------- areas


def test_lsoa_lookup_fixture_gives_611_llr_lsoas_and_reconciles():
    result = read_lsoa_lookup(WARD_FIXTURE, PFA_FIXTURE, force_codes=LEICESTERSHIRE)
    result.reconcile()
    by_district = result.data["district_name"].value_counts().to_dict()
    assert result.rows_in == 628
    assert result.n_included == 611
    assert by_district == LLR_LSOAS_BY_DISTRICT
    assert set(result.data["force_name"]) == {"Leicestershire"}


def test_lsoa_lookup_excludes_other_forces_and_unknown_districts_with_reasons():
    result = read_lsoa_lookup(WARD_FIXTURE, PFA_FIXTURE, force_codes=[LEICESTERSHIRE])
    assert excluded(result) == {OTHER_FORCE_REASON: 12, NO_FORCE_REASON: 5}
    assert any("E06000059 Dorset (5)" in n for n in result.notes)


def test_lsoa_lookup_csp_codes_match_sources_md():
    result = read_lsoa_lookup(WARD_FIXTURE, PFA_FIXTURE, force_codes=LEICESTERSHIRE)
    csps = sorted(result.data["csp_code"].unique())
    assert csps == [f"E22000{n}" for n in range(164, 173)]
    assert set(result.data["district_code"]) == set(LLR_DISTRICTS)


def test_lsoa_lookup_validates_against_contract():
    result = read_lsoa_lookup(WARD_FIXTURE, PFA_FIXTURE, force_codes=LEICESTERSHIRE)
    validated = schema("areas").validate(data_without_trace(result.data))
    assert len(validated) == 611


def test_lsoa_lookup_unknown_force_raises_input_error():
    with pytest.raises(InputError) as err:
        read_lsoa_lookup(WARD_FIXTURE, PFA_FIXTURE, force_codes="E23000099")
    assert err.value.column == "PFA17CD"
    assert err.value.file == str(PFA_FIXTURE)


def test_lsoa_lookup_missing_column_raises_input_error(tmp_path):
    bad = tmp_path / "lookup.csv"
    bad.write_bytes(WARD_FIXTURE.read_bytes().replace(b"LAD19CD", b"LADCODE", 1))
    with pytest.raises(InputError) as err:
        read_lsoa_lookup(bad, PFA_FIXTURE, force_codes=LEICESTERSHIRE)
    assert err.value.column == "LAD19CD"
    assert err.value.file == str(bad)


# --------------------------------------------------------------------------- IMD


def test_read_imd2019_fixture_rows_and_types():
    imd = read_imd2019(IMD_FIXTURE)
    assert len(imd) == 611
    assert list(imd.columns) == ["lsoa_code", "imd_rank", "imd_decile"]
    assert imd["imd_decile"].between(1, 10).all()
    assert str(imd["imd_rank"].dtype) == "Int64"


def test_attach_imd_fills_every_llr_lsoa_with_the_published_values():
    areas = read_lsoa_lookup(WARD_FIXTURE, PFA_FIXTURE, force_codes=LEICESTERSHIRE)
    with_imd = attach_imd(areas, read_imd2019(IMD_FIXTURE))
    book = openpyxl.load_workbook(IMD_FIXTURE, read_only=True)
    published = {r[0]: (r[4], r[5]) for r in list(book["IMD2019"].iter_rows(values_only=True))[1:]}
    got = dict(
        zip(
            with_imd.data["lsoa_code"],
            zip(with_imd.data["imd_rank"], with_imd.data["imd_decile"], strict=True),
            strict=True,
        )
    )
    assert got == published
    assert with_imd.notes[-1] == "IMD 2019 attached to 611 of 611 LSOAs"
    with_imd.reconcile()
    schema("areas").validate(data_without_trace(with_imd.data))


def test_attach_imd_leaves_unmatched_lsoas_empty():
    areas = read_lsoa_lookup(WARD_FIXTURE, PFA_FIXTURE, force_codes=LEICESTERSHIRE).data
    imd = read_imd2019(IMD_FIXTURE).iloc[:600]
    out = attach_imd(areas, imd)
    assert int(out["imd_decile"].isna().sum()) == 11


def test_read_imd2019_missing_sheet_raises_input_error(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    path = tmp_path / "imd.xlsx"
    book.save(path)
    with pytest.raises(InputError) as err:
        read_imd2019(path)
    assert err.value.file == str(path)


def test_read_imd2019_decile_out_of_range_raises_input_error(tmp_path):
    book = openpyxl.load_workbook(IMD_FIXTURE)
    book["IMD2019"]["F3"] = 11
    path = tmp_path / "imd.xlsx"
    book.save(path)
    with pytest.raises(InputError) as err:
        read_imd2019(path)
    assert err.value.rows == [2]
    assert "Decile" in err.value.column


# --------------------------------------------------------------------------- population


def test_lsoa_population_fixture_reconciles_and_drops_grand_total():
    result = read_lsoa_population(POPULATION_FIXTURE)
    result.reconcile()
    assert result.rows_in == 618
    assert excluded(result) == {GRAND_TOTAL_REASON: 1}
    assert "Grand Total" not in set(result.data["area_code"])


def test_lsoa_population_values_equal_raw_file():
    result = read_lsoa_population(POPULATION_FIXTURE)
    raw = {
        r["lsoa"]: int(r["pop"].replace(",", ""))
        for r in csv_rows(POPULATION_FIXTURE)
        if r["lsoa"] != "Grand Total"
    }
    got = dict(zip(result.data["area_code"], result.data["population"].astype(int), strict=True))
    assert got == raw
    assert set(result.data["year"]) == {2019}
    assert set(result.data["sex"]) == {"U"}
    assert set(result.data["age_band"]) == {"all"}


def test_lsoa_population_llr_totals_equal_ons_mid_2019():
    areas = read_lsoa_lookup(WARD_FIXTURE, PFA_FIXTURE, force_codes=LEICESTERSHIRE)
    result = read_lsoa_population(POPULATION_FIXTURE, lsoa_codes=areas.data["lsoa_code"])
    result.reconcile()
    assert excluded(result) == {GRAND_TOTAL_REASON: 1, OTHER_AREA_REASON: 6}
    assert county_totals(result, areas) == MID_2019
    schema("population").validate(data_without_trace(result.data))


def test_lsoa_population_missing_requested_lsoa_noted():
    result = read_lsoa_population(POPULATION_FIXTURE, lsoa_codes=["E01011949", "E01999999"])
    assert result.n_included == 1
    assert any(
        "1 requested LSOA(s) not in the file" in n and "E01999999" in n for n in result.notes
    )


def test_lsoa_population_bad_value_rejected_with_row(tmp_path):
    bad = tmp_path / "pop.csv"
    bad.write_bytes(POPULATION_FIXTURE.read_bytes().replace(b'"1,954"', b"n/k", 1))
    result = read_lsoa_population(bad)
    result.reconcile()
    assert result.rejected[["source_row", "column"]].values.tolist() == [[1, "population"]]


def test_lsoa_population_wrong_header_raises_input_error(tmp_path):
    bad = tmp_path / "pop.csv"
    bad.write_bytes(POPULATION_FIXTURE.read_bytes().replace(b"lsoa,pop", b"code,value", 1))
    with pytest.raises(InputError) as err:
        read_lsoa_population(bad)
    assert err.value.column == "lsoa"
    assert err.value.file == str(bad)


# --------------------------------------------------------------------------- census 2011


def independent_census_sums(paths: list[Path]) -> dict[tuple[str, str], int]:
    sums: Counter = Counter()
    for path in paths:
        for row in csv_rows(path):
            for var, band in CENSUS2011_AGE_BANDS.items():
                sums[(row["LSOA11CD"], band)] += int(row[var])
    return dict(sums)


def test_census2011_ages_fixture_equal_independent_sums_and_reconcile():
    result = read_census2011_oa_ages(CENSUS_FIXTURES)
    result.reconcile()
    n_oa = sum(len(csv_rows(p)) for p in CENSUS_FIXTURES)
    got = {
        (a, b): int(p)
        for a, b, p in zip(
            result.data["area_code"],
            result.data["age_band"],
            result.data["population"],
            strict=True,
        )
    }
    assert result.rows_in == n_oa * 13 == 40 * 13
    assert got == independent_census_sums(CENSUS_FIXTURES)
    assert result.n_included == 8 * 13
    schema("population").validate(data_without_trace(result.data))


def test_census2011_ages_total_equals_total_population():
    result = read_census2011_oa_ages(CENSUS_FIXTURES)
    total = sum(int(r["Total_Population"]) for p in CENSUS_FIXTURES for r in csv_rows(p))
    assert int(result.data["population"].sum()) == total
    assert not any("do not sum" in n for n in result.notes)


def test_census2011_ages_bad_count_raises_input_error_naming_column(tmp_path):
    src = CENSUS_FIXTURES[0]
    rows = src.read_text(encoding="utf-8").split("\n")
    header = rows[0].split(",")
    cells = next(csv.reader([rows[2]]))
    cells[header.index("u010")] = "x"
    rows[2] = ",".join(f'"{c}"' if "," in c else c for c in cells)
    bad = tmp_path / src.name
    bad.write_text("\n".join(rows), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_census2011_oa_ages([bad])
    assert err.value.column == "u010"
    assert err.value.rows == [2]


# --------------------------------------------------------------------------- full files


@pytest.fixture
def full_areas(public):
    return read_lsoa_lookup(
        public / "geography" / WARD_LOOKUP,
        public / "lookups" / PFA_LOOKUP,
        force_codes=LEICESTERSHIRE,
    )


@pytest.mark.shared
def test_full_lookup_gives_611_llr_lsoas(full_areas):
    full_areas.reconcile()
    assert full_areas.rows_in == 34_753
    assert full_areas.data["district_name"].value_counts().to_dict() == LLR_LSOAS_BY_DISTRICT


@pytest.mark.shared
def test_full_imd2019_has_every_english_lsoa_and_covers_llr(public, full_areas):
    imd = read_imd2019(public / "imd2019" / IMD_FULL)
    with_imd = attach_imd(full_areas, imd)
    assert len(imd) == 32_844
    assert imd["imd_rank"].min() == 1 and imd["imd_rank"].max() == 32_844
    assert with_imd.data["imd_decile"].notna().all()


@pytest.mark.shared
def test_full_population_llr_totals_equal_ons_mid_2019(public, full_areas):
    path = public / "geography" / "mysociety_composite_uk_imd" / "2019_population.csv"
    everything = read_lsoa_population(path)
    llr = read_lsoa_population(path, lsoa_codes=full_areas.data["lsoa_code"])
    everything.reconcile()
    llr.reconcile()
    assert everything.rows_in == 42_620
    assert everything.n_included == 42_619
    assert county_totals(llr, full_areas) == MID_2019


@pytest.mark.shared
def test_full_census2011_totals_match_sources_md(public):
    folder = public / "geography" / "census2011_oac_llr"
    paths = [folder / f"2011_OAC_Raw_uVariables_{n}.csv" for n in ("Leicester", "Leicestershire")]
    result = read_census2011_oa_ages(paths)
    result.reconcile()
    young = result.data["age_band"].isin(["10-14", "15-19", "20-24"])
    assert result.data["area_code"].nunique() == 588
    assert int(result.data["population"].sum()) == 980_328
    assert int(result.data.loc[young, "population"].sum()) == 80_058 + 122_324
