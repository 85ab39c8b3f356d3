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


#: Modules only some sections need, and their Debian packages.
OPTIONAL_MODULES = {"sklearn": "python3-sklearn", "statsmodels": "python3-statsmodels",
                    "scipy": "python3-scipy"}


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
        self.warnings: List[str] = []

    def warn(self, text: str) -> None:
        """A warning shown in a box at the top of the page."""
        self.warnings.append(text)

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
        except ImportError as err:
            package = OPTIONAL_MODULES.get((err.name or "").split(".")[0])
            self.failures.append(f"{what}: {package} is not installed: apt-get install "
                                 f"{package}" if package else f"{what}: {err}")
            return None
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
            "table.table th{background:#f3f3f3}.fail{color:#a00}"
            ".warn{background:#fff4e0;border:2px solid #d98c00;padding:0.2em 1em;"
            "margin:1em 0}.warn h2{margin:0.3em 0;color:#8a5300}</style>",
            "</head><body>", f"<h1>{html.escape(self.title)}</h1>",
        ]
        if self.failures:
            parts.append("<h2 class=\"fail\">Problems</h2><ul class=\"fail\">")
            parts += [f"<li>{html.escape(f)}</li>" for f in self.failures]
            parts.append("</ul>")
        if self.warnings:
            parts.append("<div class=\"warn\"><h2>Read with care</h2><ul>")
            parts += [f"<li>{html.escape(w)}</li>" for w in self.warnings]
            parts.append("</ul></div>")
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


def _jevons_table(run):
    from . import jevons
    return jevons.elasticity_table(run.market, jevons.default_pairs(len(run.market)))


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
    if "price_index" in run.market and "avg_price" in run.market:
        jevons = page.attempt("arc elasticities", _jevons_table, run)
        if jevons is not None and len(jevons):
            page.table("Jevons: arc elasticities", jevons,
                       note="Between turn 'from' and turn 'to': ratios of tokens, spend, the "
                            "token-weighted average price and the fixed-weight price index "
                            "(turn-0 token weights); arc elasticities dln Q / dln P of tokens "
                            "and spend against each price; mix share = 1 - dln index / dln "
                            "average price, the part of the average price's fall due to "
                            "developers moving to cheaper offers (docs/model.md, \"Market "
                            "measures\").")
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

def _sweep_vendor_table(sweep, turn: Optional[int], meta=None):
    import pandas as pd
    from . import presentation, sensitivity, survival
    meta = meta if meta is not None else presentation.scenario_meta(sweep)
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
            "vendor": vendor, "name": meta.vendor(vendor), "kind": sub["kind"].iloc[0],
            "runs": len(sub),
            "exits": int((sub["exit_turn"] >= 0).sum()),
            "share_alive": alive.mean(), "alive_ci_low": float(lo), "alive_ci_high": float(hi),
            "median_exit_turn": "not reached" if median is None else f"{median:g}",
            **({"median_exit_date": "not reached" if median is None else
                meta.date_of(median).date().isoformat()} if meta.start_date else {}),
            "mean_final_share": sub["final_share"].mean(),
            "mean_cumulative_profit": sub["cumulative_profit"].mean(),
            "mean_peak_loss": sub["peak_loss"].mean(),
        })
    return pd.DataFrame(rows)


def _sobol_outputs(sweep, turn: Optional[int], labels=None):
    """(file name, title, output) triples for Sobol analysis: each startup's survival (1
    alive, 0 not, per run) and key market columns. ``labels``: display name per vendor id."""
    from . import sensitivity
    labels = labels or {}
    outputs = []
    vs = sweep.vendor_summary
    startups = vs[vs["kind"] == "startup"]
    for vendor, sub in startups.groupby("vendor", sort=False):
        alive = sensitivity.alive_at(sub, turn).astype(float)
        outputs.append((f"survival of {vendor}", f"survival of {labels.get(vendor, vendor)}",
                        pd_series(alive.to_numpy(), sub["run_id"])))
    picked = [c for c in sweep.market_columns
              if any(key in c for key in ("hhi", "tokens", "surplus"))][:3]
    outputs += [(c, c, c) for c in picked]
    return outputs


def pd_series(values, index):
    import pandas as pd
    return pd.Series(values, index=pd.Index(index))


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text).strip("_")


