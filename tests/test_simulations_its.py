"""Simulations of the interrupted time series model (snalib.simulations.its).

The fast test runs a handful of series per scenario to check the rows; the slow test runs
1,000 and asserts the target: 95% intervals of the period effects cover the truth in 92% to
98% of series, under negative binomial overdispersion (monthly CV 0.2-0.4) and AR(1)
serial correlation (rho up to 0.5).
"""

from __future__ import annotations

import numpy as np
import pytest

from snalib.simulations import Result, its


def test_its_simulation_returns_a_coverage_row_per_scenario_and_period():
    rows = its.simulate(4, seed=1)
    assert len(rows) == len(its.SCENARIOS) * len(its.PERIODS)
    assert all(isinstance(r, Result) and r.quantity == "coverage" for r in rows)
    assert all(r.simulations == 4 and r.low == 0.92 and r.high == 0.98 for r in rows)
    assert all(0 <= r.value <= 1 for r in rows)
    assert {r.scenario for r in rows} >= {
        "84 months, about 500 a month, NB, monthly CV 0.4, AR(1) rho 0.5",
        "84 months, about 500 a month, Poisson",
    }


def test_simulated_frailty_has_the_coefficient_of_variation_and_correlation_asked_for():
    z = its.frailty(np.random.default_rng(0), 50_000, 0.3, 0.5)
    assert z.mean() == pytest.approx(1, abs=0.01) and z.std() == pytest.approx(0.3, abs=0.01)
    lag1 = np.corrcoef(z[1:], z[:-1])[0, 1]
    assert lag1 == pytest.approx(0.49, abs=0.02)  # a Gaussian copula: a little under rho
    assert (its.frailty(np.random.default_rng(0), 10, 0.0, 0.5) == 1).all()


def test_covariance_comparison_runs_and_names_each_covariance():
    table = its.compare_covariances(2, seed=2, maxlags=(3,))
    assert set(table["covariance"]) == {
        "AR(1) (the chapter's)",
        "independent months",
        "Newey-West HAC, 3 lags",
    }
    assert table["coverage"].between(0, 1).all()


@pytest.mark.slow
def test_its_intervals_cover_the_period_effects_in_92_to_98_percent_of_series():
    rows = its.simulate(1000, seed=20190901)
    failing = [(r.method, r.scenario, r.value) for r in rows if not r.holds]
    assert not failing
