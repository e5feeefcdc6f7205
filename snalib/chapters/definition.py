"""The definition chapter (``notebooks/02-definition.ipynb``): which crimes are counted.

With a force's record-level extract the chapter applies the serious violence definition
(:mod:`snalib.definition.flags` flagged every crime in the definition stage of the build).
With data.police.uk street-level crimes only (public data mode) the definition cannot be
applied: the chapter explains the proxy and shows the one step public data allow. Either
way it publishes the inclusion flow (table, figure and sentences) and the monthly series
that the trend, monitoring and measures chapters read (:mod:`snalib.definition.series`).

The notebook builds one :class:`DefinitionChapter` in its setup cell and shows one of its
methods per cell; each method returns what its cell shows.
"""

from __future__ import annotations

from functools import cached_property

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from snalib.definition.flags import (
    PROXY_EXPLANATION,
    describe_definition,
    flow_alt,
    flow_sentences,
    flow_title,
    group_counts,
    in_financial_year,
    inclusion_flow,
    proxy_flow,
)
from snalib.definition.series import describe_series, public_series, record_series
from snalib.inputs.missing import missing_from_quality
from snalib.publish.disclosure import SUPPRESSED, Relation, flow_relations
from snalib.publish.run import RunContext
from snalib.publish.style import PALETTE, finish, use_style
from snalib.publish.tables import PublishedFigure, PublishedTable

#: Column headings of the inclusion flow table.
FLOW_LABELS = {
    "step_number": "Step",
    "step": "Condition",
    "records": "Records remaining",
    "excluded": "Excluded at this step",
    "excluded_not_recorded": "Of which the value needed was not recorded",
    "reason": "Reason for exclusion",
}
#: Count columns of the inclusion flow (disclosure control applies to each).
FLOW_COUNTS = ["records", "excluded", "excluded_not_recorded"]


def _flow_relations(flow: pd.DataFrame) -> list[Relation]:
    """Records before a step = records after it + excluded by it; and the records excluded
    because a value was not recorded are part of those excluded (the rest unpublished)."""
    return flow_relations(flow) + [
        Relation((i, "excluded"), ((i, "excluded_not_recorded"),)) for i in range(len(flow))
    ]


#: Why the groups table is empty in public data mode.
NO_GROUPS_IN_PUBLIC_DATA = "Crime type groups need offence codes, which public data do not have."


def inclusion_flow_chart(flow: pd.DataFrame, title: str) -> Figure:
    """Horizontal bars: records remaining after each step of the definition.

    Parameters
    ----------
    flow
        An inclusion flow after disclosure control (``records`` holds ``[c]`` where the
        count is withheld): a withheld bar is not drawn and its label reads ``[c]``.
    title
        The finding, shown as the figure's title.
    """
    use_style()
    n = len(flow)
    fig, ax = plt.subplots(figsize=(9, 0.6 * n + 1.6))
    y = list(range(n))[::-1]
    records = pd.to_numeric(flow["records"], errors="coerce")
    # Grey for the steps on the way, the brand colour for the count that is reported.
    colours = [PALETTE[4]] * (n - 1) + [PALETTE[0]]
    bars = ax.barh(y, records.fillna(0).astype(float), color=colours, height=0.6)
    ax.set_yticks(
        y,
        [f"{int(s)}. {label}" for s, label in zip(flow["step_number"], flow["step"], strict=True)],
    )
    ax.set_xlabel("Records remaining after the step")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    top = float(records.max()) if records.notna().any() and records.max() > 0 else 1.0
    for bar, value in zip(bars, records, strict=True):
        ax.text(
            bar.get_width() + top * 0.01,
            bar.get_y() + bar.get_height() / 2,
            SUPPRESSED if pd.isna(value) else f"{int(value):,}",
            va="center",
            fontsize=10,
        )
    ax.set_xlim(0, top * 1.15)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    finish(fig, title)
    return fig


