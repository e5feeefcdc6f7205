"""Simulations that prove the statistical methods hold where the easy assumptions fail.

Each topic module (:data:`TOPICS`) has ``simulate(n: int, seed: int) -> list[Result]``: it
draws ``n`` synthetic datasets with known truth (negative binomial overdispersion at monthly
coefficients of variation 0.2-0.4, AR(1) residuals with rho up to 0.5, no true change or a
known one), runs the method exactly as the chapters run it, and reports coverage, false
positive rate or false discovery rate against its target.

``tools/simulate.py`` runs every topic and writes the results table into
``docs/methods.md``; the slow tests (``pytest -m slow``) run the same functions and assert
the targets; the fast tests run them with a few datasets to check that they work.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

#: Topic modules, in the order of the table in docs/methods.md.
TOPICS = ("measures", "funnel", "its", "did", "findings")


@dataclass(frozen=True)
class Result:
    """One row of the simulation table.

    ``quantity`` is ``"coverage"`` (share of 95% intervals containing the truth),
    ``"false positive rate"`` (share of null datasets where the method calls a change or
    flags an area) or ``"false discovery rate"`` (mean share of wrongly named things among
    those named). ``low`` and ``high`` bound the target (``None``: unbounded; both
    ``None``: a row shown for contrast, with no target).
    """

    method: str
    quantity: str
    scenario: str
    simulations: int
    value: float
    low: float | None
    high: float | None

    @property
    def holds(self) -> bool:
        return (self.low is None or self.value >= self.low) and (
            self.high is None or self.value <= self.high
        )

    @property
    def target(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.low:.0%} to {self.high:.0%}"
        if self.high is not None:
            return f"at most {self.high:.0%}"
        if self.low is not None:
            return f"at least {self.low:.0%}"
        return "none (for contrast)"


def topic(name: str):
    """The module of one topic (``snalib.simulations.<name>``)."""
    if name not in TOPICS:
        raise ValueError(f"unknown simulation topic {name!r}; topics: {', '.join(TOPICS)}")
    return importlib.import_module(f"snalib.simulations.{name}")


def run(names=TOPICS, n: int = 1000, seed: int = 20190901, n_for=None) -> list[Result]:
    """Run the topics (each with ``n`` datasets per scenario, or ``n_for[topic]``) and
    collect their rows. Each topic's seed is ``seed + 1000 * its place in TOPICS``, so a
    topic gives the same rows whether it is run alone or with the others."""
    n_for = dict(n_for or {})
    rows: list[Result] = []
    for name in names:
        topic(name)  # unknown names fail before any simulation runs
    for name in names:
        rows += topic(name).simulate(n_for.get(name, n), seed + 1000 * TOPICS.index(name))
    return rows


def _holds(row: Result) -> str:
    if row.low is None and row.high is None:
        return "n/a"
    return "yes" if row.holds else "NO"


def markdown_table(rows: list[Result]) -> str:
    """The results as the Markdown table docs/methods.md shows."""
    lines = [
        "| method | quantity | scenario | simulations | result | target | holds |",
        "|---|---|---|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.method} | {r.quantity} | {r.scenario} | {r.simulations:,} | "
            f"{r.value:.1%} | {r.target} | {_holds(r)} |"
        )
    return "\n".join(lines)
