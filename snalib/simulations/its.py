"""Simulations of the interrupted time series model: do its 95% intervals cover?

Each dataset is a monthly series built day by day, as a force's counts are: a rate per day
with a trend of +3% a year, a violence-like seasonal pattern and two named periods with
known rate ratios, a short one (a lockdown, 23 March to 14 June 2020, 0.65) and a long one
(a programme, April 2018 to September 2019, 0.90). Each month's mean is multiplied by a
frailty with mean 1: gamma distributed with coefficient of variation ``cv`` (so the counts
are negative binomial month by month), and serially correlated by a Gaussian copula with
AR(1) correlation ``rho`` (the frailties' logs are close to AR(1)). The counts are Poisson
given the frailty.

Each series is fitted by :func:`snalib.chapters.trends.its.fit_its` on the design of
:func:`snalib.chapters.trends.design.its_design`, exactly as the chapter fits a main series,
and the published effects (:meth:`ItsFit.effects`) are read: the row of each period covers
the truth or not. :func:`compare_covariances` repeats the exercise with Newey-West (HAC)
standard errors and with the plain independent-months covariance, which the chapter does not
use: docs/methods.md (section 8) gives the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from snalib.chapters.trends import its
from snalib.chapters.trends.data import month_frame
from snalib.chapters.trends.design import its_design
from snalib.chapters.trends.serial import newey_west_covariance, t_interval
from snalib.params import NamedPeriod
from snalib.simulations import Result

#: Violence-like seasonal factors by calendar month (January first), mean about 1.
SEASON = np.array([0.90, 0.88, 0.95, 0.98, 1.05, 1.08, 1.12, 1.08, 1.02, 1.00, 0.95, 0.99])
TREND = 1.03
END = date(2022, 3, 31)
LOCKDOWN = NamedPeriod(name="Lockdown", start=date(2020, 3, 23), end=date(2020, 6, 14))
PROGRAMME = NamedPeriod(name="Programme", start=date(2018, 4, 1), end=date(2019, 9, 30))
#: Each period and its true rate ratio, with the words of its row in the table.
PERIODS = (
    (LOCKDOWN, 0.65, "ITS period effect (12-week period)"),
    (PROGRAMME, 0.90, "ITS period effect (18-month period)"),
)


@dataclass(frozen=True)
class Scenario:
    """Months of the window, mean count per month, frailty CV and AR(1) correlation."""

    months: int
    base: float
    cv: float
    rho: float

    @property
    def words(self) -> str:
        noise = (
            "Poisson"
            if self.cv == 0
            else f"NB, monthly CV {self.cv:g}" + (f", AR(1) rho {self.rho:g}" if self.rho else "")
        )
        return f"{self.months} months, about {self.base:g} a month, {noise}"

    @property
    def start(self) -> date:
        return (pd.Period(END, "M") - self.months + 1).start_time.date()


SCENARIOS = (
    Scenario(84, 500, 0.0, 0.0),
    Scenario(84, 500, 0.2, 0.0),
    Scenario(84, 500, 0.3, 0.3),
    Scenario(84, 500, 0.4, 0.5),
    Scenario(60, 40, 0.3, 0.5),
)


def expected_counts(start: date, end: date, base: float, effects) -> np.ndarray:
    """Expected monthly counts built day by day (partial months mix as real data do)."""
    days = pd.date_range(start, end, freq="D")
    years = np.asarray((days - days[0]).days) / 365.25
    rate = base * 12 / 365.25 * TREND**years * SEASON[days.month - 1]
    for period, rr in effects:
        inside = (days >= pd.Timestamp(period.start)) & (days <= pd.Timestamp(period.end))
        rate = rate * np.where(inside, rr, 1.0)
    return pd.Series(rate).groupby(np.asarray(days.to_period("M"))).sum().to_numpy()


def frailty(rng: np.random.Generator, n: int, cv: float, rho: float) -> np.ndarray:
    """Monthly multipliers with mean 1: gamma (CV ``cv``) with AR(1) Gaussian-copula
    correlation ``rho``; all 1 when ``cv`` is 0."""
    if cv == 0:
        return np.ones(n)
    z = np.empty(n)
    z[0] = rng.normal()
    innovations = rng.normal(size=n) * np.sqrt(1 - rho**2)
    for t in range(1, n):
        z[t] = rho * z[t - 1] + innovations[t]
    shape = 1 / cv**2
    return stats.gamma.ppf(stats.norm.cdf(z), a=shape, scale=1 / shape)


def _setup(scenario: Scenario):
    months = month_frame(scenario.start, END)
    design = its_design(months, [p for p, _, _ in PERIODS], n_full_months=len(months))
    offset = np.log(1e6) + np.log(months["days"].to_numpy(float))
    mu = expected_counts(scenario.start, END, scenario.base, [(p, rr) for p, rr, _ in PERIODS])
    return design, offset, mu


def simulate(n: int, seed: int) -> list[Result]:
    """Coverage of the 95% intervals of both periods' rate ratios, per scenario."""
    rows = []
    for k, scenario in enumerate(SCENARIOS):
        rng = np.random.default_rng([seed, k])
        design, offset, mu = _setup(scenario)
        covered = dict.fromkeys([p.name for p, _, _ in PERIODS], 0)
        for _ in range(n):
            y = rng.poisson(mu * frailty(rng, len(mu), scenario.cv, scenario.rho)).astype(float)
            effects = its.fit_its(y, offset, design, "Simulated").effects()
            steps = effects[effects["term_type"] == "step"].set_index("period")
            for period, rr, _ in PERIODS:
                row = steps.loc[period.name]
                covered[period.name] += bool(row["lower95"] <= rr <= row["upper95"])
        for period, _, method in PERIODS:
            rows.append(
                Result(
                    method,
                    "coverage",
                    scenario.words,
                    n,
                    covered[period.name] / n,
                    0.92,
                    0.98,
                )
            )
    return rows


