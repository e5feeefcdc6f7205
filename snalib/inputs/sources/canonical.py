"""Read a file written to the data contract (CSV or Parquet) into a typed canonical table.

File-level problems (missing file, empty file, wrong delimiter, missing required column)
raise :class:`~snalib.errors.InputError`. Row-level problems (a bad date, an impossible
age, a duplicate id...) do not: those rows are rejected with a reason and the rest is
read. See ``docs/data-contract.md``.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors

from snalib.errors import InputError
from snalib.inputs.contract import TABLES, Column, Table, schema
from snalib.inputs.personal import check_personal_columns
from snalib.inputs.sources.base import REJECTED_COLUMNS, SourceResult
from snalib.inputs.sources.files import RECORD_PROBLEM, read_text_table

_TRUE = {"true", "1", "y", "yes", "t"}
_FALSE = {"false", "0", "n", "no", "f"}
_BOOL = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
_SEX = {"M": "M", "MALE": "M", "F": "F", "FEMALE": "F"}
# The pseudo-column of problems that belong to a whole record, not to one cell.
_ROW = "(row)"
_MISSING_MARKERS = {"", "NA", "N/A", "NULL", "NAN", "NONE"}


# --------------------------------------------------------------------------- file level


def match_columns(frame: pd.DataFrame, spec: Table, path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Check required columns, rename case variants, drop extras. Returns frame and notes."""
    notes: list[str] = []
    by_lower = {c.lower(): c for c in frame.columns}
    rename = {}
    for col in spec.columns:
        if col.name not in frame.columns and col.name.lower() in by_lower:
            rename[by_lower[col.name.lower()]] = col.name
    if rename:
        frame = frame.rename(columns=rename)
        notes.append(
            "columns matched ignoring case: " + ", ".join(f"{a} -> {b}" for a, b in rename.items())
        )
    missing = [c for c in spec.required_names if c not in frame.columns]
    if missing:
        hints = []
        # Only a column that is not itself a contract column can be a misspelling of one:
        # 'victim_sex' is never offered for a missing 'victim_age'.
        candidates = [c for c in frame.columns if c not in spec.names and c != RECORD_PROBLEM]
        for m in missing:
            close = difflib.get_close_matches(m, candidates, n=1, cutoff=0.8)
            if close:
                hints.append(f"'{close[0]}' looks like '{m}'")
        hint = f" ({'; '.join(hints)})" if hints else ""
        raise InputError(
            f"required column(s) {', '.join(repr(m) for m in missing)} missing from the "
            f"{spec.name} file{hint}. The file has: "
            f"{', '.join(c for c in frame.columns[:20] if c != RECORD_PROBLEM)}. Expected "
            f"the columns of the '{spec.name}' table in docs/data-contract.md.",
            file=path,
            column=missing[0],
        )
    extra = [c for c in frame.columns if c not in spec.names and c != RECORD_PROBLEM]
    if extra:
        notes.append("extra columns ignored: " + ", ".join(extra))
        frame = frame.drop(columns=extra)
    for col in spec.columns:
        if col.name not in frame.columns:
            frame[col.name] = ""
    keep = spec.names + ([RECORD_PROBLEM] if RECORD_PROBLEM in frame.columns else [])
    return frame[keep], notes


# --------------------------------------------------------------------------- cell level


def _is_missing(text: pd.Series) -> pd.Series:
    return text.str.strip().str.upper().isin(_MISSING_MARKERS)


#: Columns longer than this, with few distinct values, are parsed once per distinct value.
_DISTINCT_FROM = 100_000


