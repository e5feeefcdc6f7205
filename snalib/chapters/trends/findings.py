"""Titles, alt text and sentences of the trend chapter, computed from the numbers.

No number is typed into the chapter's prose: each sentence here is built from a table or a
fitted model, so a re-run with new data rewrites it. Values that come from input files
(series and period names) are escaped for Markdown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from snalib.chapters.trends.counts import tested_rows
from snalib.chapters.trends.design import FULL_MONTH_NAMES as MONTHS
from snalib.chapters.trends.seasonal import seasonal_peaks, seasonal_strength
from snalib.inputs.missing import month_name
from snalib.publish.disclosure import count_text
from snalib.publish.tables import markdown_escape as esc
from snalib.stats.multiple import adjust, describe


def pct(rr: float) -> str:
    """A rate ratio as a signed percentage change: 0.65 → "−35%", 1.29 → "+29%"."""
    v = (rr - 1) * 100
    return f"{'+' if v >= 0 else '−'}{abs(v):.0f}%"


def change_words(rr: float, lo: float | None = None, hi: float | None = None) -> str:
    """ "rose by 29%" / "fell by 35%" (with "not significantly" when the CI includes 1)."""
    if not np.isfinite(rr):
        return "could not be compared"
    v = abs(rr - 1) * 100
    if round(v) == 0:
        return "was unchanged"
    verb = "rose" if rr > 1 else "fell"
    text = f"{verb} by {v:.0f}%"
    if lo is not None and hi is not None and np.isfinite(lo) and lo <= 1 <= hi:
        text += " (not a significant change)"
    return text


def pval(p: float) -> str:
    """ "p < 0.001" or "p = 0.012"."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def ci(rr: float, lo: float, hi: float, digits: int = 2) -> str:
    return f"{rr:.{digits}f} (95% CI {lo:.{digits}f} to {hi:.{digits}f})"


def bullet_list(items: list[str]) -> str:
    return "\n".join(f"- {i}" for i in items)


# --------------------------------------------------------------------------- the data


def data_note(data) -> str:
    """What the chapter is based on: mode, series, months, population."""
    months = data.months
    first, last = months["month"].iloc[0], months["month"].iloc[-1]
    _, pop_note = data.population_year_of_months()
    if data.mode == "record":
        what = (
            "Series are counted from the force's record-level crimes that meet the serious "
            "violence definition: all of them, those with a victim or an offender in the "
            "priority age group, and those with a knife or sharp instrument."
        )
    else:
        what = (
            "**Public data mode.** Series are counted from data.police.uk street-level "
            "crimes: the serious violence proxy (violence and sexual offences + robbery), "
            "which is much broader than the definition."
        )
    text = (
        f"{what} The analysis window runs from {first} to {last} ({data.n_months} months, "
        f"{data.full_months} of them complete). {pop_note}"
    )
    gaps = missing_note(data)
    if gaps:
        text += f"\n\n**Months without data.** {gaps}"
    if data.limits:
        text += "\n\n**What these data cannot show.**\n\n" + bullet_list(data.limits)
    return text


# --------------------------------------------------------------------------- year on year


def _tested_words(row) -> str:
    """What a year-on-year interval allows for, from a row of the table."""
    dispersion = row.get("dispersion", np.nan) if hasattr(row, "get") else np.nan
    if dispersion is not None and np.isfinite(dispersion):
        words = f"quasi-Poisson, dispersion {dispersion:.1f}"
        rho = row.get("autocorrelation", np.nan)
        if rho is not None and np.isfinite(rho) and rho > 0:
            words += f", month-to-month autocorrelation {rho:.2f}"
        return f"a 95% interval that allows for month-to-month variation beyond chance ({words})"
    return "an exact Poisson 95% interval (no monthly variation could be estimated)"


