"""Police recorded crime: a Poisson intensity per LSOA and day, then each crime's attributes.

The expected number of crimes of a family in LSOA ``i`` on day ``d`` is

    lambda[i, d] = A * residents[i, FY(d)] * rate[i] * trend(d) * season(month(d))
                   * week(day of week(d)) * covid(d) * local(i, d)

(see :mod:`snalib.synth.design` for every factor). Counts are Poisson draws of ``lambda``;
given the counts, each crime's code, hour and flags are independent draws, so every
count of a subset (e.g. the serious violence definition) is again Poisson with a known
expected value, which :mod:`snalib.synth.truth` records month by month.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
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
    write_table_chunks,
)
from snalib.synth.geography import Geography, relative_rate
from snalib.synth.timeline import Calendar, daily_factor, local_covid, week_matrix

#: Every (family, code) pair, in design order: the index used for codes internally.
CODE_TABLE: tuple[tuple[int, design.Code], ...] = tuple(
    (f, c) for f, fam in enumerate(design.FAMILIES) for c in fam.codes
)
_CODE_OFFSET = np.cumsum([0] + [len(f.codes) for f in design.FAMILIES])
#: The design's age profiles, and for each the profile of repeat victims and offenders
#: (``<name>|pool``: the same without the bands under 10).
_PROFILES = {
    **design.AGE_PROFILES,
    **{
        f"{name}|pool": tuple(b for b in bands if b[0] >= 10) or bands
        for name, bands in design.AGE_PROFILES.items()
    },
}
_PROFILE_NAMES = tuple(_PROFILES)


def _profile_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Padded (profile, band) cumulative shares, lowest ages and widths."""
    width = max(len(p) for p in _PROFILES.values())
    shares = np.zeros((len(_PROFILE_NAMES), width))
    lo = np.zeros_like(shares, dtype=np.int64)
    span = np.ones_like(shares, dtype=np.int64)
    for k, name in enumerate(_PROFILE_NAMES):
        for b, (a, z, s) in enumerate(_PROFILES[name]):
            shares[k, b], lo[k, b], span[k, b] = s, a, z - a + 1
    return cumulative(shares), lo, span


_AGE_CDF, _AGE_LO, _AGE_SPAN = _profile_tables()


def profile_index(name: str) -> int:
    """Index of a named age profile (``design.AGE_PROFILES``) for :func:`draw_ages`."""
    return _PROFILE_NAMES.index(name)


def draw_ages(rng: np.random.Generator, profile: np.ndarray) -> np.ndarray:
    """Ages drawn from the named age profiles (index into ``design.AGE_PROFILES``)."""
    band = draw_rows(rng, _AGE_CDF, profile)
    u = rng.random(len(profile))
    return _AGE_LO[profile, band] + np.floor(u * _AGE_SPAN[profile, band]).astype(np.int64)


@dataclass
class Intensity:
    """Expected counts of one family: per LSOA and day, and the parts it is made of."""

    family: design.Family
    lam: np.ndarray  # (LSOA, day)
    annual_target: float  # expected per year at the reference date (after scale)
    relative_rate: np.ndarray  # (LSOA,)
    random_effect: np.ndarray  # (LSOA,)


def intensity(
    fam: design.Family, geo: Geography, cal: Calendar, seed: int, scale: float
) -> Intensity:
    """Expected number of crimes of one family in every LSOA on every day."""
    rate, u = relative_rate(geo, seed, fam.spatial)
    years = list(geo.years)
    ref_year = min(max(design.POPULATION_REFERENCE_YEAR, years[0]), years[-1])
    residents = geo.residents().astype(float)
    target = fam.annual * scale
    if fam.name == "homicide":
        n_years = cal.last_fy - cal.first_fy + 1
        target = max(target, design.HOMICIDE_MIN_EXPECTED / n_years)
    per_day = target / 365.25 / float((residents[:, years.index(ref_year)] * rate).sum())
    day_factor = daily_factor(cal, fam.season, fam.week, fam.covid)
    year_of_day = cal.fy - years[0]
    lam = (per_day * rate)[:, None] * residents[:, year_of_day] * day_factor[None, :]
    lam[geo.city] *= local_covid(cal, fam.covid)[None, :]
    return Intensity(fam, lam, target, rate, u)


