"""Counting each measure's events by month or financial year, for both groups.

Knife-enabled serious violence and homicides are counted from records
(:func:`knife_crime_events`, :func:`homicide_events`); hospital admissions from aggregate
Hospital Episode Statistics (:func:`admission_events`). A measure that the run's data
cannot give says why, in :attr:`MeasureEvents.problems`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from snalib.chapters.measures.ages import select_age_bands
from snalib.chapters.measures.aggregates import area_level, persons_total_rows, sum_by_age_group
from snalib.chapters.measures.definitions import ALL_AGES, MEASURES, X99, Measure, young_group
from snalib.periods import (
    FinancialYear,
    financial_year_labels,
    month_labels,
    months_between,
    period_financial_year,
)


@dataclass
class MeasureEvents:
    """Counts of one measure's events by month (or financial year), for both groups.

    Attributes
    ----------
    measure
        The measure.
    events
        ``group``, ``financial_year``, ``month`` (``YYYY-MM``, or <NA> where the data give
        a financial year only), ``count`` (NaN where suppressed at source) and ``missing``
        (cells suppressed at source).
    covered
        Financial years the data cover completely; any other year's count is not available.
    problems
        Group -> why it cannot be counted at all.
    notes
        Group -> notes on how it was counted.
    gaps
        Financial year -> why it is not covered (e.g. "only 7 of 12 months").
    """

    measure: Measure
    events: pd.DataFrame
    covered: set[str] = field(default_factory=set)
    problems: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    gaps: dict[str, str] = field(default_factory=dict)

    def count(self, group: str, fy: FinancialYear) -> tuple[float, str]:
        """The group's count in a financial year, or NaN with the reason."""
        if group in self.problems:
            return math.nan, self.problems[group]
        if fy.label not in self.covered:
            return math.nan, self.gaps.get(fy.label, f"no {self.measure.data} data for {fy.label}")
        rows = self.events[
            (self.events["group"] == group) & (self.events["financial_year"] == fy.label)
        ]
        # Where a year is given both as a whole and by month, the whole-year rows count.
        yearly = rows[rows["month"].isna()]
        if len(yearly):
            rows = yearly
        missing = int(rows["missing"].sum())
        if missing:
            return math.nan, (
                f"{fy.label}: {missing} cell(s) suppressed at source, so the total is unknown"
            )
        return float(rows["count"].sum()), ""

    def monthly(self, group: str, years: Iterable[FinancialYear]) -> pd.DataFrame:
        """The group's counts month by month in the given financial years.

        For the comparison's noise model (:func:`snalib.chapters.measures.compare.
        monthly_comparison`). Only years the data cover month by month are given: a year
        not covered, or given as a whole (a ``YYYY/YY`` row), has no months. Within a year
        given by month, a month with no row is a zero (records: no event; aggregates: no
        admissions, as in :meth:`count`) and a month with a cell suppressed at source is
        NaN (missing, left out).

        Returns
        -------
        pandas.DataFrame
            ``month`` (``YYYY-MM``), ``financial_year`` and ``count``.
        """
        columns = ["month", "financial_year", "count"]
        if group in self.problems:
            return pd.DataFrame(columns=columns)
        rows = self.events[self.events["group"] == group]
        parts = []
        for fy in years:
            if fy.label not in self.covered:
                continue
            year = rows[rows["financial_year"] == fy.label]
            if year["month"].isna().any():
                continue  # given as a whole year: no months
            months = months_between(fy.start, fy.end)
            by_month = year.groupby(year["month"].astype(str))
            counts = by_month["count"].sum().reindex(months, fill_value=0.0)
            missing = by_month["missing"].sum().reindex(months, fill_value=0)
            counts = counts.astype(float).where(missing.to_numpy() == 0)
            parts.append(
                pd.DataFrame(
                    {"month": months, "financial_year": fy.label, "count": counts.to_numpy()}
                )
            )
        if not parts:
            return pd.DataFrame(columns=columns)
        return pd.concat(parts, ignore_index=True)


def _unavailable(measure: Measure, reason: str, limit: int) -> MeasureEvents:
    empty = pd.DataFrame(columns=["group", "financial_year", "month", "count", "missing"])
    return MeasureEvents(measure, empty, problems={ALL_AGES: reason, young_group(limit): reason})


def _window_years(window_start: date, window_end: date) -> set[str]:
    """Financial years lying wholly inside the analysis window."""
    first = FinancialYear.of(window_start)
    last = FinancialYear.of(window_end)
    years = set()
    for start in range(first.start_year, last.start_year + 1):
        fy = FinancialYear(start)
        if fy.start >= window_start and fy.end <= window_end:
            years.add(fy.label)
    return years


