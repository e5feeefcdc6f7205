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

import csv
import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from snalib.errors import InputError, plural
from snalib.validation import did_you_mean

__all__ = [
    "CSV_SUFFIXES",
    "DEFAULT_ENCODING",
    "EXCEL_SUFFIXES",
    "MAX_FIELD_CHARS",
    "PARQUET_SUFFIXES",
    "RECORD_PROBLEM",
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
    bad_records: str = "refuse",
    compact: bool = False,
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
    bad_records
        CSV only. ``"reject"``: a record whose field count differs from the header, a record
        with a field longer than :data:`MAX_FIELD_CHARS`, and every line taken in by a quote
        that is never closed become rows whose fields are all "" and whose
        ``_record_problem`` column says why (the caller rejects them); the frame then has
        one row per data row, in order. ``"refuse"``: such records stop the read with an
        :class:`~snalib.errors.InputError` naming the rows (for published files, which are
        used as downloaded).
    compact
        CSV only: columns of ``pandas.ArrowDtype(pyarrow.string())``, the parser's own
        buffers with 4-byte offsets, not copied (a 10 million row extract takes about a
        third less memory). For readers that convert every column at once, as
        :func:`~snalib.inputs.sources.canonical.parse_table` does.

    Returns
    -------
    pandas.DataFrame
        Stripped header names; every value a string ("" when empty). Parquet columns are
        converted to text so that one parser handles both. Row ``i`` (0-based) is data row
        ``i + 1`` of the file (row 1 is the first row after the header). A file that is not
        text (Excel, gzip, ZIP, Parquet named .csv), holds NUL bytes, is not UTF-8, has
        another separator or a duplicated column name raises, naming what it is.
    """
    check_file(path, table)
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        _check_kind(path, table, expected="a Parquet file")
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise InputError(f"cannot read the {table} file as Parquet: {exc}", file=path) from None
        names = [str(c) for c in frame.columns]
        _check_header(names, path, table)
        frame.columns = _column_names(names)
        return _parquet_as_text(frame)
    if suffix not in CSV_SUFFIXES:
        raise InputError(
            f"cannot read '{path.suffix}' files for {table}; expected .csv or .parquet", file=path
        )
    return _read_csv(path, table, encoding, delimiter, option, bad_records, compact)


#: Read block of the CSV parser: one record (a row with its quoted line breaks) must fit.
_BLOCK_SIZE = 1 << 24
#: A field longer than this is refused: no contract column holds that much text, and a
#: huge field is usually a stray quote or a binary file.
MAX_FIELD_CHARS = 100_000
#: The hidden column that carries a record-level problem (a wrong field count, a row taken
#: in by an unclosed quote) from the reader to the row checks.
RECORD_PROBLEM = "_record_problem"
_SCAN_CHUNK = 1 << 24
_UTF8 = ("utf8", "utf8sig")


def _file_kind(head: bytes) -> str | None:
    """What a file is, from its first bytes, when it is not text."""
    if head.startswith(b"PK\x03\x04"):
        if b"xl/" in head or b"[Content_Types].xml" in head:
            return "an Excel workbook (.xlsx)"
        return "a ZIP archive"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an Excel 97-2003 workbook (.xls)"
    if head.startswith(b"\x1f\x8b"):
        return "a gzip-compressed file"
    if head.startswith(b"PAR1"):
        return "a Parquet file"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    return None


def _advice_for(kind: str) -> str:
    if "Excel" in kind:
        return "open it in Excel and save it as 'CSV UTF-8 (Comma delimited)', or name it .xlsx"
    if "gzip" in kind:
        return "decompress it (e.g. gunzip) and give the .csv inside"
    if "Parquet" in kind:
        return "name it .parquet, or write it out as CSV"
    if "ZIP" in kind:
        return "extract the CSV file from the archive and give that"
    if "UTF-16" in kind:
        return "re-save it as CSV UTF-8"
    return "give the CSV file itself"


def _scan(path: Path) -> tuple[int, int, int | None, bool]:
    """One pass over the bytes: line breaks, the offset of the first NUL byte, last byte.

    Returns (line breaks, lines, first NUL offset or None, ends with a line break).
    """
    breaks = 0
    nul: int | None = None
    offset = 0
    last = b""
    with open(path, "rb") as f:
        while chunk := f.read(_SCAN_CHUNK):
            breaks += chunk.count(b"\n")
            if nul is None:
                at = chunk.find(b"\x00")
                if at >= 0:
                    nul = offset + at
            offset += len(chunk)
            last = chunk[-1:]
    ends = last == b"\n"
    return breaks, breaks + (0 if ends or offset == 0 else 1), nul, ends


def _line_of(path: Path, offset: int) -> int:
    """The 1-based line (header = line 1) holding byte ``offset``."""
    breaks = 0
    done = 0
    with open(path, "rb") as f:
        while done < offset and (chunk := f.read(min(_SCAN_CHUNK, offset - done))):
            breaks += chunk.count(b"\n")
            done += len(chunk)
    return breaks + 1


def _first_bad_utf8(path: Path) -> tuple[int, bytes] | None:
    """Offset and bytes of the first byte sequence that is not UTF-8, or None."""
    decoder = __import__("codecs").getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as f:
        while chunk := f.read(_SCAN_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return offset + exc.start, chunk[exc.start : exc.start + 4]
            offset += len(chunk)
    return None


def _not_utf8(path: Path, table: str, option: str | None) -> InputError:
    found = _first_bad_utf8(path)
    advice = (
        "re-save it as CSV UTF-8 (in Excel: Save As, 'CSV UTF-8 (Comma delimited)')"
        if option is None
        else f"re-save it as CSV UTF-8, or set {option}.encoding to the file's encoding "
        "(e.g. cp1252)"
    )
    if found is None:
        return InputError(f"the {table} file is not UTF-8 text; {advice}", file=path)
    offset, bad = found
    line = _line_of(path, offset)
    guess = bad[:1].decode("cp1252", errors="replace")
    where = "its header" if line == 1 else f"row {line - 1:,}"
    return InputError(
        f"the {table} file is not UTF-8 text: {where} has the byte 0x{bad[0]:02X}, which "
        f"looks like Latin-1 / Windows-1252 text ('{guess}'); {advice}",
        file=path,
        rows=[line - 1] if line > 1 else None,
    )


def _check_kind(path: Path, table: str, *, expected: str | tuple[str, ...]) -> None:
    """Refuse a file whose first bytes say it is not what its name says."""
    with open(path, "rb") as f:
        head = f.read(4096)
    kind = _file_kind(head)
    wanted = (expected,) if isinstance(expected, str) else expected
    if kind in wanted:
        return
    if kind is None:
        kind = "text (a CSV file?)" if b"," in head or b"\n" in head else "not recognised"
        advice = "name it .csv" if kind.startswith("text") else "give the file itself"
    else:
        advice = _advice_for(kind)
    raise InputError(
        f"the {table} file is named '{path.suffix}' but it is {kind}, not {wanted[0]}; {advice}",
        file=path,
    )


def _read_header(path: Path, table: str, encoding: str, delimiter: str, option: str | None):
    """The header line's names, as written (the byte order mark removed)."""
    with open(path, "rb") as f:
        first = f.readline(1 << 20)
    try:
        text = first.decode(encoding)
    except LookupError:
        raise InputError(
            f"{option}.encoding: unknown encoding '{encoding}' (try utf-8 or cp1252)", file=path
        ) from None
    except UnicodeDecodeError:
        raise (
            _not_utf8(path, table, option)
            if encoding == DEFAULT_ENCODING
            else InputError(
                f"the {table} file's header is not {encoding} text; set {option}.encoding to the "
                "file's encoding",
                file=path,
            )
        ) from None
    text = text.lstrip("\ufeff").rstrip("\r\n")
    if not text.strip():
        raise InputError(
            f"the {table} file has no header line (its first line is empty)", file=path
        )
    return next(csv.reader([text], delimiter=delimiter))


def _check_header(names: list[str], path: Path, table: str) -> None:
    """Refuse duplicated header names: which of the two would be the column?"""
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        key = name.strip()
        if not key:
            continue
        if key in seen:
            raise InputError(
                f"the column '{key}' appears twice in the header of the {table} file (columns "
                f"{seen[key]} and {i}); keep one and rename or delete the other",
                file=path,
                column=key,
            )
        seen[key] = i


def _read_csv(
    path: Path,
    table: str,
    encoding: str,
    delimiter: str,
    option: str | None,
    bad_records: str = "refuse",
    compact: bool = False,
) -> pd.DataFrame:
    """Read a CSV exactly: every record is a row of the frame, in order.

    A record whose field count differs from the header, and every line taken in by a quote
    that is never closed, is a row whose fields are all "" and whose ``_record_problem``
    says why (``bad_records="reject"``), or stops the read (``"refuse"``).
    """
    with open(path, "rb") as f:
        head = f.read(4096)
    kind = _file_kind(head)
    if kind is not None:
        raise InputError(
            f"the {table} file is not a CSV text file: it is {kind}; {_advice_for(kind)}",
            file=path,
        )
    breaks, lines, nul, _ = _scan(path)
    if nul is not None:
        line = _line_of(path, nul)
        where = "its header" if line == 1 else f"row {line - 1:,}"
        raise InputError(
            f"the {table} file holds a NUL byte (\\0) in {where}: it is not a text file, or it "
            "is damaged; export it again as CSV UTF-8",
            file=path,
            rows=[line - 1] if line > 1 else None,
        )
    names = _read_header(path, table, encoding, delimiter, option)
    _check_separator(names, path, table, delimiter, option)
    _check_header(names, path, table)
    keys = [f"c{i}" for i in range(len(names))]
    invalid: list[tuple[int, int, str]] = []

    def keep_invalid(row) -> str:
        invalid.append((row.number, row.actual_columns, row.text))
        return "skip"

    try:
        # Streamed block by block: the file is never held in memory whole.
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=keys,
                skip_rows=1,
                use_threads=False,  # record numbers of bad rows are known only serially
                block_size=_BLOCK_SIZE,
                encoding="utf8" if encoding.replace("-", "").lower() in _UTF8 else encoding,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=keep_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(keys, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
        arrow = pa.Table.from_batches(list(reader), schema=reader.schema)
    except pa.ArrowInvalid as exc:
        text = str(exc)
        if "UTF8" in text or "utf8" in text.lower():
            raise _not_utf8(path, table, option) from None
        if "straddling" in text or "block size" in text:
            raise InputError(
                f"the {table} file has a record longer than {_BLOCK_SIZE >> 20} MB: a quote "
                "that is never closed, or a huge field; check the quotes in the file",
                file=path,
            ) from None
        if "Empty CSV file" in text:
            return pd.DataFrame(columns=[n.strip() for n in names], dtype="str")
        raise InputError(f"the {table} file is not a well-formed CSV: {text}", file=path) from None
    except UnicodeDecodeError:
        raise InputError(
            f"the {table} file is not {encoding} text; set {option}.encoding to the file's "
            "encoding",
            file=path,
        ) from None
    return _exact_records(arrow, invalid, names, delimiter, path, table, bad_records, compact)


def _exact_records(
    arrow: pa.Table,
    invalid: list[tuple[int, int, str]],
    names: list[str],
    delimiter: str,
    path: Path,
    table: str,
    bad_records: str,
    compact: bool = False,
) -> pd.DataFrame:
    """Put the records the parser set aside back in their place, and unfold swallowed rows."""
    n_fields = len(names)
    n_valid = arrow.num_rows
    # Records that hold a line break followed by a delimiter: an unclosed quote took in
    # whole rows. Legitimate multi-line text (a note with a line break) has no delimiter.
    pattern = r"[\r\n][^\r\n]*" + re.escape(delimiter)
    valid_swallow = np.zeros(n_valid, dtype=bool)
    valid_breaks = np.zeros(n_valid, dtype=np.int64)
    valid_column = np.full(n_valid, -1, dtype=np.int64)
    too_long: dict[int, tuple[str, int]] = {}
    for j, col in enumerate(arrow.columns):
        if n_valid and pc.max(pc.utf8_length(col)).as_py() > MAX_FIELD_CHARS:
            lengths = pc.utf8_length(col).to_numpy(zero_copy_only=False)
            for k in np.flatnonzero(lengths > MAX_FIELD_CHARS):
                too_long.setdefault(int(k), (names[j].strip(), int(lengths[k])))
        if not n_valid or not pc.any(pc.match_substring(col, "\n")).as_py():
            continue
        broken = pc.match_substring_regex(col, pattern).to_numpy(zero_copy_only=False)
        valid_swallow |= broken
        valid_column[(valid_column < 0) & broken] = j
        valid_breaks += pc.count_substring(col, "\n").to_numpy(zero_copy_only=False)
    if not invalid and not valid_swallow.any() and not too_long:
        frame = _as_pandas(arrow, compact)
        frame.columns = _column_names(names)
        return _drop_empty_unnamed(frame)

    # Record positions (0-based, header not counted) of the rows the parser set aside.
    n_records = n_valid + len(invalid)
    is_valid = np.ones(n_records, dtype=bool)
    bad_pos = np.array([number - 2 for number, _, _ in invalid], dtype=np.int64)
    is_valid[bad_pos] = False
    take = np.where(is_valid, np.cumsum(is_valid) - 1, -1)
    span = np.ones(n_records, dtype=np.int64)
    problem: dict[int, str] = {}  # record position -> reason
    swallowed_col: dict[int, str] = {}
    for (_, found, text), pos in zip(invalid, bad_pos, strict=True):
        if re.search(pattern, text):
            span[pos] = 1 + text.count("\n")
            swallowed_col[pos] = _quoted_column(text, names, delimiter)
        elif not text.strip():
            problem[pos] = "an empty row (only spaces)"
        else:
            problem[pos] = f"expected {n_fields} fields, found {found}"
    valid_at = np.flatnonzero(is_valid)
    for k in np.flatnonzero(valid_swallow):
        pos = int(valid_at[k])
        span[pos] = 1 + int(valid_breaks[k])
        swallowed_col[pos] = names[int(valid_column[k])].strip()
        take[pos] = -1
    for k, (column, length) in too_long.items():
        pos = int(valid_at[k])
        if pos not in problem and pos not in swallowed_col:
            problem[pos] = (
                f"{column}: a field of {length:,} characters (at most {MAX_FIELD_CHARS:,})"
            )
            take[pos] = -1
    take[~is_valid] = -1

    # One output row per record, and one per line of a record that swallowed rows.
    first_row = np.concatenate([[0], np.cumsum(span)[:-1]])
    out_take = np.repeat(take, span)
    reasons = np.full(len(out_take), "", dtype=object)
    for pos, reason in problem.items():
        reasons[first_row[pos]] = reason
    for pos, column in swallowed_col.items():
        row = int(first_row[pos]) + 1
        last = row + int(span[pos]) - 1
        where = f" in column '{column}'" if column else ""
        reasons[row - 1] = (
            f"a quote opened{where} is not closed on this row: it takes in the next "
            f"{plural(int(span[pos]) - 1, 'row')} (to row {last:,}); remove the stray "
            'quote (")'
        )
        reasons[row : row - 1 + int(span[pos])] = f"taken in by the unclosed quote on row {row:,}"
    if bad_records != "reject":
        bad = np.flatnonzero(reasons != "")
        shown = "; ".join(f"row {i + 1:,}: {reasons[i]}" for i in bad[:3])
        raise InputError(
            f"the {table} file has {plural(len(bad), 'malformed row')} ({shown}); the file "
            "is damaged: download or export it again",
            file=path,
            rows=(bad + 1).tolist(),
        )
    indices = pa.array(out_take, mask=out_take < 0)
    columns = [pc.fill_null(col.take(indices), "") for col in arrow.columns]
    frame = _as_pandas(pa.table(columns, names=[f"c{i}" for i in range(len(columns))]), compact)
    frame.columns = _column_names(names)
    frame[RECORD_PROBLEM] = pd.array(reasons.astype(str), dtype="str")
    return _drop_empty_unnamed(frame)


def _as_pandas(arrow: pa.Table, compact: bool) -> pd.DataFrame:
    if compact:
        dtype = pd.ArrowDtype(pa.string())
        return arrow.to_pandas(types_mapper={pa.string(): dtype}.get)
    return arrow.to_pandas()


def _quoted_column(text: str, names: list[str], delimiter: str) -> str:
    """The column whose field opens the first quote on the first line of ``text``."""
    first = text.split("\n", 1)[0]
    at = first.find('"')
    if at < 0:
        return ""
    field = first[:at].count(delimiter)
    return names[field].strip() if field < len(names) else ""


def _column_names(names: list[str]) -> list[str]:
    """Header names stripped; a column with no name is called by its position."""
    return [n.strip() or f"(column {i}, no header)" for i, n in enumerate(names, start=1)]


def _drop_empty_unnamed(frame: pd.DataFrame) -> pd.DataFrame:
    """A column with no name and no value (a trailing comma on every line) is no column."""
    empty = [
        c
        for c in frame.columns
        if c.startswith("(column ")
        and c.endswith(", no header)")
        and not (frame[c].str.strip() != "").to_numpy(dtype=bool).any()
    ]
    return frame.drop(columns=empty) if empty else frame


def _check_separator(
    names: list[str], path: Path, table: str, delimiter: str, option: str | None
) -> None:
    """Refuse a file whose header is one name holding another separator: a wrong separator."""
    if len(names) != 1:
        return
    header = names[0]
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
    _check_kind(
        path, table, expected=("an Excel workbook (.xlsx)", "an Excel 97-2003 workbook (.xls)")
    )
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
    # The header is read as a row, so that a duplicated or empty name is reported as the
    # analyst wrote it (never as pandas' 'Victim Age.1' or 'Unnamed: 14').
    frame = pd.read_excel(book, sheet_name=chosen, dtype=object, keep_default_na=False, header=None)
    if len(frame) == 0:
        raise InputError(f"the {table} sheet is empty (no header row)", file=path)
    names = [_cell_text(v) for v in frame.iloc[0]]
    _check_header(names, path, table)
    # Per-cell conversion: spreadsheets hold real dates and numbers, and are small enough
    # (at most about a million rows) for this to be quick next to reading them.
    frame = frame.iloc[1:].reset_index(drop=True).map(_cell_text)
    frame.columns = _column_names(names)
    return _drop_empty_unnamed(frame)
