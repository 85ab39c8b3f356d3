"""Synthetic pricewar HDF5 files written with h5py, following the documented layout.

Each writer returns a dict of the values the tests should read back.
"""

import h5py
import numpy as np

VLEN = h5py.string_dtype(encoding="utf-8")

VENDORS = ["volcano", "zhipu", "baichuan", "openai"]
KINDS = ["cloud", "startup", "startup", "foreign"]
OFFERS = ["volcano.doubao-lite", "volcano.doubao-pro", "zhipu.glm-turbo", "zhipu.glm-4",
          "baichuan.baichuan-4", "openai.gpt-4o"]
OFFER_VENDOR = [0, 0, 1, 1, 2, 3]
TIERS = ["lite", "pro", "lite", "flagship", "flagship", "flagship"]


def _strings(group, name, values, fixed):
    if fixed:
        width = max(1, max((len(v.encode()) for v in values), default=1))
        group.create_dataset(name, data=np.array([v.encode() for v in values],
                                                 dtype=f"S{width}"))
    else:
        group.create_dataset(name, data=np.array(values, dtype=object), dtype=VLEN)


def _dataset(group, name, data, units=None):
    ds = group.create_dataset(name, data=data)
    if units:
        ds.attrs["units"] = units
    return ds


def run_arrays(turns=30, exit_turn=12, rng=None):
    """Time series of a small price war: a free tier from turn 8, one startup exit."""
    rng = rng or np.random.default_rng(1)
    t = np.arange(turns)
    n_offers, n_vendors = len(OFFERS), len(VENDORS)
    price_in = np.empty((turns, n_offers))
    price_in[:, 0] = np.where(t < 8, 8.0, 0.0)           # becomes free
    price_in[:, 1] = np.where(t < 8, 120.0, 0.8)
    price_in[:, 2] = np.where(t < 5, 5.0, 1.0)
    price_in[:, 3] = 100.0
    price_in[:, 4] = 100.0
    price_in[:, 5] = 36.0 * 0.97 ** t
    price_out = price_in * np.array([1, 2.5, 1, 1, 1, 3.0])
    alive = np.ones((turns, n_vendors), dtype=np.uint8)
    alive[exit_turn:, 2] = 0
    offer_alive = alive[:, OFFER_VENDOR].astype(bool)
    price_in[~offer_alive] = np.nan
    price_out[~offer_alive] = np.nan
    price = 0.75 * price_in + 0.25 * price_out
    unit_cost = np.tile([2.0, 3.0, 2.5, 20.0, 25.0, 10.0], (turns, 1)) * 0.98 ** t[:, None]
    tokens = 1e3 * (1 + t[:, None] / 5.0) * (np.nan_to_num(price, nan=np.inf) + 1.0) ** -0.6
    tokens *= rng.uniform(0.9, 1.1, tokens.shape)
    tokens[~offer_alive] = 0.0
    developers = np.round(tokens / 10.0)
    revenue = np.nan_to_num(price) * tokens

    vendor_revenue = np.zeros((turns, n_vendors))
    vendor_tokens = np.zeros((turns, n_vendors))
    for o, v in enumerate(OFFER_VENDOR):
        vendor_revenue[:, v] += revenue[:, o]
        vendor_tokens[:, v] += tokens[:, o]
    fixed_cost = np.tile([5e4, 2e4, 3e4, 1e5], (turns, 1))
    inference_cost = np.zeros((turns, n_vendors))
    for o, v in enumerate(OFFER_VENDOR):
        inference_cost[:, v] += unit_cost[:, o] * tokens[:, o]
    cross_subsidy = np.zeros((turns, n_vendors))
    cross_subsidy[:, 0] = 1e2 * developers[:, :2].sum(axis=1)
    gpu_opex = np.full((turns, n_vendors), 1e3)
    # Accounting identity of the model: change in cash = all flows of the turn.
    profit = vendor_revenue + cross_subsidy - inference_cost - gpu_opex - fixed_cost
    profit[alive == 0] = 0.0
    gpu_opex[alive == 0] = 0.0
    cash = np.array([1e7, 5e5, 2e5, 1e8]) + np.cumsum(profit, axis=0)
    capacity = np.tile([5e3, 2e3, 1e3, 1e4], (turns, 1))
    utilisation = vendor_tokens / capacity
    utilisation[alive == 0] = 0.0
    total_tokens = tokens.sum(axis=1)
    total_spend = revenue.sum(axis=1)
    shares = vendor_tokens / total_tokens[:, None]
    return {
        "offer": {"price": price, "price_in": price_in, "price_out": price_out,
                  "unit_cost": unit_cost, "tokens": tokens, "developers": developers,
                  "revenue": revenue},
        "vendor": {"cash": cash, "revenue": vendor_revenue, "inference_cost": inference_cost,
                   "gpu_opex": gpu_opex,
                   "fixed_cost": fixed_cost, "capex": np.zeros((turns, n_vendors)),
                   "cross_subsidy": cross_subsidy, "funding": np.zeros((turns, n_vendors)),
                   "profit": profit, "gpus": capacity / 10.0, "capacity": capacity,
                   "utilisation": utilisation, "rationed_share": np.zeros((turns, n_vendors)),
                   "alive": alive},
        "market": {"total_tokens": total_tokens, "total_spend": total_spend,
                   "avg_price": total_spend / total_tokens,
                   "hhi": (shares ** 2).sum(axis=1),
                   "active_developers": developers.sum(axis=1),
                   "aware_developers": developers.sum(axis=1) * 1.5,
                   "consumer_surplus": np.log1p(total_tokens),
                   "outside_share": np.full(turns, 0.1),
                   "unserved_tokens": np.zeros(turns)},
        "summary": {"exit_turn": np.array([-1, -1, exit_turn, -1], dtype=np.int32),
                    "final_share": shares[-1],
                    "cumulative_profit": profit.sum(axis=0),
                    "peak_loss": np.maximum(0, -np.minimum.accumulate(
                        np.cumsum(profit, axis=0), axis=0)[-1])},
    }


