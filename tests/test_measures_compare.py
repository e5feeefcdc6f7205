"""The comparison of report year and baseline: rate ratio, detectable change, status rule;
and simulations with a known rate ratio."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from snalib.chapters.measures.compare import (
    classify_status,
    compare_periods,
    detectable_change,
    monthly_comparison,
)
from snalib.chapters.measures.definitions import (
    ALL_AGES,
    MEASURES,
    NO_SIGNIFICANT_CHANGE,
    NOT_AVAILABLE,
    SIGNIFICANT_INCREASE,
    SIGNIFICANT_REDUCTION,
    TOO_FEW,
)
from snalib.chapters.measures.events import MeasureEvents
from snalib.chapters.measures.population import Population
from snalib.periods import FinancialYear, period_financial_year
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


# --------------------------------------------------------------------------- monthly comparison


def _monthly_events(counts_by_month: dict[str, float], covered, yearly=()) -> MeasureEvents:
    """A measure's events from monthly counts (and whole-year rows for ``yearly``)."""
    rows = [
        (ALL_AGES, period_financial_year(pd.Series([m])).iloc[0], m, float(n), 0)
        for m, n in counts_by_month.items()
    ]
    rows += [(ALL_AGES, fy, pd.NA, 100.0, 0) for fy in yearly]
    frame = pd.DataFrame(rows, columns=["group", "financial_year", "month", "count", "missing"])
    return MeasureEvents(MEASURES["knife_crime"], frame, set(covered))


def _population(value=100_000.0) -> Population:
    years = range(2015, 2023)
    return Population(pd.DataFrame({"year": list(years), "group": ALL_AGES, "population": value}))


def _noisy_months(first_fy: int, last_fy: int, seed: int, mean=30.0, cv=0.4):
    rng = np.random.default_rng(seed)
    months = pd.period_range(f"{first_fy}-04", f"{last_fy + 1}-03", freq="M")
    frailty = rng.gamma(1 / cv**2, cv**2, len(months))
    return {str(m): float(rng.poisson(mean * g)) for m, g in zip(months, frailty, strict=True)}


def test_events_monthly_fills_months_without_events_with_zero():
    events = _monthly_events({"2019-04": 3, "2019-06": 2}, {"2019/20"})
    months = events.monthly(ALL_AGES, [FinancialYear(2019), FinancialYear(2020)])
    assert len(months) == 12  # 2020/21 is not covered
    assert months["count"].sum() == 5 and (months["count"] == 0).sum() == 10


def test_events_monthly_has_no_months_for_a_year_given_as_a_whole():
    events = _monthly_events({}, {"2019/20"}, yearly=["2019/20"])
    assert events.monthly(ALL_AGES, [FinancialYear(2019)]).empty


def test_monthly_comparison_is_the_annual_ratio_with_a_variance_from_the_months():
    months = _noisy_months(2016, 2021, seed=3)
    covered = {f"{y}/{(y + 1) % 100:02d}" for y in range(2016, 2022)}
    events = _monthly_events(months, covered)
    change = monthly_comparison(
        events, ALL_AGES, _population(), FinancialYear(2021), FinancialYear(2016)
    )
    current = sum(n for m, n in months.items() if "2021-04" <= m <= "2022-03")
    baseline = sum(n for m, n in months.items() if "2016-04" <= m <= "2017-03")
    assert change.monthly and change.months == 72
    assert change.value == pytest.approx(current / baseline)  # equal populations
    assert change.dispersion > 2  # gamma frailty CV 0.4 at 30 a month: about 1 + 0.16 x 30
    assert change.upper / change.lower > change.exact_upper / change.exact_lower


