#pragma once
// One run of a scenario in process, as `pricewar run` does it: load (from a file or from TOML
// text), apply --set overrides and a shorter horizon, check the scenario can run, run it with
// the given seed (default: the scenario's). Shared by the command line and the Python module.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/model/checks.hpp"
#include "sim/model/run_record.hpp"
#include "sim/model/scenario.hpp"

namespace pricewar {

struct SimulateOptions {
    std::optional<std::uint64_t> seed;   // default: the scenario's seed
    std::vector<std::string> overrides;  // KEY=VALUE, as --set
    std::optional<int> turns;            // a shorter horizon: events after it never happen
    int threads = 1;                     // for agents with lagged peers; results do not depend on it
};

inline constexpr int max_turns = kMaxTurns;  // sim/model/checks.hpp

// Checks that need the whole scenario (not one key) and so are not the loader's: a q_learning
// scenario must be a repeated logit game. Throws InputError naming file and key.
void check_runnable(const Scenario& scenario);

// Throws InputError on a bad scenario or override and std::invalid_argument on turns outside
// [1, max_turns].
RunRecord simulate_file(const std::string& path, const SimulateOptions& options);
RunRecord simulate_text(std::string_view toml_text, const std::string& name_for_messages,
                        const SimulateOptions& options);

}  // namespace pricewar
