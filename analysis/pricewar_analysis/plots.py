"""Figures for runs and sweeps.

Every function builds a matplotlib ``Figure`` on an Agg canvas (no display, no global
pyplot state), writes it to ``path`` when given, and returns the figure.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib import colormaps

from . import presentation
from .survival import KaplanMeier, LogRankResult

LINESTYLES = ("-", "--", ":", "-.")
DPI = 110


def new_figure(width: float = 9.0, height: float = 5.0) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def save(fig: Figure, path: Optional[str]) -> Figure:
    if path is not None:
        fig.savefig(path, dpi=DPI, bbox_inches="tight")
    return fig


def vendor_colors(names: Sequence[str], kinds: Optional[Sequence[str]] = None
                  ) -> Dict[str, str]:
    """Colour per vendor from the colour-blind-safe palette, grouped by kind
    (presentation.vendor_styles)."""
    return {n: st["color"] for n, st in presentation.vendor_styles(names, kinds).items()}


def _styles(run) -> Dict[str, dict]:
    return presentation.vendor_styles(run.vendors["name"].tolist(), run.vendors["kind"].tolist())


def _meta(run, meta=None) -> presentation.ScenarioMeta:
    return meta if meta is not None else presentation.scenario_meta(run)


def _exit_turns(run) -> Dict[str, int]:
    vs = run.vendor_summary
    return {v: int(t) for v, t in zip(vs["vendor"], vs["exit_turn"]) if int(t) >= 0}


def _spans_decades(values, decades: float = 2.0) -> bool:
    """True when the positive values span more than ``decades`` powers of ten."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return len(v) >= 2 and math.log10(v.max() / v.min()) > decades


def _units(run, key: str, default: str) -> str:
    return run.units.get(key, default)


def _currency(run) -> str:
    return str(run.attrs.get("currency", "CNY"))


def _legend_outside(ax, handles=None, labels=None, title=None):
    kwargs = dict(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False,
                  title=title)
    if handles is not None:
        ax.legend(handles, labels, **kwargs)
    else:
        ax.legend(**kwargs)


def price_floor(prices: np.ndarray) -> float:
    """Floor used to draw zero prices on a log axis: a decade below the smallest positive."""
    positive = prices[np.isfinite(prices) & (prices > 0)]
    if len(positive) == 0:
        return 1e-3
    return 10.0 ** (math.floor(math.log10(positive.min())) - 1)


def _time_axes(run, meta, width=10.0, height=5.0):
    """(figure, main axes, lane axes or None) with an event lane under the main axes."""
    events = run.events
    fig = new_figure(width, height + (0.9 if len(events) else 0))
    if not len(events):
        return fig, fig.add_subplot(), None
    turns = events["turn"].to_numpy(dtype=float)
    x_min = float(min(run.market.index.min() if len(run.market) else 0, turns.min()))
    x_max = float(max(run.market.index.max() if len(run.market) else 1, turns.max()))
    rows = max(presentation.lane_rows((turns - x_min) / max(x_max - x_min, 1e-9), 0.022)) + 1
    grid = fig.add_gridspec(2, 1, height_ratios=[height, 0.35 + 0.28 * rows], hspace=0.08)
    ax = fig.add_subplot(grid[0])
    lane = fig.add_subplot(grid[1], sharex=ax)
    presentation.event_lane(lane, events, meta, x_min, x_max, colours=vendor_colors(
        run.vendors["name"].tolist(), run.vendors["kind"].tolist()))
    ax.tick_params(labelbottom=False)
    return fig, ax, lane


def _finish_time_axis(ax, lane, meta):
    presentation.set_time_axis(lane if lane is not None else ax, meta)
    if lane is not None:
        presentation.set_time_axis(ax, meta, label=False)
        ax.set_xlabel("")
        ax.tick_params(labelbottom=False)


def _end_marker(ax, x, y, colour):
    ax.plot([x], [y], marker="X", ms=8, color=colour, mec="k", mew=0.6, ls="none", zorder=5)


def _exit_handle():
    return Line2D([], [], marker="X", ms=7, color="0.6", mec="k", ls="none")


def _dated(meta) -> bool:
    return meta is not None and meta.start_date is not None


def _time_x(meta, turns):
    """x values of turn numbers: dates where the file has a start date (sweep figures)."""
    return presentation.time_values(meta, turns) if _dated(meta) else np.asarray(turns, dtype=float)


def _time_axis(ax, meta, label: bool = True, fontsize: Optional[float] = None) -> None:
    """Date ticks and label where the file has a start date, else "turn"."""
    if _dated(meta):
        presentation.set_time_axis(ax, meta, label=label)
        if label and fontsize:
            ax.xaxis.label.set_fontsize(fontsize)
    elif label:
        ax.set_xlabel("turn", fontsize=fontsize)


def _turn_text(turn: float, meta) -> str:
    """A turn for a legend: "15", or "15 (2024-08-12)" with a start date."""
    if _dated(meta):
        return f"{turn:g} ({meta.date_of(turn).date().isoformat()})"
    return f"{turn:g}"


# ------------------------------------------------------------------------------- runs

