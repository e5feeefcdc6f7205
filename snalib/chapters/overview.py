"""The title page: the run's key facts, computed from the run's own data."""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from snalib.definition.flags import in_financial_year
from snalib.periods import FinancialYear
from snalib.publish.disclosure import Rule, is_suppressed


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    note: str = ""


def _count(value: int, rule: Rule) -> str:
    if is_suppressed(pd.Series([value]), rule).iloc[0]:
        return "[c]"
    return f"{value:,}"


def _change(current: int, previous: int) -> str:
    if previous == 0:
        return "no count in the previous year to compare with"
    pct = 100 * (current - previous) / previous
    direction = "up" if pct > 0 else "down" if pct < 0 else "unchanged"
    return f"{direction} {abs(pct):.1f}% on the previous year ({previous:,})"


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
                _change(n_now, n_prev)
                if n_prev >= rule.threshold and n_now >= rule.threshold
                else "",
            )
        )
        knife = int((current["serious_violence"] & current["knife"].fillna(False)).sum())
        facts.append(
            Fact(
                "Knife or sharp instrument involved",
                _count(knife, rule),
                f"{100 * knife / n_now:.1f}% of serious violence"
                if n_now >= rule.min_count_for_rate
                else "",
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
        facts.extend(_public_facts(street, fy, rule))
    return facts


def _public_facts(street: pd.DataFrame, fy: FinancialYear, rule: Rule) -> list[Fact]:
    from snalib.definition.series import PROXY_TYPES

    months = street["month"].astype("string")

    def in_year(year: FinancialYear) -> pd.DataFrame:
        return street[(months >= f"{year.start:%Y-%m}") & (months <= f"{year.end:%Y-%m}")]

    now, before = in_year(fy), in_year(fy.previous())
    proxy_now = int(now["crime_type"].isin(PROXY_TYPES).sum())
    proxy_before = int(before["crime_type"].isin(PROXY_TYPES).sum())
    weapons = int((now["crime_type"] == "Possession of weapons").sum())
    return [
        Fact(
            f"Serious violence proxy in {fy.label}",
            _count(proxy_now, rule),
            "violence and sexual offences + robbery (public data); "
            + (_change(proxy_now, proxy_before) if len(before) else "no previous year in the data"),
        ),
        Fact("Possession of weapons offences", _count(weapons, rule), "context for the proxy"),
    ]


#: Facts shown in the title page's grid (the others are in the title and the table).
HEADLINE_LABEL_PREFIXES = ("Serious violence", "Knife", "All ages", "Sources", "Possession")


def key_facts_html(facts: list[Fact]) -> str:
    items = []
    for f in facts:
        if not f.label.startswith(HEADLINE_LABEL_PREFIXES):
            continue
        note = f'<span class="note">{html.escape(f.note)}</span>' if f.note else ""
        items.append(
            f'<li><span class="label">{html.escape(f.label)}</span>'
            f'<span class="value">{html.escape(f.value)}</span>{note}</li>'
        )
    return '<ul class="key-facts" aria-label="Key facts">' + "".join(items) + "</ul>"


def facts_frame(facts: list[Fact]) -> pd.DataFrame:
    return pd.DataFrame(
        [(f.label, f.value, f.note) for f in facts], columns=["fact", "value", "note"]
    )
