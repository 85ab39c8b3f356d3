#!/usr/bin/python3
"""Counterfactual table of docs/calibration.md, section 6, over paired seeds.

Runs `pricewar batch` on endogenous.toml and on each counterfactual with the same number of
replicates; replicate i of every scenario has the same seed (derive_seed(2024, i)), so the
differences against the baseline are paired. Prints a Markdown table: per scenario the mean
of startup survival at the horizon, average price and total tokens at turn 52, and the paired
difference against the baseline with its standard error (sd of the differences / sqrt(n)),
and per startup how its exits split into shutdowns and withdrawals.

    python3 tests/calibration/counterfactuals.py PRICEWAR [REPLICATES] [--agents N]

--agents N runs the scenarios with N developer agents, the weight scaled so that N x weight
is unchanged (the convergence study of docs/calibration.md), --mean-field in mean-field mode.
"""

import argparse
import math
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SCENARIOS = os.path.join(ROOT, "scenarios", "china-2024")
ROWS = [("endogenous", "baseline"),
        ("no-deepseek", "DeepSeek never cuts"),
        ("no-cross-subsidy", "no cloud attach revenue"),
        ("gpu-export-shock", "GPU supply -80 % from turn 10"),
        ("inelastic-demand", "every elasticity < 1"),
        ("vc-winter", "vc_climate halves at turn 26")]
TURN = 52


def scenario_copy(name, tmp, agents, mean_field, lagged=False):
    """The scenario file, or an edited copy with another agent count (same population), in
    mean-field mode, or with agents seeing their neighbours' choices of last turn."""
    path = os.path.join(SCENARIOS, name + ".toml")
    if agents is None and not mean_field and not lagged:
        return path
    text = open(path).read()
    count = int(float(re.search(r"^count = ([0-9.e+]+)", text, re.M).group(1)))
    weight = float(re.search(r"^weight = ([0-9.e+]+)", text, re.M).group(1))
    if agents is not None:
        text = re.sub(r"^count = [0-9.e+]+", f"count = {agents}", text, count=1, flags=re.M)
        text = re.sub(r"^weight = [0-9.e+]+", f"weight = {count * weight / agents!r}", text, count=1,
                      flags=re.M)
    if mean_field:
        text = re.sub(r'^mode = "agent"', 'mode = "mean_field"', text, count=1, flags=re.M)
    if lagged:
        text, found = re.subn(r'^mode = "agent".*$', '\\g<0>\npeer_update = "lagged"', text, count=1,
                              flags=re.M)
        assert found == 1, f"{name}.toml has no agent-mode line to add peer_update after"
    # Counterfactual files include nothing: each is a complete scenario.
    out = os.path.join(tmp, name + ".toml")
    open(out, "w").write(text)
    return out


def run(pricewar, name, replicates, tmp, agents, mean_field, lagged=False):
    out = os.path.join(tmp, name + ".h5")
    subprocess.run([pricewar, "batch", scenario_copy(name, tmp, agents, mean_field, lagged), "-o", out,
                    "--replicates", str(replicates), "--jobs", "2", "--series"],
                   check=True, stdout=subprocess.DEVNULL)
    with h5py.File(out) as f:
        kinds = [k.decode() if isinstance(k, bytes) else k for k in f["vendors/kind"][:]]
        names = [k.decode() if isinstance(k, bytes) else k for k in f["vendors/name"][:]]
        startup = np.array([k == "startup" for k in kinds])
        exit_turn = f["summary/vendor/exit_turn"][:]
        reason = f["summary/vendor/exit_reason"][:]
        return {
            "seed": f["design/seed"][:],
            "survival": f["summary/market/startup_survival_share"][:],
            "price": f["series/market/avg_price"][:, TURN],
            "tokens": f["series/market/total_tokens"][:, TURN] / 1e6,
            "names": [n for n, s in zip(names, startup) if s],
            "exit_turn": exit_turn[:, startup],
            "reason": reason[:, startup],
            "turns": f["series/market/avg_price"].shape[1],
        }


def mean_se(x):
    x = np.asarray(x, dtype=float)
    return x.mean(), x.std(ddof=1) / math.sqrt(len(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pricewar")
    ap.add_argument("replicates", nargs="?", type=int, default=200)
    ap.add_argument("--agents", type=int)
    ap.add_argument("--mean-field", action="store_true")
    ap.add_argument("--only", help="run only this scenario of scenarios/china-2024/ (e.g. rules)")
    a = ap.parse_args()
    rows = [r for r in ROWS if a.only is None or r[0] == a.only]
    if a.only is not None and not rows:  # another file of scenarios/china-2024/ (e.g. rules)
        rows = [(a.only, a.only)]
    with tempfile.TemporaryDirectory() as tmp:
        res = {name: run(a.pricewar, name, a.replicates, tmp, a.agents, a.mean_field)
               for name, _ in rows}
    base = res.get("endogenous")
    print(f"{a.replicates} paired seeds per scenario; mean (standard error); difference against "
          "endogenous on the same seeds")
    print(f"| scenario | change | startup survival t104 | Δ survival | avg price t{TURN} (CNY/Mtok) "
          f"| Δ price | total tokens t{TURN} (M Mtok/week) | Δ tokens |")
    print("|---|---|---|---|---|---|---|---|")
    for name, what in rows:
        r = res[name]
        cells = []
        for key in ("survival", "price", "tokens"):
            m, se = mean_se(r[key])
            cells.append(f"{m:.3g} ({se:.2g})")
            if base is not None and name != "endogenous":
                assert (r["seed"] == base["seed"]).all(), "seeds are not paired"
                dm, dse = mean_se(r[key] - base[key])
                cells.append(f"{dm:+.3g} ({dse:.2g})")
            else:
                cells.append("")
        print(f"| {name} | {what} | " + " | ".join(cells) + " |")
    print()
    print("| scenario | " + " | ".join(f"{n}: shutdown / withdrawal" for n in rows and
                                        res[rows[0][0]]["names"]) + " |")
    print("|---|" + "---|" * len(res[rows[0][0]]["names"]))
    for name, _ in rows:
        r = res[name]
        n = r["reason"].shape[0]
        cells = [f"{100 * (r['reason'][:, j] == 1).sum() / n:.0f} % / "
                 f"{100 * (r['reason'][:, j] == 2).sum() / n:.0f} %" for j in range(len(r["names"]))]
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
