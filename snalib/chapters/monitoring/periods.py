"""The monitoring report's periods: counts per week, month or quarter, the baseline, the summary.

The report charts each main series of :class:`snalib.chapters.trends.data.TrendData` as an
XmR chart (:mod:`snalib.chapters.monitoring.xmr`) per complete week, month or financial
quarter. The mean and limits come from a *baseline* of points before the VRU
(:func:`baseline_mask`), and the latest period is compared with the same period a year
earlier (:func:`latest_summary`).

**What is charted** (:func:`chart_values`). Months last 28 to 31 days and quarters 90 to
92, so a chart of counts would see February fall by a tenth for no reason but the calendar.
Monthly and quarterly points are therefore *rates per standard period*: crimes per 30 days
(``count × 30 / days in the month``) and crimes per 91 days (``count × 91 / days in the
quarter``). Weeks all have 7 days: weekly points are counts. ``statistics.xmr_seasonal``
then offers, for monthly and quarterly charts:

- ``"adjusted"``: the rate divided by its month-of-year (quarter-of-year) index. The index
  of calendar month k is the mean rate of the months k used, over the mean of the 12 such
  means (so the indices average 1); the months used are the XmR baseline's, or, when the
  baseline does not hold two of each calendar month, every month with data outside the
  named periods. With fewer than two of each, the chart is not adjusted and says so.
- ``"differenced"``: the rate minus the rate of the same month (quarter) a year before; the
  first year has no value, and the limits are not floored at zero.

A period that touches a month without data (:attr:`TrendData.missing`) has no count and no
value: a gap in the chart (:mod:`snalib.chapters.monitoring.xmr`, "Gaps").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from snalib.chapters.monitoring.xmr import xmr
from snalib.chapters.trends.counts import complete_weeks, week_commencing, weeks_touching
from snalib.chapters.trends.design import exposure
from snalib.stats import rate_ratio

PERIODS = ("week", "month", "quarter")
PERIOD_WORDS = {"week": "weekly", "month": "monthly", "quarter": "quarterly"}
#: Periods back to "the same period a year earlier".
YEAR_LAG = {"week": 52, "month": 12, "quarter": 4}
#: Points drawn on a chart: two years of weeks; every month or quarter.
CHART_POINTS = {"week": 104}
#: Days of the standard period each point is a rate per (weeks: counts, all 7 days).
STANDARD_DAYS = {"week": 7, "month": 30, "quarter": 91}
#: The unit of the charted values, by period.
UNITS = {"week": "crimes per week", "month": "crimes per 30 days", "quarter": "crimes per 91 days"}
SEASONAL = ("none", "adjusted", "differenced")


def period_counts(data, period: str = "month") -> pd.DataFrame:
    """Counts of each main series per complete week, month or financial quarter.

    Columns: ``period`` (label), ``start``, ``end`` and one column per main series
    label. Weeks run Monday to Sunday; quarters are financial (Q1 = April to June).
    Periods cut by the window's ends are left out. A period with a day in a month without
    data (:attr:`TrendData.missing`) has no count (``<NA>``, never 0); the series columns
    are then nullable integers (Int64).

    Raises
    ------
    ValueError
        For an unknown period, or weeks without offence dates (public data).
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}; got {period!r}")
    if period == "week" and not data.has_days:
        raise ValueError("weekly counts need offence dates; public data give months only")
    start, end = pd.Timestamp(data.window_start), pd.Timestamp(data.window_end)
    if period == "week":
        starts = complete_weeks(start, end)
        ends = starts + pd.Timedelta(days=6)
        key = week_commencing(data.events["date"])
        labels = [f"w/c {s.day} {s:%b %Y}" for s in starts]
    else:
        freq = "M" if period == "month" else "Q-MAR"
        prange = pd.period_range(start, end, freq=freq)
        starts = pd.DatetimeIndex([p.start_time.normalize() for p in prange])
        ends = pd.DatetimeIndex([p.end_time.normalize() for p in prange])
        when = pd.to_datetime(data.events["month"] + "-01")
        key = when.dt.to_period(freq).dt.start_time.dt.normalize()
        if period == "month":
            labels = [f"{p:%b %Y}" for p in starts]
        else:
            labels = [f"{p.qyear - 1}/{p.qyear % 100:02d} Q{p.quarter}" for p in prange]
    complete = (starts >= start) & (ends <= end)
    frame = pd.DataFrame({"period": labels, "start": starts, "end": ends})[complete]
    gap = _touches_missing(frame, data)
    for s in data.main:
        counts = key[data.series_mask(s.key)].value_counts()
        counts = counts.reindex(frame["start"]).fillna(0).to_numpy(dtype=int)
        frame[s.label] = (
            pd.array(np.where(gap, np.nan, counts.astype(float)), dtype="Int64")
            if gap.any()
            else counts
        )
    return frame.reset_index(drop=True)


