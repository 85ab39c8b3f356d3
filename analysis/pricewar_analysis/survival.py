"""Survival analysis of vendor exits: Kaplan-Meier, log-rank test, survival tables.

Conventions
-----------
* A vendor that exits at turn ``t`` has duration ``t`` and event 1.  A vendor alive at
  the horizon (``exit_turn == -1``) is right-censored with duration ``turns`` and event 0.
* The Kaplan-Meier estimate is evaluated at the distinct event times (times with at least
  one exit); it is a right-continuous step function equal to 1 before the first event.
* Standard errors use Greenwood's formula.  Pointwise confidence intervals are either
  ``"log-log"`` (default; the interval for log(-log S) mapped back, always inside [0, 1])
  or ``"plain"`` (S +/- z SE, clipped to [0, 1]).  Where S is 1 or 0 the interval
  degenerates to the point estimate; where S drops to 0 the Greenwood SE is undefined
  and reported as NaN.
* The median survival is the smallest event time with S(t) <= 0.5, or None when the curve
  never falls to 0.5.
"""

from __future__ import annotations

import dataclasses
import math
from statistics import NormalDist
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np
import pandas as pd

from .io import EXIT_ABSENT, EXIT_ALIVE


# ----------------------------------------------------------------------- chi-square tail

def _gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) (series / continued fraction)."""
    if x <= 0:
        return 1.0
    log_prefactor = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        denom = a
        for _ in range(10000):
            denom += 1.0
            term *= x / denom
            total += term
            if abs(term) < abs(total) * 1e-16:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefactor))
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return math.exp(log_prefactor) * h


def chi2_sf(statistic: float, df: int) -> float:
    """Upper tail probability of the chi-square distribution."""
    if not np.isfinite(statistic):
        return float("nan")
    try:
        from scipy.stats import chi2  # optional; same value, used when installed
        return float(chi2.sf(statistic, df))
    except ImportError:
        return _gamma_q(df / 2.0, statistic / 2.0)


# --------------------------------------------------------------------------- Kaplan-Meier

def _check(durations, events):
    t = np.asarray(durations, dtype=float).reshape(-1)
    e = np.asarray(events, dtype=float).reshape(-1)
    if t.shape != e.shape:
        raise ValueError("durations and events must have the same length")
    if not np.all(np.isfinite(t)):
        raise ValueError("durations must be finite")
    if np.any(t < 0):
        raise ValueError("durations must be non-negative")
    if not np.all((e == 0) | (e == 1)):
        raise ValueError("events must be 0 (censored) or 1 (event)")
    return t, e.astype(int)


@dataclasses.dataclass
class KaplanMeier:
    """Kaplan-Meier estimate; arrays are indexed by the distinct event times."""

    time: np.ndarray          # distinct event times, ascending
    n_risk: np.ndarray        # number at risk just before each time
    n_events: np.ndarray      # events at each time
    survival: np.ndarray      # S(t) just after each time
    se: np.ndarray            # Greenwood standard error of S(t)
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    alpha: float
    conf_type: str
    n: int                    # number of subjects
    n_censored: int
    censor_times: np.ndarray  # durations of censored subjects (for tick marks)

    def survival_at(self, t) -> np.ndarray:
        """Evaluate the step function S at time(s) t."""
        t = np.asarray(t, dtype=float)
        idx = np.searchsorted(self.time, t, side="right") - 1
        s = np.concatenate(([1.0], self.survival))
        return s[idx + 1]

    def quantile(self, p: float) -> Optional[float]:
        """Smallest event time with S(t) <= 1 - p, or None if not reached."""
        if not 0 < p < 1:
            raise ValueError("p must be in (0, 1)")
        hit = np.flatnonzero(self.survival <= (1.0 - p) + 1e-12)
        return None if len(hit) == 0 else float(self.time[hit[0]])

    def median(self) -> Optional[float]:
        return self.quantile(0.5)

    def steps(self, start: float = 0.0, end: Optional[float] = None):
        """x, S, lower, upper arrays for a post-step plot starting at S(start) = 1."""
        x = np.concatenate(([start], self.time))
        s = np.concatenate(([1.0], self.survival))
        lo = np.concatenate(([1.0], self.ci_lower))
        hi = np.concatenate(([1.0], self.ci_upper))
        if end is not None and end > x[-1]:
            x = np.append(x, end)
            s, lo, hi = np.append(s, s[-1]), np.append(lo, lo[-1]), np.append(hi, hi[-1])
        return x, s, lo, hi

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"time": self.time, "n_risk": self.n_risk,
                             "n_events": self.n_events, "survival": self.survival,
                             "se": self.se, "ci_lower": self.ci_lower,
                             "ci_upper": self.ci_upper})


def _bands(s: np.ndarray, se: np.ndarray, alpha: float, conf_type: str):
    z = NormalDist().inv_cdf(1.0 - alpha / 2.0)
    lower = s.copy()
    upper = s.copy()
    ok = np.isfinite(se) & (s > 0) & (s < 1)
    if conf_type == "log-log":
        log_s = np.log(s[ok])
        # Delta method: Var[log(-log S)] = Var[S] / (S log S)^2
        theta_se = se[ok] / (s[ok] * np.abs(log_s))
        lower[ok] = s[ok] ** np.exp(z * theta_se)
        upper[ok] = s[ok] ** np.exp(-z * theta_se)
    elif conf_type == "plain":
        lower[ok] = np.clip(s[ok] - z * se[ok], 0.0, 1.0)
        upper[ok] = np.clip(s[ok] + z * se[ok], 0.0, 1.0)
    else:
        raise ValueError("conf_type must be 'log-log' or 'plain'")
    return lower, upper


def kaplan_meier(durations: Sequence[float], events: Sequence[int], alpha: float = 0.05,
                 conf_type: str = "log-log") -> KaplanMeier:
    """Kaplan-Meier estimator with Greenwood variance and pointwise (1-alpha) intervals."""
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    if conf_type not in ("log-log", "plain"):
        raise ValueError("conf_type must be 'log-log' or 'plain'")
    t, e = _check(durations, events)
    if len(t) == 0:
        raise ValueError("no observations")
    utime, inverse = np.unique(t, return_inverse=True)
    deaths = np.bincount(inverse, weights=e, minlength=len(utime))
    at_time = np.bincount(inverse, minlength=len(utime))
    at_risk = np.cumsum(at_time[::-1])[::-1]
    keep = deaths > 0
    time, d, n = utime[keep], deaths[keep].astype(int), at_risk[keep].astype(int)

    factor = 1.0 - d / n
    survival = np.cumprod(factor)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n > d, d / (n * (n - d)), np.inf)
    greenwood = np.cumsum(terms)
    finite = np.isfinite(greenwood)
    se = np.full(len(time), np.nan)
    se[finite] = survival[finite] * np.sqrt(greenwood[finite])
    lower, upper = _bands(survival, se, alpha, conf_type)
    return KaplanMeier(time=time, n_risk=n, n_events=d, survival=survival, se=se,
                       ci_lower=lower, ci_upper=upper, alpha=alpha, conf_type=conf_type,
                       n=len(t), n_censored=int((e == 0).sum()),
                       censor_times=np.sort(t[e == 0]))


def median_survival(km_or_durations, events=None) -> Optional[float]:
    """Median survival time of a KaplanMeier (or of durations/events); None if not reached."""
    km = km_or_durations if isinstance(km_or_durations, KaplanMeier) else \
        kaplan_meier(km_or_durations, events)
    return km.median()


# ------------------------------------------------------------------------------ log-rank

@dataclasses.dataclass
class LogRankResult:
    statistic: float
    df: int
    p_value: float
    groups: List
    observed: np.ndarray
    expected: np.ndarray
    covariance: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"group": self.groups, "observed": self.observed,
                             "expected": self.expected})


def logrank_test(durations: Sequence[float], events: Sequence[int],
                 groups: Sequence) -> LogRankResult:
    """Log-rank test of equal survival across two or more groups.

    statistic = (O - E)' V^- (O - E) over all groups but one, chi-square with
    (number of groups - 1) degrees of freedom (the rank of V if it is singular).
    """
    t, e = _check(durations, events)
    g = np.asarray(groups, dtype=object).reshape(-1)
    if g.shape != t.shape:
        raise ValueError("groups must have the same length as durations")
    labels = sorted(set(g.tolist()), key=lambda v: str(v))
    if len(labels) < 2:
        raise ValueError("the log-rank test needs at least two groups")
    code = np.array([labels.index(v) for v in g.tolist()])
    k = len(labels)

    event_times = np.unique(t[e == 1])
    observed = np.zeros(k)
    expected = np.zeros(k)
    cov = np.zeros((k, k))
    for tj in event_times:
        at_risk = t >= tj
        n_g = np.bincount(code[at_risk], minlength=k).astype(float)
        d_g = np.bincount(code[(t == tj) & (e == 1)], minlength=k).astype(float)
        n_j, d_j = n_g.sum(), d_g.sum()
        share = n_g / n_j
        observed += d_g
        expected += d_j * share
        if n_j > 1:
            scale = d_j * (n_j - d_j) / (n_j - 1)
            cov += scale * (np.diag(share) - np.outer(share, share))
    diff = (observed - expected)[1:]
    sub = cov[1:, 1:]
    rank = int(np.linalg.matrix_rank(sub)) if sub.size else 0
    if rank == 0:
        statistic, df = float("nan"), 0
    else:
        statistic = float(diff @ np.linalg.pinv(sub) @ diff)
        df = rank
    p_value = chi2_sf(statistic, df) if df > 0 else float("nan")
    return LogRankResult(statistic=statistic, df=df, p_value=p_value, groups=labels,
                         observed=observed, expected=expected, covariance=cov)


# ---------------------------------------------------------------------- survival tables

def survival_table(vendor_summary: pd.DataFrame, group_by=None,
                   kinds: Optional[Iterable[str]] = ("startup",),
                   turns: Optional[int] = None) -> pd.DataFrame:
    """Durations and events from a vendor summary (run or sweep).

    Args:
        vendor_summary: DataFrame with columns exit_turn and kind, and the horizon either
            as a ``turns`` column or through the ``turns`` argument.
        group_by: None (one group "all"), a column name, or a list of column names (the
            group label is then the values joined with " / ").
        kinds: vendor kinds to keep (None keeps all).
    Returns:
        a copy of the selected rows with added columns duration, event, group.
    """
    df = vendor_summary.copy()
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        df = df[df["kind"].isin(kinds)]
    df = df[df["exit_turn"] != EXIT_ABSENT]
    if "turns" in df.columns:
        horizon = df["turns"].to_numpy(dtype=float)
    elif turns is not None:
        horizon = np.full(len(df), float(turns))
    else:
        raise ValueError("the horizon is unknown: pass turns= or provide a 'turns' column")
    exit_turn = df["exit_turn"].to_numpy()
    bad = (exit_turn < 0) & (exit_turn != EXIT_ALIVE)
    if bad.any():
        raise ValueError(f"unexpected exit_turn codes: {sorted(set(exit_turn[bad]))}")
    event = (exit_turn >= 0).astype(int)
    df["duration"] = np.where(event == 1, exit_turn, horizon).astype(float)
    df["event"] = event
    if group_by is None:
        df["group"] = "all"
    elif isinstance(group_by, str):
        df["group"] = df[group_by].astype(str)
    else:
        cols = list(group_by)
        df["group"] = df[cols].astype(str).agg(" / ".join, axis=1) if len(df) else ""
    return df.reset_index(drop=True)


def km_by_group(table: pd.DataFrame, alpha: float = 0.05,
                conf_type: str = "log-log") -> Dict[str, KaplanMeier]:
    """One Kaplan-Meier estimate per value of table['group'] (see survival_table)."""
    out: Dict[str, KaplanMeier] = {}
    for label, sub in table.groupby("group", sort=True):
        if len(sub):
            out[label] = kaplan_meier(sub["duration"], sub["event"], alpha=alpha,
                                      conf_type=conf_type)
    return out


def logrank_table(table: pd.DataFrame) -> Optional[LogRankResult]:
    """Log-rank test across table['group']; None when fewer than two groups or no events."""
    if table["group"].nunique() < 2 or table["event"].sum() == 0:
        return None
    return logrank_test(table["duration"], table["event"], table["group"])
