"""Monitoring: XmR statistical process control charts and the periodic board report.

**XmR chart ("Making Data Count", NHS England / NHS Improvement 2019).** For values
``x_1 .. x_n`` (weekly, monthly or quarterly counts):

- the *mean* and the *mean moving range* ``mR = mean(|x_i - x_(i-1)|)`` are computed on a
  *baseline* of points (by default all of them) and extended across the chart;
- *natural process limits* are ``mean ± 2.66 × mR`` (2.66 = 3 / 1.128, three sigma
  estimated from the moving range); the lower limit is floored at zero for counts;
- optionally (on by default, as in NHS-R ``NHSRplotthedots``), moving ranges above
  ``3.267 × mR`` are screened out and ``mR`` recomputed, so that one extreme jump does not
  widen the limits.

**Special cause rules implemented** (each point can trigger several; :data:`RULES`):

1. ``outside_limits``: a single point above the upper or below the lower process limit;
2. ``shift``: a run of 7 or more consecutive points all above, or all below, the mean
   (a point exactly on the mean breaks the run); every point of the run is flagged;
3. ``trend``: 7 or more consecutive points each higher than the one before (or each
   lower); equal neighbours break it; every point of the run is flagged;
4. ``two_of_three``: 2 out of 3 consecutive points in the outer third of the range
   between the mean and a limit, i.e. beyond ``mean ± 2/3 × 2.66 × mR`` (the "two sigma"
   line), on the same side of the mean, with all three points on that side; the points
   beyond the line are flagged. Points beyond the limits count towards it.

These are the Making Data Count rules as implemented by NHSRplotthedots (7-point shift
and trend); the guidance also allows 6-point trends, which give more false alarms.

References
----------
NHS England and NHS Improvement. Making Data Count: strengthening your decisions. 2019.

Wheeler DJ. Understanding variation: the key to managing chaos. 2nd ed. SPC Press; 2000.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from snalib.chapters.trends.design import exposure
from snalib.stats import rate_ratio

LIMIT_FACTOR = 2.66
NEAR_FACTOR = 2 * LIMIT_FACTOR / 3
MR_SCREEN_FACTOR = 3.267
RUN_LENGTH = 7
TREND_LENGTH = 7

RULES = {
    "outside_limits": "a point outside the process limits",
    "shift": f"a run of {RUN_LENGTH} or more points above (or below) the mean",
    "trend": f"{TREND_LENGTH} or more points in a row each higher (or each lower) than the last",
    "two_of_three": "two out of three points close to or beyond a limit (outer third), "
    "on the same side",
}
PERIODS = ("week", "month", "quarter")


def _runs(flags: np.ndarray, length: int) -> np.ndarray:
    """Mark every element of each run of ``True`` at least ``length`` long."""
    out = np.zeros(len(flags), dtype=bool)
    start = None
    for i, f in enumerate([*flags, False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def shift_rule(values, mean: float, length: int = RUN_LENGTH) -> np.ndarray:
    """Points in a run of ``length`` or more on one side of the mean (rule 2)."""
    x = np.asarray(values, dtype=float)
    return _runs(x > mean, length) | _runs(x < mean, length)


def trend_rule(values, length: int = TREND_LENGTH) -> np.ndarray:
    """Points in a run of ``length`` or more each higher (or lower) than the last (rule 3)."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return np.zeros(len(x), dtype=bool)
    step = np.sign(np.diff(x))
    out = np.zeros(len(x), dtype=bool)
    for direction in (1, -1):
        moving = step == direction  # moving[i]: x[i+1] vs x[i]
        # A run of k moves spans k + 1 points.
        runs = _runs(moving, length - 1)
        idx = np.flatnonzero(runs)
        out[idx] = True
        out[idx + 1] = True
    return out


def two_of_three_rule(values, mean: float, near_lower: float, near_upper: float) -> np.ndarray:
    """Points beyond the two-sigma line in a window of three meeting rule 4."""
    x = np.asarray(values, dtype=float)
    out = np.zeros(len(x), dtype=bool)
    for side in (1, -1):
        beyond = x > near_upper if side == 1 else x < near_lower
        same = x > mean if side == 1 else x < mean
        for i in range(len(x) - 2):
            window = slice(i, i + 3)
            if same[window].all() and beyond[window].sum() >= 2:
                out[window] |= beyond[window]
    return out


@dataclass(frozen=True)
class Limits:
    mean: float
    mean_moving_range: float
    lower: float
    upper: float
    near_lower: float
    near_upper: float
    baseline_points: int


