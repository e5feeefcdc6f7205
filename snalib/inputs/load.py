"""Load every input source of a run, check it against the contract, reconcile it.

This is the first stage of ``sna build`` and all of ``sna validate``. Each source goes
through its adapter (``snalib.inputs.sources``), then through checks that need the parameters
(the analysis window, the offence code reference, the force's areas). Row-level failures
are rejected with a reason; if more than ``validation.max_rejected_share`` of a source is
rejected the run stops with exit code 2, because a report built on a bad extract is worse
than no report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from snalib.definition.offence_codes import lookup_codes, normalise_codes
from snalib.errors import InputError, plural
from snalib.inputs.contract import TABLES, schema
from snalib.inputs.sources.base import SourceResult
from snalib.inputs.sources.canonical import read_canonical
from snalib.inputs.sources.force_extract import read_force_extract
from snalib.inputs.sources.home_office import read_home_office_prc
from snalib.inputs.sources.ons import (
    attach_imd,
    read_imd2019,
    read_lsoa_lookup,
    read_lsoa_population,
)
from snalib.inputs.sources.police_uk import read_police_uk
from snalib.params import Params, SourceSpec

#: The event date column of each table, checked against the analysis window.
EVENT_DATES = {
    "crimes": "offence_date",
    "ed_attendances": "arrival_date",
    "ambulance": "incident_date",
    "homicides": "offence_date",
    "survey": "survey_date",
}


@dataclass
class Inputs:
    """Every source of a run, loaded and reconciled."""

    results: dict[str, SourceResult]
    mode: str  # "record" (force extract) or "public" (data.police.uk street files)
    notes: dict[str, list[str]] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        return self.results[name].data

    def summary(self) -> pd.DataFrame:
        rows = []
        for name, r in self.results.items():
            rows.append(
                {
                    "source": name,
                    "table": r.table,
                    "rows_in": r.rows_in,
                    "included": r.n_included,
                    "excluded": r.n_excluded,
                    "rejected": r.n_rejected,
                }
            )
        return pd.DataFrame(rows)


def _option_path(spec: SourceSpec, key: str, params: Params, *, required: bool) -> Path | None:
    """A path given in a source's options, resolved relative to the params file."""
    value = spec.options.get(key)
    if value is None:
        if required:
            raise InputError(
                f"format {spec.format} needs options.{key} (a path relative to the params file)",
                file=params.source_file,
            )
        return None
    return params.resolve_path(value)


def _check_options(spec: SourceSpec, name: str, allowed: set[str], params: Params) -> None:
    unknown = set(spec.options) - allowed
    if unknown:
        raise InputError(
            f"sources.{name}.options: unknown option(s) {', '.join(sorted(unknown))} for format "
            f"{spec.format}; allowed: {', '.join(sorted(allowed)) or 'none'}",
            file=params.source_file,
        )


def read_source(
    name: str, spec: SourceSpec, params: Params, *, force_lsoas: set[str] | None = None
) -> SourceResult:
    """Read one source with the adapter its ``format`` names.

    ``force_lsoas`` (the LSOAs of the areas lookup) lets adapters of national files keep
    what belongs to the force and count the rest.
    """
    fmt = spec.format
    if fmt == "canonical":
        _check_options(spec, name, {"allow_columns"}, params)
        allow = spec.options.get("allow_columns") or []
        if isinstance(allow, str) or not all(isinstance(a, str) for a in allow):
            raise InputError(
                f"sources.{name}.options.allow_columns: expected a list of column names, e.g. "
                "[Notes]",
                file=params.source_file,
            )
        return read_canonical(spec.path, name, allow_columns=allow)
    if fmt == "force_extract":
        return read_force_extract(spec.path, name, spec.options)
    expected_table = {
        "police_uk": "crimes",
        "home_office_prc": "recorded_crime_counts",
        "ons_lookup": "areas",
        "ons_population": "population",
    }[fmt]
    if name != expected_table:
        raise InputError(
            f"format {fmt} reads the {expected_table} source, not {name}", file=spec.path
        )
    if fmt == "police_uk":
        _check_options(spec, name, set(), params)
        return read_police_uk(spec.path, force_lsoas=force_lsoas)
    if fmt == "ons_lookup":
        _check_options(spec, name, {"csp_lookup", "imd"}, params)
        csp = _option_path(spec, "csp_lookup", params, required=True)
        result = read_lsoa_lookup(spec.path, csp, force_codes=params.area.force_codes)
        imd = _option_path(spec, "imd", params, required=False)
        if imd is not None:
            result = attach_imd(result, read_imd2019(imd))
            result.files.append(imd)
        result.files.append(csp)
        return result
    if fmt == "home_office_prc":
        _check_options(spec, name, {"force_names", "pfa_lookup"}, params)
        return read_home_office_prc(
            spec.path,
            force_names=spec.options.get("force_names"),
            pfa_lookup=_option_path(spec, "pfa_lookup", params, required=False),
        )
    if fmt == "ons_population":
        _check_options(spec, name, {"year"}, params)
        return read_lsoa_population(
            spec.path, lsoa_codes=force_lsoas, year=int(spec.options.get("year", 2019))
        )
    raise InputError(
        f"unknown source format '{fmt}' for {name}", file=spec.path
    )  # pragma: no cover


