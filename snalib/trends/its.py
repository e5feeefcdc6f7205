"""Interrupted time series model of monthly counts: Poisson or negative binomial GLM.

For each main series the monthly count ``y_m`` is modelled as

    log E[y_m] = log(population_m) + log(days_m) + b0 + b1 * years_m + season(month_m)
                 + sum_p (beta_p * exposure_pm + gamma_p * slope_pm)

(:mod:`snalib.trends.design`). The family is chosen by a documented test: a Poisson GLM
is fitted first, and the Cameron and Trivedi (1990) regression test of the NB2 variance
``mu + alpha mu^2`` decides. Without significant overdispersion (one-sided p >= 0.05) the
Poisson model is kept; with it, a negative binomial (NB2) model is fitted: ``alpha`` by
maximum likelihood (statsmodels ``NegativeBinomial``), then the GLM with that ``alpha``
(as R's ``MASS::glm.nb`` reports it). Fallbacks when a fit does not converge are explicit
and recorded in :attr:`ItsFit.fallbacks` and in the ``model`` column of the effects table:

1. NB maximum likelihood by Newton's method; if it does not converge, by BFGS;
2. if neither converges, ``alpha`` is fixed at the Cameron-Trivedi moment estimate;
3. if the NB GLM still fails, a quasi-Poisson GLM (Poisson with the Pearson scale), which
   keeps the overdispersion in the standard errors;
4. if the Poisson GLM itself fails, the series is reported as not estimated.

References
----------
Cameron AC, Trivedi PK. Regression-based tests for overdispersion in the Poisson model.
Journal of Econometrics 1990;46:347-64.

Bernal JL, Cummins S, Gasparrini A. Interrupted time series regression for the evaluation
of public health interventions: a tutorial. Int J Epidemiol 2017;46:348-55.

Ljung GM, Box GEP. On a measure of lack of fit in time series models. Biometrika
1978;65:297-303.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.diagnostic import acorr_ljungbox

from snalib.trends.design import Design, its_design

#: Below this many events in the whole series no model is fitted.
MIN_EVENTS = 20
#: Overdispersion is declared when the one-sided test's p-value is below this.
DISPERSION_ALPHA = 0.05
Z95 = stats.norm.ppf(0.975)


@dataclass(frozen=True)
class DispersionTest:
    """The Cameron-Trivedi test of Poisson against NB2 overdispersion.

    ``alpha`` is the moment estimate of the NB2 dispersion (``Var = mu + alpha mu^2``),
    ``statistic`` its t statistic, ``p_value`` one-sided (alpha > 0), ``pearson_ratio``
    the Pearson chi-squared over residual degrees of freedom of the Poisson fit.
    """

    alpha: float
    statistic: float
    p_value: float
    pearson_ratio: float

    @property
    def overdispersed(self) -> bool:
        return bool(self.p_value < DISPERSION_ALPHA and self.alpha > 0)

    method = "Cameron-Trivedi regression test (NB2), one-sided"


def overdispersion_test(y, mu, df_resid: int | None = None) -> DispersionTest:
    """Cameron and Trivedi's auxiliary regression test of overdispersion.

    Regress ``((y - mu)^2 - y) / mu`` on ``mu`` without a constant by least squares; the
    slope estimates ``alpha`` in ``Var(y) = mu + alpha mu^2``, and its t statistic tests
    ``alpha = 0`` against ``alpha > 0`` (one-sided, t distribution with n - 1 df).

    Parameters
    ----------
    y, mu
        Observed counts and the fitted means of a Poisson model.
    df_resid
        Residual degrees of freedom of that model (for the Pearson ratio); default n - 1.
    """
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    n = len(y)
    z = ((y - mu) ** 2 - y) / mu
    alpha = float((z * mu).sum() / (mu**2).sum())
    resid = z - alpha * mu
    s2 = float((resid**2).sum() / max(n - 1, 1))
    se = np.sqrt(s2 / (mu**2).sum())
    t = alpha / se if se > 0 else 0.0
    p = float(stats.t.sf(t, df=max(n - 1, 1)))
    pearson = float((((y - mu) ** 2) / mu).sum() / (df_resid or max(n - 1, 1)))
    return DispersionTest(alpha, float(t), p, pearson)


@dataclass
class ItsFit:
    """A fitted (or not estimated) interrupted time series model of one series."""

    series: str
    design: Design
    observed: np.ndarray
    offset: np.ndarray
    family: str = "not estimated"
    model: str = "not estimated"
    fitted: np.ndarray | None = None
    params: pd.Series | None = None
    cov: pd.DataFrame | None = None
    dispersion: DispersionTest | None = None
    alpha: float | None = None
    ljung_box: dict | None = None
    fallbacks: list[str] = field(default_factory=list)
    reason: str = ""
    use_t: bool = False
    df_resid: float = np.inf

    @property
    def estimated(self) -> bool:
        return self.params is not None

    def counterfactual(self) -> np.ndarray | None:
        """Fitted means with every interruption term set to zero (no named period)."""
        if not self.estimated:
            return None
        cols = self.design.columns_of("step") + self.design.columns_of("slope")
        x = self.design.matrix.copy()
        x[cols] = 0.0
        return np.exp(x.to_numpy() @ self.params.to_numpy() + self.offset)

    def interruption_log_effect(self, matrix: pd.DataFrame | None = None) -> np.ndarray:
        """``sum_p beta_p x_pm`` for each month (log scale): what the periods did."""
        cols = self.design.columns_of("step") + self.design.columns_of("slope")
        x = self.design.matrix if matrix is None else matrix
        if not self.estimated or not cols:
            return np.zeros(len(x))
        return x[cols].to_numpy() @ self.params[cols].to_numpy()

    def effects(self) -> pd.DataFrame:
        """One row per term (trend, month, step, slope) and per period not estimated."""
        rows = []
        for term in self.design.terms:
            if term.kind == "season" and not term.column.startswith("month_"):
                continue  # Fourier coefficients are not rate ratios anyone reads
            basis = self._count_basis(term.column)
            row = {
                "series": self.series,
                "term": term.label,
                "term_type": term.kind,
                "period": term.period,
                "unit": term.unit,
                "count_basis": basis,
                "model": self.model,
            }
            if self.estimated:
                b = float(self.params[term.column])
                se = float(np.sqrt(self.cov.loc[term.column, term.column]))
                crit = stats.t.ppf(0.975, self.df_resid) if self.use_t else Z95
                stat = b / se if se > 0 else np.nan
                p = (
                    2 * stats.t.sf(abs(stat), self.df_resid)
                    if self.use_t
                    else 2 * stats.norm.sf(abs(stat))
                )
                row |= {
                    "rate_ratio": np.exp(b),
                    "lower95": np.exp(b - crit * se),
                    "upper95": np.exp(b + crit * se),
                    "p_value": p,
                    "note": "",
                }
            else:
                row |= {
                    "rate_ratio": np.nan,
                    "lower95": np.nan,
                    "upper95": np.nan,
                    "p_value": np.nan,
                    "note": self.reason,
                }
            rows.append(row)
        for skip in self.design.skipped:
            label = "Step" if skip.term == "step" else "Slope change"
            rows.append(
                {
                    "series": self.series,
                    "term": f"{label}: {skip.period}",
                    "term_type": skip.term,
                    "period": skip.period,
                    "unit": "",
                    "count_basis": np.nan,
                    "model": self.model,
                    "rate_ratio": np.nan,
                    "lower95": np.nan,
                    "upper95": np.nan,
                    "p_value": np.nan,
                    "note": skip.reason,
                }
            )
        return pd.DataFrame(rows)

    def _count_basis(self, column: str) -> float:
        """Events the estimate rests on: in the months a period touches, else all."""
        if column.startswith(("step_", "slope_")):
            touched = self.design.matrix[column].to_numpy() != 0
            return float(self.observed[touched].sum())
        return float(self.observed.sum())


def _poisson(y, x, offset):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit(maxiter=100)
    return res


def fit_its(
    y,
    offset,
    design: Design,
    series: str,
) -> ItsFit:
    """Fit the interrupted time series model of one monthly series (module docstring).

    Parameters
    ----------
    y
        Monthly counts (zeros included), in the order of the design's rows.
    offset
        ``log(population) + log(days)`` per month.
    design
        :func:`snalib.trends.design.its_design`.
    series
        Label of the series, for the tables.
    """
    y = np.asarray(y, dtype=float)
    offset = np.asarray(offset, dtype=float)
    fit = ItsFit(series=series, design=design, observed=y, offset=offset)
    x = design.matrix
    if y.sum() < MIN_EVENTS:
        fit.reason = f"not estimated: fewer than {MIN_EVENTS} events in the whole series"
        return fit
    if not np.isfinite(offset).all():
        fit.reason = "not estimated: no population for some months"
        return fit
    try:
        pois = _poisson(y, x, offset)
        ok = bool(getattr(pois, "converged", True)) and np.isfinite(pois.params).all()
    except (np.linalg.LinAlgError, ValueError) as exc:
        ok, pois = False, None
        fit.fallbacks.append(f"Poisson GLM failed ({type(exc).__name__})")
    if not ok:
        fit.reason = "not estimated: the Poisson GLM did not converge"
        fit.model = "not estimated (Poisson GLM did not converge)"
        return fit
    test = overdispersion_test(y, pois.fittedvalues, int(pois.df_resid))
    fit.dispersion = test
    fit.df_resid = float(pois.df_resid)
    chosen = pois
    if not test.overdispersed:
        fit.family = "Poisson"
        fit.model = (
            f"Poisson GLM (no overdispersion: Cameron-Trivedi p = {test.p_value:.2f}); "
            f"seasonality: {design.seasonal}"
        )
    else:
        alpha = _nb_alpha(y, x, offset, pois.params, test.alpha, fit.fallbacks)
        fit.alpha = alpha
        nb = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nb = sm.GLM(
                    y, x, family=sm.families.NegativeBinomial(alpha=alpha), offset=offset
                ).fit(maxiter=100)
            if not (bool(getattr(nb, "converged", True)) and np.isfinite(nb.params).all()):
                nb = None
        except (np.linalg.LinAlgError, ValueError):
            nb = None
        if nb is not None:
            chosen = nb
            fit.family = "negative binomial"
            fit.model = (
                f"negative binomial GLM (NB2, alpha {alpha:.4f}; overdispersion: "
                f"Cameron-Trivedi p = {test.p_value:.3f}); seasonality: {design.seasonal}"
            )
        else:
            fit.fallbacks.append(
                "the negative binomial GLM did not converge: quasi-Poisson GLM used instead "
                "(Poisson with the Pearson scale)"
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                chosen = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit(scale="X2")
            fit.family = "quasi-Poisson"
            fit.use_t = True
            fit.model = (
                f"quasi-Poisson GLM (fallback: overdispersion p = {test.p_value:.3f}, "
                f"negative binomial did not converge); seasonality: {design.seasonal}"
            )
        if fit.fallbacks and fit.family == "negative binomial":
            fit.model += " [fallback: " + "; ".join(fit.fallbacks) + "]"
    fit.params = chosen.params
    fit.cov = chosen.cov_params()
    fit.fitted = np.asarray(chosen.fittedvalues, dtype=float)
    fit.ljung_box = ljung_box(chosen.resid_pearson)
    return fit


def _nb_alpha(y, x, offset, start, alpha0: float, fallbacks: list[str]) -> float:
    """NB2 ``alpha`` by maximum likelihood (Newton, then BFGS), else the moment estimate."""
    start_params = np.append(np.asarray(start, dtype=float), max(alpha0, 1e-3))
    for method, maxiter in (("newton", 100), ("bfgs", 2000)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = sm.NegativeBinomial(y, x, offset=offset, loglike_method="nb2").fit(
                    start_params=start_params, method=method, maxiter=maxiter, disp=0
                )
            alpha = float(res.params.iloc[-1])
            if res.mle_retvals.get("converged", False) and np.isfinite(alpha) and alpha > 0:
                if method != "newton":
                    fallbacks.append("NB maximum likelihood converged only with BFGS")
                return alpha
        except (np.linalg.LinAlgError, ValueError):
            pass
    fallbacks.append(
        f"NB maximum likelihood did not converge (Newton, BFGS): alpha fixed at the "
        f"Cameron-Trivedi moment estimate {max(alpha0, 1e-4):.4f}"
    )
    return max(alpha0, 1e-4)


def ljung_box(residuals, lags: int | None = None) -> dict:
    """Ljung-Box test of residual autocorrelation up to ``lags`` (default 12, or n/5)."""
    r = np.asarray(residuals, dtype=float)
    n = len(r)
    if lags is None:
        lags = 12 if n >= 60 else max(1, n // 5)
    if n <= lags + 1:
        return {"lags": lags, "statistic": np.nan, "p_value": np.nan}
    table = acorr_ljungbox(r, lags=[lags])
    return {
        "lags": int(lags),
        "statistic": float(table["lb_stat"].iloc[0]),
        "p_value": float(table["lb_pvalue"].iloc[0]),
    }


# --------------------------------------------------------------------------- whole chapter


def local_shares(data, mask: np.ndarray) -> dict[str, float]:
    """For each period with ``area_codes``: the share of the series inside the area.

    The share is of events with a known area in the 12 months before the period (all
    months before it when there are fewer), so that the period itself does not change it.
    """
    out = {}
    dates = pd.to_datetime(data.events["month"] + "-01")
    known = data.known_area() & mask
    for period in data.periods:
        if not period.area_codes:
            continue
        start = pd.Timestamp(period.start)
        before = (dates < start.to_period("M").to_timestamp()) & (
            dates >= (start - pd.DateOffset(months=12)).to_period("M").to_timestamp()
        )
        base = known & before.to_numpy()
        if base.sum() == 0:
            base = known & (dates < start).to_numpy()
        inside = data.inside(period.area_codes)
        out[period.name] = float(inside[base].mean()) if base.sum() else 0.0
    return out


def its_offset(data) -> np.ndarray:
    """``log(population) + log(days)`` of each month of the whole area."""
    with np.errstate(divide="ignore"):
        return np.log(data.population_by_month()) + np.log(data.months["days"].to_numpy(float))


def fit_series(data, series, months: pd.DataFrame | None = None) -> ItsFit:
    """The interrupted time series model of one main series (:class:`MainSeries`).

    ``months`` restricts the fit to some months of the window (a backtest's training
    months, a subset of :attr:`TrendData.months`); by default the whole window.
    """
    frame = data.months if months is None else months
    keep = data.months["month"].isin(frame["month"]).to_numpy()
    full = int((frame["days"].to_numpy() == _days_in_month(frame)).sum())
    mask = data.series_mask(series.key)
    design = its_design(
        frame.reset_index(drop=True),
        data.periods,
        n_full_months=full,
        local_share=local_shares(data, mask),
    )
    return fit_its(data.monthly(mask)[keep], its_offset(data)[keep], design, series.label)


def fit_main_series(data) -> list[ItsFit]:
    """The interrupted time series model of every main series of :class:`TrendData`."""
    return [fit_series(data, s) for s in data.main]


def _days_in_month(frame: pd.DataFrame) -> np.ndarray:
    return np.asarray(pd.PeriodIndex(frame["month"], freq="M").days_in_month)


def effects_table(fits: list[ItsFit]) -> pd.DataFrame:
    """``tables/trend_effects.csv``: every term of every model, as rate ratios."""
    columns = [
        "series",
        "term",
        "term_type",
        "period",
        "rate_ratio",
        "lower95",
        "upper95",
        "p_value",
        "unit",
        "count_basis",
        "model",
        "note",
    ]
    frames = [f.effects() for f in fits]
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def diagnostics_table(fits: list[ItsFit]) -> pd.DataFrame:
    """One row per series: family, overdispersion test, Ljung-Box, fallbacks."""
    rows = []
    for f in fits:
        d = f.dispersion
        lb = f.ljung_box or {}
        rows.append(
            {
                "series": f.series,
                "months": len(f.observed),
                "events": float(f.observed.sum()),
                "family": f.family,
                "pearson_dispersion": d.pearson_ratio if d else np.nan,
                "overdispersion_alpha": d.alpha if d else np.nan,
                "overdispersion_p": d.p_value if d else np.nan,
                "nb_alpha": f.alpha if f.alpha is not None else np.nan,
                "ljung_box_lags": lb.get("lags", np.nan),
                "ljung_box_statistic": lb.get("statistic", np.nan),
                "ljung_box_p": lb.get("p_value", np.nan),
                "seasonality": f.design.seasonal,
                "fallbacks": "; ".join(f.fallbacks) if f.fallbacks else "none",
                "note": f.reason,
            }
        )
    return pd.DataFrame(rows)
