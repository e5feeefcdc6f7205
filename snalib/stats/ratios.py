"""Comparing two Poisson rates: the rate ratio with an exact test, and the smallest ratio a
comparison could reliably detect.

Used to tell readers whether a change between two periods (or a gap between two places)
is larger than counts of this size would produce by chance.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from snalib.stats._common import (
    NO_NOTE,
    broadcast_inputs,
    check_non_negative,
    check_positive,
    confidence_levels,
    missing_note,
    output_frame,
)

_RATE_RATIO_METHOD = "Exact conditional (Clopper-Pearson)"


def _check_whole(values: np.ndarray, name: str) -> None:
    present = values[~np.isnan(values)]
    if (present != np.round(present)).any():
        raise ValueError(f"{name} must be whole numbers of events for the exact test")


def _odds_to_ratio(share: np.ndarray, denominator_a: np.ndarray, denominator_b: np.ndarray):
    """Map pi = P(event is in group a | total) to the rate ratio (pi/(1-pi)) * (D_b/D_a)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return share / (1 - share) * (denominator_b / denominator_a)


def rate_ratio(
    count_a,
    denominator_a,
    count_b,
    denominator_b,
    confidence: float | Sequence[float] = 0.95,
) -> pd.DataFrame:
    """Ratio of the rate in group a to the rate in group b, with an exact interval and test.

    Parameters
    ----------
    count_a, count_b : scalar, array-like or pandas.Series
        Whole numbers of events in each group (non-negative). Missing values give NaN
        with a note.
    denominator_a, denominator_b : scalar, array-like or pandas.Series
        Populations or person-time at risk (greater than zero).
    confidence : float or sequence of float, default 0.95
        Two-sided confidence level(s) as fractions.

    Returns
    -------
    pandas.DataFrame
        Columns ``count_a``, ``denominator_a``, ``count_b``, ``denominator_b``,
        ``value`` (the rate ratio a : b), ``lower``, ``upper`` (or ``lower95``, ...),
        ``p_value`` (two-sided, for a ratio of 1), ``confidence``, ``statistic``
        ("rate ratio"), ``method`` ("Exact conditional (Clopper-Pearson)") and ``note``.

    Raises
    ------
    ValueError
        If a count is negative or not whole, a denominator is zero or negative, or a
        confidence level is not in (0, 1).

    Notes
    -----
    If the counts are independent Poisson with rates lambda_a and lambda_b, then given
    their total N = a + b, the count a is binomial with N trials and probability
    ``pi = R D_a / (R D_a + D_b)``, where ``R = lambda_a / lambda_b``. The
    Clopper-Pearson limits on pi (beta quantiles) are mapped to the ratio scale by
    ``R = pi / (1 - pi) * D_b / D_a``; coverage is at least the nominal level.

    The p-value is the central (doubled one-sided) exact binomial test of
    ``pi0 = D_a / (D_a + D_b)``: ``min(1, 2 min(P(X <= a), P(X >= a)))``. It is
    consistent with the interval: p < 1 - confidence exactly when the interval
    excludes 1. Being exact, it is conservative at small counts (rejects a true null
    less often than nominal).

    Zero counts: when a = 0 (and b > 0) the ratio is 0 and the lower limit 0, so only
    the upper limit is informative; when b = 0 (and a > 0) the ratio and upper limit are
    infinite and only the lower limit is informative; when both are 0 nothing can be
    said. Each case is stated in ``note``.

    References
    ----------
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the
    case of the binomial. Biometrika 1934;26:404-13.

    Breslow NE, Day NE. Statistical methods in cancer research, volume II. Lyon: IARC;
    1987. (Exact conditional inference for comparing two Poisson rates.)
    """
    levels = confidence_levels(confidence)
    inputs, index = broadcast_inputs(
        count_a=count_a,
        denominator_a=denominator_a,
        count_b=count_b,
        denominator_b=denominator_b,
    )
    a, b = inputs["count_a"], inputs["count_b"]
    d_a, d_b = inputs["denominator_a"], inputs["denominator_b"]
    for name in ("count_a", "count_b"):
        check_non_negative(inputs[name], name)
        _check_whole(inputs[name], name)
    for name in ("denominator_a", "denominator_b"):
        check_positive(inputs[name], name)

    missing = np.isnan(a) | np.isnan(b) | np.isnan(d_a) | np.isnan(d_b)
    total = a + b
    no_events = (total == 0) & ~missing
    usable = ~missing & ~no_events
    # Placeholders keep scipy quiet on rows that are not used.
    a_ = np.where(usable, a, 0.0)
    b_ = np.where(usable, b, 1.0)
    n_ = a_ + b_
    d_a_ = np.where(usable, d_a, 1.0)
    d_b_ = np.where(usable, d_b, 1.0)

    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(b_ > 0, (a_ / d_a_) / (b_ / d_b_), np.inf)
    columns: dict[str, object] = {
        "count_a": a,
        "denominator_a": d_a,
        "count_b": b,
        "denominator_b": d_b,
        "value": np.where(usable, value, np.nan),
    }
    for level in levels.levels:
        alpha = 1 - level
        share_lower = np.where(a_ > 0, stats.beta.ppf(alpha / 2, np.maximum(a_, 1), b_ + 1), 0.0)
        share_upper = np.where(
            b_ > 0, stats.beta.ppf(1 - alpha / 2, a_ + 1, np.maximum(b_, 1)), 1.0
        )
        lower = _odds_to_ratio(share_lower, d_a_, d_b_)
        upper = np.where(b_ > 0, _odds_to_ratio(share_upper, d_a_, d_b_), np.inf)
        columns[levels.lower_name(level)] = np.where(usable, lower, np.nan)
        columns[levels.upper_name(level)] = np.where(usable, upper, np.nan)

    share_null = d_a_ / (d_a_ + d_b_)
    lower_tail = stats.binom.cdf(a_, n_, share_null)
    upper_tail = stats.binom.sf(a_ - 1, n_, share_null)
    p_value = np.minimum(1.0, 2 * np.minimum(lower_tail, upper_tail))
    columns["p_value"] = np.where(usable, p_value, np.nan)

    zero_note = np.full(len(a), NO_NOTE, dtype=object)
    zero_note[usable & (a == 0)] = (
        "count_a is 0: ratio 0, lower limit 0; only the upper limit is informative"
    )
    zero_note[usable & (b == 0)] = (
        "count_b is 0: ratio infinite, upper limit infinite; only the lower limit is informative"
    )
    zero_note[no_events] = "not calculated: no events in either group, the ratio is undefined"
    notes = missing_note(
        {
            "count_a": np.isnan(a),
            "denominator_a": np.isnan(d_a),
            "count_b": np.isnan(b),
            "denominator_b": np.isnan(d_b),
        }
    )
    notes = np.where(notes == NO_NOTE, zero_note, notes)
    columns.update(
        {
            "confidence": levels.label,
            "statistic": "rate ratio",
            "method": _RATE_RATIO_METHOD,
            "note": notes,
        }
    )
    return output_frame(columns, index)


