"""The definition chapter: record-level and public data mode, every output it shows."""

from __future__ import annotations

import html
import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from snalib.chapters.definition import (
    NO_GROUPS_IN_PUBLIC_DATA,
    DefinitionChapter,
    _flow_relations,
    inclusion_flow_chart,
)
from snalib.definition.flags import PROXY_EXPLANATION
from snalib.definition.series import PROXY_SERIES
from snalib.publish.tables import PublishedFigure, PublishedTable
from tests.chapter_runs import crime, flagged_crimes, street_crimes, write_run

# Ten crimes in 2021/22, each excluded (or not) at a known step, and one a year before.
RECORDS = [
    crime("SV1", "2021-05-10", knife=True),
    crime("SV2", "2021-05-11"),
    crime("SV3", "2021-05-12"),
    crime("PUB1", "2021-06-01", public=None),  # location type not recorded
    crime("PUB2", "2021-06-02", public=False),
    crime("DOM1", "2021-07-01", domestic=True),
    crime("AGE1", "2021-08-01", victim_age=30, offender_age=40),
    crime("AGE2", "2021-08-02", victim_age=30, offender_age=40),
    crime("THEFT1", "2021-09-01", code="49"),
    crime("THEFT2", "2021-09-02", code="49"),
    crime("SV0", "2020-06-15"),  # previous year: in the series, not in the flow
]


@pytest.fixture
def record_chapter(tmp_path) -> DefinitionChapter:
    run = write_run(tmp_path / "run", {"crimes_flagged": flagged_crimes(RECORDS)})
    return DefinitionChapter(run)


@pytest.fixture
def public_chapter(tmp_path) -> DefinitionChapter:
    street = street_crimes(
        {
            ("2021-05", "Violence and sexual offences"): 3,
            ("2021-06", "Robbery"): 2,
            ("2021-07", "Burglary"): 4,
            ("2021-08", "Possession of weapons"): 1,
            ("2020-05", "Robbery"): 2,
        }
    )
    return DefinitionChapter(write_run(tmp_path / "run", {"street_crimes": street}))


def _csv(chapter: DefinitionChapter, name: str) -> pd.DataFrame:
    return pd.read_csv(chapter.run.dir / "tables" / f"{name}.csv", dtype=str)


def test_record_mode_flow_table_counts_each_step_of_the_report_year(record_chapter):
    published = record_chapter.flow_table()
    assert isinstance(published, PublishedTable)
    table = _csv(record_chapter, "inclusion_flow")
    assert set(table["financial_year"]) == {"2021/22"}
    assert list(table["step_id"]) == [
        "all_crimes", "offence_code", "not_sexual", "public_place", "not_domestic", "priority_age",
    ]  # fmt: skip
    # Threshold 2: a single record is suppressed (one crime excluded as domestic). Records
    # remaining after that step (5) are withheld too, or 6 - 5 would give it back, and in
    # turn the 2 excluded at the next step, or 5 = 3 + 2 would give back the 5.
    assert list(table["records"]) == ["10", "8", "8", "6", "[c]", "3"]
    assert list(table["excluded"]) == ["0", "2", "0", "2", "[c]", "[c]"]
    assert table.set_index("step_id").loc["public_place", "excluded_not_recorded"] == "[c]"
    notes = table.set_index("step_id")["notes"]
    assert "secondary suppression" in notes["not_domestic"]
    assert "secondary suppression" in notes["priority_age"]


def test_record_mode_flow_table_withheld_count_cannot_be_worked_back(record_chapter):
    record_chapter.flow_table()
    table = _csv(record_chapter, "inclusion_flow")
    records, excluded = list(table["records"]), list(table["excluded"])
    # records before a step = records after it + excluded by it: no step with one unknown
    for i in range(1, len(table)):
        cells = [records[i - 1], records[i], excluded[i]]
        assert cells.count("[c]") != 1, f"step {i + 1}: {cells}"


def test_record_mode_flow_text_reads_the_protected_table(record_chapter):
    text = record_chapter.flow_text()
    assert text.startswith("- In 2021/22 the force recorded 10 crimes of all types.")
    assert "- **Not domestic**: [c] excluded" in text
    assert "2 excluded (not in a public place, or location type not recorded, of which [c]" in text
    assert text.endswith("3 crimes meet the serious violence definition in 2021/22.")


def test_record_mode_flow_table_is_published_once(record_chapter):
    assert record_chapter.flow_table() is record_chapter.flow_table()


def test_record_mode_flow_figure_states_the_share_and_writes_its_files(record_chapter):
    figure = record_chapter.flow_figure()
    assert isinstance(figure, PublishedFigure)
    assert figure.title == (
        "3 of 10 recorded crimes (30.0%) meet the serious violence definition in 2021/22"
    )
    assert figure.alt.endswith("Victim or offender under 25: 3.")
    for ext in ("svg", "png", "csv"):
        assert (record_chapter.run.dir / "figures" / f"inclusion_flow.{ext}").stat().st_size > 0


def test_record_mode_says_which_definition_was_used(record_chapter):
    text = record_chapter.definition_used()
    assert text.startswith("**Definition used in this report.** Crimes in the Home Office")
    assert "with a victim or an offender under 25" in text


