"""Overdispersion-adjusted funnel plots (Spiegelhalter 2005): hand-worked values, an
independent estimator (statsmodels' DerSimonian-Laird), and synthetic data with known
overdispersion."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from snalib.stats import (
    SIGNIFICANCE_LABELS,
    proportion_funnel_significance,
    rate_funnel_significance,
    ratio_funnel_limits,
    ratio_funnel_significance,
)
from snalib.stats.overdispersion import (
    MIN_UNITS,
    adjusted_z,
    estimate_dispersion,
    flagged,
    proportion_funnel_overdispersion,
    rate_funnel_overdispersion,
    ratio_funnel_overdispersion,
    winsorise,
    winsorised_normal_mean_square,
)

# Winsorising -----------------------------------------------------------------------------


def test_winsorise_pulls_the_ends_to_the_interpolated_quantiles():
    # five values: the 10% quantile lies 0.4 of the way from the first to the second
    z = [-3.0, -1.0, 0.0, 1.0, 5.0]
    np.testing.assert_allclose(winsorise(z, 0.1), [-2.2, -1.0, 0.0, 1.0, 3.4])
    np.testing.assert_array_equal(winsorise(z, 0.0), z)
    result = winsorise([np.nan, -3.0, -1.0, 0.0, 1.0, 5.0], 0.1)
    assert np.isnan(result[0])
    np.testing.assert_allclose(result[1:], [-2.2, -1.0, 0.0, 1.0, 3.4])


def test_winsorised_normal_mean_square_matches_simulation_and_its_limit():
    rng = np.random.default_rng(5)
    for n in (5, 8, 30):
        draws = rng.normal(size=(100_000, n))
        low = np.quantile(draws, 0.1, axis=1, keepdims=True)
        high = np.quantile(draws, 0.9, axis=1, keepdims=True)
        simulated = np.mean(np.clip(draws, low, high) ** 2)
        assert winsorised_normal_mean_square(n, 0.1) == pytest.approx(simulated, abs=0.003)
    # large n: the Winsorised variance of the normal, 1 - 2q - 2 c phi(c) + 2 q c**2
    c = stats.norm.ppf(0.9)
    limit = 0.8 - 2 * c * stats.norm.pdf(c) + 0.2 * c**2
    assert winsorised_normal_mean_square(4001, 0.1) == pytest.approx(limit, abs=5e-4)
    assert winsorised_normal_mean_square(12, 0.0) == 1.0


# The estimate ----------------------------------------------------------------------------


def test_dispersion_without_winsorising_is_the_mean_square_and_q_test():
    z = np.array([-2.5, -1.0, 0.3, 0.8, 1.9, 3.1])
    s = np.array([0.1, 0.2, 0.1, 0.05, 0.1, 0.2])
    result = estimate_dispersion(z, s, "multiplicative", winsorise_share=0.0)
    assert result.phi == pytest.approx(np.mean(z**2))
    assert result.q_statistic == pytest.approx(np.sum(z**2))
    assert result.p_value == pytest.approx(stats.chi2.sf(np.sum(z**2), 5))
    assert result.applied == "multiplicative" and result.adjusted
    np.testing.assert_allclose(adjusted_z(z, s, result), z / np.sqrt(np.mean(z**2)))


def test_additive_tau2_equals_statsmodels_dersimonian_laird():
    """With the target at the fixed-effect mean and no Winsorising, tau2 is the
    DerSimonian-Laird estimate of random-effects meta-analysis (independent code)."""
    rng = np.random.default_rng(11)
    s = rng.uniform(0.05, 0.3, 25)
    y = 0.4 + rng.normal(0, 0.2, 25) + rng.normal(0, s)
    w = 1 / s**2
    target = (w * y).sum() / w.sum()
    result = estimate_dispersion((y - target) / s, s, "additive", winsorise_share=0.0)
    reference = combine_effects(y, s**2, method_re="dl")
    assert reference.tau2 > 0
    assert result.tau2 == pytest.approx(reference.tau2, rel=1e-10)
    assert result.applied == "additive"


def test_additive_limits_are_the_square_root_scale_formula():
    rng = np.random.default_rng(3)
    expected = rng.uniform(50, 2000, 30)
    observed = rng.poisson(expected * rng.gamma(25, 1 / 25, 30))
    funnel = ratio_funnel_overdispersion(observed, expected, "additive", multiplier=100)
    tau2 = funnel.dispersion.tau2
    assert tau2 > 0
    limits = funnel.limits([100.0, 1000.0])
    for size, row in zip([100.0, 1000.0], limits.itertuples(), strict=True):
        half = 1.959964 * np.sqrt(1 / (4 * size) + tau2)
        assert row.lower95 == pytest.approx(100 * (1 - half) ** 2, rel=1e-6)
        assert row.upper95 == pytest.approx(100 * (1 + half) ** 2, rel=1e-6)
    # each unit's label agrees with its own limits
    units = funnel.units
    outside = (units["value"] > units["upper95"]) | (units["value"] < units["lower95"])
    np.testing.assert_array_equal(outside, flagged(units["significance"], 0.95))


def test_multiplicative_limits_use_t_quantiles_unless_as_published():
    rng = np.random.default_rng(4)
    expected = rng.uniform(50, 2000, 12)
    observed = rng.poisson(expected * rng.gamma(20, 1 / 20, 12))
    corrected = ratio_funnel_overdispersion(observed, expected, "multiplicative")
    published = ratio_funnel_overdispersion(observed, expected, "multiplicative", corrected=False)
    assert corrected.dispersion.applied == "multiplicative"
    assert corrected.dispersion.quantile(0.95) == pytest.approx(stats.t.ppf(0.975, 11))
    assert published.dispersion.quantile(0.998) == pytest.approx(3.090232, rel=1e-6)
    # the published estimate is the uncorrected Winsorised mean square
    ratio = corrected.dispersion.phi_uncorrected / corrected.dispersion.phi
    assert ratio == pytest.approx(winsorised_normal_mean_square(12, 0.1))
    assert published.dispersion.phi == pytest.approx(corrected.dispersion.phi_uncorrected)
    half = stats.t.ppf(0.975, 11) * np.sqrt(corrected.dispersion.phi) / (2 * np.sqrt(400.0))
    assert corrected.limits([400.0])["upper95"].iloc[0] == pytest.approx((1 + half) ** 2)


# Synthetic truth -----------------------------------------------------------------------------


def test_multiplicative_phi_recovers_known_overdispersion_and_the_correction_is_needed():
    """Counts with variance 2.5 times Poisson (2.5 x a Poisson of E / 2.5): the corrected
    estimate is about 2.5; Spiegelhalter's uncorrected one about 0.68 x 2.5."""
    rng = np.random.default_rng(21)
    expected = rng.uniform(200, 5000, 3000)
    observed = 2.5 * rng.poisson(expected / 2.5)
    funnel = ratio_funnel_overdispersion(observed, expected, "multiplicative")
    assert funnel.dispersion.phi == pytest.approx(2.5, rel=0.06)
    assert funnel.dispersion.phi_uncorrected == pytest.approx(0.68 * 2.5, rel=0.06)
    assert funnel.dispersion.p_value < 1e-6


