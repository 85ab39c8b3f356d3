#pragma once
// Repeated logit pricing games: a scenario in which every offer is priced by `q_learning`
// is the algorithmic-pricing experiment of Calvano et al. (2020). One period is one turn;
// sessions run for millions of periods, so they are executed by the dedicated learning
// kernel (agents/learning) rather than the market turn loop. docs/model.md, "Repeated
// pricing games (Q-learning)".

#include <string>

#include "agents/learning/q_learning.hpp"
#include "sim/model/run_record.hpp"
#include "sim/model/scenario.hpp"

namespace pricewar {

// True when every offer uses q_learning.
bool is_repeated_game(const Scenario& scenario);

// Why the scenario cannot run, as "KEY: problem", or "" when it can: q_learning mixed with
// other strategies, or a q_learning scenario that is not a repeated logit game.
std::string repeated_game_problem(const Scenario& scenario);

// The kernel's configuration for the scenario, or std::invalid_argument naming the scenario
// key that makes it something other than a repeated logit game.
learning::QLearningConfig repeated_game_config(const Scenario& scenario);

// One learning session. The record's series hold the converged greedy limit cycle (one row
// per period of the cycle); the market summary holds profit_gain, converged and
// convergence_period with the Nash and monopoly benchmarks.
RunRecord run_repeated_game(const Scenario& scenario, std::uint64_t seed);

// The market summary run_repeated_game reports (names and units; values 0).
std::vector<Scalar> repeated_game_summary_schema(const Scenario& scenario);

}  // namespace pricewar