def compare_covariances(n: int, seed: int, maxlags=(3, 12)) -> pd.DataFrame:
    """Coverage of the same estimates with other standard errors (not used by the chapter).

    For each scenario and period: the chapter's AR(1) covariance, the covariance for
    independent months (scale at least 1, t on the residual degrees of freedom: what the
    model gives when serial correlation is ignored) and Newey-West (HAC) with each of
    ``maxlags`` (``3`` is ``floor(4 (n/100)^(2/9))`` for 84 months; t on the residual
    degrees of freedom).
    """
    out = []
    for k, scenario in enumerate(SCENARIOS):
        rng = np.random.default_rng([seed, k])
        design, offset, mu = _setup(scenario)
        hits: dict[tuple[str, str], int] = {}
        for _ in range(n):
            y = rng.poisson(mu * frailty(rng, len(mu), scenario.cv, scenario.rho)).astype(float)
            fit = its.fit_its(y, offset, design, "Simulated")
            used = np.isfinite(y)
            covs = {"AR(1) (the chapter's)": (fit.cov, None)}
            independent = fit.serial.phi * _independent(fit)
            covs["independent months"] = (independent, fit.df_resid)
            alpha = fit.alpha or 0.0
            for lags in maxlags:
                hac = newey_west_covariance(
                    fit.jacobian, fit.params, fit.fitted[used], y[used], alpha, lags
                )
                covs[f"Newey-West HAC, {lags} lags"] = (hac, fit.df_resid)
            for period, rr, _ in PERIODS:
                col = next(
                    t.column for t in design.terms if t.period == period.name and t.kind == "step"
                )
                b = float(fit.params[col])
                for name, (cov, df) in covs.items():
                    se = float(np.sqrt(cov.loc[col, col]))
                    lo, hi, _ = t_interval(b, se, fit.df_of(col) if df is None else df)
                    key = (name, period.name)
                    hits[key] = hits.get(key, 0) + bool(lo <= np.log(rr) <= hi)
        for (name, period), h in hits.items():
            out.append(
                {
                    "scenario": scenario.words,
                    "period": period,
                    "covariance": name,
                    "coverage": h / n,
                }
            )
    return pd.DataFrame(out)


def _independent(fit) -> pd.DataFrame:
    """``(J' W J)^-1`` of the fit: its covariance for independent months and scale 1."""
    J = fit.jacobian.to_numpy(dtype=float)
    used = np.isfinite(fit.observed)
    mu = fit.fitted[used]
    w = mu**2 / (mu + (fit.alpha or 0.0) * mu**2)
    inv = np.linalg.pinv(J.T @ (J * w[:, None]))
    return pd.DataFrame(inv, index=fit.jacobian.columns, columns=fit.jacobian.columns)
