"""The Home Office success measures for Violence Reduction Units, with honest uncertainty.

Three measures, each for all ages and for the priority age group (under
``definition.priority_age_limit``, 25 by default):

1. emergency hospital admissions for assault by sharp object (ICD-10 X99), from the
   ``admissions`` table (Hospital Episode Statistics, aggregated);
2. knife-enabled serious violence: crimes meeting the serious violence definition (every
   step except the priority age) with the knife flag; the priority group by *victim* age;
3. non-domestic homicides; the priority group is non-domestic homicides of victims under
   the limit involving a knife or sharp instrument.

For each, the baseline year (``baseline``), the previous year and the report year: counts,
rates per 100,000 residents, the change, the rate ratio of the report year to the baseline
with an exact 95% interval and p-value (:func:`snalib.stats.rate_ratio`), the smallest fall
and rise these counts could detect with 80% power (:func:`snalib.stats.
minimum_detectable_ratio`) and a status from a fixed rule (:func:`classify_status`). The
specification, assumptions and caveats are in ``docs/methods.md``, section 7.

Disclosure control: :func:`protect_measures` applies each row's rule (HES for admissions,
the police rule otherwise), withholds an under-25 count whose complement in the all-ages
count is small (secondary suppression), and withholds every rate, ratio, interval, p-value
and detectable change that rests on a withheld or small count, so no small count can be
recovered from a rate times a population or from a difference.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from snalib.periods import (
    FinancialYear,
    financial_year_labels,
    month_labels,
    period_financial_year,
)
from snalib.publish.disclosure import SUPPRESSED, UNRELIABLE, Rule, is_suppressed, protect
from snalib.publish.tables import markdown_escape
from snalib.stats import crude_rate, minimum_detectable_ratio, rate_ratio
from snalib.stats.dsr import normalise_age_band

# --------------------------------------------------------------------------- the measures

ALL_AGES = "all ages"
X99 = "X99"

SIGNIFICANT_REDUCTION = "significant reduction"
SIGNIFICANT_INCREASE = "significant increase"
NO_SIGNIFICANT_CHANGE = "no significant change"
TOO_FEW = "too few events to conclude"
NOT_AVAILABLE = "not available"
STATUSES = (
    SIGNIFICANT_REDUCTION,
    SIGNIFICANT_INCREASE,
    NO_SIGNIFICANT_CHANGE,
    TOO_FEW,
    NOT_AVAILABLE,
)

#: Significance level of the comparison (the rate ratio's 95% interval) and the power at
#: which the detectable change is stated.
ALPHA = 0.05
POWER = 0.8
#: "Too few events to conclude" when a comparison is not significant and these counts could
#: not detect a fall of this many percent (with 80% power): a halving could go unnoticed.
MAX_DETECTABLE_FALL_PCT = 50.0
PER = 100_000


def young_group(limit: int) -> str:
    """Label of the priority age group, e.g. "under 25"."""
    return f"under {limit}"


@dataclass(frozen=True)
class Measure:
    """One Home Office success measure.

    Attributes
    ----------
    key
        Stable identifier (``measure_id`` in the table, figure names).
    name
        The measure in words.
    source
        Disclosure rule of its counts: "hes" (admissions) or "police".
    unit
        What one event is, plural ("admissions", "crimes", "homicides").
    data
        The input table it comes from.
    short
        A short name for table rows.
    """

    key: str
    name: str
    source: str
    unit: str
    data: str
    short: str = ""

    def group_description(self, group: str, limit: int) -> str:
        """Who is counted in a group, in words."""
        young = group != ALL_AGES
        if self.key == "admissions":
            return f"patients aged under {limit}" if young else "patients of all ages"
        if self.key == "knife_crime":
            return f"victims aged under {limit}" if young else "victims of all ages"
        return (
            f"victims aged under {limit}, knife or sharp instrument"
            if young
            else "victims of all ages, any method"
        )


MEASURES: dict[str, Measure] = {
    "admissions": Measure(
        "admissions",
        "Emergency hospital admissions for assault by sharp object (ICD-10 X99)",
        "hes",
        "admissions",
        "admissions",
        "Admissions for assault by sharp object (X99)",
    ),
    "knife_crime": Measure(
        "knife_crime",
        "Knife-enabled serious violence",
        "police",
        "crimes",
        "crimes",
        "Knife-enabled serious violence",
    ),
    "homicides": Measure(
        "homicides",
        "Non-domestic homicides",
        "police",
        "homicides",
        "homicides",
        "Non-domestic homicides",
    ),
}


@dataclass(frozen=True)
class Periods:
    """The three financial years compared: baseline (may be None), previous and current."""

    baseline: FinancialYear | None
    previous: FinancialYear
    current: FinancialYear

    @classmethod
    def from_params(cls, params) -> Periods:
        fy = FinancialYear.parse(params.report_year)
        return cls(params.baseline_fy, fy.previous(), fy)

    def named(self) -> list[tuple[str, FinancialYear | None]]:
        return [("baseline", self.baseline), ("previous", self.previous), ("current", self.current)]


# --------------------------------------------------------------------------- age bands


def parse_age_band(label: object) -> tuple[float, float] | None:
    """Ages covered by a band label: ``"18-24"`` -> (18, 24), ``"55+"`` -> (55, inf).

    Returns None for ``"all"``.

    Raises
    ------
    ValueError
        If the label is neither ``a-b``, ``a+`` nor ``all``.
    """
    text = normalise_age_band(label)
    if text.lower() == "all":
        return None
    m = re.fullmatch(r"(\d+)-(\d+)", text)
    if m and int(m.group(1)) <= int(m.group(2)):
        return float(m.group(1)), float(m.group(2))
    m = re.fullmatch(r"(\d+)\+", text)
    if m:
        return float(m.group(1)), math.inf
    raise ValueError(f"age band '{label}' is not of the form 18-24, 90+ or all")


def _cover_gaps(ranges: list[tuple[float, float]], low: float, high: float) -> str:
    """Why the ranges do not tile [low, high] exactly ("" when they do)."""
    ranges = sorted(ranges)
    expected = low
    for lo, hi in ranges:
        if lo > expected:
            return f"no band covers ages {expected:g} to {lo - 1:g}"
        if lo < expected:
            return f"bands overlap at age {lo:g}"
        expected = hi + 1
    if expected <= high and expected != math.inf:
        return f"no band covers ages from {expected:g}" + (
            "" if high == math.inf else f" to {high:g}"
        )
    return ""


@dataclass(frozen=True)
class BandSelection:
    """Which age bands make up "all ages" and the priority group, or why they cannot.

    ``all_bands`` is used where a key has no ``all`` row; ``young_bands`` is None with the
    reason in ``young_problem`` when the priority group cannot be counted from the bands.
    """

    all_bands: tuple[str, ...] | None
    young_bands: tuple[str, ...] | None
    all_problem: str = ""
    young_problem: str = ""


def select_age_bands(labels: Iterable[object], limit: int) -> BandSelection:
    """Choose the age bands for all ages and for ages under ``limit``.

    Parameters
    ----------
    labels
        The age band labels present in the data (``all`` and bands such as ``18-24``).
    limit
        The priority age limit (under-25 is ``limit=25``).

    Returns
    -------
    BandSelection
        Bands lying wholly under the limit make the priority group; they must cover every
        age from 0 to ``limit - 1`` exactly once. A band straddling the limit (e.g.
        ``16-29`` for under 25) is **refused**, not split: its share under the limit is
        unknown, and guessing would make the measure wrong silently. All ages is the
        ``all`` row where the data give one, otherwise the sum of bands that must cover
        every age exactly once.
    """
    unique = sorted({str(label) for label in labels})
    ranges: dict[str, tuple[float, float]] = {}
    bad = []
    for label in unique:
        try:
            parsed = parse_age_band(label)
        except ValueError:
            bad.append(label)
            continue
        if parsed is not None:
            ranges[label] = parsed
    if bad:
        problem = f"age band(s) {', '.join(bad)} cannot be read"
        return BandSelection(None, None, problem, problem)
    all_problem = ""
    all_bands: tuple[str, ...] | None = tuple(ranges)
    if ranges:
        gap = _cover_gaps(list(ranges.values()), 0, math.inf)
        if gap:
            all_bands = None
            all_problem = f"the age bands do not add up to all ages ({gap})"
    elif not any(parse_age_band(label) is None for label in unique):
        all_bands, all_problem = None, "no age bands"
    if not ranges:
        return BandSelection(
            all_bands,
            None,
            all_problem,
            f"the data give all ages only, so the under-{limit} group cannot be counted",
        )
    straddle = [b for b, (lo, hi) in ranges.items() if lo < limit <= hi]
    if straddle:
        return BandSelection(
            all_bands,
            None,
            all_problem,
            f"age band(s) {', '.join(straddle)} straddle the priority age limit of {limit}; "
            f"the under-{limit} count is not computed rather than guessed",
        )
    young = {b: r for b, r in ranges.items() if r[1] < limit}
    gap = _cover_gaps(list(young.values()), 0, limit - 1)
    if gap:
        return BandSelection(
            all_bands, None, all_problem, f"the age bands under {limit} are incomplete ({gap})"
        )
    return BandSelection(all_bands, tuple(sorted(young, key=lambda b: young[b])), all_problem)


def _sex_persons_rows(frame: pd.DataFrame, keys: list[str], value: str) -> pd.Series:
    """Rows to drop: a sex ``U`` row equal to its key's M + F rows is a persons total.

    The contract writes U both for "persons" and for "unknown sex". A U row beside M and F
    rows whose value is exactly their sum is read as persons (adding it would double
    count); any other U row is unknown sex and is added.
    """
    sex = frame["sex"].astype("string").fillna("U").to_numpy(dtype=object)
    is_u = sex == "U"
    if not is_u.any():
        return np.zeros(len(frame), dtype=bool)
    values = pd.to_numeric(frame[value], errors="coerce").to_numpy(dtype=float)
    key = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    is_mf = (sex == "M") | (sex == "F")
    # M + F per key, NaN when a key has a missing M/F cell or no M/F row at all
    total = pd.Series(np.where(is_mf, values, 0.0)).groupby(key).sum()
    n_mf = pd.Series(is_mf.astype(int)).groupby(key).sum()
    gaps = pd.Series((is_mf & np.isnan(values)).astype(int)).groupby(key).sum()
    total = total.where((n_mf > 0) & (gaps == 0))
    persons = total.reindex(key).to_numpy()
    return is_u & ~np.isnan(values) & (values == persons)


def _area_level(codes: pd.Series, areas: pd.DataFrame, force_codes: Iterable[str]):
    """The finest area level (LSOA, district, CSP, force) at which ``codes`` match the area.

    Returns ``(level name, set of codes at that level)`` or ``(None, set())``. Rows at
    other levels are then ignored, so a file giving districts and a force total is not
    double counted.
    """
    levels = [
        ("LSOA", set(areas["lsoa_code"].dropna())),
        ("district", set(areas["district_code"].dropna())),
        ("Community Safety Partnership", set(areas["csp_code"].dropna())),
        ("force", set(areas["force_code"].dropna()) | set(force_codes)),
    ]
    present = set(codes.dropna().astype(str))
    for name, known in levels:
        if present & known:
            return name, known
    return None, set()


def _all_and_young(
    frame: pd.DataFrame, keys: list[str], value: str, bands: BandSelection, limit: int
) -> dict[str, pd.DataFrame]:
    """Sum ``value`` by ``keys`` for all ages and for the priority group.

    All ages uses each key's ``all`` rows where present, else the sum of its bands. Returns
    a frame per group (``keys``, ``value``, ``missing``: cells with no value) for the
    groups that can be counted.
    """
    raw = frame["age_band"].astype("string")
    labels = {label: normalise_age_band(label) for label in raw.dropna().unique()}
    band = raw.map(labels)
    is_all = (band.str.lower() == "all").fillna(False)
    missing = pd.to_numeric(frame[value], errors="coerce").isna()
    work = frame[keys].copy()
    work[value] = pd.to_numeric(frame[value], errors="coerce")
    work["missing"] = missing.astype(int)

    def total(mask) -> pd.DataFrame:
        part = work[np.asarray(mask, dtype=bool)]
        return part.groupby(keys, dropna=False).agg(
            **{value: (value, "sum"), "missing": ("missing", "sum")}
        )

    out: dict[str, pd.DataFrame] = {}
    from_all = total(is_all)
    if bands.all_bands is not None:
        chosen = {normalise_age_band(b) for b in bands.all_bands}
        from_bands = total(band.isin(chosen) & ~is_all)
        combined = from_all.combine_first(from_bands)
    else:
        combined = from_all
    if len(combined) or bands.all_bands is not None or is_all.any():
        out[ALL_AGES] = combined.reset_index()
    if bands.young_bands is not None:
        chosen = {normalise_age_band(b) for b in bands.young_bands}
        out[young_group(limit)] = total(band.isin(chosen)).reset_index()
    return out


# --------------------------------------------------------------------------- population


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
    level, known = _area_level(population["area_code"], areas, force_codes)
    if level is None:
        problem = "the population table has no rows for the area's LSOAs, districts or force"
        return Population(
            pd.DataFrame(columns=["year", "group", "population"]),
            {ALL_AGES: problem, young_group(limit): problem},
        )
    rows = population[population["area_code"].astype("string").isin(known)].copy()
    rows = rows[~_sex_persons_rows(rows, ["area_code", "year", "age_band"], "population")]
    keys = ["area_code", "year"]
    if by == "district":
        lookup = _district_lookup(areas)
        rows["district_code"] = rows["area_code"].astype("string").map(lookup)
        rows = rows[rows["district_code"].notna()]
        keys = ["district_code", "area_code", "year"]
    bands = select_age_bands(rows["age_band"].astype("string").unique(), limit)
    parts = _all_and_young(rows, keys, "population", bands, limit)
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


def _district_lookup(areas: pd.DataFrame) -> dict[str, str]:
    """Area code -> district code, for LSOA codes and for district codes themselves."""
    lookup = dict(
        zip(areas["lsoa_code"].astype(str), areas["district_code"].astype(str), strict=True)
    )
    lookup.update({d: d for d in areas["district_code"].dropna().astype(str)})
    return lookup


# --------------------------------------------------------------------------- events


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
    flagged: pd.DataFrame | None, limit: int, window: tuple[date, date]
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
    return MeasureEvents(measure, events, _window_years(*window), notes=notes)


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
    level, known = _area_level(rows["area_code"], areas, force_codes)
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
    rows = rows[~_sex_persons_rows(rows, keys, "count")]
    bands = select_age_bands(rows["age_band"].astype("string").unique(), limit)
    parts = _all_and_young(rows, ["period", "area_code", "sex"], "count", bands, limit)
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


# --------------------------------------------------------------------------- comparison


@lru_cache(maxsize=4096)
def _detectable_ratio(baseline: int, exposure: float, direction: str) -> float:
    """Minimum detectable rate ratio (exact method), cached: simulations repeat counts."""
    result = minimum_detectable_ratio(
        baseline, exposure, 1.0, alpha=ALPHA, power=POWER, direction=direction
    )
    return float(result["value"].iloc[0])


def detectable_change(baseline_count, baseline_population, current_population, direction):
    """Smallest fall (or rise), in percent, detectable with 80% power at the 5% level.

    Vectorised over arrays. NaN where a count or population is missing, the baseline
    count is 0, or no change in that direction is detectable (e.g. a fall from 3 events).
    """
    b = np.asarray(baseline_count, dtype=float)
    d_b = np.asarray(baseline_population, dtype=float)
    d_a = np.asarray(current_population, dtype=float)
    b, d_b, d_a = (np.atleast_1d(x) for x in np.broadcast_arrays(b, d_b, d_a))
    out = np.full(b.shape, np.nan)
    for i in np.flatnonzero(~np.isnan(b) & ~np.isnan(d_b) & ~np.isnan(d_a) & (b > 0)):
        ratio = _detectable_ratio(int(b[i]), round(float(d_a[i] / d_b[i]), 12), direction)
        out[i] = (ratio - 1) * 100
    return out


def classify_status(
    baseline_count,
    current_count,
    p_value,
    rate_ratio_value,
    detectable_fall_pct,
    *,
    min_count: int = 10,
    alpha: float = ALPHA,
    max_detectable_fall_pct: float = MAX_DETECTABLE_FALL_PCT,
) -> tuple[np.ndarray, np.ndarray]:
    """The status of each comparison, and the reason, by the documented rule.

    Applied in order (docs/methods.md, section 7):

    1. **not available** when either count or the rate ratio is missing (no baseline, a
       source or population not provided, a total suppressed at source);
    2. **too few events to conclude** when the baseline or the report year count is
       below ``min_count`` (10: the count below which no rate is published);
    3. **significant reduction** / **significant increase** when the exact two-sided
       p-value is at most ``alpha`` (equivalently, the 95% interval of the rate ratio
       excludes 1), by the direction of the ratio;
    4. **too few events to conclude** when not significant and these counts could not
       detect a fall of ``max_detectable_fall_pct`` (50%) with 80% power: "no change" would
       be read as evidence when the data could not have shown one;
    5. **no significant change** otherwise.

    Under no true change, steps 3 calls a change in at most ``alpha`` of comparisons (the
    exact test is conservative), whatever steps 2 and 4 do.

    Returns
    -------
    (status, reason)
        Arrays of text. Reasons contain no count (they are published as they are).
    """
    b = np.atleast_1d(np.asarray(baseline_count, dtype=float))
    a = np.atleast_1d(np.asarray(current_count, dtype=float))
    p = np.atleast_1d(np.asarray(p_value, dtype=float))
    rr = np.atleast_1d(np.asarray(rate_ratio_value, dtype=float))
    fall = np.atleast_1d(np.asarray(detectable_fall_pct, dtype=float))
    b, a, p, rr, fall = np.broadcast_arrays(b, a, p, rr, fall)
    status = np.full(b.shape, NO_SIGNIFICANT_CHANGE, dtype=object)
    reason = np.full(
        b.shape,
        f"the 95% interval of the rate ratio includes 1, and a fall of "
        f"{max_detectable_fall_pct:g}% would have been detected at least 4 times in 5",
        dtype=object,
    )
    weak = np.isnan(fall) | (fall < -max_detectable_fall_pct)
    no_power = ~(p <= alpha) & weak
    status[no_power] = TOO_FEW
    reason[no_power] = (
        f"not significant, and with counts this small a fall of {max_detectable_fall_pct:g}% "
        "could go undetected, so no change cannot be told from a real one"
    )
    significant = p <= alpha
    status[significant & (rr < 1)] = SIGNIFICANT_REDUCTION
    status[significant & (rr > 1)] = SIGNIFICANT_INCREASE
    reason[significant] = f"the 95% interval of the rate ratio excludes 1 (p at most {alpha:g})"
    small = (b < min_count) | (a < min_count)
    status[small] = TOO_FEW
    reason[small] = (
        f"fewer than {min_count} events in the baseline or the report year: too few for a "
        "rate or a comparison"
    )
    missing = np.isnan(b) | np.isnan(a) | (np.isnan(p) & ~small)
    status[missing] = NOT_AVAILABLE
    reason[missing] = "a count or population needed for the comparison is not available"
    return status, reason


def compare_periods(
    baseline_count,
    baseline_population,
    current_count,
    current_population,
    *,
    min_count: int = 10,
    detectable: bool = True,
) -> pd.DataFrame:
    """Report year against baseline: rate ratio, interval, p-value, detectable change, status.

    Vectorised over arrays (the simulations in the tests call it with thousands of pairs).

    Returns
    -------
    pandas.DataFrame
        ``rate_ratio``, ``lower95``, ``upper95``, ``p_value``, ``change_pct`` (change of
        the rate, percent: (rate ratio - 1) x 100), ``detectable_fall_pct`` and
        ``detectable_rise_pct`` (with ``detectable=True``), ``status`` and
        ``status_reason``.
    """
    b = np.asarray(baseline_count, dtype=float)
    a = np.asarray(current_count, dtype=float)
    d_b = np.asarray(baseline_population, dtype=float)
    d_a = np.asarray(current_population, dtype=float)
    b, a, d_b, d_a = (np.atleast_1d(x) for x in np.broadcast_arrays(b, a, d_b, d_a))
    usable = ~(np.isnan(b) | np.isnan(a) | np.isnan(d_b) | np.isnan(d_a))
    rr = rate_ratio(
        np.where(usable, a, np.nan),
        np.where(usable, d_a, 1.0),
        np.where(usable, b, np.nan),
        np.where(usable, d_b, 1.0),
    )
    fall = detectable_change(np.where(usable, b, np.nan), d_b, d_a, "decrease")
    out = pd.DataFrame(
        {
            "rate_ratio": rr["value"].to_numpy(),
            "lower95": rr["lower"].to_numpy(),
            "upper95": rr["upper"].to_numpy(),
            "p_value": rr["p_value"].to_numpy(),
        }
    )
    out["change_pct"] = (out["rate_ratio"] - 1) * 100
    out["detectable_fall_pct"] = fall
    if detectable:
        out["detectable_rise_pct"] = detectable_change(
            np.where(usable, b, np.nan), d_b, d_a, "increase"
        )
    status, reason = classify_status(
        np.where(usable, b, np.nan),
        np.where(usable, a, np.nan),
        out["p_value"].to_numpy(),
        out["rate_ratio"].to_numpy(),
        fall,
        min_count=min_count,
    )
    out["status"] = status
    out["status_reason"] = reason
    return out


# --------------------------------------------------------------------------- the table

#: Columns of tables/success_measures.csv, in order.
COLUMNS = [
    "measure_id",
    "measure",
    "measure_short",
    "group",
    "who",
    "source",
    "baseline_period",
    "baseline_count",
    "baseline_population",
    "baseline_rate",
    "previous_period",
    "previous_count",
    "previous_population",
    "previous_rate",
    "current_period",
    "current_count",
    "current_population",
    "current_rate",
    "current_rate_lower95",
    "current_rate_upper95",
    "change_pct",
    "change_pct_previous",
    "rate_ratio",
    "lower95",
    "upper95",
    "rate_ratio_95ci",
    "p_value",
    "detectable_fall_pct",
    "detectable_rise_pct",
    "status",
    "status_reason",
    "method_notes",
    "notes",
]
COUNT_COLUMNS = ["baseline_count", "previous_count", "current_count"]
#: Each derived column and the period counts it rests on: it is withheld ([u]) when any of
#: them is withheld or below the rule's minimum count for a rate.
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "baseline_rate": ("baseline",),
    "previous_rate": ("previous",),
    "current_rate": ("current",),
    "current_rate_lower95": ("current",),
    "current_rate_upper95": ("current",),
    "change_pct": ("baseline", "current"),
    "change_pct_previous": ("previous", "current"),
    "rate_ratio": ("baseline", "current"),
    "lower95": ("baseline", "current"),
    "upper95": ("baseline", "current"),
    "rate_ratio_95ci": ("baseline", "current"),
    "p_value": ("baseline", "current"),
    # The detectable change is a function of the baseline count: it would reveal it.
    "detectable_fall_pct": ("baseline",),
    "detectable_rise_pct": ("baseline",),
}

LABELS = {
    "measure": "Measure",
    "measure_short": "Measure",
    "group": "Group",
    "who": "Who is counted",
    "baseline_period": "Baseline year",
    "baseline_count": "Baseline count",
    "baseline_rate": "Baseline rate per 100,000",
    "previous_period": "Previous year",
    "previous_count": "Previous year count",
    "previous_rate": "Previous year rate per 100,000",
    "current_period": "Report year",
    "current_count": "Report year count",
    "current_rate": "Report year rate per 100,000",
    "change_pct": "Change in rate since baseline (%)",
    "rate_ratio": "Rate ratio (report year : baseline)",
    "lower95": "95% CI lower",
    "upper95": "95% CI upper",
    "rate_ratio_95ci": "Rate ratio (95% CI)",
    "p_value": "p-value",
    "detectable_fall_pct": "Smallest detectable fall (%)",
    "status": "Status",
}
SHOWN = [
    "measure_short",
    "group",
    "baseline_count",
    "current_count",
    "baseline_rate",
    "current_rate",
    "rate_ratio_95ci",
    "p_value",
    "detectable_fall_pct",
    "status",
]
FORMATS = {
    "baseline_rate": ",.1f",
    "current_rate": ",.1f",
    "previous_rate": ",.1f",
    "change_pct": "+.1f",
    "rate_ratio": ".2f",
    "lower95": ".2f",
    "upper95": ".2f",
    "p_value": ".3f",
    "detectable_fall_pct": ".0f",
}


@dataclass
class MeasureInputs:
    """What the success measures read from a run."""

    population: pd.DataFrame
    areas: pd.DataFrame
    flagged: pd.DataFrame | None = None
    admissions: pd.DataFrame | None = None
    homicides: pd.DataFrame | None = None
    street: pd.DataFrame | None = None

    @classmethod
    def from_run(cls, run) -> MeasureInputs:
        """Read the tables a :class:`snalib.publish.run.RunContext` has (None where absent)."""

        def maybe(name: str) -> pd.DataFrame | None:
            return run.table(name) if run.has(name) else None

        return cls(
            population=run.table("population"),
            areas=run.table("areas"),
            flagged=maybe("crimes_flagged"),
            admissions=maybe("admissions"),
            homicides=maybe("homicides"),
            street=maybe("street_crimes"),
        )

    @property
    def public_mode(self) -> bool:
        return self.street is not None


@dataclass
class MeasuresResult:
    """The success measures of a run: the table (before disclosure control) and its parts."""

    table: pd.DataFrame
    events: dict[str, MeasureEvents]
    population: Population
    periods: Periods
    limit: int


def success_measures(inputs: MeasureInputs, params) -> MeasuresResult:
    """The three success measures, all ages and the priority group, for a run.

    Parameters
    ----------
    inputs
        The run's tables (:meth:`MeasureInputs.from_run`).
    params
        The run's parameters (report year, baseline, definition, disclosure, window).

    Returns
    -------
    MeasuresResult
        ``table`` has one row per measure and group (six rows, in a fixed order, whether
        or not the data allow each to be computed) with the columns of :data:`COLUMNS`,
        **before** disclosure control: publish it through :func:`protect_measures` and
        ``RunContext.publish_table``.
    """
    limit = params.definition.priority_age_limit
    window = (params.analysis_window.start, params.analysis_window.end)
    periods = Periods.from_params(params)
    population = resident_population(
        inputs.population, inputs.areas, params.area.force_codes, limit
    )
    events = {
        "admissions": admission_events(
            inputs.admissions, inputs.areas, params.area.force_codes, limit
        ),
        "knife_crime": knife_crime_events(inputs.flagged, limit, window),
        "homicides": homicide_events(inputs.homicides, limit, window),
    }
    table = measures_table(events, population, periods, limit, params.disclosure.min_count_for_rate)
    return MeasuresResult(table, events, population, periods, limit)


def measures_table(
    events: Mapping[str, MeasureEvents],
    population: Population,
    periods: Periods,
    limit: int,
    min_count: int = 10,
) -> pd.DataFrame:
    """One row per measure and group: counts, rates, comparison and status (unprotected)."""
    rows = []
    for key, measure_events in events.items():
        measure = measure_events.measure
        for group in (ALL_AGES, young_group(limit)):
            # Why a value is missing, most fundamental first (a missing source before a
            # missing baseline), then how the counts were made.
            reasons: list[str] = [
                text
                for text in (
                    measure_events.problems.get(group, ""),
                    population.problems.get(group, ""),
                    "" if periods.baseline else "no baseline year set (baseline: null)",
                )
                if text
            ]
            notes: list[str] = []
            row: dict[str, object] = {
                "measure_id": key,
                "measure": measure.name,
                "measure_short": measure.short or measure.name,
                "group": group,
                "who": measure.group_description(group, limit),
                "source": measure.source,
            }
            for name, fy in periods.named():
                row[f"{name}_period"] = fy.label if fy else ""
                if fy is None:
                    count, pop, why, pop_note = math.nan, math.nan, "", ""
                else:
                    count, why = measure_events.count(group, fy)
                    pop, pop_note = population.value(group, fy)
                row[f"{name}_count"] = count
                row[f"{name}_population"] = pop
                for text, bucket in (
                    (why, reasons),
                    (pop_note, reasons if math.isnan(pop) else notes),
                ):
                    if text and text not in reasons and text not in notes:
                        bucket.append(text)
                rate = crude_rate(count, pop) if not math.isnan(pop) else None
                row[f"{name}_rate"] = float(rate["value"].iloc[0]) if rate is not None else math.nan
                if name == "current":
                    row["current_rate_lower95"] = (
                        float(rate["lower"].iloc[0]) if rate is not None else math.nan
                    )
                    row["current_rate_upper95"] = (
                        float(rate["upper"].iloc[0]) if rate is not None else math.nan
                    )
            notes += [n for n in measure_events.notes.get(group, []) if n not in notes]
            row["notes"] = reasons
            row["method_notes"] = "; ".join(notes)
            row["_reason"] = reasons[0] if reasons else ""
            rows.append(row)
    table = pd.DataFrame(rows)
    comparison = compare_periods(
        table["baseline_count"],
        table["baseline_population"],
        table["current_count"],
        table["current_population"],
        min_count=min_count,
    )
    for col in comparison.columns:
        table[col] = comparison[col].to_numpy()
    specific = (table["status"] == NOT_AVAILABLE) & (table["_reason"] != "")
    table.loc[specific, "status_reason"] = table.loc[specific, "_reason"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["change_pct_previous"] = (table["current_rate"] / table["previous_rate"] - 1) * 100
    table.loc[~np.isfinite(table["change_pct_previous"]), "change_pct_previous"] = np.nan
    for col in ("rate_ratio", "lower95", "upper95", "change_pct"):
        table.loc[~np.isfinite(table[col].astype(float)), col] = np.nan
    table["rate_ratio_95ci"] = [
        f"{r:.2f} ({lo:.2f} to {hi:.2f})" if not np.isnan([r, lo, hi]).any() else np.nan
        for r, lo, hi in zip(table["rate_ratio"], table["lower95"], table["upper95"], strict=True)
    ]
    table["notes"] = table["notes"].map(lambda items: "; ".join(items))
    for name in ("baseline", "previous", "current"):
        for col in (f"{name}_count", f"{name}_population"):
            table[col] = table[col].round().astype("Int64")
    return table[COLUMNS]


# --------------------------------------------------------------------------- disclosure


def _secondary(all_counts: pd.Series, young_counts: pd.Series, rule: Rule) -> pd.Series:
    """Young counts to withhold because all ages minus young is from 1 to threshold - 1."""
    difference = all_counts - young_counts
    primary = is_suppressed(all_counts, rule) | is_suppressed(young_counts, rule)
    return ((difference >= 1) & (difference < rule.threshold) & ~primary).fillna(False)


FUNNEL_SECONDARY_NOTE = (
    "[c] withheld so that the one suppressed district's count cannot be found from the area "
    "total (secondary suppression)"
)
SECONDARY_NOTE = (
    "[c] withheld so that a small count cannot be found as the difference from the all-ages "
    "count (secondary suppression)"
)


def protect_measures(table: pd.DataFrame, rules: Mapping[str, Rule]) -> pd.DataFrame:
    """Disclosure control of the success measures table, row by row with its source's rule.

    Parameters
    ----------
    table
        :attr:`MeasuresResult.table`.
    rules
        Rule per source: ``{"hes": run.rule("hes"), "police": run.rule("police")}``.

    Returns
    -------
    pandas.DataFrame
        The table with small counts ``[c]`` (primary: 1 to threshold - 1; secondary: a
        priority group count whose complement in the all-ages count would be small), and
        every column of :data:`DERIVED_FROM` ``[u]`` where any count it rests on is
        withheld or below the minimum count for a rate (so a rate times its population, or
        a ratio, never reveals a withheld count). ``notes`` names the rules.
        ``RunContext.publish_table`` then applies the police rule again (a no-op here).
    """
    parts = []
    for source, rows in table.groupby("source", sort=False):
        rule = rules[source]
        rows = rows.copy()
        withheld = {}
        for period in ("baseline", "previous", "current"):
            counts = pd.to_numeric(rows[f"{period}_count"], errors="coerce")
            secondary = pd.Series(False, index=rows.index)
            for _, measure_rows in rows.groupby("measure_id", sort=False):
                all_rows = measure_rows[measure_rows["group"] == ALL_AGES]
                young = measure_rows[measure_rows["group"] != ALL_AGES]
                if len(all_rows) == 1 and len(young) == 1:
                    flag = _secondary(
                        pd.Series(counts[all_rows.index].to_numpy(), index=young.index),
                        counts[young.index],
                        rule,
                    )
                    secondary[young.index] = flag
            withheld[period] = (is_suppressed(counts, rule) | secondary, secondary)
            # The base a rate rests on: 0 (so [u]) where the count is withheld.
            rows[f"_base_{period}"] = counts.where(~withheld[period][0], 0)
        helpers = {}
        for col, periods in DERIVED_FROM.items():
            name = f"_base_{col}"
            rows[name] = pd.concat([rows[f"_base_{p}"] for p in periods], axis=1).min(
                axis=1, skipna=False
            )
            helpers[col] = name
        protected = protect(rows, rule, counts=COUNT_COLUMNS, rates=helpers)
        for period in ("baseline", "previous", "current"):
            secondary = withheld[period][1]
            if secondary.any():
                col = f"{period}_count"
                protected[col] = protected[col].astype(object)
                protected.loc[secondary, col] = SUPPRESSED
                for i in protected.index[secondary]:
                    note = protected.at[i, "notes"]
                    if SECONDARY_NOTE not in note:
                        protected.at[i, "notes"] = f"{note}; {SECONDARY_NOTE}".strip("; ")
        parts.append(protected.drop(columns=[c for c in protected.columns if c.startswith("_")]))
    out = pd.concat(parts).loc[table.index]
    return out[COLUMNS]


# --------------------------------------------------------------------------- words


def _is_symbol(value) -> bool:
    return isinstance(value, str) and value in (SUPPRESSED, UNRELIABLE)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or value == ""


def fmt_count(value) -> str:
    """A published count in prose: "1,234", "[c] (withheld)" or "not available"."""
    if _missing(value):
        return "not available"
    if _is_symbol(value):
        return f"{value} (withheld)"
    return f"{int(float(value)):,}"


def fmt_number(value, spec: str) -> str:
    if _missing(value):
        return "not available"
    if _is_symbol(value):
        return str(value)
    return format(float(value), spec)


def _status_sentence(row: Mapping) -> str:
    status = row["status"]
    ratio = (
        f"rate ratio {fmt_number(row['rate_ratio'], '.2f')}, 95% CI "
        f"{fmt_number(row['lower95'], '.2f')} to {fmt_number(row['upper95'], '.2f')}; "
        f"p = {fmt_number(row['p_value'], '.3f')}"
    )
    change = row["change_pct"]
    fall, rise = row.get("detectable_fall_pct"), row.get("detectable_rise_pct")
    detect = ""
    if not _missing(fall) and not _is_symbol(fall):
        detect = (
            f" These counts could reliably detect (80% power) a fall of "
            f"{abs(float(fall)):.0f}% or more"
            + (
                f", or a rise of {float(rise):.0f}% or more"
                if not _missing(rise) and not _is_symbol(rise)
                else ""
            )
            + "."
        )
    if status in (SIGNIFICANT_REDUCTION, SIGNIFICANT_INCREASE):
        verb = "fell" if status == SIGNIFICANT_REDUCTION else "rose"
        size = f" by {abs(float(change)):.1f}%" if not _is_symbol(change) else ""
        return (
            f"The rate {verb}{size} since the baseline ({ratio}): a **{status}**, larger than "
            "chance alone is likely to produce."
        )
    if status == NO_SIGNIFICANT_CHANGE:
        size = f"changed by {float(change):+.1f}%" if not _is_symbol(change) else "changed"
        return (
            f"The rate {size} since the baseline ({ratio}), within what chance alone "
            f"produces: **{status}**.{detect}"
        )
    if status == TOO_FEW:
        return f"**Too few events to conclude**: {row['status_reason']}.{detect}"
    return f"**Not available**: {row['status_reason']}."


def measure_sentences(published: pd.DataFrame) -> str:
    """Interpretation of each measure, computed from the published (protected) table.

    Reading the protected table means a withheld count stays withheld in the prose.
    """
    lines = []
    for measure_id, rows in published.groupby("measure_id", sort=False):
        first = rows.iloc[0]
        lines.append(f"**{markdown_escape(first['measure'])}**\n")
        for _, row in rows.iterrows():
            head = f"- *{markdown_escape(str(row['who']).capitalize())}*: "
            if row["status"] == NOT_AVAILABLE and _missing(row["current_count"]):
                lines.append(head + f"not available: {markdown_escape(row['status_reason'])}.")
                continue
            unit = MEASURES[measure_id].unit
            parts = [
                f"{fmt_count(row['current_count'])} {unit} in {row['current_period']}"
                f" ({fmt_number(row['current_rate'], ',.1f')} per 100,000 residents)"
            ]
            if row["baseline_period"]:
                parts.append(
                    f"against {fmt_count(row['baseline_count'])} in the baseline year "
                    f"{row['baseline_period']} ({fmt_number(row['baseline_rate'], ',.1f')} per "
                    "100,000)"
                )
            parts.append(f"and {fmt_count(row['previous_count'])} in {row['previous_period']}")
            lines.append(head + ", ".join(parts) + ". " + _status_sentence(row))
        if measure_id == "homicides":
            lines.append(
                "\nHomicides are rare. With counts this small, differences between years are "
                "mostly chance: this report does not read them as a trend, and a single "
                "incident can move the figures a long way."
            )
        lines.append("")
    return "\n".join(lines)


def measures_summary(published: pd.DataFrame, periods: Periods) -> str:
    """Headline: how many measures in each status, and what could not be computed."""
    counts = published["status"].value_counts()
    n = len(published)
    baseline = periods.baseline.label if periods.baseline else None
    if baseline is None:
        head = (
            f"No baseline year is set for this run, so the {n} success measure comparisons "
            f"cannot be made; counts for {periods.previous.label} and {periods.current.label} "
            "are shown where the data allow."
        )
    else:
        found = [f"{counts[s]} {s}" for s in STATUSES if counts.get(s, 0)]
        head = (
            f"Comparing {periods.current.label} with the baseline year {baseline}, the "
            f"{n} success measure comparisons (three measures, all ages and the priority age "
            f"group) give: {', '.join(found)}."
        )
    lines = [head]
    unavailable = published[published["status"] == NOT_AVAILABLE]
    reasons: dict[tuple[str, str], list[str]] = {}
    for _, row in unavailable.iterrows():
        reason = str(row["status_reason"])
        if baseline is None and reason.startswith("no baseline year"):
            continue
        reasons.setdefault((row["measure"], reason), []).append(str(row["group"]))
    if reasons:
        lines.append("\nWhat cannot be computed from this run's data:\n")
        for (measure, reason), groups in reasons.items():
            lines.append(
                f"- {markdown_escape(measure)} ({' and '.join(groups)}): {markdown_escape(reason)}."
            )
    return "\n".join(lines)


def table_caption(periods: Periods) -> str:
    """Caption of the success measures table."""
    if periods.baseline is None:
        return (
            f"Home Office success measures, {periods.previous.label} and "
            f"{periods.current.label} (no baseline year set)"
        )
    return (
        f"Home Office success measures: {periods.current.label} against the baseline year "
        f"{periods.baseline.label}, counts per year and rates per 100,000 residents"
    )


def series_unavailable(result: MeasuresResult, key: str) -> str:
    """Why a measure's chart cannot be drawn, in a sentence."""
    events = result.events[key]
    reasons = list(dict.fromkeys(events.problems.values())) or [
        f"the {events.measure.data} data cover no complete financial year"
    ]
    return (
        f"**{markdown_escape(events.measure.name)}** cannot be charted: "
        + markdown_escape("; ".join(reasons))
        + "."
    )