def _exclude(result: SourceResult, outside: pd.Series, reason: str) -> None:
    """Leave out valid records the analyst chose not to analyse: excluded, with the reason,
    not rejected (a record outside the window is not an error in the extract)."""
    outside = outside.fillna(False).astype(bool)
    n = int(outside.sum())
    if n:
        result.data = result.data.loc[~outside]
        result.add_excluded(reason, n)


def _check_window(result: SourceResult, column: str, params: Params) -> None:
    """Records outside the analysis window: excluded, except a date in the future, which no
    event can have: that row is wrong, and rejected."""
    w = params.analysis_window
    dates = result.data[column]
    outside = dates.notna() & ((dates < pd.Timestamp(w.start)) | (dates > pd.Timestamp(w.end)))
    future = outside & (dates > pd.Timestamp.today().normalize())
    result.reject(future, f"{column}: date in the future (after the day of the run)", column)
    outside = outside.loc[result.data.index]
    _exclude(result, outside, f"{column} outside the analysis window {w.start} to {w.end}")


def _check_crimes(result: SourceResult) -> None:
    codes = normalise_codes(result.data["hocr_code"])
    result.data["hocr_code"] = codes
    # Looked up once per distinct code: the reference has many columns, a file many rows.
    distinct = pd.Series(pd.unique(codes.dropna()), dtype="string")
    found = lookup_codes(distinct)
    known_codes = set(distinct[found["known"].to_numpy(dtype=bool)])
    known = codes.isin(known_codes).to_numpy(dtype=bool)
    result.reject(
        ~known,
        "hocr_code: unknown offence code (not in the Home Office Counting Rules reference)",
        "hocr_code",
    )


def _restrict_areas(result: SourceResult, params: Params) -> None:
    forces = set(params.area.force_codes)
    inside = result.data["force_code"].isin(forces)
    n_out = int((~inside).sum())
    if n_out:
        result.data = result.data.loc[inside].reset_index(drop=True)
        result.add_excluded(
            f"LSOA in another police force area (not {', '.join(sorted(forces))})", n_out
        )
    if len(result.data) == 0:
        raise InputError(
            f"no LSOA in the areas lookup belongs to the force code(s) {', '.join(sorted(forces))} "
            "given in area.force_codes",
            file=result.files[0] if result.files else None,
            column="force_code",
        )


def _examples(rejected: pd.DataFrame, n: int = 3) -> str:
    """A few rejected rows with the offending raw value, e.g. "row 2 offence_date='31/12/2021'"."""
    out = []
    for _, row in rejected.head(n).iterrows():
        column = str(row.get("column", ""))
        if not column or column == "nan":  # a problem of the whole record
            out.append(f"row {int(row['source_row'])} ({row['reason']})")
            continue
        value = row.get(column, None) if column in rejected.columns else None
        shown = (
            f" {column}={str(value)[:40]!r}"
            if value is not None and not pd.isna(value)
            else f" {column}"
        )
        out.append(f"row {int(row['source_row'])}{shown}")
    return ", ".join(out)


