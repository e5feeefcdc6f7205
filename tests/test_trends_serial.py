"""Standard errors of the count models under serial correlation (snalib.chapters.trends.serial).

Tested against closed forms (the variance of a mean of AR(1) errors, the GLM's own
covariance when there is no correlation) and on synthetic series with a known AR(1)
correlation that the bias-corrected estimate must recover.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from snalib.chapters.trends import serial
from snalib.simulations.its import frailty


def _poisson_fit(y, x):
    res = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    return res, np.asarray(res.fittedvalues)


def test_without_correlation_the_covariance_is_the_glms_own_times_the_scale():
    rng = np.random.default_rng(1)
    n = 84
    x = pd.DataFrame({"const": 1.0, "trend": np.linspace(-3, 3, n)})
    y = rng.poisson(200 * np.exp(0.05 * x["trend"])).astype(float)
    res, mu = _poisson_fit(y, x)
    s = serial.ar1_covariance(x, mu, mu, y, np.arange(n), rho=0.0)
    assert s.rho == 0 and s.df_scale == pytest.approx(n - 2)
    assert s.pearson_dispersion == pytest.approx(res.pearson_chi2 / res.df_resid, rel=1e-9)
    expected = res.cov_params().to_numpy() * max(1.0, res.pearson_chi2 / res.df_resid)
    # (statsmodels' covariance uses the weights of its last IRLS step: agreement to 1e-4)
    np.testing.assert_allclose(s.cov.to_numpy(), expected, rtol=1e-4)


def test_variance_of_a_mean_under_ar1_matches_the_closed_form():
    """Intercept-only model, equal means, Poisson variance: with a share s of the variance
    beyond Poisson, Var(b) = phi / (n mu) * (1/n) sum_ij R_ij, R_ij = s rho^|i-j| (i != j)."""
    n, rho, mu = 60, 0.4, 100.0
    x = pd.DataFrame({"const": np.ones(n)})
    rng = np.random.default_rng(2)
    y = rng.poisson(mu * frailty(rng, n, 0.3, rho)).astype(float)
    fitted = np.full(n, y.mean())
    s = serial.ar1_covariance(x, fitted, fitted, y, np.arange(n), rho=rho)
    share = s.share  # Poisson variance function: all beyond phi = 1 is latent
    assert share == pytest.approx(1 - 1 / s.phi, rel=1e-3) and 0.85 < share < 0.95
    i = np.arange(n)
    R = share * rho ** np.abs(i[:, None] - i[None, :])
    np.fill_diagonal(R, 1.0)
    closed = s.phi * R.sum() / (n * y.mean()) / n
    assert s.cov.iloc[0, 0] == pytest.approx(closed, rel=1e-9)
    # Against independent months the variance grows by about 1 + 2 s rho / (1 - rho).
    assert R.sum() / n == pytest.approx(1 + 2 * share * rho / (1 - rho), rel=0.05)


def test_with_no_variation_beyond_poisson_nothing_is_serially_correlated():
    n = 84
    x = _trend_season_design(n)
    y = 200.0 + np.random.default_rng(5).integers(-4, 5, n)  # variance 7, not 200
    _, mu = _poisson_fit(y, x)
    s = serial.ar1_covariance(x, mu, mu, y, np.arange(n))
    assert s.phi == 1 and s.share == 0 and s.rho == 0
    assert "no variation beyond chance" in s.words()


def test_a_gap_is_two_months_not_a_neighbour_and_groups_are_uncorrelated():
    lags = serial._lags([0, 1, 3, 4], None)
    assert lags[1, 2] == 2 and lags[0, 1] == 1
    grouped = serial._lags([0, 1, 0, 1], [0, 0, 1, 1])
    assert np.isinf(grouped[0, 2]) and np.isinf(grouped[0, 3]) and grouped[2, 3] == 1
    r = serial._correlation(0.5, grouped)
    assert r[0, 1] == 0.5 and r[0, 2] == 0 and r[0, 0] == 1


def _trend_season_design(n: int) -> pd.DataFrame:
    month = np.arange(n) % 12
    x = pd.DataFrame({"const": 1.0, "trend": (np.arange(n) - n / 2) / 12})
    for k in range(1, 12):
        x[f"m{k}"] = (month == k).astype(float)
    return x


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.5])
def test_corrected_rho_recovers_the_serial_correlation_that_the_plain_lag1_understates(rho):
    """84 months, 13 terms, gamma frailty (CV 0.3) with AR(1) copula correlation rho."""
    n = 84
    x = _trend_season_design(n)
    rng = np.random.default_rng(int(rho * 10) + 3)
    estimates, plain = [], []
    for _ in range(60):
        y = rng.poisson(400 * frailty(rng, n, 0.3, rho)).astype(float)
        _, mu = _poisson_fit(y, x)
        alpha = 0.09
        s = serial.ar1_covariance(x, mu, mu + alpha * mu**2, y, np.arange(n))
        estimates.append(s.rho)
        plain.append(s.lag1)
    # The copula's lag-1 correlation is a little under rho (0.29 for 0.3, 0.49 for 0.5).
    truth = {0.0: 0.0, 0.3: 0.29, 0.5: 0.49}[rho]
    if rho == 0:
        assert np.mean(estimates) < 0.08 and min(estimates) == 0  # never negative
    else:
        assert np.mean(estimates) == pytest.approx(truth, abs=0.05)
        assert np.mean(plain) < np.mean(estimates) - 0.02  # the correction matters


def test_degrees_of_freedom_fall_when_a_coefficient_leans_on_rho():
    n = 84
    x = _trend_season_design(n)
    rng = np.random.default_rng(9)
    y = rng.poisson(400 * frailty(rng, n, 0.3, 0.5)).astype(float)
    _, mu = _poisson_fit(y, x)
    s = serial.ar1_covariance(x, mu, mu + 0.09 * mu**2, y, np.arange(n))
    assert s.rho > 0.2
    # The trend's variance depends on rho far more than a month term's.
    assert s.df_of("trend") < s.df_of("m6") <= s.df_scale <= n - x.shape[1] + 1e-9
    assert "serial correlation" in s.words() and f"{s.rho:.2f}" in s.words()


def test_negative_residual_correlation_gives_independent_standard_errors_not_narrower():
    n = 60
    x = pd.DataFrame({"const": np.ones(n)})
    y = np.where(np.arange(n) % 2 == 0, 90.0, 110.0)  # alternating: lag-1 correlation -1
    fitted = np.full(n, 100.0)
    s = serial.ar1_covariance(x, fitted, fitted, y, np.arange(n))
    assert s.lag1 < -0.9 and s.rho == 0
    # Pearson X2 = n on n - 1 degrees of freedom: Poisson width, nothing added for rho.
    assert s.phi == pytest.approx(n / (n - 1))
    assert s.cov.iloc[0, 0] == pytest.approx(s.phi / (n * 100.0))
    assert "no positive serial correlation" in s.words()


def test_newey_west_is_computed_by_statsmodels_for_the_simulations():
    n = 84
    x = _trend_season_design(n)
    rng = np.random.default_rng(4)
    y = rng.poisson(400 * frailty(rng, n, 0.2, 0.0)).astype(float)
    res, mu = _poisson_fit(y, x)
    hac = serial.newey_west_covariance(x, res.params, mu, y, 0.0, 3)
    assert hac.shape == (x.shape[1], x.shape[1])
    direct = sm.GLM(y, x, family=sm.families.Poisson()).fit(
        cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True}
    )
    np.testing.assert_allclose(hac.to_numpy(), direct.cov_params().to_numpy(), rtol=1e-5)
