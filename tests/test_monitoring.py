"""XmR charts: limits and each special cause rule on constructed series; periods; the report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from snalib.chapters.monitoring import findings, periods, xmr
from snalib.chapters.monitoring.charts import xmr_chart
from snalib.cli import main
from tests.test_trends import public_area, synthetic_area

#: A stable series: alternating around 100, moving range 4 each step.
STABLE = [98, 102] * 10


def test_limits_are_the_mean_plus_or_minus_2_66_mean_moving_ranges():
    x = [10, 12, 11, 13, 12]
    chart = xmr.xmr(x)
    mean, mr = 11.6, (2 + 1 + 2 + 1) / 4
    assert chart["mean"].iloc[0] == pytest.approx(mean)
    assert chart["upper_limit"].iloc[0] == pytest.approx(mean + 2.66 * mr)
    assert chart["lower_limit"].iloc[0] == pytest.approx(mean - 2.66 * mr)
    assert chart["near_upper"].iloc[0] == pytest.approx(mean + 2 / 3 * 2.66 * mr)
    assert chart["moving_range"].tolist()[1:] == [2, 1, 2, 1]


def test_a_moving_range_above_3_267_times_the_mean_is_screened_out():
    x = [100, 102, 98, 101, 99, 100, 160, 100, 101, 99]
    limits = xmr.process_limits(x)
    ranges = np.abs(np.diff(x))
    kept = ranges[ranges < 3.267 * ranges.mean()]
    assert limits.mean_moving_range == pytest.approx(kept.mean())
    assert xmr.process_limits(x, screen=False).mean_moving_range == pytest.approx(ranges.mean())


def test_lower_limit_of_counts_is_floored_at_zero():
    assert xmr.process_limits([0, 5, 0, 6, 1, 4]).lower == 0


def test_a_stable_series_meets_no_rule():
    chart = xmr.xmr(STABLE)
    assert not chart["special_cause"].any()


def test_rule_1_a_single_point_outside_the_limits():
    x = STABLE[:10] + [130] + STABLE[:9]
    chart = xmr.xmr(x, baseline=slice(0, 10))
    assert chart["outside_limits"].tolist() == [i == 10 for i in range(20)]
    assert chart.loc[10, "direction"] == "high" and "outside_limits" in chart.loc[10, "rules"]


def test_rule_2_a_run_of_seven_on_one_side_of_the_mean_but_not_six():
    base = xmr.xmr(STABLE)
    mean = base["mean"].iloc[0]
    seven = STABLE[:9] + [mean + 1] * 7 + [98, 102, 98, 102]  # STABLE[8] is below
    chart = xmr.xmr(seven, baseline=slice(0, 8))
    assert chart["shift"].tolist() == [9 <= i < 16 for i in range(20)]
    six = STABLE[:8] + [mean - 1] * 6 + [102, 98, 102, 98, 102, 98]
    assert not xmr.xmr(six, baseline=slice(0, 8))["shift"].any()
    on_mean = STABLE[:8] + [mean + 1] * 3 + [mean] + [mean + 1] * 3 + [98] * 5
    assert not xmr.shift_rule(on_mean, mean).any()  # a point on the mean breaks it


def test_rule_3_seven_points_each_higher_than_the_last_but_not_six():
    up = [100, 98, 102, 99, 100, 101, 102, 103, 104, 105, 101, 99, 102]
    flags = xmr.trend_rule(up)
    assert flags.tolist() == [3 <= i <= 9 for i in range(len(up))]
    six = [100, 98, 102, 99, 100, 101, 102, 103, 104, 101, 99, 102]
    assert not xmr.trend_rule(six).any()
    down = [110, 109, 108, 107, 106, 105, 104, 106]
    assert xmr.trend_rule(down).tolist() == [True] * 7 + [False]
    flat = [100, 101, 102, 102, 103, 104, 105, 106]  # an equal neighbour breaks the trend
    assert not xmr.trend_rule(flat).any()


def test_rule_4_two_of_three_points_in_the_outer_third_on_the_same_side():
    mean, near_lower, near_upper = 100.0, 90.0, 110.0
    hit = [100, 112, 105, 113, 100, 99]
    assert xmr.two_of_three_rule(hit, mean, near_lower, near_upper).tolist() == [
        False,
        True,
        False,
        True,
        False,
        False,
    ]
    apart = [100, 112, 105, 101, 113, 100]  # not two of three consecutive
    assert not xmr.two_of_three_rule(apart, mean, near_lower, near_upper).any()
    crossing = [112, 95, 113]  # the middle point is below the mean
    assert not xmr.two_of_three_rule(crossing, mean, near_lower, near_upper).any()
    low = [99, 88, 87, 99]
    assert xmr.two_of_three_rule(low, mean, near_lower, near_upper).tolist() == [
        False,
        True,
        True,
        False,
    ]


def test_xmr_needs_two_baseline_points():
    with pytest.raises(ValueError, match="at least two baseline points"):
        xmr.xmr([1, 2, 3], baseline=slice(0, 1))


def test_period_counts_by_week_month_and_financial_quarter_add_up():
    data = synthetic_area(70)
    d = data.events["date"]
    month = periods.period_counts(data, "month")
    assert len(month) == 84 and month["period"].iloc[0] == "Apr 2015"
    assert month["Serious violence"].sum() == len(d)
    quarter = periods.period_counts(data, "quarter")
    assert len(quarter) == 28 and quarter["period"].iloc[0] == "2015/16 Q1"
    assert quarter["period"].iloc[-1] == "2021/22 Q4"
    assert quarter["Serious violence"].sum() == len(d)
    week = periods.period_counts(data, "week")
    assert (week["start"].dt.day_of_week == 0).all() and (week["end"] <= "2022-03-31").all()
    first = week.iloc[0]
    assert first["Serious violence"] == int(((d >= first["start"]) & (d <= first["end"])).sum())
    with pytest.raises(ValueError, match="period must be one of"):
        periods.period_counts(data, "day")


def test_weekly_counts_of_public_data_are_refused():
    with pytest.raises(ValueError, match="public data give months only"):
        periods.period_counts(public_area(), "week")


def test_baseline_is_the_two_years_to_the_baseline_year_without_named_periods():
    data = synthetic_area(71)
    frame = periods.period_counts(data, "month")
    mask, note = periods.baseline_mask(frame, data)
    assert frame["period"][mask].tolist()[0] == "Apr 2017"
    assert frame["period"][mask].tolist()[-1] == "Mar 2019" and mask.sum() == 24
    assert "2017/18 and 2018/19" in note
    charts, _ = periods.charts_for(frame, data)
    chart = charts["Serious violence"]
    lockdown = chart[chart["label"].isin(["Apr 2020", "May 2020"])]
    assert (lockdown["direction"] == "low").all() and lockdown["outside_limits"].iloc[0]
    assert not chart["baseline"][chart["label"] == "Apr 2020"].iloc[0]


def test_latest_summary_compares_the_last_period_with_a_year_earlier():
    data = synthetic_area(72)
    frame = periods.period_counts(data, "quarter")
    charts, _ = periods.charts_for(frame, data)
    summary = periods.latest_summary(frame, data, charts).set_index("series")
    row = summary.loc["Serious violence"]
    assert row["period"] == "2021/22 Q4" and row["year_earlier_period"] == "2020/21 Q4"
    days = (90, 90)  # Jan-Mar 2022 and Jan-Mar 2021
    expected = (row["count"] / days[0]) / (row["year_earlier_count"] / days[1])
    assert row["rate_ratio"] == pytest.approx(expected)
    assert row["status"].startswith(("common cause", "special cause"))
    found = findings.xmr_findings(charts["Serious violence"], "Serious violence", "quarter")
    assert f"{int(frame['Serious violence'].iloc[-1]):,}" in found["sentence"]


def test_report_monitoring_refuses_weekly_public_data_with_exit_code_2(capsys):
    params = Path(__file__).parent / "fixtures" / "public" / "params-public.yaml"
    assert main(["report", "monitoring", str(params), "--period", "week", "--quiet"]) == 2
    assert "weekly monitoring needs offence dates" in capsys.readouterr().err


@pytest.mark.xdist_group("notebooks")
def test_report_monitoring_builds_the_quarterly_board_report(tmp_path):
    from snalib import synth

    demo = synth.generate(tmp_path / "input", scale=0.02, n_lsoas=40)
    out = tmp_path / "run"
    code = main(
        ["report", "monitoring", str(demo.params), "--period", "quarter", "--out", str(out)]
        + ["--renderer", "builtin", "--quiet"]
    )
    assert code == 0
    html = (out / "monitoring" / "index.html").read_text(encoding="utf-8")
    assert "Serious violence monitoring report (quarterly)" in html
    assert "2021/22 Q4" in html and 'alt="XmR chart of quarterly crimes per 91 days' in html
    table = pd.read_csv(out / "tables" / "monitoring_quarter.csv")
    assert len(table) == 28 and table["period"].iloc[-1] == "2021/22 Q4"
    summary = pd.read_csv(out / "tables" / "monitoring_quarter_summary.csv")
    assert summary["period"].eq("2021/22 Q4").all()
    counts = pd.to_numeric(table["Serious violence"], errors="coerce")
    assert not ((counts >= 1) & (counts < 5)).any()
    assert (out / "manifest.json").is_file() and not (out / "sna").exists()


def test_weekly_charts_show_the_last_two_years_with_limits_from_the_baseline():
    data = synthetic_area(73)
    frame = periods.period_counts(data, "week")
    charts, _ = periods.charts_for(frame, data)
    chart = charts["Serious violence"]
    shown = periods.chart_window(chart, "week")
    assert len(shown) == 104 and shown["label"].iloc[-1] == chart["label"].iloc[-1]
    assert shown["mean"].iloc[0] == chart["mean"].iloc[0]  # limits from the baseline
    assert not shown["baseline"].any() and chart["baseline"].sum() >= 100
    assert len(periods.chart_window(chart, "month")) == len(chart)


def test_weekly_xmr_chart_draws_when_its_baseline_lies_before_the_points_shown():
    # Regression: `sna report monitoring --period week` failed on the demo because the two
    # years of weeks drawn hold no baseline point, and the chart shaded the baseline's span.
    data = synthetic_area(74)
    frame = periods.period_counts(data, "week")
    charts, _ = periods.charts_for(frame, data)
    shown = periods.chart_window(charts["Serious violence"], "week")
    assert not shown["baseline"].any()
    fig = xmr_chart(shown, "Weekly serious violence", ylabel="Crimes per week")
    legend = [t.get_text() for t in fig.legends[0].get_texts()] if fig.legends else []
    legend += [
        t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()
    ]
    assert "Baseline" not in legend and "Mean" in legend


@pytest.mark.parametrize("period", ["week", "quarter"])
def test_xmr_chart_legend_lies_under_the_period_labels_inside_the_figure(period):
    data = synthetic_area(76)
    frame = periods.period_counts(data, period)
    chart = periods.charts_for(frame, data)[0]["Serious violence"]
    fig = xmr_chart(periods.chart_window(chart, period), "Title", ylabel=f"Crimes per {period}")
    renderer = fig.canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(renderer)
    labels = [t.get_window_extent(renderer) for t in fig.axes[0].get_xticklabels()]
    assert legend.y1 <= min(b.y0 for b in labels) and legend.y0 >= 0


def test_a_series_without_a_chart_says_why_and_a_weekly_chart_says_its_baseline_is_not_drawn():
    data = synthetic_area(75)
    frame = periods.period_counts(data, "quarter")
    empty = frame.assign(**{"Serious violence": 0})
    charts, _ = periods.charts_for(empty, data)
    assert "Serious violence" not in charts
    assert findings.no_chart_sentence(empty, "Serious violence", "quarter") == (
        "No XmR chart of serious violence: no crime was recorded in any of its 28 complete "
        "quarters."
    )
    assert "at least two complete quarters and the window holds 1" in (
        findings.no_chart_sentence(frame.iloc[:1], "Serious violence", "quarter")
    )
    weekly = periods.period_counts(data, "week")
    chart = periods.charts_for(weekly, data)[0]["Serious violence"]
    assert findings.baseline_drawn_note(periods.chart_window(chart, "week"), "week") == (
        "The baseline lies before the 104 weeks drawn, so it is not shaded; its mean and "
        "limits are carried across the chart."
    )
    assert findings.baseline_drawn_note(chart, "week") == ""  # every week drawn