def process_limits(values, *, screen: bool = True, floor_zero: bool = True) -> Limits:
    """Mean, mean moving range and natural process limits of baseline ``values``."""
    x = np.asarray(values, dtype=float)
    mean = float(x.mean())
    mr = np.abs(np.diff(x))
    amr = float(mr.mean()) if len(mr) else 0.0
    if screen and len(mr):
        kept = mr[mr < MR_SCREEN_FACTOR * amr]
        amr = float(kept.mean()) if len(kept) else amr
    lower = mean - LIMIT_FACTOR * amr
    near_lower = mean - NEAR_FACTOR * amr
    if floor_zero:
        lower, near_lower = max(lower, 0.0), max(near_lower, 0.0)
    return Limits(
        mean,
        amr,
        lower,
        mean + LIMIT_FACTOR * amr,
        near_lower,
        mean + NEAR_FACTOR * amr,
        len(x),
    )


def xmr(values, labels=None, *, baseline=None, screen: bool = True) -> pd.DataFrame:
    """An XmR chart's table: limits and the special cause rules for every point.

    Parameters
    ----------
    values
        The values in time order.
    labels
        A label for each point (e.g. ``YYYY-MM``); default 1, 2, ...
    baseline
        Boolean mask (or slice) of the points the mean and limits are computed from;
        default all points.
    screen
        Screen out moving ranges above 3.267 × the mean moving range.

    Returns
    -------
    pandas.DataFrame
        ``label``, ``value``, ``baseline`` (in the baseline), ``mean``, ``lower_limit``,
        ``upper_limit``, ``near_lower``, ``near_upper``, ``moving_range``, one boolean
        column per rule of :data:`RULES`, ``special_cause`` (any rule), ``direction``
        ("high" or "low" for special cause points, else "") and ``rules`` (their names).

    Raises
    ------
    ValueError
        With fewer than two baseline points.
    """
    x = np.asarray(values, dtype=float)
    labels = list(range(1, len(x) + 1)) if labels is None else list(labels)
    mask = np.ones(len(x), dtype=bool)
    if baseline is not None:
        mask = np.zeros(len(x), dtype=bool)
        mask[baseline] = True
    if mask.sum() < 2:
        raise ValueError("an XmR chart needs at least two baseline points")
    lim = process_limits(x[mask], screen=screen)
    table = pd.DataFrame(
        {
            "label": labels,
            "value": x,
            "baseline": mask,
            "mean": lim.mean,
            "lower_limit": lim.lower,
            "upper_limit": lim.upper,
            "near_lower": lim.near_lower,
            "near_upper": lim.near_upper,
            "moving_range": np.r_[np.nan, np.abs(np.diff(x))],
        }
    )
    table["outside_limits"] = (x > lim.upper) | (x < lim.lower)
    table["shift"] = shift_rule(x, lim.mean)
    table["trend"] = trend_rule(x)
    table["two_of_three"] = two_of_three_rule(x, lim.mean, lim.near_lower, lim.near_upper)
    flags = table[list(RULES)]
    table["special_cause"] = flags.any(axis=1)
    table["direction"] = np.where(table["special_cause"], np.where(x > lim.mean, "high", "low"), "")
    table["rules"] = flags.apply(lambda r: ", ".join(k for k in RULES if r[k]), axis=1)
    return table


# --------------------------------------------------------------------------- periods


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
        first = start + pd.Timedelta(days=(7 - start.weekday()) % 7)
        starts = pd.date_range(first, end, freq="7D")
        ends = starts + pd.Timedelta(days=6)
        key = data.events["date"] - pd.to_timedelta(data.events["date"].dt.day_of_week, unit="D")
        key = key.dt.normalize()
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
    minimum = 8 if _period_of(frame) == "quarter" else 12
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


#: Periods back to "the same period a year earlier".
YEAR_LAG = {"week": 52, "month": 12, "quarter": 4}
PERIOD_WORDS = {"week": "weekly", "month": "monthly", "quarter": "quarterly"}


