"""Directly standardised rates (Dobson, ESP2013): reference values and synthetic truth."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from snalib.stats import directly_standardised_rate, load_esp2013, normalise_age_band

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "methods"
RTOL = 1e-6
LIMITS = ["lower95", "upper95", "lower99_8", "upper99_8"]


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "dsr_expected.csv")


@pytest.fixture(scope="module")
def multiarea() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "dsr_multiarea.csv")


def _check_against(result: pd.DataFrame, reference: pd.DataFrame) -> None:
    result = result.set_index("area").loc[reference["area"]]
    np.testing.assert_allclose(result["total_count"], reference["total_count"], rtol=0)
    np.testing.assert_allclose(result["total_population"], reference["total_population"], rtol=0)
    for column in ["value", *LIMITS]:
        wanted = reference[column].to_numpy()
        usable = ~np.isnan(wanted) | ~reference["published"].to_numpy()
        np.testing.assert_allclose(
            result[column].to_numpy()[usable], wanted[usable], rtol=RTOL, err_msg=column
        )


# ESP2013 ---------------------------------------------------------------------------------


def test_esp2013_has_19_bands_summing_to_100000():
    weights = load_esp2013()
    assert len(weights) == 19
    assert weights.sum() == 100_000
    assert weights.index[0] == "0-4" and weights.index[-1] == "90+"
    assert weights["55-59"] == 6500 and weights["90+"] == 1000


def test_normalise_age_band_removes_only_typography():
    assert normalise_age_band("90 +") == "90+"
    assert normalise_age_band("05-09") == "5-9"
    assert normalise_age_band(" 5 \u2013 9 ") == "5-9"
    assert normalise_age_band("55-69") != normalise_age_band("55-59")


# Reference values ------------------------------------------------------------------------


@pytest.mark.parametrize("multiplier", [10_000, 100_000])
def test_dsr_matches_reference_multiarea(multiarea, expected, multiplier):
    reference = expected.query(
        "multiplier == @multiplier and not non_independent and area != 'testdata_1976'"
    )
    result = directly_standardised_rate(
        multiarea, by="area", multiplier=multiplier, confidence=(0.95, 0.998)
    )
    _check_against(result, reference)
    assert result["statistic"].eq(f"dsr per {multiplier:,}").all()
    assert result["method"].eq("Dobson").all()


def test_dsr_total_count_below_10_is_not_published_with_reason(multiarea):
    result = directly_standardised_rate(multiarea, by="area").set_index("area")
    tiny = result.loc["testdata_tiny"]
    assert tiny["total_count"] == 9
    assert np.isnan(tiny["value"]) and np.isnan(tiny["lower"]) and np.isnan(tiny["upper"])
    assert "not published: total count 9 is below 10" in tiny["note"]
    # upstream reads the one missing count (age 10-14) as zero, and so do we, saying so
    assert "count missing for age band(s) 10-14, read as 0" in tiny["note"]
    assert tiny["statistic"] == "dsr per 100,000"
    assert result.loc["testdata_big", "note"] == ""


@pytest.mark.parametrize("multiplier", [10_000, 100_000])
def test_dsr_matches_reference_esp1976_value_and_95_limits(expected, multiplier):
    data = pd.read_csv(FIXTURES / "dsr_esp1976.csv")
    standard = pd.Series(data["esp1976_weight"].to_numpy(), index=data["age_band"])
    reference = expected.query("multiplier == @multiplier and area == 'testdata_1976'")
    result = directly_standardised_rate(
        data, standard=standard, multiplier=multiplier, confidence=(0.95, 0.998)
    )
    for column in ("total_count", "value", "lower95", "upper95"):
        np.testing.assert_allclose(result[column], reference[column], rtol=RTOL, err_msg=column)


def test_dsr_esp1976_99_8_limits_follow_dobson_formula():
    """Upstream's 99.8% cells for this table are 10x too large; check against the formula."""
    data = pd.read_csv(FIXTURES / "dsr_esp1976.csv")
    weights, counts, population = (
        data["esp1976_weight"].to_numpy(float),
        data["count"].to_numpy(float),
        data["population"].to_numpy(float),
    )
    total = counts.sum()
    dsr = np.sum(weights * counts / population) / weights.sum()
    variance = np.sum(weights**2 * counts / population**2) / weights.sum() ** 2
    z = stats.norm.ppf(0.999)
    byar_lower = total * (1 - 1 / (9 * total) - z / (3 * np.sqrt(total))) ** 3
    byar_upper = (total + 1) * (1 - 1 / (9 * (total + 1)) + z / (3 * np.sqrt(total + 1))) ** 3
    standard = pd.Series(weights, index=data["age_band"])
    result = directly_standardised_rate(
        data, standard=standard, multiplier=10_000, confidence=0.998
    )
    expected_lower = (dsr + np.sqrt(variance / total) * (byar_lower - total)) * 10_000
    expected_upper = (dsr + np.sqrt(variance / total) * (byar_upper - total)) * 10_000
    assert result["lower"].iloc[0] == pytest.approx(expected_lower, rel=1e-12)
    assert result["upper"].iloc[0] == pytest.approx(expected_upper, rel=1e-12)
    assert result["lower"].iloc[0] == pytest.approx(765.93, abs=0.01)  # not upstream's 7659.28


