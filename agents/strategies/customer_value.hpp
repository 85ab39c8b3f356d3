#pragma once
#include "agents/strategy.hpp"

namespace pricewar::strategies {
// customer_value: forward-looking pricing that values the installed base (and, optionally,
// holds a focal price while comparable rivals hold theirs).
StrategyInfo customer_value_strategy();
}  // namespace pricewar::strategies
