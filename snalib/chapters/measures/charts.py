"""Charts of the success measures chapter: each measure over time, and the district funnel.

Government Analysis Function colours and the project style (:mod:`snalib.publish.style`); every
series also differs by marker and line style, and lines are labelled directly, so nothing
rests on colour alone. Values withheld by disclosure control are never drawn at a value:
they are marked by a cross below the axis.
"""

from __future__ import annotations

from datetime import timedelta

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator

from snalib.chapters.measures.definitions import ALL_AGES
from snalib.chapters.measures.funnel import DistrictFunnel
from snalib.chapters.measures.series import MeasureSeries
from snalib.periods import FinancialYear
from snalib.publish.style import GRID, PALETTE, finish, use_style

#: Marker, line style and colour of each group (the priority group is any other label).
_ALL_STYLE = {"marker": "o", "linestyle": "-", "color": PALETTE[0]}
_YOUNG_STYLE = {"marker": "^", "linestyle": "--", "color": PALETTE[1]}


def _shade_year(ax, fy: FinancialYear, label: str, colour: str, alpha: float, top: float) -> None:
    start = pd.Timestamp(fy.start)
    end = pd.Timestamp(fy.end) + timedelta(days=1)
    ax.axvspan(start, end, color=colour, alpha=alpha, linewidth=0, zorder=0)
    ax.text(
        start + (end - start) / 2,
        top,
        label,
        ha="center",
        va="bottom",
        fontsize=9,
        color="#3D3D3D",
    )


def series_chart(
    series: MeasureSeries,
    *,
    baseline: FinancialYear | None,
    current: FinancialYear,
    y_label: str | None = None,
):
    """Counts of one measure over time, all ages and the priority group.

    The baseline year is shaded grey and the report year light blue, each labelled;
    withheld values are crosses below the zero line (never at a value).
    """
    use_style()
    plot = series.plot
    fig, ax = plt.subplots(figsize=(9, 4.6))
    top = float(plot["value"].max()) if plot["value"].notna().any() else 10.0
    top = max(top, 1.0)
    below = -0.07 * top
    for group in dict.fromkeys(plot["group"]):
        style = _ALL_STYLE if group == ALL_AGES else _YOUNG_STYLE
        rows = plot[plot["group"] == group]
        middle = [
            pd.Timestamp(s) + (pd.Timestamp(e) - pd.Timestamp(s)) / 2
            for s, e in zip(rows["start"], rows["end"], strict=True)
        ]
        ax.plot(middle, rows["value"].to_numpy(dtype=float), label=group, markersize=6, **style)
        hidden = rows["withheld"].to_numpy(dtype=bool)
        if hidden.any():
            ax.plot(
                [m for m, h in zip(middle, hidden, strict=True) if h],
                [below] * int(hidden.sum()),
                linestyle="none",
                marker="x",
                color=style["color"],
                markersize=7,
            )
        shown = rows["value"].notna().to_numpy()
        if shown.any():
            last = np.flatnonzero(shown)[-1]
            ax.annotate(
                group,
                (middle[last], float(rows["value"].iloc[last])),
                xytext=(8, 0),
                textcoords="offset points",
                va="center",
                fontsize=10,
                color=style["color"],
            )
    label_y = top * 1.08
    if baseline is not None:
        _shade_year(ax, baseline, f"Baseline {baseline.label}", "#BFBFBF", 0.45, label_y)
    _shade_year(ax, current, f"Report year {current.label}", PALETTE[0], 0.12, label_y)
    ax.axhline(0, color="#505A5F", linewidth=0.8)
    if plot["withheld"].any():
        ax.plot(
            [],
            [],
            linestyle="none",
            marker="x",
            color=PALETTE[4],
            label="withheld count (disclosure control), drawn below the axis",
        )
    ax.set_ylim(below * 1.8, top * 1.2)
    ax.set_ylabel(y_label or f"{series.measure.unit.capitalize()} per {series.frequency}")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 0 else ""))
    ax.xaxis.set_major_locator(mdates.YearLocator(month=4, day=1))
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _: FinancialYear.of(mdates.num2date(v).date()).label)
    )
    ax.set_xlim(
        pd.Timestamp(plot["start"].min()) - timedelta(days=20),
        pd.Timestamp(plot["end"].max()) + timedelta(days=200),
    )
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.12), ncol=2, fontsize=9)
    finish(fig, series.title)
    return fig


_SIGNIFICANCE_STYLE = {
    "High (0.001)": ("^", PALETTE[2], "Above the 99.8% limit"),
    "High (0.025)": ("^", PALETTE[3], "Above the 95% limit"),
    "Not significant": ("o", PALETTE[0], "Within the 95% limits"),
    "Low (0.025)": ("v", PALETTE[3], "Below the 95% limit"),
    "Low (0.001)": ("v", PALETTE[1], "Below the 99.8% limit"),
}


