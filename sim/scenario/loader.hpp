#pragma once
// Scenario files: TOML in, validated plain structs out (sim/model/scenario.hpp).
// The format is documented in docs/scenario-format.md.

#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "sim/model/registry.hpp"
#include "sim/model/scenario.hpp"
#include "sim/scenario/input_error.hpp"

namespace pricewar {

// Reads and validates a scenario file. `overrides` are "KEY=VALUE" strings (command-line
// --set): KEY is a dotted path, VALUE a TOML value (text that is not valid TOML is taken as a
// string). They are applied to the TOML tree before validation. Throws InputError.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});

// Same, from text already in memory; `path_for_messages` names it in errors.
Scenario parse_scenario(std::string_view toml_text, const std::string& path_for_messages,
                        const std::vector<std::string>& overrides = {});

// Parses TOML text; a syntax error throws InputError with key "(syntax)". Scenario and sweep
// files are read with it rather than toml::parse, which it guards against a toml++ 3.3 bug
// (undefined behaviour on some non-ASCII characters outside strings; see parse_toml.cpp).
toml::table parse_toml(std::string_view text, const std::string& path_for_messages);

// Every parameter after defaults and overrides, as TOML text that parse_scenario accepts and
// that parses back to an equal Scenario (except source_path and source_toml).
std::string resolved_toml(const Scenario& scenario);

// Throws InputError at the source position of `node_or_table` (0:0 when it has none).
[[noreturn]] void throw_at(const toml::node& node_or_table, const std::string& file, const std::string& key,
                           const std::string& problem);

// Is `dotted_path` (e.g. "vendors.baichuan.cash", "vendors.deepseek.offers.v2.strategy.margin")
// a numeric parameter a sweep may vary in this scenario, i.e. one a --set override of a number
// would reach? "" when it is, else the reason. The first form loads the scenario file and
// returns its load error, if any, as the reason.
std::string check_numeric_path(const std::string& scenario_path, const std::string& dotted_path);
std::string check_numeric_path(const Scenario& scenario, const std::string& dotted_path);

// Bad input found by a check of the whole scenario after loading: throws InputError at the
// first line of the scenario text that sets the key's last segment (or, for a `strategy`
// problem, names `hint`), so the message still points into the file.
[[noreturn]] void throw_in_scenario(const Scenario& scenario, const std::string& key, const std::string& problem,
                                    const std::string& hint = "");

// Every path check_numeric_path accepts for this scenario, in resolved_toml order.
std::vector<std::string> numeric_paths(const Scenario& scenario);

}  // namespace pricewar
