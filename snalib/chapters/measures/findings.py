"""What the success measures say, in words computed from the published table.

Every sentence reads the *protected* table, so a withheld count stays withheld in the
prose. Values from input files are escaped for Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from snalib.chapters.measures.definitions import (
    MEASURES,
    NO_SIGNIFICANT_CHANGE,
    NOT_AVAILABLE,
    SIGNIFICANT_INCREASE,
    SIGNIFICANT_REDUCTION,
    STATUSES,
    TOO_FEW,
    Periods,
)
from snalib.publish.disclosure import SUPPRESSED, UNRELIABLE
from snalib.publish.tables import markdown_escape


def is_withheld(value) -> bool:
    """Whether a published value is a disclosure symbol (``[c]`` or ``[u]``) not a number."""
    return isinstance(value, str) and value in (SUPPRESSED, UNRELIABLE)


def is_missing(value) -> bool:
    """Whether a published value is empty (not available), as opposed to withheld or a number."""
    return value is None or (not isinstance(value, str) and pd.isna(value)) or value == ""


def fmt_count(value) -> str:
    """A published count in prose: "1,234", "[c] (withheld)" or "not available"."""
    if is_missing(value):
        return "not available"
    if is_withheld(value):
        return f"{value} (withheld)"
    return f"{int(float(value)):,}"


def fmt_number(value, spec: str) -> str:
    """A published number in prose with a format spec, the symbol, or "not available"."""
    if is_missing(value):
        return "not available"
    if is_withheld(value):
        return str(value)
    return format(float(value), spec)


def _status_sentence(row: Mapping) -> str:
    status = row["status"]
    ratio = (
        f"rate ratio {fmt_number(row['rate_ratio'], '.2f')}, 95% CI "
        f"{fmt_number(row['lower95'], '.2f')} to {fmt_number(row['upper95'], '.2f')}; "
        f"p = {fmt_number(row['p_value'], '.3f')}"
    )
    change = row["change_pct"]
    fall, rise = row.get("detectable_fall_pct"), row.get("detectable_rise_pct")
    detect = ""
    if not is_missing(fall) and not is_withheld(fall):
        detect = (
            f" These counts could reliably detect (80% power) a fall of "
            f"{abs(float(fall)):.0f}% or more"
            + (
                f", or a rise of {float(rise):.0f}% or more"
                if not is_missing(rise) and not is_withheld(rise)
                else ""
            )
            + "."
        )
    tested = f" The test: {row['status_reason']}." if row.get("status_reason") else ""
    if status in (SIGNIFICANT_REDUCTION, SIGNIFICANT_INCREASE):
        verb = "fell" if status == SIGNIFICANT_REDUCTION else "rose"
        size = f" by {abs(float(change)):.1f}%" if not is_withheld(change) else ""
        return (
            f"The rate {verb}{size} since the baseline ({ratio}): a **{status}**, larger than "
            f"chance alone is likely to produce.{tested}"
        )
    if status == NO_SIGNIFICANT_CHANGE:
        size = f"changed by {float(change):+.1f}%" if not is_withheld(change) else "changed"
        return (
            f"The rate {size} since the baseline ({ratio}), within what chance alone "
            f"produces: **{status}**.{tested}{detect}"
        )
    if status == TOO_FEW:
        return f"**Too few events to conclude**: {row['status_reason']}.{detect}"
    return f"**Not available**: {row['status_reason']}."


def measure_sentences(published: pd.DataFrame) -> str:
    """Interpretation of each measure, computed from the published (protected) table.

    Reading the protected table means a withheld count stays withheld in the prose.
    """
    lines = []
    for measure_id, rows in published.groupby("measure_id", sort=False):
        first = rows.iloc[0]
        lines.append(f"**{markdown_escape(first['measure'])}**\n")
        for _, row in rows.iterrows():
            head = f"- *{markdown_escape(str(row['who']).capitalize())}*: "
            if row["status"] == NOT_AVAILABLE and is_missing(row["current_count"]):
                lines.append(head + f"not available: {markdown_escape(row['status_reason'])}.")
                continue
            unit = MEASURES[measure_id].unit
            parts = [
                f"{fmt_count(row['current_count'])} {unit} in {row['current_period']}"
                f" ({fmt_number(row['current_rate'], ',.1f')} per 100,000 residents)"
            ]
            if row["baseline_period"]:
                parts.append(
                    f"against {fmt_count(row['baseline_count'])} in the baseline year "
                    f"{row['baseline_period']} ({fmt_number(row['baseline_rate'], ',.1f')} per "
                    "100,000)"
                )
            parts.append(f"and {fmt_count(row['previous_count'])} in {row['previous_period']}")
            lines.append(head + ", ".join(parts) + ". " + _status_sentence(row))
        if measure_id == "homicides":
            lines.append(
                "\nHomicides are rare. With counts this small, differences between years are "
                "mostly chance: this report does not read them as a trend, and a single "
                "incident can move the figures a long way."
            )
        lines.append("")
    return "\n".join(lines)


def measures_summary(published: pd.DataFrame, periods: Periods) -> str:
    """Headline: how many measures in each status, and what could not be computed."""
    counts = published["status"].value_counts()
    n = len(published)
    baseline = periods.baseline.label if periods.baseline else None
    if baseline is None:
        head = (
            f"No baseline year is set for this run, so the {n} success measure comparisons "
            f"cannot be made; counts for {periods.previous.label} and {periods.current.label} "
            "are shown where the data allow."
        )
    else:
        found = [f"{counts[s]} {s}" for s in STATUSES if counts.get(s, 0)]
        head = (
            f"Comparing {periods.current.label} with the baseline year {baseline}, the "
            f"{n} success measure comparisons (three measures, all ages and the priority age "
            f"group) give: {', '.join(found)}."
        )
    lines = [head]
    if baseline is not None:
        lines.append("\n" + how_tested(published))
    unavailable = published[published["status"] == NOT_AVAILABLE]
    reasons: dict[tuple[str, str], list[str]] = {}
    for _, row in unavailable.iterrows():
        reason = str(row["status_reason"])
        if baseline is None and reason.startswith("no baseline year"):
            continue
        reasons.setdefault((row["measure"], reason), []).append(str(row["group"]))
    if reasons:
        lines.append("\nWhat cannot be computed from this run's data:\n")
        for (measure, reason), groups in reasons.items():
            lines.append(
                f"- {markdown_escape(measure)} ({' and '.join(groups)}): {markdown_escape(reason)}."
            )
    return "\n".join(lines)


def how_tested(published: pd.DataFrame) -> str:
    """What the comparisons were tested against, and how multiple comparisons are handled.

    Each status is its own pre-specified question (a Home Office success measure for a
    named group), not a scan of many places or groups for the largest change, so each is
    tested at the 5% level on its own; the sentence says so, and what that means for the
    chance of at least one false "significant" among them.
    """
    methods = published["comparison_method"].astype(str)
    tested = published["status"].isin(
        [SIGNIFICANT_REDUCTION, SIGNIFICANT_INCREASE, NO_SIGNIFICANT_CHANGE]
    )
    monthly = methods.str.startswith("quasi-Poisson")
    parts = []
    if monthly.any():
        parts.append(
            "Changes are tested against the month-to-month variation of each measure, not "
            "only against chance: the variance of the rate ratio is taken from the monthly "
            "counts of every financial year covered (quasi-Poisson dispersion, allowing for "
            "the seasons and for one month's excess carrying into the next), so the 95% "
            "intervals are wider than exact Poisson ones when counts vary more than chance."
        )
    exact = methods.str.startswith("exact") & ~monthly
    if exact.any():
        which = sorted(set(published.loc[exact, "measure_short"].astype(str)))
        parts.append(
            f"Where only annual counts exist ({markdown_escape(', '.join(which))}), the exact "
            "Poisson test is used; its interval may be too narrow if the counts vary more "
            "than chance."
        )
    k = int(tested.sum())
    text = (
        "Each comparison is a separate Home Office success measure, specified in advance, "
        "not a scan for the largest change, so each is tested on its own at the 5% level "
        "with no adjustment for multiple comparisons."
    )
    if k >= 2:
        text += (
            f" If none of the {k} comparisons tested had really changed, the chance that at "
            f"least one would be called significant is {1 - 0.95**k:.0%}."
        )
    parts.append(text)
    return " ".join(parts)


def table_caption(periods: Periods) -> str:
    """Caption of the success measures table."""
    if periods.baseline is None:
        return (
            f"Home Office success measures, {periods.previous.label} and "
            f"{periods.current.label} (no baseline year set)"
        )
    return (
        f"Home Office success measures: {periods.current.label} against the baseline year "
        f"{periods.baseline.label}, counts per year and rates per 100,000 residents"
    )
