"""Serious violence by district in the report year, against funnel plot limits.

:func:`district_funnel` computes each district's rate per 100,000 residents, the area's
pooled rate and the 95% and 99.8% limits (:func:`snalib.stats.rate_funnel_limits`), with
disclosure control of small districts; :func:`funnel_words` states the finding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from snalib.chapters.measures.aggregates import district_lookup
from snalib.chapters.measures.definitions import ALL_AGES, PER
from snalib.chapters.measures.population import resident_population
from snalib.chapters.measures.table import MeasureInputs
from snalib.definition.series import PROXY_SERIES, PROXY_TYPES
from snalib.periods import FinancialYear
from snalib.publish.disclosure import SUPPRESSED, UNRELIABLE, Rule, is_suppressed
from snalib.stats import rate_funnel_limits, rate_funnel_significance
from snalib.stats.overdispersion import Dispersion, flagged, rate_funnel_overdispersion

LIMIT_NAMES = ("lower95", "upper95", "lower99_8", "upper99_8")
FUNNEL_SECONDARY_NOTE = (
    "[c] withheld so that the one suppressed district's count cannot be found from the area "
    "total (secondary suppression)"
)


@dataclass
class DistrictFunnel:
    """District serious violence rates against funnel limits, protected."""

    data: pd.DataFrame  # published per district
    points: pd.DataFrame  # plotted districts: name, population, rate, significance
    limits: pd.DataFrame  # rate_funnel_limits output (Poisson limits)
    baseline: float
    title: str
    alt: str
    note: str
    series_label: str
    curves: pd.DataFrame  # limits as drawn: population, lower95, ... (the method's limits)
    dispersion: Dispersion  # the overdispersion estimate and the limits applied


def district_funnel(inputs: MeasureInputs, params, rule: Rule) -> DistrictFunnel | str | None:
    """Serious violence per 100,000 residents by district in the report year, with limits.

    The headline definition (``serious_violence``), or the public data proxy in public data
    mode; all-age residents as the denominator. The funnel's centre line is the area's
    pooled rate; limits at 95% and 99.8% by ``params.statistics.funnel_method``: Poisson
    limits, or limits allowing for the variation between districts beyond chance
    (multiplicative or additive random effects, Spiegelhalter 2005), estimated from the
    districts shown with ``params.statistics.funnel_winsorise`` of their z-scores
    Winsorised at each end (:func:`snalib.stats.overdispersion.rate_funnel_overdispersion`).
    When the districts vary no more than chance would, the limits are the Poisson limits
    and the words say so. The Poisson limits and labels are published beside the chosen
    ones (``poisson_*`` columns).

    Disclosure: a district whose count is below the threshold, or below the minimum count
    for a rate, is **not plotted** (its position would reveal its count: rate x
    population); its count is ``[c]`` (or shown, when it may be) and its rate and z-scores
    ``[u]``. If exactly one district is suppressed, the next smallest is withheld too, so
    that the area total cannot reveal the suppressed one by difference. The variation
    between districts (phi, tau2) is estimated from the plotted districts only, so it
    reveals nothing about a withheld count.

    A district whose population is 0 or not given has no rate: it is left out and the
    note names it (:func:`unpopulated_note`).

    Returns None when the run has no crimes (neither recorded nor public street-level
    crimes) or no district with a resident population; a sentence saying so when no
    district has a crime in the report year (there is no area rate to compare with).
    """
    fy = FinancialYear.parse(params.report_year)
    if inputs.flagged is not None:
        crimes = inputs.flagged
        d = crimes["offence_date"]
        mask = crimes["serious_violence"].to_numpy(dtype=bool) & (
            (d >= pd.Timestamp(fy.start)) & (d <= pd.Timestamp(fy.end))
        ).to_numpy(dtype=bool)
        label = "serious violence"
    elif inputs.street is not None:
        crimes = inputs.street
        months = crimes["month"].astype("string")
        mask = (
            (
                crimes["crime_type"].isin(PROXY_TYPES)
                & (months >= f"{fy.start:%Y-%m}")
                & (months <= f"{fy.end:%Y-%m}")
            )
            .fillna(False)
            .to_numpy(dtype=bool)
        )
        label = PROXY_SERIES[0].lower() + PROXY_SERIES[1:]
    else:
        return None
    lookup = district_lookup(inputs.areas)
    district = crimes.loc[mask, "area_code"].astype("string").map(lookup)
    counts = district.value_counts()
    pop = resident_population(
        inputs.population, inputs.areas, params.area.force_codes,
        params.definition.priority_age_limit, by="district",
    )  # fmt: skip
    all_pop = pop.by_year[pop.by_year["group"] == ALL_AGES]
    if all_pop.empty:
        return None
    years = sorted(all_pop["year"].unique())
    earlier = [y for y in years if y <= fy.population_year]
    year = earlier[-1] if earlier else years[0]
    pop_year = all_pop[all_pop["year"] == year].set_index("district_code")["population"]
    names = (
        inputs.areas.drop_duplicates("district_code")
        .set_index("district_code")["district_name"]
        .astype(str)
    )
    # Every district of the lookup, so that one without residents is named, not lost.
    codes = sorted(set(names.index.astype(str)) | set(pop_year.index.astype(str)))
    table = pd.DataFrame({"district_code": codes})
    table["district_name"] = table["district_code"].map(names).fillna(table["district_code"])
    table["count"] = table["district_code"].map(counts).fillna(0).astype(int)
    table["population"] = table["district_code"].map(pop_year).astype(float)
    resident = table["population"] > 0
    left_out = unpopulated_note(table[~resident], year)
    table = table[resident].reset_index(drop=True)
    if table.empty:
        return None
    if int(table["count"].sum()) == 0:
        return (
            f"District rates are not shown: no {label} was recorded in {fy.label} in any "
            "district with residents, so there is no area rate to compare districts with."
            + (f" {left_out}" if left_out else "")
        )
    sig = rate_funnel_significance(table["count"], denominator=table["population"])
    table["rate"] = sig["value"].to_numpy()
    table["poisson_significance"] = sig["significance"].to_numpy()
    baseline = float(sig["baseline"].iloc[0])
    # Poisson limits drawn across the whole chart, from 1 event to beyond the largest
    # district (shown faintly when the limits allow for overdispersion).
    expected = float(table["population"].max()) * 1.2 * baseline / PER
    most = max(2 * expected, expected + 10 * math.sqrt(expected) + 20)
    grid = np.unique(np.round(np.geomspace(1, most, 400)))
    limits = rate_funnel_limits(table["count"], denominator=table["population"], events=grid)
    small = is_suppressed(table["count"], rule)
    secondary = pd.Series(False, index=table.index)
    if small.sum() == 1:
        others = table.loc[~small & (table["count"] > 0), "count"]
        if len(others):
            secondary[others.idxmin()] = True
    withheld = small | secondary
    plotted = ~withheld & (table["count"] >= rule.min_count_for_rate)
    table["plotted"] = plotted

    # The districts shown are compared with the area's rate; the variation between them
    # is estimated from them alone, so that nothing published rests on a withheld count.
    method = params.statistics.funnel_method
    adjusted = rate_funnel_overdispersion(
        table.loc[plotted, "count"], table.loc[plotted, "population"], method,
        params.statistics.funnel_winsorise, PER, baseline=baseline,
    )  # fmt: skip
    poisson = rate_funnel_overdispersion(
        table.loc[plotted, "count"], table.loc[plotted, "population"], "poisson",
        params.statistics.funnel_winsorise, PER, baseline=baseline,
    )  # fmt: skip
    shown_limits = adjusted.limits(table["population"])
    poisson_limits = poisson.limits(table["population"])
    for name in LIMIT_NAMES:
        table[f"{name}_limit"] = shown_limits[name].to_numpy()
        table[f"poisson_{name}_limit"] = poisson_limits[name].to_numpy()
    for column in ("z", "z_winsorised", "z_adjusted", "significance"):
        table[column] = adjusted.units[column].reindex(table.index)
    not_shown = f"not shown: fewer than {rule.min_count_for_rate} crimes or withheld"
    table.loc[~plotted, ["significance", "poisson_significance"]] = not_shown
    data = table[
        ["district_code", "district_name", "count", "population", "rate",
         "lower95_limit", "upper95_limit", "lower99_8_limit", "upper99_8_limit", "significance"]
    ].copy()  # fmt: skip
    data.insert(0, "financial_year", fy.label)
    data["baseline_rate"] = baseline
    data["count"] = data["count"].astype(object).where(~secondary, SUPPRESSED)
    data["rate"] = data["rate"].where(plotted, UNRELIABLE)
    # A z-score is the count in other units (2 (sqrt(count) - sqrt(expected))): withheld
    # wherever the rate is.
    for ours, theirs in (("z_score", "z"), ("z_winsorised", "z_winsorised"),
                         ("z_adjusted", "z_adjusted")):  # fmt: skip
        data[ours] = table[theirs].astype(object).where(plotted, UNRELIABLE)
    for name in LIMIT_NAMES:
        data[f"poisson_{name}_limit"] = table[f"poisson_{name}_limit"]
    data["poisson_significance"] = table["poisson_significance"]
    dispersion = adjusted.dispersion
    data["funnel_method"] = dispersion.method_words
    data["phi"] = dispersion.phi
    data["tau2"] = dispersion.tau2
    data["notes"] = np.where(secondary, FUNNEL_SECONDARY_NOTE, "")
    points = table[plotted].reset_index(drop=True)
    x_max = float(table["population"].max()) * 1.12 * 3
    sizes = np.geomspace(max(float(table["population"].min()) / 20, 1.0), x_max, 400)
    curves = adjusted.limits(sizes).rename(columns={"size": "population"})
    title, alt, note = funnel_words(table, baseline, fy.label, label, year, dispersion)
    if left_out:
        note += " " + left_out
        alt += " " + left_out
    return DistrictFunnel(
        data, points, limits, baseline, title, alt, note, label, curves, dispersion
    )


def unpopulated_note(districts: pd.DataFrame, year: int) -> str:
    """A sentence naming the districts left out of the funnel for want of residents.

    A rate needs a population: a district whose population for the mid-year is 0, or not
    given, has none, so it is not plotted, and its crimes are not in the area's rate either.
    The sentence gives no count (a small one would be disclosed).
    """
    if districts.empty:
        return ""
    parts = [
        f"{row.district_name} (population 0 in mid-{year})"
        if row.population == 0
        else f"{row.district_name} (no mid-{year} population given)"
        for row in districts.itertuples()
    ]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return (
        f"Not in the funnel: {listed}. A district without residents has no rate, and its "
        "crimes are not in the area's rate either."
    )


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _named(items: list[str], where: str) -> str:
    if len(items) <= 2:
        return f"{_names(items)} {where}"
    return f"{len(items)} districts {where}"


def funnel_words(
    table: pd.DataFrame,
    baseline: float,
    fy_label: str,
    label: str,
    pop_year: int,
    dispersion: Dispersion,
) -> tuple[str, str, str]:
    """The funnel plot's title (the finding), alt text and note, from the numbers.

    The title says what the limits mean: the variation between districts beyond chance
    (adjusted limits) or chance alone (Poisson limits). The note says how many districts
    were compared, what the 99.8% limits mean for that many comparisons, how the
    variation was estimated, and how many districts the Poisson limits would flag.
    """
    shown = table[table["plotted"]]
    labels = shown["significance"]
    high = shown.loc[labels == "High (0.001)", "district_name"].tolist()
    low = shown.loc[labels == "Low (0.001)", "district_name"].tolist()
    outside95 = int(labels.isin(["High (0.025)", "Low (0.025)"]).sum())
    what_limits = (
        "the variation between districts explains"
        if dispersion.adjusted
        else "chance alone explains"
    )
    limits_words = (
        f"99.8% limits, {dispersion.method_words.replace(' (Spiegelhalter 2005)', '')}"
        if dispersion.adjusted
        else "99.8% Poisson limits"
    )
    subject = f"{label.capitalize()} in {fy_label}"
    if shown.empty:
        title = f"{subject}: no district had enough crimes for its rate to be shown"
    elif high or low:
        parts = []
        if high:
            parts.append(_named(high, "above"))
        if low:
            parts.append(_named(low, "below"))
        title = (
            f"{subject}: {' and '.join(parts)} the area's rate by more than {what_limits} "
            f"(outside the {limits_words})"
        )
    elif outside95:
        title = (
            f"{subject}: no district outside the {limits_words}; {outside95} just outside "
            "the 95% limits"
        )
    elif dispersion.adjusted:
        title = (
            f"{subject}: no district differs from the area's rate by more than the "
            "variation between districts explains"
        )
    else:
        title = f"{subject}: every district shown is within the limits chance alone would produce"
    described = "; ".join(
        f"{r.district_name} {r.rate:,.0f} per 100,000 ({r.population:,.0f} residents, "
        f"{r.significance.lower()})"
        for r in shown.sort_values("population").itertuples()
    )
    hidden = int((~table["plotted"]).sum())
    kind = (
        "limits allowing for the variation between districts"
        if dispersion.adjusted
        else "Poisson limits"
    )
    alt = (
        f"Funnel plot of {label} per 100,000 residents (vertical axis) against resident "
        f"population (horizontal axis) for {len(shown)} districts in {fy_label}, with the "
        f"area's rate of {baseline:,.0f} per 100,000 as a horizontal line and funnel-shaped "
        f"95% (dashed) and 99.8% (solid) {kind} narrowing as population grows"
        + ("; the Poisson limits are drawn faintly" if dispersion.adjusted else "")
        + f". {described}."
        + (f" {hidden} district(s) are not plotted (too few crimes)." if hidden else "")
    )
    what = (
        "Serious violence is the headline definition (with its priority age condition, when "
        "the run sets one), per 100,000 residents of all ages. "
        if label == "serious violence"
        else f"The public data proxy ({label}), per 100,000 residents. "
    )
    note = what + f"Residents: mid-{pop_year} estimates. " + _comparison_words(shown, dispersion)
    note += (
        (
            f" {hidden} district(s) with fewer than 10 crimes, or withheld, are not plotted "
            "and not compared."
        )
        if hidden
        else ""
    )
    note += " Crimes with no area, or an area outside the force, are in no district."
    return title, alt, note


def _comparison_words(shown: pd.DataFrame, dispersion: Dispersion) -> str:
    """What was compared with what, how the limits were set, and how many comparisons."""
    n = len(shown)
    if n == 0:
        return ""
    variation = "the variation between districts" if dispersion.adjusted else "chance"
    words = (
        f"Each of the {n} districts shown is compared with the area's rate. "
        + dispersion.describe("districts")
        + " The 99.8% limits are the usual control for comparing many districts at once: a "
        f"district that differs from the area only by {variation} lies outside them about "
        "1 time in 500 (outside the 95% limits, 1 time in 20), so only a point outside the "
        "99.8% limits is read as a difference"
    )
    if dispersion.adjusted:
        poisson_outside = int(flagged(shown["poisson_significance"], 0.998).sum())
        words += (
            ". Because the variation is estimated from the same few districts, simulations "
            "(methods, section 9) put that chance at up to about 1 in 200. Poisson limits, "
            "which allow for chance alone (drawn faintly), would put "
            f"{poisson_outside} of the {n} outside their 99.8% limits."
        )
    elif dispersion.method == "poisson" and dispersion.p_value < 0.05:
        words += (
            ". The districts vary more than chance would make them, so a point outside "
            "these limits may reflect the ordinary variation between districts rather than "
            "a difference that needs explaining."
        )
    else:
        words += "."
    return words