class _ExactTestPower:
    """Power of the exact conditional test used by :func:`rate_ratio`, for one design.

    Given the total count N, the test rejects "no difference" in the named direction when
    the count in group a is at or beyond a critical value that depends only on N, the
    null share ``t / (1 + t)`` and ``alpha``. Those critical values are computed once (and
    extended as larger totals are needed); each power evaluation then sums, over the
    Poisson distribution of N, the binomial probability of landing beyond them.
    """

    def __init__(self, expected_b: float, exposure_ratio: float, alpha: float, direction: str):
        self.expected_b = expected_b
        self.exposure_ratio = exposure_ratio
        self.half_alpha = alpha / 2
        self.direction = direction
        self.share_null = exposure_ratio / (1 + exposure_ratio)
        self.first_total = 0
        self.critical = np.empty(0)

    def _critical_for(self, totals: np.ndarray) -> np.ndarray:
        """Critical counts of the central exact binomial test for each total.

        Starts from the normal approximation and steps one count at a time until the
        exact binomial tail condition holds, which is much faster than a quantile search.
        """
        p0, half_alpha = self.share_null, self.half_alpha
        z = stats.norm.ppf(1 - half_alpha)
        centre = totals * p0
        sd = np.sqrt(totals * p0 * (1 - p0))

        def lower_tail(count):  # P0(X <= count)
            return np.where(count < 0, 0.0, special.bdtr(np.maximum(count, 0), totals, p0))

        def upper_tail(count):  # P0(X >= count)
            return np.where(
                count <= 0,
                1.0,
                np.where(count > totals, 0.0, special.bdtrc(np.maximum(count - 1, 0), totals, p0)),
            )

        if self.direction == "decrease":
            # Largest a with P0(X <= a) <= alpha/2 (-1 when there is none).
            cut = np.clip(np.floor(centre - z * sd), -1, totals)
            while True:
                down = (cut >= 0) & (lower_tail(cut) > half_alpha)
                up = ~down & (cut + 1 <= totals) & (lower_tail(cut + 1) <= half_alpha)
                if not (down.any() or up.any()):
                    return cut
                cut = cut - down + up
        # Smallest a with P0(X >= a) <= alpha/2 (totals + 1 when there is none).
        cut = np.clip(np.ceil(centre + z * sd), 0, totals + 1)
        while True:
            up = (cut <= totals) & (upper_tail(cut) > half_alpha)
            down = ~up & (cut >= 1) & (upper_tail(cut - 1) <= half_alpha)
            if not (down.any() or up.any()):
                return cut
            cut = cut - down + up

    def _critical_counts(self, lowest: int, highest: int) -> np.ndarray:
        """Critical counts for totals lowest..highest, extending the cached range."""
        if len(self.critical) == 0:
            self.first_total = lowest
            self.critical = self._critical_for(np.arange(lowest, highest + 1))
        last_total = self.first_total + len(self.critical) - 1
        if lowest < self.first_total:
            left = self._critical_for(np.arange(lowest, self.first_total))
            self.critical = np.concatenate([left, self.critical])
            self.first_total = lowest
        if highest > last_total:
            right = self._critical_for(np.arange(last_total + 1, highest + 1))
            self.critical = np.concatenate([self.critical, right])
        return self.critical[lowest - self.first_total : highest - self.first_total + 1]

    def __call__(self, ratio: float) -> float:
        expected_a = ratio * self.exposure_ratio * self.expected_b
        expected_total = expected_a + self.expected_b
        spread = 10 * np.sqrt(expected_total) + 25
        lowest = max(0, int(expected_total - spread))
        highest = int(expected_total + spread)
        totals = np.arange(lowest, highest + 1)
        weights = stats.poisson.pmf(totals, expected_total)
        cut = self._critical_counts(lowest, highest)
        share = expected_a / expected_total
        if self.direction == "decrease":
            hit = np.where(cut >= 0, special.bdtr(np.maximum(cut, 0), totals, share), 0.0)
        else:
            hit = np.where(cut <= totals, special.bdtrc(np.maximum(cut - 1, 0), totals, share), 0.0)
            hit = np.where(cut <= 0, 1.0, hit)
        return float(np.sum(weights * hit))