def plot_prices(run, path: Optional[str] = None, meta=None) -> Figure:
    """Blended price per offer (log scale); events numbered in a lane below."""
    meta = _meta(run, meta)
    fig, ax, lane = _time_axes(run, meta, 10, 5.5)
    series = run.offer_series
    table = series.pivot(index="turn", columns="offer", values="price")
    table = table.reindex(columns=[o for o in run.offers["name"] if o in table.columns])
    values = table.to_numpy(dtype=float)
    floor = price_floor(values)
    styles = _styles(run)
    exits = _exit_turns(run)
    x = presentation.time_values(meta, table.index)
    tier_rank: Dict[str, int] = {}
    has_free = ended = False
    for _, offer in run.offers.iterrows():
        name = offer["name"]
        if name not in table.columns:
            continue
        y = table[name].to_numpy(dtype=float)
        free = np.isfinite(y) & (y <= 0)
        has_free |= bool(free.any())
        y = np.where(free, floor, y)
        vendor = offer["vendor"]
        rank = tier_rank.get(vendor, 0)
        tier_rank[vendor] = rank + 1
        colour = styles.get(vendor, {"color": "k"})["color"]
        ax.plot(x, y, color=colour, ls=LINESTYLES[rank % len(LINESTYLES)], lw=1.5,
                label=meta.offer(name), drawstyle="steps-post")
        finite = np.flatnonzero(np.isfinite(y))
        if vendor in exits and len(finite):
            _end_marker(ax, x[finite[-1]], y[finite[-1]], colour)
            ended = True
    ax.set_yscale("log")
    handles, labels = ax.get_legend_handles_labels()
    if has_free:
        ax.axhline(floor, color="0.6", lw=0.8, ls=":")
        handles.append(Line2D([], [], color="0.6", lw=0.8, ls=":"))
        labels.append(f"price 0 (free) drawn at {floor:g}")
    if ended:
        handles.append(_exit_handle())
        labels.append("vendor exits")
    ax.set_ylabel(f"blended price ({_units(run, 'series/offer/price', _currency(run) + '/Mtok')})")
    ax.set_title("Price per offer" + (" (numbered markers: timeline events, listed below "
                                      "the figure)" if lane is not None else ""), fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    _finish_time_axis(ax, lane, meta)
    _legend_outside(ax, handles, labels)
    return save(fig, path)


def vendor_tokens(run) -> pd.DataFrame:
    """Tokens served per turn (rows) and vendor (columns), from the offer series."""
    table = run.offer_series.groupby(["turn", "vendor"])["tokens"].sum().unstack("vendor")
    names = [v for v in run.vendors["name"] if v in table.columns]
    return table.reindex(columns=names).fillna(0.0)


def plot_market_shares(run, path: Optional[str] = None, meta=None) -> Figure:
    """Stacked area of token shares per vendor."""
    meta = _meta(run, meta)
    fig = new_figure(10, 5)
    ax = fig.add_subplot()
    tokens = vendor_tokens(run)
    total = tokens.sum(axis=1)
    shares = tokens.div(total.where(total > 0), axis=0).fillna(0.0)
    styles = _styles(run)
    x = presentation.time_values(meta, shares.index)
    if shares.shape[1]:
        ax.stackplot(x, shares.to_numpy().T, labels=[meta.vendor(v) for v in shares.columns],
                     colors=[styles[v]["color"] for v in shares.columns], alpha=0.9,
                     edgecolor="white", linewidth=0.3)
    ax.set_ylim(0, 1)
    ax.set_xlim(x[0], x[-1])
    presentation.set_time_axis(ax, meta)
    ax.set_ylabel("share of tokens served")
    ax.set_title("Market shares (tokens served)")
    handles, labels = ax.get_legend_handles_labels()
    _legend_outside(ax, handles[::-1], labels[::-1])
    return save(fig, path)


def requested_tokens(market: pd.DataFrame) -> Optional[np.ndarray]:
    """Tokens developers asked for: served + unserved (None without unserved_tokens)."""
    if "unserved_tokens" not in market or "total_tokens" not in market:
        return None
    return (market["total_tokens"].to_numpy(dtype=float)
            + np.nan_to_num(market["unserved_tokens"].to_numpy(dtype=float)))


def plot_jevons(run, path: Optional[str] = None) -> Figure:
    """Tokens against the token-weighted average price, log-log, coloured by turn.

    The slope is fitted on requested tokens (served + unserved) when the file records
    unserved tokens: served tokens are capped by capacity and would understate demand.
    """
    fig = new_figure(8, 5.5)
    ax = fig.add_subplot()
    market = run.market
    served = market["total_tokens"].to_numpy(dtype=float)
    if "avg_price" in market:
        price = market["avg_price"].to_numpy(dtype=float)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            price = market["total_spend"].to_numpy(dtype=float) / served
    requested = requested_tokens(market)
    demand = requested if requested is not None else served
    turn = market.index.to_numpy()
    ok = np.isfinite(demand) & np.isfinite(price) & (demand > 0) & (price > 0)
    points = ax.scatter(price[ok], demand[ok], c=turn[ok], cmap="viridis", s=20, zorder=3,
                        label="requested tokens (served + unserved)" if requested is not None
                        else "tokens served")
    ax.plot(price[ok], demand[ok], color="0.7", lw=0.8, zorder=1)
    if requested is not None and np.any(np.abs(requested - served)[ok] > 1e-9 * demand[ok]):
        oks = ok & (served > 0)
        ax.scatter(price[oks], served[oks], facecolors="none", edgecolors="0.45", s=16,
                   zorder=2, label="tokens served (capped by capacity)")
    fig.colorbar(points, ax=ax, label="turn")
    ax.set_xscale("log")
    ax.set_yscale("log")
    title = "Jevons curve: tokens against average price"
    if ok.sum() >= 3 and np.ptp(np.log(price[ok])) > 1e-9:
        slope = np.polyfit(np.log(price[ok]), np.log(demand[ok]), 1)[0]
        title += (f"\nlog-log slope of {'requested' if requested is not None else 'served'} "
                  f"tokens on price: {slope:.2f}")
    dropped = int((~ok).sum())
    if dropped:
        title += f" ({dropped} turns with zero tokens or price not shown)"
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(f"token-weighted average price "
                  f"({_units(run, 'series/market/avg_price', _currency(run) + '/Mtok')})")
    ax.set_ylabel(f"tokens ({_units(run, 'series/market/total_tokens', 'Mtok')})")
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=8, loc="best")
    return save(fig, path)


def _vendor_pivot(run, column: str) -> pd.DataFrame:
    table = run.vendor_series.pivot(index="turn", columns="vendor", values=column)
    return table.reindex(columns=[v for v in run.vendors["name"] if v in table.columns])


