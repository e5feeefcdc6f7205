"""Funnel plot limits and significance labels: reference values and synthetic truth."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from snalib.stats import (
    SIGNIFICANCE_LABELS,
    funnel_axis_points,
    proportion_funnel_limits,
    proportion_funnel_significance,
    rate_funnel_limits,
    rate_funnel_points,
    rate_funnel_significance,
    ratio_funnel_limits,
    ratio_funnel_significance,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "methods"
RTOL = 1e-6
LIMITS = ["lower95", "upper95", "lower99_8", "upper99_8"]


@pytest.fixture(scope="module")
def proportion_inputs() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "funnel_proportion_inputs.csv")


@pytest.fixture(scope="module")
def rate_inputs() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "funnel_rate_inputs.csv")


# Proportions: reference values -----------------------------------------------------------


@pytest.mark.parametrize(
    ("subset", "max_denominator"), [("all", np.inf), ("denominator_below_31000", 31_000)]
)
def test_proportion_funnel_limits_match_reference(proportion_inputs, subset, max_denominator):
    reference = pd.read_csv(FIXTURES / "funnel_proportion_limits.csv").query("subset == @subset")
    areas = proportion_inputs[proportion_inputs["denominator"] < max_denominator]
    result = proportion_funnel_limits(areas["numerator"], areas["denominator"], multiplier=100)
    # The x axis points are reproduced exactly, then the limits at them.
    np.testing.assert_array_equal(result["population"], reference["population"])
    for column in [*LIMITS, "baseline"]:
        # reference rounded to 6 decimals upstream, hence the absolute tolerance
        np.testing.assert_allclose(
            result[column], reference[column], rtol=RTOL, atol=5e-7, err_msg=column
        )


def test_proportion_funnel_significance_matches_reference_labels(proportion_inputs):
    result = proportion_funnel_significance(
        proportion_inputs["numerator"], proportion_inputs["denominator"]
    )
    assert result["significance"].tolist() == proportion_inputs["significance"].tolist()
    assert set(result["significance"]) == set(SIGNIFICANCE_LABELS)


def test_proportion_funnel_limits_are_clipped_to_multiplier_scale():
    result = proportion_funnel_limits([1, 9], [10, 10], multiplier=1, population=[1, 4, 1000])
    assert result[LIMITS].min().min() >= 0
    assert result[LIMITS].max().max() <= 1
    assert result["upper99_8"].iloc[0] == 1.0 and result["lower99_8"].iloc[0] == 0.0
    assert result["baseline"].iloc[0] == pytest.approx(0.5)
    assert result["statistic"].iloc[0] == "proportion of 1"


def test_proportion_funnel_limits_are_where_wilson_interval_reaches_baseline():
    baseline = 0.3
    result = proportion_funnel_limits([30], [100], multiplier=1, population=[50, 500])
    from snalib.stats import wilson_limits

    # An area sitting exactly on the upper 95% limit has a Wilson lower limit = baseline.
    on_limit = wilson_limits(result["upper95"] * result["population"], result["population"])
    np.testing.assert_allclose(on_limit["lower"], baseline, rtol=1e-9)


@pytest.mark.parametrize(
    ("numerator", "denominator", "message"),
    [
        ([5, 11], [10, 10], "numerator must not exceed denominator"),
        ([5, -1], [10, 10], "numerator must be zero or more"),
        ([5, 1], [10, 0], "denominator must be greater than zero"),
    ],
)
def test_proportion_funnel_invalid_input_raises(numerator, denominator, message):
    with pytest.raises(ValueError, match=message):
        proportion_funnel_significance(numerator, denominator)


def test_proportion_funnel_significance_missing_input_is_nan_with_reason():
    result = proportion_funnel_significance([50, np.nan, 70], [100, 100, 100])
    assert pd.isna(result["significance"].iloc[1])
    assert result["note"].iloc[1] == "not calculated: numerator missing"
    assert result["baseline"].iloc[0] == pytest.approx(60.0)  # missing area left out


# Rates: reference values -------------------------------------------------------------------


def _rate_case(rate_inputs: pd.DataFrame, case: str) -> dict:
    count, rate = rate_inputs["count"], rate_inputs["rate"]
    largest = count == count.max()
    if case == "dsr":
        return {"count": count, "rate": rate, "rate_type": "dsr"}
    if case == "crude_largest_count_set_to_5":
        return {"count": count.where(~largest, 5), "rate": rate, "rate_type": "crude"}
    # crude, with the denominator implied by each rate, the largest count set to 0,
    # keeping only the larger half of areas (upstream testFunnels.R)
    population = 1e5 * count / rate
    keep = population > population.max() / 2
    return {
        "count": count.where(~largest, 0)[keep],
        "rate": rate.where(~largest, 0)[keep],
        "denominator": population[keep],
        "rate_type": "crude",
    }


@pytest.mark.parametrize(
    "case", ["dsr", "crude_largest_count_set_to_5", "crude_zero_count_with_denominator"]
)
def test_rate_funnel_limits_match_reference(rate_inputs, case):
    reference = pd.read_csv(FIXTURES / "funnel_rate_limits.csv").query("case == @case")
    result = rate_funnel_limits(
        multiplier=100_000, years_of_data=3, **_rate_case(rate_inputs, case)
    )
    np.testing.assert_array_equal(result["events"], reference["events"])
    np.testing.assert_allclose(result["baseline"], reference["baseline"], rtol=RTOL)
    assert result["statistic"].tolist() == reference["statistic"].tolist()
    events = reference["events"].to_numpy()
    baseline_per_person = reference["baseline"].iloc[0] / 100_000
    for column in LIMITS:
        ours = result[f"{column}_population"].to_numpy()
        theirs = reference[f"{column}_population"].to_numpy()
        # Upstream bisects on v = mu / (1 + events + mu), mu the expected count, to a step
        # of 6e-8: compare every cell on that scale ...
        mu_ours, mu_theirs = ours * 3 * baseline_per_person, theirs * 3 * baseline_per_person
        v_ours, v_theirs = mu_ours / (1 + events + mu_ours), mu_theirs / (1 + events + mu_theirs)
        np.testing.assert_allclose(v_ours, v_theirs, rtol=0, atol=1e-7, err_msg=column)
        # ... and relatively to 1e-6, or to the bisection's own error bound on mu,
        # step / (v (1 - v)), where that is larger: only at one event, for the upper
        # limits, whose expected counts are tiny (4 cells across the cases).
        cell_tolerance = np.maximum(RTOL, 6e-8 / (v_theirs * (1 - v_theirs)))
        for name in (f"{column}_population", column):
            relative = np.abs(result[name].to_numpy() / reference[name].to_numpy() - 1)
            assert (relative <= cell_tolerance).all(), name
            assert set(events[relative > RTOL]) <= {1}, name


def test_rate_funnel_limits_at_one_event_agree_with_exact_chi_square_values(rate_inputs):
    """The 4 imprecise upstream cells: check ours directly against their definition."""
    result = rate_funnel_limits(years_of_data=3, events=[1], **_rate_case(rate_inputs, "dsr"))
    per_person = result["baseline"].iloc[0] / 100_000
    # exact lower limit on 1 event: -ln(1 - alpha/2)
    expected = -np.log(1 - 0.001) / per_person / 3
    assert result["upper99_8_population"].iloc[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("rate_type", "multiplier", "with_zero"),
    [
        (rate_type, multiplier, with_zero)
        for rate_type in ("dsr", "crude")
        for multiplier in (100_000, 100)
        for with_zero in (True, False)
    ],
)
def test_rate_funnel_significance_matches_reference_labels(rate_type, multiplier, with_zero):
    table = pd.read_csv(FIXTURES / "funnel_rate_significance.csv")
    if not with_zero:
        table = table[table["count"] != 0]
    # upstream's dsr tests use the per-100,000 DSRs with both multipliers
    rate_column = "rate_dsr_per_100000" if rate_type == "dsr" else f"rate_crude_per_{multiplier}"
    expected_column = (
        f"expected_{rate_type}_per_{multiplier}_{'with' if with_zero else 'without'}_zero"
    )
    result = rate_funnel_significance(
        table["count"],
        rate=table[rate_column],
        denominator=table["population"],
        rate_type=rate_type,
        multiplier=multiplier,
    )
    assert result["significance"].tolist() == table[expected_column].tolist()


@pytest.mark.parametrize(
    ("variant", "overrides"),
    [
        ("dsr", {"rate_type": "dsr", "years_of_data": 3, "largest": 5}),
        ("crude", {"rate_type": "crude", "years_of_data": 3, "largest": None}),
        ("crude_with_denominator", {"rate_type": "crude", "years_of_data": 5, "largest": 0}),
    ],
)
def test_rate_funnel_points_match_reference(rate_inputs, variant, overrides):
    count = rate_inputs["count"]
    if overrides["largest"] is not None:
        count = count.where(count != count.max(), overrides["largest"])
    result = rate_funnel_points(
        count,
        rate_inputs["rate"],
        denominator=rate_inputs["population"] if variant == "crude_with_denominator" else None,
        rate_type=overrides["rate_type"],
        multiplier=100_000,
        years_of_data=overrides["years_of_data"],
    )
    np.testing.assert_allclose(
        result["rate_chart"], rate_inputs[f"{variant}_rate_chart"], rtol=RTOL
    )
    # reference derived populations are stored to 10 significant figures
    np.testing.assert_allclose(
        result["denominator_derived"], rate_inputs[f"{variant}_denominator_derived"], rtol=RTOL
    )


def test_rate_funnel_dsr_below_10_events_is_labelled_not_applicable():
    result = rate_funnel_significance([5, 50, 500], rate=[80, 90, 100], rate_type="dsr")
    assert result["significance"].iloc[0] == "Not applicable for events less than 10 for dsrs"
    assert result["significance"].iloc[1] in SIGNIFICANCE_LABELS


def test_rate_funnel_crude_zero_count_without_denominator_raises():
    with pytest.raises(ValueError, match="denominator for areas with a count of 0"):
        rate_funnel_significance([0, 50], rate=[0, 90], rate_type="crude")


def test_rate_funnel_dsr_without_rate_raises():
    with pytest.raises(ValueError, match="rate is required"):
        rate_funnel_limits([10, 20], denominator=[1000, 2000], rate_type="dsr")


def test_funnel_axis_points_are_increasing_whole_numbers():
    points = funnel_axis_points(0, 250_000)
    assert len(points) == 100
    assert points[0] == 1 and points[-1] == 250_000
    assert (np.diff(points) >= 1).all()
    assert np.array_equal(points, np.round(points))


# Ratios (observed / expected): reference values ----------------------------------------------


@pytest.fixture(scope="module")
def ratio_inputs() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "funnel_ratio_inputs.csv")


@pytest.mark.parametrize("ratio_type", ["isr", "count"])
def test_ratio_funnel_limits_match_reference(ratio_inputs, ratio_type):
    reference = pd.read_csv(FIXTURES / "funnel_ratio_limits.csv")
    result = ratio_funnel_limits(
        ratio_inputs["observed"], ratio_inputs["expected"], ratio_type=ratio_type
    )
    # the 100 axis points, one step short of 750 as upstream's ratio axis is
    np.testing.assert_array_equal(result["events"], reference["events"])
    assert result["events"].iloc[-1] == 716
    assert set(result["statistic"]) == {f"ratio ({ratio_type})"}
    events = reference["events"].to_numpy()
    for column in LIMITS:
        ours = result[f"{column}_expected"].to_numpy()
        theirs = reference[f"{column}_expected"].to_numpy()
        # Upstream bisects on v = E / (1 + O + E) to a step of 6e-8 (as for rates).
        v_ours, v_theirs = ours / (1 + events + ours), theirs / (1 + events + theirs)
        np.testing.assert_allclose(v_ours, v_theirs, rtol=0, atol=1e-7, err_msg=column)
        cell_tolerance = np.maximum(RTOL, 6e-8 / (v_theirs * (1 - v_theirs)))
        # count limits are ratio - 1: compare the ratios
        limit = result[column].to_numpy() + (1 if ratio_type == "count" else 0)
        wanted = reference[f"{column}_{ratio_type}"].to_numpy() + (
            1 if ratio_type == "count" else 0
        )
        for ours_values, wanted_values in ((ours, theirs), (limit, wanted)):
            relative = np.abs(ours_values / wanted_values - 1)
            assert (relative <= cell_tolerance).all(), column
            assert set(events[relative > RTOL]) <= {1}, column


def test_ratio_funnel_limits_at_one_event_agree_with_exact_chi_square_values(ratio_inputs):
    result = ratio_funnel_limits(ratio_inputs["observed"], ratio_inputs["expected"], events=[1])
    # at one event the upper 99.8% limit sits where E = -ln(1 - alpha/2)
    assert result["upper99_8_expected"].iloc[0] == pytest.approx(-np.log(1 - 0.001), rel=1e-12)
    assert result["upper99_8"].iloc[0] == pytest.approx(100 / -np.log(1 - 0.001), rel=1e-12)


def test_ratio_funnel_significance_matches_reference_labels(ratio_inputs):
    result = ratio_funnel_significance(ratio_inputs["observed"], ratio_inputs["expected"])
    assert result["significance"].tolist() == ratio_inputs["significance"].tolist()
    assert set(result["significance"]) == set(SIGNIFICANCE_LABELS)


def test_ratio_funnel_invalid_input_raises():
    with pytest.raises(ValueError, match="expected must be greater than zero"):
        ratio_funnel_significance([5, 6], [5, 0])
    with pytest.raises(ValueError, match="ratio_type must be one of"):
        ratio_funnel_limits([5, 6], [5, 6], ratio_type="smr")


# Synthetic data with a known truth ---------------------------------------------------------


def test_proportion_funnel_flags_about_5_percent_of_identical_areas():
    rng = np.random.default_rng(17)
    denominators = rng.integers(200, 20_000, size=4000)
    numerators = rng.binomial(denominators, 0.25)
    result = proportion_funnel_significance(numerators, denominators, baseline=25)
    outside_95 = (result["significance"] != "Not significant").mean()
    outside_99_8 = result["significance"].isin(["High (0.001)", "Low (0.001)"]).mean()
    assert outside_95 == pytest.approx(0.05, abs=0.012)
    assert outside_99_8 == pytest.approx(0.002, abs=0.003)


def test_rate_funnel_flags_an_area_with_double_the_rate_as_high():
    rng = np.random.default_rng(18)
    populations = rng.integers(50_000, 400_000, size=40).astype(float)
    counts = rng.poisson(populations * 0.002)
    counts[0] = rng.poisson(populations[0] * 0.004)  # the injected outlier
    result = rate_funnel_significance(counts, denominator=populations, rate_type="crude")
    assert result["significance"].iloc[0] == "High (0.001)"
    assert (result["significance"].iloc[1:] == "Not significant").mean() > 0.8
    limits = rate_funnel_limits(counts, denominator=populations, events=[counts[0]])
    outlier_rate = counts[0] / populations[0] * 100_000
    # its count sits on the 99.8% upper limit only at a larger population than its own
    assert populations[0] < limits["upper99_8_population"].iloc[0]
    assert outlier_rate > limits["baseline"].iloc[0]


def test_ratio_funnel_flags_about_5_percent_of_areas_as_expected_and_an_injected_excess():
    rng = np.random.default_rng(19)
    expected = rng.uniform(20, 2000, size=4000)
    expected[0] = 500.0
    observed = rng.poisson(expected)
    observed[0] = rng.poisson(1.5 * expected[0])  # the injected excess: 750 expected
    result = ratio_funnel_significance(observed, expected)
    labels = result["significance"].iloc[1:]
    # exact/Byar limits are slightly conservative: at most 5%, not far below
    assert 0.035 <= (labels != "Not significant").mean() <= 0.055
    assert labels.isin(["High (0.001)", "Low (0.001)"]).mean() <= 0.004
    assert result["significance"].iloc[0] == "High (0.001)"
