"""Reading aggregate tables (population, hospital admissions) without double counting.

Aggregate files may give several area levels (LSOAs and a force total), a persons row
beside the rows by sex, and an ``all`` row beside the age bands. These functions choose
the finest area level, drop persons rows and sum the chosen age bands, so that no resident
or admission is counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from snalib.chapters.measures.ages import BandSelection
from snalib.chapters.measures.definitions import ALL_AGES, young_group
from snalib.stats.dsr import normalise_age_band


def persons_total_rows(frame: pd.DataFrame, keys: list[str], value: str) -> pd.Series:
    """Rows to drop: a sex ``U`` row equal to its key's M + F rows is a persons total.

    The contract writes U both for "persons" and for "unknown sex". A U row beside M and F
    rows whose value is exactly their sum is read as persons (adding it would double
    count); any other U row is unknown sex and is added.
    """
    sex = frame["sex"].astype("string").fillna("U").to_numpy(dtype=object)
    is_u = sex == "U"
    if not is_u.any():
        return np.zeros(len(frame), dtype=bool)
    values = pd.to_numeric(frame[value], errors="coerce").to_numpy(dtype=float)
    key = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    is_mf = (sex == "M") | (sex == "F")
    # M + F per key, NaN when a key has a missing M/F cell or no M/F row at all
    total = pd.Series(np.where(is_mf, values, 0.0)).groupby(key).sum()
    n_mf = pd.Series(is_mf.astype(int)).groupby(key).sum()
    gaps = pd.Series((is_mf & np.isnan(values)).astype(int)).groupby(key).sum()
    total = total.where((n_mf > 0) & (gaps == 0))
    persons = total.reindex(key).to_numpy()
    return is_u & ~np.isnan(values) & (values == persons)


def area_level(codes: pd.Series, areas: pd.DataFrame, force_codes: Iterable[str]):
    """The finest area level (LSOA, district, CSP, force) at which ``codes`` match the area.

    Returns ``(level name, set of codes at that level)`` or ``(None, set())``. Rows at
    other levels are then ignored, so a file giving districts and a force total is not
    double counted.
    """
    levels = [
        ("LSOA", set(areas["lsoa_code"].dropna())),
        ("district", set(areas["district_code"].dropna())),
        ("Community Safety Partnership", set(areas["csp_code"].dropna())),
        ("force", set(areas["force_code"].dropna()) | set(force_codes)),
    ]
    present = set(codes.dropna().astype(str))
    for name, known in levels:
        if present & known:
            return name, known
    return None, set()


def sum_by_age_group(
    frame: pd.DataFrame, keys: list[str], value: str, bands: BandSelection, limit: int
) -> dict[str, pd.DataFrame]:
    """Sum ``value`` by ``keys`` for all ages and for the priority group.

    All ages uses each key's ``all`` rows where present, else the sum of its bands. Returns
    a frame per group (``keys``, ``value``, ``missing``: cells with no value) for the
    groups that can be counted.
    """
    raw = frame["age_band"].astype("string")
    labels = {label: normalise_age_band(label) for label in raw.dropna().unique()}
    band = raw.map(labels)
    is_all = (band.str.lower() == "all").fillna(False)
    missing = pd.to_numeric(frame[value], errors="coerce").isna()
    work = frame[keys].copy()
    work[value] = pd.to_numeric(frame[value], errors="coerce")
    work["missing"] = missing.astype(int)

    def total(mask) -> pd.DataFrame:
        part = work[np.asarray(mask, dtype=bool)]
        return part.groupby(keys, dropna=False).agg(
            **{value: (value, "sum"), "missing": ("missing", "sum")}
        )

    out: dict[str, pd.DataFrame] = {}
    from_all = total(is_all)
    if bands.all_bands is not None:
        chosen = {normalise_age_band(b) for b in bands.all_bands}
        from_bands = total(band.isin(chosen) & ~is_all)
        combined = from_all.combine_first(from_bands)
    else:
        combined = from_all
    if len(combined) or bands.all_bands is not None or is_all.any():
        out[ALL_AGES] = combined.reset_index()
    if bands.young_bands is not None:
        chosen = {normalise_age_band(b) for b in bands.young_bands}
        out[young_group(limit)] = total(band.isin(chosen)).reset_index()
    return out


def district_lookup(areas: pd.DataFrame) -> dict[str, str]:
    """Area code -> district code, for LSOA codes and for district codes themselves."""
    lookup = dict(
        zip(areas["lsoa_code"].astype(str), areas["district_code"].astype(str), strict=True)
    )
    lookup.update({d: d for d in areas["district_code"].dropna().astype(str)})
    return lookup
