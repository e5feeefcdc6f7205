"""The VRU's own records: intervention monitoring, spend against plan, community survey."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from snalib.synth import design
from snalib.synth._util import (
    cumulative,
    draw,
    draw_rows,
    fmt_float,
    fmt_ids,
    fmt_int,
    fmt_sex,
    stream,
    write_table,
)
from snalib.synth.geography import Geography
from snalib.synth.timeline import Calendar


def fy_label(fy: int) -> str:
    return f"{fy}/{(fy + 1) % 100:02d}"


def programme_years(cal: Calendar) -> list[int]:
    """Financial years of the VRU inside the window (from 2019/20)."""
    return [fy for fy in cal.fys if fy >= design.VRU_START.year]


# --------------------------------------------------------------------------- interventions


def write_interventions(cal: Calendar, seed: int, out_dir: Path) -> Path:
    """interventions.csv: referrals >= engaged >= completed >= positive outcomes."""
    rng = stream(seed, "interventions")
    rows: dict[str, list] = {k: [] for k in ("name", "programme", "period", "r", "e", "c", "p")}
    years = programme_years(cal)
    for item in design.INTERVENTIONS:
        for fy in years:
            if fy < item.first_fy:
                continue
            expected = item.referrals
            if fy == design.VRU_START.year:
                expected *= design.FIRST_YEAR_SHARE
            if fy == 2020:
                expected *= item.covid_2020
            referrals = int(rng.poisson(expected))
            engaged = int(rng.binomial(referrals, item.engage))
            completed = int(rng.binomial(engaged, item.complete))
            positive = int(rng.binomial(completed, item.positive))
            pending = item.name == design.OUTCOMES_PENDING and fy == cal.last_fy
            for key, value in zip(
                rows,
                (item.name, item.programme, fy_label(fy), referrals, engaged, completed,
                 -1 if pending else positive),
                strict=True,
            ):  # fmt: skip
                rows[key].append(value)
    positive = np.array(rows["p"])
    columns = {
        "intervention": np.array(rows["name"], dtype=object),
        "programme": np.array(rows["programme"], dtype=object),
        "period": np.array(rows["period"], dtype=object),
        "referrals": fmt_int(np.array(rows["r"])),
        "engaged": fmt_int(np.array(rows["e"])),
        "completed": fmt_int(np.array(rows["c"])),
        "positive_outcomes": fmt_int(positive, positive < 0),
    }
    return write_table(out_dir / "interventions.csv", "interventions", columns)


# --------------------------------------------------------------------------- spend


def spend_plan(fy: int) -> dict[str, float]:
    """Planned spend by budget line: 2019/20 and 2020/21 as designed, later years grown."""
    if fy <= 2019:
        return dict(design.PLAN_2019)
    if fy == 2020:
        return dict(design.PLAN_2020)
    growth = design.PLAN_GROWTH ** (fy - 2020)
    return {k: float(round(v * growth, -3)) for k, v in design.PLAN_2020.items()}


def write_spend(cal: Calendar, seed: int, out_dir: Path) -> Path:
    """spend.csv: planned and actual spend by FY and budget line."""
    rng = stream(seed, "spend")
    fy_col, category, planned, actual = [], [], [], []
    for fy in programme_years(cal):
        for line, plan in spend_plan(fy).items():
            ratio = 1 + design.ACTUAL_SD * rng.standard_normal()
            if fy == design.VRU_START.year:
                ratio *= design.FIRST_YEAR_ACTUAL_RATIO
            fy_col.append(fy_label(fy))
            category.append(line)
            planned.append(plan)
            actual.append(round(plan * ratio))
    columns = {
        "financial_year": np.array(fy_col, dtype=object),
        "category": np.array(category, dtype=object),
        "planned": fmt_float(planned, 2),
        "actual": fmt_float(actual, 2),
    }
    return write_table(out_dir / "spend.csv", "spend", columns)


# --------------------------------------------------------------------------- survey


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def survey_population(geo: Geography, y: int) -> np.ndarray:
    """(district, survey age band, sex) residents aged 16+ in population year index ``y``."""
    n_d = len(design.DISTRICTS)
    out = np.zeros((n_d, len(design.SURVEY_AGE_BANDS), 2))
    for b, band in enumerate(design.SURVEY_AGE_BANDS):
        lo, _, hi = band.partition("-")
        pop = geo.band_population(int(lo.rstrip("+")), int(hi) if hi else 99)[:, y]
        for d in range(n_d):
            out[d, b] = pop[geo.district == d].sum(axis=0)
    return out


def write_survey(geo: Geography, cal: Calendar, seed: int, scale: float, out_dir: Path) -> Path:
    """survey.csv: a weighted community survey, one row per respondent and question."""
    rng = stream(seed, "survey")
    n_d = len(design.DISTRICTS)
    n_b = len(design.SURVEY_AGE_BANDS)
    city = np.array([d.is_city for d in design.DISTRICTS])
    propensity = np.asarray(design.SURVEY_RESPONSE_PROPENSITY)
    models = design.SURVEY_MODELS
    out: dict[str, list] = {k: [] for k in ("id", "date", "district", "band", "sex", "w", "q", "r")}
    for fy in programme_years(cal):
        y = geo.years.index(fy)
        n = max(design.SURVEY_MIN, round(design.SURVEY_RESPONDENTS * scale))
        start = max(np.datetime64(f"{fy}-04-01"), np.datetime64(design.SURVEY_FIRST_DATE))
        end = np.datetime64(f"{fy + 1}-04-01")
        day = start + rng.integers(0, int((end - start).astype(int)), n)
        district = rng.integers(0, n_d, n)  # equal numbers per district
        pop = survey_population(geo, y)  # (district, band, sex)
        # Who answers: population x response propensity (older people answer more).
        sample_p = (pop * propensity[None, :, None] * np.array([1.0, 1.1])).reshape(n_d, -1)
        cell = draw_rows(rng, cumulative(sample_p), district)
        band, female = cell // 2, cell % 2 == 1
        # Weights: population share of the cell over its share of the sample.
        drawn = np.bincount(district * 2 * n_b + cell, minlength=n_d * 2 * n_b) / n
        target = (pop / pop.sum()).reshape(-1)
        weight = target[district * 2 * n_b + cell] / drawn[district * 2 * n_b + cell]
        weight = weight / weight.mean()
        # Deprivation of the respondent's neighbourhood: an LSOA of the district, by size.
        lsoa = np.zeros(n, dtype=np.int64)
        residents = geo.residents()[:, y]
        for d in range(n_d):
            sel = np.flatnonzero(district == d)
            mine = np.flatnonzero(geo.district == d)
            lsoa[sel] = mine[draw(rng, residents[mine], len(sel))]
        x = {
            "female": female.astype(float),
            "city": city[district].astype(float),
            "per_decile_more_deprived": (10 - geo.imd_decile[lsoa]).astype(float),
            "age_16_24": (band == 0).astype(float),
            "age_65_plus": (band == n_b - 1).astype(float),
            "fy_2020": np.full(n, float(fy == 2020)),
            "per_year_after_2019": np.full(n, float(fy - 2019)),
        }

        def p_of(model: str, x: dict[str, np.ndarray] = x) -> np.ndarray:
            coef = models[model]
            eta = coef["intercept"] + sum(v * x[k] for k, v in coef.items() if k != "intercept")
            return _logistic(eta)

        dont_know = {q: rng.random(n) < design.SURVEY_DONT_KNOW for q in design.SURVEY_QUESTIONS}
        u1, u2 = rng.random(n), rng.random(n)
        unsafe = u1 < p_of("feel_unsafe_after_dark")
        safe_answer = np.where(
            unsafe,
            np.where(u2 < 0.35, "Very unsafe", "A bit unsafe"),
            np.where(u2 < 0.40, "Very safe", "Fairly safe"),
        )
        seen = np.where(rng.random(n) < p_of("seen_knife_crime_locally"), "Yes", "No")
        u3, u4 = rng.random(n), rng.random(n)
        agree = u3 < p_of("confidence_in_police_agree")
        confidence = np.where(
            agree,
            np.where(u4 < 0.3, "Strongly agree", "Tend to agree"),
            np.where(
                u4 < 0.4,
                "Neither agree nor disagree",
                np.where(u4 < 0.75, "Tend to disagree", "Strongly disagree"),
            ),
        )
        answers = {
            "feel_safe_after_dark": safe_answer,
            "seen_knife_crime_locally": seen,
            "confidence_in_police": confidence,
        }
        band_missing = rng.random(n) < design.SURVEY_ITEM_MISSING["age_band"]
        sex_missing = rng.random(n) < design.SURVEY_ITEM_MISSING["sex"]
        ids = fmt_ids(f"R{fy}-", np.arange(1, n + 1), 5)
        band_text = np.where(
            band_missing, "", np.asarray(design.SURVEY_AGE_BANDS, dtype=object)[band]
        )
        sex_text = fmt_sex(~female, sex_missing)
        weight_text = fmt_float(weight, 4)
        order = np.lexsort((np.arange(n), day))
        for position, k in enumerate(order):
            for q, answer in answers.items():
                out["id"].append(ids[position])
                out["date"].append(str(day[k]))
                out["district"].append(design.DISTRICTS[district[k]].code)
                out["band"].append(band_text[k])
                out["sex"].append(sex_text[k])
                out["w"].append(weight_text[k])
                out["q"].append(q)
                out["r"].append("Don't know" if dont_know[q][k] else str(answer[k]))
    columns = {
        "respondent_id": np.array(out["id"], dtype=object),
        "survey_date": np.array(out["date"], dtype=object),
        "district_code": np.array(out["district"], dtype=object),
        "age_band": np.array(out["band"], dtype=object),
        "sex": np.array(out["sex"], dtype=object),
        "weight": np.array(out["w"], dtype=object),
        "question": np.array(out["q"], dtype=object),
        "response": np.array(out["r"], dtype=object),
    }
    return write_table(out_dir / "survey.csv", "survey", columns)
