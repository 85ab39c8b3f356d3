"""Scenario discovery: which regions of parameter space lead to an outcome of interest.

* ``prim`` -- the Patient Rule Induction Method of Friedman & Fisher (1999), as used for
  scenario discovery by Bryant & Lempert (2010). Starting from the box holding every case,
  *peeling* repeatedly removes the ``peel_alpha`` share of the box's cases at the low or
  high end of one dimension, choosing the peel that gives the highest density (share of
  cases of interest) in the remaining box, until the box would hold less than ``mass_min``
  of all cases. Every step is one point of the *peeling trajectory* (coverage against
  density). The *box choice* takes the step with the highest coverage among those whose
  density reaches ``threshold`` (the densest step when none does); *pasting* then widens
  that box one ``paste_alpha`` slice at a time while the density grows. Each restricted
  dimension gets a quasi-p-value (Bryant & Lempert 2010): the one-sided hypergeometric
  probability of finding at least the box's cases of interest if the box's cases were
  drawn from the box without that restriction. Restrictions whose removal costs almost no
  density are not significant (large p). Boxes are found one after the other on the cases
  not yet covered (the covering approach), up to ``max_boxes``.
* ``cart`` -- a classification tree (scikit-learn ``DecisionTreeClassifier``) as a second
  method; every leaf is a box with its limits, coverage, density and mass.

Definitions (for a box B over N cases of which K are of interest):
coverage = cases of interest in B / K, density = cases of interest in B / cases in B,
mass = cases in B / N.
"""

from __future__ import annotations

import dataclasses
from typing import List, Optional, Sequence

import numpy as np
import pandas as pd


@dataclasses.dataclass
class PrimBox:
    """One PRIM box.

    Attributes:
        limits: DataFrame indexed by parameter with ``lower``, ``upper`` (inclusive),
            ``restricted`` (bool) and ``p_value`` (quasi-p-value, NaN when unrestricted),
            in the order of the input columns.
        coverage, density, mass: of the chosen box, measured on all cases.
        n, n_interest: cases and cases of interest in the box.
        trajectory: one row per peeling step (``step``, ``coverage``, ``density``,
            ``mass``, ``n_restricted``), measured on the cases the box was searched on.
        chosen_step: the trajectory row chosen before pasting.
        pasted: number of pasting steps applied to the chosen box.
    """

    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    n: int
    n_interest: int
    trajectory: pd.DataFrame
    chosen_step: int
    pasted: int

    @property
    def restricted(self) -> pd.DataFrame:
        return self.limits[self.limits["restricted"]]

    def contains(self, X) -> np.ndarray:
        """Boolean mask of the rows of X (same columns) inside the box."""
        values = _as_frame(X)[list(self.limits.index)].to_numpy(dtype=float)
        return _inside(values, self.limits["lower"].to_numpy(float),
                       self.limits["upper"].to_numpy(float))

    def describe(self, digits: int = 4) -> str:
        """Restrictions as text, e.g. ``'x1 >= 0.6, x2 <= 0.3'``, or ``'whole space'``."""
        parts = []
        for name, row in self.restricted.iterrows():
            lo_on = row["lower"] > row["min"]
            hi_on = row["upper"] < row["max"]
            if lo_on and hi_on:
                parts.append(f"{row['lower']:.{digits}g} <= {name} <= {row['upper']:.{digits}g}")
            elif lo_on:
                parts.append(f"{name} >= {row['lower']:.{digits}g}")
            else:
                parts.append(f"{name} <= {row['upper']:.{digits}g}")
        return ", ".join(parts) if parts else "whole space"


def _as_frame(X) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    array = np.asarray(X, dtype=float)
    if array.ndim != 2:
        raise ValueError("X must be two-dimensional (cases x parameters)")
    return pd.DataFrame(array, columns=[f"x{i + 1}" for i in range(array.shape[1])])