def test_record_mode_groups_table_counts_the_report_year(record_chapter):
    published = record_chapter.groups_table()
    assert isinstance(published, PublishedTable)
    table = _csv(record_chapter, "definition_groups")
    assert len(table) == 1
    assert table.iloc[0]["crime_type_group"] == "Wounding with intent / endangering life"
    assert (table.iloc[0]["in_offence_codes"], table.iloc[0]["serious_violence"]) == ("8", "3")


def test_record_mode_monthly_series_covers_the_window_with_zeros(record_chapter):
    sentence = record_chapter.monthly_series()
    assert sentence.startswith("Monthly counts of ")
    assert "from 2019-04 to 2022-03 (36 months)" in sentence
    series = _csv(record_chapter, "monthly_series")
    sv = series[series["series"] == "Serious violence"].set_index("month")["count"]
    assert len(sv) == 36
    assert sv["2021-05"] == "3" and sv["2020-06"] == "[c]"
    assert set(sv.drop(["2021-05", "2020-06"])) == {"0"}


def test_public_mode_explains_the_proxy(public_chapter):
    assert public_chapter.public
    assert public_chapter.definition_used() == PROXY_EXPLANATION


def test_public_mode_flow_has_the_proxy_step_only(public_chapter):
    public_chapter.flow_table()
    table = _csv(public_chapter, "inclusion_flow")
    assert list(table["step_id"]) == ["all_crimes", "proxy_crime_type"]
    assert list(table["records"]) == ["10", "5"] and list(table["excluded"]) == ["0", "5"]
    text = public_chapter.flow_text()
    assert text.startswith("- In 2021/22 data.police.uk lists 10 street-level crimes")
    assert "- **Violence and sexual offences, or robbery (proxy)**: 5 excluded" in text
    assert text.endswith(
        "5 crimes were violence and sexual offences or robbery, the public data proxy for "
        "serious violence, in 2021/22; the definition itself cannot be applied to public data."
    )
    assert "meet the serious violence definition" not in text
    assert public_chapter.flow_table().caption.startswith(
        "Inclusion flow: from all street-level crimes to the serious violence proxy"
    )
    assert public_chapter.flow_figure().title.startswith(
        "5 of 10 street-level crimes (50.0%) were violence and sexual offences or robbery"
    )


def test_public_mode_groups_say_why_there_are_none(public_chapter):
    assert public_chapter.groups_table() == NO_GROUPS_IN_PUBLIC_DATA
    assert not (public_chapter.run.dir / "tables" / "definition_groups.csv").exists()


def test_public_mode_monthly_series_holds_the_proxy(public_chapter):
    public_chapter.monthly_series()
    series = _csv(public_chapter, "monthly_series")
    proxy = series[series["series"] == PROXY_SERIES].set_index("month")["count"]
    assert len(proxy) == 36
    assert (proxy["2020-05"], proxy["2021-05"], proxy["2021-06"]) == ("2", "3", "2")


def test_inclusion_flow_chart_draws_one_labelled_bar_per_step():
    flow = pd.DataFrame(
        {"step_number": [1, 2, 3], "step": ["All", "Codes", "Public"], "records": [90, 40, 25]}
    )
    fig = inclusion_flow_chart(flow, "25 of 90 crimes")
    ax = fig.axes[0]
    # Read from the top down: the first step is the top bar.
    bars = sorted(ax.patches, key=lambda bar: -bar.get_y())
    assert [round(bar.get_width()) for bar in bars] == [90, 40, 25]
    labels = sorted(zip(ax.get_yticks(), ax.get_yticklabels(), strict=True), key=lambda t: -t[0])
    assert [label.get_text() for _, label in labels] == ["1. All", "2. Codes", "3. Public"]
    assert fig._suptitle.get_text() == "25 of 90 crimes"
    plt.close(fig)


def test_record_mode_flow_figure_labels_withheld_bars_and_draws_no_withheld_count(record_chapter):
    figure = record_chapter.flow_figure()
    svg = figure.svg.decode("utf-8")
    # the project's style keeps chart text as SVG text (svg.fonttype "none")
    labels = [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]
    assert labels.count("[c]") == 1  # the bar of "not domestic" (5 records) is withheld
    assert "5" not in labels
    assert {"10", "8", "6", "3"} <= set(labels)
    data = pd.read_csv(record_chapter.run.dir / "figures" / "inclusion_flow.csv", dtype=str)
    assert list(data["records"]) == ["10", "8", "8", "6", "[c]", "3"]
    assert "Not domestic: withheld" in figure.alt or ": withheld" in figure.alt


def test_a_figure_printing_a_withheld_count_is_refused(record_chapter):
    flow = record_chapter.flow
    fig = inclusion_flow_chart(flow, "drawn before disclosure control")
    with pytest.raises(ValueError, match="prints 5, a count its data withholds"):
        record_chapter.run.publish_figure(
            fig,
            "inclusion_flow",
            title="t",
            alt="a",
            data=flow[["step_number", "step", "records", "excluded", "excluded_not_recorded"]],
            counts=["records", "excluded", "excluded_not_recorded"],
            relations=_flow_relations,
        )
    assert not (record_chapter.run.dir / "figures" / "inclusion_flow.svg").exists()
