"""HTML report with figures for a pricewar run, batch or sweep file.

Usage:  python3 -m pricewar_analysis.report IN.h5 -o DIR [--turn T] [--n-boot N]

Writes PNG figures and DIR/index.html (figures linked by relative file names).
Exit status: 0 ok; 1 some figure or table could not be produced (the page is still
written and lists the failures); 2 bad usage, missing Python module, or an input file
that is unreadable or not a pricewar file.
"""

from __future__ import annotations

import argparse
import datetime
import html
import importlib
import os
import sys
import traceback
from typing import Callable, List, Optional, Tuple

PROG = "pricewar report"

#: Python modules the report needs and the Debian package providing each.
REQUIRED_MODULES = (
    ("numpy", "python3-numpy"),
    ("pandas", "python3-pandas"),
    ("h5py", "python3-h5py"),
    ("matplotlib", "python3-matplotlib"),
)


def missing_dependency() -> Optional[str]:
    """Message naming the Debian package of the first missing module, or None."""
    for module, package in REQUIRED_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            return f"{package} is not installed: apt-get install {package}"
    return None


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


class _Page:
    """Collects figures, tables and notes, then renders index.html."""

    def __init__(self, outdir: str, title: str):
        self.outdir = outdir
        self.title = title
        self.sections: List[Tuple[str, str]] = []   # (heading, html body)
        self.figures: List[str] = []
        self.failures: List[str] = []

    def figure(self, filename: str, caption: str, draw: Callable, *args, **kwargs) -> bool:
        path = os.path.join(self.outdir, filename)
        try:
            fig = draw(*args, path=path, **kwargs)
        except Exception as err:  # one broken figure must not lose the whole report
            self.failures.append(f"figure {filename}: {type(err).__name__}: {err}")
            traceback.print_exc(file=sys.stderr)
            return False
        del fig
        self.figures.append(filename)
        self.sections.append((caption, f'<figure><a href="{html.escape(filename)}">'
                                       f'<img src="{html.escape(filename)}" '
                                       f'alt="{html.escape(caption)}"></a>'
                                       f'<figcaption>{html.escape(caption)}</figcaption>'
                                       f'</figure>'))
        return True

    def table(self, heading: str, frame, note: str = "") -> None:
        body = frame.to_html(index=False, border=0, classes="table", na_rep="",
                             float_format=lambda x: f"{x:.4g}")
        if note:
            body = f"<p>{html.escape(note)}</p>" + body
        self.sections.append((heading, body))

    def text(self, heading: str, paragraphs: List[str]) -> None:
        self.sections.append((heading, "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)))

    def attempt(self, what: str, func: Callable, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as err:
            self.failures.append(f"{what}: {type(err).__name__}: {err}")
            traceback.print_exc(file=sys.stderr)
            return None

    def write(self) -> str:
        parts = [
            "<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
            f"<title>{html.escape(self.title)}</title>",
            "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
            "color:#222}img{max-width:100%;border:1px solid #ddd}figure{margin:1em 0}"
            "figcaption{font-size:0.9em;color:#555}table.table{border-collapse:collapse;"
            "font-size:0.85em}table.table td,table.table th{padding:2px 8px;"
            "border-bottom:1px solid #e4e4e4;text-align:right}"
            "table.table th{background:#f3f3f3}.fail{color:#a00}</style>",
            "</head><body>", f"<h1>{html.escape(self.title)}</h1>",
        ]
        if self.failures:
            parts.append("<h2 class=\"fail\">Problems</h2><ul class=\"fail\">")
            parts += [f"<li>{html.escape(f)}</li>" for f in self.failures]
            parts.append("</ul>")
        for heading, body in self.sections:
            parts.append(f"<h2>{html.escape(heading)}</h2>{body}")
        stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        parts.append(f"<hr><p style=\"font-size:0.8em;color:#777\">Generated {stamp} by "
                     f"pricewar_analysis.report.</p></body></html>")
        path = os.path.join(self.outdir, "index.html")
        with open(path, "w", encoding="utf-8") as out:
            out.write("\n".join(parts) + "\n")
        return path


def _metadata_table(attrs: dict):
    import pandas as pd
    rows = [(k, str(v)) for k, v in sorted(attrs.items())]
    return pd.DataFrame(rows, columns=["attribute", "value"])


# ------------------------------------------------------------------------------- runs

def _run_summary(run):
    import numpy as np
    import pandas as pd
    summary = run.vendor_summary.copy()
    last = run.vendor_series["turn"].max() if len(run.vendor_series) else None
    if last is not None and "cash" in run.vendor_series:
        final = run.vendor_series[run.vendor_series["turn"] == last].set_index("vendor")
        summary["final_cash"] = summary["vendor"].map(final["cash"])
    if len(run.offer_series):
        last_offer = run.offer_series[run.offer_series["turn"] == run.offer_series["turn"].max()]
        priced = last_offer[np.isfinite(last_offer["price"].astype(float))]
        summary["cheapest_final_price"] = summary["vendor"].map(
            priced.groupby("vendor")["price"].min())
    summary["status"] = np.where(summary["exit_turn"] >= 0,
                                 "exit at turn " + summary["exit_turn"].astype(str), "alive")
    cols = ["vendor", "kind", "status", "final_share", "cheapest_final_price", "final_cash",
            "cumulative_profit", "peak_loss"]
    return summary[[c for c in cols if c in summary.columns]]


def _offer_table(run):
    last = run.offer_series[run.offer_series["turn"] == run.offer_series["turn"].max()]
    last = last.set_index("offer")
    table = run.offers[["name", "vendor", "tier"]].copy()
    for col in ("price_in", "price_out", "price", "unit_cost", "tokens", "developers"):
        if col in last:
            table[f"final_{col}"] = table["name"].map(last[col])
    return table


def _run_figures(page: _Page, run, prefix: str = "", label: str = "", meta=None):
    from . import plots, presentation
    meta = meta if meta is not None else presentation.scenario_meta(run)
    offers, vendors, market = run.offer_series, run.vendor_series, run.market
    if len(offers) and "price" in offers and offers["price"].notna().any():
        page.figure(f"{prefix}prices.png", f"{label}Price per offer (log scale)"
                    + ("; numbered markers are the timeline events listed in the table "
                       "below" if len(run.events) else ""), plots.plot_prices, run, meta=meta)
    if len(offers) and "tokens" in offers and offers["tokens"].notna().any():
        page.figure(f"{prefix}shares.png", f"{label}Market shares by tokens served",
                    plots.plot_market_shares, run, meta=meta)
    if "total_tokens" in market and ("avg_price" in market or "total_spend" in market):
        page.figure(f"{prefix}jevons.png", f"{label}Jevons curve: tokens requested (served + "
                    f"unserved) against the token-weighted average price (log-log)",
                    plots.plot_jevons, run)
    if "cash" in vendors and vendors["cash"].notna().any():
        page.figure(f"{prefix}cash.png", f"{label}Cash per vendor; lines end at exit (cross)",
                    plots.plot_cash, run, meta=meta)
    if "utilisation" in vendors and vendors["utilisation"].notna().any():
        page.figure(f"{prefix}utilisation.png", f"{label}Capacity utilisation (tokens served / "
                    f"capacity) and rationed share (requested tokens not served) per vendor",
                    plots.plot_utilisation, run, meta=meta)
    if len(market.columns):
        page.figure(f"{prefix}market.png", f"{label}Market aggregates, with tokens served and "
                    f"unserved (rationed)", plots.plot_market, run, meta=meta)


def _rationing_note(run) -> Optional[str]:
    """One sentence on unserved tokens at the turn where they peaked, or None."""
    import numpy as np
    market = run.market
    if "unserved_tokens" not in market or "total_tokens" not in market:
        return None
    unserved = market["unserved_tokens"].to_numpy(dtype=float)
    if not np.any(np.nan_to_num(unserved) > 0):
        return "No tokens went unserved: every request found capacity."
    i = int(np.nanargmax(unserved))
    served = float(market["total_tokens"].iloc[i])
    last = len(unserved) - 1
    text = (f"Rationing: unserved tokens peaked at turn {market.index[i]} with {unserved[i]:.4g} "
            f"Mtok unserved against {served:.4g} Mtok served")
    if i != last:
        text += (f"; at the last turn ({market.index[last]}) {unserved[last]:.4g} unserved "
                 f"against {float(market['total_tokens'].iloc[last]):.4g} served")
    return text + "."


def _is_repeated_game(columns) -> bool:
    return "profit_gain" in set(columns)


def report_run(path: str, outdir: str) -> _Page:
    from . import io, presentation
    run = io.load_run(path)
    meta = presentation.scenario_meta(run)
    name = run.attrs.get("scenario_name", os.path.basename(path))
    page = _Page(outdir, f"pricewar run: {name}")
    summary_names = _market_summary_names(path)
    if _is_repeated_game(summary_names):
        return _report_repeated_game_run(page, path, run, meta)
    summary = page.attempt("vendor summary", _run_summary, run)
    if summary is not None:
        summary.insert(1, "name", [meta.vendor(v) for v in summary["vendor"]])
        when = (f"; turn 0 = {meta.start_date.isoformat()}" if meta.start_date else "")
        page.table("Vendor summary", summary,
                   note=f"Horizon {run.turns} turns of {meta.turn_days:g} days{when}; seed "
                        f"{run.attrs.get('seed', '?')}.")
    note = page.attempt("rationing", _rationing_note, run)
    if note:
        page.text("Rationing", [note])
    _run_figures(page, run, meta=meta)
    if len(run.events):
        page.table("Timeline events", presentation.number_events(run.events, meta),
                   note="Numbers as in the event lane under the price figure.")
    offers = page.attempt("offer table", _offer_table, run)
    if offers is not None and len(offers):
        offers.insert(1, "display_name", [meta.offer(o) for o in offers["name"]])
        page.table("Offers at the last turn", offers)
    page.table("File attributes", _metadata_table(run.attrs))
    return page


def _market_summary_names(path: str) -> List[str]:
    import h5py
    with h5py.File(path, "r") as f:
        return list(f["summary/market"].keys()) if "summary/market" in f else []


def _report_repeated_game_run(page: _Page, path: str, run, meta) -> _Page:
    """A repeated-game (Calvano et al. 2020) run: the learning outcome, not a price war."""
    import h5py
    import pandas as pd
    from . import plots
    with h5py.File(path, "r") as f:
        summary = {k: float(v[()]) for k, v in f["summary/market"].items()}
    page.text("Repeated game", [
        "This run is a repeated pricing game between learning firms (Calvano et al. 2020): "
        "the file holds the converged outcome, not a time series of a price war.",
        f"Profit gain Delta = {summary.get('profit_gain', float('nan')):.4g} "
        f"(0 = Bertrand-Nash profit, 1 = monopoly profit); converged: "
        f"{'yes' if summary.get('converged', 0) >= 0.5 else 'no'} after "
        f"{summary.get('convergence_period', float('nan')):.6g} periods; limit cycle of "
        f"{summary.get('cycle_length', float('nan')):.0f} period(s) with mean price "
        f"{summary.get('mean_cycle_price', float('nan')):.4g}."])
    page.table("Outcome", pd.DataFrame(sorted(summary.items()), columns=["measure", "value"]))
    page.figure("repeated_game.png", "Each firm's price and profit per period on the limit "
                "cycle against the Nash and monopoly benchmarks", plots.plot_repeated_game_run,
                run, summary)
    page.table("File attributes", _metadata_table(run.attrs))
    return page


# ----------------------------------------------------------------------------- sweeps

def _sweep_vendor_table(sweep, turn: Optional[int]):
    import pandas as pd
    from . import sensitivity, survival
    vs = sweep.vendor_summary
    rows = []
    for vendor in sweep.vendors["name"]:
        sub = vs[vs["vendor"] == vendor]
        if not len(sub):
            continue
        alive = sensitivity.alive_at(sub, turn)
        lo, hi = sensitivity.wilson_interval(alive.sum(), len(alive))
        table = survival.survival_table(sub, kinds=None)
        km = survival.kaplan_meier(table["duration"], table["event"])
        median = km.median()
        rows.append({
            "vendor": vendor, "kind": sub["kind"].iloc[0], "runs": len(sub),
            "exits": int((sub["exit_turn"] >= 0).sum()),
            "share_alive": alive.mean(), "alive_ci_low": float(lo), "alive_ci_high": float(hi),
            "median_exit_turn": "not reached" if median is None else f"{median:g}",
            "mean_final_share": sub["final_share"].mean(),
            "mean_cumulative_profit": sub["cumulative_profit"].mean(),
            "mean_peak_loss": sub["peak_loss"].mean(),
        })
    return pd.DataFrame(rows)


def _sobol_outputs(sweep, turn: Optional[int]):
    """(name, output) pairs for Sobol analysis: startup survival share and key market columns."""
    from . import sensitivity
    outputs = []
    vs = sweep.vendor_summary
    if len(vs) and (vs["kind"] == "startup").any():
        share = sensitivity.run_survival_share(vs, turn)
        outputs.append(("startup survival share", share))
    picked = [c for c in sweep.market_columns
              if any(key in c for key in ("hhi", "tokens", "surplus"))][:3]
    outputs += [(c, c) for c in picked]
    return outputs


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text).strip("_")


def report_sweep(path: str, outdir: str, turn: Optional[int], n_boot: int,
                 seed: int) -> _Page:
    import pandas as pd
    from . import io, plots, sensitivity, survival
    sweep = io.load_sweep(path)
    if turn is not None and turn > int(sweep.runs["turns"].min()):
        raise ValueError(f"--turn {turn} is beyond the horizon ({int(sweep.runs['turns'].min())} "
                         f"turns)")
    counts = sweep.status_counts
    scenarios = sorted(set(map(str, sweep.runs["scenario"])))
    kind = "sweep" if sweep.parameters else "batch"
    page = _Page(outdir, f"pricewar {kind}: {', '.join(scenarios)[:120]}")
    page.text("Runs", [
        f"{counts['total']} runs: {counts['ok']} ok, {counts['failed']} failed, "
        f"{counts['not_run']} not run. Horizon {sweep.turns} turns.",
        f"Varied parameters: {', '.join(sweep.parameters) if sweep.parameters else 'none'}"
        f"{' (Sobol design)' if sweep.is_sobol else ''}.",
        "Statistics below use the successful runs only; vendors absent from a run are "
        "left out of it.",
    ])
    vs = sweep.vendor_summary
    horizon_text = "the horizon" if turn is None else f"turn {turn}"
    if len(vs):
        table = page.attempt("per-vendor summary", _sweep_vendor_table, sweep, turn)
        if table is not None:
            page.table("Per-vendor survival and profit", table,
                       note=f"share_alive: share of runs with the vendor alive at "
                            f"{horizon_text} (95% Wilson interval); median exit turn from "
                            f"the Kaplan-Meier estimate.")
        by_kind = survival.survival_table(vs, group_by="kind", kinds=None)
        curves = survival.km_by_group(by_kind)
        if curves:
            page.figure("km_kind.png", "Kaplan-Meier survival per vendor kind", plots.plot_km,
                        curves, title="Survival per vendor kind", horizon=sweep.turns,
                        logrank=page.attempt("log-rank (kind)", survival.logrank_table,
                                             by_kind))
        startups = survival.survival_table(vs, group_by="vendor", kinds=("startup",))
        if len(startups):
            curves = survival.km_by_group(startups)
            page.figure("km_startups.png", "Kaplan-Meier survival per startup", plots.plot_km,
                        curves, title="Survival per startup", horizon=sweep.turns,
                        bands=len(curves) <= 4,
                        logrank=page.attempt("log-rank (startups)", survival.logrank_table,
                                             startups))
            if len(scenarios) > 1:
                per_scenario = survival.survival_table(vs, group_by="scenario",
                                                       kinds=("startup",))
                page.figure("km_scenario.png", "Kaplan-Meier survival of startups per "
                            "scenario", plots.plot_km, survival.km_by_group(per_scenario),
                            title="Startup survival per scenario", horizon=sweep.turns,
                            logrank=page.attempt("log-rank (scenario)",
                                                 survival.logrank_table, per_scenario))
        if (by_kind["event"] == 1).any():
            page.figure("exits.png", "Distribution of exit turns", plots.plot_exit_histogram,
                        by_kind, horizon=sweep.turns)

        has_startups = (vs["kind"] == "startup").any()
        tables = []
        for param in sweep.parameters:
            if param in vs and vs[param].nunique() > 1 and has_startups:
                result = page.attempt(f"survival vs {param}", sensitivity.survival_vs_parameter,
                                      vs, param, turn)
                if result is not None:
                    tables.append(result)
        if tables:
            page.figure("survival_vs_parameters.png", f"Share of startups alive at "
                        f"{horizon_text} against each swept parameter",
                        plots.plot_survival_vs_parameters, tables)

        if sweep.is_sobol and sweep.parameters:
            for name, output in _sobol_outputs(sweep, turn):
                indices = page.attempt(f"Sobol indices of {name}", sensitivity.sobol_from_sweep,
                                       sweep.runs, output, sweep.parameters, n_boot=n_boot,
                                       seed=seed)
                if indices is None:
                    continue
                if not indices["ST"].notna().any():
                    page.text(f"Sobol indices of {name}",
                              ["The output does not vary across the design; no indices."])
                    continue
                page.figure(f"sobol_{_safe_name(name)}.png", f"Sobol indices of {name}",
                            plots.plot_sobol, indices, title=f"Sobol indices: {name}")
                page.table(f"Sobol indices of {name}", indices.reset_index(),
                           note="Replicates of a design row are averaged before estimation.")
    else:
        page.text("Survival", ["No successful run with vendor summaries; nothing to analyse."])

    failed = sweep.runs[sweep.runs["status"] != io.STATUS_OK]
    if len(failed):
        cols = [c for c in ("run_id", "replicate", "seed", "scenario", "status", "error")
                if c in failed]
        page.table(f"Runs not completed ({len(failed)})", failed[cols].head(100),
                   note="Status 1 = failed, -1 = not run. At most 100 rows shown.")

    if sweep.has_series:
        ok = sweep.runs.index[sweep.runs["status"] == io.STATUS_OK]
        if len(ok):
            row = int(ok[0])
            run = page.attempt("series of the first successful run", io.load_run, path, run=row)
            if run is not None:
                run_id = sweep.runs["run_id"].iloc[row]
                _run_figures(page, run, prefix=f"run{_safe_name(str(run_id))}_",
                             label=f"Run {run_id}: ")
    page.table("File attributes", _metadata_table(sweep.attrs))
    return page


# ------------------------------------------------------------------------------- main

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Plots and an HTML page from a pricewar run, batch or sweep "
                               "HDF5 file.")
    parser.add_argument("input", help="HDF5 file written by pricewar run/batch/sweep")
    parser.add_argument("-o", "--output", required=True, help="output directory")
    parser.add_argument("--turn", type=int, default=None,
                        help="turn at which sweep survival shares are measured "
                             "(default: the horizon)")
    parser.add_argument("--n-boot", type=int, default=1000,
                        help="bootstrap resamples for Sobol intervals (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # argparse: usage errors exit 2, --help exits 0
        return int(stop.code) if isinstance(stop.code, int) else 2

    problem = missing_dependency()
    if problem:
        _error(problem)
        return 2
    import matplotlib
    matplotlib.use("Agg")
    from . import io

    try:
        fmt = io.file_format(args.input)
    except io.PricewarFormatError as err:
        _error(str(err))
        return 2
    try:
        os.makedirs(args.output, exist_ok=True)
    except OSError as err:
        _error(f"cannot create output directory {args.output}: {err}")
        return 2
    if args.turn is not None and args.turn < 0:
        _error("--turn must be non-negative")
        return 2

    try:
        if fmt == io.FORMAT_RUN:
            page = report_run(args.input, args.output)
        else:
            page = report_sweep(args.input, args.output, args.turn, args.n_boot, args.seed)
    except io.PricewarFormatError as err:
        _error(str(err))
        return 2
    except ValueError as err:
        _error(f"{args.input}: {err}")
        return 2

    index = page.write()
    print(f"{PROG}: wrote {index} ({len(page.figures)} figures)")
    if page.failures:
        for failure in page.failures:
            _error(failure)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
