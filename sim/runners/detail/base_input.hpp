#pragma once
// What sweep and calibration files share: the base scenario (`scenario`, relative to the
// file), its fixed overrides (`[set]`), the master seed, and the checks of a varied scenario
// path and of a value applied to it. Errors are InputError at the file's line and column.
// Internal to sim/runners.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "sim/model/scenario.hpp"
#include "sim/runners/design.hpp"
#include "sim/scenario/toml_reader.hpp"

namespace pricewar::runners {

// One `[set]` entry: the scenario path, its value as TOML text and its node in the file.
struct SetEntry {
    std::string key;
    std::string value_text;
    const toml::node* node = nullptr;
};

// Reads `scenario` (required; relative to `file`'s folder) into spec.scenario_path and
// spec.scenario_text. `what` names the file kind in messages ("sweep", "calibration").
void read_base_scenario(const input::Context& ctx, const toml::table& root, const std::string& file, SweepSpec& spec,
                        const std::string& what);

// Reads `[set]` (optional) into spec.fixed, in file order; returns the entries.
std::vector<SetEntry> read_set(const input::Context& ctx, const toml::table& root, SweepSpec& spec);

// The base scenario with spec.fixed applied; a bad override is reported at its `[set]` line.
Scenario load_base(const input::Context& ctx, const SweepSpec& spec, const std::vector<SetEntry>& set);

// `seed`: an integer >= 0, or a decimal string for seeds above 2^63 - 1.
std::uint64_t read_master_seed(const input::Context& ctx, const toml::node& n);

// The whole text of an input file; InputError "(file): cannot read: ..." otherwise.
std::string read_input_text(const std::string& path);

// The text of a file that may not be readable (for the sniffing of is_*_file): nullopt then.
std::optional<std::string> try_read_text(const std::string& path);

// The node at a dotted path of the base scenario's resolved TOML (after defaults and
// [set]), or nullptr. The table owns the node: keep it alive while the node is used.
const toml::node* resolved_node(const toml::table& resolved, const std::string& path);

// Is the scenario value at `path` an integer key? (The loader refuses a fraction there.)
bool is_integer_path(const SweepSpec& spec, const Scenario& base, const std::string& path);

// Applies `path = v` (with spec.fixed) to the base scenario and fails at `at` under `key`
// when the scenario rejects it.
void check_parameter_value(const input::Context& ctx, const SweepSpec& spec, const std::string& path, bool integer,
                           double v, const toml::node& at, const std::string& key);

}  // namespace pricewar::runners
