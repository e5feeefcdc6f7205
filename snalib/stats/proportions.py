"""Proportions with Wilson score confidence limits (Fingertips practice, at every count)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from snalib.stats._common import (
    broadcast_inputs,
    check_multiplier,
    check_non_negative,
    check_positive,
    confidence_levels,
    format_multiplier,
    missing_note,
    output_frame,
    two_sided_z,
)


def wilson_interval(
    numerator: np.ndarray, denominator: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits on the 0-1 scale for arrays of numerators and denominators."""
    z = two_sided_z(level)
    x, n = numerator, denominator
    with np.errstate(invalid="ignore"):
        centre = 2 * x + z**2
        spread = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
        lower = (centre - spread) / (2 * (n + z**2))
        upper = (centre + spread) / (2 * (n + z**2))
    # The formula gives 0 and 1 at the boundaries up to rounding; make them exact.
    lower = np.where(x == 0, 0.0, np.clip(lower, 0.0, 1.0))
    upper = np.where(x == n, 1.0, np.clip(upper, 0.0, 1.0))
    missing = np.isnan(x) | np.isnan(n)
    return np.where(missing, np.nan, lower), np.where(missing, np.nan, upper)


def _proportion_frame(
    numerator, denominator, multiplier: float, confidence, statistic: str
) -> pd.DataFrame:
    levels = confidence_levels(confidence)
    inputs, index = broadcast_inputs(numerator=numerator, denominator=denominator)
    x, n = inputs["numerator"], inputs["denominator"]
    check_non_negative(x, "numerator")
    check_positive(n, "denominator")
    too_big = x > n
    if too_big.any():
        pairs = list(zip(x[too_big][:5].tolist(), n[too_big][:5].tolist(), strict=True))
        raise ValueError(
            f"numerator must not exceed denominator for a proportion; (numerator, denominator) "
            f"pairs found: {pairs}"
        )
    columns: dict[str, object] = {
        "numerator": x,
        "denominator": n,
        "value": x / n * multiplier,
    }
    for level in levels.levels:
        lower, upper = wilson_interval(x, n, level)
        columns[levels.lower_name(level)] = lower * multiplier
        columns[levels.upper_name(level)] = upper * multiplier
    columns.update(
        {
            "confidence": levels.label,
            "statistic": statistic,
            "method": "Wilson",
            "note": missing_note({"numerator": np.isnan(x), "denominator": np.isnan(n)}),
        }
    )
    return output_frame(columns, index)


def wilson_limits(
    numerator, denominator, confidence: float | Sequence[float] = 0.95
) -> pd.DataFrame:
    """Wilson score confidence limits for proportions, on the 0-1 scale.

    Parameters
    ----------
    numerator : scalar, array-like or pandas.Series
        Numbers of cases with the characteristic (non-negative, at most the denominator;
        need not be whole numbers).
    denominator : scalar, array-like or pandas.Series
        Numbers of cases in the sample (greater than zero).
    confidence : float or sequence of float, default 0.95
        Two-sided confidence level(s) as fractions.

    Returns
    -------
    pandas.DataFrame
        Columns ``numerator``, ``denominator``, ``value`` (the proportion, 0-1), ``lower``,
        ``upper`` (or per-level names), ``confidence``, ``statistic`` ("proportion of 1"),
        ``method`` ("Wilson") and ``note``.

    Raises
    ------
    ValueError
        If a numerator is negative or exceeds its denominator, a denominator is zero or
        negative, a value is infinite, or a confidence level is not in (0, 1).

    Notes
    -----
    With p = x / n and z the standard normal quantile at 1 - alpha/2, the limits are the
    two roots in pi of (p - pi)**2 = z**2 pi (1 - pi) / n::

        (2x + z**2 -/+ z sqrt(z**2 + 4x(1 - x/n))) / (2 (n + z**2))

    The interval stays inside [0, 1], is 0 at the lower end when x = 0 and 1 at the upper
    end when x = n, and behaves well at small counts, so Fingertips uses it at every count.

    References
    ----------
    Wilson EB. Probable inference, the law of succession, and statistical inference.
    J Am Stat Assoc 1927;22:209-12.

    Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of
    seven methods. Stat Med 1998;17:857-72.

    Office for Health Improvement and Disparities. Fingertips technical guidance,
    "Confidence intervals for proportions".
    """
    return _proportion_frame(numerator, denominator, 1.0, confidence, "proportion of 1")


def proportion(
    numerator,
    denominator,
    multiplier: float = 100,
    confidence: float | Sequence[float] = 0.95,
) -> pd.DataFrame:
    """Proportion (by default a percentage) with Wilson score confidence limits.

    Parameters
    ----------
    numerator : scalar, array-like or pandas.Series
        Numbers of cases with the characteristic. Missing values give NaN with a note.
    denominator : scalar, array-like or pandas.Series
        Numbers of cases in the sample. Missing values give NaN with a note.
    multiplier : float, default 100
        Scale of the result: 100 for a percentage, 1 for a proportion of 1.
    confidence : float or sequence of float, default 0.95
        Two-sided confidence level(s) as fractions, e.g. ``(0.95, 0.998)``.

    Returns
    -------
    pandas.DataFrame
        Columns ``numerator``, ``denominator``, ``value``, ``lower``, ``upper`` (or
        ``lower95``, ``upper95``, ``lower99_8``, ... for several levels), ``confidence``,
        ``statistic`` ("percentage", "proportion of 1" or "proportion per <multiplier>"),
        ``method`` ("Wilson") and ``note``.

    Raises
    ------
    ValueError
        As :func:`wilson_limits`, and if the multiplier is not positive.

    Notes
    -----
    :func:`wilson_limits` scaled by ``multiplier``. Assumes the numerator is binomial:
    independent cases, each with the same probability of the characteristic.

    References
    ----------
    Wilson EB. J Am Stat Assoc 1927;22:209-12.

    Newcombe RG. Stat Med 1998;17:857-72.

    Office for Health Improvement and Disparities. Fingertips technical guidance.
    """
    multiplier = check_multiplier(multiplier)
    if multiplier == 100:
        statistic = "percentage"
    elif multiplier == 1:
        statistic = "proportion of 1"
    else:
        statistic = f"proportion per {format_multiplier(multiplier)}"
    return _proportion_frame(numerator, denominator, multiplier, confidence, statistic)
