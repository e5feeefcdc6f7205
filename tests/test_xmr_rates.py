"""XmR charts on rates per standard period, with gaps and the seasonal options (issue 10, 5).

Synthetic series with known properties: a constant daily rate (the calendar alone), a real
step, a strong seasonal pattern, months without data.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from snalib.chapters.monitoring import findings, periods, xmr
from snalib.chapters.monitoring.chapter import withheld_points
from snalib.chapters.monitoring.charts import xmr_chart
from snalib.publish.disclosure import Rule

SERIES = "Serious violence"
SEASON = np.array([0.90, 0.88, 0.95, 0.98, 1.05, 1.08, 1.12, 1.08, 1.02, 1.00, 0.95, 0.99])


def _frame(counts, first="2017-04") -> pd.DataFrame:
    months = pd.period_range(first, periods=len(counts), freq="M")
    return pd.DataFrame(
        {
            "period": [f"{p:%b %Y}" for p in months],
            "start": months.start_time.normalize(),
            "end": months.end_time.normalize(),
            SERIES: np.asarray(counts),
        }
    )


def _data(missing=()) -> SimpleNamespace:
    return SimpleNamespace(
        main=[SimpleNamespace(label=SERIES, key="serious_violence")],
        periods=[],
        baseline_fy=None,
        missing_months=list(missing),
    )


def _days(frame) -> np.ndarray:
    return ((frame["end"] - frame["start"]).dt.days + 1).to_numpy(dtype=float)


# --------------------------------------------------------------------------- gaps


def test_no_moving_range_is_taken_across_a_gap():
    chart = xmr.xmr([10, 12, np.nan, 20, 22])
    assert chart["moving_range"].isna().tolist() == [True, False, True, True, False]
    assert chart["mean"].iloc[0] == pytest.approx(16)
    # The mean moving range is of the two ranges beside no gap (2 and 2), not of 8 across it.
    assert chart["upper_limit"].iloc[0] == pytest.approx(16 + 2.66 * 2)
    assert not chart["baseline"].iloc[2] and not chart["special_cause"].iloc[2]
    assert chart["direction"].iloc[2] == ""


def test_a_gap_breaks_a_run_of_seven_and_a_trend():
    base = [102, 98] * 6  # ends below the mean
    mean = np.mean(base)
    split = base + [mean + 1] * 4 + [np.nan] + [mean + 1] * 4
    chart = xmr.xmr(split, baseline=slice(0, 12))
    assert not chart["shift"].any()
    joined = base + [mean + 1] * 8
    assert xmr.xmr(joined, baseline=slice(0, 12))["shift"].sum() == 8
    rising = [1, 2, 3, 4, np.nan, 5, 6, 7, 8]
    assert not xmr.trend_rule(rising).any()


def test_a_chart_needs_two_baseline_points_with_a_value():
    with pytest.raises(ValueError, match="two baseline points"):
        xmr.xmr([np.nan, 5, np.nan, 7], baseline=slice(0, 3))


def test_periods_touching_a_missing_month_have_no_count_and_no_value():
    frame = _frame([3000] * 24)
    frame[SERIES] = pd.array(np.where(frame["period"] == "Oct 2017", np.nan, 3000.0), dtype="Int64")
    charts, note = periods.charts_for(frame, _data(["2017-10"]))
    chart = charts[SERIES]
    gap = chart["label"] == "Oct 2017"
    assert chart.loc[gap, "value"].isna().all() and chart.loc[gap, "count"].isna().all()
    assert chart["baseline"].sum() == 23
    found = findings.xmr_findings(chart, SERIES, "month")
    assert "1 month has no value and is a gap in the chart" in found["sentence"]
    assert "The line breaks at the 1 month without a value" in found["alt"]


# --------------------------------------------------------------------------- rates


def test_a_constant_daily_rate_is_flat_per_30_days_but_not_as_counts():
    frame = _frame(np.zeros(48, dtype=int))
    frame[SERIES] = (100 * _days(frame)).astype(int)  # exactly 100 crimes a day
    charts, note = periods.charts_for(frame, _data())
    chart = charts[SERIES]
    assert chart["value"].to_numpy() == pytest.approx(np.full(48, 3000.0))
    assert chart["moving_range"].iloc[1:].to_numpy() == pytest.approx(np.zeros(47))
    assert not chart["special_cause"].any() and (chart["unit"] == "crimes per 30 days").all()
    assert "Values are crimes per 30 days (the count × 30 ÷ the days in the month)" in note
    counts = xmr.xmr(frame[SERIES])  # the calendar alone widens the limits of counts
    assert counts["upper_limit"].iloc[0] - counts["mean"].iloc[0] > 2.66 * 100


def test_limits_on_rates_reflect_the_noise_and_a_step_goes_beyond_them():
    rng = np.random.default_rng(5)
    frame = _frame(np.zeros(48, dtype=int))
    days = _days(frame)
    rate = np.where(np.arange(48) >= 40, 2000 * 1.03, 2000.0)  # +3% in the last 8 months
    frame[SERIES] = rng.poisson(rate * days)
    mask = np.arange(48) < 36
    values, *_ = periods.chart_values(frame, _data())
    on_rates = xmr.xmr(values[SERIES], baseline=mask)
    on_counts = xmr.xmr(frame[SERIES], baseline=mask)
    # Poisson noise of a rate per 30 days: sd about sqrt(30 x 2000), mean |range| 1.128 sd.
    expected_mr = 1.128 * np.sqrt(30 * 2000)
    mr = (on_rates["upper_limit"].iloc[0] - on_rates["mean"].iloc[0]) / 2.66
    assert mr == pytest.approx(expected_mr, rel=0.25)
    assert (on_counts["upper_limit"].iloc[0] - on_counts["mean"].iloc[0]) / 2.66 > 5 * mr
    # The step (about 7 sd of a month's rate) is beyond the limits on rates; the limits of
    # counts, widened by the calendar, hold every month of it.
    assert on_rates["outside_limits"].iloc[40:].sum() >= 6
    assert not on_rates["outside_limits"].iloc[:40].any()
    assert not on_counts["outside_limits"].iloc[40:].any()


def test_quarters_are_per_91_days_and_weeks_stay_counts():
    quarters = pd.period_range("2017Q2", periods=12, freq="Q-MAR")
    frame = pd.DataFrame(
        {
            "period": [str(q) for q in quarters],
            "start": quarters.start_time.normalize(),
            "end": quarters.end_time.normalize(),
            SERIES: (10 * ((quarters.end_time - quarters.start_time).days + 1)).to_numpy(),
        }
    )
    values, *_ = periods.chart_values(frame, _data())
    assert values[SERIES] == pytest.approx(np.full(12, 910.0))
    weeks = pd.date_range("2021-04-05", periods=20, freq="7D")
    weekly = pd.DataFrame(
        {"period": range(20), "start": weeks, "end": weeks + pd.Timedelta(days=6), SERIES: 7}
    )
    values, _, unit, note, _ = periods.chart_values(weekly, _data(), "adjusted")
    assert values[SERIES] == pytest.approx(np.full(20, 7.0)) and unit == "crimes per week"
    assert "applies to monthly and quarterly charts only" in note


# --------------------------------------------------------------------------- seasonal


def _seasonal_frame(seed=3, months=60, per_day=200.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = _frame(np.zeros(months, dtype=int))
    month_no = frame["start"].dt.month.to_numpy()
    frame[SERIES] = rng.poisson(per_day * SEASON[month_no - 1] * _days(frame))
    return frame


def test_seasonal_adjustment_takes_the_time_of_year_out_of_the_rules():
    frame = _seasonal_frame()
    plain, _ = periods.charts_for(frame, _data(), "none")
    adjusted, note = periods.charts_for(frame, _data(), "adjusted")
    assert plain[SERIES]["special_cause"].mean() >= 0.25  # summers and winters flagged
    assert adjusted[SERIES]["special_cause"].mean() < 0.1
    assert (adjusted[SERIES]["unit"] == "crimes per 30 days, seasonally adjusted").all()
    assert "calendar month-of-year index estimated from the baseline" in note
    # The index recovers the injected pattern (up to its mean).
    values = adjusted[SERIES]["value"].to_numpy()
    rates = plain[SERIES]["value"].to_numpy()
    index = (rates / values)[:12]
    month_no = frame["start"].dt.month.to_numpy()[:12]
    assert index == pytest.approx(SEASON[month_no - 1] / SEASON.mean(), rel=0.03)


def test_seasonal_adjustment_needs_two_of_each_month():
    frame = _seasonal_frame(months=18)
    charts, note = periods.charts_for(frame, _data(), "adjusted")
    assert "not seasonally adjusted" in note
    assert (charts[SERIES]["unit"] == "crimes per 30 days").all()


def test_seasonal_differencing_charts_the_change_from_a_year_before():
    frame = _seasonal_frame()
    charts, note = periods.charts_for(frame, _data(), "differenced")
    chart = charts[SERIES]
    rates = periods.standard_rates(frame, SERIES)
    assert chart["value"].iloc[:12].isna().all()
    assert chart["value"].iloc[12:].to_numpy() == pytest.approx(rates[12:] - rates[:-12])
    assert chart["lower_limit"].iloc[0] < 0  # not floored at zero
    plain, _ = periods.charts_for(frame, _data(), "none")
    assert chart["special_cause"].mean() < plain[SERIES]["special_cause"].mean() / 2
    assert chart["count_year_earlier"].iloc[12] == frame[SERIES].iloc[0]
    assert "change from the same month a year before" in note
    assert (chart["unit"] == "change in crimes per 30 days from a year before").all()


# --------------------------------------------------------------------------- disclosure


def test_a_value_resting_on_a_withheld_count_is_withheld_and_not_drawn():
    counts = [30, 3, 28, 31, 0, 29, 30, 27, 33, 31, 29, 30, 4, 30, 29]
    frame = _frame(counts)
    charts, _ = periods.charts_for(frame, _data(), "differenced")
    chart = charts[SERIES]
    hidden = withheld_points(chart, Rule(threshold=5))
    # May 2017 (3) and Apr 2018 (4) rest on their own small counts; May 2018 on May 2017's.
    expected = np.zeros(15, dtype=bool)
    expected[[1, 12, 13]] = True
    assert hidden.tolist() == expected.tolist()
    fig = xmr_chart(chart, "t", hidden=hidden)
    drawn = fig.axes[0].lines[0].get_ydata()
    assert np.isnan(drawn[expected]).all()
    found = findings.xmr_findings(chart, SERIES, "month", Rule(threshold=5), withheld=hidden)
    assert "(Jun 2018, 29 crimes;" in found["sentence"]
