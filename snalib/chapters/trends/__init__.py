"""Trends of serious violence: series, seasonality, interruptions, local lockdowns.

The trend chapter (``notebooks/03-trends.ipynb``) builds one
:class:`snalib.chapters.trends.chapter.TrendsChapter` from the run, which reads the run's
canonical data through :func:`trend_data` and answers each question of the chapter with
one call (one per notebook cell). The work is done by:

- :mod:`snalib.chapters.trends.data`: one row per crime in scope, the months and the
  population (the main series are those of :mod:`snalib.definition.series`);
- :mod:`snalib.chapters.trends.counts`: monthly and weekly counts (main series, crime type
  groups, districts), rolling 12-month totals, year-on-year change with exact Poisson CIs,
  the month-of-year profile and the day-of-week by hour table;
- :mod:`snalib.chapters.trends.seasonal`: STL decomposition and the strength of seasonality;
- :mod:`snalib.chapters.trends.design` and :mod:`snalib.chapters.trends.its`: the
  interrupted time series model of monthly counts (Poisson or negative binomial GLM, chosen
  by a documented overdispersion test) with a term for every named period of the parameters;
- :mod:`snalib.chapters.trends.did`: difference-in-differences inside and outside a local
  lockdown area, with the parallel trends check;
- :mod:`snalib.chapters.trends.forecast`: SARIMA or exponential smoothing, chosen by a
  backtest on the held-out year;
- :mod:`snalib.chapters.trends.findings` and :mod:`snalib.chapters.trends.charts`: titles,
  alt text and sentences computed from the numbers, and the figures.

XmR monitoring is the chapter :mod:`snalib.chapters.monitoring`. ``docs/methods.md`` section
8 documents every model.
"""

from snalib.chapters.trends.data import TrendData, trend_data, trend_data_from_frames

__all__ = ["TrendData", "trend_data", "trend_data_from_frames"]
