#pragma once
// Small scenarios built in code, so engine and agent tests do not depend on the loader.

#include "agents/strategy.hpp"
#include "sim/model/scenario.hpp"

namespace pricewar::testing {

inline StrategySpec strategy(const std::string& name, std::map<std::string, double> given = {}) {
    const auto* info = find_strategy(name);
    StrategySpec s;
    s.name = name;
    for (const auto& p : info->params)
        s.params[p.name] = p.default_value;
    for (const auto& [k, v] : given)
        s.params[k] = v;
    return s;
}

inline OfferSpec offer(std::string id, std::string tier, double quality, double price, double cost,
                       StrategySpec strat = strategy("static")) {
    OfferSpec o;
    o.id = std::move(id);
    o.name = o.id;
    o.tier = std::move(tier);
    o.quality = quality;
    o.price_in = price;
    o.price_out = price;
    o.unit_cost = cost;
    o.strategy = std::move(strat);
    return o;
}

inline VendorSpec vendor(std::string id, VendorKind kind, double cash, std::vector<OfferSpec> offers) {
    VendorSpec v;
    v.id = std::move(id);
    v.name = v.id;
    v.kind = kind;
    v.cash = cash;
    v.gpus = 1e4;
    v.tokens_per_gpu = 1e3;
    v.gpu_price = 1e5;
    v.gpu_opex = 10;
    v.fixed_cost = 1e4;
    v.offers = std::move(offers);
    return v;
}

// Three vendors (cloud, startup, foreign), two offers each, a few thousand developers.
inline Scenario small_market(std::int64_t developers = 3000, int turns = 30) {
    Scenario sc;
    sc.name = "small";
    sc.turns = turns;
    sc.market.kappa = 0.5;
    sc.market.p_ref = 10;
    sc.market.outside = {"self-host", 0.6, 8.0};
    auto& d = sc.developers;
    d.count = developers;
    d.network = "small_world";
    d.network_params = {{"k", 6}, {"rewire", 0.1}};
    d.network_weight = 0.5;
    d.initial_aware = 0.2;
    d.p_innovation = 0.02;
    d.p_imitation = 0.3;
    d.value = {Distribution::Kind::lognormal, 30, 1.0, 0, kInf};
    d.base_usage = {Distribution::Kind::lognormal, 5, 0.8, 0, kInf};
    d.elasticity = Distribution::constant(1.3);
    d.quality_weight = Distribution::constant(3.0);
    d.price_weight = Distribution::constant(1.0);
    d.switching_cost = Distribution::constant(0.5);
    d.reevaluate_prob = Distribution::constant(0.1);
    sc.vendors.push_back(vendor("cloud", VendorKind::cloud, 1e9,
                                {offer("lite", "lite", 0.7, 2.0, 1.0), offer("pro", "pro", 1.0, 12.0, 4.0)}));
    sc.vendors.back().cloud_attach_revenue = 100;
    sc.vendors.back().cloud_margin = 0.3;
    sc.vendors.push_back(
        vendor("startup", VendorKind::startup, 5e6,
               {offer("lite", "lite", 0.75, 3.0, 1.0), offer("flagship", "flagship", 1.1, 20.0, 5.0)}));
    sc.vendors.push_back(vendor("foreign", VendorKind::foreign, 1e10,
                                {offer("mini", "lite", 0.8, 4.0, 1.0), offer("top", "flagship", 1.2, 40.0, 6.0)}));
    return sc;
}

// The symmetric logit duopoly of the algorithmic-pricing literature: a_i = 2, c_i = 1,
// a_0 = 0, mu = 0.25, fixed usage, in mean-field mode with one developer type, so that the
// shares are exactly q_i = e^{(a_i - p_i)/mu} / (sum_j e^{(a_j - p_j)/mu} + e^{a_0/mu}); its
// Bertrand-Nash price is 1.47293. Vendor "one" prices with s1, "two" with s2.
inline Scenario logit_duopoly(const StrategySpec& s1, const StrategySpec& s2, int turns) {
    Scenario sc;
    sc.name = "logit-duopoly";
    sc.turns = turns;
    sc.market.kappa = 0.0;
    sc.market.cost_decline = 0.0;
    sc.market.outside = {"outside good", 0.0, 0.0};
    auto& d = sc.developers;
    d.mode = DemandMode::mean_field;
    d.mean_field_types = 1;
    d.count = 1;
    d.price_utility = PriceUtility::linear;
    d.noise_scale = 0.25;
    d.network = "none";
    d.initial_aware = 1.0;
    d.value = Distribution::constant(kInf);
    d.base_usage = Distribution::constant(1.0);
    d.elasticity = Distribution::constant(0.0);
    d.quality_weight = Distribution::constant(1.0);
    d.price_weight = Distribution::constant(1.0);
    d.switching_cost = Distribution::constant(0.0);
    d.reevaluate_prob = Distribution::constant(1.0);
    int i = 0;
    for (const char* id : {"one", "two"}) {
        auto v = vendor(id, VendorKind::foreign, 0.0, {offer("m", "pro", 2.0, 1.8, 1.0, i++ == 0 ? s1 : s2)});
        v.fixed_cost = 0;
        v.gpu_opex = 0;
        sc.vendors.push_back(v);
    }
    return sc;
}

}  // namespace pricewar::testing
