"""Seasonal-trend decomposition (STL) of the monthly series.

STL (Cleveland et al. 1990) splits a series into a smooth trend, a seasonal component and
a remainder by repeated loess smoothing. It is descriptive: it makes no assumption about
the shape of the trend and is robust to outliers when fitted with robustness weights, so
the lockdown months end up in the remainder (and partly the trend) rather than bending the
seasonal pattern. The decomposition is additive on the count scale, with a period of 12
months and statsmodels' default smoothers; it needs at least two full years.

The strength of seasonality is ``max(0, 1 - Var(remainder) / Var(seasonal + remainder))``
(Wang, Smith and Hyndman 2006): 0 means no seasonal pattern, values near 1 a pattern that
dominates the month-to-month variation.

References
----------
Cleveland RB, Cleveland WS, McRae JE, Terpenning I. STL: a seasonal-trend decomposition
procedure based on loess. Journal of Official Statistics 1990;6:3-73.

Wang X, Smith K, Hyndman R. Characteristic-based clustering for time series data. Data
Mining and Knowledge Discovery 2006;13:335-64.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import STL

from snalib.chapters.trends.data import is_full_month
from snalib.chapters.trends.design import MONTH_NAMES

#: STL needs two full cycles.
MIN_MONTHS_STL = 24


def stl_decompose(counts, months) -> pd.DataFrame | None:
    """STL of one monthly series; ``None`` with fewer than 24 months or no events.

    Returns one row per month: ``month``, ``observed``, ``trend``, ``seasonal``,
    ``remainder``.
    """
    y = np.asarray(counts, dtype=float)
    if len(y) < MIN_MONTHS_STL or y.sum() == 0:
        return None
    res = STL(pd.Series(y), period=12, robust=True).fit()
    return pd.DataFrame(
        {
            "month": list(months),
            "observed": y,
            "trend": np.asarray(res.trend),
            "seasonal": np.asarray(res.seasonal),
            "remainder": np.asarray(res.resid),
        }
    )


def seasonal_strength(decomposition: pd.DataFrame) -> float:
    """Wang-Smith-Hyndman strength of seasonality (0 to 1)."""
    r = decomposition["remainder"].to_numpy()
    s = decomposition["seasonal"].to_numpy()
    denom = np.var(s + r)
    return float(max(0.0, 1 - np.var(r) / denom)) if denom > 0 else 0.0


def seasonal_peaks(decomposition: pd.DataFrame) -> tuple[str, str, float]:
    """Calendar month with the highest and lowest mean seasonal component, and the range
    between them as a share of the mean level (e.g. 0.2 = the peak month is 20% of an
    average month above the trough)."""
    month_no = pd.PeriodIndex(decomposition["month"], freq="M").month
    by_month = decomposition.groupby(np.asarray(month_no))["seasonal"].mean()
    level = float(decomposition["trend"].mean())
    spread = float(by_month.max() - by_month.min()) / level if level > 0 else np.nan
    return MONTH_NAMES[int(by_month.idxmax()) - 1], MONTH_NAMES[int(by_month.idxmin()) - 1], spread


def stl_all(data) -> dict[str, pd.DataFrame]:
    """STL of every main series that can be decomposed (label → decomposition)."""
    out = {}
    full = is_full_month(data.months)
    for s in data.main:
        counts = data.monthly(data.series_mask(s.key))
        # Partial months at the window's ends would look like drops: leave them out.
        dec = stl_decompose(counts[full], data.months["month"][full])
        if dec is not None:
            out[s.label] = dec
    return out
