"""Interrupted time series model of monthly counts: Poisson or negative binomial GLM.

For each main series the monthly count ``y_m`` is modelled as

    log E[y_m] = log(population_m) + log(days_m) + b0 + b1 * years_m + season(month_m)
                 + sum_p log(1 - x_pm + x_pm * RR_p) + sum_p gamma_p * slope_pm

(:mod:`snalib.chapters.trends.design`): ``x_pm`` is the share of month m's days in named period p,
so a step acts on the period's days (fitted by :func:`fit_step_glm`).

**Family, by test.** A Poisson GLM is fitted first and tested for overdispersion: the
Cameron and Trivedi (1990) regression test of the NB2 variance ``mu + alpha mu^2``
(one-sided) and the Pearson chi-squared test. When neither rejects at 5% the Poisson model
is kept; when either does, a negative binomial (NB2) model is fitted: ``alpha`` by maximum
likelihood (statsmodels ``NegativeBinomial``), then the GLM with that ``alpha`` (as R's
``MASS::glm.nb`` reports it), with a small-sample correction: the covariance is scaled by
the NB fit's Pearson chi-squared over its residual degrees of freedom when that exceeds 1,
and intervals and p-values use the t distribution on those degrees of freedom (in
simulations of 84 months the uncorrected 95% intervals covered 89-94%).

**Fallbacks** when a fit does not converge are explicit, recorded in
:attr:`ItsFit.fallbacks` and in the ``model`` column of the effects table:

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

from snalib.chapters.trends.data import is_full_month
from snalib.chapters.trends.design import Design, its_design

#: Below this many events in the whole series no model is fitted.
MIN_EVENTS = 20
#: Below this many months with data (months without data left out) no model is fitted.
MIN_MONTHS_WITH_DATA = 6
#: Overdispersion is declared when the one-sided test's p-value is below this.
DISPERSION_ALPHA = 0.05
Z95 = stats.norm.ppf(0.975)


@dataclass(frozen=True)
class DispersionTest:
    """Tests of a Poisson fit for overdispersion.

    ``alpha`` is the Cameron-Trivedi moment estimate of the NB2 dispersion
    (``Var = mu + alpha mu^2``), ``statistic`` its t statistic and ``p_value`` its
    one-sided p-value (alpha > 0). ``pearson_ratio`` is the Pearson chi-squared over the
    residual degrees of freedom and ``pearson_p`` the upper tail of that chi-squared.
    Overdispersion is declared when either test rejects at 5%: the regression test is the
    more powerful against NB2, the Pearson test catches gross overdispersion in short
    series where the regression test has little power.
    """

    alpha: float
    statistic: float
    p_value: float
    pearson_ratio: float
    pearson_p: float = 1.0

    @property
    def overdispersed(self) -> bool:
        return bool(
            (self.p_value < DISPERSION_ALPHA and self.alpha > 0)
            or self.pearson_p < DISPERSION_ALPHA
        )

    method = "Cameron-Trivedi regression test (NB2, one-sided) or Pearson chi-squared test"


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
    df = df_resid or max(n - 1, 1)
    chi2 = float((((y - mu) ** 2) / mu).sum())
    return DispersionTest(alpha, float(t), p, chi2 / df, float(stats.chi2.sf(chi2, df)))


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
    per_resident: bool = True  # False when the offset has a single population year
    cov_scale: float = 1.0
    months_left_out: list[str] = field(default_factory=list)  # no data: gaps, not zeros

    @property
    def estimated(self) -> bool:
        return self.params is not None

    def counterfactual(self) -> np.ndarray | None:
        """Fitted means without the named periods (their effects removed)."""
        if not self.estimated:
            return None
        return self.fitted * np.exp(-self.interruption_log_effect())

    def interruption_log_effect(self) -> np.ndarray:
        """What the named periods did to each month's mean, on the log scale."""
        x = self.design.matrix
        total = np.zeros(len(x))
        if not self.estimated:
            return total
        for col in self.design.columns_of("step"):
            total += step_multiplier(x[col].to_numpy(), float(self.params[col]))
        for col in self.design.columns_of("slope"):
            total += x[col].to_numpy() * float(self.params[col])
        return total

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


