"""Disclosure control of the success measures, row by row with its source's rule.

:func:`protect_measures` applies each row's rule (HES for admissions, the police rule
otherwise), withholds an under-25 count whose complement in the all-ages count is small
(secondary suppression, :func:`secondary_suppression`), and withholds every rate, ratio,
interval, p-value and detectable change that rests on a withheld or small count, so no
small count can be recovered from a rate times a population or from a difference.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from snalib.chapters.measures.definitions import ALL_AGES
from snalib.chapters.measures.table import COLUMNS, COUNT_COLUMNS, DERIVED_FROM
from snalib.publish.disclosure import SUPPRESSED, Rule, is_suppressed, protect


def secondary_suppression(all_counts: pd.Series, young_counts: pd.Series, rule: Rule) -> pd.Series:
    """Young counts to withhold because all ages minus young is from 1 to threshold - 1."""
    difference = all_counts - young_counts
    primary = is_suppressed(all_counts, rule) | is_suppressed(young_counts, rule)
    return ((difference >= 1) & (difference < rule.threshold) & ~primary).fillna(False)


SECONDARY_NOTE = (
    "[c] withheld so that a small count cannot be found as the difference from the all-ages "
    "count (secondary suppression)"
)


def protect_measures(table: pd.DataFrame, rules: Mapping[str, Rule]) -> pd.DataFrame:
    """Disclosure control of the success measures table, row by row with its source's rule.

    Parameters
    ----------
    table
        :attr:`MeasuresResult.table`.
    rules
        Rule per source: ``{"hes": run.rule("hes"), "police": run.rule("police")}``.

    Returns
    -------
    pandas.DataFrame
        The table with small counts ``[c]`` (primary: 1 to threshold - 1; secondary: a
        priority group count whose complement in the all-ages count would be small), and
        every column of :data:`DERIVED_FROM` ``[u]`` where any count it rests on is
        withheld or below the minimum count for a rate (so a rate times its population, or
        a ratio, never reveals a withheld count). ``notes`` names the rules.
        ``RunContext.publish_table`` then applies the police rule again (a no-op here).
    """
    parts = []
    for source, rows in table.groupby("source", sort=False):
        rule = rules[source]
        rows = rows.copy()
        withheld = {}
        for period in ("baseline", "previous", "current"):
            counts = pd.to_numeric(rows[f"{period}_count"], errors="coerce")
            secondary = pd.Series(False, index=rows.index)
            for _, measure_rows in rows.groupby("measure_id", sort=False):
                all_rows = measure_rows[measure_rows["group"] == ALL_AGES]
                young = measure_rows[measure_rows["group"] != ALL_AGES]
                if len(all_rows) == 1 and len(young) == 1:
                    flag = secondary_suppression(
                        pd.Series(counts[all_rows.index].to_numpy(), index=young.index),
                        counts[young.index],
                        rule,
                    )
                    secondary[young.index] = flag
            withheld[period] = (is_suppressed(counts, rule) | secondary, secondary)
            # The base a rate rests on: 0 (so [u]) where the count is withheld.
            rows[f"_base_{period}"] = counts.where(~withheld[period][0], 0)
        helpers = {}
        for col, periods in DERIVED_FROM.items():
            name = f"_base_{col}"
            rows[name] = pd.concat([rows[f"_base_{p}"] for p in periods], axis=1).min(
                axis=1, skipna=False
            )
            helpers[col] = name
        protected = protect(rows, rule, counts=COUNT_COLUMNS, rates=helpers)
        for period in ("baseline", "previous", "current"):
            secondary = withheld[period][1]
            if secondary.any():
                col = f"{period}_count"
                protected[col] = protected[col].astype(object)
                protected.loc[secondary, col] = SUPPRESSED
                for i in protected.index[secondary]:
                    note = protected.at[i, "notes"]
                    if SECONDARY_NOTE not in note:
                        protected.at[i, "notes"] = f"{note}; {SECONDARY_NOTE}".strip("; ")
        parts.append(protected.drop(columns=[c for c in protected.columns if c.startswith("_")]))
    out = pd.concat(parts).loc[table.index]
    return out[COLUMNS]
