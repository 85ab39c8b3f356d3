"""Sensitivity of outcomes to swept parameters.

* ``survival_vs_parameter`` -- share of vendors (startups by default) alive at a chosen
  turn against one swept parameter, with Wilson score binomial intervals.  Every
  vendor-run is one Bernoulli trial; vendors of the same run are treated as independent.
* ``sobol_indices`` -- first-order indices with the Saltelli (2010) estimator and
  total-order indices with the Jansen (1999) estimator, from the model outputs on the
  Saltelli matrices A, B and A_B^i (A with column i taken from B), with bootstrap
  percentile intervals (rows resampled jointly across A, B and all A_B^i).
* ``sobol_matrices`` / ``sobol_from_sweep`` -- rebuild y_A, y_B, y_AB from a sweep whose
  design stores ``sobol_block`` (0 = A, 1 = B, 2+i = A_B^i for parameter i, in the order
  of the /design attribute ``parameters``) and ``sobol_index`` (row 0..N-1 in the block).
  Replicates of one design row are averaged by default (``replicates="mean"``), so the
  indices describe the expected output given the parameters and the seed noise is
  averaged out; ``replicates="separate"`` treats (row, replicate) as distinct sample rows.
  Failed runs are dropped; a row is used only if all k+2 blocks have a value for it.
"""

from __future__ import annotations

import warnings
from statistics import NormalDist
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from .io import EXIT_ABSENT, EXIT_ALIVE, STATUS_OK


# --------------------------------------------------------------- survival vs parameter