def step_multiplier(exposure: np.ndarray, log_rr: float) -> np.ndarray:
    """Log of the mean multiplier of a month partly in a period: ``log(1 - x + x RR)``."""
    return np.log1p(exposure * np.expm1(log_rr))


#: A step's log rate ratio beyond this has no finite estimate: the period's months hold no
#: events (or nothing else does), and the fit would run to 0 or infinity and break down.
MAX_LOG_RR = 20.0


class StepDiverged(ValueError):
    """A step's rate ratio runs to 0 or infinity (no events during its period)."""

    def __init__(self, column: str) -> None:
        super().__init__(f"the rate ratio of {column} has no finite estimate")
        self.column = column


def fit_step_glm(y, x: pd.DataFrame, offset, family, steps: list[str], **fit_kwargs):
    """A GLM whose step terms act on the *days* in each period, not on whole months.

    A step's column holds the share ``x`` of the month's days in the period (times the
    area share for a local period), so the month's mean is multiplied by ``1 - x + x RR``:
    not log-linear in ``x``. The model is fitted by Gauss-Newton steps, each a GLM fit:
    with ``b`` the current log rate ratio, the step column is replaced by the derivative
    ``d = x RR / (1 - x + x RR)`` of ``log(1 - x + x RR)`` and the offset gains
    ``log(1 - x + x RR) - d b``. The first fit (``b = 0``) is the log-linear coding
    ``RR ** x``; at convergence (coefficients moving by less than 1e-8, a few iterations)
    the score equations are those of the exact model, so the estimates are its maximum
    likelihood estimates and the last fit's standard errors its Fisher information.
    Months wholly inside or outside a period are unchanged (``d = x``).

    Returns the fitted results and the working design of the last fit.
    """
    beta = np.zeros(len(steps))
    work = x.copy()
    start = None
    # Without a column of ones (month fixed effects) statsmodels would look for an
    # implicit constant by SVD on every fit: say there is none (it changes no estimate).
    hasconst = None if "const" in x.columns else False
    for _ in range(50):
        correction = np.zeros(len(y))
        for k, col in enumerate(steps):
            xs = x[col].to_numpy()
            log_mult = step_multiplier(xs, beta[k])
            if not np.isfinite(log_mult).all():
                # The rate ratio runs to 0 (a period wholly without events): no estimate.
                raise StepDiverged(col)
            d = xs * np.exp(beta[k] - log_mult)
            work[col] = d
            correction += log_mult - d * beta[k]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sm.GLM(y, work, family=family, offset=offset + correction, hasconst=hasconst).fit(
                maxiter=100, start_params=start, **fit_kwargs
            )
        if not steps:
            break
        start = res.params.to_numpy()
        new = res.params[steps].to_numpy()
        beyond = np.flatnonzero(np.abs(new) > MAX_LOG_RR)
        if len(beyond):
            raise StepDiverged(steps[beyond[0]])
        if not np.isfinite(new).all() or np.max(np.abs(new - beta)) < 1e-8:
            break
        beta = new
    return res, work


