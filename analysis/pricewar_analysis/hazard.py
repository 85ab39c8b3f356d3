"""Survival regression and competing risks of vendor exits.

* ``cox`` -- Cox (1972) proportional-hazards regression of exit on covariates (statsmodels
  ``PHReg``, Efron ties, optional strata) with hazard ratios, Wald confidence intervals and
  the Grambsch & Therneau (1994) test of proportional hazards.
* ``ph_test`` -- the Grambsch-Therneau test from the Schoenfeld residuals of a fit: for
  event k with unscaled residual vector s_k and time transform g_k (rank of the event
  time among the events), U = sum_k (g_k - mean g) s_k and, with V the inverse
  information, d events and S = sum_k (g_k - mean g)^2,
  T_j = d (V U)_j^2 / (V_jj S) for covariate j (chi-square, 1 df) and
  T = d U' V U / S globally (chi-square, p df). A small p-value says the covariate's
  effect changes with time, i.e. its hazard ratio is an average over the horizon.
* ``sweep_cox`` -- the regression of startup exits on the swept parameters of a sweep,
  per startup and pooled over startups with one stratum (baseline hazard) per startup.
  Parameters that are log-spaced (``log_spaced``: positive and spanning at least a
  factor 10, or a factor 4 with levels more even in log than linear terms) enter as
  log2 (hazard ratio per doubling); others are centred and divided by their standard deviation (hazard
  ratio per standard deviation).
* ``cumulative_incidence`` -- Aalen-Johansen (1978) cumulative incidence per cause of
  exit with competing risks, with delta-method standard errors (Marubini & Valsecchi
  1995). ``sweep_cumulative_incidence`` uses ``/summary/vendor/exit_reason`` when the
  file has it and one cause ("exit") otherwise.
"""

from __future__ import annotations

import dataclasses
import warnings
from statistics import NormalDist
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd

from .io import EXIT_ABSENT
from .survival import chi2_sf

#: a fitted |log hazard ratio| per unit above this means the outcome separates the data
SEPARATION_LIMIT = 8.0


@dataclasses.dataclass
class CoxResult:
    """A Cox fit.

    Attributes:
        table: one row per covariate: ``coef`` (log hazard ratio), ``se``, ``hr``,
            ``hr_low``, ``hr_high`` ((1-alpha) Wald interval), ``p_value`` (Wald),
            ``estimable`` (False: separation, the ratio runs off to 0 or infinity),
            ``ph_chi2``, ``ph_p`` (Grambsch-Therneau test of that covariate).
        ph_global_chi2, ph_global_df, ph_global_p: the global proportional-hazards test.
        n, events: subjects and events used.
        warnings: reasons to distrust the fit (separation, few events, no convergence).
    """

    table: pd.DataFrame
    ph_global_chi2: float
    ph_global_df: int
    ph_global_p: float
    n: int
    events: int
    alpha: float
    warnings: List[str]

    @property
    def reliable(self) -> bool:
        return not self.warnings


def ph_test(residuals: np.ndarray, event_times: np.ndarray, cov: np.ndarray):
    """Grambsch-Therneau test (see the module doc). Returns (per-covariate chi2, global
    chi2, global df)."""
    s = np.asarray(residuals, dtype=float)
    t = np.asarray(event_times, dtype=float)
    d = len(t)
    if d < 3:
        nan = np.full(s.shape[1], np.nan)
        return nan, float("nan"), s.shape[1]
    g = pd.Series(t).rank(method="average").to_numpy()
    g = g - g.mean()
    S = float(g @ g)
    if S <= 0:
        nan = np.full(s.shape[1], np.nan)
        return nan, float("nan"), s.shape[1]
    U = g @ s
    VU = cov @ U
    per = d * VU ** 2 / (np.diag(cov) * S)
    total = float(d * U @ VU / S)
    return per, total, s.shape[1]


