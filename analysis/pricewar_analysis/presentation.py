"""What figures need beyond the numbers: display names, dates, vendor colours, event lanes.

* ``scenario_meta(path)`` reads the resolved scenario TOML that run files embed (attribute
  ``resolved`` of ``/scenario``) with ``tomllib``: display names of vendors and offers,
  ``start_date`` ("YYYY-MM-DD", optional) and ``turn_days``. Batch and sweep files (and a
  run read from one) give the same from ``/vendors/display_name``, ``/offers/display_name``
  and the root attributes ``start_date`` and ``turn_days``. Without them (older files)
  names fall back to ids and time axes to turns.
* ``vendor_styles`` gives each vendor a colour from a colour-blind-safe palette built
  from Paul Tol's qualitative schemes, grouped by kind: cool hues (blue, cyan, teal,
  indigo, green) for cloud vendors, warm hues (orange, red, magenta, wine, gold, sand)
  for startups, black, purple and grey for foreign vendors. Up to 5 / 6 / 3 vendors of a
  kind get distinct colours; further vendors of a kind reuse the kind's colours with a
  dashed line. Every pair of the 14 colours differs by CIE76 Delta E >= 9 under simulated
  protanopia, deuteranopia and tritanopia (Machado et al. 2009), tested.
* ``time_values`` / ``set_time_axis`` turn turn numbers into dates
  (start_date + turn * turn_days days) when the scenario has a start date.
* ``event_lane`` draws timeline events as numbered markers in a strip of their own,
  stacking markers that would overlap into further rows; the page lists the numbers.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd

KIND_COLOURS = {
    "cloud": ("#0077BB", "#33BBEE", "#009988", "#332288", "#117733"),
    "startup": ("#EE7733", "#CC3311", "#EE3377", "#882255", "#DDAA33", "#EECC66"),
    "foreign": ("#000000", "#AA4499", "#BBBBBB"),
}
KIND_ORDER = ("cloud", "startup", "foreign")


@dataclasses.dataclass
class ScenarioMeta:
    """Presentation facts of one run (empty dicts / None when unknown)."""

    vendor_names: Dict[str, str]       # id -> display name
    offer_names: Dict[str, str]        # "vendor.offer" -> display name
    start_date: Optional[datetime.date]
    turn_days: float
    resolved: Optional[dict] = None

    def vendor(self, vendor_id: str) -> str:
        return self.vendor_names.get(vendor_id, vendor_id)

    def offer(self, offer_id: str) -> str:
        """Display name of an offer, prefixed by its vendor's display name."""
        vendor_id = offer_id.split(".", 1)[0]
        vendor = self.vendor(vendor_id)
        name = self.offer_name(offer_id)
        return name if name.startswith(vendor) else f"{vendor}: {name}"

    def offer_name(self, offer_id: str) -> str:
        """The offer's own display name (its id after the dot when unknown)."""
        return self.offer_names.get(offer_id, offer_id.split(".", 1)[-1])

    def vendor_labels(self, vendor_ids: Sequence[str]) -> Dict[str, str]:
        """id -> legend label: the display name, or "name (id)" where two vendors share one."""
        names = {v: self.vendor(v) for v in vendor_ids}
        counts: Dict[str, int] = {}
        for name in names.values():
            counts[name] = counts.get(name, 0) + 1
        return {v: (f"{n} ({v})" if counts[n] > 1 and n != v else n) for v, n in names.items()}

    def date_of(self, turn: float) -> Optional[datetime.datetime]:
        if self.start_date is None:
            return None
        start = datetime.datetime.combine(self.start_date, datetime.time())
        return start + datetime.timedelta(days=float(turn) * self.turn_days)


def _parse_date(value, where: str) -> Optional[datetime.date]:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as err:
        raise ValueError(f"{where}: start_date {value!r} is not a YYYY-MM-DD date") from err


