"""Tests of the offence code reference (snalib/data/offence_codes.csv) and its lookup module.

The expected values below are typed from ../shared/DOMAIN.md ("The VRN serious violence
definition") and docs/offence-codes.md, independently of the CSV, so that a wrong CSV fails.
"""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest

from snalib.definition.offence_codes import (
    DEFINITION_CODES,
    DEFINITION_GROUPS,
    HOMICIDE_COMPONENTS,
    HOMICIDE_OPEN_DATA_CODE,
    REFERENCE_COLUMNS,
    code_sort_key,
    expand_open_data_code,
    load_offence_codes,
    lookup_codes,
    map_retired_codes,
    normalise_code,
    normalise_codes,
)

SHARED_PRC = (
    Path(__file__).resolve().parents[2]
    / "shared/data/public/home_office_prc/prc-pfa-mar2013-onwards-tables201718.csv"
)

# DOMAIN.md, "The VRN serious violence definition": code -> definition group.
EXPECTED_DEFINITION = {
    "1": "Homicide",
    "1/1": "Homicide",
    "1/2": "Homicide",
    "4/1": "Homicide",
    "1/4.1/4.10/4.2": "Homicide",
    "2": "Attempted murder",
    "5D": "Wounding with intent / endangering life",
    "5E": "Wounding with intent / endangering life",
    "8N": "Assault with injury",
    "8P": "Assault with injury",
    "34A": "Robbery",
    "34B": "Robbery",
}

# DOMAIN.md: out of the definition but in the same subgroup, each a documented exclusion.
EXPECTED_EXCLUSIONS = ["8S", "4/10", "4/2", "4/3", "4/4", "4/6", "4/7", "4/8", "4/9", "37/1"]

# ONS selected offences for knife or sharp instrument crime, current codes (docs/offence-codes.md).
EXPECTED_KNIFE_CURRENT = {
    "1/4.1/4.10/4.2", "1", "1/1", "1/2", "4/1", "4/2",  # homicide (Homicide Index)
    "2",  # attempted murder
    "3B",  # threats to kill
    "5D",  # assault with intent to cause serious harm
    "8N", "8P", "8S",  # assault with injury
    "34A", "34B",  # robbery
    "19C", "19D", "19E", "19F", "19G", "19H",  # rape
    "17A", "17B", "20A", "20B",  # sexual assault
}  # fmt: skip

# Retired violence codes and the current code each maps to (docs/offence-codes.md).
EXPECTED_RETIRED = {
    "5": "5D",
    "5A": "5D",
    "5B": "5E",
    "5C": "5E",
    "8A": "8N",
    "8D": "8P",
    "8F": "8N",
    "8G": "8N",
    "8H": "8P",
    "8J": "8P",
}

POLICE_UK_TYPES = {
    "Violence and sexual offences",
    "Robbery",
    "Possession of weapons",
    "Burglary",
    "Vehicle crime",
    "Shoplifting",
    "Theft from the person",
    "Bicycle theft",
    "Other theft",
    "Criminal damage and arson",
    "Drugs",
    "Public order",
    "Other crime",
}

DRIVING_CODES = {"4/4", "4/6", "4/8", "4/9", "37/1"}

# Every distinct `Offence Code` of the Home Office PRC open data table 2017/18
# (prc-pfa-mar2013-onwards-tables201718.csv, SOURCES.md section 2b; OGL v3), copied here so
# that the coverage test runs without the shared folder.
OPEN_DATA_CODES_2017_18 = (
    "1/4.1/4.10/4.2", "104", "105A", "105B", "106", "10A", "10B", "10C", "10D", "11A", "126",
    "13", "14", "15", "17A", "17B", "19C", "19D", "19E", "19F", "19G", "19H", "2", "20A", "20B",
    "21", "22A", "22B", "23", "24", "26", "27", "28A", "28B", "28C", "28D", "28E", "28F", "28G",
    "28H", "29", "29A", "30A", "30B", "30C", "30D", "31", "31A", "33", "33A", "34A", "34B", "35",
    "36", "37.1", "37.2", "38", "39", "3A", "3B", "4.3", "4.4", "4.6", "4.7", "4.8", "4.9", "40",
    "41", "42", "43", "44", "45", "46", "47", "48", "49", "49A", "54", "56A", "56B", "58A", "58B",
    "58C", "58D", "58J", "59", "5D", "5E", "60", "61", "61A", "62A", "66", "67", "69", "70", "71",
    "72", "73", "76", "79", "80", "802", "81", "814", "83", "86", "88A", "88C", "88D", "88E", "8L",
    "8M", "8N", "8P", "8Q", "8R", "8S", "90", "92A", "92C", "92D", "92E", "95", "96", "99", "9A",
    "9B", "AF", "CIFAS", "FFA UK", "UK Finance",
)  # fmt: skip


