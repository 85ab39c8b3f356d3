#pragma once
// Tabular Q-learning pricing of Calvano, Calzolari, Denicolo & Pastorello (2020, AER
// 110(10), "Artificial Intelligence, Algorithmic Pricing, and Collusion"): the kernel that
// runs repeated pricing games (docs/model.md, "Repeated pricing games (Q-learning)";
// reproduction in docs/learning.md).
//
// Baseline protocol (what run_q_learning_session does):
//  * Price grid: grid_size (m) points evenly spaced on
//    [p^N - xi (p^M - p^N), p^M + xi (p^M - p^N)], p^N and p^M the continuous
//    Bertrand-Nash and joint-profit (monopoly) prices of the logit market.  With
//    asymmetric firms every agent gets its own grid from its own p^N_i and p^M_i
//    (identical grids in the symmetric case).
//  * State: the action profiles of the last `memory` periods (memory 1: the last
//    profile, m^n states).  The initial state is drawn uniformly.
//  * Action choice: epsilon_t = exp(-beta t), t = 0, 1, 2, ...; each agent
//    independently explores with probability epsilon_t (then picks one of the m prices
//    uniformly, possibly its greedy one) and otherwise plays its greedy action.
//  * Update: Q_i(s,a_i) <- (1 - alpha) Q_i(s,a_i) + alpha (pi_i + delta max_a Q_i(s',a)).
//  * Initial Q: for every state, Q0_i(s,a_i) = sum_{a_-i} pi_i(a_i,a_-i) / ((1-delta) m^{n-1}),
//    the discounted payoff of a_i against rivals randomising uniformly.
//  * Convergence: every agent's greedy action unchanged in every state for
//    convergence_window consecutive periods; otherwise stop after max_periods.
//  * Outcome: from the final state follow the greedy strategies until a state repeats;
//    average each agent's profit over the limit cycle and report the profit gain
//    Delta_i = (pibar_i - pi^N_i) / (pi^M_i - pi^N_i), pi^N_i and pi^M_i the profits at
//    the continuous Nash and monopoly prices; profit_gain is the mean over agents.
//    With asymmetric firms the joint-profit optimum can leave a weak firm below its Nash
//    profit, which makes Delta_i ill-behaved; industry_profit_gain (the same ratio on
//    summed profits) is the meaningful aggregate there.  For symmetric firms the two
//    coincide.
//
// Greedy action: the argmax of Q_i(s,.) and the largest non-greedy value are kept per
// (agent, state) and updated incrementally after each Q update (only Q_i(s,.) of the
// visited state changes), so the greedy choice and the convergence test are O(1) per
// period; a row is rescanned only when the greedy action changes or when the entry
// holding the non-greedy maximum falls.  Ties keep the incumbent greedy action; when
// the incumbent is strictly overtaken the new greedy action is the lowest index among
// the maxima (at the start, the lowest index maximising Q0).
//
// Random numbers: one Rng (xoshiro256++, sim/model/rng.hpp) per session, seeded with
// `seed`.  A session is a pure function of
// (config, seed): same inputs, bit-identical SessionResult, on any thread.
// Draw order per period: initial state once at t = 0; then for agent 0..n-1 one
// uniform for the exploration test, followed (only if exploring) by one bounded draw
// for the random price.
//
// Supported: any n_agents >= 2, grid_size >= 2, memory >= 1, and asymmetric markets, as
// long as the Q tables (n * m^(n*memory) * m entries) stay within max_q_entries().
// The tested and benchmarked case is the paper's baseline duopoly.

#include "agents/learning/logit_market.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace pricewar::learning {

struct QLearningConfig {
    int n_agents = 2;
    int grid_size = 15;  // m
    double xi = 0.1;
    double alpha = 0.15;
    double beta = 4e-6;
    double delta = 0.95;
    int memory = 1;
    long long convergence_window = 100000;
    long long max_periods = 1000000000;
    LogitMarket market = symmetric_logit_market(2);
};

struct SessionResult {
    bool converged = false;
    // Periods simulated until convergence was declared (this count includes the final
    // convergence_window stable periods), or max_periods if it never converged.
    long long periods = 0;
    std::vector<double> profit_gain_per_agent;  // Delta_i
    double profit_gain = 0.0;                   // mean of Delta_i over agents
    // (sum_i pibar_i - sum_i pi^N_i) / (sum_i pi^M_i - sum_i pi^N_i)
    double industry_profit_gain = 0.0;
    // Action profiles (price-grid indices, one per agent) of the greedy limit cycle, in
    // the order they are played starting from the first repeated state.
    std::vector<std::vector<int>> limit_cycle;
    std::vector<double> cycle_prices_mean;  // per agent, mean price over the cycle
    std::vector<double> cycle_profit_mean;  // per agent, mean profit over the cycle
    double nash_profit = 0.0;               // mean over agents of pi^N_i
    double monopoly_profit = 0.0;           // mean over agents of pi^M_i
    std::vector<double> nash_profit_per_agent;
    std::vector<double> monopoly_profit_per_agent;
    std::vector<std::vector<double>> price_grid;  // [agent][action] -> price
};

// Largest total number of Q entries (over all agents) a session may allocate.
std::size_t max_q_entries() noexcept;

// Throws std::invalid_argument with a message naming the offending field unless the
// configuration is usable (see the field checks in q_learning.cpp).
void validate(const QLearningConfig& config);

// Per-agent price grids of the paper: m points on [p^N - xi(p^M - p^N), p^M + xi(p^M - p^N)].
std::vector<std::vector<double>> price_grids(const LogitMarket& market, int grid_size, double xi);

// (profit - nash) / (monopoly - nash).
double profit_gain(double profit, double nash_profit, double monopoly_profit) noexcept;

// Follows greedy strategies from start_state until a state repeats and returns the
// action profiles of the cycle.  `greedy[agent * n_states + state]` is the action of
// `agent` in `state`, n_states = m^(n*memory).  State encoding: an action profile
// (a_0, ..., a_{n-1}) has index sum_i a_i m^i; a state is the base-(m^n) number whose
// lowest digit is the latest profile, the next digit the one before, and so on
// (memory 1: the state is just the last profile's index).
std::vector<std::vector<int>> greedy_limit_cycle(std::span<const int> greedy, int n_agents, int grid_size, int memory,
                                                 std::uint64_t start_state);

struct CycleOutcome {
    std::vector<double> mean_price;     // per agent
    std::vector<double> mean_profit;    // per agent
    std::vector<double> profit_gain;    // per agent, Delta_i
    double mean_profit_gain = 0.0;      // mean of Delta_i
    double industry_profit_gain = 0.0;  // gain on summed profits
};

// Averages prices, profits and profit gains over a cycle of action profiles.
// grids[i][a] is agent i's price for action a; nash_profit and monopoly_profit are
// per agent.
CycleOutcome evaluate_cycle(const LogitMarket& market, const std::vector<std::vector<double>>& grids,
                            const std::vector<std::vector<int>>& cycle, std::span<const double> nash_profit,
                            std::span<const double> monopoly_profit);

// One learning session of the benchmark (see the protocol above).
SessionResult run_q_learning_session(const QLearningConfig& config, std::uint64_t seed);

}  // namespace pricewar::learning
