"""Statistical disclosure control for published outputs.

Every count that leaves the pipeline (a table CSV, a chapter, a figure's data) passes
through :func:`protect`. Suppressed cells are labelled, following the Government
Statistical Service guidance on symbols in tables: ``[c]`` for a confidential
(suppressed) count and ``[u]`` for a rate not published because its count is too small
to be reliable. A ``notes`` column names the rule applied, so a reader sees why a cell is
empty and never mistakes it for zero.

Three steps, in this order:

1. **Primary suppression**: counts from 1 to ``threshold - 1`` become ``[c]``.
2. **Secondary (complementary) suppression**: the caller declares how the table's counts
   are related (:class:`Relation`: a total and the parts it is the sum of, e.g. records
   remaining before a step = records remaining after it + records excluded by it; a rolling
   12-month total = its 12 months; a month's total = its districts). Further cells are
   withheld until no withheld count can be worked back from the published ones
   (:func:`secondary_suppression`).
3. **Rounding** (optional, ``disclosure.rounding``): the counts still published are
   rounded to the nearest multiple of the base, each from its own unrounded value.

Rates, proportions and ratios are withheld (``[u]``) where the count they rest on is below
``min_count_for_rate`` or where any count they are made from is withheld, so that a rate
times its population, or a percentage times its total, never gives back a withheld count.

References
----------
NHS Digital, HES analysis guide: sub-national counts 1-7 are replaced by ``*``.
Government Analysis Function, "Symbols in tables, definitions and explanations" (2021).
Hundepool A. et al., *Statistical Disclosure Control* (Wiley, 2012), chapter 4: primary
and secondary cell suppression in linked tables, and the audit of a suppression pattern by
linear algebra.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import qr

SUPPRESSED = "[c]"
UNRELIABLE = "[u]"

#: Note on a count withheld although it is not small (complementary suppression).
SECONDARY_NOTE = (
    "[c] withheld so that a suppressed count cannot be worked out from the published "
    "counts it adds up with (secondary suppression)"
)


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
    rounding
        Published counts are rounded to the nearest multiple of this base (1: unrounded).
    """

    threshold: int = 5
    min_count_for_rate: int = 10
    name: str = "disclosure rule"
    rounding: int = 1

    @property
    def suppression_note(self) -> str:
        small = "1" if self.threshold == 2 else f"1 to {self.threshold - 1}"
        return f"{SUPPRESSED} count of {small} suppressed ({self.name}: threshold {self.threshold})"

    @property
    def rate_note(self) -> str:
        return f"{UNRELIABLE} not published: count below {self.min_count_for_rate}"

    @property
    def rounding_note(self) -> str:
        return (
            f"counts rounded to the nearest {self.rounding}, each from its own unrounded "
            "value, so parts may not add up to their total"
        )

    def round(self, value: float) -> float:
        """``value`` rounded half up to the nearest multiple of :attr:`rounding`."""
        if self.rounding <= 1:
            return value
        return float(np.floor(value / self.rounding + 0.5) * self.rounding)


def rule_from_params(disclosure, *, source: str = "police") -> Rule:
    """The rule for a source: HES admissions use the HES threshold, all else the default."""
    rounding = getattr(disclosure, "rounding", 1)
    if source == "hes":
        return Rule(disclosure.hes_threshold, disclosure.min_count_for_rate, "HES rule", rounding)
    return Rule(
        disclosure.threshold, disclosure.min_count_for_rate, f"{source} data rule", rounding
    )


def is_suppressed(counts: pd.Series, rule: Rule) -> pd.Series:
    """True for counts from 1 to threshold - 1."""
    c = pd.to_numeric(counts, errors="coerce")
    return ((c >= 1) & (c < rule.threshold)).fillna(False).astype(bool)


def count_text(value: float | int, rule: Rule) -> str:
    """One count as published in prose: ``[c]`` when small, else rounded as the rule asks."""
    if 1 <= value < rule.threshold:
        return SUPPRESSED
    return f"{int(rule.round(value)):,}"


