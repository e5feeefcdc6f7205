"""What the Home Office success measures are: the three measures, their groups and periods.

Three measures, each for all ages and for the priority age group (under
``definition.priority_age_limit``, 25 by default):

1. emergency hospital admissions for assault by sharp object (ICD-10 X99), from the
   ``admissions`` table (Hospital Episode Statistics, aggregated);
2. knife-enabled serious violence: crimes meeting the serious violence definition (every
   step except the priority age) with the knife flag; the priority group by *victim* age;
3. non-domestic homicides; the priority group is non-domestic homicides of victims under
   the limit involving a knife or sharp instrument.

Each is compared between the baseline year (``baseline``), the previous year and the
report year (:class:`Periods`), and given one of the :data:`STATUSES` by a fixed rule
(:func:`snalib.chapters.measures.compare.classify_status`). The specification,
assumptions and caveats are in ``docs/methods.md``, section 7.
"""

from __future__ import annotations

from dataclasses import dataclass

from snalib.periods import FinancialYear

ALL_AGES = "all ages"
X99 = "X99"

SIGNIFICANT_REDUCTION = "significant reduction"
SIGNIFICANT_INCREASE = "significant increase"
NO_SIGNIFICANT_CHANGE = "no significant change"
TOO_FEW = "too few events to conclude"
NOT_AVAILABLE = "not available"
STATUSES = (
    SIGNIFICANT_REDUCTION,
    SIGNIFICANT_INCREASE,
    NO_SIGNIFICANT_CHANGE,
    TOO_FEW,
    NOT_AVAILABLE,
)

#: Significance level of the comparison (the rate ratio's 95% interval) and the power at
#: which the detectable change is stated.
ALPHA = 0.05
POWER = 0.8
#: "Too few events to conclude" when a comparison is not significant and these counts could
#: not detect a fall of this many percent (with 80% power): a halving could go unnoticed.
MAX_DETECTABLE_FALL_PCT = 50.0
PER = 100_000


def young_group(limit: int) -> str:
    """Label of the priority age group, e.g. "under 25"."""
    return f"under {limit}"


@dataclass(frozen=True)
class Measure:
    """One Home Office success measure.

    Attributes
    ----------
    key
        Stable identifier (``measure_id`` in the table, figure names).
    name
        The measure in words.
    source
        Disclosure rule of its counts: "hes" (admissions) or "police".
    unit
        What one event is, plural ("admissions", "crimes", "homicides").
    data
        The input table it comes from.
    short
        A short name for table rows.
    """

    key: str
    name: str
    source: str
    unit: str
    data: str
    short: str = ""

    def group_description(self, group: str, limit: int) -> str:
        """Who is counted in a group, in words."""
        young = group != ALL_AGES
        if self.key == "admissions":
            return f"patients aged under {limit}" if young else "patients of all ages"
        if self.key == "knife_crime":
            return f"victims aged under {limit}" if young else "victims of all ages"
        return (
            f"victims aged under {limit}, knife or sharp instrument"
            if young
            else "victims of all ages, any method"
        )


MEASURES: dict[str, Measure] = {
    "admissions": Measure(
        "admissions",
        "Emergency hospital admissions for assault by sharp object (ICD-10 X99)",
        "hes",
        "admissions",
        "admissions",
        "Admissions for assault by sharp object (X99)",
    ),
    "knife_crime": Measure(
        "knife_crime",
        "Knife-enabled serious violence",
        "police",
        "crimes",
        "crimes",
        "Knife-enabled serious violence",
    ),
    "homicides": Measure(
        "homicides",
        "Non-domestic homicides",
        "police",
        "homicides",
        "homicides",
        "Non-domestic homicides",
    ),
}


@dataclass(frozen=True)
class Periods:
    """The three financial years compared: baseline (may be None), previous and current."""

    baseline: FinancialYear | None
    previous: FinancialYear
    current: FinancialYear

    @classmethod
    def from_params(cls, params) -> Periods:
        fy = FinancialYear.parse(params.report_year)
        return cls(params.baseline_fy, fy.previous(), fy)

    def named(self) -> list[tuple[str, FinancialYear | None]]:
        return [("baseline", self.baseline), ("previous", self.previous), ("current", self.current)]
