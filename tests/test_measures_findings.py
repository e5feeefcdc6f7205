"""The words of the success measures, read from the protected table."""

from __future__ import annotations

from snalib.chapters.measures.definitions import ALL_AGES
from snalib.chapters.measures.findings import measure_sentences
from snalib.chapters.measures.protect import protect_measures
from tests.test_measures import RULES, table_from_counts


def test_measure_sentences_read_the_protected_table():
    table = table_from_counts(
        {
            "knife_crime": {ALL_AGES: (1000, 900, 800), "under 25": (400, 380, 390)},
            "homicides": {ALL_AGES: (12, 9, 11), "under 25": (3, 0, 2)},
        }
    )
    text = measure_sentences(protect_measures(table, RULES))
    assert "800 crimes in 2021/22 (80.0 per 100,000 residents)" in text
    assert "fell by 20.0%" in text and "significant reduction" in text
    assert "[c] (withheld) homicides in 2021/22 ([u] per 100,000 residents)" in text
    assert "Homicides are rare" in text
