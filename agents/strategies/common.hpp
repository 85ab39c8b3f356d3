#pragma once
// Rules shared by several pricing strategies: comparable rivals, margin floors, the
// cloud loss budget.

#include <algorithm>
#include <cmath>

#include "agents/strategy.hpp"

namespace pricewar::strategies {

// Cheapest price of an available offer of another vendor whose quality is within `band`
// of this offer's, as observed `lag` turns ago (lag 1 = last turn). +inf when none.
inline double cheapest_comparable(const PricingContext& ctx, double band, int lag) {
    const auto& self = ctx.offers[ctx.offer];
    const int row = std::max(0, ctx.turn - std::max(1, lag));
    double best = kInf;
    for (int o = 0; o < static_cast<int>(ctx.offers.size()); ++o) {
        const auto& other = ctx.offers[o];
        if (o == ctx.offer || other.vendor == self.vendor || !other.available) continue;
        if (std::abs(other.quality - self.quality) > band + 1e-12) continue;
        const double p = ctx.price_history != nullptr && ctx.turn > 0
                             ? ctx.price_history->at(static_cast<std::size_t>(row), static_cast<std::size_t>(o))
                             : other.price;
        if (std::isfinite(p)) best = std::min(best, p);
    }
    return best;
}

// Lowest price that keeps gross margin (p - c) / p at least `margin`. margin < 1; a negative
// margin allows selling below cost (p = c / (1 - margin) < c).
inline double margin_floor_price(double unit_cost, double margin) {
    if (margin >= 1.0) return kInf;
    return std::max(0.0, unit_cost / (1.0 - margin));
}

// Floor that applies once the parent's loss budget is spent: margin restored to `restore`.
inline double budget_floor(const PricingContext& ctx, double restore_margin) {
    const auto& self = ctx.offers[ctx.offer];
    const auto& books = ctx.vendors[self.vendor];
    return books.loss_budget_exhausted ? margin_floor_price(self.unit_cost, restore_margin) : 0.0;
}

}  // namespace pricewar::strategies
