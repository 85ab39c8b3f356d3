#include "sim/engine/recorder.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/engine/engine.hpp"

namespace pricewar {

Recorder::Recorder(const Scenario& sc) {
    auto& r = record_;
    r.scenario_name = sc.name;
    r.currency = sc.currency;
    r.seed = sc.seed;
    r.turns = sc.turns;
    r.turn_days = sc.turn_days;
    r.scenario_toml = sc.source_toml;
    const std::string money = sc.currency;
    const std::string money_per_mtok = sc.currency + "/Mtok";
    for (const auto& v : sc.vendors) {
        r.vendor_names.push_back(v.id);
        r.vendor_kinds.push_back(to_string(v.kind));
        for (const auto& o : v.offers) {
            r.offer_names.push_back(v.id + "." + o.id);
            r.offer_tiers.push_back(o.tier);
            r.offer_vendor.push_back(static_cast<int>(r.vendor_names.size()) - 1);
        }
    }
    vendors_ = static_cast<int>(sc.vendors.size());
    const auto T = static_cast<std::size_t>(sc.turns);
    const auto O = r.offer_names.size();
    const auto V = r.vendor_names.size();
    r.offer_series = {
        Table("price", money_per_mtok, T, O),
        Table("price_in", money_per_mtok, T, O),
        Table("price_out", money_per_mtok, T, O),
        Table("unit_cost", money_per_mtok, T, O),
        Table("tokens", "Mtok/turn", T, O),
        Table("developers", "developers", T, O),
        Table("revenue", money + "/turn", T, O),
        Table("gross_margin", "1", T, O),
        Table("available", "1", T, O),
        Table("quality", "1", T, O),
    };
    r.vendor_series = {
        Table("cash", money, T, V),
        Table("revenue", money + "/turn", T, V),
        Table("inference_cost", money + "/turn", T, V),
        Table("gpu_opex", money + "/turn", T, V),
        Table("fixed_cost", money + "/turn", T, V),
        Table("capex", money + "/turn", T, V),
        Table("cross_subsidy", money + "/turn", T, V),
        Table("funding", money + "/turn", T, V),
        Table("profit", money + "/turn", T, V),
        Table("gpus", "GPUs", T, V),
        Table("capacity", "Mtok/turn", T, V),
        Table("utilisation", "1", T, V),
        Table("rationed_share", "1", T, V),
        Table("alive", "1", T, V),
        Table("tokens", "Mtok/turn", T, V),
        Table("developers", "developers", T, V),
        Table("token_share", "1", T, V),
    };
    r.market_series = {
        Table("total_tokens", "Mtok/turn", T, 1),       Table("total_spend", money + "/turn", T, 1),
        Table("avg_price", money_per_mtok, T, 1),       Table("hhi", "index 0-10000", T, 1),
        Table("active_developers", "developers", T, 1), Table("aware_developers", "developers", T, 1),
        Table("consumer_surplus", "util", T, 1),        Table("outside_share", "1", T, 1),
        Table("unserved_tokens", "Mtok/turn", T, 1),    Table("outside_tokens", "Mtok/turn", T, 1),
        Table("switches", "developers", T, 1),          Table("token_price_elasticity", "1", T, 1),
    };
    for (auto* group : {&r.offer_series, &r.vendor_series, &r.market_series})
        for (auto& t : *group)
            std::fill(t.values.begin(), t.values.end(), std::numeric_limits<double>::quiet_NaN());
}

void Recorder::record_turn(int turn, const std::vector<OfferState>& offers, const std::vector<std::uint8_t>& on_sale,
                           const std::vector<VendorState>& vendors, const std::vector<VendorSpec>& specs,
                           const DemandTotals& d, const std::vector<double>& fraction) {
    const auto t = static_cast<std::size_t>(turn);
    auto& os = record_.offer_series;
    double total_tokens = 0.0, total_spend = 0.0, weighted_price = 0.0, requested = 0.0;
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t o = 0; o < offers.size(); ++o) {
        const auto& s = offers[o];
        const bool sold = on_sale[o] != 0;
        // An offer not on sale this turn has no market price: its prices and margin are NaN
        // (its list price is kept in the engine for a later launch).
        os[kAvailable].at(t, o) = sold ? 1.0 : 0.0;
        os[kQuality].at(t, o) = s.quality;
        os[kPrice].at(t, o) = sold ? s.price : nan;
        os[kPriceIn].at(t, o) = sold ? s.price_in : nan;
        os[kPriceOut].at(t, o) = sold ? s.price_out : nan;
        os[kUnitCost].at(t, o) = s.unit_cost;
        os[kTokens].at(t, o) = d.served_mtok[o];
        os[kOfferDevelopers].at(t, o) = d.developers[o];
        os[kRevenue].at(t, o) = d.spend[o];
        // Gross margin (p - c) / p is undefined for a free offer: NaN, not 0.
        os[kGrossMargin].at(t, o) = sold && s.price > 0.0 ? (s.price - s.unit_cost) / s.price : nan;
        total_tokens += d.served_mtok[o];
        total_spend += d.spend[o];
        if (sold) weighted_price += d.served_mtok[o] * s.price;
        requested += d.requested_mtok[o];
    }
    auto& vs = record_.vendor_series;
    double hhi = 0.0;
    for (std::size_t v = 0; v < vendors.size(); ++v) {
        const auto& s = vendors[v];
        const auto& f = s.flows;
        vs[kCash].at(t, v) = s.cash;
        vs[kVendorRevenue].at(t, v) = f.revenue;
        vs[kInferenceCost].at(t, v) = f.inference_cost;
        vs[kGpuOpex].at(t, v) = f.gpu_opex;
        vs[kFixedCost].at(t, v) = f.fixed_cost;
        vs[kCapex].at(t, v) = f.capex;
        vs[kCrossSubsidy].at(t, v) = f.cross_subsidy;
        vs[kFunding].at(t, v) = f.funding;
        vs[kProfit].at(t, v) = f.profit();
        vs[kGpus].at(t, v) = s.gpus;
        const double cap = capacity_mtok(s, specs[v]);
        vs[kCapacity].at(t, v) = cap;
        double served = 0.0;
        for (std::size_t o = 0; o < offers.size(); ++o)
            if (offers[o].vendor == static_cast<int>(v)) served += d.served_mtok[o];
        vs[kUtilisation].at(t, v) = cap > 0.0 ? served / cap : 0.0;
        vs[kRationedShare].at(t, v) = d.vendor_requested_mtok[v] > 0.0 ? 1.0 - fraction[v] : 0.0;
        vs[kAlive].at(t, v) = s.active() ? 1.0 : 0.0;
        vs[kVendorTokens].at(t, v) = served;
        vs[kVendorDevelopers].at(t, v) = d.vendor_developers[v];
        const double share = total_tokens > 0.0 ? served / total_tokens : 0.0;
        vs[kTokenShare].at(t, v) = share;
        hhi += (100.0 * share) * (100.0 * share);
    }
    auto& ms = record_.market_series;
    const double avg = total_tokens > 0.0 ? weighted_price / total_tokens : std::numeric_limits<double>::quiet_NaN();
    ms[kTotalTokens].at(t, 0) = total_tokens;
    ms[kTotalSpend].at(t, 0) = total_spend;
    ms[kAvgPrice].at(t, 0) = avg;
    ms[kHhi].at(t, 0) = hhi;
    ms[kActiveDevelopers].at(t, 0) = d.on_offers + d.outside;
    ms[kAwareDevelopers].at(t, 0) = d.on_offers + d.outside + d.aware_inactive;
    ms[kConsumerSurplus].at(t, 0) = d.consumer_surplus;
    ms[kOutsideShare].at(t, 0) = d.on_offers + d.outside > 0.0 ? d.outside / (d.on_offers + d.outside) : 0.0;
    ms[kUnservedTokens].at(t, 0) = requested - total_tokens;
    ms[kOutsideTokens].at(t, 0) = d.outside_mtok;
    ms[kSwitches].at(t, 0) = d.switches;
    // Arc elasticity of market tokens with respect to the average price since last turn.
    double elasticity = std::numeric_limits<double>::quiet_NaN();
    if (t > 0) {
        const double q0 = ms[kTotalTokens].at(t - 1, 0), p0 = ms[kAvgPrice].at(t - 1, 0);
        if (q0 > 0.0 && total_tokens > 0.0 && p0 > 0.0 && avg > 0.0 && std::abs(std::log(avg / p0)) > 1e-12)
            elasticity = std::log(total_tokens / q0) / std::log(avg / p0);
    }
    ms[kTokenPriceElasticity].at(t, 0) = elasticity;
}