def wilson_interval(successes, trials, alpha: float = 0.05):
    """Wilson score interval for a binomial proportion (arrays allowed)."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = NormalDist().inv_cdf(1.0 - alpha / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        # the score interval always contains p; guard against rounding at p = 0 or 1
        lower = np.where(n > 0, np.clip(np.minimum(centre - half, p), 0.0, 1.0), np.nan)
        upper = np.where(n > 0, np.clip(np.maximum(centre + half, p), 0.0, 1.0), np.nan)
    return lower, upper


def alive_at(vendor_summary: pd.DataFrame, turn: Optional[int] = None) -> pd.Series:
    """Boolean Series: vendor alive at ``turn`` (None = its run's horizon).

    A vendor with exit_turn t is alive at turns < t; censored vendors (exit_turn -1) are
    known to be alive only up to the horizon, so ``turn`` may not exceed it.
    """
    exit_turn = vendor_summary["exit_turn"].to_numpy()
    if turn is None:
        return pd.Series(exit_turn == EXIT_ALIVE, index=vendor_summary.index)
    if "turns" in vendor_summary.columns:
        horizon = vendor_summary["turns"].to_numpy()
        if np.any(turn > horizon):
            raise ValueError(f"turn {turn} is beyond the horizon of some runs "
                             f"(min {int(horizon.min())})")
    return pd.Series((exit_turn == EXIT_ALIVE) | (exit_turn > turn), index=vendor_summary.index)


def _select_kinds(df: pd.DataFrame, kinds) -> pd.DataFrame:
    df = df[df["exit_turn"] != EXIT_ABSENT]
    if kinds is None:
        return df
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    return df[df["kind"].isin(kinds)]


def survival_vs_parameter(df: pd.DataFrame, param: str, turn: Optional[int] = None,
                          bins: Union[None, int, Sequence[float]] = None,
                          kinds=("startup",), alpha: float = 0.05,
                          max_levels: int = 12) -> pd.DataFrame:
    """Share of vendors alive at ``turn`` against the swept parameter ``param``.

    Args:
        df: long vendor summary of a sweep (``SweepData.vendor_summary``).
        param: a design column (e.g. ``"vendors.baichuan.cash"``).
        turn: turn at which survival is measured; None = the horizon.
        bins: None: one level per distinct value if the parameter is non-numeric or has at
            most ``max_levels`` values (grid designs), otherwise 5 quantile bins
            (continuous LHS/Sobol designs).  An int: that many quantile bins.  A sequence:
            explicit bin edges.
        kinds: vendor kinds counted (None = all).
    Returns:
        DataFrame with one row per level/bin: label, lower, upper, x (mean parameter value
        in the bin), n (vendor-runs), alive, share, ci_low, ci_high.
    """
    if param not in df.columns:
        raise KeyError(f"{param!r} is not a column of the vendor summary")
    sub = _select_kinds(df, kinds)
    alive = alive_at(sub, turn).to_numpy()
    values = sub[param]
    numeric = pd.api.types.is_numeric_dtype(values)

    if bins is None and (not numeric or values.nunique() <= max_levels):
        keys = values.to_numpy()
        levels = sorted(pd.unique(keys), key=lambda v: (str(type(v)), v))
        rows = []
        for level in levels:
            mask = keys == level
            x = float(level) if numeric else np.nan
            rows.append((str(level), x, x, x, int(mask.sum()), int(alive[mask].sum())))
    else:
        if not numeric:
            raise ValueError(f"{param!r} is not numeric; it cannot be binned")
        if bins is None or isinstance(bins, (int, np.integer)):
            q = 5 if bins is None else int(bins)
            cats = pd.qcut(values, q=q, duplicates="drop")
        else:
            cats = pd.cut(values, bins=list(bins), include_lowest=True)
        rows = []
        for interval in cats.cat.categories:
            mask = (cats == interval).to_numpy()
            x = float(values[mask].mean()) if mask.any() else np.nan
            rows.append((f"{interval.left:.4g} - {interval.right:.4g}", float(interval.left),
                         float(interval.right), x, int(mask.sum()), int(alive[mask].sum())))
    out = pd.DataFrame(rows, columns=["label", "lower", "upper", "x", "n", "alive"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = out["alive"] / out["n"].where(out["n"] > 0)
    out["ci_low"], out["ci_high"] = wilson_interval(out["alive"], out["n"], alpha)
    out.attrs.update(param=param, turn=turn, kinds=kinds, numeric=bool(numeric))
    return out


def run_survival_share(vendor_summary: pd.DataFrame, turn: Optional[int] = None,
                       kinds=("startup",)) -> pd.Series:
    """Per run_id: fraction of the selected vendors alive at ``turn`` (None = horizon)."""
    sub = _select_kinds(vendor_summary, kinds)
    alive = alive_at(sub, turn).astype(float)
    return alive.groupby(sub["run_id"]).mean().rename("survival_share")


# ------------------------------------------------------------------------------- Sobol

def _sobol_point(y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray):
    """Indices for a batch: y_a, y_b shape (..., N); y_ab shape (k, ..., N)."""
    variance = np.var(np.concatenate([y_a, y_b], axis=-1), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.mean(y_b * (y_ab - y_a), axis=-1) / variance
        total = 0.5 * np.mean((y_a - y_ab) ** 2, axis=-1) / variance
    return first, total


def sobol_indices(y_A, y_B, y_AB, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05,
                  names: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """First-order (Saltelli 2010) and total-order (Jansen) Sobol indices.

    S1_i = mean(f(B) * (f(A_B^i) - f(A))) / V
    ST_i = mean((f(A) - f(A_B^i))^2) / (2 V)
    with V the variance of the pooled f(A) and f(B) outputs.

    Args:
        y_A, y_B: outputs on the N rows of A and B.
        y_AB: shape (k, N); row i holds the outputs on A_B^i.
        n_boot: bootstrap resamples for the (1-alpha) percentile intervals (0 = none).
    Returns:
        DataFrame indexed by parameter with S1, S1_low, S1_high, ST, ST_low, ST_high.
    """
    y_a = np.asarray(y_A, dtype=float).reshape(-1)
    y_b = np.asarray(y_B, dtype=float).reshape(-1)
    y_ab = np.atleast_2d(np.asarray(y_AB, dtype=float))
    n = len(y_a)
    if len(y_b) != n or y_ab.shape[1] != n:
        raise ValueError(f"y_A, y_B and y_AB rows must all have N values; got {len(y_a)}, "
                         f"{len(y_b)}, {y_ab.shape}")
    if n < 2:
        raise ValueError("need at least two sample rows")
    if not (np.all(np.isfinite(y_a)) and np.all(np.isfinite(y_b)) and np.all(np.isfinite(y_ab))):
        raise ValueError("outputs contain NaN or infinite values")
    k = y_ab.shape[0]
    names = list(names) if names is not None else [f"x{i}" for i in range(k)]
    if len(names) != k:
        raise ValueError("names must have one entry per row of y_AB")

    first, total = _sobol_point(y_a, y_b, y_ab)
    out = pd.DataFrame({"S1": first, "ST": total}, index=pd.Index(names, name="parameter"))
    if n_boot and n_boot > 0:
        rng = np.random.default_rng(seed)
        boot_first = np.empty((n_boot, k))
        boot_total = np.empty((n_boot, k))
        chunk = max(1, int(2_000_000 // max(1, k * n)))
        done = 0
        while done < n_boot:
            m = min(chunk, n_boot - done)
            idx = rng.integers(0, n, size=(m, n))
            f, t = _sobol_point(y_a[idx], y_b[idx], y_ab[:, idx])
            boot_first[done:done + m] = f.T
            boot_total[done:done + m] = t.T
            done += m
        q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
        with warnings.catch_warnings():   # constant outputs give all-NaN resamples
            warnings.simplefilter("ignore", RuntimeWarning)
            out["S1_low"], out["S1_high"] = np.nanpercentile(boot_first, q, axis=0)
            out["ST_low"], out["ST_high"] = np.nanpercentile(boot_total, q, axis=0)
    else:
        for col in ("S1_low", "S1_high", "ST_low", "ST_high"):
            out[col] = np.nan
    out = out[["S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"]]
    out.attrs.update(N=n, n_boot=int(n_boot or 0), alpha=alpha)
    return out


OutputSpec = Union[str, pd.Series, Callable[[pd.DataFrame], pd.Series]]


def _output_values(runs: pd.DataFrame, output: OutputSpec) -> pd.Series:
    if isinstance(output, str):
        if output not in runs.columns:
            raise KeyError(f"{output!r} is not a column of the runs table")
        return runs[output].astype(float)
    if callable(output):
        return pd.Series(output(runs), index=runs.index).astype(float)
    series = pd.Series(output)
    # A Series indexed by run_id (e.g. from run_survival_share) is aligned on run_id.
    return runs["run_id"].map(series).astype(float)


def sobol_matrices(runs: pd.DataFrame, output: OutputSpec, parameters: Sequence[str],
                   replicates: str = "mean") -> Tuple[np.ndarray, np.ndarray, np.ndarray,
                                                      List]:
    """Extract y_A, y_B, y_AB (shape (k, N)) from a Sobol sweep's runs table.

    Args:
        runs: ``SweepData.runs`` (needs sobol_block, sobol_index, status, replicate).
        output: a column of ``runs``, a Series indexed by run_id, or a callable
            runs -> Series.
        parameters: the varied parameters in design order (``SweepData.parameters``).
        replicates: "mean" (average replicates of a row) or "separate".
    Returns:
        y_A, y_B, y_AB and the list of sample-row keys used.
    """
    if "sobol_block" not in runs or "sobol_index" not in runs:
        raise ValueError("the design has no sobol_block/sobol_index columns; not a Sobol sweep")
    if replicates not in ("mean", "separate"):
        raise ValueError("replicates must be 'mean' or 'separate'")
    k = len(parameters)
    df = pd.DataFrame({"block": runs["sobol_block"].astype(int),
                       "row": runs["sobol_index"].astype(int),
                       "replicate": runs["replicate"] if "replicate" in runs else 0,
                       "y": _output_values(runs, output)})
    if "status" in runs:
        df = df[runs["status"].to_numpy() == STATUS_OK]
    df = df[np.isfinite(df["y"])]
    blocks = set(df["block"].unique().tolist())
    if not blocks <= set(range(k + 2)):
        raise ValueError(f"sobol_block values {sorted(blocks)} do not match {k} parameters")
    keys = ["row"] if replicates == "mean" else ["row", "replicate"]
    table = df.groupby(["block"] + keys)["y"].mean().unstack("block")
    table = table.reindex(columns=range(k + 2)).dropna(axis=0, how="any")
    if len(table) < 2:
        raise ValueError("fewer than two complete Sobol sample rows (all k+2 blocks) remain")
    y = table.to_numpy().T
    return y[0], y[1], y[2:], table.index.tolist()


def sobol_from_sweep(runs: pd.DataFrame, output: OutputSpec, parameters: Sequence[str],
                     n_boot: int = 1000, seed: int = 0, alpha: float = 0.05,
                     replicates: str = "mean") -> pd.DataFrame:
    """sobol_indices on the matrices rebuilt by sobol_matrices; the result's attrs hold N."""
    y_a, y_b, y_ab, _ = sobol_matrices(runs, output, parameters, replicates)
    return sobol_indices(y_a, y_b, y_ab, n_boot=n_boot, seed=seed, alpha=alpha,
                         names=list(parameters))
