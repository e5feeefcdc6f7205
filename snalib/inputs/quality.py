"""The data quality chapter: per source, input rows = included + excluded + rejected.

Counts here are of *records with data problems*, not of events in an area or a group of
people, so they are published as they are: hiding "3 rows had a bad date" would hide a
data quality problem and protect nobody.
"""

from __future__ import annotations

import pandas as pd

from snalib.inputs.contract import TABLES

SOURCE_LABELS = {
    "crimes": "Police recorded crime",
    "street_crimes": "data.police.uk street-level crime",
    "ed_attendances": "Emergency Department assault attendances",
    "ambulance": "Ambulance call-outs",
    "admissions": "Hospital admissions (HES)",
    "homicides": "Homicide Index",
    "population": "Population estimates",
    "areas": "Area lookup (LSOA to force)",
    "risk_factors": "Risk factor indicators",
    "interventions": "Intervention monitoring",
    "spend": "Spend against plan",
    "survey": "Community survey",
    "recorded_crime_counts": "Home Office recorded crime (open data tables)",
}

#: Sources listed in the data quality chapter even when not provided.
ALL_SOURCES = [name for name in TABLES if name not in ("street_crimes", "recorded_crime_counts")]
#: Listed only when provided (context sources).
OPTIONAL_CONTEXT = ["recorded_crime_counts"]


def reconciliation_table(quality: dict) -> pd.DataFrame:
    """One row per source provided: rows in, included, excluded, rejected, and a check.

    Sources not provided are listed too, with "not provided", so a reader sees what the
    report could not use.
    """
    rows = []
    sources = quality["sources"]
    names = ALL_SOURCES + [n for n in OPTIONAL_CONTEXT if n in sources]
    for name in names:
        s = sources.get(name)
        if s is None:
            rows.append(
                {
                    "source": name,
                    "description": SOURCE_LABELS.get(name, name),
                    "status": "not provided",
                    "rows_in": pd.NA,
                    "included": pd.NA,
                    "excluded": pd.NA,
                    "rejected": pd.NA,
                    "reconciles": pd.NA,
                }
            )
            continue
        reconciles = s["rows_in"] == s["included"] + s["excluded"] + s["rejected"]
        rows.append(
            {
                "source": name,
                "description": SOURCE_LABELS.get(s["table"], s["table"]),
                "status": "provided",
                "rows_in": s["rows_in"],
                "included": s["included"],
                "excluded": s["excluded"],
                "rejected": s["rejected"],
                "reconciles": "yes" if reconciles else "NO",
            }
        )
    frame = pd.DataFrame(rows)
    for col in ("rows_in", "included", "excluded", "rejected"):
        frame[col] = frame[col].astype("Int64")
    return frame


def reasons_table(quality: dict) -> pd.DataFrame:
    """Every exclusion and rejection reason with its number of records, by source."""
    rows = []
    for name, s in quality["sources"].items():
        for reason, n in s.get("excluded_by_reason", {}).items():
            rows.append(
                {"source": name, "outcome": "excluded", "reason": reason, "records": int(n)}
            )
        for reason, n in s.get("rejected_by_reason", {}).items():
            rows.append(
                {"source": name, "outcome": "rejected", "reason": reason, "records": int(n)}
            )
    frame = pd.DataFrame(rows, columns=["source", "outcome", "reason", "records"])
    return frame.sort_values(
        ["source", "outcome", "records"], ascending=[True, True, False]
    ).reset_index(drop=True)


def notes_table(quality: dict) -> pd.DataFrame:
    rows = [
        {"source": name, "note": note}
        for name, s in quality["sources"].items()
        for note in s.get("notes", [])
    ]
    return pd.DataFrame(rows, columns=["source", "note"])


def summary_sentences(quality: dict) -> str:
    """A short Markdown paragraph computed from the reconciliation."""
    table = reconciliation_table(quality)
    provided = table[table["status"] == "provided"]
    missing = table[table["status"] == "not provided"]
    total_in = int(provided["rows_in"].sum())
    rejected = int(provided["rejected"].sum())
    excluded = int(provided["excluded"].sum())
    ok = bool((provided["reconciles"] == "yes").all())
    text = (
        f"{len(provided)} of {len(table)} sources were provided, with {total_in:,} records in all. "
        f"Records excluded for a stated reason: {excluded:,}. Records rejected because they "
        f"broke the data contract: {rejected:,}; they are listed, with their reasons, in the "
        "run's `data/rejected_<source>.csv` files. "
    )
    text += (
        "Every record is accounted for: for each source, records in = included + excluded + rejected."
        if ok
        else "**Some sources do not reconcile: see the table below.**"
    )
    if len(missing):
        text += (
            " Not provided: "
            + ", ".join(SOURCE_LABELS.get(n, n).lower() for n in missing["source"])
            + "; the parts of the report that need them say so."
        )
    return text
