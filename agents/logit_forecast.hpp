#pragma once
// Static logit demand of one developer (or one mean-field type): the expected choice among
// the viable options at given prices, without inertia, switching cost or noise draw. Shared
// by both demand modes' forecasts for best-response pricing.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "agents/demand_model.hpp"
#include "agents/strategy.hpp"

namespace pricewar {

struct LogitMenu {
    std::span<const double> price;       // per offer (hypothetical prices applied)
    std::span<const double> quality;     // per offer
    std::span<const std::uint8_t> open;  // per offer
    double outside_price = kInf;
    double outside_quality = 0.0;
    double kappa = 0.0;
    double mu = 1.0;
    bool log_utility = true;
};

// The board's menu with `prices` (the board's prices, one of them changed) in their place.
inline LogitMenu hypothetical_menu(const OfferBoard& board, std::span<const double> prices, double kappa,
                                   const DeveloperSpec& spec) {
    return {prices,
            board.quality,
            board.available,
            board.outside_price,
            board.outside_quality,
            kappa,
            spec.noise_scale,
            spec.price_utility == PriceUtility::log};
}

// Adds mass x P(offer) developers and mass x P(offer) x usage(price) tokens for every offer.
template <class Usage>
void add_logit_demand(const LogitMenu& menu, double mass, double value, double beta, double alpha, Usage&& usage,
                      std::vector<double>& scratch, std::vector<DemandForecast>& out) {
    const std::size_t m = menu.price.size();
    scratch.resize(m + 1);
    auto term = [&](double p) { return menu.log_utility ? std::log(p + menu.kappa) : p; };
    double best = -kInf;
    for (std::size_t o = 0; o <= m; ++o) {
        const bool outside = o == m;
        const double p = outside ? menu.outside_price : menu.price[o];
        const bool ok = outside ? std::isfinite(p) : menu.open[o] != 0;
        if (!ok || value < p + menu.kappa) {
            scratch[o] = -kInf;
            continue;
        }
        scratch[o] = (beta * (outside ? menu.outside_quality : menu.quality[o]) - alpha * term(p)) / menu.mu;
        best = std::max(best, scratch[o]);
    }
    if (best == -kInf) return;
    double sum = 0.0;
    for (std::size_t o = 0; o <= m; ++o) {
        scratch[o] = scratch[o] == -kInf ? 0.0 : std::exp(scratch[o] - best);
        sum += scratch[o];
    }
    for (std::size_t o = 0; o < m; ++o) {
        if (scratch[o] == 0.0) continue;
        const double prob = scratch[o] / sum;
        out[o].developers += mass * prob;
        out[o].tokens_mtok += mass * prob * usage(menu.price[o]);
    }
}

}  // namespace pricewar
