"""The monitoring report's periods: counts per week, month or quarter, the baseline, the summary.

The report charts each main series of :class:`snalib.chapters.trends.data.TrendData` as an
XmR chart (:mod:`snalib.chapters.monitoring.xmr`) of its counts per complete week, month
or financial quarter. The mean and limits come from a *baseline* of points before the VRU
(:func:`baseline_mask`), and the latest period is compared with the same period a year
earlier (:func:`latest_summary`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from snalib.chapters.monitoring.xmr import xmr
from snalib.chapters.trends.counts import complete_weeks, week_commencing
from snalib.chapters.trends.design import exposure
from snalib.stats import rate_ratio

PERIODS = ("week", "month", "quarter")
PERIOD_WORDS = {"week": "weekly", "month": "monthly", "quarter": "quarterly"}
#: Periods back to "the same period a year earlier".
YEAR_LAG = {"week": 52, "month": 12, "quarter": 4}
#: Points drawn on a chart: two years of weeks; every month or quarter.
CHART_POINTS = {"week": 104}


def period_counts(data, period: str = "month") -> pd.DataFrame:
    """Counts of each main series per complete week, month or financial quarter.

    Columns: ``period`` (label), ``start``, ``end`` and one column per main series
    label. Weeks run Monday to Sunday; quarters are financial (Q1 = April to June).
    Periods cut by the window's ends are left out.

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
    for s in data.main:
        counts = key[data.series_mask(s.key)].value_counts()
        frame[s.label] = counts.reindex(frame["start"]).fillna(0).to_numpy(dtype=int)
    return frame.reset_index(drop=True)


def period_of(frame: pd.DataFrame) -> str:
    """``week``, ``month`` or ``quarter``: the period of a :func:`period_counts` frame."""
    days = (frame["end"] - frame["start"]).dt.days + 1
    if len(days) and days.iloc[0] == 7:
        return "week"
    return "quarter" if len(days) and days.max() > 40 else "month"


def baseline_mask(frame: pd.DataFrame, data) -> tuple[np.ndarray, str]:
    """Which periods set the XmR mean and limits, and a sentence saying so.

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
    touched = np.zeros(len(frame), dtype=bool)
    spans = pd.DataFrame({"first": starts, "last": ends, "days": (ends - starts).dt.days + 1})
    for p in data.periods:
        touched |= exposure(spans, p.start, p.end) > 0
    outside = " outside the named periods" if touched.any() else ""
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
    mask = np.ones(len(frame), dtype=bool)
    return mask, (
        f"Mean and limits are computed from all {len(frame)} points"
        + (
            f", named periods included: fewer than {minimum} points lie outside them."
            if touched.any()
            else "."
        )
    )


def charts_for(frame: pd.DataFrame, data) -> tuple[dict[str, pd.DataFrame], str]:
    """An XmR table for each main series with enough points, and the baseline sentence."""
    mask, note = baseline_mask(frame, data)
    out = {}
    for s in data.main:
        if len(frame) >= 2 and frame[s.label].sum() > 0:
            out[s.label] = xmr(frame[s.label], frame["period"], baseline=mask)
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
    :func:`snalib.stats.rate_ratio`), ``mean`` (the XmR mean), ``status`` (common cause, or
    the special cause rules the latest point meets).
    """
    lag = YEAR_LAG[period_of(frame)]
    last = len(frame) - 1
    rows = []
    for s in data.main:
        chart = charts.get(s.label)
        row = {
            "series": s.label,
            "period": frame["period"].iloc[last],
            "count": int(frame[s.label].iloc[last]),
            "year_earlier_period": frame["period"].iloc[last - lag] if last >= lag else "",
            "year_earlier_count": int(frame[s.label].iloc[last - lag]) if last >= lag else np.nan,
        }
        if last >= lag:
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
                f"special cause ({point['direction']}: {point['rules']})"
                if point["special_cause"]
                else "common cause"
            )
        else:
            row["mean"] = np.nan
            row["status"] = "no chart"
        rows.append(row)
    return pd.DataFrame(rows)
