"""Design matrices of the monthly trend models: trend, seasonality and interruptions.

Named periods rarely start on the first of a month, so each period enters a monthly model
through its *exposure*: the share of the month's days inside the period (0 to 1). A step
change with rate ratio ``RR`` multiplies a month's mean by ``1 - f + f RR`` (exact when
the days of a month have the same rate otherwise);
:func:`snalib.chapters.trends.its.fit_step_glm` fits that by a fixed point on the offset,
starting from the log-linear ``RR ** f``. A slope
change is the mean, over the month's days inside the period, of the years since the
period began: its rate ratio is the change of trend per year while the period lasts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
FULL_MONTH_NAMES = dict(
    zip(
        MONTH_NAMES,
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        strict=True,
    )
)
#: Seasonal terms need two of each calendar month; month indicators need three.
MIN_MONTHS_FOURIER = 24
MIN_MONTHS_INDICATORS = 36
#: A step is estimated only with this many months of data before the period starts.
MIN_MONTHS_BEFORE = 6
#: A slope change needs this many months inside the period.
MIN_MONTHS_SLOPE = 3


@dataclass(frozen=True)
class Term:
    """One column of a design matrix, described for the effects table."""

    column: str
    kind: str  # "trend", "season", "step", "slope"
    label: str
    period: str = ""
    unit: str = ""
    scale: float = 1.0  # local periods: the area's share multiplying the exposure


@dataclass(frozen=True)
class Skipped:
    """A named period (or part of one) that the model could not estimate, and why."""

    period: str
    term: str
    reason: str


def exposure(months: pd.DataFrame, start, end) -> np.ndarray:
    """Share of each month's days (inside the window) that fall in ``[start, end]``."""
    lo = np.maximum(months["first"].to_numpy(), np.datetime64(pd.Timestamp(start)))
    hi_end = pd.Timestamp(end) if end is not None else pd.Timestamp.max.normalize()
    hi = np.minimum(months["last"].to_numpy(), np.datetime64(hi_end))
    days = (hi - lo).astype("timedelta64[D]").astype(float) + 1
    return np.clip(days, 0, None) / months["days"].to_numpy(dtype=float)


def slope_exposure(months: pd.DataFrame, start, end) -> np.ndarray:
    """Exposure times the mean years since ``start`` of the month's days in the period."""
    share = exposure(months, start, end)
    start_ts = pd.Timestamp(start)
    lo = np.maximum(months["first"].to_numpy(), np.datetime64(start_ts))
    hi_end = pd.Timestamp(end) if end is not None else pd.Timestamp.max.normalize()
    hi = np.minimum(months["last"].to_numpy(), np.datetime64(hi_end))
    mid_days = ((lo - np.datetime64(start_ts)) + (hi - lo) / 2).astype("timedelta64[h]").astype(
        float
    ) / (24 * 365.25)
    return np.where(share > 0, share * mid_days, 0.0)


def seasonal_terms(months: pd.DataFrame, n_full_months: int) -> tuple[pd.DataFrame, str]:
    """Seasonal columns for the months, and the name of the specification.

    Month-of-year indicators (January the reference) with 36 full months or more; two
    Fourier harmonics (four columns) with 24 to 35; none below 24, where the time of year
    cannot be separated from the trend and the periods.
    """
    month_no = pd.PeriodIndex(months["month"], freq="M").month.to_numpy()
    if n_full_months >= MIN_MONTHS_INDICATORS:
        cols = {f"month_{MONTH_NAMES[k - 1]}": (month_no == k).astype(float) for k in range(2, 13)}
        return pd.DataFrame(cols, index=months.index), "month-of-year indicators"
    if n_full_months >= MIN_MONTHS_FOURIER:
        angle = 2 * np.pi * (month_no - 1) / 12
        cols = {}
        for k in (1, 2):
            cols[f"fourier_sin{k}"] = np.sin(k * angle)
            cols[f"fourier_cos{k}"] = np.cos(k * angle)
        return pd.DataFrame(cols, index=months.index), "Fourier terms (two harmonics)"
    return pd.DataFrame(index=months.index), "none (fewer than 24 full months)"


