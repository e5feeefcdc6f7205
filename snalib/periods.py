"""Financial years and named periods.

English public sector reporting runs on financial years, April to March, written
``"2020/21"``. Population denominators for a financial year use the mid-year estimate of
the year in which it starts (mid-2020 for 2020/21): that is where most of its days fall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

_FY = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2}|\d{4})\s*$")


@dataclass(frozen=True, order=True)
class FinancialYear:
    """An April-to-March financial year, e.g. ``FinancialYear(2020)`` is 2020/21."""

    start_year: int

    @classmethod
    def parse(cls, text: str | FinancialYear) -> FinancialYear:
        """Parse ``"2020/21"`` (or ``"2020/2021"``).

        Raises
        ------
        ValueError
            If the text is not a financial year or its two years are not consecutive.
        """
        if isinstance(text, FinancialYear):
            return text
        m = _FY.match(str(text))
        if not m:
            raise ValueError(f"'{text}' is not a financial year; expected the form 2020/21")
        first = int(m.group(1))
        second = m.group(2)
        expected = f"{(first + 1) % 100:02d}" if len(second) == 2 else str(first + 1)
        if second != expected:
            raise ValueError(
                f"'{text}' is not a financial year: the second year must follow the first "
                f"(expected {first}/{(first + 1) % 100:02d})"
            )
        return cls(first)

    @classmethod
    def of(cls, day: date) -> FinancialYear:
        """The financial year containing ``day``."""
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        """Last day (inclusive)."""
        return date(self.start_year + 1, 3, 31)

    @property
    def population_year(self) -> int:
        """Mid-year population estimate used as the denominator."""
        return self.start_year

    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    def __str__(self) -> str:
        return self.label


def financial_year_labels(dates: pd.Series) -> pd.Series:
    """Vectorised financial year label (``"2020/21"``) of each date; missing stays missing."""
    d = pd.to_datetime(dates)
    start = d.dt.year - (d.dt.month < 4).astype("Int64")
    label = (
        start.astype("Int64").astype("string")
        + "/"
        + ((start + 1) % 100).astype("Int64").astype("string").str.zfill(2)
    )
    return label.where(d.notna())


def month_labels(dates: pd.Series) -> pd.Series:
    """Vectorised ``YYYY-MM`` of each date; missing stays missing."""
    d = pd.to_datetime(dates)
    return d.dt.strftime("%Y-%m").astype("string").where(d.notna())


def months_between(start: date, end: date) -> list[str]:
    """All ``YYYY-MM`` labels from the month of ``start`` to the month of ``end``."""
    rng = pd.period_range(pd.Period(start, "M"), pd.Period(end, "M"), freq="M")
    return [str(p) for p in rng]


def in_range(dates: pd.Series, start: date, end: date | None) -> np.ndarray:
    """Boolean array: date within [start, end] (end inclusive; None = open-ended)."""
    d = pd.to_datetime(dates)
    mask = d >= pd.Timestamp(start)
    if end is not None:
        mask &= d <= pd.Timestamp(end)
    return mask.fillna(False).to_numpy(dtype=bool)


def period_financial_year(periods: pd.Series) -> pd.Series:
    """Financial year label of contract ``period`` values (``YYYY/YY`` or ``YYYY-MM``)."""
    text = periods.astype("string")
    is_month = text.str.match(r"^\d{4}-\d{2}$").fillna(False)
    months = pd.to_datetime(text.where(is_month) + "-01", format="%Y-%m-%d", errors="coerce")
    return text.where(~is_month, financial_year_labels(months))
