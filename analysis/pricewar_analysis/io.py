"""Readers for pricewar HDF5 files.

The file layout is specified in docs/hdf5-layout.md: a run file has the
root attribute ``format = "pricewar-run"``, batch and sweep files have
``format = "pricewar-sweep"``.  Everything is returned as pandas DataFrames; strings
stored as fixed-length or variable-length HDF5 strings are decoded to ``str``.

Turn numbering: row ``i`` of a ``/series/...`` dataset is turn ``i`` (0-based) unless the
file carries a ``/series/turn`` dataset, which then gives the turn numbers.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Dict, List, Optional

import h5py
import numpy as np
import pandas as pd

FORMAT_RUN = "pricewar-run"
FORMAT_SWEEP = "pricewar-sweep"

# Series and summary names are not listed here: every table of /series/<group> and
# /summary/vendor becomes a column, named as in the file and in the file's order (declared
# once in sim/model/series.hpp; table in docs/hdf5-layout.md, "Series and summaries").
DESIGN_FIXED = ("run_id", "replicate", "seed", "scenario")
EVENT_FIELDS = ("turn", "kind", "vendor", "offer", "description")

#: ``/summary/vendor/exit_turn`` codes
EXIT_ALIVE = -1     # alive at the horizon (right-censored)
EXIT_ABSENT = -2    # vendor not part of that run

#: ``/runs/status`` codes
STATUS_OK = 0
STATUS_FAILED = 1
STATUS_NOT_RUN = -1


class PricewarFormatError(ValueError):
    """The file is not a readable pricewar HDF5 file, or lacks a required part."""


# ----------------------------------------------------------------------------- helpers

def decode(value: Any) -> Any:
    """Convert HDF5 attribute/dataset values to plain Python (bytes -> str)."""
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in ("S", "O", "U"):
            return [decode(v) for v in value.ravel().tolist()]
        if value.ndim == 0:
            return value.item()
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _is_string_dataset(ds: h5py.Dataset) -> bool:
    return ds.dtype.kind in ("S", "U") or h5py.check_string_dtype(ds.dtype) is not None


def _read_column(ds: h5py.Dataset, index: Optional[int] = None):
    """Read a dataset (optionally one row of the leading axis) as ndarray or list of str."""
    raw = ds[()] if index is None else ds[index]
    if _is_string_dataset(ds):
        if not isinstance(raw, np.ndarray) or raw.ndim == 0:
            return decode(raw.item() if isinstance(raw, np.ndarray) else raw)
        return np.array([decode(v) for v in raw.ravel().tolist()],
                        dtype=object).reshape(raw.shape)
    return np.asarray(raw)


def _strings(ds: h5py.Dataset) -> List[str]:
    values = _read_column(ds)
    if isinstance(values, str):
        return [values]
    return [str(v) for v in np.asarray(values, dtype=object).ravel().tolist()]


#: Coordinate variables of batch and sweep files (labels over a dimension, not data): the
#: calendar date of each turn and the display names of vendors and offers.
COORDINATE_VARIABLES = ("date", "vendor_name", "offer_name")


def _is_scale(obj) -> bool:
    """A dimension scale (the ``turn``, ``vendor``, ``offer`` and ``run`` coordinates the
    files carry for netCDF readers) or a coordinate variable (``date``, ``vendor_name``,
    ``offer_name``): not data."""
    if not isinstance(obj, h5py.Dataset):
        return False
    if obj.name.rsplit("/", 1)[-1] in COORDINATE_VARIABLES:
        return True
    return decode(obj.attrs.get("CLASS", b"")) == "DIMENSION_SCALE"


def read_attrs(obj) -> Dict[str, Any]:
    return {key: decode(obj.attrs[key]) for key in obj.attrs.keys()}


def _units(f: h5py.File) -> Dict[str, str]:
    units: Dict[str, str] = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and "units" in obj.attrs:
            units[name] = str(decode(obj.attrs["units"]))

    f.visititems(visit)
    return units


def _open(path: str) -> h5py.File:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise PricewarFormatError(f"{path}: no such file")
    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise PricewarFormatError(f"{path}: not a readable HDF5 file ({err})") from err


def _format_of(f: h5py.File, path: str) -> str:
    if "format" not in f.attrs:
        raise PricewarFormatError(
            f"{path}: unknown file type (root attribute 'format' is missing; expected "
            f"'{FORMAT_RUN}' or '{FORMAT_SWEEP}')")
    fmt = str(decode(f.attrs["format"]))
    if fmt not in (FORMAT_RUN, FORMAT_SWEEP):
        raise PricewarFormatError(
            f"{path}: unknown file type format={fmt!r} (expected '{FORMAT_RUN}' or "
            f"'{FORMAT_SWEEP}')")
    return fmt


def file_format(path: str) -> str:
    """Return ``"pricewar-run"`` or ``"pricewar-sweep"``; raise PricewarFormatError otherwise."""
    with _open(path) as f:
        return _format_of(f, os.fspath(path))


def _require(f: h5py.File, name: str, path: str):
    if name not in f:
        raise PricewarFormatError(f"{path}: missing required HDF5 object /{name}")
    return f[name]


def _vendor_table(f: h5py.File, path: str, n_vendors: Optional[int]) -> pd.DataFrame:
    if "vendors" in f and "name" in f["vendors"]:
        names = _strings(f["vendors/name"])
        kinds = (_strings(f["vendors/kind"]) if "kind" in f["vendors"]
                 else ["unknown"] * len(names))
        if len(kinds) != len(names):
            raise PricewarFormatError(f"{path}: /vendors/name and /vendors/kind differ in length")
    elif n_vendors is not None:
        names = [f"vendor{j}" for j in range(n_vendors)]
        kinds = ["unknown"] * n_vendors
    else:
        raise PricewarFormatError(f"{path}: missing required HDF5 object /vendors/name")
    return pd.DataFrame({"name": names, "kind": kinds})


def _display_names(f: h5py.File, group: str, ids: List[str], path: str) -> List[str]:
    """``/<group>/display_name`` of a batch or sweep file, or the ids where it is absent
    (run files, and sweep files written before display names were recorded)."""
    name = f"{group}/display_name"
    if name not in f:
        return list(ids)
    names = _strings(f[name])
    if len(names) != len(ids):
        raise PricewarFormatError(f"{path}: /{name} has {len(names)} entries for {len(ids)} "
                                  f"in /{group}/name")
    return names


# ----------------------------------------------------------------------------- run files

@dataclasses.dataclass
class RunData:
    """Everything in one run, as DataFrames.

    Attributes:
        path, attrs (root attributes), scenario_toml, turns (horizon), units
        (dataset path -> units attribute), run_index (row in a sweep file, else None),
        vendors (name, kind), offers (name, vendor, vendor_index, tier),
        offer_series (long: turn, offer, vendor, price, price_in, price_out, unit_cost,
        tokens, developers, revenue, ...), vendor_series (long: turn, vendor, kind, cash,
        ..., alive), market (indexed by turn), vendor_summary (vendor, kind, exit_turn,
        final_share, cumulative_profit, peak_loss, alive_at_horizon, turns),
        events (turn, kind, vendor, offer, description; empty if the file has none),
        resolved_toml (every parameter after defaults and overrides, from ``/scenario``
        attribute ``resolved``; None for a row of a batch or sweep file).
    """

    path: str
    attrs: Dict[str, Any]
    scenario_toml: Optional[str]
    turns: int
    units: Dict[str, str]
    vendors: pd.DataFrame
    offers: pd.DataFrame
    offer_series: pd.DataFrame
    vendor_series: pd.DataFrame
    market: pd.DataFrame
    vendor_summary: pd.DataFrame
    events: pd.DataFrame
    run_index: Optional[int] = None
    resolved_toml: Optional[str] = None

    def __getitem__(self, key: str):
        return getattr(self, key)

    def keys(self):
        return [field.name for field in dataclasses.fields(self)]

    def to_xarray(self):
        """The run as one ``xarray.Dataset`` (needs Debian's ``python3-xarray``).

        Dimensions ``turn``, ``vendor``, ``offer``; coordinates ``turn``, ``vendor`` (ids),
        ``offer`` ("vendor.offer"), ``kind`` (per vendor), ``offer_vendor`` (per offer),
        ``vendor_name`` and ``offer_name`` (display names) and, when the scenario sets
        ``start_date``, ``date`` (per turn). Variables: market series
        ``[turn]``, vendor series ``[turn, vendor]``, offer series ``[turn, offer]`` (an offer
        series whose name a vendor series also has, e.g. ``revenue``, is called
        ``offer_revenue``), and the vendor summaries ``[vendor]``. ``units`` attributes as in
        the file.
        """
        import xarray as xr

        vendors = self.vendors["name"].tolist()
        offers = self.offers["name"].tolist()
        if len(self.market):
            turn = np.asarray(self.market.index, dtype=int)
        else:
            turn = pd.unique(self.vendor_series["turn"]).astype(int)
        n_turns = len(turn)
        from .presentation import scenario_meta
        meta = scenario_meta(self)
        coords = {"turn": ("turn", turn), "vendor": ("vendor", np.asarray(vendors, dtype=object)),
                  "offer": ("offer", np.asarray(offers, dtype=object)),
                  "kind": ("vendor", np.asarray(self.vendors["kind"].tolist(), dtype=object)),
                  "offer_vendor": ("offer", np.asarray(self.offers["vendor"].tolist(), dtype=object)),
                  "vendor_name": ("vendor", np.asarray([meta.vendor(v) for v in vendors], dtype=object)),
                  "offer_name": ("offer", np.asarray([meta.offer_name(o) for o in offers], dtype=object))}
        date = _date_coordinate(self.attrs, turn)
        if date is not None:
            coords["date"] = ("turn", date)

        def attrs(group: str, name: str) -> Dict[str, str]:
            units = self.units.get(f"{group}/{name}")
            return {"units": units} if units is not None else {}

        data = {}
        for name in self.market.columns:
            data[name] = xr.Variable(("turn",), self.market[name].to_numpy(), attrs("series/market", name))
        vendor_columns = [c for c in self.vendor_series.columns if c not in ("turn", "vendor", "kind")]
        for name in vendor_columns:
            values = self.vendor_series[name].to_numpy().reshape(n_turns, len(vendors))
            data[name] = xr.Variable(("turn", "vendor"), values, attrs("series/vendor", name))
        for name in [c for c in self.offer_series.columns if c not in ("turn", "offer", "vendor")]:
            values = self.offer_series[name].to_numpy().reshape(n_turns, len(offers))
            key = f"offer_{name}" if name in data else name
            data[key] = xr.Variable(("turn", "offer"), values, attrs("series/offer", name))
        summary = self.vendor_summary.set_index("vendor").reindex(vendors)
        for name in [c for c in summary.columns if c not in ("kind", "turns")]:
            key = name if name not in data else f"summary_{name}"
            data[key] = xr.Variable(("vendor",), summary[name].to_numpy(), attrs("summary/vendor", name))
        root = {k: v for k, v in self.attrs.items() if isinstance(v, (str, int, float))}
        return xr.Dataset(data, coords=coords, attrs=root)


def _date_coordinate(attrs: Dict[str, Any], turn) -> Optional[pd.DatetimeIndex]:
    """Dates of the turns (start_date + turn * turn_days) when the file has a start date."""
    start = attrs.get("start_date")
    days = float(attrs.get("turn_days", 0) or 0)
    if not start or days <= 0:
        return None
    return pd.Timestamp(str(start)) + pd.to_timedelta(np.asarray(turn, dtype=float) * days, unit="D")


def _series_group(f: h5py.File, group: str, run_index: Optional[int], path: str,
                  expected_ndim: int) -> Dict[str, np.ndarray]:
    out: Dict[str, np.ndarray] = {}
    if group not in f:
        return out
    for name, ds in f[group].items():
        if not isinstance(ds, h5py.Dataset) or _is_scale(ds):
            continue
        data = ds[()] if run_index is None else ds[run_index]
        data = np.asarray(data)
        if data.ndim == expected_ndim + 1 and data.shape[-1] == 1:
            data = data[..., 0]  # market series may be stored as [T, 1]
        if data.ndim != expected_ndim:
            raise PricewarFormatError(
                f"{path}: /{group}/{name} has {data.ndim} dimensions after selecting the run, "
                f"expected {expected_ndim}")
        out[name] = data
    return out


def _long_frame(arrays: Dict[str, np.ndarray], turn: np.ndarray,
                keys: Dict[str, list]) -> pd.DataFrame:
    n_turns = len(turn)
    width = len(next(iter(keys.values())))
    frame = {"turn": np.repeat(turn, width)}
    for key, labels in keys.items():
        frame[key] = np.tile(np.asarray(labels, dtype=object), n_turns)
    for name, values in arrays.items():
        frame[name] = values.reshape(-1)
    return pd.DataFrame(frame)


def _read_events(f: h5py.File, path: str) -> pd.DataFrame:
    if "events" not in f:
        return pd.DataFrame({"turn": pd.Series([], dtype=int),
                             **{k: pd.Series([], dtype=object) for k in EVENT_FIELDS[1:]}})
    group = f["events"]
    if "turn" not in group:
        raise PricewarFormatError(f"{path}: /events has no 'turn' dataset")
    turn = np.asarray(group["turn"][()]).astype(int).reshape(-1)
    data = {"turn": turn}
    for name in EVENT_FIELDS[1:]:
        if name in group:
            values = _strings(group[name])
            if len(values) != len(turn):
                raise PricewarFormatError(f"{path}: /events/{name} length differs from /events/turn")
            data[name] = values
        else:
            data[name] = [""] * len(turn)
    return pd.DataFrame(data).sort_values("turn", kind="stable").reset_index(drop=True)


def _read_run(f: h5py.File, path: str, run_index: Optional[int]) -> RunData:
    attrs = read_attrs(f)
    vendor_arrays = _series_group(f, "series/vendor", run_index, path, 2)
    offer_arrays = _series_group(f, "series/offer", run_index, path, 2)
    market_arrays = _series_group(f, "series/market", run_index, path, 1)
    if not (vendor_arrays or offer_arrays or market_arrays):
        raise PricewarFormatError(f"{path}: no /series data in this file")

    n_vendors = next(iter(vendor_arrays.values())).shape[1] if vendor_arrays else None
    vendors = _vendor_table(f, path, n_vendors)
    vendor_names = vendors["name"].tolist()

    if "offers" in f and "name" in f["offers"]:
        offer_names = _strings(f["offers/name"])
        if "vendor" in f["offers"]:
            vendor_idx = np.asarray(f["offers/vendor"][()]).astype(int).reshape(-1)
        else:  # sweep files: the vendor is the id before the dot
            position = {v: i for i, v in enumerate(vendor_names)}
            vendor_idx = np.asarray([position.get(o.split(".", 1)[0], -1) for o in offer_names],
                                    dtype=int)
        tiers = (_strings(f["offers/tier"]) if "tier" in f["offers"]
                 else [""] * len(offer_names))
    else:
        n_offers = next(iter(offer_arrays.values())).shape[1] if offer_arrays else 0
        offer_names = [f"offer{j}" for j in range(n_offers)]
        vendor_idx = np.full(n_offers, -1)
        tiers = [""] * n_offers
    offer_vendor = [vendor_names[i] if 0 <= i < len(vendor_names) else "" for i in vendor_idx]
    offers = pd.DataFrame({"name": offer_names, "vendor": offer_vendor,
                           "vendor_index": vendor_idx, "tier": tiers})

    lengths = {a.shape[0] for a in list(vendor_arrays.values()) + list(offer_arrays.values())
               + list(market_arrays.values())}
    if len(lengths) != 1:
        raise PricewarFormatError(f"{path}: /series datasets disagree on the number of turns")
    n_turns = lengths.pop()
    if "series/turn" in f:
        turn = np.asarray(f["series/turn"][()] if run_index is None
                          else f["series/turn"][run_index]).astype(int).reshape(-1)
    else:
        turn = np.arange(n_turns)
    turns = int(attrs.get("turns", n_turns))

    for name, arr in offer_arrays.items():
        if arr.shape[1] != len(offer_names):
            raise PricewarFormatError(f"{path}: /series/offer/{name} has {arr.shape[1]} offers, "
                                      f"/offers lists {len(offer_names)}")
    for name, arr in vendor_arrays.items():
        if arr.shape[1] != len(vendor_names):
            raise PricewarFormatError(f"{path}: /series/vendor/{name} has {arr.shape[1]} vendors, "
                                      f"/vendors lists {len(vendor_names)}")

    if offer_names:
        offer_series = _long_frame(offer_arrays, turn, {"offer": offer_names,
                                                        "vendor": offer_vendor})
    else:
        offer_series = pd.DataFrame(columns=["turn", "offer", "vendor", *offer_arrays])
    vendor_series = _long_frame(vendor_arrays, turn, {"vendor": vendor_names,
                                                      "kind": vendors["kind"].tolist()})
    if "alive" in vendor_arrays:
        vendor_series["alive"] = vendor_series["alive"].fillna(0).astype(bool)

    market = pd.DataFrame({name: arr for name, arr in market_arrays.items()},
                          index=pd.Index(turn, name="turn"))

    summary = {}
    if "summary/vendor" in f:
        for name, ds in f["summary/vendor"].items():
            if _is_scale(ds):
                continue
            data = np.asarray(ds[()] if run_index is None else ds[run_index])
            if data.shape == (len(vendor_names),):
                summary[name] = data
    vendor_summary = pd.DataFrame({"vendor": vendor_names, "kind": vendors["kind"].tolist()})
    for name, values in summary.items():
        vendor_summary[name] = values
    if "exit_turn" in summary:
        vendor_summary["exit_turn"] = vendor_summary["exit_turn"].astype(int)
        vendor_summary = vendor_summary[vendor_summary["exit_turn"] != EXIT_ABSENT]
        vendor_summary["alive_at_horizon"] = vendor_summary["exit_turn"] == EXIT_ALIVE
    vendor_summary["turns"] = turns
    vendor_summary = vendor_summary.reset_index(drop=True)

    scenario = resolved = None
    if "scenario" in f and "toml" in f["scenario"].attrs:
        scenario = str(decode(f["scenario"].attrs["toml"]))
    if "scenario" in f and "resolved" in f["scenario"].attrs:
        resolved = str(decode(f["scenario"].attrs["resolved"]))
    events = _read_events(f, path) if run_index is None else _read_events_for_run(f, path, run_index)

    return RunData(path=path, attrs=attrs, scenario_toml=scenario, turns=turns, units=_units(f),
                   vendors=vendors, offers=offers, offer_series=offer_series,
                   vendor_series=vendor_series, market=market, vendor_summary=vendor_summary,
                   events=events, run_index=run_index, resolved_toml=resolved)


def _read_events_for_run(f: h5py.File, path: str, run_index: int) -> pd.DataFrame:
    # Sweep files may store events for all runs with an extra /events/run column.
    events = _read_events(f, path)
    if "events" in f and "run" in f["events"]:
        run = np.asarray(f["events/run"][()]).astype(int).reshape(-1)
        order = np.argsort(np.asarray(f["events/turn"][()]).reshape(-1), kind="stable")
        events = events[run[order] == run_index].reset_index(drop=True)
    return events


def load_run(path: str, run: Optional[int] = None) -> RunData:
    """Load a run file.

    For a sweep or batch file written with ``--series``, ``run`` selects the row (0-based
    position in ``/design/run_id``) whose time series to load.
    """
    path = os.fspath(path)
    with _open(path) as f:
        fmt = _format_of(f, path)
        if fmt == FORMAT_RUN:
            if run is not None:
                raise PricewarFormatError(f"{path}: a run file holds one run; do not pass run=")
            return _read_run(f, path, None)
        if run is None:
            raise PricewarFormatError(f"{path}: is a sweep/batch file; pass run=<row> or use "
                                      f"load_sweep")
        if "series" not in f:
            raise PricewarFormatError(f"{path}: sweep file has no /series (written without "
                                      f"--series)")
        n_runs = len(_require(f, "design/run_id", path))
        if not 0 <= run < n_runs:
            raise PricewarFormatError(f"{path}: run row {run} out of range 0..{n_runs - 1}")
        return _read_run(f, path, int(run))


# --------------------------------------------------------------------------- sweep files

@dataclasses.dataclass
class SweepData:
    """A batch or sweep file.

    Attributes:
        runs: one row per run: run_id, replicate, seed, scenario, one column per varied
            parameter (dotted scenario path), any other /design columns (sobol_block,
            sobol_index), status (0 ok, 1 failed, -1 not run), error, wall_seconds, turns,
            and every /summary/market/* column.
        vendor_summary: long table over successful runs (status 0) and vendors present in
            the run: run_id, vendor, kind, exit_turn, final_share, cumulative_profit,
            peak_loss, alive_at_horizon, turns, plus the design columns.
        parameters: names of the varied parameters, in design order.
        vendors: name, kind, display_name (union over runs; display_name is the id in files
            written before display names were recorded).
        has_series: True when the file holds per-run time series (load them with
            ``load_run(path, run=row)``).
        offers: name ("vendor.offer"), vendor, display_name; empty without series.
        start_date: the calendar date of turn 0 (``datetime.date``) when every run shares one,
            else None; turn_days: days per turn (None when the runs differ or the file does
            not say).

    Unpacking gives ``runs, vendor_summary = load_sweep(path)``.
    """

    path: str
    attrs: Dict[str, Any]
    turns: int
    units: Dict[str, str]
    parameters: List[str]
    vendors: pd.DataFrame
    runs: pd.DataFrame
    vendor_summary: pd.DataFrame
    market_columns: List[str]
    has_series: bool
    offers: pd.DataFrame = dataclasses.field(
        default_factory=lambda: pd.DataFrame(columns=["name", "vendor", "display_name"]))

    def __getitem__(self, key: str):
        return getattr(self, key)

    @property
    def turn_days(self) -> Optional[float]:
        days = float(self.attrs.get("turn_days", 0) or 0)
        return days if days > 0 else None

    @property
    def start_date(self):
        import datetime
        start = self.attrs.get("start_date")
        if not start or self.turn_days is None:
            return None
        return datetime.date.fromisoformat(str(start))

    def __iter__(self):
        return iter((self.runs, self.vendor_summary))

    @property
    def is_sobol(self) -> bool:
        return "sobol_block" in self.runs and "sobol_index" in self.runs

    @property
    def ok_runs(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == STATUS_OK]

    @property
    def status_counts(self) -> Dict[str, int]:
        status = self.runs["status"]
        return {"ok": int((status == STATUS_OK).sum()),
                "failed": int((status == STATUS_FAILED).sum()),
                "not_run": int((status == STATUS_NOT_RUN).sum()),
                "total": int(len(status))}

    def to_xarray(self, series: bool = False):
        """The batch or sweep as one ``xarray.Dataset`` (needs Debian's ``python3-xarray``).

        Dimension ``run`` (coordinate: the run ids) for the design, status and market summary
        columns of ``runs``; ``[run, vendor]`` for the vendor summaries (every run, every vendor
        of the file: ``exit_turn`` -2 and NaN elsewhere where a vendor is not in a run or the
        run failed). With ``series=True`` and a file written with ``--series``, also the series
        ``[run, turn]``, ``[run, turn, vendor]``, ``[run, turn, offer]`` read from the file (an
        offer series whose name a vendor series also has is called ``offer_<name>``).
        Coordinates: ``run``, ``vendor`` (ids), ``kind`` and ``vendor_name`` (display name) per
        vendor; with series also ``turn``, ``offer``, ``offer_name`` and, when the file has a
        start date, ``date`` per turn.
        """
        import xarray as xr

        run_ids = self.runs["run_id"].to_numpy()
        vendors = self.vendors["name"].tolist()
        coords = {"run": ("run", run_ids), "vendor": ("vendor", np.asarray(vendors, dtype=object)),
                  "kind": ("vendor", np.asarray(self.vendors["kind"].tolist(), dtype=object)),
                  "vendor_name": ("vendor", np.asarray(self.vendors["display_name"].tolist(),
                                                       dtype=object))}
        data = {}
        for name in self.runs.columns:
            if name == "run_id":
                continue
            values = self.runs[name].to_numpy()
            units = self.units.get(f"summary/market/{name}") or self.units.get(f"runs/{name}")
            data[name] = xr.Variable(("run",), values, {"units": units} if units else {})
        row = {r: i for i, r in enumerate(run_ids)}
        col = {v: j for j, v in enumerate(vendors)}
        vs = self.vendor_summary
        rows = np.asarray([row[r] for r in vs["run_id"]], dtype=int)
        cols = np.asarray([col[v] for v in vs["vendor"]], dtype=int)
        for name in ("exit_turn", "final_share", "cumulative_profit", "peak_loss", "alive_at_horizon"):
            if name not in vs:
                continue
            if name == "exit_turn":
                grid = np.full((len(run_ids), len(vendors)), EXIT_ABSENT, dtype=int)
            elif name == "alive_at_horizon":
                grid = np.zeros((len(run_ids), len(vendors)), dtype=bool)
            else:
                grid = np.full((len(run_ids), len(vendors)), np.nan)
            grid[rows, cols] = vs[name].to_numpy()
            units = self.units.get(f"summary/vendor/{name}")
            key = name if name not in data else f"vendor_{name}"
            data[key] = xr.Variable(("run", "vendor"), grid, {"units": units} if units else {})
        if series and self.has_series:
            with h5py.File(self.path, "r") as f:
                offers = _strings(f["offers/name"]) if "offers/name" in f else []
                coords["offer"] = ("offer", np.asarray(offers, dtype=object))
                names = _display_names(f, "offers", offers, self.path) if offers else []
                coords["offer_name"] = ("offer", np.asarray(names, dtype=object))
                coords["turn"] = ("turn", np.arange(self.turns))
                date = _date_coordinate(self.attrs, np.arange(self.turns))
                if date is not None:
                    coords["date"] = ("turn", date)
                for group, dims in (("market", ("run", "turn")), ("vendor", ("run", "turn", "vendor")),
                                    ("offer", ("run", "turn", "offer"))):
                    if f"series/{group}" not in f:
                        continue
                    for name, ds in f[f"series/{group}"].items():
                        if _is_scale(ds):
                            continue
                        key = name if name not in data else f"{group}_{name}"
                        units = self.units.get(f"series/{group}/{name}")
                        data[key] = xr.Variable(dims, ds[()], {"units": units} if units else {})
        root = {k: v for k, v in self.attrs.items() if isinstance(v, (str, int, float))}
        return xr.Dataset(data, coords=coords, attrs=root)


def _parameter_names(design: h5py.Group) -> List[str]:
    if "parameters" in design.attrs:
        value = decode(design.attrs["parameters"])
        if isinstance(value, str):
            parts = value.replace("\n", ",").split(",")
            return [p.strip() for p in parts if p.strip()]
        return [str(v) for v in (value if isinstance(value, list) else list(value))]
    skip = set(DESIGN_FIXED) | {"sobol_block", "sobol_index"}
    return [name for name in design.keys() if name not in skip and not _is_scale(design[name])]


def load_sweep(path: str) -> SweepData:
    """Load a batch or sweep file (``format = "pricewar-sweep"``)."""
    path = os.fspath(path)
    with _open(path) as f:
        fmt = _format_of(f, path)
        if fmt != FORMAT_SWEEP:
            raise PricewarFormatError(f"{path}: is a run file; use load_run")
        attrs = read_attrs(f)
        design = _require(f, "design", path)
        if "run_id" not in design:
            raise PricewarFormatError(f"{path}: missing required HDF5 object /design/run_id")
        n_runs = int(design["run_id"].shape[0])

        def column(ds: h5py.Dataset, where: str):
            values = _read_column(ds)
            if isinstance(values, str) or np.ndim(values) != 1 or len(values) != n_runs:
                raise PricewarFormatError(f"{path}: /{where} should have shape [{n_runs}]")
            return values

        parameters = _parameter_names(design)
        runs: Dict[str, Any] = {}
        for name in DESIGN_FIXED:
            if name in design:
                runs[name] = column(design[name], f"design/{name}")
        for name in parameters:
            if name not in design:
                raise PricewarFormatError(f"{path}: /design attribute 'parameters' names "
                                          f"{name!r} but /design/{name} does not exist")
            runs[name] = column(design[name], f"design/{name}")
        for name, ds in design.items():
            if name not in runs and isinstance(ds, h5py.Dataset) and not _is_scale(ds):
                runs[name] = column(ds, f"design/{name}")
        for name in ("replicate", "seed"):
            runs.setdefault(name, np.zeros(n_runs, dtype=int))
        runs.setdefault("scenario", np.array([str(attrs.get("scenario_name", ""))] * n_runs,
                                             dtype=object))

        if "runs" in f:
            names = [n for n in ("status", "error", "wall_seconds") if n in f["runs"]]
            names += [n for n in f["runs"].keys() if n not in names]
            for name in names:
                if isinstance(f["runs"][name], h5py.Dataset) and not _is_scale(f["runs"][name]):
                    runs[name] = column(f["runs"][name], f"runs/{name}")
        runs.setdefault("status", np.zeros(n_runs, dtype=int))
        runs.setdefault("error", np.array([""] * n_runs, dtype=object))
        runs.setdefault("wall_seconds", np.full(n_runs, np.nan))
        runs["status"] = np.asarray(runs["status"]).astype(int)
        horizon = attrs.get("turns")
        if "turns" not in runs:
            if horizon is None:
                raise PricewarFormatError(f"{path}: root attribute 'turns' is missing")
            runs["turns"] = np.full(n_runs, int(horizon))
        runs["turns"] = np.asarray(runs["turns"]).astype(int)

        market_columns: List[str] = []
        if "summary/market" in f:
            for name, ds in f["summary/market"].items():
                if not isinstance(ds, h5py.Dataset) or _is_scale(ds):
                    continue
                key = name if name not in runs else f"market.{name}"
                runs[key] = column(ds, f"summary/market/{name}")
                market_columns.append(key)
        runs_df = pd.DataFrame(runs)

        summary_arrays: Dict[str, np.ndarray] = {}
        if "summary/vendor" in f:
            for name, ds in f["summary/vendor"].items():
                if isinstance(ds, h5py.Dataset) and not _is_scale(ds):
                    data = np.asarray(ds[()])
                    if data.ndim != 2 or data.shape[0] != n_runs:
                        raise PricewarFormatError(f"{path}: /summary/vendor/{name} should have "
                                                  f"shape [{n_runs}, V]")
                    summary_arrays[name] = data
        n_vendors = (next(iter(summary_arrays.values())).shape[1] if summary_arrays else None)
        vendors = _vendor_table(f, path, n_vendors)
        if n_vendors is not None and n_vendors != len(vendors):
            raise PricewarFormatError(f"{path}: /summary/vendor has {n_vendors} vendors, "
                                      f"/vendors lists {len(vendors)}")
        vendors["display_name"] = _display_names(f, "vendors", vendors["name"].tolist(), path)
        vendor_summary = _sweep_vendor_summary(runs_df, vendors, summary_arrays, parameters)
        has_series = "series" in f
        offer_ids = _strings(f["offers/name"]) if "offers/name" in f else []
        offers = pd.DataFrame({"name": offer_ids,
                               "vendor": [o.split(".", 1)[0] for o in offer_ids],
                               "display_name": _display_names(f, "offers", offer_ids, path)})
        units = _units(f)

    turns = int(horizon) if horizon is not None else int(runs_df["turns"].max())
    return SweepData(path=path, attrs=attrs, turns=turns, units=units, parameters=parameters,
                     vendors=vendors, runs=runs_df, vendor_summary=vendor_summary,
                     market_columns=market_columns, has_series=has_series, offers=offers)


def _sweep_vendor_summary(runs: pd.DataFrame, vendors: pd.DataFrame,
                          arrays: Dict[str, np.ndarray], parameters: List[str]) -> pd.DataFrame:
    n_runs, n_vendors = len(runs), len(vendors)
    row = np.repeat(np.arange(n_runs), n_vendors)
    frame = {
        "run_id": np.asarray(runs["run_id"])[row],
        "vendor": np.tile(vendors["name"].to_numpy(dtype=object), n_runs),
        "kind": np.tile(vendors["kind"].to_numpy(dtype=object), n_runs),
    }
    for name, values in arrays.items():
        frame[name] = values.reshape(-1)
    df = pd.DataFrame(frame)
    df["_row"] = row
    keep = runs["status"].to_numpy()[row] == STATUS_OK
    if "exit_turn" in arrays:
        df["exit_turn"] = df["exit_turn"].astype(int)
        keep &= df["exit_turn"].to_numpy() != EXIT_ABSENT
        df["alive_at_horizon"] = df["exit_turn"] == EXIT_ALIVE
    df = df[keep]
    df["turns"] = runs["turns"].to_numpy()[df["_row"].to_numpy()]
    design_cols = ["replicate", "seed", "scenario"] + [p for p in parameters
                                                       if p not in ("replicate", "seed",
                                                                    "scenario")]
    for col in design_cols:
        df[col] = runs[col].to_numpy()[df["_row"].to_numpy()]
    return df.drop(columns="_row").reset_index(drop=True)


def load(path: str):
    """Load a run (RunData) or batch/sweep (SweepData) file, chosen by the format attribute."""
    fmt = file_format(path)
    return load_run(path) if fmt == FORMAT_RUN else load_sweep(path)


def load_series_stack(path: str, group: str, table: str):
    """One series table of every successful run of a sweep/batch file written with --series.

    Args:
        group: "market", "vendor" or "offer"; table: e.g. "total_tokens", "cash".
    Returns:
        (run_ids, values) with values of shape [runs, T] (market) or [runs, T, columns]
        (vendor, offer; columns as in /vendors/name or /offers/name), successful runs only.
    """
    path = os.fspath(path)
    with _open(path) as f:
        if _format_of(f, path) != FORMAT_SWEEP:
            raise PricewarFormatError(f"{path}: is a run file; use load_run")
        name = f"series/{group}/{table}"
        if name not in f:
            raise PricewarFormatError(f"{path}: no /{name} (written without --series?)")
        run_ids = np.asarray(_require(f, "design/run_id", path)[()])
        status = (np.asarray(f["runs/status"][()]).astype(int) if "runs/status" in f
                  else np.zeros(len(run_ids), dtype=int))
        ok = np.flatnonzero(status == STATUS_OK)
        data = np.asarray(f[name][()], dtype=float)
        if data.ndim == 3 and group == "market" and data.shape[-1] == 1:
            data = data[..., 0]
        return run_ids[ok], data[ok]
