"""Age bands of the success measures: reading labels, and the bands of each group."""

from __future__ import annotations

import math

import pytest

from snalib.chapters.measures.ages import parse_age_band, select_age_bands


def test_parse_age_band_reads_ranges_open_bands_and_all():
    assert parse_age_band("18-24") == (18, 24)
    assert parse_age_band("05 - 09") == (5, 9)
    assert parse_age_band("55+") == (55, math.inf)
    assert parse_age_band("all") is None
    with pytest.raises(ValueError, match="'adults'"):
        parse_age_band("adults")


def test_select_age_bands_takes_the_bands_wholly_under_the_limit():
    bands = select_age_bands(["0-17", "18-24", "25-34", "35-44", "45-54", "55+"], 25)
    assert bands.young_bands == ("0-17", "18-24")
    assert len(bands.all_bands) == 6 and bands.all_problem == ""


def test_select_age_bands_refuses_a_band_straddling_the_limit():
    bands = select_age_bands(["0-15", "16-29", "30+"], 25)
    assert bands.young_bands is None
    assert "16-29" in bands.young_problem and "not computed rather than guessed" in (
        bands.young_problem
    )
    assert bands.all_bands == ("0-15", "16-29", "30+")  # all ages is still fine


def test_select_age_bands_says_when_bands_leave_a_gap_or_give_all_ages_only():
    gap = select_age_bands(["0-9", "15-24", "25+"], 25)
    assert gap.young_bands is None and "ages 10 to 14" in gap.young_problem
    assert "ages 10 to 14" in gap.all_problem
    only_all = select_age_bands(["all"], 25)
    assert only_all.young_bands is None and "all ages only" in only_all.young_problem
    assert only_all.all_problem == ""