def _symlog_if_wide(ax, table: pd.DataFrame) -> str:
    """Symmetric log y axis when vendors' magnitudes differ by more than 100x."""
    typical = table.abs().median(axis=0).to_numpy(dtype=float)
    typical = typical[np.isfinite(typical) & (typical > 0)]
    if len(typical) < 2 or typical.max() / typical.min() <= 100:
        return ""
    ax.set_yscale("symlog", linthresh=10.0 ** math.floor(math.log10(typical.min())))
    return ", symmetric log scale"


def _until_exit(table: pd.DataFrame, exits: Dict[str, int]) -> pd.DataFrame:
    """Blank each vendor's column after its exit turn (the line ends at the exit)."""
    out = table.copy()
    for vendor, turn in exits.items():
        if vendor in out:
            out.loc[out.index > turn, vendor] = np.nan
    return out


def _exit_label(run, exits) -> str:
    """Legend text of the exit marker: the exit routes of the vendors marked (files without
    /summary/vendor/exit_reason know only shutdowns)."""
    summary = run.vendor_summary
    if "exit_reason" not in summary.columns:
        return "exit (cash below zero)"
    reasons = set(summary[summary["vendor"].isin(list(exits.keys()))]["exit_reason"].astype(int))
    words = []
    if 1 in reasons:
        words.append("shutdown (cash below zero)")
    if 2 in reasons:
        words.append("withdrawal from the API market")
    return "exit: " + " or ".join(words) if words else "exit"


def plot_cash(run, path: Optional[str] = None, meta=None) -> Figure:
    """Cash per vendor over time; a line ends at the vendor's exit, marked with a cross."""
    meta = _meta(run, meta)
    fig = new_figure(10, 5)
    ax = fig.add_subplot()
    exits = _exit_turns(run)
    cash = _until_exit(_vendor_pivot(run, "cash"), exits)
    styles = _styles(run)
    x = presentation.time_values(meta, cash.index)
    for vendor in cash.columns:
        ax.plot(x, cash[vendor], color=styles[vendor]["color"], ls=styles[vendor]["ls"], lw=1.5,
                label=meta.vendor(vendor))
    marked = False
    for vendor, turn in exits.items():
        if vendor not in cash.columns:
            continue
        column = cash[vendor]
        finite = column[np.isfinite(column.to_numpy(dtype=float))]
        if not len(finite):
            continue
        last_turn = finite.index[-1]
        _end_marker(ax, presentation.time_values(meta, [last_turn])[0], finite.iloc[-1],
                    styles[vendor]["color"])
        marked = True
    ax.axhline(0, color="k", lw=0.8)
    scale_note = _symlog_if_wide(ax, cash)
    handles, labels = ax.get_legend_handles_labels()
    if marked:
        handles.append(_exit_handle())
        labels.append(_exit_label(run, exits))
    presentation.set_time_axis(ax, meta)
    ax.set_ylabel(f"cash ({_units(run, 'series/vendor/cash', _currency(run))})"
                  f"{scale_note}")
    ax.set_title("Cash per vendor (lines end at exit)")
    ax.grid(True, alpha=0.25)
    _legend_outside(ax, handles, labels)
    return save(fig, path)


def plot_utilisation(run, path: Optional[str] = None, meta=None) -> Figure:
    """Served tokens / capacity per vendor and, when recorded, the share of each vendor's
    requested tokens it could not serve (rationed share). Lines end at exit."""
    meta = _meta(run, meta)
    rationed = None
    if "rationed_share" in run.vendor_series:
        table = _vendor_pivot(run, "rationed_share")
        if np.nanmax(np.abs(table.to_numpy(dtype=float)), initial=0) > 0:
            rationed = table
    fig = new_figure(10, 6.5 if rationed is not None else 5)
    ax = fig.add_subplot(2 if rationed is not None else 1, 1, 1)
    exits = _exit_turns(run)
    util = _until_exit(_vendor_pivot(run, "utilisation"), exits)
    if "alive" in run.vendor_series:
        alive = _vendor_pivot(run, "alive").fillna(0).astype(bool)
        util = util.where(alive | util.index.isin(list(exits.values()))[:, None])
    styles = _styles(run)
    x = presentation.time_values(meta, util.index)
    for vendor in util.columns:
        ax.plot(x, util[vendor], color=styles[vendor]["color"], ls=styles[vendor]["ls"], lw=1.5,
                label=meta.vendor(vendor))
        finite = np.flatnonzero(np.isfinite(util[vendor].to_numpy(dtype=float)))
        if vendor in exits and len(finite):
            _end_marker(ax, x[finite[-1]], util[vendor].iloc[finite[-1]],
                        styles[vendor]["color"])
    ax.axhline(1.0, color="k", lw=0.8, ls=":")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("utilisation\n(tokens served / capacity)")
    ax.set_title("Capacity utilisation per vendor")
    ax.grid(True, alpha=0.25)
    _legend_outside(ax)
    if rationed is not None:
        presentation.set_time_axis(ax, meta, label=False)
        ax2 = fig.add_subplot(2, 1, 2, sharex=ax)
        rationed = _until_exit(rationed, exits)
        for vendor in rationed.columns:
            ax2.plot(x, rationed[vendor], color=styles[vendor]["color"], ls=styles[vendor]["ls"],
                     lw=1.5, label=meta.vendor(vendor))
        ax2.set_ylim(-0.02, 1.02)
        ax2.set_ylabel("rationed share\n(requested tokens not served)")
        ax2.grid(True, alpha=0.25)
        presentation.set_time_axis(ax2, meta)
        fig.tight_layout()
    else:
        presentation.set_time_axis(ax, meta)
    return save(fig, path)


MARKET_PANELS = (("tokens", "tokens per turn: served and unserved (rationed)"),
                 ("total_spend", "total spend"), ("avg_price", "token-weighted average price"),
                 ("hhi", "HHI (0-10,000)"), ("active_developers", "active developers"),
                 ("outside_share", "outside-option (self-hosting) share"))