def yoy_findings(yoy: pd.DataFrame, headline: str, rule=None) -> dict[str, str]:
    """Title and sentence of the monthly chart from the (unprotected) year-on-year table.

    With ``rule`` (:class:`snalib.publish.disclosure.Rule`) the counts in the sentence are
    written as published (``[c]`` when small, rounded when the rule rounds), and a series
    whose rate ratio rests on a count below the minimum for a rate is left out.
    """
    if yoy.empty:
        return {
            "title": f"{headline}: monthly counts (too few months for a year-on-year comparison)",
            "sentence": "Fewer than 24 months of data: no year-on-year comparison is possible.",
        }
    main = yoy[yoy["breakdown"] == "Main series"].set_index("series")
    row = main.loc[headline]
    words = change_words(row["rate_ratio"], row["lower95"], row["upper95"])
    title = (
        f"{headline} {words.split(' (')[0]} in {row['current_period']} compared with "
        f"{row['previous_period']}"
    )
    parts = []
    for name, r in main.iterrows():
        if not np.isfinite(r["rate_ratio"]):
            continue
        before, now = int(r["count_previous"]), int(r["count_current"])
        if rule is not None and min(before, now) < rule.min_count_for_rate:
            continue  # no ratio on a small count, and no small count in the prose
        shown = (lambda v: count_text(v, rule)) if rule is not None else (lambda v: f"{v:,}")
        parts.append(
            f"{esc(name)}: {shown(before)} → {shown(now)}, rate "
            f"ratio {ci(r['rate_ratio'], r['lower95'], r['upper95'])}"
        )
    sentence = (
        f"Per resident, {esc(headline.lower())} {words} in {row['current_period']} "
        f"compared with {row['previous_period']}. "
        + "; ".join(parts)
        + f". Rate ratios compare rates per resident, with {_tested_words(row)}; each main "
        "series is a question of its own, not one of a scan."
    )
    return {"title": title, "sentence": sentence}


def yoy_breakdown_sentence(yoy: pd.DataFrame, method: str = "fdr", min_count: int = 10) -> str:
    """Which crime type groups and districts changed significantly (``yoy`` not empty).

    A breakdown scans many groups or districts, so a change is called significant only
    when it survives the multiple-comparison control of ``method`` ("fdr":
    Benjamini-Hochberg; "holm") over the rows tested (at least ``min_count`` events in
    both years), each tested against its own month-to-month variation (quasi-Poisson).
    The sentence says which control was used and over how many comparisons
    (:func:`snalib.stats.multiple.describe`).
    """
    parts = []
    for breakdown in [b for b in dict.fromkeys(yoy["breakdown"]) if b != "Main series"]:
        sub = yoy[tested_rows(yoy, breakdown, min_count)]
        result = adjust(sub["p_value"].to_numpy(dtype=float), method)
        named = sub[result.significant]
        up = named[named["rate_ratio"] > 1]["series"].tolist()
        down = named[named["rate_ratio"] < 1]["series"].tolist()
        text = f"By {breakdown.lower()}: "
        if up:
            text += f"significant rises in {', '.join(esc(s) for s in up)}"
        if down:
            text += ("; " if up else "") + f"significant falls in {', '.join(esc(s) for s in down)}"
        if not up and not down:
            text += "no significant change in any"
        if result.n_tests == 0:
            parts.append(
                text + f" (none has at least {min_count} crimes in each year, so none is tested)."
            )
            continue
        what = "districts" if breakdown == "District" else "groups"
        parts.append(
            f"{text}. {describe(result, what)} Only {what} with at least {min_count} crimes "
            "in each year are tested, each against its own month-to-month variation "
            "(quasi-Poisson)."
        )
    if not parts:
        # Only the main series: it had no crime to break down by group or district.
        return (
            "No year-on-year change by crime type or district: the main series has no crimes "
            "to break down."
        )
    return " ".join(parts)


def gap_words(missing: list[str]) -> str:
    """A sentence for alt text and notes: which months have no data and are drawn as gaps
    ("" when none)."""
    if not missing:
        return ""
    names = ", ".join(month_name(m) for m in missing)
    one = len(missing) == 1
    return (
        f" {'The month' if one else 'The months'} without data ({names}) "
        f"{'is' if one else 'are'} left as {'a gap' if one else 'gaps'}: the lines break "
        f"there rather than drop to zero."
    )


def monthly_alt(monthly: pd.DataFrame, labels: list[str], missing: list[str] = ()) -> str:
    main = monthly[monthly["breakdown"] == "Main series"]
    first, last = main["month"].iloc[0], main["month"].iloc[-1]
    return (
        f"Line charts, one per series ({'; '.join(labels)}), of monthly counts from {first} "
        f"to {last}, each with a thicker dashed line of the 12-month average and the named "
        "periods of the parameters shaded grey." + gap_words(list(missing))
    )


def missing_note(data) -> str:
    """What the chapter does with the months without data ("" when none)."""
    missing = data.missing_months
    if not missing:
        return ""
    names = ", ".join(month_name(m) for m in missing)
    one = len(missing) == 1
    return (
        f"{names} {'has' if one else 'have'} no data (see the data quality chapter): "
        f"{'it is' if one else 'they are'} shown as {'a gap' if one else 'gaps'} in the "
        "charts, never as zero; the monthly counts and any rolling 12-month total including "
        f"{'it' if one else 'them'} are left empty; the trend models, the local comparison, "
        f"the month profile and the forecast leave {'it' if one else 'them'} out."
    )


