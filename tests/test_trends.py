"""Trends: counts, the period design, the interrupted time series GLM, DiD and STL.

Statistical code is tested on synthetic series with known injected effects: a lockdown
step whose 95% CI must cover the injected rate ratio (and, over many series, at about the
nominal rate), no false effect where none was injected, a local lockdown recovered by
difference-in-differences, and a seasonal peak recovered by STL.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from snalib.chapters.trends import counts, did, findings, its, seasonal, trend_data_from_frames
from snalib.chapters.trends.data import month_frame
from snalib.chapters.trends.design import exposure, interruption_effect, its_design, slope_exposure
from snalib.definition import series
from snalib.params import NamedPeriod
from snalib.periods import FinancialYear

#: Violence-like seasonal factors by calendar month (January first), mean 1.
SEASON = np.array([0.90, 0.88, 0.95, 0.98, 1.05, 1.08, 1.12, 1.08, 1.02, 1.00, 0.95, 0.99])
START, END = date(2015, 4, 1), date(2022, 3, 31)
LOCKDOWN = NamedPeriod(name="Lockdown", start=date(2020, 3, 23), end=date(2020, 6, 14))
EASING = NamedPeriod(name="Easing", start=date(2020, 6, 15), end=date(2020, 11, 4))


def expected_monthly(
    *, base=500.0, trend=1.03, effects=(), start=START, end=END, slope=None
) -> np.ndarray:
    """Expected monthly counts built day by day, so partial months mix as in real data.

    ``effects``: (period, rate ratio) pairs applied to the days inside each period;
    ``slope``: (period, rate ratio per year) applied to the years since its start.
    """
    days = pd.date_range(start, end, freq="D")
    years = np.asarray((days - days[0]).days) / 365.25
    rate = base * 12 / 365.25 * trend**years * SEASON[days.month - 1]
    for period, rr in effects:
        inside = (days >= pd.Timestamp(period.start)) & (days <= pd.Timestamp(period.end))
        rate = rate * np.where(inside, rr, 1.0)
    if slope is not None:
        period, per_year = slope
        inside = (days >= pd.Timestamp(period.start)) & (days <= pd.Timestamp(period.end))
        since = np.asarray((days - pd.Timestamp(period.start)).days) / 365.25
        rate = rate * np.where(inside, per_year**since, 1.0)
    return pd.Series(rate).groupby(np.asarray(days.to_period("M"))).sum().to_numpy()


def draw(rng, mu, alpha=0.0):
    """Poisson counts, or NB2 with ``Var = mu + alpha mu^2``."""
    if alpha == 0:
        return rng.poisson(mu).astype(float)
    return rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu)).astype(float)


def fit_series(y, periods, *, start=START, end=END):
    months = month_frame(start, end)
    design = its_design(months, periods, n_full_months=len(months))
    offset = np.log(1e6) + np.log(months["days"].to_numpy(float))
    return its.fit_its(y, offset, design, "Synthetic")


def step(fit, period_name) -> pd.Series:
    e = fit.effects()
    return e[(e["term_type"] == "step") & (e["period"] == period_name)].iloc[0]


# --------------------------------------------------------------------------- design


def test_exposure_is_the_share_of_each_months_days_in_the_period():
    months = month_frame(date(2020, 1, 1), date(2020, 12, 31))
    share = exposure(months, LOCKDOWN.start, LOCKDOWN.end)
    assert share[2] == pytest.approx(9 / 31)  # 23-31 March
    assert share[3] == 1 and share[4] == 1
    assert share[5] == pytest.approx(14 / 30)  # 1-14 June
    assert share[[0, 1, 6, 7, 8, 9, 10, 11]].sum() == 0
    open_ended = exposure(months, date(2020, 11, 16), None)
    assert open_ended[10] == pytest.approx(15 / 30) and open_ended[11] == 1


def test_exposure_of_a_window_cut_month_uses_only_its_days_in_the_window():
    months = month_frame(date(2020, 3, 15), date(2020, 5, 10))
    assert months["days"].tolist() == [17, 30, 10]
    assert exposure(months, LOCKDOWN.start, LOCKDOWN.end).tolist() == pytest.approx(
        [9 / 17, 1.0, 1.0]
    )


def test_slope_exposure_is_the_mean_years_since_the_start_of_the_days_inside():
    months = month_frame(date(2021, 1, 1), date(2021, 12, 31))
    period = NamedPeriod(name="p", start=date(2021, 1, 1), end=None, effect="step_and_slope")
    slope = slope_exposure(months, period.start, period.end)
    # January: days 0..30 since the start, mean 15 days; December: mean 349 days.
    assert slope[0] == pytest.approx(15 / 365.25, abs=1e-3)
    assert slope[11] == pytest.approx(349 / 365.25, abs=1e-3)


def test_design_has_month_indicators_and_a_step_per_period_with_36_months_or_more():
    months = month_frame(START, END)
    design = its_design(months, [LOCKDOWN, EASING], n_full_months=84)
    assert design.seasonal == "month-of-year indicators"
    assert len(design.columns_of("season")) == 11
    assert design.columns_of("step") == ["step_1", "step_2"]
    assert not design.skipped


def test_design_skips_periods_with_reasons_when_the_series_is_short_or_starts_late():
    short = month_frame(date(2021, 4, 1), date(2022, 6, 30))
    design = its_design(
        short,
        [NamedPeriod(name="Step 4", start=date(2021, 7, 19))],
        n_full_months=15,
    )
    assert design.seasonal.startswith("none") and not design.columns_of("step")
    assert "time of year" in design.skipped[0].reason
    months = month_frame(START, END)
    design = its_design(
        months,
        [
            NamedPeriod(name="Too early", start=date(2015, 6, 1), end=date(2015, 8, 1)),
            NamedPeriod(name="Outside", start=date(2010, 1, 1), end=date(2010, 2, 1)),
        ],
        n_full_months=84,
    )
    reasons = {s.period: s.reason for s in design.skipped}
    assert "only 2 months of data before it" in reasons["Too early"]
    assert reasons["Outside"] == "outside the analysis window"


def test_design_leaves_out_a_period_indistinguishable_from_another_at_monthly_resolution():
    months = month_frame(START, END)
    twin = NamedPeriod(name="Twin", start=LOCKDOWN.start, end=LOCKDOWN.end)
    design = its_design(months, [LOCKDOWN, twin], n_full_months=84)
    assert design.columns_of("step") == ["step_1"]
    assert "cannot be told apart" in design.skipped[0].reason


def test_local_period_exposure_is_scaled_by_the_area_share():
    months = month_frame(START, END)
    local = NamedPeriod(
        name="Local", start=date(2020, 7, 1), end=date(2020, 9, 30), area_codes=["E06900001"]
    )
    design = its_design(months, [local], n_full_months=84, local_share={"Local": 0.4})
    assert design.matrix["step_1"].max() == pytest.approx(0.4)
    missing = its_design(months, [local], n_full_months=84, local_share={})
    assert not missing.columns_of("step") and "no events in its area" in missing.skipped[0].reason


# --------------------------------------------------------------------------- the GLM


def test_its_recovers_the_injected_lockdown_trend_and_season():
    rng = np.random.default_rng(1)
    mu = expected_monthly(effects=[(LOCKDOWN, 0.65), (EASING, 0.85)])
    fit = fit_series(draw(rng, mu), [LOCKDOWN, EASING])
    assert fit.family == "Poisson"
    lock, ease = step(fit, "Lockdown"), step(fit, "Easing")
    assert lock["lower95"] <= 0.65 <= lock["upper95"] and lock["rate_ratio"] == pytest.approx(
        0.65, abs=0.04
    )
    assert ease["lower95"] <= 0.85 <= ease["upper95"]
    e = fit.effects().set_index("term")
    assert e.loc["Trend, per year", "rate_ratio"] == pytest.approx(1.03, abs=0.01)
    # July / January = 1.12 / 0.90 in the injected season
    assert e.loc["Month: Jul", "rate_ratio"] == pytest.approx(1.12 / 0.90, abs=0.04)


def test_its_on_expected_counts_is_almost_exact_despite_partial_months():
    """On noiseless counts the exposure coding is off by less than 1% for a 0.65 step."""
    mu = expected_monthly(effects=[(LOCKDOWN, 0.65), (EASING, 0.85)])
    fit = fit_series(mu, [LOCKDOWN, EASING])
    assert step(fit, "Lockdown")["rate_ratio"] == pytest.approx(0.65, rel=0.01)
    assert step(fit, "Easing")["rate_ratio"] == pytest.approx(0.85, rel=0.01)


def test_its_recovers_an_injected_slope_change():
    period = NamedPeriod(
        name="Programme", start=date(2019, 4, 1), end=date(2022, 3, 31), effect="step_and_slope"
    )
    mu = expected_monthly(base=2000, effects=[(period, 0.9)], slope=(period, 0.8))
    fit = fit_series(draw(np.random.default_rng(3), mu), [period])
    e = fit.effects()
    slope = e[e["term_type"] == "slope"].iloc[0]
    assert slope["lower95"] <= 0.8 <= slope["upper95"]
    assert step(fit, "Programme")["rate_ratio"] == pytest.approx(0.9, abs=0.04)


def test_overdispersion_test_keeps_poisson_for_poisson_counts_and_finds_nb_overdispersion():
    rng = np.random.default_rng(5)
    mu = expected_monthly(effects=[(LOCKDOWN, 0.65)])
    poisson = its.overdispersion_test(draw(rng, mu), mu)
    assert not poisson.overdispersed and poisson.pearson_ratio == pytest.approx(1, abs=0.4)
    nb = its.overdispersion_test(draw(rng, mu, alpha=0.02), mu)
    assert nb.overdispersed and nb.alpha == pytest.approx(0.02, abs=0.012)


def test_overdispersed_series_gets_a_negative_binomial_model_whose_ci_covers_the_effect():
    rng = np.random.default_rng(11)
    mu = expected_monthly(effects=[(LOCKDOWN, 0.65)])
    fit = fit_series(draw(rng, mu, alpha=0.01), [LOCKDOWN])
    assert fit.family == "negative binomial"
    assert fit.alpha == pytest.approx(0.01, abs=0.008)
    assert "negative binomial GLM (NB2" in fit.model
    lock = step(fit, "Lockdown")
    assert lock["lower95"] <= 0.65 <= lock["upper95"]
    diag = its.diagnostics_table([fit]).iloc[0]
    assert diag["family"] == "negative binomial" and diag["overdispersion_p"] < 0.05
    assert 0 <= diag["ljung_box_p"] <= 1 and diag["ljung_box_lags"] == 12


def test_nb_fallbacks_are_explicit_when_maximum_likelihood_does_not_converge(monkeypatch):
    class NoConvergence:
        def __init__(self, *args, **kwargs):
            pass

        def fit(self, *args, **kwargs):
            return SimpleNamespace(params=pd.Series([np.nan]), mle_retvals={"converged": False})

    monkeypatch.setattr(its.sm, "NegativeBinomial", NoConvergence)
    rng = np.random.default_rng(12)
    mu = expected_monthly(effects=[(LOCKDOWN, 0.65)])
    fit = fit_series(draw(rng, mu, alpha=0.02), [LOCKDOWN])
    assert fit.family == "negative binomial"
    assert any("did not converge (Newton, BFGS)" in f for f in fit.fallbacks)
    assert "[fallback:" in fit.model and fit.alpha == pytest.approx(0.02, abs=0.012)
    assert its.diagnostics_table([fit]).iloc[0]["fallbacks"] != "none"


def test_quasi_poisson_fallback_is_reported_when_the_nb_glm_fails(monkeypatch):
    original = its.sm.families.NegativeBinomial

    def failing(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(its.sm.families, "NegativeBinomial", failing)
    rng = np.random.default_rng(13)
    mu = expected_monthly(effects=[(LOCKDOWN, 0.65)])
    fit = fit_series(draw(rng, mu, alpha=0.02), [LOCKDOWN])
    monkeypatch.setattr(its.sm.families, "NegativeBinomial", original)
    assert fit.family == "quasi-Poisson" and fit.use_t
    assert "quasi-Poisson GLM (fallback" in fit.model
    assert step(fit, "Lockdown")["lower95"] <= 0.65 <= step(fit, "Lockdown")["upper95"]


def test_a_series_with_too_few_events_is_reported_not_estimated():
    fit = fit_series(np.r_[np.zeros(80), [3, 4, 5, 6]], [LOCKDOWN])
    assert not fit.estimated and fit.family == "not estimated"
    e = fit.effects()
    assert e["rate_ratio"].isna().all() and "fewer than 20 events" in e["note"].iloc[0]


def test_a_period_wholly_without_events_is_left_out_of_the_model_not_a_crash():
    """Knife crime in a small area: no event in the lockdown's months. The step's rate ratio
    runs to 0; the model leaves that period out with the reason (it used to fail the build
    with 'exog contains inf or nans')."""
    rng = np.random.default_rng(7)
    y = rng.poisson(expected_monthly(base=1.0)).astype(float)
    months = month_frame(START, END)
    y[((months["month"] >= "2020-03") & (months["month"] <= "2020-06")).to_numpy()] = 0
    fit = fit_series(y, [LOCKDOWN])
    assert fit.estimated
    effects = fit.effects()
    note = effects.loc[effects["period"] == "Lockdown", "note"].iloc[0]
    assert "too few events in this series during the period" in note


def _poisson_step_width(y, periods, name):
    """Width (log scale) of the plain Poisson GLM's 95% CI of a step: the reference."""
    months = month_frame(START, END)
    design = its_design(months, periods, n_full_months=len(months))
    offset = np.log(1e6) + np.log(months["days"].to_numpy(float))
    steps = design.columns_of("step")
    res, _ = its.fit_step_glm(y, design.matrix, offset, its.sm.families.Poisson(), steps)
    col = next(t.column for t in design.terms if t.period == name and t.kind == "step")
    return 2 * 1.96 * float(res.bse[col])


