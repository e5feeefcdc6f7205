"""The data quality chapter (``notebooks/01-data-quality.ipynb``).

The reconciliation itself (records in = included + excluded + rejected, per source) is
computed from the run's ``data/quality.json`` by :mod:`snalib.inputs.quality`; this module
publishes it and says what a reader needs when a table has nothing to show. It also names
the months of the analysis window with no crime data (:mod:`snalib.inputs.missing`), which
the later chapters show as gaps and leave out of the models.
"""

from __future__ import annotations

from snalib.inputs import quality as reconciliation
from snalib.inputs.missing import missing_from_quality, missing_sentence
from snalib.publish.disclosure import NO_COUNTS
from snalib.publish.run import RunContext
from snalib.publish.tables import PublishedTable

#: Shown instead of the reasons table when every record was included.
NOTHING_LEFT_OUT = "No record was excluded or rejected."
#: Shown instead of the notes table when the source readers noted nothing.
NO_NOTES = "The readers made no notes."


def summary(run: RunContext) -> str:
    """A short paragraph: sources provided, records in, excluded, rejected, and whether
    every source reconciles."""
    return reconciliation.summary_sentences(run.quality())


def reconciliation_table(run: RunContext) -> PublishedTable:
    """``tables/data_quality.csv``: every source, provided or not, with its reconciliation."""
    return run.publish_table(
        reconciliation.reconciliation_table(run.quality()),
        "data_quality",
        caption="Records in each source: included, excluded with a reason, rejected",
        counts=NO_COUNTS,  # records of the input files: see docs/methods.md
        labels={
            "source": "Source",
            "description": "Description",
            "status": "Status",
            "rows_in": "Records in",
            "included": "Included",
            "excluded": "Excluded",
            "rejected": "Rejected",
            "reconciles": "In = included + excluded + rejected",
        },
    )


def reasons_table(run: RunContext) -> PublishedTable | str:
    """``tables/data_quality_reasons.csv``: why records were excluded or rejected.

    Returns a sentence, and publishes nothing, when no record was left out.
    """
    reasons = reconciliation.reasons_table(run.quality())
    if reasons.empty:
        return NOTHING_LEFT_OUT
    return run.publish_table(
        reasons,
        "data_quality_reasons",
        caption="Why records were excluded or rejected",
        counts=NO_COUNTS,  # records of the input files: see docs/methods.md
        labels={"source": "Source", "outcome": "Outcome", "reason": "Reason", "records": "Records"},
    )


def notes_table(run: RunContext) -> PublishedTable | str:
    """``tables/data_quality_notes.csv``: what the source readers noted.

    Returns a sentence, and publishes nothing, when there are no notes.
    """
    notes = reconciliation.notes_table(run.quality())
    if notes.empty:
        return NO_NOTES
    return run.publish_table(
        notes,
        "data_quality_notes",
        caption="Notes from reading the sources",
        counts=NO_COUNTS,  # records of the input files: see docs/methods.md
        labels={"source": "Source", "note": "Note"},
    )


def missing_months(run: RunContext) -> str:
    """The months of the analysis window without crime data, each with why and what the
    report does with it ("No data.police.uk file for March 2021 in the folder ...: that
    month is shown as a gap and left out of the models."), or that there are none.

    The records of the other months are accounted for as usual: a missing month has no
    records to reconcile.
    """
    return missing_sentence(missing_from_quality(run.quality()))