void Recorder::finish(int turns_run, const std::vector<VendorState>& vendors) {
    auto& r = record_;
    const auto V = vendors.size();
    r.exit_turn.assign(V, -1);
    r.final_share.assign(V, 0.0);
    r.cumulative_profit.assign(V, 0.0);
    r.peak_loss.assign(V, 0.0);
    const auto last = static_cast<std::size_t>(std::max(0, turns_run - 1));
    int startups = 0, startups_alive = 0;
    for (std::size_t v = 0; v < V; ++v) {
        r.exit_turn[v] = vendors[v].exit_turn;
        r.final_share[v] = turns_run > 0 ? r.vendor_series[kTokenShare].at(last, v) : 0.0;
        r.cumulative_profit[v] = vendors[v].cumulative_profit;
        r.peak_loss[v] = vendors[v].peak_loss;
        if (r.vendor_kinds[v] == "startup") {
            ++startups;
            startups_alive += vendors[v].exit_turn < 0 ? 1 : 0;
        }
    }
    auto sum = [&](MarketSeries s) {
        double x = 0.0;
        for (int t = 0; t < turns_run; ++t)
            x += r.market_series[s].at(static_cast<std::size_t>(t), 0);
        return x;
    };
    auto final_of = [&](MarketSeries s) {
        return turns_run > 0 ? r.market_series[s].at(last, 0) : std::numeric_limits<double>::quiet_NaN();
    };
    const std::string money = r.currency;
    r.market_summary = {
        {"final_total_tokens", "Mtok/turn", final_of(kTotalTokens)},
        {"final_total_spend", money + "/turn", final_of(kTotalSpend)},
        {"final_avg_price", money + "/Mtok", final_of(kAvgPrice)},
        {"final_hhi", "index 0-10000", final_of(kHhi)},
        {"final_active_developers", "developers", final_of(kActiveDevelopers)},
        {"final_outside_share", "1", final_of(kOutsideShare)},
        {"cumulative_tokens", "Mtok", sum(kTotalTokens)},
        {"cumulative_spend", money, sum(kTotalSpend)},
        {"cumulative_consumer_surplus", "util", sum(kConsumerSurplus)},
        {"startups", "vendors", static_cast<double>(startups)},
        {"startups_alive", "vendors", static_cast<double>(startups_alive)},
        {"startup_survival_share", "1",
         startups > 0 ? static_cast<double>(startups_alive) / startups : std::numeric_limits<double>::quiet_NaN()},
        {"turns_run", "turns", static_cast<double>(turns_run)},
    };
}

}  // namespace pricewar
