"""Disclosure control of the success measures table: primary and secondary suppression."""

from __future__ import annotations

import pandas as pd
import pytest

from snalib.chapters.measures.definitions import ALL_AGES
from snalib.chapters.measures.protect import protect_measures
from snalib.chapters.measures.table import COUNT_COLUMNS
from snalib.publish.disclosure import Rule
from tests.test_measures import HES, POLICE, RULES, table_from_counts


def test_protect_measures_withholds_small_counts_and_everything_resting_on_them():
    table = table_from_counts(
        {
            "admissions": {ALL_AGES: (40, 30, 7), "under 25": (12, 9, 0)},
            "homicides": {ALL_AGES: (12, 9, 7), "under 25": (3, 0, 1)},
        }
    )
    out = protect_measures(table, RULES)
    adm_all, adm_young, hom_all, hom_young = (out.iloc[i] for i in range(4))
    # HES: 7 is suppressed (1-7), and every value resting on it is [u]
    assert adm_all["current_count"] == "[c]" and adm_all["baseline_count"] == 40
    for col in ("current_rate", "change_pct", "rate_ratio", "lower95", "upper95", "p_value"):
        assert adm_all[col] == "[u]", col
    assert adm_all["baseline_rate"] == pytest.approx(4.0)  # rests on 40 only
    assert "HES rule: threshold 8" in adm_all["notes"]
    # police rule: 7 homicides are shown (threshold 5) but no rate on fewer than 10
    assert hom_all["current_count"] == 7 and hom_all["current_rate"] == "[u]"
    assert hom_all["change_pct_previous"] == "[u]"  # rests on 9 and 7
    assert hom_young["baseline_count"] == "[c]" and hom_young["current_count"] == "[c]"
    assert hom_young["detectable_fall_pct"] in ("[u]",) or pd.isna(hom_young["detectable_fall_pct"])
    # no published count between 1 and the threshold
    for row, rule in ((adm_all, HES), (adm_young, HES), (hom_all, POLICE), (hom_young, POLICE)):
        for col in COUNT_COLUMNS:
            value = pd.to_numeric(pd.Series([row[col]]), errors="coerce").iloc[0]
            assert not (1 <= value < rule.threshold), (col, value)


def test_protect_measures_withholds_an_under_25_count_found_by_difference():
    table = table_from_counts(
        {"knife_crime": {ALL_AGES: (500, 300, 40), "under 25": (200, 150, 37)}}
    )
    out = protect_measures(table, RULES)
    young = out.iloc[1]
    assert young["current_count"] == "[c]"  # 40 - 37 = 3 people aged 25 or over
    assert young["current_rate"] == "[u]" and young["rate_ratio"] == "[u]"
    assert "secondary suppression" in young["notes"]
    assert young["baseline_count"] == 200 and out.iloc[0]["current_count"] == 40


def test_protect_measures_never_publishes_a_rate_on_a_suppressed_count():
    """With a threshold above the minimum count for a rate, rate x population would reveal
    a suppressed count: the rate must be withheld too."""
    table = table_from_counts({"knife_crime": {ALL_AGES: (500, 300, 11), "under 25": (0, 0, 0)}})
    strict = {"police": Rule(12, 10, "strict rule"), "hes": HES}
    row = protect_measures(table, strict).iloc[0]
    assert row["current_count"] == "[c]"
    assert row["current_rate"] == "[u]" and row["current_rate_upper95"] == "[u]"
