"""How every adapter reads an input file: as a table of text, one definition of the options.

Every cell is read as text ("" when empty) and left to the contract check
(:func:`snalib.inputs.sources.canonical.parse_column`) to type: no reader guesses types or
missing values, so ``NA``, ``007`` or ``1,954`` reach the check as written. Header names
are stripped of surrounding spaces. CSV files are UTF-8, with or without the byte order mark
that Excel and the ONS write, unless a force extract's options say otherwise.

File-level problems (no file, an empty file, the wrong separator or encoding, a damaged
workbook) raise :class:`~snalib.errors.InputError` naming the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from snalib.errors import InputError
from snalib.validation import did_you_mean

__all__ = [
    "CSV_SUFFIXES",
    "DEFAULT_ENCODING",
    "EXCEL_SUFFIXES",
    "PARQUET_SUFFIXES",
    "check_file",
    "read_excel_text",
    "read_text_table",
]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
#: UTF-8, the byte order mark removed when there is one.
DEFAULT_ENCODING = "utf-8-sig"
# Separators recognised in a header that was read as a single column.
_SEPARATORS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}


def check_file(path: Path, table: str) -> None:
    """File-level checks every reader makes first: it exists, is a file, is not empty."""
    if not path.exists():
        raise InputError(f"the {table} file does not exist", file=path)
    if path.is_dir():
        raise InputError(f"expected a file for {table}, found a folder", file=path)
    if path.stat().st_size == 0:
        raise InputError(f"the {table} file is empty (0 bytes)", file=path)


def read_text_table(
    path: Path,
    *,
    table: str,
    encoding: str = DEFAULT_ENCODING,
    delimiter: str = ",",
    option: str | None = None,
) -> pd.DataFrame:
    """Read a CSV (or Parquet) file with every cell as text; file-level errors raise.

    Parameters
    ----------
    path
        The file: ``.csv``, ``.txt`` or ``.tsv`` (read as CSV), ``.parquet`` or ``.pq``.
    table
        What the file holds, for messages (e.g. ``"crimes"``).
    encoding, delimiter
        CSV only: the text encoding and the field separator.
    option
        The params options that set ``encoding`` and ``delimiter`` (e.g.
        ``"sources.crimes.options"``), named in the advice when the file's encoding or
        separator is not the one expected. None when they cannot be set: the advice is then
        to save the file as comma-separated CSV UTF-8.

    Returns
    -------
    pandas.DataFrame
        Stripped header names; every value a string ("" when empty). Parquet columns are
        converted to text so that one parser handles both.
    """
    check_file(path, table)
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise InputError(f"cannot read the {table} file as Parquet: {exc}", file=path) from None
        return _parquet_as_text(frame)
    if suffix not in CSV_SUFFIXES:
        raise InputError(
            f"cannot read '{path.suffix}' files for {table}; expected .csv or .parquet", file=path
        )
    frame = _read_csv(path, table, encoding, delimiter, option)
    _check_separator(frame, path, table, delimiter, option)
    return frame


def _read_csv(
    path: Path, table: str, encoding: str, delimiter: str, option: str | None
) -> pd.DataFrame:
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            encoding=encoding,
            sep=delimiter,
        )
    except LookupError:
        raise InputError(
            f"{option}.encoding: unknown encoding '{encoding}' (try utf-8 or cp1252)", file=path
        ) from None
    except UnicodeDecodeError as exc:
        name = "UTF-8" if encoding == DEFAULT_ENCODING else encoding
        advice = (
            "save it as CSV UTF-8"
            if option is None
            else f"set {option}.encoding to the file's encoding"
        )
        raise InputError(
            f"the {table} file is not {name} text ({exc.reason} at byte {exc.start}); {advice}",
            file=path,
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"the {table} file has no header line", file=path) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"the {table} file is not a well-formed CSV: {exc}", file=path) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _check_separator(
    frame: pd.DataFrame, path: Path, table: str, delimiter: str, option: str | None
) -> None:
    """Refuse a file whose only column's name holds another separator: a wrong separator."""
    if len(frame.columns) != 1:
        return
    header = frame.columns[0]
    for sep, name in _SEPARATORS.items():
        if sep != delimiter and sep in header:
            expected = _SEPARATORS.get(delimiter, f"'{delimiter}'")
            advice = (
                "save it as comma-separated CSV"
                if option is None
                else f"set {option}.delimiter to {sep!r}"
            )
            raise InputError(
                f"the {table} file seems to be separated by {name}, not {expected} (its header "
                f"is '{header[:80]}'); {advice}",
                file=path,
            )


def _parquet_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for name, col in frame.items():
        if pd.api.types.is_datetime64_any_dtype(col):
            text = col.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(col) and col.dropna().eq(col.dropna().round()).all():
            text = col.astype("Int64").astype("string")
        else:
            text = col.astype("string")
        out[str(name).strip()] = text.fillna("").astype(str)
    return pd.DataFrame(out, index=frame.index)


def _cell_text(value: Any) -> str:
    """One spreadsheet cell as text; real spreadsheet dates become ISO text."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):  # includes pandas.Timestamp
        # A date-only cell is a datetime at midnight: read it as a date with no time, so
        # that its hour is missing rather than a false 00:00.
        if value.time() == dt.time(0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_excel_text(
    path: Path, *, table: str, sheet: str | int | None = None, option: str | None = None
) -> pd.DataFrame:
    """Read one sheet of a workbook with every cell as text; file-level errors raise.

    Parameters
    ----------
    path
        The workbook (``.xlsx``, ``.xlsm``; ``.xls`` needs xlrd).
    table
        What the sheet holds, for messages.
    sheet
        Sheet name or 0-based position; None for the first.
    option
        The params option that names the sheet (e.g. ``"sources.crimes.options.sheet"``),
        named in the message when there is no such sheet.

    Returns
    -------
    pandas.DataFrame
        Stripped header names; every value a string ("" when empty). Spreadsheet dates
        become ``YYYY-MM-DD`` (with `` HH:MM:SS`` when they have a time of day) and whole
        numbers lose the ``.0`` a spreadsheet gives them.
    """
    check_file(path, table)
    try:
        book = pd.ExcelFile(path)
    except Exception as exc:  # openpyxl and xlrd raise several types for a damaged file
        raise InputError(f"cannot read the {table} file as Excel: {exc}", file=path) from None
    names = book.sheet_names
    where = f"{option}: " if option else ""
    if sheet is None:
        chosen: str | int = 0
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise InputError(
                f"{where}there is no sheet at position {sheet} (0 is the first); the "
                f"workbook has {len(names)}: {', '.join(names)}",
                file=path,
            )
        chosen = sheet
    elif sheet in names:
        chosen = sheet
    else:
        raise InputError(
            f"{where}no sheet named '{sheet}'{did_you_mean(sheet, names)}; the workbook has: "
            f"{', '.join(names)}",
            file=path,
        )
    frame = pd.read_excel(book, sheet_name=chosen, dtype=object, keep_default_na=False)
    # Per-cell conversion: spreadsheets hold real dates and numbers, and are small enough
    # (at most about a million rows) for this to be quick next to reading them.
    frame = frame.map(_cell_text)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
