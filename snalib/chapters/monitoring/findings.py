"""Titles, alt text and sentences of the monitoring report, computed from the numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from snalib.chapters.monitoring.periods import PERIOD_WORDS
from snalib.chapters.monitoring.xmr import RULES
from snalib.publish.disclosure import count_text


def _unit(chart: pd.DataFrame, period: str) -> str:
    return str(chart["unit"].iloc[0]) if "unit" in chart.columns else f"crimes per {period}"


def xmr_findings(
    chart: pd.DataFrame, series: str, period: str, rule=None, withheld=None
) -> dict[str, str]:
    """Title, alt text and a sentence for an XmR chart, computed from its table.

    With ``rule`` the latest count is written as published (``[c]`` when small);
    ``withheld`` marks the values not published (:func:`chapter.withheld_points`), whose
    value is then not written either.
    """
    last = chart.iloc[-1]
    unit = _unit(chart, period)
    column = chart["count"] if "count" in chart.columns else chart["value"]
    count = float(pd.to_numeric(column, errors="coerce").astype(float).iloc[-1])
    if withheld is not None:
        hidden = bool(withheld[-1])
    else:  # without the chart's withheld points, the rule on the latest count decides
        hidden = rule is not None and 1 <= count < rule.threshold
    word = PERIOD_WORDS[period]
    have = chart["value"].notna()
    special = chart[chart["special_cause"]]
    recent = chart.iloc[-min(len(chart), 12) :]
    recent_special = recent[recent["special_cause"]]
    if np.isnan(count) or np.isnan(float(last["value"])):
        state = f"the latest {period} ({last['label']}) has no data, so it cannot be judged"
        title = f"{series}: the latest {period} has no data"
    else:
        crimes = f"{int(count):,}" if rule is None else count_text(int(count), rule)
        value = float(last["value"])
        latest = f"{crimes} crimes" + (
            "" if hidden or unit == f"crimes per {period}" else f"; {value:,.1f} {unit}"
        )
        if last["special_cause"]:
            state = (
                f"the latest {period} ({last['label']}, {latest}) shows special cause "
                f"variation ({'higher' if last['direction'] == 'high' else 'lower'} than the "
                f"baseline process: {last['rules']})"
            )
            title = (
                f"{series}: the latest {period} is "
                f"{'above' if last['direction'] == 'high' else 'below'} what the baseline "
                "process would produce"
            )
        else:
            state = (
                f"the latest {period} ({last['label']}, {latest}) is within common cause variation"
            )
            title = f"{series}: the latest {period} is within the baseline's common cause variation"
    counts = {rule_name: int(chart[rule_name].sum()) for rule_name in RULES}
    fired = [f"{RULES[r]} ({n} points)" for r, n in counts.items() if n]
    gaps = int((~have).sum())
    sentence = (
        f"On the {word} XmR chart of {series.lower()}, in {unit}, the mean is "
        f"{last['mean']:,.1f} and the natural process limits are {last['lower_limit']:,.1f} "
        f"to {last['upper_limit']:,.1f}; {state}. "
        f"{len(recent_special)} of the last {len(recent)} {period}s show special cause "
        f"variation, {len(special)} of all {int(have.sum())} with a value. "
        + (
            "Rules met: " + "; ".join(fired) + "."
            if fired
            else "No special cause rule is met: the series behaves as a stable process."
        )
        + (
            f" {gaps} {period}{'s have' if gaps != 1 else ' has'} no value and "
            f"{'are gaps' if gaps != 1 else 'is a gap'} in the chart: no moving range, run "
            "or rule spans a gap."
            if gaps
            else ""
        )
    )
    alt = (
        f"XmR chart of {word} {'counts' if unit == f'crimes per {period}' else unit} of "
        f"{series.lower()} from {chart['label'].iloc[0]} to "
        f"{last['label']}: points joined by a line, the mean as a solid line at "
        f"{last['mean']:,.1f}, the process limits as dashed lines at {last['lower_limit']:,.1f} "
        f"and {last['upper_limit']:,.1f}. {len(special)} points meet a special cause rule and "
        "are marked with larger symbols: triangles up when high, down when low."
        + (
            f" The line breaks at the {gaps} {period}{'s' if gaps != 1 else ''} without a value."
            if gaps
            else ""
        )
    )
    return {"title": title, "alt": alt, "sentence": sentence}


def baseline_drawn_note(shown: pd.DataFrame, period: str) -> str:
    """A sentence when the chart draws none of its baseline (weeks: the last two years)."""
    if shown["baseline"].any():
        return ""
    return (
        f"The baseline lies before the {len(shown)} {period}s drawn, so it is not shaded; "
        "its mean and limits are carried across the chart."
    )


def report_intro(frame: pd.DataFrame, data, period: str) -> str:
    """The report's opening: what it covers, from which data."""
    word = PERIOD_WORDS[period]
    last = frame.iloc[-1]
    source = (
        "the force's record-level crimes meeting the serious violence definition"
        if data.mode == "record"
        else "data.police.uk street-level crimes (the serious violence proxy: violence and "
        "sexual offences + robbery; public data have no ages, knife flag or days)"
    )
    return (
        f"This {word} report covers the latest complete {period}, **{last['period']}** "
        f"({last['start'].day} {last['start']:%B %Y} to {last['end'].day} {last['end']:%B %Y}), "
        f"and the {len(frame) - 1} complete "
        f"{period}s before it back to {frame['period'].iloc[0]}, counted from {source}. Each "
        "series is compared with the same period a year earlier and charted as an XmR "
        'statistical process control chart (NHS "Making Data Count").'
        + _gaps_intro(frame, data, period)
    )


def _gaps_intro(frame: pd.DataFrame, data, period: str) -> str:
    """A sentence on the periods without data (none: "")."""
    head = data.main[0].label
    if head not in frame.columns:
        return ""
    gap = pd.to_numeric(frame[head], errors="coerce").isna().to_numpy()
    if not gap.any():
        return ""
    latest = " The latest of them has no data, so it cannot be judged." if gap[-1] else ""
    return (
        f" {int(gap.sum())} of the {len(frame)} {period}s touch a month without data (see the "
        "data quality chapter): they have no count and are gaps in the charts, never zeros."
        + latest
    )


def no_chart_sentence(frame: pd.DataFrame, series: str, period: str) -> str:
    """Why a series has no XmR chart: fewer than two periods (with data), or no crime in any."""
    counts = pd.to_numeric(frame[series], errors="coerce") if series in frame.columns else None
    with_data = int(counts.notna().sum()) if counts is not None else len(frame)
    if len(frame) < 2:
        why = f"it needs at least two complete {period}s and the window holds {len(frame)}"
    elif with_data < len(frame) and (with_data < 2 or counts.sum() > 0):
        why = (
            f"only {with_data} of its {len(frame)} complete {period}s have data (the others "
            "are missing: see the data quality chapter), too few for a baseline"
        )
    else:
        why = f"no crime was recorded in any of its {len(frame)} complete {period}s"
    return f"No XmR chart of {series.lower()}: {why}."