def _record_events(dates: pd.Series, groups: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Monthly counts of record-level events for each group (boolean masks)."""
    months = month_labels(dates)
    parts = []
    for group, mask in groups.items():
        selected = months[np.asarray(mask, dtype=bool)].dropna()
        counts = selected.value_counts().sort_index()
        parts.append(
            pd.DataFrame(
                {
                    "group": group,
                    "month": counts.index.astype(str),
                    "count": counts.to_numpy(dtype=float),
                    "missing": 0,
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["financial_year"] = financial_year_labels(
        pd.to_datetime(frame["month"] + "-01", format="%Y-%m-%d")
    ).astype(str)
    return frame[["group", "financial_year", "month", "count", "missing"]]


def knife_crime_events(
    flagged: pd.DataFrame | None,
    limit: int,
    window: tuple[date, date],
    missing: Iterable[str] = (),
) -> MeasureEvents:
    """Knife-enabled serious violence: all ages, and victims under ``limit``.

    Parameters
    ----------
    flagged
        Crimes flagged by :func:`snalib.definition.flags.flag_crimes` (None in public data mode).
    limit
        Priority age limit (victims under it form the priority group).
    window
        The analysis window (first and last day).
    missing
        ``YYYY-MM`` months of the window without crime data (:mod:`snalib.inputs.missing`).
        A financial year holding one is incomplete: its count would compare 11 months with
        12, so it is not covered, and its measure is "not available" with the reason.

    Notes
    -----
    The headline ``serious_violence`` flag already applies the priority age step when
    ``definition.apply_priority_age`` is set, and by the params' rule (victim, offender,
    either or both). This measure needs the definition *without* that step: because the
    priority age is the last step of the flow, a crime meets every other condition exactly
    when its ``exclusion_step`` is empty or ``priority_age``. The priority group is then
    chosen by the victim's age alone, as the Home Office measure asks; a crime whose victim
    age is not recorded counts in all ages only.
    """
    measure = MEASURES["knife_crime"]
    if flagged is None:
        return _unavailable(
            measure,
            "public data (data.police.uk) have no knife flag, offence codes or victim ages, "
            "so knife-enabled serious violence cannot be counted",
            limit,
        )
    in_definition = flagged["exclusion_step"].isin(["", "priority_age"]).to_numpy(dtype=bool)
    knife = flagged["knife"].fillna(False).to_numpy(dtype=bool)
    victim_young = flagged["victim_age"].lt(limit).fillna(False).to_numpy(dtype=bool)
    both = in_definition & knife
    events = _record_events(
        flagged["offence_date"], {ALL_AGES: both, young_group(limit): both & victim_young}
    )
    unknown_age = int((both & flagged["victim_age"].isna().to_numpy()).sum())
    notes = {
        ALL_AGES: [],
        young_group(limit): (
            ["crimes with no recorded victim age count in all ages only"] if unknown_age else []
        ),
    }  # fmt: skip
    covered = _window_years(*window)
    gaps: dict[str, str] = {}
    for month in sorted(set(missing)):
        fy = FinancialYear.of(pd.Period(month, "M").start_time.date()).label
        if fy in covered or fy in gaps:
            name = f"{pd.Period(month, 'M'):%B %Y}"
            gaps[fy] = (
                f"{gaps[fy]}, {name}"
                if fy in gaps
                else f"{fy} is incomplete: the crimes data have no record for {name}"
            )
            covered.discard(fy)
    gaps = {
        fy: f"{text} (a month without data), so the year's count is not comparable"
        for fy, text in gaps.items()
    }
    return MeasureEvents(measure, events, covered, notes=notes, gaps=gaps)


def homicide_events(
    homicides: pd.DataFrame | None, limit: int, window: tuple[date, date]
) -> MeasureEvents:
    """Non-domestic homicides; and those of victims under ``limit`` involving a knife.

    A homicide is domestic when the principal suspect is a partner, ex-partner or family
    member (the ``domestic`` flag of the Homicide Index extract).
    """
    measure = MEASURES["homicides"]
    if homicides is None:
        return _unavailable(measure, "no homicide data were provided (sources.homicides)", limit)
    non_domestic = ~homicides["domestic"].fillna(False).to_numpy(dtype=bool)
    knife = homicides["knife"].fillna(False).to_numpy(dtype=bool)
    young = homicides["victim_age"].lt(limit).fillna(False).to_numpy(dtype=bool)
    events = _record_events(
        homicides["offence_date"],
        {ALL_AGES: non_domestic, young_group(limit): non_domestic & knife & young},
    )
    return MeasureEvents(measure, events, _window_years(*window), notes={})


def admission_events(
    admissions: pd.DataFrame | None,
    areas: pd.DataFrame,
    force_codes: Iterable[str],
    limit: int,
    *,
    cause: str = X99,
) -> MeasureEvents:
    """Emergency admissions for assault by sharp object (ICD-10 X99), from aggregate HES.

    Parameters
    ----------
    admissions
        The canonical ``admissions`` table (None when not provided).
    areas
        The LSOA -> district -> CSP -> force lookup.
    force_codes
        The force code(s) of the area (``area.force_codes``).
    limit
        Priority age limit.
    cause
        The ICD-10 code, WHO three-character form (default X99).

    Notes
    -----
    - Cause: the three-character WHO code only (``X99``; case and a trailing dot are
      ignored). Four-character codes such as ``X99.1`` are not added: in the US ICD-10-CM
      they mean something different, and a file mixing both would double count.
    - Area: rows at the finest level present (LSOA, district, CSP, force) that belongs to
      the area; other levels are ignored (no double counting of a force total).
    - Sex: a ``U`` row equal to its M + F rows is a persons total and is not added.
    - Ages: see :func:`select_age_bands` (straddling bands are refused).
    - Counts suppressed at source (empty or ``*``) make the total of their year unknown:
      that year's count is not available, and the note says how many cells.
    - A financial year counts only when the data cover it: a ``YYYY/YY`` row or all 12
      months.
    """
    measure = MEASURES["admissions"]
    if admissions is None:
        return _unavailable(
            measure, "no hospital admissions data were provided (sources.admissions)", limit
        )
    codes = admissions["icd10_cause"].astype("string").str.strip().str.upper()
    codes = codes.str.rstrip(".")
    rows = admissions[(codes == cause).fillna(False).to_numpy(dtype=bool)].copy()
    notes: list[str] = []
    sub = codes.str.match(rf"^{cause}\.?\d$").fillna(False)
    if sub.any():
        notes.append(
            f"rows with four-character codes ({cause}.0-{cause}.9) are not added to {cause}"
        )
    if rows.empty:
        return _unavailable(measure, f"the admissions data have no {cause} rows", limit)
    level, known = area_level(rows["area_code"], areas, force_codes)
    if level is None:
        return _unavailable(
            measure, "the admissions data have no rows for the area's districts or force", limit
        )
    other = ~rows["area_code"].astype("string").isin(known)
    if other.any():
        notes.append(f"rows for areas other than the area's {level}s are ignored")
    rows = rows[~other.to_numpy(dtype=bool)]
    notes.append(f"counted from {level}-level rows (area of residence)")
    keys = ["period", "area_code", "age_band"]
    rows = rows[~persons_total_rows(rows, keys, "count")]
    bands = select_age_bands(rows["age_band"].astype("string").unique(), limit)
    parts = sum_by_age_group(rows, ["period", "area_code", "sex"], "count", bands, limit)
    period = rows["period"].astype("string")
    is_month = period.str.match(r"^\d{4}-\d{2}$").fillna(False).to_numpy(dtype=bool)
    period_fy = period_financial_year(period)
    covered, gaps = set(period_fy[~is_month].dropna().astype(str)), {}
    months = pd.Series(period[is_month].to_numpy(), index=period_fy[is_month].to_numpy())
    for fy_label, group in months.groupby(level=0):
        n = group.nunique()
        if n == 12:
            covered.add(str(fy_label))
        elif str(fy_label) not in covered:
            gaps[str(fy_label)] = f"the admissions data cover only {n} of 12 months of {fy_label}"
    frames = []
    problems = {}
    for group in (ALL_AGES, young_group(limit)):
        if group not in parts:
            problems[group] = (
                bands.young_problem if group != ALL_AGES else bands.all_problem
            ) or "not available"
            continue
        part = parts[group]
        text = part["period"].astype("string")
        monthly = text.str.match(r"^\d{4}-\d{2}$").fillna(False)
        fy = period_financial_year(text)
        frame = pd.DataFrame(
            {
                "group": group,
                "financial_year": fy.astype(str).to_numpy(),
                "month": text.where(monthly).to_numpy(),
                "count": part["count"].to_numpy(dtype=float),
                "missing": part["missing"].to_numpy(dtype=int),
            }
        )
        frames.append(
            frame.groupby(["group", "financial_year", "month"], dropna=False)
            .agg(count=("count", "sum"), missing=("missing", "sum"))
            .reset_index()
        )
    events = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["group", "financial_year", "month", "count", "missing"])
    )
    suppressed = int(events["missing"].sum()) if len(events) else 0
    if suppressed:
        notes.append(
            "some cells were suppressed at source (empty or *), so some totals are unknown"
        )
    return MeasureEvents(
        measure,
        events,
        covered,
        problems,
        {ALL_AGES: list(notes), young_group(limit): list(notes)},
        gaps,
    )
