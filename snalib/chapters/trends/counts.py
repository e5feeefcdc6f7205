"""Counts of the trend chapter: monthly, weekly, rolling 12-month, year on year, profiles.

Every count here is published through disclosure control by the notebook; this module only
counts. Zeros are kept: a month without crime is a zero, not a gap. A month without *data*
(:attr:`snalib.chapters.trends.data.TrendData.missing`) is a gap: its count is empty, a
rolling 12-month total that includes it is empty, a week that touches it has no count, and
the month profile leaves it out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from snalib.chapters.trends.data import TrendData, is_full_month
from snalib.chapters.trends.design import MONTH_NAMES, exposure
from snalib.periods import FinancialYear
from snalib.publish.disclosure import Relation, protect, rolling_relations, total_relations
from snalib.stats import rate_ratio

DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def breakdowns(data: TrendData) -> list[tuple[str, str, np.ndarray]]:
    """``(breakdown, series label, mask)`` for the main series, crime type groups, districts."""
    out = [("Main series", s.label, data.series_mask(s.key)) for s in data.main]
    head = data.series_mask(data.headline.key)
    group_name = "Crime type group" if data.mode == "record" else "Crime type"
    for group in sorted(data.events["group"].dropna().unique()):
        mask = head & (data.events["group"] == group).fillna(False).to_numpy(dtype=bool)
        out.append((group_name, str(group), mask))
    names = data.districts
    for code in sorted(data.events["district_code"].dropna().unique()):
        mask = head & (data.events["district_code"] == code).to_numpy(dtype=bool)
        label = names.get(code, code) if code in names else code
        out.append(("District", str(label), mask))
    return out


def monthly_counts(data: TrendData) -> pd.DataFrame:
    """``tables/trend_monthly.csv``: month, breakdown, series, count, rolling 12-month total.

    The rolling total is the sum of the month and the 11 before it (empty for the first 11
    months of the window, and for any 12 months that include a month without data, whose
    count is empty too).
    """
    frames = []
    for breakdown, label, mask in breakdowns(data):
        counts = data.monthly(mask)
        # min_periods=12 counts values that are not NaN: a window with a gap has no total.
        rolling = pd.Series(counts).rolling(12, min_periods=12).sum().to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "month": data.months["month"].to_numpy(),
                    "breakdown": breakdown,
                    "series": label,
                    "count": counts,
                    "rolling_12_month_total": rolling,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["count"] = out["count"].round().astype("Int64")
    out["rolling_12_month_total"] = out["rolling_12_month_total"].round().astype("Int64")
    return out


def breakdown_relations(
    frame: pd.DataFrame, headline: str, counts: list[str], by: list[str]
) -> list[Relation]:
    """The headline's counts are the sum of its crime type groups, and of its districts
    (plus the crimes with no group or district, never published), within each ``by``."""
    total = (frame["breakdown"] == "Main series") & (frame["series"] == headline)
    out = []
    for parts in (("Crime type group", "Crime type"), ("District",)):
        out += total_relations(
            frame, counts, by=by, total=total, parts=frame["breakdown"].isin(parts)
        )
    return out


def monthly_relations(frame: pd.DataFrame, headline: str) -> list[Relation]:
    """How the counts of :func:`monthly_counts` add up: each rolling 12-month total is its
    12 months, and each month of the headline is its groups and its districts."""
    return rolling_relations(
        frame,
        count="count",
        rolling="rolling_12_month_total",
        window=12,
        by=["breakdown", "series"],
    ) + breakdown_relations(frame, headline, ["count", "rolling_12_month_total"], ["month"])


def complete_weeks(start, end) -> pd.DatetimeIndex:
    """The Mondays of the weeks (Monday to Sunday) wholly inside ``[start, end]``."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    first = start + pd.Timedelta(days=(7 - start.weekday()) % 7)
    last_sunday = end - pd.Timedelta(days=(end.weekday() + 1) % 7)
    return pd.date_range(first, last_sunday - pd.Timedelta(days=6), freq="7D")


