"""Simulations of the year-on-year findings that name districts (``docs/methods.md``,
section 8).

The trend chapter names the crime type groups and districts whose rate "changed
significantly" on the year before. Each dataset is an area of :data:`DISTRICTS` districts
(from about 8 to 80 crimes a month) with :data:`YEARS` years of monthly counts: a seasonal
pattern (plus or minus 15%) and a mean-one monthly multiplier (a gamma frailty with
coefficient of variation 0.3, or a log-normal one whose log follows an AR(1) with rho 0.5).
In the **mixed** scenarios a few districts really changed in the last year (rate ratios
0.7 or 1.4) and the rest did not; in the **null** scenarios none changed.

Each dataset goes through the chapter's own steps: every district's year-on-year comparison
(:func:`snalib.stats.period_rate_ratio` on the 12-month periods of the window, as
:func:`snalib.chapters.trends.counts.year_on_year` builds them), then the adjustment of the
districts tested (:func:`snalib.chapters.trends.counts.adjust_breakdowns`, the same that
:func:`snalib.chapters.trends.findings.yoy_breakdown_sentence` names by). Reported:

- the **false discovery rate**: the mean, over datasets, of the share of districts named
  that did not change (0 when none is named), under the Benjamini-Hochberg control the
  parameters default to and under Holm (target: at most 5%);
- the **false positive rate** when no district changed: the share of datasets naming any
  (target: at most 6%, as for the success-measure status).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from snalib.chapters.trends.counts import adjust_breakdowns
from snalib.simulations import Result
from snalib.simulations.measures import frailty
from snalib.stats import period_rate_ratio

DISTRICTS = 8
YEARS = 6
FIRST_FY = 2016
#: Mean crimes a month of each district.
MEANS = np.geomspace(8, 80, DISTRICTS)
#: Districts that really changed in the mixed scenarios, and by how much.
CHANGED = {1: 0.7, 4: 1.4, 6: 0.7}
SEASON = 0.15
ALPHA = 0.05
FDR_TARGET = 0.05
ANY_TARGET = 0.06
MIN_COUNT = 10

_MONTHS = pd.period_range(f"{FIRST_FY}-04", periods=12 * YEARS, freq="M")
MONTHS = _MONTHS.astype(str).to_numpy()
_YEAR = np.repeat(np.arange(YEARS), 12)
#: The 12-month periods as the chapter labels them, counting back from the report year.
BLOCKS = np.array(
    ["current" if k == YEARS - 1 else "previous" if k == YEARS - 2 else f"earlier {YEARS - 2 - k}"
     for k in _YEAR],
    dtype=object,
)  # fmt: skip


@dataclass(frozen=True)
class Scenario:
    cv: float
    rho: float
    mixed: bool
    method: str = "fdr"

    @property
    def label(self) -> str:
        noise = (
            f"AR(1) rho {self.rho:g}, monthly CV {self.cv:g}"
            if self.rho
            else f"negative binomial, monthly CV {self.cv:g}"
        )
        truth = (
            f"{len(CHANGED)} of {DISTRICTS} districts changed"
            if self.mixed
            else f"none of {DISTRICTS} districts changed"
        )
        return f"{truth}; {noise}"


SCENARIOS = (
    Scenario(0.3, 0.0, True),
    Scenario(0.3, 0.5, True),
    Scenario(0.3, 0.0, True, "holm"),
    Scenario(0.3, 0.0, False),
    Scenario(0.3, 0.5, False),
)


def district_table(rng: np.random.Generator, scenario: Scenario) -> pd.DataFrame:
    """One area: each district's year-on-year comparison, as the chapter's table has it."""
    seasonal = 1 + SEASON * np.cos(2 * np.pi * (_MONTHS.month.to_numpy() - 7) / 12)
    days = np.asarray(_MONTHS.days_in_month, dtype=float)
    exposure = days / pd.Series(days).groupby(_YEAR).transform("sum").to_numpy()
    rows = []
    for d, mean in enumerate(MEANS):
        ratio = CHANGED.get(d, 1.0) if scenario.mixed else 1.0
        level = np.where(BLOCKS == "current", ratio, 1.0)
        mu = mean * seasonal * level * days / days.mean()
        counts = rng.poisson(mu * frailty(rng, len(mu), scenario.cv, scenario.rho)).astype(float)
        change = period_rate_ratio(
            MONTHS, counts, exposure, BLOCKS, current="current", baseline="previous"
        )
        rows.append(
            {
                "breakdown": "District",
                "series": f"D{d}",
                "count_previous": counts[BLOCKS == "previous"].sum(),
                "count_current": counts[BLOCKS == "current"].sum(),
                "p_value": change.p_value,
                "changed": ratio != 1.0,
            }
        )
    table = pd.DataFrame(rows)
    table["p_adjusted"], _ = adjust_breakdowns(table, scenario.method, MIN_COUNT)
    table["named"] = table["p_adjusted"] <= ALPHA
    return table


def false_discovery_rate(scenario: Scenario, n: int, seed: int) -> float:
    """Mean share of wrongly named districts among those named (0 when none is named)."""
    rng = np.random.default_rng(seed)
    shares = []
    for _ in range(n):
        table = district_table(rng, scenario)
        named = int(table["named"].sum())
        wrong = int((table["named"] & ~table["changed"]).sum())
        shares.append(wrong / named if named else 0.0)
    return float(np.mean(shares))


def any_named(scenario: Scenario, n: int, seed: int) -> float:
    """Share of areas where any district is named."""
    rng = np.random.default_rng(seed)
    return float(np.mean([district_table(rng, scenario)["named"].any() for _ in range(n)]))


def simulate(n: int, seed: int) -> list[Result]:
    """False discovery rate (mixed) and false positive rate (null), ``n`` areas each."""
    rows = []
    for i, scenario in enumerate(SCENARIOS):
        control = "Benjamini-Hochberg" if scenario.method == "fdr" else "Holm"
        if scenario.mixed:
            rows.append(
                Result(
                    f"districts named as changed year on year ({control})",
                    "false discovery rate",
                    scenario.label,
                    n,
                    false_discovery_rate(scenario, n, seed + i),
                    None,
                    FDR_TARGET,
                )
            )
        else:
            rows.append(
                Result(
                    f"any district named as changed year on year ({control})",
                    "false positive rate",
                    scenario.label,
                    n,
                    any_named(scenario, n, seed + i),
                    None,
                    ANY_TARGET,
                )
            )
    return rows