def _check_rejections(name: str, result: SourceResult, params: Params, path: Path) -> None:
    if result.rows_in == 0:
        return
    share = result.n_rejected / result.rows_in
    if share > params.validation.max_rejected_share:
        top = result.rejected["reason"].value_counts().head(3)
        reasons = "; ".join(f"{reason} ({plural(n, 'row')})" for reason, n in top.items())
        rows = result.rejected["source_row"].head(8).astype(int).tolist()
        raise InputError(
            f"{result.n_rejected:,} of {plural(result.rows_in, name + ' row')} ({share:.1%}) "
            f"{'was' if result.n_rejected == 1 else 'were'} rejected, "
            f"more than the {params.validation.max_rejected_share:.0%} allowed by "
            f"validation.max_rejected_share. Most common reasons: {reasons}. "
            f"For example: {_examples(result.rejected)}. Fix the extract or raise the threshold.",
            file=path,
            column=str(result.rejected["column"].iloc[0]) or None,
            rows=rows,
        )


def load_inputs(params: Params) -> Inputs:
    """Read, check and reconcile every source named in the params.

    Raises
    ------
    InputError
        File-level problems, or too many rejected rows in a source.
    """
    results: dict[str, SourceResult] = {}
    mode = "record"
    provided = params.sources.provided()
    # The areas lookup first: adapters of national files use it to keep the force's rows.
    order = ["areas", *[n for n in provided if n != "areas"]]
    force_lsoas: set[str] | None = None
    for name in order:
        spec = provided[name]
        result = read_source(name, spec, params, force_lsoas=force_lsoas)
        if result.table == "street_crimes":
            mode = "public"
        if name == "crimes" and result.table == "crimes":
            _check_crimes(result)
        if name == "areas":
            _restrict_areas(result, params)
            force_lsoas = set(result.data["lsoa_code"].dropna())
        date_col = EVENT_DATES.get(result.table)
        if date_col is not None:
            _check_window(result, date_col, params)
        if result.table == "street_crimes":
            _check_month_window(result, params)
        result.reconcile()
        _check_rejections(name, result, params, spec.path)
        results[name] = result
    _cross_checks(results)
    return Inputs(results={n: results[n] for n in provided}, mode=mode)


def _check_month_window(result: SourceResult, params: Params) -> None:
    """Street-level crimes carry a month only: a month outside the window is excluded."""
    w = params.analysis_window
    first, last = f"{w.start:%Y-%m}", f"{w.end:%Y-%m}"
    month = result.data["month"]
    outside = month.notna() & ((month < first) | (month > last))
    _exclude(result, outside, f"month outside the analysis window {first} to {last}")


def _cross_checks(results: dict[str, SourceResult]) -> None:
    """Notes that relate sources: events whose area is unknown or outside the lookup."""
    if "areas" not in results:
        return
    lsoas = set(results["areas"].data["lsoa_code"].dropna())
    for name, result in results.items():
        if name == "areas" or "area_code" not in result.data.columns:
            continue
        if result.table not in (
            "crimes",
            "street_crimes",
            "ed_attendances",
            "ambulance",
            "homicides",
        ):
            continue
        area = result.data["area_code"]
        missing = int(area.isna().sum())
        outside = int((area.notna() & ~area.isin(lsoas)).sum())
        if missing:
            one = missing == 1
            result.notes.append(
                f"{plural(missing, 'record')} {'has' if one else 'have'} no area code: "
                f"{'it counts' if one else 'they count'} in force-level figures and "
                f"{'is' if one else 'are'} left out of area-level rates"
            )
        if outside:
            one = outside == 1
            result.notes.append(
                f"{plural(outside, 'record')} {'has' if one else 'have'} an area code outside "
                f"the force's LSOAs: {'it counts' if one else 'they count'} in force-level "
                f"figures and {'is' if one else 'are'} left out of area-level rates"
            )


def check_contract(table: str, frame: pd.DataFrame) -> None:
    """Assert a typed frame satisfies the contract (used by tests and the data stage)."""
    cols = [c for c in TABLES[table].names]
    schema(table).validate(frame[cols])
