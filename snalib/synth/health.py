"""Health and homicide sources: ED attendances (ISTV), ambulance call-outs, HES admissions,
the Homicide Index.

ED attendances are of two kinds. *Reported* ones are victims of crimes in crimes.csv (a
share of each code attends, ``Code.ed``): same day, hour, place, age and sex. *Unreported*
ones never reach police data: they follow the intensity of public and private violence
with injury, scaled so that their expected share of all attendances is
``design.ED_UNREPORTED_SHARE``, and are more concentrated in the city centre at night.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from snalib.synth import design
from snalib.synth._util import (
    cumulative,
    draw,
    draw_rows,
    fmt_bool,
    fmt_ids,
    fmt_int,
    fmt_sex,
    stream,
    write_table,
)
from snalib.synth.crimes import CODE_TABLE, Crimes, draw_ages, intensity, profile_index
from snalib.synth.geography import Geography
from snalib.synth.timeline import Calendar, daily_factor, local_covid, week_matrix

_P_ED = np.array([c.ed for _, c in CODE_TABLE])
_P_AMBULANCE = np.array([c.ambulance for _, c in CODE_TABLE])
_SHOOTING_CODES = np.array([c.code in ("1", "4/1", "2", "5D") for _, c in CODE_TABLE])
_FAMILY_INDEX = {f.name: i for i, f in enumerate(design.FAMILIES)}
_NIGHT = np.array([h >= 20 or h <= 5 for h in range(24)])


@dataclass
class Assaults:
    """Assaults seen by the ED (reported to police or not), with their true attributes."""

    day: np.ndarray
    hour: np.ndarray
    lsoa: np.ndarray
    has_person: np.ndarray
    age: np.ndarray
    male: np.ndarray
    knife: np.ndarray
    firearm: np.ndarray
    public: np.ndarray
    crime: np.ndarray  # index into crimes (-1: never reported to police)
    expected_reported: float
    expected_unreported: float


def simulate_assaults(
    crimes: Crimes, geo: Geography, cal: Calendar, seed: int, scale: float
) -> Assaults:
    """The assaults that lead to an ED attendance."""
    rng = stream(seed, "ed:assaults")
    # Reported: victims of recorded crimes who attend.
    p_ed = _P_ED[crimes.code]
    reported = np.flatnonzero(crimes.has_victim & (rng.random(len(crimes)) < p_ed))

    # Expected reported attendances, from the same intensities, to size the unreported.
    expected_reported = 0.0
    lam = {}
    for fam in design.FAMILIES:
        if not any(c.ed for c in fam.codes):
            continue
        inten = intensity(fam, geo, cal, seed, scale)
        expected_reported += (
            inten.lam.sum() * fam.victim_recorded * sum(c.share * c.ed for c in fam.codes)
        )
        if fam.name in ("violence_public", "violence_private"):
            lam[fam.name] = inten.lam
    share = design.ED_UNREPORTED_SHARE
    expected_unreported = expected_reported * share / (1 - share)

    parts = []
    for kind, fam_name, fraction in (
        ("public", "violence_public", design.ED_UNREPORTED_PUBLIC_SHARE),
        ("private", "violence_private", 1 - design.ED_UNREPORTED_PUBLIC_SHARE),
    ):
        fam = design.FAMILIES[_FAMILY_INDEX[fam_name]]
        base = lam[fam_name]
        if kind == "public":
            extra = np.where(geo.city_centre, design.ED_UNREPORTED_CITY_CENTRE_EXTRA_IRR, 1.0)
            base = base * extra[:, None]
        expected = base * (expected_unreported * fraction / base.sum())
        counts = rng.poisson(expected)
        lsoa, day = np.nonzero(counts)
        reps = counts[lsoa, day]
        lsoa, day = np.repeat(lsoa, reps), np.repeat(day, reps)
        n = len(day)
        w = week_matrix(fam.week)
        if kind == "public":  # unreported assaults lean further into the night
            w[:, [22, 23, 0, 1, 2, 3, 4]] *= 1.3
        hour = draw_rows(rng, cumulative(w), cal.dow[day])
        profile = "sv_victim" if kind == "public" else "domestic_victim"
        age = draw_ages(rng, np.full(n, profile_index(profile)))
        male = rng.random(n) < (0.75 if kind == "public" else 0.35)
        knife = rng.random(n) < design.ED_UNREPORTED_KNIFE[kind]
        parts.append(
            dict(
                day=day, hour=hour, lsoa=lsoa, has_person=np.ones(n, bool), age=age, male=male,
                knife=knife, public=np.full(n, kind == "public"), crime=np.full(n, -1),
            )
        )  # fmt: skip
    parts.insert(
        0,
        dict(
            day=crimes.day[reported], hour=crimes.hour[reported], lsoa=crimes.lsoa[reported],
            has_person=crimes.has_victim[reported], age=crimes.victim_age[reported],
            male=crimes.victim_male[reported], knife=crimes.knife[reported],
            public=crimes.public[reported], crime=reported,
        ),
    )  # fmt: skip
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    firearm = ~cat["knife"] & (rng.random(len(cat["day"])) < design.ED_FIREARM)
    return Assaults(
        **cat,
        firearm=firearm,
        expected_reported=float(expected_reported),
        expected_unreported=float(expected_unreported),
    )


def _venues(geo: Geography) -> tuple[np.ndarray, np.ndarray]:
    """Each fictional venue's LSOA (city centre, round robin) and popularity weight."""
    centre = np.flatnonzero(geo.city_centre)
    k = np.arange(len(design.VENUES))
    return centre[k % len(centre)], 1.0 / (k + 1) ** 0.8


