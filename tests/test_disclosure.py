"""Disclosure control: small counts never published, rates never on small counts."""

from __future__ import annotations

import pandas as pd
import pytest

from snalib.params import DisclosureParams
from snalib.publish.disclosure import (
    SUPPRESSED,
    UNRELIABLE,
    Rule,
    assert_no_small_counts,
    protect,
    rule_from_params,
)


def test_counts_from_one_to_below_threshold_are_suppressed_and_labelled():
    table = pd.DataFrame({"area": list("ABCDEF"), "count": [0, 1, 4, 5, 9, 120]})
    out = protect(table, Rule(threshold=5), counts=["count"])
    assert out["count"].tolist() == [0, SUPPRESSED, SUPPRESSED, 5, 9, 120]
    assert out.loc[1, "notes"].startswith("[c] count of 1 to 4 suppressed")
    assert out.loc[0, "notes"] == "" and out.loc[3, "notes"] == ""
    assert_no_small_counts(out, ["count"], Rule(threshold=5))


def test_rates_on_counts_below_ten_are_not_published():
    table = pd.DataFrame({"count": [3, 9, 10], "rate": [1.5, 4.2, 5.0], "lower": [0.3, 1.9, 2.4]})
    out = protect(
        table,
        Rule(threshold=5, min_count_for_rate=10),
        counts=["count"],
        rates={"rate": "count", "lower": "count"},
    )
    assert out["rate"].tolist() == [UNRELIABLE, UNRELIABLE, 5.0]
    assert out["lower"].tolist() == [UNRELIABLE, UNRELIABLE, 2.4]
    assert "not published: count below 10" in out.loc[1, "notes"]
    assert "[c]" in out.loc[0, "notes"] and "[u]" in out.loc[0, "notes"]


def test_hes_rule_suppresses_one_to_seven():
    rule = rule_from_params(DisclosureParams(), source="hes")
    out = protect(pd.DataFrame({"count": [7, 8]}), rule, counts=["count"])
    assert out["count"].tolist() == [SUPPRESSED, 8]
    assert "HES rule: threshold 8" in out.loc[0, "notes"]


def test_assert_no_small_counts_catches_a_leak():
    with pytest.raises(AssertionError, match="small counts"):
        assert_no_small_counts(pd.DataFrame({"n": [3]}), ["n"], Rule(threshold=5))


def test_existing_notes_are_kept():
    table = pd.DataFrame({"count": [2], "notes": ["provisional"]})
    out = protect(table, Rule(threshold=5), counts=["count"])
    assert out.loc[0, "notes"].startswith("provisional; [c]")


def test_protecting_twice_gives_the_same_table_and_notes_once():
    table = pd.DataFrame({"count": [3, 20], "rate": [1.0, 2.0]})
    rule = Rule(threshold=5)
    once = protect(table, rule, counts=["count"], rates={"rate": "count"})
    twice = protect(once, rule, counts=["count"], rates={"rate": "count"})
    pd.testing.assert_frame_equal(once, twice)
    assert once.loc[0, "notes"].count("[u]") == 1
