"""Coverage: the periods every chapter reports on have data (snalib.validation.check_coverage)."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from snalib.cli import main
from snalib.errors import InputError
from snalib.params import parse_params
from snalib.validation import check_coverage, check_definition_coverage, needed_spans
from tests.conftest import HANDWRITTEN


def _params(**changes):
    data = yaml.safe_load((HANDWRITTEN / "params.yaml").read_text())
    data.update(changes)
    return parse_params(data, source_file=HANDWRITTEN / "params.yaml")


def _result(table: str, **columns) -> SimpleNamespace:
    return SimpleNamespace(table=table, data=pd.DataFrame(columns), files=[])


def _crimes(*dates: str) -> SimpleNamespace:
    return _result("crimes", offence_date=pd.to_datetime(list(dates)))


def _inputs(**results) -> SimpleNamespace:
    return SimpleNamespace(results=results)


#: One crime in each of the baseline (2019/20), previous (2020/21) and report (2021/22) years.
COVERED = ("2019-07-07", "2020-06-01", "2021-04-03")


def test_the_periods_are_the_report_previous_and_baseline_years_and_the_named_periods():
    params = _params(periods=[{"name": "Lockdown", "start": "2020-03-23", "end": "2020-06-14"}])
    spans = needed_spans(params)
    assert [s.what for s in spans] == [
        "the report year 2021/22",
        "the previous year 2020/21",
        "the baseline year 2019/20",
        "the period 'Lockdown' (2020-03-23 to 2020-06-14)",
    ]


def test_no_previous_year_when_the_window_starts_with_the_report_year():
    params = _params(analysis_window={"start": "2021-04-01", "end": "2022-03-31"}, baseline=None)
    assert [s.what for s in needed_spans(params)] == ["the report year 2021/22"]


def test_crimes_covering_every_period_pass_with_no_note():
    assert check_coverage(_params(), _inputs(crimes=_crimes(*COVERED))) == []


@pytest.mark.parametrize(
    ("dates", "named"),
    [
        (COVERED[:2], "the report year 2021/22"),
        (COVERED[1:], "the baseline year 2019/20"),
        ((COVERED[0], COVERED[2]), "the previous year 2020/21"),
        ((COVERED[1],), "the report year 2021/22 or the baseline year 2019/20"),
    ],
)
def test_a_period_without_crimes_stops_with_the_file_and_the_period(dates, named):
    with pytest.raises(InputError) as err:
        check_coverage(_params(), _inputs(crimes=_crimes(*dates)))
    message = str(err.value)
    assert f"crimes.csv has no records for {named}." in message
    assert err.value.column == "offence_date"
    assert err.value.file.endswith("crimes.csv")


def test_the_message_gives_the_dates_the_data_cover():
    with pytest.raises(InputError, match="run from 2020-06-01 to 2021-04-03"):
        check_coverage(_params(), _inputs(crimes=_crimes(*COVERED[1:])))


def test_a_named_period_without_crimes_stops():
    params = _params(periods=[{"name": "Gap", "start": "2019-09-01", "end": "2020-02-29"}])
    with pytest.raises(InputError, match=r"the period 'Gap' \(2019-09-01 to 2020-02-29\)"):
        check_coverage(params, _inputs(crimes=_crimes(*COVERED)))


def test_street_level_crimes_are_checked_by_month():
    street = _result("street_crimes", month=["2019-07", "2020-06", "2021-04"])
    notes = check_coverage(_params(), _inputs(crimes=street))
    # Every period is covered; the 33 other months of the window are missing months.
    assert len(notes) == 33 and all(n.startswith("No data.police.uk file for") for n in notes)
    street = _result("street_crimes", month=["2020-06", "2021-04"])
    with pytest.raises(InputError, match="no records for the baseline year 2019/20") as err:
        check_coverage(_params(), _inputs(crimes=street))
    assert err.value.column == "month"


def _with(name: str, path: str):
    data = yaml.safe_load((HANDWRITTEN / "params.yaml").read_text())
    data["sources"][name] = path
    return parse_params(data, source_file=HANDWRITTEN / "params.yaml")


def test_admissions_without_the_baseline_year_give_a_note_not_an_error():
    params = _with("admissions", "hes.csv")
    hes = _result("admissions", period=["2020-04", "2021/22"])
    notes = check_coverage(params, _inputs(crimes=_crimes(*COVERED), admissions=hes))
    assert notes == [
        "hes.csv has no rows for the baseline year 2019/20: the hospital admissions measure is "
        "'not available' for it in the success measures"
    ]


def test_a_year_without_homicide_is_a_note_that_it_counts_as_none():
    params = _with("homicides", "hi.csv")
    hi = _result("homicides", offence_date=pd.to_datetime(["2021-05-01"]))
    (note,) = check_coverage(params, _inputs(crimes=_crimes(*COVERED), homicides=hi))
    assert note.startswith(
        "hi.csv has no homicide in the previous year 2020/21 nor the baseline year 2019/20: "
        "counted as none"
    )


def test_interventions_are_checked_for_the_report_year_only():
    params = _with("interventions", "iv.csv")
    iv = _result("interventions", period=["2019/20", "2020/21"])
    (note,) = check_coverage(params, _inputs(crimes=_crimes(*COVERED), interventions=iv))
    assert note == (
        "iv.csv has no rows for the report year 2021/22: the programme chapter says so in a "
        "sentence"
    )


def test_a_missing_mid_year_population_names_the_year_used_instead():
    pop = _result("population", year=[2019, 2020])
    (note,) = check_coverage(_params(), _inputs(crimes=_crimes(*COVERED), population=pop))
    assert note == (
        "population.csv has no mid-2021 estimate: rates for the report year 2021/22 use "
        "mid-2020, the nearest year given"
    )


def test_sna_validate_prints_the_coverage_notes(tmp_path, capsys):
    folder = tmp_path / "input"
    shutil.copytree(HANDWRITTEN, folder)
    population = folder / "population.csv"
    lines = population.read_text().splitlines(keepends=True)
    population.write_text("".join(line for line in lines if ",2021," not in line))
    assert main(["validate", str(folder / "params.yaml")]) == 0
    out = capsys.readouterr().out
    assert (
        "note [coverage]: population.csv has no mid-2021 estimate: rates for the report year "
        "2021/22 use mid-2020, the nearest year given"
    ) in out


def test_no_crime_of_the_report_year_in_the_definition_stops_with_the_reasons():
    flagged = pd.DataFrame(
        {
            "offence_date": pd.to_datetime(
                ["2021-05-01", "2021-06-01", "2021-07-01", "2020-05-01"]
            ),
            "serious_violence": [False, False, False, True],
            "exclusion_step": ["not_domestic", "not_domestic", "public_place", ""],
        }
    )
    with pytest.raises(InputError) as err:
        check_definition_coverage(_params(), flagged, HANDWRITTEN / "crimes.csv")
    assert (
        "no crime in crimes.csv meets the serious violence definition in the report year "
        "2021/22: of its 3 crimes that year, 2 domestic, 1 not in a public place"
    ) in str(err.value)
    flagged.loc[0, "serious_violence"] = True
    check_definition_coverage(_params(), flagged, HANDWRITTEN / "crimes.csv")  # one is enough


def test_a_population_for_other_areas_gives_a_note_that_rates_are_not_available():
    pop = _result("population", year=[2019, 2020, 2021], area_code=["E01999999"] * 3)
    areas = _result("areas", lsoa_code=["E01900001"], district_code=["E07900001"])
    notes = check_coverage(
        _params(), _inputs(crimes=_crimes(*COVERED), population=pop, areas=areas)
    )
    assert notes == [
        "population.csv has no rows for the area's LSOAs, districts or force: every rate is "
        "'not available'"
    ]
    pop.data["area_code"] = ["E07900001"] * 3  # district-level population: fine
    assert (
        check_coverage(_params(), _inputs(crimes=_crimes(*COVERED), population=pop, areas=areas))
        == []
    )
