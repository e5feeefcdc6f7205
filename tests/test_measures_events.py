"""Counting each measure's events: admissions (X99, aggregate HES), knife crime, homicides."""

from __future__ import annotations

import math

import pandas as pd

from snalib.chapters.measures.definitions import ALL_AGES
from snalib.chapters.measures.events import admission_events, homicide_events, knife_crime_events
from snalib.definition.flags import flag_crimes
from snalib.params import DefinitionParams
from snalib.periods import FinancialYear
from tests.test_measures import AREAS, WINDOW

# --------------------------------------------------------------------------- admissions


def _admissions() -> pd.DataFrame:
    """X99 by financial year, two districts, HES bands, two sexes; plus rows to ignore."""
    counts = {  # (fy, band) -> count per district and sex
        ("2018/19", "0-17"): 2,
        ("2018/19", "18-24"): 5,
        ("2018/19", "25-34"): 4,
        ("2018/19", "35+"): 1,
        ("2020/21", "0-17"): 1,
        ("2020/21", "18-24"): 3,
        ("2020/21", "25-34"): 2,
        ("2020/21", "35+"): 1,
        ("2021/22", "0-17"): 1,
        ("2021/22", "18-24"): 2,
        ("2021/22", "25-34"): 2,
        ("2021/22", "35+"): 0,
    }
    rows = []
    for (fy, band), n in counts.items():
        for district in ("E06900001", "E07900001"):
            for sex in ("M", "F"):
                rows.append((fy, district, band, sex, "X99", n))
                rows.append((fy, district, band, sex, "Y04", 50))  # another cause
        rows.append((fy, "E23900001", band, "M", "X99", 999))  # a force total: ignored
        rows.append((fy, "E06900001", band, "M", "X99.1", 999))  # ICD-10-CM style: ignored
    return pd.DataFrame(
        rows, columns=["period", "area_code", "age_band", "sex", "icd10_cause", "count"]
    )


def test_admission_counts_x99_by_district_with_under_25_from_bands():
    events = admission_events(_admissions(), AREAS, ["E23900001"], 25)
    assert events.covered == {"2018/19", "2020/21", "2021/22"}
    # 2018/19: (2 + 5 + 4 + 1) x 2 districts x 2 sexes = 48; under 25: (2 + 5) x 4 = 28
    assert events.count(ALL_AGES, FinancialYear(2018)) == (48.0, "")
    assert events.count("under 25", FinancialYear(2018)) == (28.0, "")
    assert events.count(ALL_AGES, FinancialYear(2021)) == (20.0, "")
    assert events.count("under 25", FinancialYear(2021)) == (12.0, "")
    notes = " ".join(events.notes[ALL_AGES])
    assert "district-level rows" in notes and "four-character codes" in notes
    value, why = events.count(ALL_AGES, FinancialYear(2019))
    assert math.isnan(value) and why == "no admissions data for 2019/20"


def test_admission_count_suppressed_at_source_makes_the_year_unknown():
    frame = _admissions()
    frame.loc[
        (frame["period"] == "2021/22") & (frame["icd10_cause"] == "X99") & (frame["count"] == 1),
        "count",
    ] = pd.NA
    events = admission_events(frame, AREAS, ["E23900001"], 25)
    value, why = events.count(ALL_AGES, FinancialYear(2021))
    assert math.isnan(value)
    assert why == "2021/22: 4 cell(s) suppressed at source, so the total is unknown"
    assert events.count(ALL_AGES, FinancialYear(2018)) == (48.0, "")


def test_admissions_with_a_band_straddling_the_limit_refuse_the_under_25_count():
    frame = _admissions()
    frame["age_band"] = frame["age_band"].replace({"18-24": "18-29", "25-34": "30-34"})
    events = admission_events(frame, AREAS, ["E23900001"], 25)
    value, why = events.count("under 25", FinancialYear(2018))
    assert math.isnan(value) and "18-29 straddle" in why
    assert events.count(ALL_AGES, FinancialYear(2018)) == (48.0, "")


