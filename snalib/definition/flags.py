"""The serious violence definition, applied record by record, and its inclusion flow.

The VRN definition (DOMAIN.md): public place violence resulting in significant physical
injury with or without weapons, from the Home Office crime groupings Homicide, Violence
with Injury and Robbery; excluding sexual violence and violence in domestic settings;
with an initial priority on people under 25. Each part is a parameter
(:class:`snalib.params.DefinitionParams`) and :func:`flag_crimes` applies them in a fixed
order, so :func:`inclusion_flow` can say how many records each step removed and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from snalib.definition.offence_codes import DEFINITION_CODES, lookup_codes, normalise_codes
from snalib.definition.series import PROXY_TYPES, street_in_financial_year
from snalib.params import DefinitionParams

#: Flag columns added by :func:`flag_crimes`.
FLAG_COLUMNS = [
    "definition_group",
    "in_offence_codes",
    "sexual_offence",
    "knife_eligible",
    "victim_priority_age",
    "offender_priority_age",
    "priority_age",
    "serious_violence",
    "exclusion_step",
]


#: Columns of ``tables/inclusion_flow.csv`` (before ``financial_year`` is added).
FLOW_COLUMNS = [
    "step_number",
    "step_id",
    "step",
    "records",
    "excluded",
    "excluded_not_recorded",
    "reason",
]


@dataclass(frozen=True)
class Step:
    """One step of the inclusion flow."""

    step_id: str
    label: str


STEPS = {
    "all_crimes": Step("all_crimes", "All recorded crimes"),
    "offence_code": Step("offence_code", "In the definition's offence codes"),
    "not_sexual": Step("not_sexual", "Not a sexual offence"),
    "public_place": Step("public_place", "In a public place"),
    "not_domestic": Step("not_domestic", "Not domestic"),
    "priority_age": Step("priority_age", "Priority age cohort"),
}


def active_steps(definition: DefinitionParams) -> list[str]:
    """The steps of the flow, in the order applied, that the parameters switch on."""
    switches = {
        "not_sexual": definition.exclude_sexual_offences,
        "public_place": definition.public_place_only,
        "not_domestic": definition.exclude_domestic,
        "priority_age": definition.apply_priority_age,
    }
    return ["all_crimes", "offence_code", *(step for step, on in switches.items() if on)]


def definition_codes(definition: DefinitionParams) -> frozenset[str]:
    """Offence codes in the definition after the params' additions and removals."""
    extra = set(normalise_codes(pd.Series(definition.extra_codes, dtype="string")).dropna())
    removed = set(normalise_codes(pd.Series(definition.excluded_codes, dtype="string")).dropna())
    return frozenset((set(DEFINITION_CODES) | extra) - removed)


def _age_flag(age: pd.Series, limit: int) -> pd.Series:
    """True under the limit, False at or over it, <NA> when the age is unknown."""
    return (age < limit).astype("boolean")


def priority_age(crimes: pd.DataFrame, definition: DefinitionParams) -> pd.Series:
    """Whether each crime is in the priority age cohort, by the params' rule.

    Unknown ages follow three-valued logic: with ``either``, a victim under the limit is
    enough even when the offender's age is unknown; a crime is *out* only when the rule is
    known to fail. Crimes whose cohort cannot be established are ``<NA>``.
    """
    limit = definition.priority_age_limit
    victim = _age_flag(crimes["victim_age"], limit)
    offender = _age_flag(crimes["offender_age"], limit)
    rule = definition.priority_age_applies_to
    if rule == "victim":
        return victim
    if rule == "offender":
        return offender
    if rule == "either":
        return victim | offender  # Kleene logic: True | NA is True
    return victim & offender  # both: False & NA is False


