"""Read ONS and MHCLG reference files into the ``areas`` and ``population`` tables.

- :func:`read_lsoa_lookup`: ONS "LSOA (2011) to Ward (2019) Lookup" joined to the ONS
  "LAD to CSP to PFA (January 2017) Lookup", filtered to the force(s) → ``areas``.
- :func:`read_imd2019` and :func:`attach_imd`: English Indices of Deprivation 2019, File 1
  (sheet ``IMD2019``) → ``imd_rank`` and ``imd_decile`` of ``areas``.
- :func:`read_lsoa_population`: mid-2019 LSOA population totals (mySociety extract of
  the ONS small area estimates) → ``population`` (all ages, persons).
- :func:`read_census2011_oa_ages`: Census 2011 Output Area age counts (2011 OAC input
  variables) summed to LSOA × age band → ``population`` (year 2011).

Column names carry the vintage year (``LSOA11CD``, ``LAD19CD``, ``PFA17CD``): they are
found by pattern, so a later vintage of the same product reads too. The files start with a
UTF-8 byte order mark, which :func:`~snalib.inputs.sources.files.read_text_table` removes.
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
from snalib.inputs.sources.files import read_excel_text, read_text_table

__all__ = [
    "CENSUS2011_AGE_BANDS",
    "ENGLAND_LSOAS_2011",
    "GRAND_TOTAL_REASON",
    "NO_FORCE_REASON",
    "OTHER_AREA_REASON",
    "OTHER_FORCE_REASON",
    "SUMMED_REASON",
    "attach_imd",
    "read_census2011_oa_ages",
    "read_imd2019",
    "read_lsoa_lookup",
    "read_lsoa_population",
]

#: Reason for LSOAs of districts in other forces.
OTHER_FORCE_REASON = "LSOA outside the requested force(s)"
#: Reason for LSOAs whose district is missing from the LAD → CSP → PFA lookup.
NO_FORCE_REASON = "district not in the LAD → CSP → PFA lookup (force unknown)"
#: Reason for the spreadsheet total row at the end of the mySociety population file.
GRAND_TOTAL_REASON = "'Grand Total' row (spreadsheet pivot artefact, not an area)"
#: Reason for areas not asked for (``lsoa_codes``).
OTHER_AREA_REASON = "area not in the requested LSOAs"
#: Reason for the Output Area cells summed into LSOA totals.
SUMMED_REASON = "Output Area count summed into its LSOA × age band total"

#: LSOAs (2011) in England: the IMD 2019 ranks run from 1 to this.
ENGLAND_LSOAS_2011 = 32_844

#: Census 2011 KS102EW age bands of the 2011 OAC input variables ``u007``-``u019``.
CENSUS2011_AGE_BANDS: dict[str, str] = {
    "u007": "0-4",
    "u008": "5-9",
    "u009": "10-14",
    "u010": "15-19",
    "u011": "20-24",
    "u012": "25-29",
    "u013": "30-44",
    "u014": "45-59",
    "u015": "60-64",
    "u016": "65-74",
    "u017": "75-84",
    "u018": "85-89",
    "u019": "90+",
}


def _column(frame: pd.DataFrame, pattern: str, path: Path, example: str) -> str:
    """The one column whose name matches ``pattern`` (ignoring case), or InputError."""
    found = [c for c in frame.columns if re.fullmatch(pattern, c, flags=re.IGNORECASE)]
    if not found:
        raise InputError(
            f"no column like '{example}' in this file; it has: {', '.join(frame.columns[:20])}",
            file=path,
            column=example,
        )
    return found[0]


def _codes(codes: str | Iterable[str]) -> list[str]:
    return [codes] if isinstance(codes, str) else list(codes)


# --------------------------------------------------------------------------- areas


def read_lsoa_lookup(
    path_lsoa_ward_lad: str | Path,
    path_lad_csp_pfa: str | Path,
    *,
    force_codes: str | Iterable[str],
) -> SourceResult:
    """Build the ``areas`` table (LSOA → district → CSP → force) for the force(s).

    Parameters
    ----------
    path_lsoa_ward_lad
        ONS "Lower Layer Super Output Area (2011) to Ward (2019) Lookup in England and
        Wales" CSV (``LSOA11CD, LSOA11NM, WD19CD, WD19NM, LAD19CD, LAD19NM``), one row per
        LSOA.
    path_lad_csp_pfa
        ONS "Local Authority District to Community Safety Partnerships to Police Force
        Areas (January 2017) Lookup in England and Wales" CSV (``LAD17CD, LAD17NM,
        CSP17CD, CSP17NM, PFA17CD, PFA17NM``).
    force_codes
        PFA code(s) to keep, e.g. ``"E23000021"`` (Leicestershire).

    Returns
    -------
    SourceResult
        One row per LSOA of the force(s); ``imd_decile``/``imd_rank`` empty (see
        :func:`attach_imd`). LSOAs of other forces are excluded, counted.

    Raises
    ------
    InputError
        A missing file or column, a district with two CSPs in the lookup, or a force code
        not in the lookup.

    Notes
    -----
    The two lookups are joined on the district code: LAD (2019) to LAD (2017). Districts
    created between 2017 and 2019 (e.g. Dorset, Bournemouth Christchurch and Poole, East and
    West Suffolk, Somerset West and Taunton) are not in the 2017 lookup: their LSOAs are
    excluded with :data:`NO_FORCE_REASON` and named in a note. The Leicestershire districts
    did not change. Wards (``WD19CD``) are not in the ``areas`` contract and are dropped.
    """
    path1, path2 = Path(path_lsoa_ward_lad), Path(path_lad_csp_pfa)
    lsoas = read_text_table(path1, table="areas")
    lsoa_cd = _column(lsoas, r"LSOA\d{2}CD", path1, "LSOA11CD")
    lsoa_nm = _column(lsoas, r"LSOA\d{2}NM", path1, "LSOA11NM")
    lad_cd = _column(lsoas, r"LAD\d{2}CD", path1, "LAD19CD")
    lad_nm = _column(lsoas, r"LAD\d{2}NM", path1, "LAD19NM")

    pfa = read_text_table(path2, table="areas")
    p_lad = _column(pfa, r"LAD\d{2}CD", path2, "LAD17CD")
    p_csp_cd = _column(pfa, r"CSP\d{2}CD", path2, "CSP17CD")
    p_csp_nm = _column(pfa, r"CSP\d{2}NM", path2, "CSP17NM")
    p_pfa_cd = _column(pfa, r"PFA\d{2}CD", path2, "PFA17CD")
    p_pfa_nm = _column(pfa, r"PFA\d{2}NM", path2, "PFA17NM")
    pfa = pfa[[p_lad, p_csp_cd, p_csp_nm, p_pfa_cd, p_pfa_nm]].apply(lambda c: c.str.strip())
    pfa = pfa.drop_duplicates()
    twice = pfa[p_lad].duplicated(keep=False)
    if twice.any():
        raise InputError(
            f"district(s) {', '.join(sorted(pfa.loc[twice, p_lad].unique()))} appear with "
            "more than one CSP or force; expected one row per district",
            file=path2,
            column=p_lad,
        )
    wanted = [c.strip() for c in _codes(force_codes)]
    unknown = [c for c in wanted if c not in set(pfa[p_pfa_cd])]
    if unknown:
        raise InputError(
            f"force code(s) {', '.join(unknown)} not in the lookup; it has "
            f"{pfa[p_pfa_cd].nunique()} forces, e.g. "
            + ", ".join(f"{c} {n}" for c, n in pfa[[p_pfa_cd, p_pfa_nm]].head(3).to_numpy()),
            file=path2,
            column=p_pfa_cd,
        )

    district = lsoas[lad_cd].str.strip()
    joined = pd.DataFrame(
        {
            "lsoa_code": lsoas[lsoa_cd],
            "lsoa_name": lsoas[lsoa_nm],
            "district_code": district,
            "district_name": lsoas[lad_nm],
        }
    ).join(pfa.set_index(p_lad), on="district_code")
    no_force = joined[p_pfa_cd].isna()
    in_force = joined[p_pfa_cd].isin(wanted)
    keep = in_force & ~no_force

    text = pd.DataFrame(
        {
            "lsoa_code": joined["lsoa_code"],
            "lsoa_name": joined["lsoa_name"],
            "district_code": joined["district_code"],
            "district_name": joined["district_name"],
            "csp_code": joined[p_csp_cd],
            "csp_name": joined[p_csp_nm],
            "force_code": joined[p_pfa_cd],
            "force_name": joined[p_pfa_nm],
            "imd_decile": "",
            "imd_rank": "",
        }
    )[keep]
    spec = TABLES["areas"]
    result = parse_traced(
        text[spec.names],
        spec,
        source_file=path1.name,
        source_row=np.arange(1, len(lsoas) + 1)[keep.to_numpy()],
        rows_in=len(lsoas),
        files=[path1, path2],
    )
    result.add_excluded(OTHER_FORCE_REASON, int((~in_force & ~no_force).sum()))
    result.add_excluded(NO_FORCE_REASON, int(no_force.sum()))
    if no_force.any():
        missing = joined.loc[no_force, ["district_code", "district_name"]].value_counts()
        result.notes.append(
            f"{plural(int(no_force.sum()), 'LSOA')} in {len(missing)} district(s) not in "
            f"{path2.name} (districts created after it): "
            + ", ".join(f"{code} {name} ({n})" for (code, name), n in missing.items())
            + ". If one of them is in the force, use a newer LAD → CSP → PFA lookup."
        )
    per_district = result.data.groupby("district_name").size().sort_values(ascending=False)
    result.notes.append(
        f"{plural(len(result.data), 'LSOA')} in force(s) {', '.join(wanted)}: "
        + ", ".join(f"{name} {n}" for name, n in per_district.items())
    )
    dropped = [c for c in lsoas.columns if re.fullmatch(r"WD\d{2}(CD|NM)", c, flags=re.I)]
    if dropped:
        result.notes.append(
            f"ward columns {', '.join(dropped)} not in the areas contract: not kept"
        )
    result.reconcile()
    return result


def read_imd2019(path_xlsx: str | Path, *, sheet: str = "IMD2019") -> pd.DataFrame:
    """Read IMD 2019 ranks and deciles by LSOA from the English Indices File 1.

    Parameters
    ----------
    path_xlsx
        ``File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx`` (MHCLG, September 2019).
    sheet
        The data sheet.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code`` (string), ``imd_rank`` and ``imd_decile`` (Int64), one row per LSOA
        (32,844 in England). Rank 1 and decile 1 are the most deprived.

    Raises
    ------
    InputError
        A missing file or sheet, a missing column, a repeated LSOA, or a rank or decile out
        of range (not File 1 as published).

    References
    ----------
    Ministry of Housing, Communities and Local Government (2019). English Indices of
    Deprivation 2019: File 1, Index of Multiple Deprivation. Open Government Licence v3.0.
    """
    path = Path(path_xlsx)
    frame = read_excel_text(path, table="IMD 2019", sheet=sheet)
    code = _column(frame, r"LSOA code.*", path, "LSOA code (2011)")
    rank = _column(frame, r".*\(IMD\) Rank.*", path, "Index of Multiple Deprivation (IMD) Rank")
    decile = _column(
        frame, r".*\(IMD\) Decile.*", path, "Index of Multiple Deprivation (IMD) Decile"
    )
    out = pd.DataFrame(
        {
            "lsoa_code": frame[code].str.strip().astype("string"),
            "imd_rank": pd.to_numeric(frame[rank], errors="coerce").astype("Int64"),
            "imd_decile": pd.to_numeric(frame[decile], errors="coerce").astype("Int64"),
        }
    )
    problems = {
        "lsoa_code": out["lsoa_code"].isna() | out["lsoa_code"].duplicated(keep=False),
        rank: ~out["imd_rank"].between(1, ENGLAND_LSOAS_2011).fillna(False),
        decile: ~out["imd_decile"].between(1, 10).fillna(False),
    }
    for column, bad in problems.items():
        if bad.any():
            raise InputError(
                "missing, repeated or out-of-range values (expected one row per LSOA, rank "
                f"1-{ENGLAND_LSOAS_2011:,}, decile 1-10): is this File 1 as published?",
                file=path,
                column=column,
                rows=(np.flatnonzero(bad.to_numpy()) + 1).tolist(),
            )
    return out


def attach_imd(
    areas: SourceResult | pd.DataFrame, imd: pd.DataFrame
) -> SourceResult | pd.DataFrame:
    """Fill ``imd_rank`` and ``imd_decile`` of ``areas`` from :func:`read_imd2019`.

    Returns the same kind of object as given (a :class:`SourceResult` gains a note saying
    how many LSOAs were matched). LSOAs not in the IMD (e.g. Welsh LSOAs: the English
    indices cover England only) keep empty values.
    """
    data = areas.data if isinstance(areas, SourceResult) else areas
    by_code = imd.set_index("lsoa_code")
    out = data.copy()
    out["imd_rank"] = out["lsoa_code"].map(by_code["imd_rank"]).astype("Int64")
    out["imd_decile"] = out["lsoa_code"].map(by_code["imd_decile"]).astype("Int64")
    if not isinstance(areas, SourceResult):
        return out
    unmatched = int(out["imd_decile"].isna().sum())
    note = f"IMD 2019 attached to {len(out) - unmatched:,} of {len(out):,} LSOAs"
    if unmatched:
        note += f"; {unmatched:,} not in the IMD 2019 file (empty imd_rank, imd_decile)"
    return SourceResult(
        table=areas.table,
        data=out,
        rows_in=areas.rows_in,
        rejected=areas.rejected,
        excluded=areas.excluded,
        notes=[*areas.notes, note],
        files=list(areas.files),
    )


# --------------------------------------------------------------------------- population


def read_lsoa_population(
    path: str | Path, *, lsoa_codes: Iterable[str] | None = None, year: int = 2019
) -> SourceResult:
    """Read LSOA population totals (``lsoa,pop``) into the ``population`` table.

    Parameters
    ----------
    path
        The mySociety ``2019_population.csv`` (composite UK IMD), a two-column extract of
        the ONS mid-2019 small area population estimates (with NRS and NISRA areas).
    lsoa_codes
        Keep only these areas (e.g. ``areas.lsoa_code``); the others are excluded, counted.
    year
        Mid-year of the estimates.

    Returns
    -------
    SourceResult
        ``population`` rows with ``sex`` U and ``age_band`` "all".

    Notes
    -----
    Values of 1,000 or more are quoted with a thousands separator (``"1,954"``): removed.
    The last line, ``Grand Total,1893691``, is a spreadsheet pivot total (not an area): it
    is excluded with :data:`GRAND_TOTAL_REASON`. Requested LSOAs absent from the file are
    named in a note (their population would be missing, not zero).
    """
    path = Path(path)
    frame = read_text_table(path, table="population")
    area = _column(frame, r"lsoa\w*", path, "lsoa")
    pop = _column(frame, r"pop\w*", path, "pop")
    if len(frame) == 0:
        raise InputError("the population file has a header but no data rows", file=path)
    codes = frame[area].str.strip()
    total_row = codes.str.lower().eq("grand total")
    keep = ~total_row
    wanted = None
    if lsoa_codes is not None:
        wanted = set(lsoa_codes)
        keep &= codes.isin(wanted)
    thousands = frame[pop].str.strip().str.match(r"^\d{1,3}(,\d{3})+$")
    text = pd.DataFrame(
        {
            "area_code": codes,
            "year": str(year),
            "sex": "U",
            "age_band": "all",
            "population": frame[pop].str.strip().str.replace(",", "", regex=False),
        }
    )[keep]
    spec = TABLES["population"]
    result = parse_traced(
        text[spec.names],
        spec,
        source_file=path.name,
        source_row=np.arange(1, len(frame) + 1)[keep.to_numpy()],
        rows_in=len(frame),
        files=[path],
    )
    result.add_excluded(GRAND_TOTAL_REASON, int(total_row.sum()))
    result.add_excluded(OTHER_AREA_REASON, int((~keep & ~total_row).sum()))
    result.notes.append(
        f"{plural(int(thousands.sum()), 'value')} had thousands separators (removed); year {year}, "
        "all ages, persons"
    )
    if wanted is not None:
        absent = sorted(wanted - set(codes))
        if absent:
            result.notes.append(
                f"{len(absent)} requested LSOA(s) not in the file (no population): "
                + ", ".join(absent[:10])
                + (" and more" if len(absent) > 10 else "")
            )
    result.reconcile()
    return result


def read_census2011_oa_ages(
    paths: str | Path | Iterable[str | Path],
) -> SourceResult:
    """Sum Census 2011 Output Area age counts to LSOA × age band (``population``, 2011).

    Parameters
    ----------
    paths
        2011 Output Area Classification input variable files (``2011_OAC_Raw_uVariables_*``
        cut to a local authority), with ``OA11CD``, ``LSOA11CD`` and the KS102EW age counts
        ``u007``-``u019`` (see :data:`CENSUS2011_AGE_BANDS`).

    Returns
    -------
    SourceResult
        One row per LSOA and age band (``year`` 2011, ``sex`` U). Each *record* is one
        Output Area × age band count, so ``rows_in`` is Output Areas × 13: the counts summed
        into an LSOA total are excluded with :data:`SUMMED_REASON`, one per LSOA × band is
        the included row. ``_source_row`` is the LSOA's first Output Area row.

    Raises
    ------
    InputError
        A missing column, or an age count that is not a whole number >= 0 (an LSOA total
        with a count left out would be silently low, so no row is rejected: the file is).

    Notes
    -----
    Census day (27 March 2011) counts, not a mid-year estimate. The bands are those of
    KS102EW, so 10-24 is 10-14 + 15-19 + 20-24. A note reports any Output Area whose bands
    do not sum to ``Total_Population``.
    """
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not files:
        raise InputError("no Census 2011 Output Area files were given")
    long_parts = []
    n_oa = 0
    mismatched = 0
    for path in files:
        frame = read_text_table(path, table="population")
        _column(frame, r"OA11CD", path, "OA11CD")
        lsoa = _column(frame, r"LSOA11CD", path, "LSOA11CD")
        for var in CENSUS2011_AGE_BANDS:
            _column(frame, var, path, var)
        values = frame[list(CENSUS2011_AGE_BANDS)].apply(
            lambda c: pd.to_numeric(c.str.strip(), errors="coerce")
        )
        for var in CENSUS2011_AGE_BANDS:
            bad = values[var].isna() | (values[var] < 0) | (values[var] % 1 != 0)
            if bad.any():
                raise InputError(
                    f"age count {var} ({CENSUS2011_AGE_BANDS[var]}) is not a whole number >= 0",
                    file=path,
                    column=var,
                    rows=(np.flatnonzero(bad.to_numpy()) + 1).tolist(),
                )
        if "Total_Population" in frame.columns:
            total = pd.to_numeric(frame["Total_Population"].str.strip(), errors="coerce")
            mismatched += int((values.sum(axis=1) != total).sum())
        n_oa += len(frame)
        values["_lsoa"] = frame[lsoa].str.strip()
        values["_source_file"] = path.name
        values["_source_row"] = np.arange(1, len(frame) + 1)
        long_parts.append(values)
    oas = pd.concat(long_parts, ignore_index=True)
    grouped = oas.groupby("_lsoa", sort=True)
    sums = grouped[list(CENSUS2011_AGE_BANDS)].sum().astype("int64")
    first = grouped[["_source_file", "_source_row"]].first()
    long = (
        sums.rename(columns=CENSUS2011_AGE_BANDS)
        .rename_axis(columns="age_band")
        .stack()
        .rename("population")
        .reset_index()
        .join(first, on="_lsoa")
    )
    text = pd.DataFrame(
        {
            "area_code": long["_lsoa"],
            "year": "2011",
            "sex": "U",
            "age_band": long["age_band"],
            "population": long["population"].astype(str),
        }
    )
    spec = TABLES["population"]
    rows_in = n_oa * len(CENSUS2011_AGE_BANDS)
    result = parse_traced(
        text[spec.names],
        spec,
        source_file=long["_source_file"].tolist(),
        source_row=long["_source_row"].tolist(),
        rows_in=rows_in,
        files=files,
    )
    result.add_excluded(SUMMED_REASON, rows_in - len(text))
    result.notes.append(
        f"{n_oa:,} Output Areas × {len(CENSUS2011_AGE_BANDS)} age bands summed to "
        f"{plural(len(sums), 'LSOA')}; Census 2011 (27 March 2011), not a mid-year estimate"
    )
    if mismatched:
        result.notes.append(
            f"{mismatched} Output Area(s) whose age bands do not sum to Total_Population"
        )
    result.reconcile()
    return result