def plot_market(run, path: Optional[str] = None, meta=None) -> Figure:
    """Market aggregates over time, one panel per series; tokens served and unserved
    share a panel; log scales where a series spans more than two decades."""
    meta = _meta(run, meta)
    market = run.market
    panels = [(k, t) for k, t in MARKET_PANELS
              if (k == "tokens" and "total_tokens" in market) or k in market]
    ncols = 2
    nrows = max(1, math.ceil(len(panels) / ncols))
    fig = new_figure(11, 2.9 * nrows)
    x = presentation.time_values(meta, market.index)
    for i, (key, title) in enumerate(panels):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        if key == "tokens":
            served = market["total_tokens"].to_numpy(dtype=float)
            ax.plot(x, served, color="#0077BB", lw=1.5, label="served")
            values = [served]
            if "unserved_tokens" in market:
                unserved = market["unserved_tokens"].to_numpy(dtype=float)
                ax.plot(x, unserved, color="#CC3311", lw=1.5, ls="--",
                        label="unserved (requested, not served)")
                values.append(unserved)
            unit = run.units.get("series/market/total_tokens")
            ax.legend(fontsize=7, loc="best")
            values = np.concatenate(values)
        else:
            values = market[key].to_numpy(dtype=float)
            ax.plot(x, values, color="#0077BB", lw=1.5)
            unit = run.units.get(f"series/market/{key}")
        if key in ("tokens", "total_spend", "avg_price", "active_developers") and \
                _spans_decades(values):
            ax.set_yscale("log")
            title += ", log scale"
        show_unit = unit and unit != "1" and key != "hhi"
        ax.set_title(f"{title} ({unit})" if show_unit else title, fontsize=9)
        ax.grid(True, alpha=0.25)
        presentation.set_time_axis(ax, meta, label=i >= len(panels) - ncols)
        ax.tick_params(labelsize=7)
    fig.suptitle("Market")
    fig.tight_layout()
    return save(fig, path)


# ----------------------------------------------------------------------------- sweeps

def plot_km(curves: Dict[str, KaplanMeier], path: Optional[str] = None,
            title: str = "Kaplan-Meier survival", horizon: Optional[float] = None,
            bands: bool = True, logrank: Optional[LogRankResult] = None,
            colours: Optional[Dict[str, str]] = None, labels: Optional[Dict[str, str]] = None,
            meta=None) -> Figure:
    """Kaplan-Meier curves (one per group) with pointwise confidence bands. ``labels``:
    legend text per group (default the key); ``meta``: dates on the time axis where it has a
    start date."""
    fig = new_figure(9, 5)
    ax = fig.add_subplot()
    cmap = colormaps["tab10" if len(curves) <= 10 else "tab20"]
    for i, (key, km) in enumerate(curves.items()):
        color = (colours or {}).get(key, cmap(i % cmap.N))
        x, s, lo, hi = km.steps(0.0, horizon)
        x = _time_x(meta, x)
        median = km.median()
        text = (f"{(labels or {}).get(key, key)} (n={km.n}, median "
                f"{'not reached' if median is None else _turn_text(median, meta)})")
        ax.step(x, s, where="post", color=color, lw=1.6, label=text)
        if bands:
            ax.fill_between(x, lo, hi, step="post", color=color, alpha=0.15, lw=0)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=_time_x(meta, [0.0])[0])
    _time_axis(ax, meta)
    ax.set_ylabel("share surviving")
    if logrank is not None and np.isfinite(logrank.statistic):
        title += (f"\nlog-rank chi2 = {logrank.statistic:.2f}, df = {logrank.df}, "
                  f"p = {logrank.p_value:.3g}")
    if bands and curves:
        first = next(iter(curves.values()))
        title += f"  (bands: {100 * (1 - first.alpha):.0f}% {first.conf_type})"
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.25)
    _legend_outside(ax)
    return save(fig, path)


def _looks_log_spaced(x: np.ndarray) -> bool:
    """True for positive values spanning >= 20x that are more even in log than linear."""
    x = np.sort(x[np.isfinite(x)])
    if len(x) < 3 or x[0] <= 0 or x[-1] / x[0] < 20:
        return False

    def spread(steps):
        return np.std(steps) / np.mean(steps) if np.mean(steps) > 0 else np.inf

    return spread(np.diff(np.log(x))) < spread(np.diff(x))


def plot_survival_vs_parameters(tables: List[pd.DataFrame], path: Optional[str] = None,
                                title: str = "Startup survival vs parameter") -> Figure:
    """One panel per parameter: share alive (with binomial CI) per level or bin."""
    n = max(1, len(tables))
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig = new_figure(4.2 * ncols, 3.4 * nrows)
    for i, table in enumerate(tables):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        share = table["share"].to_numpy(dtype=float)
        err = np.clip(np.vstack([share - table["ci_low"], table["ci_high"] - share]), 0, None)
        if table.attrs.get("numeric", True) and np.all(np.isfinite(table["x"])):
            x = table["x"].to_numpy(dtype=float)
            ax.errorbar(x, share, yerr=err, marker="o", capsize=3, lw=1.2)
            if len(table) and np.all(np.isfinite(table["lower"])) and \
                    np.any(table["upper"] > table["lower"]):
                for j, (lo_edge, hi_edge) in enumerate(zip(table["lower"], table["upper"])):
                    if j % 2 == 0:   # shade every other bin to show the bin edges
                        ax.axvspan(lo_edge, hi_edge, color="0.85", alpha=0.4, lw=0)
            if _looks_log_spaced(x):
                ax.set_xscale("log")
        else:
            x = np.arange(len(table))
            ax.errorbar(x, share, yerr=err, marker="o", capsize=3, ls="none")
            ax.set_xticks(x)
            ax.set_xticklabels(table["label"], rotation=30, ha="right", fontsize=7)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel(table.attrs.get("param", ""), fontsize=8)
        ax.set_ylabel("share alive", fontsize=8)
        ax.grid(True, alpha=0.25)
        ax.tick_params(labelsize=7)
    turn = tables[0].attrs.get("turn") if tables else None
    fig.suptitle(f"{title} ({'at the horizon' if turn is None else f'at turn {turn}'}; "
                 f"95% Wilson intervals)", fontsize=10)
    fig.tight_layout()
    return save(fig, path)