def test_dsr_matches_reference_non_independent_events(expected):
    data = pd.read_csv(FIXTURES / "dsr_nonindependent.csv")  # labels "00-04", "05-09", ...
    reference = expected.query("non_independent")
    result = directly_standardised_rate(
        data,
        by="area",
        confidence=(0.95, 0.998),
        event_frequencies={1: "f1", 2: "f2", 3: "f3", 4: "f4"},
    )
    _check_against(result, reference)
    assert result["method"].eq("Dobson, with confidence adjusted for non-independent events").all()
    tiny = result.set_index("area").loc["testdata_nonind_tiny"]
    assert np.isnan(tiny["value"]) and "not published" in tiny["note"]


# Joining the standard population -----------------------------------------------------------


def test_dsr_joins_standard_by_label_not_position(multiarea):
    shuffled = multiarea.sample(frac=1, random_state=4).reset_index(drop=True)
    in_order = directly_standardised_rate(multiarea, by="area").set_index("area").sort_index()
    reordered = directly_standardised_rate(shuffled, by="area").set_index("area").sort_index()
    np.testing.assert_allclose(reordered["value"], in_order["value"], rtol=1e-12)
    np.testing.assert_allclose(reordered["upper"], in_order["upper"], rtol=1e-12)


def test_dsr_unmatched_age_band_label_raises_naming_it(multiarea):
    wrong = multiarea.assign(age_band=multiarea["age_band"].replace({"55-59": "55-69"}))
    with pytest.raises(ValueError, match=r"not in the standard population: \['55-69'\]"):
        directly_standardised_rate(wrong, by="area")


def test_dsr_accepts_trivially_different_labels(multiarea):
    respaced = multiarea.assign(
        age_band=multiarea["age_band"].replace({"90+": "90 +", "5-9": "05-09"})
    )
    original = directly_standardised_rate(multiarea, by="area")
    result = directly_standardised_rate(respaced, by="area")
    np.testing.assert_allclose(result["value"], original["value"], rtol=1e-12)


def test_dsr_group_missing_an_age_band_raises(multiarea):
    incomplete = multiarea.drop(index=multiarea.index[multiarea["age_band"] == "90+"][:1])
    with pytest.raises(ValueError, match=r"testdata_big.*lacks age band\(s\) \['90\+'\]"):
        directly_standardised_rate(incomplete, by="area")


def test_dsr_repeated_age_band_raises(multiarea):
    doubled = pd.concat([multiarea, multiarea.iloc[[0]]])
    with pytest.raises(ValueError, match="age bands repeated"):
        directly_standardised_rate(doubled, by="area")


def test_dsr_restricted_standard_standardises_part_of_the_age_range(multiarea):
    young = ["10-14", "15-19", "20-24"]
    data = multiarea[multiarea["age_band"].isin(young)]
    result = directly_standardised_rate(data, by="area", standard=load_esp2013()[young])
    big = data[data["area"] == "testdata_big"]
    weights = np.array([5500, 5500, 6000])
    expected_value = np.sum(weights * big["count"] / big["population"]) / weights.sum() * 100_000
    assert result.set_index("area").loc["testdata_big", "value"] == pytest.approx(expected_value)


# Missing and invalid inputs --------------------------------------------------------------


