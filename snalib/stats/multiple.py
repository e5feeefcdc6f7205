"""Multiple comparisons: one helper for every finding that names several things as unusual.

A chapter that tests many districts, crime groups, months or areas and names the ones
"significantly" different will, under no true difference, name some by chance: with 20
tests at 5%, about one. Every such finding goes through :func:`adjust`, which controls
either

- the **false discovery rate** (``method="fdr"``, Benjamini and Hochberg 1995): among the
  things named, the expected share named wrongly is at most ``alpha``; or
- the **family-wise error rate** (``method="holm"``, Holm 1979): the chance of naming
  anything wrongly is at most ``alpha``; stricter, for short lists where one false name
  matters.

Both are computed by ``statsmodels.stats.multitest.multipletests``; missing p-values (a
test that could not be done) are left missing and are not counted as tests.
:func:`describe` gives the sentence the chapters print beside the finding, so that the text
always says what was controlled and over how many tests.

References
----------
Benjamini Y, Hochberg Y. Controlling the false discovery rate: a practical and powerful
approach to multiple testing. J R Stat Soc B 1995;57:289-300.

Holm S. A simple sequentially rejective multiple test procedure. Scand J Stat 1979;6:65-70.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

#: Parameter value -> statsmodels method name.
_METHODS = {"fdr": "fdr_bh", "holm": "holm"}
#: Parameter value -> words for the text.
METHOD_WORDS = {
    "fdr": "the false discovery rate (Benjamini-Hochberg)",
    "holm": "the family-wise error rate (Holm)",
}
#: Parameter value -> name of the adjusted p-value, as tables label it.
ADJUSTED_NAMES = {"fdr": "q-value (Benjamini-Hochberg)", "holm": "p-value (Holm-adjusted)"}


@dataclass(frozen=True)
class Adjusted:
    """The result of :func:`adjust`, aligned with the p-values given.

    ``p_adjusted`` is the Benjamini-Hochberg q-value or the Holm-adjusted p-value (NaN where
    the p-value was missing); ``significant`` is True where it is at most ``alpha``;
    ``n_tests`` counts the p-values that were not missing.
    """

    p_adjusted: np.ndarray
    significant: np.ndarray
    method: str
    alpha: float
    n_tests: int

    @property
    def n_significant(self) -> int:
        return int(self.significant.sum())


def _check_method(method: str) -> str:
    if method not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)}, not {method!r}")
    return method


def adjust(p_values, method: str = "fdr", alpha: float = 0.05) -> Adjusted:
    """Adjust a family of p-values for multiple comparisons.

    Parameters
    ----------
    p_values
        One p-value per test, in any order; NaN for a test that could not be done.
    method
        ``"fdr"`` (Benjamini-Hochberg) or ``"holm"``.
    alpha
        The level controlled (0.05: a false discovery rate, or family-wise error rate, of
        5%).
    """
    _check_method(method)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}")
    p = np.asarray(pd.to_numeric(pd.Series(p_values, dtype=object)), dtype=float)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must lie between 0 and 1")
    known = ~np.isnan(p)
    adjusted = np.full(p.shape, np.nan)
    significant = np.zeros(p.shape, dtype=bool)
    if known.any():
        reject, p_adj, _, _ = multipletests(p[known], alpha=alpha, method=_METHODS[method])
        adjusted[known] = p_adj
        significant[known] = reject
    return Adjusted(adjusted, significant, method, alpha, int(known.sum()))


def describe(result: Adjusted, what: str = "comparisons") -> str:
    """The sentence a chapter prints beside a finding adjusted by :func:`adjust`.

    For example: "Across 12 comparisons, the false discovery rate (Benjamini-Hochberg) is
    controlled at 5%."
    """
    tests = "1 comparison" if result.n_tests == 1 else f"{result.n_tests} {what}"
    return (
        f"Across {tests}, {METHOD_WORDS[result.method]} is controlled at {result.alpha * 100:g}%."
    )
