"""Acceptance (issue 10): a crimes file written by hand with a monthly gamma frailty and no
true change between the baseline and the report year.

The knife crimes of each month are Poisson around a mean multiplied by a gamma frailty with
a coefficient of variation of 0.3 (a negative binomial month), the same in every year. The
build's own stages (:func:`snalib.pipeline.build.validate_inputs`, ``write_data``,
``apply_definition``) read the files and flag the crimes; the success measures chapter then
publishes ``tables/success_measures.csv`` as the notebook does. The measures must say "no
significant change", and their 95% intervals must be wider than the exact Poisson intervals
of the same counts by the factor the monthly variation implies: on the log scale about
sqrt(1 + CV^2 x mean monthly count), the square root of the negative binomial variance over
the Poisson one.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from snalib.chapters.measures.chapter import (
    measures_summary,
    measures_text,
    success_measures_chapter,
)
from snalib.chapters.measures.definitions import NO_SIGNIFICANT_CHANGE
from snalib.params import load_params
from snalib.pipeline.build import apply_definition, validate_inputs, write_data
from snalib.publish.run import RunContext
from snalib.stats import rate_ratio
from tests.conftest import HANDWRITTEN

CV = 0.3
#: Expected knife crimes a month, all ages; half of the victims are under 25.
MEAN_ALL = 40.0
YOUNG_SHARE = 0.5
FIRST_FY, LAST_FY = 2016, 2021

PARAMS = f"""\
params_version: 1
area:
  name: Frailty Force (test)
  slug: frailty
  force_codes: [E23900001]
report_year: "{LAST_FY}/{(LAST_FY + 1) % 100:02d}"
analysis_window:
  start: {FIRST_FY}-04-01
  end: {LAST_FY + 1}-03-31
baseline: "{FIRST_FY}/{(FIRST_FY + 1) % 100:02d}"
sources:
  crimes: crimes.csv
  population: population.csv
  areas: areas.csv
"""


def _crimes(seed: int) -> pd.DataFrame:
    """Knife-enabled serious violence, month by month, with a gamma frailty per month."""
    rng = np.random.default_rng(seed)
    months = pd.period_range(f"{FIRST_FY}-04", f"{LAST_FY + 1}-03", freq="M")
    frailty = rng.gamma(1 / CV**2, CV**2, len(months))
    season = 1 + 0.1 * np.cos(2 * np.pi * (months.month.to_numpy() - 7) / 12)
    rows = []
    for month, g, s in zip(months, frailty, season, strict=True):
        for _ in range(rng.poisson(MEAN_ALL * s * g)):
            young = rng.random() < YOUNG_SHARE
            day = int(rng.integers(1, month.days_in_month + 1))
            rows.append(
                {
                    "crime_id": f"FR-{len(rows) + 1:05d}",
                    "offence_date": f"{month}-{day:02d}",
                    "offence_hour": int(rng.integers(0, 24)),
                    "hocr_code": "5D",
                    "area_code": f"E0190000{int(rng.integers(1, 4))}",
                    "public_place": "Y",
                    "domestic": "N",
                    "knife": "Y",
                    "victim_age": int(rng.integers(15, 25) if young else rng.integers(25, 60)),
                    "victim_sex": "M",
                    "offender_age": 22,
                    "offender_sex": "M",
                    "victim_id": "",
                    "offender_id": "",
                    "beat": "A1",
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def frailty_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("frailty")
    (root / "params.yaml").write_text(PARAMS, encoding="utf-8")
    (root / "areas.csv").write_bytes((HANDWRITTEN / "areas.csv").read_bytes())
    # The same residents every year, so that no change in counts is no change in rate.
    one_year = pd.read_csv(HANDWRITTEN / "population.csv")
    one_year = one_year[one_year["year"] == 2019]
    population = pd.concat(
        [one_year.assign(year=year) for year in range(FIRST_FY, LAST_FY + 1)], ignore_index=True
    )
    population.to_csv(root / "population.csv", index=False)
    _crimes(seed=20190901).to_csv(root / "crimes.csv", index=False)
    params = load_params(root / "params.yaml")
    run = root / "run"
    inputs, _ = validate_inputs(params)
    write_data(inputs, params, run)
    assert apply_definition(inputs, params, run)
    return run


@pytest.fixture(scope="module")
def published(frailty_run) -> pd.DataFrame:
    chapter = success_measures_chapter(RunContext(frailty_run))
    chapter.published  # noqa: B018 - publishes tables/success_measures.csv
    table = pd.read_csv(frailty_run / "tables" / "success_measures.csv")
    return table[table["measure_id"] == "knife_crime"].set_index("group")


def test_no_true_change_gives_no_significant_change(published):
    assert list(published["status"]) == [NO_SIGNIFICANT_CHANGE] * 2
    for reason in published["status_reason"]:
        assert reason.startswith(
            "the 95% interval of the rate ratio, allowing for month-to-month variation beyond "
            "chance (quasi-Poisson, dispersion"
        )
        assert "includes 1" in reason


@pytest.mark.parametrize(("group", "mean"), [("all ages", MEAN_ALL), ("under 25", 20.0)])
def test_intervals_are_wider_than_exact_ones_by_the_factor_the_frailty_implies(
    published, group, mean
):
    row = published.loc[group]
    baseline, current = float(row["baseline_count"]), float(row["current_count"])
    exact = rate_ratio(
        current, float(row["current_population"]), baseline, float(row["baseline_population"])
    )
    # The published exact columns are the exact test of the same counts
    assert row["lower95_exact"] == pytest.approx(exact["lower"].iloc[0], rel=1e-9)
    assert row["upper95_exact"] == pytest.approx(exact["upper"].iloc[0], rel=1e-9)
    width = math.log(row["upper95"] / row["lower95"])
    exact_width = math.log(row["upper95_exact"] / row["lower95_exact"])
    implied = math.sqrt(1 + CV**2 * mean)  # negative binomial sd / Poisson sd
    ratio = width / exact_width
    assert ratio > 1.3  # visibly wider
    # Within sampling error of the dispersion estimated from six years of months (the t
    # quantile on the noise model's degrees of freedom and the AR(1) allowance add a little)
    assert 0.75 * implied <= ratio <= 1.35 * implied
    # ... and the interval is what the published dispersion and inflation say it is
    t = stats.t.ppf(0.975, row["dispersion_df"])
    poisson_sd = math.sqrt(1 / baseline + 1 / current)
    assert width == pytest.approx(2 * t * poisson_sd * math.sqrt(row["variance_inflation"]))
    assert row["dispersion"] == pytest.approx(1 + CV**2 * mean, rel=0.45)


def test_the_exact_test_alone_would_claim_more_certainty(published):
    for _, row in published.iterrows():
        assert row["p_value"] > row["p_value_exact"]


def test_the_summary_says_what_was_tested_and_how_multiple_comparisons_are_handled(frailty_run):
    summary = measures_summary(success_measures_chapter(RunContext(frailty_run)))
    assert "month-to-month variation" in summary
    assert "no adjustment for multiple comparisons" in summary
    assert "specified in advance" in summary


def test_each_measure_sentence_says_what_it_was_tested_against(frailty_run):
    text = measures_text(success_measures_chapter(RunContext(frailty_run)))
    knife = text[text.index("**Knife-enabled serious violence**") :]
    assert (
        knife.count(
            "The test: the 95% interval of the rate ratio, allowing for month-to-month variation "
            "beyond chance (quasi-Poisson, dispersion"
        )
        == 2
    )
