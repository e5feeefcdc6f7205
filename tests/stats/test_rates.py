"""Crude rates and Poisson limits: reference values (PHEindicatormethods) and simulation."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from snalib.stats import byar_limits, crude_rate, exact_poisson_limits

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "methods"
RTOL = 1e-6


def _reference(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / name, keep_default_na=True)


# Reference values ------------------------------------------------------------------------


def test_byar_limits_match_reference_counts():
    reference = _reference("byar_wilson_limits.csv").query("method == 'Byar'")
    for level, rows in reference.groupby("confidence"):
        result = byar_limits(rows["x"].to_numpy(), confidence=level)
        np.testing.assert_allclose(result["upper"], rows["upper"], rtol=RTOL)
        np.testing.assert_allclose(result["lower"], rows["lower"], rtol=RTOL)  # NaN == NaN


def test_byar_lower_limit_negative_is_nan_with_note():
    result = byar_limits([1, 10], confidence=0.998)
    assert np.isnan(result["lower"].iloc[0])
    assert "Byar lower limit undefined" in result["note"].iloc[0]
    assert "99.8%" in result["note"].iloc[0]
    assert result["lower"].iloc[1] == pytest.approx(2.916318374695686, rel=RTOL)
    assert result["note"].iloc[1] == ""


def test_crude_rate_matches_reference_at_95_and_99_8():
    reference = _reference("crude_rates.csv")
    for multiplier, rows in reference.groupby("multiplier", sort=False):
        result = crude_rate(
            rows["numerator"], rows["denominator"], multiplier=multiplier, confidence=(0.95, 0.998)
        )
        for column in ("value", "lower95", "upper95", "lower99_8", "upper99_8"):
            np.testing.assert_allclose(result[column], rows[column], rtol=RTOL, err_msg=column)
        expected_method = rows["method"].fillna("")
        assert result["method"].tolist() == expected_method.tolist()


def test_crude_rate_matches_aggregated_reference_at_95():
    reference = _reference("crude_rates_aggregated.csv")
    result = crude_rate(reference["numerator"], reference["denominator"], multiplier=100_000)
    for column, expected in (("value", "value"), ("lower", "lower95"), ("upper", "upper95")):
        np.testing.assert_allclose(result[column], reference[expected], rtol=RTOL)
    assert result["confidence"].eq(0.95).all()


def test_crude_rate_switches_from_exact_to_byar_at_ten():
    result = crude_rate([0, 9, 10], 1000, multiplier=1000)
    assert result["method"].tolist() == ["Exact", "Exact", "Byar"]
    exact_9 = exact_poisson_limits(9)
    byar_10 = byar_limits(10)
    assert result["lower"].iloc[1] == pytest.approx(exact_9["lower"].iloc[0])
    assert result["upper"].iloc[2] == pytest.approx(byar_10["upper"].iloc[0])


def test_crude_rate_of_zero_has_lower_limit_zero_and_exact_upper():
    result = crude_rate(0, 50_000)
    assert result["value"].iloc[0] == 0
    assert result["lower"].iloc[0] == 0
    # Exact upper limit on a zero count is -ln(alpha/2) events.
    assert result["upper"].iloc[0] == pytest.approx(-np.log(0.025) / 50_000 * 100_000)


def test_exact_poisson_limits_have_the_defining_tail_probabilities():
    counts = np.array([1, 3, 7, 25, 140])
    result = exact_poisson_limits(counts, confidence=0.9)
    # P(X >= x | lower) = 0.05 and P(X <= x | upper) = 0.05
    np.testing.assert_allclose(stats.poisson.sf(counts - 1, result["lower"]), 0.05, rtol=1e-9)
    np.testing.assert_allclose(stats.poisson.cdf(counts, result["upper"]), 0.05, rtol=1e-9)


def test_crude_rate_missing_inputs_give_nan_with_reason():
    result = crude_rate([np.nan, 10, None], [100, np.nan, np.nan])
    assert result["value"].isna().all()
    assert result["lower"].isna().all() and result["upper"].isna().all()
    assert result["note"].tolist() == [
        "not calculated: count missing",
        "not calculated: denominator missing",
        "not calculated: count and denominator missing",
    ]


def test_crude_rate_numerator_above_denominator_is_allowed():
    result = crude_rate(250, 220)
    assert result["value"].iloc[0] == pytest.approx(113636.36363636365, rel=RTOL)


def test_crude_rate_statistic_names_multiplier():
    assert crude_rate(5, 100)["statistic"].iloc[0] == "rate per 100,000"
    assert crude_rate(5, 100, multiplier=1000)["statistic"].iloc[0] == "rate per 1,000"


def test_crude_rate_several_levels_give_suffixed_columns():
    result = crude_rate(20, 1000, confidence=(0.95, 0.998, 0.9))
    for column in ("lower95", "upper95", "lower99_8", "upper99_8", "lower90", "upper90"):
        assert column in result.columns
    assert "lower" not in result.columns
    assert result["confidence"].iloc[0] == "0.95, 0.998, 0.9"
    assert result["lower99_8"].iloc[0] < result["lower95"].iloc[0] < result["lower90"].iloc[0]


def test_crude_rate_keeps_series_index_and_broadcasts_scalars():
    counts = pd.Series([5, 50], index=["Barnet", "Brent"])
    result = crude_rate(counts, 10_000)
    assert result.index.tolist() == ["Barnet", "Brent"]
    assert result["value"].tolist() == pytest.approx([50.0, 500.0])


@pytest.mark.parametrize(
    ("count", "denominator", "message"),
    [
        (-1, 100, "count must be zero or more"),
        (5, 0, "denominator must be greater than zero"),
        (5, -10, "denominator must be greater than zero"),
        (np.inf, 10, "count must be finite"),
        ("five", 10, "count must be numeric"),
    ],
)
def test_crude_rate_invalid_input_raises(count, denominator, message):
    with pytest.raises(ValueError, match=message):
        crude_rate(count, denominator)


@pytest.mark.parametrize("confidence", [95, 0, 1, (0.95, 0.95), ()])
def test_crude_rate_invalid_confidence_raises(confidence):
    with pytest.raises(ValueError, match="confidence"):
        crude_rate(5, 100, confidence=confidence)


def test_crude_rate_series_with_different_index_raises():
    with pytest.raises(ValueError, match="different index"):
        crude_rate(pd.Series([1, 2], index=[0, 1]), pd.Series([10, 20], index=[1, 2]))


# Simulation: known truth -------------------------------------------------------------------


def _coverage(expected_count: float, population: float, n_sims: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    true_rate = expected_count / population * 100_000
    counts = rng.poisson(expected_count, size=n_sims)
    result = crude_rate(counts, population)
    return float(((result["lower"] <= true_rate) & (result["upper"] >= true_rate)).mean())


@pytest.mark.parametrize("expected_count", [60.0, 400.0])
def test_crude_rate_ci_coverage_near_95_percent_in_simulation(expected_count):
    coverage = _coverage(expected_count, 250_000, n_sims=4000, seed=20240601)
    # Monte Carlo SE about 0.0035; Byar's coverage is at or slightly above nominal.
    assert 0.94 <= coverage <= 0.965


def test_crude_rate_ci_coverage_at_least_nominal_for_small_counts():
    coverage = _coverage(4.0, 250_000, n_sims=4000, seed=7)
    assert coverage >= 0.945  # exact method: conservative (true coverage 0.98 here)


@pytest.mark.slow
@pytest.mark.parametrize("expected_count", [3.0, 8.0, 12.0, 30.0, 150.0, 2500.0])
def test_crude_rate_ci_coverage_near_95_percent_large_simulation(expected_count):
    coverage = _coverage(expected_count, 300_000, n_sims=40_000, seed=11)
    assert coverage >= 0.95 - 0.0035  # 3 Monte Carlo SEs
    assert coverage <= 0.99
