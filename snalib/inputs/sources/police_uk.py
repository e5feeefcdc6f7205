"""Read data.police.uk street-level crime files into the ``street_crimes`` table.

data.police.uk publishes one CSV per force and month (``2021-04-leicestershire-street.csv``)
with the header :data:`POLICE_UK_HEADER` and CRLF line endings. It is the public data mode of
the SNA: broad crime types, the month and an anonymised snap point with its LSOA, nothing
else (no offence code, victim age, domestic or knife flag). ``docs/sources.md`` explains
what that can and cannot show.

Every row read is accounted for (see :class:`~snalib.inputs.sources.base.SourceResult`):

- anti-social behaviour rows have no Crime ID: *excluded*, reason :data:`ASB_REASON`;
- a Crime ID listed again in a later month (the file republishes a crime whose outcome
  changed): counted once, in its first month; the repeats are *excluded*, reason
  :data:`REPEAT_REASON`, and the IDs and months are listed in the notes;
- a Month that is not ``YYYY-MM``, or a crime (not anti-social behaviour) with no Crime ID:
  *rejected* with the reason;
- rows with no location (no LSOA, no coordinates) are crimes recorded by the force: they are
  *included* with an empty ``area_code`` and counted in a note, because they belong in
  force-level series even though no area rate can use them;
- rows in an LSOA outside the force (``force_lsoas``) are *included* and counted in a note;
  area-level rates leave them out later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from snalib.errors import InputError, plural
from snalib.inputs.contract import TABLES
from snalib.inputs.sources._rows import parse_traced
from snalib.inputs.sources.base import SourceResult
from snalib.inputs.sources.files import read_text_table

__all__ = [
    "ASB_REASON",
    "POLICE_UK_HEADER",
    "REPEAT_REASON",
    "monthly_counts",
    "read_police_uk",
]

#: The header of every data.police.uk street-level file, in order.
POLICE_UK_HEADER: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)

#: Reason recorded for anti-social behaviour rows (they carry no Crime ID).
ASB_REASON = "anti-social behaviour (no Crime ID)"
#: Reason recorded for the later listings of a Crime ID already seen in an earlier month.
REPEAT_REASON = "Crime ID already listed in an earlier month"

_ASB_TYPE = "Anti-social behaviour"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# data.police.uk column -> street_crimes column. "Reported by", "Falls within", "LSOA name"
# and "Context" are read (for checks and notes) but are not in the contract.
_RENAME = {
    "Crime ID": "crime_id",
    "Month": "month",
    "Crime type": "crime_type",
    "LSOA code": "area_code",
    "Longitude": "longitude",
    "Latitude": "latitude",
    "Location": "location",
    "Last outcome category": "last_outcome",
}
# Crime IDs are public on data.police.uk, but published outputs never carry crime
# references (DOMAIN.md, disclosure control): notes show only enough to find the row.
_ID_SHOWN = 12


def _street_files(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """The files to read: every ``*-street.csv`` of a folder (sorted), or the files given."""
    if isinstance(paths, str | Path):
        path = Path(paths)
        if path.is_dir():
            files = sorted(path.glob("*-street.csv"))
            if not files:
                raise InputError(
                    "no data.police.uk street-level files (*-street.csv) in this folder",
                    file=path,
                )
            return files
        return [path]
    files = [Path(p) for p in paths]
    if not files:
        raise InputError("no data.police.uk street-level files were given")
    return files


def _read_street_file(path: Path) -> pd.DataFrame:
    """One street-level file as text, header checked; file-level problems raise."""
    frame = read_text_table(path, table="street_crimes")
    missing = [c for c in POLICE_UK_HEADER if c not in frame.columns]
    if missing:
        raise InputError(
            f"this is not a data.police.uk street-level file: column(s) "
            f"{', '.join(repr(m) for m in missing)} missing. Expected the header "
            f"'{','.join(POLICE_UK_HEADER)}'; the file has '{','.join(frame.columns)}'.",
            file=path,
            column=missing[0],
        )
    if len(frame) == 0:
        raise InputError("the street-level file has a header but no data rows", file=path)
    month = frame["Month"].str.strip()
    if not month.str.match(_MONTH).any():
        raise InputError(
            f"no Month value is a month in the form YYYY-MM (first value: '{month.iloc[0]}'); "
            "was the file re-saved by a spreadsheet? Use the file as downloaded.",
            file=path,
            column="Month",
        )
    frame = frame[list(POLICE_UK_HEADER)].copy()
    frame["_source_file"] = path.name
    frame["_source_row"] = np.arange(1, len(frame) + 1)
    return frame


def _repeat_note(crimes: pd.DataFrame, repeat: pd.Series) -> str | None:
    if not repeat.any():
        return None
    ids = crimes.loc[repeat, "Crime ID"].unique()
    listed = crimes[crimes["Crime ID"].isin(ids)]
    parts = []
    for crime_id, rows in listed.groupby("Crime ID", sort=False):
        months = ", ".join(rows["_month"])
        parts.append(f"{crime_id[:_ID_SHOWN]}… listed {months} (kept {rows['_month'].iloc[0]})")
    return (
        f"{len(ids)} Crime ID(s) listed in more than one month: {int(repeat.sum())} later "
        f"listing(s) excluded, each crime counted once in its first month. "
        + "; ".join(parts)
        + ". The kept row is the first listing; its last outcome may be older than the repeat's."
    )


def read_police_uk(
    paths: str | Path | list[Path] | list[str], *, force_lsoas: set[str] | None = None
) -> SourceResult:
    """Read data.police.uk street-level monthly files into the ``street_crimes`` table.

    Parameters
    ----------
    paths
        A folder (every ``*-street.csv`` in it is read, in name order) or a list of files.
    force_lsoas
        The LSOA codes of the force area (e.g. ``areas.lsoa_code``). When given, crimes
        snapped to other LSOAs are counted in a note; they stay in the data.

    Returns
    -------
    SourceResult
        ``data`` typed to :func:`snalib.inputs.contract.schema` ``("street_crimes")`` plus
        ``_source_file`` and ``_source_row`` (the raw file and its 1-based data row) for
        traceability; drop the two before validating. Anti-social behaviour rows and
        repeat listings are in ``excluded``; rows with a bad Month in ``rejected``; per-file
        row counts, no-location and out-of-force counts and the repeated IDs in ``notes``.

    Raises
    ------
    InputError
        A missing or empty file, a header that is not the data.police.uk header (naming the
        missing column), or a file in which no Month is ``YYYY-MM``.

    Notes
    -----
    A crime is counted in the first month it is listed. Months are compared as text
    (``YYYY-MM`` sorts in time order), so the order in which files are given does not
    matter. A Crime ID listed twice in the same month is a true duplicate, not a repeat
    listing: the second row is rejected.
    """
    files = _street_files(paths)
    frames = [_read_street_file(f).assign(_file_order=i) for i, f in enumerate(files)]
    raw = pd.concat(frames, ignore_index=True)
    spec = TABLES["street_crimes"]
    result_notes = []
    for f, frame in zip(files, frames, strict=True):
        n_asb = int((frame["Crime ID"].str.strip() == "").sum())
        n_noloc = int((frame["LSOA code"].str.strip() == "").sum())
        result_notes.append(
            f"{f.name}: {plural(len(frame), 'row')} ({n_asb:,} without Crime ID, {n_noloc:,} without LSOA)"
        )

    crime_id = raw["Crime ID"].str.strip()
    asb = (crime_id == "") & (raw["Crime type"].str.strip() == _ASB_TYPE)
    crimes = raw.loc[~asb].copy()
    crimes["Crime ID"] = crimes["Crime ID"].str.strip()
    crimes["_month"] = crimes["Month"].str.strip()
    good_month = crimes["_month"].str.match(_MONTH)

    # First listing first: valid months in time order (file, then row, breaking ties), then
    # the rows whose Month is not a month, which parse_table rejects.
    crimes = pd.concat(
        [
            crimes[good_month].sort_values(["_month", "_file_order", "_source_row"], kind="stable"),
            crimes[~good_month],
        ]
    )
    good_month = crimes["_month"].str.match(_MONTH)
    # A repeat is a later listing in a *different* month; same-month duplicates are left
    # to parse_table, which rejects them as duplicate crime_id.
    has_id = good_month & (crimes["Crime ID"] != "")
    first_month = crimes[has_id].groupby("Crime ID")["_month"].transform("first")
    repeat = pd.Series(False, index=crimes.index)
    repeat[has_id] = crimes.loc[has_id, "_month"] != first_month
    note = _repeat_note(crimes[has_id], repeat[has_id])

    kept = crimes.loc[~repeat].reset_index(drop=True)
    text = kept[list(_RENAME)].rename(columns=_RENAME)[spec.names]
    result = parse_traced(
        text,
        spec,
        source_file=kept["_source_file"].tolist(),
        source_row=kept["_source_row"].tolist(),
        rows_in=len(raw),
        files=files,
        notes=result_notes,
    )
    data = result.data
    result.add_excluded(ASB_REASON, int(asb.sum()))
    result.add_excluded(REPEAT_REASON, int(repeat.sum()))
    if note:
        result.notes.append(note)

    forces = raw["Reported by"].str.strip().value_counts()
    result.notes.append(
        "reported by: " + ", ".join(f"{name} ({plural(n, 'row')})" for name, n in forces.items())
    )
    no_lsoa = data["area_code"].isna()
    no_coords = data["longitude"].isna() | data["latitude"].isna()
    if no_lsoa.any() or no_coords.any():
        result.notes.append(
            f"{int(no_lsoa.sum()):,} crimes have no LSOA ({int(no_coords.sum()):,} no "
            "coordinates): kept with an empty area_code; they count in force-level series but "
            "in no area rate"
        )
    if force_lsoas is not None:
        outside = data["area_code"].notna() & ~data["area_code"].isin(set(force_lsoas))
        if outside.any():
            codes = data.loc[outside, "area_code"]
            # An LSOA name starts with its district ("South Kesteven 001A"): say where.
            lsoa_names = raw.drop_duplicates("LSOA code").set_index("LSOA code")["LSOA name"]
            where = (
                codes.map(lsoa_names).str.replace(r"\s+\d{3}[A-Z]$", "", regex=True).value_counts()
            )
            result.notes.append(
                f"{int(outside.sum()):,} crimes in {codes.nunique():,} LSOA(s) outside the force "
                "area: kept for force-level series, left out of area rates ("
                + ", ".join(f"{name} {n:,}" for name, n in where.items())
                + ")"
            )
    if result.n_rejected:
        result.notes.append(
            f"{plural(result.n_rejected, 'row')} rejected (see rejected_street_crimes.csv)"
        )
    result.reconcile()
    return result


def monthly_counts(street_crimes: pd.DataFrame | SourceResult) -> pd.DataFrame:
    """Crimes by month and crime type, with zeros for combinations that did not occur.

    Parameters
    ----------
    street_crimes
        The ``street_crimes`` table (or the :class:`SourceResult` holding it).

    Returns
    -------
    pandas.DataFrame
        Columns ``month``, ``crime_type``, ``count`` (int64), one row for every month
        and crime type seen in the data, sorted by month then crime type.
    """
    data = street_crimes.data if isinstance(street_crimes, SourceResult) else street_crimes
    counts = data.groupby(["month", "crime_type"]).size()
    grid = pd.MultiIndex.from_product(
        [sorted(data["month"].dropna().unique()), sorted(data["crime_type"].dropna().unique())],
        names=["month", "crime_type"],
    )
    out = counts.reindex(grid, fill_value=0).rename("count").reset_index()
    out["count"] = out["count"].astype("int64")
    return out