def _raw_rows() -> list[dict[str, str]]:
    source = files("snalib").joinpath("data", "offence_codes.csv")
    with source.open("r", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


RAW_ROWS = _raw_rows()
ROW_IDS = [row["hocr_code"] for row in RAW_ROWS]


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return load_offence_codes().set_index("hocr_code", drop=False)


# --- the CSV itself -----------------------------------------------------------------------


def test_csv_header_is_exactly_the_documented_columns():
    source = files("snalib").joinpath("data", "offence_codes.csv")
    with source.open("r", encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == REFERENCE_COLUMNS


def test_csv_booleans_are_written_true_or_false():
    for row in RAW_ROWS:
        for column in ("in_definition", "knife_eligible", "sexual_offence"):
            assert row[column] in {"true", "false"}, (row["hocr_code"], column)


def test_hocr_code_is_unique():
    assert len(ROW_IDS) == len(set(ROW_IDS))


@pytest.mark.parametrize("row", RAW_ROWS, ids=ROW_IDS)
def test_hocr_code_is_already_canonical(row):
    assert normalise_code(row["hocr_code"]) == row["hocr_code"]


@pytest.mark.parametrize("row", RAW_ROWS, ids=ROW_IDS)
def test_open_data_code_normalises_to_hocr_code(row):
    open_data = row["open_data_code"]
    if not open_data:
        assert row["maps_to"], "only retired codes lack an open data code"
        return
    if open_data == HOMICIDE_OPEN_DATA_CODE:
        assert row["hocr_code"] in {*HOMICIDE_COMPONENTS, "1/1", "1/2", HOMICIDE_OPEN_DATA_CODE}
        return
    assert normalise_code(open_data) == row["hocr_code"]


def test_rows_are_grouped_and_codes_in_natural_order():
    blocks: list[tuple[str, str]] = []
    codes_in_block: dict[tuple[str, str], list[str]] = {}
    for row in RAW_ROWS:
        block = (row["offence_group"], row["offence_subgroup"])
        if not blocks or blocks[-1] != block:
            assert block not in blocks, f"{block} appears in two places"
            blocks.append(block)
        codes_in_block.setdefault(block, []).append(row["hocr_code"])
    assert [b[0] for b in blocks][0] == "Violence against the person"
    for block, codes in codes_in_block.items():
        assert codes == sorted(codes, key=code_sort_key), block


def test_validity_dates_are_ordered(reference):
    both = reference.dropna(subset=["valid_from", "valid_to"])
    assert (both["valid_from"] < both["valid_to"]).all()
    assert reference.loc["8S", "valid_from"] == pd.Timestamp("2017-04-01")
    for code in ("5D", "5E", "8N", "8P"):
        assert reference.loc[code, "valid_from"] == pd.Timestamp("2012-04-01")


# --- the VRN definition -------------------------------------------------------------------


@pytest.mark.parametrize("row", RAW_ROWS, ids=ROW_IDS)
def test_row_is_in_or_out_of_definition_as_domain_says(row):
    expected = row["hocr_code"] in EXPECTED_DEFINITION
    assert row["in_definition"] == ("true" if expected else "false")
    if expected:
        assert row["definition_group"] == EXPECTED_DEFINITION[row["hocr_code"]]
    else:
        assert row["definition_group"] == ""


@pytest.mark.parametrize(("code", "group"), sorted(EXPECTED_DEFINITION.items()))
def test_domain_definition_code_is_in_reference_and_in_definition(reference, code, group):
    assert code in reference.index
    assert bool(reference.loc[code, "in_definition"]) is True
    assert reference.loc[code, "definition_group"] == group


@pytest.mark.parametrize("code", EXPECTED_EXCLUSIONS)
def test_deliberate_exclusion_is_out_of_definition_with_a_note(reference, code):
    assert bool(reference.loc[code, "in_definition"]) is False
    assert "Deliberate exclusion" in reference.loc[code, "notes"]


def test_definition_codes_constant_matches_domain_and_reference(reference):
    assert set(EXPECTED_DEFINITION) == DEFINITION_CODES
    assert set(reference.index[reference["in_definition"]]) == DEFINITION_CODES


def test_definition_groups_constant_lists_every_group_once(reference):
    used = set(reference["definition_group"].dropna())
    assert used == set(DEFINITION_GROUPS)
    assert len(DEFINITION_GROUPS) == len(set(DEFINITION_GROUPS))


def test_definition_codes_are_violence_or_robbery_on_police_uk(reference):
    in_def = reference[reference["in_definition"]]
    assert set(in_def["police_uk_crime_type"]) <= {"Violence and sexual offences", "Robbery"}
    assert set(reference.loc[["34A", "34B"], "police_uk_crime_type"]) == {"Robbery"}


def test_police_uk_types_are_known_and_fraud_is_left_empty_with_note(reference):
    fraud = reference["offence_group"] == "Fraud offences"
    assert reference.loc[fraud, "police_uk_crime_type"].isna().all()
    assert reference.loc[fraud, "notes"].str.contains("data.police.uk").all()
    assert set(reference.loc[~fraud, "police_uk_crime_type"]) <= POLICE_UK_TYPES
    assert reference.loc[~fraud, "police_uk_crime_type"].notna().all()


def test_knife_eligible_current_codes_are_the_ons_selected_offences(reference):
    current = reference[reference["maps_to"].isna()]
    assert set(current.index[current["knife_eligible"]]) == EXPECTED_KNIFE_CURRENT


def test_sexual_offence_flag_follows_the_offence_group(reference):
    assert (reference["sexual_offence"] == (reference["offence_group"] == "Sexual offences")).all()
    assert not reference.loc[reference["in_definition"], "sexual_offence"].any()


def test_driving_codes_sit_in_the_unlawful_driving_subgroup(reference):
    subgroups = reference.loc[sorted(DRIVING_CODES), "offence_subgroup"]
    assert set(subgroups) == {"Death or serious injury caused by unlawful driving"}


# --- retired codes ------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), sorted(EXPECTED_RETIRED.items()))
def test_retired_code_maps_to_current_in_definition_code(reference, old, new):
    assert reference.loc[old, "maps_to"] == new
    assert pd.notna(reference.loc[old, "valid_to"])
    assert bool(reference.loc[old, "in_definition"]) is False
    assert bool(reference.loc[new, "in_definition"]) is True


def test_every_maps_to_target_exists_and_is_not_itself_retired(reference):
    targets = reference["maps_to"].dropna()
    assert set(targets.index) == set(EXPECTED_RETIRED)
    assert set(targets) <= set(reference.index)
    assert reference.loc[sorted(set(targets)), "maps_to"].isna().all()


def test_map_retired_codes_replaces_only_retired_codes():
    codes = pd.Series(["8G", " 5b", "8N", "XX", None, "4.1"], index=list("abcdef"))
    mapped = map_retired_codes(codes)
    assert mapped.index.tolist() == list("abcdef")
    assert mapped.tolist()[:4] == ["8N", "5E", "8N", "XX"]
    assert pd.isna(mapped["e"])
    assert mapped["f"] == "4/1"


# --- normalisation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4/1", "4/1"),
        ("4.1", "4/1"),
        ("4.10", "4/10"),
        ("37.1", "37/1"),
        ("4.2", "4/2"),
        ("8N", "8N"),
        ("8n", "8N"),
        (" 8N ", "8N"),
        ("8 N", "8N"),
        ("4 / 1", "4/1"),
        ("34b", "34B"),
        ("008N", "8N"),
        ("034B", "34B"),
        ("004/1", "4/1"),
        ("002", "2"),
        ("00801", "00801"),  # Home Office class/subclass code: left alone, stays unknown
        ("UK Finance", "UK FINANCE"),
        ("ffa  uk", "FFA UK"),
        (2, "2"),
        (2.0, "2"),
        (None, None),
        ("", None),
        ("   ", None),
        (float("nan"), None),
        (pd.NA, None),
    ],
)
def test_normalise_code_gives_canonical_form(raw, expected):
    assert normalise_code(raw) == expected


