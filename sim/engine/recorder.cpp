#include "sim/engine/recorder.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/engine/engine.hpp"

namespace pricewar {

std::vector<Table> series_tables(std::span<const outputs::Descriptor> table, const std::string& currency,
                                 std::size_t rows, std::size_t cols) {
    std::vector<Table> tables;
    tables.reserve(table.size());
    for (const auto& d : table) {
        Table t(std::string(d.name), outputs::units(d.unit, currency), rows, cols);
        std::fill(t.values.begin(), t.values.end(), std::numeric_limits<double>::quiet_NaN());
        tables.push_back(std::move(t));
    }
    return tables;
}

std::vector<Scalar> summary_scalars(std::span<const outputs::Descriptor> table, const std::string& currency) {
    std::vector<Scalar> scalars;
    scalars.reserve(table.size());
    for (const auto& d : table)
        scalars.push_back(
            {std::string(d.name), outputs::units(d.unit, currency), std::numeric_limits<double>::quiet_NaN()});
    return scalars;
}

Recorder::Recorder(const Scenario& sc) {
    auto& r = record_;
    r.scenario_name = sc.name;
    r.currency = sc.currency;
    r.seed = sc.seed;
    r.turns = sc.turns;
    r.turn_days = sc.turn_days;
    r.start_date = sc.start_date;
    r.scenario_toml = sc.source_toml;
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
    for (const auto& tier : r.offer_tiers) {
        const auto first = std::find(r.offer_tiers.begin(), r.offer_tiers.end(), tier);
        const auto cell = static_cast<std::size_t>(first - r.offer_tiers.begin());
        index_cell_.push_back(cell == index_cell_.size() ? index_cells_++ : index_cell_[cell]);
    }
    const auto T = static_cast<std::size_t>(sc.turns);
    r.offer_series = series_tables(outputs::offer_series, sc.currency, T, r.offer_names.size());
    r.vendor_series = series_tables(outputs::vendor_series, sc.currency, T, r.vendor_names.size());
    r.market_series = series_tables(outputs::market_series, sc.currency, T, 1);
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
        os[outputs::offer_index("available")].at(t, o) = sold ? 1.0 : 0.0;
        os[outputs::offer_index("quality")].at(t, o) = s.quality;
        os[outputs::offer_index("price")].at(t, o) = sold ? s.price : nan;
        os[outputs::offer_index("price_in")].at(t, o) = sold ? s.price_in : nan;
        os[outputs::offer_index("price_out")].at(t, o) = sold ? s.price_out : nan;
        os[outputs::offer_index("unit_cost")].at(t, o) = s.unit_cost;
        os[outputs::offer_index("tokens")].at(t, o) = d.served_mtok[o];
        os[outputs::offer_index("developers")].at(t, o) = d.developers[o];
        os[outputs::offer_index("revenue")].at(t, o) = d.spend[o];
        // Gross margin (p - c) / p is undefined for a free offer: NaN, not 0.
        os[outputs::offer_index("gross_margin")].at(t, o) =
            sold && s.price > 0.0 ? (s.price - s.unit_cost) / s.price : nan;
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
        vs[outputs::vendor_index("cash")].at(t, v) = s.cash;
        vs[outputs::vendor_index("revenue")].at(t, v) = f.revenue;
        vs[outputs::vendor_index("inference_cost")].at(t, v) = f.inference_cost;
        vs[outputs::vendor_index("gpu_opex")].at(t, v) = f.gpu_opex;
        vs[outputs::vendor_index("fixed_cost")].at(t, v) = f.fixed_cost;
        vs[outputs::vendor_index("capex")].at(t, v) = f.capex;
        vs[outputs::vendor_index("cross_subsidy")].at(t, v) = f.cross_subsidy;
        vs[outputs::vendor_index("funding")].at(t, v) = f.funding;
        vs[outputs::vendor_index("profit")].at(t, v) = f.profit();
        vs[outputs::vendor_index("other_revenue")].at(t, v) = f.other_revenue;
        vs[outputs::vendor_index("burn")].at(t, v) = s.burn.value;
        vs[outputs::vendor_index("runway")].at(t, v) = s.runway;
        vs[outputs::vendor_index("raise_probability")].at(t, v) = s.raise_probability;
        vs[outputs::vendor_index("gpus")].at(t, v) = s.gpus;
        const double cap = capacity_mtok(s, specs[v]);
        vs[outputs::vendor_index("capacity")].at(t, v) = cap;
        double served = 0.0;
        for (std::size_t o = 0; o < offers.size(); ++o)
            if (offers[o].vendor == static_cast<int>(v)) served += d.served_mtok[o];
        vs[outputs::vendor_index("utilisation")].at(t, v) = cap > 0.0 ? served / cap : 0.0;
        vs[outputs::vendor_index("rationed_share")].at(t, v) =
            d.vendor_requested_mtok[v] > 0.0 ? 1.0 - fraction[v] : 0.0;
        vs[outputs::vendor_index("alive")].at(t, v) = s.active() ? 1.0 : 0.0;
        vs[outputs::vendor_index("tokens")].at(t, v) = served;
        vs[outputs::vendor_index("developers")].at(t, v) = d.vendor_developers[v];
        const double share = total_tokens > 0.0 ? served / total_tokens : 0.0;
        vs[outputs::vendor_index("token_share")].at(t, v) = share;
        hhi += (100.0 * share) * (100.0 * share);
    }
    auto& ms = record_.market_series;
    const double avg = total_tokens > 0.0 ? weighted_price / total_tokens : std::numeric_limits<double>::quiet_NaN();
    ms[outputs::market_index("total_tokens")].at(t, 0) = total_tokens;
    ms[outputs::market_index("total_spend")].at(t, 0) = total_spend;
    ms[outputs::market_index("avg_price")].at(t, 0) = avg;
    ms[outputs::market_index("price_index")].at(t, 0) = price_index(t, offers, on_sale, d.served_mtok);
    ms[outputs::market_index("hhi")].at(t, 0) = hhi;
    ms[outputs::market_index("active_developers")].at(t, 0) = d.on_offers + d.outside;
    ms[outputs::market_index("aware_developers")].at(t, 0) = d.on_offers + d.outside + d.aware_inactive;
    ms[outputs::market_index("consumer_surplus")].at(t, 0) = d.consumer_surplus;
    ms[outputs::market_index("outside_share")].at(t, 0) =
        d.on_offers + d.outside > 0.0 ? d.outside / (d.on_offers + d.outside) : 0.0;
    ms[outputs::market_index("unserved_tokens")].at(t, 0) = requested - total_tokens;
    ms[outputs::market_index("outside_tokens")].at(t, 0) = d.outside_mtok;
    ms[outputs::market_index("switches")].at(t, 0) = d.switches;
    // Arc elasticity of market tokens with respect to the average price since last turn.
    double elasticity = std::numeric_limits<double>::quiet_NaN();
    if (t > 0) {
        const double q0 = ms[outputs::market_index("total_tokens")].at(t - 1, 0),
                     p0 = ms[outputs::market_index("avg_price")].at(t - 1, 0);
        if (q0 > 0.0 && total_tokens > 0.0 && p0 > 0.0 && avg > 0.0 && std::abs(std::log(avg / p0)) > 1e-12)
            elasticity = std::log(total_tokens / q0) / std::log(avg / p0);
    }
    ms[outputs::market_index("token_price_elasticity")].at(t, 0) = elasticity;
}