def parse_column(text: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """Parse one text column by its contract kind.

    Returns
    -------
    values
        The typed column (missing cells are ``<NA>``).
    problem
        A string Series: empty where the cell is fine, otherwise the reason it is not.

    Notes
    -----
    Parsing is cell by cell, so a long column with few distinct values (dates, codes,
    flags, ages) is parsed once per distinct value and spread back: a 10 million row
    extract has a few thousand distinct dates.
    """
    if len(text) > _DISTINCT_FROM and col.kind not in ("id", "text"):
        codes, distinct = pd.factorize(text, use_na_sentinel=False)
        if len(distinct) <= len(text) // 20:
            values, problem = _parse_cells(pd.Series(np.asarray(distinct, dtype=object)), col)
            return (
                pd.Series(values.array.take(codes), index=text.index, name=text.name),
                pd.Series(problem.to_numpy(dtype=object).take(codes), index=text.index),
            )
    return _parse_cells(text, col)


def _parse_cells(text: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    text = text.astype("str")
    stripped = text.str.strip()
    missing = _is_missing(text)
    problem = pd.Series("", index=text.index, dtype=object)
    kind = col.kind

    if kind in ("id", "text", "code", "area", "month", "period", "age_band"):
        values = stripped.astype("string").mask(missing)
        if kind == "code":
            values = values.str.upper()
        if kind == "age_band":
            values = values.str.replace(" ", "", regex=False).str.lower()
    elif kind == "date":
        values = pd.to_datetime(stripped.mask(missing), format="%Y-%m-%d", errors="coerce")
        problem[~missing & values.isna()] = "not a date in the form YYYY-MM-DD"
        values = values.astype("datetime64[ns]")
    elif kind in ("hour", "age", "count", "year"):
        if kind == "count":
            suppressed = stripped.isin(["*", "c", "[c]"])
            missing = missing | suppressed
        numeric = pd.to_numeric(stripped.mask(missing), errors="coerce")
        whole = numeric.notna() & (numeric == np.floor(numeric))
        problem[~missing & numeric.isna()] = "not a number"
        problem[~missing & numeric.notna() & ~whole] = "not a whole number"
        values = numeric.where(whole).astype("Int64")
    elif kind in ("number", "weight"):
        cleaned = stripped.str.replace(",", "", regex=False)
        values = pd.to_numeric(cleaned.mask(missing), errors="coerce").astype("Float64")
        problem[~missing & values.isna()] = "not a number"
    elif kind == "bool":
        values = stripped.str.lower().map(_BOOL).astype("boolean")
        problem[~missing & values.isna()] = "not a true/false value (true/false, 1/0, Y/N, yes/no)"
    elif kind == "sex":
        # Anything other than M/F is unknown, not an error (data contract).
        values = stripped.str.upper().map(_SEX).fillna("U").astype("string")
        missing = pd.Series(False, index=text.index)
    else:  # pragma: no cover - KINDS and this function change together
        raise ValueError(f"unknown column kind {kind}")

    if not (col.nullable or not col.required):
        problem[missing & (problem == "")] = "empty, but a value is required"
    return values, problem


# --------------------------------------------------------------------------- table level


def parse_table(
    raw: pd.DataFrame,
    spec: Table,
    *,
    source_file: str,
    notes: list[str] | None = None,
    release_raw: bool = False,
) -> SourceResult:
    """Parse a text frame already matched to ``spec`` into a :class:`SourceResult`.

    Parameters
    ----------
    raw
        Text columns named as in ``spec`` (and ``_record_problem`` when the reader found
        records it could not split).
    spec
        The canonical table.
    source_file, notes
        For the result.
    release_raw
        Drop each text column from ``raw`` as soon as it is typed, so that a file of
        millions of rows is never held twice (the caller must not need ``raw`` after).
        A rejected row then shows, for each column, the text of a cell that could not be
        read, and the value as read (e.g. ``2021-04-03``, ``true``) of every other cell.
    """
    typed = {}
    # Problems are kept sparse, per column only for the rows that have one: a file of
    # millions of rows has few bad ones, and a dense table of reasons would be bigger than
    # the data.
    found: dict[str, pd.Series] = {}
    unread: dict[str, pd.Series] = {}  # release_raw: the text of cells that were not read
    index = raw.index
    for col in spec.columns:
        values, problem = parse_column(raw[col.name], col)
        typed[col.name] = values
        found[col.name] = problem[problem != ""].astype(object)
        if release_raw:
            unread[col.name] = raw.loc[found[col.name].index, col.name].astype(object)
            del raw[col.name], values, problem
    data = pd.DataFrame(typed, index=index)
    del typed

    def add(column: str, mask: pd.Series | np.ndarray, reason: str) -> None:
        rows = raw.index[np.asarray(mask, dtype=bool)]
        rows = rows[~rows.isin(found[column].index)]
        if len(rows):
            found[column] = pd.concat([found[column], pd.Series(reason, index=rows, dtype=object)])

    # Duplicates: keep the first occurrence, reject the repeats.
    for col in spec.columns:
        if col.unique:
            dup = data[col.name].notna() & data[col.name].duplicated(keep="first")
            add(col.name, dup, f"duplicate {col.name}")
    if spec.unique_together:
        dup = data.duplicated(subset=list(spec.unique_together), keep="first")
        add(
            spec.unique_together[0],
            dup,
            "duplicate combination of " + ", ".join(spec.unique_together),
        )

    # A record the reader could not split into the header's fields: that is its only
    # problem (its cells are blank, so the cell checks above say nothing about it).
    if RECORD_PROBLEM in raw.columns:
        record = raw[RECORD_PROBLEM]
        broken = (record != "").to_numpy(dtype=bool)
        if broken.any():
            rows = raw.index[broken]
            found = {c: p[~p.index.isin(rows)] for c, p in found.items()}
            found = {_ROW: record[broken].astype(object), **found}

    # Contract checks (ranges, allowed values) by pandera, on rows that parsed.
    bad_rows = _union(found.values())
    ok = ~raw.index.isin(bad_rows)
    try:
        # The repeats were rejected above, so the schema need not look for them again.
        schema(spec.name, uniqueness=False).validate(data if ok.all() else data.loc[ok], lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        cases = cases[cases["index"].notna()]
        for column, group in cases.groupby("column", sort=False):
            column = column if column in found else spec.names[0]
            for check, rows in group.groupby("check", sort=False)["index"]:
                add(column, raw.index.isin(rows.to_numpy()), str(check))
    problems = _dense(found, raw.index)
    if release_raw:
        raw = _as_read(data, problems.index, unread)
    return _assemble(raw, data, problems, spec, source_file, notes or [], index=index)


def _as_read(data: pd.DataFrame, rows: pd.Index, unread: dict[str, pd.Series]) -> pd.DataFrame:
    """Text of the rows ``rows``: the value as read, or the cell's text where it was not."""
    out = {}
    part = data.loc[rows]
    for name, values in part.items():
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(values):
            text = values.map({True: "true", False: "false"})
        else:
            text = values.astype("string")
        text = text.astype(object).where(values.notna(), "")
        cells = unread.get(name)
        if cells is not None and len(cells):
            text.loc[cells.index] = cells
        out[name] = text
    return pd.DataFrame(out, index=rows)


def _union(parts) -> pd.Index:
    rows = [p.index for p in parts if len(p)]
    if not rows:
        return pd.Index([])
    out = rows[0]
    for more in rows[1:]:
        out = out.union(more)
    return out


def _dense(found: dict[str, pd.Series], index: pd.Index) -> pd.DataFrame:
    """The problems as a table over the rows that have any, in file order ("" = none)."""
    bad = _union(found.values())
    bad = index[index.isin(bad)]
    return pd.DataFrame(
        {c: p.reindex(bad).fillna("").astype(object) for c, p in found.items()}, index=bad
    )


def _reasons(problems: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the first column with a problem, and "column: problem; ..." for all of them.

    Built column by column (vectorised), because a file can have many rejected rows.
    """
    first = np.full(len(problems), "", dtype=object)
    reason = np.full(len(problems), "", dtype=object)
    for col in problems.columns:
        text = problems[col].to_numpy(dtype=object)
        has = text != ""
        if col == _ROW:  # a problem of the whole record, named by itself
            piece = np.where(has, text.astype(str), "")
        else:
            first[has & (first == "")] = col
            piece = np.where(has, col + ": " + text.astype(str), "")
        joiner = np.where(has & (reason != ""), "; ", "")
        reason = reason + joiner + piece
    return first, reason


def _assemble(
    raw: pd.DataFrame,
    data: pd.DataFrame,
    problems: pd.DataFrame,
    spec: Table,
    source_file: str,
    notes: list[str],
    *,
    index: pd.Index,
) -> SourceResult:
    """The result: rows with a problem rejected (``raw`` holds at least their text)."""
    bad = index.isin(problems.index)
    positions = np.arange(1, len(index) + 1)
    if bad.any():
        first_col, reason = _reasons(problems)
        rejected = pd.DataFrame(
            {
                "source_file": source_file,
                "source_row": positions[bad],
                "column": first_col,
                "reason": reason,
            }
        )
        rejected = pd.concat(
            [
                rejected,
                raw.loc[problems.index, [c for c in raw.columns if c != RECORD_PROBLEM]]
                .reset_index(drop=True)
                .astype("string"),
            ],
            axis=1,
        )
        data = data.loc[~bad]
    else:
        rejected = pd.DataFrame(columns=REJECTED_COLUMNS)
    result = SourceResult(
        table=spec.name,
        data=data.reset_index(drop=True),
        rows_in=len(index),
        rejected=rejected,
        notes=notes,
        files=[Path(source_file)],
    )
    result.data["_source_row"] = positions[~bad]
    return result


def read_canonical(
    path: str | Path, table: str, *, allow_columns: list[str] | tuple[str, ...] = ()
) -> SourceResult:
    """Read a canonical CSV or Parquet file for ``table``.

    Parameters
    ----------
    path
        The file.
    table
        Canonical table name, e.g. ``"crimes"``.
    allow_columns
        Extra columns whose names look like personal data that the data owner has checked
        (``sources.<table>.options.allow_columns``); any other such column is refused.

    Returns
    -------
    SourceResult
        Typed rows that passed, rejected rows with reasons, notes. Column ``_source_row``
        keeps each row's 1-based data row number in the file, for later row-level checks.

    Raises
    ------
    InputError
        On file-level problems, naming the file and the column.
    """
    path = Path(path)
    spec = TABLES[table]
    raw = read_text_table(path, table=table, bad_records="reject", compact=True)
    lower = {n.lower() for n in spec.names}
    columns = [c for c in raw.columns if c != RECORD_PROBLEM]
    check_personal_columns(
        columns,
        contract=[c for c in columns if c.lower() in lower],
        allowed=allow_columns,
        file=path,
        source=table,
    )
    raw, notes = match_columns(raw, spec, path)
    if len(raw) == 0:
        raise InputError(f"the {table} file has a header but no data rows", file=path)
    result = parse_table(raw, spec, source_file=path.name, notes=notes, release_raw=True)
    del raw
    result.files = [path]
    return result