# --------------------------------------------------------------------------- series


@dataclass
class MeasureSeries:
    """A measure's counts over time, protected, ready to chart and publish."""

    measure: Measure
    frequency: str  # "quarter" or "financial year"
    data: pd.DataFrame  # published columns
    plot: pd.DataFrame  # group, start, end, value (NaN where withheld), withheld
    title: str
    alt: str
    note: str


def _quarter(month: str) -> tuple[str, date]:
    """Financial quarter label and first day of the quarter containing a YYYY-MM month."""
    year, m = int(month[:4]), int(month[5:7])
    fy = FinancialYear(year if m >= 4 else year - 1)
    q = ((m - 4) % 12) // 3 + 1
    first_month = (3 * (q - 1) + 4 - 1) % 12 + 1
    first_year = fy.start_year if first_month >= 4 else fy.start_year + 1
    return f"{fy.label} Q{q}", date(first_year, first_month, 1)


def _withheld_series(
    table: pd.DataFrame, groups: list[str], rule: Rule
) -> tuple[pd.Series, pd.Series]:
    """Primary and secondary suppression of a two-group series (group, period, count)."""
    counts = pd.to_numeric(table["count"], errors="coerce")
    primary = is_suppressed(counts, rule)
    secondary = pd.Series(False, index=table.index)
    if len(groups) == 2 and groups[0] == ALL_AGES:
        wide = counts.groupby([table["group"], table["period"]]).first().unstack(0)
        flag = _secondary(wide[ALL_AGES], wide[groups[1]], rule)
        periods = set(flag[flag].index)
        secondary = (table["group"] == groups[1]) & table["period"].isin(periods)
    return primary | secondary, secondary


