"""Monthly series of counts: the input of the trend, monitoring and measures chapters.

``tables/monthly_series.csv`` has one row per month of the analysis window and series,
zeros included (a month with no crime is a zero, not a gap). A month with no data at all
(:mod:`snalib.inputs.missing`: no data.police.uk file, or a gap in a force's extract) is
different: its count is empty, ``missing`` is true and the note says why. Series depend on the data
mode: with a force's record-level extract, serious violence and its breakdowns; with
data.police.uk street-level files, the broad crime types and the serious violence proxy.

The *main series* (:func:`record_main_series`, :data:`PUBLIC_MAIN_SERIES`) are the ones the
trend and monitoring chapters model; :func:`record_series_flags` and :func:`is_proxy` say
which crimes each counts, and :func:`count_by_month` counts them, here and in
:class:`snalib.chapters.trends.data.TrendData`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from snalib.periods import FinancialYear, month_labels, months_between

#: data.police.uk crime types standing in for serious violence in public data mode.
PROXY_TYPES = ("Violence and sexual offences", "Robbery")
#: Shown beside the proxy as context, never added to it.
CONTEXT_TYPES = ("Possession of weapons",)
PROXY_SERIES = "Serious violence proxy (violence and sexual offences + robbery)"


def street_in_financial_year(street: pd.DataFrame, fy: FinancialYear) -> pd.DataFrame:
    """Street-level crimes (public data mode) whose month falls in financial year ``fy``."""
    months = street["month"].astype("string")
    return street[(months >= f"{fy.start:%Y-%m}") & (months <= f"{fy.end:%Y-%m}")]


@dataclass(frozen=True)
class MainSeries:
    """A headline series: ``key`` names its flag (:func:`record_series_flags`)."""

    key: str
    label: str


def record_main_series(priority_age_limit: int) -> list[MainSeries]:
    """The main series of record-level data; the first is the headline."""
    return [
        MainSeries("serious_violence", "Serious violence"),
        MainSeries("victim_young", f"Serious violence: victim under {priority_age_limit}"),
        MainSeries("offender_young", f"Serious violence: offender under {priority_age_limit}"),
        MainSeries("knife", "Serious violence: knife or sharp instrument"),
    ]


#: The main series of public data: the proxy alone (no ages, no knife flag).
PUBLIC_MAIN_SERIES = (MainSeries("proxy", PROXY_SERIES),)


def record_series_flags(flagged: pd.DataFrame, priority_age_limit: int) -> pd.DataFrame:
    """Which flagged crimes each main series counts: a boolean column per series key.

    Every series is part of serious violence; a missing age or knife flag counts as no.
    """
    sv = flagged["serious_violence"].to_numpy(dtype=bool)
    victim_young = flagged["victim_age"].lt(priority_age_limit).fillna(False).to_numpy(dtype=bool)
    offender_young = (
        flagged["offender_age"].lt(priority_age_limit).fillna(False).to_numpy(dtype=bool)
    )
    knife = flagged["knife"].fillna(False).to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "serious_violence": sv,
            "victim_young": sv & victim_young,
            "offender_young": sv & offender_young,
            "knife": sv & knife,
        },
        index=flagged.index,
    )


def is_proxy(crime_type: pd.Series) -> np.ndarray:
    """Street-level crimes counted in the serious violence proxy (:data:`PROXY_TYPES`)."""
    return crime_type.isin(PROXY_TYPES).to_numpy(dtype=bool)


def count_by_month(months: pd.Series, all_months, missing: Iterable[str] = ()) -> np.ndarray:
    """Crimes per month of ``all_months`` (``YYYY-MM``), zeros included.

    ``months`` holds the month of each crime counted; crimes in no month of
    ``all_months`` (or with no month) are not counted. Months in ``missing`` (no data at
    all, :mod:`snalib.inputs.missing`) are NaN, never 0; without them the counts are
    whole numbers (int64).
    """
    counts = months.value_counts().reindex(list(all_months), fill_value=0).to_numpy(dtype="int64")
    gaps = pd.Index(list(all_months)).isin(list(missing))
    if not gaps.any():
        return counts
    return np.where(gaps, np.nan, counts.astype(float))


#: The note of a month with no data in ``tables/monthly_series.csv`` (then the reason).
MISSING_NOTE = "no data for this month, so no count (a gap, not a zero)"


def _series_frame(
    months: pd.Series, series: str, all_months: list[str], missing: dict[str, str]
) -> pd.DataFrame:
    counts = count_by_month(months, all_months, missing)
    gaps = [m in missing for m in all_months]
    return pd.DataFrame(
        {
            "month": all_months,
            "series": series,
            "count": pd.array(counts, dtype="Int64") if missing else counts,
            "missing": gaps,
            "notes": [f"{MISSING_NOTE}: {missing[m]}" if m in missing else "" for m in all_months],
        }
    )


def _missing_reasons(missing) -> dict[str, str]:
    """``{month: reason}`` of :class:`snalib.inputs.missing.MissingMonth` items (or the
    mapping itself)."""
    if isinstance(missing, dict):
        return dict(missing)
    return {m.month: m.reason for m in missing}


def _finish(parts: list[pd.DataFrame]) -> pd.DataFrame:
    out = pd.concat(parts, ignore_index=True)
    # The notes column is for months without data; disclosure control adds its own notes
    # to it (and drops it when no row has any).
    return out if out["notes"].astype(bool).any() else out.drop(columns="notes")


def record_series(
    flagged: pd.DataFrame, start, end, priority_age_limit: int, missing=()
) -> pd.DataFrame:
    """Monthly series from flagged record-level crimes (:func:`snalib.definition.flags.flag_crimes`).

    ``missing``: the months without data (:class:`snalib.inputs.missing.MissingMonth`),
    published with an empty count, ``missing`` true and the reason in ``notes``.
    """
    months = month_labels(flagged["offence_date"])
    all_months = months_between(start, end)
    gaps = _missing_reasons(missing)
    flags = record_series_flags(flagged, priority_age_limit)
    parts = [
        _series_frame(months, "All recorded crime", all_months, gaps),
        _series_frame(
            months[flagged["in_offence_codes"].to_numpy(dtype=bool)],
            "Definition offence codes (all ages, any place)",
            all_months,
            gaps,
        ),
    ]
    for series in record_main_series(priority_age_limit):
        parts.append(
            _series_frame(months[flags[series.key].to_numpy()], series.label, all_months, gaps)
        )
    sv = flags["serious_violence"].to_numpy()
    groups = flagged.loc[sv, "definition_group"].dropna().unique()
    for group in sorted(groups):
        mask = sv & (flagged["definition_group"] == group).fillna(False).to_numpy(dtype=bool)
        parts.append(_series_frame(months[mask], f"Serious violence: {group}", all_months, gaps))
    return _finish(parts)


def public_series(street: pd.DataFrame, start, end, missing=()) -> pd.DataFrame:
    """Monthly series from data.police.uk street-level crimes (public data mode).

    ``missing``: the months without data (no file for the month), as in :func:`record_series`.
    """
    all_months = months_between(start, end)
    gaps = _missing_reasons(missing)
    months = street["month"].astype("string")
    parts = [
        _series_frame(
            months, "All street-level crime (excluding anti-social behaviour)", all_months, gaps
        )
    ]
    parts.append(
        _series_frame(months[is_proxy(street["crime_type"])], PROXY_SERIES, all_months, gaps)
    )
    for crime_type in (*PROXY_TYPES, *CONTEXT_TYPES):
        mask = (street["crime_type"] == crime_type).fillna(False).to_numpy(dtype=bool)
        parts.append(_series_frame(months[mask], crime_type, all_months, gaps))
    return _finish(parts)


def describe_series(monthly: pd.DataFrame) -> str:
    """A sentence saying which monthly series were written and over which months."""
    names = list(dict.fromkeys(monthly["series"]))
    months = sorted(monthly["month"].unique())
    text = (
        f"Monthly counts of {len(names)} series from {months[0]} to {months[-1]} "
        f"({len(months)} months) are published in `tables/monthly_series.csv` for the trend "
        "and monitoring chapters: " + "; ".join(names) + "."
    )
    if "missing" in monthly.columns and monthly["missing"].any():
        gaps = sorted(monthly.loc[monthly["missing"].astype(bool), "month"].unique())
        names_of = [f"{pd.Period(m, 'M'):%B %Y}" for m in gaps]
        text += (
            f" {'This month has' if len(gaps) == 1 else 'These months have'} no data and "
            f"{'its count is' if len(gaps) == 1 else 'their counts are'} left empty (a gap, "
            "not a zero; see the data quality chapter): " + ", ".join(names_of) + "."
        )
    return text