class DefinitionChapter:
    """The definition chapter of one run, in public data or record-level mode.

    Parameters
    ----------
    run
        The run directory. It is in public data mode when it has ``street_crimes``;
        otherwise it must have ``crimes_flagged`` (written by the definition stage).

    Attributes
    ----------
    public
        Whether the run is in public data mode.
    street
        Street-level crimes (public data mode), else None.
    flagged_all, flagged
        Flagged crimes over the whole analysis window and in the report year
        (record-level mode), else None.
    """

    def __init__(self, run: RunContext) -> None:
        self.run = run
        self.params = run.params
        self.fy = self.params.fy
        self.public = run.has("street_crimes")
        self.street = run.table("street_crimes") if self.public else None
        self.flagged_all = None if self.public else run.table("crimes_flagged")
        self.flagged = (
            None if self.flagged_all is None else in_financial_year(self.flagged_all, self.fy)
        )

    def definition_used(self) -> str:
        """Which definition this report uses: the parameters', or the public data proxy."""
        if self.public:
            return PROXY_EXPLANATION
        return "**Definition used in this report.** " + describe_definition(self.params.definition)

    @cached_property
    def flow(self) -> pd.DataFrame:
        """The inclusion flow of the report year, before disclosure control.

        Columns of :data:`snalib.definition.flags.FLOW_COLUMNS` after ``financial_year``.
        """
        if self.public:
            flow = proxy_flow(self.street, self.fy)
        else:
            flow = inclusion_flow(self.flagged, self.params.definition)
        flow.insert(0, "financial_year", self.fy.label)
        return flow

    @cached_property
    def _published_flow(self) -> PublishedTable:
        return self.run.publish_table(
            self.flow,
            "inclusion_flow",
            caption=(
                "Inclusion flow: from all street-level crimes to the serious violence proxy, "
                f"{self.fy.label}"
                if self.public
                else f"Inclusion flow: from all recorded crimes to serious violence, {self.fy.label}"
            ),
            counts=FLOW_COUNTS,
            relations=_flow_relations,
            labels=FLOW_LABELS,
            show=list(FLOW_LABELS),
        )

    def flow_table(self) -> PublishedTable:
        """``tables/inclusion_flow.csv``: records remaining and excluded at each step.

        Published once; the sentences of :meth:`flow_text` read the same protected table.
        """
        return self._published_flow

    def flow_figure(self) -> PublishedFigure:
        """``figures/inclusion_flow``: the flow as bars, titled with the share that remains.

        Drawn, titled and described from the protected flow: a withheld count is neither
        drawn, nor printed, nor in the title or alt text.
        """
        flow = self.flow[["step_number", "step", *FLOW_COUNTS]]
        shown = self.flow_table().frame
        title = flow_title(shown, self.fy.label, public=self.public)
        return self.run.publish_figure(
            lambda protected: inclusion_flow_chart(protected, title),
            "inclusion_flow",
            title=title,
            alt=flow_alt(shown),
            data=flow,
            counts=FLOW_COUNTS,
            relations=_flow_relations,
        )

    def flow_text(self) -> str:
        """One sentence per step, read from the published (disclosure-protected) flow."""
        return flow_sentences(self.flow_table().frame, self.fy.label, public=self.public)

    def groups_table(self) -> PublishedTable | str:
        """``tables/definition_groups.csv``: crimes by crime type group, or why there is none."""
        if self.public:
            return NO_GROUPS_IN_PUBLIC_DATA
        groups = group_counts(self.flagged)
        published = self.run.publish_table(
            groups,
            "definition_groups",
            caption=(
                f"Crimes in the definition's offence codes by crime type group, {self.fy.label}"
            ),
            counts=["in_offence_codes", "serious_violence"],
            labels={
                "crime_type_group": "Crime type group",
                "in_offence_codes": "In the offence codes (all ages, any place)",
                "serious_violence": "Serious violence (full definition)",
            },
        )
        if groups.empty:
            return f"No crime recorded in {self.fy.label} was in the definition's offence codes."
        return published

    def monthly_series(self) -> str:
        """Publish ``tables/monthly_series.csv`` and say which series it holds.

        The table (one row per month and series) is the input of the later chapters; the
        chapter shows only the sentence describing it. A month without data (recorded in
        ``data/quality.json``) has an empty count, ``missing`` true and the reason in
        ``notes``.
        """
        window = self.params.analysis_window
        missing = missing_from_quality(self.run.quality())
        if self.public:
            monthly = public_series(self.street, window.start, window.end, missing)
        else:
            monthly = record_series(
                self.flagged_all,
                window.start,
                window.end,
                self.params.definition.priority_age_limit,
                missing,
            )
        self.run.publish_table(
            monthly,
            "monthly_series",
            counts=["count"],
            caption="Monthly counts of each series over the analysis window",
        )
        return describe_series(monthly)