def season_basis(columns) -> np.ndarray:
    """The seasonal columns' values in each calendar month (12 rows, January first).

    Month-of-year indicators (``month_Feb`` ...) are 1 in their month; Fourier terms
    (``fourier_sin1``, ``fourier_cos2`` ...) are the sine or cosine of their harmonic, as
    :func:`seasonal_terms` writes them.
    """
    angle = 2 * np.pi * np.arange(12) / 12
    basis = np.zeros((12, len(columns)))
    for j, col in enumerate(columns):
        if col.startswith("month_"):
            basis[MONTH_NAMES.index(col[6:]), j] = 1.0
        elif col.startswith("fourier_"):
            wave, k = col[8:11], int(col[11:])
            basis[:, j] = np.sin(k * angle) if wave == "sin" else np.cos(k * angle)
        else:
            raise ValueError(f"{col} is not a seasonal column")
    return basis


@dataclass
class Design:
    """A design matrix with its terms and the periods left out (with reasons).

    ``months`` holds the month (``YYYY-MM``) of each row, so that a model can tell
    consecutive months from months either side of a gap.
    """

    matrix: pd.DataFrame
    terms: list[Term]
    skipped: list[Skipped]
    seasonal: str
    months: np.ndarray | None = None

    def month_numbers(self) -> np.ndarray:
        """Each row's month as an integer (consecutive months differ by 1)."""
        if self.months is None:
            return np.arange(len(self.matrix), dtype=float)
        return pd.PeriodIndex(self.months, freq="M").asi8.astype(float)

    def columns_of(self, kind: str) -> list[str]:
        return [t.column for t in self.terms if t.kind == kind]

    def without_period(self, column: str, reason: str) -> Design:
        """The design without the named period of ``column`` (its step and slope), which
        is listed as skipped with ``reason``."""
        period = next(t.period for t in self.terms if t.column == column)
        gone = [t for t in self.terms if t.period == period and t.kind in ("step", "slope")]
        return Design(
            self.matrix.drop(columns=[t.column for t in gone]),
            [t for t in self.terms if t not in gone],
            [*self.skipped, *(Skipped(period, t.kind, reason) for t in gone)],
            self.seasonal,
            self.months,
        )


def interruption_columns(
    months: pd.DataFrame,
    periods,
    *,
    local_share: dict[str, float] | None = None,
    seasonal_ok: bool = True,
) -> tuple[pd.DataFrame, list[Term], list[Skipped]]:
    """Step (and slope) columns for every named period, or the reason one is left out.

    Parameters
    ----------
    months
        :func:`snalib.chapters.trends.data.month_frame`.
    periods
        Named periods (:class:`snalib.params.NamedPeriod`).
    local_share
        For periods with ``area_codes``: the share of the series inside the area before
        the period. The exposure is multiplied by it, so that ``exp(beta)`` approximates
        the effect *inside* the area in a model of the whole area's counts
        (``log(1 - s + s RR) ~ s log RR``). A period whose share is missing or zero is
        left out.
    seasonal_ok
        False when the model has no seasonal terms: a step cannot then be told apart from
        the time of year, so no period is estimated.
    """
    local_share = local_share or {}
    cols: dict[str, np.ndarray] = {}
    terms: list[Term] = []
    skipped: list[Skipped] = []
    first_day = months["first"].iloc[0]
    for i, period in enumerate(periods):
        share = exposure(months, period.start, period.end)
        months_before = max(0, (pd.Timestamp(period.start) - first_day).days) / 30.44
        if share.sum() == 0:
            skipped.append(Skipped(period.name, "step", "outside the analysis window"))
            continue
        if not seasonal_ok:
            skipped.append(
                Skipped(
                    period.name,
                    "step",
                    "not estimated: with fewer than 24 full months the model cannot adjust "
                    "for the time of year, so a step could not be told apart from the "
                    "seasonal pattern",
                )
            )
            continue
        if months_before < MIN_MONTHS_BEFORE:
            skipped.append(
                Skipped(
                    period.name,
                    "step",
                    f"not estimated: only {months_before:.0f} months of data before it "
                    f"(at least {MIN_MONTHS_BEFORE} needed)",
                )
            )
            continue
        scale = 1.0
        if period.area_codes:
            s = local_share.get(period.name)
            if not s:
                skipped.append(
                    Skipped(
                        period.name,
                        "step",
                        "not estimated: no events in its area before it (check area_codes "
                        "against the areas lookup)",
                    )
                )
                continue
            scale = s
        col = f"step_{i + 1}"
        cols[col] = share * scale
        unit = "rate ratio during the period"
        if period.area_codes:
            unit += f" inside the area (whole-area model, area share {scale:.2f})"
        terms.append(Term(col, "step", f"Step: {period.name}", period.name, unit, scale))
        if period.effect == "step_and_slope":
            if share.sum() < MIN_MONTHS_SLOPE:
                skipped.append(
                    Skipped(
                        period.name,
                        "slope",
                        f"slope change not estimated: under {MIN_MONTHS_SLOPE} months in the "
                        "period",
                    )
                )
                continue
            scol = f"slope_{i + 1}"
            cols[scol] = slope_exposure(months, period.start, period.end) * scale
            terms.append(
                Term(
                    scol,
                    "slope",
                    f"Slope change: {period.name}",
                    period.name,
                    "change of the rate ratio per year during the period",
                    scale,
                )
            )
    return pd.DataFrame(cols, index=months.index), terms, skipped