def _width(row) -> float:
    return float(np.log(row["upper95"]) - np.log(row["lower95"]))


def test_a_poisson_series_gets_poisson_width_intervals_and_an_overdispersed_one_wider():
    """No pre-test: a Poisson series keeps (about) the Poisson interval, whichever way its
    overdispersion tests fall, and an overdispersed one is never given it."""
    rng = np.random.default_rng(21)
    mu = expected_monthly(effects=[(LOCKDOWN, 0.65)])
    ratios = []
    for _ in range(8):
        y = draw(rng, mu)
        fit = fit_series(y, [LOCKDOWN])
        ratios.append(
            _width(step(fit, "Lockdown")) / _poisson_step_width(y, [LOCKDOWN], "Lockdown")
        )
        assert fit.serial.phi >= 1
    # Never narrower; a few per cent wider from t on finite degrees of freedom, more when
    # the residuals happen to look serially correlated (the price of not pre-testing).
    assert min(ratios) >= 1.0 and np.mean(ratios) < 1.15 and max(ratios) < 1.35
    y = draw(rng, mu, alpha=0.02)  # CV about 0.14 beyond Poisson at 500 a month
    fit = fit_series(y, [LOCKDOWN])
    assert fit.family == "negative binomial"
    assert _width(step(fit, "Lockdown")) > 2 * _poisson_step_width(y, [LOCKDOWN], "Lockdown")


