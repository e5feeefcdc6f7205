"""Crude rates and Poisson confidence limits on counts (Fingertips practice).

Counts of events (e.g. hospital admissions for assault with a sharp object) are treated as
Poisson. A crude rate's limits are the count's limits divided by the denominator: Byar's
approximation when the count is 10 or more, the exact (chi-square) limits below 10.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from snalib.stats._common import (
    NO_NOTE,
    broadcast_inputs,
    byar_count_limits,
    check_multiplier,
    check_non_negative,
    check_positive,
    confidence_levels,
    exact_poisson_count_limits,
    format_multiplier,
    join_notes,
    missing_note,
    output_frame,
)

# Counts at or above this use Byar's method; below it, the exact method (Fingertips).
BYAR_MIN_COUNT = 10


def _byar_undefined_note(levels: list[str]) -> str:
    return (
        f"Byar lower limit undefined at this count for {', '.join(levels)} (formula negative); "
        "use exact limits"
    )


def byar_limits(count, confidence: float | Sequence[float] = 0.95) -> pd.DataFrame:
    """Confidence limits on Poisson counts by Byar's approximation.

    Parameters
    ----------
    count : scalar, array-like or pandas.Series
        Observed numbers of events (non-negative; need not be whole numbers).
    confidence : float or sequence of float, default 0.95
        Two-sided confidence level(s) as fractions, e.g. 0.95 or ``(0.95, 0.998)``.

    Returns
    -------
    pandas.DataFrame
        One row per count: ``count``, ``value`` (the count), ``lower``, ``upper`` (or
        ``lower95``/``upper95``/... for several levels), ``confidence``, ``statistic``
        ("count"), ``method`` ("Byar") and ``note``. The limits are on the count scale.

    Raises
    ------
    ValueError
        If a count is negative or infinite, or a confidence level is not in (0, 1).

    Notes
    -----
    With z the standard normal quantile at 1 - alpha/2 and O the count::

        lower = O * (1 - 1/(9 O) - z / (3 sqrt(O)))**3
        upper = (O + 1) * (1 - 1/(9 (O + 1)) + z / (3 sqrt(O + 1)))**3

    For very small counts (or very high confidence) the lower formula goes negative; the
    lower limit is then NaN with a note, as in PHEindicatormethods. Fingertips only uses
    Byar's method for counts of 10 or more (see :func:`crude_rate`).

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, volume II: the design and
    analysis of cohort studies. Lyon: IARC; 1987.

    Office for Health Improvement and Disparities. Fingertips public health data: technical
    guidance, "Confidence intervals" (Byar's method).
    """
    levels = confidence_levels(confidence)
    inputs, index = broadcast_inputs(count=count)
    counts = inputs["count"]
    check_non_negative(counts, "count")
    missing = np.isnan(counts)
    columns: dict[str, object] = {"count": counts, "value": counts.copy()}
    undefined: dict[str, np.ndarray] = {}
    for level in levels.levels:
        lower, upper = byar_count_limits(counts, level)
        undefined[f"{level:.1%}".replace(".0%", "%")] = np.isnan(lower) & ~missing
        columns[levels.lower_name(level)] = lower
        columns[levels.upper_name(level)] = upper
    undefined_note = np.full(len(counts), NO_NOTE, dtype=object)
    for row in range(len(counts)):
        bad = [label for label, flags in undefined.items() if flags[row]]
        if bad:
            undefined_note[row] = _byar_undefined_note(bad)
    notes = join_notes(missing_note({"count": missing}), undefined_note)
    columns.update(
        {
            "confidence": levels.label,
            "statistic": "count",
            "method": "Byar",
            "note": notes,
        }
    )
    return output_frame(columns, index)


def exact_poisson_limits(count, confidence: float | Sequence[float] = 0.95) -> pd.DataFrame:
    """Exact confidence limits on Poisson counts (chi-square / gamma method).

    Parameters
    ----------
    count : scalar, array-like or pandas.Series
        Observed numbers of events (non-negative).
    confidence : float or sequence of float, default 0.95
        Two-sided confidence level(s) as fractions.

    Returns
    -------
    pandas.DataFrame
        Columns ``count``, ``value``, ``lower``, ``upper`` (or per-level names),
        ``confidence``, ``statistic`` ("count"), ``method`` ("Exact"), ``note``.

    Raises
    ------
    ValueError
        If a count is negative or infinite, or a confidence level is not in (0, 1).

    Notes
    -----
    The Garwood (1936) limits, equal-tailed: lower = chi2(alpha/2; 2 O) / 2 and
    upper = chi2(1 - alpha/2; 2 O + 2) / 2, with chi2(p; k) the p-quantile of the
    chi-square distribution on k degrees of freedom. At a count of 0 the lower limit is 0
    and the upper limit is -ln(alpha/2) (3.69 at 95%).

    References
    ----------
    Garwood F. Fiducial limits for the Poisson distribution. Biometrika 1936;28:437-42.

    Breslow NE, Day NE. Statistical methods in cancer research, volume II. Lyon: IARC;
    1987.

    Office for Health Improvement and Disparities. Fingertips technical guidance,
    "Confidence intervals" (exact method for counts below 10).
    """
    levels = confidence_levels(confidence)
    inputs, index = broadcast_inputs(count=count)
    counts = inputs["count"]
    check_non_negative(counts, "count")
    columns: dict[str, object] = {"count": counts, "value": counts.copy()}
    for level in levels.levels:
        lower, upper = exact_poisson_count_limits(counts, level)
        columns[levels.lower_name(level)] = lower
        columns[levels.upper_name(level)] = upper
    columns.update(
        {
            "confidence": levels.label,
            "statistic": "count",
            "method": "Exact",
            "note": missing_note({"count": np.isnan(counts)}),
        }
    )
    return output_frame(columns, index)


def poisson_count_limits(counts: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Fingertips choice of limits on counts: Byar at 10 or more, exact below."""
    byar_lower, byar_upper = byar_count_limits(counts, level)
    exact_lower, exact_upper = exact_poisson_count_limits(counts, level)
    use_byar = counts >= BYAR_MIN_COUNT
    return np.where(use_byar, byar_lower, exact_lower), np.where(use_byar, byar_upper, exact_upper)


def crude_rate(
    count,
    denominator,
    multiplier: float = 100_000,
    confidence: float | Sequence[float] = 0.95,
) -> pd.DataFrame:
    """Crude rate with Poisson confidence limits, Byar's method at 10+ events, exact below.

    Parameters
    ----------
    count : scalar, array-like or pandas.Series
        Numbers of events (non-negative). Missing values give a NaN rate with a note.
    denominator : scalar, array-like or pandas.Series
        Populations (or person-years) at risk, greater than zero. Missing values give a
        NaN rate with a note.
    multiplier : float, default 100_000
        Rate per this many of the denominator.
    confidence : float or sequence of float, default 0.95
        Two-sided confidence level(s) as fractions, e.g. ``(0.95, 0.998)``.

    Returns
    -------
    pandas.DataFrame
        Columns ``count``, ``denominator``, ``value`` (count / denominator x multiplier),
        ``lower``, ``upper`` (or ``lower95``, ``upper95``, ``lower99_8``, ... for several
        levels), ``confidence``, ``statistic`` (e.g. "rate per 100,000"), ``method``
        ("Byar" or "Exact", per row; empty when the count is missing) and ``note``.

    Raises
    ------
    ValueError
        If a count is negative, a denominator is zero or negative, a value is infinite,
        the multiplier is not positive, or a confidence level is not in (0, 1).

    Notes
    -----
    The count is assumed Poisson and the denominator known without error. The limits of
    the count (:func:`byar_limits` when count >= 10, :func:`exact_poisson_limits`
    otherwise, so the lower limit at a count of 0 is 0) are divided by the denominator and
    multiplied. A count may exceed the denominator (repeat events per person).

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, volume II. Lyon: IARC;
    1987.

    Office for Health Improvement and Disparities. Fingertips public health data: technical
    guidance, "Confidence intervals for crude rates".
    """
    levels = confidence_levels(confidence)
    multiplier = check_multiplier(multiplier)
    inputs, index = broadcast_inputs(count=count, denominator=denominator)
    counts, denominators = inputs["count"], inputs["denominator"]
    check_non_negative(counts, "count")
    check_positive(denominators, "denominator")

    missing_count = np.isnan(counts)
    missing_denominator = np.isnan(denominators)
    scale = multiplier / denominators
    columns: dict[str, object] = {
        "count": counts,
        "denominator": denominators,
        "value": counts * scale,
    }
    for level in levels.levels:
        lower, upper = poisson_count_limits(counts, level)
        columns[levels.lower_name(level)] = lower * scale
        columns[levels.upper_name(level)] = upper * scale
    method = np.where(counts >= BYAR_MIN_COUNT, "Byar", "Exact").astype(object)
    method[missing_count] = ""
    columns.update(
        {
            "confidence": levels.label,
            "statistic": f"rate per {format_multiplier(multiplier)}",
            "method": method,
            "note": missing_note({"count": missing_count, "denominator": missing_denominator}),
        }
    )
    return output_frame(columns, index)
