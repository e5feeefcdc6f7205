"""Difference-in-differences: inside and outside a local lockdown area.

For a named period with ``area_codes`` (district or LSOA codes), monthly counts are split
into the area (*inside*) and the rest of the force (*outside*, crimes with a known area
only) and modelled together:

    log E[y_gm] = log(population_gm) + log(days_m) + a_m + b * inside_g
                  + log(1 - x_m inside_g + x_m inside_g RR)   (+ gamma * inside_g * slope_m)

with one fixed effect ``a_m`` per month, which absorbs everything the two groups share:
trend, seasonality, national lockdowns; ``x_m`` is the share of the month's days in the
period. ``RR`` is the rate ratio inside the area during the period relative to what the
outside area implies (the difference-in-differences on the log scale). The family is
chosen by the same overdispersion tests as the trend model (NB ``alpha``: the
Cameron-Trivedi moment estimate), with the same small-sample correction.

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
import statsmodels.api as sm
from scipy import stats

from snalib.chapters.trends.design import exposure, slope_exposure
from snalib.chapters.trends.its import MIN_EVENTS, Z95, fit_step_glm, overdispersion_test

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

    @property
    def estimated(self) -> bool:
        return bool(np.isfinite(self.rate_ratio))

    @property
    def parallel(self) -> bool | None:
        """True when the pre-period trend difference is not significant at 5%."""
        return None if self.pre_trend is None else bool(self.pre_trend[3] >= 0.05)

    def rows(self) -> list[dict]:
        """Rows of ``tables/trend_local_did.csv``."""
        inside = self.panel[self.panel["inside"] == 1]
        during = inside["exposure"] > 0
        base = {
            "series": self.series,
            "period": self.period,
            "area_codes": " ".join(self.area_codes),
            "model": f"difference-in-differences, {self.family} GLM with month fixed effects",
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


def _fit(y, x, offset):
    """Poisson GLM, or NB2 GLM when the overdispersion tests reject (as in the trend model).

    Returns the results, the family's name, a covariance scale and the degrees of freedom
    for t intervals (None for normal intervals). The NB ``alpha`` is the Cameron-Trivedi
    moment estimate; as in the trend model, the NB covariance is scaled by the Pearson
    dispersion when above 1 and intervals use t.
    """
    steps = [c for c in ("exposure",) if c in x.columns]  # the local step acts on days
    pois, _ = fit_step_glm(y, x, offset, sm.families.Poisson(), steps)
    test = overdispersion_test(y, pois.fittedvalues, int(pois.df_resid))
    if not test.overdispersed:
        return pois, "Poisson", 1.0, None
    nb, _ = fit_step_glm(
        y, x, offset, sm.families.NegativeBinomial(alpha=max(test.alpha, 1e-4)), steps
    )
    if getattr(nb, "converged", True) and np.isfinite(nb.params).all():
        scale = max(1.0, float(nb.pearson_chi2 / nb.df_resid))
        return nb, "negative binomial", scale, float(nb.df_resid)
    quasi, _ = fit_step_glm(y, x, offset, sm.families.Poisson(), steps, scale="X2")
    return quasi, "quasi-Poisson (fallback)", 1.0, float(quasi.df_resid)


def _estimate(fitted, column: str) -> tuple[float, float, float, float]:
    res, _, scale, df = fitted
    b = float(res.params[column])
    se = float(res.bse[column]) * np.sqrt(scale)
    if not se > 0:
        return (np.exp(b), np.nan, np.nan, np.nan)
    if df is None:
        crit, p = Z95, float(2 * stats.norm.sf(abs(b / se)))
    else:
        crit, p = float(stats.t.ppf(0.975, df)), float(2 * stats.t.sf(abs(b / se), df))
    return (np.exp(b), np.exp(b - crit * se), np.exp(b + crit * se), p)


def _design(panel: pd.DataFrame, extra: list[str]) -> pd.DataFrame:
    months = pd.get_dummies(panel["month"], prefix="m", dtype=float)
    x = pd.concat([months, panel[["inside"] + extra].astype(float)], axis=1)
    return x


def difference_in_differences(data, mask: np.ndarray, period, series: str) -> DidResult:
    """The estimate, its 95% CI and the parallel trends check (module docstring)."""
    panel = did_panel(data, mask, period)
    result = DidResult(series, period.name, list(period.area_codes), panel)
    inside = panel[panel["inside"] == 1]
    outside = panel[panel["inside"] == 0]
    # Months without data (NaN counts: gaps, not zeros) are left out of the fit.
    usable = ((panel["population"] > 0) & panel["count"].notna()).to_numpy()
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
    offset = np.log(fit_panel["population"]) + np.log(fit_panel["days"])
    terms = ["exposure"] + (["slope"] if period.effect == "step_and_slope" else [])
    try:
        fitted = _fit(fit_panel["count"], _design(fit_panel, terms), offset)
    except (np.linalg.LinAlgError, ValueError) as exc:
        result.reason = f"not estimated: the model failed ({type(exc).__name__})"
        return result
    result.family = fitted[1]
    result.rate_ratio, result.lower95, result.upper95, result.p_value = _estimate(
        fitted, "exposure"
    )
    if "slope" in terms:
        result.slope = _estimate(fitted, "slope")
    # Parallel trends: months wholly before the period.
    pre = fit_panel[pd.to_datetime(fit_panel["month"] + "-01") < _month_start(period.start)]
    result.pre_months = int(pre["month"].nunique())
    if result.pre_months >= MIN_PRE_MONTHS:
        pre = pre.assign(trend_gap=pre["inside"] * pre["years"]).reset_index(drop=True)
        pre_offset = np.log(pre["population"]) + np.log(pre["days"])
        try:
            result.pre_trend = _estimate(
                _fit(pre["count"], _design(pre, ["trend_gap"]), pre_offset), "trend_gap"
            )
        except (np.linalg.LinAlgError, ValueError):
            result.pre_trend = None
        sens = fit_panel.assign(trend_gap=fit_panel["inside"] * fit_panel["years"])
        try:
            result.sensitivity = _estimate(
                _fit(sens["count"], _design(sens, terms + ["trend_gap"]), offset), "exposure"
            )
        except (np.linalg.LinAlgError, ValueError):
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
