"""Simulations of the local-lockdown difference-in-differences: does its 95% interval cover?

Each dataset is a force of two areas over 84 months (April 2015 to March 2022), built day
by day: the area of a local lockdown (about 200 crimes a month) and the rest of the force
(about 300). Both share a trend of +3% a year, a violence-like season, a national lockdown
(0.7, 23 March to 14 June 2020) and a common monthly frailty (CV 0.2, AR(1) 0.5: what the
month effects absorb); the local area alone has the local lockdown (29 June to 30 September
2020) with a rate ratio of 0.85. Each area's months also have their own frailty, gamma
with coefficient of variation ``cv`` and AR(1) Gaussian-copula correlation ``rho``
(:func:`snalib.simulations.its.frailty`), so each area's counts are negative binomial
month by month and serially correlated. Counts are Poisson given the frailties.

Each panel is estimated by :func:`snalib.chapters.trends.did.estimate_did`, exactly as the
chapter estimates a local period (without the parallel-trends check and the sensitivity
model, which do not change the main estimate), and the published interval of the local
rate ratio covers the truth or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from snalib.chapters.trends import did
from snalib.chapters.trends.data import month_frame
from snalib.chapters.trends.design import exposure, slope_exposure
from snalib.params import NamedPeriod
from snalib.simulations import Result
from snalib.simulations.its import expected_counts, frailty

START, END = date(2015, 4, 1), date(2022, 3, 31)
NATIONAL = NamedPeriod(name="National lockdown", start=date(2020, 3, 23), end=date(2020, 6, 14))
LOCAL = NamedPeriod(
    name="Local lockdown", start=date(2020, 6, 29), end=date(2020, 9, 30), area_codes=["INSIDE"]
)
LOCAL_RR = 0.85
NATIONAL_RR = 0.70
#: Crimes a month (before trend and season) and residents, inside and outside the area.
AREAS = ((1, 200.0, 150_000), (0, 300.0, 200_000))
#: The frailty both areas share (absorbed by the month effects).
COMMON_CV, COMMON_RHO = 0.2, 0.5


@dataclass(frozen=True)
class Scenario:
    """Each area's own frailty: coefficient of variation and AR(1) correlation."""

    cv: float
    rho: float

    @property
    def words(self) -> str:
        if self.cv == 0:
            return "84 months, 200 and 300 a month, Poisson (common frailty only)"
        return f"84 months, 200 and 300 a month, NB, monthly CV {self.cv:g}" + (
            f", AR(1) rho {self.rho:g}" if self.rho else ""
        )


SCENARIOS = (
    Scenario(0.0, 0.0),
    Scenario(0.2, 0.0),
    Scenario(0.3, 0.3),
    Scenario(0.4, 0.5),
)


def _layout() -> tuple[pd.DataFrame, dict[int, np.ndarray]]:
    """The panel without counts, and each area's expected monthly counts."""
    months = month_frame(START, END)
    share = exposure(months, LOCAL.start, LOCAL.end)
    slope = slope_exposure(months, LOCAL.start, LOCAL.end)
    frames, expected = [], {}
    for flag, base, population in AREAS:
        effects = [(NATIONAL, NATIONAL_RR)] + ([(LOCAL, LOCAL_RR)] if flag else [])
        expected[flag] = expected_counts(START, END, base, effects)
        frames.append(
            pd.DataFrame(
                {
                    "month": months["month"].to_numpy(),
                    "inside": flag,
                    "count": np.nan,
                    "population": float(population),
                    "days": months["days"].to_numpy(dtype=float),
                    "years": months["years"].to_numpy(),
                    "exposure": share * flag,
                    "slope": slope * flag,
                }
            )
        )
    return pd.concat(frames, ignore_index=True), expected


def simulate(n: int, seed: int) -> list[Result]:
    """Coverage of the 95% interval of the local rate ratio, per scenario."""
    layout, expected = _layout()
    months = len(expected[1])
    rows = []
    for k, scenario in enumerate(SCENARIOS):
        rng = np.random.default_rng([seed, k])
        covered = 0
        for _ in range(n):
            common = frailty(rng, months, COMMON_CV, COMMON_RHO)
            counts = [
                rng.poisson(
                    expected[flag] * common * frailty(rng, months, scenario.cv, scenario.rho)
                )
                for flag, _, _ in AREAS
            ]
            panel = layout.assign(count=np.concatenate(counts).astype(float))
            result = did.estimate_did(panel, LOCAL, "Simulated", checks=False)
            covered += bool(result.lower95 <= LOCAL_RR <= result.upper95)
        rows.append(
            Result(
                "DiD local period effect",
                "coverage",
                scenario.words,
                n,
                covered / n,
                0.92,
                0.98,
            )
        )
    return rows
