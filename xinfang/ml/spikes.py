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
import warnings
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
    alpha: float = 0.005  # one-sided: the chance an ordinary period crosses ``upper``
    years: int = 5  # b: years of comparable history used at most
    window: int | None = None  # w: half-width of the comparable window (3 weeks / 1 month)
    gap: int | None = None  # most recent periods never used as baseline (26 weeks / 6 months)
    seasonal_levels: int | None = None  # 10 levels weekly (Noufaily), 4 monthly
    reweight_limit: float = 2.58  # Anscombe residual above which a past period is down-weighted
    min_recent: int = 5  # minimum-count guard: an alarm needs this many over the last 4 periods
    threshold: Literal["nb", "two-thirds"] = "nb"
    # CUSUM for short series
    cusum_shift: float = 1.5  # detect a rise of this many standard deviations
    cusum_limit: float = 4.0  # h (calibrated in benchmarks/warning/spikes_bench.py)
    short_baseline: int | None = None  # recent periods for the CUSUM baseline (8 weeks / 6 months)
    short_min: int = 6  # fewer baseline periods than this: no decision (expected only)

    def resolved(self) -> DetectorOptions:
        weekly = self.period == "week"
        return DetectorOptions(
            **{
                **self.__dict__,
                "window": self.window if self.window is not None else (3 if weekly else 1),
                "gap": self.gap if self.gap is not None else (26 if weekly else 6),
                "seasonal_levels": self.seasonal_levels or (10 if weekly else 4),
                "short_baseline": self.short_baseline or (8 if weekly else 6),
            }
        )


@dataclass(frozen=True)
class Alarm:
    observed: int
    expected: float
    upper: float
    alarm: bool
    method: str  # "farrington" / "cusum" / "none" (too little history to decide)


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


def _fit(y: np.ndarray, X: np.ndarray, weights: np.ndarray | None):
    import statsmodels.api as sm

    model = sm.GLM(y, X, family=sm.families.Poisson(), var_weights=weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(scale="X2", method="IRLS", maxiter=50)


def _anscombe(y: np.ndarray, mu: np.ndarray, phi: float) -> np.ndarray:
    mu = np.maximum(mu, 1e-9)
    return 1.5 * (np.power(y, 2 / 3) - np.power(mu, 2 / 3)) / (np.power(mu, 1 / 6) * math.sqrt(phi))


def _farrington_point(
    counts: np.ndarray, t: int, holiday: np.ndarray | None, opts: DetectorOptions, freq: int
) -> tuple[float, float]:
    """Return ``(expected, upper)`` for period ``t`` from the improved Farrington GLM."""
    w, gap, levels = opts.window, opts.gap, opts.seasonal_levels
    years = min(opts.years, (t - w) // freq)
    start = max(0, t - years * freq - w)
    idx = np.arange(start, t - gap + 1)
    y = counts[idx].astype(float)
    if y.sum() == 0:
        return 0.0, 0.0
    lags = t - idx
    factor = _seasonal_factor(lags, freq, w, levels)
    present = np.unique(factor)
    columns = [np.ones(len(idx)), idx - t]  # trend centred on t: the prediction is the intercept
    names = ["const", "trend"]
    for level in present:
        if level != 0:
            columns.append((factor == level).astype(float))
            names.append(f"s{level}")
    use_holiday = holiday is not None and np.ptp(holiday[idx]) > 0.05
    if use_holiday:
        columns.append(holiday[idx])
        names.append("holiday")
    X = np.column_stack(columns)
    x0 = np.zeros(X.shape[1])
    x0[0] = 1.0
    if use_holiday:
        x0[-1] = holiday[t]

    def fit_with(weights: np.ndarray | None, keep_trend: bool):
        cols = slice(None) if keep_trend else [i for i in range(X.shape[1]) if i != 1]
        result = _fit(y, X[:, cols], weights)
        return result, x0[cols]

    result, x = fit_with(None, True)
    trend_kept = _trend_significant(result, y, x)
    if not trend_kept:
        result, x = fit_with(None, False)
    # Down-weight past outbreaks (Noufaily: s^-2 for Anscombe residuals above 2.58).
    phi = max(float(result.scale), 1.0)
    s = _anscombe(y, result.mu, phi)
    weights = np.where(s > opts.reweight_limit, 1.0 / np.maximum(s, 1e-9) ** 2, 1.0)
    weights *= len(y) / weights.sum()
    result, x = fit_with(weights, trend_kept)
    if trend_kept and not _trend_significant(result, y, x):
        result, x = fit_with(weights, False)
    phi = max(float(result.scale), 1.0)
    eta = float(x @ result.params)
    var_eta = float(x @ result.cov_params() @ x)
    mu0 = math.exp(min(eta, 30.0))
    return mu0, _threshold(mu0, var_eta, phi, opts)


def _trend_significant(result, y: np.ndarray, x: np.ndarray) -> bool:
    """Keep the trend only when significant at 5 % and its forecast stays within the data
    (Farrington's rule: an extrapolated trend must not exceed the largest baseline count)."""
    if len(result.params) < 2 or len(x) < 2 or x[1] != 0.0:
        return False
    pvalue = float(result.pvalues[1])
    mu0 = math.exp(min(float(x @ result.params), 30.0))
    return pvalue < 0.05 and mu0 <= y.max()


def _threshold(mu0: float, var_eta: float, phi: float, opts: DetectorOptions) -> float:
    z = stats.norm.ppf(1.0 - opts.alpha)
    if opts.threshold == "two-thirds":
        # Farrington et al. 1996: 2/3-power transform makes the count nearly symmetric.
        var_mu = mu0**2 * var_eta
        tau = (4 / 9) * phi * mu0 ** (1 / 3) + (4 / 9) * mu0 ** (-2 / 3) * var_mu
        return float((mu0 ** (2 / 3) + z * math.sqrt(tau)) ** 1.5)
    # Noufaily's nbPlugin: quantile of NB(mean mu0, size mu0/(phi-1)); Poisson when phi == 1.
    if phi <= 1.0 + 1e-9:
        return float(stats.poisson.ppf(1.0 - opts.alpha, mu0))
    size = mu0 / (phi - 1.0)
    return float(stats.nbinom.ppf(1.0 - opts.alpha, size, size / (size + mu0)))


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
    _cusum(y, range(0, min(first_glm, len(y))), opts, out, hol)
    for t in range(first_glm, len(y)):
        expected, upper = _farrington_point(y, t, hol, opts, freq)
        observed = int(y[t])
        alarm = observed > upper and _recent_ok(y, t, opts)
        out[t] = Alarm(observed, expected, upper, bool(alarm), "farrington")
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
    if t < first_glm:
        return detect_series(y, options, holiday=holiday)[-1]
    hol = None if holiday is None else np.asarray(holiday, dtype=float)
    expected, upper = _farrington_point(y, t, hol, opts, freq)
    observed = int(y[t])
    return Alarm(observed, expected, upper, bool(observed > upper and _recent_ok(y, t, opts)), "farrington")