def cox(durations: Sequence[float], events: Sequence[int], covariates,
        strata: Optional[Sequence] = None, alpha: float = 0.05,
        min_events: int = 10) -> CoxResult:
    """Cox proportional-hazards regression (Efron ties) with a proportional-hazards check.

    Args:
        durations: time to exit or censoring.
        events: 1 exit, 0 censored.
        covariates: DataFrame (its columns name the covariates) or 2-D array.
        strata: optional stratum label per subject (separate baseline hazards).
        min_events: fewer events than this adds a warning.
    """
    from statsmodels.duration.hazard_regression import PHReg
    X = covariates if isinstance(covariates, pd.DataFrame) else \
        pd.DataFrame(np.asarray(covariates, dtype=float),
                     columns=[f"x{i + 1}" for i in range(np.shape(covariates)[1])])
    t = np.asarray(durations, dtype=float).reshape(-1)
    e = np.asarray(events, dtype=float).reshape(-1)
    if not (len(t) == len(e) == len(X)):
        raise ValueError("durations, events and covariates must have the same length")
    if not np.all((e == 0) | (e == 1)):
        raise ValueError("events must be 0 or 1")
    n_events = int(e.sum())
    if n_events == 0:
        raise ValueError("no events: nothing to regress")
    notes: List[str] = []
    if n_events < min_events:
        notes.append(f"only {n_events} exits (fewer than {min_events}): estimates are "
                     f"unstable")
    values = X.to_numpy(dtype=float)
    kwargs = {"ties": "efron"}
    if strata is not None:
        codes, _ = pd.factorize(pd.Series(list(strata)).astype(str))
        kwargs["strata"] = codes
    model = PHReg(t, values, status=e, **kwargs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = model.fit()
            cov = np.asarray(fit.cov_params(), dtype=float)
        except np.linalg.LinAlgError:
            fit = None
    if fit is None:
        notes.append("singular information matrix: exit is determined by the covariates "
                     "(separation) or covariates are collinear; hazard ratios are not "
                     "estimable")
        nan = np.full(X.shape[1], np.nan)
        table = pd.DataFrame({"coef": nan, "se": nan, "hr": nan, "hr_low": nan, "hr_high": nan,
                              "p_value": nan, "ph_chi2": nan, "ph_p": nan},
                             index=pd.Index([str(c) for c in X.columns], name="covariate"))
        table["estimable"] = False
        return CoxResult(table=table, ph_global_chi2=float("nan"), ph_global_df=X.shape[1],
                         ph_global_p=float("nan"), n=len(t), events=n_events, alpha=alpha,
                         warnings=notes)
    if any("converge" in str(w.message).lower() for w in caught):
        notes.append("the fit did not converge")
    params = np.asarray(fit.params, dtype=float)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    z = NormalDist().inv_cdf(1 - alpha / 2)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        wald_p = np.array([2 * (1 - NormalDist().cdf(abs(b / s))) if s > 0 else np.nan
                           for b, s in zip(params, se)])
        table = pd.DataFrame({"coef": params, "se": se, "hr": np.exp(params),
                              "hr_low": np.exp(params - z * se),
                              "hr_high": np.exp(params + z * se), "p_value": wald_p},
                             index=pd.Index([str(c) for c in X.columns], name="covariate"))
    bad = ~np.isfinite(se) | (np.abs(params) > SEPARATION_LIMIT)
    table["estimable"] = ~bad
    if bad.any():
        names = ", ".join(table.index[bad])
        notes.append(f"{names}: exit is (almost) determined by this covariate (separation); "
                     f"the hazard ratio is not estimable")

    resid = np.asarray(fit.schoenfeld_residuals, dtype=float)
    is_event = (e == 1) & np.all(np.isfinite(resid), axis=1)
    per, total, df = ph_test(resid[is_event], t[is_event], cov)
    table["ph_chi2"] = per
    table["ph_p"] = [chi2_sf(float(v), 1) if np.isfinite(v) else np.nan for v in per]
    global_p = chi2_sf(total, df) if np.isfinite(total) else float("nan")
    return CoxResult(table=table, ph_global_chi2=total, ph_global_df=df,
                     ph_global_p=global_p, n=len(t), events=n_events, alpha=alpha,
                     warnings=notes)


# ------------------------------------------------------------------------ sweep Cox

def log_spaced(values) -> bool:
    """True for positive values spanning at least 10x, or at least 4x with distinct
    values more evenly spaced in log than in linear terms (e.g. 0.5, 1, 2, 4)."""
    x = np.unique(np.asarray(values, dtype=float))
    x = x[np.isfinite(x)]
    if len(x) < 2 or x[0] <= 0:
        return False
    ratio = x[-1] / x[0]
    if ratio >= 10:
        return True
    if ratio < 4 or len(x) < 3:
        return False

    def spread(steps):
        return np.std(steps) / np.mean(steps)

    return bool(spread(np.diff(np.log(x))) < spread(np.diff(x)))


def covariate_transform(values: pd.Series):
    """(transformed values, unit text) for one swept parameter (see the module doc)."""
    x = values.to_numpy(dtype=float)
    if log_spaced(x):
        return pd.Series(np.log2(x), index=values.index), "per doubling"
    sd = float(np.nanstd(x))
    if sd <= 0:
        return None, ""
    return (pd.Series((x - np.nanmean(x)) / sd, index=values.index),
            f"per +{sd:.3g} (1 sd)")


def _durations(vs: pd.DataFrame):
    horizon = vs["turns"].to_numpy(dtype=float)
    exit_turn = vs["exit_turn"].to_numpy()
    event = (exit_turn >= 0).astype(int)
    return np.where(event == 1, exit_turn, horizon).astype(float), event


def sweep_cox(vendor_summary: pd.DataFrame, parameters: Sequence[str],
              kinds=("startup",), alpha: float = 0.05) -> Dict[str, object]:
    """Cox regressions of exit on the swept parameters.

    Returns a dict with ``table`` (long DataFrame: model ("pooled, strata = vendor" or a
    vendor), covariate, unit, hr, hr_low, hr_high, p_value, ph_p, events, n, note) and
    ``fits`` (model name -> CoxResult; hr, hr_low and hr_high are NaN in ``table`` where
    the covariate is not estimable, or the error text when the model could not be
    fitted, e.g. a vendor that never exits).
    """
    vs = vendor_summary[vendor_summary["exit_turn"] != EXIT_ABSENT]
    if kinds is not None:
        vs = vs[vs["kind"].isin([kinds] if isinstance(kinds, str) else list(kinds))]
    fits: Dict[str, object] = {}
    rows = []

    def fit_one(name, sub, strata):
        covs, units = {}, {}
        for p in parameters:
            if p in sub and sub[p].nunique() > 1:
                values, unit = covariate_transform(sub[p])
                if values is not None:
                    covs[p], units[p] = values, unit
        if not covs:
            fits[name] = "no swept parameter varies"
            return
        durations, events = _durations(sub)
        if events.sum() == 0:
            fits[name] = "no exit in any run"
            return
        if events.sum() == len(events) and sub["exit_turn"].nunique() == 1:
            fits[name] = "every run exits at the same turn"
            return
        try:
            result = cox(durations, events, pd.DataFrame(covs), strata=strata, alpha=alpha)
        except Exception as err:   # singular information etc.: reported, not fatal
            fits[name] = f"{type(err).__name__}: {err}"
            return
        fits[name] = result
        for cov_name, row in result.table.iterrows():
            ok = bool(row["estimable"])
            rows.append({"model": name, "covariate": cov_name, "unit": units[cov_name],
                         "hr": row["hr"] if ok else np.nan,
                         "hr_low": row["hr_low"] if ok else np.nan,
                         "hr_high": row["hr_high"] if ok else np.nan,
                         "p_value": row["p_value"], "ph_p": row["ph_p"],
                         "events": result.events, "n": result.n,
                         "note": "; ".join(result.warnings)})

    vendors = list(dict.fromkeys(vs["vendor"]))
    if len(vendors) > 1:
        fit_one("pooled, strata = vendor", vs, vs["vendor"].to_numpy())
    for vendor in vendors:
        fit_one(vendor, vs[vs["vendor"] == vendor], None)
    table = pd.DataFrame(rows, columns=["model", "covariate", "unit", "hr", "hr_low", "hr_high",
                                        "p_value", "ph_p", "events", "n", "note"])
    return {"table": table, "fits": fits}


# ------------------------------------------------------------------ competing risks

@dataclasses.dataclass
class CumulativeIncidence:
    """Aalen-Johansen estimate: ``time`` (distinct event times), ``n_risk``, and per cause
    ``incidence[cause]`` and ``se[cause]`` at each time; ``survival`` is the all-cause
    Kaplan-Meier estimate just after each time."""

    time: np.ndarray
    n_risk: np.ndarray
    survival: np.ndarray
    incidence: Dict[str, np.ndarray]
    se: Dict[str, np.ndarray]
    n: int

    def at(self, cause: str, t: float) -> float:
        idx = int(np.searchsorted(self.time, t, side="right")) - 1
        return 0.0 if idx < 0 else float(self.incidence[cause][idx])

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"time": self.time, "n_risk": self.n_risk,
                              "survival": self.survival})
        for cause in self.incidence:
            frame[f"cif_{cause}"] = self.incidence[cause]
            frame[f"se_{cause}"] = self.se[cause]
        return frame


