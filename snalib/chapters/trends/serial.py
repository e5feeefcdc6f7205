"""Standard errors of the monthly count models that allow for serial correlation.

Monthly crime counts vary more than a Poisson model allows (overdispersion), and a month
that is high for reasons the model does not know (a hot summer, a feud, a recording push)
tends to be followed by another high month (serial correlation). Both make naive intervals
too narrow. The trend model (:mod:`snalib.chapters.trends.its`) and the
difference-in-differences (:mod:`snalib.chapters.trends.did`) estimate their coefficients
by a GLM as if months were independent (a consistent estimate when they are not), and take
their covariance from :func:`ar1_covariance`.

**The model of the months' variation** is Zeger's (1988): each month's mean is multiplied
by a latent stationary process (mean 1), AR(1) in calendar months, and the count is
Poisson given it. Its Pearson residuals ``r_t = (y_t - mu_t) / sqrt(V(mu_t))`` then have
variance ``phi`` and, between months ``t`` and ``s``, correlation

    R_ts = sqrt(s_t s_s) rho^|t - s|,   s_t = 1 - mu_t / (phi V(mu_t)),

where ``s_t`` is the share of month t's variance beyond Poisson (the part the latent
process carries; the Poisson noise is independent). With large counts ``s_t`` is close
to 1 and this is AR(1) on the residuals; with small counts the correlation at lag 1 is
``s rho`` but decays like ``rho^k``, slower than AR(1) on the residuals would. Months are
apart by their calendar distance, so a missing month is a gap of two. The covariance is

    Cov(b) = phi A^-1 (Js' R Js) A^-1,   A = Js' Js,   Js = diag(sqrt(w)) J,

with ``J`` the derivative of ``log mu`` with respect to the coefficients (the design
matrix, or its working form for the step terms) and ``w = mu^2 / V(mu)`` the GLM weights:
the covariance of a GLM estimate under a latent process (Davis, Dunsmuir and Wang 2000).
With ``rho = 0`` and ``phi = 1`` it is the GLM's own covariance.

**Estimating rho and phi without the small-sample bias.** Residuals of a model with some
20 coefficients fitted to 60-84 months are less correlated than the errors (the trend,
season and period terms soak up part of any slow wandering), so the plain lag-1
correlation of the residuals understates ``rho``. Here ``rho`` is the value at which the
lag-1 correlation the residuals *would* have, ``E[r'Lr / 2 pairs] / E[r'r / n]`` (to
second order) with ``r = M e``, ``M = I - H`` (``H`` the weighted hat matrix) and
``Cov(e) = R(rho)``, equals the observed one: a moment estimator corrected for the fitted
coefficients. It is kept between 0 and :data:`RHO_MAX` (0.8): a negative lag-1
correlation gives 0, so the intervals are never narrower than for independent months.
``phi = max(1, r'r / tr(M R M))``: the Pearson dispersion on its effective degrees of
freedom, at least 1, so that a series that varies no more than Poisson keeps Poisson-width
intervals and an overdispersed one is never understated. The shares ``s_t`` are computed
from ``phi`` for independent months first, then once more from ``phi`` with the estimated
correlation.

**Degrees of freedom.** Intervals and tests use the t distribution on Satterthwaite degrees
of freedom that allow for both estimated quantities: ``phi``'s (``tr(MR)^2 / tr(MRMR)``,
which is ``n - p`` for independent months) and ``rho``'s (the delta method, with the
variance of the lag-1 correlation ``(1 - r1^2) / pairs`` carried through the bias
correction, and at most ``(RHO_MAX / 2)^2``, the largest variance a quantity between 0 and
``RHO_MAX`` can have). A coefficient whose variance depends strongly on ``rho`` (a long
period, the trend) gets fewer degrees of freedom than a short one.

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

#: The largest serial correlation used: a 5-year series carries almost no information
#: beyond it, and with little variation beyond Poisson the estimate (the residuals' lag-1
#: correlation divided by that small share) would otherwise run to 1 on noise.
RHO_MAX = 0.8
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
    share
        Mean share of a month's variance that is beyond Poisson (the latent variation
        that is serially correlated), ``1 - mu / (phi V)``.
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
    share: float = 1.0

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
        if self.share <= 0:
            return (
                "standard errors as for independent months: no variation beyond chance "
                "(Poisson) was found, so none that could carry over from month to month"
            )
        if self.rho <= 0:
            return (
                f"standard errors as for independent months: the residuals show no positive "
                f"serial correlation (lag-1 correlation {self.lag1:.2f})"
            )
        if self.rho < 0.005:  # would print as 0.00: say so rather than claim an allowance
            return (
                f"standard errors practically as for independent months: the AR(1) "
                f"correlation between consecutive months is estimated below 0.005 (lag-1 "
                f"residual correlation {self.lag1:.2f})"
            )
        return (
            f"standard errors allow for serial correlation: the months' variation beyond "
            f"chance (a share of about {self.share:.2f} of the monthly variance) is taken as AR(1) "
            f"with correlation {self.rho:.2f} between consecutive months (from a lag-1 "
            f"residual correlation of {self.lag1:.2f}, corrected for the fitted terms)"
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
    known = rho
    # The share of each month's variance that is not Poisson noise, from the independent
    # months' dispersion first, then from the dispersion allowing for the correlation.
    phi = max(1.0, float(r @ r / np.trace(M)))
    for _ in range(2):
        share = np.clip(1 - mu / (phi * V), 0.0, 1.0)

        def correlation(q: float, share=share) -> np.ndarray:
            R_ = _correlation(q, lag) * np.sqrt(np.outer(share, share))
            np.fill_diagonal(R_, 1.0)
            return R_

        if share.max() < 1e-9 and known is None:
            # No variation beyond Poisson: nothing that could be serially correlated.
            rho, lag1, var_rho = 0.0, _estimate_rho(r, M, L, pairs, correlation, 0.0)[1], 0.0
        else:
            rho, lag1, var_rho = _estimate_rho(r, M, L, pairs, correlation, known)
        R = correlation(rho)
        tr = float(np.trace(M @ R @ M))
        dispersion = float(r @ r / tr)
        phi = max(1.0, dispersion)
    MR = M @ R
    df_scale = float(np.trace(MR) ** 2 / np.sum(MR * MR.T))

    def sandwich(R_):
        return phi * A_inv @ (Js.T @ R_ @ Js) @ A_inv

    cov = pd.DataFrame(sandwich(R), index=cols, columns=cols)
    cov_up = sandwich(correlation(min(rho + _H, 0.999)))
    return SerialCovariance(
        cov, rho, lag1, phi, dispersion, pairs, df_scale, var_rho, cov_up, float(np.mean(share))
    )


def _estimate_rho(r, M, L, pairs: int, correlation, known) -> tuple[float, float, float]:
    """The latent correlation rho, the residuals' plain lag-1 correlation and Var(rho).

    ``rho`` makes the lag-1 correlation the residuals would have (``E[r'Lr/2p] / E[r'r/n]``
    to second order, ``r = M e``, ``Cov(e) = correlation(rho)``) equal the observed one; it
    is kept between 0 and :data:`RHO_MAX`. ``known`` replaces the estimate.
    """
    n = len(r)
    if not pairs:
        return (known or 0.0), np.nan, 0.0
    lag1 = float((r @ L @ r / (2 * pairs)) / (r @ r / n))
    N = M @ L @ M / (2 * pairs)  # r'Lr/(2 pairs) = e'Ne
    D = M / n  # r'r/n = e'De (M is idempotent)

    def expected_lag1(q: float) -> float:
        R_ = correlation(q)
        NR, DR = N @ R_, D @ R_
        en, ed = np.trace(NR), np.trace(DR)
        # E[N/D] to second order (Gaussian quadratic forms), not E[N]/E[D]: the ratio's
        # own bias is of the same order as the fitted terms' (a few hundredths).
        var_d = 2 * np.sum(DR * DR.T)
        cov_nd = 2 * np.sum(NR * DR.T)
        return float(en / ed - cov_nd / ed**2 + en * var_d / ed**3)

    if known is not None:
        rho = float(known)
    elif lag1 <= expected_lag1(0.0):
        rho = 0.0
    elif lag1 >= expected_lag1(RHO_MAX):
        rho = RHO_MAX
    else:
        rho = float(optimize.brentq(lambda q: expected_lag1(q) - lag1, 0.0, RHO_MAX, xtol=1e-5))
    at = min(rho, RHO_MAX - _H)
    slope = (expected_lag1(at + _H) - expected_lag1(at)) / _H
    var_rho = (1 - min(lag1**2, 0.99)) / pairs / max(slope, 1e-6) ** 2
    # rho lies in [0, RHO_MAX], so its variance is at most (RHO_MAX / 2)^2 (Popoviciu): a
    # bound that matters only when little of the variance is extra-Poisson.
    return rho, lag1, min(var_rho, (RHO_MAX / 2) ** 2)


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
