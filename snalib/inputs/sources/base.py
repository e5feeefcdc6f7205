"""What every adapter returns, and the reconciliation it must satisfy.

Nothing is silently lost: every input record is counted as *included* (it is in
``data``), *excluded* (deliberately left out, with a reason, e.g. an anti-social behaviour
row in a data.police.uk file) or *rejected* (it broke the contract; it is written to
``data/rejected_<table>.csv`` with its reason). :meth:`SourceResult.reconcile` checks that
``rows_in == included + excluded + rejected``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from snalib.csvsafe import safe_text_column
from snalib.inputs.contract import TABLES

REJECTED_COLUMNS = ["source_file", "source_row", "column", "reason"]


@dataclass
class SourceResult:
    """An adapter's output for one canonical table.

    Attributes
    ----------
    table
        Canonical table name (see :mod:`snalib.inputs.contract`).
    data
        Typed rows that passed validation (the *included* records).
    rows_in
        Records read from the raw file(s) (header lines not counted).
    rejected
        One row per rejected record: ``source_file``, ``source_row`` (1-based data row,
        header not counted), ``column``, ``reason``, then the record's raw values.
    excluded
        Records deliberately left out: one row per reason, columns ``reason`` and
        ``records``.
    notes
        Things the analyst should know (ignored columns, conversions applied).
    files
        The raw files read.
    """

    table: str
    data: pd.DataFrame
    rows_in: int
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECTED_COLUMNS))
    excluded: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"reason": pd.Series(dtype="string"), "records": pd.Series(dtype="int64")}
        )
    )
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    #: Force extracts: the extract's columns its mapping reads (chosen by the data owner),
    #: whose values are written with the rejected rows beside the contract's.
    mapped_columns: list[str] = field(default_factory=list)

    @property
    def n_included(self) -> int:
        return len(self.data)

    @property
    def n_rejected(self) -> int:
        return len(self.rejected)

    @property
    def n_excluded(self) -> int:
        return int(self.excluded["records"].sum()) if len(self.excluded) else 0

    def reconcile(self) -> None:
        """Raise ``AssertionError`` unless every input record is accounted for."""
        total = self.n_included + self.n_excluded + self.n_rejected
        if total != self.rows_in:
            raise AssertionError(
                f"{self.table}: {self.rows_in} records in but {self.n_included} included + "
                f"{self.n_excluded} excluded + {self.n_rejected} rejected = {total}"
            )

    def add_excluded(self, reason: str, records: int) -> None:
        if records <= 0:
            return
        row = pd.DataFrame({"reason": [reason], "records": [int(records)]})
        self.excluded = (
            pd.concat([self.excluded, row], ignore_index=True) if len(self.excluded) else row
        )

    def reject(self, mask: pd.Series | list[bool], reason: str, column: str | None = None) -> None:
        """Move the included rows selected by ``mask`` to ``rejected`` with ``reason``."""
        mask = pd.Series(mask, index=self.data.index).fillna(False).astype(bool)
        if not mask.any():
            return
        moved = self.data.loc[mask]
        rej = pd.DataFrame(
            {
                "source_file": moved["_source_file"] if "_source_file" in moved else "",
                "source_row": moved["_source_row"] if "_source_row" in moved else moved.index + 1,
                "column": column or "",
                "reason": reason,
            }
        )
        raw = moved.drop(columns=[c for c in ("_source_file", "_source_row") if c in moved])
        rej = pd.concat(
            [rej.reset_index(drop=True), raw.astype("string").reset_index(drop=True)], axis=1
        )
        self.rejected = (
            pd.concat([self.rejected, rej], ignore_index=True) if len(self.rejected) else rej
        )
        self.data = self.data.loc[~mask]

    def rejected_for_analyst(self) -> pd.DataFrame:
        """The rejected rows as written to ``data/rejected_<table>.csv``.

        Only the rejection columns and the contract's columns (no column the contract does
        not know, so nothing the extract carried beyond it; for a force extract, the
        extract columns its mapping reads), every cell text, and every
        cell that a spreadsheet would run as a formula (beginning with ``=``, ``+``, ``-``,
        ``@``, a tab or a carriage return) prefixed with ``'``, as the OWASP guidance on
        CSV injection advises. Plain numbers such as ``-4`` are left as they are.
        """
        known = set(TABLES[self.table].names) if self.table in TABLES else set()
        known |= set(self.mapped_columns)
        keep = REJECTED_COLUMNS + [c for c in self.rejected.columns if c in known]
        out = self.rejected.reindex(columns=keep)
        return out.apply(safe_text_column)

    def summary(self) -> dict[str, object]:
        """Counts for the data quality chapter and the manifest."""
        reasons = (
            self.rejected.groupby("reason").size().sort_values(ascending=False).to_dict()
            if len(self.rejected)
            else {}
        )
        return {
            "table": self.table,
            "rows_in": self.rows_in,
            "included": self.n_included,
            "excluded": self.n_excluded,
            "rejected": self.n_rejected,
            "excluded_by_reason": dict(
                zip(self.excluded["reason"], self.excluded["records"].astype(int), strict=True)
            )
            if len(self.excluded)
            else {},
            "rejected_by_reason": {k: int(v) for k, v in reasons.items()},
            "notes": list(self.notes),
        }
