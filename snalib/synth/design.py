"""Every value injected into the synthetic Northshire data, in one place.

Nothing here is random: the generator modules read these constants, draw from them with
seeded streams, and :mod:`snalib.synth.truth` writes them to ``truth.json`` so that a test
or a reviewer can check that a chapter recovers them. ``docs/synthetic-data.md`` explains
each choice in words.

Conventions
-----------
- Annual volumes (``Family.annual``) are expected counts per year at ``scale=1.0`` at the
  reference date :data:`REFERENCE_DATE` (trend factor 1, seasonal and weekly factors
  averaging 1, no COVID-19 period).
- Rate ratios (``irr``) multiply the expected count; effects of different kinds multiply.
- Age profiles are lists of ``(lowest age, highest age, share)``; ages are uniform within a
  band.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# --------------------------------------------------------------------------- the area

AREA_NAME = "Northshire (synthetic demonstration area)"
AREA_SLUG = "demo"
ORGANISATION = "Northshire Violence Reduction Unit (fictional)"
FORCE_CODE = "E23900001"
FORCE_NAME = "Northshire Police"
#: Total residents at mid-:data:`POPULATION_REFERENCE_YEAR`.
POPULATION_TOTAL = 1_000_000
POPULATION_REFERENCE_YEAR = 2018
#: Lower layer super output areas outside the force (a handful of crimes are geocoded to
#: them, as in real extracts). They are not in areas.csv or population.csv.
OUT_OF_FORCE_LSOAS = tuple(f"E01999{k:03d}" for k in range(1, 7))
#: LSOAs in England in IMD 2019: ranks run 1 (most deprived) to this number.
IMD_LSOAS_ENGLAND = 32_844


@dataclass(frozen=True)
class District:
    """A fictional local authority district (with its own Community Safety Partnership)."""

    code: str
    name: str
    csp_code: str
    lsoa_share: float  # share of the area's LSOAs (and, roughly, residents)
    deprivation_mean: float  # mean latent deprivation z (England ~ N(0, 1); + is deprived)
    growth: float  # population growth per year
    kind: str  # "city", "town" or "rural": age structure
    is_city: bool = False


DISTRICTS: tuple[District, ...] = (
    District("E06900001", "Northam", "E22900001", 0.30, 1.00, 0.009, "city", is_city=True),
    District("E07900001", "Brackenmoor", "E22900002", 0.10, 0.20, 0.005, "town"),
    District("E07900002", "Elmsworth", "E22900003", 0.10, -0.50, 0.005, "rural"),
    District("E07900003", "Fallowmere", "E22900004", 0.09, -0.70, 0.004, "rural"),
    District("E07900004", "Greystone Vale", "E22900005", 0.09, 0.00, 0.005, "town"),
    District("E07900005", "Hollinbury", "E22900006", 0.08, -0.30, 0.005, "town"),
    District("E07900006", "Ravensholm", "E22900007", 0.12, 0.40, 0.004, "town"),
    District("E07900007", "Thornwick Dale", "E22900008", 0.12, -0.90, 0.003, "rural"),
)
#: Spread of the latent deprivation z of the LSOAs around their district mean.
DEPRIVATION_SD_WITHIN_DISTRICT = 0.8
#: Share of the city's LSOAs that form the city centre (night-time economy), at least 2.
CITY_CENTRE_SHARE = 0.04
#: IMD-like score of an LSOA: exp(a + b * z), clipped to the IMD 2019 range.
IMD_SCORE_A, IMD_SCORE_B = 2.75, 0.62
#: LSOA population sizes vary as lognormal(0, this) before scaling to the total.
LSOA_SIZE_SD = 0.18

# ESP 2013 age bands (the population table) and an England-like age structure.
ESP_BANDS = (
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
    "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
)  # fmt: skip
AGE_STRUCTURE = (
    5.8, 6.2, 5.9, 5.5, 6.1, 6.8, 6.8, 6.6, 6.1, 6.7,
    7.0, 6.5, 5.6, 5.0, 5.0, 3.6, 2.6, 1.6, 0.9,
)  # fmt: skip
#: Share male in each ESP band.
MALE_SHARE = (
    0.512, 0.512, 0.512, 0.515, 0.510, 0.500, 0.497, 0.497, 0.497, 0.494,
    0.494, 0.492, 0.490, 0.485, 0.475, 0.460, 0.430, 0.380, 0.300,
)  # fmt: skip
#: Multipliers of the age structure by kind of district (younger city, older countryside).
AGE_TILTS: dict[str, tuple[float, ...]] = {
    "city": (1.10, 1.05, 1.0, 1.15, 1.60, 1.30, 1.15, 1.05, 1.0, 0.95,
             0.90, 0.85, 0.80, 0.75, 0.72, 0.70, 0.70, 0.70, 0.70),
    "town": (1.0,) * 19,
    "rural": (0.95, 0.98, 1.0, 0.95, 0.80, 0.82, 0.88, 0.95, 1.0, 1.05,
              1.08, 1.10, 1.12, 1.15, 1.15, 1.15, 1.15, 1.15, 1.15),
    "city_centre": (0.60, 0.55, 0.55, 1.60, 3.00, 1.80, 1.20, 0.90, 0.80, 0.70,
                    0.65, 0.60, 0.55, 0.50, 0.45, 0.45, 0.45, 0.45, 0.45),
}  # fmt: skip
#: LSOA-to-LSOA variation of each band share: multiplier lognormal(0, this).
AGE_NOISE_SD = 0.06

# --------------------------------------------------------------------------- time

#: Trend reference: the trend factor is 1 on this day (middle of 2018/19).
REFERENCE_DATE = date(2018, 10, 1)
#: Rate ratio per year of the underlying trend, applied throughout the window (continuous,
#: per day), to the rate per resident.
TREND_IRR_PER_YEAR = 1.03


def _normalised(values: tuple[float, ...]) -> tuple[float, ...]:
    mean = sum(values) / len(values)
    return tuple(v / mean for v in values)


#: Monthly multipliers (January first), mean 1.
SEASONS: dict[str, tuple[float, ...]] = {
    "violence": _normalised(
        (0.90, 0.88, 0.95, 0.98, 1.05, 1.08, 1.12, 1.08, 1.02, 1.00, 0.95, 0.99)
    ),
    "domestic": _normalised(
        (1.02, 0.92, 0.96, 0.97, 1.02, 1.04, 1.06, 1.03, 0.99, 0.98, 0.95, 1.06)
    ),
    "acquisitive": _normalised(
        (1.02, 0.93, 0.98, 0.96, 0.97, 0.96, 0.99, 0.98, 0.99, 1.05, 1.08, 1.09)
    ),
    "mild": _normalised((0.96, 0.94, 1.00, 0.99, 1.02, 1.03, 1.04, 1.02, 1.01, 1.01, 0.99, 0.99)),
}


@dataclass(frozen=True)
class WeekProfile:
    """Day-of-week by hour-of-day weights (Monday = 0).

    The 7 x 24 matrix is ``day_weights[d] * hours[h]`` times each boost that covers (d, h),
    normalised to a mean of 1 over the 168 cells. A day's expected share follows from its
    row total; the hour of a crime is drawn from its day's row.
    """

    hours: tuple[float, ...]
    day_weights: tuple[float, ...] = (1.0,) * 7
    boosts: tuple[tuple[tuple[int, ...], tuple[int, ...], float], ...] = ()


_FRI, _SAT, _SUN = (4,), (5,), (6,)
_EVENING = (19, 20, 21, 22, 23)
_EARLY = (0, 1, 2, 3, 4)

# fmt: off
WEEKS: dict[str, WeekProfile] = {
    # Public place violence: Friday and Saturday evenings and the early hours of Saturday
    # and Sunday (the night before, after midnight).
    "night_time_economy": WeekProfile(
        hours=(2.0, 1.6, 1.3, 1.0, 0.6, 0.4, 0.4, 0.6, 0.8, 0.9, 1.0, 1.1,
               1.2, 1.2, 1.3, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0, 2.1, 2.2, 2.2),
        boosts=((_FRI, _EVENING, 1.5), (_SAT, _EARLY, 2.5), (_SAT, _EVENING, 1.8),
                (_SUN, _EARLY, 2.8)),
    ),
    "street_robbery": WeekProfile(
        hours=(1.2, 1.0, 0.8, 0.6, 0.4, 0.3, 0.3, 0.5, 0.8, 0.9, 1.0, 1.1,
               1.2, 1.3, 1.5, 1.8, 1.9, 1.9, 1.9, 1.9, 1.9, 1.8, 1.6, 1.4),
        day_weights=(0.95, 0.95, 0.95, 1.0, 1.1, 1.1, 0.95),
        boosts=((_SAT + _SUN, (0, 1, 2, 3), 1.4),),
    ),
    "domestic": WeekProfile(
        hours=(1.3, 1.1, 0.9, 0.6, 0.4, 0.3, 0.4, 0.6, 0.8, 0.9, 0.9, 1.0,
               1.0, 1.0, 1.1, 1.2, 1.4, 1.6, 1.8, 1.9, 2.0, 2.0, 1.9, 1.6),
        day_weights=(0.95, 0.92, 0.92, 0.93, 1.0, 1.13, 1.15),
        boosts=((_SAT + _SUN, (0, 1, 2, 3), 1.4),),
    ),
    "daytime": WeekProfile(
        hours=(0.2, 0.15, 0.1, 0.1, 0.1, 0.15, 0.3, 0.6, 1.1, 1.5, 1.8, 2.0,
               2.0, 2.0, 2.0, 1.9, 1.8, 1.6, 1.3, 1.0, 0.8, 0.6, 0.4, 0.3),
        day_weights=(1.0, 1.0, 1.0, 1.0, 1.05, 1.1, 0.8),
    ),
    "evening": WeekProfile(
        hours=(1.0, 0.9, 0.8, 0.7, 0.5, 0.4, 0.5, 0.8, 1.0, 1.0, 1.0, 1.0,
               1.1, 1.1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.5, 1.5, 1.4, 1.3, 1.1),
        day_weights=(1.0, 1.0, 1.0, 1.0, 1.05, 1.05, 0.95),
    ),
    "general": WeekProfile(
        hours=(0.6, 0.5, 0.4, 0.3, 0.3, 0.3, 0.4, 0.7, 1.0, 1.2, 1.3, 1.3,
               1.3, 1.3, 1.3, 1.4, 1.4, 1.4, 1.3, 1.2, 1.1, 1.0, 0.9, 0.7),
        day_weights=(1.02, 1.02, 1.02, 1.02, 1.02, 0.98, 0.92),
    ),
}
# fmt: on


@dataclass(frozen=True)
class Period:
    """A COVID-19 period injected as a step (a rate ratio on every day from start to end)."""

    key: str
    name: str
    start: date
    end: date
    local: bool = False  # applies to the city's LSOAs only


#: National periods do not overlap; the local lockdown overlaps them and multiplies.
PERIODS: tuple[Period, ...] = (
    Period("lockdown_1", "First national lockdown", date(2020, 3, 23), date(2020, 6, 14)),
    Period("easing_2020", "Easing after the first lockdown", date(2020, 6, 15), date(2020, 11, 4)),
    Period("lockdown_2", "Second national lockdown", date(2020, 11, 5), date(2020, 12, 2)),
    Period("tiers", "Tier restrictions", date(2020, 12, 3), date(2021, 1, 5)),
    Period("lockdown_3", "Third national lockdown", date(2021, 1, 6), date(2021, 3, 7)),
    Period("roadmap", "Roadmap out of lockdown", date(2021, 3, 8), date(2021, 7, 19)),
    Period(
        "local_lockdown",
        "Leicester-style local lockdown (Northam)",
        date(2020, 6, 29),
        date(2020, 9, 30),
        local=True,
    ),
)

#: Rate ratio of each period, by COVID-19 profile (1 = no effect).
COVID_IRR: dict[str, dict[str, float]] = {
    "public_violence": {
        "lockdown_1": 0.65, "easing_2020": 0.85, "lockdown_2": 0.75, "tiers": 0.85,
        "lockdown_3": 0.70, "roadmap": 0.85, "local_lockdown": 0.85,
    },
    "domestic": {
        "lockdown_1": 1.05, "easing_2020": 1.00, "lockdown_2": 1.05, "tiers": 1.00,
        "lockdown_3": 1.05, "roadmap": 1.00, "local_lockdown": 1.00,
    },
    "acquisitive": {
        "lockdown_1": 0.55, "easing_2020": 0.80, "lockdown_2": 0.65, "tiers": 0.80,
        "lockdown_3": 0.60, "roadmap": 0.85, "local_lockdown": 0.85,
    },
    "other": {
        "lockdown_1": 0.85, "easing_2020": 0.95, "lockdown_2": 0.90, "tiers": 0.95,
        "lockdown_3": 0.90, "roadmap": 0.95, "local_lockdown": 0.95,
    },
}  # fmt: skip

#: The VRU (from September 2019) has no injected effect: a before/after comparison should
#: find the COVID-19 periods, not a programme effect.
VRU_START = date(2019, 9, 1)
VRU_EFFECT_IRR = 1.0

# --------------------------------------------------------------------------- place


@dataclass(frozen=True)
class SpatialModel:
    """Relative rate per resident of an LSOA.

    ``rate_i = deprivation_irr ** (10 - imd_decile_i) * city_centre_irr ** city_centre_i
    * prod_k risk_irr[k] ** z_k,i * u_i`` with ``u_i ~ Gamma(shape, 1/shape)`` (mean 1), and
    ``z_k`` the LSOA's standardised latent risk factor (mean 0, SD 1 over the area's LSOAs).
    """

    deprivation_irr: float  # per decile step towards the most deprived
    city_centre_irr: float
    risk_irr: dict[str, float] = field(default_factory=dict)
    random_effect_shape: float = 8.0


SPATIAL: dict[str, SpatialModel] = {
    # Shared by public place violence with injury, robbery and homicide, so that the
    # in-definition count of an LSOA follows this one log-linear model exactly.
    "serious_violence": SpatialModel(
        1.12,
        8.0,
        {"persistent_absence": 1.25, "school_exclusions": 1.00, "child_poverty": 1.00},
        5.0,
    ),
    "private_violence": SpatialModel(1.15, 1.0, {}, 6.0),
    "violence_without_injury": SpatialModel(1.10, 2.5, {}, 8.0),
    "night": SpatialModel(1.08, 4.0, {}, 8.0),
    "shopping": SpatialModel(1.04, 8.0, {}, 6.0),
    "residential": SpatialModel(1.08, 1.2, {}, 8.0),
    "drugs": SpatialModel(1.12, 4.0, {}, 5.0),
}


@dataclass(frozen=True)
class RiskIndicator:
    """An area-level risk factor in risk_factors.csv.

    LSOA indicators have a latent standardised value ``z = rho * dep + sqrt(1 - rho^2) * e``
    (``dep`` the standardised deprivation z, ``e`` independent normal), re-standardised over
    the area's LSOAs; the published value is ``mean + sd * z + year_shift[FY]`` (rounded
    through its numerator). Their effect on serious violence is in :data:`SPATIAL`.
    """

    key: str
    level: str  # "lsoa" or "district"
    unit: str
    mean: float
    sd: float
    rho_deprivation: float
    low: float
    high: float
    per: float | None  # rate per this many (100 for %); None: a score with no numerator
    denominator: str  # population the rate is of
    year_shift: float = 0.0  # added per year after 2015/16
    covid_shift: float = 0.0  # added in 2020/21 and after


RISK_INDICATORS: tuple[RiskIndicator, ...] = (
    RiskIndicator(
        "persistent_absence", "lsoa", "% of pupils persistently absent", 12.0, 3.5, 0.5,
        1.0, 40.0, 100, "pupils aged 5-15", 0.2, 6.0,
    ),
    RiskIndicator(
        "school_exclusions", "lsoa", "suspensions per 100 pupils", 6.0, 2.5, 0.3, 0.2, 25.0,
        100, "pupils aged 5-15", 0.3, -1.0,
    ),
    RiskIndicator(
        "child_poverty", "lsoa", "% of children in relative low income families", 18.0, 8.0,
        0.85, 2.0, 60.0, 100, "children aged 0-15", 0.2, 0.5,
    ),
    RiskIndicator(
        "imd_score", "lsoa", "IMD 2019-like score (the same every year)", 0, 0, 1.0, 0.5,
        92.0, None, "",
    ),
    RiskIndicator(
        "children_looked_after", "district", "rate per 10,000 children aged 0-17", 70.0, 25.0,
        1.0, 20.0, 200.0, 10_000, "children aged 0-17", 2.0,
    ),
    RiskIndicator(
        "children_in_need_domestic_abuse", "district",
        "children in need assessments with domestic abuse, per 10,000 children aged 0-17",
        150.0, 50.0, 1.0, 40.0, 400.0, 10_000, "children aged 0-17", 3.0,
    ),
    RiskIndicator(
        "first_time_entrants", "district", "rate per 100,000 aged 10-17", 250.0, 60.0, 1.0,
        50.0, 600.0, 100_000, "residents aged 10-17", -16.0,
    ),
)  # fmt: skip

# --------------------------------------------------------------------------- crimes

AGE_PROFILES: dict[str, tuple[tuple[int, int, float], ...]] = {
    "sv_victim": ((0, 9, 0.01), (10, 14, 0.05), (15, 17, 0.08), (18, 24, 0.26),
                  (25, 34, 0.25), (35, 44, 0.16), (45, 54, 0.11), (55, 64, 0.05),
                  (65, 89, 0.03)),
    "sv_offender": ((10, 14, 0.05), (15, 17, 0.10), (18, 24, 0.30), (25, 34, 0.27),
                    (35, 44, 0.16), (45, 54, 0.08), (55, 64, 0.03), (65, 89, 0.01)),
    "robbery_victim": ((10, 14, 0.08), (15, 17, 0.14), (18, 24, 0.28), (25, 34, 0.20),
                       (35, 44, 0.12), (45, 54, 0.09), (55, 64, 0.05), (65, 89, 0.04)),
    "robbery_offender": ((10, 14, 0.06), (15, 17, 0.22), (18, 24, 0.38), (25, 34, 0.22),
                         (35, 44, 0.08), (45, 54, 0.03), (55, 64, 0.01)),
    "domestic_victim": ((0, 9, 0.04), (10, 14, 0.04), (15, 17, 0.05), (18, 24, 0.17),
                        (25, 34, 0.28), (35, 44, 0.20), (45, 54, 0.13), (55, 64, 0.06),
                        (65, 89, 0.03)),
    "domestic_offender": ((10, 14, 0.02), (15, 17, 0.05), (18, 24, 0.18), (25, 34, 0.32),
                          (35, 44, 0.24), (45, 54, 0.13), (55, 64, 0.04), (65, 89, 0.02)),
    "homicide_victim": ((0, 9, 0.04), (10, 14, 0.02), (15, 17, 0.06), (18, 24, 0.22),
                        (25, 34, 0.22), (35, 44, 0.16), (45, 54, 0.12), (55, 64, 0.08),
                        (65, 89, 0.08)),
    "adult_victim": ((0, 9, 0.03), (10, 14, 0.05), (15, 17, 0.06), (18, 24, 0.16),
                     (25, 34, 0.22), (35, 44, 0.18), (45, 54, 0.15), (55, 64, 0.09),
                     (65, 89, 0.06)),
    "adult_offender": ((10, 14, 0.04), (15, 17, 0.08), (18, 24, 0.22), (25, 34, 0.28),
                       (35, 44, 0.20), (45, 54, 0.12), (55, 64, 0.04), (65, 89, 0.02)),
    "young_offender": ((10, 14, 0.04), (15, 17, 0.14), (18, 24, 0.36), (25, 34, 0.28),
                       (35, 44, 0.12), (45, 54, 0.05), (55, 64, 0.01)),
    "sexual_victim": ((13, 14, 0.10), (15, 17, 0.16), (18, 24, 0.28), (25, 34, 0.21),
                      (35, 44, 0.12), (45, 54, 0.08), (55, 64, 0.03), (65, 89, 0.02)),
    "child_under_13": ((0, 9, 0.5), (10, 12, 0.5)),
    "child_under_16": ((4, 9, 0.12), (10, 12, 0.28), (13, 15, 0.60)),
}  # fmt: skip
#: Bands used to record the age profiles by the usual SNA bands in truth.json.
PRIORITY_AGE = 25


@dataclass(frozen=True)
class Code:
    """One offence code inside a family, with its per-crime probabilities."""

    code: str
    share: float  # share of the family's crimes
    domestic: float = 0.0  # P(domestic flag)
    knife: float = 0.0  # P(knife or sharp instrument used or threatened)
    ed: float = 0.0  # P(the victim attends the ED; such attendances are "reported")
    ambulance: float = 0.0  # P(an ambulance call-out)
    victim_profile: str | None = None  # overrides the family's victim profile
    victim_male: float | None = None  # overrides the family's P(victim male)


@dataclass(frozen=True)
class Family:
    """A group of offence codes sharing one intensity model (place, season, week, COVID)."""

    name: str
    description: str
    annual: float
    codes: tuple[Code, ...]
    public: float  # P(public place)
    spatial: str
    season: str
    week: str
    covid: str
    victim_profile: str | None
    offender_profile: str
    victim_recorded: float = 1.0  # P(a person victim is recorded: age, sex, id)
    victim_male: float = 0.5
    victim_male_domestic: float = 0.25
    offender_identified: float = 0.5  # P(a suspect is recorded: age, sex, id)
    offender_male: float = 0.85
    offender_male_domestic: float = 0.80
    repeat_victim: float = 0.05  # P(the victim is a repeat victim), not domestic
    repeat_victim_domestic: float = 0.30
    repeat_offender: float = 0.20
    hour_missing: float = 0.03
    domestic_is_private: bool = False  # domestic crimes are never in a public place
    exact_location: bool = False  # never mis-geocoded; victim age always recorded


_VP = "sv_victim"
FAMILIES: tuple[Family, ...] = (
    Family(
        "violence_public",
        "Violence with injury in a public place (street, licensed premises, transport).",
        9_300,
        (
            Code("8N", 0.840, 0.03, 0.03, 0.22, 0.12),
            Code("5D", 0.100, 0.02, 0.35, 0.55, 0.45),
            Code("8P", 0.020, 0.01, 0.03, 0.20, 0.10),
            Code("5E", 0.015, 0.02, 0.15, 0.35, 0.30),
            Code("2", 0.004, 0.03, 0.50, 0.75, 0.85),
            Code("8S", 0.021, 0.0, 0.01, 0.10, 0.05, "adult_victim", 0.70),
        ),
        public=1.0,
        spatial="serious_violence",
        season="violence",
        week="night_time_economy",
        covid="public_violence",
        victim_profile=_VP,
        offender_profile="sv_offender",
        victim_recorded=0.99,
        victim_male=0.72,
        offender_identified=0.75,
        offender_male=0.86,
        repeat_victim=0.06,
        repeat_victim_domestic=0.30,
        repeat_offender=0.25,
        hour_missing=0.02,
    ),
    Family(
        "violence_private",
        "Violence with injury in a private place (a dwelling), mostly domestic.",
        8_100,
        (
            Code("8N", 0.860, 0.72, 0.02, 0.22, 0.12),
            Code("5D", 0.080, 0.55, 0.25, 0.55, 0.45),
            Code("8P", 0.010, 0.10, 0.02, 0.20, 0.10),
            Code("5E", 0.015, 0.50, 0.10, 0.35, 0.30),
            Code("2", 0.003, 0.50, 0.40, 0.75, 0.85),
            Code("34B", 0.032, 0.05, 0.15, 0.06, 0.04),
        ),
        public=0.0,
        spatial="private_violence",
        season="domestic",
        week="domestic",
        covid="domestic",
        victim_profile="domestic_victim",
        offender_profile="domestic_offender",
        victim_male=0.45,
        offender_identified=0.92,
        offender_male=0.78,
        repeat_victim=0.10,
        repeat_victim_domestic=0.35,
        repeat_offender=0.30,
    ),
    Family(
        "robbery",
        "Robbery of personal and business property (public places).",
        2_400,
        (
            Code("34B", 0.90, 0.01, 0.22, 0.06, 0.04),
            Code("34A", 0.10, 0.0, 0.25, 0.03, 0.02),
        ),
        public=1.0,
        spatial="serious_violence",
        season="violence",
        week="street_robbery",
        covid="public_violence",
        victim_profile="robbery_victim",
        offender_profile="robbery_offender",
        victim_male=0.78,
        offender_identified=0.62,
        offender_male=0.92,
        repeat_victim=0.03,
        repeat_offender=0.35,
    ),
    Family(
        "homicide",
        "Murder and manslaughter; every one is also in homicides.csv (the Homicide Index).",
        12,
        (
            Code("1", 0.85, 0.25, 0.45, 0.0, 0.90),
            Code("4/1", 0.15, 0.25, 0.30, 0.0, 0.80),
        ),
        public=0.75,
        spatial="serious_violence",
        season="violence",
        week="night_time_economy",
        covid="public_violence",
        victim_profile="homicide_victim",
        offender_profile="sv_offender",
        victim_male=0.75,
        victim_male_domestic=0.30,
        offender_identified=0.92,
        repeat_victim=0.0,
        repeat_victim_domestic=0.0,
        repeat_offender=0.0,
        hour_missing=0.05,
        domestic_is_private=True,
        exact_location=True,
    ),
    Family(
        "violence_without_injury",
        "Violence without injury, stalking and harassment.",
        24_000,
        (
            Code("105A", 0.578, 0.35, 0.005),
            Code("8L", 0.130, 0.45),
            Code("8R", 0.160, 0.30),
            Code("3B", 0.040, 0.30, 0.12),
            Code("8Q", 0.030, 0.60),
            Code("104", 0.020, 0.0, 0.0, 0.0, 0.0, "adult_victim", 0.70),
            Code("105B", 0.012, 0.02),
            Code("8M", 0.010, 0.02),
            Code("11A", 0.010, 0.40, 0.0, 0.0, 0.0, "child_under_16"),
            Code("36", 0.005, 0.20, 0.05),
            Code("106", 0.003),
            Code("13", 0.002, 0.50, 0.0, 0.0, 0.0, "child_under_16"),
        ),
        public=0.40,
        spatial="violence_without_injury",
        season="violence",
        week="general",
        covid="other",
        victim_profile="adult_victim",
        offender_profile="adult_offender",
        victim_recorded=0.97,
        victim_male=0.45,
        victim_male_domestic=0.20,
        offender_identified=0.70,
        offender_male=0.75,
        repeat_victim=0.08,
        repeat_victim_domestic=0.30,
        repeat_offender=0.20,
        hour_missing=0.05,
    ),
    Family(
        "sexual",
        "Sexual offences (out of the definition; some knife-enabled).",
        3_200,
        (
            Code("20A", 0.26, 0.20, 0.005, victim_male=0.0),
            Code("19C", 0.20, 0.35, 0.02, victim_male=0.0),
            Code("88E", 0.10, 0.02),
            Code("22B", 0.07, 0.10, 0.0, 0.0, 0.0, "child_under_16"),
            Code("19D", 0.05, 0.20, 0.0, 0.0, 0.0, "child_under_16", 0.0),
            Code("20B", 0.05, 0.30, 0.0, 0.0, 0.0, "child_under_13", 0.0),
            Code("21", 0.05, 0.35, 0.0, 0.0, 0.0, "child_under_13"),
            Code("19E", 0.03, 0.40, 0.0, 0.0, 0.0, "child_under_13", 0.0),
            Code("88A", 0.05, 0.02, 0.0, 0.0, 0.0, "child_under_16"),
            Code("17A", 0.04, 0.10, 0.0, victim_male=1.0),
            Code("17B", 0.02, 0.30, 0.0, 0.0, 0.0, "child_under_13", 1.0),
            Code("19F", 0.02, 0.20, 0.02, victim_male=1.0),
            Code("19G", 0.01, 0.20, 0.0, 0.0, 0.0, "child_under_16", 1.0),
            Code("19H", 0.01, 0.40, 0.0, 0.0, 0.0, "child_under_13", 1.0),
            Code("22A", 0.01, 0.20),
            Code("71", 0.02, 0.0, 0.0, 0.0, 0.0, "child_under_16"),
            Code("23", 0.01, 0.90, 0.0, 0.0, 0.0, "child_under_16"),
        ),
        public=0.25,
        spatial="night",
        season="mild",
        week="general",
        covid="other",
        victim_profile="sexual_victim",
        offender_profile="adult_offender",
        victim_male=0.12,
        victim_male_domestic=0.10,
        offender_identified=0.60,
        offender_male=0.96,
        offender_male_domestic=0.95,
        repeat_victim=0.05,
        repeat_victim_domestic=0.20,
        repeat_offender=0.10,
        hour_missing=0.15,
    ),
    Family(
        "theft",
        "Theft, shoplifting and vehicle crime.",
        27_000,
        (
            Code("46", 0.27),
            Code("49", 0.28, 0.01),
            Code("45", 0.17),
            Code("44", 0.07),
            Code("49A", 0.06),
            Code("48", 0.05),
            Code("39", 0.035),
            Code("126", 0.025),
            Code("40", 0.02, 0.10),
            Code("47", 0.005),
            Code("41", 0.005),
            Code("37/2", 0.003),
            Code("35", 0.005, 0.10),
            Code("42", 0.002),
        ),
        public=0.70,
        spatial="shopping",
        season="acquisitive",
        week="daytime",
        covid="acquisitive",
        victim_profile="adult_victim",
        offender_profile="young_offender",
        victim_recorded=0.60,
        offender_identified=0.30,
        offender_male=0.75,
        repeat_victim=0.05,
        repeat_offender=0.35,
        hour_missing=0.10,
    ),
    Family(
        "burglary",
        "Residential and business burglary (codes as recorded before and after April 2017).",
        9_000,
        (
            Code("28E", 0.66, 0.02),
            Code("28F", 0.05, 0.02),
            Code("28G", 0.01),
            Code("28H", 0.005),
            Code("29A", 0.01, 0.05, 0.10),
            Code("30C", 0.23),
            Code("30D", 0.025),
            Code("31A", 0.01, 0.0, 0.05),
        ),
        public=0.0,
        spatial="residential",
        season="acquisitive",
        week="evening",
        covid="acquisitive",
        victim_profile="adult_victim",
        offender_profile="young_offender",
        victim_recorded=0.75,
        offender_identified=0.15,
        offender_male=0.90,
        repeat_victim=0.04,
        repeat_offender=0.40,
        hour_missing=0.30,
    ),
    Family(
        "criminal_damage",
        "Criminal damage and arson.",
        11_000,
        (
            Code("58C", 0.375, 0.08),
            Code("58A", 0.20, 0.25),
            Code("58D", 0.17, 0.10),
            Code("58B", 0.13, 0.02),
            Code("56B", 0.06, 0.05),
            Code("59", 0.03, 0.30),
            Code("56A", 0.02, 0.20),
            Code("58J", 0.015, 0.02),
        ),
        public=0.50,
        spatial="night",
        season="mild",
        week="evening",
        covid="other",
        victim_profile="adult_victim",
        offender_profile="young_offender",
        victim_recorded=0.80,
        offender_identified=0.25,
        repeat_victim=0.05,
        repeat_offender=0.30,
        hour_missing=0.20,
    ),
    Family(
        "drugs_and_weapons",
        "Drug offences and possession of weapons (no victim).",
        3_200,
        (
            Code("92E", 0.33),
            Code("92A", 0.17),
            Code("92D", 0.14),
            Code("10D", 0.16, 0.0, 0.95),
            Code("10C", 0.12),
            Code("10A", 0.03),
            Code("10B", 0.02),
            Code("92C", 0.02),
            Code("81", 0.01),
        ),
        public=0.85,
        spatial="drugs",
        season="mild",
        week="general",
        covid="other",
        victim_profile=None,
        offender_profile="young_offender",
        victim_recorded=0.0,
        offender_identified=0.97,
        offender_male=0.90,
        repeat_offender=0.30,
        hour_missing=0.02,
    ),
    Family(
        "public_order_and_other",
        "Public order and miscellaneous crimes against society.",
        7_500,
        (
            Code("9A", 0.50, 0.08),
            Code("66", 0.22),
            Code("9B", 0.07),
            Code("86", 0.04),
            Code("33A", 0.03),
            Code("79", 0.03),
            Code("802", 0.02),
            Code("99", 0.02),
            Code("62A", 0.01),
            Code("69", 0.01),
            Code("54", 0.01),
            Code("38", 0.01),
            Code("61", 0.01),
            Code("33", 0.01),
            Code("80", 0.005),
            Code("83", 0.005),
        ),
        public=0.75,
        spatial="night",
        season="violence",
        week="night_time_economy",
        covid="other",
        victim_profile="adult_victim",
        offender_profile="young_offender",
        victim_recorded=0.40,
        offender_identified=0.60,
        repeat_victim=0.05,
        repeat_offender=0.25,
        hour_missing=0.05,
    ),
)

#: The codes of the VRN serious violence definition (DOMAIN.md), force notation.
DEFINITION_CODES = ("1", "4/1", "2", "5D", "5E", "8N", "8P", "34A", "34B")

#: Codes introduced in April 2017: before it, the same crimes were recorded under the
#: older code on the right (8S and 104 inside 8N and 105A; the old burglary codes).
CODE_CHANGES_2017 = {
    "8S": "8N",
    "104": "105A",
    "28E": "28A",
    "28F": "28B",
    "28G": "28C",
    "28H": "28D",
    "29A": "29",
    "30C": "30A",
    "30D": "30B",
    "31A": "31",
}
CODE_CHANGE_DATE = date(2017, 4, 1)
#: Share of manslaughter codes written the open data way (4.1 rather than 4/1).
DOTTED_MANSLAUGHTER_SHARE = 0.30

#: Data quality of the crimes extract (applied after generation, independently).
CRIME_AREA_MISSING = 0.015
CRIME_AREA_OUT_OF_FORCE = 0.002
CRIME_PUBLIC_PLACE_MISSING = 0.03
CRIME_VICTIM_AGE_MISSING = 0.04
CRIME_VICTIM_SEX_MISSING = 0.02
CRIME_OFFENDER_AGE_MISSING = 0.03  # among identified suspects
#: Repeat pools: a pool has ceil(this * crimes drawing from it) people, each drawn with a
#: weight ~ Gamma(REPEAT_WEIGHT_SHAPE, 1), so most recur a few times and some many times.
REPEAT_POOL_RATIO = 0.4
REPEAT_WEIGHT_SHAPE = 0.5
#: Homicides are rare: at small scales the expected number over the window is at least
#: this, so that homicides.csv is never empty (recorded in truth.json).
HOMICIDE_MIN_EXPECTED = 8.0

# --------------------------------------------------------------------------- health

#: Share of ED assault attendances that never appear in police data (Cardiff Model).
ED_UNREPORTED_SHARE = 0.5
#: Of the unreported attendances: share from public place violence (the rest private).
ED_UNREPORTED_PUBLIC_SHARE = 0.7
#: Unreported public assaults are more concentrated in the city centre than police data.
ED_UNREPORTED_CITY_CENTRE_EXTRA_IRR = 1.5
#: Weapon of an unreported assault.
ED_UNREPORTED_KNIFE = {"public": 0.08, "private": 0.04}
ED_FIREARM = 0.003
#: Method of an assault without a knife (ISTV categories).
ED_METHODS_NO_KNIFE = {"body_part": 0.60, "blunt_object": 0.15, "other": 0.08, "unknown": 0.17}
#: Hours from assault to arrival at the ED: 0, 1, 2, 3, 4, 5, 6.
ED_DELAY_HOURS = (0.40, 0.30, 0.15, 0.07, 0.04, 0.02, 0.02)
ED_MISSING = {
    "assault_date": 0.03,
    "assault_hour": 0.12,
    "arrival_hour": 0.005,
    "area_code": 0.06,
    "age": 0.02,
    "sex": 0.01,
}
#: Location type of a public place assault: in the city centre at night (20:00-05:59) and
#: elsewhere. A private place assault is at home.
ED_LOCATIONS_PUBLIC_CENTRE_NIGHT = {"licensed_premises": 0.50, "street": 0.38, "transport": 0.04,
                                    "other": 0.05, "unknown": 0.03}  # fmt: skip
ED_LOCATIONS_PUBLIC_OTHER = {"street": 0.58, "licensed_premises": 0.12, "transport": 0.08,
                             "school": 0.04, "other": 0.12, "unknown": 0.06}  # fmt: skip
ED_LOCATIONS_PRIVATE = {"home": 0.90, "other": 0.05, "unknown": 0.05}

AMBULANCE_FROM_UNREPORTED = 0.25
AMBULANCE_STABBING_IF_KNIFE = 0.9
AMBULANCE_SHOOTING = 0.03  # of non-knife homicide, attempted murder and 5D call-outs
AMBULANCE_MISSING = {"incident_hour": 0.005, "area_code": 0.015, "age": 0.08, "sex": 0.03}

#: HES admission age bands and causes. Rates per 100,000 residents per year, males; female
#: rates are the male rate times ``female_ratio``.
ADMISSION_BANDS = ("0-17", "18-24", "25-34", "35-44", "45-54", "55+")
ADMISSION_CAUSES: dict[str, dict[str, object]] = {
    "X99": {
        "description": "Assault by sharp object",
        "male_rate": (5.0, 28.0, 16.0, 9.0, 5.0, 1.5),
        "female_ratio": 0.2,
    },
    "Y00": {
        "description": "Assault by blunt object",
        "male_rate": (2.0, 12.0, 10.0, 7.0, 4.0, 1.5),
        "female_ratio": 0.3,
    },
    "Y04": {
        "description": "Assault by bodily force",
        "male_rate": (8.0, 45.0, 35.0, 22.0, 14.0, 4.0),
        "female_ratio": 0.35,
    },
    "Y09": {
        "description": "Assault by unspecified means",
        "male_rate": (3.0, 14.0, 12.0, 8.0, 5.0, 2.0),
        "female_ratio": 0.35,
    },
}

# --------------------------------------------------------------------------- programme

#: Plan for 2020/21 exactly as DOMAIN.md gives it. The six lines sum to 860,601, not to the
#: 880,000 grant: 19,399 is unallocated in the plan (recorded in truth.json).
GRANT_2020 = 880_000
PLAN_2020: dict[str, float] = {
    "interventions": 364_000,
    "central team": 368_601,
    "data sharing and analytics": 48_000,
    "evaluation": 15_000,
    "workforce development": 25_000,
    "communications and campaigns": 40_000,
}
PLAN_2019: dict[str, float] = {
    "interventions": 300_000,
    "central team": 250_000,
    "data sharing and analytics": 60_000,
    "evaluation": 20_000,
    "workforce development": 15_000,
    "communications and campaigns": 25_000,
}
#: Later years: the 2020/21 plan times this per year after 2020/21, rounded to 1,000.
PLAN_GROWTH = 1.04
#: Actual spend = plan * (1 + N(0, sd)), rounded to pounds; the first year underspends.
ACTUAL_SD = 0.04
FIRST_YEAR_ACTUAL_RATIO = 0.85
MIN_INTERVENTION_SHARE = 0.20  # Home Office condition


@dataclass(frozen=True)
class Intervention:
    name: str
    programme: str
    referrals: float  # expected referrals in a full year
    engage: float
    complete: float
    positive: float
    first_fy: int = 2019
    covid_2020: float = 1.0  # referrals multiplier in 2020/21


INTERVENTIONS: tuple[Intervention, ...] = (
    Intervention("Emergency department navigators", "Health-based interventions", 420, 0.70,
                 0.60, 0.55, covid_2020=0.8),
    Intervention("Custody navigators", "Criminal justice pathway", 350, 0.62, 0.50, 0.45),
    Intervention("Mentoring for young people at risk", "Early intervention", 180, 0.80, 0.65,
                 0.60),
    Intervention("Detached youth work", "Community and youth work", 900, 0.55, 0.40, 0.50,
                 covid_2020=0.7),
    Intervention("School-based violence education", "Education", 3_000, 0.92, 0.85, 0.40,
                 covid_2020=0.4),
    Intervention("Knife crime prevention programme", "Weapons", 240, 0.75, 0.60, 0.55,
                 first_fy=2020),
)  # fmt: skip
#: 2019/20 started in September: a share of a full year's referrals.
FIRST_YEAR_SHARE = 7 / 12 * 0.6
#: The knife crime programme's outcomes for the latest year are not yet recorded (empty).
OUTCOMES_PENDING = "Knife crime prevention programme"

#: Survey: respondents per financial year at scale 1 (at least SURVEY_MIN at any scale).
SURVEY_RESPONDENTS = 3_000
SURVEY_MIN = 60
SURVEY_FIRST_FY = 2019
SURVEY_FIRST_DATE = date(2019, 10, 1)
SURVEY_AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65+")
#: Sampling: equal numbers per district; older people respond more (weights correct it).
SURVEY_RESPONSE_PROPENSITY = (0.6, 0.8, 0.9, 1.0, 1.2, 1.4)
SURVEY_ITEM_MISSING = {"age_band": 0.02, "sex": 0.02}
#: Logistic models of the responses (log-odds).
SURVEY_MODELS: dict[str, dict[str, float]] = {
    "feel_unsafe_after_dark": {
        "intercept": -1.0, "female": 0.7, "city": 0.5, "per_decile_more_deprived": 0.08,
        "age_16_24": -0.2, "age_65_plus": 0.3, "fy_2020": 0.1,
    },
    "seen_knife_crime_locally": {
        "intercept": -2.0, "female": 0.0, "city": 0.8, "per_decile_more_deprived": 0.10,
        "age_16_24": 0.9, "age_65_plus": -0.3, "fy_2020": 0.0,
    },
    "confidence_in_police_agree": {
        "intercept": 0.6, "female": 0.0, "city": -0.2, "per_decile_more_deprived": -0.03,
        "age_16_24": -0.3, "age_65_plus": 0.2, "per_year_after_2019": -0.1,
    },
}  # fmt: skip
SURVEY_QUESTIONS = {
    "feel_safe_after_dark": ("Very safe", "Fairly safe", "A bit unsafe", "Very unsafe",
                             "Don't know"),
    "seen_knife_crime_locally": ("Yes", "No", "Don't know"),
    "confidence_in_police": ("Strongly agree", "Tend to agree", "Neither agree nor disagree",
                             "Tend to disagree", "Strongly disagree", "Don't know"),
}  # fmt: skip
SURVEY_DONT_KNOW = 0.03

# Fictional venues for ED location descriptions (licensed premises in the city centre).
VENUES = (
    "The Gilded Heron", "Neon Lantern", "Mill Street Social", "The Ferret and Flute",
    "Bar Kestrel", "The Copper Owl", "Club Meridian", "The Drowsy Badger", "Velvet Room",
    "The Tin Lantern", "Northam Exchange Bar", "The Laughing Pike", "Quayside Tap",
    "The Marmalade Cat", "Electric Orchard", "The Winking Otter",
)  # fmt: skip
STREET_DESCRIPTIONS = (
    "High Street", "Market Square", "Station Road", "Bus station", "Riverside Walk",
    "Park", "Shopping centre car park", "Church Lane",
)  # fmt: skip