def test_serially_correlated_months_widen_the_intervals_and_the_chapter_says_so():
    from snalib.chapters.trends.serial import ar1_covariance
    from snalib.simulations.its import frailty

    rng = np.random.default_rng(22)
    mu = expected_monthly(effects=[(LOCKDOWN, 0.65)])
    y = rng.poisson(mu * frailty(rng, len(mu), 0.2, 0.6)).astype(float)
    fit = fit_series(y, [LOCKDOWN])
    assert fit.serial.rho > 0.3
    used_mu = fit.fitted
    independent = ar1_covariance(
        fit.jacobian, used_mu, used_mu + fit.alpha * used_mu**2, y, np.arange(len(y)), rho=0.0
    )
    col = "step_1"
    assert fit.cov.loc[col, col] > 1.2 * independent.cov.loc[col, col]
    assert f"AR(1) serial correlation {fit.serial.rho:.2f}" in fit.model
    diag = its.diagnostics_table([fit]).iloc[0]
    assert diag["serial_correlation"] == pytest.approx(fit.serial.rho)
    assert "allow for serial correlation" in diag["standard_errors"]
    text = findings.diagnostics_sentences(its.diagnostics_table([fit]))
    assert "allow for serial correlation" in text and "Ljung-Box" in text
    assert "serial correlation" in findings.its_findings(fit, [LOCKDOWN])["sentence"]