# --------------------------------------------------------------------------- models


def its_findings(fit, periods, method: str = "fdr") -> dict[str, str]:
    """Title, alt and sentence of the interrupted time series chart of one series.

    ``method`` (``params.statistics.multiple_comparisons``) controls the reading of the
    named periods together (:func:`periods_together`).
    """
    label = fit.series
    effects = fit.effects()
    steps = effects[(effects["term_type"] == "step") & effects["rate_ratio"].notna()]
    trend = effects[effects["term_type"] == "trend"].iloc[0]
    if not fit.estimated:
        return {
            "title": f"{label}: the trend model could not be estimated",
            "alt": f"Monthly counts of {label.lower()} as points; no model line.",
            "sentence": f"The trend model of {esc(label.lower())} was {esc(fit.reason)}.",
        }
    if len(steps):
        big = steps.loc[(np.log(steps["rate_ratio"])).abs().idxmax()]
        title = (
            f"{label} {change_words(big['rate_ratio']).split(' (')[0]} during "
            f"{big['period']}, the largest change of any named period"
        )
    elif fit.design.seasonal.startswith("none"):
        title = (
            f"{label}: counts {change_words(trend['rate_ratio']).split(' (')[0]} a year over "
            f"{len(fit.observed)} months, not adjusted for the season"
        )
    else:
        title = f"{label}: the trend {change_words(trend['rate_ratio']).split(' (')[0]} a year"
    local = {p.name for p in periods if p.area_codes}
    items = [
        f"{esc(r['period'])}: {ci(r['rate_ratio'], r['lower95'], r['upper95'])}, "
        f"{change_words(r['rate_ratio'], r['lower95'], r['upper95'])}"
        + (
            " — inside its area, approximated in this whole-area model; the local comparison "
            "below estimates it directly"
            if r["period"] in local
            else ""
        )
        for _, r in steps.iterrows()
    ]
    seasonal = not fit.design.seasonal.startswith("none")
    allowing = "the trend and the time of year" if seasonal else "the trend (not the season)"
    scale = "per resident" if fit.per_resident else "in counts"
    sentence = (
        f"Allowing for {allowing}, and {scale}, the model of "
        f"{esc(label.lower())} estimates a trend of {pct(trend['rate_ratio'])} a year: rate "
        f"ratio {ci(trend['rate_ratio'], trend['lower95'], trend['upper95'], 3)}. "
        + (
            "Rate ratios during each named period, against what the trend and season imply:\n\n"
            + bullet_list(items)
            if items
            else "No named period could be estimated."
        )
        + (
            ""
            if seasonal
            else " With fewer than 24 months the trend cannot be separated from the time of "
            "year: part of it may be the seasonal pattern."
        )
        + ("\n\n" + periods_together(steps, method) if items else "")
        + "\n\n"
        + intervals_sentence(fit)
    )
    alt = (
        f"Monthly counts of {label.lower()} as points, the model's fitted line, and a dashed "
        "line of the counts expected without the named periods during those periods, which "
        f"are shaded grey. {len(steps)} periods are estimated."
    )
    return {"title": title, "alt": alt, "sentence": sentence}


def periods_together(steps: pd.DataFrame, method: str) -> str:
    """How the named periods' intervals are read: one at a time, and together.

    ``steps``: the estimated step rows of one series' effects table. Each period is a
    question fixed in advance (it is named in the parameters), so its interval is read on
    its own; a reader who scans them all for the significant ones is told how many remain
    with ``method`` (:func:`snalib.stats.multiple.adjust`) controlled across them.
    """
    n = len(steps)
    one_by_one = (
        "Each named period is a question fixed in advance in the parameters, so its interval "
        "is read on its own, not adjusted for the other periods."
    )
    if n < 2:
        return one_by_one
    adjusted = adjust(steps["p_value"].to_numpy(dtype=float), method)
    named = [esc(p) for p, sig in zip(steps["period"], adjusted.significant, strict=True) if sig]
    together = (
        f"Read together, {len(named)} of the {n} periods {_verb(len(named))} significantly "
        "from what the trend and season imply"
        + (f" ({', '.join(named)})" if named else "")
        + f". {describe(adjusted, 'named periods')}"
    )
    return f"{one_by_one} {together}"


def _verb(k: int, singular: str = "differs", plural: str = "differ") -> str:
    return singular if k == 1 else plural


