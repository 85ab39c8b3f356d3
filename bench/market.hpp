#pragma once
// The benchmark market: 12 vendors with 2 offers each (24 offers), developers on a
// small-world network, 104 weekly turns.

#include <string>

#include "agents/strategy.hpp"
#include "sim/model/scenario.hpp"

namespace pricewar::bench {

inline StrategySpec make_strategy(const std::string& name, std::map<std::string, double> given = {}) {
    StrategySpec s;
    s.name = name;
    for (const auto& p : find_strategy(name)->params)
        s.params[p.name] = p.default_value;
    for (const auto& [k, v] : given)
        s.params[k] = v;
    return s;
}

// gpus_per_vendor = 1e9 never binds; 1e6 makes capacity bind at 10^6 developers (rationing
// forces every developer of a rationed vendor to re-choose, a heavier regime).
inline Scenario benchmark_market(std::int64_t developers, int vendors = 12, int turns = 104,
                                 DemandMode mode = DemandMode::agent, double gpus_per_vendor = 1e9) {
    Scenario sc;
    sc.name = "benchmark";
    sc.turns = turns;
    sc.market.kappa = 0.2;
    sc.market.outside = {"self-host", 0.7, 4.0};
    auto& d = sc.developers;
    d.mode = mode;
    d.count = developers;
    d.network = "small_world";
    d.network_params = {{"k", 6}, {"rewire", 0.1}};
    d.network_weight = 0.5;
    d.initial_aware = 0.1;
    d.p_innovation = 0.01;
    d.p_imitation = 0.25;
    d.value = {Distribution::Kind::lognormal, 15, 1.5, 0, kInf};
    d.base_usage = {Distribution::Kind::lognormal, 20, 1.0, 0, kInf};
    d.elasticity = {Distribution::Kind::lognormal, 1.3, 0.3, 0, kInf};
    d.quality_weight = {Distribution::Kind::normal, 4.0, 1.0, 0, kInf};
    d.price_weight = {Distribution::Kind::lognormal, 1.0, 0.3, 0, kInf};
    d.switching_cost = {Distribution::Kind::lognormal, 0.8, 0.5, 0, kInf};
    d.reevaluate_prob = Distribution::constant(0.05);
    const char* strategies[] = {"follower", "penetration", "premium", "cost_plus", "static"};
    for (int v = 0; v < vendors; ++v) {
        VendorSpec vs;
        vs.id = std::string("v").append(std::to_string(v));
        vs.name = vs.id;
        vs.kind = v < 4 ? VendorKind::cloud : (v < 11 ? VendorKind::startup : VendorKind::foreign);
        vs.cash = 1e12;
        vs.gpus = gpus_per_vendor;
        vs.tokens_per_gpu = 1e3;
        vs.cloud_attach_revenue = vs.kind == VendorKind::cloud ? 200 : 0;
        vs.cloud_margin = 0.3;
        for (int o = 0; o < 2; ++o) {
            OfferSpec os;
            os.id = o == 0 ? "lite" : "pro";
            os.name = os.id;
            os.tier = os.id;
            os.quality = o == 0 ? 0.7 + 0.01 * v : 1.0 + 0.01 * v;
            os.price_in = os.price_out = o == 0 ? 8.0 + v : 60.0 + 5 * v;
            os.unit_cost = o == 0 ? 0.5 : 2.0;
            os.strategy = make_strategy(strategies[(v + o) % 5]);
            vs.offers.push_back(os);
        }
        sc.vendors.push_back(vs);
    }
    return sc;
}

}  // namespace pricewar::bench
