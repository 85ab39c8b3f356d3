#!/usr/bin/python3
"""Convergence in the number of agents (docs/calibration.md, section 6a).

Runs one China 2024 scenario (default endogenous.toml) with the same population of teams
(count x weight) at several agent counts and in mean-field mode, the same seeds in every
group, and prints:

1. per group: startup survival at the horizon, 01.AI's exits, average price and total tokens
   at turn 52 (mean and standard error over seeds);
2. survival curves: the mean share of startups still in the API market after every 13th turn
   (standard error over seeds), and the Kaplan-Meier estimate of the turn of a run's first
   startup exit (one subject per run, censored at the horizon; Greenwood standard errors);
3. log-rank tests of that first-exit time: every group against the default agent count, and
   all groups together.

--lagged adds, for every agent count, a group whose agents see their neighbours' choices of
last turn (developers.peer_update = "lagged") instead of those made earlier in the turn, and
tests each against the same count in order.

    python3 tests/calibration/convergence.py PRICEWAR [REPLICATES] [--scenario NAME]
        [--agents 2000 4000 ...] [--default 4000] [--no-mean-field] [--lagged]
"""

import argparse
import math
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "analysis"))

import counterfactuals as cf  # noqa: E402
from pricewar_analysis import survival  # noqa: E402


def first_exit(r):
    """Per run: the turn of the first startup exit (or the horizon) and whether there was one."""
    exits = np.where(r["exit_turn"] >= 0, r["exit_turn"], r["turns"]).astype(float)
    first = exits.min(axis=1)
    return first, (first < r["turns"]).astype(int)


def share_alive(r, t):
    """Per run: the share of startups still in the API market after turn t."""
    alive = (r["exit_turn"] < 0) | (r["exit_turn"] > t)
    return alive.mean(axis=1)


def km_at(km, t):
    """Kaplan-Meier estimate and its standard error at time t (right-continuous step)."""
    rows = km[km["time"] <= t]
    if rows.empty:
        return 1.0, 0.0
    last = rows.iloc[-1]
    return float(last["survival"]), float(last["se"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pricewar")
    ap.add_argument("replicates", nargs="?", type=int, default=100)
    ap.add_argument("--scenario", default="endogenous")
    ap.add_argument("--agents", type=int, nargs="+", default=[2000, 4000, 8000, 16000, 32000])
    ap.add_argument("--default", type=int, default=4000)
    ap.add_argument("--no-mean-field", action="store_true")
    ap.add_argument("--lagged", action="store_true")
    a = ap.parse_args()
    groups = [(f"{n:,}", n, False, False) for n in a.agents]
    if a.lagged:
        groups += [(f"{n:,} lagged", n, False, True) for n in a.agents]
    if not a.no_mean_field:
        groups.append(("mean field", None, True, False))
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, n, mf, lagged) in enumerate(groups):
            folder = os.path.join(tmp, str(i))
            os.mkdir(folder)
            res[label] = cf.run(a.pricewar, a.scenario, a.replicates, folder, n, mf, lagged)
            print(f"ran {label}", file=sys.stderr, flush=True)
    seeds = [r["seed"] for r in res.values()]
    assert all((s == seeds[0]).all() for s in seeds), "the groups do not share their seeds"
    turns = next(iter(res.values()))["turns"]
    print(f"{a.scenario}.toml, {a.replicates} seeds per group (the same seeds in every group); "
          "mean (standard error)\n")
    print(f"| agents | startup survival t{turns} | first startup exit by t{turns} | avg price t{cf.TURN} "
          f"(CNY/Mtok) | total tokens t{cf.TURN} (M Mtok/week) |")
    print("|---|---|---|---|---|")
    for label, r in res.items():
        _, event = first_exit(r)
        cells = []
        for x in (r["survival"], event, r["price"], r["tokens"]):
            m, se = cf.mean_se(x)
            cells.append(f"{m:.3g} ({se:.2g})")
        print(f"| {label} | " + " | ".join(cells) + " |")

    lagged = [k for k in res if k.endswith(" lagged") and k[:-len(" lagged")] in res]
    if lagged:
        print("\nLast turn's peer choices against this turn's, paired by seed: mean difference "
              "(standard error of the differences)\n")
        print(f"| agents | Δ startup survival t{turns} | Δ first startup exit by t{turns} | "
              f"Δ avg price t{cf.TURN} | Δ total tokens t{cf.TURN} |")
        print("|---|---|---|---|---|")
        for label in lagged:
            r, q = res[label], res[label[:-len(" lagged")]]
            cells = []
            for x, y in ((r["survival"], q["survival"]), (first_exit(r)[1], first_exit(q)[1]),
                         (r["price"], q["price"]), (r["tokens"], q["tokens"])):
                m, se = cf.mean_se(np.asarray(x, dtype=float) - np.asarray(y, dtype=float))
                cells.append(f"{m:+.3g} ({se:.2g})")
            print(f"| {label[:-len(' lagged')]} | " + " | ".join(cells) + " |")

    checkpoints = list(range(13, turns + 1, 13))
    print("\nMean share of startups still in the API market after turn t (standard error):\n")
    print("| agents | " + " | ".join(f"t{t}" for t in checkpoints) + " |")
    print("|---|" + "---|" * len(checkpoints))
    for label, r in res.items():
        cells = []
        for t in checkpoints:
            m, se = cf.mean_se(share_alive(r, t))
            cells.append(f"{m:.3f} ({se:.3f})")
        print(f"| {label} | " + " | ".join(cells) + " |")

    print("\nKaplan-Meier: probability that no startup has exited by turn t (Greenwood standard "
          "error):\n")
    print("| agents | " + " | ".join(f"t{t}" for t in checkpoints) + " |")
    print("|---|" + "---|" * len(checkpoints))
    durations, events, labels = [], [], []
    for label, r in res.items():
        d, e = first_exit(r)
        durations.append(d)
        events.append(e)
        labels += [label] * len(d)
        km = survival.kaplan_meier(d, e).to_frame()
        cells = []
        for t in checkpoints:
            s, se = km_at(km, t)
            cells.append(f"{s:.3f} ({se:.3f})")
        print(f"| {label} | " + " | ".join(cells) + " |")

    print("\nLog-rank tests of the time to the first startup exit:\n")
    print("| groups | chi2 | df | p |")
    print("|---|---|---|---|")
    ref = f"{a.default:,}"
    keys = list(res)
    for i, label in enumerate(keys):
        if label == ref or ref not in res or label.endswith(" lagged"):
            continue
        j = keys.index(ref)
        lr = survival.logrank_test(np.concatenate([durations[i], durations[j]]),
                                   np.concatenate([events[i], events[j]]),
                                   [label] * len(durations[i]) + [ref] * len(durations[j]))
        print(f"| {label} vs {ref} | {lr.statistic:.2f} | {lr.df} | {lr.p_value:.3g} |")
    for i, label in enumerate(keys):  # each lagged group against the same count in order
        if not label.endswith(" lagged") or label[:-len(" lagged")] not in res:
            continue
        j = keys.index(label[:-len(" lagged")])
        lr = survival.logrank_test(np.concatenate([durations[i], durations[j]]),
                                   np.concatenate([events[i], events[j]]),
                                   [label] * len(durations[i]) + [keys[j]] * len(durations[j]))
        print(f"| {label} vs {keys[j]} | {lr.statistic:.2f} | {lr.df} | {lr.p_value:.3g} |")
    lr = survival.logrank_test(np.concatenate(durations), np.concatenate(events), labels)
    print(f"| all {len(keys)} groups | {lr.statistic:.2f} | {lr.df} | {lr.p_value:.3g} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
