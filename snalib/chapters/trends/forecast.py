"""Forecasts of monthly serious violence: SARIMA or exponential smoothing, chosen by backtest.

Two candidate models, both from statsmodels and both fitted to ``log(count + 1)``:

- **SARIMA(0,1,1)(0,1,1)12** (the "airline" model of Box and Jenkins), by
  ``SARIMAX``: a changing level and a changing seasonal pattern;
- **ETS(A,A,A)**, by ``ETSModel``: exponential smoothing (Holt-Winters) with additive
  errors, an additive trend and additive seasonality.

Lockdowns are not part of either model. Each is fitted to the series with the effects of
the named periods removed (``adjustment``: the step and slope terms of the trend model,
:mod:`snalib.chapters.trends.its`, fitted on the same months), and the effect of any period still in
force is added back to the forecast. Prediction intervals (80% and 95%) come from each
model's state space form, on the log scale, and are transformed back
(``exp(x) - 1``, so the point forecast is a median); they do not include the uncertainty
of the period effects.

**Choice by backtest.** Both models are fitted to all full months but the last 12 and
forecast those 12 (the *held-out year*). The model with the smaller mean absolute error on
the held-out year is chosen (SARIMA on a tie), refitted to every month, and forecasts the
next 12. The backtest table also gives each model's root mean squared error, mean
absolute percentage error and the share of held-out months inside its 80% and 95%
intervals; held-out months outside the chosen model's intervals are flagged.

**Months without data** (:attr:`TrendData.missing`). Both models need consecutive months.
The backtest and the forecast use the full months after the last month without data; when
fewer than :data:`MIN_MONTHS` remain there is no forecast, and the reason names the month.

**Calibration** (``tests/test_forecast.py``, synthetic Poisson series of 84 months):
SARIMA's intervals cover close to their nominal share of the held-out year; ETS's are
narrower than nominal (about 72% and 90% for 80% and 95%), because neither model's
intervals allow for the uncertainty of its estimated parameters. The chosen model's
intervals covered 75% and 93% of 1,200 held-out months.

References
----------
Box GEP, Jenkins GM, Reinsel GC, Ljung GM. Time series analysis: forecasting and control.
5th ed. Wiley; 2015. (The airline model.)

Hyndman RJ, Athanasopoulos G. Forecasting: principles and practice. 3rd ed. OTexts; 2021.
(ETS models, prediction intervals, evaluation on a test set.)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

from snalib.chapters.trends.data import is_full_month, month_frame
from snalib.chapters.trends.design import interruption_effect
from snalib.chapters.trends.its import fit_series

HORIZON = 12
#: 24 months to fit and 12 to test.
MIN_MONTHS = 36
SARIMA = "SARIMA(0,1,1)(0,1,1)12"
ETS = "ETS(A,A,A)"
MODELS = (SARIMA, ETS)
LEVELS = (0.80, 0.95)


def _index(months) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.PeriodIndex(list(months), freq="M").to_timestamp())


def fit_predict(z: pd.Series, model: str, horizon: int = HORIZON) -> pd.DataFrame:
    """Fit ``model`` to the log series ``z`` (monthly DatetimeIndex) and predict ``horizon``.

    Returns the mean and the 80% and 95% limits on the log scale (``mean``, ``lower80``,
    ``upper80``, ``lower95``, ``upper95``), indexed by the forecast months.

    Raises
    ------
    ValueError
        For an unknown model name.
    """
    n = len(z)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if model == SARIMA:
            res = SARIMAX(z, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(disp=False)
            fc = res.get_forecast(horizon)
            out["mean"] = np.asarray(fc.predicted_mean)
            for level in LEVELS:
                ci = np.asarray(fc.conf_int(alpha=1 - level))
                out[f"lower{round(level * 100)}"] = ci[:, 0]
                out[f"upper{round(level * 100)}"] = ci[:, 1]
        elif model == ETS:
            res = ETSModel(
                z,
                error="add",
                trend="add",
                damped_trend=False,
                seasonal="add",
                seasonal_periods=12,
            ).fit(disp=False)
            pred = res.get_prediction(start=n, end=n + horizon - 1)
            for level in LEVELS:
                frame = pred.summary_frame(alpha=1 - level)
                out["mean"] = frame["mean"].to_numpy()
                out[f"lower{round(level * 100)}"] = frame["pi_lower"].to_numpy()
                out[f"upper{round(level * 100)}"] = frame["pi_upper"].to_numpy()
        else:
            raise ValueError(f"unknown forecast model {model!r}; expected one of {MODELS}")
    future = pd.date_range(z.index[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")
    return pd.DataFrame(out, index=future)


def _back(log_frame: pd.DataFrame, adjustment) -> pd.DataFrame:
    """Back to counts: add the period effects, ``exp(x) - 1``, floor at zero."""
    adj = np.asarray(adjustment, dtype=float)
    return log_frame.apply(lambda col: np.clip(np.expm1(col.to_numpy() + adj), 0, None))


def forecast_counts(
    counts, months, model: str, *, adjustment=None, future_adjustment=None, horizon=HORIZON
) -> pd.DataFrame:
    """Forecast ``horizon`` months after ``months`` with ``model``, on the count scale.

    Parameters
    ----------
    counts, months
        The monthly counts and their ``YYYY-MM`` labels (consecutive full months).
    adjustment
        Log-scale effects of the named periods in those months, removed before fitting.
    future_adjustment
        Log-scale effects of the named periods in the forecast months, added back.
    """
    y = np.asarray(counts, dtype=float)
    adj = np.zeros(len(y)) if adjustment is None else np.asarray(adjustment, dtype=float)
    fut = np.zeros(horizon) if future_adjustment is None else np.asarray(future_adjustment)
    z = pd.Series(np.log1p(y) - adj, index=_index(months))
    out = _back(fit_predict(z, model, horizon), fut)
    out.insert(0, "month", out.index.strftime("%Y-%m"))
    out.insert(1, "model", model)
    return out.reset_index(drop=True).rename(columns={"mean": "forecast"})


@dataclass
class Backtest:
    """Forecasts of the held-out year by each model, their errors, and the choice."""

    predictions: pd.DataFrame
    errors: pd.DataFrame
    chosen: str

    def flagged(self) -> pd.DataFrame:
        """Held-out months of the chosen model outside its 80% or 95% interval."""
        p = self.predictions[self.predictions["model"] == self.chosen]
        return p[p["outside_80"] | p["outside_95"]]


def backtest(
    counts, months, *, adjustment=None, test_adjustment=None, horizon: int = HORIZON
) -> Backtest:
    """Fit each model to all but the last ``horizon`` months and forecast them.

    Parameters
    ----------
    counts, months
        Consecutive full months, at least :data:`MIN_MONTHS`.
    adjustment
        Log-scale effects of the named periods in the training months (from a trend model
        fitted to the training months only).
    test_adjustment
        The same model's effects carried into the held-out months.

    Raises
    ------
    ValueError
        With fewer than :data:`MIN_MONTHS` months.
    """
    y = np.asarray(counts, dtype=float)
    months = list(months)
    if len(y) < MIN_MONTHS:
        raise ValueError(f"a backtest needs at least {MIN_MONTHS} months; got {len(y)}")
    train, test = slice(0, len(y) - horizon), slice(len(y) - horizon, len(y))
    adj = np.zeros(len(y) - horizon) if adjustment is None else np.asarray(adjustment)
    frames = []
    for model in MODELS:
        pred = forecast_counts(
            y[train],
            months[train],
            model,
            adjustment=adj,
            future_adjustment=test_adjustment,
            horizon=horizon,
        )
        pred.insert(2, "observed", y[test])
        pred["outside_80"] = (pred["observed"] < pred["lower80"]) | (
            pred["observed"] > pred["upper80"]
        )
        pred["outside_95"] = (pred["observed"] < pred["lower95"]) | (
            pred["observed"] > pred["upper95"]
        )
        frames.append(pred)
    predictions = pd.concat(frames, ignore_index=True)
    rows = []
    for model, p in predictions.groupby("model", sort=False):
        err = p["observed"] - p["forecast"]
        nonzero = p["observed"] > 0
        rows.append(
            {
                "model": model,
                "held_out_months": len(p),
                "mae": float(err.abs().mean()),
                "rmse": float(np.sqrt((err**2).mean())),
                "mape_pct": float((err[nonzero].abs() / p.loc[nonzero, "observed"]).mean() * 100)
                if nonzero.any()
                else np.nan,
                "coverage_80_pct": float((~p["outside_80"]).mean() * 100),
                "coverage_95_pct": float((~p["outside_95"]).mean() * 100),
            }
        )
    errors = pd.DataFrame(rows)
    best = errors.sort_values(["mae"], kind="stable").iloc[0]["model"]
    errors["chosen"] = errors["model"] == best
    return Backtest(predictions, errors, str(best))


# --------------------------------------------------------------------------- the chapter


@dataclass
class SeriesForecast:
    """The backtest and the forecast of one series, or the reason there is none."""

    series: str
    history: pd.DataFrame  # month, observed
    backtest: Backtest | None = None
    forecast: pd.DataFrame | None = None
    reason: str = ""  # why there is no forecast, to follow "No forecast of <series>: "

    @property
    def estimated(self) -> bool:
        return self.forecast is not None


def full_months(data) -> pd.DataFrame:
    """The window's full months (forecasts use whole months only)."""
    return data.months[is_full_month(data.months)]