UNITS = {"price": "CNY/Mtok", "price_in": "CNY/Mtok", "price_out": "CNY/Mtok",
         "unit_cost": "CNY/Mtok", "tokens": "Mtok", "revenue": "CNY", "cash": "CNY",
         "total_tokens": "Mtok", "total_spend": "CNY", "avg_price": "CNY/Mtok"}

EVENTS = {  # deliberately not sorted by turn
    "turn": [12, 8, 5, 8],
    "kind": ["exit", "price_cut", "price_cut", "price_cut"],
    "vendor": ["baichuan", "volcano", "zhipu", "volcano"],
    "offer": ["", "volcano.doubao-lite", "zhipu.glm-turbo", "volcano.doubao-pro"],
    "description": ["cash below zero, no funding round", "free tier", "-80 %", "-99.3 %"],
}


def _root_attrs(f, fmt, turns, name):
    f.attrs["format"] = fmt
    f.attrs["format_version"] = 1
    f.attrs["pricewar_version"] = "0.1.0"
    f.attrs["seed"] = np.uint64(42)
    f.attrs["turns"] = np.int32(turns)
    f.attrs["turn_days"] = 7.0
    f.attrs["currency"] = "CNY"
    f.attrs["scenario_name"] = name


def _vendors_offers(f, fixed_strings):
    g = f.create_group("vendors")
    _strings(g, "name", VENDORS, fixed=False)
    _strings(g, "kind", KINDS, fixed=True)           # one of each string kind
    g = f.create_group("offers")
    _strings(g, "name", OFFERS, fixed=fixed_strings)
    g.create_dataset("vendor", data=np.array(OFFER_VENDOR, dtype=np.int32))
    _strings(g, "tier", TIERS, fixed=not fixed_strings)


