"""The Home Office success measures: what each measure is, and the hand-made data with known
answers that the other ``test_measures_*`` files share (areas, populations, tables, results).

One test file per module of :mod:`snalib.chapters.measures`: ``test_measures_ages``,
``_population``, ``_events``, ``_compare``, ``_table``, ``_protect``, ``_findings``,
``_series``, ``_funnel`` and ``_chapter``.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pandas as pd

from snalib.chapters.measures.definitions import (
    ALL_AGES,
    MEASURES,
    STATUSES,
    Periods,
    young_group,
)
from snalib.chapters.measures.events import (
    MeasureEvents,
    admission_events,
    homicide_events,
    knife_crime_events,
)
from snalib.chapters.measures.population import Population, resident_population
from snalib.chapters.measures.table import MeasuresResult, measures_table
from snalib.periods import FinancialYear
from snalib.publish.disclosure import Rule

POLICE = Rule(5, 10, "police data rule")
HES = Rule(8, 10, "HES rule")
RULES = {"police": POLICE, "hes": HES}
WINDOW = (date(2015, 4, 1), date(2022, 3, 31))
PERIODS = Periods(FinancialYear(2018), FinancialYear(2020), FinancialYear(2021))

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


def population_table(years=(2018, 2020, 2021)) -> pd.DataFrame:
    """Residents of the three LSOAs: 6,000 in 2018 (1,800 under 25), 18 more each year."""
    rows = []
    for year in years:
        for lsoa, scale in (("E01900001", 1), ("E01900002", 2), ("E01900003", 3)):
            for band, value in (("0-19", 100), ("20-24", 50), ("25+", 350)):
                for sex in ("M", "F"):
                    rows.append((lsoa, year, sex, band, value * scale + (year - 2018)))
    return pd.DataFrame(rows, columns=["area_code", "year", "sex", "age_band", "population"])


def table_from_counts(counts: dict[str, dict[str, tuple[float, float, float]]]) -> pd.DataFrame:
    """A measures table from hand-made counts: measure -> group -> (baseline, prev, current)."""
    events = {}
    for key, groups in counts.items():
        rows = []
        for group, values in groups.items():
            for fy, n in zip(("2018/19", "2020/21", "2021/22"), values, strict=True):
                rows.append((group, fy, pd.NA, float(n), 0))
        frame = pd.DataFrame(rows, columns=["group", "financial_year", "month", "count", "missing"])
        events[key] = MeasureEvents(MEASURES[key], frame, {"2018/19", "2020/21", "2021/22"})
    population = Population(
        pd.DataFrame(
            {
                "year": [2018, 2020, 2021] * 2,
                "group": [ALL_AGES] * 3 + ["under 25"] * 3,
                "population": [1_000_000, 1_000_000, 1_000_000, 250_000, 250_000, 250_000],
            }
        )
    )
    return measures_table(events, population, PERIODS, 25)


def measures_result(flagged, homicides=None) -> MeasuresResult:
    """The measures of hand-made crimes and homicides (no admissions data)."""
    events = {
        "admissions": admission_events(None, AREAS, ["E23900001"], 25),
        "knife_crime": knife_crime_events(flagged, 25, WINDOW),
        "homicides": homicide_events(homicides, 25, WINDOW),
    }
    population = resident_population(population_table(), AREAS, ["E23900001"], 25)
    table = measures_table(events, population, PERIODS, 25)
    return MeasuresResult(table, events, population, PERIODS, 25)


# --------------------------------------------------------------------------- the measures


def test_measures_are_the_three_home_office_measures_in_order():
    assert list(MEASURES) == ["admissions", "knife_crime", "homicides"]
    assert [m.source for m in MEASURES.values()] == ["hes", "police", "police"]
    assert len(STATUSES) == 5


def test_group_description_says_who_is_counted_in_each_group():
    assert MEASURES["admissions"].group_description("under 25", 25) == "patients aged under 25"
    assert MEASURES["knife_crime"].group_description(ALL_AGES, 25) == "victims of all ages"
    assert MEASURES["homicides"].group_description(young_group(18), 18) == (
        "victims aged under 18, knife or sharp instrument"
    )


def test_periods_from_params_are_baseline_previous_and_report_year():
    params = SimpleNamespace(report_year="2021/22", baseline_fy=FinancialYear(2018))
    periods = Periods.from_params(params)
    assert [(name, fy.label) for name, fy in periods.named()] == [
        ("baseline", "2018/19"),
        ("previous", "2020/21"),
        ("current", "2021/22"),
    ]
