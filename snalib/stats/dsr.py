"""Directly standardised rates (DSRs) by the Dobson method on the 2013 European Standard
Population, joined to the data by age band label.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from snalib.stats._common import (
    check_multiplier,
    confidence_levels,
    format_multiplier,
)
from snalib.stats.rates import poisson_count_limits

# Fingertips does not publish a DSR whose total count is below this.
DSR_MIN_TOTAL_COUNT = 10

_METHOD = "Dobson"
_METHOD_NON_INDEPENDENT = "Dobson, with confidence adjusted for non-independent events"


def normalise_age_band(label: object) -> str:
    """Canonical form of an age band label, used to join data to a standard population.

    Only differences of typography are removed: all whitespace is dropped, en and em
    dashes become hyphens, and leading zeros are stripped from numbers. So "90 +" and
    "90+" match, as do "05-09", "5 - 9" and "5–9"; "55-69" does not match "55-59".

    Examples
    --------
    >>> normalise_age_band(" 00-04 ")
    '0-4'
    >>> normalise_age_band("90 +")
    '90+'
    """
    text = re.sub(r"\s+", "", str(label)).replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\d+", lambda match: str(int(match.group())), text)


@lru_cache(maxsize=1)
def _esp2013_table() -> pd.DataFrame:
    path = resources.files("snalib").joinpath("data", "esp2013.csv")
    with path.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype={"age_band": str})


def load_esp2013() -> pd.Series:
    """The 2013 European Standard Population in 19 five-year bands (0-4, ..., 85-89, 90+).

    Returns
    -------
    pandas.Series
        Weights (summing to 100,000) indexed by ``age_band`` label, named
        ``esp2013_weight``. The full table, with ``age_lower`` and ``age_upper``, is the
        package file ``snalib/data/esp2013.csv``.

    References
    ----------
    Eurostat. Revision of the European Standard Population: report of Eurostat's task
    force. Luxembourg: Publications Office of the European Union; 2013. (Ages 0 and 1-4
    merged into 0-4, and 90-94 and 95+ into 90+, as used by ONS and OHID.)
    """
    table = _esp2013_table()
    return pd.Series(
        table["esp2013_weight"].to_numpy(dtype=float),
        index=pd.Index(table["age_band"], name="age_band"),
        name="esp2013_weight",
    )


def _standard_weights(standard: pd.Series | Mapping[str, float] | None) -> pd.Series:
    """Standard population as weights indexed by normalised label, in the given order."""
    if standard is None:
        weights = load_esp2013()
    elif isinstance(standard, pd.Series):
        weights = standard
    elif isinstance(standard, Mapping):
        weights = pd.Series(dict(standard), dtype=float)
    else:
        raise ValueError(
            "standard must be a pandas Series or a mapping of age band label to weight "
            f"(got {type(standard).__name__})"
        )
    if len(weights) == 0:
        raise ValueError("standard population is empty")
    values = pd.to_numeric(weights, errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).any() or np.isinf(values).any():
        raise ValueError("standard population weights must be finite numbers")
    if (values < 0).any():
        raise ValueError("standard population weights must be zero or more")
    if values.sum() <= 0:
        raise ValueError("standard population weights must not all be zero")
    labels = [normalise_age_band(label) for label in weights.index]
    duplicated = sorted({label for label in labels if labels.count(label) > 1})
    if duplicated:
        raise ValueError(f"standard population has duplicate age bands: {duplicated}")
    return pd.Series(values, index=pd.Index(labels, name="age_band"))


def _band_list(labels) -> str:
    return ", ".join(str(label) for label in labels)


def directly_standardised_rate(
    data: pd.DataFrame,
    count: str = "count",
    population: str = "population",
    age_band: str = "age_band",
    by: str | Sequence[str] | None = None,
    standard: pd.Series | Mapping[str, float] | None = None,
    multiplier: float = 100_000,
    confidence: float | Sequence[float] = 0.95,
    event_frequencies: Mapping[int, str] | None = None,
    min_total_count: int = DSR_MIN_TOTAL_COUNT,
    missing_count: str = "zero",
) -> pd.DataFrame:
    """Directly standardised rate with Dobson confidence limits, one row per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per age band (per group, if ``by`` is given), with event counts and
        populations.
    count, population, age_band : str
        Column names of the events, the population at risk (greater than zero) and the
        age band label.
    by : str or sequence of str, optional
        Columns identifying groups (e.g. area, year, sex); one DSR per group. Groups keep
        their order of first appearance.
    standard : pandas.Series or mapping, optional
        Standard population weights indexed (keyed) by age band label. Default: the 2013
        European Standard Population (:func:`load_esp2013`). Every group must have exactly
        the standard's age bands; to standardise over part of the age range, pass a
        standard restricted to those bands.
    multiplier : float, default 100_000
        Rate per this many people.
    confidence : float or sequence of float, default 0.95
        Two-sided confidence level(s) as fractions, e.g. ``(0.95, 0.998)``.
    event_frequencies : mapping of int to str, optional
        For non-independent events (one person can have several events): maps k to the
        column holding the number of persons with exactly k events in the band, e.g.
        ``{1: "f1", 2: "f2", 3: "f3"}``. Missing values there are read as 0, and in every
        band ``sum(k * persons_k)`` must equal the count. The variance then uses
        ``sum(k**2 * persons_k)`` in place of the count.
    min_total_count : int, default 10
        A DSR whose total count is below this is not published (Fingertips: 10). Must be
        at least 1.
    missing_count : {"zero", "nan"}, default "zero"
        A missing count in an age band is read as 0 events, as Fingertips and
        PHEindicatormethods do, and said so in ``note``; with "nan" the group's DSR is
        not calculated instead.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``total_count``, ``total_population``,
        ``value``, ``lower``, ``upper`` (or ``lower95``, ``upper95``, ``lower99_8``, ...
        for several levels), ``confidence``, ``statistic`` (e.g. "dsr per 100,000"),
        ``method`` ("Dobson", or "Dobson, with confidence adjusted for non-independent
        events") and ``note``. A DSR not published, or not calculable, has NaN value and
        limits and the reason in ``note`` (e.g. "not published: total count 9 is below
        10").

    Raises
    ------
    ValueError
        If a column is absent; an age band label in the data is not in the standard
        (the message names it); a group lacks some of the standard's age bands or repeats
        one; a count is negative; a population is zero or negative; the event frequency
        columns disagree with the count; or an argument is out of range.

    Notes
    -----
    With weights w_i, counts O_i and populations n_i over age bands i, and O = sum(O_i)::

        DSR = sum(w_i O_i / n_i) / sum(w_i)
        var = sum(w_i**2 O_i / n_i**2) / sum(w_i)**2
        limits = DSR + sqrt(var / O) * (O_L - O),  O_U likewise

    where O_L and O_U are the limits on the total count: Byar's method, since O >= 10
    whenever a DSR is published (exact Poisson limits if ``min_total_count`` is lowered
    below 10). The age-specific counts are assumed Poisson and independent, and the
    populations known. The standard is joined by age band label, never by position
    (labels are compared after :func:`normalise_age_band`).

    References
    ----------
    Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted sums of
    Poisson parameters. Stat Med 1991;10:457-62.

    Breslow NE, Day NE. Statistical methods in cancer research, volume II. Lyon: IARC;
    1987.

    Eurostat. Revision of the European Standard Population. Luxembourg; 2013.

    Office for Health Improvement and Disparities. Fingertips technical guidance,
    "Directly standardised rates" (including non-independent events).
    """
    levels = confidence_levels(confidence)
    multiplier = check_multiplier(multiplier)
    if missing_count not in ("zero", "nan"):
        raise ValueError(f'missing_count must be "zero" or "nan", got {missing_count!r}')
    if int(min_total_count) != min_total_count or min_total_count < 1:
        raise ValueError(
            f"min_total_count must be a whole number of at least 1, got {min_total_count}"
        )
    by_columns = [by] if isinstance(by, str) else list(by or [])
    frequency_columns = dict(event_frequencies or {})
    if any(int(k) != k or k < 1 for k in frequency_columns):
        raise ValueError("event_frequencies keys must be whole numbers of events, 1 or more")
    needed = [count, population, age_band, *by_columns, *frequency_columns.values()]
    absent = [column for column in needed if column not in data.columns]
    if absent:
        raise ValueError(f"data has no column(s) {absent}")

    weights = _standard_weights(standard)
    work = pd.DataFrame(index=data.index)
    for column in by_columns:
        work[column] = data[column]
    raw_labels = data[age_band].astype(str)
    normalised = {label: normalise_age_band(label) for label in raw_labels.unique()}
    work["_band"] = raw_labels.map(normalised).to_numpy()
    unmatched = sorted(raw for raw, band in normalised.items() if band not in weights.index)
    if unmatched:
        raise ValueError(
            f"age band label(s) not in the standard population: {unmatched}; "
            f"the standard has {_band_list(weights.index)}"
        )
    work["_weight"] = work["_band"].map(weights).to_numpy(dtype=float)
    try:
        work["_count"] = pd.to_numeric(data[count]).to_numpy(dtype=float, na_value=np.nan)
        work["_pop"] = pd.to_numeric(data[population]).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{count} and {population} must be numeric") from err
    if (work["_count"] < 0).any() or np.isinf(work["_count"]).any():
        raise ValueError(f"{count} must be zero or more and finite")
    if (work["_pop"] <= 0).any() or np.isinf(work["_pop"]).any():
        raise ValueError(f"{population} must be greater than zero and finite in every age band")

    # Group keys; one synthetic group when by is empty.
    group_keys = by_columns if by_columns else ["_all"]
    if not by_columns:
        work["_all"] = 0
    duplicated = work.duplicated(group_keys + ["_band"], keep=False)
    if duplicated.any():
        example = work.loc[duplicated, group_keys + ["_band"]].drop_duplicates().head(5)
        raise ValueError(
            "age bands repeated within a group (aggregate first): "
            f"{example.to_dict(orient='records')}"
        )
    grouped = work.groupby(group_keys, sort=False, dropna=False)
    # Bands are distinct within a group and all in the standard, so a group is complete
    # exactly when it has as many rows as the standard has bands.
    if (grouped["_band"].size() < len(weights)).any():
        for key, bands in grouped["_band"]:
            missing_bands = [band for band in weights.index if band not in set(bands)]
            if missing_bands:
                keys = key if isinstance(key, tuple) else (key,)
                where = (
                    f"group {dict(zip(by_columns, keys, strict=False))}" if by_columns else "data"
                )
                raise ValueError(
                    f"{where} lacks age band(s) {missing_bands} of the standard population; "
                    "add them with their population and a count of 0, or restrict the standard"
                )

    work["_count_missing"] = work["_count"].isna()
    work["_pop_missing"] = work["_pop"].isna()
    counts = work["_count"].fillna(0.0)
    if frequency_columns:
        persons = {
            k: pd.to_numeric(data[column]).to_numpy(dtype=float, na_value=np.nan)
            for k, column in frequency_columns.items()
        }
        persons = {k: np.nan_to_num(values, nan=0.0) for k, values in persons.items()}
        if any((values < 0).any() for values in persons.values()):
            raise ValueError("event frequency columns must be zero or more")
        implied = sum(k * values for k, values in persons.items())
        disagree = ~work["_count_missing"].to_numpy() & ~np.isclose(implied, counts.to_numpy())
        if disagree.any():
            rows = data.loc[disagree, [*by_columns, age_band, count]].head(5)
            raise ValueError(
                "count differs from sum(k * persons with k events) in "
                f"{int(disagree.sum())} age band(s), e.g. {rows.to_dict(orient='records')}"
            )
        variance_count = sum(k**2 * values for k, values in persons.items())
        method = _METHOD_NON_INDEPENDENT
    else:
        variance_count = counts.to_numpy()
        method = _METHOD
    rate_in_band = work["_weight"] / work["_pop"]
    work["_weighted"] = counts * rate_in_band
    work["_variance_term"] = variance_count * rate_in_band**2
    work["_count_for_sum"] = counts

    grouped = work.groupby(group_keys, sort=False, dropna=False)
    summary = grouped.agg(
        total_count=("_count_for_sum", "sum"),
        total_population=("_pop", lambda values: values.sum(min_count=len(values))),
        weighted=("_weighted", "sum"),
        variance_term=("_variance_term", "sum"),
        weight_total=("_weight", "sum"),
    )
    # Age bands with a missing count or population, listed per group (in summary order).
    group_position = grouped.ngroup().to_numpy()
    bands_with: dict[str, list[list[str]]] = {}
    for flag in ("_count_missing", "_pop_missing"):
        listed: list[list[str]] = [[] for _ in range(len(summary))]
        hits = work[flag].to_numpy()
        for position, band in zip(
            group_position[hits], work["_band"].to_numpy()[hits], strict=True
        ):
            listed[position].append(band)
        bands_with[flag] = listed

    total = summary["total_count"].to_numpy(dtype=float)
    weight_total = summary["weight_total"].to_numpy(dtype=float)
    value = summary["weighted"].to_numpy(dtype=float) / weight_total
    variance = summary["variance_term"].to_numpy(dtype=float) / weight_total**2
    with np.errstate(divide="ignore", invalid="ignore"):
        spread_per_event = np.sqrt(variance / total)

    notes: list[str] = []
    publish = np.ones(len(summary), dtype=bool)
    for row, (count_missing, pop_missing) in enumerate(
        zip(bands_with["_count_missing"], bands_with["_pop_missing"], strict=True)
    ):
        parts: list[str] = []
        if pop_missing:
            parts.append(
                f"not calculated: population missing for age band(s) {_band_list(pop_missing)}"
            )
            publish[row] = False
        if count_missing and missing_count == "nan":
            parts.append(
                f"not calculated: count missing for age band(s) {_band_list(count_missing)}"
            )
            publish[row] = False
        elif count_missing:
            parts.append(f"count missing for age band(s) {_band_list(count_missing)}, read as 0")
        if publish[row] and total[row] < min_total_count:
            parts.append(f"not published: total count {total[row]:g} is below {min_total_count}")
            publish[row] = False
        notes.append("; ".join(parts))

    result = summary.reset_index()[[*by_columns, "total_count", "total_population"]].copy()
    result["value"] = np.where(publish, value * multiplier, np.nan)
    for level in levels.levels:
        count_lower, count_upper = poisson_count_limits(total, level)
        lower = value + spread_per_event * (count_lower - total)
        upper = value + spread_per_event * (count_upper - total)
        result[levels.lower_name(level)] = np.where(publish, lower * multiplier, np.nan)
        result[levels.upper_name(level)] = np.where(publish, upper * multiplier, np.nan)
    result["confidence"] = levels.label
    result["statistic"] = f"dsr per {format_multiplier(multiplier)}"
    result["method"] = method
    result["note"] = notes
    return result
