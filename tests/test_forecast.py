"""Forecasts: the backtest on a held-out year, the choice of model, interval coverage."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from snalib.chapters.trends import forecast
from snalib.params import NamedPeriod
from tests.test_trends import expected_monthly, synthetic_area

MONTHS = [str(p) for p in pd.period_range("2015-04", "2022-03", freq="M")]


def _pooled_coverage(n_series: int, seed: int, base: float = 500.0) -> dict[str, float]:
    """Share of held-out months inside the chosen model's 80% and 95% intervals."""
    rng = np.random.default_rng(seed)
    mu = expected_monthly(base=base)
    inside80, inside95 = [], []
    for _ in range(n_series):
        bt = forecast.backtest(rng.poisson(mu), MONTHS)
        chosen = bt.predictions[bt.predictions["model"] == bt.chosen]
        inside80 += list(~chosen["outside_80"])
        inside95 += list(~chosen["outside_95"])
    return {"80": float(np.mean(inside80)), "95": float(np.mean(inside95))}


def test_backtest_intervals_cover_about_their_nominal_share_small_simulation():
    coverage = _pooled_coverage(6, seed=7)
    assert 0.85 <= coverage["95"] <= 1.0
    assert 0.62 <= coverage["80"] <= 0.95


@pytest.mark.slow
def test_backtest_intervals_cover_about_their_nominal_share_of_a_held_out_year():
    coverage = _pooled_coverage(100, seed=8)
    assert 0.88 <= coverage["95"] <= 0.99
    assert 0.70 <= coverage["80"] <= 0.90


def test_backtest_chooses_the_model_with_the_smaller_mean_absolute_error():
    rng = np.random.default_rng(3)
    y = rng.poisson(expected_monthly())
    bt = forecast.backtest(y, MONTHS)
    assert set(bt.errors["model"]) == set(forecast.MODELS)
    best = bt.errors.loc[bt.errors["mae"].idxmin(), "model"]
    assert bt.chosen == best and bt.errors.set_index("model").loc[best, "chosen"]
    for model, p in bt.predictions.groupby("model"):
        assert len(p) == 12 and p["month"].iloc[0] == "2021-04"
        assert (p["observed"].to_numpy() == y[-12:]).all()
        err = (p["observed"] - p["forecast"]).abs().mean()
        assert bt.errors.set_index("model").loc[model, "mae"] == pytest.approx(err)
        assert (p["lower95"] <= p["lower80"]).all() and (p["upper80"] <= p["upper95"]).all()
        assert ((p["forecast"] >= p["lower80"]) & (p["forecast"] <= p["upper80"])).all()
        expected_out = (p["observed"] < p["lower95"]) | (p["observed"] > p["upper95"])
        assert (p["outside_95"] == expected_out).all()
    assert set(bt.flagged()["month"]) <= set(bt.predictions["month"])


def test_forecast_adds_back_the_effect_of_a_period_still_in_force():
    rng = np.random.default_rng(4)
    y = rng.poisson(expected_monthly())
    plain = forecast.forecast_counts(y, MONTHS, forecast.SARIMA)
    halved = forecast.forecast_counts(
        y, MONTHS, forecast.SARIMA, future_adjustment=np.full(12, np.log(0.5))
    )
    ratio = (halved["forecast"] + 1) / (plain["forecast"] + 1)
    assert ratio.to_numpy() == pytest.approx(0.5, rel=1e-6)
    assert plain["month"].tolist()[:2] == ["2022-04", "2022-05"]


def test_forecast_of_a_removed_dip_is_not_pulled_down_by_it():
    """Fitted to a series with a lockdown dip removed, the forecast ignores the dip."""
    lockdown = NamedPeriod(name="Lockdown", start=date(2020, 3, 1), end=date(2020, 8, 31))
    rng = np.random.default_rng(5)
    clean = expected_monthly()
    dipped = expected_monthly(effects=[(lockdown, 0.5)])
    y = rng.poisson(dipped)
    adjustment = np.log(dipped / clean)  # the dip, known exactly here
    adjusted = forecast.forecast_counts(y, MONTHS, forecast.ETS, adjustment=adjustment)
    future = expected_monthly(start=date(2022, 4, 1), end=date(2023, 3, 31)) * 1.03**7
    assert adjusted["forecast"].sum() == pytest.approx(future.sum(), rel=0.08)


def test_backtest_needs_three_years():
    with pytest.raises(ValueError, match="at least 36 months"):
        forecast.backtest(np.ones(30), MONTHS[:30])
    with pytest.raises(ValueError, match="unknown forecast model"):
        forecast.fit_predict(
            pd.Series([1.0] * 30, index=pd.date_range("2020", periods=30, freq="MS")), "ARIMA"
        )


def test_forecast_series_of_a_synthetic_area_backtests_and_forecasts_twelve_months():
    data = synthetic_area(50)
    fc = forecast.forecast_series(data)
    assert fc.estimated and len(fc.forecast) == 12
    assert fc.forecast["month"].iloc[0] == "2022-04" and fc.forecast["month"].iloc[-1] == "2023-03"
    assert fc.forecast["model"].iloc[0] == fc.backtest.chosen
    last_year = fc.history["observed"].iloc[-12:].sum()
    assert fc.forecast["forecast"].sum() == pytest.approx(last_year * 1.03, rel=0.12)
    assert (fc.forecast["lower95"] < fc.forecast["forecast"]).all()
