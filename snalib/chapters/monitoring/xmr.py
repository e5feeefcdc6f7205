"""The XmR chart: natural process limits and the special cause rules, for any series.

**XmR chart ("Making Data Count", NHS England / NHS Improvement 2019).** For values
``x_1 .. x_n`` (the monitoring report charts weekly counts and monthly or quarterly rates
per standard period, :mod:`snalib.chapters.monitoring.periods`):

- the *mean* and the *mean moving range* ``mR = mean(|x_i - x_(i-1)|)`` are computed on a
  *baseline* of points (by default all of them) and extended across the chart;
- *natural process limits* are ``mean ± 2.66 × mR`` (2.66 = 3 / 1.128, three sigma
  estimated from the moving range); the lower limit is floored at zero for counts and
  rates (not for a differenced series, whose values can be negative);
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

**Gaps.** A value may be missing (NaN: a period without data, or the first year of a
differenced series). A missing point is not drawn, is in no baseline, meets no rule and
breaks every run: no moving range is computed across it (the range from the point before
the gap to the point after it spans two periods, not one, and would widen the limits), and
a shift, a trend or two out of three must be made of consecutive periods with data.

The monitoring report's periods, baseline and summary are in
:mod:`snalib.chapters.monitoring.periods`, its sentences in
:mod:`snalib.chapters.monitoring.findings` and its chart in
:mod:`snalib.chapters.monitoring.charts`.

References
----------
NHS England and NHS Improvement. Making Data Count: strengthening your decisions. 2019.

Wheeler DJ. Understanding variation: the key to managing chaos. 2nd ed. SPC Press; 2000.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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
    """The centre line and limits of an XmR chart, from ``baseline_points`` values."""

    mean: float
    mean_moving_range: float
    lower: float
    upper: float
    near_lower: float
    near_upper: float
    baseline_points: int


def moving_ranges(values) -> np.ndarray:
    """``|x_i - x_(i-1)|`` for each point (NaN for the first, and next to a missing point:
    no range is taken across a gap)."""
    x = np.asarray(values, dtype=float)
    return np.r_[np.nan, np.abs(np.diff(x))]


def process_limits(values, *, screen: bool = True, floor_zero: bool = True, ranges=None) -> Limits:
    """Mean, mean moving range and natural process limits of baseline ``values``.

    ``values`` are consecutive points (NaN where a point is missing: left out of the mean,
    and no moving range is taken across it); ``ranges`` gives the moving ranges instead
    when the baseline points are not consecutive (:func:`xmr`).
    """
    x = np.asarray(values, dtype=float)
    mean = float(np.nanmean(x))
    mr = moving_ranges(x) if ranges is None else np.asarray(ranges, dtype=float)
    mr = mr[~np.isnan(mr)]
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
        int((~np.isnan(x)).sum()),
    )


def xmr(
    values, labels=None, *, baseline=None, screen: bool = True, floor_zero: bool = True
) -> pd.DataFrame:
    """An XmR chart's table: limits and the special cause rules for every point.

    Parameters
    ----------
    values
        The values in time order, NaN where a period has no value (a gap: module doc).
    labels
        A label for each point (e.g. ``YYYY-MM``); default 1, 2, ...
    baseline
        Boolean mask (or slice) of the points the mean and limits are computed from;
        default all points. Missing points are never in it; a moving range is in it when
        both of its points are.
    screen
        Screen out moving ranges above 3.267 × the mean moving range.
    floor_zero
        Floor the lower limits at zero (counts and rates; not a differenced series).

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
        With fewer than two baseline points with a value.
    """
    x = np.asarray(values, dtype=float)
    labels = list(range(1, len(x) + 1)) if labels is None else list(labels)
    mask = np.ones(len(x), dtype=bool)
    if baseline is not None:
        mask = np.zeros(len(x), dtype=bool)
        mask[baseline] = True
    mask &= ~np.isnan(x)
    if mask.sum() < 2:
        raise ValueError("an XmR chart needs at least two baseline points")
    ranges = moving_ranges(x)
    in_base = mask & np.r_[False, mask[:-1]]  # both points of the range in the baseline
    lim = process_limits(x[mask], screen=screen, floor_zero=floor_zero, ranges=ranges[in_base])
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
            "moving_range": ranges,
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


def rules_text() -> str:
    """The process limits and the special cause rules, as a Markdown list."""
    return (
        f"Natural process limits are the mean ± {LIMIT_FACTOR} × the mean moving range of the "
        "baseline. A point shows special cause variation when it meets any of these rules:\n\n"
        + "\n".join(f"- {desc}" for desc in RULES.values())
        + "\n\nA period without a value (no data) is a gap: no moving range, run of points or "
        "rule spans it, and it is in no baseline."
    )
