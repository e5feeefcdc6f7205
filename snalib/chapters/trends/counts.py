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
from snalib.stats import period_rate_ratio
from snalib.stats.multiple import METHOD_WORDS, adjust

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


#: Columns of :func:`year_on_year` taken from each row's :class:`snalib.stats.PeriodChange`.
YOY_CHANGE_COLUMNS = {
    "rate_ratio": "value",
    "lower95": "lower",
    "upper95": "upper",
    "p_value": "p_value",
    "lower95_exact": "exact_lower",
    "upper95_exact": "exact_upper",
    "p_value_exact": "exact_p_value",
    "dispersion": "dispersion",
    "dispersion_df": "df",
    "autocorrelation": "autocorrelation",
    "variance_inflation": "variance_inflation",
}
#: Breakdowns whose rows are scanned for "significant" changes (adjusted together).
SCANNED = ("Crime type group", "Crime type", "District")
YOY_METHOD = (
    "rate ratio per resident; the 95% CI and p-value allow for month-to-month variation "
    "beyond chance (quasi-Poisson from the monthly counts of every whole 12-month period "
    "of the window, a term per calendar month and per named period, AR(1) allowance); "
    "exact Poisson beside"
)
YOY_EXACT_METHOD = "rate ratio per resident, exact conditional (Clopper-Pearson) 95% CI"


def comparison_blocks(data: TrendData, current_end) -> np.ndarray:
    """The 12-month period of each month of the window, for the year-on-year noise model.

    Counting back from the last month of the current span: ``"current"`` (its 12 months),
    ``"previous"`` (the 12 before), then ``"earlier 1"``, ``"earlier 2"``, ... Months after
    the current span, partial months and periods of fewer than 12 full months get None
    (left out).
    """
    months = data.months
    index = pd.PeriodIndex(months["month"], freq="M")
    number = np.asarray(index.year * 12 + index.month)
    last = pd.Period(pd.Timestamp(current_end), "M")
    back = (last.year * 12 + last.month) - number
    full = is_full_month(months)
    block = np.where(back >= 0, back // 12, -1)
    labels = np.full(len(months), None, dtype=object)
    for k in np.unique(block[block >= 0]):
        rows = (block == k) & full
        if rows.sum() < 12:
            continue
        name = "current" if k == 0 else "previous" if k == 1 else f"earlier {k - 1}"
        labels[rows] = name
    return labels


def year_on_year(
    data: TrendData, multiple_comparisons: str = "fdr", min_count: int = 10
) -> pd.DataFrame:
    """``tables/trend_year_on_year.csv``: each breakdown, this year against the year before.

    The rate ratio is of rates per resident (the population of each year). Its interval and
    p-value allow for the month-to-month variation beyond chance: the quasi-Poisson
    comparison of :func:`snalib.stats.period_rate_ratio` on the monthly counts of every
    whole 12-month period of the window (:func:`comparison_blocks`), with the exact
    conditional Poisson interval and p-value beside them (``lower95_exact``, ...).

    The crime type groups and the districts are scanned for changes, so within each of
    those breakdowns the p-values of the rows with at least ``min_count`` events in both
    years are adjusted together (``p_adjusted``, :func:`snalib.stats.multiple.adjust`
    with ``multiple_comparisons``: "fdr" Benjamini-Hochberg or "holm"); the main series
    are the chapter's pre-specified questions and are not adjusted. Empty when fewer than
    24 months are available.
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
    blocks = comparison_blocks(data, c1)
    # Each named period is a known interruption, not noise: its own term in the noise model.
    shares = np.column_stack(
        [np.zeros(len(blocks))] + [exposure(data.months, p.start, p.end) for p in data.periods]
    )[:, 1:]
    first_of = {
        label: data.months["first"][blocks == label].min()
        for label in pd.unique(blocks[pd.notna(blocks)])
    }
    days = data.months["days"].to_numpy(dtype=float)
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
        residents = {
            block: _nearest(by_year, available, FinancialYear.of(first.date()).population_year)
            for block, first in first_of.items()
        }
        row = {
            "breakdown": breakdown,
            "series": label,
            "previous_period": prev_label,
            "current_period": cur_label,
            "count_previous": int((mask & in_prev).sum()),
            "count_current": int((mask & in_cur).sum()),
            "population_previous": residents.get("previous", np.nan),
            "population_current": residents.get("current", np.nan),
        }
        change = None
        if row["population_previous"] > 0 and row["population_current"] > 0:
            exposure_of = np.full(len(blocks), np.nan)
            for block, residents_k in residents.items():
                rows_k = blocks == block
                if residents_k > 0:
                    exposure_of[rows_k] = residents_k * days[rows_k] / days[rows_k].sum()
            known = np.isfinite(exposure_of)
            change = period_rate_ratio(
                data.months["month"].to_numpy()[known],
                data.monthly(mask)[known],
                exposure_of[known],
                blocks[known],
                current="current",
                baseline="previous",
                interruptions=shares[known],
            )
        for column, attribute in YOY_CHANGE_COLUMNS.items():
            row[column] = getattr(change, attribute) if change is not None else np.nan
        row["method"] = (
            YOY_METHOD
            if change is not None and change.monthly
            else YOY_EXACT_METHOD + (f" ({change.note})" if change is not None else "")
        )
        rows.append(row)
    table = pd.DataFrame(rows)
    usable = (table["population_previous"] > 0) & (table["population_current"] > 0)
    adjusted, words = adjust_breakdowns(table, multiple_comparisons, min_count)
    table["p_adjusted"] = adjusted
    table["multiple_comparisons"] = words
    table["change_pct"] = (table["rate_ratio"] - 1) * 100
    table["note"] = np.where(
        usable, "", "not calculated: no population for crimes with no known area"
    )
    method = table.pop("method")
    table["method"] = method.where(usable, YOY_EXACT_METHOD)
    return table


def tested_rows(table: pd.DataFrame, breakdown: str, min_count: int = 10) -> pd.Series:
    """Rows of a scanned breakdown that are tested: at least ``min_count`` events in both
    years (the minimum for a published rate) and a p-value."""
    return (
        (table["breakdown"] == breakdown)
        & (table["count_previous"] >= min_count)
        & (table["count_current"] >= min_count)
        & table["p_value"].notna()
    )


def adjust_breakdowns(
    table: pd.DataFrame, method: str = "fdr", min_count: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted p-values of the scanned breakdowns, each breakdown a family of its own.

    Returns the adjusted p-value of each row (NaN for the main series and for rows not
    tested) and the words of the adjustment (e.g. "the false discovery rate
    (Benjamini-Hochberg) over 8 districts").
    """
    adjusted = np.full(len(table), np.nan)
    words = np.full(len(table), "", dtype=object)
    for breakdown in SCANNED:
        rows = tested_rows(table, breakdown, min_count).to_numpy()
        if not rows.any():
            continue
        result = adjust(table.loc[rows, "p_value"].to_numpy(dtype=float), method)
        adjusted[rows] = result.p_adjusted
        what = "districts" if breakdown == "District" else "groups"
        words[rows] = f"{METHOD_WORDS[method]} over {result.n_tests} {what}"
    return adjusted, words


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
