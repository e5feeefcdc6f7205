"""Serious violence by district against funnel limits, with small districts hidden."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from snalib.chapters.measures.funnel import district_funnel
from snalib.chapters.measures.table import MeasureInputs
from snalib.stats.overdispersion import flagged
from tests.test_measures import AREAS, POLICE, population_table


class Params:
    """The parameters the funnel reads."""

    report_year = "2021/22"

    class area:
        force_codes = ["E23900001"]

    class definition:
        priority_age_limit = 25

    class statistics:
        funnel_method = "additive"
        funnel_winsorise = 0.1


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


# Many districts: the limits allow for the variation between them -------------------------


def _many_districts(rates: list[float], populations: list[int], seed: int = 7):
    """Areas with one LSOA per district, residents, and crimes at the given rates (per
    100,000) in the report year: counts drawn as Poisson, with any extra variation in the
    rates themselves."""
    rng = np.random.default_rng(seed)
    k = len(rates)
    lsoas = [f"E0190{i:04d}" for i in range(k)]
    areas = pd.DataFrame(
        {
            "lsoa_code": lsoas,
            "lsoa_name": [f"D{i} 001A" for i in range(k)],
            "district_code": [f"E0790{i:04d}" for i in range(k)],
            "district_name": [f"District {chr(65 + i)}" for i in range(k)],
            "csp_code": [f"E2290{i:04d}" for i in range(k)],
            "csp_name": [f"District {chr(65 + i)}" for i in range(k)],
            "force_code": ["E23900001"] * k,
            "force_name": ["Northshire"] * k,
        }
    )
    rows = []
    for lsoa, total in zip(lsoas, populations, strict=True):
        for band, share in (("0-19", 0.2), ("20-24", 0.1), ("25+", 0.7)):
            for sex in ("M", "F"):
                rows.append((lsoa, 2021, sex, band, total * share / 2))
    population = pd.DataFrame(rows, columns=["area_code", "year", "sex", "age_band", "population"])
    counts = [
        int(rng.poisson(rate * pop / 100_000)) for rate, pop in zip(rates, populations, strict=True)
    ]
    crimes = _crimes([code for code, n in zip(lsoas, counts, strict=True) for _ in range(n)])
    return MeasureInputs(population, areas, flagged=crimes), counts


def _params(method: str):
    class Chosen(Params):
        class statistics:
            funnel_method = method
            funnel_winsorise = 0.1

    return Chosen


def _overdispersed(seed: int = 8, k: int = 14):
    rng = np.random.default_rng(seed)
    populations = rng.integers(60_000, 350_000, k).tolist()
    rates = (500 * rng.gamma(40, 1 / 40, k)).tolist()  # between-district CV about 0.16
    return rates, populations


def test_additive_funnel_allows_for_variation_between_districts_and_says_so():
    rates, populations = _overdispersed()
    rates[0] = 1500.0  # three times the area's rate: an outlier, not variation
    inputs, counts = _many_districts(rates, populations)
    funnel = district_funnel(inputs, _params("additive"), POLICE)
    data = funnel.data.set_index("district_name")
    assert funnel.dispersion.applied == "additive" and funnel.dispersion.tau2 > 0
    assert set(data["funnel_method"]) == {"additive random effects (Spiegelhalter 2005)"}
    assert data["tau2"].iloc[0] == pytest.approx(funnel.dispersion.tau2)
    # the outlier is flagged and named; the title says what the limits allow for
    assert data.loc["District A", "significance"] == "High (0.001)"
    assert "District A above the area's rate by more than the variation between" in (funnel.title)
    assert "additive random effects" in funnel.title
    # the adjusted limits are wider than the Poisson limits, so flag fewer districts
    assert (data["upper99_8_limit"] > data["poisson_upper99_8_limit"]).all()
    adjusted_out = flagged(data["significance"], 0.998).sum()
    poisson_out = flagged(data["poisson_significance"], 0.998).sum()
    assert 1 <= adjusted_out < poisson_out
    # z-scores on the square-root scale, from the published count and population
    expected = data["population"] * funnel.baseline / 100_000
    z = 2 * (np.sqrt(data["count"].astype(float)) - np.sqrt(expected))
    np.testing.assert_allclose(data["z_score"].astype(float), z)
    # the words: how many were compared, what 99.8% means, what Poisson limits would say
    assert "Each of the 14 districts shown is compared with the area's rate" in funnel.note
    assert "about 1 time in 500" in funnel.note
    assert f"would put {poisson_out} of the 14 outside their 99.8% limits" in funnel.note
    assert "tau2 =" in funnel.note and "DerSimonian-Laird" in funnel.note
    assert funnel.curves["upper99_8"].notna().all()


def test_poisson_method_keeps_the_poisson_limits_and_says_chance_alone():
    rates, populations = _overdispersed()
    inputs, _ = _many_districts(rates, populations)
    funnel = district_funnel(inputs, _params("poisson"), POLICE)
    data = funnel.data
    assert not funnel.dispersion.adjusted
    assert data["significance"].tolist() == data["poisson_significance"].tolist()
    np.testing.assert_allclose(data["upper95_limit"], data["poisson_upper95_limit"])
    assert "chance alone" in funnel.title
    assert "they allow for chance alone" in funnel.note
    assert set(data["funnel_method"]) == {"Poisson limits"}


def test_districts_varying_no_more_than_chance_keep_poisson_limits_with_the_reason():
    # every district exactly at the area's rate: no variation at all beyond rounding
    populations = [100_000 + 20_000 * i for i in range(10)]

    inputs, _ = _many_districts([500.0] * 10, populations)
    crimes = _crimes(
        [
            f"E0190{i:04d}"
            for i, pop in enumerate(populations)
            for _ in range(int(pop * 500 / 100_000))
        ]
    )
    funnel = district_funnel(
        MeasureInputs(inputs.population, inputs.areas, flagged=crimes), _params("additive"), POLICE
    )
    assert funnel.dispersion.method == "additive" and not funnel.dispersion.adjusted
    assert "vary no more than chance would make them" in funnel.note
    assert "every district shown is within the limits chance alone would produce" in funnel.title


def test_withheld_district_has_no_z_score_and_does_not_move_the_estimate():
    rates, populations = _overdispersed(k=10)
    inputs, counts = _many_districts(rates, populations)
    small_lsoa = inputs.areas["lsoa_code"].iloc[-1]
    crimes = inputs.flagged[inputs.flagged["area_code"] != small_lsoa]
    with_three = pd.concat([crimes, _crimes([small_lsoa] * 3)], ignore_index=True)
    with_four = pd.concat([crimes, _crimes([small_lsoa] * 4)], ignore_index=True)
    funnels = [
        district_funnel(
            MeasureInputs(inputs.population, inputs.areas, flagged=c), _params("additive"), POLICE
        )
        for c in (with_three, with_four)
    ]
    data = funnels[0].data.set_index("district_name")
    last = inputs.areas["district_name"].iloc[-1]
    assert data.loc[last, "count"] == 3
    assert (data.loc[last, ["rate", "z_score", "z_winsorised", "z_adjusted"]] == "[u]").all()
    # secondary suppression: the next smallest is withheld, with its z-scores
    secondary = data[data["count"].astype(str) == "[c]"]
    assert len(secondary) == 1 and (secondary["z_score"] == "[u]").all()
    assert funnels[0].dispersion.n_units == 8
    # the estimate rests only on the districts shown: the withheld count cannot move it
    # (the area's rate does move, and is published as today)
    assert funnels[0].dispersion.phi == pytest.approx(
        _phi_at_baseline(funnels[1], funnels[0].baseline), rel=1e-12
    )


def _phi_at_baseline(funnel, baseline: float) -> float:
    """phi of the shown districts of ``funnel`` against another area rate."""
    from snalib.stats.overdispersion import rate_funnel_overdispersion

    shown = funnel.points
    result = rate_funnel_overdispersion(
        shown["count"], shown["population"], "additive", 0.1, baseline=baseline
    )
    return result.dispersion.phi