def measure_series(
    result: MeasuresResult, key: str, rules: Mapping[str, Rule]
) -> MeasureSeries | None:
    """Counts by quarter, or by financial year when a quarter would be withheld.

    Quarterly counts are used when the data are monthly and every quarterly count of both
    groups can be published (0, or at least the disclosure threshold, and no secondary
    suppression); otherwise counts by financial year, so that no published annual total
    reveals a withheld quarter by difference. Only financial years the data cover
    completely are shown. Returns None when the measure cannot be counted at all.
    """
    events = result.events[key]
    measure = events.measure
    rule = rules[measure.source]
    groups = [g for g in (ALL_AGES, young_group(result.limit)) if g not in events.problems]
    if not groups or not events.covered:
        return None
    years = sorted(events.covered)
    frame = events.events[
        events.events["group"].isin(groups) & events.events["financial_year"].isin(years)
    ]
    columns = ["group", "period", "financial_year", "start", "count"]
    table = None
    if len(frame) and frame["month"].notna().all() and frame["missing"].sum() == 0:
        quarter = frame["month"].map(lambda m: _quarter(m)[0])
        by_q = frame.assign(quarter=quarter).groupby(["group", "quarter"])["count"].sum()
        rows = []
        for group in groups:
            for fy_label in years:
                fy = FinancialYear.parse(fy_label)
                for n in range(1, 5):
                    start = date(fy.start_year + (n >= 4), (3 * (n - 1) + 3) % 12 + 1, 1)
                    label = f"{fy.label} Q{n}"
                    rows.append((group, label, fy.label, start, float(by_q.get((group, label), 0))))
        table = pd.DataFrame(rows, columns=columns)
        if _withheld_series(table, groups, rule)[0].any():
            table = None
    quarterly = table is not None
    if table is None:
        rows = []
        for group in groups:
            for fy_label in years:
                fy = FinancialYear.parse(fy_label)
                rows.append((group, fy.label, fy.label, fy.start, events.count(group, fy)[0]))
        table = pd.DataFrame(rows, columns=columns)
    frequency = "quarter" if quarterly else "financial year"
    months = 3 if quarterly else 12
    table["end"] = table["start"].map(
        lambda d: (pd.Timestamp(d) + pd.DateOffset(months=months)).date()
    )
    counts = pd.to_numeric(table["count"], errors="coerce")
    withheld, secondary = _withheld_series(table, groups, rule)
    data = table[["group", "period", "financial_year"]].copy()
    data.insert(0, "measure", measure.name)
    data["count"] = counts.round().astype("Int64").astype(object).where(~withheld, SUPPRESSED)
    data["notes"] = np.where(
        secondary,
        SECONDARY_NOTE,
        np.where(
            withheld,
            rule.suppression_note,
            np.where(counts.isna(), "not available: suppressed at source or not covered", ""),
        ),
    )
    plot = table[["group", "start", "end"]].copy()
    plot["value"] = counts.where(~withheld)
    plot["withheld"] = withheld.to_numpy()
    title, alt = series_words(result, key, plot, frequency, rules)
    note = (
        f"× below the axis: a count withheld under the {rule.name} (1 to "
        f"{rule.threshold - 1}, or withheld so that one cannot be found by difference)."
        if withheld.any()
        else ""
    )
    return MeasureSeries(measure, frequency, data, plot, title, alt, note)


