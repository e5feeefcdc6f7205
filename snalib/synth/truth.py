"""truth.json (every injected effect, and what was realised) and the ready params.yaml."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from snalib.inputs.contract import CONTRACT_VERSION
from snalib.synth import design
from snalib.synth.crimes import CODE_TABLE, Crimes
from snalib.synth.geography import Geography
from snalib.synth.health import Assaults, admission_bands, district_violence_ratio
from snalib.synth.programme import fy_label, programme_years, spend_plan
from snalib.synth.timeline import Calendar, periods_in_window, week_matrix

#: Source files written by :func:`snalib.synth.generate`, in params order.
SOURCE_FILES = {
    "crimes": "crimes.csv",
    "population": "population.csv",
    "areas": "areas.csv",
    "ed_attendances": "ed_attendances.csv",
    "ambulance": "ambulance.csv",
    "admissions": "admissions.csv",
    "homicides": "homicides.csv",
    "risk_factors": "risk_factors.csv",
    "interventions": "interventions.csv",
    "spend": "spend.csv",
    "survey": "survey.csv",
}

_VWI_CODES = ("2", "5D", "5E", "8N", "8P", "8S")


def _r(x: float, digits: int = 6) -> float:
    return float(round(float(x), digits))


def _rl(values, digits: int = 6) -> list[float]:
    return [_r(v, digits) for v in np.asarray(values, dtype=float).tolist()]


def city_code() -> str:
    return next(d.code for d in design.DISTRICTS if d.is_city)


def baseline_fy(cal: Calendar) -> int:
    """2018/19 (the year before the VRU) when inside the window, else the first year."""
    return 2018 if cal.first_fy <= 2018 < cal.last_fy else cal.first_fy


def params_periods(cal: Calendar) -> list[dict[str, Any]]:
    """The injected COVID-19 periods, as params ``periods`` entries."""
    out = []
    for p in periods_in_window(cal):
        entry: dict[str, Any] = {
            "name": p.name,
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "effect": "step",
        }
        if p.local:
            entry["area_codes"] = [city_code()]
        out.append(entry)
    return out


def write_params(cal: Calendar, seed: int, out_dir: Path) -> Path:
    """params.yaml: relative paths to the CSVs, the window, the injected periods."""
    q = json.dumps  # a JSON string is a valid YAML double-quoted scalar
    lines = [
        "# Synthetic demonstration data written by snalib.synth.generate: every value is",
        "# invented. What was injected is in truth.json and docs/synthetic-data.md.",
        "params_version: 1",
        "area:",
        f"  name: {q(design.AREA_NAME)}",
        f"  slug: {design.AREA_SLUG}",
        f"  force_codes: [{design.FORCE_CODE}]",
        f"  organisation: {q(design.ORGANISATION)}",
        f"report_year: {q(fy_label(cal.last_fy))}",
        f"analysis_window: {{start: {cal.start.isoformat()}, end: {cal.end.isoformat()}}}",
        f"baseline: {q(fy_label(baseline_fy(cal)))}",
        "sources:",
        *[f"  {name}: {path}" for name, path in SOURCE_FILES.items()],
        "periods:",
    ]
    for p in params_periods(cal):
        parts = [
            f"name: {q(p['name'])}",
            f"start: {p['start']}",
            f"end: {p['end']}",
            f"effect: {p['effect']}",
        ]
        if "area_codes" in p:
            parts.append(f"area_codes: [{', '.join(p['area_codes'])}]")
        lines.append("  - {" + ", ".join(parts) + "}")
    if not params_periods(cal):
        lines[-1] = "periods: []"
    lines.append(f"seed: {seed}")
    path = out_dir / "params.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- realised


def _fy_of_day(cal: Calendar, day: np.ndarray) -> np.ndarray:
    return cal.fy[day]


def _per_fy(cal: Calendar, day: np.ndarray, mask: np.ndarray | None = None) -> dict[str, int]:
    fy = _fy_of_day(cal, day if mask is None else day[mask])
    counts = np.bincount(fy - cal.first_fy, minlength=len(cal.fys))
    return {fy_label(y): int(c) for y, c in zip(cal.fys, counts, strict=True)}


def crime_flags(crimes: Crimes) -> dict[str, np.ndarray]:
    """Masks of the crimes as recorded in crimes.csv (what a pipeline would see)."""
    written = crimes.written_code
    definition_codes = np.isin(written, [*design.DEFINITION_CODES, "4.1"])
    public_recorded = crimes.public & ~crimes.missing["public_place"]
    in_definition = definition_codes & public_recorded & ~crimes.domestic
    v_age = np.where(crimes.has_victim & ~crimes.missing["victim_age"], crimes.victim_age, 999)
    o_age = np.where(
        crimes.has_offender & ~crimes.missing["offender_age"], crimes.offender_age, 999
    )
    young = (v_age < design.PRIORITY_AGE) | (o_age < design.PRIORITY_AGE)
    return {
        "definition_codes": definition_codes,
        "public_non_domestic": in_definition,
        "default_definition": in_definition & young,
        "vwi": np.isin(written, _VWI_CODES),
        "robbery": np.isin(written, ["34A", "34B"]),
    }


def realised(
    crimes: Crimes,
    assaults: Assaults,
    geo: Geography,
    cal: Calendar,
    admissions: np.ndarray,
    sizes: dict[str, int],
) -> dict[str, Any]:
    """Summary statistics of what was actually drawn (for tests and reviewers)."""
    flags = crime_flags(crimes)
    sv = flags["public_non_domestic"]
    centre = geo.city_centre[crimes.lsoa]
    pop_ref = geo.residents()[:, -1]
    victims = crimes.victim_person[crimes.victim_person >= 0]
    offenders = crimes.offender_person[crimes.offender_person >= 0]
    _, v_counts = np.unique(victims, return_counts=True)
    _, o_counts = np.unique(offenders, return_counts=True)
    rob = flags["robbery"]
    homicide = crimes.family == [f.name for f in design.FAMILIES].index("homicide")
    reported = assaults.crime >= 0
    causes = list(design.ADMISSION_CAUSES)
    month_fy = np.array([int(m[:4]) - (int(m[5:]) < 4) for m in cal.months])
    admissions_fy = {
        cause: {fy_label(y): int(admissions[month_fy == y, ..., k].sum()) for y in cal.fys}
        for k, cause in enumerate(causes)
    }
    return {
        "rows": sizes,
        "crimes_per_fy": _per_fy(cal, crimes.day),
        "definition_codes_per_fy": _per_fy(cal, crimes.day, flags["definition_codes"]),
        "definition_public_non_domestic_per_fy": _per_fy(cal, crimes.day, sv),
        "default_definition_under_25_per_fy": _per_fy(cal, crimes.day, flags["default_definition"]),
        "definition_codes_share": _r(flags["definition_codes"].mean()),
        "knife_share_of_public_non_domestic_definition": _r(crimes.knife[sv].mean()),
        "knife_share_of_definition_codes": _r(crimes.knife[flags["definition_codes"]].mean()),
        "domestic_share_of_violence_with_injury": _r(crimes.domestic[flags["vwi"]].mean()),
        "domestic_share_of_robbery": _r(crimes.domestic[rob].mean()),
        "offender_age_missing_share_of_robbery": _r(
            (~crimes.has_offender[rob] | crimes.missing["offender_age"][rob]).mean()
        ),
        "city_centre_share_of_public_non_domestic_definition": _r(centre[sv].mean()),
        "city_centre_share_of_residents": _r(pop_ref[geo.city_centre].sum() / pop_ref.sum()),
        "area_code_missing": int(crimes.missing["area_missing"].sum()),
        "area_code_out_of_force": int(crimes.missing["out_of_force"].sum()),
        "victims": int(len(v_counts)),
        "victims_with_2_or_more_crimes": int((v_counts >= 2).sum()),
        "most_crimes_of_one_victim": int(v_counts.max()) if len(v_counts) else 0,
        "suspects": int(len(o_counts)),
        "suspects_with_2_or_more_crimes": int((o_counts >= 2).sum()),
        "most_crimes_of_one_suspect": int(o_counts.max()) if len(o_counts) else 0,
        "homicides_per_fy": _per_fy(cal, crimes.day, homicide),
        "homicides_domestic": int(crimes.domestic[homicide].sum()),
        "homicides_knife": int(crimes.knife[homicide].sum()),
        "ed_attendances": int(len(assaults.day)),
        "ed_reported_to_police": int(reported.sum()),
        "ed_unreported": int((~reported).sum()),
        "ed_unreported_share": _r((~reported).mean()) if len(reported) else 0.0,
        "admissions_per_fy": admissions_fy,
    }


# --------------------------------------------------------------------------- truth


def design_shares() -> dict[str, Any]:
    """Shares implied by the design at the reference date (families weighted by volume).

    Ignores the pre-April 2017 recoding of 8S as 8N and the small differences between the
    families' seasonal and COVID-19 factors, so realised shares differ slightly.
    """
    sv = knife = vwi = vwi_dom = rob = rob_dom = 0.0
    for fam in design.FAMILIES:
        p_public = fam.public * (
            1.0 if fam.exact_location else 1 - design.CRIME_PUBLIC_PLACE_MISSING
        )
        for c in fam.codes:
            volume = fam.annual * c.share
            if c.code in design.DEFINITION_CODES:
                weight = volume * p_public * (1 - c.domestic)
                sv += weight
                knife += weight * c.knife
            if c.code in _VWI_CODES:
                vwi += volume
                vwi_dom += volume * c.domestic
            if c.code in ("34A", "34B"):
                rob += volume
                rob_dom += volume * c.domestic
    under = {
        name: _r(sum(s * max(0, min(hi, design.PRIORITY_AGE - 1) - lo + 1) / (hi - lo + 1)
                     for lo, hi, s in bands), 4)
        for name, bands in design.AGE_PROFILES.items()
    }  # fmt: skip
    return {
        "knife_share_of_public_non_domestic_definition": _r(knife / sv, 4),
        "domestic_share_of_violence_with_injury": _r(vwi_dom / vwi, 4),
        "domestic_share_of_robbery": _r(rob_dom / rob, 4),
        "under_25_share_by_age_profile": under,
    }


def build_truth(
    *,
    seed: int,
    scale: float,
    n_lsoas: int,
    cal: Calendar,
    geo: Geography,
    crimes: Crimes,
    assaults: Assaults,
    admissions_expected: np.ndarray,
    admissions: np.ndarray,
    sizes: dict[str, int],
) -> dict[str, Any]:
    """Everything injected, as plain JSON values, in a fixed key order (no timings: the
    file must be byte-identical between runs)."""
    pop = geo.residents()
    district_counts = np.bincount(geo.district, minlength=len(design.DISTRICTS))
    families = []
    for fam in design.FAMILIES:
        d = asdict(fam)
        d["annual_at_scale"] = _r(crimes.annual_targets[fam.name])
        families.append(d)
    expected = crimes.expected_monthly
    month_fy = np.array([int(m[:4]) - (int(m[5:]) < 4) for m in cal.months])
    plan_2020 = design.PLAN_2020
    plan_sum = sum(plan_2020.values())
    truth: dict[str, Any] = {
        "about": (
            "Synthetic demonstration data for the fictional force area of Northshire, written "
            "by snalib.synth.generate. Every value is invented; every code collides with no "
            "real one. This file records each injected effect (the design) and what was "
            "realised, so that a chapter or test can check that it recovers them. See "
            "docs/synthetic-data.md."
        ),
        "generator": {
            "module": "snalib.synth",
            "seed": seed,
            "scale": scale,
            "first_fy": cal.first_fy,
            "last_fy": cal.last_fy,
            "n_lsoas": n_lsoas,
            "contract_version": CONTRACT_VERSION,
            "model": (
                "Counts are Poisson with expected value lambda[i, d] = A * residents[i, FY(d)] "
                "* spatial_rate[i] * trend(d) * season(month) * week(day of week) * "
                "covid(d) * local(i, d), per family of offence codes; each crime's code, hour "
                "and flags are then independent draws with the probabilities below."
            ),
        },
        "sizes": sizes,
        "area": {
            "name": design.AREA_NAME,
            "force_code": design.FORCE_CODE,
            "force_name": design.FORCE_NAME,
            "districts": [
                {
                    "code": d.code,
                    "name": d.name,
                    "csp_code": d.csp_code,
                    "is_city": d.is_city,
                    "kind": d.kind,
                    "lsoas": int(district_counts[i]),
                    "residents_last_year": int(pop[geo.district == i, -1].sum()),
                    "deprivation_mean_z": d.deprivation_mean,
                    "population_growth_per_year": d.growth,
                }
                for i, d in enumerate(design.DISTRICTS)
            ],
            "city_centre_lsoas": geo.lsoa_code[geo.city_centre].tolist(),
            "out_of_force_lsoas": list(design.OUT_OF_FORCE_LSOAS),
            "out_of_force_note": "not in areas.csv or population.csv",
            "deprivation": {
                "latent_sd_within_district": design.DEPRIVATION_SD_WITHIN_DISTRICT,
                "imd_rank": "1 + floor((1 - Phi(z)) * 32844), made unique",
                "imd_decile": "ceil(rank * 10 / 32844)",
                "imd_score": f"exp({design.IMD_SCORE_A} + {design.IMD_SCORE_B} * z), "
                "clipped to 0.5-92",
                "deciles_count": {str(k): int((geo.imd_decile == k).sum()) for k in range(1, 11)},
            },
        },
        "population": {
            "total_at_reference_year": design.POPULATION_TOTAL,
            "reference_year": design.POPULATION_REFERENCE_YEAR,
            "total_by_year": {str(y): int(pop[:, k].sum()) for k, y in enumerate(geo.years)},
            "esp_bands": list(design.ESP_BANDS),
            "age_structure_percent": list(design.AGE_STRUCTURE),
            "age_tilts": {k: list(v) for k, v in design.AGE_TILTS.items()},
            "male_share": list(design.MALE_SHARE),
        },
        "trend": {
            "irr_per_year": design.TREND_IRR_PER_YEAR,
            "reference_date": design.REFERENCE_DATE.isoformat(),
            "applies_to": "the rate per resident of every family, every day of the window "
            "(counts also grow with the population)",
        },
        "seasonality": {k: _rl(v) for k, v in design.SEASONS.items()},
        "week_profiles": {
            name: {
                "definition": asdict(design.WEEKS[name]),
                "matrix_mean_1": [_rl(row) for row in week_matrix(name)],
                "day_factors_monday_first": _rl(week_matrix(name).mean(axis=1)),
            }
            for name in design.WEEKS
        },
        "covid": {
            "periods": [
                {
                    "key": p.key,
                    "name": p.name,
                    "start": p.start.isoformat(),
                    "end": p.end.isoformat(),
                    "local": p.local,
                    "area_codes": [city_code()] if p.local else None,
                }
                for p in periods_in_window(cal)
            ],
            "irr_by_profile": design.COVID_IRR,
            "local_lockdown_district": city_code(),
            "note": "national periods do not overlap; the local lockdown multiplies the "
            "national factor in the city's LSOAs",
            "params_periods": params_periods(cal),
        },
        "vru": {
            "start": design.VRU_START.isoformat(),
            "effect_irr": design.VRU_EFFECT_IRR,
            "note": "no programme effect is injected",
        },
        "families": families,
        "definition_codes": list(design.DEFINITION_CODES),
        "code_changes_april_2017": {
            "date": design.CODE_CHANGE_DATE.isoformat(),
            "before_written_as": design.CODE_CHANGES_2017,
        },
        "dotted_manslaughter_share": design.DOTTED_MANSLAUGHTER_SHARE,
        "homicide_min_expected_over_window": design.HOMICIDE_MIN_EXPECTED,
        "age_profiles": {k: [list(b) for b in v] for k, v in design.AGE_PROFILES.items()},
        "repeats": {
            "pool_ratio": design.REPEAT_POOL_RATIO,
            "weight_gamma_shape": design.REPEAT_WEIGHT_SHAPE,
            "note": "repeat victims (suspects) have a fixed sex and date of birth; a pool per "
            "family and domestic flag",
        },
        "spatial_models": {k: asdict(v) for k, v in design.SPATIAL.items()},
        "risk_factors": {
            "indicators": [asdict(i) for i in design.RISK_INDICATORS],
            "irr_per_sd_on_serious_violence": design.SPATIAL["serious_violence"].risk_irr,
            "conditional_on": "imd_decile (deprivation_irr per decile) and city centre",
            "realised_correlation_with_deprivation": {
                k: _r(np.corrcoef(v, geo.deprivation_z)[0, 1], 4) for k, v in geo.risk_z.items()
            },
        },
        "data_quality": {
            "crime_area_missing": design.CRIME_AREA_MISSING,
            "crime_area_out_of_force": design.CRIME_AREA_OUT_OF_FORCE,
            "crime_public_place_missing": design.CRIME_PUBLIC_PLACE_MISSING,
            "crime_victim_age_missing": design.CRIME_VICTIM_AGE_MISSING,
            "crime_victim_sex_missing": design.CRIME_VICTIM_SEX_MISSING,
            "crime_offender_age_missing_if_identified": design.CRIME_OFFENDER_AGE_MISSING,
            "homicide_family_exempt": "homicides always have an area and a victim age",
            "ed_missing": design.ED_MISSING,
            "ambulance_missing": design.AMBULANCE_MISSING,
        },
        "ed": {
            "unreported_share": design.ED_UNREPORTED_SHARE,
            "unreported_public_share": design.ED_UNREPORTED_PUBLIC_SHARE,
            "unreported_city_centre_extra_irr": design.ED_UNREPORTED_CITY_CENTRE_EXTRA_IRR,
            "unreported_knife": design.ED_UNREPORTED_KNIFE,
            "firearm": design.ED_FIREARM,
            "methods_without_knife": design.ED_METHODS_NO_KNIFE,
            "delay_hours_0_to_6": list(design.ED_DELAY_HOURS),
            "locations_public_city_centre_night": design.ED_LOCATIONS_PUBLIC_CENTRE_NIGHT,
            "locations_public_other": design.ED_LOCATIONS_PUBLIC_OTHER,
            "locations_private": design.ED_LOCATIONS_PRIVATE,
            "expected_reported": _r(assaults.expected_reported, 3),
            "expected_unreported": _r(assaults.expected_unreported, 3),
            "venues": list(design.VENUES),
        },
        "ambulance": {
            "from_unreported_ed": design.AMBULANCE_FROM_UNREPORTED,
            "stabbing_if_knife": design.AMBULANCE_STABBING_IF_KNIFE,
            "shooting_share_of_serious_non_knife": design.AMBULANCE_SHOOTING,
            "by_code": {c.code: c.ambulance for _, c in CODE_TABLE if c.ambulance},
        },
        "admissions": {
            "bands": [b for b, _, _ in admission_bands()],
            "causes": design.ADMISSION_CAUSES,
            "district_relative_rate": {
                d.code: _r(v, 4)
                for d, v in zip(design.DISTRICTS, district_violence_ratio(geo, seed), strict=True)
            },
            "temporal": "trend, violence seasonality and the public_violence COVID-19 "
            "factors (local lockdown in the city), by month",
            "expected_per_fy": {
                cause: {
                    fy_label(y): _r(admissions_expected[month_fy == y, ..., k].sum(), 3)
                    for y in cal.fys
                }
                for k, cause in enumerate(design.ADMISSION_CAUSES)
            },
            "scaled": False,
        },
        "spend": {
            "grant_2020_21": design.GRANT_2020,
            "plan_2020_21": plan_2020,
            "plan_2020_21_sum": plan_sum,
            "plan_2020_21_unallocated": design.GRANT_2020 - plan_sum,
            "interventions_share_of_grant": _r(plan_2020["interventions"] / design.GRANT_2020),
            "interventions_share_of_plan": _r(plan_2020["interventions"] / plan_sum),
            "home_office_minimum_interventions_share": design.MIN_INTERVENTION_SHARE,
            "plans": {fy_label(fy): spend_plan(fy) for fy in programme_years(cal)},
            "actual": f"plan * (1 + N(0, {design.ACTUAL_SD})), rounded to pounds; "
            f"first year also * {design.FIRST_YEAR_ACTUAL_RATIO}",
        },
        "interventions": {
            "items": [asdict(i) for i in design.INTERVENTIONS],
            "first_year_share": _r(design.FIRST_YEAR_SHARE),
            "outcomes_pending_in_last_year": design.OUTCOMES_PENDING,
            "draws": "referrals ~ Poisson; engaged, completed, positive ~ Binomial chain",
        },
        "survey": {
            "respondents_per_fy_at_scale_1": design.SURVEY_RESPONDENTS,
            "minimum_respondents": design.SURVEY_MIN,
            "first_date": design.SURVEY_FIRST_DATE.isoformat(),
            "age_bands": list(design.SURVEY_AGE_BANDS),
            "response_propensity": list(design.SURVEY_RESPONSE_PROPENSITY),
            "logistic_models": design.SURVEY_MODELS,
            "questions": {k: list(v) for k, v in design.SURVEY_QUESTIONS.items()},
            "dont_know": design.SURVEY_DONT_KNOW,
        },
        "expected_monthly": {
            "months": list(cal.months),
            "note": "expected counts of crimes as recorded in crimes.csv: all, in the "
            "definition codes, and in the definition codes with public_place true and "
            "domestic false (before any age rule)",
            "all": _rl(expected["total:all"], 4),
            "definition_codes": _rl(expected["total:definition_codes"], 4),
            "definition_public_non_domestic": _rl(
                expected["total:definition_public_non_domestic"], 4
            ),
            "by_family": {fam.name: _rl(expected[f"{fam.name}:all"], 4) for fam in design.FAMILIES},
        },
        "lsoas": {
            "code": geo.lsoa_code.tolist(),
            "district_code": [design.DISTRICTS[d].code for d in geo.district],
            "city_centre": geo.city_centre.tolist(),
            "imd_decile": geo.imd_decile.tolist(),
            "deprivation_z": _rl(geo.deprivation_z, 4),
            "risk_z": {k: _rl(v, 4) for k, v in geo.risk_z.items()},
            "serious_violence_random_effect": _rl(crimes.serious_violence_random_effect, 4),
            "serious_violence_relative_rate": _rl(crimes.serious_violence_rate, 4),
            "serious_violence_expected_over_window": _rl(
                crimes.serious_violence_expected_by_lsoa, 3
            ),
        },
        "design_shares": design_shares(),
        "realised": realised(crimes, assaults, geo, cal, admissions, sizes),
        "recovery": RECOVERY,
    }
    return truth


#: What should recover each effect (chapter or test), for docs/synthetic-data.md too.
RECOVERY = [
    {"effect": "trend", "where": "trends: segmented Poisson regression of monthly counts"},
    {"effect": "seasonality", "where": "trends: month-of-year factors"},
    {"effect": "covid periods", "where": "trends: step per params period; "
     "tests/test_synth.py checks the first-lockdown drop"},
    {"effect": "local lockdown", "where": "trends/places: city LSOAs vs the rest, "
     "2020-06-29 to 2020-09-30"},
    {"effect": "week profile", "where": "when: day-of-week by hour heat map"},
    {"effect": "city centre concentration", "where": "places: hotspots; tests/test_synth.py"},
    {"effect": "deprivation irr", "where": "places/risk: rate by IMD decile"},
    {"effect": "risk factor irr (1.25 real, 1.00 null)", "where": "risk: Poisson or negative "
     "binomial regression of LSOA counts on indicators with a deprivation term"},
    {"effect": "knife share", "where": "measures: knife-enabled serious violence"},
    {"effect": "domestic share", "where": "definition: inclusion flow"},
    {"effect": "age profiles", "where": "who: victim and suspect age bands"},
    {"effect": "ed unreported share", "where": "health: ED attendances not matched to crimes"},
    {"effect": "admissions X99", "where": "measures: hospital admissions for assault by "
     "sharp object"},
    {"effect": "homicides", "where": "measures: non-domestic homicides, matched to crimes"},
    {"effect": "spend plan", "where": "programme: spend against plan; tests/test_synth.py"},
    {"effect": "no VRU effect", "where": "measures: before/after should find only COVID-19"},
]  # fmt: skip


def write_truth(truth: dict[str, Any], out_dir: Path) -> Path:
    path = out_dir / "truth.json"
    path.write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
