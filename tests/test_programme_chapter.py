"""The programme chapter: spend and interventions, or a sentence when not provided."""

from __future__ import annotations

import pandas as pd

from snalib.chapters import programme
from snalib.publish.tables import PublishedTable
from tests.chapter_runs import write_run

SPEND = pd.DataFrame(
    {
        "financial_year": ["2021/22", "2021/22", "2020/21"],
        "category": ["Interventions", "Central team", "Interventions"],
        "planned": [300.0, 700.0, 100.0],
        "actual": [320.0, 680.0, 90.0],
    }
)
INTERVENTIONS = pd.DataFrame(
    {
        "intervention": ["Mentoring", "Mentoring", "Sport"],
        "programme": ["Youth", "Youth", "Youth"],
        "period": ["2021-05", "2021-06", "2020/21"],
        "referrals": [10, 12, 30],
        "engaged": [8, 9, 20],
        "completed": [6, 7, 15],
        "positive_outcomes": [4, 5, 10],
    }
)


def test_spend_table_says_so_when_spend_was_not_provided(tmp_path):
    run = write_run(tmp_path / "run")
    assert programme.spend_table(run) == programme.NO_SPEND
    assert not (run.dir / "tables" / "spend_against_plan.csv").exists()


def test_spend_table_gives_the_sentence_then_the_report_year_table(tmp_path):
    run = write_run(tmp_path / "run", {"spend": SPEND})
    sentence, table = programme.spend_table(run)
    assert sentence.startswith(
        "In 2021/22 the planned budget was £1,000 and £1,000 was spent (+0.0% against plan)."
    )
    assert "Interventions were 30.0% of the plan and 32.0% of actual spend, which meets" in sentence
    assert isinstance(table, PublishedTable)
    written = pd.read_csv(run.dir / "tables" / "spend_against_plan.csv").set_index("category")
    assert written.loc["Total", "planned"] == 1000 and written.loc["Interventions", "actual"] == 320


def test_spend_table_says_so_when_the_report_year_has_no_spend(tmp_path):
    run = write_run(tmp_path / "run", {"spend": SPEND[SPEND["financial_year"] == "2020/21"]})
    assert programme.spend_table(run) == "No spend was recorded for 2021/22."


def test_interventions_table_says_so_when_not_provided(tmp_path):
    run = write_run(tmp_path / "run")
    assert programme.interventions_table(run) == programme.NO_INTERVENTIONS


def test_interventions_table_sums_the_report_year_by_intervention(tmp_path):
    run = write_run(tmp_path / "run", {"interventions": INTERVENTIONS})
    assert isinstance(programme.interventions_table(run), PublishedTable)
    written = pd.read_csv(run.dir / "tables" / "interventions.csv", dtype=str)
    assert written[["intervention", "referrals", "engaged", "completed"]].values.tolist() == [
        ["Mentoring", "22", "17", "13"]
    ]
    assert written.loc[0, "engagement_pct"] == "77.3"


def test_interventions_table_says_so_when_the_report_year_has_none(tmp_path):
    run = write_run(tmp_path / "run", {"interventions": INTERVENTIONS.iloc[[2]]})
    assert (
        programme.interventions_table(run) == "No intervention monitoring was recorded for 2021/22."
    )


def test_interventions_percentage_is_withheld_with_its_withheld_count(tmp_path):
    # 1 of 40 referrals engaged (threshold 2): 2.5% beside the 40 referrals would give the
    # 1 back, so the percentage goes with the count; completion rests on the withheld 1 too.
    small = pd.DataFrame(
        {
            "intervention": ["Mentoring"],
            "programme": ["Youth"],
            "period": ["2021-05"],
            "referrals": [40],
            "engaged": [1],
            "completed": [0],
            "positive_outcomes": [0],
        }
    )
    run = write_run(tmp_path / "run", {"interventions": small})
    programme.interventions_table(run)
    written = pd.read_csv(run.dir / "tables" / "interventions.csv", dtype=str)
    assert written.loc[0, "referrals"] == "40" and written.loc[0, "engaged"] == "[c]"
    assert written.loc[0, "engagement_pct"] == "[u]"
    assert written.loc[0, "completion_pct"] == "[u]"
