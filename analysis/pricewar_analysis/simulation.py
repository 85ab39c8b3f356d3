"""Run the pricewar model from Python, in process.

``simulate(scenario, seed=None, overrides=None, turns=None)`` runs one scenario and returns the
:class:`~pricewar_analysis.io.RunData` that ``load_run`` returns for the file ``pricewar run -o``
writes (the run is encoded as that file in memory and read back). ``simulate_batch`` runs
replicates on threads; the simulator releases the GIL while it runs.

The simulator is the compiled module ``pricewar_analysis._native``, built by the project's CMake
(target ``pricewar_native``) and installed with it into ``share/pricewar/analysis``. A copy of the
package without it (``pip install analysis/`` from the source tree) finds it through the
environment variable ``PRICEWAR_NATIVE_DIR`` (the folder holding ``_native*.so``, e.g.
``build/sim/python/pricewar_analysis``).
"""

from __future__ import annotations

import concurrent.futures
import glob
import importlib.util
import io as _bytes_io
import os
from typing import Dict, List, Mapping, Optional, Sequence, Union

import h5py

from . import io as _io

__all__ = ["simulate", "simulate_batch", "ScenarioError", "native_module"]


class ScenarioError(ValueError):
    """Bad scenario, override or horizon. ``str(error)`` is the command line's one-line
    message ``FILE:LINE:COL: KEY: problem``."""


_NATIVE = None


def native_module():
    """The compiled simulator (imported on first use)."""
    global _NATIVE
    if _NATIVE is not None:
        return _NATIVE
    try:
        from . import _native  # type: ignore[attr-defined]
        _NATIVE = _native
        return _NATIVE
    except ImportError as err:
        first_error = err
    folder = os.environ.get("PRICEWAR_NATIVE_DIR")
    candidates = sorted(glob.glob(os.path.join(folder, "_native*.so"))) if folder else []
    if not candidates:
        raise ImportError(
            "pricewar_analysis._native (the compiled simulator) is not installed: build it with the "
            "project's CMake (target pricewar_native, needs Debian's pybind11-dev and python3-dev) and "
            "install it (cmake --install), or set PRICEWAR_NATIVE_DIR to the folder holding "
            f"_native*.so ({first_error})")
    spec = importlib.util.spec_from_file_location("pricewar_analysis._native", candidates[0])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _NATIVE = module
    return _NATIVE


def _looks_like_toml(scenario: str) -> bool:
    return "\n" in scenario or "=" in scenario


def _overrides(overrides: Optional[Union[Mapping[str, object], Sequence[str]]]) -> List[str]:
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        out = []
        for key, value in overrides.items():
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, str):
                text = value
            else:
                text = repr(value)
            out.append(f"{key}={text}")
        return out
    return [str(o) for o in overrides]


def _check_seed(seed) -> Optional[int]:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 64:
        raise ValueError(f"seed must be an integer in [0, 2**64 - 1] (got {seed!r})")
    return int(seed)


def _check_threads(threads) -> int:
    if threads is None:
        return os.cpu_count() or 1
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be an integer >= 1 (got {threads!r})")
    return threads


def _run_bytes(scenario, seed, overrides, turns, name, threads=1) -> bytes:
    native = native_module()
    if isinstance(scenario, os.PathLike):
        scenario = os.fspath(scenario)
    if not isinstance(scenario, str):
        raise TypeError("scenario must be a path or TOML text")
    is_text = _looks_like_toml(scenario) and not os.path.exists(scenario)
    if turns is not None and (isinstance(turns, bool) or not isinstance(turns, int)):
        raise ValueError(f"turns must be an integer (got {turns!r})")
    try:
        return native.run_file_bytes(scenario, is_text, name, _check_seed(seed), _overrides(overrides),
                                     turns, threads)
    except native.ScenarioError as err:
        raise ScenarioError(str(err)) from None


def _load(data: bytes, label: str) -> "_io.RunData":
    with h5py.File(_bytes_io.BytesIO(data), "r") as f:
        _io._format_of(f, label)
        return _io._read_run(f, label, None)


def simulate(scenario: Union[str, os.PathLike], seed: Optional[int] = None,
             overrides: Optional[Union[Mapping[str, object], Sequence[str]]] = None,
             turns: Optional[int] = None, name: str = "<scenario>",
             threads: Optional[int] = None) -> "_io.RunData":
    """Run one scenario and return its RunData (what ``load_run`` gives for the run file).

    scenario: a scenario file's path, or its TOML text (``name`` then names it in errors).
    seed: the run's seed (default: the scenario's ``seed``).
    overrides: ``{"dotted.key": value}`` or ``["dotted.key=value", ...]``, as ``--set``.
    turns: a shorter horizon.
    threads: as ``pricewar run --threads`` (default: the CPUs); used by agents that see their
    neighbours' choices of last turn (``developers.peer_update = "lagged"``); the result does
    not depend on it.

    Raises ScenarioError (a ValueError) with the one-line ``FILE:LINE:COL: KEY: problem``
    message on bad input, as ``pricewar run`` prints it.
    """
    label = os.fspath(scenario) if not isinstance(scenario, str) or not _looks_like_toml(scenario) else name
    return _load(_run_bytes(scenario, seed, overrides, turns, name, _check_threads(threads)), label)


def simulate_batch(scenario: Union[str, os.PathLike], replicates: int = 1, seed: Optional[int] = None,
                   overrides: Optional[Union[Mapping[str, object], Sequence[str]]] = None,
                   turns: Optional[int] = None, jobs: Optional[int] = None,
                   name: str = "<scenario>") -> List["_io.RunData"]:
    """Run ``replicates`` replicates of one scenario on ``jobs`` threads (default: the CPUs).

    Replicate i runs with the seed ``pricewar batch SCENARIO --replicates R [--seed S]`` gives
    its run i (derived from the master seed ``seed``, default the scenario's seed, and i), so
    the results equal that batch's rows. Returns the RunData of each replicate, in order.
    """
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise ValueError(f"replicates must be an integer >= 1 (got {replicates!r})")
    native = native_module()
    master = _check_seed(seed)
    if master is None:
        path = os.fspath(scenario)
        is_text = _looks_like_toml(path) and not os.path.exists(path)
        try:
            master = native.scenario_seed(path, is_text, name, _overrides(overrides))
        except native.ScenarioError as err:
            raise ScenarioError(str(err)) from None
    seeds = [native.replicate_seed(master, i) for i in range(replicates)]
    workers = jobs or os.cpu_count() or 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        blobs = list(pool.map(lambda s: _run_bytes(scenario, s, overrides, turns, name), seeds))
    label = os.fspath(scenario) if not isinstance(scenario, str) or not _looks_like_toml(scenario) else name
    return [_load(b, label) for b in blobs]
