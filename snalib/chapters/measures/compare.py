"""Report year against baseline: the rate ratio, the detectable change and the status.

The rate ratio of the report year to the baseline with a 95% interval and p-value that
allow for the month-to-month variation beyond chance (:func:`monthly_comparison`, with
:func:`snalib.stats.period_rate_ratio`: quasi-Poisson dispersion and lag-1
autocorrelation estimated from the monthly counts of every financial year the data
cover), the exact Poisson result beside it (:func:`snalib.stats.rate_ratio`), the smallest
fall and rise these counts could detect with 80% power
(:func:`snalib.stats.minimum_detectable_ratio`, on the effective number of events) and a
status from a fixed rule (:func:`classify_status`; ``docs/methods.md``, section 7).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
from snalib.periods import FinancialYear
from snalib.stats import (
    PeriodChange,
    days_inside,
    minimum_detectable_ratio,
    period_rate_ratio,
    rate_ratio,
)

#: The comparison's method, in the words of ``comparison_method``.
MONTHLY_METHOD = (
    "quasi-Poisson: the variance of the rate ratio from the monthly counts of every "
    "financial year covered (a level per year, a term per calendar month and per named "
    "period), inflated for dispersion and month-to-month autocorrelation; t interval"
)
EXACT_METHOD = (
    "exact conditional Poisson (no monthly data: variation beyond chance cannot be "
    "estimated, so the interval may be too narrow)"
)
EXACT_WORDS = "the exact Poisson 95% interval of the rate ratio"


@lru_cache(maxsize=4096)
def _detectable_ratio(baseline: float, exposure: float, direction: str) -> float:
    """Minimum detectable rate ratio (exact method), cached: simulations repeat counts."""
    result = minimum_detectable_ratio(
        baseline, exposure, 1.0, alpha=ALPHA, power=POWER, direction=direction
    )
    return float(result["value"].iloc[0])


def detectable_change(
    baseline_count, baseline_population, current_population, direction, inflation=1.0
):
    """Smallest fall (or rise), in percent, detectable with 80% power at the 5% level.

    Vectorised over arrays. With a variance ``inflation`` above 1 (months more variable
    than Poisson; :attr:`snalib.stats.PeriodChange.variance_inflation`) the power is that of
    the exact test on the **effective** number of events, baseline count / inflation: a
    count whose variance is F times its mean carries the information of a Poisson count F
    times smaller. NaN where a count or population is missing, the baseline count is 0, or
    no change in that direction is detectable (e.g. a fall from 3 events).
    """
    b = np.asarray(baseline_count, dtype=float)
    d_b = np.asarray(baseline_population, dtype=float)
    d_a = np.asarray(current_population, dtype=float)
    f = np.asarray(inflation, dtype=float)
    b, d_b, d_a, f = (np.atleast_1d(x) for x in np.broadcast_arrays(b, d_b, d_a, f))
    f = np.where(np.isfinite(f) & (f > 1), f, 1.0)
    out = np.full(b.shape, np.nan)
    for i in np.flatnonzero(~np.isnan(b) & ~np.isnan(d_b) & ~np.isnan(d_a) & (b > 0)):
        effective = round(float(b[i] / f[i]), 2)
        ratio = _detectable_ratio(effective, round(float(d_a[i] / d_b[i]), 12), direction)
        out[i] = (ratio - 1) * 100
    return out


def monthly_comparison(
    events,
    group: str,
    population,
    current: FinancialYear,
    baseline: FinancialYear,
    interruptions: Iterable = (),
) -> PeriodChange | None:
    """The report year against the baseline from the monthly counts, or None without them.

    Parameters
    ----------
    events
        The measure's counts (:class:`snalib.chapters.measures.events.MeasureEvents`).
    group
        ``all ages`` or the priority group.
    population
        Residents (:class:`snalib.chapters.measures.population.Population`): a month's
        exposure is its year's residents x days in the month / days in the year, so that
        a year's exposures add up to its residents and the ratio is the table's.
    current, baseline
        The years compared.
    interruptions
        Named periods of the parameters (``params.periods``, e.g. lockdowns). Each gets
        its own term in the noise model (the share of each month's days inside it,
        :func:`snalib.stats.days_inside`), in every year including the two compared: a
        known departure is not chance variation. The ratio is unchanged (the observed
        rates of the two years).

    Returns
    -------
    PeriodChange or None
        None when either compared year has no monthly counts (e.g. admissions given per
        financial year): the caller then uses the exact result
        (:func:`snalib.stats.exact_change`).
    """
    years = sorted(FinancialYear.parse(label) for label in events.covered)
    months = events.monthly(group, years)
    if months.empty:
        return None
    frames = []
    for label, rows in months.groupby("financial_year", sort=False):
        fy = FinancialYear.parse(label)
        residents, _ = population.value(group, fy)
        if not np.isfinite(residents):
            continue
        days = np.asarray(pd.PeriodIndex(rows["month"], freq="M").days_in_month, dtype=float)
        frames.append(rows.assign(exposure=residents * days / days.sum(), period=label))
    if not frames:
        return None
    series = pd.concat(frames, ignore_index=True)
    labels = set(series["period"])
    if current.label not in labels or baseline.label not in labels:
        return None
    shares = np.column_stack(
        [np.zeros(len(series))]
        + [days_inside(series["month"], named.start, named.end) for named in interruptions]
    )[:, 1:]
    return period_rate_ratio(
        series["month"],
        series["count"],
        series["exposure"],
        series["period"],
        current=current.label,
        baseline=baseline.label,
        interruptions=shares,
    )


def classify_status(
    baseline_count,
    current_count,
    p_value,
    rate_ratio_value,
    detectable_fall_pct,
    *,
    tested_against=EXACT_WORDS,
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
    3. **significant reduction** / **significant increase** when the two-sided p-value is
       at most ``alpha`` (equivalently, the 95% interval of the rate ratio excludes 1), by
       the direction of the ratio. The p-value is the one that allows for month-to-month
       variation beyond chance where the data are monthly (quasi-Poisson,
       :func:`monthly_comparison`), the exact Poisson one otherwise;
    4. **too few events to conclude** when not significant and these counts could not
       detect a fall of ``max_detectable_fall_pct`` (50%) with 80% power (on the
       effective number of events, :func:`detectable_change`): "no change" would be read
       as evidence when the data could not have shown one;
    5. **no significant change** otherwise.

    Steps 2 and 4 only turn results into "too few", so under no true change step 3 calls a
    change in about ``alpha`` of comparisons whatever they do (checked by simulation,
    ``snalib.simulations.measures``).

    Parameters
    ----------
    tested_against
        What the interval allows for, per row or one for all
        (:meth:`snalib.stats.PeriodChange.tested_against`): the reasons say it.

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
    words = np.atleast_1d(np.asarray(tested_against, dtype=object))
    b, a, p, rr, fall, words = np.broadcast_arrays(b, a, p, rr, fall, words)
    status = np.full(b.shape, NO_SIGNIFICANT_CHANGE, dtype=object)
    reason = np.array(
        [
            f"{w} includes 1, and a fall of {max_detectable_fall_pct:g}% would have been "
            "detected at least 4 times in 5"
            for w in words
        ],
        dtype=object,
    ).reshape(b.shape)
    weak = np.isnan(fall) | (fall < -max_detectable_fall_pct)
    no_power = ~(p <= alpha) & weak
    status[no_power] = TOO_FEW
    reason[no_power] = (
        f"not significant, and with counts this small (or this variable from month to "
        f"month) a fall of {max_detectable_fall_pct:g}% could go undetected, so no change "
        "cannot be told from a real one"
    )
    significant = p <= alpha
    status[significant & (rr < 1)] = SIGNIFICANT_REDUCTION
    status[significant & (rr > 1)] = SIGNIFICANT_INCREASE
    for i in np.flatnonzero(significant):
        reason[i] = f"{words[i]} excludes 1 (p at most {alpha:g})"
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


#: Columns of :func:`compare_periods` taken from each row's :class:`PeriodChange`.
CHANGE_COLUMNS = {
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


def compare_periods(
    baseline_count,
    baseline_population,
    current_count,
    current_population,
    *,
    changes: Sequence[PeriodChange | None] | None = None,
    min_count: int = 10,
    detectable: bool = True,
    power: bool = True,
) -> pd.DataFrame:
    """Report year against baseline: rate ratio, interval, p-value, detectable change, status.

    Vectorised over arrays (the simulations in the tests call it with thousands of pairs).

    Parameters
    ----------
    baseline_count, baseline_population, current_count, current_population
        The two years' counts and residents.
    changes
        Per row, the comparison from the monthly counts (:func:`monthly_comparison`), or
        None where there are none. A row without one gets the exact Poisson result, and
        ``comparison_method`` says that its interval may be too narrow.
    detectable
        Also compute the smallest detectable rise (the fall is always computed).
    power
        False: compute no detectable change at all (NaN), so that every result that is not
        significant is "too few events to conclude". For simulations of the false positive
        rate, which step 4 of the rule cannot change; the chapter always uses True.

    Returns
    -------
    pandas.DataFrame
        ``rate_ratio``, ``lower95``, ``upper95``, ``p_value`` (allowing for variation beyond
        chance where monthly, exact otherwise), ``lower95_exact``, ``upper95_exact``,
        ``p_value_exact`` (exact Poisson), ``dispersion``, ``dispersion_df``,
        ``autocorrelation``, ``variance_inflation`` (NaN when exact), ``comparison_method``,
        ``change_pct`` (change of the rate, percent: (rate ratio - 1) x 100),
        ``detectable_fall_pct`` and ``detectable_rise_pct`` (with ``detectable=True``),
        ``status`` and ``status_reason``.
    """
    b = np.asarray(baseline_count, dtype=float)
    a = np.asarray(current_count, dtype=float)
    d_b = np.asarray(baseline_population, dtype=float)
    d_a = np.asarray(current_population, dtype=float)
    b, a, d_b, d_a = (np.atleast_1d(x) for x in np.broadcast_arrays(b, a, d_b, d_a))
    usable = ~(np.isnan(b) | np.isnan(a) | np.isnan(d_b) | np.isnan(d_a))
    exact = rate_ratio(
        np.where(usable, a, np.nan),
        np.where(usable, d_a, 1.0),
        np.where(usable, b, np.nan),
        np.where(usable, d_b, 1.0),
    )
    out = pd.DataFrame(
        {
            "rate_ratio": exact["value"].to_numpy(),
            "lower95": exact["lower"].to_numpy(),
            "upper95": exact["upper"].to_numpy(),
            "p_value": exact["p_value"].to_numpy(),
            "lower95_exact": exact["lower"].to_numpy(),
            "upper95_exact": exact["upper"].to_numpy(),
            "p_value_exact": exact["p_value"].to_numpy(),
            "dispersion": np.nan,
            "dispersion_df": np.nan,
            "autocorrelation": np.nan,
            "variance_inflation": np.nan,
            "comparison_method": np.where(usable, EXACT_METHOD, ""),
        }
    )
    words = np.full(len(out), EXACT_WORDS, dtype=object)
    if changes is not None:
        if len(changes) != len(out):
            raise ValueError(f"changes has {len(changes)} rows, the counts {len(out)}")
        for i, change in enumerate(changes):
            if change is None or not change.monthly or not usable[i]:
                continue
            for column, attribute in CHANGE_COLUMNS.items():
                out.loc[i, column] = getattr(change, attribute)
            out.loc[i, "comparison_method"] = MONTHLY_METHOD
            words[i] = change.tested_against()
    inflation = out["variance_inflation"].to_numpy(dtype=float)
    out["change_pct"] = (out["rate_ratio"] - 1) * 100
    fall = (
        detectable_change(np.where(usable, b, np.nan), d_b, d_a, "decrease", inflation)
        if power
        else np.full(len(out), np.nan)
    )
    out["detectable_fall_pct"] = fall
    if detectable and power:
        out["detectable_rise_pct"] = detectable_change(
            np.where(usable, b, np.nan), d_b, d_a, "increase", inflation
        )
    status, reason = classify_status(
        np.where(usable, b, np.nan),
        np.where(usable, a, np.nan),
        out["p_value"].to_numpy(),
        out["rate_ratio"].to_numpy(),
        fall,
        tested_against=words,
        min_count=min_count,
    )
    out["status"] = status
    out["status_reason"] = reason
    return out
