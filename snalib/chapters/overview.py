"""The title page (``notebooks/00-overview.ipynb``): the run's key facts, from its own data.

The notebook computes the facts once (:func:`run_key_facts`) and shows them twice: as the
grid of headline facts on the title page (:func:`key_facts_block`) and as the published
table of every fact (:func:`key_facts_table`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML

from snalib.definition.flags import in_financial_year
from snalib.definition.series import PROXY_TYPES, street_in_financial_year
from snalib.inputs.missing import missing_from_quality
from snalib.periods import FinancialYear
from snalib.publish.disclosure import NO_COUNTS, Rule, count_text, is_suppressed
from snalib.publish.run import RunContext
from snalib.publish.tables import PublishedTable


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    note: str = ""


def _count(value: int, rule: Rule) -> str:
    return count_text(value, rule)


def _change(current: int, previous: int, rule: Rule) -> str:
    if previous == 0:
        return "no count in the previous year to compare with"
    pct = 100 * (current - previous) / previous
    direction = "up" if pct > 0 else "down" if pct < 0 else "unchanged"
    return f"{direction} {abs(pct):.1f}% on the previous year ({_count(previous, rule)})"


def _share(part: int, whole: int, rule: Rule, what: str) -> str:
    """``part`` as a percentage of ``whole``, or nothing when the percentage would give back
    a withheld count (the whole is published beside it) or rest on too small a count."""
    if (
        is_suppressed(pd.Series([part]), rule).iloc[0]
        or is_suppressed(pd.Series([whole]), rule).iloc[0]
    ):
        return ""
    if part < rule.min_count_for_rate or whole < rule.min_count_for_rate:
        return ""
    return f"{100 * part / whole:.1f}% of {what}"


def key_facts(
    params,
    flagged: pd.DataFrame | None,
    quality: dict,
    rule: Rule,
    street: pd.DataFrame | None = None,
) -> list[Fact]:
    """Key facts for the title page.

    Parameters
    ----------
    params
        The run's parameters.
    flagged
        Crimes flagged by :func:`snalib.definition.flags.flag_crimes`, or None (public data mode).
    street
        data.police.uk street-level crimes (public data mode), or None.
    quality
        The run's ``data/quality.json``.
    rule
        Disclosure rule for counts.
    """
    fy = FinancialYear.parse(params.report_year)
    gaps = _gaps_words(fy, quality)
    facts = [
        Fact("Area", params.area.name),
        Fact("Report year", f"{fy.label} (1 April {fy.start.year} to 31 March {fy.end.year})"),
        Fact(
            "Sources provided",
            f"{len(quality['sources'])}",
            ", ".join(sorted(quality["sources"])),
        ),
    ]
    if flagged is not None:
        current = in_financial_year(flagged, fy)
        previous = in_financial_year(flagged, fy.previous())
        n_now = int(current["serious_violence"].sum())
        n_prev = int(previous["serious_violence"].sum())
        facts.append(
            Fact(
                f"Serious violence in {fy.label}",
                _count(n_now, rule),
                gaps
                or (
                    _change(n_now, n_prev, rule)
                    if n_prev >= rule.threshold and n_now >= rule.threshold
                    else ""
                ),
            )
        )
        knife = int((current["serious_violence"] & current["knife"].fillna(False)).sum())
        facts.append(
            Fact(
                "Knife or sharp instrument involved",
                _count(knife, rule),
                _share(knife, n_now, rule, "serious violence"),
            )
        )
        in_codes = int(current["in_offence_codes"].sum())
        facts.append(
            Fact(
                "All ages, any location, in the definition's offence codes",
                _count(in_codes, rule),
                "before the public place, domestic and age conditions",
            )
        )
    if street is not None:
        facts.extend(_public_facts(street, fy, rule, gaps))
    return facts


def _gaps_words(fy: FinancialYear, quality: dict) -> str:
    """A note when the report year or the year before has a month without data: its count
    covers fewer months, so no change on the previous year is given ("" when none)."""
    years = {fy.label, fy.previous().label}
    gaps = [
        m
        for m in missing_from_quality(quality)
        if FinancialYear.of(pd.Period(m.month, "M").start_time.date()).label in years
    ]
    if not gaps:
        return ""
    names = ", ".join(m.name for m in gaps)
    one = len(gaps) == 1
    return (
        f"{names} {'has' if one else 'have'} no data (see the data quality chapter): the "
        "count covers the months with data only, so it is not compared with the previous year"
    )


def _public_facts(
    street: pd.DataFrame, fy: FinancialYear, rule: Rule, gaps: str = ""
) -> list[Fact]:
    now = street_in_financial_year(street, fy)
    before = street_in_financial_year(street, fy.previous())
    proxy_now = int(now["crime_type"].isin(PROXY_TYPES).sum())
    proxy_before = int(before["crime_type"].isin(PROXY_TYPES).sum())
    weapons = int((now["crime_type"] == "Possession of weapons").sum())
    return [
        Fact(
            f"Serious violence proxy in {fy.label}",
            _count(proxy_now, rule),
            "violence and sexual offences + robbery (public data); "
            + (
                gaps
                if gaps
                else _change(proxy_now, proxy_before, rule)
                if proxy_before >= rule.threshold and proxy_now >= rule.threshold
                else "no comparison with the previous year: a count is too small to publish"
                if len(before)
                else "no previous year in the data"
            ),
        ),
        Fact("Possession of weapons offences", _count(weapons, rule), "context for the proxy"),
    ]


#: Facts shown in the title page's grid (the others are in the title and the table).
HEADLINE_LABEL_PREFIXES = ("Serious violence", "Knife", "All ages", "Sources", "Possession")


def key_facts_html(facts: list[Fact]) -> str:
    """The headline facts as a list for the title page's grid.

    The classes are specific to the key facts (``key-fact-label``, ``key-fact-value``,
    ``key-fact-note``): Bootstrap, used by Quarto and by nbconvert's notebook pages, styles
    a bare ``.label`` as white text, which would hide the labels.
    """
    items = []
    for f in facts:
        if not f.label.startswith(HEADLINE_LABEL_PREFIXES):
            continue
        note = f'<span class="key-fact-note">{html.escape(f.note)}</span>' if f.note else ""
        items.append(
            f'<li><span class="key-fact-label">{html.escape(f.label)}</span>'
            f'<span class="key-fact-value">{html.escape(f.value)}</span>{note}</li>'
        )
    return '<ul class="key-facts" aria-label="Key facts">' + "".join(items) + "</ul>"


def facts_frame(facts: list[Fact]) -> pd.DataFrame:
    """Every fact as a row: ``fact``, ``value``, ``note``."""
    return pd.DataFrame(
        [(f.label, f.value, f.note) for f in facts], columns=["fact", "value", "note"]
    )


def run_key_facts(run: RunContext) -> list[Fact]:
    """The key facts of a run, in record-level or public data mode (:func:`key_facts`)."""
    flagged = run.table("crimes_flagged") if run.has("crimes_flagged") else None
    street = run.table("street_crimes") if run.has("street_crimes") else None
    return key_facts(run.params, flagged, run.quality(), run.rule(), street)


def key_facts_block(facts: list[Fact]) -> HTML:
    """The title page's grid of headline facts, ready to show."""
    return HTML(key_facts_html(facts))


def key_facts_table(run: RunContext, facts: list[Fact]) -> PublishedTable:
    """``tables/key_facts.csv``: every key fact with its note."""
    return run.publish_table(
        facts_frame(facts),
        "key_facts",
        caption="Key facts of this report",
        counts=NO_COUNTS,  # values are text, protected when made (count_text)
        labels={"fact": "Fact", "value": "Value", "note": "Note"},
    )