def intervals_sentence(fit) -> str:
    """What the model's intervals allow for: overdispersion (scale) and serial correlation."""
    if not fit.estimated or fit.serial is None:
        return ""
    family = {
        "negative binomial": f"a negative binomial model (NB2 alpha {fit.alpha or 0:.4f})",
        "Poisson": "a Poisson model (no variation beyond Poisson was estimated)",
    }.get(fit.family, f"a {fit.family} model")
    return (
        f"Confidence intervals come from {family} whose variances are multiplied by "
        f"{fit.serial.phi:.2f} (the Pearson dispersion, never below 1); "
        f"{fit.serial.words()}. They use the t distribution on Satterthwaite degrees of "
        "freedom. Overdispersion and serial correlation are allowed for whatever the "
        "diagnostic tests below say."
    )


def effects_findings(effects: pd.DataFrame, headline: str, method: str = "fdr") -> dict[str, str]:
    """Title and alt text of the forest plot. The count of periods significantly below the
    trend in the title controls ``method`` (FDR or Holm) across the headline's periods."""
    steps = effects[(effects["term_type"] == "step") & effects["rate_ratio"].notna()]
    head = steps[steps["series"] == headline]
    if head.empty:
        return {"title": f"{headline}: no named period could be estimated", "alt": ""}
    adjusted = adjust(head["p_value"].to_numpy(dtype=float), method)
    below = head[adjusted.significant & (head["upper95"] < 1).to_numpy()]
    control = {"fdr": "false discovery rate", "holm": "family-wise error rate"}[method]
    if below.empty:
        low = head.loc[head["rate_ratio"].idxmin()]
        title = (
            f"{headline} was not significantly lower than the trend implied in any of "
            f"{len(head)} named periods ({control} controlled at 5%); the lowest rate ratio "
            f"was in {low['period']} ({pct(low['rate_ratio'])})"
        )
    else:
        low = below.loc[below["rate_ratio"].idxmin()]
        title = (
            f"{headline} was significantly lower than the trend implied in {len(below)} of "
            f"{len(head)} named periods ({control} controlled at 5%), most of all in "
            f"{low['period']} ({pct(low['rate_ratio'])})"
        )
    alt = (
        f"Forest plot of rate ratios with 95% confidence intervals on a log scale, one row per "
        f"named period ({steps['period'].nunique()}) and one marker shape per series "
        f"({steps['series'].nunique()}), with a vertical line at 1 (no change)."
    )
    return {"title": title, "alt": alt}


def effects_wide(published: pd.DataFrame) -> pd.DataFrame:
    """The effects table for reading: a row per term, a column per series, "RR (lo to hi)".

    ``published`` is the effects table after disclosure control: a suppressed or
    unreliable value stays a symbol, and a term not estimated says so.
    """
    rows = published[published["term_type"].isin(["trend", "step", "slope"])]
    series = list(dict.fromkeys(rows["series"]))

    def cell(r) -> str:
        values = [r["rate_ratio"], r["lower95"], r["upper95"]]
        if any(isinstance(v, str) for v in values):
            return next(v for v in values if isinstance(v, str))
        if not np.isfinite(float(r["rate_ratio"])):
            return "not estimated"
        digits = 3 if r["term_type"] == "trend" else 2
        return f"{float(r['rate_ratio']):.{digits}f} ({float(r['lower95']):.{digits}f} to {float(r['upper95']):.{digits}f})"

    wide = (
        rows.assign(value=rows.apply(cell, axis=1))
        .pivot_table(index="term", columns="series", values="value", aggfunc="first", sort=False)
        .reindex(columns=series)
        .reset_index()
    )
    wide.columns.name = None
    return wide