def meta_from_toml(text: Optional[str], turn_days: float = 7.0,
                   where: str = "scenario") -> ScenarioMeta:
    """ScenarioMeta from resolved scenario TOML text (None or empty: ids and turns)."""
    import tomllib
    if not text:
        return ScenarioMeta({}, {}, None, turn_days)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return ScenarioMeta({}, {}, None, turn_days)
    vendors, offers = {}, {}
    for vid, vendor in (data.get("vendors") or {}).items():
        if not isinstance(vendor, dict):
            continue
        vendors[vid] = str(vendor.get("name", vid))
        for oid, offer in (vendor.get("offers") or {}).items():
            if isinstance(offer, dict):
                offers[f"{vid}.{oid}"] = str(offer.get("name", oid))
    days = float(data.get("turn_days", turn_days))
    return ScenarioMeta(vendors, offers, _parse_date(data.get("start_date"), where), days, data)


def _sweep_meta(f, path: str) -> ScenarioMeta:
    """Display names and calendar of a batch or sweep file (ids and turns where absent)."""
    from .io import _display_names, _strings
    vendors = _strings(f["vendors/name"]) if "vendors/name" in f else []
    offers = _strings(f["offers/name"]) if "offers/name" in f else []
    vendor_names = dict(zip(vendors, _display_names(f, "vendors", vendors, path)))
    offer_names = dict(zip(offers, _display_names(f, "offers", offers, path)))
    days = float(f.attrs.get("turn_days", 0) or 0)
    start = f.attrs.get("start_date")
    if isinstance(start, bytes):
        start = start.decode("utf-8", errors="replace")
    start = _parse_date(start, path) if start and days > 0 else None
    return ScenarioMeta(vendor_names, offer_names, start, days if days > 0 else 7.0)


def scenario_meta(run_or_path) -> ScenarioMeta:
    """ScenarioMeta of a run file, a batch or sweep file, or of a RunData or SweepData."""
    import h5py
    path = getattr(run_or_path, "path", run_or_path)
    attrs = getattr(run_or_path, "attrs", None) or {}
    turn_days = float(attrs.get("turn_days", 7.0) or 7.0)
    resolved = getattr(run_or_path, "resolved_toml", None)
    if resolved and getattr(run_or_path, "run_index", None) is None:
        return meta_from_toml(resolved, turn_days, where=str(path))
    try:
        with h5py.File(path, "r") as f:
            fmt = f.attrs.get("format")
            if isinstance(fmt, bytes):
                fmt = fmt.decode("utf-8", errors="replace")
            if fmt == "pricewar-sweep":
                return _sweep_meta(f, str(path))
            turn_days = float(f.attrs.get("turn_days", turn_days))
            if "scenario" not in f or "resolved" not in f["scenario"].attrs:
                return ScenarioMeta({}, {}, None, turn_days)
            text = f["scenario"].attrs["resolved"]
    except (OSError, TypeError):
        return ScenarioMeta({}, {}, None, turn_days)
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return meta_from_toml(str(text), turn_days, where=str(path))


# ----------------------------------------------------------------------------- colours

