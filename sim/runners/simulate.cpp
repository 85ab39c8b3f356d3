#include "sim/runners/simulate.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/engine/engine.hpp"
#include "sim/engine/repeated_game.hpp"
#include "sim/scenario/loader.hpp"

namespace pricewar {

void check_runnable(const Scenario& sc) {
    const std::string problem = repeated_game_problem(sc);
    if (problem.empty()) return;
    const auto colon = problem.find(": ");
    throw_in_scenario(sc, colon == std::string::npos ? "strategy" : problem.substr(0, colon),
                      colon == std::string::npos ? problem : problem.substr(colon + 2), "q_learning");
}

namespace {

RunRecord simulate(Scenario sc, const SimulateOptions& options) {
    check_runnable(sc);
    if (options.turns) {
        const int turns = *options.turns;
        if (turns < 1 || turns > max_turns)
            throw std::invalid_argument("turns must be in [1, " + std::to_string(max_turns) + "] (got " +
                                        std::to_string(turns) + ")");
        sc.turns = turns;
        std::erase_if(sc.events, [&](const Event& e) { return e.turn >= turns; });
    }
    const std::uint64_t seed = options.seed.value_or(sc.seed);
    const std::string resolved = resolved_toml(sc);
    RunRecord record = run_scenario(sc, seed, options.threads);
    record.resolved_toml = resolved;
    return record;
}

}  // namespace

RunRecord simulate_file(const std::string& path, const SimulateOptions& options) {
    return simulate(load_scenario(path, options.overrides), options);
}

RunRecord simulate_text(std::string_view toml_text, const std::string& name_for_messages,
                        const SimulateOptions& options) {
    return simulate(parse_scenario(toml_text, name_for_messages, options.overrides), options);
}

}  // namespace pricewar
