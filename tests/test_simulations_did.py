"""Simulations of the local-lockdown difference-in-differences (snalib.simulations.did).

The fast test runs a handful of panels per scenario to check the rows; the slow test runs
500 and asserts the target: the 95% interval of the local rate ratio covers the truth in 92%
to 98% of panels, under negative binomial overdispersion (monthly CV 0.2-0.4) and AR(1)
serial correlation (rho up to 0.5) of each area's months.
"""

from __future__ import annotations

import pytest

from snalib.simulations import Result, did


def test_did_simulation_returns_a_coverage_row_per_scenario():
    rows = did.simulate(3, seed=1)
    assert len(rows) == len(did.SCENARIOS)
    assert all(isinstance(r, Result) and r.quantity == "coverage" for r in rows)
    assert all(r.method == "DiD local period effect" and r.simulations == 3 for r in rows)
    assert all(0 <= r.value <= 1 for r in rows)


def test_simulated_panel_has_the_local_period_inside_only():
    layout, expected = did._layout()
    inside = layout[layout["inside"] == 1]
    assert (
        inside["exposure"].max() == 1 and layout.loc[layout["inside"] == 0, "exposure"].eq(0).all()
    )
    ratio = expected[1] / expected[0]
    during = inside["exposure"].to_numpy() == 1
    assert ratio[during] == pytest.approx(200 / 300 * did.LOCAL_RR)


@pytest.mark.slow
def test_did_interval_covers_the_local_effect_in_92_to_98_percent_of_panels():
    rows = did.simulate(500, seed=20190902)
    failing = [(r.scenario, r.value) for r in rows if not r.holds]
    assert not failing
