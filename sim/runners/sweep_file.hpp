#pragma once
// Sweep files: TOML in, a validated SweepSpec out (sim/runners/design.hpp). The format is
// documented in docs/sweeps.md. Errors are InputError ("FILE:LINE:COL: KEY: problem"), as for
// scenario files.

#include <string>
#include <string_view>
#include <vector>

#include "sim/model/scenario.hpp"
#include "sim/runners/design.hpp"
#include "sim/scenario/input_error.hpp"

namespace pricewar {

// Reads and validates a sweep file: its keys, the base scenario (loaded with the [set] and
// `turns` overrides), every varied path and every factorial level or range end. Throws
// InputError.
SweepSpec load_sweep_file(const std::string& path);

// Same, from text already in memory; `path` names it in errors and anchors `scenario`.
SweepSpec parse_sweep(std::string_view text, const std::string& path);

// Does the file look like a sweep file rather than a scenario (it has a top-level
// `scenario`, `[design]` or `[[parameter]]`)? False for unreadable or malformed files, which
// load_scenario then reports.
bool is_sweep_file(const std::string& path);

// Overrides of the base scenario shared by every run: the [set] entries.
std::vector<std::string> fixed_overrides(const SweepSpec& spec);
// The full override list of one run: fixed_overrides, then "path=value" per parameter.
std::vector<std::string> plan_overrides(const SweepSpec& spec, const std::vector<double>& values);

// The sweep's `turns`, applied to a loaded scenario as `pricewar run --turns` does: the new
// horizon, without the timeline events at or after it.
void apply_turns(const SweepSpec& spec, Scenario& scenario);

// A run's scenario: the base scenario text with plan_overrides, then apply_turns. Throws
// InputError.
Scenario plan_scenario(const SweepSpec& spec, const std::vector<double>& values);

// A number as TOML text that reads back exactly: an integer for integer parameters, else
// always a float ("3.0", "1e+09").
std::string override_number(double value, bool integer);

}  // namespace pricewar
