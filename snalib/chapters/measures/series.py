"""Each measure over time: counts by quarter (or financial year), protected, with words.

:func:`measure_series` chooses the frequency so that no published count is small and no
withheld quarter can be found by difference; :func:`series_words` states the finding in
the title and describes the chart in the alt text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from snalib.chapters.measures.definitions import (
    ALL_AGES,
    MEASURES,
    NO_SIGNIFICANT_CHANGE,
    SIGNIFICANT_INCREASE,
    SIGNIFICANT_REDUCTION,
    TOO_FEW,
    Measure,
    young_group,
)
from snalib.chapters.measures.findings import is_missing, is_withheld
from snalib.chapters.measures.protect import SECONDARY_NOTE, protect_measures, secondary_suppression
from snalib.chapters.measures.table import MeasuresResult
from snalib.periods import FinancialYear
from snalib.publish.disclosure import SUPPRESSED, Rule, is_suppressed
from snalib.publish.tables import markdown_escape


@dataclass
class MeasureSeries:
    """A measure's counts over time, protected, ready to chart and publish."""

    measure: Measure
    frequency: str  # "quarter" or "financial year"
    data: pd.DataFrame  # published columns
    plot: pd.DataFrame  # group, start, end, value (NaN where withheld), withheld
    title: str
    alt: str
    note: str


def _quarter(month: str) -> tuple[str, date]:
    """Financial quarter label and first day of the quarter containing a YYYY-MM month."""
    year, m = int(month[:4]), int(month[5:7])
    fy = FinancialYear(year if m >= 4 else year - 1)
    q = ((m - 4) % 12) // 3 + 1
    first_month = (3 * (q - 1) + 4 - 1) % 12 + 1
    first_year = fy.start_year if first_month >= 4 else fy.start_year + 1
    return f"{fy.label} Q{q}", date(first_year, first_month, 1)


def _withheld_series(
    table: pd.DataFrame, groups: list[str], rule: Rule
) -> tuple[pd.Series, pd.Series]:
    """Primary and secondary suppression of a two-group series (group, period, count)."""
    counts = pd.to_numeric(table["count"], errors="coerce")
    primary = is_suppressed(counts, rule)
    secondary = pd.Series(False, index=table.index)
    if len(groups) == 2 and groups[0] == ALL_AGES:
        wide = counts.groupby([table["group"], table["period"]]).first().unstack(0)
        flag = secondary_suppression(wide[ALL_AGES], wide[groups[1]], rule)
        periods = set(flag[flag].index)
        secondary = (table["group"] == groups[1]) & table["period"].isin(periods)
    return primary | secondary, secondary


def measure_series(
    result: MeasuresResult, key: str, rules: Mapping[str, Rule]
) -> MeasureSeries | None:
    """Counts by quarter, or by financial year when a quarter would be withheld.

    Quarterly counts are used when the data are monthly and every quarterly count of both
    groups can be published (0, or at least the disclosure threshold, and no secondary
    suppression); otherwise counts by financial year, so that no published annual total
    reveals a withheld quarter by difference. Only financial years the data cover
    completely are shown. Returns None when the measure cannot be counted at all.
    """
    events = result.events[key]
    measure = events.measure
    rule = rules[measure.source]
    groups = [g for g in (ALL_AGES, young_group(result.limit)) if g not in events.problems]
    if not groups or not events.covered:
        return None
    years = sorted(events.covered)
    frame = events.events[
        events.events["group"].isin(groups) & events.events["financial_year"].isin(years)
    ]
    columns = ["group", "period", "financial_year", "start", "count"]
    table = None
    if len(frame) and frame["month"].notna().all() and frame["missing"].sum() == 0:
        quarter = frame["month"].map(lambda m: _quarter(m)[0])
        by_q = frame.assign(quarter=quarter).groupby(["group", "quarter"])["count"].sum()
        rows = []
        for group in groups:
            for fy_label in years:
                fy = FinancialYear.parse(fy_label)
                for n in range(1, 5):
                    start = date(fy.start_year + (n >= 4), (3 * (n - 1) + 3) % 12 + 1, 1)
                    label = f"{fy.label} Q{n}"
                    rows.append((group, label, fy.label, start, float(by_q.get((group, label), 0))))
        table = pd.DataFrame(rows, columns=columns)
        if _withheld_series(table, groups, rule)[0].any():
            table = None
    quarterly = table is not None
    if table is None:
        rows = []
        for group in groups:
            for fy_label in years:
                fy = FinancialYear.parse(fy_label)
                rows.append((group, fy.label, fy.label, fy.start, events.count(group, fy)[0]))
        table = pd.DataFrame(rows, columns=columns)
    frequency = "quarter" if quarterly else "financial year"
    months = 3 if quarterly else 12
    table["end"] = table["start"].map(
        lambda d: (pd.Timestamp(d) + pd.DateOffset(months=months)).date()
    )
    counts = pd.to_numeric(table["count"], errors="coerce")
    withheld, secondary = _withheld_series(table, groups, rule)
    data = table[["group", "period", "financial_year"]].copy()
    data.insert(0, "measure", measure.name)
    data["count"] = counts.round().astype("Int64").astype(object).where(~withheld, SUPPRESSED)
    data["notes"] = np.where(
        secondary,
        SECONDARY_NOTE,
        np.where(
            withheld,
            rule.suppression_note,
            np.where(counts.isna(), "not available: suppressed at source or not covered", ""),
        ),
    )
    plot = table[["group", "start", "end"]].copy()
    plot["value"] = counts.where(~withheld)
    plot["withheld"] = withheld.to_numpy()
    title, alt = series_words(result, key, plot, frequency, rules)
    note = (
        f"× below the axis: a count withheld under the {rule.name} (1 to "
        f"{rule.threshold - 1}, or withheld so that one cannot be found by difference)."
        if withheld.any()
        else ""
    )
    return MeasureSeries(measure, frequency, data, plot, title, alt, note)


