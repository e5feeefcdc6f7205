"""Trends of serious violence: series, seasonality, interruptions, local lockdowns.

The trend chapter (``notebooks/03-trends.ipynb``) and the monitoring report read the run's
canonical data through :func:`trend_data` and then call one function per question:

- :mod:`snalib.chapters.trends.counts`: monthly and weekly counts (main series, crime type groups,
  districts), rolling 12-month totals, year-on-year change with exact Poisson CIs, the
  month-of-year profile and the day-of-week by hour table;
- :mod:`snalib.chapters.trends.seasonal`: STL decomposition and the strength of seasonality;
- :mod:`snalib.chapters.trends.design` and :mod:`snalib.chapters.trends.its`: the interrupted time series
  model of monthly counts (Poisson or negative binomial GLM, chosen by a documented
  overdispersion test) with a term for every named period of the parameters;
- :mod:`snalib.chapters.trends.did`: difference-in-differences inside and outside a local
  lockdown area, with the parallel trends check;
- :mod:`snalib.chapters.trends.findings`: titles, alt text and sentences computed from the numbers.

Forecasts are in :mod:`snalib.chapters.trends.forecast`, XmR monitoring in :mod:`snalib.chapters.monitoring.xmr`,
figures in :mod:`snalib.chapters.trends.charts`. ``docs/methods.md`` section 8 documents every model.
"""

from snalib.chapters.trends.data import MainSeries, TrendData, trend_data, trend_data_from_frames

__all__ = ["MainSeries", "TrendData", "trend_data", "trend_data_from_frames"]