def plot_sobol(indices: pd.DataFrame, path: Optional[str] = None,
               title: str = "Sobol indices", warning: Optional[str] = None) -> Figure:
    """Horizontal bars of first-order and total-order indices with bootstrap intervals."""
    k = len(indices)
    fig = new_figure(8, 1.2 + 0.55 * max(k, 2))
    ax = fig.add_subplot()
    y = np.arange(k)
    height = 0.38
    for offset, col, color, label in ((-height / 2, "S1", "C0", "first order S1"),
                                      (height / 2, "ST", "C3", "total order ST")):
        value = indices[col].to_numpy(dtype=float)
        low = indices.get(f"{col}_low", pd.Series(np.nan, index=indices.index)).to_numpy(float)
        high = indices.get(f"{col}_high", pd.Series(np.nan, index=indices.index)).to_numpy(float)
        xerr = None
        if np.all(np.isfinite(low)) and np.all(np.isfinite(high)):
            xerr = np.vstack([np.clip(value - low, 0, None), np.clip(high - value, 0, None)])
        ax.barh(y + offset, value, height=height, color=color, alpha=0.8, xerr=xerr,
                capsize=3, label=label)
    ax.set_yticks(y)
    ax.set_yticklabels(indices.index, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel("index")
    n = indices.attrs.get("N")
    ax.set_title(title + (f" (N = {n}, 95% bootstrap intervals)" if n else ""), fontsize=10)
    if warning:
        ax.text(0.5, 0.5, warning, transform=ax.transAxes, ha="center", va="center",
                fontsize=12, color="#CC3311", alpha=0.85, fontweight="bold",
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "#CC3311"})
    ax.grid(True, axis="x", alpha=0.25)
    ax.legend(fontsize=8, loc="lower right")
    return save(fig, path)


def plot_exit_histogram(table: pd.DataFrame, path: Optional[str] = None,
                        horizon: Optional[int] = None) -> Figure:
    """Histogram of exit turns per vendor kind (censored vendors not shown)."""
    fig = new_figure(9, 4.5)
    ax = fig.add_subplot()
    exits = table[table["event"] == 1]
    top = horizon if horizon is not None else (exits["duration"].max() if len(exits) else 1)
    bins = np.linspace(0, max(1, top), min(40, int(max(1, top))) + 1)
    for i, (kind, sub) in enumerate(exits.groupby("kind")):
        ax.hist(sub["duration"], bins=bins, alpha=0.6, label=f"{kind} ({len(sub)} exits)",
                color=f"C{i}")
    ax.set_xlabel("exit turn")
    ax.set_ylabel("vendor-runs")
    ax.set_title("Exit turns")
    ax.grid(True, alpha=0.25)
    if len(exits):
        ax.legend(fontsize=8)
    return save(fig, path)


# ---------------------------------------------------------------------- repeated games

