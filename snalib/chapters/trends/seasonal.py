"""Seasonal-trend decomposition (STL) of the monthly series.

STL (Cleveland et al. 1990) splits a series into a smooth trend, a seasonal component and
a remainder by repeated loess smoothing. It is descriptive: it makes no assumption about
the shape of the trend and is robust to outliers when fitted with robustness weights, so
the lockdown months end up in the remainder (and partly the trend) rather than bending the
seasonal pattern. The decomposition is additive on the count scale, with a period of 12
months and statsmodels' default smoothers; it needs at least two full years.

STL needs a complete series. Months without data (:attr:`TrendData.missing`) at either
end of the series are dropped; a month without data inside it is filled by linear
interpolation between its neighbours *for the decomposition only*: its ``observed`` value
stays empty, ``interpolated`` is true, and the chapter says which months were filled.

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

    NaN counts (months without data) at the ends are dropped and those inside are
    interpolated linearly for the decomposition only (module docstring).

    Returns one row per month: ``month``, ``observed`` (NaN where there is no data),
    ``trend``, ``seasonal``, ``remainder``, ``interpolated``.
    """
    y = np.asarray(counts, dtype=float)
    months = list(months)
    present = np.flatnonzero(~np.isnan(y))
    if len(present) == 0:
        return None
    ends = slice(present[0], present[-1] + 1)
    y, months = y[ends], months[ends]
    gap = np.isnan(y)
    if len(y) < MIN_MONTHS_STL or np.nansum(y) == 0:
        return None
    filled = pd.Series(y).interpolate(method="linear").to_numpy()
    res = STL(pd.Series(filled), period=12, robust=True).fit()
    return pd.DataFrame(
        {
            "month": months,
            "observed": y,
            "trend": np.asarray(res.trend),
            "seasonal": np.asarray(res.seasonal),
            "remainder": np.where(gap, np.nan, np.asarray(res.resid)),
            "interpolated": gap,
        }
    )


def seasonal_strength(decomposition: pd.DataFrame) -> float:
    """Wang-Smith-Hyndman strength of seasonality (0 to 1)."""
    observed = ~decomposition["remainder"].isna().to_numpy()  # interpolated months left out
    r = decomposition["remainder"].to_numpy()[observed]
    s = decomposition["seasonal"].to_numpy()[observed]
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