def test_additive_tau2_recovers_known_between_unit_variation_and_flags_about_5_percent():
    """Unit rates vary with a gamma CV of 0.2: on the square-root scale the between-unit
    variance is about CV**2 / 4 = 0.01. Without Winsorising, tau2 recovers it and about 5%
    of (in-control) units fall outside the 95% limits, 0.2% outside the 99.8% ones; Poisson
    limits flag most of them."""
    rng = np.random.default_rng(22)
    expected = rng.uniform(200, 5000, 4000)
    observed = rng.poisson(expected * rng.gamma(25, 1 / 25, expected.size))
    funnel = ratio_funnel_overdispersion(observed, expected, "additive", winsorise_share=0.0)
    assert funnel.dispersion.tau2 == pytest.approx(0.01, rel=0.05)
    labels = funnel.units["significance"]
    assert flagged(labels, 0.95).mean() == pytest.approx(0.05, abs=0.01)
    assert flagged(labels, 0.998).mean() <= 0.005
    poisson = ratio_funnel_significance(observed, expected)["significance"]
    assert flagged(poisson, 0.95).mean() > 0.5
    # Known limitation (docs/methods-stats.md): when the between-unit variance dwarfs the
    # Poisson variance, the units' z-scores differ in spread (here variances 9 to 200), and
    # Winsorising them trims more than the normal consistency factor allows for: tau2 is
    # underestimated by about 15%.
    winsorised = ratio_funnel_overdispersion(observed, expected, "additive")
    assert 0.75 * 0.01 < winsorised.dispersion.tau2 < 0.95 * 0.01