#: Sobol intervals wider than this are flagged as too uncertain to read
SOBOL_MAX_WIDTH = 0.3


def _startup_vendors(vs) -> List[str]:
    return list(dict.fromkeys(vs.loc[vs["kind"] == "startup", "vendor"]))


def _sweep_styles(sweep):
    from . import presentation
    return presentation.vendor_styles(sweep.vendors["name"].tolist(),
                                      sweep.vendors["kind"].tolist())


def _level_groups(values, max_levels: int = 6):
    """(labels per row, ordered label list): distinct levels, or quantile bins."""
    import pandas as pd
    if values.nunique() <= max_levels:
        levels = sorted(values.unique())
        return values.map(lambda v: f"{v:.4g}"), [f"{v:.4g}" for v in levels]
    cats = pd.qcut(values, q=3, duplicates="drop")
    labels = [f"{c.left:.3g}-{c.right:.3g}" for c in cats.cat.categories]
    mapping = dict(zip(cats.cat.categories, labels))
    return cats.map(mapping).astype(str), labels


def _heat_grids(sub, parameters, turn):
    import itertools
    import numpy as np
    from . import sensitivity
    alive = sensitivity.alive_at(sub, turn).to_numpy()
    grids = []
    for px, py in itertools.combinations(parameters, 2):
        gx, lx = _level_groups(sub[px])
        gy, ly = _level_groups(sub[py])
        share = np.full((len(ly), len(lx)), np.nan)
        count = np.zeros((len(ly), len(lx)), dtype=int)
        gx, gy = gx.to_numpy(), gy.to_numpy()
        for r, yl in enumerate(ly):
            for c, xl in enumerate(lx):
                mask = (gx == xl) & (gy == yl)
                count[r, c] = int(mask.sum())
                if mask.any():
                    share[r, c] = float(alive[mask].mean())
        grids.append({"x": px, "y": py, "x_labels": lx, "y_labels": ly, "share": share,
                      "n": count})
    return grids


def _km_levels(sub, parameters):
    from . import survival
    out = {}
    for param in parameters:
        groups, order = _level_groups(sub[param])
        table = survival.survival_table(sub.assign(level=groups.to_numpy()), group_by="level",
                                        kinds=None)
        curves = survival.km_by_group(table)
        out[param] = {label: curves[label] for label in order if label in curves}
    return out


def _discovery(page: _Page, sweep, vendor: str, sub, parameters, turn, threshold=0.8,
               name: Optional[str] = None):
    """PRIM boxes (survives / exits) and CART leaves for one vendor (``name``: its display
    name, shown in headings and figures; the file names use the id)."""
    from . import discovery, plots, sensitivity
    safe = _safe_name(vendor)
    vendor = name or vendor
    X = sub[parameters].reset_index(drop=True).astype(float)
    alive = sensitivity.alive_at(sub, turn).to_numpy().astype(int)
    results, tables, rare = {}, [], []
    for outcome, y in (("survives", alive), ("exits", 1 - alive)):
        if min(y.sum(), len(y) - y.sum()) < MIN_DISCOVERY_CASES:
            if 0 < y.sum() < len(y):
                rare.append(f"{vendor} {outcome} in {int(y.sum())} of {len(y)} runs: too "
                            f"few (or too many) to search a box (fewer than "
                            f"{MIN_DISCOVERY_CASES} on one side)")
            continue
        boxes = discovery.prim(X, y, threshold=threshold, max_boxes=2)
        if not boxes:
            continue
        results[outcome] = boxes[0]
        table = discovery.boxes_table(boxes)
        table.insert(0, "outcome", outcome)
        tables.append(table)
    if not results:
        if rare:
            page.text(f"Scenario discovery: {vendor}", rare)
            return
        state = "survives" if alive.all() else "exits"
        page.text(f"Scenario discovery: {vendor}",
                  [f"{vendor} {state} in every run: no region of parameter space to find."])
        return
    import pandas as pd
    page.table(f"Scenario discovery (PRIM): where {vendor} survives and where it exits",
               pd.concat(tables, ignore_index=True),
               note=f"{len(X)} runs. Boxes chosen at the highest coverage with density >= "
                    f"{threshold:g} "
                    f"(the densest step otherwise), then pasted; restrictions with a "
                    f"quasi-p-value above 0.01 lifted. coverage: share of the outcome's runs "
                    f"inside the box; density: share of the box's runs with the outcome; "
                    f"mass: share of all runs in the box.")
    page.figure(f"prim_{safe}.png", f"PRIM peeling trajectories for {vendor}",
                plots.plot_prim_tradeoff, results, vendor)
    leaves = page.attempt(f"CART for {vendor}", discovery.cart, X, alive)
    if leaves is not None:
        leaves = leaves.assign(share_alive=leaves["density"])[
            ["rule", "share_alive", "mass", "cases"]]
        page.table(f"Scenario discovery (CART): {vendor}", leaves,
                   note="Leaves of a classification tree of survival (depth <= 4, leaves of "
                        ">= 5 % of runs); share_alive is the share of the leaf's runs in "
                        "which the vendor survives.")


