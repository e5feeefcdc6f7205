"""Shared plumbing for the statistics modules: input coercion, validation, confidence levels.

Nothing here is a statistic. These helpers make every public function in
``snalib.stats`` accept scalars, lists, NumPy arrays or pandas Series alike, validate them
the same way, and name confidence-limit columns by one convention:

* one confidence level (``confidence=0.95``): columns ``lower`` and ``upper``, and a float
  ``confidence`` column (0.95);
* several levels (``confidence=(0.95, 0.998)``): columns ``lower95``, ``upper95``,
  ``lower99_8``, ``upper99_8`` (the level as a percentage, the decimal point written ``_``),
  no plain ``lower``/``upper``, and a text ``confidence`` column ("0.95, 0.998").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

# Text written to the ``note`` column when there is nothing to say about a row.
NO_NOTE = ""


@dataclass(frozen=True)
class ConfidenceLevels:
    """The confidence level(s) requested and the column names that carry them."""

    levels: tuple[float, ...]
    multiple: bool

    def lower_name(self, level: float) -> str:
        return f"lower{level_suffix(level)}" if self.multiple else "lower"

    def upper_name(self, level: float) -> str:
        return f"upper{level_suffix(level)}" if self.multiple else "upper"

    @property
    def label(self) -> float | str:
        """Value of the ``confidence`` column: a float, or the levels as text."""
        if self.multiple:
            return ", ".join(f"{level:g}" for level in self.levels)
        return self.levels[0]

    @property
    def limit_columns(self) -> list[str]:
        names: list[str] = []
        for level in self.levels:
            names += [self.lower_name(level), self.upper_name(level)]
        return names


def level_suffix(level: float) -> str:
    """Column suffix for a confidence level: 0.95 -> "95", 0.998 -> "99_8"."""
    percent = round(level * 100, 6)
    return f"{percent:g}".replace(".", "_")


def confidence_levels(confidence: float | Sequence[float]) -> ConfidenceLevels:
    """Validate ``confidence`` (a fraction, or a sequence of fractions) and name its columns.

    Raises
    ------
    ValueError
        If a level is not strictly between 0 and 1 (percentages such as 95 are refused
        rather than guessed), or two levels would share a column name.
    """
    if isinstance(confidence, str):
        raise ValueError(f"confidence must be a number such as 0.95, not {confidence!r}")
    if np.ndim(confidence) == 0:
        raw: Iterable = [confidence]
        multiple = False
    else:
        raw = list(confidence)  # type: ignore[arg-type]
        multiple = True
        if not raw:
            raise ValueError("confidence must contain at least one level")
    levels: list[float] = []
    for item in raw:
        try:
            level = float(item)
        except (TypeError, ValueError) as err:
            raise ValueError(f"confidence must be numeric, got {item!r}") from err
        if not 0 < level < 1:
            raise ValueError(
                f"confidence must be a fraction strictly between 0 and 1 (e.g. 0.95), got {item!r}"
            )
        levels.append(level)
    suffixes = [level_suffix(level) for level in levels]
    if len(set(suffixes)) != len(suffixes):
        raise ValueError(f"confidence levels must be distinct, got {levels}")
    return ConfidenceLevels(tuple(levels), multiple)


def two_sided_z(level: float) -> float:
    """Standard normal quantile for a two-sided interval at ``level`` (1.96 for 0.95)."""
    return float(stats.norm.ppf(0.5 + level / 2))


def as_float_array(values, name: str) -> np.ndarray:
    """One-dimensional float array from a scalar, list, array or Series; missing -> NaN.

    Raises
    ------
    ValueError
        If the values are not numeric or are infinite.
    """
    if isinstance(values, pd.Series):
        series = values
    elif values is None or values is pd.NA or np.ndim(values) == 0:
        series = pd.Series([values], dtype=object)
    else:
        series = pd.Series(np.asarray(values, dtype=object).ravel())
    try:
        array = pd.to_numeric(series, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numeric") from err
    if np.isinf(array).any():
        raise ValueError(f"{name} must be finite (got an infinite value)")
    return array


def broadcast_inputs(**inputs) -> tuple[dict[str, np.ndarray], pd.Index | None]:
    """Coerce named inputs to float arrays of one common length.

    Scalars are repeated to the length of the longest input. If any input is a pandas
    Series, the result keeps that Series' index (Series given together must share it), so
    the output can be joined back to the caller's table.
    """
    index: pd.Index | None = None
    for name, values in inputs.items():
        if isinstance(values, pd.Series):
            if index is None:
                index = values.index
            elif not values.index.equals(index):
                raise ValueError(f"{name} has a different index from the other Series inputs")
    arrays = {name: as_float_array(values, name) for name, values in inputs.items()}
    try:
        shaped = np.broadcast_arrays(*arrays.values())
    except ValueError as err:
        lengths = {name: len(array) for name, array in arrays.items()}
        raise ValueError(f"inputs have incompatible lengths: {lengths}") from err
    result = {
        name: np.array(array, dtype=float) for name, array in zip(arrays, shaped, strict=True)
    }
    length = len(next(iter(result.values())))
    if index is not None and len(index) != length:
        index = None
    return result, index


def check_non_negative(values: np.ndarray, name: str) -> None:
    if (values < 0).any():
        bad = values[values < 0][:5].tolist()
        raise ValueError(f"{name} must be zero or more; negative values found: {bad}")


def check_positive(values: np.ndarray, name: str) -> None:
    if (values <= 0).any():
        bad = values[values <= 0][:5].tolist()
        raise ValueError(f"{name} must be greater than zero; found: {bad}")


def check_multiplier(multiplier: float) -> float:
    multiplier = float(multiplier)
    if not np.isfinite(multiplier) or multiplier <= 0:
        raise ValueError(f"multiplier must be a positive number, got {multiplier}")
    return multiplier


def format_multiplier(multiplier: float) -> str:
    """100000 -> "100,000" for statistic labels."""
    if float(multiplier).is_integer():
        return f"{int(multiplier):,}"
    return f"{multiplier:,}"


def missing_note(missing: dict[str, np.ndarray]) -> np.ndarray:
    """Per-row note naming the missing inputs, e.g. "not calculated: count missing"."""
    length = len(next(iter(missing.values())))
    notes = np.full(length, NO_NOTE, dtype=object)
    for row in range(length):
        names = [name for name, flags in missing.items() if flags[row]]
        if names:
            notes[row] = f"not calculated: {' and '.join(names)} missing"
    return notes


def join_notes(*notes: np.ndarray) -> np.ndarray:
    """Row-wise "; "-join of several note arrays, skipping empty notes."""
    length = len(notes[0])
    joined = np.full(length, NO_NOTE, dtype=object)
    for row in range(length):
        parts = [str(note[row]) for note in notes if note[row]]
        joined[row] = "; ".join(parts)
    return joined


def exact_poisson_count_limits(count: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) Poisson limits on a count via the chi-square distribution.

    Lower = chi2(alpha/2; 2x)/2 (0 when x = 0), upper = chi2(1 - alpha/2; 2x + 2)/2.
    """
    alpha = 1 - level
    count = np.asarray(count, dtype=float)
    with np.errstate(invalid="ignore"):
        lower = np.where(count > 0, stats.chi2.ppf(alpha / 2, 2 * count) / 2, 0.0)
        upper = stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    lower = np.where(np.isnan(count), np.nan, lower)
    return lower, upper


def byar_count_limits(count: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the exact Poisson limits on a count (negative lower -> NaN)."""
    z = two_sided_z(level)
    count = np.asarray(count, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = count * (1 - 1 / (9 * count) - z / (3 * np.sqrt(count))) ** 3
        upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * np.sqrt(count + 1))) ** 3
    lower = np.where((count > 0) & (lower >= 0), lower, np.nan)
    return lower, upper


def output_frame(columns: dict[str, object], index: pd.Index | None) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    if index is not None:
        frame.index = index
    return frame