def test_monthly_admissions_cover_a_year_only_with_all_twelve_months():
    months = [f"2021-{m:02d}" for m in range(4, 13)] + ["2022-01", "2022-02", "2022-03"]
    rows = [(m, "E06900001", "0-17", "M", "X99", 2) for m in months]
    rows += [(m, "E06900001", "18+", "M", "X99", 3) for m in months]
    rows += [(m, "E06900001", "0-17", "M", "X99", 1) for m in ("2020-04", "2020-05")]
    rows += [(m, "E06900001", "18+", "M", "X99", 1) for m in ("2020-04", "2020-05")]
    frame = pd.DataFrame(
        rows, columns=["period", "area_code", "age_band", "sex", "icd10_cause", "count"]
    )
    events = admission_events(frame, AREAS, ["E23900001"], 18)
    assert events.count(ALL_AGES, FinancialYear(2021)) == (60.0, "")
    assert events.count("under 18", FinancialYear(2021)) == (24.0, "")
    value, why = events.count(ALL_AGES, FinancialYear(2020))
    assert math.isnan(value) and why == "the admissions data cover only 2 of 12 months of 2020/21"


# --------------------------------------------------------------------------- crimes


def _crimes() -> pd.DataFrame:
    rows = [
        # code, public, domestic, knife, victim, offender
        ("8N", True, False, True, 30, 40),  # out only for age: all ages, not under 25
        ("5D", True, False, True, 19, 40),  # in the definition, victim under 25
        ("34B", True, False, True, None, 20),  # victim age unknown: all ages only
        ("8N", False, False, True, 18, 18),  # private place: out
        ("8N", True, True, True, 18, 18),  # domestic: out
        ("5D", True, False, False, 10, 12),  # no knife: out
        ("105A", True, False, True, 15, 15),  # violence without injury: out
        ("1", True, False, True, 22, 30),  # homicide code, under 25
    ]
    frame = pd.DataFrame(
        rows,
        columns=["hocr_code", "public_place", "domestic", "knife", "victim_age", "offender_age"],
    )
    frame.insert(0, "crime_id", [f"C{i}" for i in range(len(frame))])
    frame.insert(1, "offence_date", pd.Timestamp("2021-06-15"))
    frame["victim_age"] = frame["victim_age"].astype("Int64")
    frame["offender_age"] = frame["offender_age"].astype("Int64")
    for col in ("public_place", "domestic", "knife"):
        frame[col] = frame[col].astype("boolean")
    frame["hocr_code"] = frame["hocr_code"].astype("string")
    return frame


def test_knife_crime_counts_all_ages_without_the_age_step_and_under_25_by_victim():
    flagged = flag_crimes(_crimes(), DefinitionParams())
    assert int(flagged["serious_violence"].sum()) == 4  # the headline flag has the age step
    events = knife_crime_events(flagged, 25, WINDOW)
    assert events.count(ALL_AGES, FinancialYear(2021)) == (4.0, "")
    assert events.count("under 25", FinancialYear(2021)) == (2.0, "")
    assert events.count(ALL_AGES, FinancialYear(2018)) == (0.0, "")  # a real zero
    assert events.notes["under 25"] == ["crimes with no recorded victim age count in all ages only"]
    no_age_step = flag_crimes(_crimes(), DefinitionParams(apply_priority_age=False))
    again = knife_crime_events(no_age_step, 25, WINDOW)
    assert again.count(ALL_AGES, FinancialYear(2021)) == (4.0, "")


def test_knife_crime_in_public_data_mode_says_it_cannot_be_counted():
    events = knife_crime_events(None, 25, WINDOW)
    value, why = events.count(ALL_AGES, FinancialYear(2021))
    assert math.isnan(value) and "no knife flag" in why


def test_homicides_count_non_domestic_and_under_25_with_a_knife():
    homicides = pd.DataFrame(
        {
            "offence_date": pd.to_datetime(
                ["2018-05-01", "2018-07-01", "2019-01-01", "2021-04-02", "2021-09-09"]
            ),
            "victim_age": pd.array([17, 40, 20, 19, 23], dtype="Int64"),
            "knife": pd.array([True, True, False, True, True], dtype="boolean"),
            "domestic": pd.array([False, False, False, True, False], dtype="boolean"),
        }
    )
    events = homicide_events(homicides, 25, WINDOW)
    assert events.count(ALL_AGES, FinancialYear(2018)) == (3.0, "")
    assert events.count("under 25", FinancialYear(2018)) == (1.0, "")
    assert events.count(ALL_AGES, FinancialYear(2021)) == (1.0, "")
    assert events.count("under 25", FinancialYear(2021)) == (1.0, "")
    assert events.count(ALL_AGES, FinancialYear(2020)) == (0.0, "")
