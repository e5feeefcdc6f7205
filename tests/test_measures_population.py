"""Residents by mid-year, the rates' denominator: sexes, bands, LSOAs and missing years."""

from __future__ import annotations

import math

import pandas as pd

from snalib.chapters.measures.definitions import ALL_AGES
from snalib.chapters.measures.population import resident_population
from snalib.periods import FinancialYear
from tests.test_measures import AREAS, population_table


def test_resident_population_sums_lsoas_sexes_and_bands():
    pop = resident_population(population_table(), AREAS, ["E23900001"], 25)
    assert pop.level == "LSOA"
    # 6 LSOA x sex cells per band; (100 + 50 + 350) x (1 + 2 + 3) x 2 sexes = 6,000 in 2018
    assert pop.value(ALL_AGES, FinancialYear(2018)) == (6000.0, "")
    assert pop.value("under 25", FinancialYear(2018)) == (1800.0, "")
    # each of the 18 cells grows by 1 a year: 2021 is 6,000 + 3 x 18
    assert pop.value(ALL_AGES, FinancialYear(2021))[0] == 6054.0


def test_resident_population_does_not_add_a_persons_row_twice():
    frame = population_table(years=(2018,))
    persons = (
        frame.groupby(["area_code", "year", "age_band"], as_index=False)["population"]
        .sum()
        .assign(sex="U")
    )
    pop = resident_population(
        pd.concat([frame, persons], ignore_index=True), AREAS, ["E23900001"], 25
    )
    assert pop.value(ALL_AGES, FinancialYear(2018))[0] == 6000.0


def test_population_uses_the_nearest_earlier_year_and_says_so():
    pop = resident_population(population_table(years=(2018,)), AREAS, ["E23900001"], 25)
    value, note = pop.value(ALL_AGES, FinancialYear(2021))
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
    pop = resident_population(frame, AREAS, ["E23900001"], 25)
    assert pop.value(ALL_AGES, FinancialYear(2021)) == (4000.0, "")
    value, note = pop.value("under 25", FinancialYear(2021))
    assert math.isnan(value) and "all ages only" in note
