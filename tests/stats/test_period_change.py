"""The rate ratio of two periods from the monthly series: against a statsmodels GLM fitted
directly, against a quasi-Poisson worked by hand, and on synthetic months with known
overdispersion, autocorrelation, seasonality, missing months and a known change."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from snalib.stats import rate_ratio
from snalib.stats.period_change import (
    EXACT,
    NO_MONTHLY,
    days_inside,
    exact_change,
    period_rate_ratio,
)


def _months(years: int, start: str = "2016-04") -> np.ndarray:
    return pd.period_range(start, periods=12 * years, freq="M").astype(str).to_numpy()


def _labels(years: int) -> np.ndarray:
    return np.repeat([f"Y{k}" for k in range(years)], 12)


def _latent(rng, n, cv, rho=0.0):
    """Mean-one monthly multipliers: gamma (independent) or log-normal AR(1)."""
    if cv == 0:
        return np.ones(n)
    if rho == 0:
        return rng.gamma(1 / cv**2, cv**2, n)
    s2 = math.log(1 + cv**2)
    x = np.empty(n)
    x[0] = rng.normal(0, math.sqrt(s2))
    shocks = rng.normal(0, math.sqrt(s2 * (1 - rho**2)), n)
    for t in range(1, n):
        x[t] = rho * x[t - 1] + shocks[t]
    return np.exp(x - s2 / 2)


def _series(rng, years, mean, cv=0.0, rho=0.0, ratio=1.0, season=0.15):
    """Monthly counts of ``years`` years; the last year's rate is ``ratio`` x the first's."""
    level = np.ones(years)
    level[-1] = ratio
    seasonal = 1 + season * np.cos(2 * np.pi * np.arange(12) / 12)
    mu = mean * np.repeat(level, 12) * np.tile(seasonal, years)
    return rng.poisson(mu * _latent(rng, 12 * years, cv, rho)).astype(float)


# --------------------------------------------------------------------------- references


def test_without_season_or_autocorrelation_it_is_the_quasi_poisson_glm_fitted_directly():
    rng = np.random.default_rng(3)
    counts = _series(rng, 2, 30, cv=0.4, ratio=0.8, season=0)
    exposure = np.r_[np.full(12, 1000.0), np.full(12, 1100.0)]
    out = period_rate_ratio(
        _months(2),
        counts,
        exposure,
        _labels(2),
        current="Y1",
        baseline="Y0",
        seasonal=False,
        autocorrelation=False,
    )
    design = sm.add_constant((_labels(2) == "Y1").astype(float))
    glm = sm.GLM(counts, design, family=sm.families.Poisson(), offset=np.log(exposure))
    fit = glm.fit(scale="X2")  # quasi-Poisson: scale = Pearson chi2 / df_resid
    assert fit.scale > 1  # overdispersed, so the floor at 1 does not bite
    assert out.dispersion == pytest.approx(fit.scale, rel=1e-8)
    assert out.df == fit.df_resid == 22
    assert math.log(out.value) == pytest.approx(fit.params[1], rel=1e-8)
    se = fit.bse[1]
    q = stats.t.ppf(0.975, fit.df_resid)
    assert out.lower == pytest.approx(math.exp(fit.params[1] - q * se), rel=1e-7)
    assert out.upper == pytest.approx(math.exp(fit.params[1] + q * se), rel=1e-7)
    t = fit.params[1] / se
    assert out.p_value == pytest.approx(2 * stats.t.sf(abs(t), fit.df_resid), rel=1e-6)
    assert out.variance_inflation == pytest.approx(fit.scale, rel=1e-8)


def test_a_tiny_quasi_poisson_matches_the_hand_computation():
    # Period A: 10, 20, 30 (mean 20); period B: 15, 25, 50 (mean 30); exposure 1 a month.
    # Pearson X2 = (100 + 0 + 100) / 20 + (225 + 25 + 400) / 30 = 10 + 65/3 = 95/3 on
    # 6 - 2 = 4 df, so phi = 95/12; RR = 90/60 = 1.5;
    # var(log RR) = phi (1/90 + 1/60) = 95/12 x 1/36 = 95/432.
    out = period_rate_ratio(
        ["2020-01", "2020-02", "2020-03", "2021-01", "2021-02", "2021-03"],
        [10, 20, 30, 15, 25, 50],
        [1] * 6,
        ["A"] * 3 + ["B"] * 3,
        current="B",
        baseline="A",
        seasonal=False,
        autocorrelation=False,
    )
    assert out.value == pytest.approx(1.5)
    assert out.dispersion == pytest.approx(95 / 12)
    assert out.df == 4
    half = 2.7764451051977987 * math.sqrt(95 / 432)  # t(4) 97.5% quantile
    assert out.lower == pytest.approx(1.5 * math.exp(-half), rel=1e-9)
    assert out.upper == pytest.approx(1.5 * math.exp(half), rel=1e-9)
    assert out.p_value == pytest.approx(2 * stats.t.sf(math.log(1.5) / math.sqrt(95 / 432), 4))
    exact = rate_ratio(90, 3, 60, 3)
    assert out.exact_lower == pytest.approx(exact["lower"].iloc[0])
    assert out.exact_p_value == pytest.approx(exact["p_value"].iloc[0])
    assert out.monthly and out.note == ""


def test_dispersion_is_never_below_one():
    # Counts far less variable than Poisson: phi estimated below 1, used as 1.
    counts = np.tile([20.0, 21.0, 19.0, 20.0], 6)
    out = period_rate_ratio(
        _months(2), counts, np.ones(24), _labels(2), current="Y1", baseline="Y0"
    )
    assert out.dispersion == 1.0
    assert out.variance_inflation >= 1.0
    assert out.upper - out.lower > 0


def test_p_value_is_below_alpha_exactly_when_the_interval_excludes_one():
    rng = np.random.default_rng(8)
    for ratio in (0.7, 0.85, 1.0, 1.2):
        out = period_rate_ratio(
            _months(4),
            _series(rng, 4, 40, cv=0.3, ratio=ratio),
            np.ones(48),
            _labels(4),
            current="Y3",
            baseline="Y0",
        )
        assert (out.p_value <= 0.05) == (out.lower > 1 or out.upper < 1)


# --------------------------------------------------------------------------- fallbacks


def test_a_period_with_no_events_falls_back_to_the_exact_result():
    counts = np.r_[np.full(12, 3.0), np.zeros(12)]
    out = period_rate_ratio(
        _months(2), counts, np.ones(24), _labels(2), current="Y1", baseline="Y0"
    )
    assert not out.monthly and out.method == EXACT
    assert out.value == 0
    assert out.upper == pytest.approx(rate_ratio(0, 12, 36, 12)["upper"].iloc[0])
    assert "no events" in out.note


def test_a_period_without_months_is_not_available():
    out = period_rate_ratio(
        _months(1), np.ones(12), np.ones(12), _labels(1), current="Y1", baseline="Y0"
    )
    assert math.isnan(out.value) and "no months" in out.note


def test_exact_change_is_the_exact_rate_ratio_with_a_note_that_it_may_be_too_narrow():
    out = exact_change(80, 1e5, 100, 1e5)
    ref = rate_ratio(80, 1e5, 100, 1e5)
    assert out.value == pytest.approx(0.8)
    assert (out.lower, out.upper) == (out.exact_lower, out.exact_upper)
    assert out.lower == pytest.approx(ref["lower"].iloc[0])
    assert out.note == NO_MONTHLY and "too narrow" in out.note
    assert "exact Poisson" in out.tested_against()
    assert math.isnan(exact_change(math.nan, 1, 3, 1).value)


@pytest.mark.parametrize(
    ("counts", "message"),
    [([1.5] + [1.0] * 23, "whole numbers"), ([-1.0] + [1.0] * 23, "whole numbers")],
)
def test_bad_counts_are_refused(counts, message):
    with pytest.raises(ValueError, match=message):
        period_rate_ratio(_months(2), counts, np.ones(24), _labels(2), current="Y1", baseline="Y0")


def test_a_month_with_a_count_needs_an_exposure():
    exposure = np.ones(24)
    exposure[3] = 0
    with pytest.raises(ValueError, match="exposure"):
        period_rate_ratio(
            _months(2), np.ones(24), exposure, _labels(2), current="Y1", baseline="Y0"
        )


# --------------------------------------------------------------------------- missing months


def test_missing_months_are_left_out_not_read_as_zero():
    rng = np.random.default_rng(5)
    counts = _series(rng, 3, 25, cv=0.3)
    gap = counts.copy()
    gap[[14, 15]] = np.nan  # two months of the middle year missing
    out = period_rate_ratio(_months(3), gap, np.ones(36), _labels(3), current="Y2", baseline="Y0")
    keep = ~np.isnan(gap)
    dropped = period_rate_ratio(
        _months(3)[keep], counts[keep], np.ones(36)[keep], _labels(3)[keep],
        current="Y2", baseline="Y0",
    )  # fmt: skip
    assert out == dropped
    assert out.months == 34
    zeros = period_rate_ratio(
        _months(3), np.nan_to_num(gap), np.ones(36), _labels(3), current="Y2", baseline="Y0"
    )
    assert zeros.dispersion > out.dispersion  # zeros would be counted as noise


def test_a_missing_month_in_a_compared_period_leaves_its_rate_over_the_months_present():
    counts = np.r_[np.full(12, 10.0), np.full(12, 20.0)]
    counts[20] = np.nan
    out = period_rate_ratio(
        _months(2), counts, np.ones(24), _labels(2), current="Y1", baseline="Y0"
    )
    assert out.value == pytest.approx((220 / 11) / (120 / 12))


# --------------------------------------------------------------------------- synthetic truth


def _many(n, seed, years=6, **kw):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        counts = _series(rng, years, **kw)
        out.append(
            period_rate_ratio(
                _months(years),
                counts,
                np.ones(12 * years),
                _labels(years),
                current=f"Y{years - 1}",
                baseline="Y0",
            )
        )
    return out


def test_a_known_fall_is_recovered():
    results = _many(60, 11, mean=60, cv=0.3, ratio=0.7)
    estimate = np.exp(np.mean([math.log(r.value) for r in results]))
    assert estimate == pytest.approx(0.7, rel=0.04)
    # se(log RR) is about sqrt(2 (1 + 0.09 x 60) / 720) = 0.13 against log 0.7 = -0.36:
    # power about 70%
    assert 0.5 < np.mean([r.upper < 1 for r in results]) < 0.9


def test_dispersion_recovers_the_monthly_gamma_frailty():
    # Negative binomial months: variance = mean (1 + CV^2 mean) = 20 x (1 + 0.09 x 20).
    results = _many(80, 12, mean=20, cv=0.3)
    phi = np.mean([r.dispersion for r in results])
    assert phi == pytest.approx(1 + 0.09 * 20, rel=0.12)


def test_seasonality_is_not_counted_as_noise():
    rng = np.random.default_rng(13)
    seasonal, flat = [], []
    for _ in range(40):
        counts = _series(rng, 3, 80, season=0.4)  # Poisson months, strong seasons
        args = (_months(3), counts, np.ones(36), _labels(3))
        seasonal.append(period_rate_ratio(*args, current="Y2", baseline="Y0").dispersion)
        flat.append(
            period_rate_ratio(*args, current="Y2", baseline="Y0", seasonal=False).dispersion
        )
    assert np.mean(seasonal) < 1.3
    assert np.mean(flat) > 4  # the seasons would have been taken for noise


def test_autocorrelation_is_detected_and_widens_the_interval():
    independent = _many(60, 14, mean=40, cv=0.3)
    correlated = _many(60, 14, mean=40, cv=0.3, rho=0.5)
    rho_ind = np.mean([r.autocorrelation for r in independent])
    rho_ar = np.mean([r.autocorrelation for r in correlated])
    assert rho_ar > 0.3 > rho_ind
    inflation = np.mean([r.variance_inflation / r.dispersion for r in correlated])
    assert inflation > 1.5


def test_interval_covers_the_truth_where_the_exact_one_does_not():
    results = _many(120, 15, mean=40, cv=0.3, ratio=0.8)
    covered = np.mean([r.lower <= 0.8 <= r.upper for r in results])
    exact = np.mean([r.exact_lower <= 0.8 <= r.exact_upper for r in results])
    assert 0.88 <= covered <= 0.995  # 95% up to Monte Carlo error
    assert exact < 0.8  # exact Poisson intervals are far too narrow here


def test_tested_against_says_what_the_interval_allows_for():
    result = _many(1, 16, mean=40, cv=0.3)[0]
    words = result.tested_against()
    assert words.startswith("the 95% interval of the rate ratio, allowing for month-to-month")
    assert f"dispersion {result.dispersion:.1f}" in words


def test_inputs_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="differ in length"):
        period_rate_ratio(
            _months(2), np.ones(23), np.ones(24), _labels(2), current="Y1", baseline="Y0"
        )


def test_without_autocorrelation_the_degrees_of_freedom_are_the_residual_ones():
    rng = np.random.default_rng(21)
    counts = _series(rng, 4, 30, cv=0.3, rho=0.5)
    args = (_months(4), counts, np.ones(48), _labels(4))
    plain = period_rate_ratio(*args, current="Y3", baseline="Y0", autocorrelation=False)
    assert plain.df == 48 - 4 - 11 and plain.autocorrelation == 0
    allowed = period_rate_ratio(*args, current="Y3", baseline="Y0")
    # found: fewer degrees of freedom, a wider interval
    assert allowed.autocorrelation > 0
    assert allowed.df < plain.df
    assert allowed.upper / allowed.lower > plain.upper / plain.lower


def test_days_inside_is_the_share_of_each_months_days_in_the_period():
    shares = days_inside(["2020-03", "2020-04", "2020-06", "2020-07"], "2020-03-23", "2020-06-14")
    np.testing.assert_allclose(shares, [9 / 31, 1, 14 / 30, 0])
    np.testing.assert_allclose(days_inside(["2020-02", "2020-03"], "2020-03-01", None), [0, 1])


def test_an_interruption_is_a_term_of_the_noise_model_and_leaves_the_ratio_alone():
    rng = np.random.default_rng(22)
    counts = _series(rng, 4, 50, cv=0.1)
    counts[40:43] = np.round(counts[40:43] / 3)  # three months of the last year cut to a third
    args = (_months(4), counts, np.ones(48), _labels(4))
    shares = days_inside(_months(4), "2019-08-01", "2019-10-31")  # months 40-42
    assert shares[40:43].tolist() == [1, 1, 1] and shares.sum() == 3
    with_term = period_rate_ratio(*args, current="Y3", baseline="Y0", interruptions=shares)
    as_noise = period_rate_ratio(*args, current="Y3", baseline="Y0")
    assert with_term.value == as_noise.value
    assert with_term.dispersion < 2 < as_noise.dispersion
    assert "1 named-period terms" in with_term.method
    # a term the months cannot tell from a period's level is dropped
    whole_year = (_labels(4) == "Y3").astype(float)
    dropped = period_rate_ratio(*args, current="Y3", baseline="Y0", interruptions=whole_year)
    assert "named-period" not in dropped.method
    assert dropped.dispersion == pytest.approx(as_noise.dispersion)


def test_expected_residual_autocorrelation_of_a_series_with_its_mean_removed_is_minus_1_over_n():
    # The classical result (Marriott and Pope 1954): under independence, the lag-1
    # autocorrelation of a series of n values about their mean has expectation -1/n.
    from snalib.stats.period_change import _Autocorrelations

    n = 24
    leverage_free = np.eye(n) - np.full((n, n), 1 / n)
    lags = _Autocorrelations(np.random.default_rng(1).normal(size=n), np.arange(n), leverage_free)
    assert lags.expected(0.0, 0.0)[0] == pytest.approx(-1 / n)
    # and an AR(1) error raises it: with rho = 0.5 the expectation is well above zero
    assert lags.expected(1.0, 0.5)[0] > 0.3
