"""The chapter's cells: each call shows something, in order, and says why when it cannot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from snalib.chapters.measures.chapter import (
    NO_DISTRICT_FUNNEL,
    district_funnel_figure,
    measures_summary,
    measures_table,
    measures_text,
    series_figures,
    success_measures_chapter,
)
from snalib.params import parse_params
from snalib.publish.run import RunContext
from snalib.publish.tables import PublishedFigure, PublishedTable
from tests.test_measures import AREAS, population_table

PARAMS = {
    "params_version": 1,
    "area": {"name": "Northshire", "slug": "northshire", "force_codes": ["E23900001"]},
    "report_year": "2021/22",
    "analysis_window": {"start": "2015-04-01", "end": "2022-03-31"},
    "baseline": "2018/19",
    "sources": {"crimes": "crimes.csv", "population": "population.csv", "areas": "areas.csv"},
}


def _knife_crimes(per_quarter: int = 20) -> pd.DataFrame:
    """Knife crimes in the definition, in the first LSOA, every quarter of the window."""
    starts = pd.date_range("2015-04-01", "2022-01-01", freq="QS-APR")
    n = per_quarter * len(starts)
    return pd.DataFrame(
        {
            "offence_date": np.repeat(starts + pd.Timedelta(days=10), per_quarter),
            "area_code": "E01900001",
            "exclusion_step": "",
            "serious_violence": True,
            "knife": pd.array([True] * n, dtype="boolean"),
            "victim_age": pd.array(np.tile([18, 40], n // 2), dtype="Int64"),
        }
    )


def _run(tmp_path: Path, crimes: pd.DataFrame | None) -> RunContext:
    """A run directory with parameters, areas, residents and (optionally) flagged crimes."""
    data = tmp_path / "data"
    data.mkdir()
    params = parse_params(PARAMS)
    (tmp_path / "params.json").write_text(json.dumps(params.to_json_dict()), encoding="utf-8")
    AREAS.to_parquet(data / "areas.parquet", index=False)
    population_table().to_parquet(data / "population.parquet", index=False)
    if crimes is not None:
        crimes.to_parquet(data / "crimes_flagged.parquet", index=False)
    return RunContext(tmp_path)


def test_series_figures_show_each_measure_in_order_or_why_it_cannot_be_charted(tmp_path):
    chapter = success_measures_chapter(_run(tmp_path, _knife_crimes()))
    admissions, knife_crime, homicides = series_figures(chapter)
    assert admissions == (
        "**Emergency hospital admissions for assault by sharp object (ICD-10 X99)** cannot "
        "be charted: no hospital admissions data were provided (sources.admissions)."
    )
    assert isinstance(knife_crime, PublishedFigure)
    assert knife_crime.name == "success_measure_knife_crime"
    assert knife_crime.title.startswith("Knife-enabled serious violence")
    data = pd.read_csv(tmp_path / "figures" / "success_measure_knife_crime.csv")
    assert len(data) == 2 * 28 and set(data["count"]) == {20, 10}  # quarterly, both groups
    assert homicides.startswith("**Non-domestic homicides** cannot be charted: no homicide data")
    assert not (tmp_path / "figures" / "success_measure_admissions.svg").exists()


def test_measures_table_is_published_once_and_read_by_the_summary_and_text(tmp_path):
    chapter = success_measures_chapter(_run(tmp_path, _knife_crimes()))
    table = measures_table(chapter)
    assert isinstance(table, PublishedTable) and table is measures_table(chapter)
    published = pd.read_csv(tmp_path / "tables" / "success_measures.csv")
    assert (
        list(published["measure_id"])
        == ["admissions"] * 2 + ["knife_crime", "knife_crime"] + ["homicides"] * 2
    )
    knife = published[published["measure_id"] == "knife_crime"].set_index("group")
    assert knife.loc["all ages", "current_count"] == 80  # 20 a quarter
    assert knife.loc["under 25", "current_count"] == 40
    summary = measures_summary(chapter)
    assert summary.startswith("Comparing 2021/22 with the baseline year 2018/19, the 6 success")
    assert "no hospital admissions data were provided" in summary
    assert "80 crimes in 2021/22" in measures_text(chapter)


def test_district_funnel_figure_says_why_when_the_run_has_no_crimes(tmp_path):
    chapter = success_measures_chapter(_run(tmp_path, None))
    assert district_funnel_figure(chapter) == NO_DISTRICT_FUNNEL
    assert not (tmp_path / "figures" / "district_funnel.csv").exists()


def test_district_funnel_figure_publishes_the_districts_with_small_ones_withheld(tmp_path):
    chapter = success_measures_chapter(_run(tmp_path, _knife_crimes()))
    figure = district_funnel_figure(chapter)
    assert isinstance(figure, PublishedFigure) and figure.name == "district_funnel"
    data = pd.read_csv(tmp_path / "figures" / "district_funnel.csv", dtype=str)
    counts = data.set_index("district_name")["count"]
    # 80 crimes in Alpha; none in Beta, so nothing is withheld and Alpha is plotted
    assert counts.to_dict() == {"Alpha": "80", "Beta": "0"}
    assert "Alpha" in figure.alt


@pytest.mark.parametrize("call", [measures_summary, measures_text, series_figures])
def test_every_cell_of_a_run_without_crimes_still_shows_something(tmp_path, call):
    shown = call(success_measures_chapter(_run(tmp_path, None)))
    items = shown if isinstance(shown, list) else [shown]
    assert items and all(isinstance(item, str) and item.strip() for item in items)
