"""Row tracing shared by the public data adapters (police_uk, home_office, ons).

:func:`snalib.inputs.sources.canonical.parse_table` numbers rows by their position in the frame it
is given. The adapters give it only the rows left after their exclusions, sometimes from
several files, so the positions are mapped back to the raw file and its 1-based data row.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from snalib.inputs.contract import Table
from snalib.inputs.sources.base import SourceResult
from snalib.inputs.sources.canonical import parse_table


def parse_traced(
    text: pd.DataFrame,
    spec: Table,
    *,
    source_file: str | Sequence[str],
    source_row: Sequence[int],
    rows_in: int,
    files: list[Path],
    notes: list[str] | None = None,
) -> SourceResult:
    """Parse text rows with :func:`parse_table`, keeping each row's raw file and row.

    Parameters
    ----------
    text
        Text frame with exactly the columns of ``spec`` (the rows kept after exclusions).
    spec
        The canonical table.
    source_file, source_row
        The raw file name (one for all rows, or one per row) and 1-based data row of each
        row of ``text``.
    rows_in
        Records read from the raw file(s), exclusions included.
    files
        The raw files read.
    notes
        Notes to start the result with.

    Returns
    -------
    SourceResult
        ``data`` has ``_source_file`` and ``_source_row``; rejected rows name their raw
        file and row. Add the exclusions with :meth:`SourceResult.add_excluded`.
    """
    n = len(text)
    file_by_pos = (
        np.full(n, source_file, dtype=object)
        if isinstance(source_file, str)
        else np.asarray(source_file, dtype=object)
    )
    row_by_pos = np.asarray(source_row, dtype="int64")
    parsed = parse_table(text.reset_index(drop=True), spec, source_file="", notes=[])
    data = parsed.data
    pos = data["_source_row"].to_numpy(dtype="int64") - 1
    data["_source_file"] = pd.array(file_by_pos[pos], dtype="string")
    data["_source_row"] = row_by_pos[pos]
    rejected = parsed.rejected
    if len(rejected):
        rpos = rejected["source_row"].to_numpy(dtype="int64") - 1
        rejected["source_file"] = file_by_pos[rpos]
        rejected["source_row"] = row_by_pos[rpos]
    return SourceResult(
        table=spec.name,
        data=data,
        rows_in=rows_in,
        rejected=rejected,
        notes=list(notes or []),
        files=files,
    )


def data_without_trace(data: pd.DataFrame) -> pd.DataFrame:
    """The table without the ``_source_file`` / ``_source_row`` tracing columns."""
    return data.drop(columns=[c for c in ("_source_file", "_source_row") if c in data])
