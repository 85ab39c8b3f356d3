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
from matplotlib.transforms import blended_transform_factory

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


def vendor_colors(names: Sequence[str]) -> Dict[str, tuple]:
    """Stable colour per vendor (position in the file's vendor list)."""
    cmap = colormaps["tab10" if len(names) <= 10 else "tab20"]
    return {name: cmap(i % cmap.N) for i, name in enumerate(names)}


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


def _mark_events(ax, events: pd.DataFrame, max_labels: int = 25):
    if events is None or len(events) == 0:
        return None
    transform = blended_transform_factory(ax.transData, ax.transAxes)
    label = len(events) <= max_labels
    seen_turn_count: Dict[int, int] = {}
    for _, ev in events.iterrows():
        turn = int(ev["turn"])
        ax.axvline(turn, color="0.45", lw=0.8, ls="--", alpha=0.6, zorder=0)
        if label:
            stack = seen_turn_count.get(turn, 0)
            seen_turn_count[turn] = stack + 1
            vendor = str(ev.get("vendor", "") or "")
            offer = str(ev.get("offer", "") or "")
            who = offer if offer and (not vendor or offer.startswith(vendor)) else \
                " ".join(s for s in (vendor, offer) if s)
            text = f"{ev.get('kind', '')}: {who}".strip(": ")
            ax.annotate(text[:40], xy=(turn, 0.99), xycoords=transform,
                        xytext=(-1 + 8 * stack, 0), textcoords="offset points", rotation=90,
                        va="top", ha="right", fontsize=6, color="0.3")
    return Line2D([], [], color="0.45", lw=0.8, ls="--", label="timeline event")


# ------------------------------------------------------------------------------- runs

def plot_prices(run, path: Optional[str] = None) -> Figure:
    """Blended price per offer over time (log scale) with timeline events."""
    fig = new_figure(10, 5.5)
    ax = fig.add_subplot()
    series = run.offer_series
    table = series.pivot(index="turn", columns="offer", values="price")
    table = table.reindex(columns=[o for o in run.offers["name"] if o in table.columns])
    values = table.to_numpy(dtype=float)
    floor = price_floor(values)
    colors = vendor_colors(run.vendors["name"].tolist())
    tier_rank: Dict[str, int] = {}
    has_free = False
    for _, offer in run.offers.iterrows():
        name = offer["name"]
        if name not in table.columns:
            continue
        y = table[name].to_numpy(dtype=float)
        free = np.isfinite(y) & (y <= 0)
        has_free |= bool(free.any())
        y = np.where(free, floor, y)
        rank = tier_rank.get(offer["vendor"], 0)
        tier_rank[offer["vendor"]] = rank + 1
        label = name if not offer["vendor"] or name.startswith(f"{offer['vendor']}.") \
            else f"{offer['vendor']} / {name}"
        ax.plot(table.index, y, color=colors.get(offer["vendor"], "k"),
                ls=LINESTYLES[rank % len(LINESTYLES)], lw=1.4, label=label,
                drawstyle="steps-post")
    ax.set_yscale("log")
    handles, labels = ax.get_legend_handles_labels()
    if has_free:
        ax.axhline(floor, color="0.6", lw=0.8, ls=":")
        handles.append(Line2D([], [], color="0.6", lw=0.8, ls=":"))
        labels.append(f"price 0 (free) drawn at floor {floor:g}")
    event_handle = _mark_events(ax, run.events)
    if event_handle is not None:
        handles.append(event_handle)
        labels.append(event_handle.get_label())
    ax.set_xlabel("turn")
    ax.set_ylabel(f"blended price ({_units(run, 'series/offer/price', _currency(run) + '/Mtok')})")
    ax.set_title("Price per offer")
    ax.grid(True, which="both", alpha=0.25)
    _legend_outside(ax, handles, labels)
    return save(fig, path)


def vendor_tokens(run) -> pd.DataFrame:
    """Tokens served per turn (rows) and vendor (columns), from the offer series."""
    table = run.offer_series.groupby(["turn", "vendor"])["tokens"].sum().unstack("vendor")
    names = [v for v in run.vendors["name"] if v in table.columns]
    return table.reindex(columns=names).fillna(0.0)


def plot_market_shares(run, path: Optional[str] = None) -> Figure:
    """Stacked area of token shares per vendor."""
    fig = new_figure(10, 5)
    ax = fig.add_subplot()
    tokens = vendor_tokens(run)
    total = tokens.sum(axis=1)
    shares = tokens.div(total.where(total > 0), axis=0).fillna(0.0)
    colors = vendor_colors(run.vendors["name"].tolist())
    if shares.shape[1]:
        ax.stackplot(shares.index, shares.to_numpy().T, labels=list(shares.columns),
                     colors=[colors[v] for v in shares.columns], alpha=0.85)
    ax.set_ylim(0, 1)
    ax.set_xlim(shares.index.min(), shares.index.max())
    ax.set_xlabel("turn")
    ax.set_ylabel("share of tokens served")
    ax.set_title("Market shares (tokens)")
    _legend_outside(ax)
    return save(fig, path)


