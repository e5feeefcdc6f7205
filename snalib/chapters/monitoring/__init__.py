"""Monitoring: XmR statistical process control charts by week, month or quarter.

The monitoring notebook (``notebooks/05-monitoring.ipynb``, in the SNA monthly and in the
board's report of ``sna report monitoring`` by any period) builds one
:class:`snalib.chapters.monitoring.chapter.MonitoringChapter` and shows one call per cell.
The work is done by:

- :mod:`snalib.chapters.monitoring.xmr`: the XmR method for any series (process limits, the
  special cause rules);
- :mod:`snalib.chapters.monitoring.periods`: counts per complete week, month or financial
  quarter, the baseline the limits come from, the latest period against a year earlier;
- :mod:`snalib.chapters.monitoring.findings` and :mod:`snalib.chapters.monitoring.charts`:
  the report's sentences and its XmR chart.
"""