def diagnostics_sentences(diag: pd.DataFrame) -> str:
    """Overdispersion, serial correlation, seasonality and convergence, per series, in words.

    The tests are diagnostics: the sentence says what the model allowed for regardless.
    """
    lines = []
    for _, r in diag.iterrows():
        if r["family"] == "not estimated":
            lines.append(f"**{esc(r['series'])}**: not estimated ({esc(r['note'])}).")
            continue
        tests = (
            f"Pearson dispersion {r['pearson_dispersion']:.2f} ({pval(r['pearson_p'])}), "
            f"Cameron-Trivedi test {pval(r['overdispersion_p'])}"
        )
        if r["family"] == "negative binomial":
            disp = f"negative binomial model (NB2 alpha {r['nb_alpha']:.4f}; {tests})"
        elif r["family"] == "Poisson":
            disp = f"Poisson model: no variation beyond Poisson was estimated ({tests})"
        else:
            disp = f"{r['family']} model ({tests})"
        disp += f"; variances multiplied by {r['scale']:.2f} (dispersion, at least 1)"
        lb_p = r["ljung_box_p"]
        if np.isfinite(lb_p):
            auto = (
                f"Ljung-Box test of residual autocorrelation up to lag {int(r['ljung_box_lags'])}: "
                f"{pval(lb_p)}"
            )
        else:
            auto = "too few months for the Ljung-Box test"
        serial = f"{auto}; {esc(r['standard_errors'])}"
        season = ""
        if np.isfinite(r.get("seasonality_p", np.nan)):
            season = (
                f"; seasonality, one joint test of the {int(r['seasonality_df1'])} seasonal "
                f"terms: F = {r['seasonality_f']:.1f}, {pval(r['seasonality_p'])}"
            )
        missing = int(r["months"]) - int(r.get("months_used", r["months"]))
        gaps = (
            f"; {missing} missing month{'s' if missing > 1 else ''} left out of the fit"
            if missing > 0
            else ""
        )
        fallback = (
            "fitted without fallback"
            if r["fallbacks"] == "none"
            else f"fallbacks: {esc(r['fallbacks'])}"
        )
        lines.append(f"**{esc(r['series'])}**: {disp}; {serial}{season}{gaps}; {fallback}.")
    return bullet_list(lines)


def skipped_sentence(fits, periods) -> str:
    """The named periods a model could not estimate, and why (one line each)."""
    if not periods:
        return "The parameters name no period (`periods`), so the models have no interruption."
    seen = {}
    for fit in fits:
        for s in fit.design.skipped:
            seen.setdefault((s.period, s.reason), None)
    if not seen:
        return "Every named period of the parameters was estimated."
    return "Named periods not estimated:\n\n" + bullet_list(
        [f"{esc(p)}: {esc(r)}." for p, r in seen]
    )


# --------------------------------------------------------------------------- seasonality


def stl_findings(decompositions: dict, headline: str) -> dict[str, str]:
    if not decompositions:
        return {"title": "", "alt": "", "sentence": ""}
    rows = []
    for label, dec in decompositions.items():
        peak, trough, spread = seasonal_peaks(dec)
        rows.append((label, seasonal_strength(dec), peak, trough, spread))
    head = next((r for r in rows if r[0] == headline), rows[0])
    strength = head[1]
    level = "strong" if strength >= 0.6 else "moderate" if strength >= 0.3 else "weak"
    title = (
        f"{head[0]} peaks in {MONTHS[head[2]]} and is lowest in {MONTHS[head[3]]}; its "
        f"seasonality is {level} (strength {strength:.2f})"
    )
    items = [
        f"{esc(label)}: peak {MONTHS[peak]}, trough {MONTHS[trough]}, peak-to-trough "
        f"{spread * 100:.0f}% of an "
        f"average month, strength of seasonality {s:.2f}"
        for label, s, peak, trough, spread in rows
    ]
    sentence = (
        "STL separates each series into a trend, a seasonal pattern and a remainder. "
        "Strength of seasonality runs from 0 (none) to 1 (the seasonal pattern dominates "
        "month-to-month variation):\n\n" + bullet_list(items)
    )
    alt = (
        f"A grid of line charts, one row per series ({len(rows)}): the observed monthly "
        "counts with the STL trend, the seasonal component, and the remainder as bars."
    )
    filled = sorted(
        {
            m
            for dec in decompositions.values()
            if "interpolated" in dec.columns
            for m in dec.loc[dec["interpolated"].astype(bool), "month"]
        }
    )
    if filled:
        names = ", ".join(month_name(m) for m in filled)
        sentence += (
            f"\n\n{names} {'has' if len(filled) == 1 else 'have'} no data. STL needs a "
            "complete series, so for the decomposition only the count of "
            f"{'that month' if len(filled) == 1 else 'those months'} was interpolated "
            "linearly between its neighbours; the chart shows no observed count or remainder "
            "there, and the strength of seasonality leaves it out."
        )
        alt += gap_words(filled)
    return {"title": title, "alt": alt, "sentence": sentence}


def profile_findings(profile: pd.DataFrame, headline: str) -> dict[str, str]:
    sub = profile[profile["series"] == headline]
    idx = pd.to_numeric(sub["index"], errors="coerce")
    hi = sub.loc[idx.idxmax()]
    lo = sub.loc[idx.idxmin()]
    used = int(sub["months_used"].min())
    title = (
        f"{headline}: {MONTHS[hi['month']]} is {pct(float(hi['index']) / 100)} and "
        f"{MONTHS[lo['month']]} {pct(float(lo['index']) / 100)} against an average month"
    )
    sentence = (
        f"Averaged over the years of the window (each calendar month at least {used} times), "
        f"{esc(headline.lower())} per day is highest in {MONTHS[hi['month']]} (index "
        f"{float(hi['index']):.0f}) and lowest in {MONTHS[lo['month']]} (index "
        f"{float(lo['index']):.0f}), where 100 is an average month. Months touched by a named "
        "period are left out."
    )
    alt = (
        "Line chart of the month-of-year index (100 = average month) from January to "
        "December, one line with its own marker per series."
    )
    return {"title": title, "alt": alt, "sentence": sentence}