def test_monthly_comparison_takes_named_periods_as_terms_not_noise():
    # A lockdown cuts three months of the report year to a third: taken for noise it would
    # make the months look far more variable than they are.
    months = _noisy_months(2016, 2021, seed=4, mean=40, cv=0.1)
    for month in ("2021-05", "2021-06", "2021-07"):
        months[month] = round(months[month] / 3)
    covered = {f"{y}/{(y + 1) % 100:02d}" for y in range(2016, 2022)}
    events = _monthly_events(months, covered)
    lockdown = SimpleNamespace(start=date(2021, 5, 1), end=date(2021, 7, 31))
    args = (events, ALL_AGES, _population(), FinancialYear(2021), FinancialYear(2016))
    with_term = monthly_comparison(*args, [lockdown])
    as_noise = monthly_comparison(*args)
    assert with_term.value == as_noise.value  # the observed rates, either way
    assert with_term.months == as_noise.months == 72
    assert with_term.dispersion < 2 < as_noise.dispersion
    assert "1 named-period terms" in with_term.method


def test_monthly_comparison_is_none_without_monthly_counts_for_a_compared_year():
    months = _noisy_months(2017, 2021, seed=5)
    covered = {f"{y}/{(y + 1) % 100:02d}" for y in range(2016, 2022)}
    events = _monthly_events(months, covered, yearly=["2016/17"])
    assert (
        monthly_comparison(
            events, ALL_AGES, _population(), FinancialYear(2021), FinancialYear(2016)
        )
        is None
    )


def test_compare_periods_takes_the_monthly_change_and_keeps_the_exact_beside_it():
    months = _noisy_months(2016, 2021, seed=6, mean=60, cv=0.25)
    covered = {f"{y}/{(y + 1) % 100:02d}" for y in range(2016, 2022)}
    change = monthly_comparison(
        _monthly_events(months, covered),
        ALL_AGES,
        _population(),
        FinancialYear(2021),
        FinancialYear(2016),
    )
    current = sum(n for m, n in months.items() if m >= "2021-04")
    baseline = sum(n for m, n in months.items() if "2016-04" <= m <= "2017-03")
    out = compare_periods([baseline] * 2, 1e5, [current] * 2, 1e5, changes=[change, None])
    monthly, exact = out.iloc[0], out.iloc[1]
    assert monthly["lower95"] == pytest.approx(change.lower)
    assert monthly["p_value"] == pytest.approx(change.p_value)
    assert monthly["dispersion"] == pytest.approx(change.dispersion)
    assert monthly["lower95_exact"] == pytest.approx(exact["lower95"])
    assert monthly["comparison_method"].startswith("quasi-Poisson")
    assert exact["comparison_method"].startswith("exact conditional Poisson (no monthly data")
    assert np.isnan(exact["dispersion"])
    assert monthly["status_reason"].startswith(
        "the 95% interval of the rate ratio, allowing for month-to-month variation beyond chance"
    )
    assert exact["status_reason"].startswith("the exact Poisson 95% interval of the rate ratio")
    # The detectable change is that of the effective count: the variance inflated by F is
    # the information of a count F times smaller.
    assert monthly["detectable_fall_pct"] < exact["detectable_fall_pct"]


def test_detectable_change_with_variance_inflation_is_that_of_the_effective_count():
    inflated = detectable_change(400, 1e6, 1e6, "decrease", inflation=4.0)[0]
    assert inflated == pytest.approx(detectable_change(100, 1e6, 1e6, "decrease")[0])
    assert detectable_change(400, 1e6, 1e6, "decrease", inflation=0.5)[0] == pytest.approx(
        detectable_change(400, 1e6, 1e6, "decrease")[0]
    )  # below 1 counts as 1: never narrower than Poisson


def test_status_reason_says_what_the_interval_was_tested_against():
    status, reason = classify_status(
        [100, 100], [60, 95], [0.001, 0.8], [0.6, 0.95], [-33.0, -33.0],
        tested_against="the 95% interval of the rate ratio, allowing for X",
    )  # fmt: skip
    assert (
        reason[0]
        == "the 95% interval of the rate ratio, allowing for X excludes 1 (p at most 0.05)"
    )
    assert reason[1].startswith("the 95% interval of the rate ratio, allowing for X includes 1")