#: fewer runs than this with (or without) an outcome: no PRIM box is searched for it
MIN_DISCOVERY_CASES = 5


def _cox_section(page: _Page, sweep, parameters, labels=None):
    from . import hazard, plots
    labels = labels or {}
    result = page.attempt("Cox regression", hazard.sweep_cox, sweep.vendor_summary, parameters)
    if result is None:
        return
    table = result["table"]
    if "model" in table:  # models are named by vendor id, or "pooled": show display names
        table = table.assign(model=[labels.get(m, m) for m in table["model"]])
    skipped = [f"{labels.get(name, name)}: {why}" for name, why in result["fits"].items()
               if isinstance(why, str)]
    notes = []
    for name, fit in result["fits"].items():
        if isinstance(fit, str):
            continue
        name = labels.get(name, name)
        notes.append(f"{name}: {fit.events} exits in {fit.n} runs; global proportional-"
                     f"hazards test (Grambsch-Therneau) chi2 = {fit.ph_global_chi2:.3g}, "
                     f"df = {fit.ph_global_df}, p = {fit.ph_global_p:.3g}"
                     + (" -- the hazard ratios are averages over time" if
                        fit.ph_global_p < 0.05 else ""))
        if fit.warnings:
            page.warn(f"Cox model {name}: " + "; ".join(fit.warnings))
    if len(table):
        page.table("Survival regression (Cox proportional hazards)", table,
                   note="Hazard ratio of exit per unit shown (per doubling for log-spaced "
                        "parameters, per standard deviation otherwise), 95 % Wald interval, "
                        "Wald p-value, and ph_p: the proportional-hazards test of that "
                        "parameter (small: its effect changes over time). The pooled model "
                        "has one baseline hazard per startup (strata).")
        page.text("Proportional-hazards check", notes + [f"Not fitted: {s}" for s in skipped])
        page.figure("cox.png", "Hazard ratios of exit with 95 % intervals",
                    plots.plot_cox_forest, table)
    else:
        page.text("Survival regression (Cox proportional hazards)",
                  ["No model could be fitted."] + [f"Not fitted: {s}" for s in skipped])


def _envelopes(page: _Page, sweep, path: str, meta=None):
    """Median and 5-95 % band over runs of the recorded series."""
    import numpy as np
    from . import io, plots, presentation
    meta = meta if meta is not None else presentation.scenario_meta(sweep)
    panels = []
    try:
        for table, title in (("total_tokens", "tokens served per turn"),
                             ("unserved_tokens", "tokens unserved (rationed) per turn"),
                             ("avg_price", "token-weighted average price"),
                             ("hhi", "HHI (0-10,000)")):
            try:
                _, values = io.load_series_stack(path, "market", table)
            except io.PricewarFormatError:
                continue
            positive = values[np.isfinite(values) & (values > 0)]
            panels.append({"title": title, "x": np.arange(values.shape[1]), "values": values,
                           "log": table != "hhi" and plots._spans_decades(positive)})
        _, cash = io.load_series_stack(path, "vendor", "cash")
    except io.PricewarFormatError as err:
        page.warn(f"series envelopes: {err}")
        return
    styles = _sweep_styles(sweep)
    ids = sweep.vendors["name"].tolist()
    labels = meta.vendor_labels(ids)
    names = [labels[v] for v in ids]
    startups = [i for i, k in enumerate(sweep.vendors["kind"]) if k == "startup"]
    if startups:
        finite = cash[:, :, startups]
        scale = np.nanmax(np.abs(finite)) if np.isfinite(finite).any() else 1.0
        panels.append({"title": "startup cash (CNY)" + (", symmetric log scale" if
                                                       plots._spans_decades(np.abs(finite))
                                                       else ""),
                       "x": np.arange(cash.shape[1]),
                       "values": {names[i]: cash[:, :, i] for i in startups},
                       "colours": {names[i]: styles[ids[i]]["color"] for i in startups},
                       "log": plots._spans_decades(np.abs(finite)), "symlog": True,
                       "linthresh": max(1.0, scale / 1e3)})
    n_runs = cash.shape[0]
    params = ", ".join(sweep.parameters) if sweep.parameters else "none (replicates only)"
    page.figure("envelopes.png", f"Median and 5-95 % band over {n_runs} runs per turn. The "
                f"band mixes seed noise with the varied parameters ({params}).",
                plots.plot_envelopes, panels,
                title=f"Median and 5-95% band over {n_runs} runs", meta=meta)


