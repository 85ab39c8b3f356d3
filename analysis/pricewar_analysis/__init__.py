"""Analysis of pricewar simulation output (HDF5 run, batch and sweep files).

Submodules:
    io           -- load_run, load_sweep, load
    survival     -- Kaplan-Meier estimator, log-rank test, survival tables
    sensitivity  -- survival against swept parameters, Sobol indices
    discovery    -- scenario discovery: PRIM boxes, CART leaves
    hazard       -- Cox regression with a proportional-hazards test, Aalen-Johansen
    jevons       -- arc elasticities of tokens and spend against the average price and the
                    price index; python3 -m pricewar_analysis.jevons FILE.h5
    presentation -- display names, dates, colour-blind-safe vendor colours, event lanes
    plots        -- matplotlib figures (Agg canvas, no display needed)
    report       -- command line: python3 -m pricewar_analysis.report IN.h5 -o DIR
    simulation   -- simulate, simulate_batch: run the model in process (compiled module)

The package imports its submodules lazily so that a missing third-party module
is reported by the caller that needs it (see report.main).
"""

import importlib
import os

# One version for the program and this package: the file VERSION, which CMake also reads.
with open(os.path.join(os.path.dirname(__file__), "VERSION"), encoding="utf-8") as _version_file:
    __version__ = _version_file.read().strip()

_LAZY = {
    "load_run": "io",
    "load_sweep": "io",
    "load": "io",
    "file_format": "io",
    "RunData": "io",
    "SweepData": "io",
    "PricewarFormatError": "io",
    "simulate": "simulation",
    "simulate_batch": "simulation",
    "ScenarioError": "simulation",
    "kaplan_meier": "survival",
    "KaplanMeier": "survival",
    "logrank_test": "survival",
    "LogRankResult": "survival",
    "median_survival": "survival",
    "survival_table": "survival",
    "km_by_group": "survival",
    "survival_vs_parameter": "sensitivity",
    "sobol_indices": "sensitivity",
    "sobol_matrices": "sensitivity",
    "sobol_from_sweep": "sensitivity",
    "run_survival_share": "sensitivity",
    "wilson_interval": "sensitivity",
    "prim": "discovery",
    "cart": "discovery",
    "cox": "hazard",
    "cumulative_incidence": "hazard",
    "arc_elasticities": "jevons",
    "elasticity_table": "jevons",
}

_MODULES = ("io", "survival", "sensitivity", "discovery", "hazard", "jevons", "presentation",
            "plots", "report", "simulation")

__all__ = sorted(_LAZY) + list(_MODULES)


def __getattr__(name):
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
