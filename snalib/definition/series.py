"""Monthly series of counts: the input of the trend, monitoring and measures chapters.

``tables/monthly_series.csv`` has one row per month of the analysis window and series,
zeros included (a month with no crime is a zero, not a gap). Series depend on the data
mode: with a force's record-level extract, serious violence and its breakdowns; with
data.police.uk street-level files, the broad crime types and the serious violence proxy.
"""

from __future__ import annotations

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


def _count_by_month(months: pd.Series, series: str, all_months: list[str]) -> pd.DataFrame:
    counts = months.value_counts().reindex(all_months, fill_value=0)
    return pd.DataFrame(
        {"month": all_months, "series": series, "count": counts.to_numpy(dtype="int64")}
    )


def record_series(flagged: pd.DataFrame, start, end, priority_age_limit: int) -> pd.DataFrame:
    """Monthly series from flagged record-level crimes (:func:`snalib.definition.flags.flag_crimes`)."""
    months = month_labels(flagged["offence_date"])
    all_months = months_between(start, end)
    sv = flagged["serious_violence"].to_numpy(dtype=bool)
    knife = flagged["knife"].fillna(False).to_numpy(dtype=bool)
    victim_young = flagged["victim_age"].lt(priority_age_limit).fillna(False).to_numpy(dtype=bool)
    offender_young = (
        flagged["offender_age"].lt(priority_age_limit).fillna(False).to_numpy(dtype=bool)
    )
    parts = [
        _count_by_month(months, "All recorded crime", all_months),
        _count_by_month(
            months[flagged["in_offence_codes"].to_numpy(dtype=bool)],
            "Definition offence codes (all ages, any place)",
            all_months,
        ),
        _count_by_month(months[sv], "Serious violence", all_months),
        _count_by_month(
            months[sv & victim_young],
            f"Serious violence: victim under {priority_age_limit}",
            all_months,
        ),
        _count_by_month(
            months[sv & offender_young],
            f"Serious violence: offender under {priority_age_limit}",
            all_months,
        ),
        _count_by_month(
            months[sv & knife], "Serious violence: knife or sharp instrument", all_months
        ),
    ]
    groups = flagged.loc[sv, "definition_group"].dropna().unique()
    for group in sorted(groups):
        mask = sv & (flagged["definition_group"] == group).fillna(False).to_numpy(dtype=bool)
        parts.append(_count_by_month(months[mask], f"Serious violence: {group}", all_months))
    return pd.concat(parts, ignore_index=True)


def public_series(street: pd.DataFrame, start, end) -> pd.DataFrame:
    """Monthly series from data.police.uk street-level crimes (public data mode)."""
    all_months = months_between(start, end)
    months = street["month"].astype("string")
    parts = [
        _count_by_month(
            months, "All street-level crime (excluding anti-social behaviour)", all_months
        )
    ]
    proxy = street["crime_type"].isin(PROXY_TYPES).to_numpy(dtype=bool)
    parts.append(_count_by_month(months[proxy], PROXY_SERIES, all_months))
    for crime_type in (*PROXY_TYPES, *CONTEXT_TYPES):
        mask = (street["crime_type"] == crime_type).fillna(False).to_numpy(dtype=bool)
        parts.append(_count_by_month(months[mask], crime_type, all_months))
    return pd.concat(parts, ignore_index=True)


def describe_series(monthly: pd.DataFrame) -> str:
    """A sentence saying which monthly series were written and over which months."""
    names = list(dict.fromkeys(monthly["series"]))
    months = sorted(monthly["month"].unique())
    return (
        f"Monthly counts of {len(names)} series from {months[0]} to {months[-1]} "
        f"({len(months)} months) are published in `tables/monthly_series.csv` for the trend "
        "and monitoring chapters: " + "; ".join(names) + "."
    )
