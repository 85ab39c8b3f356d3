#include "agents/strategies/basic.hpp"
#include "agents/strategies/best_response.hpp"
#include "agents/strategies/customer_value.hpp"
#include "agents/strategies/q_learning.hpp"
#include "agents/strategy.hpp"

namespace pricewar {

const Registry<StrategyInfo>& strategy_registry() {
    static const Registry<StrategyInfo> registry("strategy", [] {
        std::vector<StrategyInfo> all = strategies::basic_strategies();
        all.push_back(strategies::best_response_strategy());
        all.push_back(strategies::customer_value_strategy());
        all.push_back(strategies::q_learning_strategy());
        return all;
    }());
    return registry;
}

const StrategyInfo* find_strategy(std::string_view name) {
    return strategy_registry().find(name);
}

std::vector<std::string> strategy_names() {
    return strategy_registry().names();
}

}  // namespace pricewar
