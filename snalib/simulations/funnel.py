"""Simulation: how often the district funnel flags a district that does not differ.

Each dataset is one report year of serious violence in an area of 8 to 30 districts (the
number drawn at random) with resident populations from 60,000 to 350,000, all with the same
expected rate (500 per 100,000 a year). Each district's twelve monthly counts are Poisson
around that rate times a monthly frailty: none (pure Poisson), independent gamma (negative
binomial counts) with coefficient of variation 0.2 or 0.4, or log-normal with CV 0.3 and
AR(1) correlation 0.5 between months; or the districts' own rates vary around the area's
(gamma, CV 0.1: the random-effects model itself, with no district special). The annual counts are then funnelled exactly as the
chapter does it (:func:`snalib.stats.overdispersion.rate_funnel_overdispersion` against the
area's pooled rate, 10% Winsorising), by each method.

Quantity: the **false positive rate per district flag**, the share of all simulated
districts (over all datasets) outside the 95% or 99.8% limits. Every district is in
control (none differs from the area's rate beyond the common variation), so every flag is
false. Targets: at most 6% at the 95% limits for the limits that allow for overdispersion
(issue 10), and at most 1% at the 99.8% limits (nominal 0.2%; the variation is estimated
from the same few districts). Poisson limits have a target only when the counts are
Poisson; under overdispersion they are shown for contrast, as are Spiegelhalter's limits
without the corrections of :mod:`snalib.stats.overdispersion`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from snalib.simulations import Result
from snalib.stats.overdispersion import flagged, rate_funnel_overdispersion

RATE = 500.0  # per 100,000 a year
PER = 100_000
MONTHS = 12
WINSORISE = 0.1
DISTRICTS = (8, 30)
POPULATIONS = (60_000, 350_000)
TARGET_95 = 0.06
TARGET_998 = 0.01


@dataclass(frozen=True)
class Scenario:
    name: str
    monthly_cv: float
    rho: float
    district_cv: float = 0.0


SCENARIOS = (
    Scenario("Poisson counts, no overdispersion", 0.0, 0.0),
    Scenario("negative binomial, monthly CV 0.2", 0.2, 0.0),
    Scenario("negative binomial, monthly CV 0.4", 0.4, 0.0),
    Scenario("monthly CV 0.3, AR(1) rho 0.5", 0.3, 0.5),
    Scenario("district rates vary (gamma, CV 0.1), none special", 0.0, 0.0, 0.1),
)

#: (label, method, corrected) of each set of limits.
METHODS = (
    ("Poisson limits", "poisson", True),
    ("multiplicative", "multiplicative", True),
    ("additive random effects", "additive", True),
    ("additive, as published (no corrections)", "additive", False),
)


def _frailty(rng: np.random.Generator, k: int, scenario: Scenario) -> np.ndarray:
    """Monthly multipliers of the expected count, mean 1, shape (k, 12)."""
    if scenario.monthly_cv == 0:
        return np.ones((k, MONTHS))
    cv = scenario.monthly_cv
    if scenario.rho == 0:
        return rng.gamma(1 / cv**2, cv**2, size=(k, MONTHS))
    sigma = np.sqrt(np.log(1 + cv**2))
    e = np.empty((k, MONTHS))
    e[:, 0] = rng.standard_normal(k)
    for month in range(1, MONTHS):
        innovation = rng.standard_normal(k)
        e[:, month] = scenario.rho * e[:, month - 1] + np.sqrt(1 - scenario.rho**2) * innovation
    return np.exp(sigma * e - sigma**2 / 2)


def dataset(rng: np.random.Generator, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Annual counts and populations of one area's districts, none out of control."""
    k = int(rng.integers(DISTRICTS[0], DISTRICTS[1] + 1))
    populations = rng.uniform(*POPULATIONS, size=k)
    monthly = populations * RATE / PER / MONTHS
    if scenario.district_cv > 0:
        cv = scenario.district_cv
        monthly = monthly * rng.gamma(1 / cv**2, cv**2, size=k)
    counts = rng.poisson(monthly[:, None] * _frailty(rng, k, scenario)).sum(axis=1)
    return counts.astype(float), populations


def simulate(n: int, seed: int) -> list[Result]:
    """False positive rates of the district funnel's flags, ``n`` datasets per scenario."""
    rng = np.random.default_rng(seed)
    rows: list[Result] = []
    for scenario in SCENARIOS:
        outside = {(label, level): 0 for label, _, _ in METHODS for level in (0.95, 0.998)}
        districts = 0
        for _ in range(n):
            counts, populations = dataset(rng, scenario)
            districts += counts.size
            for label, method, corrected in METHODS:
                if not _shown(scenario, corrected):
                    continue
                funnel = rate_funnel_overdispersion(
                    counts, populations, method, WINSORISE, PER, corrected=corrected
                )
                labels = funnel.units["significance"]
                for level in (0.95, 0.998):
                    outside[label, level] += int(flagged(labels, level).sum())
        rows += _rows(scenario, outside, districts, n)
    return rows


def _shown(scenario: Scenario, corrected: bool) -> bool:
    """The uncorrected contrast is run once, in the AR(1) scenario."""
    return corrected or scenario.rho > 0


def _rows(scenario: Scenario, outside: dict, districts: int, n: int) -> list[Result]:
    poisson_counts = scenario.monthly_cv == 0 and scenario.district_cv == 0
    rows = []
    for label, method, corrected in METHODS:
        for level in (0.95, 0.998):
            contrast = (method == "poisson" and not poisson_counts) or not corrected
            if contrast and level == 0.998:
                continue
            if not _shown(scenario, corrected):
                continue
            high = TARGET_95 if level == 0.95 else TARGET_998
            name = f"district funnel, {label}, {level:.1%} limits".replace(".0%", "%")
            rows.append(
                Result(
                    method=name + (" (for contrast)" if contrast else ""),
                    quantity="false positive rate",
                    scenario=f"{scenario.name}; 8-30 districts, {districts:,} in all",
                    simulations=n,
                    value=outside[label, level] / districts,
                    low=None,
                    high=None if contrast else high,
                )
            )
    return rows