def flag_crimes(crimes: pd.DataFrame, definition: DefinitionParams) -> pd.DataFrame:
    """Flag every crime against the serious violence definition.

    Parameters
    ----------
    crimes
        The canonical ``crimes`` table (typed).
    definition
        Definition options from the params file.

    Returns
    -------
    pandas.DataFrame
        ``crimes`` with ``hocr_code`` normalised (``4.1`` becomes ``4/1``) and the columns
        of :data:`FLAG_COLUMNS`: ``serious_violence`` is the headline flag and
        ``exclusion_step`` names the first step of the flow that excluded the record
        (empty for records in the definition).

    Notes
    -----
    The steps run in a fixed order (offence code, sexual offence, public place, domestic,
    priority age); a record is attributed to the first step that excludes it. A record
    whose public place flag is unknown is excluded at the public place step when
    ``public_place_only`` is set: the definition counts only what is known to be public.
    The same holds for unknown ages at the priority age step.
    """
    out = crimes.copy()
    out["hocr_code"] = normalise_codes(out["hocr_code"])
    ref = lookup_codes(out["hocr_code"])
    codes = definition_codes(definition)
    in_codes = out["hocr_code"].isin(codes).to_numpy(dtype=bool)
    sexual = ref["sexual_offence"].fillna(False).to_numpy(dtype=bool)
    group = ref["definition_group"].astype("string").where(in_codes)
    # Codes added by the params (e.g. 8S) have no group of their own in the reference.
    group = group.where(~(in_codes & group.isna()), "Added by parameters")
    out["definition_group"] = group.to_numpy()
    out["in_offence_codes"] = in_codes
    out["sexual_offence"] = sexual
    out["knife_eligible"] = ref["knife_eligible"].fillna(False).to_numpy(dtype=bool)

    victim = _age_flag(out["victim_age"], definition.priority_age_limit)
    offender = _age_flag(out["offender_age"], definition.priority_age_limit)
    out["victim_priority_age"] = victim
    out["offender_priority_age"] = offender
    cohort = priority_age(out, definition)
    out["priority_age"] = cohort

    public = out["public_place"].fillna(False).to_numpy(dtype=bool)
    domestic = out["domestic"].fillna(False).to_numpy(dtype=bool)
    in_cohort = cohort.fillna(False).to_numpy(dtype=bool)

    step = np.full(len(out), "", dtype=object)
    remaining = np.ones(len(out), dtype=bool)

    def exclude(mask: np.ndarray, step_id: str) -> None:
        nonlocal remaining
        hit = remaining & mask
        step[hit] = step_id
        remaining = remaining & ~mask

    excluded_by = {
        "offence_code": ~in_codes,
        "not_sexual": sexual,
        "public_place": ~public,
        "not_domestic": domestic,
        "priority_age": ~in_cohort,
    }
    for step_id in active_steps(definition)[1:]:
        exclude(excluded_by[step_id], step_id)
    out["serious_violence"] = remaining
    out["exclusion_step"] = step
    return out


#: Why each step excludes a record (the flow's ``reason`` column).
REASONS = {
    "offence_code": "offence code outside the definition (e.g. violence without injury, "
    "sexual offences, theft)",
    "not_sexual": "sexual offence (excluded by the definition)",
    "public_place": "not in a public place, or location type not recorded",
    "not_domestic": "domestic abuse or domestic setting",
}


def _reason(step_id: str, definition: DefinitionParams) -> str:
    if step_id != "priority_age":
        return REASONS[step_id]
    limit = definition.priority_age_limit
    who = {
        "victim": f"victim not under {limit}",
        "offender": f"offender not under {limit}",
        "either": f"neither victim nor offender under {limit}",
        "both": f"victim and offender not both under {limit}",
    }[definition.priority_age_applies_to]
    return f"{who}, or the ages needed not recorded"


def _not_recorded(step_id: str, excluded: pd.DataFrame) -> int:
    """Of the records a step excluded, how many lacked the value the step needs."""
    if step_id == "public_place":
        return int(excluded["public_place"].isna().sum())
    if step_id == "priority_age":
        return int(excluded["priority_age"].isna().sum())
    return 0


def step_label(step_id: str, definition: DefinitionParams) -> str:
    """Analyst-facing label of a step, with the parameter values it uses."""
    if step_id == "priority_age":
        limit = definition.priority_age_limit
        return {
            "victim": f"Victim under {limit}",
            "offender": f"Offender under {limit}",
            "either": f"Victim or offender under {limit}",
            "both": f"Victim and offender under {limit}",
        }[definition.priority_age_applies_to]
    return STEPS[step_id].label