def vendor_styles(names: Sequence[str], kinds: Optional[Sequence[str]] = None
                  ) -> Dict[str, dict]:
    """name -> {"color": hex, "ls": line style} (see the module doc)."""
    kinds = list(kinds) if kinds is not None else ["foreign"] * len(names)
    used: Dict[str, int] = {}
    styles = {}
    for name, kind in zip(names, kinds):
        family = KIND_COLOURS.get(kind, KIND_COLOURS["foreign"])
        i = used.get(kind, 0)
        used[kind] = i + 1
        styles[name] = {"color": family[i % len(family)],
                        "ls": ("-", "--", "-.", ":")[(i // len(family)) % 4]}
    return styles


def vendor_colours(run) -> Dict[str, str]:
    styles = vendor_styles(run.vendors["name"].tolist(), run.vendors["kind"].tolist())
    return {name: style["color"] for name, style in styles.items()}


# ------------------------------------------------------------------------------- time

def time_values(meta: ScenarioMeta, turns) -> np.ndarray:
    """x values for turn numbers: datetimes when the scenario has a start date."""
    turns = np.asarray(turns, dtype=float)
    if meta.start_date is None:
        return turns
    start = np.datetime64(meta.start_date.isoformat(), "s")
    seconds = np.round(turns * meta.turn_days * 86400.0).astype("int64")
    return (start + seconds.astype("timedelta64[s]")).astype("datetime64[s]").astype(object)


def time_label(meta: ScenarioMeta) -> str:
    if meta.start_date is None:
        return f"turn ({meta.turn_days:g} days)"
    return f"date (turn 0 = {meta.start_date.isoformat()}, {meta.turn_days:g} days per turn)"


def set_time_axis(ax, meta: ScenarioMeta, label: bool = True) -> None:
    if meta.start_date is not None:
        import matplotlib.dates as mdates
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if label:
        ax.set_xlabel(time_label(meta))


# ----------------------------------------------------------------------------- events

def number_events(events: pd.DataFrame, meta: ScenarioMeta) -> pd.DataFrame:
    """The events table with a ``#`` column (as in the lane) and a ``date`` column when
    the scenario has a start date; vendor ids replaced by display names."""
    table = events.reset_index(drop=True).copy()
    table.insert(0, "#", np.arange(1, len(table) + 1))
    if meta.start_date is not None:
        table.insert(2, "date", [meta.date_of(t).date().isoformat() for t in table["turn"]])
    if "vendor" in table:
        table["vendor"] = [meta.vendor(v) if v else "" for v in table["vendor"]]
    if "offer" in table:
        table["offer"] = [meta.offer(o) if o else "" for o in table["offer"]]
    return table


def lane_rows(positions: Sequence[float], min_gap: float) -> List[int]:
    """Row per marker so that markers in the same row are at least min_gap apart
    (positions in axis fractions, processed left to right)."""
    order = np.argsort(np.asarray(positions, dtype=float), kind="stable")
    last_in_row: List[float] = []
    rows = [0] * len(positions)
    for i in order:
        x = float(positions[i])
        for r, last in enumerate(last_in_row):
            if x - last >= min_gap:
                rows[i] = r
                last_in_row[r] = x
                break
        else:
            rows[i] = len(last_in_row)
            last_in_row.append(x)
    return rows


def event_lane(ax, events: pd.DataFrame, meta: ScenarioMeta, x_min: float, x_max: float,
               colours: Optional[Dict[str, str]] = None, min_gap: float = 0.022) -> int:
    """Draw numbered event markers in ``ax`` (a strip sharing the time axis); returns the
    number of rows used. Markers never overlap: a marker closer than ``min_gap`` (axis
    fraction) to the previous one in its row moves to the next row."""
    turns = events["turn"].to_numpy(dtype=float)
    span = max(x_max - x_min, 1e-9)
    rows = lane_rows((turns - x_min) / span, min_gap)
    n_rows = max(rows) + 1 if rows else 1
    xs = time_values(meta, turns)
    for i, (x, row) in enumerate(zip(xs, rows)):
        vendor = str(events["vendor"].iloc[i]) if "vendor" in events else ""
        colour = (colours or {}).get(vendor, "0.35")
        ax.plot([x], [n_rows - 1 - row], marker="o", ms=10, color="white", mec=colour,
                mew=1.5, ls="none", clip_on=False)
        ax.annotate(str(i + 1), (x, n_rows - 1 - row), ha="center", va="center", fontsize=5.5,
                    color="0.1", annotation_clip=False)
    ax.set_ylim(-0.7, n_rows - 0.3)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_ylabel("events", rotation=0, ha="right", va="center", fontsize=8)
    return n_rows
