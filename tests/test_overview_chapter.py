"""The overview chapter: key facts of a run in record-level and public data mode."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from snalib.chapters.overview import (
    Fact,
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