def inclusion_flow(flagged: pd.DataFrame, definition: DefinitionParams) -> pd.DataFrame:
    """The inclusion flow: records remaining after each step of the definition.

    Parameters
    ----------
    flagged
        Output of :func:`flag_crimes`, already restricted to the period reported.
    definition
        The definition options used to flag.

    Returns
    -------
    pandas.DataFrame
        One row per step with ``step_number``, ``step_id``, ``step`` (label), ``records``
        (remaining after the step), ``excluded`` (removed by the step),
        ``excluded_not_recorded`` (of those, how many lacked the value the step needs, e.g.
        no location type) and ``reason``.
        The first row is all crimes; the last row's ``records`` is the number of crimes in
        the definition. Steps switched off by the parameters are not listed.
    """
    active = active_steps(definition)
    rows = []
    remaining = len(flagged)
    for i, step_id in enumerate(active, start=1):
        if step_id == "all_crimes":
            rows.append((i, step_id, STEPS[step_id].label, remaining, 0, 0, ""))
            continue
        excluded = flagged[flagged["exclusion_step"] == step_id]
        remaining -= len(excluded)
        rows.append(
            (
                i,
                step_id,
                step_label(step_id, definition),
                remaining,
                len(excluded),
                _not_recorded(step_id, excluded),
                _reason(step_id, definition),
            )
        )
    flow = pd.DataFrame(
        rows,
        columns=FLOW_COLUMNS,
    )
    final = int(flagged["serious_violence"].sum())
    if int(flow["records"].iloc[-1]) != final:  # pragma: no cover - an internal invariant
        raise AssertionError("inclusion flow does not end at the serious violence count")
    return flow


def describe_definition(definition: DefinitionParams) -> str:
    """One paragraph saying which definition was used, from the parameters."""
    parts = [
        "Crimes in the Home Office offence codes for homicide, attempted murder, "
        "assault with intent to cause serious harm, endangering life, assault with injury "
        "(including racially or religiously aggravated) and robbery"
    ]
    codes = definition_codes(definition)
    added = sorted(codes - DEFINITION_CODES)
    removed = sorted(DEFINITION_CODES - codes)
    if added:
        parts.append(f"with code(s) {', '.join(added)} added by the parameters")
    if removed:
        parts.append(f"without code(s) {', '.join(removed)}, removed by the parameters")
    conditions = []
    if definition.public_place_only:
        conditions.append("committed in a public place")
    if definition.exclude_domestic:
        conditions.append("not domestic")
    if definition.exclude_sexual_offences:
        conditions.append("not sexual offences")
    if definition.apply_priority_age:
        limit = definition.priority_age_limit
        conditions.append(
            {
                "victim": f"with a victim under {limit}",
                "offender": f"with an offender under {limit}",
                "either": f"with a victim or an offender under {limit}",
                "both": f"with a victim and an offender both under {limit}",
            }[definition.priority_age_applies_to]
        )
    text = ", ".join(parts)
    if conditions:
        text += (
            ", "
            + ", ".join(conditions[:-1])
            + (" and " if len(conditions) > 1 else "")
            + conditions[-1]
        )
    return text + "."


def in_financial_year(flagged: pd.DataFrame, fy) -> pd.DataFrame:
    """Crimes whose offence date falls in financial year ``fy``."""
    d = flagged["offence_date"]
    mask = (d >= pd.Timestamp(fy.start)) & (d <= pd.Timestamp(fy.end))
    return flagged.loc[mask.fillna(False).to_numpy(dtype=bool)]


def flow_sentences(flow: pd.DataFrame, period_label: str, *, public: bool = False) -> str:
    """One sentence per step of the inclusion flow, computed from the flow table.

    Counts are read from the (possibly disclosure-protected) flow, so a suppressed cell
    stays suppressed in the prose. With ``public`` (a :func:`proxy_flow`), the sentences
    speak of street-level crimes and the proxy, never of the definition.
    """

    def fmt(v) -> str:
        return (
            f"{int(v):,}" if isinstance(v, int | float | np.integer) and not pd.isna(v) else str(v)
        )

    first = flow.iloc[0]
    if public:
        opening = (
            f"- In {period_label} data.police.uk lists {fmt(first['records'])} street-level "
            "crimes of all types (anti-social behaviour excluded)."
        )
    else:
        opening = (
            f"- In {period_label} the force recorded {fmt(first['records'])} crimes of all types."
        )
    lines = [opening]
    for _, row in flow.iloc[1:].iterrows():
        unknown = row.get("excluded_not_recorded", 0)
        detail = (
            f", of which {fmt(unknown)} because the value needed was not recorded"
            if str(unknown) not in ("0", "nan", "<NA>")
            else ""
        )
        lines.append(
            f"- **{row['step']}**: {fmt(row['excluded'])} excluded ({row['reason']}{detail}), "
            f"leaving {fmt(row['records'])}."
        )
    last = fmt(flow.iloc[-1]["records"])
    if public:
        lines.append(
            f"\n{last} crimes were violence and sexual offences or robbery, the public data "
            f"proxy for serious violence, in {period_label}; the definition itself cannot be "
            "applied to public data."
        )
    else:
        lines.append(f"\n{last} crimes meet the serious violence definition in {period_label}.")
    return "\n".join(lines)