def _cause_labels(causes) -> np.ndarray:
    out = []
    for c in causes:
        if isinstance(c, (bytes, np.bytes_)):
            c = c.decode("utf-8", errors="replace")
        if c is None or (isinstance(c, float) and np.isnan(c)):
            out.append("")
        else:
            out.append(str(c))
    return np.asarray(out, dtype=object)


def cumulative_incidence(durations: Sequence[float], causes: Sequence) -> CumulativeIncidence:
    """Aalen-Johansen cumulative incidence per cause.

    Args:
        durations: time of exit or censoring.
        causes: the cause of each exit; "" (or None, NaN, 0) marks a censored subject.
    Returns:
        CumulativeIncidence with F_k(t) = sum over event times t_j <= t of
        S(t_j-) d_kj / n_j, S the all-cause Kaplan-Meier estimate.
    """
    t = np.asarray(durations, dtype=float).reshape(-1)
    labels = _cause_labels(causes)
    labels = np.where(np.isin(labels, ["", "0", "None", "nan"]), "", labels)
    if len(labels) != len(t):
        raise ValueError("durations and causes must have the same length")
    if len(t) == 0 or not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("durations must be finite, non-negative and not empty")
    event = labels != ""
    cause_names = sorted(set(labels[event].tolist()))
    times = np.unique(t[event])
    n_risk = np.array([(t >= tj).sum() for tj in times], dtype=float)
    d_all = np.array([((t == tj) & event).sum() for tj in times], dtype=float)
    surv = np.cumprod(1 - d_all / n_risk)
    surv_before = np.concatenate(([1.0], surv[:-1]))
    incidence, se = {}, {}
    with np.errstate(divide="ignore", invalid="ignore"):
        ra = np.where(n_risk > d_all, d_all / (n_risk * (n_risk - d_all)), 0.0)
    for cause in cause_names:
        d_k = np.array([((t == tj) & (labels == cause)).sum() for tj in times], dtype=float)
        jump = surv_before * d_k / n_risk
        F = np.cumsum(jump)
        var = np.empty(len(times))
        for i in range(len(times)):
            diff = F[i] - F[: i + 1]
            var[i] = (np.sum(diff ** 2 * ra[: i + 1])
                      + np.sum(surv_before[: i + 1] ** 2 * d_k[: i + 1]
                               * (n_risk[: i + 1] - d_k[: i + 1]) / n_risk[: i + 1] ** 3)
                      - 2 * np.sum(diff * surv_before[: i + 1] * d_k[: i + 1]
                                   / n_risk[: i + 1] ** 2))
        incidence[cause] = F
        se[cause] = np.sqrt(np.clip(var, 0, None))
    return CumulativeIncidence(time=times, n_risk=n_risk, survival=surv, incidence=incidence,
                               se=se, n=len(t))