def forecast_series(data, series=None) -> SeriesForecast:
    """Backtest both models on the last 12 months and forecast the next 12 (module doc).

    The period effects come from the trend model (:func:`snalib.chapters.trends.its.fit_series`)
    fitted to the training months for the backtest and to every month for the forecast.
    """
    series = series or data.headline
    months = full_months(data)
    counts_all = data.monthly(data.series_mask(series.key))
    keep = data.months["month"].isin(months["month"]).to_numpy()
    y = counts_all[keep]
    history = pd.DataFrame({"month": months["month"].to_numpy(), "observed": y})
    result = SeriesForecast(series.label, history)
    gaps = np.flatnonzero(np.isnan(y))
    if len(gaps) and len(y) >= MIN_MONTHS:
        # Both models need consecutive months: keep those after the last month without data.
        after = gaps[-1] + 1
        months, y = months.iloc[after:], y[after:]
        if len(y) < MIN_MONTHS:
            last_gap = pd.Period(history["month"].iloc[gaps[-1]], "M")
            result.reason = (
                f"{last_gap:%B %Y} has no data, and the forecast models need consecutive "
                f"months: the {len(y)} full months after it are fewer than the {MIN_MONTHS} "
                "a forecast tested on a held-out year needs"
            )
            return result
    if len(y) < MIN_MONTHS:
        result.reason = (
            f"it has {len(y)} full months, and a forecast tested on a held-out year needs "
            f"at least {MIN_MONTHS}"
        )
        return result
    if y.sum() < 20 or (y[-HORIZON:] == 0).all():
        result.reason = (
            "too few crimes to forecast (fewer than 20 in its full months, or none in the last 12)"
        )
        return result
    train_months = months.iloc[:-HORIZON]
    test_months = months.iloc[-HORIZON:]
    fit_train = fit_series(data, series, months=train_months)
    adj_train = fit_train.interruption_log_effect() if fit_train.estimated else None
    adj_test = (
        interruption_effect(
            fit_train.design.terms,
            fit_train.params,
            data.periods,
            test_months.reset_index(drop=True),
        )
        if fit_train.estimated
        else None
    )
    result.backtest = backtest(y, months["month"], adjustment=adj_train, test_adjustment=adj_test)
    fit_all = fit_series(data, series, months=months)
    last = pd.Period(months["month"].iloc[-1], "M")
    future = month_frame((last + 1).start_time.date(), (last + HORIZON).end_time.date())
    adj_all = fit_all.interruption_log_effect() if fit_all.estimated else None
    adj_future = (
        interruption_effect(fit_all.design.terms, fit_all.params, data.periods, future)
        if fit_all.estimated
        else None
    )
    result.forecast = forecast_counts(
        y,
        months["month"],
        result.backtest.chosen,
        adjustment=adj_all,
        future_adjustment=adj_future,
    )
    return result
