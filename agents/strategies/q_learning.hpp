#pragma once
// q_learning: tabular Q-learning pricing (Calvano et al. 2020). A repeated-game-only
// strategy: the learning kernel (agents/learning) runs it, never the market turn loop.

#include "agents/learning/q_learning.hpp"
#include "agents/strategy.hpp"

namespace pricewar::strategies {
StrategyInfo q_learning_strategy();
// The learning parameters of a validated strategy table, on the kernel's own config struct
// (whose member initialisers are the declared defaults); the market is left at its default.
learning::QLearningConfig q_learning_config(const ParamMap& values);
}  // namespace pricewar::strategies
