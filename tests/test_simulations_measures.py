"""Simulations of the success-measure comparison: coverage of the rate ratio's 95% interval
and the status rule's false positive rate, under overdispersion and autocorrelation."""

from __future__ import annotations

import numpy as np
import pytest

from snalib.simulations import Result, measures


def test_measures_simulation_returns_a_row_per_scenario_and_quantity():
    rows = measures.simulate(5, seed=1)
    assert len(rows) == 2 * len(measures.SCENARIOS)
    assert all(isinstance(r, Result) and r.simulations == 5 for r in rows)
    assert [r.quantity for r in rows[:2]] == ["coverage", "false positive rate"]
    assert all(0 <= r.value <= 1 for r in rows)
    assert {r.scenario for r in rows} == {s.label for s in measures.SCENARIOS}
    labels = " ".join(s.label for s in measures.SCENARIOS)
    for words in (
        "monthly CV 0.2",
        "monthly CV 0.4",
        "5 events a month",
        "80 events",
        "AR(1) rho 0.5",
    ):
        assert words in labels


def test_simulated_months_have_the_overdispersion_asked_for():
    rng = np.random.default_rng(2)
    scenario = measures.Scenario(20, 0.3)
    counts = np.array([measures.monthly_counts(rng, scenario, 1.0) for _ in range(300)])
    # one month across datasets: negative binomial variance mean (1 + CV^2 mean)
    january = counts[:, 9]
    mean = january.mean()
    assert january.var() / mean == pytest.approx(1 + 0.09 * mean, rel=0.2)


def test_report_year_of_a_simulated_fall_is_lower_by_the_ratio():
    rng = np.random.default_rng(3)
    scenario = measures.Scenario(80, 0.2)
    counts = np.array([measures.monthly_counts(rng, scenario, 0.8) for _ in range(200)])
    last = counts[:, measures.YEAR_OF_MONTH == measures.YEARS - 1].sum()
    first = counts[:, measures.YEAR_OF_MONTH == 0].sum()
    assert last / first == pytest.approx(0.8, rel=0.02)


@pytest.mark.slow
def test_measures_simulation_targets_hold():
    # The same n and seed as tools/simulate.py writes into docs/methods.md.
    rows = measures.simulate(1000, seed=20190901)
    failed = [(r.scenario, r.quantity, r.value) for r in rows if not r.holds]
    assert not failed