def write_run(path, turns=30, exit_turn=12, fixed_strings=False, events=True):
    data = run_arrays(turns, exit_turn)
    with h5py.File(path, "w") as f:
        _root_attrs(f, "pricewar-run", turns, "synthetic")
        f.create_group("scenario").attrs["toml"] = "[market]\nturns = %d\n" % turns
        _vendors_offers(f, fixed_strings)
        for group in ("offer", "vendor", "market"):
            g = f.create_group(f"series/{group}")
            for name, arr in data[group].items():
                _dataset(g, name, arr, UNITS.get(name))
        g = f.create_group("summary/vendor")
        for name, arr in data["summary"].items():
            _dataset(g, name, arr, "CNY" if name in ("cumulative_profit", "peak_loss") else None)
        if events:
            g = f.create_group("events")
            g.create_dataset("turn", data=np.array(EVENTS["turn"], dtype=np.int32))
            for name in ("kind", "vendor", "offer", "description"):
                _strings(g, name, EVENTS[name], fixed=fixed_strings)
    return data


# --------------------------------------------------------------------------- sweeps

SWEEP_VENDORS = VENDORS + ["yi"]
SWEEP_KINDS = KINDS + ["startup"]
#: Display names a labelled sweep file carries (/vendors/display_name, /offers/display_name).
SWEEP_NAMES = ["Volcano Engine", "Zhipu AI", "Baichuan Intelligence", "OpenAI", "01.AI"]
OFFER_NAMES = ["Doubao Lite", "Doubao Pro", "GLM-3 Turbo", "GLM-4", "Baichuan 4", "GPT-4o"]
START_DATE = "2024-04-29"
PARAMS = ["vendors.baichuan.cash", "market.vc_climate"]
RANGES = [(1e5, 1e7), (0.0, 1.0)]


def _exit_turn(cash, vc, turns, rng):
    """Baichuan survives longer with more cash and a warmer funding climate."""
    runway = turns * (np.log10(cash) - 5.0) / 2.0 * (0.4 + vc) + rng.normal(0, 3)
    t = int(np.floor(runway))
    return -1 if t >= turns else max(t, 0)


