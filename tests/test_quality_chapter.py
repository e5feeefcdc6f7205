"""The data quality chapter: what it publishes, and what it says when a table is empty."""

from __future__ import annotations

import pandas as pd

from snalib.chapters import quality
from snalib.publish.tables import PublishedTable
from tests.chapter_runs import one_source_quality, write_run


def test_summary_says_how_many_records_were_left_out(tmp_path):
    run = write_run(
        tmp_path / "run", quality=one_source_quality(rows_in=12, excluded=1, rejected=1)
    )
    text = quality.summary(run)
    assert "with 12 records in all" in text
    assert "Records excluded for a stated reason: 1. Records rejected because they" in text
    assert "broke the data contract: 1;" in text
    assert "1 records" not in text  # no plural after 1 (and no count-of-records phrase)


def test_reconciliation_table_lists_sources_not_provided(tmp_path):
    run = write_run(tmp_path / "run")
    assert isinstance(quality.reconciliation_table(run), PublishedTable)
    table = pd.read_csv(run.dir / "tables" / "data_quality.csv").set_index("source")
    assert table.loc["crimes", "status"] == "provided"
    assert table.loc["crimes", "reconciles"] == "yes"
    assert table.loc["spend", "status"] == "not provided"


def test_reasons_table_publishes_small_counts_as_they_are(tmp_path):
    counts = one_source_quality(
        rows_in=13,
        excluded=2,
        rejected=1,
        excluded_by_reason={"outside the force area": 2},
        rejected_by_reason={"offence_date is not a date": 1},
    )
    run = write_run(tmp_path / "run", quality=counts)
    assert isinstance(quality.reasons_table(run), PublishedTable)
    table = pd.read_csv(run.dir / "tables" / "data_quality_reasons.csv")
    assert table[["outcome", "records"]].values.tolist() == [["excluded", 2], ["rejected", 1]]


def test_reasons_table_says_so_when_nothing_was_left_out(tmp_path):
    run = write_run(tmp_path / "run")
    assert quality.reasons_table(run) == quality.NOTHING_LEFT_OUT
    assert not (run.dir / "tables" / "data_quality_reasons.csv").exists()


def test_notes_table_publishes_the_readers_notes(tmp_path):
    run = write_run(tmp_path / "run", quality=one_source_quality(notes=["two files read"]))
    assert isinstance(quality.notes_table(run), PublishedTable)
    table = pd.read_csv(run.dir / "tables" / "data_quality_notes.csv")
    assert table.values.tolist() == [["crimes", "two files read"]]


def test_notes_table_says_so_when_there_are_no_notes(tmp_path):
    run = write_run(tmp_path / "run")
    assert quality.notes_table(run) == quality.NO_NOTES
