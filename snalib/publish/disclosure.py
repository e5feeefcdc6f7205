"""Statistical disclosure control for published outputs.

Every count that leaves the pipeline (a table CSV, a chapter, a figure's data) passes
through :func:`protect`. Suppressed cells are labelled, following the Government
Statistical Service guidance on symbols in tables: ``[c]`` for a confidential
(suppressed) count and ``[u]`` for a rate not published because its count is too small
to be reliable. A ``notes`` column names the rule applied, so a reader sees why a cell is
empty and never mistakes it for zero.

References
----------
NHS Digital, HES analysis guide: sub-national counts 1-7 are replaced by ``*``.
Government Analysis Function, "Symbols in tables, definitions and explanations" (2021).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

SUPPRESSED = "[c]"
UNRELIABLE = "[u]"


@dataclass(frozen=True)
class Rule:
    """A disclosure rule.

    Attributes
    ----------
    threshold
        Counts from 1 to ``threshold - 1`` are suppressed; 0 is published (a true zero
        discloses nothing about a person).
    min_count_for_rate
        No rate, proportion or ratio is published on a count below this.
    name
        Short name used in notes, e.g. "police data rule".
    """

    threshold: int = 5
    min_count_for_rate: int = 10
    name: str = "disclosure rule"

    @property
    def suppression_note(self) -> str:
        small = "1" if self.threshold == 2 else f"1 to {self.threshold - 1}"
        return f"{SUPPRESSED} count of {small} suppressed ({self.name}: threshold {self.threshold})"

    @property
    def rate_note(self) -> str:
        return f"{UNRELIABLE} not published: count below {self.min_count_for_rate}"


def rule_from_params(disclosure, *, source: str = "police") -> Rule:
    """The rule for a source: HES admissions use the HES threshold, all else the default."""
    if source == "hes":
        return Rule(disclosure.hes_threshold, disclosure.min_count_for_rate, "HES rule")
    return Rule(disclosure.threshold, disclosure.min_count_for_rate, f"{source} data rule")


def is_suppressed(counts: pd.Series, rule: Rule) -> pd.Series:
    """True for counts from 1 to threshold - 1."""
    c = pd.to_numeric(counts, errors="coerce")
    return ((c >= 1) & (c < rule.threshold)).fillna(False).astype(bool)


def protect(
    table: pd.DataFrame,
    rule: Rule,
    *,
    counts: Iterable[str] = (),
    rates: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Apply primary suppression to a table about to be published.

    Parameters
    ----------
    table
        The table.
    rule
        The disclosure rule.
    counts
        Count columns: cells from 1 to ``threshold - 1`` become ``[c]``.
    rates
        Mapping of each rate-like column (rate, proportion, ratio, their limits) to the
        count column it rests on: where that count is below ``min_count_for_rate`` (or
        suppressed) the rate becomes ``[u]``.

    Returns
    -------
    pandas.DataFrame
        A copy; touched columns become text where a symbol is written, and a ``notes``
        column lists the rules applied in each row (empty when none).
    """
    out = table.copy()
    counts = list(counts)
    rates = dict(rates or {})
    notes = pd.Series([[] for _ in range(len(out))], index=out.index, dtype=object)
    original_counts = {
        c: pd.to_numeric(table[c], errors="coerce") for c in set(counts) | set(rates.values())
    }

    for col in counts:
        mask = is_suppressed(table[col], rule)
        if mask.any():
            out[col] = out[col].astype(object)
            out.loc[mask, col] = SUPPRESSED
            for i in out.index[mask]:
                if rule.suppression_note not in notes[i]:
                    notes[i].append(rule.suppression_note)
    for col, count_col in rates.items():
        base = original_counts[count_col]
        mask = (base < rule.min_count_for_rate).fillna(False) & out[col].notna()
        if mask.any():
            out[col] = out[col].astype(object)
            out.loc[mask, col] = UNRELIABLE
            for i in out.index[mask]:
                if rule.rate_note not in notes[i]:
                    notes[i].append(rule.rate_note)
    if "notes" in out.columns:
        # Merge with notes already there (e.g. protected before): each note once, in order.
        existing = (
            out["notes"].fillna("").astype(str).map(lambda t: [n for n in t.split("; ") if n])
        )
        notes = pd.Series(
            [list(dict.fromkeys(old + new)) for old, new in zip(existing, notes, strict=True)],
            index=out.index,
            dtype=object,
        )
    out["notes"] = notes.map("; ".join)
    return out


def assert_no_small_counts(table: pd.DataFrame, counts: Iterable[str], rule: Rule) -> None:
    """Raise ``AssertionError`` if any published count cell is between 1 and threshold-1."""
    for col in counts:
        values = pd.to_numeric(table[col], errors="coerce")
        bad = values[(values >= 1) & (values < rule.threshold)]
        if len(bad):
            raise AssertionError(f"column {col} publishes small counts: {bad.tolist()[:5]}")