def plot_repeated_game_run(run, summary: Dict[str, float], path: Optional[str] = None
                           ) -> Figure:
    """A repeated-game run: each firm's final price and its profit per period on the limit
    cycle (the vendor summary's cumulative_profit) against the Nash and monopoly profits."""
    fig = new_figure(10, 4.2)
    styles = _styles(run)
    meta = presentation.scenario_meta(run)
    firms = run.vendor_summary["vendor"].tolist()
    colours = [styles[f]["color"] for f in firms]
    labels = [meta.vendor(f) for f in firms]
    last = run.offer_series[run.offer_series["turn"] == run.offer_series["turn"].max()]
    prices = last.groupby("vendor")["price"].mean().reindex(firms).to_numpy(dtype=float)
    ax = fig.add_subplot(1, 2, 1)
    ax.bar(labels, prices, color=colours)
    if np.isfinite(summary.get("mean_cycle_price", np.nan)):
        ax.axhline(summary["mean_cycle_price"], color="k", ls="--", lw=1,
                   label=f"mean price on the cycle {summary['mean_cycle_price']:.4g}")
        ax.legend(fontsize=8, loc="lower right")
    ax.set_ylabel(f"price at the end ({_currency(run)}/Mtok)")
    ax.set_title("Prices learned", fontsize=10)
    ax.grid(True, axis="y", alpha=0.25)
    ax = fig.add_subplot(1, 2, 2)
    profit = run.vendor_summary["cumulative_profit"].to_numpy(dtype=float)
    ax.bar(labels, profit, color=colours)
    for key, text, ls in (("nash_profit", "Bertrand-Nash profit", ":"),
                          ("monopoly_profit", "monopoly profit", "--")):
        if np.isfinite(summary.get(key, np.nan)):
            ax.axhline(summary[key], color="k", ls=ls, lw=1, label=f"{text} {summary[key]:.4g}")
    top = max(np.nanmax(profit), summary.get("monopoly_profit", 0)) * 1.25
    ax.set_ylim(0, top)
    ax.set_ylabel("profit per period on the limit cycle")
    gain = summary.get("profit_gain", np.nan)
    ax.set_title(f"Profit gain Delta = {gain:.3f} (0 = Nash, 1 = monopoly)", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(True, axis="y", alpha=0.25)
    fig.tight_layout()
    return save(fig, path)


def plot_repeated_game_batch(runs: pd.DataFrame, path: Optional[str] = None) -> Figure:
    """Across sessions: histogram of the profit gain and of the periods to convergence."""
    cols = [c for c in ("profit_gain", "convergence_period") if c in runs]
    fig = new_figure(5 * len(cols), 4)
    for i, col in enumerate(cols):
        ax = fig.add_subplot(1, len(cols), i + 1)
        values = runs[col].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        ax.hist(values, bins=min(40, max(5, len(values) // 5)), color="#0077BB", alpha=0.85)
        if len(values):
            mean = values.mean()
            se = values.std(ddof=1) / math.sqrt(len(values)) if len(values) > 1 else np.nan
            ax.axvline(mean, color="k", lw=1.2, ls="--",
                       label=f"mean {mean:.4g} (s.e. {se:.2g}), n = {len(values)}")
            ax.legend(fontsize=8, loc="upper left")
        ax.set_xlabel("profit gain Delta (0 = Nash, 1 = monopoly)" if col == "profit_gain"
                      else "periods to convergence")
        ax.set_ylabel("sessions")
        ax.grid(True, alpha=0.25)
    fig.suptitle("Repeated game across sessions", fontsize=10)
    fig.tight_layout()
    return save(fig, path)


# ------------------------------------------------------------- stratified sweep figures

#: fewer vendor-runs than this at a level: the share alive is drawn hollow and flagged
MIN_RUNS_PER_LEVEL = 20


def short_name(param: str) -> str:
    """``vendors.premium2.cash`` -> ``premium2.cash`` (axis labels)."""
    parts = str(param).split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else str(param)


def _param_axis(ax, values, param: str) -> bool:
    from .hazard import log_spaced
    log = log_spaced(values)
    if log:
        ax.set_xscale("log")
        levels = np.unique(np.asarray(values, dtype=float))
        if len(levels) <= 8:
            ax.set_xticks(levels)
            ax.set_xticklabels([f"{v:.3g}" for v in levels], fontsize=7)
            ax.minorticks_off()
    ax.set_xlabel(short_name(param) + (" (log scale)" if log else ""), fontsize=8)
    return log


def plot_vendor_survival_vs_parameters(tables: Dict[str, List[pd.DataFrame]],
                                       styles: Dict[str, dict], path: Optional[str] = None,
                                       turn_text: str = "the horizon",
                                       labels: Optional[Dict[str, str]] = None) -> Figure:
    """One panel per swept parameter, one line per vendor: share of runs with the vendor
    alive, with 95 % Wilson intervals; hollow markers where a level has fewer than
    MIN_RUNS_PER_LEVEL runs. ``labels``: legend text per vendor (default the id)."""
    labels = labels or {}
    params = [t.attrs["param"] for t in next(iter(tables.values()))]
    n = max(1, len(params))
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig = new_figure(4.6 * ncols + 1.6, 3.6 * nrows)
    few = False
    for i, param in enumerate(params):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        for j, (vendor, vendor_tables) in enumerate(tables.items()):
            table = vendor_tables[i]
            st = styles.get(vendor, {"color": "k", "ls": "-"})
            x = table["x"].to_numpy(dtype=float)
            share = table["share"].to_numpy(dtype=float)
            offset = 1 + 0.015 * (j - (len(tables) - 1) / 2)   # dodge overlapping bars
            log = _param_axis(ax, x, param) if j == 0 else ax.get_xscale() == "log"
            xs = x * offset if log else x + (np.ptp(x) or 1) * (offset - 1)
            err = np.clip(np.vstack([share - table["ci_low"], table["ci_high"] - share]), 0, None)
            ax.errorbar(xs, share, yerr=err, color=st["color"], ls=st["ls"], lw=1.4,
                        capsize=2, label=labels.get(vendor, vendor) if i == 0 else None,
                        marker=None)
            thin = table["n"].to_numpy() < MIN_RUNS_PER_LEVEL
            few |= bool(thin.any())
            ax.plot(xs[~thin], share[~thin], "o", color=st["color"], ms=5)
            ax.plot(xs[thin], share[thin], "o", mfc="white", mec=st["color"], ms=5)
        ax.set_ylim(-0.03, 1.03)
        ax.set_ylabel("share of runs alive", fontsize=8)
        ax.grid(True, alpha=0.25)
        ax.tick_params(labelsize=7)
    title = f"Survival to {turn_text} per vendor against each swept parameter (95% Wilson)"
    if few:
        title += (f"\nhollow markers: fewer than {MIN_RUNS_PER_LEVEL} runs at that level, "
                  f"too few to read")
    fig.suptitle(title, fontsize=10)
    handles = [Line2D([], [], color=styles.get(v, {"color": "k"})["color"],
                      ls=styles.get(v, {"ls": "-"})["ls"], marker="o") for v in tables]
    names = [labels.get(v, v) for v in tables]
    fig.legend(handles, names, loc="center right", fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1 - 1.5 / (4.6 * ncols + 1.6), 1))
    return save(fig, path)


def plot_km_by_level(curves: Dict[str, Dict[str, KaplanMeier]], vendor: str,
                     horizon: Optional[float] = None, path: Optional[str] = None,
                     meta=None) -> Figure:
    """Kaplan-Meier curves of one vendor (``vendor``: the name shown), one panel per
    parameter, one curve per level; dates on the time axes where ``meta`` has a start date."""
    n = max(1, len(curves))
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig = new_figure(4.8 * ncols, 3.6 * nrows)
    cmap = colormaps["viridis"]
    for i, (param, by_level) in enumerate(curves.items()):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        k = len(by_level)
        for j, (label, km) in enumerate(by_level.items()):
            x, s, _, _ = km.steps(0.0, horizon)
            ax.step(_time_x(meta, x), s, where="post", color=cmap(j / max(1, k - 1) * 0.9),
                    lw=1.6, label=f"{label} (n={km.n})")
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlim(left=_time_x(meta, [0.0])[0])
        ax.set_title(short_name(param), fontsize=9)
        _time_axis(ax, meta, fontsize=8)
        ax.set_ylabel("share surviving", fontsize=8)
        ax.grid(True, alpha=0.25)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6.5, loc="best", title="level", title_fontsize=7)
    fig.suptitle(f"{vendor}: Kaplan-Meier survival by level of each swept parameter",
                 fontsize=10)
    fig.tight_layout()
    return save(fig, path)


def plot_survival_heatmaps(grids: List[dict], vendor: str, path: Optional[str] = None
                           ) -> Figure:
    """Share of runs with ``vendor`` alive over each pair of swept parameters; every cell
    shows the share and the number of runs (cells with fewer than MIN_RUNS_PER_LEVEL runs
    are hatched)."""
    n = max(1, len(grids))
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig = new_figure(4.8 * ncols + 0.8, 4.0 * nrows)
    image = None
    for i, grid in enumerate(grids):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        share, count = grid["share"], grid["n"]
        image = ax.imshow(share, origin="lower", cmap="cividis", vmin=0, vmax=1,
                          aspect="auto")
        for r in range(share.shape[0]):
            for c in range(share.shape[1]):
                if count[r, c] == 0:
                    continue
                value = share[r, c]
                thin = count[r, c] < MIN_RUNS_PER_LEVEL
                ax.text(c, r + 0.12, f"{value:.2f}", ha="center", va="center", fontsize=8,
                        color="white" if value < 0.6 else "black")
                ax.text(c, r - 0.15, f"n={int(count[r, c])}", ha="center", va="center",
                        fontsize=6.5, color="#CC3311" if thin else
                        ("white" if value < 0.6 else "black"),
                        fontweight="bold" if thin else "normal",
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5}
                        if thin else None)
        ax.set_xticks(range(len(grid["x_labels"])))
        ax.set_xticklabels(grid["x_labels"], fontsize=7, rotation=30, ha="right")
        ax.set_yticks(range(len(grid["y_labels"])))
        ax.set_yticklabels(grid["y_labels"], fontsize=7)
        ax.set_xlabel(short_name(grid["x"]), fontsize=8)
        ax.set_ylabel(short_name(grid["y"]), fontsize=8)
    if image is not None:
        fig.colorbar(image, ax=fig.axes, label="share of runs alive", shrink=0.85)
    fig.suptitle(f"{vendor}: share of runs alive over each pair of swept parameters "
                 f"(n in red: fewer than {MIN_RUNS_PER_LEVEL} runs, too few to read)",
                 fontsize=10)
    return save(fig, path)


def plot_prim_tradeoff(results: Dict[str, object], vendor: str, path: Optional[str] = None
                       ) -> Figure:
    """PRIM peeling trajectories (coverage against density) for the outcomes of one vendor,
    points coloured by the number of restricted dimensions; the chosen box is circled."""
    n = max(1, len(results))
    fig = new_figure(5.2 * n + 0.8, 4.3)
    points = None
    for i, (outcome, box) in enumerate(results.items()):
        ax = fig.add_subplot(1, n, i + 1)
        traj = box.trajectory
        ax.plot(traj["coverage"], traj["density"], color="0.75", lw=0.8, zorder=1)
        points = ax.scatter(traj["coverage"], traj["density"], c=traj["n_restricted"],
                            cmap="viridis", s=16, zorder=2,
                            vmin=0, vmax=max(1, int(traj["n_restricted"].max())))
        chosen = traj.loc[box.chosen_step]
        ax.scatter([chosen["coverage"]], [chosen["density"]], s=140, facecolors="none",
                   edgecolors="#CC3311", lw=1.8, zorder=3, label="chosen box (before pasting)")
        ax.scatter([box.coverage], [box.density], marker="*", s=120, color="#CC3311",
                   zorder=4, label="final box")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel("coverage", fontsize=8)
        ax.set_ylabel("density", fontsize=8)
        ax.set_title(f"{vendor} {outcome}:\n{box.describe(3)}", fontsize=8)
        ax.grid(True, alpha=0.25)
        ax.legend(fontsize=7, loc="lower left")
    if points is not None:
        # A count: integer ticks only.
        top = int(round(points.norm.vmax))
        fig.colorbar(points, ax=fig.axes, label="restricted parameters", ticks=list(range(0, top + 1)))
    # Above the two-line panel titles (they would overlap at the default height).
    fig.suptitle(f"PRIM coverage-density trade-off: {vendor}", fontsize=10, y=1.04)
    return save(fig, path)


def plot_cox_forest(table: pd.DataFrame, path: Optional[str] = None) -> Figure:
    """Hazard ratios with confidence intervals, one row per (model, covariate); log axis."""
    ratio = (table["hr_high"] / table["hr_low"]).to_numpy(dtype=float)
    keep = np.isfinite(table["hr"].to_numpy(dtype=float)) & np.isfinite(ratio) & (ratio < 1e4)
    rows = table[keep].reset_index(drop=True)
    omitted = int((~keep).sum())
    fig = new_figure(9, 1.2 + 0.32 * max(2, len(rows)))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    lo = np.clip(rows["hr_low"].to_numpy(dtype=float), 1e-6, 1e6)
    hi = np.clip(rows["hr_high"].to_numpy(dtype=float), 1e-6, 1e6)
    hr = np.clip(rows["hr"].to_numpy(dtype=float), 1e-6, 1e6)
    colours = ["#CC3311" if p < 0.05 else "0.4" for p in rows["ph_p"].fillna(1)]
    ax.hlines(y, lo, hi, color=colours, lw=1.6)
    ax.plot(hr, y, "o", color="k", ms=4)
    ax.axvline(1, color="k", lw=0.8, ls=":")
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_major_formatter(plain)
    if len(rows) and np.nanmax(hi) / np.nanmin(lo) < 30:     # label minor ticks in a narrow range
        ax.xaxis.set_minor_formatter(plain)
        ax.tick_params(axis="x", which="minor", labelsize=7)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{m} | {short_name(c)} ({u})" for m, c, u in
                        zip(rows["model"], rows["covariate"], rows["unit"])], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("hazard ratio of exit (log scale; < 1: the parameter protects)")
    ax.set_title("Cox regression of exit on the swept parameters (95% intervals; red: the "
                 "proportional-hazards test rejects at 5%)"
                 + (f"\n{omitted} hazard ratio(s) not estimable (separation) omitted; see "
                    f"the table" if omitted else ""), fontsize=9)
    ax.grid(True, axis="x", which="both", alpha=0.25)
    return save(fig, path)