def test_additive_funnel_flags_an_injected_outlier_among_overdispersed_units():
    rng = np.random.default_rng(23)
    expected = rng.uniform(300, 3000, 20)
    observed = rng.poisson(expected * rng.gamma(100, 1 / 100, 20))
    observed[0] = rng.poisson(expected[0] * 1.8)  # 80% above: an outlier, not variation
    funnel = ratio_funnel_overdispersion(observed, expected, "additive")
    assert funnel.dispersion.applied == "additive"
    assert funnel.units["significance"].iloc[0] == "High (0.001)"
    assert (funnel.units["significance"].iloc[1:] == "Not significant").mean() >= 0.85


def test_no_overdispersion_falls_back_to_the_exact_poisson_labels_and_limits():
    rng = np.random.default_rng(24)
    expected = rng.uniform(20, 500, 40)
    # counts closer to expected than Poisson: phi well below 1
    observed = np.round(expected + rng.normal(0, 0.3, 40) * np.sqrt(expected)).clip(0)
    funnel = ratio_funnel_overdispersion(observed, expected, "additive", multiplier=100)
    dispersion = funnel.dispersion
    assert not dispersion.adjusted and dispersion.applied == "poisson"
    assert dispersion.tau2 == 0 and dispersion.phi < 1
    assert "no overdispersion to allow for" in dispersion.describe()
    reference = ratio_funnel_significance(observed, expected)["significance"]
    assert funnel.units["significance"].tolist() == reference.tolist()
    # the limits are the exact ones: at the expected count where E events sit on a limit,
    # the limit is events / E
    exact = ratio_funnel_limits(observed, expected, events=[3, 20, 150])
    for name in ("lower95", "upper95", "lower99_8", "upper99_8"):
        at = funnel.limits(exact[f"{name}_expected"])[name]
        np.testing.assert_allclose(at, exact[name], rtol=1e-9, err_msg=name)


def test_lower_poisson_limit_is_zero_where_no_unit_could_be_low():
    funnel = ratio_funnel_overdispersion([2, 3, 4, 5], [3.0, 3.0, 4.0, 5.0], "poisson")
    limits = funnel.limits([1.0, 3.0, 3.7, 10.0])
    # 0 events: the exact upper 95% limit of a count of 0 is 3.689
    assert limits["lower95"].tolist()[:2] == [0.0, 0.0]
    assert limits["lower95"].iloc[2] > 0 and limits["lower95"].iloc[3] > 0


def test_too_few_units_keep_poisson_limits_and_say_why():
    funnel = ratio_funnel_overdispersion([50, 90], [60.0, 70.0], "additive")
    assert funnel.dispersion.n_units == 2 < MIN_UNITS
    assert not funnel.dispersion.adjusted
    assert "cannot be estimated" in funnel.dispersion.describe()