def _touches_missing(frame: pd.DataFrame, data) -> np.ndarray:
    """Periods with a day in a month without data."""
    missing = list(getattr(data, "missing_months", []))
    if not missing or frame.empty:
        return np.zeros(len(frame), dtype=bool)
    days = (frame["end"] - frame["start"]).dt.days + 1
    if len(days) and days.iloc[0] == 7:
        return weeks_touching(pd.DatetimeIndex(frame["start"]), missing)
    gaps = pd.PeriodIndex(missing, freq="M").to_timestamp()
    return np.array(
        [
            bool(((gaps >= s) & (gaps <= e)).any())
            for s, e in zip(frame["start"], frame["end"], strict=True)
        ],
        dtype=bool,
    )


def counts_of(frame: pd.DataFrame, series: str) -> np.ndarray:
    """A series' counts as floats, NaN where the period has no data."""
    return pd.to_numeric(frame[series], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def period_of(frame: pd.DataFrame) -> str:
    """``week``, ``month`` or ``quarter``: the period of a :func:`period_counts` frame."""
    days = (frame["end"] - frame["start"]).dt.days + 1
    if len(days) and days.iloc[0] == 7:
        return "week"
    return "quarter" if len(days) and days.max() > 40 else "month"


def baseline_mask(frame: pd.DataFrame, data, present=None) -> tuple[np.ndarray, str]:
    """Which periods set the XmR mean and limits, and a sentence saying so.

    ``present`` marks the points with a value (default: every point with a count); the
    others (no data, or the first year of a differenced series) are never in the baseline.
    The first of these with enough points (12; 8 for quarters), leaving out points touched
    by a named period (lockdowns are not the usual process):

    1. the two financial years ending with the baseline year of the parameters (the
       process before the VRU, as the success measures compare);
    2. the first two years of the series;
    3. every point outside the named periods;
    4. every point, named periods included (the sentence says so).
    """
    starts, ends = frame["start"], frame["end"]
    minimum = 8 if period_of(frame) == "quarter" else 12
    if present is None:
        present = ~_touches_missing(frame, data)
    present = np.asarray(present, dtype=bool)
    touched = ~present  # left out of every candidate, like the named periods
    gaps = touched.copy()
    spans = pd.DataFrame({"first": starts, "last": ends, "days": (ends - starts).dt.days + 1})
    for p in data.periods:
        touched |= exposure(spans, p.start, p.end) > 0
    named = (touched & ~gaps).any()
    outside = " outside the named periods" if named else ""
    candidates = []
    fy = data.baseline_fy
    if fy is not None:
        lo = pd.Timestamp(fy.previous().start)
        mask = ((starts >= lo) & (ends <= pd.Timestamp(fy.end))).to_numpy() & ~touched
        candidates.append(
            (mask, f"{fy.previous().label} and {fy.label} (the two years up to the baseline year")
        )
    if len(starts):
        mask = (starts < starts.iloc[0] + pd.DateOffset(years=2)).to_numpy() & ~touched
        candidates.append((mask, "the first two years of the series ("))
    candidates.append((~touched, "every point" + outside + " ("))
    for mask, words in candidates:
        if mask.sum() >= minimum:
            sep = ", " if words.endswith("year") else ""
            return mask, (
                f"Mean and limits are computed from {words}{sep}{int(mask.sum())} points"
                f"{outside if not words.startswith('every') else ''})."
            )
    mask = present.copy()
    return mask, (
        f"Mean and limits are computed from all {int(mask.sum())} points with a value"
        + (
            f", named periods included: fewer than {minimum} points lie outside them."
            if named
            else "."
        )
    )


def standard_rates(frame: pd.DataFrame, series: str) -> np.ndarray:
    """A series' counts per standard period (:data:`STANDARD_DAYS`): crimes per 30 days for
    months, per 91 days for quarters, counts for weeks; NaN where a period has no data."""
    period = period_of(frame)
    days = ((frame["end"] - frame["start"]).dt.days + 1).to_numpy(dtype=float)
    return counts_of(frame, series) * STANDARD_DAYS[period] / days


def _year_position(frame: pd.DataFrame) -> np.ndarray:
    """Calendar month (1-12) of each month, financial quarter (1-4) of each quarter."""
    if period_of(frame) == "quarter":
        return ((frame["start"].dt.month.to_numpy() - 4) % 12) // 3 + 1
    return frame["start"].dt.month.to_numpy()


def seasonal_index(frame: pd.DataFrame, data, rates, mask) -> tuple[np.ndarray | None, str]:
    """Each point's month-of-year (quarter-of-year) index, and a sentence on where it came from.

    Estimated from the baseline points (``mask``) when they hold two of each calendar month
    (quarter), else from every point with data outside the named periods; ``None`` (and why)
    when neither does. The indices average 1.
    """
    position = _year_position(frame)
    cycle = 4 if period_of(frame) == "quarter" else 12
    have = ~np.isnan(rates)
    touched = np.zeros(len(frame), dtype=bool)
    spans = pd.DataFrame(
        {
            "first": frame["start"],
            "last": frame["end"],
            "days": (frame["end"] - frame["start"]).dt.days + 1,
        }
    )
    for p in data.periods:
        touched |= exposure(spans, p.start, p.end) > 0
    word = "quarter" if cycle == 4 else "calendar month"
    for use, where in (
        (mask & have, "the baseline"),
        (have & ~touched, "every point with data outside the named periods"),
    ):
        seen = np.bincount(position[use], minlength=cycle + 1)[1:]
        if seen.min() >= 2:
            means = np.array([rates[use & (position == k)].mean() for k in range(1, cycle + 1)])
            if not (means > 0).all():
                break
            index = means / means.mean()
            return index[position - 1], (
                f"Values are seasonally adjusted: divided by the {word}-of-year index "
                f"estimated from {where} (the mean rate of each {word} over the mean of all "
                f"{cycle}), so that the time of year cannot trigger a rule."
            )
    return None, (
        f"Values are not seasonally adjusted: the {word}-of-year index needs at least two "
        f"of each {word} with crimes, outside the named periods, and this series has fewer."
    )


def chart_values(
    frame: pd.DataFrame, data, seasonal: str = "none"
) -> tuple[dict[str, np.ndarray], np.ndarray, str, str, int]:
    """What the XmR charts plot (module docstring), for every main series.

    Returns
    -------
    values
        Series label → values (NaN where there is none).
    mask
        The baseline (:func:`baseline_mask` over the points with a value).
    unit
        What the values are: "crimes per 30 days, seasonally adjusted".
    note
        The baseline sentence, then how the values were made.
    lag
        0, or the number of periods back each value also rests on (differenced: a year).
    """
    if seasonal not in SEASONAL:
        raise ValueError(f"seasonal must be one of {SEASONAL}; got {seasonal!r}")
    period = period_of(frame)
    rates = {s.label: standard_rates(frame, s.label) for s in data.main}
    unit = UNITS[period]
    if period == "week":
        how = "Weekly values are counts: every week has 7 days."
        if seasonal != "none":
            how += (
                f" The seasonal option ('{seasonal}') applies to monthly and quarterly charts only."
            )
        seasonal = "none"
    else:
        days = STANDARD_DAYS[period]
        how = (
            f"Values are {unit} (the count × {days} ÷ the days in the {period}), so that the "
            f"length of a {period} cannot trigger a rule."
        )
    head = data.main[0].label
    lag = 0
    if seasonal == "differenced":
        lag = YEAR_LAG[period]
        rates = {
            k: np.r_[np.full(min(lag, len(v)), np.nan), v[lag:] - v[:-lag]] if len(v) else v
            for k, v in rates.items()
        }
        unit = f"change in {unit} from a year before"
        how += (
            f" Each value is the change from the same {period} a year before (seasonally "
            "differenced); the first year has no value."
        )
    mask, note = baseline_mask(frame, data, present=~np.isnan(rates[head]))
    if seasonal == "adjusted":
        index, words = seasonal_index(frame, data, rates[head], mask)
        how += " " + words
        if index is not None:
            unit += ", seasonally adjusted"
            for k in rates:
                own, _ = seasonal_index(frame, data, rates[k], mask)
                rates[k] = rates[k] / own if own is not None else rates[k] / index
    return rates, mask, unit, f"{note} {how}", lag


def charts_for(
    frame: pd.DataFrame, data, seasonal: str = "none"
) -> tuple[dict[str, pd.DataFrame], str]:
    """An XmR table for each main series with enough points, and the sentence saying where
    its mean and limits come from and what its values are (:func:`chart_values`).

    Each table (:func:`snalib.chapters.monitoring.xmr.xmr`) has besides ``count`` (the
    period's count), ``count_year_earlier`` (differenced charts: the other count each
    value rests on) and ``unit``.
    """
    values, mask, unit, note, lag = chart_values(frame, data, seasonal)
    out = {}
    for s in data.main:
        counts = counts_of(frame, s.label)
        x = values[s.label]
        if len(frame) >= 2 and np.nansum(counts) > 0 and (mask & ~np.isnan(x)).sum() >= 2:
            chart = xmr(x, frame["period"], baseline=mask, floor_zero=lag == 0)
            chart.insert(2, "count", pd.array(counts, dtype="Int64"))
            if lag:
                earlier = np.r_[np.full(lag, np.nan), counts[:-lag]]
                chart.insert(3, "count_year_earlier", pd.array(earlier, dtype="Int64"))
            chart["unit"] = unit
            out[s.label] = chart
    return out, note


def chart_window(chart: pd.DataFrame, period: str) -> pd.DataFrame:
    """The points drawn: the last two years of weekly points, or every point.

    The limits were computed on the baseline whether or not it is drawn.
    """
    n = CHART_POINTS.get(period)
    return chart if n is None else chart.iloc[-n:].reset_index(drop=True)


def latest_summary(frame: pd.DataFrame, data, charts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The board's table: the latest period of each main series against a year earlier.

    Columns: ``series``, ``period``, ``count``, ``year_earlier_period``,
    ``year_earlier_count``, ``rate_ratio`` with ``lower95``/``upper95`` (exact, per day,
    :func:`snalib.stats.rate_ratio`), ``mean`` (the XmR mean, in the chart's unit),
    ``status`` (common cause, the special cause rules the latest point meets, or "no data"
    when the latest period has none) and ``xmr_unit`` (the chart's unit).
    """
    lag = YEAR_LAG[period_of(frame)]
    last = len(frame) - 1
    rows = []
    for s in data.main:
        chart = charts.get(s.label)
        counts = counts_of(frame, s.label)
        row = {
            "series": s.label,
            "period": frame["period"].iloc[last],
            "count": counts[last],
            "year_earlier_period": frame["period"].iloc[last - lag] if last >= lag else "",
            "year_earlier_count": counts[last - lag] if last >= lag else np.nan,
        }
        if last >= lag and not np.isnan([row["count"], row["year_earlier_count"]]).any():
            days_now = (frame["end"].iloc[last] - frame["start"].iloc[last]).days + 1
            days_then = (frame["end"].iloc[last - lag] - frame["start"].iloc[last - lag]).days + 1
            rr = rate_ratio(row["count"], days_now, row["year_earlier_count"], days_then)
            row |= {
                "rate_ratio": float(rr["value"].iloc[0]),
                "lower95": float(rr["lower"].iloc[0]),
                "upper95": float(rr["upper"].iloc[0]),
            }
        else:
            row |= {"rate_ratio": np.nan, "lower95": np.nan, "upper95": np.nan}
        if chart is not None:
            point = chart.iloc[-1]
            row["mean"] = float(point["mean"])
            row["status"] = (
                "no data"
                if np.isnan(point["value"])
                else f"special cause ({point['direction']}: {point['rules']})"
                if point["special_cause"]
                else "common cause"
            )
            row["xmr_unit"] = str(point["unit"])
        else:
            row["mean"] = np.nan
            row["status"] = "no chart"
            row["xmr_unit"] = ""
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("count", "year_earlier_count"):
        out[col] = pd.array(out[col].to_numpy(dtype=float), dtype="Int64")
    return out