def _sqrt_ratio(
    expected_b: float, exposure_ratio: float, alpha: float, power: float, direction: str
) -> float:
    """Closed-form detectable ratio from the square-root (variance-stabilising) transform."""
    z_total = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    step = z_total * np.sqrt(1 + exposure_ratio) / (2 * np.sqrt(exposure_ratio * expected_b))
    if direction == "increase":
        return float((1 + step) ** 2)
    return float((1 - step) ** 2) if step < 1 else np.nan


def _exact_ratio(
    expected_b: float, exposure_ratio: float, alpha: float, power: float, direction: str
) -> tuple[float, str]:
    """Ratio nearest 1 at which the exact test reaches ``power`` (grid, then Brent)."""
    power_at = _ExactTestPower(expected_b, exposure_ratio, alpha, direction)
    if direction == "decrease":
        at_zero = power_at(0.0)
        if at_zero < power:
            return np.nan, (
                f"no decrease is detectable with power {power:g}: even a fall to zero events "
                f"would be detected with probability {at_zero:.2f}"
            )
        grid = np.linspace(1.0, 0.0, 101)
    else:
        far = 2.0
        while power_at(far) < power:
            far *= 2
            if far > 1e6:
                return (
                    np.nan,
                    f"no increase up to a ratio of 1e6 is detectable with power {power:g}",
                )
        grid = np.exp(np.linspace(0.0, np.log(far), 101))
    # Discreteness can make power wiggle; take the first crossing moving away from 1.
    shortfall = np.array([power_at(ratio) - power for ratio in grid])
    first = int(np.argmax(shortfall >= 0))
    if first == 0:
        return 1.0, NO_NOTE
    root = optimize.brentq(
        lambda ratio: power_at(ratio) - power, grid[first - 1], grid[first], xtol=1e-12, rtol=1e-10
    )
    return float(root), NO_NOTE


