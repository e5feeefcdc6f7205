"""Difference-in-differences: inside and outside a local lockdown area.

For a named period with ``area_codes`` (district or LSOA codes), monthly counts are split
into the area (*inside*) and the rest of the force (*outside*, crimes with a known area
only) and modelled together:

    log E[y_gm] = log(population_gm) + log(days_m) + a_m + b * inside_g
                  + log(1 - x_m inside_g + x_m inside_g RR)   (+ gamma * inside_g * slope_m)

with one fixed effect ``a_m`` per month, which absorbs everything the two groups share:
trend, seasonality, national lockdowns; ``x_m`` is the share of the month's days in the
period. ``RR`` is the rate ratio inside the area during the period relative to what the
outside area implies (the difference-in-differences on the log scale).

**Family and standard errors** as in the trend model (:func:`snalib.chapters.trends.its.fit_counts`):
overdispersion is always allowed for (NB2 ``alpha`` by maximum likelihood, 0 when the
Cameron-Trivedi moment estimate is not positive; scale at least 1) and so is serial
correlation: the Pearson residuals of each area are AR(1) in calendar months, the two
areas' residuals uncorrelated given the month effects (:mod:`snalib.chapters.trends.serial`),
with t intervals on Satterthwaite degrees of freedom. A month with no count (a missing
public-data file) is left out of both areas.

**Parallel trends.** The estimate assumes that, without the local period, the ratio of
the inside to the outside rate would have stayed constant. The check fits, on the months
before the period only, ``inside_g * years_m`` in place of the period term: its rate ratio
per year is the difference in trends before the period (1 = parallel). A sensitivity
estimate allowing a linear difference in trends over the whole window is reported too.

References
----------
Wing C, Simon K, Bello-Gomez RA. Designing difference in difference studies: best
practices for public health policy research. Annu Rev Public Health 2018;39:453-69.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from snalib.chapters.trends.design import exposure, slope_exposure
from snalib.chapters.trends.its import MIN_EVENTS, CountFit, FitFailed, StepDiverged, fit_counts
from snalib.chapters.trends.serial import t_interval

#: The parallel trends check needs this many months before the period.
MIN_PRE_MONTHS = 12


@dataclass
class DidResult:
    """The difference-in-differences estimate for one series and one local period."""

    series: str
    period: str
    area_codes: list[str]
    panel: pd.DataFrame
    family: str = "not estimated"
    rate_ratio: float = np.nan
    lower95: float = np.nan
    upper95: float = np.nan
    p_value: float = np.nan
    slope: tuple[float, float, float, float] | None = None
    pre_trend: tuple[float, float, float, float] | None = None
    pre_months: int = 0
    sensitivity: tuple[float, float, float, float] | None = None
    reason: str = ""
    fit: CountFit | None = None

    @property
    def estimated(self) -> bool:
        return bool(np.isfinite(self.rate_ratio))

    @property
    def parallel(self) -> bool | None:
        """True when the pre-period trend difference is not significant at 5%."""
        return None if self.pre_trend is None else bool(self.pre_trend[3] >= 0.05)

    def model_words(self) -> str:
        """The ``model`` column: design, family, scale and what the errors allow for."""
        words = f"difference-in-differences, {self.family} GLM with month fixed effects"
        if self.fit is not None:
            words += (
                f" (scale {self.fit.serial.phi:.2f}; {self.fit.covariance_words()} within "
                "each area)"
            )
        return words

    def rows(self) -> list[dict]:
        """Rows of ``tables/trend_local_did.csv``."""
        inside = self.panel[self.panel["inside"] == 1]
        during = inside["exposure"] > 0
        base = {
            "series": self.series,
            "period": self.period,
            "area_codes": " ".join(self.area_codes),
            "model": self.model_words(),
            "events_inside_during": float(inside.loc[during, "count"].sum()),
        }
        out = [
            base
            | {
                "term": "Local period: inside vs outside",
                "rate_ratio": self.rate_ratio,
                "lower95": self.lower95,
                "upper95": self.upper95,
                "p_value": self.p_value,
                "note": self.reason,
            }
        ]
        if self.slope is not None:
            out.append(base | _row("Local period: slope change per year", self.slope, ""))
        if self.pre_trend is not None:
            out.append(
                base
                | _row(
                    "Parallel trends check: inside vs outside trend per year, before the period",
                    self.pre_trend,
                    f"{self.pre_months} months before the period",
                )
            )
        elif self.estimated:
            out.append(
                base
                | _row(
                    "Parallel trends check: inside vs outside trend per year, before the period",
                    (np.nan,) * 4,
                    f"not tested: {self.pre_months} months before the period "
                    f"(at least {MIN_PRE_MONTHS} needed)",
                )
            )
        if self.sensitivity is not None:
            out.append(
                base
                | _row(
                    "Sensitivity: local period allowing different linear trends",
                    self.sensitivity,
                    "",
                )
            )
        return out


def _row(term: str, est, note: str) -> dict:
    rr, lo, hi, p = est
    return {
        "term": term,
        "rate_ratio": rr,
        "lower95": lo,
        "upper95": hi,
        "p_value": p,
        "note": note,
    }


def did_panel(data, mask: np.ndarray, period) -> pd.DataFrame:
    """Monthly counts, population and exposure inside and outside a period's area."""
    months = data.months
    inside = data.inside(period.area_codes)
    known = data.known_area()
    share = exposure(months, period.start, period.end)
    slope = slope_exposure(months, period.start, period.end)
    days = months["days"].to_numpy(dtype=float)
    frames = []
    for flag, sel in ((1, mask & inside), (0, mask & known & ~inside)):
        pop = data.population_by_month(period.area_codes, inside=bool(flag))
        frames.append(
            pd.DataFrame(
                {
                    "month": months["month"].to_numpy(),
                    "inside": flag,
                    "count": data.monthly(sel),
                    "population": pop,
                    "days": days,
                    "years": months["years"].to_numpy(),
                    "exposure": share * flag,
                    "slope": slope * flag,
                }
            )
        )
    panel = pd.concat(frames, ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        panel["rate_per_100k_year"] = (
            panel["count"] / panel["population"] / panel["days"] * 365.25 * 100_000
        )
    return panel


def _fit(panel: pd.DataFrame, x: pd.DataFrame, offset) -> CountFit:
    """The count GLM of :func:`snalib.chapters.trends.its.fit_counts` on a panel: AR(1)
    serial correlation within each area (``inside``), by calendar month."""
    steps = [c for c in ("exposure",) if c in x.columns]  # the local step acts on days
    time = pd.PeriodIndex(panel["month"], freq="M").asi8.astype(float)
    return fit_counts(panel["count"], x, offset, steps, time, group=panel["inside"].to_numpy())


def _estimate(fitted: CountFit, column: str) -> tuple[float, float, float, float]:
    """Rate ratio, 95% interval and p-value of one coefficient (t, Satterthwaite df)."""
    b = float(fitted.params[column])
    se = float(np.sqrt(fitted.serial.cov.loc[column, column]))
    if not se > 0:
        return (np.exp(b), np.nan, np.nan, np.nan)
    lo, hi, p = t_interval(b, se, fitted.serial.df_of(column))
    return (np.exp(b), np.exp(lo), np.exp(hi), p)


def _design(panel: pd.DataFrame, extra: list[str]) -> pd.DataFrame:
    months = pd.get_dummies(panel["month"], prefix="m", dtype=float)
    x = pd.concat([months, panel[["inside"] + extra].astype(float)], axis=1)
    return x


def difference_in_differences(data, mask: np.ndarray, period, series: str) -> DidResult:
    """The estimate, its 95% CI and the parallel trends check (module docstring)."""
    return estimate_did(did_panel(data, mask, period), period, series)


def estimate_did(panel: pd.DataFrame, period, series: str, *, checks: bool = True) -> DidResult:
    """The difference-in-differences of a panel (:func:`did_panel`'s columns).

    Months with a missing count in either area (NaN) and rows without population are left
    out of the models. ``checks=False`` leaves out the parallel trends check and the
    sensitivity model (simulations of the main estimate's coverage).
    """
    result = DidResult(series, period.name, list(period.area_codes), panel)
    inside = panel[panel["inside"] == 1]
    outside = panel[panel["inside"] == 0]
    missing = panel.loc[panel["count"].isna(), "month"]
    usable = ((panel["population"] > 0) & ~panel["month"].isin(missing)).to_numpy()
    if inside["population"].sum() == 0 or outside["population"].sum() == 0:
        result.reason = "not estimated: no population inside or outside the area"
        return result
    if inside["exposure"].sum() == 0:
        result.reason = "not estimated: the period is outside the analysis window"
        return result
    if inside["count"].sum() < MIN_EVENTS or outside["count"].sum() < MIN_EVENTS:
        result.reason = f"not estimated: fewer than {MIN_EVENTS} events inside or outside"
        return result
    fit_panel = panel[usable].reset_index(drop=True)
    if fit_panel.loc[fit_panel["inside"] == 1, "exposure"].sum() == 0:
        result.reason = "not estimated: every month of the period is missing"
        return result
    offset = np.log(fit_panel["population"]) + np.log(fit_panel["days"])
    terms = ["exposure"] + (["slope"] if period.effect == "step_and_slope" else [])
    try:
        fitted = _fit(fit_panel, _design(fit_panel, terms), offset)
    except StepDiverged:
        result.reason = "not estimated: too few events inside the area during the period"
        return result
    except (np.linalg.LinAlgError, ValueError) as exc:
        result.reason = f"not estimated: the model failed ({type(exc).__name__})"
        return result
    result.fit = fitted
    result.family = fitted.family
    result.rate_ratio, result.lower95, result.upper95, result.p_value = _estimate(
        fitted, "exposure"
    )
    if "slope" in terms:
        result.slope = _estimate(fitted, "slope")
    # Parallel trends: months wholly before the period.
    pre = fit_panel[pd.to_datetime(fit_panel["month"] + "-01") < _month_start(period.start)]
    result.pre_months = int(pre["month"].nunique())
    if checks and result.pre_months >= MIN_PRE_MONTHS:
        pre = pre.assign(trend_gap=pre["inside"] * pre["years"]).reset_index(drop=True)
        pre_offset = np.log(pre["population"]) + np.log(pre["days"])
        try:
            result.pre_trend = _estimate(
                _fit(pre, _design(pre, ["trend_gap"]), pre_offset), "trend_gap"
            )
        except (np.linalg.LinAlgError, ValueError, FitFailed):
            result.pre_trend = None
        sens = fit_panel.assign(trend_gap=fit_panel["inside"] * fit_panel["years"])
        try:
            result.sensitivity = _estimate(
                _fit(sens, _design(sens, terms + ["trend_gap"]), offset), "exposure"
            )
        except (np.linalg.LinAlgError, ValueError, FitFailed):
            result.sensitivity = None
    return result


def _month_start(day) -> pd.Timestamp:
    return pd.Timestamp(day).to_period("M").to_timestamp()


def local_periods(data) -> list:
    """Named periods that apply to part of the area (``area_codes`` set)."""
    return [p for p in data.periods if p.area_codes]


def did_all(data) -> list[DidResult]:
    """Difference-in-differences for every main series and every local period."""
    out = []
    for period in local_periods(data):
        for series in data.main:
            out.append(
                difference_in_differences(data, data.series_mask(series.key), period, series.label)
            )
    return out


def did_table(results: list[DidResult]) -> pd.DataFrame:
    """``tables/trend_local_did.csv``."""
    columns = [
        "series",
        "period",
        "area_codes",
        "term",
        "rate_ratio",
        "lower95",
        "upper95",
        "p_value",
        "events_inside_during",
        "model",
        "note",
    ]
    rows = [row for r in results for row in r.rows()]
    return pd.DataFrame(rows, columns=columns)
