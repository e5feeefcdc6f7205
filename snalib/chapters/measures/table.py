"""The success measures table: one row per measure and group, before disclosure control.

:func:`success_measures` reads a run's tables (:class:`MeasureInputs`), counts each
measure's events and residents, and compares the periods; :func:`measures_table` builds
the rows. The columns, their headings and number formats are here too; the table is
published through :func:`snalib.chapters.measures.protect.protect_measures`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from snalib.chapters.measures.compare import compare_periods, monthly_comparison
from snalib.chapters.measures.definitions import ALL_AGES, NOT_AVAILABLE, Periods, young_group
from snalib.chapters.measures.events import (
    MeasureEvents,
    admission_events,
    homicide_events,
    knife_crime_events,
)
from snalib.chapters.measures.population import Population, resident_population
from snalib.inputs.missing import missing_from_quality
from snalib.stats import PeriodChange, crude_rate

COLUMNS = [
    "measure_id",
    "measure",
    "measure_short",
    "group",
    "who",
    "source",
    "baseline_period",
    "baseline_count",
    "baseline_population",
    "baseline_rate",
    "previous_period",
    "previous_count",
    "previous_population",
    "previous_rate",
    "current_period",
    "current_count",
    "current_population",
    "current_rate",
    "current_rate_lower95",
    "current_rate_upper95",
    "change_pct",
    "change_pct_previous",
    "rate_ratio",
    "lower95",
    "upper95",
    "rate_ratio_95ci",
    "p_value",
    "lower95_exact",
    "upper95_exact",
    "p_value_exact",
    "dispersion",
    "dispersion_df",
    "autocorrelation",
    "variance_inflation",
    "comparison_method",
    "detectable_fall_pct",
    "detectable_rise_pct",
    "status",
    "status_reason",
    "method_notes",
    "notes",
]
COUNT_COLUMNS = ["baseline_count", "previous_count", "current_count"]
#: Each derived column and the period counts it rests on: it is withheld ([u]) when any of
#: them is withheld or below the rule's minimum count for a rate.
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "baseline_rate": ("baseline",),
    "previous_rate": ("previous",),
    "current_rate": ("current",),
    "current_rate_lower95": ("current",),
    "current_rate_upper95": ("current",),
    "change_pct": ("baseline", "current"),
    "change_pct_previous": ("previous", "current"),
    "rate_ratio": ("baseline", "current"),
    "lower95": ("baseline", "current"),
    "upper95": ("baseline", "current"),
    "rate_ratio_95ci": ("baseline", "current"),
    "p_value": ("baseline", "current"),
    "lower95_exact": ("baseline", "current"),
    "upper95_exact": ("baseline", "current"),
    "p_value_exact": ("baseline", "current"),
    # The noise model's estimates rest on the monthly counts of both years compared (and
    # of the years between): withheld with the comparison they belong to.
    "dispersion": ("baseline", "current"),
    "dispersion_df": ("baseline", "current"),
    "autocorrelation": ("baseline", "current"),
    "variance_inflation": ("baseline", "current"),
    # The detectable change is a function of the baseline count (it would reveal it) and,
    # through the variance inflation, of the report year's months.
    "detectable_fall_pct": ("baseline", "current"),
    "detectable_rise_pct": ("baseline", "current"),
}

LABELS = {
    "measure": "Measure",
    "measure_short": "Measure",
    "group": "Group",
    "who": "Who is counted",
    "baseline_period": "Baseline year",
    "baseline_count": "Baseline count",
    "baseline_rate": "Baseline rate per 100,000",
    "previous_period": "Previous year",
    "previous_count": "Previous year count",
    "previous_rate": "Previous year rate per 100,000",
    "current_period": "Report year",
    "current_count": "Report year count",
    "current_rate": "Report year rate per 100,000",
    "change_pct": "Change in rate since baseline (%)",
    "rate_ratio": "Rate ratio (report year : baseline)",
    "lower95": "95% CI lower",
    "upper95": "95% CI upper",
    "rate_ratio_95ci": "Rate ratio (95% CI)",
    "p_value": "p-value",
    "lower95_exact": "Exact Poisson 95% CI lower",
    "upper95_exact": "Exact Poisson 95% CI upper",
    "p_value_exact": "Exact Poisson p-value",
    "dispersion": "Dispersion (variance / Poisson variance)",
    "variance_inflation": "Variance inflation of the rate ratio",
    "detectable_fall_pct": "Smallest detectable fall (%)",
    "status": "Status",
}
SHOWN = [
    "measure_short",
    "group",
    "baseline_count",
    "current_count",
    "baseline_rate",
    "current_rate",
    "rate_ratio_95ci",
    "p_value",
    "dispersion",
    "detectable_fall_pct",
    "status",
]
FORMATS = {
    "baseline_rate": ",.1f",
    "current_rate": ",.1f",
    "previous_rate": ",.1f",
    "change_pct": "+.1f",
    "rate_ratio": ".2f",
    "lower95": ".2f",
    "upper95": ".2f",
    "p_value": ".3f",
    "lower95_exact": ".2f",
    "upper95_exact": ".2f",
    "p_value_exact": ".3f",
    "dispersion": ".1f",
    "variance_inflation": ".1f",
    "detectable_fall_pct": ".0f",
}


@dataclass
class MeasureInputs:
    """What the success measures read from a run."""

    population: pd.DataFrame
    areas: pd.DataFrame
    flagged: pd.DataFrame | None = None
    admissions: pd.DataFrame | None = None
    homicides: pd.DataFrame | None = None
    street: pd.DataFrame | None = None
    #: ``YYYY-MM`` months of the window without crime data (``data/quality.json``).
    missing_months: list[str] = field(default_factory=list)

    @classmethod
    def from_run(cls, run) -> MeasureInputs:
        """Read the tables a :class:`snalib.publish.run.RunContext` has (None where absent)."""

        def maybe(name: str) -> pd.DataFrame | None:
            return run.table(name) if run.has(name) else None

        # A run whose data stage wrote no reconciliation (a chapter run on its own tables)
        # has no record of missing months.
        quality = run.quality() if (run.dir / "data" / "quality.json").is_file() else {}

        return cls(
            population=run.table("population"),
            areas=run.table("areas"),
            flagged=maybe("crimes_flagged"),
            admissions=maybe("admissions"),
            homicides=maybe("homicides"),
            street=maybe("street_crimes"),
            missing_months=[m.month for m in missing_from_quality(quality)],
        )

    @property
    def public_mode(self) -> bool:
        return self.street is not None


@dataclass
class MeasuresResult:
    """The success measures of a run: the table (before disclosure control) and its parts."""

    table: pd.DataFrame
    events: dict[str, MeasureEvents]
    population: Population
    periods: Periods
    limit: int


def success_measures(inputs: MeasureInputs, params) -> MeasuresResult:
    """The three success measures, all ages and the priority group, for a run.

    Parameters
    ----------
    inputs
        The run's tables (:meth:`MeasureInputs.from_run`).
    params
        The run's parameters (report year, baseline, definition, disclosure, window).

    Returns
    -------
    MeasuresResult
        ``table`` has one row per measure and group (six rows, in a fixed order, whether
        or not the data allow each to be computed) with the columns of :data:`COLUMNS`,
        **before** disclosure control: publish it through :func:`protect_measures` and
        ``RunContext.publish_table``.
    """
    limit = params.definition.priority_age_limit
    window = (params.analysis_window.start, params.analysis_window.end)
    periods = Periods.from_params(params)
    population = resident_population(
        inputs.population, inputs.areas, params.area.force_codes, limit
    )
    events = {
        "admissions": admission_events(
            inputs.admissions, inputs.areas, params.area.force_codes, limit
        ),
        "knife_crime": knife_crime_events(inputs.flagged, limit, window, inputs.missing_months),
        "homicides": homicide_events(inputs.homicides, limit, window),
    }
    table = measures_table(
        events,
        population,
        periods,
        limit,
        params.disclosure.min_count_for_rate,
        interruptions=params.periods,
    )
    return MeasuresResult(table, events, population, periods, limit)


def measures_table(
    events: Mapping[str, MeasureEvents],
    population: Population,
    periods: Periods,
    limit: int,
    min_count: int = 10,
    interruptions: Iterable = (),
) -> pd.DataFrame:
    """One row per measure and group: counts, rates, comparison and status (unprotected).

    The comparison of the report year with the baseline comes from the measure's monthly
    counts where it has them (:func:`monthly_comparison`, with the named periods of the
    parameters as ``interruptions``), the exact Poisson test of the two annual counts
    otherwise.
    """
    rows = []
    changes: list[PeriodChange | None] = []
    for key, measure_events in events.items():
        measure = measure_events.measure
        for group in (ALL_AGES, young_group(limit)):
            # Why a value is missing, most fundamental first (a missing source before a
            # missing baseline), then how the counts were made.
            reasons: list[str] = [
                text
                for text in (
                    measure_events.problems.get(group, ""),
                    population.problems.get(group, ""),
                    "" if periods.baseline else "no baseline year set (baseline: null)",
                )
                if text
            ]
            notes: list[str] = []
            row: dict[str, object] = {
                "measure_id": key,
                "measure": measure.name,
                "measure_short": measure.short or measure.name,
                "group": group,
                "who": measure.group_description(group, limit),
                "source": measure.source,
            }
            for name, fy in periods.named():
                row[f"{name}_period"] = fy.label if fy else ""
                if fy is None:
                    count, pop, why, pop_note = math.nan, math.nan, "", ""
                else:
                    count, why = measure_events.count(group, fy)
                    pop, pop_note = population.value(group, fy)
                row[f"{name}_count"] = count
                row[f"{name}_population"] = pop
                for text, bucket in (
                    (why, reasons),
                    (pop_note, reasons if math.isnan(pop) else notes),
                ):
                    if text and text not in reasons and text not in notes:
                        bucket.append(text)
                rate = crude_rate(count, pop) if not math.isnan(pop) else None
                row[f"{name}_rate"] = float(rate["value"].iloc[0]) if rate is not None else math.nan
                if name == "current":
                    row["current_rate_lower95"] = (
                        float(rate["lower"].iloc[0]) if rate is not None else math.nan
                    )
                    row["current_rate_upper95"] = (
                        float(rate["upper"].iloc[0]) if rate is not None else math.nan
                    )
            notes += [n for n in measure_events.notes.get(group, []) if n not in notes]
            row["notes"] = reasons
            row["method_notes"] = "; ".join(notes)
            row["_reason"] = reasons[0] if reasons else ""
            rows.append(row)
            changes.append(
                monthly_comparison(
                    measure_events, group, population, periods.current, periods.baseline,
                    interruptions,
                )
                if periods.baseline is not None
                else None
            )  # fmt: skip
    table = pd.DataFrame(rows)
    comparison = compare_periods(
        table["baseline_count"],
        table["baseline_population"],
        table["current_count"],
        table["current_population"],
        changes=changes,
        min_count=min_count,
    )
    for col in comparison.columns:
        table[col] = comparison[col].to_numpy()
    specific = (table["status"] == NOT_AVAILABLE) & (table["_reason"] != "")
    table.loc[specific, "status_reason"] = table.loc[specific, "_reason"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["change_pct_previous"] = (table["current_rate"] / table["previous_rate"] - 1) * 100
    table.loc[~np.isfinite(table["change_pct_previous"]), "change_pct_previous"] = np.nan
    for col in ("rate_ratio", "lower95", "upper95", "change_pct", "upper95_exact"):
        table.loc[~np.isfinite(table[col].astype(float)), col] = np.nan
    table["rate_ratio_95ci"] = [
        f"{r:.2f} ({lo:.2f} to {hi:.2f})" if not np.isnan([r, lo, hi]).any() else np.nan
        for r, lo, hi in zip(table["rate_ratio"], table["lower95"], table["upper95"], strict=True)
    ]
    table["notes"] = table["notes"].map(lambda items: "; ".join(items))
    for name in ("baseline", "previous", "current"):
        for col in (f"{name}_count", f"{name}_population"):
            table[col] = table[col].round().astype("Int64")
    return table[COLUMNS]
