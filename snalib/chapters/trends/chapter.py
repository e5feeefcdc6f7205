"""The trend chapter: what each cell of ``notebooks/03-trends.ipynb`` shows.

:class:`TrendsChapter` is built once per run in the notebook's setup cell. Each of its
methods answers one question of the chapter: it publishes its tables and figures (through
disclosure control, :meth:`snalib.publish.run.RunContext.publish_table`) and returns what
the cell shows. When the data cannot answer (public data have no days; a short series has
no seasonality, year-on-year comparison or forecast) it returns a sentence saying why, so
that every cell a report embeds has output. Results shared by several cells (the
year-on-year table, the trend models, the forecast) are computed once.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from snalib.chapters.trends import charts, counts, did, findings, its, seasonal
from snalib.chapters.trends.data import TrendData, trend_data
from snalib.chapters.trends.forecast import SeriesForecast, forecast_series
from snalib.publish.disclosure import NO_COUNTS
from snalib.publish.tables import PublishedFigure, PublishedTable
from snalib.stats.multiple import ADJUSTED_NAMES

#: Columns of the year-on-year table resting on two counts (shown as [u] when either is small).
YOY_RATIOS = [
    "rate_ratio",
    "lower95",
    "upper95",
    "change_pct",
    "p_value",
    "lower95_exact",
    "upper95_exact",
    "p_value_exact",
    "dispersion",
    "dispersion_df",
    "autocorrelation",
    "variance_inflation",
    "p_adjusted",
]
#: Months needed to compare a year with the one before it.
YOY_MIN_MONTHS = 24

Output = str | PublishedTable | PublishedFigure


class TrendsChapter:
    """The trend chapter of one run.

    Parameters
    ----------
    run
        The run directory (:class:`snalib.publish.run.RunContext`).
    data
        The trend data of the run; read from ``run`` when not given.
    """

    def __init__(self, run, data: TrendData | None = None) -> None:
        self.run = run
        self.data = trend_data(run) if data is None else data
        self.rule = run.rule()

    @property
    def headline(self) -> str:
        return self.data.headline.label

    @property
    def comparisons(self) -> str:
        """``params.statistics.multiple_comparisons``: "fdr" or "holm"."""
        return self.run.params.statistics.multiple_comparisons

    # ------------------------------------------------------------------ shared results
    @property
    def multiple_comparisons(self) -> str:
        """How findings that name groups or districts control for multiple comparisons
        (``statistics.multiple_comparisons``: "fdr" or "holm")."""
        return self.run.params.statistics.multiple_comparisons

    @cached_property
    def year_on_year(self) -> pd.DataFrame:
        """:func:`counts.year_on_year` (unprotected; empty with fewer than 24 months)."""
        return counts.year_on_year(
            self.data, self.multiple_comparisons, self.rule.min_count_for_rate
        )

    @cached_property
    def _yoy_found(self) -> dict[str, str]:
        return findings.yoy_findings(self.year_on_year, self.headline, self.rule)

    @cached_property
    def fits(self) -> list[its.ItsFit]:
        """The trend model of every main series, the headline first."""
        return its.fit_main_series(self.data)

    @cached_property
    def _its_found(self) -> dict[str, str]:
        return findings.its_findings(self.fits[0], self.data.periods, self.comparisons)

    @cached_property
    def _effects(self) -> pd.DataFrame:
        return its.effects_table(self.fits)

    @cached_property
    def effects(self) -> PublishedTable:
        """``tables/trend_effects.csv``: every term of every trend model, as rate ratios."""
        return self.run.publish_table(
            self._effects,
            "trend_effects",
            counts=["count_basis"],
            rates={c: "count_basis" for c in ("rate_ratio", "lower95", "upper95", "p_value")},
            caption="Trend model: rate ratios of the trend and of every named period, per series",
        )

    @cached_property
    def headline_forecast(self) -> SeriesForecast:
        """The headline's backtest and forecast, or the reason there is none."""
        return forecast_series(self.data)

    # ------------------------------------------------------------------ the data
    def data_note(self) -> str:
        """What the chapter is based on and what these data cannot show."""
        return findings.data_note(self.data)

    # ------------------------------------------------------------------ monthly, yearly, weekly
    def monthly_figure(self) -> PublishedFigure:
        """``tables/trend_monthly.csv`` and the monthly chart of the main series.

        Secondary suppression keeps a withheld month from coming back from the rolling
        12-month totals, or from the headline's month minus its crime type groups or
        districts (:func:`counts.monthly_relations`).
        """
        monthly = self.run.publish_table(
            counts.monthly_counts(self.data),
            "trend_monthly",
            counts=["count", "rolling_12_month_total"],
            relations=lambda frame: counts.monthly_relations(frame, self.headline),
            # The main series' months are published in tables/monthly_series.csv too: a
            # complement there would be given away, so their rolling totals go instead.
            keep=lambda frame: {"count": frame["breakdown"].eq("Main series")},
            caption="Monthly counts and rolling 12-month totals: main series, crime type "
            "groups, districts",
        ).frame
        main = monthly[monthly["breakdown"] == "Main series"]
        labels = [s.label for s in self.data.main]
        title = self._yoy_found["title"]
        fig = charts.monthly_chart(main, labels, self.data.periods, title)
        return self.run.publish_figure(
            fig,
            "trend_monthly",
            title=title,
            alt=findings.monthly_alt(main, labels, self.data.missing_months),
            data=main,
            counts=["count", "rolling_12_month_total"],
        )

    def monthly_text(self) -> str:
        """The headline's change on the year before, per resident, and what the months
        without data do to it."""
        text = self._yoy_found["sentence"]
        gaps = findings.missing_note(self.data)
        caveat = self._yoy_incomplete()
        return " ".join(t for t in (text, caveat, gaps) if t)

    def _yoy_incomplete(self) -> str:
        """A warning when a month without data falls in a year compared year on year."""
        years = counts.comparison_years(self.data)
        if years is None or self.year_on_year.empty:
            return ""
        inside = [
            m
            for m in self.data.missing_months
            for _, first, last in years
            if pd.Timestamp(first) <= pd.Timestamp(f"{m}-01") <= pd.Timestamp(last)
        ]
        if not inside:
            return ""
        names = ", ".join(findings.month_name(m) for m in dict.fromkeys(inside))
        return (
            f"**Months without data:** {names} has no data, so the year-on-year counts of "
            "the year it falls in cover fewer months than the other year and are not like "
            "for like; the rate ratios and their intervals compare rates over the months "
            "with data only."
        )

    def _no_year_on_year(self, what: str) -> str:
        return (
            f"{what}: comparing a year with the one before needs at least {YOY_MIN_MONTHS} "
            f"full months, and this series has {self.data.full_months}."
        )

    def yoy_table(self) -> Output:
        """``tables/trend_year_on_year.csv``: every breakdown, this year against the last."""
        yoy = self.year_on_year
        if yoy.empty:
            return self._no_year_on_year("No year-on-year table")
        protected = counts.protect_ratio_table(yoy, self.rule, YOY_RATIOS, ["count_previous"])
        return self.run.publish_table(
            protected,
            "trend_year_on_year",
            counts=["count_previous", "count_current"],
            rates=dict.fromkeys(YOY_RATIOS, ["count_current", "count_previous"]),
            relations=lambda frame: counts.breakdown_relations(
                frame, self.headline, ["count_previous", "count_current"], []
            ),
            keep=lambda frame: frame["breakdown"].eq("Main series"),
            caption=f"Year on year: {yoy['current_period'].iloc[0]} against "
            f"{yoy['previous_period'].iloc[0]}, rates per resident",
            labels={
                "breakdown": "Breakdown",
                "series": "Series",
                "count_previous": "Previous year",
                "count_current": "This year",
                "rate_ratio": "Rate ratio",
                "lower95": "Lower 95%",
                "upper95": "Upper 95%",
                "change_pct": "Change (%)",
                "dispersion": "Dispersion",
                "p_adjusted": ADJUSTED_NAMES[self.multiple_comparisons],
                "note": "Note",
            },
            formats={
                "rate_ratio": ".2f",
                "lower95": ".2f",
                "upper95": ".2f",
                "change_pct": "+.0f",
                "dispersion": ".1f",
                "p_adjusted": ".3f",
            },
            show=[
                "breakdown",
                "series",
                "count_previous",
                "count_current",
                "rate_ratio",
                "lower95",
                "upper95",
                "change_pct",
                "dispersion",
                "p_adjusted",
                "note",
            ],  # fmt: skip
        )

    def yoy_text(self) -> str:
        """Which crime type groups and districts changed significantly."""
        if self.year_on_year.empty:
            return self._no_year_on_year("No year-on-year change by crime type or district")
        caveat = self._yoy_incomplete()
        text = findings.yoy_breakdown_sentence(
            self.year_on_year, self.multiple_comparisons, self.rule.min_count_for_rate
        )
        return f"{text} {caveat}" if caveat else text

    def weekly(self) -> str:
        """``tables/trend_weekly.csv``: complete weeks of the main series (record data)."""
        weekly = counts.weekly_counts(self.data)
        if weekly.empty:
            return "Weekly counts need offence dates, which public data do not have."
        self.run.publish_table(
            weekly,
            "trend_weekly",
            counts=["count"],
            caption="Weekly counts (Monday to Sunday) of the main series",
        )
        return findings.weekly_sentence(weekly)

    # ------------------------------------------------------------------ seasonality
    def stl_figure(self) -> Output | list[Output]:
        """``figures/trend_stl``: the seasonal-trend decomposition of each main series."""
        decompositions = seasonal.stl_all(self.data)
        if not decompositions:
            if self.data.full_months < seasonal.MIN_MONTHS_STL:
                return (
                    "No seasonal decomposition: STL needs at least "
                    f"{seasonal.MIN_MONTHS_STL} full months (two of each calendar month) "
                    f"and this series has {self.data.full_months}."
                )
            return "No seasonal decomposition: no main series has a crime in its full months."
        found = findings.stl_findings(decompositions, self.headline)
        stl_data = pd.concat(
            [d.assign(series=k) for k, d in decompositions.items()], ignore_index=True
        )
        fig = charts.stl_chart(decompositions, found["title"], threshold=self.rule.threshold)
        figure = self.run.publish_figure(
            fig,
            "trend_stl",
            title=found["title"],
            alt=found["alt"],
            data=stl_data,
            counts=["observed"],
            # observed = trend + seasonal + remainder: a withheld count must not come back.
            rates={"remainder": "observed"},
        )
        return [figure, found["sentence"]]

    def month_profile(self) -> Output | list[Output]:
        """``tables/trend_month_profile.csv`` and its chart: the month-of-year index."""
        profile = counts.month_profile(self.data)
        if profile.empty:
            return (
                "No month-of-year profile: it needs at least two of each calendar month "
                f"({YOY_MIN_MONTHS} full months), and this series has {self.data.full_months}."
            )
        published = self.run.publish_table(
            profile,
            "trend_month_profile",
            counts=["count"],
            rates={"mean_per_day": "count", "index": "count"},
            caption="Month-of-year profile (index 100 = average month)",
        )
        found = findings.profile_findings(profile, self.headline)
        fig = charts.month_profile_chart(published.frame, found["title"])
        figure = self.run.publish_figure(
            fig,
            "trend_month_profile",
            title=found["title"],
            alt=found["alt"],
            data=published.frame,
            counts=["count"],
        )
        return [figure, found["sentence"]]

    def day_hour(self) -> Output | list[Output]:
        """``tables/trend_day_hour.csv`` and its heatmap: day of week by hour (record data)."""
        table, summary = counts.day_hour(self.data)
        if table.empty:
            return (
                "No day of week by hour heatmap: public data give only the month of each "
                "crime, not its day or hour."
            )
        published = self.run.publish_table(
            table,
            "trend_day_hour",
            counts=["count"],
            caption=f"{self.headline} by day of week and hour, {summary['span']}",
        )
        found = findings.day_hour_findings(published.frame, summary, self.headline, self.rule)
        fig = charts.day_hour_heatmap(published.frame, found["title"])
        figure = self.run.publish_figure(
            fig,
            "trend_day_hour",
            title=found["title"],
            alt=found["alt"],
            data=published.frame,
            counts=["count"],
        )
        return [figure, found["sentence"]]

    # ------------------------------------------------------------------ named periods
    def model_figure(self) -> PublishedFigure:
        """``figures/trend_model``: the headline's observed, fitted and expected counts."""
        head = self.fits[0]
        months = self.data.months["month"]
        used = ~self.data.missing  # months without data: gaps in the chart and its data
        title = self._its_found["title"]
        fig = charts.its_chart(
            head, months, self.data.periods, title, threshold=self.rule.threshold, used=used
        )
        model_data = pd.DataFrame(
            {
                "month": months,
                "observed": charts.on_months(head.observed, used),
                "fitted": charts.on_months(head.fitted, used),
                "expected_without_periods": charts.on_months(head.counterfactual(), used),
                "missing": self.data.missing,
            }
        )
        return self.run.publish_figure(
            fig,
            "trend_model",
            title=title,
            alt=self._its_found["alt"] + findings.gap_words(self.data.missing_months),
            data=model_data,
            counts=["observed"],
        )

    def model_text(self) -> str:
        """The headline model's trend and the rate ratio of every named period."""
        return self._its_found["sentence"]

    def effects_figure(self) -> Output:
        """``figures/trend_effects``: forest plot of the named periods' rate ratios."""
        published = self.effects.frame
        found = findings.effects_findings(self._effects, self.headline, self.comparisons)
        if not found["alt"]:
            return found["title"] + "."
        fig = charts.effects_chart(published, found["title"])
        return self.run.publish_figure(
            fig,
            "trend_effects",
            title=found["title"],
            alt=found["alt"],
            data=published[published["term_type"] == "step"],
            counts=["count_basis"],
        )

    def effects_table(self) -> PublishedTable:
        """``tables/trend_effects_summary.csv``: trend and periods, a column per series.

        The CSV of :attr:`effects` has every term in long form; the chapter shows this one.
        """
        return self.run.publish_table(
            findings.effects_wide(self.effects.frame),
            "trend_effects_summary",
            caption="Rate ratios (95% CI) of the trend (per year) and of each named period, "
            "per series",
            counts=NO_COUNTS,  # rate ratios, from the protected effects table
            labels={"term": "Term"},
        )

    @cached_property
    def _diagnostics(self) -> pd.DataFrame:
        return its.diagnostics_table(self.fits)

    def season_profile(self) -> Output | list[Output]:
        """``tables/trend_model_season.csv`` and its chart: the model's seasonal profile.

        The month terms of the trend model are shown as one profile with intervals and one
        joint test per series, not as eleven tests.
        """
        profile = its.season_table(self.fits)
        if profile.empty:
            return (
                "No seasonal profile from the trend model: it has seasonal terms only with "
                "at least 24 full months, and this series has "
                f"{self.data.full_months}."
            )
        published = self.run.publish_table(
            profile,
            "trend_model_season",
            counts=["count_basis"],
            rates={c: "count_basis" for c in ("rate_ratio", "lower95", "upper95")},
            caption="Trend model: rate in each calendar month against the average month (95% CI)",
        )
        found = findings.season_findings(
            profile, self._diagnostics, self.headline, self.comparisons
        )
        fig = charts.season_profile_chart(published.frame, found["title"])
        figure = self.run.publish_figure(
            fig,
            "trend_model_season",
            title=found["title"],
            alt=found["alt"],
            data=published.frame,
            counts=["count_basis"],
            rates={c: "count_basis" for c in ("rate_ratio", "lower95", "upper95")},
        )
        return [figure, found["sentence"]]

    def diagnostics(self) -> list[str]:
        """``tables/trend_model_diagnostics.csv``, in words, and the periods not estimated."""
        table = self._diagnostics
        self.run.publish_table(
            table,
            "trend_model_diagnostics",
            counts=["events"],  # a short series' events can be small (found by the scanner)
            caption="Trend model diagnostics per series",
        )
        return [
            findings.diagnostics_sentences(table),
            findings.skipped_sentence(self.fits, self.data.periods),
        ]

    # ------------------------------------------------------------------ local lockdown
    def local(self) -> Output | list[Output]:
        """``tables/trend_local_did.csv`` and its chart: inside vs outside a local period."""
        results = did.did_all(self.data)
        if not results:
            return (
                "No named period in the parameters applies to part of the area "
                "(`periods.area_codes`), so there is no local comparison."
            )
        self.run.publish_table(
            did.did_table(results),
            "trend_local_did",
            counts=["events_inside_during"],
            rates={
                c: "events_inside_during" for c in ("rate_ratio", "lower95", "upper95", "p_value")
            },
            caption="Local periods: difference-in-differences, inside vs outside the area",
        )
        out: list[Output] = []
        head = next(r for r in results if r.series == self.headline)
        if head.estimated:
            found = findings.did_findings(head)
            fig = charts.did_chart(
                head, self.data.periods, found["title"], min_count=self.rule.min_count_for_rate
            )
            out.append(
                self.run.publish_figure(
                    fig,
                    "trend_local_did",
                    title=found["title"],
                    alt=found["alt"],
                    data=head.panel,
                    counts=["count"],
                    rates={"rate_per_100k_year": "count"},
                )
            )
        out.append(
            "\n\n".join(
                [findings.did_findings(r)["sentence"] for r in results]
                + [findings.did_together(results, self.comparisons)]
            )
        )
        return out

    # ------------------------------------------------------------------ forecast
    def _no_forecast(self, what: str) -> str:
        return f"No {what} of {self.headline.lower()}: {self.headline_forecast.reason}."

    def backtest(self) -> Output | list[Output]:
        """``tables/trend_forecast_errors.csv`` and the chart of the held-out year."""
        fc = self.headline_forecast
        if not fc.estimated:
            return self._no_forecast("backtest")
        found = findings.backtest_findings(fc)
        fig = charts.backtest_chart(fc, found["title"], threshold=self.rule.threshold)
        figure = self.run.publish_figure(
            fig,
            "trend_forecast_backtest",
            title=found["title"],
            alt=found["alt"],
            data=fc.backtest.predictions,
            counts=["observed"],
        )
        errors = self.run.publish_table(
            fc.backtest.errors,
            "trend_forecast_errors",
            caption="Backtest on the held-out year: errors and interval coverage of each model",
            counts=NO_COUNTS,  # model errors, not counts
            labels={
                "model": "Model",
                "mae": "Mean absolute error",
                "rmse": "RMSE",
                "mape_pct": "MAPE (%)",
                "coverage_80_pct": "In 80% interval (%)",
                "coverage_95_pct": "In 95% interval (%)",
                "chosen": "Chosen",
            },
            formats={
                "mae": ",.1f",
                "rmse": ",.1f",
                "mape_pct": ".1f",
                "coverage_80_pct": ".0f",
                "coverage_95_pct": ".0f",
            },
            show=[
                "model",
                "mae",
                "rmse",
                "mape_pct",
                "coverage_80_pct",
                "coverage_95_pct",
                "chosen",
            ],  # fmt: skip
        )
        self.run.publish_table(
            fc.backtest.predictions,
            "trend_forecast_backtest",
            counts=["observed"],
            caption="Backtest forecasts of the held-out year",
        )
        return [figure, errors, found["sentence"]]

    def forecast_figure(self) -> Output | list[Output]:
        """``tables/trend_forecast.csv`` and the chart of the next 12 months."""
        fc = self.headline_forecast
        if not fc.estimated:
            return self._no_forecast("forecast")
        found = findings.forecast_findings(fc)
        fig = charts.forecast_chart(fc, found["title"], threshold=self.rule.threshold)
        figure = self.run.publish_figure(
            fig,
            "trend_forecast",
            title=found["title"],
            alt=found["alt"],
            data=fc.forecast,
            counts=NO_COUNTS,  # predictions of a model, not counts of crimes
        )
        self.run.publish_table(
            fc.forecast,
            "trend_forecast",
            counts=NO_COUNTS,
            caption=f"Forecast of {self.headline.lower()}, next 12 months",
        )
        return [figure, found["sentence"]]