def season_findings(
    profile: pd.DataFrame, diag: pd.DataFrame, headline: str, method: str = "fdr"
) -> dict[str, str]:
    """Title, alt and sentence of the trend model's seasonal profile.

    ``profile``: :func:`snalib.chapters.trends.its.season_table`; ``diag``: the diagnostics
    table, whose ``seasonality_*`` columns hold each series' one joint test. With several
    series, the joint tests are read together with ``method`` controlled.
    """
    head = profile[profile["series"] == headline]
    if head.empty:
        head = profile[profile["series"] == profile["series"].iloc[0]]
        headline = head["series"].iloc[0]
    hi = head.loc[head["rate_ratio"].idxmax()]
    lo = head.loc[head["rate_ratio"].idxmin()]
    title = (
        f"{headline}: {MONTHS[hi['month']]} is {pct(hi['rate_ratio'])} and "
        f"{MONTHS[lo['month']]} {pct(lo['rate_ratio'])} against an average month, allowing for "
        "the trend and the named periods"
    )
    tests = diag[diag["series"].isin(profile["series"]) & diag["seasonality_p"].notna()]
    items = [
        f"{esc(r['series'])}: F = {r['seasonality_f']:.1f} on {int(r['seasonality_df1'])} and "
        f"{r['seasonality_df2']:.0f} degrees of freedom, {pval(r['seasonality_p'])}"
        for _, r in tests.iterrows()
    ]
    together = ""
    if len(tests) > 1:
        adjusted = adjust(tests["seasonality_p"].to_numpy(dtype=float), method)
        together = (
            f" Read together, {adjusted.n_significant} of the {len(tests)} series "
            f"{_verb(adjusted.n_significant, 'has', 'have')} a significant seasonal pattern. "
            f"{describe(adjusted, 'series')}"
        )
    sentence = (
        "The trend model's seasonal terms, read as one profile: the rate per day in each "
        "calendar month against the average month (the geometric mean of the twelve), "
        "allowing for the trend, the population and the named periods, with 95% intervals "
        f"(`tables/trend_model_season.csv`). For {esc(headline.lower())}, "
        f"{MONTHS[hi['month']]} is highest, {ci(hi['rate_ratio'], hi['lower95'], hi['upper95'])} "
        f"times the average month, and {MONTHS[lo['month']]} lowest, "
        f"{ci(lo['rate_ratio'], lo['lower95'], lo['upper95'])}. "
        "Seasonality is tested once per series, by one joint test that all its seasonal terms "
        "are zero, not month by month:\n\n" + bullet_list(items) + "\n\n" + together.strip()
    ).strip()
    alt = (
        "Chart of the rate in each calendar month against the average month (1 = average), "
        "January to December, with 95% intervals as error bars, one marker and line style "
        f"per series ({profile['series'].nunique()})."
    )
    return {"title": title, "alt": alt, "sentence": sentence}


def _count_words(part: int, whole: int, rule) -> str:
    """ "part of whole crimes (share%)", as published: no share beside a withheld count."""
    if rule is None:
        return f"{part:,} of {whole:,} crimes ({part / whole * 100 if whole else 0:.1f}%)"
    shown_part, shown_whole = count_text(part, rule), count_text(whole, rule)
    if "[c]" in (shown_part, shown_whole):
        return f"{shown_part} of {shown_whole} crimes"
    return f"{shown_part} of {shown_whole} crimes ({part / whole * 100 if whole else 0:.1f}%)"


def _no_hour_words(table: pd.DataFrame, missing: int, total: int, rule) -> str:
    """The crimes left out of the heatmap. With a withheld cell in the heatmap, no counts:
    the total with the count with no hour would give back the sum of the withheld cells."""
    if rule is not None and table["count"].astype(str).eq("[c]").any():
        return "Crimes with no recorded hour are left"
    return f"{_count_words(missing, total, rule)} have no recorded hour and are left"