def write_ed(assaults: Assaults, geo: Geography, cal: Calendar, seed: int, out_dir: Path) -> Path:
    """ed_attendances.csv, one row per attendance, in order of arrival."""
    rng = stream(seed, "ed:records")
    a = assaults
    n = len(a.day)
    delay = draw(rng, design.ED_DELAY_HOURS, n)
    arrival = a.day * 24 + a.hour + delay
    arrival_day, arrival_hour = arrival // 24, arrival % 24

    methods = list(design.ED_METHODS_NO_KNIFE)
    method = np.array(methods, dtype=object)[
        draw(rng, list(design.ED_METHODS_NO_KNIFE.values()), n)
    ]
    method = np.where(a.firearm, "firearm", method)
    method = np.where(a.knife, "knife_sharp", method)

    centre_night = a.public & geo.city_centre[a.lsoa] & _NIGHT[a.hour]
    tables = (
        design.ED_LOCATIONS_PUBLIC_CENTRE_NIGHT,
        design.ED_LOCATIONS_PUBLIC_OTHER,
        design.ED_LOCATIONS_PRIVATE,
    )
    types = sorted({k for t in tables for k in t})
    cdf = cumulative(np.array([[t.get(k, 0.0) for k in types] for t in tables]))
    which = np.where(centre_night, 0, np.where(a.public, 1, 2))
    location = np.array(types, dtype=object)[draw_rows(rng, cdf, which)]

    description = np.full(n, "", dtype=object)
    venue_lsoa, venue_weight = _venues(geo)
    for lsoa in np.unique(venue_lsoa):
        rows = np.flatnonzero((location == "licensed_premises") & (a.lsoa == lsoa))
        mine = np.flatnonzero(venue_lsoa == lsoa)
        pick = draw(rng, venue_weight[mine], len(rows))
        description[rows] = np.asarray(design.VENUES, dtype=object)[mine[pick]]
    streetish = np.isin(location, ["street", "transport"]) & (rng.random(n) < 0.4)
    street = np.asarray(design.STREET_DESCRIPTIONS, dtype=object)[
        draw(rng, np.ones(len(design.STREET_DESCRIPTIONS)), n)
    ]
    description = np.where(streetish, street, description)

    miss = {k: rng.random(n) < p for k, p in design.ED_MISSING.items()}
    no_date = miss["assault_date"]
    order = np.lexsort((np.arange(n), arrival_hour, arrival_day))
    start = cal.days[0]
    columns = {
        "attendance_id": fmt_ids("ED", np.arange(1, n + 1), 7),
        "arrival_date": (start + arrival_day).astype(str).astype(object),
        "arrival_hour": fmt_int(arrival_hour, miss["arrival_hour"]),
        "assault_date": np.where(no_date, "", cal.date_text[a.day]).astype(object),
        "assault_hour": fmt_int(a.hour, no_date | miss["assault_hour"]),
        "assault_method": method,
        "location_type": location,
        "location_description": description,
        "area_code": np.where(miss["area_code"], "", geo.lsoa_code[a.lsoa]).astype(object),
        "age": fmt_int(a.age, ~a.has_person | miss["age"]),
        "sex": fmt_sex(a.male, ~a.has_person | miss["sex"]),
    }
    columns = {k: v[order] if k != "attendance_id" else v for k, v in columns.items()}
    return write_table(out_dir / "ed_attendances.csv", "ed_attendances", columns)


