#pragma once
// Internals of the scenario loader shared by its translation units.

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "sim/model/scenario.hpp"
#include "sim/scenario/toml_reader.hpp"

namespace pricewar::detail {

// Parses the overrides and applies them to `root`, recording them in ctx.overrides.
void apply_overrides(toml::table& root, const std::vector<std::string>& overrides, input::Context& ctx);

// Validates the tree and builds the Scenario.
Scenario build_scenario(const toml::table& root, const input::Context& ctx);

}  // namespace pricewar::detail
