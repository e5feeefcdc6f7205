"""Missing months are missing, not zero (issue 10, deliverable 6).

Detection (snalib.inputs.missing, check_coverage), the published monthly series, the trend
data and its counts, the models (ITS, DiD, STL, forecast) and the success measures, on
synthetic data with a month removed.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from snalib.chapters.measures.events import knife_crime_events
from snalib.chapters.trends import counts, did, findings, forecast, its, seasonal
from snalib.definition.series import PROXY_SERIES, count_by_month, public_series
from snalib.errors import InputError
from snalib.inputs.missing import (
    RECORDS_EXPECTED,
    MissingMonth,
    find_missing_months,
    missing_from_quality,
    missing_sentence,
)
from snalib.validation import check_coverage
from tests.test_trends import LOCAL, synthetic_area

WINDOW = SimpleNamespace(start=date(2021, 4, 1), end=date(2022, 3, 31))


def _params(path: str = "police_uk", stop: bool = False, window=WINDOW):
    return SimpleNamespace(
        analysis_window=window,
        sources=SimpleNamespace(crimes=SimpleNamespace(path=path)),
        validation=SimpleNamespace(missing_months="stop" if stop else "leave_out"),
        fy=SimpleNamespace(label="2021/22", start=window.start, end=window.end, previous=None),
    )


def _street(months: list[str], files: list[str] = ()) -> SimpleNamespace:
    data = pd.DataFrame({"month": months})
    return SimpleNamespace(table="street_crimes", data=data, files=[Path(f) for f in files])


def _records(per_month: dict[str, int]) -> SimpleNamespace:
    dates = [pd.Timestamp(f"{m}-15") for m, n in per_month.items() for _ in range(n)]
    return SimpleNamespace(table="crimes", data=pd.DataFrame({"offence_date": dates}), files=[])


ALL_MONTHS = [str(p) for p in pd.period_range("2021-04", "2022-03", freq="M")]


# --------------------------------------------------------------------------- detection


def test_a_public_month_without_a_file_is_missing_and_names_the_folder():
    months = [m for m in ALL_MONTHS if m != "2021-10"]
    files = [f"police_uk/{m}-leicestershire-street.csv" for m in months]
    inputs = SimpleNamespace(results={"crimes": _street(months, files)})
    (gap,) = find_missing_months(_params(), inputs)
    assert gap == MissingMonth(
        "2021-10", "no data.police.uk file for October 2021 in the folder police_uk"
    )
    assert gap.sentence() == (
        "No data.police.uk file for October 2021 in the folder police_uk: that month is shown "
        "as a gap and left out of the models."
    )


def test_a_public_file_with_no_crime_is_a_missing_month_too():
    months = [m for m in ALL_MONTHS if m != "2021-10"]
    files = [f"police_uk/{m}-leicestershire-street.csv" for m in ALL_MONTHS]
    inputs = SimpleNamespace(results={"crimes": _street(months, files)})
    (gap,) = find_missing_months(_params(), inputs)
    assert "2021-10-leicestershire-street.csv) has no crime" in gap.reason


def test_a_record_month_without_any_crime_is_a_gap_only_where_crimes_are_expected():
    busy = dict.fromkeys(ALL_MONTHS, 300) | {"2021-11": 0}
    inputs = SimpleNamespace(results={"crimes": _records(busy)})
    (gap,) = find_missing_months(_params("extract/crimes.csv"), inputs)
    assert gap.month == "2021-11" and "no record in crimes.csv is dated in November 2021" in (
        gap.reason
    )
    # A small extract (median month below RECORDS_EXPECTED): an empty month is plausible.
    quiet = dict.fromkeys(ALL_MONTHS, RECORDS_EXPECTED - 1) | {"2021-11": 0}
    inputs = SimpleNamespace(results={"crimes": _records(quiet)})
    assert find_missing_months(_params("crimes.csv"), inputs) == []


def test_a_partial_month_at_the_window_end_is_judged_on_its_days_in_the_window():
    window = SimpleNamespace(start=date(2021, 4, 1), end=date(2022, 3, 2))  # 2 days of March
    busy = dict.fromkeys(ALL_MONTHS, 300) | {"2022-03": 0}
    inputs = SimpleNamespace(results={"crimes": _records(busy)})
    # 300 a month over 2 of 31 days is about 19, below RECORDS_EXPECTED: not a gap.
    assert find_missing_months(_params("crimes.csv", window=window), inputs) == []
    busy = dict.fromkeys(ALL_MONTHS, 400) | {"2022-03": 0}
    inputs = SimpleNamespace(results={"crimes": _records(busy)})
    assert [m.month for m in find_missing_months(_params("c.csv", window=window), inputs)] == [
        "2022-03"
    ]


def _coverage_params(stop: bool, folder: Path):
    from snalib.params import parse_params

    return parse_params(
        {
            "params_version": 1,
            "area": {"name": "Test", "slug": "test", "force_codes": ["E23000021"]},
            "report_year": "2021/22",
            "analysis_window": {"start": "2021-04-01", "end": "2022-03-31"},
            "baseline": None,
            "validation": {"missing_months": "stop" if stop else "leave_out"},
            "sources": {
                "crimes": {"path": "police_uk", "format": "police_uk"},
                "areas": "areas.csv",
                "population": "population.csv",
            },
        },
        source_file=folder / "params.yaml",
    )


def test_check_coverage_notes_missing_months_or_stops_when_told(tmp_path):
    months = [m for m in ALL_MONTHS if m not in ("2021-10", "2022-01")]
    inputs = SimpleNamespace(results={"crimes": _street(months)})
    notes = check_coverage(_coverage_params(False, tmp_path), inputs)
    assert notes[:2] == [
        "No data.police.uk file for October 2021 in the folder police_uk: that month is shown "
        "as a gap and left out of the models.",
        "No data.police.uk file for January 2022 in the folder police_uk: that month is shown "
        "as a gap and left out of the models.",
    ]
    with pytest.raises(InputError) as err:
        check_coverage(_coverage_params(True, tmp_path), inputs)
    message = str(err.value)
    assert message.startswith(f"file {tmp_path / 'police_uk'}: 2 months of the analysis window")
    assert "2021-10 (no data.police.uk file for October 2021" in message
    assert "2022-01 (no data.police.uk file for January 2022" in message
    assert "validation.missing_months is 'stop'" in message and "leave_out" in message


def test_missing_months_round_trip_through_quality_json():
    gap = MissingMonth("2021-10", "no data.police.uk file for October 2021 in the folder x")
    quality = {"sources": {}, "missing_months": [dataclasses.asdict(gap)]}
    assert missing_from_quality(quality) == [gap]
    assert missing_from_quality({"sources": {}}) == []  # runs from before the key existed
    assert missing_sentence([]).startswith("Every month of the analysis window has data")


# --------------------------------------------------------------------------- the series


def test_count_by_month_gives_nan_for_a_missing_month_and_zero_for_a_quiet_one():
    months = pd.Series(["2021-04", "2021-04", "2021-06"])
    out = count_by_month(months, ["2021-04", "2021-05", "2021-06", "2021-07"], ["2021-07"])
    assert out[:3].tolist() == [2, 0, 1] and np.isnan(out[3])
    assert count_by_month(months, ["2021-04", "2021-05"]).dtype == np.int64


def test_public_series_publishes_an_empty_count_a_flag_and_the_reason():
    street = pd.DataFrame({"month": ["2021-04", "2021-06"], "crime_type": ["Robbery", "Robbery"]})
    gap = MissingMonth("2021-05", "no data.police.uk file for May 2021 in the folder x")
    table = public_series(street, date(2021, 4, 1), date(2021, 6, 30), [gap])
    proxy = table[table["series"] == PROXY_SERIES].set_index("month")
    assert proxy["count"].isna().tolist() == [False, True, False]
    assert proxy["count"].dropna().tolist() == [1, 1]
    assert proxy["missing"].tolist() == [False, True, False]
    assert proxy.loc["2021-05", "notes"] == (
        "no data for this month, so no count (a gap, not a zero): no data.police.uk file for "
        "May 2021 in the folder x"
    )
    complete = public_series(street, date(2021, 4, 1), date(2021, 6, 30))
    assert "notes" not in complete.columns and not complete["missing"].any()


# --------------------------------------------------------------------------- trend data


def _without(data, months: list[str]):
    """``data`` with every crime of ``months`` removed and those months marked missing."""
    drop = data.events["month"].isin(months).to_numpy()
    return dataclasses.replace(
        data,
        events=data.events[~drop].reset_index(drop=True),
        months=data.months.assign(missing=data.months["month"].isin(months)),
    )


def _zero_filled(data, months: list[str]):
    """The same crimes removed, but the months not marked: what counting them as 0 does."""
    drop = data.events["month"].isin(months).to_numpy()
    return dataclasses.replace(data, events=data.events[~drop].reset_index(drop=True))


GAP = "2018-11"


@pytest.fixture(scope="module")
def area():
    return synthetic_area(91)


def test_trend_data_gives_nan_for_a_missing_month(area):
    data = _without(area, [GAP])
    counts_ = data.monthly(data.series_mask("serious_violence"))
    at = data.months["month"].tolist().index(GAP)
    assert np.isnan(counts_[at]) and np.isfinite(np.delete(counts_, at)).all()
    assert data.missing_months == [GAP]
    assert "November 2018 has no data" in findings.data_note(data)


def test_rolling_totals_including_a_missing_month_are_empty(area):
    data = _without(area, [GAP])
    table = counts.monthly_counts(data)
    head = table[(table["breakdown"] == "Main series") & (table["series"] == "Serious violence")]
    head = head.reset_index(drop=True)
    at = head.index[head["month"] == GAP][0]
    assert head["count"].isna().tolist() == [i == at for i in range(len(head))]
    rolling = head["rolling_12_month_total"]
    assert rolling.iloc[at : at + 12].isna().all()  # every 12 months that include it
    assert rolling.iloc[at + 12 :].notna().all() and rolling.iloc[11:at].notna().all()


def test_weeks_touching_a_missing_month_have_no_count(area):
    data = _without(area, [GAP])
    weekly = counts.weekly_counts(data)
    head = weekly[weekly["series"] == "Serious violence"]
    starts = pd.to_datetime(head["week_start"])
    touching = (starts.dt.strftime("%Y-%m") == GAP) | (
        (starts + pd.Timedelta(days=6)).dt.strftime("%Y-%m") == GAP
    )
    assert head["count"].isna().to_numpy().tolist() == touching.tolist()
    assert touching.sum() == 5  # 29 Oct to 2 Dec 2018


def test_the_month_profile_leaves_a_missing_month_out(area):
    full = counts.month_profile(area)
    data = _without(area, [GAP])
    profile = counts.month_profile(data)
    nov = profile[(profile["series"] == "Serious violence") & (profile["month"] == "Nov")]
    nov_full = full[(full["series"] == "Serious violence") & (full["month"] == "Nov")]
    assert int(nov["months_used"].iloc[0]) == int(nov_full["months_used"].iloc[0]) - 1
    # The other Novembers' mean per day, not dragged down by a zero.
    assert nov["index"].iloc[0] == pytest.approx(nov_full["index"].iloc[0], rel=0.08)


def test_the_trend_model_leaves_a_missing_month_out_and_a_zero_would_distort_it(area):
    series = area.main[0]
    complete = its.fit_series(area, series)
    data = _without(area, [GAP])
    fit = its.fit_series(data, series)
    assert len(fit.observed) == len(complete.observed) - 1 and fit.months_left_out == [GAP]
    diag = its.diagnostics_table([fit]).iloc[0]
    assert (diag["months"], diag["months_used"], diag["months_left_out"]) == (84, 83, GAP)
    assert fit.family == complete.family
    for column in ("trend", "month_Nov", "step_1", "step_2"):  # step_1: the lockdown
        assert fit.params[column] == pytest.approx(complete.params[column], abs=0.03)
    # Counted as zero, the month is an outlier the model must absorb: overdispersion.
    zero = its.fit_series(_zero_filled(area, [GAP]), series)
    assert zero.dispersion.pearson_ratio > 5 * fit.dispersion.pearson_ratio


def test_the_trend_chart_and_its_data_show_the_gap(area):
    data = _without(area, [GAP])
    fit = its.fit_series(data, data.main[0])
    used = ~data.missing
    from snalib.chapters.trends import charts

    spread = charts.on_months(fit.fitted, used)
    at = data.months["month"].tolist().index(GAP)
    assert np.isnan(spread[at]) and np.isfinite(np.delete(spread, at)).all()
    fig = charts.its_chart(fit, data.months["month"], data.periods, "t", used=used)
    fitted_line = next(ln for ln in fig.axes[0].lines if ln.get_label() == "Model fit")
    assert np.isnan(fitted_line.get_ydata()[at])  # matplotlib breaks the line at NaN


def test_the_local_comparison_leaves_a_missing_month_out(area):
    data = _without(area, ["2019-05"])
    mask = data.series_mask("serious_violence")
    result = did.difference_in_differences(data, mask, LOCAL, "Serious violence")
    assert result.panel["count"].isna().sum() == 2  # inside and outside
    complete = did.difference_in_differences(area, mask_full(area), LOCAL, "Serious violence")
    assert result.rate_ratio == pytest.approx(complete.rate_ratio, abs=0.02)
    assert result.pre_months == complete.pre_months - 1


def mask_full(data):
    return data.series_mask("serious_violence")


def test_stl_interpolates_a_missing_month_for_the_decomposition_only(area):
    data = _without(area, [GAP])
    decompositions = seasonal.stl_all(data)
    dec = decompositions["Serious violence"]
    row = dec[dec["month"] == GAP].iloc[0]
    assert row["interpolated"] and np.isnan(row["observed"]) and np.isnan(row["remainder"])
    assert np.isfinite(row["trend"]) and dec["interpolated"].sum() == 1
    assert 0 <= seasonal.seasonal_strength(dec) <= 1
    found = findings.stl_findings(decompositions, "Serious violence")
    assert "November 2018 has no data" in found["sentence"] and "interpolated" in found["sentence"]


def test_the_forecast_uses_the_months_after_a_missing_month_or_says_why_not(area):
    late = _without(area, ["2021-06"])
    fc = forecast.forecast_series(late)
    assert not fc.estimated
    assert fc.reason.startswith("June 2021 has no data, and the forecast models need consecutive")
    early = _without(area, ["2016-02"])
    fc = forecast.forecast_series(early)
    assert fc.estimated and fc.backtest.predictions["month"].iloc[0] == "2021-04"
    assert np.isnan(fc.history.set_index("month").loc["2016-02", "observed"])


def test_an_incomplete_year_of_a_success_measure_is_not_available_with_the_reason():
    flagged = pd.DataFrame(
        {
            "offence_date": pd.to_datetime(["2020-05-01", "2021-05-01", "2021-06-01"]),
            "exclusion_step": ["", "", ""],
            "knife": [True, True, True],
            "victim_age": pd.array([20, 20, 30], dtype="Int64"),
        }
    )
    window = (date(2019, 4, 1), date(2022, 3, 31))
    events = knife_crime_events(flagged, 25, window, ["2021-10"])
    assert events.covered == {"2019/20", "2020/21"}
    count, why = events.count("all ages", SimpleNamespace(label="2021/22"))
    assert np.isnan(count)
    assert why == (
        "2021/22 is incomplete: the crimes data have no record for October 2021 (a month "
        "without data), so the year's count is not comparable"
    )