@dataclass
class Crimes:
    """True attributes of every generated crime, in output (crimes.csv) order.

    Data quality masks say which values the extract leaves empty; the true values stay
    here so that ED, ambulance and homicide records can describe the same events.
    """

    family: np.ndarray
    code: np.ndarray  # index into CODE_TABLE
    written_code: np.ndarray  # as in crimes.csv (2017 changes, 4.1)
    day: np.ndarray
    hour: np.ndarray
    lsoa: np.ndarray
    public: np.ndarray
    domestic: np.ndarray
    knife: np.ndarray
    has_victim: np.ndarray
    victim_age: np.ndarray
    victim_male: np.ndarray
    victim_person: np.ndarray  # global person number, -1 none
    has_offender: np.ndarray
    offender_age: np.ndarray
    offender_male: np.ndarray
    offender_person: np.ndarray
    area_text: np.ndarray  # as in crimes.csv ("" missing, or an out-of-force LSOA)
    missing: dict[str, np.ndarray] = field(default_factory=dict)
    expected_monthly: dict[str, np.ndarray] = field(default_factory=dict)
    annual_targets: dict[str, float] = field(default_factory=dict)
    serious_violence_rate: np.ndarray | None = None
    serious_violence_random_effect: np.ndarray | None = None
    serious_violence_expected_by_lsoa: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.day)