def test_missing_months_are_left_out_of_the_fit_and_the_gap_is_not_a_neighbour():
    rng = np.random.default_rng(23)
    mu = expected_monthly(effects=[(LOCKDOWN, 0.65)])
    y = draw(rng, mu)
    gappy = y.copy()
    gappy[[20, 50]] = np.nan  # two months with no data file
    fit = fit_series(gappy, [LOCKDOWN])
    assert fit.estimated and fit.months_used == len(y) - 2
    assert np.isfinite(fit.fitted).all()  # the line is drawn through the gap
    assert fit.serial.pairs == len(y) - 1 - 4  # each gap removes two pairs of neighbours
    # The same estimate as a model fitted to the 82 months alone.
    months = month_frame(START, END)
    keep = np.isfinite(gappy)
    design = its_design(months[keep].reset_index(drop=True), [LOCKDOWN], n_full_months=84)
    offset = np.log(1e6) + np.log(months["days"].to_numpy(float))[keep]
    alone = its.fit_its(y[keep], offset, design, "Synthetic")
    assert step(fit, "Lockdown")["rate_ratio"] == pytest.approx(
        step(alone, "Lockdown")["rate_ratio"], rel=1e-6
    )
    assert alone.serial.pairs == fit.serial.pairs  # the months say where the gaps are
    diag = its.diagnostics_table([fit])
    assert diag["months_used"].iloc[0] == 82 and diag["months"].iloc[0] == 84
    assert "2 missing months left out of the fit" in findings.diagnostics_sentences(diag)


def test_a_period_whose_months_are_all_missing_is_left_out_with_the_reason():
    rng = np.random.default_rng(24)
    y = draw(rng, expected_monthly())
    months = month_frame(START, END)
    y[((months["month"] >= "2020-03") & (months["month"] <= "2020-06")).to_numpy()] = np.nan
    fit = fit_series(y, [LOCKDOWN])
    assert fit.estimated
    e = fit.effects()
    assert (
        "every month of the period is missing" in e.loc[e["period"] == "Lockdown", "note"].iloc[0]
    )


def test_season_terms_are_one_profile_with_one_joint_test_not_eleven_tests():
    rng = np.random.default_rng(25)
    mu = expected_monthly(effects=[(LOCKDOWN, 0.65)])
    fit = fit_series(draw(rng, mu), [LOCKDOWN])
    e = fit.effects()
    months = e[e["term_type"] == "season"]
    assert len(months) == 11 and months["p_value"].isna().all()
    assert months["note"].str.contains("tested jointly").all()
    assert months["lower95"].notna().all()  # the profile keeps its intervals
    profile = fit.season_profile()
    assert list(profile["month"]) == ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                      "Sep", "Oct", "Nov", "Dec"]  # fmt: skip
    assert np.prod(profile["rate_ratio"]) == pytest.approx(1.0)  # against the average month
    truth = SEASON / np.exp(np.log(SEASON).mean())
    inside = (profile["lower95"] <= truth) & (truth <= profile["upper95"])
    assert inside.sum() >= 10
    assert profile.set_index("month").loc["Jul", "rate_ratio"] == pytest.approx(truth[6], abs=0.04)
    joint = fit.season_test()
    assert joint["df1"] == 11 and joint["p"] < 1e-6
    table = its.season_table([fit])
    assert len(table) == 12 and set(table.columns) >= {"rate_ratio", "lower95", "count_basis"}
    diag = its.diagnostics_table([fit]).iloc[0]
    assert diag["seasonality_p"] == pytest.approx(joint["p"])


def test_the_joint_season_test_rejects_about_5_percent_of_series_without_a_season():
    rng = np.random.default_rng(26)
    flat = (
        expected_monthly(effects=[(LOCKDOWN, 0.65)])
        / SEASON[pd.PeriodIndex(month_frame(START, END)["month"], freq="M").month - 1]
    )
    rejected = sum(
        fit_series(draw(rng, flat), [LOCKDOWN]).season_test()["p"] < 0.05 for _ in range(40)
    )
    assert rejected <= 6  # 5% of 40 is 2; binomial 99th percentile is 6


def test_findings_say_how_named_periods_are_read_one_by_one_and_together():
    rng = np.random.default_rng(27)
    mu = expected_monthly(effects=[(LOCKDOWN, 0.65), (EASING, 0.85)])
    fit = fit_series(draw(rng, mu), [LOCKDOWN, EASING])
    fdr = findings.its_findings(fit, [LOCKDOWN, EASING], "fdr")["sentence"]
    assert "fixed in advance in the parameters" in fdr
    assert "Across 2 named periods, the false discovery rate (Benjamini-Hochberg)" in fdr
    holm = findings.its_findings(fit, [LOCKDOWN, EASING], "holm")["sentence"]
    assert "the family-wise error rate (Holm) is controlled at 5%" in holm
    title = findings.effects_findings(fit.effects(), "Synthetic", "holm")["title"]
    assert "of 2 named periods (family-wise error rate controlled at 5%)" in title
    one = findings.its_findings(fit_series(draw(rng, mu), [LOCKDOWN]), [LOCKDOWN])["sentence"]
    assert "fixed in advance" in one and "Across" not in one
    found = findings.season_findings(
        its.season_table([fit]), its.diagnostics_table([fit]), "Synthetic", "fdr"
    )
    assert found["title"].startswith("Synthetic: July is +")
    assert "one joint test" in found["sentence"] and "F = " in found["sentence"]