def minimum_detectable_ratio(
    expected_count_b,
    denominator_a,
    denominator_b,
    alpha: float = 0.05,
    power: float = 0.8,
    direction: str = "decrease",
    method: str = "exact",
) -> pd.DataFrame:
    """Smallest rate ratio (a : b) that a two-sided test at ``alpha`` detects with ``power``.

    Group b is the baseline (e.g. last year, with ``expected_count_b`` events expected on
    ``denominator_b``), group a the comparison (e.g. this year, on ``denominator_a``). The
    result says how large a real change would have to be for the comparison to pick it up
    reliably; observed changes smaller than it may well be noise.

    Parameters
    ----------
    expected_count_b : scalar, array-like or pandas.Series
        Expected (in practice, observed) number of events in the baseline, greater than
        zero.
    denominator_a, denominator_b : scalar, array-like or pandas.Series
        Populations or person-time of the comparison and baseline (greater than zero).
    alpha : float, default 0.05
        Two-sided significance level of the test.
    power : float, default 0.8
        Required probability of detecting the change.
    direction : {"decrease", "increase"}, default "decrease"
        Whether the ratio sought is below 1 (a fall) or above 1 (a rise).
    method : {"exact", "sqrt"}, default "exact"
        "exact": the power of the exact conditional test used by :func:`rate_ratio`,
        computed exactly and solved for the ratio. "sqrt": closed-form normal
        approximation after the square-root transform.

    Returns
    -------
    pandas.DataFrame
        Columns ``expected_count_b``, ``denominator_a``, ``denominator_b``, ``value``
        (the ratio), ``change_percent`` ((value - 1) x 100), ``alpha``, ``power``,
        ``direction``, ``statistic`` ("minimum detectable rate ratio"), ``method`` and
        ``note``. A design quantity: it has no confidence interval. NaN with a note when
        no change of that direction is detectable (e.g. a fall when the baseline count is
        tiny) or an input is missing.

    Raises
    ------
    ValueError
        If a count or denominator is not positive, alpha or power is not in (0, 1), or
        direction or method is not one of the allowed values.

    Notes
    -----
    Exact method: with ``t = D_a / D_b`` and ratio R, the counts are Poisson with means
    ``R t mu_b`` and ``mu_b``. Given their total N (Poisson with mean ``mu_b (1 + R t)``),
    the count in a is binomial(N, R t / (1 + R t)). The power is the sum over N of
    P(N) x P(count a lies beyond the exact test's critical value for that N, in the
    named direction), where the critical values are those of the central exact binomial
    test of ``pi0 = t / (1 + t)`` at ``alpha`` (so the test has level at most ``alpha``).
    The ratio nearest 1 at which the power reaches ``power`` is found on a grid of
    log-ratios and refined by Brent's method; a real rise or fall at least that large is
    detected with at least that probability (power is close to, not strictly,
    monotone).

    Square-root method: ``sqrt(X)`` of a Poisson count is roughly normal with variance
    1/4, so ``(sqrt(a) - sqrt(t b)) / (sqrt(1 + t) / 2)`` is roughly standard normal
    under no difference, and::

        R = (1 -/+ (z_{1-alpha/2} + z_{power}) sqrt(1 + t) / (2 sqrt(t mu_b)))**2

    It is quick and close to the exact answer for baseline counts above about 20; below
    that it is optimistic for decreases, and undefined when the bracket is >= 1.

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, volume II. Lyon: IARC;
    1987. (Power of comparisons of rates.)

    Gu K, Ng HKT, Tang ML, Schucany WR. Testing the ratio of two Poisson rates.
    Biometrical Journal 2008;50:283-98.
    """
    if direction not in ("decrease", "increase"):
        raise ValueError(f'direction must be "decrease" or "increase", got {direction!r}')
    if method not in ("exact", "sqrt"):
        raise ValueError(f'method must be "exact" or "sqrt", got {method!r}')
    for name, level in (("alpha", alpha), ("power", power)):
        if not 0 < float(level) < 1:
            raise ValueError(f"{name} must be strictly between 0 and 1, got {level}")
    inputs, index = broadcast_inputs(
        expected_count_b=expected_count_b,
        denominator_a=denominator_a,
        denominator_b=denominator_b,
    )
    for name, values in inputs.items():
        check_positive(values, name)
    mu_b = inputs["expected_count_b"]
    exposure_ratio = inputs["denominator_a"] / inputs["denominator_b"]
    missing = np.isnan(mu_b) | np.isnan(exposure_ratio)

    value = np.full(len(mu_b), np.nan)
    notes = missing_note(
        {
            "expected_count_b": np.isnan(mu_b),
            "denominator_a": np.isnan(inputs["denominator_a"]),
            "denominator_b": np.isnan(inputs["denominator_b"]),
        }
    )
    for row in np.flatnonzero(~missing):
        if method == "exact":
            value[row], notes[row] = _exact_ratio(
                mu_b[row], exposure_ratio[row], alpha, power, direction
            )
        else:
            value[row] = _sqrt_ratio(mu_b[row], exposure_ratio[row], alpha, power, direction)
            if np.isnan(value[row]):
                notes[row] = (
                    f"no decrease is detectable with power {power:g} (square-root approximation)"
                )
    columns = {
        "expected_count_b": mu_b,
        "denominator_a": inputs["denominator_a"],
        "denominator_b": inputs["denominator_b"],
        "value": value,
        "change_percent": (value - 1) * 100,
        "alpha": float(alpha),
        "power": float(power),
        "direction": direction,
        "statistic": "minimum detectable rate ratio",
        "method": (
            "Exact conditional test power"
            if method == "exact"
            else "Square-root normal approximation"
        ),
        "note": notes,
    }
    return output_frame(columns, index)
