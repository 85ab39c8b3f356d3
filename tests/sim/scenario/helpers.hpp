#pragma once
// Shared by the scenario loader tests.

#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "sim/scenario/loader.hpp"

namespace pricewar::test {

// A minimal valid scenario. Line numbers matter to the error tests:
//  1 name, 2 [developers], 3 count, 4 [vendors.alpha], 5 kind, 6 [vendors.alpha.offers.one],
//  7 quality, 8 price_in, 9 price_out, 10 unit_cost.
inline const std::string kMinimal = R"(name = "minimal"
[developers]
count = 100
[vendors.alpha]
kind = "startup"
[vendors.alpha.offers.one]
quality = 1
price_in = 2
price_out = 8
unit_cost = 1
)";

// kMinimal with the first occurrence of `from` replaced by `to`.
inline std::string edited(std::string_view from, std::string_view to, std::string text = kMinimal) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::logic_error("test text lacks: " + std::string(from));
    text.replace(at, from.size(), to);
    return text;
}

// The InputError parsing `text` raises; fails the test when there is none.
inline InputError error_of(std::string_view text, const std::vector<std::string>& overrides = {}) {
    try {
        (void)parse_scenario(text, "test.toml", overrides);
    } catch (const InputError& e) {
        MESSAGE(std::string(e.what()));
        return e;
    }
    FAIL("parsed without an InputError");
    throw std::logic_error("unreachable");
}

inline bool same(double a, double b) {
    return a == b || (std::isnan(a) && std::isnan(b));
}

inline bool same(const Distribution& a, const Distribution& b) {
    return a.kind == b.kind && same(a.a, b.a) && same(a.b, b.b) && same(a.clip_min, b.clip_min) &&
           same(a.clip_max, b.clip_max);
}

// Field-by-field equality of everything but source_path and source_toml.
inline void check_equal(const Scenario& a, const Scenario& b) {
    CHECK(a.name == b.name);
    CHECK(a.description == b.description);
    CHECK(a.seed == b.seed);
    CHECK(a.turns == b.turns);
    CHECK(a.turn_days == b.turn_days);
    CHECK(a.currency == b.currency);
    CHECK(a.market.output_share == b.market.output_share);
    CHECK(a.market.cost_decline == b.market.cost_decline);
    CHECK(a.market.kappa == b.market.kappa);
    CHECK(a.market.p_ref == b.market.p_ref);
    CHECK(a.market.gpu_supply == b.market.gpu_supply);
    CHECK(a.market.vc_climate == b.market.vc_climate);
    CHECK(a.market.rationing_penalty == b.market.rationing_penalty);
    CHECK(a.market.outside.name == b.market.outside.name);
    CHECK(a.market.outside.quality == b.market.outside.quality);
    CHECK(a.market.outside.cost == b.market.outside.cost);
    const auto& da = a.developers;
    const auto& db = b.developers;
    CHECK(da.mode == db.mode);
    CHECK(da.count == db.count);
    CHECK(da.weight == db.weight);
    CHECK(da.price_utility == db.price_utility);
    CHECK(da.noise_scale == db.noise_scale);
    CHECK(da.network == db.network);
    CHECK(da.network_params == db.network_params);
    CHECK(da.network_weight == db.network_weight);
    CHECK(da.initial_aware == db.initial_aware);
    CHECK(da.p_innovation == db.p_innovation);
    CHECK(da.p_imitation == db.p_imitation);
    CHECK(da.mean_field_types == db.mean_field_types);
    CHECK(same(da.value, db.value));
    CHECK(same(da.base_usage, db.base_usage));
    CHECK(same(da.elasticity, db.elasticity));
    CHECK(same(da.quality_weight, db.quality_weight));
    CHECK(same(da.price_weight, db.price_weight));
    CHECK(same(da.switching_cost, db.switching_cost));
    CHECK(same(da.reevaluate_prob, db.reevaluate_prob));
    CHECK(same(da.budget, db.budget));
    REQUIRE(a.vendors.size() == b.vendors.size());
    for (std::size_t i = 0; i < a.vendors.size(); ++i) {
        const auto& va = a.vendors[i];
        const auto& vb = b.vendors[i];
        CAPTURE(va.id);
        CHECK(va.id == vb.id);
        CHECK(va.name == vb.name);
        CHECK(va.kind == vb.kind);
        CHECK(va.cash == vb.cash);
        CHECK(va.fixed_cost == vb.fixed_cost);
        CHECK(va.gpus == vb.gpus);
        CHECK(va.tokens_per_gpu == vb.tokens_per_gpu);
        CHECK(va.gpu_price == vb.gpu_price);
        CHECK(va.gpu_opex == vb.gpu_opex);
        CHECK(va.gpu_lead_turns == vb.gpu_lead_turns);
        CHECK(va.target_utilisation == vb.target_utilisation);
        CHECK(va.max_gpu_order == vb.max_gpu_order);
        CHECK(va.cost_decline == vb.cost_decline);
        CHECK(va.cloud_attach_revenue == vb.cloud_attach_revenue);
        CHECK(va.cloud_margin == vb.cloud_margin);
        CHECK(va.loss_budget == vb.loss_budget);
        CHECK(va.funding_interval == vb.funding_interval);
        CHECK(va.round_size == vb.round_size);
        CHECK(va.investor_hurdle == vb.investor_hurdle);
        CHECK(va.present == vb.present);
        REQUIRE(va.offers.size() == vb.offers.size());
        for (std::size_t j = 0; j < va.offers.size(); ++j) {
            const auto& oa = va.offers[j];
            const auto& ob = vb.offers[j];
            CAPTURE(oa.id);
            CHECK(oa.id == ob.id);
            CHECK(oa.name == ob.name);
            CHECK(oa.tier == ob.tier);
            CHECK(oa.quality == ob.quality);
            CHECK(oa.price_in == ob.price_in);
            CHECK(oa.price_out == ob.price_out);
            CHECK(oa.unit_cost == ob.unit_cost);
            CHECK(oa.free_quota_mtok == ob.free_quota_mtok);
            CHECK(oa.active == ob.active);
            CHECK(oa.strategy.name == ob.strategy.name);
            CHECK(oa.strategy.params == ob.strategy.params);
        }
    }
    REQUIRE(a.events.size() == b.events.size());
    for (std::size_t i = 0; i < a.events.size(); ++i) {
        const auto& ea = a.events[i];
        const auto& eb = b.events[i];
        CAPTURE(i);
        CHECK(ea.turn == eb.turn);
        CHECK(ea.kind == eb.kind);
        CHECK(ea.vendor == eb.vendor);
        CHECK(ea.offer == eb.offer);
        CHECK(ea.price_in == eb.price_in);
        CHECK(ea.price_out == eb.price_out);
        CHECK(ea.quality == eb.quality);
        CHECK(ea.factor == eb.factor);
        CHECK(ea.value == eb.value);
        CHECK(ea.note == eb.note);
    }
    CHECK(a.output.surplus_sample == b.output.surplus_sample);
}

}  // namespace pricewar::test
