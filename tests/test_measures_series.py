"""Each measure over time: quarterly when every quarter can be published, else by year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from snalib.chapters.measures.definitions import ALL_AGES
from snalib.chapters.measures.series import measure_series
from tests.test_measures import RULES, measures_result


def _many_crimes(per_quarter: int, young_share: float) -> pd.DataFrame:
    """Knife crimes in the definition, ``per_quarter`` in every quarter of the window."""
    starts = pd.date_range("2015-04-01", "2022-01-01", freq="QS-APR")
    n = per_quarter * len(starts)
    young = int(round(per_quarter * young_share))
    return pd.DataFrame(
        {
            "offence_date": np.repeat(starts + pd.Timedelta(days=10), per_quarter),
            "exclusion_step": "",
            "knife": pd.array([True] * n, dtype="boolean"),
            "victim_age": pd.array(
                np.tile([18] * young + [40] * (per_quarter - young), len(starts)), dtype="Int64"
            ),
        }
    )


def test_series_is_quarterly_when_every_quarter_can_be_published():
    series = measure_series(measures_result(_many_crimes(20, 0.5)), "knife_crime", RULES)
    assert series.frequency == "quarter"
    assert len(series.data) == 2 * 28
    assert set(series.data["count"]) == {20, 10}
    assert series.data["period"].iloc[0] == "2015/16 Q1"
    assert "+0%" in series.title or "no significant change" in series.title


def test_series_falls_back_to_financial_years_when_a_quarter_would_be_withheld():
    # 20 a quarter, 17 of them under 25: 3 aged 25+ a quarter could be found by difference
    series = measure_series(measures_result(_many_crimes(20, 0.85)), "knife_crime", RULES)
    assert series.frequency == "financial year"
    assert len(series.data) == 2 * 7
    young = series.data[series.data["group"] == "under 25"]
    assert set(young["count"]) == {68}  # 12 aged 25+ a year: publishable
    assert series.plot["withheld"].sum() == 0


def test_series_marks_small_counts_withheld_and_never_plots_them():
    homicides = pd.DataFrame(
        {
            "offence_date": pd.to_datetime(["2018-05-01"] * 6 + ["2021-05-01"] * 2),
            "victim_age": pd.array([20] * 8, dtype="Int64"),
            "knife": pd.array([True] * 8, dtype="boolean"),
            "domestic": pd.array([False] * 8, dtype="boolean"),
        }
    )
    series = measure_series(measures_result(None, homicides), "homicides", RULES)
    assert series.frequency == "financial year"
    data = series.data.set_index(["group", "period"])["count"]
    assert data[(ALL_AGES, "2018/19")] == 6
    assert data[(ALL_AGES, "2021/22")] == "[c]"
    assert data[("under 25", "2021/22")] == "[c]"
    assert series.plot["value"].isna().sum() == 2 and series.plot["withheld"].sum() == 2
    assert "withheld" in series.note
