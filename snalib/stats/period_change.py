"""The rate ratio of one period against another, from the monthly series, allowing for
variation beyond chance.

Two annual counts compared by the exact Poisson test (:func:`snalib.stats.rate_ratio`)
assume that every event happens independently at a constant rate. Monthly crime counts vary
more than that (repeat victims, linked incidents, retaliation, slowly changing local
conditions), so the exact interval is too narrow and a "significant" change is called too
often. :func:`period_rate_ratio` keeps the same rate ratio (the ratio of the two periods'
rates) but takes its variance from the months:

1. **Noise model.** A Poisson GLM of the monthly counts on a level for each period (the two
   compared and any others given, which only help estimate the noise), a term for each
   calendar month (so that the seasonal pattern, which whole years share, is not counted
   as noise), a term for each known interruption given (e.g. a lockdown: the share of the
   month's days inside it) and an offset of log(exposure). The ratio itself is always the
   ratio of the two periods' observed rates; the model only measures the noise.
2. **Dispersion.** Quasi-Poisson: the variance of a month is phi times its mean, phi
   estimated from the Pearson statistic X^2 and never taken below 1 (so the interval is
   never narrower than a Poisson one). Without autocorrelation phi = X^2 / (n - p).
3. **Autocorrelation.** A month's excess tends to carry into the next. The Pearson errors
   are taken as Poisson noise plus a latent AR(1) part holding the share
   c = (phi - 1) / phi of the variance, with autocorrelation rho (at most 0.9). rho is
   the value whose expected residual autocorrelations at lags 1 to 3, given the design
   (the fitted levels pull a short series' residual autocorrelations below zero, and the
   expectation includes that), best match the observed ones. Because fitted levels also
   absorb part of a correlated error, E[X^2] = phi trace((I - H) Sigma): phi, c and rho are
   solved together (method of moments). Each period's total then has the variance of
   correlated months, ``phi w' Sigma w`` with ``w`` the square roots of the fitted means,
   ``Sigma = (1 - c) I + c R(rho)``: its **variance inflation** over independent months is
   ``w' Sigma w / w' w``.
4. **Interval and test.** ``log RR +/- t(df) * se`` with
   ``se^2 = phi * (VIF_current / Y_current + VIF_baseline / Y_baseline)``, and the two-sided
   t-test of log RR = 0, so p <= 0.05 exactly when the interval excludes 1. The degrees of
   freedom are Satterthwaite's: those of X^2 under correlated errors,
   ``trace((I - H) Sigma)^2 / trace(((I - H) Sigma)^2)``, reduced for the uncertainty of
   rho (the secant of log se^2 between the estimates of rho from the observed
   autocorrelations one standard error lower and higher; when none is found, between none
   and the estimate one standard error higher), and at least 2.

The exact Poisson result of the same totals is returned beside it. When there are no
monthly data (a source given per year), when a period has no events, or when there are too
few months to estimate the noise, the exact result is used and :attr:`PeriodChange.note`
says why (the interval may then be too narrow).

Missing months (NaN counts) are left out: they are neither zeros nor noise.

References
----------
McCullagh P, Nelder JA. Generalized linear models, 2nd ed. Chapman and Hall; 1989
(quasi-likelihood and the Pearson estimate of dispersion, section 4.5).

Marriott FHC, Pope JA. Bias in the estimation of autocorrelations. Biometrika
1954;41:390-402 (the bias that short series with fitted means give autocorrelations).

Satterthwaite FE. An approximate distribution of estimates of variance components.
Biometrics Bulletin 1946;2:110-4.

Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
2005;24:1185-202 (over-dispersion of performance indicators).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, stats

from snalib.stats.ratios import rate_ratio

#: Method words of the two kinds of result.
QUASI_POISSON = "quasi-Poisson rate ratio from monthly counts"
EXACT = "exact conditional Poisson rate ratio (Clopper-Pearson)"
#: Largest latent AR(1) autocorrelation used (a larger estimate from a few years of months
#: cannot be told from a level shift).
MAX_AUTOCORRELATION = 0.9
#: Fewest pairs of months at a lag for estimating the autocorrelation.
MIN_PAIRS = 6
#: Lags whose autocorrelations estimate rho.
LAGS = 3

NO_MONTHLY = (
    "no monthly data: variation beyond chance cannot be estimated, so the exact Poisson "
    "interval is used and may be too narrow"
)


@dataclass(frozen=True)
class PeriodChange:
    """The rate ratio of ``current`` to ``baseline``, its interval and how it was made.

    Attributes
    ----------
    value
        Rate ratio current : baseline (the ratio of the periods' rates).
    lower, upper, p_value
        The interval at the confidence asked and the two-sided p-value for a ratio of 1,
        allowing for the variation beyond chance (exact Poisson when ``monthly`` is False).
    exact_lower, exact_upper, exact_p_value
        The exact conditional Poisson result on the same totals.
    dispersion
        phi >= 1 (NaN when not estimated).
    df
        Degrees of freedom of the t quantile: the noise model's residual degrees of freedom,
        fewer when autocorrelation is allowed for (Satterthwaite).
    autocorrelation
        The AR(1) autocorrelation (rho) of the variation beyond Poisson (0 when none is found
        or it is not estimated).
    variance_inflation
        The variance of log RR used divided by its Poisson variance (>= 1): the interval is
        ``sqrt(variance_inflation)`` times as wide on the log scale as a Poisson (Wald)
        interval with the same quantile.
    months
        Months in the noise model.
    monthly
        Whether the result comes from the monthly series (False: the exact result).
    method
        :data:`QUASI_POISSON` or :data:`EXACT`.
    note
        Why the exact result is used, or why nothing could be computed (empty otherwise).
    """

    value: float
    lower: float
    upper: float
    p_value: float
    exact_lower: float
    exact_upper: float
    exact_p_value: float
    dispersion: float = math.nan
    df: float = math.nan
    autocorrelation: float = math.nan
    variance_inflation: float = math.nan
    months: int = 0
    monthly: bool = False
    method: str = EXACT
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    def tested_against(self, confidence: float = 0.95) -> str:
        """What the interval allows for, in words, e.g. for a status reason.

        "the 95% interval of the rate ratio, allowing for month-to-month variation beyond
        chance (quasi-Poisson, dispersion 2.3)"
        """
        level = f"{confidence * 100:g}%"
        if not self.monthly:
            return f"the exact Poisson {level} interval of the rate ratio"
        extra = f"dispersion {self.dispersion:.1f}"
        if self.autocorrelation > 0:
            extra += f", month-to-month autocorrelation {self.autocorrelation:.2f}"
        return (
            f"the {level} interval of the rate ratio, allowing for month-to-month "
            f"variation beyond chance (quasi-Poisson, {extra})"
        )


def exact_change(
    count_current: float,
    exposure_current: float,
    count_baseline: float,
    exposure_baseline: float,
    note: str = NO_MONTHLY,
    confidence: float = 0.95,
) -> PeriodChange:
    """The exact conditional Poisson result as a :class:`PeriodChange` (no monthly data).

    NaN throughout (with ``note``) when a count or exposure is missing.
    """
    values = [count_current, exposure_current, count_baseline, exposure_baseline]
    if any(v is None or not np.isfinite(float(v)) for v in values):
        return PeriodChange(*[math.nan] * 7, note=note)
    exact = rate_ratio(
        count_current, exposure_current, count_baseline, exposure_baseline, confidence
    )
    value = float(exact["value"].iloc[0])
    lower, upper = float(exact["lower"].iloc[0]), float(exact["upper"].iloc[0])
    p = float(exact["p_value"].iloc[0])
    extra = str(exact["note"].iloc[0])
    return PeriodChange(
        value, lower, upper, p, lower, upper, p, note="; ".join(t for t in (note, extra) if t)
    )


def days_inside(month, start, end) -> np.ndarray:
    """Share of each month's days inside ``[start, end]`` (``end`` None: no end).

    For the ``interruptions`` of :func:`period_rate_ratio`: a named period's term in the
    noise model, as the trend model's interruption terms are made.
    """
    index = pd.PeriodIndex(pd.Series(month).astype(str), freq="M")
    first = index.start_time.normalize().to_numpy()
    last = index.end_time.normalize().to_numpy()
    lo = np.maximum(first, np.datetime64(pd.Timestamp(start)))
    hi = np.minimum(last, np.datetime64(pd.Timestamp(end) if end is not None else last.max()))
    inside = (hi - lo).astype("timedelta64[D]").astype(float) + 1
    return np.clip(inside, 0, None) / np.asarray(index.days_in_month, dtype=float)


def _month_numbers(month) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive month numbers (year * 12 + month) and calendar months (1-12)."""
    text = pd.Series(month).astype(str)
    if text.str.fullmatch(r"\d{4}-\d{2}").all():  # the usual YYYY-MM: no parsing needed
        year = text.str.slice(0, 4).astype(int).to_numpy()
        calendar = text.str.slice(5, 7).astype(int).to_numpy()
    else:
        index = pd.PeriodIndex(text, freq="M")
        year, calendar = np.asarray(index.year), np.asarray(index.month)
    return year * 12 + calendar - 1, calendar


def _group_sums(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Each row's group total of ``values`` (grouped by ``keys``)."""
    _, inverse = np.unique(keys.astype(str), return_inverse=True)
    return np.bincount(inverse, weights=values)[inverse]


def _dummies(labels: np.ndarray, drop_first: bool) -> tuple[np.ndarray, list]:
    levels = list(pd.unique(labels))
    if drop_first:
        levels = levels[1:]
    if not levels:
        return np.empty((len(labels), 0)), []
    return np.column_stack([(labels == level).astype(float) for level in levels]), levels


def _error_correlation(order: np.ndarray, share: float, rho: float) -> np.ndarray:
    """Correlation of the Pearson errors: Poisson noise (independent) plus a latent AR(1).

    ``(1 - share) I + share R(rho)``, ``R[i, j] = rho^|i - j|`` in months apart: ``share``
    is the part of the variance beyond Poisson, ``(phi - 1) / phi``.
    """
    apart = np.abs(order[:, None] - order[None, :])
    return np.where(apart == 0, 1.0, share * rho**apart)


def _inflation(order: np.ndarray, mean: np.ndarray, share: float, rho: float) -> float:
    """Variance of a period's total over its variance were its months independent."""
    if share <= 0 or rho <= 0 or len(order) < 2:
        return 1.0
    w = np.sqrt(mean)
    return float(w @ _error_correlation(order, share, rho) @ w / (w @ w))


@dataclass(frozen=True)
class _Noise:
    """The noise model's estimates (see :func:`_noise`)."""

    dispersion: float
    share: float
    rho: float
    rho_low: float
    rho_high: float
    trace: np.ndarray  # (I - H) Sigma, for the degrees of freedom


class _Autocorrelations:
    """Residual autocorrelations at lags 1 to :data:`LAGS` and their expected values.

    For residuals ``r = (I - H) e`` of errors with correlation ``Sigma``, the expected lag-k
    sum of products over the expected sum of squares is
    ``sum((I - H) A_k (I - H) * Sigma) / sum((I - H) * Sigma)``, with ``A_k`` the months k
    apart: the fitted levels' own effect on the residuals (their bias towards negative
    autocorrelation in short series) is in the expectation, not corrected after the fact.
    """

    def __init__(self, resid: np.ndarray, order: np.ndarray, leverage_free: np.ndarray):
        apart = np.abs(order[:, None] - order[None, :])
        self.apart = apart
        self.leverage_free = leverage_free
        total = float(resid @ resid)
        self.observed, self.pairs, self.expected_parts = [], [], []
        for lag in range(1, LAGS + 1):
            adjacent = (apart == lag).astype(float) / 2
            pairs = int(adjacent.sum())
            if pairs < MIN_PAIRS:
                break
            self.observed.append(float(resid @ adjacent @ resid) / total)
            self.pairs.append(pairs)
            self.expected_parts.append(leverage_free @ adjacent @ leverage_free)
        self.observed_arr = np.asarray(self.observed)
        self.weights = np.asarray(self.pairs, dtype=float)

    @property
    def usable(self) -> bool:
        return len(self.observed) > 0

    def expected(self, share: float, rho: float) -> np.ndarray:
        sigma = np.where(self.apart == 0, 1.0, share * rho**self.apart)
        denominator = float(np.sum(self.leverage_free * sigma))
        return np.array([float(np.sum(part * sigma)) for part in self.expected_parts]) / (
            denominator
        )

    def fit(self, share: float, shift: float = 0.0) -> float:
        """The rho whose expected autocorrelations best match the observed ones (weighted
        by pairs), the observed moved by ``shift`` standard errors."""
        target = self.observed_arr + shift / np.sqrt(self.weights)

        def loss(rho: float) -> float:
            return float(np.sum(self.weights * (target - self.expected(share, rho)) ** 2))

        result = optimize.minimize_scalar(
            loss, bounds=(0.0, MAX_AUTOCORRELATION), method="bounded", options={"xatol": 1e-3}
        )
        rho = float(result.x)
        return rho if loss(rho) < loss(0.0) else 0.0


def _noise(
    resid: np.ndarray,
    mean: np.ndarray,
    x: np.ndarray,
    order: np.ndarray,
    autocorrelation: bool,
) -> _Noise:
    """Dispersion and latent AR(1) autocorrelation by the method of moments.

    The Pearson errors are taken as Poisson noise plus a latent AR(1) part holding the share
    ``c = (phi - 1) / phi`` of the variance. rho is chosen so that the expected
    autocorrelations of the residuals at lags 1 to :data:`LAGS`, given the design
    (:class:`_Autocorrelations`), best match the observed ones; and since fitted levels
    absorb part of a correlated error, ``E[X^2] = phi trace((I - H) Sigma)``: phi, c and rho
    are solved together by a few fixed-point steps. ``rho_low`` and ``rho_high`` are the
    estimates from the observed autocorrelations one standard error (Bartlett, 1/sqrt of
    the pairs) lower and higher. Without autocorrelation this is the plain quasi-Poisson
    ``X^2 / (n - p)``.
    """
    n = len(resid)
    weighted = np.sqrt(mean)[:, None] * x
    leverage_free = np.eye(n) - weighted @ np.linalg.pinv(weighted.T @ weighted) @ weighted.T
    pearson = float(resid @ resid)
    raw_phi = pearson / float(np.trace(leverage_free))
    plain = _Noise(max(1.0, raw_phi), 0.0, 0.0, 0.0, 0.0, leverage_free)
    if not autocorrelation or raw_phi <= 1:
        return plain
    lags = _Autocorrelations(resid, order, leverage_free)
    if not lags.usable:
        return plain
    share = rho = 0.0
    sigma = np.eye(n)
    for _ in range(5):
        share = max(0.0, 1 - 1 / raw_phi) if raw_phi > 1 else 0.0
        rho = lags.fit(share) if share > 0 else 0.0
        if rho <= 0:
            # None found; but one as large as a standard error more would allow is carried
            # into the degrees of freedom all the same.
            return _Noise(plain.dispersion, share, 0.0, 0.0, lags.fit(share, 1.0), leverage_free)
        sigma = _error_correlation(order, share, rho)
        raw_phi = pearson / float(np.sum(leverage_free * sigma))
    return _Noise(
        dispersion=max(1.0, raw_phi),
        share=share,
        rho=rho,
        rho_low=lags.fit(share, -1.0),
        rho_high=lags.fit(share, 1.0),
        trace=leverage_free @ sigma,
    )


def _full_rank(x: np.ndarray) -> bool:
    return x.shape[0] - x.shape[1] >= 1 and np.linalg.matrix_rank(x) == x.shape[1]


def _fit_noise_model(y, exposure, labels, calendar, shares, seasonal):
    """The noise model's design and fit: the richest that the months support.

    Tried in turn: period levels with calendar-month and interruption terms, without the
    interruptions, then with period levels only. Calendar-month terms are used only when
    identifiable; an interruption only when identifiable and when the months it touches
    have events (with none, its term would go to minus infinity). A fit is accepted when
    it converges to finite, positive means with finite coefficients (no separation).

    Returns ``(x, mu, df, period_levels, used_seasonal, used_interruptions)``, or None when
    no design leaves a residual degree of freedom.
    """
    periods_x, period_levels = _dummies(labels, drop_first=False)
    season_x, _ = _dummies(calendar, drop_first=True)
    attempts = []
    if seasonal and season_x.shape[1] and shares.shape[1]:
        attempts.append((True, True))
    if seasonal and season_x.shape[1]:
        attempts.append((True, False))
    attempts.append((False, False))
    for with_season, with_interruptions in attempts:
        x = periods_x
        if with_season and _full_rank(np.column_stack([x, season_x])):
            x = np.column_stack([x, season_x])
        elif with_season:
            continue
        used = 0
        if with_interruptions:
            for column in shares.T:
                candidate = np.column_stack([x, column])
                if column.any() and y[column > 0].sum() > 0 and _full_rank(candidate):
                    x, used = candidate, used + 1
            if not used:
                continue
        if not _full_rank(x):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = sm.GLM(y, x, family=sm.families.Poisson(), offset=np.log(exposure)).fit()
            except (ValueError, np.linalg.LinAlgError):
                continue
        mu = np.asarray(fit.fittedvalues, dtype=float)
        params = np.asarray(fit.params, dtype=float)
        if (
            getattr(fit, "converged", True)
            and np.isfinite(mu).all()
            and (mu > 1e-8).all()
            and np.isfinite(params).all()
            and np.ptp(params[: periods_x.shape[1]]) < 30  # levels: no period runs off
            and (np.abs(params[periods_x.shape[1] :]) < 20).all()  # terms: no separation
        ):
            return x, mu, len(y) - x.shape[1], period_levels, with_season, used
    return None


def period_rate_ratio(
    month,
    count,
    exposure,
    period,
    *,
    current,
    baseline,
    seasonal: bool = True,
    autocorrelation: bool = True,
    interruptions=None,
    confidence: float = 0.95,
) -> PeriodChange:
    """Rate ratio of ``current`` to ``baseline`` with a variance from the monthly series.

    Parameters
    ----------
    month
        The month of each row, ``YYYY-MM`` (or anything :class:`pandas.Period` reads).
    count
        Events in the month: whole numbers; NaN for a month that is missing (left out).
    exposure
        Person-time at risk in the month (e.g. residents x days in month / days in year,
        so that a year's exposures add up to its residents), greater than zero.
    period
        The period of each month: ``current``, ``baseline`` or another label (a period that
        only helps estimate the noise); None or NaN for a month to leave out.
    current, baseline
        The two periods compared.
    seasonal
        Add a term for each calendar month (use when the periods are whole years, so that
        the seasonal pattern they share is not counted as noise). Dropped when the months
        given cannot identify them.
    autocorrelation
        Allow for a month's excess carrying into the next (latent AR(1), see the module
        docstring); False gives the plain quasi-Poisson result.
    interruptions
        Known departures, one column per named period (e.g. a lockdown) and one row per
        month: the share of the month's days inside the period (:func:`days_inside`).
        Each gets its own term in the noise model, so that a known interruption is not
        counted as chance variation; a column that the months cannot tell apart from the
        other terms is dropped. The ratio itself is unchanged: it is always the ratio of
        the two periods' observed rates.
    confidence
        Two-sided confidence level of the interval.

    Returns
    -------
    PeriodChange
        The ratio of the two periods' rates (total count over total exposure), its interval,
        p-value, dispersion, degrees of freedom, autocorrelation and variance inflation, and
        the exact Poisson interval and p-value beside them. When the months cannot give a
        variance (a period with no events, too few months), the exact result with a note.

    Raises
    ------
    ValueError
        If the inputs differ in length, a count is negative or not whole, or an exposure of
        a month with a count is not greater than zero.

    Notes
    -----
    See the module docstring and ``docs/methods.md`` (sections 7 and 8). With only a
    period term (``seasonal=False``) and no autocorrelation, the result is exactly the
    quasi-Poisson GLM of the months on a period indicator (a level per period), with the
    dispersion floored at 1 and a t interval on the residual degrees of freedom.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    lengths = {len(pd.Series(x)) for x in (month, count, exposure, period)}
    shares = (
        np.zeros((len(pd.Series(month)), 0))
        if interruptions is None
        else np.asarray(interruptions, dtype=float).reshape(len(pd.Series(month)), -1)
    )
    if len(lengths) != 1:
        raise ValueError(f"month, count, exposure and period differ in length: {lengths}")
    frame = pd.DataFrame(
        {
            "month": pd.Series(month).astype(str).to_numpy(),
            "count": pd.to_numeric(pd.Series(count), errors="coerce").to_numpy(dtype=float),
            "exposure": pd.to_numeric(pd.Series(exposure), errors="coerce").to_numpy(float),
            "period": pd.Series(period, dtype=object).to_numpy(),
        }
    )
    keep = (frame["count"].notna() & frame["period"].notna()).to_numpy()
    frame = frame[keep].reset_index(drop=True)
    shares = shares[keep]
    y = frame["count"].to_numpy()
    if (y < 0).any() or (y != np.round(y)).any():
        raise ValueError("monthly counts must be whole numbers of events, zero or more")
    exp = frame["exposure"].to_numpy()
    if not (np.isfinite(exp) & (exp > 0)).all():
        raise ValueError("every month with a count needs an exposure greater than zero")

    labels = frame["period"].to_numpy()
    in_current, in_baseline = labels == current, labels == baseline
    if not in_current.any() or not in_baseline.any():
        which = "current" if not in_current.any() else "baseline"
        return PeriodChange(*[math.nan] * 7, note=f"no months with a count in the {which} period")
    y_c, e_c = float(y[in_current].sum()), float(exp[in_current].sum())
    y_b, e_b = float(y[in_baseline].sum()), float(exp[in_baseline].sum())

    def fallback(note: str) -> PeriodChange:
        return exact_change(y_c, e_c, y_b, e_b, note, confidence)

    if y_c == 0 or y_b == 0:
        return fallback(
            "a period with no events: its monthly variation cannot be estimated, so the "
            "exact Poisson interval is used"
        )

    # Periods (and calendar months) with no events at all would have a level of minus
    # infinity: their months are fitted exactly and tell nothing about the noise.
    totals = _group_sums(y, labels)
    order, calendar = _month_numbers(frame["month"])
    season_totals = _group_sums(y, calendar)
    model = (totals > 0) & ((season_totals > 0) | ~np.bool_(seasonal))
    y_m, exp_m, labels_m = y[model], exp[model], labels[model]
    order_m, calendar_m, shares_m = order[model], calendar[model], shares[model]

    design = _fit_noise_model(y_m, exp_m, labels_m, calendar_m, shares_m, seasonal)
    if design is None:
        return fallback(
            "too few months to estimate the variation beyond chance, so the exact Poisson "
            "interval is used and may be too narrow"
        )
    x, mu, df, period_levels, used_seasonal, used_interruptions = design
    resid = (y_m - mu) / np.sqrt(mu)

    noise = _noise(resid, mu, x, order_m, autocorrelation)
    rows_c, rows_b = labels_m == current, labels_m == baseline

    def variance_at(rho: float) -> float:
        return noise.dispersion * (
            _inflation(order_m[rows_c], mu[rows_c], noise.share, rho) / y_c
            + _inflation(order_m[rows_b], mu[rows_b], noise.share, rho) / y_b
        )

    variance = variance_at(noise.rho)
    poisson_variance = 1 / y_c + 1 / y_b
    # Degrees of freedom (Satterthwaite): those of X^2 under the correlated errors and, when
    # autocorrelation is found, the uncertainty of rho carried to log se^2 by the secant
    # between its estimates one standard error either side.
    if noise.rho > 0:
        t = noise.trace
        relative = 2 * float(np.sum(t * t.T)) / float(np.trace(t)) ** 2
    else:
        relative = 2 / df  # independent errors: the residual degrees of freedom
    if noise.rho_high > 0:
        half_range = (
            math.log(variance_at(noise.rho_high)) - math.log(variance_at(noise.rho_low))
        ) / 2
        relative += half_range**2
    # Not below 2 (a t with fewer has no variance to speak of) unless the model has fewer.
    df = float(min(df, max(2 / relative, 2.0)))
    log_ratio = math.log((y_c / e_c) / (y_b / e_b))
    se = math.sqrt(variance)
    quantile = float(stats.t.ppf(0.5 + confidence / 2, df))
    p_value = float(2 * stats.t.sf(abs(log_ratio) / se, df))
    exact = exact_change(y_c, e_c, y_b, e_b, "", confidence)
    return PeriodChange(
        value=math.exp(log_ratio),
        lower=float(np.exp(log_ratio - quantile * se)),
        upper=float(np.exp(log_ratio + quantile * se)),
        p_value=min(1.0, p_value),
        exact_lower=exact.lower,
        exact_upper=exact.upper,
        exact_p_value=exact.p_value,
        dispersion=noise.dispersion,
        df=df,
        autocorrelation=noise.rho,
        variance_inflation=variance / poisson_variance,
        months=len(y_m),
        monthly=True,
        method=QUASI_POISSON
        + (
            f" ({len(period_levels)} periods"
            + (", calendar-month terms" if used_seasonal else "")
            + (f", {used_interruptions} named-period terms" if used_interruptions else "")
            + (", AR(1) allowance" if autocorrelation else "")
            + ")"
        ),
        note="",
    )
