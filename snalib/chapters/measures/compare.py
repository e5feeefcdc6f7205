"""Report year against baseline: the rate ratio, the detectable change and the status.

The rate ratio of the report year to the baseline, with an exact 95% interval and p-value
(:func:`snalib.stats.rate_ratio`), the smallest fall and rise these counts could detect
with 80% power (:func:`snalib.stats.minimum_detectable_ratio`) and a status from a fixed
rule (:func:`classify_status`; ``docs/methods.md``, section 7).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from snalib.chapters.measures.definitions import (
    ALPHA,
    MAX_DETECTABLE_FALL_PCT,
    NO_SIGNIFICANT_CHANGE,
    NOT_AVAILABLE,
    POWER,
    SIGNIFICANT_INCREASE,
    SIGNIFICANT_REDUCTION,
    TOO_FEW,
)
from snalib.stats import minimum_detectable_ratio, rate_ratio


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
