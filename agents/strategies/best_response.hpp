#pragma once
#include "agents/strategy.hpp"

namespace pricewar::strategies {
// best_response: myopic profit maximisation against the forecast demand.
StrategyInfo best_response_strategy();
}  // namespace pricewar::strategies
