"""The VRU programme (``notebooks/20-programme.ipynb``): spend against plan and intervention
monitoring, for the Annual Report.

Both sources are optional; when one was not provided the chapter says so in a sentence.
"""

from __future__ import annotations

import pandas as pd

from snalib.periods import period_financial_year
from snalib.publish.disclosure import NO_COUNTS
from snalib.publish.run import RunContext
from snalib.publish.tables import PublishedTable

#: Shown when the run has no spend data.
NO_SPEND = "Spend data were not provided for this run."
#: Shown when the run has no intervention monitoring data.
NO_INTERVENTIONS = "Intervention monitoring data were not provided for this run."

#: Home Office condition of grant: at least this share of funding spent on interventions.
MIN_INTERVENTION_SHARE = 0.20


def spend_against_plan(spend: pd.DataFrame, financial_year: str) -> pd.DataFrame:
    """Planned and actual spend by budget line for one financial year.

    Returns columns ``category``, ``planned``, ``actual``, ``variance`` (actual - planned),
    ``variance_pct`` and ``share_of_planned`` (percent of the total plan), with a final
    ``Total`` row.
    """
    year = spend[spend["financial_year"] == financial_year].copy()
    if year.empty:
        return pd.DataFrame(
            columns=[
                "category",
                "planned",
                "actual",
                "variance",
                "variance_pct",
                "share_of_planned",
            ]
        )
    year = year[["category", "planned", "actual"]].astype(
        {"planned": "float64", "actual": "Float64"}
    )
    total = pd.DataFrame(
        {
            "category": ["Total"],
            "planned": [year["planned"].sum()],
            "actual": [year["actual"].sum(min_count=1)],
        }
    )
    out = pd.concat([year, total], ignore_index=True)
    out["variance"] = out["actual"] - out["planned"]
    out["variance_pct"] = (100 * out["variance"] / out["planned"]).round(1)
    out["share_of_planned"] = (100 * out["planned"] / float(total["planned"].iloc[0])).round(1)
    return out


def intervention_share(table: pd.DataFrame, column: str = "planned") -> float | None:
    """Share of the total going to lines whose name starts with 'intervention'."""
    lines = table[table["category"] != "Total"]
    total = lines[column].sum()
    if not total or pd.isna(total):
        return None
    mask = lines["category"].str.lower().str.startswith("intervention")
    return float(lines.loc[mask, column].sum() / total)


def spend_sentence(table: pd.DataFrame, financial_year: str) -> str:
    """The year's plan and spend, and whether interventions got the share the Home Office
    requires."""
    if table.empty:
        return f"No spend was recorded for {financial_year}."
    total = table[table["category"] == "Total"].iloc[0]
    planned = float(total["planned"])
    text = f"In {financial_year} the planned budget was £{planned:,.0f}"
    if not pd.isna(total["actual"]):
        actual = float(total["actual"])
        text += f" and £{actual:,.0f} was spent ({100 * (actual - planned) / planned:+.1f}% against plan)"
    text += "."
    shares = {
        word: share
        for column, word in (("planned", "the plan"), ("actual", "actual spend"))
        if (share := intervention_share(table, column)) is not None
    }
    if shares:
        parts = " and ".join(f"{share:.1%} of {word}" for word, share in shares.items())
        meets = all(share >= MIN_INTERVENTION_SHARE for share in shares.values())
        text += (
            f" Interventions were {parts}, which {'meets' if meets else 'does not meet'} the "
            f"Home Office requirement that at least {MIN_INTERVENTION_SHARE:.0%} of funding is "
            "spent on interventions."
        )
    return text


def intervention_summary(interventions: pd.DataFrame, financial_year: str) -> pd.DataFrame:
    """Referrals, engagement and completion by intervention for one financial year."""
    fy = period_financial_year(interventions["period"])
    year = interventions[(fy == financial_year).fillna(False).to_numpy(dtype=bool)]
    cols = ["referrals", "engaged", "completed", "positive_outcomes"]
    out = (
        year.groupby(["programme", "intervention"], dropna=False)[cols]
        .sum(min_count=1)
        .reset_index()
    )
    out["engagement_pct"] = (100 * out["engaged"] / out["referrals"]).round(1)
    out["completion_pct"] = (100 * out["completed"] / out["engaged"]).round(1)
    return out


def spend_table(run: RunContext) -> list[str | PublishedTable] | str:
    """The spend sentence and ``tables/spend_against_plan.csv`` for the report year.

    Returns a sentence saying so when the run has no spend data.
    """
    if not run.has("spend"):
        return NO_SPEND
    year = run.params.report_year
    spend = spend_against_plan(run.table("spend"), year)
    published = run.publish_table(
        spend,
        "spend_against_plan",
        caption=f"Spend against plan by budget line, {year} (GBP)",
        counts=NO_COUNTS,  # money, not counts of people or events
        labels={
            "category": "Budget line",
            "planned": "Planned (£)",
            "actual": "Actual (£)",
            "variance": "Actual minus planned (£)",
            "variance_pct": "Variance (%)",
            "share_of_planned": "Share of plan (%)",
        },
        formats={
            "planned": ",.0f",
            "actual": ",.0f",
            "variance": ",.0f",
            "variance_pct": ".1f",
            "share_of_planned": ".1f",
        },
    )
    if spend.empty:
        return spend_sentence(spend, year)
    return [spend_sentence(spend, year), published]


def interventions_table(run: RunContext) -> PublishedTable | str:
    """``tables/interventions.csv``: referrals, engagement and completion in the report year.

    Returns a sentence saying so when the run has no intervention monitoring data, or none
    in the report year.
    """
    if not run.has("interventions"):
        return NO_INTERVENTIONS
    year = run.params.report_year
    summary = intervention_summary(run.table("interventions"), year)
    published = run.publish_table(
        summary,
        "interventions",
        caption=f"Intervention monitoring, {year}",
        counts=["referrals", "engaged", "completed", "positive_outcomes"],
        # A percentage beside its denominator gives back its numerator: withheld with either.
        rates={
            "engagement_pct": ["referrals", "engaged"],
            "completion_pct": ["engaged", "completed"],
        },
        labels={
            "programme": "Programme",
            "intervention": "Intervention",
            "referrals": "Referrals",
            "engaged": "Engaged",
            "completed": "Completed",
            "positive_outcomes": "Positive outcomes",
            "engagement_pct": "Engaged (%)",
            "completion_pct": "Completed (% of engaged)",
        },
    )
    if summary.empty:
        return f"No intervention monitoring was recorded for {year}."
    return published
