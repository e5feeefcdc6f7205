"""Indirectly standardised ratios and rates: observed events against the events expected
if the area had the reference population's age-specific rates.

An indirectly standardised ratio (ISR; a standardised mortality ratio, SMR, when the
events are deaths) compares an area's observed count O with the count E expected from
reference rates applied to the area's own population by age band:
``E = sum_i n_i x_ref_i / n_ref_i``. The ratio is O / E (times 100 by convention in many
publications); the indirectly standardised rate is that ratio times the reference
population's crude rate. Only O is treated as random: its Poisson limits (Byar's
method at 10 or more events, exact below) divided by E give the limits of the ratio, as
PHEindicatormethods ``calculate_ISRatio`` and ``calculate_ISRate`` and the Fingertips
technical guidance do.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from snalib.stats._common import (
    NO_NOTE,
    broadcast_inputs,
    check_multiplier,
    check_non_negative,
    confidence_levels,
    format_multiplier,
    missing_note,
    output_frame,
)
from snalib.stats.dsr import normalise_age_band
from snalib.stats.rates import BYAR_MIN_COUNT, poisson_count_limits


def _ratio_columns(
    observed: np.ndarray, expected: np.ndarray, scale: float, confidence
) -> dict[str, np.ndarray]:
    """Value and limits of (O / E) x scale; NaN where E is 0 or an input is missing."""
    levels = confidence_levels(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_event = np.where(expected > 0, scale / expected, np.nan)
    columns: dict[str, np.ndarray] = {"value": observed * per_event}
    for level in levels.levels:
        lower, upper = poisson_count_limits(observed, level)
        columns[levels.lower_name(level)] = lower * per_event
        columns[levels.upper_name(level)] = upper * per_event
    return columns


def _method(observed: np.ndarray) -> np.ndarray:
    method = np.where(observed >= BYAR_MIN_COUNT, "Byar", "Exact").astype(object)
    method[np.isnan(observed)] = ""
    return method


def standardised_ratio(
    observed,
    expected,
    multiplier: float = 1,
    confidence: float | Sequence[float] = 0.95,
) -> pd.DataFrame:
    """Ratio of observed to expected events with Poisson limits on the observed count.

    Parameters
    ----------
    observed : scalar, array-like or pandas.Series
        Observed events (zero or more).
    expected : scalar, array-like or pandas.Series
        Expected events (zero or more), e.g. from reference rates by age band
        (:func:`indirectly_standardised_ratio` computes them).
    multiplier : float, default 1
        Scale of the ratio: 1 (1 = as expected) or 100 (100 = as expected).
    confidence : float or sequence of float, default 0.95
        Two-sided confidence level(s) as fractions, e.g. ``(0.95, 0.998)``.

    Returns
    -------
    pandas.DataFrame
        ``observed``, ``expected``, ``value`` (O / E x multiplier), ``lower``, ``upper``
        (or ``lower95``, ``upper95``, ``lower99_8``, ...), ``confidence``, ``statistic``
        ("standardised ratio x 100"), ``method`` ("Byar" at 10+ events, "Exact" below)
        and ``note``. No value where an input is missing or the expected count is 0.

    Notes
    -----
    The expected count is treated as known (it rests on reference rates from a much larger
    population); the observed count as Poisson. Limits: the count's limits (Byar's
    approximation at 10 or more, exact chi-square limits below) divided by E.

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, volume II. Lyon: IARC;
    1987. (Standardised mortality ratios.)

    Office for Health Improvement and Disparities. Fingertips technical guidance,
    "Indirectly standardised ratios".
    """
    multiplier = check_multiplier(multiplier)
    inputs, index = broadcast_inputs(observed=observed, expected=expected)
    o, e = inputs["observed"], inputs["expected"]
    check_non_negative(o, "observed")
    check_non_negative(e, "expected")
    columns: dict[str, object] = {"observed": o, "expected": e}
    columns.update(_ratio_columns(o, e, multiplier, confidence))
    note = missing_note({"observed": np.isnan(o), "expected": np.isnan(e)})
    note[(e == 0) & (note == NO_NOTE)] = "not calculated: expected count is 0"
    columns.update(
        {
            "confidence": confidence_levels(confidence).label,
            "statistic": f"standardised ratio x {format_multiplier(multiplier)}",
            "method": _method(o),
            "note": note,
        }
    )
    return output_frame(columns, index)


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    try:
        return pd.to_numeric(frame[column]).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{column} must be numeric") from err


def _reference_rates(
    data: pd.DataFrame,
    bands: pd.Series,
    reference: pd.DataFrame | None,
    reference_count: str,
    reference_population: str,
) -> tuple[np.ndarray, float, list[str]]:
    """The reference rate of each row's age band, the reference's crude rate and its age
    bands (every group must have each of them)."""
    if reference is None:
        absent = [c for c in (reference_count, reference_population) if c not in data.columns]
        if absent:
            raise ValueError(
                f"data has no column(s) {absent}; give the reference rates as columns of "
                "data or as a reference table"
            )
        table = pd.DataFrame(
            {
                "band": bands.to_numpy(),
                "count": _numeric(data, reference_count),
                "population": _numeric(data, reference_population),
            }
        )
        # A row lacking a reference value (e.g. a band the area lacks) gives none; the
        # band's values come from the other rows.
        table = table.dropna(subset=["count", "population"]).drop_duplicates()
        unmatched = sorted(set(bands) - set(table["band"]))
        if unmatched:
            raise ValueError(f"no reference count and population for age band(s) {unmatched}")
        conflicting = sorted(table.loc[table["band"].duplicated(), "band"].unique())
        if conflicting:
            raise ValueError(
                f"reference columns differ between rows of the same age band: {conflicting}"
            )
    else:
        absent = [c for c in ("age_band", "count", "population") if c not in reference.columns]
        if absent:
            raise ValueError(
                f"reference has no column(s) {absent}; it needs age_band, count and population"
            )
        table = pd.DataFrame(
            {
                "band": [normalise_age_band(label) for label in reference["age_band"]],
                "count": _numeric(reference, "count"),
                "population": _numeric(reference, "population"),
            }
        )
        repeated = sorted(table.loc[table["band"].duplicated(), "band"].unique())
        if repeated:
            raise ValueError(f"reference has duplicate age bands: {repeated}")
        unmatched = sorted(set(bands) - set(table["band"]))
        if unmatched:
            raise ValueError(
                f"age band label(s) not in the reference: {unmatched}; the reference has "
                + ", ".join(table["band"])
            )
    if table[["count", "population"]].isna().any().any():
        raise ValueError("reference counts and populations must not be missing")
    check_non_negative(table["count"].to_numpy(), "reference count")
    if (table["population"] <= 0).any():
        raise ValueError("reference population must be greater than zero in every age band")
    rate_by_band = (table["count"] / table["population"]).set_axis(table["band"])
    crude = float(table["count"].sum() / table["population"].sum())
    return bands.map(rate_by_band).to_numpy(dtype=float), crude, table["band"].tolist()


def _observed_and_expected(
    data: pd.DataFrame,
    count: str,
    population: str,
    age_band: str,
    by: str | Sequence[str] | None,
    reference: pd.DataFrame | None,
    reference_count: str,
    reference_population: str,
    observed,
    missing: str,
) -> tuple[pd.DataFrame, float]:
    """One row per group: the by columns, observed, expected and a note; and the crude
    reference rate."""
    if missing not in ("zero", "nan"):
        raise ValueError(f'missing must be "zero" or "nan", got {missing!r}')
    by_columns = [by] if isinstance(by, str) else list(by or [])
    needed = [population, age_band, *by_columns] + ([count] if observed is None else [])
    absent = [column for column in needed if column not in data.columns]
    if absent:
        raise ValueError(f"data has no column(s) {absent}")
    bands = data[age_band].astype(str).map(normalise_age_band)
    rates, crude, all_bands = _reference_rates(
        data, bands, reference, reference_count, reference_population
    )

    work = pd.DataFrame(index=data.index)
    for column in by_columns:
        work[column] = data[column]
    if not by_columns:
        work["_all"] = 0
    keys = by_columns or ["_all"]
    work["_band"] = bands.to_numpy()
    repeated = work.duplicated(keys + ["_band"], keep=False)
    if repeated.any():
        example = work.loc[repeated, keys + ["_band"]].drop_duplicates().head(5)
        raise ValueError(
            f"age bands repeated within a group (aggregate first): "
            f"{example.to_dict(orient='records')}"
        )
    pop = _numeric(data, population)
    check_non_negative(pop, population)
    work["_pop_missing"] = np.isnan(pop)
    work["_expected"] = np.nan_to_num(pop, nan=0.0) * rates
    if observed is None:
        counts = _numeric(data, count)
        check_non_negative(counts, count)
        work["_count_missing"] = np.isnan(counts)
        work["_count"] = np.nan_to_num(counts, nan=0.0)
    else:
        work["_count_missing"] = False
        work["_count"] = 0.0

    grouped = work.groupby(keys, sort=False, dropna=False)
    summary = grouped.agg(
        observed=("_count", "sum"),
        expected=("_expected", "sum"),
        bands=("_band", "size"),
    ).reset_index()
    notes: list[str] = []
    usable: list[bool] = []
    for position, (_, rows) in enumerate(grouped):
        parts: list[str] = []
        ok = True
        if summary["bands"].iloc[position] < len(all_bands):
            lacking = [band for band in all_bands if band not in set(rows["_band"])]
            parts.append(f"not calculated: no row for age band(s) {', '.join(lacking)}")
            ok = False
        for flag, what in (("_pop_missing", "population"), ("_count_missing", "count")):
            listed = rows.loc[rows[flag], "_band"].tolist()
            if not listed:
                continue
            if missing == "nan":
                parts.append(f"not calculated: {what} missing for age band(s) {', '.join(listed)}")
                ok = False
            else:
                parts.append(f"{what} missing for age band(s) {', '.join(listed)}, read as 0")
        notes.append("; ".join(parts))
        usable.append(ok)
    if observed is not None:
        summary["observed"] = _observed_totals(observed, summary, by_columns)
    ok = np.array(usable, dtype=bool)
    summary.loc[~ok, ["observed", "expected"]] = np.nan
    summary["note"] = notes
    summary = summary.drop(columns=["bands"] + ([] if by_columns else ["_all"]))
    return summary, crude


def _observed_totals(observed, summary: pd.DataFrame, by_columns: list[str]) -> np.ndarray:
    """Observed totals given per group (a Series indexed by the group, or a scalar)."""
    if not by_columns:
        values = np.atleast_1d(np.asarray(observed, dtype=float))
        if values.size != 1:
            raise ValueError("observed must be one number when no groups are given")
        totals = values
    else:
        if not isinstance(observed, pd.Series):
            raise ValueError("observed must be a pandas Series indexed by the group columns")
        keys = (
            pd.MultiIndex.from_frame(summary[by_columns])
            if len(by_columns) > 1
            else pd.Index(summary[by_columns[0]])
        )
        totals = pd.to_numeric(observed.reindex(keys)).to_numpy(dtype=float)
    check_non_negative(totals, "observed")
    return totals


def indirectly_standardised_ratio(
    data: pd.DataFrame,
    count: str = "count",
    population: str = "population",
    age_band: str = "age_band",
    by: str | Sequence[str] | None = None,
    reference: pd.DataFrame | None = None,
    reference_count: str = "reference_count",
    reference_population: str = "reference_population",
    observed=None,
    multiplier: float = 1,
    confidence: float | Sequence[float] = 0.95,
    missing: str = "zero",
) -> pd.DataFrame:
    """Indirectly standardised ratio (observed / expected) with Poisson limits, per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per age band (per group, if ``by`` is given): the area's events and
        population (zero or more; a band with no residents expects no events).
    count, population, age_band : str
        Column names.
    by : str or sequence of str, optional
        Columns identifying groups (e.g. area); one ratio per group.
    reference : pandas.DataFrame, optional
        The reference population's events and population by age band, columns
        ``age_band``, ``count``, ``population``, joined to ``data`` by age band label (after
        :func:`~snalib.stats.normalise_age_band`). Default: the columns
        ``reference_count`` and ``reference_population`` of ``data``.
    reference_count, reference_population : str
        Column names in ``data`` when ``reference`` is not given.
    observed : pandas.Series or scalar, optional
        Observed totals per group (indexed by the ``by`` values), when the events are not
        known by age band; ``count`` is then not needed.
    multiplier : float, default 1
        1 (1 = as expected) or 100 (100 = as expected).
    confidence : float or sequence of float, default 0.95
    missing : {"zero", "nan"}, default "zero"
        A missing count or population in an age band is read as 0 (as Fingertips and
        PHEindicatormethods do) and said so in ``note``; with "nan" the group's ratio is not
        calculated.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``observed``, ``expected``, ``value``,
        ``lower``, ``upper`` (or ``lower95``, ``upper95``, ``lower99_8``, ...),
        ``confidence``, ``statistic`` ("indirectly standardised ratio x 100"), ``method``
        ("Byar" at 10+ events, "Exact" below) and ``note``.

    Raises
    ------
    ValueError
        If a column is absent, an age band of the data is not in the reference (named),
        bands repeat within a group, a count or population is negative, or a reference
        value is missing, negative or (population) zero.

    Notes
    -----
    ``E = sum_i n_i r_i`` with ``r_i = x_ref_i / n_ref_i`` the reference rate in band i;
    ``ISR = O / E x multiplier``; limits: the Poisson limits of O (Byar's method at 10 or
    more events, exact below) over E. E is treated as known. A group lacking a band of
    the others is not calculated (its expected count would be too small).

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, volume II. Lyon: IARC;
    1987.

    Office for Health Improvement and Disparities. Fingertips technical guidance,
    "Indirectly standardised ratios and rates".
    """
    multiplier = check_multiplier(multiplier)
    summary, _ = _observed_and_expected(
        data, count, population, age_band, by, reference, reference_count,
        reference_population, observed, missing,
    )  # fmt: skip
    return _finish(summary, multiplier, confidence, "indirectly standardised ratio x", None)


def indirectly_standardised_rate(
    data: pd.DataFrame,
    count: str = "count",
    population: str = "population",
    age_band: str = "age_band",
    by: str | Sequence[str] | None = None,
    reference: pd.DataFrame | None = None,
    reference_count: str = "reference_count",
    reference_population: str = "reference_population",
    observed=None,
    multiplier: float = 100_000,
    confidence: float | Sequence[float] = 0.95,
    missing: str = "zero",
) -> pd.DataFrame:
    """Indirectly standardised rate: the ratio times the reference population's crude rate.

    Parameters are those of :func:`indirectly_standardised_ratio`; ``multiplier`` is the
    rate's (per 100,000 by default).

    Returns
    -------
    pandas.DataFrame
        As :func:`indirectly_standardised_ratio`, with ``reference_rate`` (the reference
        population's crude rate per ``multiplier``) after ``expected``, and ``statistic``
        "indirectly standardised rate per 100,000".

    Notes
    -----
    ``ISRate = O / E x (sum x_ref / sum n_ref) x multiplier``: the rate the area would have
    with the reference population's age structure, if its age-specific rates were the
    reference rates scaled by O / E. Limits scale the same way.

    References
    ----------
    Office for Health Improvement and Disparities. Fingertips technical guidance,
    "Indirectly standardised ratios and rates".
    """
    multiplier = check_multiplier(multiplier)
    summary, crude = _observed_and_expected(
        data, count, population, age_band, by, reference, reference_count,
        reference_population, observed, missing,
    )  # fmt: skip
    return _finish(
        summary, crude * multiplier, confidence, "indirectly standardised rate per", multiplier
    )


def _finish(
    summary: pd.DataFrame,
    scale: float,
    confidence,
    statistic: str,
    rate_multiplier: float | None,
) -> pd.DataFrame:
    observed = summary["observed"].to_numpy(dtype=float)
    expected = summary["expected"].to_numpy(dtype=float)
    note = summary.pop("note").to_numpy(dtype=object)
    result = summary.copy()
    if rate_multiplier is not None:
        result["reference_rate"] = scale
    for name, values in _ratio_columns(observed, expected, scale, confidence).items():
        result[name] = values
    zero = (expected == 0) & ~np.isnan(observed)
    for row in np.flatnonzero(zero):
        note[row] = "; ".join(p for p in (note[row], "not calculated: expected count is 0") if p)
    result["confidence"] = confidence_levels(confidence).label
    shown = rate_multiplier if rate_multiplier is not None else scale
    result["statistic"] = f"{statistic} {format_multiplier(shown)}"
    result["method"] = _method(observed)
    result["note"] = note
    return result