def series_words(
    result: MeasuresResult,
    key: str,
    plot: pd.DataFrame,
    frequency: str,
    rules: Mapping[str, Rule],
) -> tuple[str, str]:
    """Title stating the finding, and alt text describing the chart, from the numbers.

    The title reads the *protected* table, so it never states a change resting on a
    withheld count.
    """
    measure = MEASURES[key]
    table = protect_measures(result.table, rules)
    row = table[(table["measure_id"] == key) & (table["group"] == ALL_AGES)].iloc[0]
    status = row["status"]
    current, baseline = result.periods.current.label, row["baseline_period"]
    change = row["change_pct"]
    if status in (SIGNIFICANT_REDUCTION, SIGNIFICANT_INCREASE, NO_SIGNIFICANT_CHANGE) and not (
        _is_symbol(change) or _missing(change)
    ):
        title = (
            f"{measure.name}, all ages: {float(change):+.0f}% in {current} against the "
            f"{baseline} baseline, {status}"
        )
    elif status == TOO_FEW:
        title = (
            f"{measure.name}: too few events to conclude whether {current} differs from {baseline}"
        )
    else:
        title = f"{measure.name} by {frequency}: no comparison with a baseline year is available"
    markers = {ALL_AGES: "circles, solid line", young_group(result.limit): "triangles, dashed line"}
    parts = []
    for group in dict.fromkeys(plot["group"]):
        values = plot.loc[plot["group"] == group, "value"].dropna()
        n_withheld = int(plot.loc[plot["group"] == group, "withheld"].sum())
        span = (
            f"between {values.min():,.0f} and {values.max():,.0f} a {frequency}"
            if len(values)
            else "every value withheld"
        )
        extra = f", {n_withheld} value(s) withheld (crosses below the axis)" if n_withheld else ""
        parts.append(f"{group} ({markers.get(group, 'markers')}): {span}{extra}")
    first, last = plot["start"].min(), plot["end"].max()
    alt = (
        f"Line chart of {measure.unit} by {frequency} from {first:%B %Y} to {last:%B %Y}. "
        + "; ".join(parts)
        + ". "
        + (f"The baseline year {baseline} is shaded grey and labelled. " if baseline else "")
        + f"The report year {current} is shaded and labelled."
    )
    return title, alt