def write_ambulance(
    crimes: Crimes, assaults: Assaults, geo: Geography, cal: Calendar, seed: int, out_dir: Path
) -> Path:
    """ambulance.csv: call-outs for crimes (by code) and for unreported ED assaults."""
    rng = stream(seed, "ambulance")
    from_crime = np.flatnonzero(rng.random(len(crimes)) < _P_AMBULANCE[crimes.code])
    unreported = np.flatnonzero(assaults.crime < 0)
    from_ed = unreported[rng.random(len(unreported)) < design.AMBULANCE_FROM_UNREPORTED]

    day = np.concatenate([crimes.day[from_crime], assaults.day[from_ed]])
    hour = np.concatenate([crimes.hour[from_crime], assaults.hour[from_ed]])
    lsoa = np.concatenate([crimes.lsoa[from_crime], assaults.lsoa[from_ed]])
    person = np.concatenate([crimes.has_victim[from_crime], np.ones(len(from_ed), bool)])
    age = np.concatenate([crimes.victim_age[from_crime], assaults.age[from_ed]])
    male = np.concatenate([crimes.victim_male[from_crime], assaults.male[from_ed]])
    knife = np.concatenate([crimes.knife[from_crime], assaults.knife[from_ed]])
    shooting = np.concatenate(
        [
            ~crimes.knife[from_crime]
            & _SHOOTING_CODES[crimes.code[from_crime]]
            & (rng.random(len(from_crime)) < design.AMBULANCE_SHOOTING),
            assaults.firearm[from_ed],
        ]
    )
    n = len(day)
    stabbing = knife & (rng.random(n) < design.AMBULANCE_STABBING_IF_KNIFE)
    category = np.where(shooting, "shooting", np.where(stabbing, "stabbing", "assault"))
    miss = {k: rng.random(n) < p for k, p in design.AMBULANCE_MISSING.items()}
    order = np.lexsort((np.arange(n), hour, day))
    columns = {
        "incident_id": fmt_ids("AMB", np.arange(1, n + 1), 7),
        "incident_date": cal.date_text[day][order],
        "incident_hour": fmt_int(hour, miss["incident_hour"])[order],
        "category": category.astype(object)[order],
        "area_code": np.where(miss["area_code"], "", geo.lsoa_code[lsoa]).astype(object)[order],
        "age": fmt_int(age, ~person | miss["age"])[order],
        "sex": fmt_sex(male, ~person | miss["sex"])[order],
    }
    return write_table(out_dir / "ambulance.csv", "ambulance", columns)


def write_homicides(crimes: Crimes, cal: Calendar, out_dir: Path) -> Path:
    """homicides.csv: every crime of the homicide family (codes 1 and 4/1), same event."""
    rows = np.flatnonzero(crimes.family == _FAMILY_INDEX["homicide"])
    columns = {
        "homicide_id": fmt_ids("HI", np.arange(1, len(rows) + 1), 5),
        "offence_date": cal.date_text[crimes.day[rows]],
        "area_code": crimes.area_text[rows],
        "victim_age": fmt_int(crimes.victim_age[rows]),
        "victim_sex": fmt_sex(crimes.victim_male[rows]),
        "knife": fmt_bool(crimes.knife[rows]),
        "domestic": fmt_bool(crimes.domestic[rows]),
    }
    return write_table(out_dir / "homicides.csv", "homicides", columns)


# --------------------------------------------------------------------------- admissions


