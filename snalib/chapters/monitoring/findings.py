"""Titles, alt text and sentences of the monitoring report, computed from the numbers."""

from __future__ import annotations

import pandas as pd

from snalib.chapters.monitoring.periods import PERIOD_WORDS
from snalib.chapters.monitoring.xmr import RULES
from snalib.publish.disclosure import count_text


def xmr_findings(chart: pd.DataFrame, series: str, period: str, rule=None) -> dict[str, str]:
    """Title, alt text and a sentence for an XmR chart, computed from its table.

    With ``rule`` the latest value is written as published (``[c]`` when small).
    """
    latest = (
        f"{int(chart.iloc[-1]['value']):,}"
        if rule is None
        else count_text(int(chart.iloc[-1]["value"]), rule)
    )
    word = PERIOD_WORDS[period]
    special = chart[chart["special_cause"]]
    last = chart.iloc[-1]
    recent = chart.iloc[-min(len(chart), 12) :]
    recent_special = recent[recent["special_cause"]]
    if last["special_cause"]:
        state = (
            f"the latest {period} ({last['label']}, {latest}) shows special cause "
            f"variation ({'higher' if last['direction'] == 'high' else 'lower'} than the "
            f"baseline process: {last['rules']})"
        )
        title = (
            f"{series}: the latest {period} is {'above' if last['direction'] == 'high' else 'below'} "
            "what the baseline process would produce"
        )
    else:
        state = f"the latest {period} ({last['label']}, {latest}) is within common cause variation"
        title = f"{series}: the latest {period} is within the baseline's common cause variation"
    counts = {rule: int(chart[rule].sum()) for rule in RULES}
    fired = [f"{RULES[r]} ({n} points)" for r, n in counts.items() if n]
    sentence = (
        f"On the {word} XmR chart of {series.lower()}, the mean is {last['mean']:,.1f} and the "
        f"natural process limits are {last['lower_limit']:,.1f} to {last['upper_limit']:,.1f}; "
        f"{state}. "
        f"{len(recent_special)} of the last {len(recent)} {period}s show special cause "
        f"variation, {len(special)} of all {len(chart)}. "
        + (
            "Rules met: " + "; ".join(fired) + "."
            if fired
            else "No special cause rule is met: the series behaves as a stable process."
        )
    )
    alt = (
        f"XmR chart of {word} counts of {series.lower()} from {chart['label'].iloc[0]} to "
        f"{last['label']}: points joined by a line, the mean as a solid line at "
        f"{last['mean']:,.1f}, the process limits as dashed lines at {last['lower_limit']:,.1f} "
        f"and {last['upper_limit']:,.1f}. {len(special)} points meet a special cause rule and "
        "are marked with larger symbols: triangles up when high, down when low."
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
    )


def no_chart_sentence(frame: pd.DataFrame, series: str, period: str) -> str:
    """Why a series has no XmR chart: fewer than two periods, or no crime in any."""
    if len(frame) < 2:
        why = f"it needs at least two complete {period}s and the window holds {len(frame)}"
    else:
        why = f"no crime was recorded in any of its {len(frame)} complete {period}s"
    return f"No XmR chart of {series.lower()}: {why}."