# --------------------------------------------------------------------------- funnel


@dataclass
class DistrictFunnel:
    """District serious violence rates against funnel limits, protected."""

    data: pd.DataFrame  # published per district
    points: pd.DataFrame  # plotted districts: name, population, rate, significance
    limits: pd.DataFrame  # rate_funnel_limits output
    baseline: float
    title: str
    alt: str
    note: str
    series_label: str


def district_funnel(inputs: MeasureInputs, params, rule: Rule) -> DistrictFunnel | None:
    """Serious violence per 100,000 residents by district in the report year, with limits.

    The headline definition (``serious_violence``), or the public data proxy in public data
    mode; all-age residents as the denominator. The funnel's centre line is the area's
    pooled rate; limits at 95% and 99.8% (:func:`snalib.stats.rate_funnel_limits`).

    Disclosure: a district whose count is below the threshold, or below the minimum count
    for a rate, is **not plotted** (its position would reveal its count: rate x
    population); its count is ``[c]`` (or shown, when it may be) and its rate ``[u]``. If
    exactly one district is suppressed, the next smallest is withheld too, so that the
    area total cannot reveal the suppressed one by difference.
    """
    from snalib.definition.series import PROXY_SERIES, PROXY_TYPES
    from snalib.stats import rate_funnel_limits, rate_funnel_significance

    fy = FinancialYear.parse(params.report_year)
    if inputs.flagged is not None:
        crimes = inputs.flagged
        d = crimes["offence_date"]
        mask = crimes["serious_violence"].to_numpy(dtype=bool) & (
            (d >= pd.Timestamp(fy.start)) & (d <= pd.Timestamp(fy.end))
        ).to_numpy(dtype=bool)
        label = "serious violence"
    elif inputs.street is not None:
        crimes = inputs.street
        months = crimes["month"].astype("string")
        mask = (
            (
                crimes["crime_type"].isin(PROXY_TYPES)
                & (months >= f"{fy.start:%Y-%m}")
                & (months <= f"{fy.end:%Y-%m}")
            )
            .fillna(False)
            .to_numpy(dtype=bool)
        )
        label = PROXY_SERIES[0].lower() + PROXY_SERIES[1:]
    else:
        return None
    lookup = _district_lookup(inputs.areas)
    district = crimes.loc[mask, "area_code"].astype("string").map(lookup)
    counts = district.value_counts()
    pop = resident_population(
        inputs.population, inputs.areas, params.area.force_codes,
        params.definition.priority_age_limit, by="district",
    )  # fmt: skip
    all_pop = pop.by_year[pop.by_year["group"] == ALL_AGES]
    if all_pop.empty:
        return None
    years = sorted(all_pop["year"].unique())
    earlier = [y for y in years if y <= fy.population_year]
    year = earlier[-1] if earlier else years[0]
    pop_year = all_pop[all_pop["year"] == year].set_index("district_code")["population"]
    names = (
        inputs.areas.drop_duplicates("district_code")
        .set_index("district_code")["district_name"]
        .astype(str)
    )
    table = pd.DataFrame({"district_code": pop_year.index.astype(str)})
    table["district_name"] = table["district_code"].map(names)
    table["count"] = table["district_code"].map(counts).fillna(0).astype(int)
    table["population"] = table["district_code"].map(pop_year).astype(float)
    table = table[table["population"] > 0].reset_index(drop=True)
    sig = rate_funnel_significance(table["count"], denominator=table["population"])
    table["rate"] = sig["value"].to_numpy()
    table["significance"] = sig["significance"].to_numpy()
    baseline = float(sig["baseline"].iloc[0])
    # Limits drawn across the whole chart, from 1 event to beyond the largest district.
    expected = float(table["population"].max()) * 1.2 * baseline / PER
    most = max(2 * expected, expected + 10 * math.sqrt(expected) + 20)
    grid = np.unique(np.round(np.geomspace(1, most, 400)))
    limits = rate_funnel_limits(table["count"], denominator=table["population"], events=grid)
    for name in ("lower95", "upper95", "lower99_8", "upper99_8"):
        x = limits[f"{name}_population"].to_numpy()
        y = limits[name].to_numpy()
        ok = np.isfinite(x) & np.isfinite(y)
        order = np.argsort(x[ok])
        table[f"{name}_limit"] = np.interp(
            table["population"], x[ok][order], y[ok][order], left=np.nan, right=np.nan
        )
    small = is_suppressed(table["count"], rule)
    secondary = pd.Series(False, index=table.index)
    if small.sum() == 1:
        others = table.loc[~small & (table["count"] > 0), "count"]
        if len(others):
            secondary[others.idxmin()] = True
    withheld = small | secondary
    plotted = ~withheld & (table["count"] >= rule.min_count_for_rate)
    table["plotted"] = plotted
    table.loc[~plotted, "significance"] = (
        f"not shown: fewer than {rule.min_count_for_rate} crimes or withheld"
    )
    data = table[
        ["district_code", "district_name", "count", "population", "rate",
         "lower95_limit", "upper95_limit", "lower99_8_limit", "upper99_8_limit", "significance"]
    ].copy()  # fmt: skip
    data.insert(0, "financial_year", fy.label)
    data["baseline_rate"] = baseline
    data["count"] = data["count"].astype(object).where(~secondary, SUPPRESSED)
    data["rate"] = data["rate"].where(plotted, UNRELIABLE)
    data["notes"] = np.where(secondary, FUNNEL_SECONDARY_NOTE, "")
    points = table[plotted].reset_index(drop=True)
    title, alt, note = funnel_words(table, baseline, fy.label, label, year)
    return DistrictFunnel(data, points, limits, baseline, title, alt, note, label)


