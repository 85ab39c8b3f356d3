#pragma once
#include "agents/strategy.hpp"

namespace pricewar::strategies {
// best_response: myopic profit maximisation against the forecast demand.
StrategyInfo best_response_strategy();
// q_learning: declared parameters; sessions run in the repeated-game kernel.
StrategyInfo q_learning_strategy();
}  // namespace pricewar::strategies