double Recorder::price_index(std::size_t t, const std::vector<OfferState>& offers,
                             const std::vector<std::uint8_t>& on_sale, const std::vector<double>& served_mtok) {
    // docs/model.md, "Market measures (per turn)": I_t = sum_o p*_o,t q_o,0 / sum_o p_o,0 q_o,0,
    // with p*_o,t the observed price while o is on sale and, once it is not, its last price
    // carried forward at the matched short-term change of its tier (cell-relative imputation).
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    const std::size_t O = offers.size();
    if (t == 0) {
        index_weight_.assign(O, 0.0);
        index_price_.assign(O, 0.0);
        index_on_sale_.assign(on_sale.begin(), on_sale.end());
        index_base_ = 0.0;
        for (std::size_t o = 0; o < O; ++o) {
            if (on_sale[o] == 0) continue;
            index_weight_[o] = served_mtok[o];
            index_price_[o] = offers[o].price;
            index_base_ += served_mtok[o] * offers[o].price;
        }
        return index_base_ > 0.0 ? 1.0 : nan;
    }
    // Matched basket value per cell (and over all cells) last turn and this turn: offers with
    // a turn-0 weight on sale in both turns.
    std::vector<double> before(index_cells_ + 1, 0.0), now(index_cells_ + 1, 0.0);
    std::vector<std::uint8_t> matched(index_cells_ + 1, 0);
    for (std::size_t o = 0; o < O; ++o) {
        if (index_weight_[o] <= 0.0 || on_sale[o] == 0 || index_on_sale_[o] == 0) continue;
        for (const std::size_t c : {index_cell_[o], index_cells_}) {
            before[c] += index_weight_[o] * index_price_[o];
            now[c] += index_weight_[o] * offers[o].price;
            matched[c] = 1;
        }
    }
    // Short-term relative of a cell; -1 where it is undefined (no matched offer, or a matched
    // basket that was free last turn and is not now).
    auto relative = [&](std::size_t c) {
        if (matched[c] == 0) return -1.0;
        if (before[c] > 0.0) return now[c] / before[c];
        return now[c] > 0.0 ? -1.0 : 1.0;
    };
    const double overall = relative(index_cells_);
    double value = 0.0;
    for (std::size_t o = 0; o < O; ++o) {
        if (index_weight_[o] <= 0.0) continue;
        if (on_sale[o] != 0) {
            index_price_[o] = offers[o].price;
        } else {
            double r = relative(index_cell_[o]);
            if (r < 0.0) r = overall;
            if (r < 0.0) r = 1.0;  // nothing to impute from: carried forward
            index_price_[o] *= r;
        }
        value += index_weight_[o] * index_price_[o];
    }
    index_on_sale_.assign(on_sale.begin(), on_sale.end());
    return index_base_ > 0.0 ? value / index_base_ : nan;
}

