#include "agents/strategies/q_learning.hpp"

namespace pricewar::strategies {

namespace {

using Config = learning::QLearningConfig;

const ParamFields<Config>& q_learning_fields() {
    static const ParamFields<Config> fields = {
        {"alpha", &Config::alpha, 0.0, 1.0, "learning rate"},
        {"beta", &Config::beta, 0.0, 1.0, "exploration decay per period", "1/period"},
        {"delta", &Config::delta, 0.0, 0.9999, "discount factor per period"},
        {"grid_size", &Config::grid_size, 2, 1000, "prices m on the grid"},
        {"xi", &Config::xi, 0.0, 10.0, "grid extends xi (p^M - p^N) beyond the Nash and monopoly prices"},
        {"memory", &Config::memory, 1, 4, "periods of past prices in the state", "periods"},
        {"convergence_window", &Config::convergence_window, 1, 1e12,
         "periods with unchanged greedy strategies for convergence", "periods"},
        {"max_periods", &Config::max_periods, 1, 1e13, "periods before giving up", "periods"}};
    return fields;
}

}  // namespace

StrategyInfo q_learning_strategy() {
    return {"q_learning",
            "Tabular Q-learning over a price grid, state = last period's prices, epsilon-greedy with "
            "epsilon_t = exp(-beta t) (Calvano et al. 2020). Every offer of the scenario must use it: the scenario "
            "is then a repeated logit pricing game, one period per turn.",
            declare_params(q_learning_fields()),
            true,
            {}};
}

learning::QLearningConfig q_learning_config(const ParamMap& values) {
    return bind_params(q_learning_fields(), values);
}

}  // namespace pricewar::strategies
