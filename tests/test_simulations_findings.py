"""Simulations of the year-on-year findings that name districts: false discovery rate under
a mix of real and null changes, and the chance of naming any district when none changed."""

from __future__ import annotations

import numpy as np
import pytest

from snalib.simulations import Result, findings


def test_findings_simulation_returns_a_row_per_scenario():
    rows = findings.simulate(2, seed=1)
    assert len(rows) == len(findings.SCENARIOS)
    assert all(isinstance(r, Result) and r.simulations == 2 for r in rows)
    quantities = [r.quantity for r in rows]
    assert quantities.count("false discovery rate") == 3
    assert quantities.count("false positive rate") == 2
    assert all(0 <= r.value <= 1 for r in rows)


def test_district_table_names_big_changes_and_marks_the_truth():
    rng = np.random.default_rng(4)
    table = findings.district_table(rng, findings.Scenario(0.0, 0.0, True))  # Poisson months
    assert list(table["changed"]) == [d in findings.CHANGED for d in range(findings.DISTRICTS)]
    assert table["p_adjusted"].notna().all()  # every district has at least 10 crimes a year
    # a 30% fall in the district of about 50 crimes a month is found without overdispersion
    assert table.loc[6, "named"]


@pytest.mark.slow
def test_findings_simulation_targets_hold():
    rows = findings.simulate(1000, seed=20190901 + 4000)  # the seed tools/simulate.py uses
    failed = [(r.scenario, r.quantity, r.value) for r in rows if not r.holds]
    assert not failed
