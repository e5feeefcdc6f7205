"""The XmR chart of the monitoring report (and of the trend chapter's monitoring section).

The chart follows the trend chapter's conventions (:mod:`snalib.chapters.trends.charts`):
the finding in the title, special cause points told apart by marker shape as well as
colour, and counts that would be suppressed in the data file left out of the drawing.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from snalib.chapters.trends.charts import SHADE, format_thousands, visible
from snalib.publish.style import PALETTE, finish, use_style


def xmr_chart(
    chart: pd.DataFrame, title: str, *, ylabel: str = "Crimes", threshold=None, hidden=None
):
    """An XmR chart: values, mean, process limits; special cause points marked by shape.

    Points without a value (no data; the first year of a differenced chart) are gaps: the
    line breaks there. ``hidden`` marks values not drawn because the count they rest on is
    withheld; without it, ``threshold`` hides values whose ``count`` (else the value
    itself) is from 1 to ``threshold - 1``.
    """
    use_style()
    fig, ax = plt.subplots(figsize=(11, 4.6))
    x = np.arange(len(chart))
    values = chart["value"].to_numpy(dtype=float)
    if hidden is not None:
        shown = np.where(np.asarray(hidden, dtype=bool), np.nan, values)
    else:
        basis = chart["count"] if "count" in chart.columns else chart["value"]
        shown = np.where(np.isnan(visible(basis, threshold)), np.nan, values)
    ax.plot(x, shown, color=PALETTE[4], lw=1, marker="o", ms=3.5, label="Value")
    ax.plot(x, chart["mean"], color=PALETTE[0], lw=1.5, label="Mean")
    ax.plot(x, chart["upper_limit"], color=PALETTE[0], lw=1.2, ls="--", label="Process limits")
    ax.plot(x, chart["lower_limit"], color=PALETTE[0], lw=1.2, ls="--")
    base = np.flatnonzero(chart["baseline"].to_numpy())
    # Shade the baseline when part of the chart (points with a value) is not in it. A weekly
    # chart draws the last two years only, which may hold no baseline point at all: then
    # there is nothing to shade.
    if 0 < len(base) < int((~np.isnan(values)).sum()):
        ax.axvspan(base.min() - 0.5, base.max() + 0.5, color=SHADE, zorder=0, label="Baseline")
    for direction, marker, colour, name in (
        ("high", "^", PALETTE[3], "Special cause: high"),
        ("low", "v", PALETTE[1], "Special cause: low"),
    ):
        sel = (chart["direction"] == direction).to_numpy()
        if sel.any():
            ax.plot(x[sel], shown[sel], ls="none", marker=marker, ms=9, color=colour, label=name)
    step = max(1, len(chart) // 12)
    ax.set_xticks(x[::step], chart["label"].iloc[::step], rotation=45, ha="right")
    ax.set_ylabel(ylabel)
    if np.nanmin(np.r_[chart["lower_limit"].to_numpy(dtype=float), values, 0.0]) >= 0:
        ax.set_ylim(bottom=0)  # a differenced chart goes below zero
    format_thousands(ax)
    handles, names = ax.get_legend_handles_labels()
    finish(fig, title)
    _legend_below_ticks(fig, ax, handles, names)
    return fig


def _legend_below_ticks(fig, ax, handles, names) -> None:
    """The legend under the rotated period labels, however long they are.

    A legend at a fixed distance below the axes overlapped the labels of weeks ("w/c 16 Aug
    2021") and quarters. The axes are raised by the legend's height and the legend is
    placed just under the lowest label.
    """
    renderer = fig.canvas.get_renderer()
    to_figure = fig.transFigure.inverted()
    legend = fig.legend(handles, names, loc="upper center", ncol=3, fontsize=9)
    height = legend.get_window_extent(renderer).transformed(to_figure).height + 0.02
    fig.subplots_adjust(bottom=ax.get_position().y0 + height)
    labels_bottom = ax.get_tightbbox(renderer).transformed(to_figure).y0
    legend.set_bbox_to_anchor((0.5, labels_bottom - 0.01), transform=fig.transFigure)