#: ``/summary/vendor/exit_reason`` integer codes written by pricewar (its ``codes`` attribute)
EXIT_REASON_NAMES = {1: "shutdown", 2: "withdrawal"}


def exit_causes(vendor_summary: pd.DataFrame) -> np.ndarray:
    """Cause of exit per row: the ``exit_reason`` column when present (decoded; integer
    codes 1 and 2 become "shutdown" and "withdrawal", others "reason N"), "exit" otherwise; "" for vendors alive at the horizon."""
    exited = vendor_summary["exit_turn"].to_numpy() >= 0
    if "exit_reason" in vendor_summary:
        raw = vendor_summary["exit_reason"].tolist()
        if pd.api.types.is_numeric_dtype(vendor_summary["exit_reason"]):
            labels = np.array([EXIT_REASON_NAMES.get(int(v), f"reason {int(v)}")
                               if np.isfinite(v) and v >= 0 else "exit"
                               for v in np.asarray(raw, dtype=float)], dtype=object)
        else:
            labels = _cause_labels(raw)
            labels = np.where(labels == "", "exit", labels)
    else:
        labels = np.full(len(vendor_summary), "exit", dtype=object)
    return np.where(exited, labels, "")


def sweep_cumulative_incidence(vendor_summary: pd.DataFrame, kinds=("startup",)
                               ) -> Dict[str, CumulativeIncidence]:
    """Aalen-Johansen cumulative incidence of each exit cause, per vendor of ``kinds``."""
    vs = vendor_summary[vendor_summary["exit_turn"] != EXIT_ABSENT]
    if kinds is not None:
        vs = vs[vs["kind"].isin([kinds] if isinstance(kinds, str) else list(kinds))]
    out = {}
    for vendor, sub in vs.groupby("vendor", sort=False):
        durations, _ = _durations(sub)
        causes = exit_causes(sub)
        if (causes != "").any():
            out[vendor] = cumulative_incidence(durations, causes)
    return out