def _ok(res) -> bool:
    return bool(getattr(res, "converged", True)) and bool(np.isfinite(res.params).all())


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
        :func:`snalib.chapters.trends.design.its_design`.
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
    steps = design.columns_of("step")
    try:
        pois, work = fit_step_glm(y, x, offset, sm.families.Poisson(), steps)
        ok = _ok(pois)
    except StepDiverged as exc:
        # Too few events in the period for a rate ratio: fit without it, and say so.
        reason = "not estimated: too few events in this series during the period for a rate ratio"
        return fit_its(y, offset, design.without_period(exc.column, reason), series)
    except (np.linalg.LinAlgError, ValueError) as exc:
        ok, pois, work = False, None, None
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
            f"Poisson GLM (no overdispersion: Cameron-Trivedi p = {test.p_value:.2f}, "
            f"Pearson p = {test.pearson_p:.2f}); seasonality: {design.seasonal}"
        )
    else:
        # alpha by ML on the Poisson fit's working design and offset (its fitted means).
        offset_work = np.log(pois.fittedvalues) - work.to_numpy() @ pois.params.to_numpy()
        alpha = _nb_alpha(y, work, offset_work, pois.params, test.alpha, fit.fallbacks)
        fit.alpha = alpha
        nb = None
        try:
            nb, _ = fit_step_glm(y, x, offset, sm.families.NegativeBinomial(alpha=alpha), steps)
            nb = nb if _ok(nb) else None
        except (np.linalg.LinAlgError, ValueError):
            nb = None
        if nb is not None:
            chosen = nb
            fit.family = "negative binomial"
            # Small-sample correction: alpha's ML estimate is biased down with many
            # parameters, so the covariance is scaled by the NB fit's Pearson dispersion
            # when above 1, and intervals use t on the residual degrees of freedom.
            fit.cov_scale = max(1.0, float(nb.pearson_chi2 / nb.df_resid))
            fit.use_t = True
            fit.model = (
                f"negative binomial GLM (NB2, alpha {alpha:.4f}; overdispersion: "
                f"Cameron-Trivedi p = {test.p_value:.3f}, Pearson p = {test.pearson_p:.3f}); "
                f"seasonality: {design.seasonal}"
            )
        else:
            fit.fallbacks.append(
                "the negative binomial GLM did not converge: quasi-Poisson GLM used instead "
                "(Poisson with the Pearson scale)"
            )
            chosen, _ = fit_step_glm(y, x, offset, sm.families.Poisson(), steps, scale="X2")
            fit.family = "quasi-Poisson"
            fit.use_t = True
            fit.model = (
                f"quasi-Poisson GLM (fallback: overdispersion p = {test.p_value:.3f}, "
                f"negative binomial did not converge); seasonality: {design.seasonal}"
            )
        if fit.fallbacks and fit.family == "negative binomial":
            fit.model += " [fallback: " + "; ".join(fit.fallbacks) + "]"
    fit.params = chosen.params
    fit.cov = chosen.cov_params() * fit.cov_scale
    fit.df_resid = float(chosen.df_resid)
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
    months, a subset of :attr:`TrendData.months`); by default the whole window. Months
    without data (:attr:`TrendData.missing`) are left out of the fit, never counted as 0,
    and listed in :attr:`ItsFit.months_left_out`.
    """
    frame = data.months if months is None else months
    keep = data.months["month"].isin(frame["month"]).to_numpy()
    left_out = data.months.loc[keep & data.missing, "month"].tolist()
    keep = keep & ~data.missing
    frame = data.months[keep]
    full = int(is_full_month(frame).sum())
    mask = data.series_mask(series.key)
    design = its_design(
        frame.reset_index(drop=True),
        data.periods,
        n_full_months=full,
        local_share=local_shares(data, mask),
    )
    if keep.sum() < MIN_MONTHS_WITH_DATA:  # months without data can leave too few
        fit = ItsFit(series.label, design, data.monthly(mask)[keep], its_offset(data)[keep])
        fit.reason = (
            f"not estimated: only {int(keep.sum())} month(s) with data (at least "
            f"{MIN_MONTHS_WITH_DATA} needed)"
        )
    else:
        fit = fit_its(data.monthly(mask)[keep], its_offset(data)[keep], design, series.label)
    fit.per_resident = len(data.population_years) > 1
    fit.months_left_out = left_out
    return fit


def fit_main_series(data) -> list[ItsFit]:
    """The interrupted time series model of every main series of :class:`TrendData`."""
    return [fit_series(data, s) for s in data.main]


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
    """One row per series: family, overdispersion test, Ljung-Box, fallbacks, and the
    months of the window (``months``) the model used (``months_used``) or left out because
    they have no data (``months_left_out``, ``YYYY-MM`` labels)."""
    rows = []
    for f in fits:
        d = f.dispersion
        lb = f.ljung_box or {}
        rows.append(
            {
                "series": f.series,
                "months": len(f.observed) + len(f.months_left_out),
                "months_used": len(f.observed),
                "months_left_out": ", ".join(f.months_left_out),
                "events": float(f.observed.sum()),
                "family": f.family,
                "pearson_dispersion": d.pearson_ratio if d else np.nan,
                "overdispersion_alpha": d.alpha if d else np.nan,
                "overdispersion_p": d.p_value if d else np.nan,
                "pearson_p": d.pearson_p if d else np.nan,
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
