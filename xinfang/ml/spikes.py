"""Rises in petition counts (苗头性、倾向性问题): which period of which series is unusually high.

Imports no Django. Two detectors, chosen per time point by how much history exists:

* **Improved Farrington** (Noufaily et al. 2013, *Statistics in Medicine* 32:1206) where at
  least two years of comparable history exist: a quasi-Poisson GLM on the past
  ``years`` years (never the most recent ``gap`` periods, so a growing outbreak does not
  raise its own baseline) with a linear trend (kept only when significant) and a
  10-level seasonal factor (the comparable window around this time of year, and nine
  blocks for the rest of the year); past outbreaks are down-weighted by their Anscombe
  residuals; the threshold is the negative-binomial plug-in quantile (or Farrington's
  2/3-power one); an alarm also needs a minimum count over the last few periods.
* **Negative-binomial CUSUM** (Hawkins & Olwell 1998) for short series: the in-control
  mean and dispersion from the recent past, a CUSUM of the log-likelihood ratio against a
  mean raised by ``shift`` standard deviations; ``upper`` is the count that would make the
  CUSUM cross its limit this period.

Holidays and 调休: the caller may pass, per period, the share of calendar days that are
not working days beyond the ordinary weekends; the GLM takes it as a covariate, so a
春节 week is expected to be quiet instead of hiding a real rise behind the dip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

__all__ = ["Alarm", "DetectorOptions", "detect_last", "detect_series", "periods_per_year"]

Period = Literal["week", "month"]


def periods_per_year(period: Period) -> int:
    return 52 if period == "week" else 12


@dataclass(frozen=True)
class DetectorOptions:
    """Tuning of both detectors; the defaults are the ones benchmarked in benchmarks/warning/."""

    period: Period = "week"
    # One-sided levels of the two tests each period: this period alone, and this period plus
    # the one before (a rise lasting two periods is seen with half the noise of each week).
    # The 0.5 % is split unevenly: a 3σ rise lasting two periods is far likelier to pass the joint
    # line than its first week alone (benchmarks/warning/README.md: chosen on seeds 0–2).
    alpha: float = 0.0005
    alpha_pair: float = 0.0045  # 0 turns the two-period test off (R's farringtonFlexible has none)
    years: int = 5  # b: years of comparable history used at most
    window: int | None = None  # w: half-width of the comparable window (3 weeks / 1 month)
    # Most recent periods never used as baseline: 26 weeks / 6 months with the seasonal factor (Noufaily);
    # 8 weeks / 2 months with the harmonic season, which is fitted over the whole baseline and
    # follows the level better the nearer its data (past outbreaks are down-weighted either way).
    gap: int | None = None
    seasonal_levels: int | None = None  # 10 levels weekly (Noufaily), 4 monthly
    reweight_limit: float = 2.58  # Anscombe residual above which a past period is down-weighted
    min_recent: int = 5  # minimum-count guard: an alarm needs this many over the last 4 periods
    # "nb": NB quantile whose variance adds the uncertainty of the fitted mean to phi × mu
    # (the plug-in alone ignores it and alarms too often on short baselines); "nb-plugin":
    # Noufaily's plug-in exactly as farringtonFlexible; "two-thirds": Farrington 1996.
    # Default "nb2": variance μ + aμ² (a by moments from the fit): a seasonal series is far more
    # variable at its peak than at its trough, which φμ averages away (benchmarks/warning/README.md).
    threshold: Literal["nb", "nb2", "nb-plugin", "two-thirds"] = "nb2"
    # Short series (less than two years): "local" = quasi-Poisson GLM on the recent past with
    # a local trend and the holiday covariate; "cusum" = negative-binomial CUSUM.
    short_method: Literal["local", "cusum"] = "local"
    # Season of the GLMs: "factor" = Noufaily's 10-level factor (as farringtonFlexible); "harmonic" =
    # ``harmonics`` sine/cosine pairs of the year over the whole baseline.
    seasonal: Literal["factor", "harmonic"] = "harmonic"
    harmonics: int = 1
    # Short series with at least this many earlier periods fit the harmonic GLM on all of them (a year
    # shows the season; a local line over half a season extrapolates it wrongly); 0 = never.
    short_harmonic_min: int | None = None  # None: 52 weeks; monthly never (0)
    # Threshold of the short-series tests: "nb" (φμ widened by t): a from a year or less of data is too
    # noisy for "nb2" (false alarms 1–2 % in the first year); None: as ``threshold``.
    short_threshold: str | None = "nb"
    short_alpha_scale: float = 1.0  # the short-series tests use alpha × this (both tests)
    # Spread of the short-series test: "glm" = the local fit's φ (widened by t), "differences" =
    # Var = μ + aμ² with a from successive differences of the whole history (see _difference_alpha).
    short_dispersion: Literal["glm", "differences"] = "glm"
    short_baseline: int | None = None  # recent periods for the short baseline (26 weeks / 12 months)
    short_min: int = 8  # fewer baseline periods than this: no decision (expected only)
    cusum_shift: float = 1.5  # detect a rise of this many standard deviations
    cusum_limit: float = 4.0  # h

    def resolved(self) -> DetectorOptions:
        weekly = self.period == "week"
        return DetectorOptions(
            **{
                **self.__dict__,
                "window": self.window if self.window is not None else (3 if weekly else 1),
                "gap": self.gap if self.gap is not None else (
                    (8 if weekly else 2) if self.seasonal == "harmonic" else (26 if weekly else 6)),
                "short_harmonic_min": self.short_harmonic_min if self.short_harmonic_min is not None else (
                    52 if weekly else 0),
                "seasonal_levels": self.seasonal_levels or (10 if weekly else 4),
                "short_baseline": self.short_baseline or (26 if weekly else 12),
            }
        )


@dataclass(frozen=True)
class Alarm:
    observed: int
    expected: float
    upper: float
    alarm: bool
    method: str  # "farrington" / "local" / "cusum" / "none" (too little history to decide)
    # The two-period test: this period and the one before, against their joint threshold.
    pair_observed: int = 0
    pair_expected: float = math.nan
    pair_upper: float = math.nan
    reason: str = ""  # "" (no alarm), "single" (this period alone), "pair" (the last two together)


# --------------------------------------------------------------------------- GLM


def _seasonal_factor(lags: np.ndarray, freq: int, window: int, levels: int) -> np.ndarray:
    """Level 0 for the comparable window (±``window`` around the same time of year), then
    ``levels - 1`` equal blocks for the rest of the year, counted forward from the window."""
    phase = np.mod(lags, freq)  # 0 = same time of year
    shifted = np.mod(phase + window, freq)  # 0..2w is the window
    inside = shifted <= 2 * window
    rest = freq - (2 * window + 1)
    block = np.minimum(((shifted - (2 * window + 1)) * (levels - 1)) // max(rest, 1), levels - 2) + 1
    return np.where(inside, 0, block).astype(int)


class _Model:
    def __init__(self, endog: np.ndarray, var_weights: np.ndarray | None) -> None:
        self.endog = endog
        self.var_weights = var_weights


class _GLMResult:
    """What the detectors read of a quasi-Poisson fit (the names of statsmodels' GLMResults)."""

    def __init__(self, y, X, weights, params, mu, cov_unscaled) -> None:
        self.model = _Model(y, weights)
        self.params = params
        self.mu = mu
        rank = int(np.linalg.matrix_rank(X)) if X.shape[1] else 0
        self.df_resid = float(len(y) - rank)
        w = np.ones_like(y) if weights is None else weights
        pearson = float(np.sum(w * (y - mu) ** 2 / np.maximum(mu, 1e-300)))
        self.scale = pearson / self.df_resid if self.df_resid > 0 else 1.0
        self._cov = cov_unscaled * self.scale
        se = np.sqrt(np.maximum(np.diag(self._cov), 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            self.pvalues = 2.0 * stats.norm.sf(np.abs(np.where(se > 0, params / se, np.inf)))

    def cov_params(self) -> np.ndarray:
        return self._cov


def _fit(y: np.ndarray, X: np.ndarray, weights: np.ndarray | None) -> _GLMResult:
    """Poisson GLM (log link, ``var_weights``) by IRLS, the scale by Pearson's X² (quasi-Poisson):
    the estimator of statsmodels' ``GLM(..., Poisson(), var_weights).fit(scale="X2")`` without its
    per-call overhead, which dominated once the detector fits one model per series and period."""
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    mu = (y + y.mean()) / 2.0 + 1e-8  # statsmodels' start
    eta = np.log(mu)
    deviance = math.inf
    params = np.zeros(X.shape[1])
    for _ in range(50):
        z = eta + (y - mu) / mu
        sw = np.sqrt(w * mu)
        params, *_ = np.linalg.lstsq(X * sw[:, None], z * sw, rcond=None)
        eta = np.clip(X @ params, -700.0, 700.0)
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
        new = 2.0 * float(np.sum(w * terms))
        if abs(new - deviance) <= 1e-8 * (abs(deviance) + 1e-8) if math.isfinite(deviance) else False:
            break
        deviance = new
    cov_unscaled = np.linalg.pinv((X * (w * mu)[:, None]).T @ X)
    return _GLMResult(y, X, None if weights is None else w, params, mu, cov_unscaled)


def _anscombe(y: np.ndarray, mu: np.ndarray, phi: float) -> np.ndarray:
    mu = np.maximum(mu, 1e-9)
    return 1.5 * (np.power(y, 2 / 3) - np.power(mu, 2 / 3)) / (np.power(mu, 1 / 6) * math.sqrt(phi))


@dataclass(frozen=True)
class _Point:
    expected: float
    upper: float
    pair_expected: float
    pair_upper: float


def _design(idx: np.ndarray, t: int, factor: np.ndarray | None, holiday: np.ndarray | None):
    """Columns const, trend (centred on t), seasonal levels 1.. present, holiday (when it varies, last).
    Returns (X, row(s, level), whether the holiday column is there)."""
    columns = [np.ones(len(idx)), (idx - t).astype(float)]
    levels: list[int] = []
    if factor is not None:
        for level in np.unique(factor):
            if level != 0:
                columns.append((factor == level).astype(float))
                levels.append(int(level))
    use_holiday = holiday is not None and np.ptp(holiday[idx]) > 0.05
    if use_holiday:
        columns.append(holiday[idx])
    X = np.column_stack(columns)

    def row(s: int, level: int) -> np.ndarray:
        x = np.zeros(X.shape[1])
        x[0], x[1] = 1.0, float(s - t)
        if level in levels:
            x[2 + levels.index(level)] = 1.0
        if use_holiday:
            x[-1] = holiday[s]
        return x

    return X, row, use_holiday


def _reweighted_fit(y: np.ndarray, X: np.ndarray, rows: list[np.ndarray], opts: DetectorOptions,
                    holiday_last: bool = False):
    """Fit with trend, keep it only when significant, down-weight past outbreaks (Noufaily:
    weight s^-2 for Anscombe residuals above 2.58), refit. Returns (result, rows without dropped columns).

    ``holiday_last``: the last column is the holiday share. Days off only lower the counts (the dips the
    covariate adjusts for), so a positive coefficient is noise; extrapolated to a long holiday it raised the
    expected count and hid a sevenfold rise, and the column is then dropped."""
    holiday = X.shape[1] - 1 if holiday_last else None

    def fit_with(weights: np.ndarray | None, keep_trend: bool, keep_holiday: bool):
        cols = [i for i in range(X.shape[1]) if (keep_trend or i != 1) and (keep_holiday or i != holiday)]
        return _fit(y, X[:, cols], weights), [r[cols] for r in rows]

    keep_holiday = holiday is not None
    result, xs = fit_with(None, True, keep_holiday)
    if keep_holiday and result.params[-1] > 0:
        keep_holiday = False
        result, xs = fit_with(None, True, False)
    trend_kept = _trend_significant(result, y, xs[0])
    if not trend_kept:
        result, xs = fit_with(None, False, keep_holiday)
    phi = max(float(result.scale), 1.0)
    s = _anscombe(y, result.mu, phi)
    weights = np.where(s > opts.reweight_limit, 1.0 / np.maximum(s, 1e-9) ** 2, 1.0)
    weights *= len(y) / weights.sum()
    result, xs = fit_with(weights, trend_kept, keep_holiday)
    if trend_kept and not _trend_significant(result, y, xs[0]):
        result, xs = fit_with(weights, False, keep_holiday)
    return result, xs


def _predict(result, xs: list[np.ndarray], phi: float, opts: DetectorOptions) -> _Point:
    """Expected count and threshold for period t (xs[0]) and for t-1 and t together (xs[0] + xs[1])."""
    cov = result.cov_params()
    params = result.params
    mus = [math.exp(min(float(x @ params), 30.0)) for x in xs]
    mu0 = mus[0]
    var_eta = float(xs[0] @ cov @ xs[0])
    method = opts.threshold
    if method == "nb":  # (nb2 widens inside its own branch)
        # Small baselines estimate phi poorly: widen by the Student-t quantile over the
        # normal one at the residual degrees of freedom (≈ 1 for the GLM's long baselines).
        df = max(float(result.df_resid), 1.0)
        phi *= (stats.t.ppf(1.0 - opts.alpha, df) / stats.norm.ppf(1.0 - opts.alpha)) ** 2
    if method == "nb2":
        # Variance μ + aμ² (a by moments from the fit's Pearson residuals): a seasonal series
        # is far more variable at its peak than at its trough, which φμ averages away.
        a = _nb_alpha(result)
        widen = _widen(result, opts.alpha)
        upper = _nb_quantile(mu0, widen * (mu0 + a * mu0**2) + mu0**2 * var_eta, opts.alpha)
        if len(xs) < 2 or opts.alpha_pair <= 0:
            return _Point(mu0, upper, math.nan, math.nan)
        total = mus[0] + mus[1]
        gradient = mus[0] * xs[0] + mus[1] * xs[1]
        own = sum(m + a * m**2 for m in mus[:2])
        pair_upper = _nb_quantile(total, _widen(result, opts.alpha_pair) * own + float(gradient @ cov @ gradient),
                                  opts.alpha_pair)
        return _Point(mu0, upper, total, pair_upper)
    upper = _threshold(mu0, mu0**2 * var_eta, phi, opts.alpha, method)
    if len(xs) < 2 or opts.alpha_pair <= 0:
        return _Point(mu0, upper, math.nan, math.nan)
    total = mus[0] + mus[1]
    gradient = mus[0] * xs[0] + mus[1] * xs[1]  # d(total)/d(beta)
    pair_upper = _threshold(total, float(gradient @ cov @ gradient), phi, opts.alpha_pair, method)
    return _Point(mu0, upper, total, pair_upper)


def _nb_alpha(result) -> float:
    """a of Var = μ + aμ², by moments over the (re)weighted fit, with the residual-df correction."""
    y = np.asarray(result.model.endog, dtype=float)
    mu = np.asarray(result.mu, dtype=float)
    w = getattr(result.model, "var_weights", None)
    w = np.ones_like(y) if w is None else np.asarray(w, dtype=float)
    n, df = len(y), max(float(result.df_resid), 1.0)
    num = float(np.sum(w * (y - mu) ** 2)) * n / df - float(np.sum(w * mu))
    den = float(np.sum(w * mu**2))
    return max(num / den, 0.0) if den > 0 else 0.0


def _widen(result, alpha: float) -> float:
    """(t/z)² at the residual degrees of freedom: a dispersion estimated from few periods is uncertain."""
    df = max(float(result.df_resid), 1.0)
    return float((stats.t.ppf(1.0 - alpha, df) / stats.norm.ppf(1.0 - alpha)) ** 2)


def _nb_quantile(mu0: float, variance: float, alpha: float) -> float:
    if mu0 <= 0:
        return 0.0
    if variance <= mu0 * (1 + 1e-9):
        return float(stats.poisson.ppf(1.0 - alpha, mu0))
    size = mu0**2 / (variance - mu0)
    return float(stats.nbinom.ppf(1.0 - alpha, size, size / (size + mu0)))


def _harmonic_point(counts: np.ndarray, t: int, idx: np.ndarray, holiday: np.ndarray | None,
                    opts: DetectorOptions, freq: int) -> _Point:
    """Quasi-Poisson GLM on the periods ``idx``: trend, ``harmonics`` sine/cosine pairs of the year,
    the holiday share; reweighted like the Farrington fit; the prediction for t and for t-1 and t."""
    y = counts[idx].astype(float)
    if y.sum() == 0:
        return _Point(0.0, 0.0, 0.0, 0.0)

    def columns(s: np.ndarray) -> list[np.ndarray]:
        out = []
        for k in range(1, opts.harmonics + 1):
            angle = 2 * math.pi * k * s / freq
            out += [np.sin(angle), np.cos(angle)]
        return out

    base = [np.ones(len(idx)), (idx - t).astype(float)] + columns(idx.astype(float))
    use_holiday = holiday is not None and np.ptp(holiday[idx]) > 0.05
    if use_holiday:
        base.append(holiday[idx])
    X = np.column_stack(base)

    def row(s: int) -> np.ndarray:
        x = [1.0, float(s - t)] + [float(c[0]) for c in columns(np.array([float(s)]))]
        if use_holiday:
            x.append(float(holiday[s]))
        return np.array(x)

    result, xs = _reweighted_fit(y, X, [row(t), row(t - 1)], opts, holiday_last=use_holiday)
    return _predict(result, xs, max(float(result.scale), 1.0), opts)


def _farrington_point(
    counts: np.ndarray, t: int, holiday: np.ndarray | None, opts: DetectorOptions, freq: int
) -> _Point:
    """Expected counts and thresholds for period ``t`` from the improved Farrington GLM."""
    w, gap, levels = opts.window, opts.gap, opts.seasonal_levels
    years = min(opts.years, (t - w) // freq)
    start = max(0, t - years * freq - w)
    idx = np.arange(start, t - gap + 1)
    if opts.seasonal == "harmonic":
        return _harmonic_point(counts, t, idx, holiday, opts, freq)
    y = counts[idx].astype(float)
    if y.sum() == 0:
        return _Point(0.0, 0.0, 0.0, 0.0)
    factor = _seasonal_factor(t - idx, freq, w, levels)
    X, row, with_holiday = _design(idx, t, factor, holiday)
    # Period t-1 is one period off the same time of year: level 0 of the seasonal factor too.
    rows = [row(t, 0), row(t - 1, int(_seasonal_factor(np.array([1]), freq, w, levels)[0]))]
    result, xs = _reweighted_fit(y, X, rows, opts, holiday_last=with_holiday)
    return _predict(result, xs, max(float(result.scale), 1.0), opts)


def _short_options(opts: DetectorOptions) -> DetectorOptions:
    if opts.short_threshold is None and opts.short_alpha_scale == 1.0:
        return opts
    return DetectorOptions(**{**opts.__dict__, "threshold": opts.short_threshold or opts.threshold,
                              "alpha": opts.alpha * opts.short_alpha_scale,
                              "alpha_pair": opts.alpha_pair * opts.short_alpha_scale})


def _local_point(counts: np.ndarray, t: int, holiday: np.ndarray | None, opts: DetectorOptions) -> _Point | None:
    """Short series: the recent ``short_baseline`` periods before t-1 (t-1 and t are the ones
    tested), a local log-linear trend and the holiday covariate; None when too short."""
    opts = _short_options(opts)
    hi = t - 1
    if opts.short_harmonic_min and hi >= opts.short_harmonic_min:
        return _harmonic_point(counts, t, np.arange(0, hi), holiday, opts, periods_per_year(opts.period))
    lo = max(0, hi - opts.short_baseline)
    idx = np.arange(lo, hi)
    if len(idx) < opts.short_min:
        return None
    y = counts[idx].astype(float)
    if y.sum() == 0:
        return _Point(0.0, 0.0, 0.0, 0.0)
    X, row, with_holiday = _design(idx, t, None, holiday)
    result, xs = _reweighted_fit(y, X, [row(t, 0), row(t - 1, 0)], opts, holiday_last=with_holiday)
    if opts.short_dispersion == "glm":
        return _predict(result, xs, max(float(result.scale), 1.0), opts)
    # The level from the local fit; the spread from all earlier periods by successive differences.
    a = _difference_alpha(counts[:hi], None if holiday is None else holiday[:hi])
    if a is None:
        return _predict(result, xs, max(float(result.scale), 1.0), opts)
    cov, params = result.cov_params(), result.params
    mus = [math.exp(min(float(x @ params), 30.0)) for x in xs]
    mu0 = mus[0]
    upper = _nb_quantile(mu0, mu0 + a * mu0**2 + mu0**2 * float(xs[0] @ cov @ xs[0]), opts.alpha)
    if opts.alpha_pair <= 0:
        return _Point(mu0, upper, math.nan, math.nan)
    total = mus[0] + mus[1]
    gradient = mus[0] * xs[0] + mus[1] * xs[1]
    own = sum(m + a * m**2 for m in mus)
    pair_upper = _nb_quantile(total, own + float(gradient @ cov @ gradient), opts.alpha_pair)
    return _Point(mu0, upper, total, pair_upper)


def _difference_alpha(y: np.ndarray, holiday: np.ndarray | None) -> float | None:
    """a of Var = μ + aμ² from successive differences of the whole history: for two neighbouring
    periods of (nearly) equal mean, E[(y₁ − y₀)² − y₁ − y₀] = 2aμ² and E[y₁y₀] = μ², whatever the
    slow trend and season, which a short local fit cannot tell from noise. Pairs touching a
    holiday period are left out; None when fewer than 8 pairs remain."""
    y = np.asarray(y, dtype=float)
    if len(y) < 3:
        return None
    y0, y1 = y[:-1], y[1:]
    keep = np.ones(len(y0), dtype=bool)
    if holiday is not None:
        h = np.abs(np.asarray(holiday, dtype=float))
        keep &= (h[:-1] < 0.1) & (h[1:] < 0.1)
    if keep.sum() < 8:
        return None
    y0, y1 = y0[keep], y1[keep]
    den = 2.0 * float(np.sum(y0 * y1))
    if den <= 0:
        return 0.0
    return max(float(np.sum((y1 - y0) ** 2 - y1 - y0)) / den, 0.0)


def _trend_significant(result, y: np.ndarray, x: np.ndarray) -> bool:
    """Keep the trend only when significant at 5 % and its forecast stays within the data
    (Farrington's rule: an extrapolated trend must not exceed the largest baseline count)."""
    if len(result.params) < 2 or len(x) < 2 or x[1] != 0.0:
        return False
    pvalue = float(result.pvalues[1])
    mu0 = math.exp(min(float(x @ result.params), 30.0))
    return pvalue < 0.05 and mu0 <= y.max()


def _threshold(mu0: float, var_mu: float, phi: float, alpha: float, method: str) -> float:
    """Upper limit for a count of mean ``mu0`` (``var_mu``: variance of the estimated mean)."""
    if mu0 <= 0:
        return 0.0
    z = stats.norm.ppf(1.0 - alpha)
    if method == "two-thirds":
        # Farrington et al. 1996: 2/3-power transform makes the count nearly symmetric.
        tau = (4 / 9) * phi * mu0 ** (1 / 3) + (4 / 9) * mu0 ** (-2 / 3) * var_mu
        return float((mu0 ** (2 / 3) + z * math.sqrt(tau)) ** 1.5)
    if method == "nb":
        # Predictive: the count's variance phi × mu0 plus the variance of the estimate itself,
        # as a negative binomial of that mean and variance.
        variance = phi * mu0 + var_mu
        if variance <= mu0 * (1 + 1e-9):
            return float(stats.poisson.ppf(1.0 - alpha, mu0))
        size = mu0**2 / (variance - mu0)
        return float(stats.nbinom.ppf(1.0 - alpha, size, size / (size + mu0)))
    # Noufaily's nbPlugin: quantile of NB(mean mu0, size mu0/(phi-1)); Poisson when phi == 1.
    if phi <= 1.0 + 1e-9:
        return float(stats.poisson.ppf(1.0 - alpha, mu0))
    size = mu0 / (phi - 1.0)
    return float(stats.nbinom.ppf(1.0 - alpha, size, size / (size + mu0)))


# --------------------------------------------------------------------------- CUSUM


def _nb_params(base: np.ndarray) -> tuple[float, float]:
    """In-control mean and NB size by moments, robust to one past spike (values above the
    median + 4 MAD-based sd are dropped first)."""
    median = float(np.median(base))
    mad = float(np.median(np.abs(base - median))) * 1.4826
    kept = base[base <= median + 4 * max(mad, math.sqrt(max(median, 1.0)))]
    mu = max(float(kept.mean()), 0.5 / len(base))
    var = float(kept.var(ddof=1)) if len(kept) > 1 else mu
    size = mu**2 / (var - mu) if var > mu * 1.05 else 1e6  # ~Poisson
    return mu, size


def _cusum(
    counts: np.ndarray, t_range: range, opts: DetectorOptions, out: list[Alarm | None], holiday: np.ndarray | None
) -> None:
    S = 0.0
    level_window = opts.short_baseline
    spread_window = 3 * level_window
    for t in t_range:
        observed = int(counts[t])
        # The period just before is left out of the baseline; holiday periods too, since
        # they would drag the in-control mean down and make the next weeks look high.
        lo, hi = max(0, t - spread_window - 1), max(0, t - 1)
        base = counts[lo:hi].astype(float)
        if holiday is not None and len(base):
            base = base[np.abs(holiday[lo:hi]) < 0.1]
        if len(base) < opts.short_min:
            out[t] = Alarm(observed, float(base.mean()) if len(base) else 0.0, math.nan, False, "none")
            continue
        # Level from the recent periods (it follows trend and season), spread from the longer window.
        _, size = _nb_params(base)
        mu0, _ = _nb_params(base[-level_window:])
        sd = math.sqrt(mu0 + mu0**2 / size)
        mu1 = mu0 + opts.cusum_shift * max(sd, 1.0)
        p0, p1 = mu0 / (mu0 + size), mu1 / (mu1 + size)
        slope = math.log(p1 / p0)
        intercept = size * math.log((1 - p1) / (1 - p0))
        upper = (opts.cusum_limit - S - intercept) / slope
        S = max(0.0, S + observed * slope + intercept)
        alarm = S > opts.cusum_limit and _recent_ok(counts, t, opts)
        if S > opts.cusum_limit:
            S = 0.0  # restart after a signal so one outbreak is not reported forever
        out[t] = Alarm(observed, mu0, max(float(upper), mu0), bool(alarm), "cusum")


def _recent_ok(counts: np.ndarray, t: int, opts: DetectorOptions) -> bool:
    return int(counts[max(0, t - 3) : t + 1].sum()) >= opts.min_recent


# --------------------------------------------------------------------------- entry


def _decide(y: np.ndarray, t: int, point: _Point, method: str, opts: DetectorOptions) -> Alarm:
    observed = int(y[t])
    pair = observed + (int(y[t - 1]) if t > 0 else 0)
    guard = _recent_ok(y, t, opts)
    single = observed > point.upper
    joint = opts.alpha_pair > 0 and t > 0 and not math.isnan(point.pair_upper) and pair > point.pair_upper
    reason = ("single" if single else "pair") if guard and (single or joint) else ""
    return Alarm(observed, point.expected, point.upper, bool(reason), method,
                 pair, point.pair_expected, point.pair_upper, reason)


def _short(y: np.ndarray, t_range: range, hol: np.ndarray | None, opts: DetectorOptions, out: list) -> None:
    if opts.short_method == "cusum":
        _cusum(y, t_range, opts, out, hol)
        return
    for t in t_range:
        point = _local_point(y, t, hol, opts)
        if point is None:
            before = y[max(0, t - 1 - opts.short_baseline) : max(0, t - 1)]
            out[t] = Alarm(int(y[t]), float(before.mean()) if len(before) else 0.0, math.nan, False, "none")
        else:
            out[t] = _decide(y, t, point, "local", opts)


def _undecided(y: np.ndarray, t: int, opts: DetectorOptions) -> Alarm:
    """Too little history to decide (fewer than ``short_min`` earlier periods): no alarm, but a
    complete row. The baseline is the series' other periods nearest to t (the later ones too,
    since there is nothing earlier; the period itself when the series has only one); ``expected``
    is their mean and ``upper`` the (1 − α) quantile of the Gamma–Poisson predictive count
    (Jeffreys prior on the rate: NB(size = total + ½, p = n / (n + 1))), which widens as the
    baseline shrinks."""
    others = [s for s in range(len(y)) if s != t]
    others.sort(key=lambda s: (abs(s - t), s))
    base = y[others[: opts.short_baseline]] if others else y[t : t + 1]
    n, total = len(base), float(base.sum())
    upper = float(stats.nbinom.ppf(1.0 - opts.alpha, total + 0.5, n / (n + 1.0)))
    return Alarm(int(y[t]), total / n, upper, False, "none")


def _fill_undecided(y: np.ndarray, out: list, opts: DetectorOptions) -> None:
    for t, alarm in enumerate(out):
        if alarm is not None and alarm.method == "none":
            out[t] = _undecided(y, t, opts)


def detect_series(
    counts: np.ndarray | list[int],
    options: DetectorOptions | None = None,
    *,
    holiday: np.ndarray | list[float] | None = None,
) -> list[Alarm]:
    """Return one :class:`Alarm` per period of one regular (gap-free) series, oldest first.

    ``holiday``: per period, the share of days off beyond ordinary weekends (0 for none).
    """
    opts = (options or DetectorOptions()).resolved()
    y = np.asarray(counts, dtype=np.int64)
    hol = None if holiday is None else np.asarray(holiday, dtype=float)
    freq = periods_per_year(opts.period)
    first_glm = 2 * freq + opts.window  # two full years of comparable history
    out: list[Alarm | None] = [None] * len(y)
    _short(y, range(0, min(first_glm, len(y))), hol, opts, out)
    for t in range(first_glm, len(y)):
        out[t] = _decide(y, t, _farrington_point(y, t, hol, opts, freq), "farrington", opts)
    _fill_undecided(y, out, opts)
    return out  # type: ignore[return-value]


def detect_last(
    counts: np.ndarray | list[int],
    options: DetectorOptions | None = None,
    *,
    holiday: np.ndarray | list[float] | None = None,
) -> Alarm:
    """The :class:`Alarm` of the last period only (what the daily job needs): one GLM fit
    instead of one per period; the same result as ``detect_series(...)[-1]``."""
    opts = (options or DetectorOptions()).resolved()
    y = np.asarray(counts, dtype=np.int64)
    freq = periods_per_year(opts.period)
    first_glm = 2 * freq + opts.window
    t = len(y) - 1
    hol = None if holiday is None else np.asarray(holiday, dtype=float)
    if t < first_glm:
        if opts.short_method == "cusum":
            return detect_series(y, options, holiday=holiday)[-1]
        out: list = [None] * len(y)
        _short(y, range(t, t + 1), hol, opts, out)
        return _undecided(y, t, opts) if out[t].method == "none" else out[t]
    return _decide(y, t, _farrington_point(y, t, hol, opts, freq), "farrington", opts)