def _coverage(n_sims: int, effect: float, alpha: float, seed: int) -> tuple[float, float]:
    """Share of simulated series whose 95% CI covers ``effect``; share significant at 5%."""
    rng = np.random.default_rng(seed)
    mu = expected_monthly(effects=[(LOCKDOWN, effect)])
    covered = significant = 0
    for _ in range(n_sims):
        s = step(fit_series(draw(rng, mu, alpha), [LOCKDOWN]), "Lockdown")
        covered += s["lower95"] <= effect <= s["upper95"]
        significant += s["p_value"] < 0.05
    return covered / n_sims, significant / n_sims


def test_lockdown_ci_coverage_and_false_positives_small_simulation():
    """A fast version of the slow simulations below: 60 series each, looser bounds."""
    coverage, _ = _coverage(60, 0.65, 0.0, seed=2024)
    assert coverage >= 0.85
    _, false_positive = _coverage(60, 1.0, 0.0, seed=2025)
    assert false_positive <= 0.12


@pytest.mark.slow
@pytest.mark.parametrize("alpha", [0.0, 0.01], ids=["poisson", "negative-binomial"])
def test_lockdown_ci_covers_the_injected_effect_in_90_to_99_percent_of_series(alpha):
    coverage, _ = _coverage(200, 0.65, alpha, seed=201)
    assert 0.90 <= coverage <= 0.99


@pytest.mark.slow
@pytest.mark.parametrize("alpha", [0.0, 0.01], ids=["poisson", "negative-binomial"])
def test_no_injected_effect_is_significant_in_about_5_percent_of_series(alpha):
    _, false_positive = _coverage(200, 1.0, alpha, seed=301)
    assert 0.015 <= false_positive <= 0.09


# --------------------------------------------------------------------------- a synthetic area

CITY, TOWN = "E06900001", "E07900001"
LOCAL = NamedPeriod(
    name="Local lockdown", start=date(2020, 6, 29), end=date(2020, 9, 30), area_codes=[CITY]
)


