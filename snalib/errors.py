"""Errors that the CLI turns into exit codes.

``InputError`` (and its subclass ``ParamsError``) is the analyst's problem: bad parameters
or bad input data. The CLI prints its message, without a traceback, and exits with 2.
Anything else is an internal failure: exit 1 and the path of the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def _format_rows(rows: Sequence[int], limit: int = 8) -> str:
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:limit])
    if len(rows) > limit:
        shown += f" and {len(rows) - limit} more"
    return shown


class InputError(Exception):
    """Bad input: a file, a column, some rows, and what was expected.

    Parameters
    ----------
    message
        One paragraph for the analyst, saying what is wrong and what was expected.
    file
        The file concerned, if any.
    column
        The column concerned, if any.
    rows
        Data row numbers (1-based, header not counted) concerned, if any.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        column: str | None = None,
        rows: Sequence[int] | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.column = column
        self.rows = list(rows) if rows is not None else []
        super().__init__(self.render())

    def render(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.column:
            where.append(f"column '{self.column}'")
        if self.rows:
            where.append(f"row(s) {_format_rows(self.rows)}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class ParamsError(InputError):
    """Bad parameters file."""
