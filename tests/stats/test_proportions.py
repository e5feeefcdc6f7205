"""Wilson score proportions: reference values (PHEindicatormethods) and simulation."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from snalib.stats import proportion, wilson_limits

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "methods"
RTOL = 1e-6
Z95 = stats.norm.ppf(0.975)


def test_wilson_limits_match_reference():
    reference = pd.read_csv(FIXTURES / "byar_wilson_limits.csv").query("method == 'Wilson'")
    for level, rows in reference.groupby("confidence"):
        result = wilson_limits(rows["x"], rows["n"], confidence=level)
        np.testing.assert_allclose(result["lower"], rows["lower"], rtol=RTOL)
        np.testing.assert_allclose(result["upper"], rows["upper"], rtol=RTOL)
        assert (result["method"] == "Wilson").all()


def test_proportion_matches_reference_at_95_and_99_8():
    reference = pd.read_csv(FIXTURES / "proportions.csv")
    for multiplier, rows in reference.groupby("multiplier", sort=False):
        result = proportion(
            rows["numerator"], rows["denominator"], multiplier=multiplier, confidence=(0.95, 0.998)
        )
        for column in ("value", "lower95", "upper95", "lower99_8", "upper99_8"):
            np.testing.assert_allclose(result[column], rows[column], rtol=RTOL, err_msg=column)


def test_proportion_matches_aggregated_reference_at_95():
    reference = pd.read_csv(FIXTURES / "proportions_aggregated.csv")
    result = proportion(reference["numerator"], reference["denominator"], multiplier=1)
    np.testing.assert_allclose(result["value"], reference["value"], rtol=RTOL)
    np.testing.assert_allclose(result["lower"], reference["lower95"], rtol=RTOL)
    np.testing.assert_allclose(result["upper"], reference["upper95"], rtol=RTOL)


def test_proportion_missing_inputs_give_nan_with_reason():
    result = proportion([np.nan, 10, np.nan], [100, np.nan, np.nan])
    assert result[["value", "lower", "upper"]].isna().all().all()
    assert result["note"].tolist() == [
        "not calculated: numerator missing",
        "not calculated: denominator missing",
        "not calculated: numerator and denominator missing",
    ]


def test_proportion_zero_numerator_has_lower_zero_and_wilson_upper():
    result = proportion(0, 40)
    assert result["lower"].iloc[0] == 0.0
    assert result["upper"].iloc[0] == pytest.approx(100 * Z95**2 / (40 + Z95**2), rel=1e-12)


def test_proportion_numerator_equal_denominator_has_upper_at_multiplier():
    result = proportion(40, 40)
    assert result["value"].iloc[0] == 100.0
    assert result["upper"].iloc[0] == 100.0
    assert result["lower"].iloc[0] == pytest.approx(100 * 40 / (40 + Z95**2), rel=1e-12)


def test_proportion_statistic_names_scale():
    assert proportion(1, 10)["statistic"].iloc[0] == "percentage"
    assert proportion(1, 10, multiplier=1)["statistic"].iloc[0] == "proportion of 1"
    assert proportion(1, 10, multiplier=1000)["statistic"].iloc[0] == "proportion per 1,000"


@pytest.mark.parametrize(
    ("numerator", "denominator", "message"),
    [
        (11, 10, "numerator must not exceed denominator"),
        (-1, 10, "numerator must be zero or more"),
        (0, 0, "denominator must be greater than zero"),
    ],
)
def test_proportion_invalid_input_raises(numerator, denominator, message):
    with pytest.raises(ValueError, match=message):
        proportion(numerator, denominator)


def test_proportion_limits_bracket_value_and_stay_in_range():
    numerators = np.array([0, 1, 5, 50, 99, 100])
    result = proportion(numerators, 100, confidence=(0.95, 0.998))
    assert (result["lower99_8"] <= result["lower95"]).all()
    assert (result["lower95"] <= result["value"]).all()
    assert (result["value"] <= result["upper95"]).all()
    assert (result["upper95"] <= result["upper99_8"]).all()
    assert result["lower99_8"].min() >= 0 and result["upper99_8"].max() <= 100


# Simulation: known truth -------------------------------------------------------------------


def _coverage(true_share: float, size: int, n_sims: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    numerators = rng.binomial(size, true_share, size=n_sims)
    result = wilson_limits(numerators, size)
    return float(((result["lower"] <= true_share) & (result["upper"] >= true_share)).mean())


@pytest.mark.parametrize(("true_share", "size"), [(0.3, 400), (0.05, 2000)])
def test_wilson_ci_coverage_near_95_percent_in_simulation(true_share, size):
    coverage = _coverage(true_share, size, n_sims=4000, seed=99)
    assert 0.935 <= coverage <= 0.965  # Monte Carlo SE about 0.0035


@pytest.mark.slow
@pytest.mark.parametrize(
    ("true_share", "size"), [(0.5, 30), (0.1, 50), (0.3, 200), (0.02, 1000), (0.8, 5000)]
)
def test_wilson_ci_coverage_near_95_percent_large_simulation(true_share, size):
    coverage = _coverage(true_share, size, n_sims=40_000, seed=3)
    # Wilson coverage oscillates around the nominal level at small sizes.
    assert 0.93 <= coverage <= 0.98
