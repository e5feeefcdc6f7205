"""Read a force's own record-level extract, mapped to a canonical table by the params.

A records management system (Niche, Athena, Storm...) exports its own column names, its own
codes for yes/no, location types as text and dates as ``31/12/2021 23:15``. Rather than ask
the analyst to rewrite the extract, the params say how it maps to the contract::

    sources:
      crimes:
        path: extracts/niche_violence_2015_2022.csv
        format: force_extract
        options:
          columns: {crime_id: Occurrence Ref, offence_date: Committed From, ...}
          datetime_formats: {offence_date: "%d/%m/%Y %H:%M"}
          hour_from: offence_date
          values:
            domestic: {true: ["Y", "Yes"], false: ["N", "No", ""]}
          derive:
            public_place: {from: Location Type, true: [Street, Park], false: [Dwelling]}
          constants: {offender_sex: ""}

The options are validated by :class:`ForceExtractOptions` (unknown keys are refused with a
"did you mean" hint) and checked against the extract's header and the contract before any
row is checked; a bad mapping raises :class:`~snalib.errors.InputError` naming the option.

The mapped rows then go through exactly the parsing and checks of a canonical file
(:func:`snalib.inputs.sources.canonical.match_columns` and
:func:`~snalib.inputs.sources.canonical.parse_table`). Rejected rows keep the extract's own row
numbers (1-based data rows, header not counted) and the extract's own values, so the analyst
can find them in their system. Every value the mapping does not cover is counted in the
notes and handled as its ``otherwise`` says. See ``docs/sources.md``, "Force extracts".
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import pandera.errors
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from snalib.errors import InputError, plural
from snalib.inputs.contract import TABLES, Column, Table, schema
from snalib.inputs.personal import check_personal_columns
from snalib.inputs.sources.base import REJECTED_COLUMNS, SourceResult
from snalib.inputs.sources.canonical import match_columns, parse_column, parse_table
from snalib.inputs.sources.files import (
    CSV_SUFFIXES,
    DEFAULT_ENCODING,
    EXCEL_SUFFIXES,
    PARQUET_SUFFIXES,
    RECORD_PROBLEM,
    check_file,
    read_excel_text,
    read_text_table,
)
from snalib.validation import did_you_mean, validate_mapping

__all__ = [
    "DeriveRule",
    "ForceExtractOptions",
    "ValueMapping",
    "parse_options",
    "read_force_extract",
]

#: ``otherwise`` actions that are not a contract value.
OTHERWISE_ACTIONS = ("missing", "reject", "keep")
# Unambiguous ISO dates (year first), accepted in every date column besides its formats:
# a spreadsheet re-save or a system upgrade often mixes them in.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_HOUR_DIRECTIVES = ("%H", "%I")
# Spreadsheet-style patterns people write instead of strptime codes.
_SPREADSHEET_FORMAT = re.compile(r"(dd|mm|yy|hh)", re.IGNORECASE)
_SAMPLE_MOMENT = dt.datetime(2021, 12, 31, 23, 15, 45)
_MAX_VALUES_SHOWN = 10


# --------------------------------------------------------------------------- options


def _yaml_bool_refused(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(
            f"YAML read an unquoted word (Yes, No, True, False, On or Off) as {value}; put "
            "the extract's values in quotes, e.g. ['Y', 'Yes']"
        )
    return value


def _as_text(value: Any) -> Any:
    """A YAML scalar as the text it stands for (numbers without a spurious '.0')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return value


def _extract_value(value: Any) -> Any:
    return _as_text(_yaml_bool_refused(value))


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str | int | float | bool) or value is None else value