def write_sweep(path, design="sobol", n=16, replicates=2, turns=40, fixed_strings=False,
                series=False, seed=7, labels=False):
    """design: "sobol" (Saltelli blocks), "lhs" (random design) or "batch" (two scenarios,
    no varied parameter). labels: display names and a start date (sweep format 2); without,
    the file is one of format 1 (ids and turns only)."""
    rng = np.random.default_rng(seed)
    k = len(PARAMS)
    lows = np.array([r[0] for r in RANGES])
    highs = np.array([r[1] for r in RANGES])
    rows = []   # (block, index, replicate, scenario, param values)
    if design == "sobol":
        a = rng.uniform(size=(n, k))
        b = rng.uniform(size=(n, k))
        for block in range(k + 2):
            for j in range(n):
                if block == 0:
                    x = a[j]
                elif block == 1:
                    x = b[j]
                else:
                    x = a[j].copy()
                    x[block - 2] = b[j, block - 2]
                for r in range(replicates):
                    rows.append((block, j, r, "default", x))
    elif design == "lhs":
        for j in range(n):
            x = rng.uniform(size=k)
            for r in range(replicates):
                rows.append((None, j, r, "default", x))
    elif design == "batch":
        for scenario in ("default", "cold_vc"):
            for r in range(replicates):
                rows.append((None, r, r, scenario, np.array([0.6, 0.8 if scenario == "default"
                                                              else 0.1])))
    else:
        raise ValueError(design)

    n_runs = len(rows)
    n_vendors = len(SWEEP_VENDORS)
    values = np.array([lows + x * (highs - lows) for *_, x in rows])
    # log-uniform cash
    values[:, 0] = 10 ** (5 + 2 * np.array([x[0] for *_, x in rows]))
    status = np.zeros(n_runs, dtype=np.int32)
    error = [""] * n_runs
    status[3] = 1
    error[3] = "accounting identity violated at turn 17"
    if n_runs > 6:
        status[5] = -1
    exit_turn = np.full((n_runs, n_vendors), -1, dtype=np.int32)
    for i in range(n_runs):
        exit_turn[i, 2] = _exit_turn(values[i, 0], values[i, 1], turns, rng)
        exit_turn[i, 1] = _exit_turn(3e6, values[i, 1], turns, rng)
        exit_turn[i, 4] = -2 if rows[i][2] % 2 == 1 else _exit_turn(2e5, values[i, 1], turns, rng)
    exit_turn[status != 0] = -1
    alive_end = (exit_turn == -1)
    final_share = rng.dirichlet(np.ones(n_vendors), n_runs) * alive_end
    final_share /= final_share.sum(axis=1, keepdims=True)
    cumulative_profit = rng.normal(0, 1e6, (n_runs, n_vendors))
    peak_loss = np.abs(rng.normal(0, 1e6, (n_runs, n_vendors)))
    hhi = (final_share ** 2).sum(axis=1)
    total_tokens = 1e6 * (1 + values[:, 1]) + rng.normal(0, 1e4, n_runs)

    with h5py.File(path, "w") as f:
        _root_attrs(f, "pricewar-sweep", turns, "synthetic-sweep")
        g = f.create_group("vendors")
        _strings(g, "name", SWEEP_VENDORS, fixed=fixed_strings)
        _strings(g, "kind", SWEEP_KINDS, fixed=not fixed_strings)
        if labels:
            f.attrs["format_version"] = 2
            f.attrs["start_date"] = START_DATE
            _strings(g, "display_name", SWEEP_NAMES, fixed=fixed_strings)
        d = f.create_group("design")
        d.create_dataset("run_id", data=np.arange(n_runs, dtype=np.int64))
        d.create_dataset("replicate", data=np.array([r[2] for r in rows], dtype=np.int32))
        d.create_dataset("seed", data=np.arange(n_runs, dtype=np.uint64) * 7919 + 1)
        _strings(d, "scenario", [r[3] for r in rows], fixed=fixed_strings)
        params = [] if design == "batch" else PARAMS
        for p_index, name in enumerate(params):
            _dataset(d, name, values[:, p_index], "CNY" if "cash" in name else None)
        d.attrs["parameters"] = np.array(params, dtype=object) if params else \
            np.array([], dtype=VLEN)
        if design == "sobol":
            d.create_dataset("sobol_block", data=np.array([r[0] for r in rows], dtype=np.int32))
            d.create_dataset("sobol_index", data=np.array([r[1] for r in rows], dtype=np.int32))
        g = f.create_group("runs")
        g.create_dataset("status", data=status)
        _strings(g, "error", error, fixed=fixed_strings)
        _dataset(g, "wall_seconds", rng.uniform(0.1, 2.0, n_runs), "s")
        g = f.create_group("summary/vendor")
        g.create_dataset("exit_turn", data=exit_turn)
        g.create_dataset("final_share", data=final_share)
        _dataset(g, "cumulative_profit", cumulative_profit, "CNY")
        _dataset(g, "peak_loss", peak_loss, "CNY")
        g = f.create_group("summary/market")
        g.create_dataset("final_hhi", data=hhi)
        _dataset(g, "total_tokens", total_tokens, "Mtok")
        if series:
            f.create_group("offers")
            _strings(f["offers"], "name", OFFERS, fixed=fixed_strings)
            f["offers"].create_dataset("vendor", data=np.array(OFFER_VENDOR, dtype=np.int32))
            _strings(f["offers"], "tier", TIERS, fixed=fixed_strings)
            if labels:
                _strings(f["offers"], "display_name", OFFER_NAMES, fixed=fixed_strings)
            per_run = [run_arrays(turns, exit_turn=min(turns - 1, 10 + i % 5),
                                  rng=np.random.default_rng(i)) for i in range(n_runs)]
            for group in ("offer", "vendor", "market"):
                g = f.create_group(f"series/{group}")
                for name in per_run[0][group]:
                    arr = np.stack([p[group][name] for p in per_run])
                    if group == "vendor":   # extra yi column, absent from the run
                        arr = np.concatenate([arr, np.zeros(arr.shape[:2] + (1,))], axis=2)
                    _dataset(g, name, arr, UNITS.get(name))
    return {"n_runs": n_runs, "values": values, "status": status, "exit_turn": exit_turn,
            "rows": rows, "design": design, "turns": turns, "final_hhi": hhi,
            "total_tokens": total_tokens}
