"""Funnel plots that allow for overdispersion (Spiegelhalter 2005).

Poisson (or binomial) funnel limits assume that units (districts, hospitals) differ only
by chance. Real units differ more than that: their counts are *overdispersed*, and with
large units most of them fall outside Poisson limits. Spiegelhalter (2005) widens the
limits by the extra variation, estimated from the units themselves:

1. **z-scores.** Each unit's indicator y_i is compared with the target theta0 on a scale
   where its standard error s_i is known under the null: ``z_i = (y_i - theta0) / s_i``.
   Ratios (observed / expected) and rates use the square-root scale
   (``y = sqrt(O / E)``, ``theta0 = 1``, ``s = 1 / (2 sqrt(E))``, so
   ``z = 2 (sqrt(O) - sqrt(E))``), as the CQC and FunnelPlotR do; proportions the plain
   scale (``s = sqrt(p0 (1 - p0) / n)``) or the arcsine scale.
2. **Winsorising.** The z-scores below the ``share`` quantile are set to it, and those
   above the ``1 - share`` quantile likewise (10% at each end by default), so that true
   outliers do not inflate the estimate.
3. **Dispersion.** ``phi = (1/n) sum z_w**2``. Spiegelhalter uses this directly; it is
   biased low, because Winsorising shrinks the spread even of units with no outliers
   (for 10% at each end, to 0.68-0.72 of it under the null, depending on n). Here it is
   divided by that factor, computed exactly for n standard normal z-scores
   (:func:`winsorised_normal_mean_square`), so that phi is about 1 for units that vary
   only by chance. ``corrected=False`` gives Spiegelhalter's uncorrected estimate.
4. **Limits.**

   - *multiplicative*: ``theta0 +/- q sqrt(phi) s_i`` (quasi-likelihood: every variance
     is phi times the Poisson one), applied when phi > 1;
   - *additive random effects*: ``theta0 +/- q sqrt(s_i**2 + tau2)``, with tau2 from the
     DerSimonian-Laird moment estimator ``tau2 = (n phi - (n - 1)) / (sum w - sum w**2 /
     sum w)``, ``w = 1 / s**2``, truncated at 0, applied when tau2 > 0.

   q is the standard normal quantile (1.96 for 95%, 3.09 for 99.8%) for the additive
   limits. For the multiplicative limits it is the quantile of Student's t with n - 1
   degrees of freedom (``corrected=True``): phi is estimated from the same n units, and
   quasi-likelihood refers a statistic scaled by an estimated dispersion to t. With
   normal quantiles the multiplicative limits flagged 6-7% of districts at the 95% limits
   in the simulations of docs/methods.md section 9, against a target of at most 6%.

   When no overdispersion is found (phi <= 1, tau2 = 0, or fewer than
   :data:`MIN_UNITS` units), the limits are the exact Poisson (binomial: Wilson) limits
   of :mod:`snalib.stats.funnel`, and the words say so.

Each unit's flag compares it with the limits at its own size: its *adjusted* z-score,
``z / sqrt(phi)`` or ``(y - theta0) / sqrt(s**2 + tau2)``, against q.

References
----------
Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
2005;24:1185-202.

Spiegelhalter DJ. Handling over-dispersion of performance indicators. Qual Saf Health Care
2005;14:347-51.

DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials
1986;7:177-88.

McCullagh P, Nelder JA. Generalized linear models, 2nd ed. London: Chapman & Hall; 1989.
(Quasi-likelihood: dispersion estimated from the data, t and F reference distributions.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import integrate, special, stats

from snalib.stats._common import (
    broadcast_inputs,
    check_multiplier,
    check_non_negative,
    check_positive,
    missing_note,
    output_frame,
    two_sided_z,
)
from snalib.stats.funnel import (
    FUNNEL_LEVELS,
    HIGH_975,
    HIGH_999,
    LOW_975,
    LOW_999,
    _label,
    _proportion_limit,
    proportion_funnel_significance,
    ratio_funnel_significance,
)

#: Values of the ``method`` argument (``params.statistics.funnel_method``).
FUNNEL_METHODS = ("poisson", "multiplicative", "additive")
#: Fewer units than this: the dispersion is not estimated and the limits stay Poisson.
MIN_UNITS = 3

_METHOD_WORDS = {
    "poisson": "Poisson limits",
    "multiplicative": "multiplicative overdispersion (Spiegelhalter 2005)",
    "additive": "additive random effects (Spiegelhalter 2005)",
}
_SUFFIX = {0.95: "95", 0.998: "99_8"}


# Winsorising and the dispersion estimate ------------------------------------------------


def winsorise(z, share: float = 0.1) -> np.ndarray:
    """z-scores with those beyond the ``share`` and ``1 - share`` quantiles set to them.

    Quantiles are the usual linear interpolation between order statistics (numpy's
    default; R's type 7, as FunnelPlotR uses). Missing values stay missing.
    """
    _check_share(share)
    z = np.asarray(z, dtype=float)
    present = z[~np.isnan(z)]
    if share == 0 or present.size == 0:
        return z.copy()
    low, high = np.quantile(present, [share, 1 - share])
    return np.where(np.isnan(z), np.nan, np.clip(z, low, high))


def _check_share(share: float) -> None:
    if not 0 <= share < 0.5:
        raise ValueError(f"winsorise share must be at least 0 and below 0.5, got {share}")


@lru_cache(maxsize=256)
def winsorised_normal_mean_square(n: int, share: float = 0.1) -> float:
    """Expected mean square of n standard normal z-scores Winsorised by :func:`winsorise`.

    The consistency factor of the Winsorised dispersion estimate: Spiegelhalter's
    ``(1/n) sum z_w**2`` has this expectation, not 1, when the units vary only by chance.
    Computed exactly (to quadrature accuracy) from the moments of normal order
    statistics: with ``h = share (n - 1)``, ``j = floor(h)``, ``f = h - j``, the lowest
    ``a = j + 1`` values become ``L = (1 - f) z_(a) + f z_(a+1)``, the highest likewise,
    so ``E[sum z_w**2] = 2 a E[L**2] + n - 2 sum_{i<=a} E[z_(i)**2]``.

    Parameters
    ----------
    n : int
        Number of z-scores (at least 2).
    share : float, default 0.1
        Share Winsorised at each end.

    Returns
    -------
    float
        1 when ``share`` is 0; about 0.72 for n = 8 and 0.68 for large n at 10%.
    """
    _check_share(share)
    if n < 2:
        raise ValueError("need at least 2 z-scores")
    if share == 0:
        return 1.0
    h = share * (n - 1)
    j = int(np.floor(h + 1e-12))
    f = h - j
    a = j + 1
    x = np.linspace(-10.0, 10.0, 40_001)
    log_below, log_above = special.log_ndtr(x), special.log_ndtr(-x)
    log_density = stats.norm.logpdf(x)

    def second_moment(i: int) -> float:
        """E[z_(i)**2]."""
        log_c = special.gammaln(n + 1) - special.gammaln(i) - special.gammaln(n - i + 1)
        weight = np.exp(log_c + (i - 1) * log_below + (n - i) * log_above + log_density)
        return float(integrate.trapezoid(x**2 * weight, x))

    def cross_moment(i: int) -> float:
        """E[z_(i) z_(i+1)], from the joint density of consecutive order statistics.

        ``C int y phi(y) (1 - F(y))**(n-i-1) G(y) dy`` with ``G(y) = int_{x<y} x F(x)**(i-1)
        phi(x) dx``; G's positive and negative parts are accumulated on the log scale,
        since C is astronomically large and G tiny where the integrand matters.
        """
        log_c = special.gammaln(n + 1) - special.gammaln(i) - special.gammaln(n - i)
        log_inner = (i - 1) * log_below + log_density
        log_step = np.log(x[1] - x[0])
        outer = np.zeros_like(x)
        for sign in (1, -1):
            with np.errstate(divide="ignore"):
                log_term = np.log(np.maximum(sign * x, 0.0)) + log_inner
            # cumulative trapezoid: (f_k + f_{k+1}) / 2 per step, on the log scale
            pairs = np.logaddexp(log_term[:-1], log_term[1:]) - np.log(2) + log_step
            log_part = np.concatenate([[-np.inf], np.logaddexp.accumulate(pairs)])
            with np.errstate(divide="ignore"):
                log_outer = log_c + (n - i - 1) * log_above + log_density + np.log(np.abs(x))
            outer += sign * np.sign(x) * np.exp(log_outer + log_part)
        return float(integrate.trapezoid(outer, x))

    if f > 0:
        bound = (1 - f) ** 2 * second_moment(a) + f**2 * second_moment(a + 1)
        bound += 2 * f * (1 - f) * cross_moment(a)
    else:
        bound = second_moment(a)
    tails = sum(second_moment(i) for i in range(1, a + 1))
    return (2 * a * bound + n - 2 * tails) / n


@dataclass(frozen=True)
class Dispersion:
    """The overdispersion estimate of a funnel plot and the limits it leads to.

    Attributes
    ----------
    method
        The method asked for: "poisson", "multiplicative" or "additive".
    applied
        The limits used: the method asked for, or "poisson" when no overdispersion was
        found (``reason`` says why).
    n_units
        Units with a z-score (the estimate's sample size).
    winsorise
        Share Winsorised at each end.
    phi
        The dispersion estimate used (Winsorised; corrected for Winsorising when
        ``corrected``). NaN when not estimated.
    phi_uncorrected
        Spiegelhalter's ``(1/n) sum z_w**2``.
    consistency
        :func:`winsorised_normal_mean_square` for these n and share (1 if not corrected).
    q_statistic, p_value
        ``sum z**2`` (not Winsorised) and its chi-square (n - 1 degrees of freedom) upper
        tail: the test of "no more variation than chance" (Cochran's Q with a fixed
        target).
    tau2
        Between-unit variance on the z-score scale (additive; 0 otherwise).
    corrected
        Whether phi is corrected for Winsorising and the multiplicative limits use t.
    reason
        Why the limits are Poisson, when they are; "" otherwise.
    scale
        Scale of the z-scores ("square root", "identity" or "arcsine").
    """

    method: str
    applied: str
    n_units: int
    winsorise: float
    phi: float
    phi_uncorrected: float
    consistency: float
    q_statistic: float
    p_value: float
    tau2: float
    corrected: bool
    reason: str
    scale: str

    @property
    def adjusted(self) -> bool:
        """True when the limits are widened for overdispersion."""
        return self.applied != "poisson"

    def quantile(self, level: float) -> float:
        """The multiple of the standard error at which a two-sided limit at ``level`` lies."""
        if self.applied == "multiplicative" and self.corrected:
            return float(stats.t.ppf(0.5 + level / 2, self.n_units - 1))
        return two_sided_z(level)

    @property
    def method_words(self) -> str:
        """E.g. "additive random effects (Spiegelhalter 2005)", or "Poisson limits"."""
        return _METHOD_WORDS[self.applied]

    def describe(self, units: str = "districts") -> str:
        """One or two sentences saying what the limits allow for, with the estimates."""
        if self.applied == "additive":
            spread = (
                f" (a coefficient of variation of about {2 * np.sqrt(self.tau2):.2f} in the rate)"
                if self.scale == "square root"
                else ""
            )
            return (
                f"The limits allow for variation between {units} beyond chance (additive "
                f"random effects, Spiegelhalter 2005): the between-{units[:-1]} variance "
                f"tau2 = {self.tau2:.3g} on the square-root scale{spread} was estimated by the "
                f"DerSimonian-Laird method from the {self.n_units} {units}' Winsorised "
                f"z-scores (a share of {self.winsorise:g} Winsorised at each end; dispersion phi = "
                f"{self.phi:.2f}, {_p(self.p_value)} for no more variation than chance)."
            )
        if self.applied == "multiplicative":
            return (
                f"The limits allow for variation between {units} beyond chance "
                f"(multiplicative overdispersion, Spiegelhalter 2005): they are widened by "
                f"the square root of the dispersion phi = {self.phi:.2f}, estimated from "
                f"the {self.n_units} {units}' Winsorised z-scores (a share of {self.winsorise:g} "
                f"Winsorised at each end; {_p(self.p_value)} for no more variation than chance)"
                + (
                    f", with Student's t quantiles on {self.n_units - 1} degrees of freedom."
                    if self.corrected
                    else "."
                )
            )
        return self.reason

    def as_columns(self) -> dict[str, object]:
        """The estimate as table columns (repeated on every row of a funnel table)."""
        return {
            "funnel_method": self.method_words,
            "phi": self.phi,
            "tau2": self.tau2,
        }


def _p(p_value: float) -> str:
    """ "p = 0.123" or "p < 0.001"."""
    if np.isnan(p_value):
        return "not tested"
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def estimate_dispersion(
    z,
    s,
    method: str = "additive",
    winsorise_share: float = 0.1,
    corrected: bool = True,
    scale: str = "square root",
    units: str = "districts",
) -> Dispersion:
    """Estimate the overdispersion of a funnel plot's units from their z-scores.

    Parameters
    ----------
    z : array-like
        Each unit's z-score ``(y - theta0) / s`` (NaN for a unit left out).
    s : array-like
        Each unit's standard error under the null on the same scale (for tau2).
    method : {"poisson", "multiplicative", "additive"}, default "additive"
    winsorise_share : float, default 0.1
        Share of z-scores Winsorised at each end (``params.statistics.funnel_winsorise``).
    corrected : bool, default True
        Divide phi by :func:`winsorised_normal_mean_square`, and use t quantiles for the
        multiplicative limits; False gives Spiegelhalter's estimates as published.
    scale : str
        Name of the z-scores' scale, carried into the result.
    units : str
        What the units are called, for the reason given when the limits stay Poisson.

    Returns
    -------
    Dispersion
    """
    if method not in FUNNEL_METHODS:
        raise ValueError(f"method must be one of {FUNNEL_METHODS}, got {method!r}")
    _check_share(winsorise_share)
    z = np.asarray(z, dtype=float)
    s = np.asarray(s, dtype=float)
    use = ~np.isnan(z) & ~np.isnan(s)
    z, s = z[use], s[use]
    n = int(z.size)
    base = {
        "method": method,
        "n_units": n,
        "winsorise": winsorise_share,
        "corrected": corrected,
        "scale": scale,
    }
    if n < MIN_UNITS:
        return Dispersion(
            applied="poisson", phi=np.nan, phi_uncorrected=np.nan, consistency=np.nan,
            q_statistic=np.nan, p_value=np.nan, tau2=0.0,
            reason=(
                f"The limits are Poisson limits: with {n} {units}, the variation between "
                f"{units} cannot be estimated (at least {MIN_UNITS} are needed)."
            ),
            **base,
        )  # fmt: skip
    phi_uncorrected = float(np.mean(winsorise(z, winsorise_share) ** 2))
    consistency = winsorised_normal_mean_square(n, winsorise_share) if corrected else 1.0
    phi = phi_uncorrected / consistency
    q_statistic = float(np.sum(z**2))
    p_value = float(stats.chi2.sf(q_statistic, n - 1))
    w = 1 / s**2
    tau2 = max(0.0, (n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    estimates = {
        "phi": phi,
        "phi_uncorrected": phi_uncorrected,
        "consistency": consistency,
        "q_statistic": q_statistic,
        "p_value": p_value,
    }
    found = {"poisson": False, "multiplicative": phi > 1, "additive": tau2 > 0}[method]
    if method == "poisson":
        reason = (
            f"The limits are Poisson limits: they allow for chance alone, not for variation "
            f"between {units} beyond chance (dispersion phi = {phi:.2f}, {_p(p_value)} "
            "for no more variation than chance)."
        )
    elif not found:
        reason = (
            f"The limits are Poisson limits: the {units} vary no more than chance would "
            f"make them (dispersion phi = {phi:.2f} from their Winsorised z-scores, "
            f"{'no' if phi <= 1 else 'so no'} between-{units[:-1]} variance), so there is "
            "no overdispersion to allow for."
        )
    else:
        reason = ""
    return Dispersion(
        applied=method if found else "poisson",
        tau2=tau2 if (found and method == "additive") else 0.0,
        reason=reason,
        **estimates,
        **base,
    )


def adjusted_z(z, s, dispersion: Dispersion) -> np.ndarray:
    """Each unit's z-score against the adjusted limits: compare with ``quantile(level)``.

    ``z / sqrt(phi)`` (multiplicative) or ``z s / sqrt(s**2 + tau2)`` (additive); z itself
    when the limits are Poisson.
    """
    z = np.asarray(z, dtype=float)
    s = np.asarray(s, dtype=float)
    if dispersion.applied == "multiplicative":
        return z / np.sqrt(dispersion.phi)
    if dispersion.applied == "additive":
        return z * s / np.sqrt(s**2 + dispersion.tau2)
    return z.copy()


def _adjusted_labels(z_adj: np.ndarray, dispersion: Dispersion) -> np.ndarray:
    q95, q998 = dispersion.quantile(0.95), dispersion.quantile(0.998)
    with np.errstate(invalid="ignore"):
        labels = _label(z_adj < -q998, z_adj < -q95, z_adj > q998, z_adj > q95)
    labels[np.isnan(z_adj)] = np.nan
    return labels


# Ratios (observed / expected) and rates -----------------------------------------------------


def _exact_ratio_limit(expected: np.ndarray, level: float, side: int) -> np.ndarray:
    """The exact Poisson funnel limit (a ratio O / E) at expected count E.

    The curve :func:`~snalib.stats.ratio_funnel_limits` draws through whole event counts,
    solved for a continuous O: the lower limit is O / E where the exact upper confidence
    limit of O, chi2(1 - a/2; 2O + 2)/2, equals E, i.e. where the regularised incomplete
    gamma function P(O + 1, E) = 1 - a/2 (0 while that O would be negative: no unit of
    that size could be low); the upper limit where chi2(a/2; 2O)/2 = E, i.e.
    P(O, E) = a/2. ``scipy.special.gdtrib`` solves P(shape, E) = p for the shape.
    """
    expected = np.asarray(expected, dtype=float)
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        if side < 0:
            observed = np.maximum(special.gdtrib(1.0, 1 - alpha / 2, expected) - 1, 0.0)
        else:
            observed = special.gdtrib(1.0, alpha / 2, expected)
    return observed / expected


@dataclass
class OverdispersedFunnel:
    """A funnel plot's units with overdispersion-adjusted limits and flags.

    ``units`` has one row per unit (see the function that made it); ``dispersion`` the
    estimate; :meth:`limits` the limits at any sizes, for drawing.
    """

    units: pd.DataFrame
    dispersion: Dispersion
    _limits: object = field(repr=False)

    def limits(self, sizes) -> pd.DataFrame:
        """Limits at the given sizes (expected counts, populations or denominators).

        Returns a DataFrame: ``size``, ``lower95``, ``upper95``, ``lower99_8``,
        ``upper99_8`` (on the units' value scale), ``baseline`` and ``method``.
        """
        sizes = np.asarray(sizes, dtype=float)
        frame = pd.DataFrame({"size": sizes})
        for name, values in self._limits(sizes).items():
            frame[name] = values
        frame["method"] = self.dispersion.method_words
        return frame


def _ratio_limits(
    expected: np.ndarray, dispersion: Dispersion, scale: str, multiplier: float
) -> dict[str, np.ndarray]:
    """Limits of O / E (times ``multiplier``) at expected counts ``expected``."""
    columns: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for level in FUNNEL_LEVELS:
            suffix = _SUFFIX[level]
            if not dispersion.adjusted:
                lower = _exact_ratio_limit(expected, level, -1)
                upper = _exact_ratio_limit(expected, level, 1)
            else:
                s = 1 / (2 * np.sqrt(expected)) if scale == "sqrt" else 1 / np.sqrt(expected)
                if dispersion.applied == "multiplicative":
                    spread = np.sqrt(dispersion.phi) * s
                else:
                    spread = np.sqrt(s**2 + dispersion.tau2)
                half = dispersion.quantile(level) * spread
                if scale == "sqrt":
                    lower = np.maximum(1 - half, 0.0) ** 2
                    upper = (1 + half) ** 2
                else:
                    lower, upper = np.maximum(1 - half, 0.0), 1 + half
            columns[f"lower{suffix}"] = lower * multiplier
            columns[f"upper{suffix}"] = upper * multiplier
    columns["baseline"] = np.full(expected.shape, multiplier)
    return columns


def ratio_funnel_overdispersion(
    observed,
    expected,
    method: str = "additive",
    winsorise_share: float = 0.1,
    multiplier: float = 1,
    scale: str = "sqrt",
    corrected: bool = True,
    units: str = "districts",
) -> OverdispersedFunnel:
    """Funnel plot of observed / expected events, with limits allowing for overdispersion.

    Parameters
    ----------
    observed, expected : array-like or pandas.Series
        Observed events (zero or more) and expected events (greater than zero) per unit.
        Units with a missing value are left out of the estimate.
    method : {"poisson", "multiplicative", "additive"}, default "additive"
    winsorise_share : float, default 0.1
    multiplier : float, default 1
        Scale of the ratio (1 or 100 = as expected).
    scale : {"sqrt", "identity"}, default "sqrt"
        Scale of the z-scores: ``2 (sqrt(O) - sqrt(E))`` or ``(O - E) / sqrt(E)``.
    corrected : bool, default True
        See :func:`estimate_dispersion`.
    units : str, default "districts"
        What the units are called, in the words.

    Returns
    -------
    OverdispersedFunnel
        ``units``: ``observed``, ``expected``, ``value`` (O / E x multiplier), ``z``,
        ``z_winsorised``, ``z_adjusted``, ``lower95``, ``upper95``, ``lower99_8``,
        ``upper99_8`` (limits at the unit's expected count, by the limits applied),
        ``significance`` (the five labels of :data:`~snalib.stats.SIGNIFICANCE_LABELS`),
        ``method`` and ``note``. When the limits are Poisson the labels are those of
        :func:`~snalib.stats.ratio_funnel_significance` (Byar at 10+ events, exact below).
    """
    if scale not in ("sqrt", "identity"):
        raise ValueError(f'scale must be "sqrt" or "identity", got {scale!r}')
    multiplier = check_multiplier(multiplier)
    inputs, index = broadcast_inputs(observed=observed, expected=expected)
    o, e = inputs["observed"], inputs["expected"]
    check_non_negative(o, "observed")
    check_positive(e, "expected")
    with np.errstate(invalid="ignore", divide="ignore"):
        if scale == "sqrt":
            z, s = 2 * (np.sqrt(o) - np.sqrt(e)), 1 / (2 * np.sqrt(e))
        else:
            z, s = (o - e) / np.sqrt(e), 1 / np.sqrt(e)
    words = "square root" if scale == "sqrt" else "identity"
    dispersion = estimate_dispersion(z, s, method, winsorise_share, corrected, words, units)
    z_adj = adjusted_z(z, s, dispersion)
    if dispersion.adjusted:
        labels = _adjusted_labels(z_adj, dispersion)
    else:
        usable = ~np.isnan(o) & ~np.isnan(e)
        labels = np.full(len(o), np.nan, dtype=object)
        labels[usable] = ratio_funnel_significance(o[usable], e[usable])["significance"]

    def limits(sizes: np.ndarray) -> dict[str, np.ndarray]:
        return _ratio_limits(sizes, dispersion, scale, multiplier)

    columns: dict[str, object] = {
        "observed": o,
        "expected": e,
        "value": o / e * multiplier,
        "z": z,
        "z_winsorised": winsorise(z, winsorise_share),
        "z_adjusted": z_adj,
    }
    columns.update({k: v for k, v in limits(e).items() if k != "baseline"})
    columns.update(
        {
            "significance": labels,
            "method": dispersion.method_words,
            "note": missing_note({"observed": np.isnan(o), "expected": np.isnan(e)}),
        }
    )
    return OverdispersedFunnel(output_frame(columns, index), dispersion, limits)


def rate_funnel_overdispersion(
    count,
    denominator,
    method: str = "additive",
    winsorise_share: float = 0.1,
    multiplier: float = 100_000,
    baseline: float | None = None,
    corrected: bool = True,
    units: str = "districts",
) -> OverdispersedFunnel:
    """Funnel plot of crude rates, with limits allowing for overdispersion.

    A rate's funnel is a ratio funnel: with baseline rate r0 (per person), the expected
    count of a unit with denominator N is ``E = r0 N`` and its rate is ``(O / E) r0``.

    Parameters
    ----------
    count : array-like or pandas.Series
        Events per unit.
    denominator : array-like or pandas.Series
        Population (or person-time) per unit, greater than zero.
    method, winsorise_share, corrected, units
        As :func:`ratio_funnel_overdispersion`.
    multiplier : float, default 100_000
    baseline : float, optional
        Rate to compare with, per ``multiplier``; default the pooled rate of the units.

    Returns
    -------
    OverdispersedFunnel
        ``units`` as :func:`ratio_funnel_overdispersion`, with ``count``, ``denominator``
        in place of ``observed`` (``expected`` kept), ``value`` and limits per
        ``multiplier``; :meth:`OverdispersedFunnel.limits` takes denominators.
    """
    multiplier = check_multiplier(multiplier)
    inputs, index = broadcast_inputs(count=count, denominator=denominator)
    counts, n = inputs["count"], inputs["denominator"]
    check_non_negative(counts, "count")
    check_positive(n, "denominator")
    usable = ~np.isnan(counts) & ~np.isnan(n)
    if baseline is None:
        if not usable.any():
            raise ValueError("no unit has both a count and a denominator")
        per_person = float(counts[usable].sum() / n[usable].sum())
    else:
        per_person = float(baseline) / multiplier
    if per_person <= 0:
        raise ValueError("the baseline rate must be greater than zero")
    ratio = ratio_funnel_overdispersion(
        counts, n * per_person, method, winsorise_share, per_person * multiplier,
        corrected=corrected, units=units,
    )  # fmt: skip
    frame = ratio.units.rename(columns={"observed": "count"})
    frame.insert(1, "denominator", n)
    frame["note"] = missing_note({"count": np.isnan(counts), "denominator": np.isnan(n)})
    if index is not None:
        frame.index = index
    ratio_limits = ratio._limits

    def limits(sizes: np.ndarray) -> dict[str, np.ndarray]:
        return ratio_limits(np.asarray(sizes, dtype=float) * per_person)

    return OverdispersedFunnel(frame, ratio.dispersion, limits)


# Proportions --------------------------------------------------------------------------------


def proportion_funnel_overdispersion(
    numerator,
    denominator,
    method: str = "additive",
    winsorise_share: float = 0.1,
    multiplier: float = 100,
    baseline: float | None = None,
    scale: str = "identity",
    corrected: bool = True,
    units: str = "areas",
) -> OverdispersedFunnel:
    """Funnel plot of proportions, with limits allowing for overdispersion.

    Parameters
    ----------
    numerator, denominator : array-like or pandas.Series
        0 <= numerator <= denominator, denominator > 0.
    method, winsorise_share, corrected, units
        As :func:`ratio_funnel_overdispersion`.
    multiplier : float, default 100
        Scale of values (100: percentages).
    baseline : float, optional
        Proportion to compare with, on the ``multiplier`` scale; default the pooled one.
    scale : {"identity", "arcsine"}, default "identity"
        z-scores ``(p - p0) / sqrt(p0 (1 - p0) / n)`` (Spiegelhalter 2005) or on the
        arcsine square-root scale, ``2 sqrt(n) (asin(sqrt(p)) - asin(sqrt(p0)))``.

    Returns
    -------
    OverdispersedFunnel
        ``units``: ``numerator``, ``denominator``, ``value``, ``z``, ``z_winsorised``,
        ``z_adjusted``, limits at the unit's denominator (clipped to [0, multiplier]),
        ``significance`` (Wilson labels of
        :func:`~snalib.stats.proportion_funnel_significance` when the limits stay
        binomial), ``method`` and ``note``.
    """
    if scale not in ("identity", "arcsine"):
        raise ValueError(f'scale must be "identity" or "arcsine", got {scale!r}')
    multiplier = check_multiplier(multiplier)
    inputs, index = broadcast_inputs(numerator=numerator, denominator=denominator)
    x, n = inputs["numerator"], inputs["denominator"]
    check_non_negative(x, "numerator")
    check_positive(n, "denominator")
    if (x > n).any():
        raise ValueError("numerator must not exceed denominator for a proportion")
    usable = ~np.isnan(x) & ~np.isnan(n)
    if baseline is None:
        if not usable.any():
            raise ValueError("no area has both a numerator and a denominator")
        p0 = float(x[usable].sum() / n[usable].sum())
    else:
        p0 = float(baseline) / multiplier
    if not 0 < p0 < 1:
        raise ValueError("the baseline proportion must lie strictly between 0 and multiplier")
    p = x / n

    def transform(values):
        return np.arcsin(np.sqrt(values)) if scale == "arcsine" else values

    def standard_error(sizes):
        if scale == "arcsine":
            return 1 / (2 * np.sqrt(sizes))
        return np.sqrt(p0 * (1 - p0) / sizes)

    s = standard_error(n)
    z = (transform(p) - transform(p0)) / s
    dispersion = estimate_dispersion(
        z, s, method, winsorise_share, corrected, scale, units
    )  # fmt: skip
    z_adj = adjusted_z(z, s, dispersion)
    if dispersion.adjusted:
        labels = _adjusted_labels(z_adj, dispersion)
    else:
        labels = np.full(len(x), np.nan, dtype=object)
        labels[usable] = proportion_funnel_significance(
            x[usable], n[usable], baseline=p0 * multiplier, multiplier=multiplier
        )["significance"]

    def limits(sizes: np.ndarray) -> dict[str, np.ndarray]:
        sizes = np.asarray(sizes, dtype=float)
        columns: dict[str, np.ndarray] = {}
        for level in FUNNEL_LEVELS:
            suffix = _SUFFIX[level]
            if not dispersion.adjusted:
                lower = _proportion_limit(p0, sizes, level, -1)
                upper = _proportion_limit(p0, sizes, level, 1)
            else:
                se = standard_error(sizes)
                if dispersion.applied == "multiplicative":
                    spread = np.sqrt(dispersion.phi) * se
                else:
                    spread = np.sqrt(se**2 + dispersion.tau2)
                half = dispersion.quantile(level) * spread
                centre = transform(p0)
                if scale == "arcsine":
                    lower = np.sin(np.clip(centre - half, 0, np.pi / 2)) ** 2
                    upper = np.sin(np.clip(centre + half, 0, np.pi / 2)) ** 2
                else:
                    lower, upper = centre - half, centre + half
            columns[f"lower{suffix}"] = np.clip(lower, 0, 1) * multiplier
            columns[f"upper{suffix}"] = np.clip(upper, 0, 1) * multiplier
        columns["baseline"] = np.full(sizes.shape, p0 * multiplier)
        return columns

    columns: dict[str, object] = {
        "numerator": x,
        "denominator": n,
        "value": p * multiplier,
        "z": z,
        "z_winsorised": winsorise(z, winsorise_share),
        "z_adjusted": z_adj,
    }
    columns.update({k: v for k, v in limits(n).items() if k != "baseline"})
    columns.update(
        {
            "significance": labels,
            "method": dispersion.method_words,
            "note": missing_note({"numerator": np.isnan(x), "denominator": np.isnan(n)}),
        }
    )
    return OverdispersedFunnel(output_frame(columns, index), dispersion, limits)


def flagged(significance, level: float = 0.998) -> pd.Series:
    """True where a significance label puts the unit outside the limits at ``level``."""
    outside = {0.998: [HIGH_999, LOW_999], 0.95: [HIGH_999, HIGH_975, LOW_975, LOW_999]}
    if level not in outside:
        raise ValueError(f"level must be 0.95 or 0.998, got {level}")
    return pd.Series(significance).isin(outside[level])


__all__ = [
    "FUNNEL_METHODS",
    "MIN_UNITS",
    "Dispersion",
    "OverdispersedFunnel",
    "adjusted_z",
    "estimate_dispersion",
    "flagged",
    "proportion_funnel_overdispersion",
    "rate_funnel_overdispersion",
    "ratio_funnel_overdispersion",
    "winsorise",
    "winsorised_normal_mean_square",
]
