"""The year-on-year table and its findings: intervals that allow for month-to-month variation
(exact Poisson beside them), and multiple-comparison control over groups and districts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from snalib.chapters.trends import counts, findings
from snalib.stats import rate_ratio
from snalib.stats.multiple import adjust
from tests.test_trends import synthetic_area


@pytest.fixture(scope="module")
def area():
    return synthetic_area(22)


@pytest.fixture(scope="module")
def yoy(area):
    return counts.year_on_year(area)


def test_year_on_year_keeps_the_exact_result_beside_the_overdispersion_aware_one(yoy):
    for _, row in yoy.iterrows():
        exact = rate_ratio(
            row["count_current"],
            row["population_current"],
            row["count_previous"],
            row["population_previous"],
        )
        assert row["lower95_exact"] == pytest.approx(exact["lower"].iloc[0], rel=1e-9)
        assert row["upper95_exact"] == pytest.approx(exact["upper"].iloc[0], rel=1e-9)
        assert row["p_value_exact"] == pytest.approx(exact["p_value"].iloc[0], rel=1e-9)
        assert row["rate_ratio"] == pytest.approx(exact["value"].iloc[0], rel=1e-12)
        assert row["dispersion"] >= 1 and row["dispersion_df"] > 0
        # never narrower than Poisson: the variance inflation is at least 1
        assert row["variance_inflation"] >= 1
        assert row["method"].startswith("rate ratio per resident; the 95% CI and p-value allow")


def test_only_groups_and_districts_are_adjusted_each_breakdown_on_its_own(yoy):
    main = yoy[yoy["breakdown"] == "Main series"]
    assert main["p_adjusted"].isna().all()
    for breakdown, what in (("District", "districts"), ("Crime type group", "groups")):
        rows = yoy[yoy["breakdown"] == breakdown]
        expected = adjust(rows["p_value"], "fdr")
        np.testing.assert_allclose(rows["p_adjusted"], expected.p_adjusted)
        assert (
            rows["multiple_comparisons"]
            == f"the false discovery rate (Benjamini-Hochberg) over 2 {what}"
        ).all()


def test_holm_is_used_when_the_parameters_ask_for_it(area):
    table = counts.year_on_year(area, "holm")
    rows = table[table["breakdown"] == "District"]
    np.testing.assert_allclose(rows["p_adjusted"], adjust(rows["p_value"], "holm").p_adjusted)
    assert rows["multiple_comparisons"].str.startswith("the family-wise error rate (Holm)").all()


def test_rows_below_the_minimum_count_are_not_tested(area):
    table = counts.year_on_year(area, "fdr", min_count=10**6)
    assert table["p_adjusted"].isna().all()
    sentence = findings.yoy_breakdown_sentence(table, "fdr", 10**6)
    assert "none is tested" in sentence and "significant" not in sentence.replace(
        "no significant change", ""
    )


def test_comparison_blocks_count_back_twelve_months_from_the_report_year(area):
    blocks = counts.comparison_blocks(area, date(2022, 3, 31))
    months = area.months["month"].to_numpy()

    def span(first, last):
        return [str(p) for p in pd.period_range(first, last, freq="M")]

    assert list(months[blocks == "current"]) == span("2021-04", "2022-03")
    assert list(months[blocks == "previous"]) == span("2020-04", "2021-03")
    assert list(months[blocks == "earlier 5"]) == span("2015-04", "2016-03")
    # Ending a year earlier, the last year of the window is left out
    earlier = counts.comparison_blocks(area, date(2021, 3, 31))
    assert list(months[earlier == "current"]) == span("2020-04", "2021-03")
    assert all(label is None for label in earlier[months >= "2021-04"])


def test_named_periods_are_terms_of_the_noise_model_not_noise(area):
    # The lockdowns of 2020 cut the previous year's months to 0.7: with them as terms the
    # months vary far less than when they are taken for noise.
    with_terms = counts.year_on_year(area)
    without = counts.year_on_year(replace(area, periods=[]))
    head = with_terms["series"] == "Serious violence"
    assert with_terms.loc[head, "rate_ratio"].iloc[0] == without.loc[head, "rate_ratio"].iloc[0]
    assert with_terms.loc[head, "dispersion"].iloc[0] < without.loc[head, "dispersion"].iloc[0]


# --------------------------------------------------------------------------- the sentence


def _districts(p_values, ratios):
    n = len(p_values)
    return pd.DataFrame(
        {
            "breakdown": ["Main series"] + ["District"] * n,
            "series": ["Serious violence"] + [f"D{i}" for i in range(n)],
            "count_previous": [1000] + [100] * n,
            "count_current": [1000] + [100] * n,
            "rate_ratio": [1.0, *ratios],
            "lower95": np.nan,
            "upper95": np.nan,
            "p_value": [0.5, *p_values],
        }
    )


def test_breakdown_sentence_names_only_changes_that_survive_the_false_discovery_rate():
    # Unadjusted, three districts are below 0.05; Benjamini-Hochberg keeps only D0
    # (q = 0.04, 0.053, 0.053, 0.5).
    yoy = _districts([0.01, 0.04, 0.03, 0.5], [1.5, 0.7, 1.3, 1.0])
    sentence = findings.yoy_breakdown_sentence(yoy, "fdr")
    assert sentence.startswith("By district: significant rises in D0.")
    assert "D1" not in sentence and "D2" not in sentence
    assert (
        "Across 4 districts, the false discovery rate (Benjamini-Hochberg) is controlled at 5%."
        in sentence
    )
    assert "Only districts with at least 10 crimes in each year are tested" in sentence


def test_breakdown_sentence_with_holm_says_so():
    yoy = _districts([0.01, 0.001, 0.03, 0.5], [1.5, 0.7, 1.3, 1.0])
    sentence = findings.yoy_breakdown_sentence(yoy, "holm")
    # Holm: 0.001 x 4 = 0.004, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06: D1 and D0 only
    assert sentence.startswith("By district: significant rises in D0; significant falls in D1.")
    assert "the family-wise error rate (Holm) is controlled at 5%" in sentence


def test_headline_sentence_says_what_the_interval_allows_for(yoy):
    sentence = findings.yoy_findings(yoy, "Serious violence")["sentence"]
    assert "allows for month-to-month variation beyond chance (quasi-Poisson, dispersion" in (
        sentence
    )
    assert "not one of a scan" in sentence
