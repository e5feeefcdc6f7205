"""Simulations of the success-measure comparison (``docs/methods.md``, section 7).

Each dataset is six financial years of monthly counts of one measure: the baseline first,
the report year last, four years between that only feed the noise model, as the chapter
does (:func:`snalib.chapters.measures.compare.monthly_comparison` uses every financial year
the data cover). Every month has a seasonal pattern (plus or minus 15%, the same each year)
and a mean-one multiplier that makes it vary more than chance:

- **negative binomial**: an independent gamma frailty with coefficient of variation 0.2,
  0.3 or 0.4, at 5, 20 or 80 events a month (a homicide-like, a knife-crime-like and a
  serious-violence-like count);
- **AR(1)**: a log-normal frailty (CV 0.3) whose log follows an AR(1) with rho 0.5, so one
  month's excess carries into the next, at 20 events a month.

The residents are the same every year. Each dataset goes through the chapter's own
statistics: :func:`snalib.stats.period_rate_ratio` on the months (each month's exposure the
residents x its days / the year's days) and the status rule
(:func:`snalib.chapters.measures.compare.compare_periods`). Two quantities per scenario:

- **coverage** of the 95% interval of the rate ratio when the report year's rate is 0.8
  times the baseline's (target 92%-98%);
- **false positive rate** of the status when nothing changed: the share of datasets called
  a "significant reduction" or "significant increase" (target at most 6%).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from snalib.chapters.measures.compare import compare_periods
from snalib.chapters.measures.definitions import SIGNIFICANT_INCREASE, SIGNIFICANT_REDUCTION
from snalib.simulations import Result
from snalib.stats import PeriodChange, period_rate_ratio

YEARS = 6
FIRST_FY = 2018
RESIDENTS = 1_000_000.0
SEASON = 0.15
TRUE_RATIO = 0.8
COVERAGE_TARGET = (0.92, 0.98)
FALSE_POSITIVE_TARGET = 0.06


@dataclass(frozen=True)
class Scenario:
    """Monthly mean, frailty CV and AR(1) rho of the log frailty (0: independent gamma)."""

    mean: float
    cv: float
    rho: float = 0.0

    @property
    def label(self) -> str:
        if self.rho:
            return f"AR(1) rho {self.rho:g}, monthly CV {self.cv:g}, {self.mean:g} events a month"
        return f"negative binomial, monthly CV {self.cv:g}, {self.mean:g} events a month"


SCENARIOS = tuple(Scenario(mean, cv) for cv in (0.2, 0.3, 0.4) for mean in (5, 20, 80)) + (
    Scenario(20, 0.3, 0.5),
)

_MONTHS = pd.period_range(f"{FIRST_FY}-04", periods=12 * YEARS, freq="M")
MONTHS = _MONTHS.astype(str).to_numpy()
YEAR_OF_MONTH = np.repeat(np.arange(YEARS), 12)
_DAYS = np.asarray(_MONTHS.days_in_month, dtype=float)
#: A month's exposure: residents x its days / the days of its financial year.
EXPOSURE = RESIDENTS * _DAYS / pd.Series(_DAYS).groupby(YEAR_OF_MONTH).transform("sum").to_numpy()


def frailty(rng: np.random.Generator, n: int, cv: float, rho: float = 0.0) -> np.ndarray:
    """Mean-one monthly multipliers: independent gamma, or log-normal AR(1) when rho > 0."""
    if cv == 0:
        return np.ones(n)
    if rho == 0:
        return rng.gamma(1 / cv**2, cv**2, n)
    s2 = math.log(1 + cv**2)
    x = np.empty(n)
    x[0] = rng.normal(0, math.sqrt(s2))
    shocks = rng.normal(0, math.sqrt(s2 * (1 - rho**2)), n)
    for t in range(1, n):
        x[t] = rho * x[t - 1] + shocks[t]
    return np.exp(x - s2 / 2)


def monthly_counts(rng: np.random.Generator, scenario: Scenario, ratio: float) -> np.ndarray:
    """Six years of months; the report year's rate is ``ratio`` x the others'."""
    calendar = _MONTHS.month.to_numpy()
    seasonal = 1 + SEASON * np.cos(2 * np.pi * (calendar - 7) / 12)
    level = np.where(YEAR_OF_MONTH == YEARS - 1, ratio, 1.0)
    mean = scenario.mean * seasonal * level * _DAYS / _DAYS.mean()
    return rng.poisson(mean * frailty(rng, len(mean), scenario.cv, scenario.rho)).astype(float)


def compare(counts: np.ndarray) -> PeriodChange:
    """The report year against the baseline, as the chapter compares them."""
    return period_rate_ratio(MONTHS, counts, EXPOSURE, YEAR_OF_MONTH, current=YEARS - 1, baseline=0)


def _datasets(scenario: Scenario, ratio: float, n: int, seed: int):
    rng = np.random.default_rng(seed)
    counts = [monthly_counts(rng, scenario, ratio) for _ in range(n)]
    return counts, [compare(c) for c in counts]


def coverage(scenario: Scenario, n: int, seed: int) -> float:
    """Share of 95% intervals containing the true rate ratio (0.8)."""
    _, changes = _datasets(scenario, TRUE_RATIO, n, seed)
    return float(np.mean([c.lower <= TRUE_RATIO <= c.upper for c in changes]))


def false_positive_rate(scenario: Scenario, n: int, seed: int) -> float:
    """Share of datasets with no true change that the status rule calls significant."""
    counts, changes = _datasets(scenario, 1.0, n, seed)
    baseline = [c[YEAR_OF_MONTH == 0].sum() for c in counts]
    current = [c[YEAR_OF_MONTH == YEARS - 1].sum() for c in counts]
    # The detectable change (step 4) only turns "not significant" into "too few": it cannot
    # change how often a change is called, so it is not computed here.
    out = compare_periods(baseline, RESIDENTS, current, RESIDENTS, changes=changes, power=False)
    called = out["status"].isin([SIGNIFICANT_REDUCTION, SIGNIFICANT_INCREASE])
    return float(called.mean())


def simulate(n: int, seed: int) -> list[Result]:
    """Coverage and false positive rate of every scenario, ``n`` datasets each."""
    rows = []
    for i, scenario in enumerate(SCENARIOS):
        rows.append(
            Result(
                "success-measure rate ratio, 95% CI (quasi-Poisson, monthly)",
                "coverage",
                scenario.label,
                n,
                coverage(scenario, n, seed + 2 * i),
                *COVERAGE_TARGET,
            )
        )
        rows.append(
            Result(
                "success-measure status (significant change called)",
                "false positive rate",
                scenario.label,
                n,
                false_positive_rate(scenario, n, seed + 2 * i + 1),
                None,
                FALSE_POSITIVE_TARGET,
            )
        )
    return rows