def day_hour_findings(
    table: pd.DataFrame, summary: dict, headline: str, rule=None
) -> dict[str, str]:
    """Title, sentence and alt text of the heatmap; with ``rule``, the count of crimes with
    no hour and the total are written as published (``[c]`` when small)."""
    counts = pd.to_numeric(table["count"], errors="coerce").fillna(0)
    by_day = counts.groupby(table["day"], sort=False).sum()
    top_day = by_day.idxmax()
    share_day = by_day.max() / by_day.sum() * 100 if by_day.sum() else 0
    cell = table.loc[counts.idxmax()]
    night = table["hour"].isin([20, 21, 22, 23, 0, 1, 2, 3])
    weekend_night = (table["day"].isin(["Friday", "Saturday", "Sunday"]) & night).to_numpy()
    share_wn = counts[weekend_night].sum() / counts.sum() * 100 if counts.sum() else 0
    missing = summary["missing_hour"]
    total = summary["total"]
    title = (
        f"{headline} is most common on {top_day}s and peaks on {cell['day']} at "
        f"{int(cell['hour']):02d}:00"
    )
    sentence = (
        f"In {summary['span']}, {share_day:.0f}% of {esc(headline.lower())} with a known hour "
        f"happened on a {top_day}; Friday to Sunday nights (20:00 to 03:59) account for "
        f"{share_wn:.0f}% of the week's crimes in {weekend_night.sum() / len(table) * 100:.0f}% "
        f"of its hours. {_no_hour_words(table, missing, total, rule)} "
        "out of the heatmap. Cells with counts from 1 to the disclosure threshold are hatched "
        "grey, not coloured."
    )
    alt = (
        f"Heatmap of {headline.lower()} by day of week (rows, Monday to Sunday) and hour "
        f"(columns, 00 to 23); darker cells have more crimes. The busiest cell is "
        f"{cell['day']} {int(cell['hour']):02d}:00."
    )
    return {"title": title, "alt": alt, "sentence": sentence}


# --------------------------------------------------------------------------- local lockdown


def did_findings(result) -> dict[str, str]:
    if not result.estimated:
        return {
            "title": f"{result.series}: the local comparison could not be estimated",
            "alt": "Rates inside and outside the local area, and their ratio.",
            "sentence": f"{esc(result.period)}: {esc(result.reason)}.",
        }
    rr = result.rate_ratio
    words = change_words(rr, result.lower95, result.upper95)
    title = (
        f"During {result.period}, {result.series.lower()} inside the area "
        f"{words.split(' (')[0]} relative to the rest of the force"
    )
    if result.pre_trend is not None:
        t_rr, t_lo, t_hi, t_p = result.pre_trend
        parallel = (
            f"The parallel trends check finds no significant difference in trends before the "
            f"period ({result.pre_months} months: inside vs outside trend rate ratio "
            f"{ci(t_rr, t_lo, t_hi, 3)} a year, {pval(t_p)})"
            if t_p >= 0.05
            else f"**The parallel trends check fails**: before the period the trends differed "
            f"(inside vs outside {ci(t_rr, t_lo, t_hi, 3)} a year, {pval(t_p)}), so the "
            "estimate should be read with the sensitivity estimate below"
        )
    else:
        parallel = (
            f"The parallel trends check could not be made ({result.pre_months} months before "
            "the period)"
        )
    sens = ""
    if result.sensitivity is not None:
        s_rr, s_lo, s_hi, _ = result.sensitivity
        sens = f" Allowing the two areas different linear trends gives {ci(s_rr, s_lo, s_hi)}."
    errors = ""
    if result.fit is not None:
        errors = (
            f" The interval allows for overdispersion (variances multiplied by the dispersion, "
            f"{result.fit.serial.phi:.2f}, at least 1) and for serial correlation within each "
            f"area; {result.fit.serial.words()}."
        )
    sentence = (
        f"Difference-in-differences ({esc(result.family)} model with a fixed effect for every "
        f"month, so national lockdowns, trend and season cancel out): during "
        f"{esc(result.period)}, {esc(result.series.lower())} inside the area "
        f"({esc(' '.join(result.area_codes))}) was at a rate ratio of "
        f"{ci(rr, result.lower95, result.upper95)} relative to the rest of the force, i.e. "
        f"{words}. {parallel}.{sens}{errors}"
    )
    alt = (
        "Two line charts sharing a time axis: top, monthly rates per 100,000 residents a year "
        "inside the local area (solid) and in the rest of the force (dashed); bottom, their "
        "ratio with a dotted line at its average before the local period, which is shaded."
    )
    return {"title": title, "alt": alt, "sentence": sentence}