def plot_cumulative_incidence(results: Dict[str, object], styles: Dict[str, dict],
                              horizon: Optional[float] = None, path: Optional[str] = None,
                              labels: Optional[Dict[str, str]] = None, meta=None) -> Figure:
    """Aalen-Johansen cumulative incidence of exit per vendor and cause (``labels``: legend
    name per vendor; ``meta``: dates on the time axis where it has a start date)."""
    labels = labels or {}
    fig = new_figure(9, 4.8)
    ax = fig.add_subplot()
    causes = sorted({c for r in results.values() for c in r.incidence})
    for vendor, result in results.items():
        st = styles.get(vendor, {"color": "k"})
        for k, cause in enumerate(causes):
            if cause not in result.incidence:
                continue
            x = np.concatenate(([0.0], result.time))
            y = np.concatenate(([0.0], result.incidence[cause]))
            if horizon is not None and horizon > x[-1]:
                x, y = np.append(x, horizon), np.append(y, y[-1])
            name = labels.get(vendor, vendor)
            ax.step(_time_x(meta, x), y, where="post", color=st["color"],
                    ls=LINESTYLES[k % len(LINESTYLES)], lw=1.6,
                    label=f"{name}: {cause}" if len(causes) > 1 else name)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=_time_x(meta, [0.0])[0])
    _time_axis(ax, meta)
    ax.set_ylabel("cumulative incidence of exit")
    ax.set_title("Exits over time per vendor" + (" and cause (Aalen-Johansen, competing risks)"
                                                 if len(causes) > 1 else
                                                 " (one cause recorded: 1 - Kaplan-Meier)"),
                 fontsize=10)
    ax.grid(True, alpha=0.25)
    _legend_outside(ax)
    return save(fig, path)