void Recorder::record_deviation(int turn, const std::vector<double>& gain, const std::vector<double>& value) {
    auto& table = record_.vendor_series[outputs::vendor_index("deviation_gain")];
    for (std::size_t v = 0; v < gain.size(); ++v) {
        if (std::isnan(gain[v])) continue;
        table.at(static_cast<std::size_t>(turn), v) = gain[v];
        if (!(gain[v] <= max_deviation_gain_)) max_deviation_gain_ = gain[v];
        const double share = std::abs(value[v]) > 0.0 ? gain[v] / std::abs(value[v]) : kInf;
        if (!(share <= max_deviation_share_)) max_deviation_share_ = share;
    }
}

void Recorder::finish(int turns_run, const std::vector<VendorState>& vendors) {
    auto& r = record_;
    const auto V = vendors.size();
    r.exit_turn.assign(V, -1);
    r.exit_reason.assign(V, 0);
    r.final_share.assign(V, 0.0);
    r.cumulative_profit.assign(V, 0.0);
    r.peak_loss.assign(V, 0.0);
    const auto last = static_cast<std::size_t>(std::max(0, turns_run - 1));
    int startups = 0, startups_alive = 0;
    for (std::size_t v = 0; v < V; ++v) {
        r.exit_turn[v] = vendors[v].exit_turn;
        r.exit_reason[v] = static_cast<int>(vendors[v].exit_reason);
        r.final_share[v] = turns_run > 0 ? r.vendor_series[outputs::vendor_index("token_share")].at(last, v) : 0.0;
        r.cumulative_profit[v] = vendors[v].cumulative_profit;
        r.peak_loss[v] = vendors[v].peak_loss;
        if (r.vendor_kinds[v] == "startup") {
            ++startups;
            startups_alive += vendors[v].exit_turn < 0 ? 1 : 0;
        }
    }
    auto sum = [&](std::size_t s) {
        double x = 0.0;
        for (int t = 0; t < turns_run; ++t)
            x += r.market_series[s].at(static_cast<std::size_t>(t), 0);
        return x;
    };
    auto final_of = [&](std::size_t s) {
        return turns_run > 0 ? r.market_series[s].at(last, 0) : std::numeric_limits<double>::quiet_NaN();
    };
    using outputs::market_index;
    using outputs::market_summary_index;
    r.market_summary = summary_scalars(outputs::market_summary, r.currency);
    auto& m = r.market_summary;
    m[market_summary_index("final_total_tokens")].value = final_of(market_index("total_tokens"));
    m[market_summary_index("final_total_spend")].value = final_of(market_index("total_spend"));
    m[market_summary_index("final_avg_price")].value = final_of(market_index("avg_price"));
    m[market_summary_index("final_hhi")].value = final_of(market_index("hhi"));
    m[market_summary_index("final_active_developers")].value = final_of(market_index("active_developers"));
    m[market_summary_index("final_outside_share")].value = final_of(market_index("outside_share"));
    m[market_summary_index("cumulative_tokens")].value = sum(market_index("total_tokens"));
    m[market_summary_index("cumulative_spend")].value = sum(market_index("total_spend"));
    m[market_summary_index("cumulative_consumer_surplus")].value = sum(market_index("consumer_surplus"));
    m[market_summary_index("startups")].value = static_cast<double>(startups);
    m[market_summary_index("startups_alive")].value = static_cast<double>(startups_alive);
    m[market_summary_index("startup_survival_share")].value =
        startups > 0 ? static_cast<double>(startups_alive) / startups : std::numeric_limits<double>::quiet_NaN();
    m[market_summary_index("turns_run")].value = static_cast<double>(turns_run);
    m[market_summary_index("max_deviation_gain")].value = max_deviation_gain_;
    m[market_summary_index("max_deviation_gain_share")].value = max_deviation_share_;
}

}  // namespace pricewar