def funnel_chart(funnel: DistrictFunnel):
    """District rates against population with 95% and 99.8% funnel limits.

    The limits drawn are those of the run's funnel method (``funnel.curves``); when they
    allow for the variation between districts, the Poisson limits (chance alone) are drawn
    faintly behind them. Marker shapes say above (triangle up), within (circle) or below
    (triangle down) the limits; every plotted district is labelled by name.
    """
    use_style()
    fig, ax = plt.subplots(figsize=(9, 5.4))
    limits = funnel.limits
    points = funnel.points
    populations = pd.to_numeric(funnel.data["population"], errors="coerce")
    x_max = float(populations.max()) * 1.12
    adjusted = funnel.dispersion.adjusted
    if adjusted:
        for side in ("lower", "upper"):
            x = limits[f"{side}99_8_population"].to_numpy(dtype=float)
            y = limits[f"{side}99_8"].to_numpy(dtype=float)
            keep = np.isfinite(x) & np.isfinite(y) & (x <= x_max * 3)
            ax.plot(
                x[keep],
                y[keep],
                linestyle="-",
                color=PALETTE[4],
                alpha=0.3,
                linewidth=0.9,
                label="99.8% Poisson limits (chance alone)" if side == "upper" else None,
            )
    kind = " (overdispersion)" if adjusted else ""
    curves = funnel.curves
    for name, style, label in (
        ("99_8", "-", f"99.8% limits{kind}"),
        ("95", "--", "95% limits"),
    ):
        for side in ("lower", "upper"):
            x = curves["population"].to_numpy(dtype=float)
            y = curves[f"{side}{name}"].to_numpy(dtype=float)
            keep = np.isfinite(x) & np.isfinite(y) & (y > 0)
            ax.plot(
                x[keep],
                y[keep],
                linestyle=style,
                color=PALETTE[4],
                linewidth=1.1,
                label=label if side == "upper" else None,
            )
    ax.axhline(
        funnel.baseline,
        color=PALETTE[4],
        linestyle=":",
        linewidth=1.2,
        label=f"Area rate ({funnel.baseline:,.0f} per 100,000)",
    )
    seen = set()
    for row in points.itertuples():
        marker, colour, label = _SIGNIFICANCE_STYLE.get(
            row.significance, ("s", PALETTE[5], row.significance)
        )
        ax.plot(
            row.population,
            row.rate,
            marker=marker,
            color=colour,
            markersize=9,
            linestyle="none",
            markeredgecolor="white",
            label=label if label not in seen else None,
            zorder=3,
        )
        seen.add(label)
    if len(points):
        # the districts, and the 99.8% limits where they are (capped, as the limits of a
        # small district can be very wide)
        at_points = [
            np.clip(points[f"{side}99_8_limit"].to_numpy(dtype=float), 0, funnel.baseline * 4)
            for side in ("lower", "upper")
        ]
        values = np.concatenate(
            [points["rate"].to_numpy(dtype=float), [funnel.baseline], *at_points]
        )
        values = values[np.isfinite(values)]
        low, high = float(values.min()), float(values.max())
        pad = (high - low) * 0.12 + funnel.baseline * 0.05
        ax.set_ylim(max(0.0, low - pad), high + pad)
    else:
        ax.set_ylim(0, funnel.baseline * 3)
        ax.text(
            0.5,
            0.85,
            "No district has enough crimes for its rate to be shown",
            transform=ax.transAxes,
            ha="center",
            fontsize=11,
            bbox={"facecolor": "white", "edgecolor": "none"},
        )
    ax.set_xlim(0, x_max)
    _label_points(ax, points)
    ax.set_xlabel("Residents")
    ax.set_ylabel("Per 100,000 residents")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.grid(axis="x", visible=True, color=GRID)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    finish(fig, funnel.title)
    return fig


def _label_points(ax, points: pd.DataFrame, gap: float = 13.0) -> None:
    """Name each point, nudging labels apart vertically so that none overlap.

    Labels sit to the right of their points; where two would collide, the lower one moves
    down (in display units) and a thin leader line joins it to its point.
    """
    if points.empty:
        return
    fig = ax.figure
    fig.canvas.draw()
    xy = ax.transData.transform(points[["population", "rate"]].to_numpy(dtype=float))
    order = np.argsort(-xy[:, 1])
    placed: list[tuple[float, float]] = []  # (x, y) in display units
    scale = fig.dpi / 72.0
    for i in order:
        x, y = xy[i]
        target = y
        for px, py in placed:
            if abs(px - x) < 140 * scale and target > py - gap * scale:
                target = py - gap * scale
        placed.append((x, target))
        dy = (target - y) / scale
        ax.annotate(
            points["district_name"].iloc[i],
            (points["population"].iloc[i], points["rate"].iloc[i]),
            xytext=(9, dy),
            textcoords="offset points",
            va="center",
            fontsize=9,
            arrowprops=(
                {"arrowstyle": "-", "color": "#505A5F", "linewidth": 0.6} if abs(dy) > 3 else None
            ),
        )
