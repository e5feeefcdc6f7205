"""Charts of the trend chapter (the XmR chart is in :mod:`snalib.chapters.monitoring.charts`).

Every chart uses the project style (:func:`snalib.publish.style.use_style`), puts its finding in
the title (:func:`snalib.publish.style.finish`) and never relies on colour alone: lines differ in
style or marker, and shaded periods are labelled. Charts receive data that has already
been through disclosure control when they show counts that could be small (the day by
hour heatmap hatches suppressed cells instead of colouring them).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from snalib.publish.style import GRID, PALETTE, finish, use_style  # noqa: E402

SHADE = "#E8E8E8"
MARKERS = ["o", "s", "^", "D", "v", "P"]
LINESTYLES = ["-", "--", "-.", ":"]


def visible(values, threshold: int | None) -> np.ndarray:
    """Counts as drawn: those from 1 to ``threshold - 1`` (suppressed when published) are
    left out of the chart (NaN), so a figure never shows what its data file hides."""
    v = pd.to_numeric(pd.Series(np.asarray(values)), errors="coerce").to_numpy(dtype=float)
    if threshold is None:
        return v
    return np.where((v >= 1) & (v < threshold), np.nan, v)


def _dates(months) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.PeriodIndex(list(months), freq="M").to_timestamp())


def _shade_periods(ax, periods, lo, hi, *, label: bool = True) -> None:
    """Grey spans for the named periods inside [lo, hi]; one legend entry."""
    first = True
    for p in periods:
        start = max(pd.Timestamp(p.start), lo)
        end = min(pd.Timestamp(p.end) if p.end else hi, hi)
        if end < start:
            continue
        ax.axvspan(
            start,
            end,
            color=SHADE,
            zorder=0,
            label="Named periods (parameters)" if (first and label) else None,
        )
        first = False


def _date_axis(ax) -> None:
    """Years on long series; every third month on series under three years."""
    lo, hi = (mdates.num2date(v) for v in ax.get_xlim())
    if (hi - lo).days < 3 * 365:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    else:
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def format_thousands(ax, axis: str = "y") -> None:
    """Tick labels of ``axis`` with thousands separators (1,200 not 1200)."""
    fmt = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def monthly_chart(monthly: pd.DataFrame, labels: list[str], periods, title: str):
    """Monthly counts (thin) and the rolling 12-month monthly mean (thick), per main series."""
    use_style()
    n = len(labels)
    cols = 1 if n == 1 else 2
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(11, 3.2 * rows + 1.2), squeeze=False)
    for ax, label in zip(axes.flat, labels, strict=False):
        s = monthly[(monthly["breakdown"] == "Main series") & (monthly["series"] == label)]
        x = _dates(s["month"])
        y = pd.to_numeric(s["count"], errors="coerce")
        roll = pd.to_numeric(s["rolling_12_month_total"], errors="coerce") / 12
        _shade_periods(ax, periods, x.min(), x.max() + pd.offsets.MonthEnd(1))
        ax.plot(x, y, color=PALETTE[0], lw=1, marker="o", ms=2.5, label="Monthly count")
        if roll.notna().any():
            ax.plot(x, roll, color=PALETTE[2], lw=2.5, ls="--", label="12-month average")
        ax.set_title(label, fontsize=11, loc="left", fontweight="bold")
        ax.set_ylim(bottom=0)
        format_thousands(ax)
        _date_axis(ax)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=3, bbox_to_anchor=(0.5, 0))
    finish(fig, title)
    fig.subplots_adjust(bottom=0.14 if rows == 1 else 0.09)
    return fig


def on_months(values, used) -> np.ndarray:
    """A model's values (one per month it used) spread over every month of the window, NaN
    in the months it left out (no data), so that lines break there instead of joining."""
    used = np.asarray(used, dtype=bool)
    out = np.full(len(used), np.nan)
    if values is not None:
        out[used] = np.asarray(values, dtype=float)
    return out


def its_chart(fit, months, periods, title: str, *, threshold: int | None = None, used=None):
    """Observed monthly counts, the model's fit and the counterfactual without the periods.

    ``used`` marks the months of ``months`` the model was fitted to (default all): the
    others have no data and are drawn as gaps.
    """
    use_style()
    fig, ax = plt.subplots(figsize=(11, 4.6))
    x = _dates(months)
    used = np.ones(len(x), dtype=bool) if used is None else np.asarray(used, dtype=bool)
    _shade_periods(ax, periods, x.min(), x.max() + pd.offsets.MonthEnd(1))
    ax.plot(
        x,
        visible(on_months(fit.observed, used), threshold),
        ls="none",
        marker="o",
        ms=3.5,
        color=PALETTE[0],
        label="Observed",
    )
    if fit.estimated:
        ax.plot(x, on_months(fit.fitted, used), color=PALETTE[1], lw=2, label="Model fit")
        cf = on_months(fit.counterfactual(), used)
        affected = np.abs(on_months(fit.interruption_log_effect(), used)) > 0
        if affected.any():
            cf_show = np.where(affected, cf, np.nan)
            ax.plot(
                x,
                cf_show,
                color=PALETTE[2],
                lw=2,
                ls="--",
                label="Expected without the named periods",
            )
    ax.set_ylabel("Crimes per month")
    ax.set_ylim(bottom=0)
    format_thousands(ax)
    _date_axis(ax)
    ax.legend(loc="lower left", ncol=2)
    finish(fig, title)
    return fig


def effects_chart(effects: pd.DataFrame, title: str):
    """Forest plot: rate ratio of each named period with its 95% CI, per main series."""
    use_style()
    effects = effects.assign(
        **{
            c: pd.to_numeric(effects[c], errors="coerce")
            for c in ("rate_ratio", "lower95", "upper95")
        }
    )  # suppressed values ([u]) are not drawn
    steps = effects[(effects["term_type"] == "step") & effects["rate_ratio"].notna()]
    periods = list(dict.fromkeys(steps["period"]))
    series = list(dict.fromkeys(steps["series"]))
    fig, ax = plt.subplots(
        figsize=(10, 0.55 * max(len(periods), 1) * max(len(series), 1) ** 0.5 + 2)
    )
    offsets = np.linspace(-0.25, 0.25, len(series)) if len(series) > 1 else [0.0]
    for k, (name, off) in enumerate(zip(series, offsets, strict=True)):
        sub = steps[steps["series"] == name].set_index("period").reindex(periods)
        y = np.arange(len(periods))[::-1] + off
        rr = sub["rate_ratio"].to_numpy(float)
        ax.errorbar(
            rr,
            y,
            xerr=[rr - sub["lower95"].to_numpy(float), sub["upper95"].to_numpy(float) - rr],
            fmt=MARKERS[k % len(MARKERS)],
            color=PALETTE[k % len(PALETTE)],
            ms=6,
            capsize=3,
            lw=1.5,
            label=name.replace("Serious violence: ", "").capitalize() if k else name,
        )
    ax.axvline(1, color="#505A5F", lw=1)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.2g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.2g}"))
    ax.set_yticks(np.arange(len(periods))[::-1], periods)
    ax.set_xlabel("Rate ratio (95% CI): below 1 = fewer crimes than the trend and season imply")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True, color=GRID)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    finish(fig, title)
    return fig


def season_profile_chart(profile: pd.DataFrame, title: str):
    """The trend model's seasonal profile: each calendar month's rate against the average
    month, with its 95% interval, one marker and line style per main series."""
    use_style()
    profile = profile.assign(
        **{
            c: pd.to_numeric(profile[c], errors="coerce")
            for c in ("rate_ratio", "lower95", "upper95")
        }
    )  # suppressed values ([u]) are not drawn
    series = list(dict.fromkeys(profile["series"]))
    months = list(dict.fromkeys(profile["month"]))
    fig, ax = plt.subplots(figsize=(10, 4.6))
    offsets = np.linspace(-0.2, 0.2, len(series)) if len(series) > 1 else [0.0]
    for k, (name, off) in enumerate(zip(series, offsets, strict=True)):
        sub = profile[profile["series"] == name].set_index("month").reindex(months)
        x = np.arange(len(months)) + off
        rr = sub["rate_ratio"].to_numpy(float)
        ax.errorbar(
            x,
            rr,
            yerr=[rr - sub["lower95"].to_numpy(float), sub["upper95"].to_numpy(float) - rr],
            fmt=MARKERS[k % len(MARKERS)],
            ls=LINESTYLES[k % len(LINESTYLES)],
            color=PALETTE[k % len(PALETTE)],
            ms=5,
            capsize=2,
            lw=1.2,
            label=name,
        )
    ax.axhline(1, color="#505A5F", lw=1)
    ax.set_xticks(np.arange(len(months)), months)
    ax.set_ylabel("Rate against the average month (95% CI)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
    finish(fig, title)
    return fig


def stl_chart(decompositions: dict[str, pd.DataFrame], title: str, *, threshold=None):
    """STL components: a row per series; observed with trend, seasonal, remainder."""
    use_style()
    n = len(decompositions)
    fig, axes = plt.subplots(n, 3, figsize=(12, 2.6 * n + 1.2), squeeze=False, sharex=True)
    for row, (label, dec) in zip(axes, decompositions.items(), strict=True):
        x = _dates(dec["month"])
        row[0].plot(
            x, visible(dec["observed"], threshold), color=PALETTE[4], lw=0.8, label="Observed"
        )
        row[0].plot(x, dec["trend"], color=PALETTE[0], lw=2.2, label="Trend")
        row[0].set_ylim(bottom=0)
        row[0].set_ylabel(label.replace("Serious violence: ", "").capitalize(), fontsize=9)
        row[1].plot(x, dec["seasonal"], color=PALETTE[1], lw=1.5)
        row[1].axhline(0, color="#505A5F", lw=0.8)
        row[2].bar(x, dec["remainder"], width=20, color=PALETTE[2])
        row[2].axhline(0, color="#505A5F", lw=0.8)
        for ax in row:
            _date_axis(ax)
            format_thousands(ax)
    for ax, name in zip(
        axes[0], ["Observed and trend", "Seasonal component", "Remainder"], strict=True
    ):
        ax.set_title(name, fontsize=11, loc="left")
    axes[0][0].legend(loc="lower left", fontsize=9)
    finish(fig, title)
    return fig


def month_profile_chart(profile: pd.DataFrame, title: str):
    """Month-of-year index (100 = an average month) of each main series."""
    use_style()
    fig, ax = plt.subplots(figsize=(10, 4.4))
    for k, (name, sub) in enumerate(profile.groupby("series", sort=False)):
        ax.plot(
            sub["month"],
            pd.to_numeric(sub["index"], errors="coerce"),
            marker=MARKERS[k % len(MARKERS)],
            ls=LINESTYLES[k % len(LINESTYLES)],
            color=PALETTE[k % len(PALETTE)],
            label=name,
        )
    ax.axhline(100, color="#505A5F", lw=1)
    ax.set_ylabel("Index (100 = average month)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    finish(fig, title)
    return fig


def day_hour_heatmap(table: pd.DataFrame, title: str):
    """Crimes by day of week (rows) and hour (columns); suppressed cells hatched, not coloured."""
    use_style()
    days = list(dict.fromkeys(table["day"]))
    values = pd.to_numeric(table["count"], errors="coerce")
    grid = values.to_numpy(float).reshape(len(days), 24)
    suppressed = table["count"].astype(str).eq("[c]").to_numpy().reshape(len(days), 24)
    fig, ax = plt.subplots(figsize=(12, 4.6))
    sns.heatmap(
        np.where(suppressed, np.nan, grid),
        ax=ax,
        cmap=sns.light_palette(PALETTE[0], as_cmap=True),
        cbar_kws={"label": "Crimes"},
        linewidths=0.5,
        linecolor="white",
        xticklabels=[f"{h:02d}" for h in range(24)],
        yticklabels=days,
    )
    for i, j in zip(*np.nonzero(suppressed), strict=True):
        ax.add_patch(
            matplotlib.patches.Rectangle(
                (j, i), 1, 1, fill=False, hatch="///", edgecolor="#9A9A9A", lw=0
            )
        )
    ax.set_xlabel("Hour of the day (00 = midnight to 00:59)")
    ax.set_ylabel("")
    ax.grid(False)
    finish(fig, title)
    return fig


def did_chart(result, periods, title: str, *, min_count: int | None = None):
    """Rates inside and outside the local area (top) and their ratio (bottom)."""
    use_style()
    panel = result.panel
    inside = panel[panel["inside"] == 1].reset_index(drop=True)
    outside = panel[panel["inside"] == 0].reset_index(drop=True)
    x = _dates(inside["month"])
    if min_count is not None:  # no rate is shown on a count below the rule's minimum
        for side in (inside, outside):
            side.loc[side["count"] < min_count, "rate_per_100k_year"] = np.nan
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7), sharex=True)
    local = [p for p in periods if p.name == result.period]
    for ax in (top, bottom):
        _shade_periods(ax, local, x.min(), x.max() + pd.offsets.MonthEnd(1))
    top.plot(x, inside["rate_per_100k_year"], color=PALETTE[0], lw=1.5, label="Inside the area")
    top.plot(
        x,
        outside["rate_per_100k_year"],
        color=PALETTE[1],
        lw=1.5,
        ls="--",
        label="Rest of the force area",
    )
    top.set_ylabel("Crimes per 100,000\nresidents a year")
    top.set_ylim(bottom=0)
    top.legend(loc="lower left", ncol=3)
    ratio = inside["rate_per_100k_year"] / outside["rate_per_100k_year"]
    bottom.plot(x, ratio, color=PALETTE[2], marker="o", ms=3, lw=1, label="Inside ÷ outside")
    before = x < pd.Timestamp(local[0].start).to_period("M").to_timestamp() if local else None
    logs = np.log(ratio[before].replace(0, np.nan)) if before is not None else pd.Series()
    if np.isfinite(logs).sum() >= 2:
        level = float(np.exp(np.nanmean(logs)))
        bottom.plot(
            x[before],
            [level] * int(before.sum()),
            color=PALETTE[4],
            lw=2,
            ls=":",
            label="Average ratio before the period",
        )
    bottom.set_ylabel("Rate ratio")
    bottom.legend(loc="lower left", ncol=2)
    _date_axis(bottom)
    finish(fig, title)
    return fig


def backtest_chart(fc, title: str, *, months_before: int = 24, threshold=None):
    """The held-out year: observed counts and each model's forecast with its 95% interval."""
    use_style()
    fig, ax = plt.subplots(figsize=(11, 4.6))
    hist = fc.history.iloc[-(months_before + 12) :]
    x = _dates(hist["month"])
    ax.plot(
        x,
        visible(hist["observed"], threshold),
        color=PALETTE[4],
        marker="o",
        ms=3,
        lw=1,
        label="Observed",
    )
    for k, (model, p) in enumerate(fc.backtest.predictions.groupby("model", sort=False)):
        px = _dates(p["month"])
        colour = PALETTE[k]
        ax.fill_between(px, p["lower95"], p["upper95"], color=colour, alpha=0.15, lw=0)
        chosen = " (chosen)" if model == fc.backtest.chosen else ""
        ax.plot(
            px,
            p["forecast"],
            color=colour,
            lw=2,
            ls=LINESTYLES[k + 1],
            label=f"{model}{chosen}: forecast and 95% interval",
        )
    ax.axvline(_dates([fc.backtest.predictions["month"].iloc[0]])[0], color="#505A5F", lw=1)
    ax.set_ylabel("Crimes per month")
    ax.set_ylim(bottom=0)
    format_thousands(ax)
    _date_axis(ax)
    ax.legend(loc="lower left", fontsize=9)
    finish(fig, title)
    return fig


def forecast_chart(fc, title: str, *, months_before: int = 36, threshold=None):
    """The last three years and the chosen model's next 12 months with 80% and 95% intervals."""
    use_style()
    fig, ax = plt.subplots(figsize=(11, 4.6))
    hist = fc.history.iloc[-months_before:]
    ax.plot(
        _dates(hist["month"]),
        visible(hist["observed"], threshold),
        color=PALETTE[0],
        marker="o",
        ms=3,
        label="Observed",
    )
    f = fc.forecast
    fx = _dates(f["month"])
    ax.fill_between(
        fx, f["lower95"], f["upper95"], color=PALETTE[1], alpha=0.2, lw=0, label="95% interval"
    )
    ax.fill_between(
        fx, f["lower80"], f["upper80"], color=PALETTE[1], alpha=0.4, lw=0, label="80% interval"
    )
    ax.plot(
        fx, f["forecast"], color=PALETTE[1], lw=2, ls="--", label=f"Forecast ({f['model'].iloc[0]})"
    )
    ax.set_ylabel("Crimes per month")
    ax.set_ylim(bottom=0)
    format_thousands(ax)
    _date_axis(ax)
    ax.legend(loc="lower left", ncol=2, fontsize=9)
    finish(fig, title)
    return fig
