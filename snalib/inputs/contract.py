"""The input data contract: the canonical tables ``sna`` reads.

This module is the single source of truth for the contract. The pandera schemas
(:func:`schema`), the readers in :mod:`snalib.inputs.sources.canonical` and the tables in
``docs/data-contract.md`` are all generated from :data:`TABLES`; a test checks that the
document matches.

Analysts write extracts to this contract, so it is versioned (:data:`CONTRACT_VERSION`):
columns may be added (minor version), never renamed or removed without a major version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import pandas as pd
import pandera.pandas as pa

CONTRACT_VERSION = "1.0"

#: Column kinds, how each is read from text, and the pandas dtype it becomes.
KINDS: dict[str, tuple[str, str]] = {
    "id": ("text, not empty", "string"),
    "text": ("text", "string"),
    "code": ("text code", "string"),
    "area": ("area code (LSOA, district, CSP or force code)", "string"),
    "date": ("date, YYYY-MM-DD", "datetime64[ns]"),
    "month": ("month, YYYY-MM", "string"),
    "period": ("financial year YYYY/YY or month YYYY-MM", "string"),
    "year": ("whole year, e.g. 2020", "Int64"),
    "hour": ("whole hour 0-23", "Int64"),
    "bool": ("true/false, 1/0, Y/N, yes/no (any case)", "boolean"),
    "sex": ("M or F (Male/Female accepted); anything else or empty is unknown (U)", "string"),
    "age": ("whole years 0-120", "Int64"),
    "age_band": ("age band label: 0-4, 18-24, 90+, or all", "string"),
    "count": ("whole number >= 0", "Int64"),
    "number": ("number", "Float64"),
    "weight": ("number > 0", "Float64"),
}


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    kind: str
    description: str
    required: bool = True  # the column must be present in the file
    nullable: bool = False  # empty cells allowed
    unique: bool = False
    allowed: tuple[str, ...] | None = None  # allowed values (after normalisation)
    since: str = "1.0"  # contract version that added the column

    @property
    def dtype(self) -> str:
        return KINDS[self.kind][1]


@dataclass(frozen=True)
class Table:
    """One canonical table."""

    name: str
    description: str
    columns: tuple[Column, ...]
    required_source: bool = False  # must every params file provide it?
    unique_together: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_names(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


C = Column

CRIMES = Table(
    "crimes",
    "Police recorded crime, one row per crime (a force's record-level extract).",
    (
        C(
            "crime_id",
            "id",
            "Unique crime reference (pseudonymised; never published).",
            unique=True,
        ),
        C("offence_date", "date", "Date the offence was committed (or first date of the range)."),
        C("offence_hour", "hour", "Hour of the offence, 0-23.", required=False, nullable=True),
        C(
            "hocr_code",
            "code",
            "Home Office Counting Rules offence code, e.g. 5D, 8N, 34B, 4/1 (4.1 accepted).",
        ),
        C("area_code", "area", "LSOA code of the offence location.", nullable=True),
        C(
            "public_place",
            "bool",
            "Offence location is a public place (street, park, licensed premises, transport...).",
            nullable=True,
        ),
        C("domestic", "bool", "Flagged as domestic abuse / domestic setting."),
        C("knife", "bool", "A knife or sharp instrument was used or threatened."),
        C("victim_age", "age", "Victim's age in whole years at the offence.", nullable=True),
        C("victim_sex", "sex", "Victim's sex.", nullable=True),
        C("offender_age", "age", "Suspect/offender age in whole years.", nullable=True),
        C("offender_sex", "sex", "Suspect/offender sex.", required=False, nullable=True),
        C(
            "victim_id",
            "id",
            "Pseudonymous victim identifier, for repeat victimisation.",
            required=False,
            nullable=True,
        ),
        C(
            "offender_id",
            "id",
            "Pseudonymous offender identifier, for repeat offending.",
            required=False,
            nullable=True,
        ),
    ),
    required_source=True,
    notes=(
        "A crime with no `area_code`, or an area outside the force, is still a crime recorded "
        "by the force: it counts in force-level series and is left out only of area rates.",
        "The extract must cover every month of the analysis window. A month with no crime of "
        "any type, when the window's median month has 20 or more, is a month without data: "
        "shown as a gap, never as 0, and left out of the models, or the run stops when "
        "validation.missing_months is stop (docs/methods.md, section 1).",
    ),
)

ED_ATTENDANCES = Table(
    "ed_attendances",
    "Emergency Department assault attendances (Cardiff Model / ISTV, NHS ISB 1594), "
    "anonymised, one row per attendance.",
    (
        C("attendance_id", "id", "Unique attendance reference (anonymised).", unique=True),
        C("arrival_date", "date", "Date of arrival at the ED."),
        C("arrival_hour", "hour", "Hour of arrival, 0-23.", required=False, nullable=True),
        C("assault_date", "date", "Date of the assault.", nullable=True),
        C("assault_hour", "hour", "Hour of the assault, 0-23.", required=False, nullable=True),
        C(
            "assault_method",
            "text",
            "Weapon or method: knife_sharp, blunt_object, body_part, firearm, other, unknown.",
            allowed=("knife_sharp", "blunt_object", "body_part", "firearm", "other", "unknown"),
        ),
        C(
            "location_type",
            "text",
            "Location type: street, licensed_premises, home, school, transport, other, unknown.",
            allowed=(
                "street",
                "licensed_premises",
                "home",
                "school",
                "transport",
                "other",
                "unknown",
            ),
        ),
        C(
            "location_description",
            "text",
            "Free-text location (e.g. a venue name). Never published.",
            required=False,
            nullable=True,
        ),
        C("area_code", "area", "LSOA of the assault location, where known.", nullable=True),
        C("age", "age", "Patient's age in whole years.", nullable=True),
        C("sex", "sex", "Patient's sex.", nullable=True),
    ),
)

AMBULANCE = Table(
    "ambulance",
    "Ambulance call-outs for assault, stabbing or shooting, one row per incident.",
    (
        C("incident_id", "id", "Unique incident reference.", unique=True),
        C("incident_date", "date", "Date of the call."),
        C("incident_hour", "hour", "Hour of the call, 0-23.", required=False, nullable=True),
        C(
            "category",
            "text",
            "Call category: assault, stabbing, shooting.",
            allowed=("assault", "stabbing", "shooting"),
        ),
        C("area_code", "area", "LSOA of the incident.", nullable=True),
        C("age", "age", "Patient's age in whole years.", nullable=True),
        C("sex", "sex", "Patient's sex.", nullable=True),
    ),
)

ADMISSIONS = Table(
    "admissions",
    "Hospital Episode Statistics: emergency admissions (admission method 2x, first episode), "
    "aggregated by period, area, age band and ICD-10 cause.",
    (
        C("period", "period", "Month (YYYY-MM) or financial year (YYYY/YY)."),
        C("area_code", "area", "Area of residence (force, local authority or CSP code)."),
        C("age_band", "age_band", "Age band, e.g. 0-17, 18-24, 25-34, or all."),
        C("sex", "sex", "Sex (U for persons/unknown).", required=False, nullable=True),
        C("icd10_cause", "code", "ICD-10 cause code (WHO, 3 characters), e.g. X99."),
        C(
            "count",
            "count",
            "Number of admissions. Empty or * if suppressed at source.",
            nullable=True,
        ),
    ),
    unique_together=("period", "area_code", "age_band", "sex", "icd10_cause"),
)

HOMICIDES = Table(
    "homicides",
    "Homicide Index extract, one row per homicide victim.",
    (
        C("homicide_id", "id", "Unique reference.", unique=True),
        C("offence_date", "date", "Date of the offence."),
        C("area_code", "area", "LSOA (or district) of the offence.", nullable=True),
        C("victim_age", "age", "Victim's age.", nullable=True),
        C("victim_sex", "sex", "Victim's sex.", nullable=True),
        C("knife", "bool", "Method: knife or sharp instrument."),
        C(
            "domestic",
            "bool",
            "Domestic homicide: principal suspect a partner, ex-partner or family member.",
        ),
    ),
)

POPULATION = Table(
    "population",
    "Resident population (ONS mid-year estimates) by area, year, sex and age band.",
    (
        C("area_code", "area", "LSOA code (or district code when LSOAs are not available)."),
        C("year", "year", "Mid-year of the estimate, e.g. 2020 for mid-2020."),
        C("sex", "sex", "Sex (U for persons when not split by sex).", nullable=True),
        C("age_band", "age_band", "Age band: 0-4, 5-9, ... 85-89, 90+ (ESP 2013 bands), or all."),
        C("population", "count", "Number of residents."),
    ),
    required_source=True,
    unique_together=("area_code", "year", "sex", "age_band"),
)

AREAS = Table(
    "areas",
    "Lookup from LSOA to district, Community Safety Partnership and police force area.",
    (
        C("lsoa_code", "area", "LSOA code.", unique=True),
        C("lsoa_name", "text", "LSOA name."),
        C("district_code", "area", "Local authority district code."),
        C("district_name", "text", "Local authority district name."),
        C("csp_code", "area", "Community Safety Partnership code."),
        C("csp_name", "text", "Community Safety Partnership name."),
        C("force_code", "area", "Police force area code."),
        C("force_name", "text", "Police force area name."),
        C(
            "imd_decile",
            "count",
            "IMD 2019 decile (1 = most deprived 10% of LSOAs in England).",
            required=False,
            nullable=True,
        ),
        C(
            "imd_rank",
            "count",
            "IMD 2019 rank (1 = most deprived).",
            required=False,
            nullable=True,
        ),
    ),
    required_source=True,
)

RISK_FACTORS = Table(
    "risk_factors",
    "Area-level risk and protective factor indicators (long format).",
    (
        C("area_code", "area", "Area the indicator describes (LSOA, district or force)."),
        C("indicator", "text", "Indicator identifier, e.g. children_looked_after."),
        C("period", "period", "Financial year (YYYY/YY) or month (YYYY-MM)."),
        C("numerator", "number", "Numerator, where the indicator is a rate.", nullable=True),
        C("denominator", "number", "Denominator, where it is a rate.", nullable=True),
        C("value", "number", "Indicator value (rate, percentage or score)."),
    ),
    unique_together=("area_code", "indicator", "period"),
)

INTERVENTIONS = Table(
    "interventions",
    "Intervention monitoring: one row per intervention and period.",
    (
        C("intervention", "text", "Intervention name."),
        C("programme", "text", "Programme or theme it belongs to.", nullable=True),
        C("period", "period", "Financial year (YYYY/YY) or month (YYYY-MM)."),
        C("referrals", "count", "People referred."),
        C("engaged", "count", "People who engaged."),
        C("completed", "count", "People who completed."),
        C(
            "positive_outcomes",
            "count",
            "People with a positive recorded outcome.",
            nullable=True,
        ),
    ),
    unique_together=("intervention", "period"),
)

SPEND = Table(
    "spend",
    "Spend against plan, by financial year and budget line.",
    (
        C("financial_year", "period", "Financial year (YYYY/YY)."),
        C("category", "text", "Budget line, e.g. interventions, central team."),
        C("planned", "number", "Planned spend (GBP)."),
        C("actual", "number", "Actual spend (GBP).", nullable=True),
    ),
    unique_together=("financial_year", "category"),
)

SURVEY = Table(
    "survey",
    "Community perception survey, one row per respondent and question (long format).",
    (
        C("respondent_id", "id", "Pseudonymous respondent id."),
        C("survey_date", "date", "Date of the response."),
        C("district_code", "area", "District of residence.", nullable=True),
        C("age_band", "age_band", "Age band of the respondent.", nullable=True),
        C("sex", "sex", "Respondent's sex.", nullable=True),
        C("weight", "weight", "Survey weight (> 0)."),
        C("question", "text", "Question identifier."),
        C("response", "text", "Response category."),
    ),
    unique_together=("respondent_id", "question"),
)

STREET_CRIMES = Table(
    "street_crimes",
    "data.police.uk street-level crimes (public data mode): broad crime type, month and "
    "LSOA only. Produced by the police_uk adapter, not written by analysts.",
    (
        C("crime_id", "id", "data.police.uk Crime ID (64 hex characters).", unique=True),
        C("month", "month", "Month of the crime, YYYY-MM (the first month it was listed)."),
        C("crime_type", "text", "data.police.uk broad crime type, e.g. Robbery."),
        C("area_code", "area", "LSOA code of the snap point.", nullable=True),
        C("longitude", "number", "Anonymised snap point longitude.", nullable=True),
        C("latitude", "number", "Anonymised snap point latitude.", nullable=True),
        C(
            "location",
            "text",
            "Snap point description, e.g. 'On or near Park Road'.",
            nullable=True,
        ),
        C("last_outcome", "text", "Last outcome category at download time.", nullable=True),
    ),
    notes=(
        "Anti-social behaviour rows (no Crime ID) are excluded by the adapter and counted; a "
        "Crime ID listed in more than one month is counted once, in its first month.",
        "Give one file per month of the analysis window. A month with no file (or a file with "
        "no crime) is a month without data: shown as a gap, never as 0, and left out of the "
        "models, or the run stops when validation.missing_months is stop (docs/methods.md, "
        "section 1).",
    ),
)

RECORDED_CRIME_COUNTS = Table(
    "recorded_crime_counts",
    "Aggregate police recorded crime counts by period, area and offence code (Home Office "
    "open data tables). Produced by the home_office_prc adapter.",
    (
        C("financial_year", "period", "Financial year, YYYY/YY."),
        C("quarter", "count", "Financial quarter 1-4."),
        C("area_code", "area", "Force (or CSP) code, where the table gives one.", nullable=True),
        C("area_name", "text", "Force or CSP name as published."),
        C("hocr_code", "code", "Offence code as published (the combined homicide code kept)."),
        C("offence_description", "text", "Offence description as published."),
        C("offence_group", "text", "Home Office offence group."),
        C("offence_subgroup", "text", "Home Office offence subgroup."),
        C("count", "number", "Number of offences; negative adjustments are real and kept."),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        CRIMES,
        ED_ATTENDANCES,
        AMBULANCE,
        ADMISSIONS,
        HOMICIDES,
        POPULATION,
        AREAS,
        RISK_FACTORS,
        INTERVENTIONS,
        SPEND,
        SURVEY,
        STREET_CRIMES,
        RECORDED_CRIME_COUNTS,
    )
}


def _pandera_dtype(kind: str):
    return {
        "string": pd.StringDtype(),
        "datetime64[ns]": "datetime64[ns]",
        "Int64": pd.Int64Dtype(),
        "boolean": pd.BooleanDtype(),
        "Float64": pd.Float64Dtype(),
    }[KINDS[kind][1]]


def _consecutive_years(values: pd.Series) -> pd.Series:
    """True where a value is not YYYY/YY, or is one with YY the year after YYYY (2021/22)."""
    text = values.astype("string")
    fy = text.str.fullmatch(r"\d{4}/\d{2}").fillna(False).astype(bool)
    start = pd.to_numeric(text.str.slice(0, 4), errors="coerce")
    end = pd.to_numeric(text.str.slice(5, 7), errors="coerce")
    return (~fy | ((start + 1) % 100 == end)).fillna(True).astype(bool)


def _checks(col: Column) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if col.kind == "hour":
        checks.append(pa.Check.in_range(0, 23, error="hour must be 0-23"))
    elif col.kind == "age":
        checks.append(pa.Check.in_range(0, 120, error="impossible age (expected 0-120)"))
    elif col.kind == "count":
        checks.append(pa.Check.ge(0, error="count must not be negative"))
    elif col.kind == "weight":
        checks.append(pa.Check.gt(0, error="weight must be greater than 0"))
    elif col.kind == "year":
        checks.append(pa.Check.in_range(1900, 2100, error="year out of range"))
    elif col.kind == "sex":
        checks.append(pa.Check.isin(["M", "F", "U"], error="sex must be M, F or U"))
    elif col.kind == "month":
        checks.append(pa.Check.str_matches(r"^\d{4}-(0[1-9]|1[0-2])$", error="expected YYYY-MM"))
    elif col.kind == "period":
        checks.append(
            pa.Check.str_matches(
                r"^(\d{4}-(0[1-9]|1[0-2])|\d{4}/\d{2})$", error="expected YYYY/YY or YYYY-MM"
            )
        )
        checks.append(
            pa.Check(
                _consecutive_years,
                error="not a financial year: YYYY/YY must be two consecutive years, e.g. 2021/22",
            )
        )
    elif col.kind == "age_band":
        checks.append(
            pa.Check.str_matches(
                r"^(\d{1,3}-\d{1,3}|\d{1,3}\+|all)$", error="expected 18-24, 90+ or all"
            )
        )
    elif col.kind == "id":
        checks.append(pa.Check.str_length(min_value=1, error="identifier must not be empty"))
    if col.allowed is not None:
        checks.append(
            pa.Check.isin(list(col.allowed), error=f"expected one of {', '.join(col.allowed)}")
        )
    return checks


@cache
def schema(table: str, *, uniqueness: bool = True) -> pa.DataFrameSchema:
    """The pandera schema of a canonical table, as read (typed) by ``sna``.

    Optional columns that are absent from a file are added as empty by the reader, so the
    schema lists every column. Extra columns are dropped by the reader before validation.
    ``uniqueness=False`` leaves out the unique and unique-together checks, for a reader
    that has already rejected the repeats (and should not pay for a second hash of
    millions of identifiers).
    """
    t = TABLES[table]
    columns = {
        c.name: pa.Column(
            _pandera_dtype(c.kind),
            nullable=c.nullable or not c.required,
            unique=c.unique and uniqueness,
            checks=_checks(c),
            description=c.description,
            title=c.name,
        )
        for c in t.columns
    }
    return pa.DataFrameSchema(
        columns,
        name=t.name,
        strict=True,
        ordered=False,
        unique=(list(t.unique_together) or None) if uniqueness else None,
        report_duplicates="all",
        description=t.description,
    )


def contract_markdown() -> str:
    """The per-table column reference of ``docs/data-contract.md`` (generated section)."""
    lines: list[str] = []
    for t in TABLES.values():
        req = "required in every params file" if t.required_source else "optional source"
        lines.append(f"### `{t.name}` ({req})")
        lines.append("")
        lines.append(t.description)
        lines.append("")
        lines.append("| column | type | required | empty allowed | description |")
        lines.append("|---|---|---|---|---|")
        for c in t.columns:
            kind = KINDS[c.kind][0]
            if c.unique:
                kind += "; unique"
            lines.append(
                f"| `{c.name}` | {kind} | {'yes' if c.required else 'no'} | "
                f"{'yes' if c.nullable or not c.required else 'no'} | {c.description} |"
            )
        if t.unique_together:
            lines.append("")
            lines.append(
                "Each combination of "
                + ", ".join(f"`{n}`" for n in t.unique_together)
                + " appears once."
            )
        for note in t.notes:
            lines.append("")
            lines.append(note)
        lines.append("")
    return "\n".join(lines)