def week_commencing(dates: pd.Series) -> pd.Series:
    """The Monday (at midnight) of the week of each date."""
    return (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.normalize()


def weekly_counts(data: TrendData) -> pd.DataFrame:
    """``tables/trend_weekly.csv``: complete weeks (Monday to Sunday) of the main series.

    Empty in public mode, where days are unknown. Weeks cut by the window's ends are left
    out so that every week has seven days. A week with a day in a month without data
    (:attr:`TrendData.missing`) has no count (empty, not 0).
    """
    if not data.has_days:
        return pd.DataFrame(columns=["week_start", "series", "count"])
    weeks = complete_weeks(data.window_start, data.window_end)
    week_of = week_commencing(data.events["date"])
    gap = weeks_touching(weeks, data.missing_months)
    frames = []
    for s in data.main:
        mask = data.series_mask(s.key)
        counts = week_of[mask].value_counts().reindex(weeks, fill_value=0)
        frames.append(
            pd.DataFrame(
                {
                    "week_start": weeks.strftime("%Y-%m-%d"),
                    "series": s.label,
                    "count": pd.array(
                        np.where(gap, np.nan, counts.to_numpy(dtype=float)), dtype="Int64"
                    )
                    if gap.any()
                    else counts.to_numpy(dtype=int),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def weeks_touching(week_starts: pd.DatetimeIndex, months) -> np.ndarray:
    """Which weeks (Monday to Sunday, by their Monday) have a day in one of ``months``
    (``YYYY-MM``): weeks that cannot be counted when those months have no data."""
    months = set(months)
    if not months:
        return np.zeros(len(week_starts), dtype=bool)
    first = week_starts.strftime("%Y-%m")
    last = (week_starts + pd.Timedelta(days=6)).strftime("%Y-%m")
    return np.asarray(first.isin(months) | last.isin(months), dtype=bool)


def comparison_years(data: TrendData) -> tuple[tuple, tuple] | None:
    """The two 12-month spans compared year on year: ``((label, first, last), ...)``.

    The report year against the financial year before it when both lie in the window;
    otherwise the last 12 full months against the 12 before them; ``None`` with fewer
    than 24 months.
    """
    fy = data.report_fy
    prev = fy.previous()
    start, end = pd.Timestamp(data.window_start), pd.Timestamp(data.window_end)
    if pd.Timestamp(prev.start) >= start and pd.Timestamp(fy.end) <= end:
        return (
            (prev.label, prev.start, prev.end),
            (fy.label, fy.start, fy.end),
        )
    full = data.months[is_full_month(data.months)]
    if len(full) < 24:
        return None
    cur = full.iloc[-12:]
    before = full.iloc[-24:-12]

    def span(frame):
        a, b = frame["first"].iloc[0], frame["last"].iloc[-1]
        return (f"{a:%b %Y} to {b:%b %Y}", a.date(), b.date())

    return span(before), span(cur)


def year_on_year(data: TrendData) -> pd.DataFrame:
    """``tables/trend_year_on_year.csv``: each breakdown, this year against the year before.

    The rate ratio is of rates per resident (the population of each year) with the exact
    conditional interval and test of :func:`snalib.stats.rate_ratio`. Empty when fewer
    than 24 months are available.
    """
    years = comparison_years(data)
    if years is None:
        return pd.DataFrame()
    (prev_label, p0, p1), (cur_label, c0, c1) = years
    dates = pd.to_datetime(data.events["month"] + "-01")
    if data.has_days:
        dates = data.events["date"]
    in_prev = ((dates >= pd.Timestamp(p0)) & (dates <= pd.Timestamp(p1))).to_numpy()
    in_cur = ((dates >= pd.Timestamp(c0)) & (dates <= pd.Timestamp(c1))).to_numpy()
    pop_year = {
        "prev": FinancialYear.of(p0).population_year,
        "cur": FinancialYear.of(c0).population_year,
    }
    pop = data.population
    available = np.array(data.population_years)
    rows = []
    for breakdown, label, mask in breakdowns(data):
        if breakdown == "District":
            code = _district_code(data, label)
            sub = pop[pop["district_code"] == code]
        else:
            sub = pop
        by_year = sub.groupby("year")["population"].sum()
        prev_pop = _nearest(by_year, available, pop_year["prev"])
        cur_pop = _nearest(by_year, available, pop_year["cur"])
        rows.append(
            {
                "breakdown": breakdown,
                "series": label,
                "previous_period": prev_label,
                "current_period": cur_label,
                "count_previous": int((mask & in_prev).sum()),
                "count_current": int((mask & in_cur).sum()),
                "population_previous": prev_pop,
                "population_current": cur_pop,
            }
        )
    table = pd.DataFrame(rows)
    usable = (table["population_previous"] > 0) & (table["population_current"] > 0)
    table["rate_ratio"] = np.nan
    table["lower95"] = np.nan
    table["upper95"] = np.nan
    table["p_value"] = np.nan
    if usable.any():
        sub = table[usable]
        rr = rate_ratio(
            sub["count_current"].to_numpy(),
            sub["population_current"].to_numpy(),
            sub["count_previous"].to_numpy(),
            sub["population_previous"].to_numpy(),
        )
        table.loc[usable, "rate_ratio"] = rr["value"].to_numpy()
        table.loc[usable, "lower95"] = rr["lower"].to_numpy()
        table.loc[usable, "upper95"] = rr["upper"].to_numpy()
        table.loc[usable, "p_value"] = rr["p_value"].to_numpy()
    table["change_pct"] = (table["rate_ratio"] - 1) * 100
    table["note"] = np.where(
        usable, "", "not calculated: no population for crimes with no known area"
    )
    table["method"] = "rate ratio per resident, exact conditional (Clopper-Pearson) 95% CI"
    return table


def _nearest(by_year: pd.Series, available: np.ndarray, year: int) -> float:
    """Population of ``year``, or of the nearest year provided."""
    if len(available) == 0:
        return np.nan
    nearest = int(available[np.abs(available - year).argmin()])
    return float(by_year.get(nearest, np.nan))


def _district_code(data: TrendData, label: str) -> str:
    for code, name in data.districts.items():
        if name == label:
            return code
    return label


def protect_ratio_table(table: pd.DataFrame, rule, ratios: list[str], counts: list[str]):
    """Mark ratios ``[u]`` when *any* count they rest on is below the rule's minimum.

    :func:`snalib.publish.disclosure.protect` ties each ratio to one count; a ratio of two counts
    rests on both, so the rule is applied once per count (the notes say why).
    """
    out = table
    for count in counts:
        out = protect(out, rule, rates=dict.fromkeys(ratios, count))
    # The same rule met twice in a row is one note.
    out["notes"] = out["notes"].map(lambda text: "; ".join(dict.fromkeys(text.split("; "))))
    if not out["notes"].astype(bool).any():
        out = out.drop(columns="notes")
    return out


def month_profile(data: TrendData) -> pd.DataFrame:
    """``tables/trend_month_profile.csv``: the month-of-year profile of each main series.

    For each calendar month, the mean count per day over the years of the window divided
    by the mean over all months (index 100 = an average month). Months touched by a named
    period (e.g. a lockdown), partial months and months without data are left out, so that
    the interruptions and gaps do not distort the pattern (``months_used`` says how many of
    each calendar month remain). Empty with fewer than 24 full months with data.
    """
    months = data.months
    full = is_full_month(months) & ~data.missing
    if full.sum() < 24:
        return pd.DataFrame()
    touched = np.zeros(len(months), dtype=bool)
    for period in data.periods:
        touched |= exposure(months, period.start, period.end) > 0
    keep = full & ~touched
    month_no = pd.PeriodIndex(months["month"], freq="M").month.to_numpy()
    rows = []
    for s in data.main:
        counts = data.monthly(data.series_mask(s.key))
        per_day = counts / months["days"].to_numpy(float)
        overall = per_day[keep].mean() if keep.any() else np.nan
        for k in range(1, 13):
            sel = keep & (month_no == k)
            rows.append(
                {
                    "series": s.label,
                    "month": MONTH_NAMES[k - 1],
                    "months_used": int(sel.sum()),
                    "count": int(counts[sel].sum()),
                    "mean_per_day": per_day[sel].mean() if sel.any() else np.nan,
                    "index": 100 * per_day[sel].mean() / overall if sel.any() else np.nan,
                }
            )
    return pd.DataFrame(rows)


def day_hour(data: TrendData, fy: FinancialYear | None = None) -> tuple[pd.DataFrame, dict]:
    """Counts by day of week and hour of the headline series, and the missing-hour count.

    Returns the long table (``day``, ``hour``, ``count``) for the report year (``fy``,
    default the report year; the whole window when the year has no days) and a summary:
    ``total`` crimes in the span, ``missing_hour`` without an hour, ``span``.
    """
    if not data.has_days:
        return pd.DataFrame(columns=["day", "hour", "count"]), {
            "total": 0,
            "missing_hour": 0,
            "span": "",
        }
    fy = fy or data.report_fy
    mask = data.series_mask(data.headline.key)
    dates = data.events["date"]
    in_year = ((dates >= pd.Timestamp(fy.start)) & (dates <= pd.Timestamp(fy.end))).to_numpy()
    span = fy.label
    if not (mask & in_year).any():
        in_year = np.ones(len(dates), dtype=bool)
        span = "the analysis window"
    sel = mask & in_year
    hours = data.events["hour"][sel]
    known = hours.notna().to_numpy(dtype=bool)
    days = dates[sel][known].dt.day_of_week.to_numpy()
    hrs = hours[known].astype(int).to_numpy()
    grid = pd.crosstab(days, hrs).reindex(index=range(7), columns=range(24), fill_value=0)
    long = grid.stack().rename("count").reset_index()
    long.columns = ["day_no", "hour", "count"]
    long.insert(0, "day", [DAY_NAMES[d] for d in long["day_no"]])
    long = long.drop(columns="day_no")
    summary = {"total": int(sel.sum()), "missing_hour": int((~known).sum()), "span": span}
    return long, summary
