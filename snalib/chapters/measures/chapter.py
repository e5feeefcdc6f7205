"""The success measures chapter as its notebook shows it: one call per output.

``notebooks/04-success-measures.ipynb`` builds the chapter once in its setup cell
(:func:`success_measures_chapter`: the run's tables, the measures and the disclosure rules)
and then shows each output with one call:

- :func:`measures_table`: ``tables/success_measures.csv``, after disclosure control;
- :func:`measures_summary` and :func:`measures_text`: the headline and the reading of each
  measure, from the published table;
- :func:`series_figures`: each measure over time, in the order of
  :data:`~snalib.chapters.measures.definitions.MEASURES`;
- :func:`district_funnel_figure`: serious violence by district against funnel limits.

Each returns what its cell shows; where there is nothing to show it returns a sentence
saying why, so that every cell a report embeds has an output.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from snalib.chapters.measures import findings
from snalib.chapters.measures.charts import funnel_chart, series_chart
from snalib.chapters.measures.definitions import MEASURES
from snalib.chapters.measures.funnel import district_funnel
from snalib.chapters.measures.protect import protect_measures
from snalib.chapters.measures.series import measure_series, series_unavailable
from snalib.chapters.measures.table import (
    COUNT_COLUMNS,
    FORMATS,
    LABELS,
    SHOWN,
    MeasureInputs,
    MeasuresResult,
    success_measures,
)
from snalib.publish.disclosure import Rule
from snalib.publish.run import RunContext
from snalib.publish.tables import PublishedFigure, PublishedTable

#: Shown in place of the funnel plot when the run cannot give district rates.
NO_DISTRICT_FUNNEL = (
    "District rates are not shown: they need crimes with an area and a resident population "
    "by district, and this run's data do not give both."
)


@dataclass
class MeasuresChapter:
    """What the chapter's cells share: the run, its tables, the measures and the rules.

    Attributes
    ----------
    run
        The run directory the chapter reads and publishes into.
    inputs
        The run's tables the measures read (:meth:`MeasureInputs.from_run`).
    result
        The success measures before disclosure control (:func:`success_measures`).
    rules
        Disclosure rule per source: ``"hes"`` for admissions, ``"police"`` otherwise.
    """

    run: RunContext
    inputs: MeasureInputs
    result: MeasuresResult
    rules: dict[str, Rule]

    @cached_property
    def published(self) -> PublishedTable:
        """``tables/success_measures.csv``, published once however many cells read it.

        :func:`protect_measures` applies each row's rule (HES or police) with secondary
        suppression and withholds every rate, ratio and interval resting on a withheld or
        small count; the counts pass the police rule again on publishing.
        """
        return self.run.publish_table(
            protect_measures(self.result.table, self.rules),
            "success_measures",
            caption=findings.table_caption(self.result.periods),
            counts=COUNT_COLUMNS,
            source="police",
            labels=LABELS,
            formats=FORMATS,
            show=SHOWN,
        )


def success_measures_chapter(run: RunContext) -> MeasuresChapter:
    """Read the run's tables and compute the success measures, once for the whole chapter.

    Parameters
    ----------
    run
        The run directory (``RunContext(run_dir)``).

    Returns
    -------
    MeasuresChapter
        Passed to each of this module's output functions.
    """
    inputs = MeasureInputs.from_run(run)
    rules = {"hes": run.rule("hes"), "police": run.rule("police")}
    return MeasuresChapter(run, inputs, success_measures(inputs, run.params), rules)


def measures_table(chapter: MeasuresChapter) -> PublishedTable:
    """The success measures table, published (``tables/success_measures.csv``)."""
    return chapter.published


def measures_summary(chapter: MeasuresChapter) -> str:
    """The headline: how many comparisons in each status, and what could not be computed."""
    return findings.measures_summary(chapter.published.frame, chapter.result.periods)


def measures_text(chapter: MeasuresChapter) -> str:
    """What each measure says, read from the published table (withheld counts stay so)."""
    return findings.measure_sentences(chapter.published.frame)


def series_figures(chapter: MeasuresChapter) -> list[PublishedFigure | str]:
    """Each measure over time, in the order of :data:`MEASURES`: a figure or why not.

    Publishes ``figures/success_measure_<measure>.{svg,png,csv}`` for each measure the
    data can chart; for a measure they cannot (no source, or no complete financial year),
    the item is a sentence saying why.
    """
    result = chapter.result
    periods = result.periods
    shown: list[PublishedFigure | str] = []
    for key in MEASURES:
        series = measure_series(result, key, chapter.rules)
        if series is None:
            shown.append(series_unavailable(result, key))
            continue
        fig = series_chart(series, baseline=periods.baseline, current=periods.current)
        shown.append(
            chapter.run.publish_figure(
                fig,
                f"success_measure_{key}",
                title=series.title,
                alt=series.alt,
                data=series.data,
                counts=["count"],
                source=series.measure.source,
                note=series.note,
            )
        )
    return shown


def district_funnel_figure(chapter: MeasuresChapter) -> PublishedFigure | str:
    """Serious violence by district against funnel limits (``figures/district_funnel``).

    Returns :data:`NO_DISTRICT_FUNNEL` when the run has no crimes or no population by
    district, and a sentence when no district has a crime in the report year.
    """
    funnel = district_funnel(chapter.inputs, chapter.run.params, chapter.run.rule())
    if funnel is None:
        return NO_DISTRICT_FUNNEL
    if isinstance(funnel, str):
        return funnel
    return chapter.run.publish_figure(
        funnel_chart(funnel),
        "district_funnel",
        title=funnel.title,
        alt=funnel.alt,
        data=funnel.data,
        counts=["count"],
        rates={
            "rate": "count",
            "z_score": "count",
            "z_winsorised": "count",
            "z_adjusted": "count",
        },  # fmt: skip
        note=funnel.note,
    )