def group_counts(flagged_fy: pd.DataFrame) -> pd.DataFrame:
    """Serious violence by crime type group: records in the definition's codes and in the
    headline definition."""
    in_codes = flagged_fy[flagged_fy["in_offence_codes"]]
    table = (
        in_codes.groupby("definition_group", dropna=False)
        .agg(in_offence_codes=("crime_id", "size"), serious_violence=("serious_violence", "sum"))
        .reset_index()
        .rename(columns={"definition_group": "crime_type_group"})
    )
    table["serious_violence"] = table["serious_violence"].astype(int)
    return table.sort_values("in_offence_codes", ascending=False).reset_index(drop=True)


def proxy_flow(street: pd.DataFrame, fy) -> pd.DataFrame:
    """Public data mode: the flow from street-level crimes to the serious violence proxy.

    data.police.uk has no offence codes, locations types, ages or flags, so the only step
    available is the broad crime type; the columns are those of :func:`inclusion_flow`.
    """
    in_year = street_in_financial_year(street, fy)
    proxy = in_year["crime_type"].isin(PROXY_TYPES)
    rows = [
        (
            1,
            "all_crimes",
            "All street-level crimes (anti-social behaviour excluded)",
            len(in_year),
            0,
            0,
            "",
        ),
        (
            2,
            "proxy_crime_type",
            "Violence and sexual offences, or robbery (proxy)",
            int(proxy.sum()),
            int((~proxy).sum()),
            0,
            "other crime types (burglary, theft, criminal damage, drugs, public order, "
            "possession of weapons...)",
        ),
    ]
    return pd.DataFrame(
        rows,
        columns=FLOW_COLUMNS,
    )


PROXY_EXPLANATION = (
    "This report is built from **public data only**: data.police.uk street-level crime, "
    "which gives each crime a broad type, a month and an anonymised location (a snap point "
    "and its LSOA). It has no Home Office offence code, no victim or offender age, no "
    "domestic flag and no weapon flag, so the serious violence definition cannot be applied. "
    "Serious violence is **proxied** by the crime types *Violence and sexual offences* and "
    "*Robbery*, with *Possession of weapons* shown beside them as context.\n\n"
    "**What the proxy can show**: the volume, month-by-month pattern and location (LSOA, "
    "district) of violence and robbery recorded by the force.\n\n"
    "**What it cannot show**: injury (most of *Violence and sexual offences* is violence "
    "without injury, stalking and harassment, and sexual offences, which the definition "
    "excludes), whether an offence happened in a public place or a domestic setting, the "
    "ages of victims and offenders (so nothing about the under-25 priority), knife "
    "involvement, the day of the week or the hour. Its counts are therefore several times "
    "larger than serious violence under the definition, and its trend may differ. A force "
    "record-level extract is needed for the definition itself."
)


def flow_title(flow: pd.DataFrame, period_label: str, *, public: bool = False) -> str:
    """The inclusion flow figure's title, stating the finding.

    Read from the disclosure-protected flow: when the first or last count is withheld
    (``[c]``), the title names the steps without the counts or their share.
    """
    first, last = flow["records"].iloc[0], flow["records"].iloc[-1]
    if isinstance(first, str) or isinstance(last, str):
        what = "the public data proxy" if public else "the serious violence definition"
        return f"Records remaining after each step of {what}, {period_label}"
    first, last = int(first), int(last)
    share = 100 * last / first if first else 0.0
    if public:
        return (
            f"{last:,} of {first:,} street-level crimes ({share:.1f}%) were violence and sexual "
            f"offences or robbery, the public data proxy for serious violence, in {period_label}"
        )
    return (
        f"{last:,} of {first:,} recorded crimes ({share:.1f}%) meet the serious violence "
        f"definition in {period_label}"
    )


def flow_alt(flow: pd.DataFrame) -> str:
    """Alt text of the inclusion flow figure: every bar's label and value, as published
    (a withheld count reads "withheld")."""

    def value(v) -> str:
        return "withheld" if isinstance(v, str) else f"{int(v):,}"

    return (
        "Horizontal bar chart of the records remaining after each condition of the definition: "
        + "; ".join(f"{r.step}: {value(r.records)}" for r in flow.itertuples())
        + "."
    )
