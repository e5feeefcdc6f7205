"""Serious violence by district against funnel limits, with small districts hidden."""

from __future__ import annotations

import pandas as pd

from snalib.chapters.measures.funnel import district_funnel
from snalib.chapters.measures.table import MeasureInputs
from tests.test_measures import AREAS, POLICE, population_table


class Params:
    """The parameters the funnel reads."""

    report_year = "2021/22"

    class area:
        force_codes = ["E23900001"]

    class definition:
        priority_age_limit = 25


def _crimes(codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"offence_date": pd.Timestamp("2021-07-01"), "area_code": codes, "serious_violence": True}
    )


def test_district_funnel_hides_small_districts_and_their_neighbour_in_size():
    crimes = _crimes(["E01900001"] * 40 + ["E01900003"] * 3)
    inputs = MeasureInputs(population_table(), AREAS, flagged=crimes)
    funnel = district_funnel(inputs, Params, POLICE)
    data = funnel.data.set_index("district_name")
    assert data.loc["Beta", "count"] == 3 and data.loc["Beta", "rate"] == "[u]"
    # only one district is suppressed: the other (the smallest remaining) is withheld too
    assert data.loc["Alpha", "count"] == "[c]" and data.loc["Alpha", "rate"] == "[u]"
    assert funnel.points.empty
    assert "not plotted" in funnel.note


def test_district_funnel_is_none_without_crimes_or_a_district_with_residents():
    crimes = _crimes(["E01900001"] * 40)
    assert district_funnel(MeasureInputs(population_table(), AREAS), Params, POLICE) is None
    nobody = population_table().assign(population=0)
    assert district_funnel(MeasureInputs(nobody, AREAS, flagged=crimes), Params, POLICE) is None
