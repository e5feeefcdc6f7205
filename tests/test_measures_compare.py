"""The comparison of report year and baseline: rate ratio, detectable change, status rule;
and simulations with a known rate ratio."""

from __future__ import annotations

import numpy as np
import pytest

from snalib.chapters.measures.compare import classify_status, compare_periods, detectable_change
from snalib.chapters.measures.definitions import (
    NO_SIGNIFICANT_CHANGE,
    NOT_AVAILABLE,
    SIGNIFICANT_INCREASE,
    SIGNIFICANT_REDUCTION,
    TOO_FEW,
)
from snalib.stats import rate_ratio

# --------------------------------------------------------------------------- comparison


def test_compare_periods_gives_the_rate_ratio_interval_and_status():
    out = compare_periods(100, 1e5, 80, 1e5)
    reference = rate_ratio(80, 1e5, 100, 1e5)
    assert out["rate_ratio"].iloc[0] == pytest.approx(0.8)
    assert out["change_pct"].iloc[0] == pytest.approx(-20.0)
    assert out["lower95"].iloc[0] == pytest.approx(reference["lower"].iloc[0], rel=1e-12)
    assert out["upper95"].iloc[0] == pytest.approx(1.084273, rel=1e-6)
    assert out["p_value"].iloc[0] == pytest.approx(0.156531, rel=1e-5)
    # 100 baseline events detect a fall of about a third: above the 50% bound, so the
    # non-significant fall is "no significant change", not "too few"
    assert -40 < out["detectable_fall_pct"].iloc[0] < -30
    assert out["status"].iloc[0] == NO_SIGNIFICANT_CHANGE


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        (200, 120, SIGNIFICANT_REDUCTION),
        (100, 160, SIGNIFICANT_INCREASE),
        (300, 290, NO_SIGNIFICANT_CHANGE),
        (25, 22, TOO_FEW),  # not significant and a halving could go unseen
        (9, 40, TOO_FEW),  # a count below 10
        (40, 0, TOO_FEW),  # a count below 10, even though p is tiny
        (0, 0, TOO_FEW),
    ],
)
def test_status_rule_on_known_counts(baseline, current, expected):
    out = compare_periods(baseline, 1e6, current, 1e6)
    assert out["status"].iloc[0] == expected


def test_status_rule_too_few_for_twenty_five_baseline_events_because_of_power():
    out = compare_periods(25, 1e6, 22, 1e6)
    assert out["detectable_fall_pct"].iloc[0] < -50  # a fall of more than half needed
    assert "a fall of 50% could go undetected" in out["status_reason"].iloc[0]


def test_status_rule_is_not_available_without_a_count_or_population():
    out = compare_periods([np.nan, 50, 50], [1e6, np.nan, 1e6], [50, 50, np.nan], 1e6)
    assert list(out["status"]) == [NOT_AVAILABLE] * 3


def test_classify_status_applies_the_rules_in_order():
    status, reason = classify_status(
        [100, 100, 100, 9, 30],
        [60, 160, 95, 30, 28],
        [0.001, 0.001, 0.8, 0.0001, 0.8],
        [0.6, 1.6, 0.95, 3.3, 0.93],
        [-33.0, -33.0, -33.0, np.nan, -60.0],
    )
    assert list(status) == [
        SIGNIFICANT_REDUCTION,
        SIGNIFICANT_INCREASE,
        NO_SIGNIFICANT_CHANGE,
        TOO_FEW,
        TOO_FEW,
    ]
    assert reason[3].startswith("fewer than 10 events")
    assert not any(ch.isdigit() for ch in reason[4].replace("50%", ""))  # no count leaks


def _simulate(expected_baseline, ratio, n, seed):
    rng = np.random.default_rng(seed)
    baseline = rng.poisson(expected_baseline, n)
    current = rng.poisson(expected_baseline * ratio, n)
    return compare_periods(baseline, 1e6, current, 1e6, detectable=False)


def test_rate_ratio_interval_covers_a_true_ratio_of_0_8_in_about_95_percent_of_runs():
    out = _simulate(200, 0.8, 600, seed=20190901)
    covered = ((out["lower95"] <= 0.8) & (out["upper95"] >= 0.8)).mean()
    assert 0.925 <= covered <= 0.985  # exact: at least nominal up to Monte Carlo error


def test_status_rule_detects_a_fall_of_the_detectable_size_4_times_in_5():
    fall = detectable_change(200, 1e6, 1e6, "decrease")[0]
    assert -30 < fall < -20
    out = _simulate(200, 1 + fall / 100, 600, seed=11)
    power = (out["status"] == SIGNIFICANT_REDUCTION).mean()
    assert 0.74 <= power <= 0.86


def test_status_rule_calls_a_change_in_about_5_percent_of_runs_under_no_change():
    out = _simulate(200, 1.0, 1000, seed=7)
    false_alarms = out["status"].isin([SIGNIFICANT_REDUCTION, SIGNIFICANT_INCREASE])
    assert 0.02 <= false_alarms.mean() <= 0.075


@pytest.mark.slow
@pytest.mark.parametrize("expected", [30, 200, 1000])
def test_rate_ratio_coverage_and_false_alarms_at_several_sizes(expected):
    out = _simulate(expected, 0.8, 10_000, seed=expected)
    covered = ((out["lower95"] <= 0.8) & (out["upper95"] >= 0.8)).mean()
    assert 0.945 <= covered <= 0.975
    null = _simulate(expected, 1.0, 10_000, seed=expected + 1)
    calls = null["status"].isin([SIGNIFICANT_REDUCTION, SIGNIFICANT_INCREASE])
    assert 0.03 <= calls.mean() <= 0.056  # exact test: at most 5% up to Monte Carlo error