#: A value as it appears in the extract (quoted in YAML when it looks like yes/no).
ExtractValue = Annotated[str, BeforeValidator(_extract_value)]
#: A contract value (YAML's true/false and numbers read back as text).
ContractValue = Annotated[str, BeforeValidator(_as_text)]
ExtractValues = Annotated[list[ExtractValue], BeforeValidator(_one_or_many)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class ValueMapping(_Strict):
    """How the values of one extract column become the values of one contract column.

    For a true/false column list the extract's spellings under ``true`` and ``false``; for
    any other column list them under ``map`` by contract value. Matching ignores case and
    surrounding spaces. ``otherwise`` says what happens to a value not listed: ``missing``
    (left empty), ``reject`` (the row is rejected, naming the column and the value),
    ``keep`` (passed to the contract check as it is) or a contract value to use instead.
    """

    true: ExtractValues | None = Field(default=None, description="Spellings read as true.")
    false: ExtractValues | None = Field(default=None, description="Spellings read as false.")
    map: dict[ContractValue, ExtractValues] | None = Field(
        default=None, description="Contract value: the extract's spellings of it."
    )
    otherwise: ContractValue | None = Field(
        default=None,
        description="missing, reject, keep or a contract value; default missing when the "
        "column may be empty, reject when it may not.",
    )

    @field_validator("otherwise")
    @classmethod
    def _action_any_case(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() in OTHERWISE_ACTIONS:
            return value.strip().lower()
        return value

    @model_validator(mode="before")
    @classmethod
    def _yaml_true_false_keys(cls, value: Any) -> Any:
        # YAML reads the keys `true:` and `false:` as booleans.
        if isinstance(value, dict):
            return {
                ("true" if k is True else "false" if k is False else k): v for k, v in value.items()
            }
        return value

    def targets(self) -> dict[str, list[str]]:
        """Contract value → the extract's spellings of it."""
        out: dict[str, list[str]] = {}
        if self.true is not None:
            out["true"] = list(self.true)
        if self.false is not None:
            out["false"] = list(self.false)
        for target, spellings in (self.map or {}).items():
            out[target] = list(spellings)
        return out


class DeriveRule(ValueMapping):
    """A contract column derived from an extract column through a value mapping."""

    source: str = Field(alias="from", description="The extract's column to derive from.")


class ForceExtractOptions(_Strict):
    """The ``options`` of a ``format: force_extract`` source (see ``docs/sources.md``)."""

    columns: dict[str, str] = Field(
        default_factory=dict, description="Contract column: the extract's column."
    )
    sheet: str | int | None = Field(
        default=None, description="Excel only: sheet name or 0-based position (default first)."
    )
    encoding: str = Field(
        default=DEFAULT_ENCODING, description="CSV only: text encoding, e.g. cp1252."
    )
    delimiter: str = Field(default=",", description="CSV only: field separator, e.g. '|'.")
    datetime_formats: dict[str, Annotated[list[str], BeforeValidator(_one_or_many)]] = Field(
        default_factory=dict,
        description="Date column: strptime format(s) of the extract, tried in order.",
    )
    dayfirst: bool = Field(
        default=False,
        description="Guess a day-first format for date columns without datetime_formats.",
    )
    hour_from: str | dict[str, str] | None = Field(
        default=None,
        description="Date column whose time gives the hour (offence_date fills "
        "offence_hour), or {hour column: date column}.",
    )
    values: dict[str, ValueMapping] = Field(
        default_factory=dict, description="Value mapping of mapped columns."
    )
    derive: dict[str, DeriveRule] = Field(
        default_factory=dict, description="Columns derived from another extract column."
    )
    constants: dict[str, ContractValue] = Field(
        default_factory=dict, description="Columns the extract lacks, one value for every row."
    )
    missing_values: list[ExtractValue] = Field(
        default_factory=list,
        description="Extract values read as empty in every column, e.g. Unknown, N/K.",
    )
    allow_columns: list[str] = Field(
        default_factory=list,
        description="Extract columns whose names look like personal data but that the data "
        "owner has checked; they are dropped unread (docs/data-protection.md).",
    )

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError(f"expected one character, e.g. ',' or '|' (got {value!r})")
        return value


def parse_options(
    options: dict[str, Any] | None, *, prefix: str, path: Path
) -> ForceExtractOptions:
    """Validate the ``options`` mapping of a force extract source.

    Parameters
    ----------
    options
        The ``sources.<name>.options`` mapping from the params file.
    prefix
        Its dotted name in the params, e.g. ``"sources.crimes.options"``, used in messages.
    path
        The extract, named in messages.

    Returns
    -------
    ForceExtractOptions
        The validated options.

    Raises
    ------
    InputError
        Listing every problem (unknown keys with a "did you mean" hint, wrong types).
    """
    return validate_mapping(
        ForceExtractOptions,
        options or {},
        what="the force extract mapping",
        see="docs/sources.md, 'Force extracts'",
        file=path,
        prefix=prefix,
    )


# --------------------------------------------------------------------------- reading


def _read_extract(path: Path, table: str, opts: ForceExtractOptions, prefix: str) -> pd.DataFrame:
    """The extract as text (every cell a string, "" when empty), headers stripped."""
    suffix = path.suffix.lower()
    is_excel = suffix in EXCEL_SUFFIXES
    is_csv = suffix in CSV_SUFFIXES
    if opts.sheet is not None and not is_excel:
        raise InputError(
            f"{prefix}.sheet is only for Excel files (.xlsx), not '{path.suffix}' files",
            file=path,
        )
    if (opts.encoding != DEFAULT_ENCODING or opts.delimiter != ",") and not is_csv:
        raise InputError(
            f"{prefix}.encoding and {prefix}.delimiter are only for CSV files, not "
            f"'{path.suffix}' files",
            file=path,
        )
    if is_excel:
        return read_excel_text(path, table=table, sheet=opts.sheet, option=f"{prefix}.sheet")
    if is_csv or suffix in PARQUET_SUFFIXES:
        return read_text_table(
            path,
            table=table,
            encoding=opts.encoding,
            delimiter=opts.delimiter,
            option=prefix,
            bad_records="reject",
        )
    check_file(path, table)
    raise InputError(
        f"cannot read '{path.suffix}' files for {table}; a force extract is a CSV, Excel "
        "(.xlsx) or Parquet file",
        file=path,
    )


# --------------------------------------------------------------------------- the plan


@dataclass
class _Fill:
    """How one contract column is filled."""

    column: Column
    how: Literal["column", "derive", "constant", "hour", "empty"]
    source: str | None = None  # extract column (column, derive), date column (hour)
    option: str = ""  # dotted option that says so, for messages
    mapping: ValueMapping | None = None
    mapping_option: str = ""
    formats: list[str] = field(default_factory=list)
    formats_option: str = ""
    formats_guessed_from: str | None = None
    constant: str = ""
    implicit: bool = False  # taken from an extract column of the same name
    hour_of: str = ""  # hour: the extract column whose time it is

    @property
    def label(self) -> str:
        """What the analyst knows the column by, for reasons and notes."""
        if self.how in ("column", "derive"):
            return f"'{self.source}'"
        if self.how == "hour":
            return f"the time of '{self.hour_of}'"
        if self.how == "constant":
            return "a constant"
        return "nothing"


def _contract_column(spec: Table, name: str, option: str, path: Path) -> Column:
    try:
        return spec.column(name)
    except KeyError:
        raise InputError(
            f"{option}: '{name}' is not a column of the {spec.name} table"
            f"{did_you_mean(name, spec.names)}; its columns are {', '.join(spec.names)} "
            "(docs/data-contract.md)",
            file=path,
        ) from None


def _extract_column(name: str, headers: list[str], option: str, path: Path) -> str:
    """The extract header ``name`` refers to (exact, or the only one equal ignoring case)."""
    name = name.strip()
    if name in headers:
        return name
    same = [h for h in headers if h.lower() == name.lower()]
    if len(same) == 1:
        return same[0]
    shown = ", ".join(f"'{h}'" for h in headers[:30]) + (" ..." if len(headers) > 30 else "")
    raise InputError(
        f"{option}: the extract has no column '{name}'{did_you_mean(name, headers)}. Its "
        f"columns are: {shown}",
        file=path,
        column=name,
    )


def _read_from_column(
    fills: dict[str, _Fill], name: str, option: str, prefix: str, path: Path
) -> _Fill:
    """The fill of date column ``name``, which ``option`` needs read from an extract column."""
    fill = fills.get(name)
    if fill is None or fill.how != "column":
        raise InputError(
            f"{option}: {name} is not taken from an extract column; map it under "
            f"{prefix}.columns first",
            file=path,
        )
    return fill


def _check_format(fmt: str, option: str, path: Path) -> None:
    """Refuse a strptime format that cannot read back a date it writes."""
    if "%" not in fmt and _SPREADSHEET_FORMAT.search(fmt):
        raise InputError(
            f"{option}: '{fmt}' looks like a spreadsheet format; write Python strptime codes, "
            "e.g. '%d/%m/%Y %H:%M' for 31/12/2021 23:15",
            file=path,
        )
    try:
        written = _SAMPLE_MOMENT.strftime(fmt)
        read = dt.datetime.strptime(written, fmt)
    except ValueError as exc:
        raise InputError(
            f"{option}: '{fmt}' is not a valid date format ({exc}); write Python strptime "
            "codes, e.g. '%d/%m/%Y %H:%M' for 31/12/2021 23:15",
            file=path,
        ) from None
    if read.date() != _SAMPLE_MOMENT.date():
        raise InputError(
            f"{option}: '{fmt}' does not give a whole date (it needs a day, a month and a "
            "year, e.g. %d, %m and %Y)",
            file=path,
        )


def _check_contract_value(
    value: str, col: Column, table: str, option: str, path: Path, *, empty_ok: bool = True
) -> None:
    """Refuse a value that the contract check would reject in every row it fills."""
    if value == "" and empty_ok and (col.nullable or not col.required):
        return
    if col.kind == "sex" and value.strip().upper() not in ("M", "F", "U", "MALE", "FEMALE"):
        problem = "sex must be M, F or U"
    else:
        parsed, problems = parse_column(pd.Series([value]), col)
        problem = problems.iloc[0]
        if not problem and parsed.notna().iloc[0]:
            try:
                schema(table).columns[col.name].validate(pd.DataFrame({col.name: parsed}))
            except pandera.errors.SchemaError as exc:
                check = getattr(exc, "check", None)
                problem = str(getattr(check, "error", None) or exc).splitlines()[0]
        if not problem and parsed.isna().iloc[0] and not (col.nullable or not col.required):
            problem = "empty, but a value is required"
    if problem:
        raise InputError(
            f"{option}: '{value}' is not a valid {col.name} value ({problem})", file=path
        )


def _check_mapping(
    mapping: ValueMapping,
    col: Column,
    spec: Table,
    option: str,
    missing_keys: set[str],
    path: Path,
) -> None:
    if col.kind == "bool":
        if mapping.map is not None:
            raise InputError(
                f"{option}.map: {col.name} is a true/false column: list the extract's values "
                f"under {option}.true and {option}.false",
                file=path,
            )
        if mapping.true is None and mapping.false is None:
            raise InputError(f"{option}: list the extract's values under true and false", file=path)
    else:
        if mapping.true is not None or mapping.false is not None:
            raise InputError(
                f"{option}: {col.name} is not a true/false column; map the extract's values "
                f"under {option}.map as {{contract value: [extract values]}}",
                file=path,
            )
        if not mapping.map:
            raise InputError(
                f"{option}.map: give the contract values and the extract's spellings of them",
                file=path,
            )
        for target in mapping.map:
            _check_contract_value(target, col, spec.name, f"{option}.map.{target}", path)
    seen: dict[str, str] = {}
    for target, spellings in mapping.targets().items():
        for spelling in spellings:
            key = spelling.strip().lower()
            if key in seen and seen[key] != target:
                raise InputError(
                    f"{option}: '{spelling}' is listed under both {seen[key]} and {target}",
                    file=path,
                )
            if key in missing_keys:
                raise InputError(
                    f"{option}: '{spelling}' is listed under {target} and in the options' "
                    "missing_values; keep it in one place",
                    file=path,
                )
            seen[key] = target
    otherwise = mapping.otherwise
    may_be_empty = col.nullable or not col.required
    if otherwise is None or otherwise in ("reject", "keep"):
        return
    if otherwise == "missing":
        if not may_be_empty:
            raise InputError(
                f"{option}.otherwise: {col.name} may not be empty, so unmapped values cannot "
                f"be left missing; use reject or one of its values",
                file=path,
            )
        return
    _check_contract_value(otherwise, col, spec.name, f"{option}.otherwise", path, empty_ok=False)


def _guess_format(text: pd.Series, option: str, path: Path) -> tuple[str, str]:
    """A day-first format guessed from the first non-ISO value (``dayfirst: true``)."""
    from pandas.tseries.api import guess_datetime_format

    stripped = text.str.strip()
    candidates = stripped[(stripped != "") & ~stripped.str.match(_ISO_DATE.pattern)]
    if candidates.empty:
        return "", ""
    sample = str(candidates.iloc[0])
    with warnings.catch_warnings():
        # pandas warns when it can only guess month first; the check below refuses that
        warnings.simplefilter("ignore", UserWarning)
        fmt = guess_datetime_format(sample, dayfirst=True)
    # A format must read the day before the month: anything else is not what dayfirst
    # promises (pandas guesses %Y-%d-%m for an ISO date, for example).
    if not fmt or "%d" not in fmt or "%m" not in fmt or fmt.index("%d") > fmt.index("%m"):
        raise InputError(
            f"{option}: cannot guess a day-first date format from '{sample}'; give it "
            "explicitly under datetime_formats, e.g. '%d/%m/%Y %H:%M'",
            file=path,
        )
    return fmt, sample


def _plan(
    opts: ForceExtractOptions,
    spec: Table,
    raw: pd.DataFrame,
    prefix: str,
    path: Path,
) -> tuple[dict[str, _Fill], list[str]]:
    """Resolve the options against the contract and the extract's header.

    Every mapping problem is found here, before any row is converted.
    """
    headers = list(raw.columns)
    notes: list[str] = []
    fills: dict[str, _Fill] = {}
    missing_keys = {v.strip().lower() for v in opts.missing_values}

    def claim(name: str, option: str) -> Column:
        col = _contract_column(spec, name, option, path)
        if name in fills:
            raise InputError(
                f"{option}: {name} is already filled by {fills[name].option}; give each "
                "column one source",
                file=path,
            )
        return col

    for name, header in opts.columns.items():
        option = f"{prefix}.columns.{name}"
        col = claim(name, option)
        source = _extract_column(header, headers, option, path)
        if source != header.strip():
            notes.append(
                f"{option}: '{header}' matched the extract's column '{source}' ignoring case"
            )
        fills[name] = _Fill(col, "column", source, option)
    for name, rule in opts.derive.items():
        option = f"{prefix}.derive.{name}"
        col = claim(name, option)
        source = _extract_column(rule.source, headers, f"{option}.from", path)
        _check_mapping(rule, col, spec, option, missing_keys, path)
        fills[name] = _Fill(col, "derive", source, option, mapping=rule, mapping_option=option)
    for name, value in opts.constants.items():
        option = f"{prefix}.constants.{name}"
        col = claim(name, option)
        _check_contract_value(value, col, spec.name, option, path)
        fills[name] = _Fill(col, "constant", None, option, constant=value)

    # Contract columns not named in the options: an extract column of the same name.
    by_lower = {h.lower(): h for h in headers}
    for col in spec.columns:
        if col.name not in fills and col.name.lower() in by_lower:
            fills[col.name] = _Fill(
                col, "column", by_lower[col.name.lower()], "the extract's own column", implicit=True
            )

    # Hours from a datetime column.
    if opts.hour_from is not None:
        if isinstance(opts.hour_from, str):
            date_name = opts.hour_from
            hour_name = date_name.removesuffix("_date") + "_hour"
            pairs = {hour_name: date_name}
            _contract_column(spec, date_name, f"{prefix}.hour_from", path)
            if hour_name not in spec.names:
                hours = [c.name for c in spec.columns if c.kind == "hour"]
                raise InputError(
                    f"{prefix}.hour_from: the {spec.name} table has no {hour_name} column to "
                    f"fill from {date_name}"
                    + (
                        f"; write {prefix}.hour_from as {{hour column: date column}} with one "
                        f"of {', '.join(hours)}"
                        if hours
                        else "; it has no hour column at all"
                    ),
                    file=path,
                )
        else:
            pairs = dict(opts.hour_from)
        for hour_name, date_name in pairs.items():
            option = f"{prefix}.hour_from" + (
                "" if isinstance(opts.hour_from, str) else f".{hour_name}"
            )
            hour_col = _contract_column(spec, hour_name, option, path)
            date_col = _contract_column(spec, date_name, option, path)
            if hour_col.kind != "hour":
                raise InputError(f"{option}: {hour_name} is not an hour column", file=path)
            if date_col.kind != "date":
                raise InputError(f"{option}: {date_name} is not a date column", file=path)
            date_fill = _read_from_column(fills, date_name, option, prefix, path)
            if hour_name in fills and not fills[hour_name].implicit:
                raise InputError(
                    f"{option}: {hour_name} is already filled by {fills[hour_name].option}; "
                    "give each column one source",
                    file=path,
                )
            fills[hour_name] = _Fill(
                hour_col, "hour", date_name, option, hour_of=date_fill.source or ""
            )

    # Value mappings of mapped columns.
    for name, mapping in opts.values.items():
        option = f"{prefix}.values.{name}"
        col = _contract_column(spec, name, option, path)
        fill = fills.get(name)
        if fill is None or fill.how != "column":
            how = "is not mapped" if fill is None else f"is filled by {fill.option}"
            raise InputError(
                f"{option}: {name} {how}; a value mapping applies to a column mapped under "
                f"{prefix}.columns (use {prefix}.derive to map another extract column)",
                file=path,
            )
        _check_mapping(mapping, col, spec, option, missing_keys, path)
        fill.mapping, fill.mapping_option = mapping, option

    # Date formats.
    for name, formats in opts.datetime_formats.items():
        option = f"{prefix}.datetime_formats.{name}"
        col = _contract_column(spec, name, option, path)
        if col.kind != "date":
            dates = [c.name for c in spec.columns if c.kind == "date"]
            raise InputError(
                f"{option}: {name} is not a date column (date columns of {spec.name}: "
                f"{', '.join(dates) or 'none'})",
                file=path,
            )
        fill = _read_from_column(fills, name, option, prefix, path)
        if fill.mapping is not None:
            raise InputError(
                f"{option}: {name} also has a value mapping ({fill.mapping_option}); a date "
                "column is read with its format only",
                file=path,
            )
        if not formats:
            raise InputError(f"{option}: give at least one format", file=path)
        for i, fmt in enumerate(formats):
            _check_format(fmt, option if len(formats) == 1 else f"{option} (item {i + 1})", path)
        fill.formats, fill.formats_option = list(formats), option
    for fill in fills.values():
        if fill.column.kind == "date" and fill.how == "column" and fill.mapping is not None:
            raise InputError(
                f"{fill.mapping_option}: {fill.column.name} is a date column; give its format "
                f"under {prefix}.datetime_formats rather than a value mapping",
                file=path,
            )
        if (
            opts.dayfirst
            and fill.column.kind == "date"
            and fill.how == "column"
            and not fill.formats
        ):
            fmt, sample = _guess_format(raw[fill.source], f"{prefix}.dayfirst", path)
            if fmt:
                fill.formats, fill.formats_option = [fmt], f"{prefix}.dayfirst"
                fill.formats_guessed_from = sample

    missing = [c.name for c in spec.columns if c.required and c.name not in fills]
    if missing:
        raise InputError(
            f"required contract column(s) {', '.join(missing)} of the {spec.name} table are "
            f"not mapped: name the extract's column under {prefix}.columns, derive them under "
            f"{prefix}.derive, or give a value under {prefix}.constants (empty when the "
            "contract allows it)",
            file=path,
            column=missing[0],
        )
    for col in spec.columns:
        if col.name not in fills:
            fills[col.name] = _Fill(col, "empty", option="nothing (left empty)")
    return {c.name: fills[c.name] for c in spec.columns}, notes


# --------------------------------------------------------------------------- converting


@dataclass
class _Converted:
    """One contract column as text, with the cells the mapping itself refuses."""

    text: pd.Series
    refused: np.ndarray | None = None  # per row: the mapping itself refuses the cell
    reasons: np.ndarray | None = None  # per row: why (where refused)
    notes: list[str] = field(default_factory=list)
    hours: pd.Series | None = None  # date columns: the hour as text, where there is a time
    n_timed: int = 0
    n_untimed: int = 0
    n_midnight: int = 0


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _quoted_counts(counts: pd.Series) -> str:
    shown = [
        f"'{value}' ({n:,})" if value != "" else f"(empty) ({n:,})"
        for value, n in counts.head(_MAX_VALUES_SHOWN).items()
    ]
    more = len(counts) - _MAX_VALUES_SHOWN
    return ", ".join(shown) + (f" and {more} more values" if more > 0 else "")


def _spread(per_value: np.ndarray, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """A text column from one text per distinct value, in pandas' own text dtype (the
    contract check's string work is fastest on it)."""
    return pd.Series(pd.array(per_value, dtype="str").take(codes), index=index)


def _factorised(text: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes and distinct values of a text column, surrounding spaces removed.

    The values are factorised before they are stripped: an extract column has few distinct
    values next to its rows, so the string work is done once per value.
    """
    codes, uniques = pd.factorize(text)
    stripped = pd.Index(np.asarray(uniques, dtype=object)).astype(str).str.strip()
    recodes, distinct = pd.factorize(stripped)
    return recodes[codes], pd.Index(np.asarray(distinct, dtype=object), dtype=object)


def _apply_mapping(
    fill: _Fill, text: pd.Series, missing_keys: set[str], stats: dict[str, int]
) -> _Converted:
    mapping = fill.mapping
    assert mapping is not None
    col = fill.column
    codes, uniques = _factorised(text)
    keys = uniques.str.lower()
    lookup = {s.strip().lower(): t for t, spellings in mapping.targets().items() for s in spellings}
    target = pd.Series(keys.map(lookup), index=range(len(uniques)), dtype=object)
    declared_missing = keys.isin(missing_keys)
    unmapped = target.isna().to_numpy() & ~declared_missing
    counts = np.bincount(codes, minlength=len(uniques))
    otherwise = mapping.otherwise or ("missing" if col.nullable or not col.required else "reject")
    out = target.fillna("").to_numpy(dtype=object, copy=True)
    if otherwise == "keep":
        out[unmapped] = uniques.to_numpy()[unmapped]
    elif otherwise not in ("missing", "reject"):
        out[unmapped] = otherwise
    notes = []
    stats_missing = int(counts[declared_missing].sum())
    if stats_missing:
        stats[fill.source] = stats.get(fill.source, 0) + stats_missing
    refused_value = np.zeros(len(uniques), dtype=bool)
    reasons = None
    if unmapped.any():
        # Matching ignores case, so spellings that differ only in case are counted together,
        # under their most frequent spelling.
        spellings = pd.DataFrame(
            {"key": keys[unmapped], "value": uniques[unmapped], "n": counts[unmapped]}
        ).sort_values("n", ascending=False, kind="stable")
        grouped = spellings.groupby("key", sort=False).agg(value=("value", "first"), n=("n", "sum"))
        seen = pd.Series(grouped["n"].to_numpy(), index=grouped["value"].to_numpy()).sort_values(
            ascending=False, kind="stable"
        )
        action = {
            "missing": f"{col.name} left empty",
            "reject": "rows rejected",
            "keep": "values passed to the contract check as they are",
        }.get(otherwise, f"{col.name} set to {otherwise}")
        notes.append(
            f"{fill.source}: {_count(int(seen.sum()), 'row')} with values not in the mapping "
            f"({fill.mapping_option}): {_quoted_counts(seen)}; {action} (otherwise: {otherwise})"
        )
        if otherwise == "reject":
            refused_value = unmapped
            reasons = np.full(len(uniques), "", dtype=object)
            reasons[unmapped] = [
                f"{col.name} (from {fill.label}): '{u}' is not in the mapping "
                f"{fill.mapping_option} (otherwise: reject)"
                for u in uniques[unmapped]
            ]
    kept = ~refused_value
    tally = (
        pd.Series(counts[kept], index=np.where(out[kept] == "", "(empty)", out[kept]))
        .groupby(level=0)
        .sum()
        .sort_values(ascending=False, kind="stable")
    )
    notes.insert(
        0,
        f"{col.name} from {fill.label} through {fill.mapping_option}: "
        + ", ".join(f"{k} {v:,}" for k, v in tally.items() if v),
    )
    return _Converted(
        _spread(out, codes, text.index),
        refused_value[codes] if reasons is not None else None,
        reasons[codes] if reasons is not None else None,
        notes,
    )


def _drop_declared_missing(text: pd.Series, missing_keys: set[str]) -> tuple[pd.Series, int]:
    if not missing_keys:
        return text, 0
    mask = text.astype(str).str.strip().str.lower().isin(missing_keys)
    return text.mask(mask, ""), int(mask.sum())


_DAY_DIRECTIVES = set("dmYybBjaA")
_TIME_DIRECTIVES = set("HMSfIp")
_NAT = np.datetime64("NaT", "s")


def _split_format(fmt: str) -> tuple[str, str] | None:
    """``('%d/%m/%Y', '%H:%M')`` for ``'%d/%m/%Y %H:%M'``; None unless the format is a
    day part and a time part separated by one space."""
    parts = fmt.split(" ")
    if len(parts) != 2:
        return None
    day, time = (set(re.findall(r"%(.)", part)) for part in parts)
    if not day or not time or day - _DAY_DIRECTIVES or time - _TIME_DIRECTIVES:
        return None
    return parts[0], parts[1]


def _parse_distinct(values: np.ndarray, fmt: str) -> np.ndarray:
    """``values`` (None where absent) read with ``fmt``, each distinct value once."""
    codes, distinct = pd.factorize(values)
    parsed = pd.to_datetime(pd.Series(distinct, dtype=object), format=fmt, errors="coerce")
    # code -1 (absent) picks the NaT appended at the end
    return np.append(parsed.to_numpy().astype("datetime64[s]"), _NAT)[codes]


def _parse_moments(values: np.ndarray, fmt: str) -> np.ndarray:
    """Moments of the text ``values`` read with the strptime ``fmt`` (NaT where no match).

    A date-and-time column has almost as many distinct values as rows, but few distinct
    days and times: a ``<day> <time>`` format is read as its two halves, each distinct half
    once. A space in a format matches any run of spaces, as in strptime, so this reads
    exactly what the whole format reads; anything the halves do not read is read whole.
    """
    halves = _split_format(fmt)
    moments = np.full(len(values), _NAT)
    if halves is not None and len(values):
        parts = pc.extract_regex(
            pa.array(values, type=pa.string()), r"^(?P<day>\S+)\s+(?P<time>\S+)$"
        )
        day = _parse_distinct(
            pc.struct_field(parts, "day").to_numpy(zero_copy_only=False), halves[0]
        )
        time = _parse_distinct(
            pc.struct_field(parts, "time").to_numpy(zero_copy_only=False), halves[1]
        )
        # a time alone is read on 1900-01-01
        moments = day + (time - np.datetime64("1900-01-01T00:00:00", "s"))
    rest = np.isnat(moments)
    if rest.any():
        parsed = pd.to_datetime(pd.Series(values[rest], dtype=object), format=fmt, errors="coerce")
        moments[rest] = parsed.to_numpy().astype("datetime64[s]")
    return moments


def _convert_dates(fill: _Fill, text: pd.Series, prefix: str) -> _Converted:
    """Read a date column with its formats (then ISO); return YYYY-MM-DD text.

    The hour of each value is kept too (``_Converted.hours``), where the format read a time.
    """
    col = fill.column
    codes, uniques = _factorised(text)
    values = uniques.to_numpy(dtype=object)
    moments = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    timed = np.zeros(len(values), dtype=bool)
    todo = values != ""
    notes = []

    def read(mask: np.ndarray, fmt: str) -> np.ndarray:
        parsed = _parse_moments(values[mask], fmt)
        hit = np.zeros(len(values), dtype=bool)
        hit[mask] = ~np.isnat(parsed)
        moments[hit] = parsed[~np.isnat(parsed)]
        return hit

    for fmt in fill.formats:
        if not todo.any():
            break
        hit = read(todo, fmt)
        timed[hit] = any(d in fmt for d in _HOUR_DIRECTIVES)
        todo &= ~hit
    iso = todo.copy()
    iso[todo] = pd.Series(values[todo], dtype=object).str.match(_ISO_DATE.pattern).to_numpy(bool)
    if fill.formats:
        notes.append(
            f"{col.name} read from '{fill.source}' with format " + " or ".join(fill.formats)
        )
    if iso.any():
        hit = read(iso, "ISO8601")
        timed[hit] = pd.Series(values[hit], dtype=object).str.contains(":").to_numpy(bool)
        todo &= ~hit
        n_iso = int(np.bincount(codes, minlength=len(values))[hit].sum())
        if fill.formats:
            notes.append(
                f"{col.name}: {_count(n_iso, 'value')} of '{fill.source}' in ISO form "
                "(YYYY-MM-DD, as spreadsheet date cells are read) read as such"
            )
    if fill.formats_guessed_from is not None:
        notes.append(
            f"{col.name}: format {fill.formats[0]} guessed from '{fill.formats_guessed_from}' "
            f"in '{fill.source}' ({fill.formats_option}); write it under "
            f"{prefix}.datetime_formats.{col.name} to make it explicit"
        )
    refused = reasons = None
    if todo.any():
        if fill.formats:
            expected = (
                f"does not match the format {fill.formats[0]}"
                if len(fill.formats) == 1
                else "matches none of the formats " + ", ".join(fill.formats)
            ) + f" ({fill.formats_option})"
        else:
            expected = (
                "is not a date in the form YYYY-MM-DD; give the extract's format under "
                f"{prefix}.datetime_formats.{col.name}"
            )
        per_value = np.full(len(values), "", dtype=object)
        per_value[todo] = [
            f"{col.name} (from {fill.label}): '{v}' {expected}" for v in values[todo]
        ]
        refused, reasons = todo[codes], per_value[codes]
    known = ~np.isnat(moments)
    days = moments.astype("datetime64[D]")
    # Text once per distinct day and hour, not once per value.
    distinct_days, day_of = np.unique(days[known], return_inverse=True)
    day_text = np.full(len(values), "", dtype=object)
    day_text[known] = distinct_days.astype(str).astype(object)[day_of]
    seconds = (moments - days).astype("int64")
    with_hour = known & timed
    hour_text = np.full(len(values), "", dtype=object)
    hour_text[with_hour] = np.array([str(h) for h in range(24)], dtype=object)[
        seconds[with_hour] // 3600
    ]
    rows = np.bincount(codes, minlength=len(values))
    return _Converted(
        _spread(day_text, codes, text.index),
        refused,
        reasons,
        notes,
        hours=_spread(hour_text, codes, text.index),
        n_timed=int(rows[with_hour].sum()),
        n_untimed=int(rows[known & ~timed].sum()),
        n_midnight=int(rows[with_hour & (seconds // 60 == 0)].sum()),
    )


def _convert_hours(fill: _Fill, date: _Converted, date_fill: _Fill, path: Path) -> _Converted:
    if date.hours is None or date.n_timed == 0:
        raise InputError(
            f"{fill.option}: no value of '{date_fill.source}' has a time of day, so "
            f"{fill.column.name} cannot be taken from it; give a format with the time (e.g. "
            "'%d/%m/%Y %H:%M') under datetime_formats, or map an hour column",
            file=path,
            column=date_fill.source,
        )
    note = (
        f"{fill.column.name} taken from the time of '{date_fill.source}' ({date_fill.column.name})"
    )
    if date.n_untimed:
        note += f"; {_count(date.n_untimed, 'value')} without a time: hour left empty"
    if date.n_midnight:
        note += (
            f"; {_count(date.n_midnight, 'value')} at exactly 00:00, which some systems record "
            "when the time is unknown: kept as hour 0"
        )
    return _Converted(date.hours, notes=[note])


def _convert(
    fills: dict[str, _Fill],
    raw: pd.DataFrame,
    opts: ForceExtractOptions,
    prefix: str,
    path: Path,
) -> tuple[dict[str, _Converted], list[str]]:
    missing_keys = {v.strip().lower() for v in opts.missing_values}
    missing_stats: dict[str, int] = {}
    converted: dict[str, _Converted] = {}
    notes: list[str] = []
    for name, fill in fills.items():
        if fill.how == "hour":
            continue
        if fill.how == "constant":
            converted[name] = _Converted(pd.Series(fill.constant, index=raw.index, dtype="str"))
        elif fill.how == "empty":
            converted[name] = _Converted(pd.Series("", index=raw.index, dtype="str"))
        elif fill.mapping is not None:
            converted[name] = _apply_mapping(fill, raw[fill.source], missing_keys, missing_stats)
        else:
            text, n_missing = _drop_declared_missing(raw[fill.source], missing_keys)
            if n_missing:
                missing_stats[fill.source] = missing_stats.get(fill.source, 0) + n_missing
            if fill.column.kind == "date":
                converted[name] = _convert_dates(fill, text, prefix)
            else:
                converted[name] = _Converted(text)
    for name, fill in fills.items():
        if fill.how == "hour":
            converted[name] = _convert_hours(fill, converted[fill.source], fills[fill.source], path)
    for name in fills:
        notes.extend(converted[name].notes)
    if missing_stats:
        total = sum(missing_stats.values())
        notes.append(
            f"{prefix}.missing_values: {total:,} cells read as empty ("
            + ", ".join(f"'{k}' {v:,}" for k, v in missing_stats.items())
            + ")"
        )
    return converted, notes


# --------------------------------------------------------------------------- assembling


_REQUIRED_EMPTY = "empty, but a value is required"


def _relabel(
    reason: pd.Series, pos: np.ndarray, refused: dict[str, np.ndarray], fills: dict[str, _Fill]
) -> pd.Series:
    """The contract check's reasons in the extract's terms.

    A reason is ``column: problem; column: problem`` (``canonical.parse_table``). A cell the
    mapping refused was blanked before the check, so its "empty, but a value is required"
    is dropped (the mapping's own reason replaces it); every column is named with the
    extract column it came from.
    """
    segments = reason.str.split("; ").explode()
    parts = segments.str.partition(": ")
    name, sep, message = parts[0], parts[1], parts[2]
    row = pos[segments.index.to_numpy()]
    blank = np.zeros(len(segments), dtype=bool)
    for col, mask in refused.items():
        blank |= (name == col).to_numpy() & (message == _REQUIRED_EMPTY).to_numpy() & mask[row]
    labels = {n: f"{n} (from {f.label})" for n, f in fills.items()}
    text = name.map(labels).fillna(name) + sep + message
    kept = text[~blank]
    single = ~kept.index.duplicated(keep=False)
    joined = pd.concat([kept[single], kept[~single].groupby(level=0).agg("; ".join)]).astype(object)
    return joined.reindex(reason.index, fill_value="")


def _used_columns(fills: dict[str, _Fill], headers: list[str]) -> list[str]:
    used = {f.source for f in fills.values() if f.how in ("column", "derive")}
    return [h for h in headers if h in used]


def _assemble(
    parsed: SourceResult,
    converted: dict[str, _Converted],
    fills: dict[str, _Fill],
    raw: pd.DataFrame,
    path: Path,
) -> SourceResult:
    """Fold the mapping's refusals into the contract check's result, with the raw values."""
    n = len(raw)
    spec_names = list(fills)
    refused = {
        name: c.refused
        for name, c in converted.items()
        if c.refused is not None and c.refused.any()
    }
    any_refused = np.zeros(n, dtype=bool)
    map_reason = np.full(n, "", dtype=object)
    map_column = np.full(n, "", dtype=object)
    for name in spec_names:  # in table order, so the first refused column comes first
        if name not in refused:
            continue
        idx = np.flatnonzero(refused[name])
        reasons = converted[name].reasons[idx]
        prior = map_reason[idx]
        map_reason[idx] = np.where(prior == "", reasons, prior + "; " + reasons)
        map_column[idx[~any_refused[idx]]] = name
        any_refused[idx] = True

    # Rows the contract check rejected: drop the "empty" it found where the mapping had
    # blanked a refused cell, label the columns, put the mapping's reasons first.
    rejected = parsed.rejected
    if len(rejected):
        pos = rejected["source_row"].to_numpy(dtype="int64") - 1
        reason = _relabel(
            rejected["reason"].astype(object).reset_index(drop=True), pos, refused, fills
        ).to_numpy(dtype=object)
        first = map_reason[pos]
        combined = np.where(
            first == "", reason, np.where(reason == "", first, first + "; " + reason)
        )
        column = np.where(
            map_column[pos] == "",
            rejected["column"].to_numpy(dtype=object),
            map_column[pos],
        )
        from_parse = pd.DataFrame(
            {
                "source_file": path.name,
                "source_row": pos + 1,
                "column": column,
                "reason": combined,
            }
        )
    else:
        from_parse = pd.DataFrame(columns=REJECTED_COLUMNS)

    data = parsed.data
    kept_pos = data["_source_row"].to_numpy(dtype="int64") - 1
    moved = any_refused[kept_pos]
    moved_pos = kept_pos[moved]
    from_mapping = pd.DataFrame(
        {
            "source_file": path.name,
            "source_row": moved_pos + 1,
            "column": map_column[moved_pos],
            "reason": map_reason[moved_pos],
        }
    )
    data = data.loc[~moved].reset_index(drop=True)
    data["_source_file"] = pd.array([path.name] * len(data), dtype="string")

    parts = [p for p in (from_parse, from_mapping) if len(p)]
    if parts:
        rejected = pd.concat(parts, ignore_index=True).sort_values("source_row", kind="stable")
        rows = rejected["source_row"].to_numpy(dtype="int64") - 1
        used = _used_columns(fills, list(raw.columns))
        values = raw.iloc[rows][used].astype("string").reset_index(drop=True)
        values.columns = [c if c not in REJECTED_COLUMNS else f"{c} (extract)" for c in used]
        rejected = pd.concat([rejected.reset_index(drop=True), values], axis=1)
        rejected["source_row"] = rejected["source_row"].astype("int64")
    else:
        rejected = pd.DataFrame(columns=REJECTED_COLUMNS)
    return SourceResult(
        table=parsed.table,
        data=data,
        rows_in=n,
        rejected=rejected,
        notes=list(parsed.notes),
        files=[path],
    )


def _summary(fills: dict[str, _Fill], raw: pd.DataFrame, table: str, path: Path) -> list[str]:
    mapped = [f for f in fills.values() if f.how == "column"]
    parts = [f"columns mapped: {len(mapped)}"]
    derived = [f for f in fills.values() if f.how == "derive"]
    if derived:
        parts.append("derived: " + ", ".join(f"{f.column.name} from '{f.source}'" for f in derived))
    for f in fills.values():
        if f.how == "hour":
            parts.append(f"hour taken from '{fills[f.source].source}' ({f.column.name})")
    constants = [f for f in fills.values() if f.how == "constant"]
    if constants:
        parts.append(
            "constants: "
            + ", ".join(f"{f.column.name} = {f.constant or '(empty)'}" for f in constants)
        )
    empty = [f.column.name for f in fills.values() if f.how == "empty"]
    if empty:
        parts.append("left empty: " + ", ".join(empty))
    notes = [
        f"force extract {path.name} ({plural(len(raw), 'row')}, {plural(len(raw.columns), 'column')}) mapped to "
        f"{table}: " + "; ".join(parts)
    ]
    notes.append(
        "columns: "
        + ", ".join(
            f"{f.column.name} <- '{f.source}'" + (" (same name)" if f.implicit else "")
            for f in mapped
        )
    )
    used = set(_used_columns(fills, list(raw.columns)))
    unused = [h for h in raw.columns if h not in used]
    if unused:
        shown = ", ".join(unused[:20]) + (
            f" and {len(unused) - 20} more" if len(unused) > 20 else ""
        )
        notes.append(f"extract columns not used: {shown}")
    return notes


def read_force_extract(
    path: str | Path, table: str, options: dict[str, Any] | None
) -> SourceResult:
    """Read a force's own extract into the canonical table ``table``, as the options map it.

    Parameters
    ----------
    path
        The extract: CSV (UTF-8 unless ``encoding`` says otherwise), Excel (.xlsx, first
        sheet unless ``sheet`` names one) or Parquet.
    table
        Canonical table name (any table of :data:`snalib.inputs.contract.TABLES`), usually
        ``"crimes"``.
    options
        The mapping from the params (``sources.<table>.options``), validated by
        :class:`ForceExtractOptions`.

    Returns
    -------
    SourceResult
        Typed rows that passed the contract (with ``_source_file`` and ``_source_row``: the
        extract's name and 1-based data row); rejected rows with the extract's row number,
        the contract column, the reason and the extract's own values of the columns the
        mapping reads; notes saying what the mapping did and every value it did not cover.
        ``rows_in == included + rejected``.

    Raises
    ------
    InputError
        The file cannot be read, or the mapping is wrong: an unknown option, a column not in
        the extract or not in the table, a bad date format, a required column not mapped,
        a value mapping that contradicts itself or the contract. The message names the
        option (``sources.<table>.options...``) and the file.

    Notes
    -----
    The mapped rows are checked by :func:`snalib.inputs.sources.canonical.parse_table`, exactly as
    a canonical file. Value mapping and date reading work on the distinct values of a
    column, so a 700,000 row extract maps in a few seconds.
    """
    path = Path(path)
    if table not in TABLES:
        raise InputError(
            f"'{table}' is not a table of the data contract{did_you_mean(table, list(TABLES))}",
            file=path,
        )
    spec = TABLES[table]
    prefix = f"sources.{table}.options"
    opts = parse_options(options, prefix=prefix, path=path)
    raw = _read_extract(path, table, opts, prefix)
    if len(raw) == 0:
        raise InputError(f"the {table} file has a header but no data rows", file=path)
    raw = raw.reset_index(drop=True)
    # Records the reader could not split into fields: rejected for that reason alone.
    record_problem = raw.pop(RECORD_PROBLEM) if RECORD_PROBLEM in raw.columns else None
    fills, plan_notes = _plan(opts, spec, raw, prefix, path)
    check_personal_columns(
        list(raw.columns),
        contract=_used_columns(fills, list(raw.columns)),
        allowed=opts.allow_columns,
        file=path,
        source=table,
    )
    converted, convert_notes = _convert(fills, raw, opts, prefix, path)
    if record_problem is not None:
        broken = record_problem.to_numpy(dtype=object) != ""
        for c in converted.values():
            if c.refused is not None:
                c.refused = c.refused & ~broken

    # Cells the mapping refused are blanked, so that the contract check sees only values
    # the mapping vouches for; _assemble puts the mapping's own reason back.
    text = pd.DataFrame(
        {
            name: (c.text.mask(c.refused, "") if c.refused is not None else c.text).astype("str")
            for name, c in converted.items()
        },
        index=raw.index,
    )
    if record_problem is not None:
        text[RECORD_PROBLEM] = record_problem.to_numpy(dtype=object)
    text, _ = match_columns(text, spec, path)
    parsed = parse_table(text, spec, source_file=path.name, notes=[])
    result = _assemble(parsed, converted, fills, raw, path)
    result.notes = _summary(fills, raw, table, path) + plan_notes + convert_notes
    result.mapped_columns = _used_columns(fills, list(raw.columns))
    result.reconcile()
    return result
