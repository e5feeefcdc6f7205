"""Load every input source of a run, check it against the contract, reconcile it.

This is the first stage of ``sna build`` and all of ``sna validate``. Each source goes
through its adapter (``snalib.sources``), then through checks that need the parameters
(the analysis window, the offence code reference, the force's areas). Row-level failures
are rejected with a reason; if more than ``validation.max_rejected_share`` of a source is
rejected the run stops with exit code 2, because a report built on a bad extract is worse
than no report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from snalib.contract import TABLES
from snalib.errors import InputError
from snalib.params import Params, SourceSpec
from snalib.sources.base import SourceResult
from snalib.sources.canonical import read_canonical

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


def read_source(name: str, spec: SourceSpec, params: Params) -> SourceResult:
    """Read one source with the adapter its ``format`` names."""
    fmt = spec.format
    if fmt == "canonical":
        return read_canonical(spec.path, name)
    if fmt == "police_uk":
        if name != "crimes":
            raise InputError(
                f"format police_uk is only for the crimes source, not {name}", file=spec.path
            )
        from snalib.sources.police_uk import read_police_uk

        return read_police_uk(spec.path)
    if fmt == "home_office_prc":
        from snalib.sources.home_office import read_home_office_prc

        return read_home_office_prc(spec.path, **spec.options)
    if fmt == "force_extract":
        from snalib.sources.force_extract import read_force_extract

        return read_force_extract(spec.path, name, spec.options)
    raise InputError(
        f"unknown source format '{fmt}' for {name}", file=spec.path
    )  # pragma: no cover


def _check_window(result: SourceResult, column: str, params: Params) -> None:
    w = params.analysis_window
    dates = result.data[column]
    outside = dates.notna() & ((dates < pd.Timestamp(w.start)) | (dates > pd.Timestamp(w.end)))
    result.reject(
        outside, f"{column}: date outside the analysis window {w.start} to {w.end}", column
    )


def _check_crimes(result: SourceResult) -> None:
    from snalib.offence_codes import lookup_codes, normalise_codes

    codes = normalise_codes(result.data["hocr_code"])
    result.data["hocr_code"] = codes
    known = lookup_codes(codes)["known"].to_numpy(dtype=bool)
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


def _check_rejections(name: str, result: SourceResult, params: Params, path: Path) -> None:
    if result.rows_in == 0:
        return
    share = result.n_rejected / result.rows_in
    if share > params.validation.max_rejected_share:
        top = result.rejected["reason"].value_counts().head(3)
        reasons = "; ".join(f"{reason} ({n:,} rows)" for reason, n in top.items())
        rows = result.rejected["source_row"].head(8).astype(int).tolist()
        raise InputError(
            f"{result.n_rejected:,} of {result.rows_in:,} {name} rows ({share:.1%}) were rejected, "
            f"more than the {params.validation.max_rejected_share:.0%} allowed by "
            f"validation.max_rejected_share. Most common reasons: {reasons}. Fix the extract "
            "or raise the threshold.",
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
    for name, spec in params.sources.provided().items():
        result = read_source(name, spec, params)
        if result.table == "street_crimes":
            mode = "public"
        if name == "crimes" and result.table == "crimes":
            _check_crimes(result)
        if name == "areas":
            _restrict_areas(result, params)
        date_col = EVENT_DATES.get(result.table)
        if date_col is not None:
            _check_window(result, date_col, params)
        result.reconcile()
        _check_rejections(name, result, params, spec.path)
        results[name] = result
    _cross_checks(results)
    return Inputs(results=results, mode=mode)


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
            result.notes.append(
                f"{missing:,} records have no area code: they count in force-level figures and "
                "are left out of area-level rates"
            )
        if outside:
            result.notes.append(
                f"{outside:,} records have an area code outside the force's LSOAs: they count in "
                "force-level figures and are left out of area-level rates"
            )


def check_contract(table: str, frame: pd.DataFrame) -> None:
    """Assert a typed frame satisfies the contract (used by tests and the data stage)."""
    from snalib.contract import schema

    cols = [c for c in TABLES[table].names]
    schema(table).validate(frame[cols])