def _scenario_table(sweep, turn, labels=None):
    """Per scenario: runs, and for each startup (by display name) the runs in which it is
    alive."""
    import pandas as pd
    from . import sensitivity
    labels = labels or {}
    vs = sweep.vendor_summary
    rows = []
    for scenario, sub in vs.groupby("scenario", sort=False):
        row = {"scenario": scenario, "runs": sub["run_id"].nunique()}
        for vendor in _startup_vendors(vs):
            v = sub[sub["vendor"] == vendor]
            column = f"{labels.get(vendor, vendor)} alive"
            if len(v):
                alive = sensitivity.alive_at(v, turn)
                row[column] = f"{int(alive.sum())}/{len(v)}"
            else:
                row[column] = "absent"
        rows.append(row)
    table = pd.DataFrame(rows)
    market = sweep.ok_runs.groupby("scenario", sort=False)[
        [c for c in sweep.market_columns if c.startswith("final_") or c == "startups_alive"]
    ].mean()
    return table.merge(market.add_prefix("mean ").reset_index(), on="scenario", how="left")


def report_sweep(path: str, outdir: str, turn: Optional[int], n_boot: int,
                 seed: int, prim_threshold: float = 0.8) -> _Page:
    import numpy as np
    from . import hazard, io, plots, presentation, sensitivity, survival
    sweep = io.load_sweep(path)
    meta = presentation.scenario_meta(sweep)
    labels = meta.vendor_labels(sweep.vendors["name"].tolist())
    if turn is not None and turn > int(sweep.runs["turns"].min()):
        raise ValueError(f"--turn {turn} is beyond the horizon ({int(sweep.runs['turns'].min())} "
                         f"turns)")
    counts = sweep.status_counts
    scenarios = list(dict.fromkeys(map(str, sweep.runs["scenario"])))
    kind = "sweep" if sweep.parameters else "batch"
    page = _Page(outdir, f"pricewar {kind}: {', '.join(scenarios)[:120]}")
    page.text("Runs", [
        f"{counts['total']} runs: {counts['ok']} ok, {counts['failed']} failed, "
        f"{counts['not_run']} not run. Horizon {sweep.turns} turns"
        + (f" of {sweep.turn_days:g} days" if sweep.turn_days else "")
        + (f"; turn 0 = {meta.start_date.isoformat()}" if meta.start_date else "") + ".",
        f"Varied parameters: {', '.join(sweep.parameters) if sweep.parameters else 'none'}"
        f"{' (Sobol design)' if sweep.is_sobol else ''}.",
        "Statistics below use the successful runs only; vendors absent from a run are "
        "left out of it. Every statistic is per vendor: startups are never pooled.",
    ])
    if _is_repeated_game(sweep.market_columns):
        _repeated_game_batch(page, sweep)
        return _sweep_tail(page, sweep, path)
    vs = sweep.vendor_summary
    horizon_text = ("the horizon" if turn is None else f"turn {turn}"
                    + (f" ({meta.date_of(turn).date().isoformat()})" if meta.start_date else ""))
    styles = _sweep_styles(sweep)
    if not len(vs):
        page.text("Survival", ["No successful run with vendor summaries; nothing to analyse."])
        return _sweep_tail(page, sweep, path)

    table = page.attempt("per-vendor summary", _sweep_vendor_table, sweep, turn, meta)
    if table is not None:
        page.table("Per-vendor survival and profit", table,
                   note=f"share_alive: share of runs with the vendor alive at "
                        f"{horizon_text} (95% Wilson interval); median exit turn from "
                        f"the Kaplan-Meier estimate.")
    if len(scenarios) > 1:
        per_scenario = page.attempt("per-scenario table", _scenario_table, sweep, turn, labels)
        if per_scenario is not None:
            page.table("Per scenario: which startups survive", per_scenario,
                       note=f"Runs in which each startup is alive at {horizon_text}, and "
                            f"the mean of the market summaries over the scenario's runs.")
    by_vendor = survival.survival_table(vs, group_by="vendor", kinds=None)
    curves = survival.km_by_group(by_vendor)
    order = [v for v in sweep.vendors["name"] if v in curves]
    if curves:
        page.figure("km_vendors.png", "Kaplan-Meier survival per vendor (over all runs of "
                    "the file)", plots.plot_km, {v: curves[v] for v in order},
                    title="Survival per vendor", horizon=sweep.turns, bands=len(curves) <= 6,
                    logrank=page.attempt("log-rank (vendors)", survival.logrank_table,
                                         by_vendor), colours={v: styles[v]["color"]
                                                              for v in order},
                    labels=labels, meta=meta)
    if (by_vendor["event"] == 1).any():
        page.figure("exits.png", "Exit " + ("dates" if meta.start_date else "turns")
                    + " per vendor", plots.plot_exits_per_vendor, by_vendor, styles,
                    horizon=sweep.turns, labels=labels, meta=meta)
        causes = None
        if "exit_reason" in vs:
            causes = page.attempt("cumulative incidence", hazard.sweep_cumulative_incidence,
                                  vs, kinds=None)
        if causes:
            page.figure("cumulative_incidence.png", "Cumulative incidence of exit per vendor"
                        + " and exit reason (Aalen-Johansen, competing risks)",
                        plots.plot_cumulative_incidence, causes, styles, horizon=sweep.turns,
                        labels=labels, meta=meta)

    startups = _startup_vendors(vs)
    varied = [p for p in sweep.parameters if p in vs and vs[p].nunique() > 1]
    if varied and startups:
        tables = {}
        for vendor in startups:
            sub = vs[vs["vendor"] == vendor]
            vendor_tables = [page.attempt(f"survival of {vendor} vs {p}",
                                          sensitivity.survival_vs_parameter, sub, p, turn,
                                          kinds=None) for p in varied]
            if all(t is not None for t in vendor_tables):
                tables[vendor] = vendor_tables
        if tables:
            thin = [f"{labels[v]} at {plots.short_name(t.attrs['param'])} = {x:.4g}"
                    for v, ts in tables.items() for t in ts
                    for x, n in zip(t["x"], t["n"]) if n < plots.MIN_RUNS_PER_LEVEL]
            if thin:
                page.warn(f"Fewer than {plots.MIN_RUNS_PER_LEVEL} runs at "
                          f"{len(thin)} parameter level(s) (e.g. {thin[0]}): those shares "
                          f"alive are too uncertain to read; see the interval widths.")
            page.figure("survival_by_vendor.png", f"Share of runs with each startup alive at "
                        f"{horizon_text} against each swept parameter",
                        plots.plot_vendor_survival_vs_parameters, tables,
                        {v: styles[v] for v in tables}, turn_text=horizon_text, labels=labels)
        for vendor in startups:
            sub = vs[vs["vendor"] == vendor]
            safe = _safe_name(vendor)
            levels = page.attempt(f"survival curves of {vendor} by level", _km_levels, sub,
                                  varied)
            if levels:
                page.figure(f"km_levels_{safe}.png", f"{labels[vendor]}: survival curves by "
                            f"level of each swept parameter", plots.plot_km_by_level, levels,
                            labels[vendor], horizon=sweep.turns, meta=meta)
            if len(varied) >= 2:
                grids = page.attempt(f"heat maps of {vendor}", _heat_grids, sub, varied, turn)
                if grids:
                    page.figure(f"heatmap_{safe}.png", f"{labels[vendor]}: share of runs alive "
                                f"at {horizon_text} over each pair of swept parameters",
                                plots.plot_survival_heatmaps, grids, labels[vendor])
        for vendor in startups:
            sub = vs[vs["vendor"] == vendor]
            page.attempt(f"scenario discovery for {vendor}", _discovery, page, sweep, vendor,
                         sub, varied, turn, threshold=prim_threshold, name=labels[vendor])
        _cox_section(page, sweep, varied, labels)

    if sweep.is_sobol and sweep.parameters:
        for key, name, output in _sobol_outputs(sweep, turn, labels):
            indices = page.attempt(f"Sobol indices of {name}", sensitivity.sobol_from_sweep,
                                   sweep.runs, output, sweep.parameters, n_boot=n_boot,
                                   seed=seed)
            if indices is None:
                continue
            if not indices["ST"].notna().any():
                page.text(f"Sobol indices of {name}",
                          ["The output does not vary across the design; no indices."])
                continue
            width = np.nanmax(np.concatenate([
                (indices["S1_high"] - indices["S1_low"]).to_numpy(dtype=float),
                (indices["ST_high"] - indices["ST_low"]).to_numpy(dtype=float)]))
            uncertain = bool(np.isfinite(width) and width > SOBOL_MAX_WIDTH)
            if uncertain:
                page.warn(f"Sobol indices of {name}: a 95 % interval is {width:.2f} wide "
                          f"(> {SOBOL_MAX_WIDTH}) at N = {indices.attrs.get('N')}: too "
                          f"uncertain to read; run a larger Sobol design.")
            page.figure(f"sobol_{_safe_name(key)}.png", f"Sobol indices of {name}",
                        plots.plot_sobol, indices, title=f"Sobol indices: {name}",
                        warning=(f"TOO UNCERTAIN TO READ: intervals up to {width:.2f} wide"
                                 if uncertain else None))
            page.table(f"Sobol indices of {name}", indices.reset_index(),
                       note="Replicates of a design row are averaged before estimation.")
    return _sweep_tail(page, sweep, path)