def plot_envelopes(panels: List[dict], path: Optional[str] = None, title: str = "",
                   meta=None) -> Figure:
    """Median and 5-95 % band over runs per turn; each panel: {"title", "x" (turns), "values"
    [runs, T] or {label: [runs, T]}, "colours", "log"}. Dates on the time axes where ``meta``
    has a start date."""
    n = max(1, len(panels))
    ncols = 2
    nrows = math.ceil(n / ncols)
    fig = new_figure(11, 2.9 * nrows + 0.4)
    for i, panel in enumerate(panels):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        series = panel["values"]
        if not isinstance(series, dict):
            series = {"": series}
        for label, values in series.items():
            colour = panel.get("colours", {}).get(label, "#0077BB")
            with np.errstate(all="ignore"):
                import warnings as _w
                with _w.catch_warnings():
                    _w.simplefilter("ignore", RuntimeWarning)
                    median = np.nanmedian(values, axis=0)
                    low, high = np.nanpercentile(values, [5, 95], axis=0)
            x = _time_x(meta, panel["x"])
            ax.fill_between(x, low, high, color=colour, alpha=0.2, lw=0)
            ax.plot(x, median, color=colour, lw=1.5, label=label or None)
        if panel.get("log"):
            ax.set_yscale("symlog" if panel.get("symlog") else "log",
                          **({"linthresh": panel["linthresh"]} if panel.get("symlog") else {}))
            if panel.get("symlog"):
                _symlog_ticks(ax, panel["linthresh"])
        ax.set_title(panel["title"], fontsize=9)
        ax.grid(True, alpha=0.25)
        ax.tick_params(labelsize=7)
        if len(series) > 1:
            if i % ncols == ncols - 1 or i == n - 1:   # room to the right: keep the data clear
                ax.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                          frameon=False)
            else:
                ax.legend(fontsize=6.5, loc="best")
        _time_axis(ax, meta, label=i >= n - ncols, fontsize=8)
    fig.suptitle(title or "Median and 5-95% band over runs", fontsize=10)
    fig.tight_layout()
    return save(fig, path)


def _symlog_ticks(ax, linthresh: float) -> None:
    """Ticks of a symmetric log axis only at 0 and outside the linear band (decade ticks
    inside it crowd onto 0 and overlap)."""
    from matplotlib.ticker import FixedLocator
    lo, hi = ax.get_ylim()
    ticks = [0.0] if lo <= 0 <= hi else []
    for sign in (1.0, -1.0):
        exponent = math.ceil(math.log10(linthresh))
        while 10.0 ** exponent <= max(abs(lo), abs(hi)):
            value = sign * 10.0 ** exponent
            if lo <= value <= hi:
                ticks.append(value)
            exponent += 1
    ax.yaxis.set_major_locator(FixedLocator(sorted(ticks)))


def plot_exits_per_vendor(table: pd.DataFrame, styles: Dict[str, dict],
                          path: Optional[str] = None, horizon: Optional[int] = None,
                          labels: Optional[Dict[str, str]] = None, meta=None) -> Figure:
    """Histogram of exit turns, one stacked colour per vendor (alive vendors not shown);
    ``labels``: legend name per vendor; dates on the axis where ``meta`` has a start date."""
    import matplotlib.dates as mdates
    labels = labels or {}
    fig = new_figure(9, 4.5)
    ax = fig.add_subplot()
    exits = table[table["event"] == 1]
    top = horizon if horizon is not None else (exits["duration"].max() if len(exits) else 1)
    bins = np.linspace(0, max(1, top), min(40, int(max(1, top))) + 1)

    def x(turns):  # matplotlib date numbers where dated: a histogram needs numbers
        turns = np.asarray(turns, dtype=float)
        return mdates.date2num(_time_x(meta, turns)) if _dated(meta) else turns

    vendors = list(dict.fromkeys(exits["vendor"]))
    if vendors:
        ax.hist([x(exits.loc[exits["vendor"] == v, "duration"]) for v in vendors], bins=x(bins),
                stacked=True, color=[styles.get(v, {"color": "0.5"})["color"] for v in vendors],
                label=[f"{labels.get(v, v)} ({int((exits['vendor'] == v).sum())} exits)"
                       for v in vendors])
        _legend_outside(ax)
    if _dated(meta):
        ax.xaxis_date()
        presentation.set_time_axis(ax, meta, label=False)
        ax.set_xlabel(f"exit date (turn 0 = {meta.start_date.isoformat()}, "
                      f"{meta.turn_days:g} days per turn)")
    else:
        ax.set_xlabel("exit turn")
    ax.set_ylabel("runs")
    ax.set_title(f"Exit {'dates' if _dated(meta) else 'turns'} per vendor (stacked)")
    ax.grid(True, alpha=0.25)
    return save(fig, path)
