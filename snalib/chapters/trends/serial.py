"""Standard errors of the monthly count models that allow for serial correlation.

Monthly crime counts vary more than a Poisson model allows (overdispersion), and a month
that is high for reasons the model does not know (a hot summer, a feud, a recording push)
tends to be followed by another high month (serial correlation). Both make naive intervals
too narrow. The trend model (:mod:`snalib.chapters.trends.its`) and the
difference-in-differences (:mod:`snalib.chapters.trends.did`) estimate their coefficients
by a GLM as if months were independent (a consistent estimate when they are not), and take
their covariance from :func:`ar1_covariance`, which assumes the Pearson residuals
``r_t = (y_t - mu_t) / sqrt(V(mu_t))`` of one series have variance ``phi`` and correlation
``rho ** |t - s|`` between months ``t`` and ``s`` (AR(1), by calendar distance, so a
missing month is a gap of two):

    Cov(b) = phi A^-1 (Js' R Js) A^-1,   A = Js' Js,   Js = diag(sqrt(w)) J,

with ``J`` the derivative of ``log mu`` with respect to the coefficients (the design
matrix, or its working form for the step terms), ``w = mu^2 / V(mu)`` the GLM weights and
``R`` the AR(1) correlation matrix. With ``rho = 0`` and ``phi = 1`` this is the GLM's own
covariance. This is the covariance of a GLM estimate under a latent stationary process
(Zeger 1988; Davis, Dunsmuir and Wang 2000) with the autocorrelation written as AR(1).

**Estimating rho and phi without the small-sample bias.** Residuals of a model with some
20 coefficients fitted to 60-84 months are less correlated than the errors (the trend,
season and period terms soak up part of any slow wandering), so the plain lag-1
correlation of the residuals underestimates ``rho``. Here ``rho`` is the value at which
the lag-1 correlation the residuals *would* have, ``E[r' L r] / E[r' r]`` with
``r = M e``, ``M = I - H`` (``H`` the weighted hat matrix) and ``Cov(e) = phi R(rho)``,
equals the observed one: a moment estimator corrected for the fitted coefficients. It is
kept between 0 and 0.95: a negative lag-1 correlation gives 0, so the intervals are never
narrower than for independent months. ``phi = max(1, r'r / tr(M R M))``: the Pearson
dispersion on its effective degrees of freedom, at least 1, so that a series that varies no
more than Poisson keeps Poisson-width intervals and an overdispersed one is never
understated.

**Degrees of freedom.** Intervals and tests use the t distribution on Satterthwaite degrees
of freedom that allow for both estimated quantities: ``phi``'s (``tr(MR)^2 / tr(MRMR)``,
which is ``n - p`` for independent months) and ``rho``'s (the delta method, with the
variance of the lag-1 correlation ``(1 - r1^2) / pairs`` carried through the bias
correction). A coefficient whose variance depends strongly on ``rho`` (a long period, the
trend) gets fewer degrees of freedom than a short one.

Newey-West (HAC) standard errors were tried first and rejected: for a named period a few
months long they rest on the residuals of those months alone, and in simulations their 95%
intervals covered a lockdown's rate ratio in only 55-75% of series (docs/methods.md,
section 8).

References
----------
Zeger SL. A regression model for time series of counts. Biometrika 1988;75:621-9.

Davis RA, Dunsmuir WTM, Wang Y. On autocorrelation in a Poisson regression model.
Biometrika 2000;87:491-505.

Satterthwaite FE. An approximate distribution of estimates of variance components.
Biometrics Bulletin 1946;2:110-4.

Newey WK, West KD. A simple, positive semi-definite, heteroskedasticity and
autocorrelation consistent covariance matrix. Econometrica 1987;55:703-8.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, stats

#: The largest serial correlation used: beyond it R is close to singular and the month
#: count of a 5-year series carries almost no information on it.
RHO_MAX = 0.95
#: Step of the numerical derivative of a variance with respect to rho.
_H = 0.01


@dataclass
class SerialCovariance:
    """The covariance of a count GLM's coefficients allowing for AR(1) serial correlation.

    Attributes
    ----------
    cov
        Covariance of the coefficients (``phi A^-1 Js'R Js A^-1``).
    rho
        Serial correlation used (0 to :data:`RHO_MAX`), corrected for the fitted terms.
    lag1
        The plain lag-1 correlation of the Pearson residuals (pairs of consecutive
        months), before the correction; NaN with no pair.
    phi
        Scale: Pearson dispersion on its effective degrees of freedom, at least 1.
    pearson_dispersion
        ``r'r / tr(M R M)`` before the floor at 1.
    pairs
        Pairs of consecutive observed months (per group) the correlation rests on.
    df_scale
        Satterthwaite degrees of freedom of ``phi``.
    var_rho
        Approximate variance of ``rho`` (delta method through the bias correction).
    """

    cov: pd.DataFrame
    rho: float
    lag1: float
    phi: float
    pearson_dispersion: float
    pairs: int
    df_scale: float
    var_rho: float
    _cov_up: np.ndarray  # the covariance at rho + h (same phi), for degrees of freedom

    def df(self, contrast) -> float:
        """Satterthwaite degrees of freedom of a linear combination ``contrast @ b``.

        ``2 / (2 / df_scale + (d log v / d rho)^2 Var(rho))``: the variance's relative
        uncertainty from ``phi`` plus that from ``rho``.
        """
        c = np.asarray(contrast, dtype=float)
        v = float(c @ self.cov.to_numpy() @ c)
        v_up = float(c @ self._cov_up @ c)
        if not (v > 0 and v_up > 0):
            return float(self.df_scale)
        dlog = (np.log(v_up) - np.log(v)) / _H
        return float(2 / (2 / self.df_scale + dlog**2 * self.var_rho))

    def df_of(self, column: str) -> float:
        """Degrees of freedom of one coefficient."""
        c = (self.cov.columns == column).astype(float)
        return self.df(c)

    def words(self) -> str:
        """What the standard errors allow for, in the chapter's words."""
        if self.pairs == 0:
            return (
                "standard errors as for independent months (no two consecutive months "
                "to estimate serial correlation)"
            )
        if self.rho <= 0:
            return (
                f"standard errors as for independent months: the residuals show no positive "
                f"serial correlation (lag-1 correlation {self.lag1:.2f})"
            )
        return (
            f"standard errors allow for serial correlation of the residuals (AR(1), "
            f"correlation between consecutive months {self.rho:.2f}, corrected for the "
            f"fitted terms from a lag-1 correlation of {self.lag1:.2f})"
        )


def _lags(time, group) -> np.ndarray:
    """Calendar distance in months between observations of the same group (inf otherwise)."""
    t = np.asarray(time, dtype=float)
    lag = np.abs(t[:, None] - t[None, :])
    if group is not None:
        g = np.asarray(group)
        lag = np.where(g[:, None] == g[None, :], lag, np.inf)
    return lag


def _correlation(rho: float, lag: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", under="ignore"):
        return np.where(np.isfinite(lag), float(rho) ** np.where(np.isfinite(lag), lag, 0), 0.0)


def ar1_covariance(
    jacobian, mu, variance, y, time, group=None, *, rho: float | None = None
) -> SerialCovariance:
    """The covariance of a log-link GLM's coefficients under AR(1) Pearson residuals.

    Parameters
    ----------
    jacobian
        ``d log mu / d b`` at the estimate (n x p, a DataFrame whose columns name the
        coefficients): the design matrix, or the working design of
        :func:`snalib.chapters.trends.its.fit_step_glm`.
    mu, variance
        Fitted means and the variance function at them (``mu`` for Poisson,
        ``mu + alpha mu^2`` for NB2).
    y
        Observed counts (no missing values: leave missing months out before).
    time
        Month of each observation as an integer (consecutive months differ by 1), so that
        a missing month is a gap, not a neighbour.
    group
        Series each observation belongs to (the two areas of a difference-in-differences);
        observations of different groups are uncorrelated. None: one series.
    rho
        A known serial correlation to use instead of the estimate (simulations).

    Returns
    -------
    SerialCovariance
    """
    cols = list(jacobian.columns)
    J = np.asarray(jacobian, dtype=float)
    mu = np.asarray(mu, dtype=float)
    V = np.asarray(variance, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(y)
    r = (y - mu) / np.sqrt(V)
    Js = J * np.sqrt(mu**2 / V)[:, None]
    A_inv = np.linalg.pinv(Js.T @ Js)
    M = np.eye(n) - Js @ A_inv @ Js.T
    lag = _lags(time, group)
    L = (lag == 1).astype(float)
    pairs = int(L.sum() // 2)

    def quad(R):
        MRM = M @ R @ M
        return MRM, float(np.trace(MRM))

    if pairs:
        lag1 = float((r @ L @ r / (2 * pairs)) / (r @ r / n))

        N = M @ L @ M / (2 * pairs)  # r'Lr/(2 pairs) = e'Ne
        D = M / n  # r'r/n = e'De (M is idempotent)

        def expected_lag1(rho: float) -> float:
            R_ = _correlation(rho, lag)
            NR, DR = N @ R_, D @ R_
            en, ed = np.trace(NR), np.trace(DR)
            # E[N/D] to second order (Gaussian quadratic forms), not E[N]/E[D]: the ratio's
            # own bias is of the same order as the fitted terms' (a few hundredths).
            var_d = 2 * np.sum(DR * DR.T)
            cov_nd = 2 * np.sum(NR * DR.T)
            return float(en / ed - cov_nd / ed**2 + en * var_d / ed**3)

        low, high = expected_lag1(0.0), expected_lag1(RHO_MAX)
        if rho is not None:
            pass
        elif lag1 <= low:
            rho = 0.0
        elif lag1 >= high:
            rho = RHO_MAX
        else:
            rho = float(optimize.brentq(lambda q: expected_lag1(q) - lag1, 0.0, RHO_MAX, xtol=1e-5))
        at = min(rho, RHO_MAX - _H)
        slope = (expected_lag1(at + _H) - expected_lag1(at)) / _H
        var_rho = (1 - min(lag1**2, 0.99)) / pairs / max(slope, 1e-6) ** 2
    else:
        lag1, rho, var_rho = np.nan, rho or 0.0, 0.0
    R = _correlation(rho, lag)
    _, tr = quad(R)
    MR = M @ R
    df_scale = float(np.trace(MR) ** 2 / np.sum(MR * MR.T))
    dispersion = float(r @ r / tr)
    phi = max(1.0, dispersion)

    def sandwich(R_):
        return phi * A_inv @ (Js.T @ R_ @ Js) @ A_inv

    cov = pd.DataFrame(sandwich(R), index=cols, columns=cols)
    cov_up = sandwich(_correlation(min(rho + _H, 0.999), lag))
    return SerialCovariance(cov, rho, lag1, phi, dispersion, pairs, df_scale, var_rho, cov_up)


def newey_west_covariance(jacobian, params, mu, y, alpha: float, maxlags: int) -> pd.DataFrame:
    """Newey-West (HAC, Bartlett kernel) covariance of the same GLM estimate.

    Not used by the chapter (see the module docstring): kept so that the simulations
    (:mod:`snalib.simulations.its`) can show why. Computed by statsmodels, from the
    estimate (``params``, fitted means ``mu``, NB2 ``alpha``; 0 for Poisson) with
    ``cov_type="HAC"`` and the small-sample correction ``n / (n - p)``; the scale is not
    estimated, as the sandwich already carries the overdispersion.
    """
    J = pd.DataFrame(np.asarray(jacobian, dtype=float), columns=list(jacobian.columns))
    b = np.asarray(params, dtype=float)
    offset = np.log(np.asarray(mu, dtype=float)) - J.to_numpy() @ b
    family = sm.families.NegativeBinomial(alpha=alpha) if alpha > 0 else sm.families.Poisson()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(np.asarray(y, dtype=float), J, family=family, offset=offset).fit(
            start_params=b,
            maxiter=100,
            cov_type="HAC",
            cov_kwds={"maxlags": int(maxlags), "use_correction": True},
        )
    return res.cov_params()


def t_interval(b: float, se: float, df: float) -> tuple[float, float, float]:
    """95% interval of ``b`` and the two-sided p-value, on t with ``df`` degrees of freedom."""
    if not se > 0:
        return np.nan, np.nan, np.nan
    crit = float(stats.t.ppf(0.975, df))
    return b - crit * se, b + crit * se, float(2 * stats.t.sf(abs(b / se), df))
