"""The data of the trend chapter: one row per crime in scope, the months, the population.

Two data modes (``docs/sources.md``):

- *record* mode (a force's extract, ``crimes_flagged``): the crimes meeting the serious
  violence definition, with their date, hour, area, crime type group, ages and knife flag.
  Main series: serious violence, victim under 25, offender under 25, knife or sharp
  instrument.
- *public* mode (data.police.uk, ``street_crimes``): month and LSOA only. Main series: the
  serious violence proxy (violence and sexual offences + robbery). There are no days, hours,
  ages or knife flags, so weekly counts, the day-by-hour table and the age and knife
  series cannot be made: :attr:`TrendData.limits` says so in words.

The main series and the crimes each counts are those of :mod:`snalib.definition.series`
(the source of ``tables/monthly_series.csv``), counted by month with the same function.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from snalib.definition.series import (
    PUBLIC_MAIN_SERIES,
    MainSeries,
    count_by_month,
    is_proxy,
    record_main_series,
    record_series_flags,
)
from snalib.inputs.missing import missing_from_quality
from snalib.periods import FinancialYear

UNKNOWN_DISTRICT = "Unknown or outside the force area"


def month_frame(start: date, end: date) -> pd.DataFrame:
    """One row per calendar month touched by the window ``[start, end]``.

    Columns: ``month`` (``YYYY-MM``), ``first`` and ``last`` (the first and last day of the
    month inside the window), ``days`` (days of the month inside the window), ``mid`` (the
    middle of those days) and ``years`` (years from the middle of the window to ``mid``:
    the trend variable, centred so that the model's intercept is the middle of the series)
    and ``missing`` (False: :func:`trend_data_from_frames` marks the months without data).
    """
    periods = pd.period_range(pd.Period(start, "M"), pd.Period(end, "M"), freq="M")
    first = [max(p.start_time.normalize(), pd.Timestamp(start)) for p in periods]
    last = [min(p.end_time.normalize(), pd.Timestamp(end)) for p in periods]
    frame = pd.DataFrame({"month": [str(p) for p in periods], "first": first, "last": last})
    frame["days"] = (frame["last"] - frame["first"]).dt.days + 1
    frame["mid"] = frame["first"] + (frame["last"] - frame["first"]) / 2
    centre = pd.Timestamp(start) + (pd.Timestamp(end) - pd.Timestamp(start)) / 2
    frame["years"] = (frame["mid"] - centre).dt.total_seconds() / (365.25 * 86400)
    frame["missing"] = False
    return frame


def days_in_month(months: pd.DataFrame) -> np.ndarray:
    """Days of each calendar month of a :func:`month_frame` (inside the window or not)."""
    return np.asarray(pd.PeriodIndex(months["month"], freq="M").days_in_month)


def is_full_month(months: pd.DataFrame) -> np.ndarray:
    """Months of a :func:`month_frame` with every day inside the window."""
    return months["days"].to_numpy() == days_in_month(months)


@dataclass
class TrendData:
    """Everything the trend models need, in one place (see the module docstring).

    Attributes
    ----------
    mode
        ``"record"`` or ``"public"``.
    events
        One row per crime in scope: ``date`` (NaT in public mode), ``month``
        (``YYYY-MM``), ``hour`` (nullable), ``lsoa_code``, ``district_code``,
        ``district_name``, ``group`` (crime type group) and one boolean column per main
        series.
    main
        The main series; the first is the headline.
    months
        :func:`month_frame` of the analysis window; ``missing`` is true for the months
        with no data at all (:mod:`snalib.inputs.missing`), which :meth:`monthly` gives as
        NaN, charts show as gaps and the models leave out.
    population
        Residents by ``year``, ``lsoa_code`` (may be missing when the population is by
        district) and ``district_code``.
    periods
        Named periods of the parameters (:class:`snalib.params.NamedPeriod`).
    """

    mode: str
    events: pd.DataFrame
    main: list[MainSeries]
    months: pd.DataFrame
    population: pd.DataFrame
    window_start: date
    window_end: date
    report_fy: FinancialYear
    baseline_fy: FinancialYear | None = None
    periods: list = field(default_factory=list)
    districts: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ properties
    @property
    def headline(self) -> MainSeries:
        return self.main[0]

    @property
    def has_days(self) -> bool:
        """Whether offence dates (days) are known: not in public mode."""
        return self.mode == "record"

    @property
    def n_months(self) -> int:
        return len(self.months)

    @property
    def full_months(self) -> int:
        """Months of the window with every day inside it."""
        return int(is_full_month(self.months).sum())

    @property
    def missing(self) -> np.ndarray:
        """Months of the window without data (boolean, one per row of :attr:`months`)."""
        if "missing" not in self.months.columns:
            return np.zeros(len(self.months), dtype=bool)
        return self.months["missing"].to_numpy(dtype=bool, copy=True)

    @property
    def missing_months(self) -> list[str]:
        """The ``YYYY-MM`` labels of the months without data."""
        return self.months.loc[self.missing, "month"].tolist()

    @property
    def population_years(self) -> list[int]:
        return sorted(int(y) for y in self.population["year"].dropna().unique())

    # ------------------------------------------------------------------ counts
    def monthly(self, mask: np.ndarray | pd.Series | None = None) -> np.ndarray:
        """Counts per month of the window (zeros included) of the events in ``mask``; NaN in
        the months without data (:attr:`missing`), which are gaps, not zeros."""
        months = self.events["month"]
        if mask is not None:
            months = months[np.asarray(mask, dtype=bool)]
        counts = count_by_month(months, self.months["month"]).astype(float)
        counts[self.missing] = np.nan
        return counts

    def series_mask(self, key: str) -> np.ndarray:
        return self.events[key].fillna(False).to_numpy(dtype=bool)

    def inside(self, area_codes: Iterable[str]) -> np.ndarray:
        """Events whose LSOA or district is in ``area_codes`` (unknown area: False)."""
        codes = set(area_codes)
        lsoa = self.events["lsoa_code"].isin(codes).fillna(False).to_numpy(dtype=bool)
        district = self.events["district_code"].isin(codes).fillna(False).to_numpy(dtype=bool)
        return lsoa | district

    def known_area(self) -> np.ndarray:
        return (self.events["district_code"] != UNKNOWN_DISTRICT).to_numpy(dtype=bool)

    # ------------------------------------------------------------------ population
    def population_year_of_months(self) -> tuple[np.ndarray, str]:
        """The population year used for each month, and a sentence saying how it was chosen.

        A month's denominator is the mid-year estimate of the year in which its financial
        year starts (``docs/methods.md`` section 3). When that year was not provided, the
        nearest year that was is used, and the sentence says so.
        """
        wanted = np.array(
            [FinancialYear.of(d.date()).population_year for d in self.months["first"]]
        )
        years = np.array(self.population_years)
        if len(years) == 0:
            return wanted, "No population was provided: rates cannot be computed."
        nearest = years[np.abs(years[None, :] - wanted[:, None]).argmin(axis=1)]
        missing = sorted(set(wanted.tolist()) - set(years.tolist()))
        if len(years) == 1:
            note = (
                f"Only one year of population was provided (mid-{years[0]}), so the same "
                "denominator is used for every month: the models' trend is a trend in "
                "counts, not in the rate per resident."
            )
        elif missing:
            note = (
                f"Population was provided for {years[0]}–{years[-1]}; months whose "
                "financial year starts in "
                + ", ".join(str(y) for y in missing)
                + " use the nearest year provided."
            )
        else:
            note = (
                "Each month uses the mid-year population estimate of the year in which its "
                "financial year starts."
            )
        return nearest, note

    def population_by_month(self, area_codes: Iterable[str] | None = None, *, inside=True):
        """Residents per month: the whole area, or inside (or outside) ``area_codes``."""
        pop = self.population
        if area_codes is not None:
            codes = set(area_codes)
            hit = pop["lsoa_code"].isin(codes).fillna(False) | pop["district_code"].isin(
                codes
            ).fillna(False)
            pop = pop[hit.to_numpy(dtype=bool) == inside]
        by_year = pop.groupby("year")["population"].sum()
        years, _ = self.population_year_of_months()
        return by_year.reindex(years).fillna(0).to_numpy(dtype=float)

    # ------------------------------------------------------------------ limits
    @property
    def limits(self) -> list[str]:
        """What cannot be estimated from these data, in words (empty when nothing)."""
        out = []
        if not self.has_days:
            out.append(
                "Public data give only the month of each crime: weekly counts and the day of "
                "week by hour pattern cannot be made."
            )
            out.append(
                "Public data have no victim or offender ages and no knife flag: only the "
                "serious violence proxy is analysed, not the under-25 or knife-enabled series."
            )
        if self.full_months < 24:
            out.append(
                f"The series has {self.full_months} full months: at least 24 (two of each "
                "calendar month) are needed to estimate seasonality, so there is no STL "
                "decomposition or month-of-year profile, and the trend model cannot adjust "
                "for the time of year."
            )
        if self.full_months < 36:
            out.append(
                f"Forecasts are tested on a held-out final year and need at least 36 months "
                f"(24 to fit, 12 to test); this series has {self.full_months}."
            )
        _, note = self.population_year_of_months()
        if len(self.population_years) <= 1:
            out.append(note)
        return out


def _population_units(population: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Population by year and LSOA (or district), with the district of each LSOA."""
    pop = population.copy()
    if "age_band" in pop.columns:
        # A file with both "all" rows and age bands would count people twice: use "all".
        has_all = pop["age_band"].astype("string").str.lower().eq("all").fillna(False)
        years_with_all = set(pop.loc[has_all.to_numpy(dtype=bool), "year"])
        keep = has_all | ~pop["year"].isin(years_with_all)
        pop = pop[keep.to_numpy(dtype=bool)]
    grouped = pop.groupby(["year", "area_code"], as_index=False)["population"].sum()
    lookup = areas.set_index("lsoa_code")["district_code"]
    districts = set(areas["district_code"].dropna())
    code = grouped["area_code"].astype("string")
    is_lsoa = code.isin(set(lookup.index)).fillna(False).to_numpy(dtype=bool)
    is_district = code.isin(districts).fillna(False).to_numpy(dtype=bool)
    out = pd.DataFrame(
        {
            "year": grouped["year"].astype(int),
            "lsoa_code": code.where(is_lsoa),
            "district_code": np.where(
                is_lsoa,
                code.map(lookup).astype("string"),
                code.where(is_district),
            ),
            "population": grouped["population"].astype(float),
        }
    )
    # Areas outside the force (not in the lookup) are not part of the area's population.
    return out[is_lsoa | is_district].reset_index(drop=True)


def _district_of(area: pd.Series, areas: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    lookup = areas.drop_duplicates("lsoa_code").set_index("lsoa_code")
    code = area.astype("string").map(lookup["district_code"]).astype("string")
    name = area.astype("string").map(lookup["district_name"]).astype("string")
    return code.fillna(UNKNOWN_DISTRICT), name.fillna(UNKNOWN_DISTRICT)


def trend_data_from_frames(
    params,
    *,
    areas: pd.DataFrame,
    population: pd.DataFrame,
    flagged: pd.DataFrame | None = None,
    street: pd.DataFrame | None = None,
    missing: Iterable[str] = (),
) -> TrendData:
    """Assemble :class:`TrendData` from canonical tables (record or public mode).

    Parameters
    ----------
    params
        Validated parameters (:class:`snalib.params.Params`).
    areas, population
        The canonical ``areas`` and ``population`` tables.
    flagged
        ``crimes_flagged`` (record mode), or
    street
        ``street_crimes`` (public mode).
    missing
        ``YYYY-MM`` labels of the months without data (:mod:`snalib.inputs.missing`).
    """
    window = params.analysis_window
    limit = params.definition.priority_age_limit
    if flagged is not None:
        main = record_main_series(limit)
        flags = record_series_flags(flagged, limit)
        in_scope = flags["serious_violence"].to_numpy()
        sv = flagged[in_scope]
        dates = pd.to_datetime(sv["offence_date"])
        district, district_name = _district_of(sv["area_code"], areas)
        events = pd.DataFrame(
            {
                "date": dates.to_numpy(),
                "month": dates.dt.strftime("%Y-%m").astype("string").to_numpy(),
                "hour": sv["offence_hour"].astype("Int64").to_numpy(),
                "lsoa_code": sv["area_code"].astype("string").to_numpy(),
                "district_code": district.to_numpy(),
                "district_name": district_name.to_numpy(),
                "group": sv["definition_group"].astype("string").fillna("Other").to_numpy(),
            }
        )
        for series in main:
            events[series.key] = flags[series.key].to_numpy()[in_scope]
        mode = "record"
    elif street is not None:
        proxy = street[is_proxy(street["crime_type"])]
        district, district_name = _district_of(proxy["area_code"], areas)
        events = pd.DataFrame(
            {
                "date": pd.NaT,
                "month": proxy["month"].astype("string").to_numpy(),
                "hour": pd.array([pd.NA] * len(proxy), dtype="Int64"),
                "lsoa_code": proxy["area_code"].astype("string").to_numpy(),
                "district_code": district.to_numpy(),
                "district_name": district_name.to_numpy(),
                "group": proxy["crime_type"].astype("string").to_numpy(),
                "proxy": True,
            }
        )
        events["date"] = pd.to_datetime(events["date"])
        main = list(PUBLIC_MAIN_SERIES)
        mode = "public"
    else:
        raise ValueError("trend data need crimes_flagged (record mode) or street_crimes (public)")
    names = (
        areas.drop_duplicates("district_code")
        .set_index("district_code")["district_name"]
        .astype(str)
        .to_dict()
    )
    months = month_frame(window.start, window.end)
    months["missing"] = months["month"].isin(set(missing))
    return TrendData(
        mode=mode,
        events=events.reset_index(drop=True),
        main=main,
        months=months,
        population=_population_units(population, areas),
        window_start=window.start,
        window_end=window.end,
        report_fy=params.fy,
        baseline_fy=params.baseline_fy,
        periods=list(params.periods or []),
        districts=dict(sorted(names.items())),
    )


def trend_data(run) -> TrendData:
    """:class:`TrendData` of a run directory (:class:`snalib.publish.run.RunContext`)."""
    public = run.has("street_crimes")
    return trend_data_from_frames(
        run.params,
        areas=run.table("areas"),
        population=run.table("population"),
        flagged=None if public else run.table("crimes_flagged"),
        street=run.table("street_crimes") if public else None,
        missing=[m.month for m in missing_from_quality(run.quality())],
    )