def did_together(results, method: str = "fdr") -> str:
    """How the local comparisons are read: each on its own, and together.

    Each local period is a comparison fixed in advance in the parameters; with several
    estimates (series x local periods), the reader is told how many remain significant
    with ``method`` controlled across them.
    """
    done = [r for r in results if r.estimated]
    one = (
        "Each local period is a comparison fixed in advance in the parameters, so each "
        "interval is read on its own."
    )
    if len(done) < 2:
        return one
    adjusted = adjust([r.p_value for r in done], method)
    named = [
        f"{esc(r.series.lower())} in {esc(r.period)}"
        for r, sig in zip(done, adjusted.significant, strict=True)
        if sig
    ]
    return (
        f"{one} Read together, {len(named)} of the {len(done)} comparisons "
        f"{_verb(len(named))} significantly from the rest of the force"
        + (f" ({'; '.join(named)})" if named else "")
        + f". {describe(adjusted, 'comparisons')}"
    )


# --------------------------------------------------------------------------- forecasts


def backtest_findings(fc) -> dict[str, str]:
    bt = fc.backtest
    chosen = bt.errors[bt.errors["chosen"]].iloc[0]
    other = bt.errors[~bt.errors["chosen"]].iloc[0]
    flagged = bt.flagged()
    out95 = flagged[flagged["outside_95"]]["month"].tolist()
    out80 = flagged[flagged["outside_80"] & ~flagged["outside_95"]]["month"].tolist()
    title = (
        f"On the held-out year, {chosen['model']} forecast {fc.series.lower()} with a mean "
        f"error of {chosen['mae']:,.0f} a month ({chosen['mape_pct']:.1f}%), better than "
        f"{other['model']} ({other['mae']:,.0f})"
    )
    flags = (
        f"Months outside the chosen model's 95% interval: {', '.join(out95)}. "
        if out95
        else "No held-out month fell outside the chosen model's 95% interval. "
    )
    if out80:
        flags += f"Outside the 80% interval only: {', '.join(out80)}."
    sentence = (
        f"Both models were fitted to the months before the held-out year and forecast it. "
        f"{chosen['model']} had the smaller mean absolute error ({chosen['mae']:,.1f} against "
        f"{other['mae']:,.1f}) and is used for the forecast; its 80% and 95% intervals covered "
        f"{chosen['coverage_80_pct']:.0f}% and {chosen['coverage_95_pct']:.0f}% of the "
        f"held-out months. {flags}"
    )
    alt = (
        "Line chart of the observed monthly counts with the two models' forecasts of the "
        "held-out year (dashed and dash-dot lines) and their 95% intervals as bands; a "
        "vertical line marks the start of the held-out year."
    )
    return {"title": title, "alt": alt, "sentence": sentence}


def forecast_findings(fc) -> dict[str, str]:
    f = fc.forecast
    total = f["forecast"].sum()
    last12 = fc.history["observed"].iloc[-12:].sum()
    words = change_words(total / last12) if last12 else "could not be compared"
    first, last = f["month"].iloc[0], f["month"].iloc[-1]
    title = (
        f"{fc.series}: the forecast for {first} to {last} is {total:,.0f}, "
        f"{'about the same as' if words == 'was unchanged' else words.replace('rose by', 'up').replace('fell by', 'down')} "
        f"{'' if words == 'was unchanged' else 'on '}the last 12 months"
    )
    peak = f.loc[f["forecast"].idxmax()]
    sentence = (
        f"{f['model'].iloc[0]} forecasts {total:,.0f} crimes over the next 12 months "
        f"({first} to {last}) against {last12:,.0f} in the last 12; the highest month is "
        f"{peak['month']} ({peak['forecast']:,.0f}, 80% interval {peak['lower80']:,.0f} to "
        f"{peak['upper80']:,.0f}, 95% interval {peak['lower95']:,.0f} to {peak['upper95']:,.0f}). "
        "Intervals describe the month-to-month variation the model has seen; they do not "
        "allow for new lockdowns, changes in recording or the uncertainty of the period effects."
    )
    alt = (
        "Line chart of the last three years of monthly counts followed by the 12-month "
        "forecast as a dashed line with 80% (darker) and 95% (lighter) interval bands."
    )
    return {"title": title, "alt": alt, "sentence": sentence}


def weekly_sentence(weekly) -> str:
    """Where the weekly counts are published, and how many complete weeks they cover."""
    return (
        f"Weekly counts of the main series ({weekly['week_start'].nunique():,} complete weeks, "
        f"Monday to Sunday, from {weekly['week_start'].iloc[0]}) are published in "
        "`tables/trend_weekly.csv`; the monitoring section charts them on request."
    )