def admission_bands() -> list[tuple[str, int, int]]:
    """The HES age bands with their age ranges (``55+`` is 55-99)."""
    out = []
    for band in design.ADMISSION_BANDS:
        lo, _, hi = band.partition("-")
        out.append((band, int(lo.rstrip("+")), int(hi) if hi else 99))
    return out


def district_violence_ratio(geo: Geography, seed: int) -> np.ndarray:
    """Relative rate of each district: population-weighted mean of the serious violence
    deprivation factor of its LSOAs, over the area's mean (city centre and random effects
    excluded: admissions are by area of residence)."""
    spec = design.SPATIAL["serious_violence"]
    factor = spec.deprivation_irr ** (10 - geo.imd_decile)
    ref = geo.residents()[:, -1]
    n_d = len(design.DISTRICTS)
    num = np.bincount(geo.district, weights=factor * ref, minlength=n_d)
    den = np.bincount(geo.district, weights=ref, minlength=n_d)
    return (num / den) / ((factor * ref).sum() / ref.sum())


def monthly_violence_factor(cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """Mean daily factor of public violence by month: national, and the local extra."""
    fam = design.FAMILIES[_FAMILY_INDEX["violence_public"]]
    national = daily_factor(cal, fam.season, fam.week, fam.covid)
    local = local_covid(cal, fam.covid)
    counts = np.bincount(cal.month_index)
    return (
        np.bincount(cal.month_index, weights=national) / counts,
        np.bincount(cal.month_index, weights=local * national)
        / np.bincount(cal.month_index, weights=national),
    )


def expected_admissions(geo: Geography, cal: Calendar, seed: int) -> np.ndarray:
    """Expected admissions (month, district, band, sex, cause)."""
    bands = admission_bands()
    n_d = len(design.DISTRICTS)
    pop = np.zeros((n_d, len(geo.years), len(bands), 2))
    for b, (_, lo, hi) in enumerate(bands):
        by_lsoa = geo.band_population(lo, hi)  # (LSOA, year, sex)
        for d in range(n_d):
            pop[d, :, b, :] = by_lsoa[geo.district == d].sum(axis=0)
    rates = np.array(
        [
            [np.asarray(c["male_rate"]), np.asarray(c["male_rate"]) * c["female_ratio"]]
            for c in design.ADMISSION_CAUSES.values()
        ]
    )  # (cause, sex, band)
    national, local = monthly_violence_factor(cal)
    month_fy = np.array([int(m[:4]) - (int(m[5:]) < 4) for m in cal.months])
    days_in_month = np.bincount(cal.month_index)
    ratio = district_violence_ratio(geo, seed)
    city = np.array([d.is_city for d in design.DISTRICTS])
    out = np.zeros((len(cal.months), n_d, len(bands), 2, rates.shape[0]))
    for m in range(len(cal.months)):
        y = geo.years.index(month_fy[m])
        time = national[m] * days_in_month[m] / 365.25
        for d in range(n_d):
            place = ratio[d] * (local[m] if city[d] else 1.0)
            # (band, sex, cause) = pop (band, sex) x rate (cause, sex, band)
            out[m, d] = pop[d, y][:, :, None] * rates.transpose(2, 1, 0) / 1e5 * time * place
    return out


def write_admissions(counts: np.ndarray, cal: Calendar, out_dir: Path) -> Path:
    """admissions.csv: every month x district x band x sex x cause, zeros included.

    ``counts`` are Poisson draws of :func:`expected_admissions` (stream ``admissions``).
    """
    shape = counts.shape
    idx = np.indices(shape).reshape(len(shape), -1)
    bands = np.array([b for b, _, _ in admission_bands()], dtype=object)
    causes = np.array(list(design.ADMISSION_CAUSES), dtype=object)
    columns = {
        "period": np.asarray(cal.months, dtype=object)[idx[0]],
        "area_code": np.array([d.code for d in design.DISTRICTS], dtype=object)[idx[1]],
        "age_band": bands[idx[2]],
        "sex": np.array(["M", "F"], dtype=object)[idx[3]],
        "icd10_cause": causes[idx[4]],
        "count": fmt_int(counts.ravel()),
    }
    return write_table(out_dir / "admissions.csv", "admissions", columns)
