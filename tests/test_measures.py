"""The Home Office success measures: hand-made data with known answers, the status rule,
disclosure control, and simulations with a known rate ratio."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from snalib.chapters.measures import measures
from snalib.definition.flags import flag_crimes
from snalib.params import DefinitionParams
from snalib.periods import FinancialYear
from snalib.publish.disclosure import Rule
from snalib.stats import rate_ratio

POLICE = Rule(5, 10, "police data rule")
HES = Rule(8, 10, "HES rule")
RULES = {"police": POLICE, "hes": HES}
WINDOW = (date(2015, 4, 1), date(2022, 3, 31))
PERIODS = measures.Periods(FinancialYear(2018), FinancialYear(2020), FinancialYear(2021))

AREAS = pd.DataFrame(
    {
        "lsoa_code": ["E01900001", "E01900002", "E01900003"],
        "lsoa_name": ["A 001A", "A 001B", "B 001A"],
        "district_code": ["E06900001", "E06900001", "E07900001"],
        "district_name": ["Alpha", "Alpha", "Beta"],
        "csp_code": ["E22900001", "E22900001", "E22900002"],
        "csp_name": ["Alpha", "Alpha", "Beta"],
        "force_code": ["E23900001"] * 3,
        "force_name": ["Northshire"] * 3,
    }
)


# --------------------------------------------------------------------------- age bands


def test_parse_age_band_reads_ranges_open_bands_and_all():
    assert measures.parse_age_band("18-24") == (18, 24)
    assert measures.parse_age_band("05 - 09") == (5, 9)
    assert measures.parse_age_band("55+") == (55, math.inf)
    assert measures.parse_age_band("all") is None
    with pytest.raises(ValueError, match="'adults'"):
        measures.parse_age_band("adults")


def test_select_age_bands_takes_the_bands_wholly_under_the_limit():
    bands = measures.select_age_bands(["0-17", "18-24", "25-34", "35-44", "45-54", "55+"], 25)
    assert bands.young_bands == ("0-17", "18-24")
    assert len(bands.all_bands) == 6 and bands.all_problem == ""


def test_select_age_bands_refuses_a_band_straddling_the_limit():
    bands = measures.select_age_bands(["0-15", "16-29", "30+"], 25)
    assert bands.young_bands is None
    assert "16-29" in bands.young_problem and "not computed rather than guessed" in (
        bands.young_problem
    )
    assert bands.all_bands == ("0-15", "16-29", "30+")  # all ages is still fine


def test_select_age_bands_says_when_bands_leave_a_gap_or_give_all_ages_only():
    gap = measures.select_age_bands(["0-9", "15-24", "25+"], 25)
    assert gap.young_bands is None and "ages 10 to 14" in gap.young_problem
    assert "ages 10 to 14" in gap.all_problem
    only_all = measures.select_age_bands(["all"], 25)
    assert only_all.young_bands is None and "all ages only" in only_all.young_problem
    assert only_all.all_problem == ""


# --------------------------------------------------------------------------- population


def _population(years=(2018, 2020, 2021)) -> pd.DataFrame:
    rows = []
    for year in years:
        for lsoa, scale in (("E01900001", 1), ("E01900002", 2), ("E01900003", 3)):
            for band, value in (("0-19", 100), ("20-24", 50), ("25+", 350)):
                for sex in ("M", "F"):
                    rows.append((lsoa, year, sex, band, value * scale + (year - 2018)))
    return pd.DataFrame(rows, columns=["area_code", "year", "sex", "age_band", "population"])


def test_resident_population_sums_lsoas_sexes_and_bands():
    pop = measures.resident_population(_population(), AREAS, ["E23900001"], 25)
    assert pop.level == "LSOA"
    # 6 LSOA x sex cells per band; (100 + 50 + 350) x (1 + 2 + 3) x 2 sexes = 6,000 in 2018
    assert pop.value(measures.ALL_AGES, FinancialYear(2018)) == (6000.0, "")
    assert pop.value("under 25", FinancialYear(2018)) == (1800.0, "")
    # each of the 18 cells grows by 1 a year: 2021 is 6,000 + 3 x 18
    assert pop.value(measures.ALL_AGES, FinancialYear(2021))[0] == 6054.0


def test_resident_population_does_not_add_a_persons_row_twice():
    frame = _population(years=(2018,))
    persons = (
        frame.groupby(["area_code", "year", "age_band"], as_index=False)["population"]
        .sum()
        .assign(sex="U")
    )
    pop = measures.resident_population(
        pd.concat([frame, persons], ignore_index=True), AREAS, ["E23900001"], 25
    )
    assert pop.value(measures.ALL_AGES, FinancialYear(2018))[0] == 6000.0


def test_population_uses_the_nearest_earlier_year_and_says_so():
    pop = measures.resident_population(_population(years=(2018,)), AREAS, ["E23900001"], 25)
    value, note = pop.value(measures.ALL_AGES, FinancialYear(2021))
    assert value == 6000.0
    assert note == "population for 2021/22 is the mid-2018 estimate (mid-2021 not provided)"


def test_population_of_all_ages_only_gives_no_under_25_population():
    frame = pd.DataFrame(
        {
            "area_code": ["E01900001", "E01900002"],
            "year": [2021, 2021],
            "sex": ["U", "U"],
            "age_band": ["all", "all"],
            "population": [1500, 2500],
        }
    )
    pop = measures.resident_population(frame, AREAS, ["E23900001"], 25)
    assert pop.value(measures.ALL_AGES, FinancialYear(2021)) == (4000.0, "")
    value, note = pop.value("under 25", FinancialYear(2021))
    assert math.isnan(value) and "all ages only" in note


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
    events = measures.admission_events(_admissions(), AREAS, ["E23900001"], 25)
    assert events.covered == {"2018/19", "2020/21", "2021/22"}
    # 2018/19: (2 + 5 + 4 + 1) x 2 districts x 2 sexes = 48; under 25: (2 + 5) x 4 = 28
    assert events.count(measures.ALL_AGES, FinancialYear(2018)) == (48.0, "")
    assert events.count("under 25", FinancialYear(2018)) == (28.0, "")
    assert events.count(measures.ALL_AGES, FinancialYear(2021)) == (20.0, "")
    assert events.count("under 25", FinancialYear(2021)) == (12.0, "")
    notes = " ".join(events.notes[measures.ALL_AGES])
    assert "district-level rows" in notes and "four-character codes" in notes
    value, why = events.count(measures.ALL_AGES, FinancialYear(2019))
    assert math.isnan(value) and why == "no admissions data for 2019/20"


def test_admission_count_suppressed_at_source_makes_the_year_unknown():
    frame = _admissions()
    frame.loc[
        (frame["period"] == "2021/22") & (frame["icd10_cause"] == "X99") & (frame["count"] == 1),
        "count",
    ] = pd.NA
    events = measures.admission_events(frame, AREAS, ["E23900001"], 25)
    value, why = events.count(measures.ALL_AGES, FinancialYear(2021))
    assert math.isnan(value)
    assert why == "2021/22: 4 cell(s) suppressed at source, so the total is unknown"
    assert events.count(measures.ALL_AGES, FinancialYear(2018)) == (48.0, "")


def test_admissions_with_a_band_straddling_the_limit_refuse_the_under_25_count():
    frame = _admissions()
    frame["age_band"] = frame["age_band"].replace({"18-24": "18-29", "25-34": "30-34"})
    events = measures.admission_events(frame, AREAS, ["E23900001"], 25)
    value, why = events.count("under 25", FinancialYear(2018))
    assert math.isnan(value) and "18-29 straddle" in why
    assert events.count(measures.ALL_AGES, FinancialYear(2018)) == (48.0, "")


def test_monthly_admissions_cover_a_year_only_with_all_twelve_months():
    months = [f"2021-{m:02d}" for m in range(4, 13)] + ["2022-01", "2022-02", "2022-03"]
    rows = [(m, "E06900001", "0-17", "M", "X99", 2) for m in months]
    rows += [(m, "E06900001", "18+", "M", "X99", 3) for m in months]
    rows += [(m, "E06900001", "0-17", "M", "X99", 1) for m in ("2020-04", "2020-05")]
    rows += [(m, "E06900001", "18+", "M", "X99", 1) for m in ("2020-04", "2020-05")]
    frame = pd.DataFrame(
        rows, columns=["period", "area_code", "age_band", "sex", "icd10_cause", "count"]
    )
    events = measures.admission_events(frame, AREAS, ["E23900001"], 18)
    assert events.count(measures.ALL_AGES, FinancialYear(2021)) == (60.0, "")
    assert events.count("under 18", FinancialYear(2021)) == (24.0, "")
    value, why = events.count(measures.ALL_AGES, FinancialYear(2020))
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
    events = measures.knife_crime_events(flagged, 25, WINDOW)
    assert events.count(measures.ALL_AGES, FinancialYear(2021)) == (4.0, "")
    assert events.count("under 25", FinancialYear(2021)) == (2.0, "")
    assert events.count(measures.ALL_AGES, FinancialYear(2018)) == (0.0, "")  # a real zero
    assert events.notes["under 25"] == ["crimes with no recorded victim age count in all ages only"]
    no_age_step = flag_crimes(_crimes(), DefinitionParams(apply_priority_age=False))
    again = measures.knife_crime_events(no_age_step, 25, WINDOW)
    assert again.count(measures.ALL_AGES, FinancialYear(2021)) == (4.0, "")


def test_knife_crime_in_public_data_mode_says_it_cannot_be_counted():
    events = measures.knife_crime_events(None, 25, WINDOW)
    value, why = events.count(measures.ALL_AGES, FinancialYear(2021))
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
    events = measures.homicide_events(homicides, 25, WINDOW)
    assert events.count(measures.ALL_AGES, FinancialYear(2018)) == (3.0, "")
    assert events.count("under 25", FinancialYear(2018)) == (1.0, "")
    assert events.count(measures.ALL_AGES, FinancialYear(2021)) == (1.0, "")
    assert events.count("under 25", FinancialYear(2021)) == (1.0, "")
    assert events.count(measures.ALL_AGES, FinancialYear(2020)) == (0.0, "")


# --------------------------------------------------------------------------- comparison


def test_compare_periods_gives_the_rate_ratio_interval_and_status():
    out = measures.compare_periods(100, 1e5, 80, 1e5)
    reference = rate_ratio(80, 1e5, 100, 1e5)
    assert out["rate_ratio"].iloc[0] == pytest.approx(0.8)
    assert out["change_pct"].iloc[0] == pytest.approx(-20.0)
    assert out["lower95"].iloc[0] == pytest.approx(reference["lower"].iloc[0], rel=1e-12)
    assert out["upper95"].iloc[0] == pytest.approx(1.084273, rel=1e-6)
    assert out["p_value"].iloc[0] == pytest.approx(0.156531, rel=1e-5)
    # 100 baseline events detect a fall of about a third: above the 50% bound, so the
    # non-significant fall is "no significant change", not "too few"
    assert -40 < out["detectable_fall_pct"].iloc[0] < -30
    assert out["status"].iloc[0] == measures.NO_SIGNIFICANT_CHANGE


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        (200, 120, measures.SIGNIFICANT_REDUCTION),
        (100, 160, measures.SIGNIFICANT_INCREASE),
        (300, 290, measures.NO_SIGNIFICANT_CHANGE),
        (25, 22, measures.TOO_FEW),  # not significant and a halving could go unseen
        (9, 40, measures.TOO_FEW),  # a count below 10
        (40, 0, measures.TOO_FEW),  # a count below 10, even though p is tiny
        (0, 0, measures.TOO_FEW),
    ],
)
def test_status_rule_on_known_counts(baseline, current, expected):
    out = measures.compare_periods(baseline, 1e6, current, 1e6)
    assert out["status"].iloc[0] == expected


def test_status_rule_too_few_for_twenty_five_baseline_events_because_of_power():
    out = measures.compare_periods(25, 1e6, 22, 1e6)
    assert out["detectable_fall_pct"].iloc[0] < -50  # a fall of more than half needed
    assert "a fall of 50% could go undetected" in out["status_reason"].iloc[0]


def test_status_rule_is_not_available_without_a_count_or_population():
    out = measures.compare_periods([np.nan, 50, 50], [1e6, np.nan, 1e6], [50, 50, np.nan], 1e6)
    assert list(out["status"]) == [measures.NOT_AVAILABLE] * 3


def test_classify_status_applies_the_rules_in_order():
    status, reason = measures.classify_status(
        [100, 100, 100, 9, 30],
        [60, 160, 95, 30, 28],
        [0.001, 0.001, 0.8, 0.0001, 0.8],
        [0.6, 1.6, 0.95, 3.3, 0.93],
        [-33.0, -33.0, -33.0, np.nan, -60.0],
    )
    assert list(status) == [
        measures.SIGNIFICANT_REDUCTION,
        measures.SIGNIFICANT_INCREASE,
        measures.NO_SIGNIFICANT_CHANGE,
        measures.TOO_FEW,
        measures.TOO_FEW,
    ]
    assert reason[3].startswith("fewer than 10 events")
    assert not any(ch.isdigit() for ch in reason[4].replace("50%", ""))  # no count leaks


# --------------------------------------------------------------------------- the table


def _table(counts: dict[str, dict[str, tuple[float, float, float]]]) -> pd.DataFrame:
    """A measures table from hand-made counts: measure -> group -> (baseline, prev, current)."""
    events = {}
    for key, groups in counts.items():
        rows = []
        for group, values in groups.items():
            for fy, n in zip(("2018/19", "2020/21", "2021/22"), values, strict=True):
                rows.append((group, fy, pd.NA, float(n), 0))
        frame = pd.DataFrame(rows, columns=["group", "financial_year", "month", "count", "missing"])
        events[key] = measures.MeasureEvents(
            measures.MEASURES[key], frame, {"2018/19", "2020/21", "2021/22"}
        )
    population = measures.Population(
        pd.DataFrame(
            {
                "year": [2018, 2020, 2021] * 2,
                "group": [measures.ALL_AGES] * 3 + ["under 25"] * 3,
                "population": [1_000_000, 1_000_000, 1_000_000, 250_000, 250_000, 250_000],
            }
        )
    )
    return measures.measures_table(events, population, PERIODS, 25)


def test_measures_table_has_counts_rates_change_and_status_for_each_group():
    table = _table(
        {
            "knife_crime": {measures.ALL_AGES: (1000, 900, 800), "under 25": (400, 380, 390)},
            "homicides": {measures.ALL_AGES: (12, 9, 3), "under 25": (3, 0, 1)},
        }
    )
    assert list(table.columns) == measures.COLUMNS
    knife = table.iloc[0]
    assert (knife["baseline_count"], knife["current_count"]) == (1000, 800)
    assert knife["baseline_rate"] == pytest.approx(100.0)
    assert knife["current_rate"] == pytest.approx(80.0)
    assert knife["change_pct"] == pytest.approx(-20.0)
    assert knife["change_pct_previous"] == pytest.approx(800 / 900 * 100 - 100)
    assert knife["status"] == measures.SIGNIFICANT_REDUCTION
    young = table.iloc[1]
    assert young["current_rate"] == pytest.approx(156.0)
    assert young["status"] == measures.NO_SIGNIFICANT_CHANGE
    assert table.iloc[2]["status"] == measures.TOO_FEW  # homicides: 3 in the report year


def test_measures_table_without_a_baseline_says_so():
    events = {
        "homicides": measures.homicide_events(
            pd.DataFrame(
                {
                    "offence_date": pd.to_datetime(["2021-05-01"]),
                    "victim_age": pd.array([30], dtype="Int64"),
                    "knife": pd.array([False], dtype="boolean"),
                    "domestic": pd.array([False], dtype="boolean"),
                }
            ),
            25,
            WINDOW,
        )
    }
    population = measures.resident_population(_population(), AREAS, ["E23900001"], 25)
    periods = measures.Periods(None, FinancialYear(2020), FinancialYear(2021))
    table = measures.measures_table(events, population, periods, 25)
    assert (table["status"] == measures.NOT_AVAILABLE).all()
    assert table["status_reason"].iloc[0] == "no baseline year set (baseline: null)"
    assert table["current_count"].iloc[0] == 1 and table["baseline_period"].iloc[0] == ""


# --------------------------------------------------------------------------- disclosure


def test_protect_measures_withholds_small_counts_and_everything_resting_on_them():
    table = _table(
        {
            "admissions": {measures.ALL_AGES: (40, 30, 7), "under 25": (12, 9, 0)},
            "homicides": {measures.ALL_AGES: (12, 9, 7), "under 25": (3, 0, 1)},
        }
    )
    out = measures.protect_measures(table, RULES)
    adm_all, adm_young, hom_all, hom_young = (out.iloc[i] for i in range(4))
    # HES: 7 is suppressed (1-7), and every value resting on it is [u]
    assert adm_all["current_count"] == "[c]" and adm_all["baseline_count"] == 40
    for col in ("current_rate", "change_pct", "rate_ratio", "lower95", "upper95", "p_value"):
        assert adm_all[col] == "[u]", col
    assert adm_all["baseline_rate"] == pytest.approx(4.0)  # rests on 40 only
    assert "HES rule: threshold 8" in adm_all["notes"]
    # police rule: 7 homicides are shown (threshold 5) but no rate on fewer than 10
    assert hom_all["current_count"] == 7 and hom_all["current_rate"] == "[u]"
    assert hom_all["change_pct_previous"] == "[u]"  # rests on 9 and 7
    assert hom_young["baseline_count"] == "[c]" and hom_young["current_count"] == "[c]"
    assert hom_young["detectable_fall_pct"] in ("[u]",) or pd.isna(hom_young["detectable_fall_pct"])
    # no published count between 1 and the threshold
    for row, rule in ((adm_all, HES), (adm_young, HES), (hom_all, POLICE), (hom_young, POLICE)):
        for col in measures.COUNT_COLUMNS:
            value = pd.to_numeric(pd.Series([row[col]]), errors="coerce").iloc[0]
            assert not (1 <= value < rule.threshold), (col, value)


def test_protect_measures_withholds_an_under_25_count_found_by_difference():
    table = _table({"knife_crime": {measures.ALL_AGES: (500, 300, 40), "under 25": (200, 150, 37)}})
    out = measures.protect_measures(table, RULES)
    young = out.iloc[1]
    assert young["current_count"] == "[c]"  # 40 - 37 = 3 people aged 25 or over
    assert young["current_rate"] == "[u]" and young["rate_ratio"] == "[u]"
    assert "secondary suppression" in young["notes"]
    assert young["baseline_count"] == 200 and out.iloc[0]["current_count"] == 40


def test_protect_measures_never_publishes_a_rate_on_a_suppressed_count():
    """With a threshold above the minimum count for a rate, rate x population would reveal
    a suppressed count: the rate must be withheld too."""
    table = _table({"knife_crime": {measures.ALL_AGES: (500, 300, 11), "under 25": (0, 0, 0)}})
    strict = {"police": Rule(12, 10, "strict rule"), "hes": HES}
    row = measures.protect_measures(table, strict).iloc[0]
    assert row["current_count"] == "[c]"
    assert row["current_rate"] == "[u]" and row["current_rate_upper95"] == "[u]"


def test_measure_sentences_read_the_protected_table():
    table = _table(
        {
            "knife_crime": {measures.ALL_AGES: (1000, 900, 800), "under 25": (400, 380, 390)},
            "homicides": {measures.ALL_AGES: (12, 9, 11), "under 25": (3, 0, 2)},
        }
    )
    text = measures.measure_sentences(measures.protect_measures(table, RULES))
    assert "800 crimes in 2021/22 (80.0 per 100,000 residents)" in text
    assert "fell by 20.0%" in text and "significant reduction" in text
    assert "[c] (withheld) homicides in 2021/22 ([u] per 100,000 residents)" in text
    assert "Homicides are rare" in text


# --------------------------------------------------------------------------- series, funnel


def _result(flagged, homicides=None) -> measures.MeasuresResult:
    events = {
        "admissions": measures.admission_events(None, AREAS, ["E23900001"], 25),
        "knife_crime": measures.knife_crime_events(flagged, 25, WINDOW),
        "homicides": measures.homicide_events(homicides, 25, WINDOW),
    }
    population = measures.resident_population(_population(), AREAS, ["E23900001"], 25)
    table = measures.measures_table(events, population, PERIODS, 25)
    return measures.MeasuresResult(table, events, population, PERIODS, 25)


def _many_crimes(per_quarter: int, young_share: float) -> pd.DataFrame:
    """Knife crimes in the definition, ``per_quarter`` in every quarter of the window."""
    starts = pd.date_range("2015-04-01", "2022-01-01", freq="QS-APR")
    n = per_quarter * len(starts)
    young = int(round(per_quarter * young_share))
    return pd.DataFrame(
        {
            "offence_date": np.repeat(starts + pd.Timedelta(days=10), per_quarter),
            "exclusion_step": "",
            "knife": pd.array([True] * n, dtype="boolean"),
            "victim_age": pd.array(
                np.tile([18] * young + [40] * (per_quarter - young), len(starts)), dtype="Int64"
            ),
        }
    )


def test_series_is_quarterly_when_every_quarter_can_be_published():
    series = measures.measure_series(_result(_many_crimes(20, 0.5)), "knife_crime", RULES)
    assert series.frequency == "quarter"
    assert len(series.data) == 2 * 28
    assert set(series.data["count"]) == {20, 10}
    assert series.data["period"].iloc[0] == "2015/16 Q1"
    assert "+0%" in series.title or "no significant change" in series.title


def test_series_falls_back_to_financial_years_when_a_quarter_would_be_withheld():
    # 20 a quarter, 17 of them under 25: 3 aged 25+ a quarter could be found by difference
    series = measures.measure_series(_result(_many_crimes(20, 0.85)), "knife_crime", RULES)
    assert series.frequency == "financial year"
    assert len(series.data) == 2 * 7
    young = series.data[series.data["group"] == "under 25"]
    assert set(young["count"]) == {68}  # 12 aged 25+ a year: publishable
    assert series.plot["withheld"].sum() == 0


def test_series_marks_small_counts_withheld_and_never_plots_them():
    homicides = pd.DataFrame(
        {
            "offence_date": pd.to_datetime(["2018-05-01"] * 6 + ["2021-05-01"] * 2),
            "victim_age": pd.array([20] * 8, dtype="Int64"),
            "knife": pd.array([True] * 8, dtype="boolean"),
            "domestic": pd.array([False] * 8, dtype="boolean"),
        }
    )
    series = measures.measure_series(_result(None, homicides), "homicides", RULES)
    assert series.frequency == "financial year"
    data = series.data.set_index(["group", "period"])["count"]
    assert data[(measures.ALL_AGES, "2018/19")] == 6
    assert data[(measures.ALL_AGES, "2021/22")] == "[c]"
    assert data[("under 25", "2021/22")] == "[c]"
    assert series.plot["value"].isna().sum() == 2 and series.plot["withheld"].sum() == 2
    assert "withheld" in series.note


def test_district_funnel_hides_small_districts_and_their_neighbour_in_size():
    crimes = pd.DataFrame(
        {
            "offence_date": pd.Timestamp("2021-07-01"),
            "area_code": ["E01900001"] * 40 + ["E01900003"] * 3,
            "serious_violence": True,
        }
    )
    inputs = measures.MeasureInputs(_population(), AREAS, flagged=crimes)

    class Params:
        report_year = "2021/22"

        class area:
            force_codes = ["E23900001"]

        class definition:
            priority_age_limit = 25

    funnel = measures.district_funnel(inputs, Params, POLICE)
    data = funnel.data.set_index("district_name")
    assert data.loc["Beta", "count"] == 3 and data.loc["Beta", "rate"] == "[u]"
    # only one district is suppressed: the other (the smallest remaining) is withheld too
    assert data.loc["Alpha", "count"] == "[c]" and data.loc["Alpha", "rate"] == "[u]"
    assert funnel.points.empty
    assert "not plotted" in funnel.note


# --------------------------------------------------------------------------- simulations


def _simulate(expected_baseline, ratio, n, seed):
    rng = np.random.default_rng(seed)
    baseline = rng.poisson(expected_baseline, n)
    current = rng.poisson(expected_baseline * ratio, n)
    return measures.compare_periods(baseline, 1e6, current, 1e6, detectable=False)


def test_rate_ratio_interval_covers_a_true_ratio_of_0_8_in_about_95_percent_of_runs():
    out = _simulate(200, 0.8, 600, seed=20190901)
    covered = ((out["lower95"] <= 0.8) & (out["upper95"] >= 0.8)).mean()
    assert 0.925 <= covered <= 0.985  # exact: at least nominal up to Monte Carlo error


def test_status_rule_detects_a_fall_of_the_detectable_size_4_times_in_5():
    fall = measures.detectable_change(200, 1e6, 1e6, "decrease")[0]
    assert -30 < fall < -20
    out = _simulate(200, 1 + fall / 100, 600, seed=11)
    power = (out["status"] == measures.SIGNIFICANT_REDUCTION).mean()
    assert 0.74 <= power <= 0.86


def test_status_rule_calls_a_change_in_about_5_percent_of_runs_under_no_change():
    out = _simulate(200, 1.0, 1000, seed=7)
    false_alarms = out["status"].isin(
        [measures.SIGNIFICANT_REDUCTION, measures.SIGNIFICANT_INCREASE]
    )
    assert 0.02 <= false_alarms.mean() <= 0.075


@pytest.mark.slow
@pytest.mark.parametrize("expected", [30, 200, 1000])
def test_rate_ratio_coverage_and_false_alarms_at_several_sizes(expected):
    out = _simulate(expected, 0.8, 10_000, seed=expected)
    covered = ((out["lower95"] <= 0.8) & (out["upper95"] >= 0.8)).mean()
    assert 0.945 <= covered <= 0.975
    null = _simulate(expected, 1.0, 10_000, seed=expected + 1)
    calls = null["status"].isin([measures.SIGNIFICANT_REDUCTION, measures.SIGNIFICANT_INCREASE])
    assert 0.03 <= calls.mean() <= 0.056  # exact test: at most 5% up to Monte Carlo error
