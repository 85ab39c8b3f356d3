#include "agents/demand_model.hpp"

#include "agents/agent_demand.hpp"
#include "agents/mean_field_demand.hpp"

namespace pricewar {

std::unique_ptr<DemandModel> make_demand_model(const Scenario& scenario, std::uint64_t seed, int threads) {
    if (scenario.developers.mode == DemandMode::mean_field) return std::make_unique<MeanFieldDemand>(scenario, seed);
    return std::make_unique<AgentDemand>(scenario, seed, threads);
}

}  // namespace pricewar