def test_rate_funnel_overdispersion_with_poisson_limits_matches_rate_funnel_labels():
    rng = np.random.default_rng(25)
    population = rng.uniform(50_000, 400_000, 15)
    counts = rng.poisson(population * 0.004 * rng.gamma(30, 1 / 30, 15))
    funnel = rate_funnel_overdispersion(counts, population, "poisson")
    reference = rate_funnel_significance(counts, denominator=population)
    assert funnel.units["significance"].tolist() == reference["significance"].tolist()
    np.testing.assert_allclose(funnel.units["value"], reference["value"])
    assert "Poisson limits" in funnel.dispersion.describe()
    adjusted = rate_funnel_overdispersion(counts, population, "additive")
    assert adjusted.dispersion.adjusted
    # z-scores are on the square-root scale: 2 (sqrt(O) - sqrt(E))
    expected = population * counts.sum() / population.sum()
    np.testing.assert_allclose(adjusted.units["z"], 2 * (np.sqrt(counts) - np.sqrt(expected)))
    # limits at a population are the ratio limits times the baseline rate
    baseline = counts.sum() / population.sum() * 100_000
    at = adjusted.limits([200_000.0])
    half = 1.959964 * np.sqrt(1 / (4 * 200_000 * baseline / 100_000) + adjusted.dispersion.tau2)
    assert at["upper95"].iloc[0] == pytest.approx(baseline * (1 + half) ** 2, rel=1e-6)


def test_proportion_funnel_overdispersion_on_beta_binomial_areas():
    rng = np.random.default_rng(26)
    n = rng.integers(500, 20_000, 2000)
    shares = rng.beta(30 * 0.3, 30 * 0.7, n.size)  # between-area sd about 0.082
    x = rng.binomial(n, shares)
    for scale in ("identity", "arcsine"):
        funnel = proportion_funnel_overdispersion(x, n, "additive", scale=scale)
        assert funnel.dispersion.adjusted
        assert flagged(funnel.units["significance"], 0.95).mean() == pytest.approx(0.05, abs=0.015)
    identity = proportion_funnel_overdispersion(x, n, "additive")
    assert identity.dispersion.tau2 == pytest.approx(0.3 * 0.7 / 31, rel=0.1)
    assert set(identity.units["significance"]) <= set(SIGNIFICANCE_LABELS)


def test_proportion_funnel_without_overdispersion_keeps_wilson_labels():
    rng = np.random.default_rng(27)
    n = rng.integers(200, 2000, 30)
    x = np.round(n * 0.4).astype(int)  # every area exactly at the baseline: phi about 0
    funnel = proportion_funnel_overdispersion(x, n, "multiplicative")
    assert not funnel.dispersion.adjusted
    reference = proportion_funnel_significance(x, n, baseline=funnel.limits([1])["baseline"][0])
    assert funnel.units["significance"].tolist() == reference["significance"].tolist()


def test_missing_units_are_left_out_with_a_note():
    observed = pd.Series([50.0, np.nan, 70.0, 120.0, 30.0], index=list("abcde"))
    expected = pd.Series([60.0, 60.0, 60.0, 80.0, 40.0], index=list("abcde"))
    funnel = ratio_funnel_overdispersion(observed, expected, "additive")
    assert funnel.dispersion.n_units == 4
    assert list(funnel.units.index) == list("abcde")
    assert np.isnan(funnel.units.loc["b", "z"]) and pd.isna(funnel.units.loc["b", "significance"])
    assert funnel.units.loc["b", "note"] == "not calculated: observed missing"


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="method must be one of"):
        ratio_funnel_overdispersion([1, 2, 3], [1, 2, 3], "random")
    with pytest.raises(ValueError, match="winsorise share"):
        ratio_funnel_overdispersion([1, 2, 3], [1, 2, 3], "additive", winsorise_share=0.5)
    with pytest.raises(ValueError, match="expected must be greater than zero"):
        ratio_funnel_overdispersion([1, 2, 3], [1, 0, 3])