def test_normalise_code_refuses_codes_that_arrived_as_fractions():
    with pytest.raises(ValueError, match="as text"):
        normalise_code(4.1)


def test_normalise_codes_keeps_index_name_and_missing_values():
    codes = pd.Series(["4.1", None, "8n", "4.1"], index=[7, 3, 5, 9], name="offence_code")
    normalised = normalise_codes(codes)
    assert normalised.index.tolist() == [7, 3, 5, 9]
    assert normalised.name == "offence_code"
    assert normalised[7] == "4/1" and normalised[9] == "4/1" and normalised[5] == "8N"
    assert pd.isna(normalised[3])


# --- the combined open data Homicide row --------------------------------------------------


def test_combined_homicide_code_expands_to_its_components():
    assert expand_open_data_code("1/4.1/4.10/4.2") == ["1", "4/1", "4/10", "4/2"]
    assert list(HOMICIDE_COMPONENTS) == ["1", "4/1", "4/10", "4/2"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("4.1", ["4/1"]), ("4/1", ["4/1"]), ("8N", ["8N"]), ("4.4/6/8", ["4/4", "4/6", "4/8"])],
)
def test_expand_open_data_code_splits_only_combined_codes(raw, expected):
    assert expand_open_data_code(raw) == expected


def test_expand_open_data_code_of_missing_is_empty():
    assert expand_open_data_code(None) == []


