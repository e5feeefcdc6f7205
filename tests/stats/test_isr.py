"""Indirectly standardised ratios and rates: reference values and synthetic truth."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from snalib.stats import (
    indirectly_standardised_rate,
    indirectly_standardised_ratio,
    standardised_ratio,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "methods"
RTOL = 1e-6
LIMITS = ["lower95", "upper95", "lower99_8", "upper99_8"]


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "isr_expected.csv")


@pytest.fixture(scope="module")
def inputs() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "isr_inputs.csv")


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "isr_reference.csv")


def _compare(result: pd.DataFrame, wanted: pd.DataFrame, limits: list[str]) -> None:
    result = result.set_index("area").loc[wanted["area"]]
    np.testing.assert_array_equal(result["observed"], wanted["observed"])
    np.testing.assert_allclose(result["expected"], wanted["expected"], rtol=RTOL)
    for column in ["value", *limits]:
        np.testing.assert_allclose(result[column], wanted[column], rtol=RTOL, err_msg=column)
    assert result["method"].tolist() == wanted["method"].tolist()


# Reference values ------------------------------------------------------------------------


@pytest.mark.parametrize("multiplier", [1, 100])
def test_isr_matches_reference_with_a_reference_table(inputs, reference, expected, multiplier):
    wanted = expected.query("case == 'multiarea' and statistic == 'ratio'")
    wanted = wanted[wanted["multiplier"] == multiplier]
    result = indirectly_standardised_ratio(
        inputs, by="area", reference=reference, multiplier=multiplier, confidence=(0.95, 0.998)
    )
    _compare(result, wanted, LIMITS)
    assert set(result["statistic"]) == {f"indirectly standardised ratio x {multiplier}"}


def test_isr_matches_reference_with_reference_columns_in_the_data(inputs, expected):
    wanted = expected.query("case == 'multiarea' and statistic == 'ratio' and multiplier == 1")
    result = indirectly_standardised_ratio(inputs, by="area", confidence=(0.95, 0.998))
    _compare(result, wanted, LIMITS)


def test_isr_matches_reference_with_observed_totals(inputs, reference, expected):
    wanted = expected.query("case == 'multiarea' and statistic == 'ratio' and multiplier == 1")
    totals = pd.Series({"testdata_big": 895, "testdata_small": 91, "testdata_tiny": 9})
    result = indirectly_standardised_ratio(
        inputs.drop(columns="count"), by="area", reference=reference, observed=totals,
        confidence=(0.95, 0.998),
    )  # fmt: skip
    _compare(result, wanted, LIMITS)


@pytest.mark.parametrize("multiplier", [1_000, 100_000])
def test_isr_rate_matches_reference(inputs, reference, expected, multiplier):
    wanted = expected.query("case == 'multiarea' and statistic == 'rate'")
    wanted = wanted[wanted["multiplier"] == multiplier]
    result = indirectly_standardised_rate(
        inputs, by="area", reference=reference, multiplier=multiplier, confidence=(0.95, 0.998)
    )
    _compare(result, wanted, LIMITS)
    np.testing.assert_allclose(result["reference_rate"], wanted["reference_rate"], rtol=RTOL)
    assert set(result["statistic"]) == {f"indirectly standardised rate per {multiplier:,}"}


@pytest.mark.parametrize(("statistic", "multiplier"), [("ratio", 100), ("rate", 100_000)])
def test_isr_with_a_population_of_zero_in_one_band_matches_reference(
    reference, expected, statistic, multiplier
):
    data = pd.read_csv(FIXTURES / "isr_zero_population_inputs.csv")
    wanted = expected.query("case == 'zero_population' and statistic == @statistic")
    function = (
        indirectly_standardised_ratio if statistic == "ratio" else indirectly_standardised_rate
    )
    result = function(data, by="area", reference=reference, multiplier=multiplier)
    _compare(result.rename(columns={"lower": "lower95", "upper": "upper95"}), wanted, LIMITS[:2])


def test_isr_missing_band_values_are_read_as_zero_with_a_note(inputs, reference):
    result = indirectly_standardised_ratio(inputs, by="area", reference=reference)
    tiny = result.set_index("area").loc["testdata_tiny"]
    assert "population missing for age band(s) 10-14, read as 0" in tiny["note"]
    assert "count missing for age band(s) 10-14, read as 0" in tiny["note"]
    strict = indirectly_standardised_ratio(inputs, by="area", reference=reference, missing="nan")
    strict = strict.set_index("area")
    assert np.isnan(strict.loc["testdata_tiny", "value"])
    assert strict.loc["testdata_big", "value"] == pytest.approx(895 / 835.8835612311743)


# Validation ------------------------------------------------------------------------------


def test_isr_refuses_an_age_band_not_in_the_reference(inputs, reference):
    bad = inputs.assign(age_band=inputs["age_band"].replace({"55-59": "55-69"}))
    with pytest.raises(ValueError, match=r"not in the reference: \['55-69'\]"):
        indirectly_standardised_ratio(bad, by="area", reference=reference)


def test_isr_refuses_a_reference_population_of_zero(inputs, reference):
    bad = reference.assign(population=reference["population"].where(reference.index != 3, 0))
    with pytest.raises(ValueError, match="reference population must be greater than zero"):
        indirectly_standardised_ratio(inputs, by="area", reference=bad)


def test_isr_group_lacking_a_band_is_not_calculated(inputs, reference):
    short = inputs.drop(index=inputs.index[(inputs["area"] == "testdata_small")][:1])
    result = indirectly_standardised_ratio(short, by="area", reference=reference)
    small = result.set_index("area").loc["testdata_small"]
    assert np.isnan(small["value"])
    assert small["note"] == "not calculated: no row for age band(s) 0-4"
    # a band no group has is missing too (the reference has it)
    no_oldest = inputs[inputs["age_band"] != "90+"]
    result = indirectly_standardised_ratio(no_oldest, by="area", reference=reference)
    assert result["value"].isna().all()
    assert result["note"].str.startswith("not calculated: no row for age band(s) 90+").all()


def test_standardised_ratio_with_no_expected_events_says_why():
    result = standardised_ratio([5, 5], [10, 0], multiplier=100)
    assert result["value"].iloc[0] == pytest.approx(50)
    assert np.isnan(result["value"].iloc[1])
    assert result["note"].iloc[1] == "not calculated: expected count is 0"
    assert result["method"].tolist() == ["Exact", "Exact"]


# Synthetic truth -------------------------------------------------------------------------


def test_isr_recovers_an_injected_ratio_and_its_interval_covers_it():
    """Areas with every age-specific rate 1.3 times the reference's: the ISR is about 1.3,
    and 95% intervals cover 1.3 in about 95% of simulated areas."""
    rng = np.random.default_rng(42)
    bands = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
    reference = pd.DataFrame(
        {
            "age_band": bands,
            "count": rng.integers(200, 2000, len(bands)),
            "population": rng.integers(40_000, 70_000, len(bands)),
        }
    )
    rates = reference["count"] / reference["population"]
    areas = 2000
    population = rng.integers(200, 2000, size=(areas, len(bands)))
    counts = rng.poisson(1.3 * population * rates.to_numpy())
    data = pd.DataFrame(
        {
            "area": np.repeat(np.arange(areas), len(bands)),
            "age_band": np.tile(bands, areas),
            "count": counts.ravel(),
            "population": population.ravel(),
        }
    )
    result = indirectly_standardised_ratio(data, by="area", reference=reference)
    assert result["value"].median() == pytest.approx(1.3, abs=0.01)
    covered = ((result["lower"] <= 1.3) & (result["upper"] >= 1.3)).mean()
    assert covered == pytest.approx(0.95, abs=0.015)