def _repeated_game_batch(page: _Page, sweep):
    import numpy as np
    import pandas as pd
    from . import plots
    runs = sweep.ok_runs
    rows = []
    for col in sweep.market_columns:
        values = runs[col].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if not len(values):
            continue
        se = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else np.nan
        rows.append({"measure": col, "mean": values.mean(), "s.e.": se,
                     "sd": values.std(ddof=1) if len(values) > 1 else np.nan,
                     "min": values.min(), "max": values.max(), "runs": len(values)})
    page.text("Repeated game", [
        "These runs are repeated pricing games between learning firms (Calvano et al. "
        "2020): each run holds its converged outcome. Survival analysis does not apply "
        "(no firm can exit)."])
    page.table("Outcome across sessions", pd.DataFrame(rows))
    page.figure("repeated_game.png", "Profit gain and periods to convergence across sessions",
                plots.plot_repeated_game_batch, runs)


def _sweep_tail(page: _Page, sweep, path: str) -> _Page:
    from . import io
    failed = sweep.runs[sweep.runs["status"] != io.STATUS_OK]
    if len(failed):
        cols = [c for c in ("run_id", "replicate", "seed", "scenario", "status", "error")
                if c in failed]
        page.table(f"Runs not completed ({len(failed)})", failed[cols].head(100),
                   note="Status 1 = failed, -1 = not run. At most 100 rows shown.")
    if sweep.has_series and len(sweep.ok_runs) and not _is_repeated_game(sweep.market_columns):
        _envelopes(page, sweep, path)
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
    parser.add_argument("--prim-threshold", type=float, default=0.8,
                        help="density a PRIM box must reach to be chosen (default 0.8)")
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
    if not 0 < args.prim_threshold <= 1:
        _error("--prim-threshold must be in (0, 1]")
        return 2

    try:
        if fmt == io.FORMAT_RUN:
            page = report_run(args.input, args.output)
        else:
            page = report_sweep(args.input, args.output, args.turn, args.n_boot, args.seed,
                                args.prim_threshold)
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
