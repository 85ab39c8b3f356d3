#include <algorithm>

#include "agents/strategies/basic.hpp"
#include "agents/strategies/learning.hpp"
#include "agents/strategy.hpp"

namespace pricewar {

const std::vector<StrategyInfo>& strategy_registry() {
    static const std::vector<StrategyInfo> registry = [] {
        std::vector<StrategyInfo> all = strategies::basic_strategies();
        all.push_back(strategies::best_response_strategy());
        all.push_back(strategies::q_learning_strategy());
        return all;
    }();
    return registry;
}

const StrategyInfo* find_strategy(std::string_view name) {
    const auto& reg = strategy_registry();
    const auto it = std::find_if(reg.begin(), reg.end(), [&](const StrategyInfo& s) { return s.name == name; });
    return it == reg.end() ? nullptr : &*it;
}

std::vector<std::string> strategy_names() {
    std::vector<std::string> out;
    for (const auto& s : strategy_registry())
        out.push_back(s.name);
    return out;
}

}  // namespace pricewar
