"""The overview chapter: key facts of a run in record-level and public data mode."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from snalib.chapters.overview import (
    Fact,
    key_facts,
    key_facts_block,
    key_facts_html,
    key_facts_table,
    run_key_facts,
)
from tests.chapter_runs import crime, flagged_crimes, street_crimes, write_run


def _by_label(facts: list[Fact]) -> dict[str, Fact]:
    return {f.label: f for f in facts}


def test_key_facts_html_uses_classes_bootstrap_does_not_style():
    html = key_facts_html([Fact("Serious violence in 2021/22", "3", "up 50.0%"), Fact("Area", "X")])
    assert '<span class="key-fact-label">Serious violence in 2021/22</span>' in html
    assert '<span class="key-fact-value">3</span>' in html
    assert '<span class="key-fact-note">up 50.0%</span>' in html
    assert 'class="label"' not in html and 'class="value"' not in html
    assert "Area" not in html  # in the title and the table, not the grid


def test_key_facts_block_is_html_of_the_headline_facts():
    block = key_facts_block([Fact("Sources provided", "1", "crimes")])
    assert isinstance(block, HTML) and 'aria-label="Key facts"' in block.data


def test_run_key_facts_in_record_mode_counts_the_report_year(tmp_path):
    crimes = [
        crime("A", "2021-05-01", knife=True),
        crime("B", "2021-06-01"),
        crime("C", "2021-07-01"),
        crime("D", "2021-08-01", public=False),
        crime("E", "2020-05-01"),
        crime("F", "2020-06-01"),
    ]
    run = write_run(tmp_path / "run", {"crimes_flagged": flagged_crimes(crimes)})
    facts = _by_label(run_key_facts(run))
    assert facts["Area"].value == "Handwritten Force (test fixture)"
    serious = facts["Serious violence in 2021/22"]
    assert serious.value == "3" and serious.note == "up 50.0% on the previous year (2)"
    assert facts["Knife or sharp instrument involved"].value == "[c]"  # 1, threshold 2
    assert facts["All ages, any location, in the definition's offence codes"].value == "4"
    assert "Serious violence proxy in 2021/22" not in facts


def test_run_key_facts_in_public_mode_give_the_proxy(tmp_path):
    street = street_crimes(
        {
            ("2021-05", "Violence and sexual offences"): 3,
            ("2021-06", "Robbery"): 2,
            ("2021-07", "Possession of weapons"): 2,
            ("2020-05", "Robbery"): 2,
        }
    )
    run = write_run(tmp_path / "run", {"street_crimes": street})
    facts = _by_label(run_key_facts(run))
    proxy = facts["Serious violence proxy in 2021/22"]
    assert proxy.value == "5"
    assert proxy.note.endswith("up 150.0% on the previous year (2)")
    assert facts["Possession of weapons offences"].value == "2"
    assert "Serious violence in 2021/22" not in facts


def test_key_facts_table_publishes_every_fact(tmp_path):
    run = write_run(tmp_path / "run")
    facts = [Fact("Area", "X"), Fact("Sources provided", "1", "crimes")]
    key_facts_table(run, facts)
    table = pd.read_csv(run.dir / "tables" / "key_facts.csv", dtype=str, keep_default_na=False)
    assert table.to_dict("records") == [
        {"fact": "Area", "value": "X", "note": ""},
        {"fact": "Sources provided", "value": "1", "note": "crimes"},
    ]


def _knife_facts(knives: int, total: int = 20, rule=None) -> dict[str, Fact]:
    from snalib.publish.disclosure import Rule
    from tests.chapter_runs import PARAMS

    crimes = [
        crime(f"K{i}", f"2021-0{4 + i % 5}-0{1 + i % 9}", knife=i < knives) for i in range(total)
    ]
    rule = rule or Rule(threshold=5, min_count_for_rate=10)
    return _by_label(key_facts(PARAMS, flagged_crimes(crimes), {"sources": {"crimes": {}}}, rule))


def test_key_facts_withhold_the_knife_percentage_with_a_small_knife_count():
    facts = _knife_facts(3)
    knife = facts["Knife or sharp instrument involved"]
    assert facts["Serious violence in 2021/22"].value == "20"
    # 15.0% of the published 20 would give back the withheld 3.
    assert knife.value == "[c]" and knife.note == ""
    assert "%" not in knife.note


def test_key_facts_publish_the_knife_percentage_when_the_count_is_published():
    facts = _knife_facts(12)
    knife = facts["Knife or sharp instrument involved"]
    assert knife.value == "12" and knife.note == "60.0% of serious violence"


def test_key_facts_round_counts_when_the_rule_asks():
    from snalib.publish.disclosure import Rule

    facts = _knife_facts(12, total=23, rule=Rule(threshold=5, rounding=5))
    assert facts["Serious violence in 2021/22"].value == "25"
    assert facts["Knife or sharp instrument involved"].value == "10"


def test_key_facts_do_not_compare_a_year_with_a_missing_month(tmp_path):
    crimes = [crime("A", "2021-05-01"), crime("B", "2021-06-01"), crime("E", "2020-05-01")]
    quality = {
        "sources": {"crimes": {}},
        "missing_months": [{"month": "2021-11", "reason": "no record in crimes.csv ..."}],
    }
    run = write_run(tmp_path / "run", {"crimes_flagged": flagged_crimes(crimes)}, quality=quality)
    serious = _by_label(run_key_facts(run))["Serious violence in 2021/22"]
    assert serious.value == "2"
    assert serious.note == (
        "November 2021 has no data (see the data quality chapter): the count covers the "
        "months with data only, so it is not compared with the previous year"
    )