def series_words(
    result: MeasuresResult,
    key: str,
    plot: pd.DataFrame,
    frequency: str,
    rules: Mapping[str, Rule],
) -> tuple[str, str]:
    """Title stating the finding, and alt text describing the chart, from the numbers.

    The title reads the *protected* table, so it never states a change resting on a
    withheld count.
    """
    measure = MEASURES[key]
    table = protect_measures(result.table, rules)
    row = table[(table["measure_id"] == key) & (table["group"] == ALL_AGES)].iloc[0]
    status = row["status"]
    current, baseline = result.periods.current.label, row["baseline_period"]
    change = row["change_pct"]
    if status in (SIGNIFICANT_REDUCTION, SIGNIFICANT_INCREASE, NO_SIGNIFICANT_CHANGE) and not (
        is_withheld(change) or is_missing(change)
    ):
        title = (
            f"{measure.name}, all ages: {float(change):+.0f}% in {current} against the "
            f"{baseline} baseline, {status}"
        )
    elif status == TOO_FEW:
        title = (
            f"{measure.name}: too few events to conclude whether {current} differs from {baseline}"
        )
    else:
        title = f"{measure.name} by {frequency}: no comparison with a baseline year is available"
    markers = {ALL_AGES: "circles, solid line", young_group(result.limit): "triangles, dashed line"}
    parts = []
    for group in dict.fromkeys(plot["group"]):
        values = plot.loc[plot["group"] == group, "value"].dropna()
        n_withheld = int(plot.loc[plot["group"] == group, "withheld"].sum())
        span = (
            f"between {values.min():,.0f} and {values.max():,.0f} a {frequency}"
            if len(values)
            else "every value withheld"
        )
        extra = f", {n_withheld} value(s) withheld (crosses below the axis)" if n_withheld else ""
        parts.append(f"{group} ({markers.get(group, 'markers')}): {span}{extra}")
    first, last = plot["start"].min(), plot["end"].max()
    alt = (
        f"Line chart of {measure.unit} by {frequency} from {first:%B %Y} to {last:%B %Y}. "
        + "; ".join(parts)
        + ". "
        + (f"The baseline year {baseline} is shaded grey and labelled. " if baseline else "")
        + f"The report year {current} is shaded and labelled."
    )
    return title, alt


def series_unavailable(result: MeasuresResult, key: str) -> str:
    """Why a measure's chart cannot be drawn, in a sentence."""
    events = result.events[key]
    reasons = list(dict.fromkeys(events.problems.values())) or [
        f"the {events.measure.data} data cover no complete financial year"
    ]
    return (
        f"**{markdown_escape(events.measure.name)}** cannot be charted: "
        + markdown_escape("; ".join(reasons))
        + "."
    )
