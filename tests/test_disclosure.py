"""Disclosure control: small counts never published, rates never on small counts."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from snalib.params import DisclosureParams
from snalib.publish.disclosure import (
    SECONDARY_NOTE,
    SUPPRESSED,
    UNRELIABLE,
    Relation,
    Rule,
    assert_no_small_counts,
    count_text,
    flow_relations,
    protect,
    rolling_relations,
    row_relations,
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


# ---------------------------------------------------------------- secondary suppression
def _withheld(out: pd.DataFrame, col: str) -> list[int]:
    return [i for i, v in enumerate(out[col]) if v == SUPPRESSED]


def _subtraction_attack(out: pd.DataFrame, relations) -> dict:
    """What a reader recovers by repeated subtraction: any relation with one unknown cell
    and no unpublished remainder gives that cell."""
    known = {}
    for rel in relations:
        for row, col in rel.cells:
            v = out[col].iloc[row]
            if v != SUPPRESSED:
                known[(row, col)] = float(v)
    recovered = {}
    changed = True
    while changed:
        changed = False
        for rel in relations:
            unknown = [c for c in rel.cells if c not in known]
            if len(unknown) != 1:
                continue
            (cell,) = unknown
            parts = sum(known.get(c, 0.0) for c in rel.parts if c != cell)
            known[cell] = parts if cell == rel.total else known[rel.total] - parts
            recovered[cell] = known[cell]
            changed = True
    return recovered


def _intervals(out: pd.DataFrame, relations) -> dict:
    """The range each withheld cell can take given the published cells, the relations and
    counts being at least 0: the interval attack, by linear programming (scipy)."""
    from scipy.optimize import linprog

    cells = sorted({c for r in relations for c in r.cells if out[c[1]].iloc[c[0]] == SUPPRESSED})
    col = {c: k for k, c in enumerate(cells)}
    rows, rhs = [], []
    for rel in relations:
        row, known = [0.0] * len(cells), 0.0
        for c, sign in [(rel.total, 1.0)] + [(p, -1.0) for p in rel.parts]:
            if c in col:
                row[col[c]] += sign
            else:
                known -= sign * float(out[c[1]].iloc[c[0]])
        rows.append(row)
        rhs.append(known)
    intervals = {}
    for c, k in col.items():
        ends = []
        for sense in (1.0, -1.0):
            objective = [0.0] * len(cells)
            objective[k] = sense
            res = linprog(objective, A_eq=rows, b_eq=rhs, bounds=(0, None), method="highs")
            ends.append(sense * res.fun if res.status == 0 else float("inf"))
        intervals[c] = tuple(ends)
    return intervals


def _protected(intervals: dict, threshold: int = 5) -> bool:
    """No withheld cell is pinned, and none can be shown to be below the threshold."""
    return all(hi - lo >= 1 and hi >= threshold for lo, hi in intervals.values())


def test_flow_without_secondary_suppression_gives_back_the_small_exclusion():
    flow = pd.DataFrame({"records": [100, 97, 60, 52], "excluded": [0, 3, 37, 8]})
    relations = flow_relations(flow)
    rule = Rule(threshold=5)
    primary_only = protect(flow, rule, counts=["records", "excluded"])
    assert _subtraction_attack(primary_only, relations) == {(1, "excluded"): 3.0}


def test_flow_with_secondary_suppression_keeps_every_withheld_cell_unknown():
    flow = pd.DataFrame({"records": [100, 97, 60, 52], "excluded": [0, 3, 37, 8]})
    relations = flow_relations(flow)
    out = protect(flow, Rule(threshold=5), counts=["records", "excluded"], relations=relations)
    assert out["excluded"].iloc[1] == SUPPRESSED
    assert _subtraction_attack(out, relations) == {}
    # The complement is the smallest other cell of the step: records remaining (97) or
    # before it (100); 97 < 100, so records after step 2 is withheld, and in turn the
    # smallest cell of step 3 (excluded 37) so that 97 cannot come back from 60 + 37.
    assert out["records"].iloc[1] == SUPPRESSED
    assert out["excluded"].iloc[2] == SUPPRESSED
    assert out["records"].iloc[0] == 100 and out["records"].iloc[3] == 52
    assert SECONDARY_NOTE in out["notes"].iloc[1]


def test_row_and_column_totals_cannot_reveal_a_suppressed_cell():
    # Two districts by two age groups, with row and column totals.
    table = pd.DataFrame(
        {
            "under_25": [2, 30, 32],
            "over_25": [40, 50, 90],
            "total": [42, 80, 122],
        }
    )  # last row: the area
    relations = row_relations(table, "total", ["under_25", "over_25"]) + [
        Relation((2, c), ((0, c), (1, c))) for c in ("under_25", "over_25", "total")
    ]
    counts = ["under_25", "over_25", "total"]
    primary = protect(table, Rule(threshold=5), counts=counts)
    assert _subtraction_attack(primary, relations)  # 2 = 42 - 40
    out = protect(table, Rule(threshold=5), counts=counts, relations=relations)
    assert _subtraction_attack(out, relations) == {}
    assert _protected(_intervals(out, relations))


def test_rolling_totals_cannot_reveal_a_suppressed_month():
    months = pd.DataFrame({"count": [6, 7, 2, 9, 8, 10], "rolling": [None, None, 15, 18, 19, 27]})
    relations = rolling_relations(months, count="count", rolling="rolling", window=3)
    rule = Rule(threshold=5)
    assert _subtraction_attack(protect(months, rule, counts=["count", "rolling"]), relations)
    out = protect(months, rule, counts=["count", "rolling"], relations=relations)
    assert out["count"].iloc[2] == SUPPRESSED
    assert _subtraction_attack(out, relations) == {}
    assert _protected(_intervals(out, relations))


def test_withheld_parts_adding_up_to_a_small_number_take_another_complement():
    # 1 and 2 are both withheld, but 45 - 42 = 3 would tell that each is small.
    table = pd.DataFrame({"count": [1, 2, 20, 22, 45]})
    relations = [Relation((4, "count"), ((0, "count"), (1, "count"), (2, "count"), (3, "count")))]
    out = protect(table, Rule(threshold=5), counts=["count"], relations=relations)
    assert out["count"].tolist() == [SUPPRESSED, SUPPRESSED, SUPPRESSED, 22, 45]


def test_an_unpublished_remainder_protects_like_a_withheld_cell():
    # 10 crimes have no district: the total is not the sum of the districts.
    table = pd.DataFrame({"count": [3, 40, 53]})
    relations = [Relation((2, "count"), ((0, "count"), (1, "count")))]
    out = protect(table, Rule(threshold=5), counts=["count"], relations=relations)
    assert out["count"].tolist() == [SUPPRESSED, 40, 53]
    # but a remainder of 1 leaves 3 + 1 = 4: small, so one more cell is withheld.
    table = pd.DataFrame({"count": [3, 40, 44]})
    out = protect(table, Rule(threshold=5), counts=["count"], relations=relations)
    assert out["count"].tolist() == [SUPPRESSED, SUPPRESSED, 44]


def test_combinations_of_relations_are_audited():
    # a + b = 20 (row 4), a + c = 12 (row 5), b - c is published through b + d = 30 and
    # c + d = 22: each relation has two unknowns, but together they fix a.
    table = pd.DataFrame({"count": [3, 17, 9, 13, 20, 12, 30, 22]})
    relations = [
        Relation((4, "count"), ((0, "count"), (1, "count"))),
        Relation((5, "count"), ((0, "count"), (2, "count"))),
        Relation((6, "count"), ((1, "count"), (3, "count"))),
        Relation((7, "count"), ((2, "count"), (3, "count"))),
    ]
    out = protect(table, Rule(threshold=5), counts=["count"], relations=relations)
    assert not _protected(_intervals(protect(table, Rule(), counts=["count"]), relations))
    assert _protected(_intervals(out, relations))


def test_secondary_suppression_is_deterministic_and_stable_when_protected_twice():
    flow = pd.DataFrame({"records": [100, 97, 60, 52], "excluded": [0, 3, 37, 8]})
    relations = flow_relations(flow)
    rule = Rule(threshold=5)
    once = protect(flow, rule, counts=["records", "excluded"], relations=relations)
    again = protect(flow, rule, counts=["records", "excluded"], relations=relations)
    twice = protect(once, rule, counts=["records", "excluded"], relations=relations)
    pd.testing.assert_frame_equal(once, again)
    assert twice["records"].tolist() == once["records"].tolist()
    assert twice["excluded"].tolist() == once["excluded"].tolist()


def test_a_relation_that_does_not_hold_is_refused():
    table = pd.DataFrame({"count": [30, 40, 50]})
    with pytest.raises(ValueError, match="less than the sum of its parts"):
        protect(
            table,
            Rule(),
            counts=["count"],
            relations=[Relation((2, "count"), ((0, "count"), (1, "count")))],
        )


def test_a_percentage_of_a_published_total_is_withheld_with_its_count():
    table = pd.DataFrame({"referrals": [40, 50], "engaged": [3, 30], "pct": [7.5, 60.0]})
    out = protect(
        table, Rule(), counts=["referrals", "engaged"], rates={"pct": ["referrals", "engaged"]}
    )
    assert out["engaged"].tolist() == [SUPPRESSED, 30]
    assert out["pct"].tolist() == [UNRELIABLE, 60.0]  # 7.5% of 40 would give back 3


def test_rate_on_a_secondarily_withheld_count_is_withheld():
    table = pd.DataFrame({"count": [3, 40, 43], "rate": [1.0, 12.0, 13.0]})
    relations = [Relation((2, "count"), ((0, "count"), (1, "count")))]
    out = protect(table, Rule(), counts=["count"], rates={"rate": "count"}, relations=relations)
    assert out["count"].tolist() == [SUPPRESSED, SUPPRESSED, 43]
    assert out["rate"].tolist() == [UNRELIABLE, UNRELIABLE, 13.0]


# ---------------------------------------------------------------- rounding
def test_rounding_rounds_every_published_count_to_the_base_and_says_so():
    table = pd.DataFrame({"count": [0, 3, 7, 12, 13, 102], "rate": [0.0, 1, 2, 3, 4, 5]})
    rule = Rule(threshold=5, rounding=5)
    out = protect(table, rule, counts=["count"])
    assert out["count"].tolist() == [0, SUPPRESSED, 5, 10, 15, 100]
    published = out["count"] != SUPPRESSED
    assert all(rule.rounding_note in n for n in out.loc[published, "notes"])


def test_rounding_keeps_totals_rounded_from_their_own_value():
    table = pd.DataFrame({"count": [12, 12, 24]})
    out = protect(
        table,
        Rule(rounding=5),
        counts=["count"],
        relations=[Relation((2, "count"), ((0, "count"), (1, "count")))],
    )
    assert out["count"].tolist() == [10, 10, 25]


def test_rounding_comes_from_the_parameters():
    rule = rule_from_params(DisclosureParams(rounding=5))
    assert rule.rounding == 5
    assert rule_from_params(DisclosureParams()).rounding == 1
    assert count_text(12, rule) == "10" and count_text(3, rule) == SUPPRESSED


# ---------------------------------------------------------------- publishing
def test_publish_table_requires_the_count_columns_or_no_counts(tmp_path):
    from snalib.publish.run import NO_COUNTS
    from tests.chapter_runs import write_run

    run = write_run(tmp_path / "run")
    table = pd.DataFrame({"area": ["A", "B"], "count": [1, 30]})
    with pytest.raises(TypeError):
        run.publish_table(table, "t", caption="c")  # counts not given at all
    with pytest.raises(TypeError, match="NO_COUNTS"):
        run.publish_table(table, "t", caption="c", counts=None)
    with pytest.raises(ValueError, match="counts=NO_COUNTS"):
        run.publish_table(table, "t", caption="c", counts=[])
    with pytest.raises(ValueError, match="not in the table"):
        run.publish_table(table, "t", caption="c", counts=["crimes"])
    assert not (run.dir / "tables" / "t.csv").exists()
    published = run.publish_table(table, "t", caption="c", counts=["count"])
    assert published.frame["count"].tolist() == [SUPPRESSED, 30]  # threshold 2
    spend = pd.DataFrame({"line": ["x"], "planned": [3]})
    assert run.publish_table(spend, "s", caption="c", counts=NO_COUNTS).frame["planned"][0] == 3
    record = json.loads((run.dir / "data" / "published_counts.json").read_text())
    assert record["tables/t.csv"] == {
        "counts": ["count"],
        "no_counts": False,
        "threshold": 2,
        "rounding": 1,
    }
    assert record["tables/s.csv"]["counts"] == [] and record["tables/s.csv"]["no_counts"]


def test_publish_figure_draws_from_the_protected_data(tmp_path):
    import matplotlib.pyplot as plt

    from tests.chapter_runs import write_run

    run = write_run(tmp_path / "run")
    data = pd.DataFrame({"district": ["A", "B", "Area"], "count": [1, 30, 31]})
    seen = []

    def draw(protected):
        seen.append(protected["count"].tolist())
        fig, ax = plt.subplots()
        ax.text(0, 0, str(protected["count"].iloc[0]))
        return fig

    run.publish_figure(
        draw,
        "f",
        title="t",
        alt="a",
        data=data,
        counts=["count"],
        relations=[Relation((2, "count"), ((0, "count"), (1, "count")))],
    )
    assert seen == [[SUPPRESSED, SUPPRESSED, 31]]
    written = pd.read_csv(run.dir / "figures" / "f.csv", dtype=str)
    assert written["count"].tolist() == [SUPPRESSED, SUPPRESSED, "31"]


def test_kept_cells_are_complements_only_when_nothing_else_will_do():
    # Rolling totals of three months; month 2 is small. Without keep the smallest month
    # (6) is withheld; keeping the months, the rolling totals are withheld instead.
    months = pd.DataFrame({"count": [6, 7, 2, 9], "rolling": [None, None, 15, 18]})
    relations = rolling_relations(months, count="count", rolling="rolling", window=3)
    counts = ["count", "rolling"]
    plain = protect(months, Rule(), counts=counts, relations=relations)
    assert plain["count"].tolist()[:3] == [SUPPRESSED, SUPPRESSED, SUPPRESSED]
    kept = protect(months, Rule(), counts=counts, relations=relations, keep={"count": [True] * 4})
    assert kept["count"].tolist() == [6, 7, SUPPRESSED, 9]
    assert kept["rolling"].tolist()[2:] == [SUPPRESSED, SUPPRESSED]
    assert _protected(_intervals(kept, relations))


def test_trend_monthly_district_cannot_be_worked_back_from_the_headline():
    from snalib.chapters.trends.counts import monthly_relations

    months = [f"2021-{m:02d}" for m in range(1, 13)]
    rows = []
    for k, month in enumerate(months):
        north, south = (3 if k == 5 else 20 + k), 30 + k
        for breakdown, series, count in (
            ("Main series", "Serious violence", north + south),
            ("District", "North", north),
            ("District", "South", south),
        ):
            rows.append((month, breakdown, series, count))
    frame = pd.DataFrame(rows, columns=["month", "breakdown", "series", "count"])
    frame["rolling_12_month_total"] = frame.groupby("series")["count"].transform(
        lambda c: c.rolling(12, min_periods=12).sum()
    )
    relations = monthly_relations(frame, "Serious violence")
    counts = ["count", "rolling_12_month_total"]
    keep = {"count": frame["breakdown"].eq("Main series")}
    primary = protect(frame, Rule(), counts=counts)
    assert _subtraction_attack(primary, relations)  # headline - South gives North's 3
    out = protect(frame, Rule(), counts=counts, relations=relations, keep=keep)
    assert _subtraction_attack(out, relations) == {}
    assert _protected(_intervals(out, relations))
    headline = out[out["breakdown"] == "Main series"]["count"]
    assert SUPPRESSED not in headline.tolist()  # the headline stays published


def test_year_on_year_sentence_prints_no_small_count():
    from snalib.chapters.trends.findings import yoy_findings

    yoy = pd.DataFrame(
        {
            "breakdown": ["Main series", "Main series"],
            "series": ["Serious violence", "Serious violence: knife"],
            "previous_period": ["2020/21"] * 2,
            "current_period": ["2021/22"] * 2,
            "count_previous": [120, 3],
            "count_current": [132, 6],
            "rate_ratio": [1.1, 2.0],
            "lower95": [0.9, 0.5],
            "upper95": [1.4, 8.0],
        }
    )
    unprotected = yoy_findings(yoy, "Serious violence")["sentence"]
    assert "3 → 6" in unprotected
    sentence = yoy_findings(yoy, "Serious violence", Rule(rounding=5))["sentence"]
    assert "knife" not in sentence and "3 →" not in sentence
    assert "120 → 130" in sentence  # 132 rounded to the nearest 5


def test_monitoring_and_heatmap_sentences_print_no_small_count():
    from snalib.chapters.monitoring.findings import xmr_findings
    from snalib.chapters.trends.findings import _count_words

    assert _count_words(3, 400, Rule()) == "[c] of 400 crimes"  # no 0.8% beside 400
    assert _count_words(30, 400, Rule()) == "30 of 400 crimes (7.5%)"
    chart = pd.DataFrame(
        {
            "label": ["w1", "w2"],
            "value": [12, 3],
            "special_cause": [False, False],
            "direction": ["", ""],
            "rules": ["", ""],
            "mean": [7.5, 7.5],
            "lower_limit": [0.0, 0.0],
            "upper_limit": [20.0, 20.0],
        }
    )
    from snalib.chapters.monitoring.xmr import RULES

    for rule_name in RULES:
        chart[rule_name] = False
    found = xmr_findings(chart, "Serious violence", "week", Rule())
    assert "(w2, [c] crimes)" in found["sentence"]
    assert "(w2, 3 crimes)" in xmr_findings(chart, "Serious violence", "week")["sentence"]
    # A monthly value is a rate per 30 days: never printed beside a withheld count.
    monthly = chart.assign(count=[12, 3], value=[11.6, 2.9], unit="crimes per 30 days")
    found = xmr_findings(monthly, "Serious violence", "month", Rule())
    assert "(w2, [c] crimes)" in found["sentence"] and "2.9" not in found["sentence"]
