"""Interrupted time series model of monthly counts: a count GLM with honest intervals.

For each main series the monthly count ``y_m`` is modelled as

    log E[y_m] = log(population_m) + log(days_m) + b0 + b1 * years_m + season(month_m)
                 + sum_p log(1 - x_pm + x_pm * RR_p) + sum_p gamma_p * slope_pm

(:mod:`snalib.chapters.trends.design`): ``x_pm`` is the share of month m's days in named period p,
so a step acts on the period's days (fitted by :func:`fit_step_glm`).

**Family: overdispersion is always allowed for, never chosen by a test.** A pre-test that
keeps a Poisson model when it does not reject leaves the intervals conditional on a
non-rejection, and too narrow when the test lacks power (short series, modest
overdispersion). So :func:`fit_counts` estimates the NB2 dispersion ``alpha``
(``Var = mu + alpha mu^2``) and uses it whatever its size:

1. a Poisson GLM is fitted; the Cameron and Trivedi (1990) moment estimate of ``alpha``
   is computed from it (with its test and the Pearson test, which are reported as
   diagnostics and decide nothing);
2. when that estimate is 0 or below (no sign of variation beyond Poisson), ``alpha = 0``:
   the Poisson GLM is kept;
3. otherwise ``alpha`` is estimated by maximum likelihood (statsmodels ``NegativeBinomial``)
   and the NB2 GLM with that ``alpha`` is fitted (as R's ``MASS::glm.nb`` reports it);
4. whatever the family, the covariance is scaled by ``phi = max(1, Pearson dispersion)``
   (:mod:`snalib.chapters.trends.serial`): a series that varies no more than Poisson gets
   Poisson-width intervals, an overdispersed one (or one whose ``alpha`` is underestimated)
   is never understated.

**Serial correlation is always allowed for.** The covariance assumes AR(1) correlation of
the Pearson residuals between months, with the correlation estimated from the residuals
and corrected for the fitted terms (0 when they show none), and intervals use the t
distribution on Satterthwaite degrees of freedom
(:func:`snalib.chapters.trends.serial.ar1_covariance`). The Ljung-Box test is reported as
a diagnostic; like the overdispersion tests, it decides nothing, because applying the
correction only when a test rejects would leave the intervals too narrow whenever the test
missed a real correlation (in simulations of 84 months with rho = 0.3, often). Newey-West
(HAC) standard errors were tried and rejected: for a period of a few months they rest on
those months' residuals alone and covered far less than 95% (docs/methods.md, section 8).
The step terms' exposure coding is kept: the covariance is computed from the working
design of the last Gauss-Newton fit, which is the derivative of ``log mu`` with respect to
each coefficient.

**Missing months** (NaN counts: a public-data month with no file) are left out of the fit;
the correlation between months uses their calendar distance, so the months either side of a
gap are two months apart, not neighbours. The fitted line is still drawn through them.

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
from snalib.chapters.trends.design import MONTH_NAMES, Design, its_design, season_basis
from snalib.chapters.trends.serial import SerialCovariance, ar1_covariance, t_interval

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
    :attr:`overdispersed` says whether either test rejects at 5% (the regression test is
    the more powerful against NB2, the Pearson test catches gross overdispersion in short
    series). Both are reported as diagnostics only: the model allows for overdispersion
    whatever they say (module docstring).
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
    """A fitted (or not estimated) interrupted time series model of one series.

    ``observed`` holds every month of the design (NaN for a missing month); the model is
    fitted to the others (:attr:`months_used`). ``fitted`` is the model's mean for every
    month, missing ones included.
    """

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
    use_t: bool = True
    df_resid: float = np.inf
    per_resident: bool = True  # False when the offset has a single population year
    cov_scale: float = 1.0
    months_left_out: list[str] = field(default_factory=list)  # no data: gaps, not zeros
    serial: SerialCovariance | None = None
    jacobian: pd.DataFrame | None = None  # d log mu / d b in the months used

    @property
    def estimated(self) -> bool:
        return self.params is not None

    @property
    def months_used(self) -> int:
        """Months the model is fitted to: those with a count (not missing)."""
        return int(np.isfinite(self.observed).sum())

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

    def df_of(self, contrast) -> float:
        """Degrees of freedom of the t distribution for a coefficient (its name) or a
        linear combination of coefficients (serial.SerialCovariance.df)."""
        if self.serial is None:
            return self.df_resid
        if isinstance(contrast, str):
            return self.serial.df_of(contrast)
        return self.serial.df(contrast)

    def estimate(self, column: str) -> dict:
        """Rate ratio, 95% interval and p-value of one coefficient (t on :meth:`df_of`)."""
        b = float(self.params[column])
        se = float(np.sqrt(self.cov.loc[column, column]))
        lo, hi, p = t_interval(b, se, self.df_of(column))
        return {"rate_ratio": np.exp(b), "lower95": np.exp(lo), "upper95": np.exp(hi), "p": p}

    def season_test(self) -> dict | None:
        """One joint Wald test of all the seasonal terms (no seasonality: all zero).

        ``F = b' Cov^-1 b / k`` on ``k`` and ``df2`` degrees of freedom, ``df2`` the
        smallest of the seasonal terms' degrees of freedom (conservative). None when the
        model has no seasonal terms or was not estimated.
        """
        cols = self.design.columns_of("season")
        if not self.estimated or not cols:
            return None
        b = self.params[cols].to_numpy(dtype=float)
        cov = self.cov.loc[cols, cols].to_numpy(dtype=float)
        k = len(cols)
        f = float(b @ np.linalg.pinv(cov) @ b / k)
        df2 = min(self.df_of(c) for c in cols)
        return {"f": f, "df1": k, "df2": df2, "p": float(stats.f.sf(f, k, df2))}

    def season_profile(self) -> pd.DataFrame:
        """The seasonal pattern of the model: each calendar month's rate against the
        average month (geometric mean of the twelve), with its 95% interval.

        Empty when the model has no seasonal terms or was not estimated.
        """
        cols = self.design.columns_of("season")
        if not self.estimated or not cols:
            return pd.DataFrame()
        basis = season_basis(cols)
        contrasts = basis - basis.mean(axis=0)
        where = [self.params.index.get_loc(c) for c in cols]
        b = self.params[cols].to_numpy(dtype=float)
        cov = self.cov.loc[cols, cols].to_numpy(dtype=float)
        rows = []
        for m, d in enumerate(contrasts):
            full = np.zeros(len(self.params))
            full[where] = d
            est = float(d @ b)
            se = float(np.sqrt(max(d @ cov @ d, 0.0)))
            lo, hi, _ = t_interval(est, se, self.df_of(full))
            rows.append(
                {
                    "series": self.series,
                    "month": MONTH_NAMES[m],
                    "rate_ratio": np.exp(est),
                    "lower95": np.exp(lo),
                    "upper95": np.exp(hi),
                    "count_basis": float(np.nansum(self.observed)),
                    "seasonality": self.design.seasonal,
                }
            )
        return pd.DataFrame(rows)

    def effects(self) -> pd.DataFrame:
        """One row per term (trend, month, step, slope) and per period not estimated.

        Month terms are parts of one seasonal profile, not tests: their p-value is left
        empty, and the note points to the joint test (:meth:`season_test`).
        """
        rows = []
        joint = self.season_test()
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
                est = self.estimate(term.column)
                note = ""
                p = est["p"]
                if term.kind == "season":
                    p = np.nan
                    note = SEASON_NOTE.format(k=joint["df1"], f=joint["f"], p=_p_words(joint["p"]))
                row |= {
                    "rate_ratio": est["rate_ratio"],
                    "lower95": est["lower95"],
                    "upper95": est["upper95"],
                    "p_value": p,
                    "note": note,
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
            return float(np.nansum(self.observed[touched]))
        return float(np.nansum(self.observed))


#: The note of a month term in the effects table: it is part of a profile, not a test.
SEASON_NOTE = (
    "part of the seasonal profile (tables/trend_model_season.csv), not a test on its own: "
    "the {k} seasonal terms are tested jointly (F = {f:.1f}, {p})"
)


def _p_words(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


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


class FitFailed(ValueError):
    """The Poisson GLM itself did not converge: the series is not estimated."""


@dataclass
class CountFit:
    """A count GLM fitted by :func:`fit_counts`, with its covariance and how it was made."""

    params: pd.Series
    jacobian: pd.DataFrame
    mu: np.ndarray
    family: str
    alpha: float
    dispersion: DispersionTest
    serial: SerialCovariance
    df_resid: float
    fallbacks: list[str]

    @property
    def variance(self) -> np.ndarray:
        return self.mu + self.alpha * self.mu**2

    def family_words(self) -> str:
        """The family and how its variance was chosen, for the ``model`` column."""
        d = self.dispersion
        scale = f"scale {self.serial.phi:.2f}"
        if self.family == "negative binomial":
            return f"negative binomial GLM (NB2, alpha {self.alpha:.4f}; {scale}"
        if self.family == "Poisson":
            return (
                f"Poisson GLM (no variation beyond Poisson estimated: Cameron-Trivedi alpha "
                f"{d.alpha:.4f}; {scale}"
            )
        return f"quasi-Poisson GLM (fallback: the negative binomial GLM did not converge; {scale}"

    def covariance_words(self) -> str:
        """Short words for the ``model`` column: what the standard errors allow for."""
        if self.serial.rho > 0:
            return f"AR(1) serial correlation {self.serial.rho:.2f}"
        return "no serial correlation found"


def fit_counts(y, x: pd.DataFrame, offset, steps: list[str], time, group=None) -> CountFit:
    """A count GLM that always allows for overdispersion and serial correlation.

    The family and covariance of the module docstring: Poisson GLM; ``alpha`` = 0 when
    its Cameron-Trivedi moment estimate is not positive, else by NB maximum likelihood
    (with the fallbacks); the GLM with that variance; the covariance of
    :func:`snalib.chapters.trends.serial.ar1_covariance` (scale at least 1, AR(1) serial
    correlation within each ``group``, by calendar ``time``).

    Parameters
    ----------
    y, x, offset
        Counts, design and offset of the observed months (no missing value).
    steps
        Columns of ``x`` that are step terms (:func:`fit_step_glm`).
    time
        Month of each row as an integer (:meth:`Design.month_numbers`).
    group
        Series of each row (a difference-in-differences' two areas); None: one series.

    Raises
    ------
    StepDiverged
        A step's rate ratio runs to 0 or infinity.
    FitFailed
        The Poisson GLM did not converge.
    """
    y = np.asarray(y, dtype=float)
    offset = np.asarray(offset, dtype=float)
    fallbacks: list[str] = []
    try:
        pois, work = fit_step_glm(y, x, offset, sm.families.Poisson(), steps)
    except (np.linalg.LinAlgError, ValueError) as exc:
        if isinstance(exc, StepDiverged):
            raise
        raise FitFailed(f"the Poisson GLM failed ({type(exc).__name__})") from exc
    if not _ok(pois):
        raise FitFailed("the Poisson GLM did not converge")
    test = overdispersion_test(y, pois.fittedvalues, int(pois.df_resid))
    chosen, family, alpha = pois, "Poisson", 0.0
    if test.alpha > 0:
        # alpha by ML on the Poisson fit's working design and offset (its fitted means).
        offset_work = np.log(pois.fittedvalues) - work.to_numpy() @ pois.params.to_numpy()
        alpha = _nb_alpha(y, work, offset_work, pois.params, test.alpha, fallbacks)
        nb = None
        try:
            nb, nb_work = fit_step_glm(
                y, x, offset, sm.families.NegativeBinomial(alpha=alpha), steps
            )
            nb = nb if _ok(nb) else None
        except (np.linalg.LinAlgError, ValueError):
            nb = None
        if nb is not None:
            chosen, work, family = nb, nb_work, "negative binomial"
        else:
            fallbacks.append(
                "the negative binomial GLM did not converge: quasi-Poisson GLM used instead "
                "(Poisson with the Pearson scale)"
            )
            family, alpha = "quasi-Poisson", 0.0
    mu = np.asarray(chosen.fittedvalues, dtype=float)
    serial = ar1_covariance(work, mu, mu + alpha * mu**2, y, time, group)
    return CountFit(
        params=chosen.params,
        jacobian=work,
        mu=mu,
        family=family,
        alpha=alpha,
        dispersion=test,
        serial=serial,
        df_resid=float(chosen.df_resid),
        fallbacks=fallbacks,
    )


def log_mean(x: pd.DataFrame, params: pd.Series, steps: list[str], offset) -> np.ndarray:
    """``log mu`` of every row of a design, with the step terms' exposure coding."""
    linear = [c for c in x.columns if c not in steps]
    total = x[linear].to_numpy(dtype=float) @ params[linear].to_numpy(dtype=float)
    for col in steps:
        total = total + step_multiplier(x[col].to_numpy(dtype=float), float(params[col]))
    return total + np.asarray(offset, dtype=float)


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
        Monthly counts (zeros included; NaN for a missing month, left out of the fit), in
        the order of the design's rows.
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
    used = np.isfinite(y)
    if np.nansum(y) < MIN_EVENTS:
        fit.reason = f"not estimated: fewer than {MIN_EVENTS} events in the whole series"
        return fit
    if not np.isfinite(offset[used]).all():
        fit.reason = "not estimated: no population for some months"
        return fit
    x = design.matrix
    for col in design.columns_of("step"):
        if not (x.loc[used, col] != 0).any():
            reason = "not estimated: every month of the period is missing"
            return fit_its(y, offset, design.without_period(col, reason), series)
    steps = design.columns_of("step")
    try:
        counts = fit_counts(
            y[used],
            x[used].reset_index(drop=True),
            offset[used],
            steps,
            design.month_numbers()[used],
        )
    except StepDiverged as exc:
        # Too few events in the period for a rate ratio: fit without it, and say so.
        reason = "not estimated: too few events in this series during the period for a rate ratio"
        return fit_its(y, offset, design.without_period(exc.column, reason), series)
    except FitFailed as exc:
        fit.fallbacks.append(str(exc))
        fit.reason = "not estimated: the Poisson GLM did not converge"
        fit.model = "not estimated (Poisson GLM did not converge)"
        return fit
    fit.dispersion = counts.dispersion
    fit.family = counts.family
    fit.alpha = counts.alpha if counts.family == "negative binomial" else None
    fit.fallbacks += counts.fallbacks
    fit.params = counts.params
    fit.cov = counts.serial.cov
    fit.serial = counts.serial
    fit.cov_scale = counts.serial.phi
    fit.df_resid = counts.df_resid
    fit.jacobian = counts.jacobian
    fit.fitted = np.exp(log_mean(x, counts.params, steps, offset))
    fit.ljung_box = ljung_box((y[used] - counts.mu) / np.sqrt(counts.variance))
    fit.model = (
        f"{counts.family_words()}; {counts.covariance_words()}); seasonality: {design.seasonal}"
    )
    if fit.fallbacks and counts.family == "negative binomial":
        fit.model += " [fallback: " + "; ".join(fit.fallbacks) + "]"
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
    """One row per series: family, overdispersion, serial correlation, seasonality, fallbacks.

    ``months`` counts the months of the window the model covers, ``months_used`` those it
    was fitted to and ``months_left_out`` lists the months without data left out
    (``YYYY-MM``). The overdispersion tests and the Ljung-Box test are diagnostics: the
    model allows for overdispersion (``scale``, ``nb_alpha``) and serial correlation
    (``serial_correlation``) whatever they say. ``standard_errors`` says in words what the
    intervals allow for; ``seasonality_*`` is the one joint test of the seasonal terms.
    """
    rows = []
    for f in fits:
        d = f.dispersion
        lb = f.ljung_box or {}
        s = f.serial
        joint = f.season_test() or {}
        rows.append(
            {
                "series": f.series,
                "months": len(f.observed) + len(f.months_left_out),
                "months_used": f.months_used,
                "months_left_out": ", ".join(f.months_left_out),
                "events": float(np.nansum(f.observed)),
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
                "scale": s.phi if s else np.nan,
                "lag1_correlation": s.lag1 if s else np.nan,
                "serial_correlation": s.rho if s else np.nan,
                "extra_poisson_share": s.share if s else np.nan,
                "standard_errors": s.words() if s else "",
                "seasonality_f": joint.get("f", np.nan),
                "seasonality_df1": joint.get("df1", np.nan),
                "seasonality_df2": joint.get("df2", np.nan),
                "seasonality_p": joint.get("p", np.nan),
            }
        )
    return pd.DataFrame(rows)


def season_table(fits: list[ItsFit]) -> pd.DataFrame:
    """``tables/trend_model_season.csv``: each model's seasonal profile (month rows)."""
    columns = [
        "series",
        "month",
        "rate_ratio",
        "lower95",
        "upper95",
        "count_basis",
        "seasonality",
    ]
    frames = [f.season_profile() for f in fits]
    frames = [f for f in frames if not f.empty]
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )
