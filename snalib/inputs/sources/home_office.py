"""Read the Home Office police recorded crime open data tables into ``recorded_crime_counts``.

The Home Office publishes "Police recorded crime and outcomes open data tables" by Police
Force Area (``prc-pfa-mar2013-onwards-tables``), one row per financial year, quarter, force
and offence, with the columns :data:`PRC_COLUMNS`. The tables are published as ODS/XLSX;
this adapter reads a CSV export of one sheet. Quirks of the real file, and what is done:

- ``Number of Offences`` keeps the spreadsheet formatting: surrounding spaces (`` 66776 ``)
  are stripped, ``-00`` is zero, thousands separators (``1,234``) are removed;
- genuine negative counts (``-1``: a later reclassification or cancellation adjustment) are
  kept and counted in a note: dropping them would overstate the total;
- the combined Homicide code ``1/4.1/4.10/4.2`` (murder, manslaughter, corporate
  manslaughter, infanticide) is kept exactly as published in ``hocr_code``; the Homicide
  subgroup is published as several rows per force and quarter, each with that code;
- rows of forces not asked for (``force_names``) are excluded with a reason;
- force names are matched to PFA codes from the ONS LAD → CSP → PFA lookup when it is
  given (``pfa_lookup``), after a documented normalisation (``&`` = ``and``, case, spaces,
  "City of London"); national bodies (British Transport Police, Action Fraud, CIFAS, UK
  Finance) have no PFA code and keep an empty ``area_code``.

The older rolling 12-month file ``rec-crime-pfa.csv`` (``12 months ending, PFA, Region,
Offence, Rolling year total number of offences``) is not read: it has no offence codes and
no quarters, and its 12-month totals ending in June, September or December are not
financial years. It is recognised and refused with an explanation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from snalib.definition.offence_codes import load_offence_codes, normalise_codes
from snalib.errors import InputError, plural
from snalib.inputs.contract import TABLES
from snalib.inputs.sources._rows import parse_traced
from snalib.inputs.sources.base import SourceResult
from snalib.inputs.sources.files import read_text_table

__all__ = [
    "HOMICIDE_CODE",
    "OTHER_FORCE_REASON",
    "PRC_COLUMNS",
    "force_key",
    "pfa_codes",
    "read_home_office_prc",
]

#: Columns of the Police Force Area open data tables, in order.
PRC_COLUMNS: tuple[str, ...] = (
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
)
#: The combined Homicide row's code, as published.
HOMICIDE_CODE = "1/4.1/4.10/4.2"
#: Reason recorded for rows of forces that were not asked for.
OTHER_FORCE_REASON = "force not requested (force_names)"

_RENAME = {
    "Financial Year": "financial_year",
    "Financial Quarter": "quarter",
    "Force Name": "area_name",
    "Offence Code": "hocr_code",
    "Offence Description": "offence_description",
    "Offence Group": "offence_group",
    "Offence Subgroup": "offence_subgroup",
    "Number of Offences": "count",
}
_ROLLING_COLUMNS = ("12 months ending", "Rolling year total number of offences")
# The only spellings that normalisation cannot reconcile: the ONS lookup writes
# "London, City of", Home Office tables "London, City of" or "City of London".
_FORCE_ALIASES = {"city of london": "london, city of"}
_ZERO = re.compile(r"^-0+$")


def force_key(name: str) -> str:
    """A force name normalised for matching across publications.

    Lower case, single spaces, ``&`` read as ``and`` ("Devon & Cornwall" in the ONS lookup
    is "Devon and Cornwall" in the Home Office tables), plus :data:`_FORCE_ALIASES`.
    """
    key = re.sub(r"\s+", " ", str(name).replace("&", " and ").strip().lower())
    return _FORCE_ALIASES.get(key, key)


def pfa_codes(lookup_path: str | Path) -> dict[str, str]:
    """Force name (normalised with :func:`force_key`) → PFA code, from an ONS lookup.

    Parameters
    ----------
    lookup_path
        An ONS Open Geography lookup with a ``PFAyyCD`` and a ``PFAyyNM`` column, e.g.
        "Local Authority District to Community Safety Partnerships to Police Force Areas
        (January 2017) Lookup in England and Wales" (UTF-8 with BOM).

    Raises
    ------
    InputError
        If the file has no PFA code or name column.
    """
    path = Path(lookup_path)
    frame = read_text_table(path, table="PFA lookup")
    code = next((c for c in frame.columns if re.fullmatch(r"PFA\d{2}CD", c, re.I)), None)
    name = next((c for c in frame.columns if re.fullmatch(r"PFA\d{2}NM", c, re.I)), None)
    if code is None or name is None:
        raise InputError(
            "the PFA lookup needs a PFAyyCD and a PFAyyNM column (e.g. PFA17CD, PFA17NM); "
            f"the file has: {', '.join(frame.columns)}",
            file=path,
            column="PFA17CD" if code is None else "PFA17NM",
        )
    pairs = frame[[name, code]].drop_duplicates()
    return {force_key(n): c.strip() for n, c in zip(pairs[name], pairs[code], strict=True)}


def _clean_counts(text: pd.Series) -> tuple[pd.Series, dict[str, int]]:
    """Strip spreadsheet formatting from ``Number of Offences``; count each quirk."""
    stripped = text.str.strip()
    zero = stripped.str.match(_ZERO)
    thousands = stripped.str.contains(r"^-?\d{1,3}(?:,\d{3})+$", regex=True)
    cleaned = stripped.mask(zero, "0")
    cleaned = cleaned.mask(thousands, cleaned.str.replace(",", "", regex=False))
    quirks = {
        "spaces": int((text != stripped).sum()),
        "zero": int(zero.sum()),
        "thousands": int(thousands.sum()),
    }
    return cleaned, quirks


def _match_prc_columns(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    by_lower = {c.lower(): c for c in frame.columns}
    if all(c.lower() in by_lower for c in _ROLLING_COLUMNS):
        raise InputError(
            "this is the older rolling 12-month 'rec-crime-pfa' layout, which has no offence "
            "codes and no quarters: it cannot be read as recorded_crime_counts. Use the Police "
            "Force Area open data tables (prc-pfa-mar2013-onwards-tables); see docs/sources.md",
            file=path,
            column="Offence Code",
        )
    missing = [c for c in PRC_COLUMNS if c.lower() not in by_lower]
    if missing:
        raise InputError(
            f"this is not a Home Office police recorded crime open data table (PFA): column(s) "
            f"{', '.join(repr(m) for m in missing)} missing. Expected "
            f"'{','.join(PRC_COLUMNS)}'; the file has '{','.join(frame.columns)}'.",
            file=path,
            column=missing[0],
        )
    return frame.rename(columns={by_lower[c.lower()]: c for c in PRC_COLUMNS})[list(PRC_COLUMNS)]


def _offence_code_note(codes: pd.Series) -> str | None:
    """Codes unknown to the HOCR reference (snalib.definition.offence_codes)."""
    reference = load_offence_codes()
    known = set(normalise_codes(reference["hocr_code"]).dropna())
    known |= set(normalise_codes(reference["open_data_code"]).dropna())
    published = pd.Series(codes.dropna().unique())
    unknown = sorted(published[~normalise_codes(published).isin(known)])
    if not unknown:
        return None
    return (
        f"{len(unknown)} published offence code(s) not in the HOCR reference "
        f"(snalib/data/offence_codes.csv): {', '.join(unknown)}"
    )


def read_home_office_prc(
    path: str | Path,
    *,
    force_names: Iterable[str] | None = None,
    pfa_lookup: str | Path | None = None,
) -> SourceResult:
    """Read a Home Office police recorded crime open data table (PFA) as a CSV.

    Parameters
    ----------
    path
        CSV export of a sheet of ``prc-pfa-mar2013-onwards-tables`` (columns
        :data:`PRC_COLUMNS`; header matched ignoring case).
    force_names
        Keep only these forces (matched with :func:`force_key`, e.g. ``["Leicestershire"]``);
        the other rows are excluded with :data:`OTHER_FORCE_REASON`. ``None`` keeps all.
    pfa_lookup
        ONS lookup with ``PFAyyCD`` / ``PFAyyNM`` columns (see :func:`pfa_codes`), used to
        fill ``area_code``. Without it ``area_code`` is left empty.

    Returns
    -------
    SourceResult
        ``recorded_crime_counts`` with ``_source_file`` / ``_source_row``; counts as
        published (negative adjustments kept), quirks counted in ``notes``.

    Raises
    ------
    InputError
        A missing or empty file, a missing column, the rolling 12-month layout, or a
        requested force that is not in the file.
    """
    path = Path(path)
    spec = TABLES["recorded_crime_counts"]
    frame = _match_prc_columns(read_text_table(path, table="recorded_crime_counts"), path)
    if len(frame) == 0:
        raise InputError("the recorded crime table has a header but no data rows", file=path)
    rows_in = len(frame)
    source_row = np.arange(1, rows_in + 1)
    notes: list[str] = []

    keys = frame["Force Name"].map(force_key)
    keep = pd.Series(True, index=frame.index)
    if force_names is not None:
        wanted = {force_key(n) for n in force_names}
        absent = sorted(wanted - set(keys))
        if absent:
            raise InputError(
                f"force(s) {', '.join(absent)} not in the file; it has: "
                f"{', '.join(sorted(frame['Force Name'].str.strip().unique()))}",
                file=path,
                column="Force Name",
            )
        keep = keys.isin(wanted)

    kept = frame.loc[keep]
    text = kept.rename(columns=_RENAME)
    text["count"], quirks = _clean_counts(text["count"])
    text["quarter"] = text["quarter"].str.strip()
    if pfa_lookup is not None:
        codes = pfa_codes(pfa_lookup)
        text["area_code"] = keys[keep].map(codes).fillna("")
        unmatched = sorted(text.loc[text["area_code"] == "", "area_name"].str.strip().unique())
        if unmatched:
            notes.append(
                f"no PFA code in {Path(pfa_lookup).name} for: {', '.join(unmatched)} "
                "(national bodies, not police force areas): area_code left empty"
            )
    else:
        text["area_code"] = ""
        notes.append("no PFA lookup given: area_code left empty")

    result = parse_traced(
        text[spec.names],
        spec,
        source_file=path.name,
        source_row=source_row[keep.to_numpy()],
        rows_in=rows_in,
        files=[path],
        notes=notes,
    )
    result.add_excluded(OTHER_FORCE_REASON, int((~keep).sum()))
    data = result.data
    bad_quarter = data["quarter"].notna() & ~data["quarter"].isin([1, 2, 3, 4])
    result.reject(bad_quarter, "quarter: expected a financial quarter 1-4", column="quarter")
    data = result.data

    if force_names is not None:
        result.notes.append(
            f"{plural(int((~keep).sum()), 'row')} of {keys[~keep].nunique()} other force(s) excluded"
        )
    result.notes.append(
        f"Number of Offences: {plural(quirks['spaces'], 'value')} had surrounding spaces (stripped), "
        f"{quirks['zero']:,} were written '-00' (read as 0), {quirks['thousands']:,} had "
        "thousands separators (removed)"
    )
    negative = data["count"] < 0
    if negative.any():
        result.notes.append(
            f"{int(negative.sum())} negative counts kept (adjustments as published, total "
            f"{data.loc[negative, 'count'].sum():g}): "
            + ", ".join(
                f"{r.area_name} {r.financial_year} Q{r.quarter} {r.hocr_code} {r.count:g}"
                for r in data.loc[negative].head(10).itertuples()
            )
            + (" and more" if negative.sum() > 10 else "")
        )
    homicide = data["hocr_code"] == HOMICIDE_CODE
    if homicide.any():
        result.notes.append(
            f"{int(homicide.sum())} Homicide rows keep the combined code {HOMICIDE_CODE} "
            "(murder, manslaughter, corporate manslaughter, infanticide: not separable in the "
            "open data)"
        )
    code_note = _offence_code_note(data["hocr_code"])
    if code_note:
        result.notes.append(code_note)
    result.reconcile()
    return result
