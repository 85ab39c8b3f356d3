#pragma once
#include <vector>

#include "agents/strategy.hpp"

namespace pricewar::strategies {
// static, cost_plus, follower, penetration, premium.
std::vector<StrategyInfo> basic_strategies();
}  // namespace pricewar::strategies