def _inside(values: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    return np.all((values >= lower) & (values <= upper), axis=1)


def _check_inputs(X, y, threshold, peel_alpha, paste_alpha, mass_min):
    frame = _as_frame(X)
    values = frame.to_numpy(dtype=float)
    target = np.asarray(y).reshape(-1)
    if target.dtype == bool:
        target = target.astype(int)
    target = target.astype(float)
    if len(target) != len(values):
        raise ValueError(f"X has {len(values)} rows but y has {len(target)}")
    if len(values) == 0:
        raise ValueError("no cases")
    if not np.all(np.isfinite(values)):
        raise ValueError("X contains NaN or infinite values")
    if not np.all((target == 0) | (target == 1)):
        raise ValueError("y must be 0/1 or boolean (1 = case of interest)")
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    for name, value in (("peel_alpha", peel_alpha), ("paste_alpha", paste_alpha),
                        ("mass_min", mass_min)):
        if not 0 < value < 1:
            raise ValueError(f"{name} must be in (0, 1)")
    return frame, values, target


def _peel_candidates(values, target, inside, lower, upper, alpha, n_min):
    """Best peel: (density, -removed, dim, side, new limit) or None."""
    best = None
    in_idx = np.flatnonzero(inside)
    box_values = values[in_idx]
    box_target = target[in_idx]
    n_box = len(in_idx)
    for j in range(values.shape[1]):
        column = box_values[:, j]
        lo, hi = column.min(), column.max()
        if lo == hi:
            continue
        for side in ("low", "high"):
            if side == "low":
                cut = np.quantile(column, alpha, method="lower")
                removed = column < cut
                if not removed.any():          # ties: remove the lowest level
                    removed = column <= lo
            else:
                cut = np.quantile(column, 1 - alpha, method="higher")
                removed = column > cut
                if not removed.any():
                    removed = column >= hi
            kept = ~removed
            n_kept = int(kept.sum())
            if n_kept < n_min or n_kept == n_box:
                continue
            density = float(box_target[kept].mean())
            new_limit = column[kept].min() if side == "low" else column[kept].max()
            key = (density, -int(removed.sum()))
            if best is None or key > best[0]:
                best = (key, j, side, float(new_limit))
    return best


def _paste(values, target, lower, upper, data_min, data_max, alpha, n_total):
    """Widen the box one slice at a time while its density grows; returns steps made."""
    steps = 0
    while True:
        inside = _inside(values, lower, upper)
        n_box = int(inside.sum())
        density = float(target[inside].mean()) if n_box else 0.0
        best = None
        slice_size = max(1, int(round(alpha * n_box)))
        for j in range(values.shape[1]):
            for side in ("low", "high"):
                if side == "low" and lower[j] <= data_min[j]:
                    continue
                if side == "high" and upper[j] >= data_max[j]:
                    continue
                others = np.ones(len(values), dtype=bool)
                for i in range(values.shape[1]):
                    if i != j:
                        others &= (values[:, i] >= lower[i]) & (values[:, i] <= upper[i])
                column = values[:, j]
                if side == "low":
                    outside = np.sort(column[others & (column < lower[j])])[::-1]
                else:
                    outside = np.sort(column[others & (column > upper[j])])
                if len(outside) == 0:
                    continue
                edge = outside[min(slice_size, len(outside)) - 1]
                new_lower, new_upper = lower.copy(), upper.copy()
                if side == "low":
                    new_lower[j] = edge
                else:
                    new_upper[j] = edge
                grown = _inside(values, new_lower, new_upper)
                new_density = float(target[grown].mean())
                if new_density > density + 1e-12 and (best is None or new_density > best[0]):
                    best = (new_density, new_lower, new_upper)
        if best is None:
            return lower, upper, steps
        lower, upper = best[1], best[2]
        steps += 1


def _quasi_p_values(values, target, lower, upper, data_min, data_max) -> np.ndarray:
    from scipy.stats import hypergeom
    inside = _inside(values, lower, upper)
    n_box, k_box = int(inside.sum()), int(target[inside].sum())
    p = np.full(values.shape[1], np.nan)
    for j in range(values.shape[1]):
        if lower[j] <= data_min[j] and upper[j] >= data_max[j]:
            continue
        wide_lower, wide_upper = lower.copy(), upper.copy()
        wide_lower[j], wide_upper[j] = data_min[j], data_max[j]
        wide = _inside(values, wide_lower, wide_upper)
        n_wide, k_wide = int(wide.sum()), int(target[wide].sum())
        # P(at least k_box cases of interest among n_box drawn from the wider box)
        p[j] = float(hypergeom.sf(k_box - 1, n_wide, k_wide, n_box))
    return p


def _one_box(values, target, names, data_min, data_max, n_all, k_all, threshold,
             peel_alpha, paste_alpha, mass_min, paste):
    n_min = max(1, int(np.ceil(mass_min * n_all)))
    lower, upper = data_min.copy(), data_max.copy()
    k_here = float(target.sum())
    steps = []

    def record(step, lo, up):
        inside = _inside(values, lo, up)
        n_box = int(inside.sum())
        k_box = float(target[inside].sum())
        restricted = int(np.sum((lo > data_min) | (up < data_max)))
        steps.append({"step": step, "coverage": k_box / k_here if k_here else np.nan,
                      "density": k_box / n_box if n_box else np.nan, "mass": n_box / n_all,
                      "n_restricted": restricted, "lower": lo.copy(), "upper": up.copy()})

    record(0, lower, upper)
    while True:
        inside = _inside(values, lower, upper)
        best = _peel_candidates(values, target, inside, lower, upper, peel_alpha, n_min)
        if best is None:
            break
        _, j, side, limit = best
        if side == "low":
            lower[j] = limit
        else:
            upper[j] = limit
        record(len(steps), lower, upper)

    trajectory = pd.DataFrame([{k: v for k, v in s.items() if k not in ("lower", "upper")}
                               for s in steps])
    ok = trajectory.index[trajectory["density"] >= threshold - 1e-12]
    if len(ok):
        chosen = int(trajectory.loc[ok, "coverage"].idxmax())
    else:
        chosen = int(trajectory["density"].idxmax())
    lower, upper = steps[chosen]["lower"].copy(), steps[chosen]["upper"].copy()
    pasted = 0
    if paste:
        lower, upper, pasted = _paste(values, target, lower, upper, data_min, data_max,
                                      paste_alpha, n_all)
    return lower, upper, trajectory, chosen, pasted


def _drop_insignificant(values, target, lower, upper, data_min, data_max, level):
    """Lift, one at a time, the restriction with the largest quasi-p-value above level."""
    lower, upper = lower.copy(), upper.copy()
    while True:
        p = _quasi_p_values(values, target, lower, upper, data_min, data_max)
        if not np.any(np.isfinite(p)):
            return lower, upper
        j = int(np.nanargmax(p))
        if p[j] <= level or np.sum(np.isfinite(p)) <= 1:
            return lower, upper
        lower[j], upper[j] = data_min[j], data_max[j]


def _make_box(frame_values, full_target, names, lower, upper, data_min, data_max,
              trajectory, chosen, pasted) -> PrimBox:
    inside = _inside(frame_values, lower, upper)
    n_box, k_box = int(inside.sum()), int(full_target[inside].sum())
    k_all = int(full_target.sum())
    p = _quasi_p_values(frame_values, full_target, lower, upper, data_min, data_max)
    restricted = (lower > data_min) | (upper < data_max)
    limits = pd.DataFrame({"lower": lower, "upper": upper, "restricted": restricted,
                           "p_value": p, "min": data_min, "max": data_max},
                          index=pd.Index(names, name="parameter"))
    return PrimBox(limits=limits, coverage=k_box / k_all if k_all else float("nan"),
                   density=k_box / n_box if n_box else float("nan"),
                   mass=n_box / len(full_target), n=n_box, n_interest=k_box,
                   trajectory=trajectory, chosen_step=chosen, pasted=pasted)


def prim(X, y, threshold: float = 0.8, peel_alpha: float = 0.05, paste_alpha: float = 0.05,
         mass_min: float = 0.05, max_boxes: int = 1, paste: bool = True,
         significance: Optional[float] = 0.01, min_remaining: int = 5) -> List[PrimBox]:
    """PRIM boxes where y = 1 is concentrated.

    Args:
        X: cases x parameters (DataFrame: its columns name the parameters; an array: they
            are called x1, x2, ...). Numeric values only.
        y: 1 (or True) for a case of interest, 0 otherwise.
        threshold: density a box must reach to be chosen at its highest coverage.
        peel_alpha: share of the box's cases removed by one peel.
        paste_alpha: share of the box's cases added by one paste.
        mass_min: smallest box, as a share of all cases.
        max_boxes: boxes to find one after the other (each on the cases not yet in a box).
        paste: apply pasting to the chosen box.
        significance: after pasting, restrictions whose quasi-p-value exceeds this level
            are lifted one at a time, the least significant first (None keeps them all);
            the last restriction is always kept.
        min_remaining: stop covering when fewer cases of interest remain outside boxes.
    Returns:
        a list of PrimBox (possibly empty when y has no case of interest). Coverage,
        density and mass of every box are measured on all cases.
    """
    frame, values, target = _check_inputs(X, y, threshold, peel_alpha, paste_alpha, mass_min)
    names = [str(c) for c in frame.columns]
    data_min, data_max = values.min(axis=0), values.max(axis=0)
    boxes: List[PrimBox] = []
    remaining = np.ones(len(values), dtype=bool)
    n_all, k_all = len(values), int(target.sum())
    while len(boxes) < max_boxes and k_all > 0:
        if target[remaining].sum() < min(min_remaining, k_all) or remaining.sum() < 2:
            break
        sub_values, sub_target = values[remaining], target[remaining]
        lower, upper, trajectory, chosen, pasted = _one_box(
            sub_values, sub_target, names, data_min, data_max, n_all, k_all, threshold,
            peel_alpha, paste_alpha, mass_min, paste)
        if significance is not None:
            lower, upper = _drop_insignificant(values, target, lower, upper, data_min,
                                               data_max, significance)
        box = _make_box(values, target, names, lower, upper, data_min, data_max, trajectory,
                        chosen, pasted)
        if boxes and box.density < threshold:
            break                               # later boxes only when they are dense
        boxes.append(box)
        covered = box.contains(frame)
        if not (remaining & covered).any():
            break
        remaining &= ~covered
    return boxes


def boxes_table(boxes: Sequence[PrimBox], digits: int = 4) -> pd.DataFrame:
    """One row per box: box number, rule, coverage, density, mass, cases, and the
    quasi-p-value of each restricted dimension."""
    rows = []
    for i, box in enumerate(boxes, start=1):
        pvals = "; ".join(f"{name}: {row['p_value']:.2g}"
                          for name, row in box.restricted.iterrows())
        rows.append({"box": i, "rule": box.describe(digits), "coverage": box.coverage,
                     "density": box.density, "mass": box.mass, "cases": box.n,
                     "p_values": pvals or "-"})
    return pd.DataFrame(rows, columns=["box", "rule", "coverage", "density", "mass", "cases",
                                       "p_values"])


# ------------------------------------------------------------------------------- CART

def cart(X, y, min_leaf_mass: float = 0.05, max_depth: Optional[int] = 4,
         random_state: int = 0) -> pd.DataFrame:
    """Leaves of a classification tree of y on X, as boxes.

    Returns a DataFrame, one row per leaf sorted by density (descending): ``rule`` (the
    leaf's limits as text), ``lower``/``upper`` dicts per parameter (restricted ones
    only), ``coverage``, ``density``, ``mass``, ``cases`` and ``predicted`` (1 when the
    leaf's majority is the case of interest).
    """
    from sklearn.tree import DecisionTreeClassifier
    frame = _as_frame(X)
    values = frame.to_numpy(dtype=float)
    target = np.asarray(y).reshape(-1).astype(int)
    if len(target) != len(values):
        raise ValueError(f"X has {len(values)} rows but y has {len(target)}")
    if not 0 < min_leaf_mass < 1:
        raise ValueError("min_leaf_mass must be in (0, 1)")
    names = [str(c) for c in frame.columns]
    tree = DecisionTreeClassifier(min_samples_leaf=max(1, int(np.ceil(min_leaf_mass * len(values)))),
                                  max_depth=max_depth, random_state=random_state)
    tree.fit(values, target)
    t = tree.tree_
    k_all = max(1, int(target.sum()))
    leaf_of = tree.apply(values)
    rows = []

    def walk(node, lower, upper):
        if t.children_left[node] == -1:
            members = leaf_of == node
            n_leaf = int(members.sum())
            k_leaf = int(target[members].sum())
            restricted = {names[j]: (lower[j], upper[j]) for j in range(len(names))
                          if np.isfinite(lower[j]) or np.isfinite(upper[j])}
            parts = []
            for name, (lo, hi) in restricted.items():
                if np.isfinite(lo) and np.isfinite(hi):
                    parts.append(f"{lo:.4g} < {name} <= {hi:.4g}")
                elif np.isfinite(lo):
                    parts.append(f"{name} > {lo:.4g}")
                else:
                    parts.append(f"{name} <= {hi:.4g}")
            rows.append({"rule": ", ".join(parts) or "whole space",
                         "lower": {k: v[0] for k, v in restricted.items()},
                         "upper": {k: v[1] for k, v in restricted.items()},
                         "coverage": k_leaf / k_all if target.sum() else np.nan,
                         "density": k_leaf / n_leaf if n_leaf else np.nan,
                         "mass": n_leaf / len(values), "cases": n_leaf,
                         "predicted": int(k_leaf * 2 > n_leaf)})
            return
        j, cut = t.feature[node], t.threshold[node]
        left_upper = upper.copy()
        left_upper[j] = min(upper[j], cut)
        walk(t.children_left[node], lower, left_upper)
        right_lower = lower.copy()
        right_lower[j] = max(lower[j], cut)
        walk(t.children_right[node], right_lower, upper)

    k = len(names)
    walk(0, np.full(k, -np.inf), np.full(k, np.inf))
    out = pd.DataFrame(rows).sort_values(["density", "coverage"], ascending=False)
    return out.reset_index(drop=True)