def synthetic_area(
    seed: int,
    *,
    local_effect=0.85,
    periods=(LOCKDOWN, EASING, LOCAL),
    pre_trend_gap=1.0,
    start=START,
    end=END,
    base=(260.0, 320.0),
    knife_share=0.1,
):
    """Record-level serious violence in a two-district area, day by day.

    The city (inside the local lockdown) and the town share trend, season and national
    periods; the city alone has ``local_effect`` during the local lockdown and, before
    it, a trend ``pre_trend_gap`` times the town's per year.
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, end, freq="D")
    years = np.asarray((days - days[0]).days) / 365.25
    common = 1.03**years * SEASON[days.month - 1]
    for p in (p for p in periods if not p.area_codes):
        common = common * np.where(
            (days >= pd.Timestamp(p.start)) & (days <= pd.Timestamp(p.end)), 0.7, 1.0
        )
    rows = []
    for code, daily_base, lsoas in ((CITY, base[0], "C"), (TOWN, base[1], "T")):
        rate = daily_base * 12 / 365.25 * common
        if code == CITY:
            in_local = (days >= pd.Timestamp(LOCAL.start)) & (days <= pd.Timestamp(LOCAL.end))
            rate = rate * np.where(in_local, local_effect, 1.0)
            before = days < pd.Timestamp(LOCAL.start)
            rate = rate * np.where(before, pre_trend_gap ** (years - years[before].max()), 1.0)
        n = rng.poisson(rate)
        dates = np.repeat(days, n)
        rows.append(
            pd.DataFrame(
                {
                    "offence_date": dates,
                    "area_code": [f"{lsoas}{i}" for i in rng.integers(0, 3, len(dates))],
                }
            )
        )
    crimes = pd.concat(rows, ignore_index=True)
    n = len(crimes)
    crimes["serious_violence"] = True
    crimes["offence_hour"] = pd.array(
        np.where(rng.random(n) < 0.02, -1, rng.integers(0, 24, n)), dtype="Int64"
    )
    crimes.loc[crimes["offence_hour"] == -1, "offence_hour"] = pd.NA
    crimes["definition_group"] = np.where(rng.random(n) < 0.7, "Assault with injury", "Robbery")
    crimes["victim_age"] = pd.array(rng.integers(10, 60, n), dtype="Int64")
    crimes["offender_age"] = pd.array(rng.integers(10, 60, n), dtype="Int64")
    crimes["knife"] = rng.random(n) < knife_share
    areas = pd.DataFrame(
        {
            "lsoa_code": [f"C{i}" for i in range(3)] + [f"T{i}" for i in range(3)],
            "district_code": [CITY] * 3 + [TOWN] * 3,
            "district_name": ["City"] * 3 + ["Town"] * 3,
        }
    )
    population = pd.DataFrame(
        [
            {"area_code": lsoa, "year": y, "sex": "U", "age_band": "all", "population": 50_000}
            for lsoa in areas["lsoa_code"]
            for y in range(start.year - 1, end.year + 1)
        ]
    )
    params = SimpleNamespace(
        analysis_window=SimpleNamespace(start=start, end=end),
        definition=SimpleNamespace(priority_age_limit=25),
        fy=FinancialYear(2021),
        baseline_fy=FinancialYear(2018),
        periods=list(periods),
    )
    return trend_data_from_frames(params, areas=areas, population=population, flagged=crimes)


def test_did_recovers_an_injected_local_lockdown_effect_with_parallel_trends():
    data = synthetic_area(7)
    result = did.difference_in_differences(
        data, data.series_mask("serious_violence"), LOCAL, "Serious violence"
    )
    assert result.family == "Poisson"
    assert result.lower95 <= 0.85 <= result.upper95
    assert result.rate_ratio == pytest.approx(0.85, abs=0.06)
    assert result.parallel and result.pre_months == 62
    assert result.sensitivity[1] <= 0.85 <= result.sensitivity[2]
    table = did.did_table([result])
    assert table["term"].str.startswith("Parallel trends check").any()
    assert findings.did_findings(result)["title"].startswith("During Local lockdown")


def test_did_finds_no_local_effect_where_none_was_injected():
    estimates, significant = [], 0
    for seed in range(60, 65):
        data = synthetic_area(seed, local_effect=1.0)
        r = did.difference_in_differences(
            data, data.series_mask("serious_violence"), LOCAL, "Serious violence"
        )
        estimates.append(np.log(r.rate_ratio))
        significant += r.p_value < 0.05
    assert abs(np.mean(estimates)) < 0.03 and significant <= 1


def test_parallel_trends_check_fails_when_the_areas_diverged_before_the_period():
    data = synthetic_area(9, pre_trend_gap=1.10)
    result = did.difference_in_differences(
        data, data.series_mask("serious_violence"), LOCAL, "Serious violence"
    )
    assert result.pre_trend[0] == pytest.approx(1.10, abs=0.03) and not result.parallel
    assert "parallel trends check fails" in findings.did_findings(result)["sentence"]


def test_did_leaves_out_missing_months_and_says_what_its_interval_allows_for():
    data = synthetic_area(7)
    mask = data.series_mask("serious_violence")
    panel = did.did_panel(data, mask, LOCAL)
    full = did.estimate_did(panel, LOCAL, "Serious violence")
    gappy = panel.copy()
    gappy.loc[gappy["month"].isin(["2017-05", "2019-11"]), "count"] = np.nan
    result = did.estimate_did(gappy, LOCAL, "Serious violence")
    assert result.estimated and result.lower95 <= 0.85 <= result.upper95
    assert result.rate_ratio != full.rate_ratio  # the months were really left out
    assert result.rate_ratio == pytest.approx(full.rate_ratio, abs=0.03)
    assert result.pre_months == full.pre_months - 2
    # Two areas, each with two gaps: 2 x (83 - 4) pairs of neighbouring months.
    assert result.fit.serial.pairs == 2 * (83 - 4)
    model = did.did_table([result])["model"].iloc[0]
    assert model.startswith("difference-in-differences, ") and "within each area" in model
    sentence = findings.did_findings(result)["sentence"]
    assert "allows for overdispersion" in sentence and "serial correlation" in sentence


def test_did_findings_say_each_local_comparison_is_fixed_in_advance():
    data = synthetic_area(8)
    results = [
        did.difference_in_differences(data, data.series_mask(s.key), LOCAL, s.label)
        for s in data.main[:2]
    ]
    text = findings.did_together(results, "fdr")
    assert text.startswith("Each local period is a comparison fixed in advance")
    assert "Across 2 comparisons, the false discovery rate (Benjamini-Hochberg)" in text
    assert "Across" not in findings.did_together(results[:1], "fdr")


@pytest.mark.slow
def test_did_ci_covers_the_injected_local_effect_in_90_to_99_percent_of_areas():
    covered = 0
    for seed in range(100):
        data = synthetic_area(1000 + seed)
        r = did.difference_in_differences(
            data, data.series_mask("serious_violence"), LOCAL, "Serious violence"
        )
        covered += r.lower95 <= 0.85 <= r.upper95
    assert 0.90 <= covered / 100 <= 0.99


def test_whole_area_model_approximates_the_local_effect_with_the_area_share():
    data = synthetic_area(10)
    fit = its.fit_series(data, data.headline)
    e = fit.effects()
    local = e[e["period"] == "Local lockdown"].iloc[0]
    assert local["lower95"] <= 0.85 <= local["upper95"]
    share = its.local_shares(data, data.series_mask("serious_violence"))["Local lockdown"]
    assert share == pytest.approx(260 / 580, abs=0.03)


# --------------------------------------------------------------------------- counts


def test_monthly_counts_keep_zeros_and_roll_twelve_month_totals():
    data = synthetic_area(20)
    monthly = counts.monthly_counts(data)
    head = monthly[monthly["series"] == "Serious violence"]
    assert len(head) == 84 and head["count"].sum() == len(data.events)
    expected = head["count"].rolling(12).sum()
    assert (
        head["rolling_12_month_total"].iloc[11:].astype(float).tolist()
        == expected.iloc[11:].tolist()
    )
    assert head["rolling_12_month_total"].iloc[:11].isna().all()
    districts = monthly[monthly["breakdown"] == "District"]
    assert set(districts["series"]) == {"City", "Town"}
    assert districts["count"].sum() == head["count"].sum()


def test_weekly_counts_have_only_complete_monday_to_sunday_weeks():
    data = synthetic_area(21)
    weekly = counts.weekly_counts(data)
    head = weekly[weekly["series"] == "Serious violence"]
    starts = pd.to_datetime(head["week_start"])
    assert (starts.dt.day_of_week == 0).all()
    assert starts.iloc[0] == pd.Timestamp("2015-04-06")  # 1 April 2015 was a Wednesday
    assert starts.iloc[-1] + pd.Timedelta(days=6) <= pd.Timestamp(END)
    d = data.events["date"]
    first = (d >= starts.iloc[0]) & (d <= starts.iloc[0] + pd.Timedelta(days=6))
    assert head["count"].iloc[0] == int(first.sum())


def test_year_on_year_compares_the_report_year_with_the_year_before_per_resident():
    data = synthetic_area(22)
    yoy = counts.year_on_year(data)
    row = yoy[(yoy["series"] == "Serious violence")].iloc[0]
    d = data.events["date"]
    cur = int(((d >= "2021-04-01") & (d <= "2022-03-31")).sum())
    prev = int(((d >= "2020-04-01") & (d <= "2021-03-31")).sum())
    assert (row["count_current"], row["count_previous"]) == (cur, prev)
    assert row["rate_ratio"] == pytest.approx(cur / prev)  # equal populations
    assert row["lower95"] < row["rate_ratio"] < row["upper95"]
    assert row["current_period"] == "2021/22" and row["previous_period"] == "2020/21"


def test_ratio_of_two_counts_is_unreliable_when_either_count_is_small():
    from snalib.publish.disclosure import Rule

    table = pd.DataFrame({"a": [3, 50, 50], "b": [50, 8, 50], "rr": [0.06, 6.2, 1.0]})
    out = counts.protect_ratio_table(table, Rule(5, 10), ["rr"], ["a", "b"])
    assert out["rr"].tolist() == ["[u]", "[u]", 1.0]
    assert out["notes"].iloc[0] == "[u] not published: count below 10"


def test_day_hour_counts_the_report_year_and_the_missing_hours():
    data = synthetic_area(23)
    table, summary = counts.day_hour(data)
    d = data.events["date"]
    in_year = (d >= "2021-04-01") & (d <= "2022-03-31")
    assert summary["total"] == int(in_year.sum())
    assert summary["missing_hour"] == int(data.events["hour"][in_year].isna().sum())
    assert table["count"].sum() == summary["total"] - summary["missing_hour"]
    assert len(table) == 7 * 24 and table["day"].iloc[0] == "Monday"
    text = findings.day_hour_findings(table, summary, "Serious violence")["sentence"]
    assert f"{summary['missing_hour']:,} of {summary['total']:,} crimes" in text


def test_month_profile_leaves_out_period_months_and_finds_the_july_peak():
    data = synthetic_area(24, periods=(LOCKDOWN,))
    profile = counts.month_profile(data)
    head = profile[profile["series"] == "Serious violence"].set_index("month")
    assert head.loc["Apr", "months_used"] == 6 and head.loc["Jan", "months_used"] == 7
    assert head["index"].idxmax() == "Jul" and head["index"].idxmin() in ("Feb", "Jan")


def test_stl_recovers_the_seasonal_peak_and_needs_two_years():
    data = synthetic_area(25, periods=())
    decompositions = seasonal.stl_all(data)
    dec = decompositions["Serious violence"]
    assert seasonal.seasonal_peaks(dec)[0] == "Jul"
    assert 0.3 < seasonal.seasonal_strength(dec) <= 1
    assert seasonal.stl_decompose(np.arange(23.0), [f"m{i}" for i in range(23)]) is None


# --------------------------------------------------------------------------- short series


def public_area(months: int = 15):
    """Public mode: data.police.uk-like rows, month and LSOA only."""
    rng = np.random.default_rng(30)
    start = date(2021, 4, 1)
    end = (pd.Timestamp(start) + pd.DateOffset(months=months) - pd.Timedelta(days=1)).date()
    labels = [str(p) for p in pd.period_range(start, end, freq="M")]
    n = rng.poisson(400, len(labels))
    street = pd.DataFrame(
        {
            "month": np.repeat(labels, n),
            "crime_type": rng.choice(["Violence and sexual offences", "Robbery"], n.sum()),
            "area_code": rng.choice(["C0", "T0"], n.sum()),
        }
    )
    areas = pd.DataFrame(
        {"lsoa_code": ["C0", "T0"], "district_code": [CITY, TOWN], "district_name": ["C", "T"]}
    )
    population = pd.DataFrame(
        {"area_code": ["C0", "T0"], "year": 2019, "age_band": "all", "population": 1e5}
    )
    params = SimpleNamespace(
        analysis_window=SimpleNamespace(start=start, end=end),
        definition=SimpleNamespace(priority_age_limit=25),
        fy=FinancialYear(2021),
        baseline_fy=None,
        periods=[NamedPeriod(name="Step 4", start=date(2021, 7, 19))],
    )
    return trend_data_from_frames(params, areas=areas, population=population, street=street)


def test_short_public_series_fits_a_limited_model_and_says_what_cannot_be_estimated():
    from snalib.chapters.trends import forecast

    data = public_area(15)
    assert data.mode == "public" and not data.has_days
    limits = " ".join(data.limits)
    assert "15 full months" in limits and "weekly counts" in limits
    assert "Only one year of population" in limits
    fit = its.fit_main_series(data)[0]
    assert fit.estimated and fit.design.seasonal.startswith("none")
    e = fit.effects()
    step_row = e[e["period"] == "Step 4"].iloc[0]
    assert np.isnan(step_row["rate_ratio"]) and "time of year" in step_row["note"]
    assert "not adjusted for the season" in findings.its_findings(fit, data.periods)["title"]
    assert seasonal.stl_all(data) == {}
    assert counts.month_profile(data).empty and counts.year_on_year(data).empty
    assert counts.weekly_counts(data).empty and counts.day_hour(data)[0].empty
    fc = forecast.forecast_series(data)
    assert not fc.estimated and "15 full months" in fc.reason
    assert did.did_all(data) == []


def test_findings_sentences_are_computed_from_the_numbers():
    rng = np.random.default_rng(40)
    mu = expected_monthly(effects=[(LOCKDOWN, 0.65)])
    fit = fit_series(draw(rng, mu), [LOCKDOWN])
    lock = step(fit, "Lockdown")
    text = findings.its_findings(fit, [LOCKDOWN])
    assert f"{lock['rate_ratio']:.2f} (95% CI {lock['lower95']:.2f} to" in text["sentence"]
    assert text["title"].startswith(f"Synthetic fell by {(1 - lock['rate_ratio']) * 100:.0f}%")
    assert findings.pct(0.65) == "−35%" and findings.pct(1.294) == "+29%"
    assert findings.change_words(0.9, 0.8, 1.05).endswith("(not a significant change)")


def test_interruption_effect_carries_a_lasting_period_into_future_months():
    months = month_frame(START, END)
    lasting = NamedPeriod(name="Lasting", start=date(2021, 1, 1))
    design = its_design(months, [lasting], n_full_months=84)
    params = pd.Series({"step_1": np.log(0.8)})
    future = month_frame(date(2022, 4, 1), date(2022, 6, 30))
    assert np.exp(interruption_effect(design.terms, params, [lasting], future)) == pytest.approx(
        [0.8] * 3
    )
    ended = interruption_effect(design.terms, params, [LOCKDOWN], future)
    assert (ended == 0).all()


def test_weekly_sentence_counts_complete_weeks_from_the_first():
    import pandas as pd

    from snalib.chapters.trends import findings

    weekly = pd.DataFrame(
        {"week_start": ["2021-01-04", "2021-01-04", "2021-01-11"], "count": [3, 4, 5]}
    )
    text = findings.weekly_sentence(weekly)
    assert "(2 complete weeks, Monday to Sunday, from 2021-01-04)" in text
    assert "tables/trend_weekly.csv" in text


def test_trend_data_counts_the_main_series_as_the_published_monthly_series_do():
    # definition.series is the one source of the main series: the trend chapter's monthly
    # counts and tables/monthly_series.csv must agree, month by month and series by series.
    flagged = pd.DataFrame(
        {
            "offence_date": pd.to_datetime(
                [
                    "2021-04-03",
                    "2021-04-20",
                    "2021-05-01",
                    "2021-05-09",
                    "2021-06-30",
                    "2021-06-30",
                    "2021-07-01",
                    "2021-08-15",
                ]  # fmt: skip
            ),
            "serious_violence": [True, True, False, True, True, True, True, True],
            "in_offence_codes": [True] * 8,
            "victim_age": pd.array([16, 30, 12, pd.NA, 24, 25, 40, 18], dtype="Int64"),
            "offender_age": pd.array([30, 19, 15, 22, pd.NA, 26, 24, 50], dtype="Int64"),
            "knife": pd.array(
                [True, False, True, pd.NA, False, True, False, True], dtype="boolean"
            ),
            "definition_group": ["Robbery"] * 8,
            "offence_hour": pd.array([1] * 8, dtype="Int64"),
            "area_code": ["C0"] * 8,
        }
    )
    start, end = date(2021, 4, 1), date(2021, 7, 31)  # August is outside the window
    params = SimpleNamespace(
        analysis_window=SimpleNamespace(start=start, end=end),
        definition=SimpleNamespace(priority_age_limit=25),
        fy=FinancialYear(2021),
        baseline_fy=None,
        periods=[],
    )
    areas = pd.DataFrame({"lsoa_code": ["C0"], "district_code": [CITY], "district_name": ["C"]})
    population = pd.DataFrame({"area_code": ["C0"], "year": 2021, "population": 1e4})
    data = trend_data_from_frames(params, areas=areas, population=population, flagged=flagged)
    published = series.record_series(flagged, start, end, 25)
    expected = {
        "Serious violence": [2, 1, 2, 1],
        "Serious violence: victim under 25": [1, 0, 1, 0],
        "Serious violence: offender under 25": [1, 1, 0, 1],
        "Serious violence: knife or sharp instrument": [1, 0, 1, 0],
    }
    assert [s.label for s in data.main] == list(expected)
    for s in data.main:
        counts = published[published["series"] == s.label]["count"].tolist()
        assert counts == expected[s.label]
        assert data.monthly(data.series_mask(s.key)).tolist() == expected[s.label]


def test_a_period_without_events_is_left_out_with_a_reason_and_the_rest_is_estimated():
    # A sparse series (knife crime in a small area) with no event at all during the
    # lockdown: its rate ratio runs to 0, which used to break the fit ("exog contains inf
    # or nans", exit 1). The lockdown is left out, the easing is still estimated.
    mu = expected_monthly(base=3.0, effects=[(LOCKDOWN, 1.0)])
    y = np.random.default_rng(7).poisson(mu).astype(float)
    months = month_frame(START, END)
    touched = exposure(months, LOCKDOWN.start, LOCKDOWN.end) > 0
    y[touched] = 0
    fit = fit_series(y, [LOCKDOWN, EASING])
    assert fit.estimated
    skipped = {s.period: s.reason for s in fit.design.skipped}
    assert "too few events in this series during the period" in skipped["Lockdown"]
    assert "step_1" not in fit.params.index
    assert np.isfinite(step(fit, "Easing")["rate_ratio"])


def test_year_on_year_breakdown_without_crimes_to_break_down_says_so():
    # No crime meets the definition: the year-on-year table has the main series only.
    yoy = pd.DataFrame(
        {"breakdown": ["Main series"], "series": ["Serious violence"], "rate_ratio": [np.nan],
         "count_previous": [0], "count_current": [0], "lower95": [np.nan], "upper95": [np.nan]}
    )  # fmt: skip
    sentence = findings.yoy_breakdown_sentence(yoy)
    assert sentence.startswith("No year-on-year change by crime type or district")