def latest_summary(frame: pd.DataFrame, data, charts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The board's table: the latest period of each main series against a year earlier.

    Columns: ``series``, ``period``, ``count``, ``year_earlier_period``,
    ``year_earlier_count``, ``rate_ratio`` with ``lower95``/``upper95`` (exact, per day,
    :func:`snalib.stats.rate_ratio`), ``mean`` (the XmR mean), ``status`` (common cause, or
    the special cause rules the latest point meets).
    """
    period = _period_of(frame)
    lag = YEAR_LAG[period]
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


def _period_of(frame: pd.DataFrame) -> str:
    days = (frame["end"] - frame["start"]).dt.days + 1
    if len(days) and days.iloc[0] == 7:
        return "week"
    return "quarter" if len(days) and days.max() > 40 else "month"


def charts_for(frame: pd.DataFrame, data) -> tuple[dict[str, pd.DataFrame], str]:
    """An XmR table for each main series with enough points, and the baseline sentence."""
    mask, note = baseline_mask(frame, data)
    out = {}
    for s in data.main:
        if len(frame) >= 2 and frame[s.label].sum() > 0:
            out[s.label] = xmr(frame[s.label], frame["period"], baseline=mask)
    return out, note


#: Points drawn on a chart: two years of weeks; every month or quarter.
CHART_POINTS = {"week": 104}


def chart_window(chart: pd.DataFrame, period: str) -> pd.DataFrame:
    """The points drawn: the last two years of weekly points, or every point.

    The limits were computed on the baseline whether or not it is drawn.
    """
    n = CHART_POINTS.get(period)
    return chart if n is None else chart.iloc[-n:].reset_index(drop=True)


def xmr_findings(chart: pd.DataFrame, series: str, period: str) -> dict[str, str]:
    """Title, alt text and a sentence for an XmR chart, computed from its table."""
    word = PERIOD_WORDS[period]
    special = chart[chart["special_cause"]]
    last = chart.iloc[-1]
    recent = chart.iloc[-min(len(chart), 12) :]
    recent_special = recent[recent["special_cause"]]
    if last["special_cause"]:
        state = (
            f"the latest {period} ({last['label']}, {int(last['value']):,}) shows special cause "
            f"variation ({'higher' if last['direction'] == 'high' else 'lower'} than the "
            f"baseline process: {last['rules']})"
        )
        title = (
            f"{series}: the latest {period} is {'above' if last['direction'] == 'high' else 'below'} "
            "what the baseline process would produce"
        )
    else:
        state = (
            f"the latest {period} ({last['label']}, {int(last['value']):,}) is within common "
            "cause variation"
        )
        title = f"{series}: the latest {period} is within the baseline's common cause variation"
    counts = {rule: int(chart[rule].sum()) for rule in RULES}
    fired = [f"{RULES[r]} ({n} points)" for r, n in counts.items() if n]
    sentence = (
        f"On the {word} XmR chart of {series.lower()}, the mean is {last['mean']:,.1f} and the "
        f"natural process limits are {last['lower_limit']:,.1f} to {last['upper_limit']:,.1f}; "
        f"{state}. "
        f"{len(recent_special)} of the last {len(recent)} {period}s show special cause "
        f"variation, {len(special)} of all {len(chart)}. "
        + (
            "Rules met: " + "; ".join(fired) + "."
            if fired
            else "No special cause rule is met: the series behaves as a stable process."
        )
    )
    alt = (
        f"XmR chart of {word} counts of {series.lower()} from {chart['label'].iloc[0]} to "
        f"{last['label']}: points joined by a line, the mean as a solid line at "
        f"{last['mean']:,.1f}, the process limits as dashed lines at {last['lower_limit']:,.1f} "
        f"and {last['upper_limit']:,.1f}. {len(special)} points meet a special cause rule and "
        "are marked with larger symbols: triangles up when high, down when low."
    )
    return {"title": title, "alt": alt, "sentence": sentence}


def rules_table() -> pd.DataFrame:
    """The special cause rules, for the chapter and the report."""
    return pd.DataFrame({"rule": list(RULES), "description": list(RULES.values())})


def report_intro(frame: pd.DataFrame, data, period: str) -> str:
    """The report's opening: what it covers, from which data."""
    word = PERIOD_WORDS[period]
    last = frame.iloc[-1]
    source = (
        "the force's record-level crimes meeting the serious violence definition"
        if data.mode == "record"
        else "data.police.uk street-level crimes (the serious violence proxy: violence and "
        "sexual offences + robbery; public data have no ages, knife flag or days)"
    )
    return (
        f"This {word} report covers the latest complete {period}, **{last['period']}** "
        f"({last['start'].day} {last['start']:%B %Y} to {last['end'].day} {last['end']:%B %Y}), "
        f"and the {len(frame) - 1} complete "
        f"{period}s before it back to {frame['period'].iloc[0]}, counted from {source}. Each "
        "series is compared with the same period a year earlier and charted as an XmR "
        'statistical process control chart (NHS "Making Data Count").'
    )


def rules_text() -> str:
    """The special cause rules as a Markdown list."""
    return (
        f"Natural process limits are the mean ± {LIMIT_FACTOR} × the mean moving range of the "
        "baseline. A point shows special cause variation when it meets any of these rules:\n\n"
        + "\n".join(f"- {desc}" for desc in RULES.values())
    )


def recent_rows(published, n: int):
    """A published table shown with only its last ``n`` rows (the CSV keeps every row)."""
    from dataclasses import replace

    return replace(
        published,
        frame=published.frame.iloc[-n:],
        caption=published.caption + f" (last {n}; every period in the CSV)",
    )