@pytest.mark.parametrize("raw", ["1/4.1/4.10/4.2", " 1/4.1/4.10/4.2 ", "1, 4.1/10/2"])
def test_combined_homicide_code_normalises_to_published_form(raw):
    assert normalise_code(raw) == HOMICIDE_OPEN_DATA_CODE


def test_combined_homicide_row_counts_as_homicide_and_names_what_it_hides(reference):
    row = reference.loc[HOMICIDE_OPEN_DATA_CODE]
    assert bool(row["in_definition"]) is True
    assert row["definition_group"] == "Homicide"
    assert "4/10" in row["notes"] and "4/2" in row["notes"]
    for component in HOMICIDE_COMPONENTS:
        assert reference.loc[component, "open_data_code"] == HOMICIDE_OPEN_DATA_CODE


# --- coverage of the real open data -------------------------------------------------------


@pytest.mark.parametrize("code", OPEN_DATA_CODES_2017_18)
def test_open_data_code_excerpt_is_in_reference(reference, code):
    assert normalise_code(code) in reference.index


@pytest.mark.shared
@pytest.mark.skipif(not SHARED_PRC.exists(), reason="shared PRC open data file not present")
def test_every_code_in_shared_open_data_file_is_in_reference(reference):
    table = pd.read_csv(SHARED_PRC, dtype=str, keep_default_na=False)
    columns = ["Offence Code", "Offence Description", "Offence Group", "Offence Subgroup"]
    published = table[columns].drop_duplicates()
    assert set(published["Offence Code"]) == set(OPEN_DATA_CODES_2017_18)
    for code, description, group, subgroup in published.itertuples(index=False):
        canonical = normalise_code(code)
        assert canonical in reference.index, code
        row = reference.loc[canonical]
        assert row["open_data_code"] == code
        assert row["description"] == description
        assert row["offence_group"] == group
        if canonical in DRIVING_CODES:  # documented move to the later unlawful-driving subgroup
            assert subgroup == "Violence with injury"
        else:
            assert row["offence_subgroup"] == subgroup, code


# --- loading and lookup -------------------------------------------------------------------


def test_load_offence_codes_parses_booleans_and_returns_a_fresh_copy():
    first = load_offence_codes()
    assert list(first.columns) == list(REFERENCE_COLUMNS)
    for column in ("in_definition", "knife_eligible", "sexual_offence"):
        assert first[column].dtype == bool
    first.loc[:, "in_definition"] = True
    assert load_offence_codes()["in_definition"].sum() == len(DEFINITION_CODES)


def test_lookup_codes_aligns_to_input_index_and_flags_unknown_codes():
    codes = pd.Series(["4.1", "8S", "ZZ9", None, "1/4.1/4.10/4.2"], index=[40, 10, 30, 20, 0])
    looked_up = lookup_codes(codes)
    assert looked_up.index.tolist() == [40, 10, 30, 20, 0]
    assert list(looked_up.columns) == [*REFERENCE_COLUMNS, "known"]
    assert looked_up["known"].tolist() == [True, True, False, False, True]
    assert looked_up.loc[40, "hocr_code"] == "4/1"
    assert looked_up.loc[40, "definition_group"] == "Homicide"
    assert bool(looked_up.loc[10, "in_definition"]) is False
    assert looked_up.loc[30, "hocr_code"] == "ZZ9"
    # an unknown code is neither in nor out of the definition: the caller decides
    assert pd.isna(looked_up.loc[30, "in_definition"])
    assert looked_up["in_definition"].dtype == "boolean"
    assert bool(looked_up.loc[0, "in_definition"]) is True


def test_lookup_codes_of_empty_series_is_empty():
    looked_up = lookup_codes(pd.Series([], dtype="string"))
    assert looked_up.empty
    assert list(looked_up.columns) == [*REFERENCE_COLUMNS, "known"]
