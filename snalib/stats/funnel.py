"""Funnel plots: control limits at 95% and 99.8% and each area's significance label.

A funnel plot compares many areas with a common baseline (the overall value): each area
is a point (size of the area on x, its value on y) and the limits show how far from the
baseline a value can fall by chance alone at that size. Follows the Fingertips technical
guidance as implemented in PHEindicatormethods (``calculate_funnel_limits``,
``assign_funnel_significance``, ``calculate_funnel_points``).

The two limits are two-sided 95% (about 2 sigma; one-sided p = 0.975, labels "(0.025)")
and 99.8% (about 3 sigma; one-sided p = 0.999, labels "(0.001)"). Columns are named by
the package convention: ``lower95``, ``upper95``, ``lower99_8``, ``upper99_8``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from snalib.stats._common import (
    NO_NOTE,
    broadcast_inputs,
    check_multiplier,
    check_non_negative,
    check_positive,
    exact_poisson_count_limits,
    format_multiplier,
    missing_note,
    output_frame,
    two_sided_z,
)
from snalib.stats.rates import poisson_count_limits

FUNNEL_LEVELS = (0.95, 0.998)
HIGH_999 = "High (0.001)"
HIGH_975 = "High (0.025)"
NOT_SIGNIFICANT = "Not significant"
LOW_975 = "Low (0.025)"
LOW_999 = "Low (0.001)"
SIGNIFICANCE_LABELS = (HIGH_999, HIGH_975, NOT_SIGNIFICANT, LOW_975, LOW_999)
DSR_SMALL_COUNT_LABEL = "Not applicable for events less than 10 for dsrs"
DSR_MIN_COUNT = 10

_SUFFIX = {0.95: "95", 0.998: "99_8"}


# Axis points ---------------------------------------------------------------------------


def _round_down_neatly(value: float, share: float = 0.95) -> float:
    """95% of value, rounded down to its leading digit (12,345 -> 11,000)."""
    if value == 0:
        return 0.0
    digits = len(str(math.floor(value * share))) - 1
    return math.floor(value * share / 10**digits) * 10**digits


def _round_up_neatly(value: float, share: float = 1.05) -> float:
    """105% of value, rounded up to its two leading digits (12,345 -> 13,000)."""
    if value == 0:
        return 0.0
    digits = len(str(math.ceil(value * share))) - 2
    return math.ceil(value * share / 10**digits) * 10**digits


def funnel_axis_points(minimum: float, maximum: float, n_points: int = 100) -> np.ndarray:
    """Whole-number x values, roughly log-spaced from ``max(1, minimum)`` to ``maximum``.

    The same sequence as PHEindicatormethods: each point is the previous one times
    ``(maximum / previous) ** (1 / points_left)``, rounded, and at least one more than
    the previous point.

    Parameters
    ----------
    minimum, maximum : float
        Ends of the axis (``minimum`` below 1 is raised to 1).
    n_points : int, default 100
        Number of points.

    Returns
    -------
    numpy.ndarray
        ``n_points`` increasing whole numbers (as floats).
    """
    return _axis_points(minimum, maximum, n_points)


def _axis_points(minimum: float, maximum: float, n_points: int, shift: int = 0) -> np.ndarray:
    """:func:`funnel_axis_points`; ``shift=1`` is upstream's variant for ratio funnels,
    whose steps are one smaller (so the last point falls short of ``maximum``)."""
    if n_points < 2:
        raise ValueError("n_points must be at least 2")
    points = [max(1.0, float(minimum))]
    for step in range(2, n_points + 1):
        previous = points[-1]
        grown = round((maximum / previous) ** (1 / (n_points + 1 + shift - step)) * previous)
        points.append(float(max(grown, previous + 1)))
    return np.array(points)


def _axis_ends(denominators: np.ndarray, years_of_data: float = 1.0) -> tuple[float, float]:
    """Axis from 0 when denominators differ more than two-fold, else from near the smallest."""
    smallest, largest = np.nanmin(denominators), np.nanmax(denominators)
    if largest > 2 * smallest:
        minimum = 0.0
    else:
        minimum = _round_down_neatly(smallest / years_of_data) * years_of_data
    maximum = _round_up_neatly(largest / years_of_data) * years_of_data
    return minimum, maximum


# Proportions ---------------------------------------------------------------------------


def _proportion_inputs(numerator, denominator):
    inputs, index = broadcast_inputs(numerator=numerator, denominator=denominator)
    x, n = inputs["numerator"], inputs["denominator"]
    check_non_negative(x, "numerator")
    check_positive(n, "denominator")
    if (x > n).any():
        raise ValueError("numerator must not exceed denominator for a proportion")
    return x, n, index


def _proportion_baseline(x: np.ndarray, n: np.ndarray, baseline, multiplier: float) -> float:
    if baseline is not None:
        share = float(baseline) / multiplier
        if not 0 <= share <= 1:
            raise ValueError(f"baseline must lie between 0 and multiplier ({multiplier:g})")
        return share
    usable = ~np.isnan(x) & ~np.isnan(n)
    if not usable.any():
        raise ValueError("no area has both a numerator and a denominator")
    return float(x[usable].sum() / n[usable].sum())


def _proportion_limit(share: float, size: np.ndarray, level: float, side: int) -> np.ndarray:
    """The proportion whose Wilson interval at this size just reaches the baseline share.

    The Wilson interval of an observed p at size n is the set of pi with
    (p - pi)**2 <= z**2 pi (1 - pi) / n, so it just reaches pi = baseline when
    p = baseline + side * z * sqrt(baseline (1 - baseline) / n).
    """
    z = two_sided_z(level)
    return share + side * z * np.sqrt(share * (1 - share) / size)


def proportion_funnel_limits(
    numerator,
    denominator,
    multiplier: float = 100,
    baseline: float | None = None,
    population=None,
    n_points: int = 100,
) -> pd.DataFrame:
    """Funnel plot control limits for proportions (95% and 99.8%).

    Parameters
    ----------
    numerator, denominator : array-like or pandas.Series
        The areas' numerators and denominators (0 <= numerator <= denominator,
        denominator > 0). Areas with a missing value are left out of the baseline.
    multiplier : float, default 100
        Scale of the output (100: percentages).
    baseline : float, optional
        Value to compare against, on the ``multiplier`` scale. Default: the pooled
        proportion, sum(numerator) / sum(denominator).
    population : array-like, optional
        Denominators at which to draw the limits. Default: ``n_points`` points from
        :func:`funnel_axis_points`, spanning the areas' denominators as
        PHEindicatormethods does.
    n_points : int, default 100
        Number of axis points when ``population`` is not given.

    Returns
    -------
    pandas.DataFrame
        One row per x point: ``population``, ``lower95``, ``upper95``, ``lower99_8``,
        ``upper99_8``, ``baseline``, ``confidence`` ("0.95, 0.998"), ``statistic``
        ("percentage" or "proportion of <multiplier>"), ``method`` ("Wilson score").
        Limits are clipped to [0, multiplier].

    Raises
    ------
    ValueError
        On negative numerators, numerators above denominators, non-positive
        denominators, or a baseline outside [0, multiplier].

    Notes
    -----
    At size n, each limit is the proportion whose Wilson score interval (at 95% or 99.8%)
    just reaches the baseline pi0; algebraically ``pi0 -/+ z sqrt(pi0 (1 - pi0) / n)``
    (z = 1.96 or 3.09), the formula of the Fingertips guidance. An area outside a limit
    therefore has a Wilson interval that excludes the baseline. The limits treat the
    baseline as known and ignore overdispersion between areas (Spiegelhalter 2005).

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
    2005;24:1185-202.

    Office for Health Improvement and Disparities. Fingertips technical guidance,
    "Funnel plots".

    Wilson EB. J Am Stat Assoc 1927;22:209-12.
    """
    multiplier = check_multiplier(multiplier)
    x, n, _ = _proportion_inputs(numerator, denominator)
    share = _proportion_baseline(x, n, baseline, multiplier)
    if population is None:
        minimum, maximum = _axis_ends(n[~np.isnan(n)])
        sizes = funnel_axis_points(minimum, maximum, n_points)
    else:
        sizes = broadcast_inputs(population=population)[0]["population"]
        check_positive(sizes, "population")
    columns: dict[str, object] = {"population": sizes}
    for level in FUNNEL_LEVELS:
        suffix = _SUFFIX[level]
        for name, side in ((f"lower{suffix}", -1), (f"upper{suffix}", 1)):
            limit = _proportion_limit(share, sizes, level, side) * multiplier
            columns[name] = np.clip(limit, 0.0, multiplier)
    columns.update(
        {
            "baseline": share * multiplier,
            "confidence": "0.95, 0.998",
            "statistic": (
                "percentage"
                if multiplier == 100
                else f"proportion of {format_multiplier(multiplier)}"
            ),
            "method": "Wilson score",
        }
    )
    return pd.DataFrame(columns)


def _label(
    below_999: np.ndarray, below_975: np.ndarray, above_999: np.ndarray, above_975: np.ndarray
) -> np.ndarray:
    return np.select(
        [below_999, below_975, above_999, above_975],
        [LOW_999, LOW_975, HIGH_999, HIGH_975],
        default=NOT_SIGNIFICANT,
    ).astype(object)


def proportion_funnel_significance(
    numerator,
    denominator,
    multiplier: float = 100,
    baseline: float | None = None,
) -> pd.DataFrame:
    """Significance label of each area on a proportion funnel plot.

    Parameters
    ----------
    numerator, denominator : array-like or pandas.Series
        The areas' numerators and denominators.
    multiplier : float, default 100
        Scale of ``value`` and ``baseline`` in the output (and of ``baseline`` given).
    baseline : float, optional
        Value to compare against on the ``multiplier`` scale; default the pooled
        proportion of the areas.

    Returns
    -------
    pandas.DataFrame
        One row per area (keeping a Series index): ``numerator``, ``denominator``,
        ``value``, ``baseline``, ``significance`` (one of "High (0.001)", "High (0.025)",
        "Not significant", "Low (0.025)", "Low (0.001)"; NaN when an input is missing),
        ``statistic``, ``method`` and ``note``.

    Raises
    ------
    ValueError
        As :func:`proportion_funnel_limits`.

    Notes
    -----
    "High (0.001)": the proportion is above the 99.8% upper limit at its own
    denominator; "High (0.025)": above the 95% upper limit only; likewise "Low". The
    limits are those of :func:`proportion_funnel_limits` before clipping, so this is
    equivalent to asking whether the area's Wilson interval excludes the baseline.

    References
    ----------
    Spiegelhalter DJ. Stat Med 2005;24:1185-202.

    Office for Health Improvement and Disparities. Fingertips technical guidance.
    """
    multiplier = check_multiplier(multiplier)
    x, n, index = _proportion_inputs(numerator, denominator)
    share = _proportion_baseline(x, n, baseline, multiplier)
    observed = x / n
    with np.errstate(invalid="ignore"):
        labels = _label(
            observed < _proportion_limit(share, n, 0.998, -1),
            observed < _proportion_limit(share, n, 0.95, -1),
            observed > _proportion_limit(share, n, 0.998, 1),
            observed > _proportion_limit(share, n, 0.95, 1),
        )
    missing = np.isnan(x) | np.isnan(n)
    labels[missing] = np.nan
    columns = {
        "numerator": x,
        "denominator": n,
        "value": observed * multiplier,
        "baseline": share * multiplier,
        "significance": labels,
        "statistic": "percentage"
        if multiplier == 100
        else f"proportion of {format_multiplier(multiplier)}",
        "method": "Wilson score funnel limits",
        "note": missing_note({"numerator": np.isnan(x), "denominator": np.isnan(n)}),
    }
    return output_frame(columns, index)


# Rates ---------------------------------------------------------------------------------


def _rate_inputs(count, rate, denominator, rate_type: str, multiplier: float):
    """Validated counts and the denominator each point stands for (over all years).

    dsr: the implied population ``multiplier * count / rate`` (none when the count is 0).
    crude: the same from the rate where the count is above 0 and a rate is given,
    otherwise the supplied denominator (needed for zero counts).
    """
    if rate_type not in ("crude", "dsr"):
        raise ValueError(f'rate_type must be "crude" or "dsr", got {rate_type!r}')
    if rate is None and (rate_type == "dsr" or denominator is None):
        raise ValueError(
            "rate is required for dsr funnels; crude funnels need a rate or a denominator"
        )
    named = {"count": count}
    if rate is not None:
        named["rate"] = rate
    if denominator is not None:
        named["denominator"] = denominator
    inputs, index = broadcast_inputs(**named)
    counts = inputs["count"]
    check_non_negative(counts, "count")
    rates = inputs.get("rate", np.full(len(counts), np.nan))
    denominators = inputs.get("denominator", np.full(len(counts), np.nan))
    check_positive(denominators, "denominator")
    if ((counts > 0) & (rates <= 0)).any():
        raise ValueError("rate must be greater than zero where the count is above zero")
    with np.errstate(divide="ignore", invalid="ignore"):
        from_rate = np.where(counts > 0, multiplier * counts / rates, np.nan)
    if rate_type == "dsr":
        derived = from_rate
    else:
        derived = np.where(np.isnan(from_rate) | (counts == 0), denominators, from_rate)
        if rate is None:
            derived = denominators
        needs_denominator = (counts == 0) & np.isnan(denominators)
        if needs_denominator.any():
            raise ValueError("crude rate funnels need the denominator for areas with a count of 0")
    return counts, rates, denominators, derived, index


def _rate_baseline(counts: np.ndarray, derived: np.ndarray, baseline, multiplier: float) -> float:
    """Baseline events per person: given (per multiplier), or pooled over the areas."""
    if baseline is not None:
        if float(baseline) <= 0:
            raise ValueError("baseline must be greater than zero")
        return float(baseline) / multiplier
    usable = ~np.isnan(counts)
    total_denominator = np.nansum(derived[usable])
    if total_denominator <= 0:
        raise ValueError("no area has a usable denominator")
    return float(counts[usable].sum() / total_denominator)


def rate_funnel_points(
    count,
    rate,
    denominator=None,
    rate_type: str = "crude",
    multiplier: float = 100_000,
    years_of_data: float = 1,
) -> pd.DataFrame:
    """The x (population per year) and y (rate) of each area on a rate funnel plot.

    Parameters
    ----------
    count : array-like or pandas.Series
        Events in each area over all years.
    rate : array-like or pandas.Series
        Each area's rate per ``multiplier`` (crude or directly standardised).
    denominator : array-like, optional
        Population over all years; needed for crude rates with a count of 0.
    rate_type : {"crude", "dsr"}, default "crude"
    multiplier : float, default 100_000
    years_of_data : float, default 1
        Number of years the counts cover; x is the population per year.

    Returns
    -------
    pandas.DataFrame
        ``count``, ``rate``, ``rate_chart`` (the rate to plot; NaN for a DSR from fewer
        than 10 events, which Fingertips does not plot), ``denominator_derived`` (the
        population per year: from ``multiplier * count / rate`` or, for zero counts, the
        denominator) and ``note``.

    References
    ----------
    Office for Health Improvement and Disparities. Fingertips technical guidance,
    "Funnel plots for rates".
    """
    multiplier = check_multiplier(multiplier)
    if years_of_data <= 0:
        raise ValueError("years_of_data must be greater than zero")
    counts, rates, _, derived, index = _rate_inputs(count, rate, denominator, rate_type, multiplier)
    chart = rates.copy()
    per_year = derived / years_of_data
    note = np.full(len(counts), NO_NOTE, dtype=object)
    if rate_type == "dsr":
        small = counts < DSR_MIN_COUNT
        chart[small] = np.nan
        per_year[small] = np.nan
        note[small] = f"not plotted: dsr from fewer than {DSR_MIN_COUNT} events"
    columns = {
        "count": counts,
        "rate": rates,
        "rate_chart": chart,
        "denominator_derived": per_year,
        "note": note,
    }
    return output_frame(columns, index)


def rate_funnel_limits(
    count,
    rate=None,
    denominator=None,
    rate_type: str = "crude",
    multiplier: float = 100_000,
    years_of_data: float = 1,
    baseline: float | None = None,
    events=None,
    n_points: int = 100,
) -> pd.DataFrame:
    """Funnel plot control limits for rates (exact Poisson, 95% and 99.8%).

    The limits are drawn event count by event count: for each number of events E, the
    population (per year) at which E events would sit exactly on each limit, and the rate
    there.

    Parameters
    ----------
    count : array-like or pandas.Series
        Events in each area over all years.
    rate : array-like, optional
        Each area's rate per ``multiplier``. Required for ``rate_type="dsr"``; for
        crude rates a rate or a denominator is needed.
    denominator : array-like, optional
        Population over all years (crude rates).
    rate_type : {"crude", "dsr"}, default "crude"
        For DSRs the population each area "stands for" is ``multiplier * count / rate``.
    multiplier : float, default 100_000
    years_of_data : float, default 1
        Number of years the counts cover; populations in the output are per year.
    baseline : float, optional
        Rate to compare against, per ``multiplier``. Default: the pooled rate,
        sum(count) / sum(derived denominators).
    events : array-like, optional
        Event counts at which to compute the limits. Default: ``n_points`` points from
        :func:`funnel_axis_points`, spanning the areas as PHEindicatormethods does.
    n_points : int, default 100

    Returns
    -------
    pandas.DataFrame
        One row per event count: ``events``; for each of ``lower95``, ``upper95``,
        ``lower99_8``, ``upper99_8`` the population per year (``lower95_population``,
        ...) and the limit (per ``multiplier``); then ``baseline``, ``confidence``,
        ``statistic`` (e.g. "rate (crude per 100,000)") and ``method`` ("Poisson").

    Raises
    ------
    ValueError
        On negative counts, non-positive rates or denominators, or missing arguments.

    Notes
    -----
    With baseline rate r (per person) and E events, the lower limit passes through E at
    the population N where the baseline's expected count equals the exact upper
    confidence limit for E: ``r N years = chi2(1 - a/2; 2E + 2) / 2``. So an area lies
    below the lower limit exactly when its exact interval lies wholly below the
    baseline. The upper limit likewise uses the exact lower limit ``chi2(a/2; 2E) / 2``.
    Limits for rates use exact Poisson at all counts (the
    significance labels use Byar's method at 10+ events, as upstream; the two agree
    closely there). Assumes Poisson counts and ignores overdispersion.

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
    2005;24:1185-202.

    Office for Health Improvement and Disparities. Fingertips technical guidance,
    "Funnel plots for rates".
    """
    multiplier = check_multiplier(multiplier)
    if years_of_data <= 0:
        raise ValueError("years_of_data must be greater than zero")
    counts, _, _, derived, _ = _rate_inputs(count, rate, denominator, rate_type, multiplier)
    per_person = _rate_baseline(counts, derived, baseline, multiplier)
    if events is None:
        minimum, maximum = _axis_ends(derived[~np.isnan(derived)], years_of_data)
        grid = funnel_axis_points(
            math.floor(minimum * per_person), math.ceil(maximum * per_person), n_points
        )
    else:
        grid = broadcast_inputs(events=events)[0]["events"]
        check_non_negative(grid, "events")
    columns: dict[str, object] = {"events": grid}
    with np.errstate(divide="ignore", invalid="ignore"):
        for level in FUNNEL_LEVELS:
            suffix = _SUFFIX[level]
            count_lower, count_upper = exact_poisson_count_limits(grid, level)
            # Population at which E events is the upper (lower) confidence limit of the
            # expected count: there E sits on the lower (upper) control limit.
            for name, expected in (
                (f"lower{suffix}", count_upper),
                (f"upper{suffix}", count_lower),
            ):
                population = expected / per_person / years_of_data
                columns[f"{name}_population"] = population
                columns[name] = grid / (population * years_of_data) * multiplier
    columns.update(
        {
            "baseline": per_person * multiplier,
            "confidence": "0.95, 0.998",
            "statistic": f"rate ({rate_type} per {format_multiplier(multiplier)})",
            "method": "Poisson",
        }
    )
    return pd.DataFrame(columns)


def rate_funnel_significance(
    count,
    rate=None,
    denominator=None,
    rate_type: str = "crude",
    multiplier: float = 100_000,
    baseline: float | None = None,
) -> pd.DataFrame:
    """Significance label of each area on a rate funnel plot.

    Parameters
    ----------
    count, rate, denominator, rate_type, multiplier, baseline
        As :func:`rate_funnel_limits`.

    Returns
    -------
    pandas.DataFrame
        One row per area (keeping a Series index): ``count``, ``denominator_derived``
        (population over all years), ``value`` (rate per ``multiplier``), ``baseline``,
        ``significance`` (one of "High (0.001)", "High (0.025)", "Not significant",
        "Low (0.025)", "Low (0.001)", or for a DSR from fewer than 10 events
        "Not applicable for events less than 10 for dsrs"; NaN when the count is
        missing), ``statistic``, ``method`` and ``note``.

    Notes
    -----
    An area is "High (0.001)" when the lower 99.8% limit of its rate (the count's Byar
    limit at 10+ events, exact below, divided by its denominator) is above the
    baseline, "High (0.025)" when only the 95% one is, and likewise "Low". As
    PHEindicatormethods ``assign_funnel_significance``.

    References
    ----------
    Spiegelhalter DJ. Stat Med 2005;24:1185-202.

    Office for Health Improvement and Disparities. Fingertips technical guidance.
    """
    multiplier = check_multiplier(multiplier)
    counts, _, _, derived, index = _rate_inputs(count, rate, denominator, rate_type, multiplier)
    per_person = _rate_baseline(counts, derived, baseline, multiplier)
    bounds = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for level in FUNNEL_LEVELS:
            lower, upper = poisson_count_limits(counts, level)
            bounds[level] = (lower / derived, upper / derived)
        labels = _label(
            per_person > bounds[0.998][1],
            per_person > bounds[0.95][1],
            per_person < bounds[0.998][0],
            per_person < bounds[0.95][0],
        )
        value = counts / derived * multiplier
    note = missing_note({"count": np.isnan(counts)})
    if rate_type == "dsr":
        small = counts < DSR_MIN_COUNT
        labels[small] = DSR_SMALL_COUNT_LABEL
    labels[np.isnan(counts)] = np.nan
    columns = {
        "count": counts,
        "denominator_derived": derived,
        "value": value,
        "baseline": per_person * multiplier,
        "significance": labels,
        "statistic": f"rate ({rate_type} per {format_multiplier(multiplier)})",
        "method": "Poisson (Byar at 10+ events, exact below)",
        "note": note,
    }
    return output_frame(columns, index)


# Ratios (observed / expected) -------------------------------------------------------------

RATIO_TYPES = ("isr", "count")


def _ratio_inputs(observed, expected):
    inputs, index = broadcast_inputs(observed=observed, expected=expected)
    o, e = inputs["observed"], inputs["expected"]
    check_non_negative(o, "observed")
    check_positive(e, "expected")
    return o, e, index


def ratio_funnel_limits(
    observed,
    expected,
    ratio_type: str = "isr",
    multiplier: float = 100,
    events=None,
    n_points: int = 100,
) -> pd.DataFrame:
    """Funnel plot control limits for ratios of observed to expected events (exact Poisson).

    As for rates, the limits are drawn event count by event count: for O observed events,
    the expected count at which O sits exactly on each limit, and the ratio there.

    Parameters
    ----------
    observed, expected : array-like or pandas.Series
        The areas' observed and expected events (expected greater than zero); used for the
        extent of the axis.
    ratio_type : {"isr", "count"}, default "isr"
        "isr": limits as the ratio x ``multiplier`` (100 = as expected); "count": as the
        ratio minus 1 (0 = as expected), as PHEindicatormethods' two ratio types.
    multiplier : float, default 100
        Scale of "isr" limits.
    events : array-like, optional
        Observed event counts at which to compute the limits. Default: ``n_points`` points
        spanning the areas' expected counts, as PHEindicatormethods does.
    n_points : int, default 100

    Returns
    -------
    pandas.DataFrame
        One row per event count: ``events``; for each of ``lower95``, ``upper95``,
        ``lower99_8``, ``upper99_8`` the expected count there (``lower95_expected``, ...)
        and the limit; then ``baseline`` (``multiplier``, or 0 for "count"),
        ``confidence``, ``statistic`` ("ratio (isr)" or "ratio (count)") and ``method``
        ("Poisson").

    Notes
    -----
    O events sit on the lower limit where the expected count E equals the exact upper
    confidence limit of O, chi2(1 - a/2; 2O + 2)/2, and on the upper limit where E equals
    the exact lower limit, chi2(a/2; 2O)/2; the limit is O / E. The expected count is
    treated as known and the counts as Poisson, with no allowance for overdispersion
    (:mod:`snalib.stats.overdispersion` gives that).

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
    2005;24:1185-202.

    Office for Health Improvement and Disparities. Fingertips technical guidance,
    "Funnel plots".
    """
    if ratio_type not in RATIO_TYPES:
        raise ValueError(f"ratio_type must be one of {RATIO_TYPES}, got {ratio_type!r}")
    multiplier = check_multiplier(multiplier)
    _, e, _ = _ratio_inputs(observed, expected)
    if events is None:
        minimum, maximum = _axis_ends(e[~np.isnan(e)])
        grid = _axis_points(minimum, maximum, n_points, shift=1)
    else:
        grid = broadcast_inputs(events=events)[0]["events"]
        check_non_negative(grid, "events")
    columns: dict[str, object] = {"events": grid}
    with np.errstate(divide="ignore", invalid="ignore"):
        for level in FUNNEL_LEVELS:
            suffix = _SUFFIX[level]
            count_lower, count_upper = exact_poisson_count_limits(grid, level)
            for name, at in ((f"lower{suffix}", count_upper), (f"upper{suffix}", count_lower)):
                columns[f"{name}_expected"] = at
                ratio = grid / at
                columns[name] = ratio * multiplier if ratio_type == "isr" else ratio - 1
    columns.update(
        {
            "baseline": multiplier if ratio_type == "isr" else 0.0,
            "confidence": "0.95, 0.998",
            "statistic": f"ratio ({ratio_type})",
            "method": "Poisson",
        }
    )
    return pd.DataFrame(columns)


def ratio_funnel_significance(observed, expected, multiplier: float = 100) -> pd.DataFrame:
    """Significance label of each area on a funnel plot of observed / expected events.

    Parameters
    ----------
    observed, expected : array-like or pandas.Series
        Observed events (zero or more) and expected events (greater than zero).
    multiplier : float, default 100
        Scale of ``value`` and ``baseline`` (100 = as expected).

    Returns
    -------
    pandas.DataFrame
        One row per area: ``observed``, ``expected``, ``value`` (O / E x multiplier),
        ``baseline``, ``significance`` (the five labels of :data:`SIGNIFICANCE_LABELS`;
        NaN when an input is missing), ``statistic``, ``method`` and ``note``.

    Notes
    -----
    "High (0.001)" when the lower 99.8% limit of O (Byar's method at 10+ events, exact
    below) is above E, "High (0.025)" when only the 95% one is; likewise "Low". As
    PHEindicatormethods ``assign_funnel_significance`` for ratios.

    References
    ----------
    Office for Health Improvement and Disparities. Fingertips technical guidance.
    """
    multiplier = check_multiplier(multiplier)
    o, e, index = _ratio_inputs(observed, expected)
    bounds = {level: poisson_count_limits(o, level) for level in FUNNEL_LEVELS}
    with np.errstate(invalid="ignore"):
        labels = _label(
            e > bounds[0.998][1],
            e > bounds[0.95][1],
            e < bounds[0.998][0],
            e < bounds[0.95][0],
        )
    missing = np.isnan(o) | np.isnan(e)
    labels[missing] = np.nan
    columns = {
        "observed": o,
        "expected": e,
        "value": o / e * multiplier,
        "baseline": multiplier,
        "significance": labels,
        "statistic": f"ratio x {format_multiplier(multiplier)}",
        "method": "Poisson (Byar at 10+ events, exact below)",
        "note": missing_note({"observed": np.isnan(o), "expected": np.isnan(e)}),
    }
    return output_frame(columns, index)
