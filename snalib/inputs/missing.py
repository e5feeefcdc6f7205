"""Months of the analysis window with no data: missing, not zero.

A month of the analysis window for which the crimes source holds no record at all is a gap
in the data, not a month without crime:

- *public data mode* (data.police.uk street-level files): a force publishes one file a
  month and every file lists crimes, so a month with no crime is a month whose file was not
  given (or a file with no crime in it, e.g. anti-social behaviour rows only);
- *record mode* (a force's extract): a month without a single recorded crime of any type is
  a gap in the extract when crimes are expected, i.e. when the window's median month holds
  at least :data:`RECORDS_EXPECTED` records (a Poisson month with that mean is empty with
  probability about 2 in a billion; a negative binomial one with a coefficient of
  variation of 0.4, about 1 in 10,000). In a very small extract an empty month is
  plausible, and is counted as 0.

:func:`find_missing_months` finds them, with the reason, from the loaded inputs;
:func:`snalib.validation.check_coverage` stops on them (``validation.missing_months:
stop``) or notes them (``leave_out``). The build records them in ``data/quality.json``
(``missing_months``), from which every chapter reads them (:func:`missing_from_quality`):
the monthly series publishes an empty count with a note, charts show a gap, and the models
leave the month out (``docs/methods.md``, "Missing months").
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from snalib.periods import month_labels, months_between

__all__ = [
    "RECORDS_EXPECTED",
    "MissingMonth",
    "find_missing_months",
    "missing_from_quality",
    "missing_sentence",
    "month_name",
]

#: Record mode: an empty month is a gap when the median month of the window has at least
#: this many records (all crime types).
RECORDS_EXPECTED = 20

_FILE_MONTH = re.compile(r"^(\d{4}-\d{2})-")


def month_name(month: str) -> str:
    """``"2021-03"`` as ``"March 2021"``."""
    return f"{pd.Period(month, 'M'):%B %Y}"


@dataclass(frozen=True)
class MissingMonth:
    """A month of the analysis window with no data, and why.

    Attributes
    ----------
    month
        ``YYYY-MM``.
    reason
        Why it has no data, in words that start a sentence once capitalised: "no
        data.police.uk file for March 2021 in the folder leicestershire".
    """

    month: str
    reason: str

    @property
    def name(self) -> str:
        """The month in words: "March 2021"."""
        return month_name(self.month)

    def sentence(self) -> str:
        """ "No data.police.uk file for March 2021 ...: that month is shown as a gap and
        left out of the models."."""
        return f"{self.reason[0].upper()}{self.reason[1:]}: that month is shown as a gap and left out of the models."


def _public_reason(month: str, files: list[Path], folder: Path) -> str:
    named = [f for f in files if (m := _FILE_MONTH.match(f.name)) and m.group(1) == month]
    if named:
        return (
            f"the data.police.uk file for {month_name(month)} ({named[0].name}) has no crime "
            "(anti-social behaviour only, or every row left out)"
        )
    where = folder.name if folder.is_dir() or not folder.suffix else folder.parent.name
    return f"no data.police.uk file for {month_name(month)} in the folder {where}"


def find_missing_months(params, inputs) -> list[MissingMonth]:
    """The months of the analysis window with no data in the crimes source (module doc).

    Parameters
    ----------
    params
        The validated parameters (:class:`snalib.params.Params`).
    inputs
        The loaded inputs (:class:`snalib.inputs.load.Inputs`, or anything with a
        ``results`` mapping holding ``crimes``).

    Returns
    -------
    list of MissingMonth
        In time order; empty when the run has no crimes source or no month is missing.
    """
    crimes = inputs.results.get("crimes")
    if crimes is None:
        return []
    window = params.analysis_window
    months = months_between(window.start, window.end)
    if crimes.table == "street_crimes":
        have = set(crimes.data["month"].dropna().astype(str))
        folder = Path(params.sources.crimes.path)
        files = [Path(f) for f in (getattr(crimes, "files", None) or [])]
        return [MissingMonth(m, _public_reason(m, files, folder)) for m in months if m not in have]
    counts = month_labels(crimes.data["offence_date"]).value_counts().reindex(months, fill_value=0)
    periods = pd.PeriodIndex(months, freq="M")
    first = np.maximum(periods.start_time.normalize(), pd.Timestamp(window.start))
    last = np.minimum(periods.end_time.normalize(), pd.Timestamp(window.end))
    share = ((last - first).days + 1) / periods.days_in_month
    full = np.asarray(share) == 1
    typical = float(np.median(counts.to_numpy()[full])) if full.any() else 0.0
    name = Path(params.sources.crimes.path).name
    return [
        MissingMonth(
            m,
            f"no record in {name} is dated in {month_name(m)}, although the extract's median "
            "month holds many: a whole month without any recorded crime is a gap in the "
            "extract, not a quiet month",
        )
        for m, n, s in zip(months, counts.to_numpy(), np.asarray(share), strict=True)
        if n == 0 and typical * s >= RECORDS_EXPECTED
    ]


def to_quality(missing: list[MissingMonth]) -> list[dict[str, str]]:
    """The ``missing_months`` entry of ``data/quality.json``."""
    return [asdict(m) for m in missing]


def missing_from_quality(quality: dict) -> list[MissingMonth]:
    """The missing months recorded in a run's ``data/quality.json`` (none in older runs)."""
    return [MissingMonth(m["month"], m["reason"]) for m in quality.get("missing_months", [])]


def missing_sentence(missing: list[MissingMonth]) -> str:
    """What the data quality chapter says about missing months (one sentence per month)."""
    if not missing:
        return (
            "Every month of the analysis window has data: no month is missing from the crimes "
            "source."
        )
    return " ".join(m.sentence() for m in missing)
