// Mean-field developers (docs/model.md, "Mean-field mode"): a continuum of developers
// of K types replaces sampled individuals. Each type's mass moves between states with the
// expected logit probabilities, so a turn costs O(K * options^2) whatever the population.
// Differences from agent mode, documented in docs/model.md: no network (imitation and the
// network term use market-wide shares), and free quota is an aggregate pool per type and
// vendor, granted to every inflow from another vendor.

#include "agents/mean_field_demand.hpp"

#include "agents/logit_forecast.hpp"

#include <algorithm>
#include <cmath>

namespace pricewar {

MeanFieldDemand::MeanFieldDemand(const Scenario& sc, std::uint64_t seed)
    : spec_(sc.developers),
      kappa_(sc.market.kappa),
      log_ref_(std::log(sc.market.p_ref + sc.market.kappa)),
      rationing_penalty_(sc.market.rationing_penalty) {
    types_ = static_cast<std::size_t>(std::max(1, spec_.mean_field_types));
    offers_ = sc.offer_index().size();
    vendors_ = sc.vendors.size();
    options_ = offers_ + 1;
    // Types: every trait at stratified quantiles, strata paired by independent random
    // permutations per trait (a Latin hypercube), so the type sample covers each marginal.
    const Distribution* dists[] = {&spec_.value,           &spec_.base_usage,   &spec_.elasticity,
                                   &spec_.quality_weight,  &spec_.price_weight, &spec_.switching_cost,
                                   &spec_.reevaluate_prob, &spec_.budget};
    std::vector<float>* fields[] = {&traits_.value,           &traits_.base_usage,   &traits_.elasticity,
                                    &traits_.quality_weight,  &traits_.price_weight, &traits_.switching_cost,
                                    &traits_.reevaluate_prob, &traits_.budget};
    Rng rng(seed, Stream::developer_traits, 0x77);
    std::vector<std::size_t> perm(types_);
    for (std::size_t f = 0; f < 8; ++f) {
        for (std::size_t k = 0; k < types_; ++k)
            perm[k] = k;
        for (std::size_t k = types_; k > 1; --k)
            std::swap(perm[k - 1], perm[static_cast<std::size_t>(rng() % k)]);
        fields[f]->resize(types_);
        for (std::size_t k = 0; k < types_; ++k) {
            const double q = (static_cast<double>(perm[k]) + 0.5) / static_cast<double>(types_);
            (*fields[f])[k] = static_cast<float>(quantile(*dists[f], q));
        }
    }
    for (auto& r : traits_.reevaluate_prob)
        r = std::clamp(r, 0.0f, 1.0f);
    const double mass = static_cast<double>(spec_.count) * spec_.weight / static_cast<double>(types_);
    unaware_.assign(types_, mass * (1.0 - spec_.initial_aware));
    new_aware_.assign(types_, mass * spec_.initial_aware);
    inactive_.assign(types_, 0.0);
    on_.assign(types_ * options_, 0.0);
    quota_.assign(types_ * (vendors_ + 1), 0.0);
    next_.assign(options_, 0.0);
    probs_.assign(options_ * options_, 0.0);
    base_.assign(options_, 0.0);
    served_fraction_.assign(vendors_ + 1, 1.0);
    vendor_share_.assign(vendors_ + 1, 0.0);
}

std::size_t MeanFieldDemand::state_bytes() const {
    return (unaware_.size() + new_aware_.size() + inactive_.size() + on_.size() + quota_.size()) * sizeof(double) +
           types_ * traits_.bytes_per_developer();
}

double MeanFieldDemand::price_term(double p) const {
    return spec_.price_utility == PriceUtility::log ? std::log(p + kappa_) : p;
}

double MeanFieldDemand::usage(std::size_t k, double p) const {
    return usage_from_log(k, p, std::log(p + kappa_));
}

double MeanFieldDemand::usage_from_log(std::size_t k, double p, double log_cost) const {
    double q = traits_.base_usage[k] * std::exp(-static_cast<double>(traits_.elasticity[k]) * (log_cost - log_ref_));
    if (p > 0.0 && std::isfinite(traits_.budget[k])) q = std::min(q, traits_.budget[k] / p);
    return q;
}

void MeanFieldDemand::option_prices(const OfferBoard& board, std::vector<double>& price,
                                    std::vector<std::uint8_t>& open, std::vector<int>& vendor,
                                    std::vector<double>& quality) const {
    price.resize(options_);
    open.resize(options_);
    vendor.resize(options_);
    quality.resize(options_);
    for (std::size_t o = 0; o < offers_; ++o) {
        price[o] = board.price[o];
        open[o] = board.available[o];
        vendor[o] = board.vendor[o];
        quality[o] = board.quality[o];
    }
    price[offers_] = board.outside_price;
    open[offers_] = std::isfinite(board.outside_price) ? 1 : 0;
    vendor[offers_] = board.vendors;
    quality[offers_] = board.outside_quality;
}

void MeanFieldDemand::choose(int /*turn*/, const OfferBoard& board, DemandTotals& totals) {
    option_prices(board, price_, open_, vendor_of_, quality_);
    const double mu = spec_.noise_scale;
    // Awareness: Bass hazard with the market-wide active share.
    double total = 0.0, active = 0.0;
    for (std::size_t k = 0; k < types_; ++k) {
        total += unaware_[k] + new_aware_[k] + inactive_[k];
        for (std::size_t o = 0; o < options_; ++o) {
            total += on_[k * options_ + o];
            active += on_[k * options_ + o];
        }
    }
    const double active_share = total > 0.0 ? active / total : 0.0;
    std::fill(vendor_share_.begin(), vendor_share_.end(), 0.0);
    if (active > 0.0)
        for (std::size_t k = 0; k < types_; ++k)
            for (std::size_t o = 0; o < options_; ++o)
                vendor_share_[vendor_of_[o]] += on_[k * options_ + o] / active;
    const double hazard = std::clamp(spec_.p_innovation + spec_.p_imitation * active_share, 0.0, 1.0);

    for (std::size_t k = 0; k < types_; ++k) {
        const double moving = unaware_[k] * hazard;
        unaware_[k] -= moving;
        new_aware_[k] += moving;
        const double value = traits_.value[k];
        const double beta = traits_.quality_weight[k], alpha = traits_.price_weight[k], s = traits_.switching_cost[k];
        // Deterministic utilities of each option for this type.
        bool any_viable = false;
        for (std::size_t o = 0; o < options_; ++o) {
            const bool viable = open_[o] && value >= price_[o] + kappa_;
            if (!viable) {
                base_[o] = -kInf;
                continue;
            }
            const double penalty = o < offers_ && board.vendor_rationed[vendor_of_[o]] ? rationing_penalty_ : 0.0;
            base_[o] = beta * quality_[o] - alpha * price_term(price_[o]) - penalty +
                       spec_.network_weight * vendor_share_[vendor_of_[o]];
            any_viable = true;
        }
        // Logit probabilities from each origin (row: origin option, or options_ = no provider).
        auto probs_from = [&](int origin_vendor, double* out) {
            double best = -kInf;
            for (std::size_t o = 0; o < options_; ++o) {
                if (base_[o] == -kInf) continue;
                const double x = base_[o] - (origin_vendor >= 0 && vendor_of_[o] != origin_vendor ? s : 0.0);
                out[o] = x / mu;
                best = std::max(best, out[o]);
            }
            double sum = 0.0;
            for (std::size_t o = 0; o < options_; ++o) {
                out[o] = base_[o] == -kInf ? 0.0 : std::exp(out[o] - best);
                sum += out[o];
            }
            for (std::size_t o = 0; o < options_; ++o)
                out[o] /= sum;
        };
        // Consumer surplus: log-sum of the menu (no switching or noise), per aware mass.
        if (any_viable) {
            double best = -kInf;
            for (std::size_t o = 0; o < options_; ++o)
                best = std::max(best, base_[o] - spec_.network_weight * vendor_share_[vendor_of_[o]]);
            double sum = 0.0;
            for (std::size_t o = 0; o < options_; ++o)
                if (base_[o] > -kInf)
                    sum += std::exp((base_[o] - spec_.network_weight * vendor_share_[vendor_of_[o]] - best) / mu);
            double aware = new_aware_[k] + inactive_[k];
            for (std::size_t o = 0; o < options_; ++o)
                aware += on_[k * options_ + o];
            totals.consumer_surplus += aware * (best + mu * std::log(sum));
        }
        std::fill(next_.begin(), next_.end(), 0.0);
        double inactive_next = 0.0;
        std::vector<double>& fresh = base_fresh_;
        fresh.resize(options_);
        double* const quota = &quota_[k * (vendors_ + 1)];
        auto move_to = [&](double mass, int origin_vendor, const double* p) {
            for (std::size_t o = 0; o < options_; ++o) {
                const double m = mass * p[o];
                if (m == 0.0) continue;
                next_[o] += m;
                if (o < offers_ && vendor_of_[o] != origin_vendor) {
                    quota[vendor_of_[o]] += m * board.free_quota[o];
                    if (origin_vendor >= 0) totals.switches += m;
                } else if (o == offers_ && origin_vendor >= 0 && origin_vendor != vendor_of_[o]) {
                    totals.switches += m;
                }
            }
        };
        // Newly aware and inactive developers choose (no current vendor).
        const double choosers = new_aware_[k] + (any_viable ? inactive_[k] : 0.0);
        if (any_viable) {
            probs_from(-1, fresh.data());
            move_to(choosers, -1, fresh.data());
        } else {
            inactive_next += new_aware_[k] + inactive_[k];
        }
        // Developers on each option: forced or voluntary re-evaluation.
        for (std::size_t j = 0; j < options_; ++j) {
            const double mass = on_[k * options_ + j];
            if (mass == 0.0) continue;
            const bool forced = base_[j] == -kInf || (j < offers_ && board.vendor_rationed[vendor_of_[j]]);
            const double movers = forced ? mass : mass * traits_.reevaluate_prob[k];
            const double stayers = mass - movers;
            next_[j] += stayers;
            if (movers == 0.0) continue;
            if (!any_viable) {
                inactive_next += movers;
                continue;
            }
            double* p = &probs_[j * options_];
            probs_from(vendor_of_[j], p);
            // Staying put (same option) is not a switch; mass returning to j re-adds.
            move_to(movers, vendor_of_[j], p);
        }
        new_aware_[k] = 0.0;
        inactive_[k] = inactive_next;
        for (std::size_t o = 0; o < options_; ++o)
            on_[k * options_ + o] = next_[o];

        // Requested usage.
        totals.aware_inactive += inactive_[k];
        totals.unaware += unaware_[k];
        for (std::size_t o = 0; o < options_; ++o) {
            const double mass = on_[k * options_ + o];
            if (mass == 0.0) continue;
            const double q = usage(k, price_[o]);
            if (o == offers_) {
                totals.outside += mass;
                totals.outside_mtok += mass * q;
            } else {
                totals.on_offers += mass;
                totals.requested_mtok[o] += mass * q;
                totals.developers[o] += mass;
                totals.vendor_requested_mtok[vendor_of_[o]] += mass * q;
                totals.vendor_developers[vendor_of_[o]] += mass;
            }
        }
    }
}

void MeanFieldDemand::serve(const OfferBoard& board, std::span<const double> fraction, DemandTotals& totals) {
    for (std::size_t k = 0; k < types_; ++k) {
        double* const quota = &quota_[k * (vendors_ + 1)];
        for (std::size_t o = 0; o < offers_; ++o) {
            const double mass = on_[k * options_ + o];
            if (mass == 0.0) continue;
            const int v = board.vendor[o];
            const double served = fraction[v] * mass * usage(k, board.price[o]);
            const double free = std::min(served, quota[v]);
            quota[v] -= free;
            totals.served_mtok[o] += served;
            totals.free_mtok[o] += free;
            totals.paid_mtok[o] += served - free;
            totals.spend[o] += (served - free) * board.price[o];
        }
    }
}

void MeanFieldDemand::release_vendor(int vendor, const OfferBoard& /*board*/) {
    for (std::size_t k = 0; k < types_; ++k) {
        // The mass stays on the exited vendor's offers: next turn they are not on sale, so it
        // must re-choose from them, paying the switching cost as agents do.
        quota_[k * (vendors_ + 1) + static_cast<std::size_t>(vendor)] = 0.0;
    }
}

void MeanFieldDemand::forecast(const OfferBoard& board, int offer, double price, ForecastScope /*scope*/,
                               std::vector<DemandForecast>& out) const {
    // Every offer is filled whatever the scope: the types are few, so the saving would be small.
    out.assign(board.price.size(), DemandForecast{});
    std::vector<double> prices = board.price, scratch;
    prices[static_cast<std::size_t>(offer)] = price;
    const LogitMenu menu = hypothetical_menu(board, prices, kappa_, spec_);
    for (std::size_t k = 0; k < types_; ++k) {
        double aware = inactive_[k] + new_aware_[k];
        for (std::size_t o = 0; o < options_; ++o)
            aware += on_[k * options_ + o];
        if (aware <= 0.0) continue;
        if (traits_.value[k] >= price + kappa_)
            out[static_cast<std::size_t>(offer)].retained += on_[k * options_ + static_cast<std::size_t>(offer)];
        add_logit_demand(
            menu, aware, traits_.value[k], traits_.quality_weight[k], traits_.price_weight[k],
            [&](double p, double log_cost) { return usage_from_log(k, p, log_cost); }, scratch, out);
    }
}

}  // namespace pricewar
