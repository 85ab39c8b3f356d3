"""Jevons, measured honestly: arc elasticities of tokens and spend against two price measures.

The token-weighted average price (``/series/market/avg_price``) falls both when prices fall
and when developers move to cheaper offers; the fixed-weight Laspeyres index
(``/series/market/price_index``, turn-0 token weights) moves only with prices
(docs/model.md, "Market measures (per turn)"). Between two turns t0 and t1 the arc
elasticity of a quantity Q against a price P is ``(ln Q1 - ln Q0) / (ln P1 - ln P0)``; the
share of the log fall of the average price that is mix shift is
``1 - Δln price_index / Δln avg_price``.

Usage:  python3 -m pricewar_analysis.jevons FILE.h5 [--turns T0:T1 ...]

For a run file it prints the measures of the run; for a batch or sweep file written with
``--series`` the mean, standard error and number of runs of each measure over the
successful runs (docs/calibration.md, "Jevons, measured honestly").
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

QUANTITIES = (("tokens", "total_tokens"), ("spend", "total_spend"))
PRICES = (("avg_price", "avg_price"), ("price_index", "price_index"))

#: The measures, in the order of the tables.
MEASURES = ("tokens_ratio", "spend_ratio", "avg_price_ratio", "price_index_ratio",
            "tokens_vs_avg_price", "tokens_vs_price_index", "spend_vs_avg_price",
            "spend_vs_price_index", "mix_share")


def _log_change(x0: float, x1: float) -> float:
    """ln(x1 / x0); NaN unless both are positive and finite."""
    if not (math.isfinite(x0) and math.isfinite(x1)) or x0 <= 0 or x1 <= 0:
        return math.nan
    return math.log(x1 / x0)


def _ratio(num: float, den: float) -> float:
    if not (math.isfinite(num) and math.isfinite(den)) or den == 0:
        return math.nan
    return num / den


def _value(series, turn: int) -> float:
    """Element ``turn`` of a pandas Series indexed by turn, or of a sequence/array."""
    if hasattr(series, "loc"):
        return float(series.loc[turn])
    return float(series[turn])


def arc_elasticities(market: Mapping, t0: int, t1: int) -> Dict[str, float]:
    """Arc elasticities between turns ``t0`` and ``t1``.

    Args:
        market: the market series, name -> values by turn: ``RunData.market`` (indexed by
            turn) or a dict of arrays with ``total_tokens``, ``total_spend``, ``avg_price``
            and ``price_index``.
    Returns:
        ``tokens_ratio``, ``spend_ratio``, ``avg_price_ratio``, ``price_index_ratio`` (value
        at t1 over value at t0); ``<q>_vs_<p>`` = Δln q / Δln p for q in tokens, spend and p
        in avg_price, price_index; ``mix_share`` = 1 - Δln price_index / Δln avg_price.
        A measure is NaN where a logarithm is undefined (a zero or missing value) or a price
        did not change.
    """
    logs = {}
    out: Dict[str, float] = {}
    for name, column in QUANTITIES + PRICES:
        if column not in market:
            raise KeyError(f"market series {column!r} is missing (a file older than "
                           f"price_index, or not a market run)")
        x0, x1 = _value(market[column], t0), _value(market[column], t1)
        logs[name] = _log_change(x0, x1)
        out[f"{name}_ratio"] = _ratio(x1, x0)
    for q, _ in QUANTITIES:
        for p, _ in PRICES:
            out[f"{q}_vs_{p}"] = _ratio(logs[q], logs[p])
    out["mix_share"] = 1.0 - _ratio(logs["price_index"], logs["avg_price"])
    return {k: out[k] for k in MEASURES}


def default_pairs(turns: int) -> List[Tuple[int, int]]:
    """(0, T // 2) and (0, T - 1): the middle and the end of the horizon."""
    pairs = []
    for t1 in (turns // 2, turns - 1):
        if 0 < t1 < turns and (0, t1) not in pairs:
            pairs.append((0, t1))
    return pairs


def elasticity_table(market: Mapping, pairs: Iterable[Tuple[int, int]]):
    """One row per pair of turns (``from``, ``to``, then the MEASURES): a pandas DataFrame."""
    import pandas as pd
    rows = []
    for t0, t1 in pairs:
        rows.append({"from": t0, "to": t1, **arc_elasticities(market, t0, t1)})
    return pd.DataFrame(rows, columns=["from", "to", *MEASURES])


def batch_table(path: str, pairs: Optional[Sequence[Tuple[int, int]]] = None):
    """Mean, standard error, standard deviation and runs of each measure over the successful
    runs of a batch or sweep file written with ``--series``: one row per (pair, measure).

    A run where a measure is undefined (NaN) is left out of that measure's statistics; the
    ``runs`` column says how many remain.
    """
    import numpy as np
    import pandas as pd
    from . import io
    stacks = {}
    for _, column in QUANTITIES + PRICES:
        _, stacks[column] = io.load_series_stack(path, "market", column)
    n_runs, turns = stacks["total_tokens"].shape
    pairs = list(pairs) if pairs is not None else default_pairs(turns)
    rows = []
    for t0, t1 in pairs:
        if not (0 <= t0 < turns and 0 <= t1 < turns):
            raise ValueError(f"turns {t0}:{t1} outside the horizon (0..{turns - 1})")
        per_run = [arc_elasticities({c: s[r] for c, s in stacks.items()}, t0, t1)
                   for r in range(n_runs)]
        for measure in MEASURES:
            values = np.array([m[measure] for m in per_run], dtype=float)
            values = values[np.isfinite(values)]
            n = len(values)
            sd = float(values.std(ddof=1)) if n > 1 else math.nan
            rows.append({"from": t0, "to": t1, "measure": measure,
                         "mean": float(values.mean()) if n else math.nan,
                         "se": sd / math.sqrt(n) if n > 1 else math.nan, "sd": sd, "runs": n})
    return pd.DataFrame(rows, columns=["from", "to", "measure", "mean", "se", "sd", "runs"])


def _pair(text: str) -> Tuple[int, int]:
    try:
        a, b = text.split(":")
        return int(a), int(b)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected T0:T1 (two turns), got {text!r}") from None


def _format(x: float) -> str:
    return "nan" if not math.isfinite(x) else f"{x:.4g}"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m pricewar_analysis.jevons",
        description="Arc elasticities of tokens and spend against the average price and the "
                    "fixed-weight price index, and the mix-shift share of the average price's "
                    "fall, between pairs of turns.")
    parser.add_argument("input", help="run file, or batch/sweep file written with --series")
    parser.add_argument("--turns", type=_pair, nargs="+", metavar="T0:T1",
                        help="pairs of turns (default: 0:T/2 and 0:T-1)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code) if isinstance(stop.code, int) else 2
    from . import io
    try:
        fmt = io.file_format(args.input)
        if fmt == io.FORMAT_RUN:
            run = io.load_run(args.input)
            pairs = args.turns or default_pairs(run.turns)
            for t0, t1 in pairs:
                if not (t0 in run.market.index and t1 in run.market.index):
                    raise ValueError(f"turns {t0}:{t1} outside the horizon (0..{run.turns - 1})")
            table = elasticity_table(run.market, pairs)
            print(f"{args.input}: seed {run.attrs.get('seed', '?')}")
            print(table.to_string(index=False, float_format=_format))
        else:
            table = batch_table(args.input, args.turns)
            print(f"{args.input}: mean, standard error (se), sd over the successful runs")
            print(table.to_string(index=False, float_format=_format))
    except (io.PricewarFormatError, KeyError, ValueError) as err:
        print(f"pricewar_analysis.jevons: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