def its_design(
    months: pd.DataFrame,
    periods,
    *,
    n_full_months: int,
    local_share: dict[str, float] | None = None,
) -> Design:
    """The full design: constant, trend (per year), seasonal terms and interruptions.

    Interruption columns that duplicate another column (two periods with the same months
    at monthly resolution) are left out with a reason, so that the model stays estimable.
    """
    season, seasonal = seasonal_terms(months, n_full_months)
    base = pd.DataFrame({"const": 1.0, "trend": months["years"].to_numpy()}, index=months.index)
    terms = [Term("trend", "trend", "Trend, per year", "", "rate ratio per year")]
    for col in season.columns:
        if col.startswith("month_"):
            terms.append(
                Term(col, "season", f"Month: {col[6:]}", "", "rate ratio relative to January")
            )
        else:
            terms.append(Term(col, "season", col, "", "Fourier coefficient"))
    inter, inter_terms, skipped = interruption_columns(
        months, periods, local_share=local_share, seasonal_ok=not season.empty
    )
    matrix = pd.concat([base, season], axis=1)
    kept: list[Term] = []
    for term in inter_terms:
        candidate = pd.concat([matrix, inter[[term.column]]], axis=1)
        if np.linalg.matrix_rank(candidate.to_numpy()) < candidate.shape[1]:
            skipped.append(
                Skipped(
                    term.period,
                    term.kind,
                    "not estimated: at monthly resolution its months cannot be told apart from "
                    "those of the other terms",
                )
            )
            continue
        matrix = candidate
        kept.append(term)
    return Design(matrix, terms + kept, skipped, seasonal, months["month"].to_numpy())


def interruption_effect(terms: list[Term], params, periods, months: pd.DataFrame) -> np.ndarray:
    """``sum beta x`` (log scale) of fitted step and slope terms over any months.

    Used to carry the fitted effects of the named periods into other months (a forecast's
    future months): a period that has ended contributes nothing, a lasting one (no
    ``end``) its step and, for ``step_and_slope``, its continuing slope.
    """
    by_name = {p.name: p for p in periods}
    total = np.zeros(len(months))
    for term in terms:
        if term.kind not in ("step", "slope") or term.period not in by_name:
            continue
        period = by_name[term.period]
        b = float(params[term.column])
        if term.kind == "step":
            x = exposure(months, period.start, period.end) * term.scale
            total += np.log1p(x * np.expm1(b))  # the month's mean times 1 - x + x RR
        else:
            total += b * slope_exposure(months, period.start, period.end) * term.scale
    return total
