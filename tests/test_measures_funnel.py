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


def test_a_district_with_population_zero_is_named_in_the_note_not_lost():
    crimes = _crimes(["E01900001"] * 40 + ["E01900003"] * 30)
    no_beta = population_table()
    no_beta.loc[no_beta["area_code"] == "E01900003", "population"] = 0
    funnel = district_funnel(MeasureInputs(no_beta, AREAS, flagged=crimes), Params, POLICE)
    assert list(funnel.data["district_name"]) == ["Alpha"]
    assert "Not in the funnel: Beta (population 0 in mid-2021)" in funnel.note
    assert "Beta (population 0 in mid-2021)" in funnel.alt
    # the area's rate is Alpha's alone: 40 crimes in its 3,036 residents of mid-2021
    assert abs(funnel.baseline - 40 / 3036 * 100_000) < 1e-6


def test_a_district_with_no_population_given_is_named_in_the_note():
    crimes = _crimes(["E01900001"] * 40 + ["E01900003"] * 30)
    alpha_only = population_table()
    alpha_only = alpha_only[alpha_only["area_code"] != "E01900003"]
    funnel = district_funnel(MeasureInputs(alpha_only, AREAS, flagged=crimes), Params, POLICE)
    assert "Not in the funnel: Beta (no mid-2021 population given)" in funnel.note


def test_no_crime_in_the_report_year_gives_a_sentence_not_a_failure():
    # Crimes only in the year before: the report year's area rate would be 0 and the
    # funnel's limits empty ("array of sample points is empty" before this was handled).
    crimes = _crimes(["E01900001"] * 40).assign(offence_date=pd.Timestamp("2020-07-01"))
    funnel = district_funnel(
        MeasureInputs(population_table(), AREAS, flagged=crimes), Params, POLICE
    )
    assert isinstance(funnel, str)
    assert "no serious violence was recorded in 2021/22 in any district" in funnel
