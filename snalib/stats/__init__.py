"""Standard public health statistics (OHID / PHE Fingertips practice).

One module per statistic; every function is vectorised and returns a DataFrame that
carries its value, limits, confidence level, statistic and method, with a ``note`` saying
why any value is missing or not published. See ``docs/methods-stats.md``.
"""

from snalib.stats.dsr import directly_standardised_rate, load_esp2013, normalise_age_band
from snalib.stats.funnel import (
    SIGNIFICANCE_LABELS,
    funnel_axis_points,
    proportion_funnel_limits,
    proportion_funnel_significance,
    rate_funnel_limits,
    rate_funnel_points,
    rate_funnel_significance,
    ratio_funnel_limits,
    ratio_funnel_significance,
)
from snalib.stats.isr import (
    indirectly_standardised_rate,
    indirectly_standardised_ratio,
    standardised_ratio,
)
from snalib.stats.multiple import adjust as adjust_multiple
from snalib.stats.overdispersion import (
    proportion_funnel_overdispersion,
    rate_funnel_overdispersion,
    ratio_funnel_overdispersion,
)
from snalib.stats.period_change import (
    PeriodChange,
    days_inside,
    exact_change,
    period_rate_ratio,
)
from snalib.stats.proportions import proportion, wilson_limits
from snalib.stats.rates import byar_limits, crude_rate, exact_poisson_limits
from snalib.stats.ratios import minimum_detectable_ratio, rate_ratio

__all__ = [
    "SIGNIFICANCE_LABELS",
    "PeriodChange",
    "adjust_multiple",
    "byar_limits",
    "crude_rate",
    "days_inside",
    "directly_standardised_rate",
    "exact_change",
    "exact_poisson_limits",
    "funnel_axis_points",
    "indirectly_standardised_rate",
    "indirectly_standardised_ratio",
    "load_esp2013",
    "minimum_detectable_ratio",
    "normalise_age_band",
    "period_rate_ratio",
    "proportion",
    "proportion_funnel_limits",
    "proportion_funnel_overdispersion",
    "proportion_funnel_significance",
    "rate_funnel_limits",
    "rate_funnel_overdispersion",
    "rate_funnel_points",
    "rate_funnel_significance",
    "rate_ratio",
    "ratio_funnel_limits",
    "ratio_funnel_overdispersion",
    "ratio_funnel_significance",
    "standardised_ratio",
    "wilson_limits",
]