def funnel_words(
    table: pd.DataFrame, baseline: float, fy_label: str, label: str, pop_year: int
) -> tuple[str, str, str]:
    """The funnel plot's title (the finding), alt text and note, from the numbers."""
    shown = table[table["plotted"]]
    high = shown[shown["significance"].str.startswith("High (0.001)")]["district_name"].tolist()
    low = shown[shown["significance"].str.startswith("Low (0.001)")]["district_name"].tolist()
    high95 = shown[shown["significance"] == "High (0.025)"]["district_name"].tolist()
    low95 = shown[shown["significance"] == "Low (0.025)"]["district_name"].tolist()

    def names(items: list[str]) -> str:
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

    def named(items: list[str], where: str) -> str:
        if len(items) <= 2:
            return f"{names(items)} {where}"
        return f"{len(items)} districts {where}"

    if shown.empty:
        title = (
            f"{label.capitalize()} in {fy_label}: no district had enough crimes for its rate to "
            "be shown"
        )
    elif high or low:
        parts = []
        if high:
            parts.append(named(high, "above"))
        if low:
            parts.append(named(low, "below"))
        title = (
            f"{label.capitalize()} in {fy_label}: {' and '.join(parts)} the area's rate by more "
            "than chance explains (outside the 99.8% limits)"
        )
    elif high95 or low95:
        title = (
            f"{label.capitalize()} in {fy_label}: no district outside the 99.8% limits; "
            f"{len(high95) + len(low95)} just outside the 95% limits"
        )
    else:
        title = (
            f"{label.capitalize()} in {fy_label}: every district shown is within the limits "
            "chance alone would produce"
        )
    described = "; ".join(
        f"{r.district_name} {r.rate:,.0f} per 100,000 ({r.population:,.0f} residents, "
        f"{r.significance.lower()})"
        for r in shown.sort_values("population").itertuples()
    )
    hidden = int((~table["plotted"]).sum())
    alt = (
        f"Funnel plot of {label} per 100,000 residents (vertical axis) against resident "
        f"population (horizontal axis) for {len(shown)} districts in {fy_label}, with the "
        f"area's rate of {baseline:,.0f} per 100,000 as a horizontal line and funnel-shaped "
        f"95% (dashed) and 99.8% (solid) limits narrowing as population grows. {described}."
        + (f" {hidden} district(s) are not plotted (too few crimes)." if hidden else "")
    )
    what = (
        "Serious violence is the headline definition (with its priority age condition, when "
        "the run sets one), per 100,000 residents of all ages. "
        if label == "serious violence"
        else f"The public data proxy ({label}), per 100,000 residents. "
    )
    note = what + (
        f"Residents: mid-{pop_year} estimates. Limits assume Poisson counts; real district "
        "rates vary more than that, so a point just outside the 95% limits is weak evidence."
        + (
            f" {hidden} district(s) with fewer than 10 crimes, or withheld, are not plotted."
            if hidden
            else ""
        )
        + " Crimes with no area, or an area outside the force, are in no district."
    )
    return title, alt, note