def _pools(
    rng: np.random.Generator, rows: np.ndarray, key: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Assign repeat rows to pool members, one pool per key value (False, True).

    Returns the pool member (local number) of each row, the pool key of every member, and
    the pool sizes.
    """
    member = np.full(len(rows), -1, dtype=np.int64)
    keys: list[np.ndarray] = []
    sizes: list[int] = []
    start = 0
    for k in (False, True):
        sel = np.flatnonzero(rows & (key == k))
        size = math.ceil(len(sel) * design.REPEAT_POOL_RATIO) if len(sel) else 0
        if size:
            weights = rng.gamma(design.REPEAT_WEIGHT_SHAPE, 1.0, size)
            member[sel] = start + draw(rng, weights, len(sel))
        keys.append(np.full(size, k))
        sizes.append(size)
        start += size
    return member, np.concatenate(keys), sizes


def _people(
    rng: np.random.Generator,
    pool_profile: str,
    present: np.ndarray,
    domestic: np.ndarray,
    day: np.ndarray,
    profile: np.ndarray,
    p_male: np.ndarray,
    p_repeat: np.ndarray,
    can_repeat: np.ndarray,
    male_by_key: tuple[float, float],
    cal: Calendar,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Ages, sexes and local person numbers of the victims (or suspects) of one family.

    A share ``p_repeat`` of the people present (where ``can_repeat``) are drawn from a pool
    of repeat victims (suspects), one pool for domestic and one for other crimes; the
    others are new people, each seen once.
    """
    n = len(day)
    age = draw_ages(rng, profile)
    male = rng.random(n) < p_male
    repeat = present & can_repeat & (rng.random(n) < p_repeat)
    member, member_key, sizes = _pools(rng, repeat, domestic)
    n_pool = int(sum(sizes))
    person = np.full(n, -1, dtype=np.int64)
    if n_pool:
        # Pool members are people with a fixed sex and date of birth: their age at each
        # crime follows from it. Their age at the reference date is drawn from the
        # family profile without the under-10 bands.
        k = _PROFILE_NAMES.index(f"{pool_profile}|pool")
        ages_ref = draw_ages(rng, np.full(n_pool, k))
        birth = cal.day_of(design.REFERENCE_DATE) - (ages_ref + rng.random(n_pool)) * 365.25
        pool_male = rng.random(n_pool) < np.where(member_key, male_by_key[1], male_by_key[0])
        sel = member >= 0
        age[sel] = np.clip(np.floor((day[sel] - birth[member[sel]]) / 365.25), 0, 100)
        male[sel] = pool_male[member[sel]]
        person[sel] = member[sel]
    new = present & (person < 0)
    person[new] = n_pool + np.arange(int(new.sum()))
    return age, male, person, n_pool + int(new.sum())


def _family_crimes(
    f: int, fam: design.Family, inten: Intensity, cal: Calendar, seed: int
) -> dict[str, np.ndarray]:
    """Draw the crimes of one family (stream ``crimes:<family>``) and their true attributes,
    with the data quality masks of the extract as ``missing:<what>`` arrays."""
    rng = stream(seed, f"crimes:{fam.name}")
    counts = rng.poisson(inten.lam)
    lsoa, day = np.nonzero(counts)
    reps = counts[lsoa, day]
    lsoa, day = np.repeat(lsoa, reps), np.repeat(day, reps)
    n = len(day)
    codes = fam.codes
    local = draw(rng, [c.share for c in codes], n)
    hour = draw_rows(rng, cumulative(week_matrix(fam.week)), cal.dow[day])
    domestic = rng.random(n) < np.array([c.domestic for c in codes])[local]
    public = rng.random(n) < fam.public
    if fam.domestic_is_private:
        public &= ~domestic
    knife = rng.random(n) < np.array([c.knife for c in codes])[local]

    # Victims.
    has_victim = (rng.random(n) < fam.victim_recorded) & (fam.victim_profile is not None)
    default_victim = fam.victim_profile or fam.offender_profile
    code_profile = [_PROFILE_NAMES.index(c.victim_profile or default_victim) for c in codes]
    v_prof = np.array(code_profile)[local]
    code_male = np.array([np.nan if c.victim_male is None else c.victim_male for c in codes])
    p_male = np.where(domestic, fam.victim_male_domestic, fam.victim_male)
    p_male = np.where(np.isnan(code_male[local]), p_male, code_male[local])
    can_repeat = np.array([c.victim_profile is None and c.victim_male is None for c in codes])
    v_age, v_male, v_person, n_victims = _people(
        rng, default_victim, has_victim, domestic, day, v_prof, p_male,
        np.where(domestic, fam.repeat_victim_domestic, fam.repeat_victim),
        can_repeat[local], (fam.victim_male, fam.victim_male_domestic), cal,
    )  # fmt: skip

    # Suspects.
    has_offender = rng.random(n) < fam.offender_identified
    o_prof = np.full(n, _PROFILE_NAMES.index(fam.offender_profile))
    o_male_p = np.where(domestic, fam.offender_male_domestic, fam.offender_male)
    o_age, o_male, o_person, n_offenders = _people(
        rng, fam.offender_profile, has_offender, domestic, day, o_prof, o_male_p,
        np.full(n, fam.repeat_offender), np.ones(n, dtype=bool),
        (fam.offender_male, fam.offender_male_domestic), cal,
    )  # fmt: skip

    # Codes as written: the April 2017 changes, and some manslaughter written 4.1.
    written = np.array([c.code for c in codes], dtype=object)[local]
    before = cal.days[day] < np.datetime64(design.CODE_CHANGE_DATE)
    for new_code, old_code in design.CODE_CHANGES_2017.items():
        written[before & (written == new_code)] = old_code
    dotted = (written == "4/1") & (rng.random(n) < design.DOTTED_MANSLAUGHTER_SHARE)
    written[dotted] = "4.1"

    # Data quality of the extract.
    # (The homicide family is exempt from the location and victim age gaps: `inexact`.)
    inexact = np.full(n, not fam.exact_location)
    area_missing = inexact & (rng.random(n) < design.CRIME_AREA_MISSING)
    out_of_force = inexact & ~area_missing & (rng.random(n) < design.CRIME_AREA_OUT_OF_FORCE)
    out_code = draw(rng, np.ones(len(design.OUT_OF_FORCE_LSOAS)), n)
    missing = {
        "area_missing": area_missing,
        "out_of_force": out_of_force,
        "out_code": out_code,
        "public_place": inexact & (rng.random(n) < design.CRIME_PUBLIC_PLACE_MISSING),
        "hour": rng.random(n) < fam.hour_missing,
        "victim_age": has_victim & inexact & (rng.random(n) < design.CRIME_VICTIM_AGE_MISSING),
        "victim_sex": has_victim & (rng.random(n) < design.CRIME_VICTIM_SEX_MISSING),
        "offender_age": has_offender & (rng.random(n) < design.CRIME_OFFENDER_AGE_MISSING),
    }
    return {
        "family": np.full(n, f),
        "code": _CODE_OFFSET[f] + local,
        "written_code": written,
        "day": day,
        "hour": hour,
        "lsoa": lsoa,
        "public": public,
        "domestic": domestic,
        "knife": knife,
        "has_victim": has_victim,
        "victim_age": v_age,
        "victim_male": v_male,
        "victim_person": v_person,
        "n_victims": np.array([n_victims]),
        "has_offender": has_offender,
        "offender_age": o_age,
        "offender_male": o_male,
        "offender_person": o_person,
        "n_offenders": np.array([n_offenders]),
        **{f"missing:{k}": v for k, v in missing.items()},
    }


def _expected_series(inten: Intensity, cal: Calendar) -> dict[str, np.ndarray]:
    """Expected monthly counts of a family: all, definition codes, and the public
    non-domestic part of the definition codes (as recorded, after data quality)."""
    fam = inten.family
    n_months = len(cal.months)
    monthly = np.bincount(cal.month_index, weights=inten.lam.sum(axis=0), minlength=n_months)
    before = np.array(
        [m < design.CODE_CHANGE_DATE.strftime("%Y-%m") for m in cal.months], dtype=bool
    )
    p_public_recorded = fam.public * (
        1.0 if fam.exact_location else 1 - design.CRIME_PUBLIC_PLACE_MISSING
    )
    def_share = np.zeros(n_months)
    def_public = np.zeros(n_months)
    for c in fam.codes:
        written_before = design.CODE_CHANGES_2017.get(c.code, c.code)
        in_def = np.where(
            before, written_before in design.DEFINITION_CODES, c.code in design.DEFINITION_CODES
        )
        def_share += c.share * in_def
        def_public += c.share * in_def * (1 - c.domestic) * p_public_recorded
    return {
        "all": monthly,
        "definition_codes": monthly * def_share,
        "definition_public_non_domestic": monthly * def_public,
    }


def simulate_crimes(geo: Geography, cal: Calendar, seed: int, scale: float) -> Crimes:
    """Generate every crime of the window.

    Parameters
    ----------
    geo, cal
        The geography and calendar.
    seed
        Base seed; each family draws from its own stream ``crimes:<family>``.
    scale
        Multiplier of every family's volume (homicide has a floor, see
        ``design.HOMICIDE_MIN_EXPECTED``).
    """
    parts = []
    expected: dict[str, np.ndarray] = {}
    targets: dict[str, float] = {}
    sv_rate = sv_u = None
    sv_by_lsoa = np.zeros(geo.n)
    for f, fam in enumerate(design.FAMILIES):
        inten = intensity(fam, geo, cal, seed, scale)
        parts.append(_family_crimes(f, fam, inten, cal, seed))
        for key, series in _expected_series(inten, cal).items():
            expected[f"{fam.name}:{key}"] = series
        targets[fam.name] = inten.annual_target
        if fam.spatial == "serious_violence":
            sv_rate, sv_u = inten.relative_rate, inten.random_effect
            sv_by_lsoa += inten.lam.sum(axis=1)
        del inten

    def cat(key: str) -> np.ndarray:
        return np.concatenate([p[key] for p in parts])

    # Global person numbers, then pseudonymous numbers by a seeded permutation.
    persons = {}
    for role in ("victim", "offender"):
        sizes = np.array([int(p[f"n_{role}s"][0]) for p in parts])
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        local = [p[f"{role}_person"] for p in parts]
        glob = np.concatenate(
            [np.where(x >= 0, x + o, -1) for x, o in zip(local, offsets, strict=True)]
        )
        perm = stream(seed, f"crimes:ids:{role}").permutation(max(int(sizes.sum()), 1))
        persons[role] = np.where(glob >= 0, perm[np.maximum(glob, 0)] + 1, -1)

    day, hour, family = cat("day"), cat("hour"), cat("family")
    order = np.lexsort((np.arange(len(day)), family, hour, day))
    lsoa = cat("lsoa")
    miss = {k.split(":", 1)[1]: cat(k)[order] for k in parts[0] if k.startswith("missing:")}
    area_text = geo.lsoa_code[lsoa[order]].copy()
    out_codes = np.asarray(design.OUT_OF_FORCE_LSOAS, dtype=object)[miss.pop("out_code")]
    area_text = np.where(miss["out_of_force"], out_codes, area_text)
    area_text = np.where(miss["area_missing"], "", area_text).astype(object)
    n_months = len(cal.months)
    totals = {
        key: sum(
            (v for k, v in expected.items() if k.endswith(f":{key}")), start=np.zeros(n_months)
        )
        for key in ("all", "definition_codes", "definition_public_non_domestic")
    }
    expected.update({f"total:{k}": v for k, v in totals.items()})
    return Crimes(
        family=family[order],
        code=cat("code")[order],
        written_code=cat("written_code")[order],
        day=day[order],
        hour=hour[order],
        lsoa=lsoa[order],
        public=cat("public")[order],
        domestic=cat("domestic")[order],
        knife=cat("knife")[order],
        has_victim=cat("has_victim")[order],
        victim_age=cat("victim_age")[order],
        victim_male=cat("victim_male")[order],
        victim_person=persons["victim"][order],
        has_offender=cat("has_offender")[order],
        offender_age=cat("offender_age")[order],
        offender_male=cat("offender_male")[order],
        offender_person=persons["offender"][order],
        area_text=area_text,
        missing=miss,
        expected_monthly=expected,
        annual_targets=targets,
        serious_violence_rate=sv_rate,
        serious_violence_random_effect=sv_u,
        serious_violence_expected_by_lsoa=sv_by_lsoa,
    )


def write_crimes(crimes: Crimes, cal: Calendar, out_dir: Path, chunk: int = 100_000) -> Path:
    """crimes.csv in the contract's columns and formats (formatted in chunks of rows)."""

    def chunks():
        for start in range(0, len(crimes), chunk):
            rows = slice(start, min(start + chunk, len(crimes)))
            m = {k: v[rows] for k, v in crimes.missing.items()}
            no_victim = ~crimes.has_victim[rows]
            no_offender = ~crimes.has_offender[rows]
            yield {
                "crime_id": fmt_ids("NS", np.arange(rows.start + 1, rows.stop + 1), 8),
                "offence_date": cal.date_text[crimes.day[rows]],
                "offence_hour": fmt_int(crimes.hour[rows], m["hour"]),
                "hocr_code": crimes.written_code[rows],
                "area_code": crimes.area_text[rows],
                "public_place": fmt_bool(crimes.public[rows], m["public_place"]),
                "domestic": fmt_bool(crimes.domestic[rows]),
                "knife": fmt_bool(crimes.knife[rows]),
                "victim_age": fmt_int(crimes.victim_age[rows], no_victim | m["victim_age"]),
                "victim_sex": fmt_sex(crimes.victim_male[rows], no_victim | m["victim_sex"]),
                "offender_age": fmt_int(crimes.offender_age[rows], no_offender | m["offender_age"]),
                "offender_sex": fmt_sex(crimes.offender_male[rows], no_offender),
                "victim_id": fmt_ids("V", crimes.victim_person[rows], 7, no_victim),
                "offender_id": fmt_ids("O", crimes.offender_person[rows], 7, no_offender),
            }

    return write_table_chunks(out_dir / "crimes.csv", "crimes", chunks())
