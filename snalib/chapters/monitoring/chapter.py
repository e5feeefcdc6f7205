"""The monitoring chapter: what each cell of ``notebooks/05-monitoring.ipynb`` shows.

:class:`MonitoringChapter` is built once per run and period in the notebook's setup cell;
each of its methods publishes one output (through disclosure control) and returns what
the cell shows, or a sentence saying why there is nothing to show, so that every cell a
report embeds has output.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

import numpy as np
import pandas as pd

from snalib.chapters.monitoring.charts import xmr_chart
from snalib.chapters.monitoring.findings import (
    baseline_drawn_note,
    no_chart_sentence,
    report_intro,
    xmr_findings,
)
from snalib.chapters.monitoring.periods import (
    PERIODS,
    chart_window,
    charts_for,
    latest_summary,
    period_counts,
)
from snalib.chapters.monitoring.xmr import rules_text
from snalib.chapters.trends.counts import protect_ratio_table
from snalib.chapters.trends.data import TrendData, trend_data
from snalib.publish.disclosure import SUPPRESSED, Rule, is_suppressed
from snalib.publish.tables import PublishedFigure, PublishedTable

#: Rows of the period table shown in the report (the CSV keeps every period).
RECENT_ROWS = 13
RATIOS = ["rate_ratio", "lower95", "upper95"]


def withheld_points(chart: pd.DataFrame, rule: Rule) -> np.ndarray:
    """Points of an XmR table whose value must not be published or drawn: those resting on
    a count that disclosure control withholds (from 1 to the threshold - 1), the period's
    own or, for a differenced chart, the count a year before. A rate per standard period is
    the count times a known factor, so it is shown only where the count itself would be."""
    out = np.zeros(len(chart), dtype=bool)
    for col in ("count", "count_year_earlier"):
        if col in chart.columns:
            out |= is_suppressed(chart[col], rule).to_numpy(dtype=bool)
    return out


class MonitoringChapter:
    """The monitoring report of one run by week, month or quarter.

    Parameters
    ----------
    run
        The run directory (:class:`snalib.publish.run.RunContext`).
    period
        ``"week"``, ``"month"`` or ``"quarter"``.
    data
        The trend data of the run; read from ``run`` when not given.

    Raises
    ------
    ValueError
        For an unknown period, or weeks of public data (months only).
    """

    def __init__(self, run, period: str = "month", data: TrendData | None = None) -> None:
        if period not in PERIODS:
            raise ValueError(f"period must be one of {PERIODS}; got {period!r}")
        self.run = run
        self.period = period
        self.data = trend_data(run) if data is None else data

    # ------------------------------------------------------------------ shared results
    @property
    def headline(self) -> str:
        return self.data.headline.label

    @cached_property
    def frame(self) -> pd.DataFrame:
        """Counts of each main series per complete period (:func:`period_counts`)."""
        return period_counts(self.data, self.period)

    @property
    def seasonal(self) -> str:
        """``statistics.xmr_seasonal`` of the run: "none", "adjusted" or "differenced"."""
        return self.run.params.statistics.xmr_seasonal

    @cached_property
    def _charts(self) -> tuple[dict[str, pd.DataFrame], str]:
        return charts_for(self.frame, self.data, self.seasonal)

    @property
    def unit(self) -> str:
        """What the headline's chart plots: "crimes per 30 days"."""
        return str(self.chart["unit"].iloc[0]) if self.chart is not None else ""

    @cached_property
    def withheld(self) -> np.ndarray | None:
        """Points of the chart drawn whose value is not published: a rate per day times the
        days gives back its count, so a value is withheld (and not drawn) wherever a count
        it rests on would be withheld (:func:`withheld_points`)."""
        if self.shown is None:
            return None
        return withheld_points(self.shown, self.run.rule())

    @property
    def chart(self) -> pd.DataFrame | None:
        """The headline's XmR table, or None when it cannot be charted."""
        return self._charts[0].get(self.headline)

    @cached_property
    def shown(self) -> pd.DataFrame | None:
        """The headline chart's points drawn (weeks: the last two years)."""
        return None if self.chart is None else chart_window(self.chart, self.period)

    @cached_property
    def _found(self) -> dict[str, str]:
        return xmr_findings(
            self.shown, self.headline, self.period, self.run.rule(), withheld=self.withheld
        )

    # ------------------------------------------------------------------ one per cell
    def intro(self) -> str:
        """What the report covers, from which data."""
        return report_intro(self.frame, self.data, self.period)

    def summary_table(self) -> PublishedTable:
        """``tables/monitoring_<period>_summary.csv``: the latest period against a year earlier."""
        summary = latest_summary(self.frame, self.data, self._charts[0])
        period = self.period
        return self.run.publish_table(
            protect_ratio_table(summary, self.run.rule(), RATIOS, ["year_earlier_count"]),
            f"monitoring_{period}_summary",
            counts=["count", "year_earlier_count"],
            rates=dict.fromkeys(RATIOS, ["count", "year_earlier_count"]),
            caption=f"The latest {period} against the same {period} a year earlier",
            labels={
                "series": "Series",
                "period": "Latest",
                "count": "Crimes",
                "year_earlier_period": "A year earlier",
                "year_earlier_count": "Crimes a year earlier",
                "rate_ratio": "Rate ratio",
                "lower95": "Lower 95%",
                "upper95": "Upper 95%",
                "status": "XmR status",
            },
            formats={"rate_ratio": ".2f", "lower95": ".2f", "upper95": ".2f"},
            show=[
                "series",
                "period",
                "count",
                "year_earlier_period",
                "year_earlier_count",
                "rate_ratio",
                "lower95",
                "upper95",
                "status",
            ],  # fmt: skip
        )

    def xmr_figure(self) -> PublishedFigure | str:
        """``figures/monitoring_xmr_<period>``: the headline's XmR chart."""
        if self.shown is None:
            return no_chart_sentence(self.frame, self.headline, self.period)
        fig = xmr_chart(
            self.shown,
            self._found["title"],
            ylabel=self.unit[0].upper() + self.unit[1:],
            hidden=self.withheld,
        )
        counts = [c for c in ("count", "count_year_earlier") if c in self.shown.columns]
        data = self.shown.astype({"value": object})
        data.loc[self.withheld, "value"] = SUPPRESSED
        return self.run.publish_figure(
            fig,
            f"monitoring_xmr_{self.period}",
            title=self._found["title"],
            alt=self._found["alt"],
            data=data,
            counts=counts,
        )

    def xmr_text(self) -> str:
        """The chart's finding in words, and where its mean and limits come from."""
        if self.shown is None:
            return no_chart_sentence(self.frame, self.headline, self.period)
        text = self._found["sentence"] + " " + self._charts[1]
        drawn = baseline_drawn_note(self.shown, self.period)
        return f"{text} {drawn}" if drawn else text

    def rules(self) -> str:
        """The process limits and the special cause rules."""
        return rules_text()

    def recent_table(self) -> PublishedTable:
        """``tables/monitoring_<period>.csv``: every period, shown for the last 13."""
        table = self.frame.drop(columns=["start", "end"])
        if self.chart is not None:
            flags = self.chart[["label", "special_cause", "rules"]]
            table = table.merge(flags.rename(columns={"label": "period"}), on="period")
        published = self.run.publish_table(
            table,
            f"monitoring_{self.period}",
            counts=[s.label for s in self.data.main],
            caption=f"Crimes per {self.period}, with the special cause rules met by "
            f"{self.headline.lower()}",
            labels={
                "period": self.period.capitalize(),
                "special_cause": "Special cause",
                "rules": "Rules met",
            },
        )
        return replace(
            published,
            frame=published.frame.iloc[-RECENT_ROWS:],
            caption=published.caption + f" (last {RECENT_ROWS}; every period in the CSV)",
        )