def plot_jevons(run, path: Optional[str] = None) -> Figure:
    """Total tokens against the token-weighted average price, log-log, coloured by turn."""
    fig = new_figure(7.5, 5.5)
    ax = fig.add_subplot()
    market = run.market
    tokens = market["total_tokens"].to_numpy(dtype=float)
    if "avg_price" in market:
        price = market["avg_price"].to_numpy(dtype=float)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            price = market["total_spend"].to_numpy(dtype=float) / tokens
    turn = market.index.to_numpy()
    ok = np.isfinite(tokens) & np.isfinite(price) & (tokens > 0) & (price > 0)
    ax.plot(price[ok], tokens[ok], color="0.7", lw=0.8, zorder=1)
    points = ax.scatter(price[ok], tokens[ok], c=turn[ok], cmap="viridis", s=18, zorder=2)
    fig.colorbar(points, ax=ax, label="turn")
    ax.set_xscale("log")
    ax.set_yscale("log")
    title = "Jevons curve: total tokens vs average price"
    if ok.sum() >= 3 and np.ptp(np.log(price[ok])) > 1e-9:
        slope = np.polyfit(np.log(price[ok]), np.log(tokens[ok]), 1)[0]
        title += f"\nlog-log slope {slope:.2f}"
    dropped = int((~ok).sum())
    if dropped:
        title += f" ({dropped} turns with zero tokens or price not shown)"
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(f"token-weighted average price "
                  f"({_units(run, 'series/market/avg_price', _currency(run) + '/Mtok')})")
    ax.set_ylabel(f"total tokens ({_units(run, 'series/market/total_tokens', 'Mtok')})")
    ax.grid(True, which="both", alpha=0.25)
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


def plot_cash(run, path: Optional[str] = None) -> Figure:
    """Cash per vendor over time; exits marked with a cross."""
    fig = new_figure(10, 5)
    ax = fig.add_subplot()
    cash = _vendor_pivot(run, "cash")
    colors = vendor_colors(run.vendors["name"].tolist())
    for vendor in cash.columns:
        ax.plot(cash.index, cash[vendor], color=colors[vendor], lw=1.4, label=vendor)
    exited = run.vendor_summary[run.vendor_summary["exit_turn"] >= 0]
    marked = False
    for _, row in exited.iterrows():
        vendor, turn = row["vendor"], int(row["exit_turn"])
        if vendor not in cash.columns:
            continue
        y = cash[vendor].get(turn, np.nan)
        if not np.isfinite(y):
            y = 0.0
        ax.plot([turn], [y], marker="X", ms=10, color=colors[vendor], mec="k", ls="none")
        marked = True
    ax.axhline(0, color="k", lw=0.8)
    scale_note = _symlog_if_wide(ax, cash)
    handles, labels = ax.get_legend_handles_labels()
    if marked:
        handles.append(Line2D([], [], marker="X", ms=8, color="0.5", mec="k", ls="none"))
        labels.append("exit")
    ax.set_xlabel("turn")
    ax.set_ylabel(f"cash ({_units(run, 'series/vendor/cash', _currency(run))})"
                  f"{scale_note}")
    ax.set_title("Cash runway per vendor")
    ax.grid(True, alpha=0.25)
    _legend_outside(ax, handles, labels)
    return save(fig, path)


def plot_utilisation(run, path: Optional[str] = None) -> Figure:
    """Capacity utilisation per vendor (hidden after exit)."""
    fig = new_figure(10, 5)
    ax = fig.add_subplot()
    util = _vendor_pivot(run, "utilisation")
    if "alive" in run.vendor_series:
        alive = _vendor_pivot(run, "alive").astype(bool)
        util = util.where(alive)
    colors = vendor_colors(run.vendors["name"].tolist())
    for vendor in util.columns:
        ax.plot(util.index, util[vendor], color=colors[vendor], lw=1.4, label=vendor)
    ax.axhline(1.0, color="k", lw=0.8, ls=":")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("turn")
    ax.set_ylabel("utilisation (requested tokens / capacity)")
    ax.set_title("Capacity utilisation per vendor")
    ax.grid(True, alpha=0.25)
    _legend_outside(ax)
    return save(fig, path)


MARKET_PANELS = (("total_tokens", "total tokens"), ("total_spend", "total spend"),
                 ("avg_price", "average price"), ("hhi", "HHI"),
                 ("active_developers", "active developers"),
                 ("outside_share", "outside-option share"))


def plot_market(run, path: Optional[str] = None) -> Figure:
    """Market aggregates over time, one panel per series."""
    panels = [(k, t) for k, t in MARKET_PANELS if k in run.market]
    ncols = 2
    nrows = max(1, math.ceil(len(panels) / ncols))
    fig = new_figure(10, 2.6 * nrows)
    for i, (key, title) in enumerate(panels):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        ax.plot(run.market.index, run.market[key], color="C0", lw=1.4)
        unit = run.units.get(f"series/market/{key}")
        ax.set_title(f"{title} ({unit})" if unit else title, fontsize=9)
        ax.grid(True, alpha=0.25)
        if i >= len(panels) - ncols:
            ax.set_xlabel("turn")
    fig.suptitle("Market")
    fig.tight_layout()
    return save(fig, path)


# ----------------------------------------------------------------------------- sweeps

def plot_km(curves: Dict[str, KaplanMeier], path: Optional[str] = None,
            title: str = "Kaplan-Meier survival", horizon: Optional[float] = None,
            bands: bool = True, logrank: Optional[LogRankResult] = None) -> Figure:
    """Kaplan-Meier curves (one per group) with pointwise confidence bands."""
    fig = new_figure(9, 5)
    ax = fig.add_subplot()
    cmap = colormaps["tab10" if len(curves) <= 10 else "tab20"]
    for i, (label, km) in enumerate(curves.items()):
        color = cmap(i % cmap.N)
        x, s, lo, hi = km.steps(0.0, horizon)
        median = km.median()
        text = f"{label} (n={km.n}, median {'not reached' if median is None else f'{median:g}'})"
        ax.step(x, s, where="post", color=color, lw=1.6, label=text)
        if bands:
            ax.fill_between(x, lo, hi, step="post", color=color, alpha=0.15, lw=0)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel("turn")
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
               title: str = "Sobol indices") -> Figure:
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
