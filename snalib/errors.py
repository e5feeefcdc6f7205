"""Errors that the CLI turns into exit codes.

``InputError`` (and its subclass ``ParamsError``) is the analyst's problem: bad parameters
or bad input data. The CLI prints its message, without a traceback, and exits with 2.
Anything else is an internal failure: exit 1 and the path of the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``n`` and the noun, singular for 1: "1 rejected row", "2,345 rejected rows"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {nouns or noun + 's'}"


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


class NotebookFailed(RuntimeError):
    """A notebook of the build raised an error: which notebook, which cell, what error.

    Attributes
    ----------
    notebook, cell, error
        The notebook's file name, the cell's label (or its execution number) and the first
        line of the error.
    kept
        Where the build's log and the failed notebook are kept, if anywhere.
    """

    def __init__(self, notebook: str, cell: str, error: str, kept: Path | None = None) -> None:
        super().__init__(f"notebook {notebook}, cell {cell}: {error}")
        self.notebook, self.cell, self.error, self.kept = notebook, cell, error, kept

    @classmethod
    def from_papermill(cls, exc, notebook: str, kept: Path | None) -> NotebookFailed:
        """From papermill's ``PapermillExecutionError``."""
        label = next(
            (
                line.split(":", 1)[1].strip()
                for line in (exc.source or "").splitlines()
                if line.startswith("#| label:")
            ),
            f"[{exc.exec_count}]",
        )
        detail = next((line for line in str(exc.evalue or "").splitlines() if line.strip()), "")
        error = f"{exc.ename}: {detail.strip()}" if detail else str(exc.ename)
        return cls(notebook, label, error, kept)


class RenderError(RuntimeError):
    """A report could not be rendered: Quarto failed, or a chapter embeds a cell that has
    no output (an internal failure: exit 1 with the log)."""


class DisclosureFailed(RuntimeError):
    """The disclosure scanner found small counts in what a build was about to publish.

    Nothing is published: the run is not put in place, the previous run is unchanged, and
    the log (with every finding) is kept. This is a failure of sna's disclosure control on
    these data (exit 1): report it with the log.
    """

    def __init__(self, findings: list, kept: Path | None = None) -> None:
        self.findings, self.kept = list(findings), kept
        shown = "; ".join(str(f) for f in self.findings[:3])
        more = f" and {len(self.findings) - 3} more" if len(self.findings) > 3 else ""
        super().__init__(
            f"the disclosure check found {len(self.findings)} small "
            f"count{'s' if len(self.findings) != 1 else ''} in the outputs: {shown}{more}"
        )