class _NoCounts:
    """The sentinel :data:`NO_COUNTS`."""

    def __repr__(self) -> str:
        return "NO_COUNTS"


#: Passed as ``counts`` to say, explicitly, that a published table holds no count of
#: people or events (money, parameters, model statistics, text already protected).
NO_COUNTS = _NoCounts()


def count_columns(frame: pd.DataFrame, counts, *, name: str) -> list[str]:
    """The count columns a caller declared for ``name``: a non-empty sequence of columns of
    ``frame``, or :data:`NO_COUNTS` (an empty list). Anything else is a programming error:
    a table whose counts are not named would be published unprotected."""
    if counts is NO_COUNTS:
        return []
    if counts is None or isinstance(counts, str) or not isinstance(counts, Iterable):
        raise TypeError(
            f"{name}: counts must list the count columns, or be NO_COUNTS, not {counts!r}"
        )
    counts = list(counts)
    if not counts:
        raise ValueError(f"{name}: no count column named; say counts=NO_COUNTS if there is none")
    missing = [c for c in counts if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: count column(s) {missing} not in the table")
    return counts


# ---------------------------------------------------------------------------- relations
#: A cell of a table: (row position, column name).
Cell = tuple[int, str]


@dataclass(frozen=True)
class Relation:
    """A total and the published parts it is the sum of.

    ``total = sum(parts) + remainder``, where the remainder (the records in no published
    part, e.g. crimes without a district) is never published. Cells are addressed by row
    position (0 for the first row of the table given to :func:`protect`) and column.
    """

    total: Cell
    parts: tuple[Cell, ...]

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (*self.parts, self.total)


def row_relations(frame: pd.DataFrame, total: str, parts: Sequence[str]) -> list[Relation]:
    """In every row, column ``total`` is the sum of columns ``parts``."""
    return [Relation((i, total), tuple((i, p) for p in parts)) for i in range(len(frame))]


def flow_relations(
    frame: pd.DataFrame, *, records: str = "records", excluded: str = "excluded"
) -> list[Relation]:
    """An inclusion flow: records before a step = records after it + records it excluded.

    Rows are the steps in order; the first step has nothing before it.
    """
    return [Relation((i - 1, records), ((i, records), (i, excluded))) for i in range(1, len(frame))]


def rolling_relations(
    frame: pd.DataFrame,
    *,
    count: str,
    rolling: str,
    window: int,
    by: Sequence[str] = (),
) -> list[Relation]:
    """A rolling total is the sum of its ``window`` rows (in table order, within ``by``).

    Rows whose rolling total is empty (the first ``window - 1`` of a series) relate nothing.
    """
    out = []
    positions = pd.Series(range(len(frame)), index=frame.index)
    groups = frame.groupby(list(by), sort=False).indices.values() if by else [range(len(frame))]
    has_total = frame[rolling].notna().to_numpy()
    for rows in groups:
        rows = list(positions.iloc[list(rows)])
        for k in range(window - 1, len(rows)):
            if has_total[rows[k]]:
                window_rows = rows[k - window + 1 : k + 1]
                out.append(Relation((rows[k], rolling), tuple((r, count) for r in window_rows)))
    return out


def total_relations(
    frame: pd.DataFrame,
    counts: Sequence[str],
    *,
    by: Sequence[str],
    total: pd.Series,
    parts: pd.Series,
) -> list[Relation]:
    """Within each group of ``by`` (e.g. a month), the row where ``total`` is true is the sum
    of the rows where ``parts`` is true, for each column of ``counts``.

    Groups without exactly one total row, or without parts, relate nothing.
    """
    total = np.asarray(total, dtype=bool)
    parts = np.asarray(parts, dtype=bool)
    out = []
    groups = frame.groupby(list(by), sort=False).indices.values() if by else [range(len(frame))]
    for rows in groups:
        totals = [r for r in rows if total[r]]
        members = [r for r in rows if parts[r] and not total[r]]
        if len(totals) != 1 or not members:
            continue
        for col in counts:
            if pd.isna(frame[col].iloc[totals[0]]):  # no total published: nothing to relate
                continue
            out.append(Relation((totals[0], col), tuple((r, col) for r in members)))
    return out


def _value(values: Mapping[str, np.ndarray], cell: Cell) -> float:
    return float(values[cell[1]][cell[0]])


def _remainder(values: Mapping[str, np.ndarray], rel: Relation) -> float:
    total = _value(values, rel.total)
    parts = [_value(values, c) for c in rel.parts]
    if np.isnan(total) or any(np.isnan(p) for p in parts):
        return np.nan
    remainder = total - sum(parts)
    if remainder < -1e-9:
        raise ValueError(
            f"disclosure relation does not hold: {rel.total[1]} in row {rel.total[0] + 1} "
            f"({total:g}) is less than the sum of its parts ({sum(parts):g})"
        )
    return remainder


def _complement(
    rel: Relation,
    withheld: set[Cell],
    values: Mapping[str, np.ndarray],
    *,
    force: bool = False,
    keep: frozenset[Cell] = frozenset(),
) -> Cell | None:
    """The published cell of ``rel`` to withhold next: the smallest count above zero (the
    first in the relation's order on a tie), else a zero part, else the total. Cells in the
    cells of ``keep`` are taken only when no other cell will do."""
    published = [c for c in rel.cells if c not in withheld]
    if not published:
        return None
    order = {c: k for k, c in enumerate(rel.cells)}
    positive = [c for c in published if _value(values, c) > 0]
    if positive:
        return min(positive, key=lambda c: (c in keep, _value(values, c), order[c]))
    return published[0] if force or published[0] != rel.total else published[-1]


def _needs_complement(
    rel: Relation, withheld: set[Cell], values: Mapping[str, np.ndarray], rule: Rule
) -> bool:
    """Whether a withheld cell of ``rel`` could be worked out, or narrowed to a small range.

    Unknown in the relation: the withheld cells and the unpublished remainder. One unknown
    alone is found by subtraction. With the total published, the withheld parts and the
    remainder together must come to ``threshold`` or more, so that their sum does not
    itself reveal that each is small.
    """
    parts_withheld = [c for c in rel.parts if c in withheld]
    total_withheld = rel.total in withheld
    if not parts_withheld and not total_withheld:
        return False
    remainder = _remainder(values, rel)
    unknowns = len(parts_withheld) + int(total_withheld) + int(not remainder == 0)
    if unknowns == 1:
        return True
    if total_withheld:
        return False
    mass = sum(_value(values, c) for c in parts_withheld) + remainder
    return bool(mass < rule.threshold)  # NaN (a value already withheld): not small


def secondary_suppression(
    values: Mapping[str, np.ndarray],
    withheld: set[Cell],
    relations: Sequence[Relation],
    rule: Rule,
    *,
    keep: Iterable[Cell] = (),
) -> set[Cell]:
    """Complementary suppression: the cells to withhold besides ``withheld``.

    Parameters
    ----------
    values
        Each count column's values (NaN where not known, e.g. withheld before).
    withheld
        Cells already withheld (primary suppression).
    relations
        How the counts add up.
    rule
        The disclosure rule (its threshold).
    keep
        Cells withheld as complements only when no other cell of the relation will do,
        e.g. the months of the main series, which another table publishes too.

    Returns
    -------
    set of Cell
        The complementary cells, never one of ``withheld``.

    Notes
    -----
    Deterministic and greedy. Repeated until nothing changes:

    1. every relation where a withheld cell is the only unknown, or where the withheld
       parts with the unpublished remainder come to less than the threshold, has one more
       cell withheld: its smallest published count above zero outside ``keep``
       (the first in the relation's order on a tie; then the cells of ``keep``; a zero part,
       or else the total, when no count above zero is left);
    2. an audit by linear algebra over all relations together finds any withheld cell that
       a combination of relations would give back (e.g. two rolling totals and eleven
       months), and withholds the smallest published count of the first relation holding it.

    The result is not the smallest possible pattern (that is an integer programme, as in
    tau-ARGUS), but every step withholds the least information the step allows.
    """
    hidden = set(withheld)
    relations = list(relations)
    keep = frozenset(keep)
    zero_remainder = [_remainder(values, r) == 0 for r in relations]
    for _ in range(sum(len(r.cells) for r in relations) + 1):
        changed = False
        for rel in relations:
            while _needs_complement(rel, hidden, values, rule):
                cell = _complement(rel, hidden, values, keep=keep)
                if cell is None:
                    break
                hidden.add(cell)
                changed = True
        # Audit: relations whose remainder is zero are exact equations; the others leave an
        # unpublished unknown, modelled by a free remainder variable.
        found = _determined(relations, zero_remainder, hidden)
        for cell in found:
            rel = next(
                (r for r in relations if cell in r.cells and _complement(r, hidden, values)), None
            )
            extra = None if rel is None else _complement(rel, hidden, values, force=True, keep=keep)
            if extra is not None:
                hidden.add(extra)
                changed = True
        if not changed:
            break
    return hidden - set(withheld)


def _determined(
    relations: Sequence[Relation],
    zero_remainder: Sequence[bool],
    withheld: set[Cell],
) -> list[Cell]:
    """Withheld cells whose value the published cells fix through any combination of the
    relations.

    The unknowns are the withheld cells and the remainder of each relation whose parts do
    not cover its total. ``x_j`` is determined when every solution of the homogeneous
    system has ``x_j = 0``: the null space is zero in coordinate ``j``.
    """
    used = [
        (r, z)
        for r, z in zip(relations, zero_remainder, strict=True)
        if any(c in withheld for c in r.cells)
    ]
    if not used:
        return []
    unknown = sorted({c for r, _ in used for c in r.cells if c in withheld})
    if len(unknown) > AUDIT_LIMIT:
        return []
    column = {c: k for k, c in enumerate(unknown)}
    free_remainders = [i for i, (_, z) in enumerate(used) if not z]
    n = len(unknown) + len(free_remainders)
    matrix = np.zeros((len(used), n))
    for i, (rel, _) in enumerate(used):
        if rel.total in column:
            matrix[i, column[rel.total]] = 1.0
        for c in rel.parts:
            if c in column:
                matrix[i, column[c]] -= 1.0
    for k, i in enumerate(free_remainders):
        matrix[i, len(unknown) + k] = -1.0
    # x_j is fixed by the published cells when e_j lies in the row space of the matrix:
    # with an orthonormal basis Q of that space (rank-revealing QR of the transpose),
    # when row j of Q has norm 1.
    q, r, _ = qr(matrix.T, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int((diag > 1e-9 * max(1.0, diag.max(initial=0.0))).sum())
    norms = (q[: len(unknown), :rank] ** 2).sum(axis=1)
    return [c for c, n in zip(unknown, norms, strict=True) if n > 1 - 1e-9]


#: The audit by linear algebra is run on tables with at most this many withheld cells in
#: relations (its cost grows with the cube); larger tables get the relation-by-relation
#: rules only (see docs/methods.md).
AUDIT_LIMIT = 600


def _add_note(notes: pd.Series, position: int, note: str) -> None:
    if note not in notes.iat[position]:
        notes.iat[position].append(note)


def protect(
    table: pd.DataFrame,
    rule: Rule,
    *,
    counts: Iterable[str] = (),
    rates: Mapping[str, str | Sequence[str]] | None = None,
    relations: Iterable[Relation] = (),
    keep: Iterable[bool] | Mapping[str, Iterable[bool]] | None = None,
) -> pd.DataFrame:
    """Apply disclosure control to a table about to be published.

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
        count column it rests on, or to a sequence of count columns (the first is the one
        it rests on, e.g. the numerator; the others are the other counts it is made from):
        where the first is below ``min_count_for_rate``, or any of them is withheld, the
        rate becomes ``[u]``.
    relations
        How the counts add up (:class:`Relation`; helpers :func:`row_relations`,
        :func:`flow_relations`, :func:`rolling_relations`, :func:`total_relations`).
        Cells are withheld by :func:`secondary_suppression` until none can be worked back.
    keep
        A flag per row, or per row for some count columns (``{column: flags}``): cells
        withheld as complements only when nothing else will do (e.g. the months of the
        main series, which another table publishes too).

    Returns
    -------
    pandas.DataFrame
        A copy; touched columns become text where a symbol is written, counts are rounded
        when the rule asks for it, and a ``notes`` column lists the rules applied in each
        row (empty when none).
    """
    out = table.copy()
    counts = list(counts)
    rates = {k: [v] if isinstance(v, str) else list(v) for k, v in (rates or {}).items()}
    relations = list(relations)
    n = len(out)
    notes = pd.Series([[] for _ in range(n)], index=out.index, dtype=object)
    numeric = {
        c: pd.to_numeric(table[c], errors="coerce").to_numpy(dtype=float)
        for c in set(counts) | {b for bases in rates.values() for b in bases}
    }
    for rel in relations:
        for row, col in rel.cells:
            if col not in counts or not 0 <= row < n:
                raise ValueError(f"disclosure relation names a cell outside the counts: {col}")

    primary: set[Cell] = set()
    for col in counts:
        small = is_suppressed(table[col], rule).to_numpy()
        already = table[col].astype(str).eq(SUPPRESSED).to_numpy()
        primary |= {(int(i), col) for i in np.flatnonzero(small)}
        primary |= {(int(i), col) for i in np.flatnonzero(already & ~small)}
    if keep is None:
        keep = {}
    elif not isinstance(keep, Mapping):
        keep = dict.fromkeys(counts, keep)
    keep_cells = {
        (int(i), col)
        for col, flags in keep.items()
        for i in np.flatnonzero(np.asarray(flags, dtype=bool))
    }
    secondary = (
        secondary_suppression(numeric, primary, relations, rule, keep=keep_cells)
        if relations
        else set()
    )
    withheld = primary | secondary

    for col in counts:
        rows = sorted(i for i, c in withheld if c == col)
        if rule.rounding > 1:
            values = numeric[col]
            shown = np.ones(n, dtype=bool)
            shown[rows] = False
            shown &= ~np.isnan(values)
            if shown.any():
                rounded = np.floor(values / rule.rounding + 0.5) * rule.rounding
                column = out[col].astype(object)
                column.iloc[np.flatnonzero(shown)] = [int(v) for v in rounded[shown]]
                out[col] = column
                for i in np.flatnonzero(shown):
                    _add_note(notes, int(i), rule.rounding_note)
        if rows:
            out[col] = out[col].astype(object)
            out.iloc[rows, out.columns.get_loc(col)] = SUPPRESSED
            for i in rows:
                is_primary = (i, col) in primary
                _add_note(notes, i, rule.suppression_note if is_primary else SECONDARY_NOTE)

    for col, bases in rates.items():
        base = numeric[bases[0]]
        mask = (base < rule.min_count_for_rate) & out[col].notna().to_numpy()
        for b in bases:
            mask |= (
                np.isin(np.arange(n), [i for i, c in withheld if c == b])
                & out[col].notna().to_numpy()
            )
        if mask.any():
            out[col] = out[col].astype(object)
            out.iloc[np.flatnonzero(mask), out.columns.get_loc(col)] = UNRELIABLE
            for i in np.flatnonzero(mask):
                _add_note(notes, int(i), rule.rate_note)
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
