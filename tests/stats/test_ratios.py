"""Rate ratios (exact conditional test) and minimum detectable ratios."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from snalib.stats import minimum_detectable_ratio, rate_ratio

# Reference values --------------------------------------------------------------------------


def test_rate_ratio_matches_r_poisson_test_example():
    # R documentation, ?poisson.test: poisson.test(c(11, 6+8+7), c(800, 1083+1050+878))
    # prints rate ratio 1.971488, 95 percent CI 0.8584264 4.2772659 (same exact
    # conditional Clopper-Pearson interval). R's p-value (0.07967) uses the
    # "minimum likelihood" two-sided rule; ours is the central one, checked below.
    result = rate_ratio(11, 800, 6 + 8 + 7, 1083 + 1050 + 878)
    assert result["value"].iloc[0] == pytest.approx(1.971488, rel=1e-6)
    assert result["lower"].iloc[0] == pytest.approx(0.8584264, rel=1e-6)
    assert result["upper"].iloc[0] == pytest.approx(4.2772659, rel=1e-6)


def test_rate_ratio_p_value_is_twice_the_smaller_binomial_tail():
    a, b, d_a, d_b = 11, 21, 800.0, 3011.0
    share = d_a / (d_a + d_b)
    outcomes = np.arange(a + b + 1)
    pmf = stats.binom.pmf(outcomes, a + b, share)
    expected = min(1.0, 2 * min(pmf[outcomes <= a].sum(), pmf[outcomes >= a].sum()))
    result = rate_ratio(a, d_a, b, d_b)
    assert result["p_value"].iloc[0] == pytest.approx(expected, rel=1e-10)
    assert result["p_value"].iloc[0] == pytest.approx(0.112017, abs=1e-6)


def test_rate_ratio_p_value_below_alpha_exactly_when_interval_excludes_one():
    grid = [(a, b) for a in range(0, 60, 3) for b in range(0, 60, 4) if a + b > 0]
    a, b = np.array(grid).T
    result = rate_ratio(a, 10_000, b, 12_500)
    significant = result["p_value"] <= 0.05
    excludes_one = (result["lower"] > 1) | (result["upper"] < 1)
    assert (significant == excludes_one).all()
    assert significant.sum() > 50  # the grid includes plenty of both


def test_rate_ratio_interval_maps_clopper_pearson_limits():
    a, b, d_a, d_b = 30, 45, 5000.0, 6000.0
    interval = stats.binomtest(a, a + b).proportion_ci(confidence_level=0.9, method="exact")
    result = rate_ratio(a, d_a, b, d_b, confidence=0.9)
    to_ratio = lambda share: share / (1 - share) * d_b / d_a  # noqa: E731
    assert result["lower"].iloc[0] == pytest.approx(to_ratio(interval.low), rel=1e-9)
    assert result["upper"].iloc[0] == pytest.approx(to_ratio(interval.high), rel=1e-9)


def test_rate_ratio_zero_count_a_gives_ratio_zero_with_note():
    result = rate_ratio(0, 1000, 12, 1000)
    assert result["value"].iloc[0] == 0
    assert result["lower"].iloc[0] == 0
    assert 0 < result["upper"].iloc[0] < 1
    assert "count_a is 0" in result["note"].iloc[0]
    assert result["p_value"].iloc[0] == pytest.approx(2 * 0.5**12)


def test_rate_ratio_zero_count_b_gives_infinite_ratio_with_note():
    result = rate_ratio(12, 1000, 0, 1000)
    assert np.isinf(result["value"].iloc[0]) and np.isinf(result["upper"].iloc[0])
    assert result["lower"].iloc[0] > 1
    assert "count_b is 0" in result["note"].iloc[0]


def test_rate_ratio_no_events_is_undefined_with_note():
    result = rate_ratio(0, 1000, 0, 1000)
    assert result[["value", "lower", "upper", "p_value"]].isna().all(axis=None)
    assert "no events in either group" in result["note"].iloc[0]


def test_rate_ratio_missing_input_gives_nan_with_reason():
    result = rate_ratio([np.nan, 5], 1000, [3, 5], [1000, np.nan])
    assert result["value"].isna().all()
    assert result["note"].tolist() == [
        "not calculated: count_a missing",
        "not calculated: denominator_b missing",
    ]


def test_rate_ratio_several_levels_and_series_index():
    counts = pd.Series([40, 55], index=["2023", "2024"])
    result = rate_ratio(counts, 90_000, 50, 88_000, confidence=(0.95, 0.998))
    assert result.index.tolist() == ["2023", "2024"]
    assert (result["lower99_8"] < result["lower95"]).all()
    assert (result["upper95"] < result["upper99_8"]).all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, 10, 2, 10), "count_a must be zero or more"),
        ((1.5, 10, 2, 10), "whole numbers"),
        ((1, 0, 2, 10), "denominator_a must be greater than zero"),
        ((1, 10, 2, -3), "denominator_b must be greater than zero"),
    ],
)
def test_rate_ratio_invalid_input_raises(args, message):
    with pytest.raises(ValueError, match=message):
        rate_ratio(*args)


# Simulation: known truth -------------------------------------------------------------------


def _simulate_rate_ratio(true_ratio, expected_b, d_a, d_b, n_sims, seed):
    rng = np.random.default_rng(seed)
    expected_a = true_ratio * expected_b * d_a / d_b
    return rate_ratio(rng.poisson(expected_a, n_sims), d_a, rng.poisson(expected_b, n_sims), d_b)


def test_rate_ratio_ci_covers_true_ratio_about_95_percent():
    result = _simulate_rate_ratio(1.4, 60, 110_000, 100_000, n_sims=4000, seed=1)
    coverage = ((result["lower"] <= 1.4) & (result["upper"] >= 1.4)).mean()
    assert 0.94 <= coverage <= 0.975  # exact: at least nominal, slightly conservative


def test_rate_ratio_calls_a_difference_in_about_5_percent_of_null_simulations():
    result = _simulate_rate_ratio(1.0, 80, 100_000, 100_000, n_sims=4000, seed=2)
    false_alarms = (result["p_value"] <= 0.05).mean()
    # Exact, so at most nominal (up to Monte Carlo error, SE 0.0035), and not far below.
    assert 0.025 <= false_alarms <= 0.06


def test_rate_ratio_detects_a_large_injected_change():
    result = _simulate_rate_ratio(0.5, 200, 100_000, 100_000, n_sims=500, seed=3)
    detected = ((result["p_value"] <= 0.05) & (result["value"] < 1)).mean()
    assert detected > 0.99
    assert result["value"].median() == pytest.approx(0.5, abs=0.05)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("true_ratio", "expected_b", "d_a"), [(1.0, 5, 1.0), (1.0, 25, 2.0), (0.7, 150, 1.0)]
)
def test_rate_ratio_ci_coverage_and_null_rate_large_simulation(true_ratio, expected_b, d_a):
    result = _simulate_rate_ratio(true_ratio, expected_b, d_a, 1.0, n_sims=40_000, seed=5)
    usable = result["value"].notna()
    coverage = ((result["lower"] <= true_ratio) & (result["upper"] >= true_ratio))[usable].mean()
    assert coverage >= 0.95 - 0.0033
    if true_ratio == 1.0:
        assert (result["p_value"][usable] <= 0.05).mean() <= 0.05 + 0.0033


# Minimum detectable ratio ----------------------------------------------------------------


def test_minimum_detectable_ratio_sqrt_method_matches_closed_form():
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    step = z * np.sqrt(2) / (2 * np.sqrt(100))
    result = minimum_detectable_ratio(100, 1, 1, method="sqrt")
    assert result["value"].iloc[0] == pytest.approx((1 - step) ** 2, rel=1e-12)
    rise = minimum_detectable_ratio(100, 1, 1, method="sqrt", direction="increase")
    assert rise["value"].iloc[0] == pytest.approx((1 + step) ** 2, rel=1e-12)


def test_minimum_detectable_ratio_exact_and_sqrt_agree_for_large_counts():
    exact = minimum_detectable_ratio(2000, 1.0, 1.0)["value"].iloc[0]
    approximate = minimum_detectable_ratio(2000, 1.0, 1.0, method="sqrt")["value"].iloc[0]
    assert exact == pytest.approx(approximate, rel=2e-3)


def test_minimum_detectable_ratio_shrinks_towards_one_as_counts_grow():
    result = minimum_detectable_ratio([20, 100, 1000], 1.0, 1.0)
    assert result["value"].is_monotonic_increasing
    assert (result["value"] < 1).all()
    assert result["change_percent"].iloc[0] == pytest.approx((result["value"].iloc[0] - 1) * 100)


def test_minimum_detectable_ratio_tiny_baseline_cannot_detect_decrease():
    result = minimum_detectable_ratio(3, 1.0, 1.0)
    assert np.isnan(result["value"].iloc[0])
    assert "no decrease is detectable" in result["note"].iloc[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"direction": "down"}, "direction"),
        ({"method": "normal"}, "method"),
        ({"alpha": 5}, "alpha"),
        ({"power": 1.0}, "power"),
    ],
)
def test_minimum_detectable_ratio_invalid_argument_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        minimum_detectable_ratio(50, 1.0, 1.0, **kwargs)


def test_minimum_detectable_ratio_zero_baseline_raises():
    with pytest.raises(ValueError, match="expected_count_b must be greater than zero"):
        minimum_detectable_ratio(0, 1.0, 1.0)


def _simulated_power(ratio, expected_b, d_a, d_b, direction, n_sims, seed):
    result = _simulate_rate_ratio(ratio, expected_b, d_a, d_b, n_sims=n_sims, seed=seed)
    right_way = result["value"] < 1 if direction == "decrease" else result["value"] > 1
    return float(((result["p_value"] <= 0.05) & right_way).mean())


@pytest.mark.parametrize(
    ("expected_b", "d_a", "direction"), [(40, 1.0, "decrease"), (120, 1.3, "increase")]
)
def test_minimum_detectable_ratio_gives_80_percent_power_in_simulation(expected_b, d_a, direction):
    ratio = minimum_detectable_ratio(expected_b, d_a, 1.0, direction=direction)["value"].iloc[0]
    power = _simulated_power(ratio, expected_b, d_a, 1.0, direction, n_sims=5000, seed=8)
    assert power == pytest.approx(0.8, abs=0.02)  # Monte Carlo SE about 0.0057


@pytest.mark.slow
@pytest.mark.parametrize(
    ("expected_b", "d_a", "direction"),
    [(15, 1.0, "decrease"), (60, 0.5, "decrease"), (500, 1.0, "decrease"), (8, 2.0, "increase")],
)
def test_minimum_detectable_ratio_gives_80_percent_power_large_simulation(
    expected_b, d_a, direction
):
    ratio = minimum_detectable_ratio(expected_b, d_a, 1.0, direction=direction)["value"].iloc[0]
    power = _simulated_power(ratio, expected_b, d_a, 1.0, direction, n_sims=50_000, seed=9)
    assert power == pytest.approx(0.8, abs=0.006)  # about 3 Monte Carlo SEs
