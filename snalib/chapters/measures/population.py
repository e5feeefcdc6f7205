"""Residents of the area by mid-year, all ages and the priority group: the rates' denominator."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from snalib.chapters.measures.ages import select_age_bands
from snalib.chapters.measures.aggregates import (
    area_level,
    district_lookup,
    persons_total_rows,
    sum_by_age_group,
)
from snalib.chapters.measures.definitions import ALL_AGES, young_group
from snalib.periods import FinancialYear


@dataclass
class Population:
    """Resident population by mid-year and group, with why a group is not available."""

    by_year: pd.DataFrame  # year, group, population
    problems: dict[str, str] = field(default_factory=dict)
    level: str | None = None

    def value(self, group: str, fy: FinancialYear) -> tuple[float, str]:
        """Population of a group for a financial year: the mid-year of its start year.

        When that year is not in the data, the nearest earlier year is used (or the
        nearest later one when there is none earlier), and the note says so.
        """
        if group in self.problems:
            return math.nan, self.problems[group]
        rows = self.by_year[self.by_year["group"] == group]
        if rows.empty:
            return math.nan, "no population for this group"
        years = sorted(int(y) for y in rows["year"])
        wanted = fy.population_year
        if wanted in years:
            year, note = wanted, ""
        else:
            earlier = [y for y in years if y < wanted]
            year = earlier[-1] if earlier else years[0]
            note = (
                f"population for {fy.label} is the mid-{year} estimate (mid-{wanted} not provided)"
            )
        value = float(rows.loc[rows["year"] == year, "population"].iloc[0])
        if not value > 0:
            return math.nan, f"population for mid-{year} is zero"
        return value, note


def resident_population(
    population: pd.DataFrame,
    areas: pd.DataFrame,
    force_codes: Iterable[str],
    limit: int,
    *,
    by: str | None = None,
) -> Population:
    """Residents of the area (or of each district, ``by="district"``) by mid-year.

    The finest area level present is used (LSOAs, else districts, ...). Sex: a ``U`` row
    equal to its M + F rows is a persons total and is not added. Ages: see
    :func:`select_age_bands`; when the population gives all ages only, the priority group
    has no population and its rates are not available.
    """
    level, known = area_level(population["area_code"], areas, force_codes)
    if level is None:
        problem = "the population table has no rows for the area's LSOAs, districts or force"
        return Population(
            pd.DataFrame(columns=["year", "group", "population"]),
            {ALL_AGES: problem, young_group(limit): problem},
        )
    rows = population[population["area_code"].astype("string").isin(known)].copy()
    rows = rows[~persons_total_rows(rows, ["area_code", "year", "age_band"], "population")]
    keys = ["area_code", "year"]
    if by == "district":
        lookup = district_lookup(areas)
        rows["district_code"] = rows["area_code"].astype("string").map(lookup)
        rows = rows[rows["district_code"].notna()]
        keys = ["district_code", "area_code", "year"]
    bands = select_age_bands(rows["age_band"].astype("string").unique(), limit)
    parts = sum_by_age_group(rows, keys, "population", bands, limit)
    problems = {}
    frames = []
    out_keys = ["year"] if by is None else ["district_code", "year"]
    for group in (ALL_AGES, young_group(limit)):
        if group not in parts:
            problems[group] = (
                (bands.young_problem if group != ALL_AGES else bands.all_problem) or "not available"
            ) + " (population)"
            continue
        summed = parts[group].groupby(out_keys)["population"].sum().reset_index()
        summed["group"] = group
        frames.append(summed)
    by_year = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*out_keys, "group", "population"])
    )
    by_year["year"] = by_year["year"].astype(int)
    return Population(by_year, problems, level)
