"""The success measures table from hand-made counts and events."""

from __future__ import annotations

import pandas as pd
import pytest

from snalib.chapters.measures.definitions import (
    ALL_AGES,
    NO_SIGNIFICANT_CHANGE,
    NOT_AVAILABLE,
    SIGNIFICANT_REDUCTION,
    TOO_FEW,
    Periods,
)
from snalib.chapters.measures.events import homicide_events
from snalib.chapters.measures.population import resident_population
from snalib.chapters.measures.table import COLUMNS, measures_table
from snalib.periods import FinancialYear
from tests.test_measures import AREAS, WINDOW, population_table, table_from_counts


def test_measures_table_has_counts_rates_change_and_status_for_each_group():
    table = table_from_counts(
        {
            "knife_crime": {ALL_AGES: (1000, 900, 800), "under 25": (400, 380, 390)},
            "homicides": {ALL_AGES: (12, 9, 3), "under 25": (3, 0, 1)},
        }
    )
    assert list(table.columns) == COLUMNS
    knife = table.iloc[0]
    assert (knife["baseline_count"], knife["current_count"]) == (1000, 800)
    assert knife["baseline_rate"] == pytest.approx(100.0)
    assert knife["current_rate"] == pytest.approx(80.0)
    assert knife["change_pct"] == pytest.approx(-20.0)
    assert knife["change_pct_previous"] == pytest.approx(800 / 900 * 100 - 100)
    assert knife["status"] == SIGNIFICANT_REDUCTION
    young = table.iloc[1]
    assert young["current_rate"] == pytest.approx(156.0)
    assert young["status"] == NO_SIGNIFICANT_CHANGE
    assert table.iloc[2]["status"] == TOO_FEW  # homicides: 3 in the report year


def test_measures_table_without_a_baseline_says_so():
    events = {
        "homicides": homicide_events(
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
    population = resident_population(population_table(), AREAS, ["E23900001"], 25)
    periods = Periods(None, FinancialYear(2020), FinancialYear(2021))
    table = measures_table(events, population, periods, 25)
    assert (table["status"] == NOT_AVAILABLE).all()
    assert table["status_reason"].iloc[0] == "no baseline year set (baseline: null)"
    assert table["current_count"].iloc[0] == 1 and table["baseline_period"].iloc[0] == ""