def test_dsr_missing_count_as_nan_option_gives_nan_with_reason(multiarea):
    result = directly_standardised_rate(multiarea, by="area", missing_count="nan").set_index("area")
    assert np.isnan(result.loc["testdata_tiny", "value"])
    assert (
        "not calculated: count missing for age band(s) 10-14" in result.loc["testdata_tiny", "note"]
    )


def test_dsr_missing_population_gives_nan_with_reason(multiarea):
    data = multiarea.copy()
    data.loc[(data["area"] == "testdata_big") & (data["age_band"] == "0-4"), "population"] = np.nan
    result = directly_standardised_rate(data, by="area").set_index("area")
    assert np.isnan(result.loc["testdata_big", "value"])
    assert np.isnan(result.loc["testdata_big", "total_population"])
    assert "population missing for age band(s) 0-4" in result.loc["testdata_big", "note"]
    assert result.loc["testdata_small", "value"] == pytest.approx(1103.212025300104, rel=RTOL)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("count", -1, "count must be zero or more"),
        ("population", 0, "population must be greater than zero"),
        ("population", -5, "population must be greater than zero"),
    ],
)
def test_dsr_invalid_input_raises(multiarea, column, value, message):
    data = multiarea.copy()
    data.loc[0, column] = value
    with pytest.raises(ValueError, match=message):
        directly_standardised_rate(data, by="area")


def test_dsr_negative_standard_weight_raises(multiarea):
    standard = load_esp2013().copy()
    standard["0-4"] = -5000
    with pytest.raises(ValueError, match="weights must be zero or more"):
        directly_standardised_rate(multiarea, by="area", standard=standard)


def test_dsr_event_frequencies_disagreeing_with_count_raise():
    data = pd.read_csv(FIXTURES / "dsr_nonindependent.csv")
    data.loc[0, "f1"] += 1
    with pytest.raises(ValueError, match="count differs from sum"):
        directly_standardised_rate(data, by="area", event_frequencies={1: "f1", 2: "f2", 3: "f3"})


def test_dsr_missing_column_raises(multiarea):
    with pytest.raises(ValueError, match="no column"):
        directly_standardised_rate(multiarea, population="pop", by="area")


# Synthetic data with a known truth ---------------------------------------------------------


def _synthetic(age_rates_per_person: np.ndarray, populations: np.ndarray, rng, n_areas: int):
    bands = load_esp2013().index
    counts = rng.poisson(age_rates_per_person * populations, size=(n_areas, len(bands)))
    return pd.DataFrame(
        {
            "area": np.repeat(np.arange(n_areas), len(bands)),
            "age_band": np.tile(bands, n_areas),
            "count": counts.ravel(),
            "population": np.tile(populations, n_areas),
        }
    )


def test_dsr_equals_the_rate_when_every_age_has_the_same_rate():
    bands = load_esp2013().index
    populations = np.linspace(2000, 9000, len(bands))
    data = pd.DataFrame(
        {"age_band": bands, "count": 0.004 * populations, "population": populations}
    )
    result = directly_standardised_rate(data)
    assert result["value"].iloc[0] == pytest.approx(400.0, rel=1e-12)


def _dsr_coverage(n_areas: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    weights = load_esp2013().to_numpy()
    # Violence peaks in the late teens and twenties: a plausible age profile.
    age_rates = (
        np.array([1, 1, 4, 25, 30, 22, 16, 12, 9, 7, 5, 4, 3, 2, 2, 1, 1, 1, 1], dtype=float)
        / 10_000
    )
    populations = np.full(len(weights), 6000.0)
    truth = np.sum(weights * age_rates) / weights.sum() * 100_000
    result = directly_standardised_rate(_synthetic(age_rates, populations, rng, n_areas), by="area")
    return float(((result["lower"] <= truth) & (result["upper"] >= truth)).mean())


def test_dsr_ci_coverage_near_95_percent_in_simulation():
    coverage = _dsr_coverage(n_areas=1500, seed=123)
    assert 0.93 <= coverage <= 0.97  # Monte Carlo SE about 0.006


@pytest.mark.slow
def test_dsr_ci_coverage_near_95_percent_large_simulation():
    coverage = _dsr_coverage(n_areas=20_000, seed=321)
    assert 0.94 <= coverage <= 0.965
