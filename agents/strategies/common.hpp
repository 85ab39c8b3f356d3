#pragma once
// Rules shared by several pricing strategies: comparable rivals, the subsidised unit cost,
// margin floors, the cloud loss budget. The rules are documented in docs/model.md, "Pricing strategies".

#include <algorithm>
#include <cmath>

#include "agents/strategy.hpp"

namespace pricewar::strategies {

// A margin floor low enough to never bind: "no floor" as a number an input file can state.
inline constexpr double kNoMarginFloor = -1e6;

// Cheapest price of an offer of another vendor as observed `lag` turns ago (lag 1 = last
// turn): among the offers that were on sale at that turn and whose quality at that turn was
// within `band` of this offer's current quality. +inf when none. Without a recorded history
// (turn 0, or a context built without one) the offers' present state is used.
inline double cheapest_comparable(const PricingContext& ctx, double band, int lag) {
    const auto& self = ctx.offers[ctx.offer];
    const bool history = ctx.turn > 0 && ctx.price_history != nullptr && ctx.available_history != nullptr &&
                         ctx.quality_history != nullptr;
    const auto row = static_cast<std::size_t>(std::max(0, ctx.turn - std::max(1, lag)));
    double best = kInf;
    for (int o = 0; o < static_cast<int>(ctx.offers.size()); ++o) {
        const auto& other = ctx.offers[o];
        if (o == ctx.offer || other.vendor == self.vendor) continue;
        const auto col = static_cast<std::size_t>(o);
        const bool on_sale = history ? ctx.available_history->at(row, col) > 0.5 : other.available;
        if (!on_sale) continue;
        const double quality = history ? ctx.quality_history->at(row, col) : other.quality;
        if (!(std::abs(quality - self.quality) <= band + 1e-12)) continue;
        const double p = history ? ctx.price_history->at(row, col) : other.price;
        if (std::isfinite(p)) best = std::min(best, p);
    }
    return best;
}

// Cross-subsidy a cloud vendor earns per Mtok it serves on this offer: its cross-subsidy per
// developer per turn over the Mtok per developer per turn served last turn on this offer (on
// the vendor's offers when this one had no developers). 0 without cross-subsidy or without
// developers to measure usage on.
inline double cross_subsidy_per_mtok(const PricingContext& ctx) {
    const auto& self = ctx.offers[ctx.offer];
    const auto& books = ctx.vendors[self.vendor];
    if (books.cross_subsidy_per_developer <= 0.0) return 0.0;
    const double usage = self.tokens_per_developer > 0.0 ? self.tokens_per_developer : books.tokens_per_developer;
    return usage > 0.0 ? books.cross_subsidy_per_developer / usage : 0.0;
}

// Unit cost net of cross-subsidy, c_eff = c - cross_subsidy_per_mtok (negative when a
// developer's attach revenue exceeds the cost of the tokens it uses).
inline double subsidised_unit_cost(const PricingContext& ctx) {
    return ctx.offers[ctx.offer].unit_cost - cross_subsidy_per_mtok(ctx);
}

// Lowest price that keeps gross margin (p - c) / p at least `margin`. margin < 1; a negative
// margin allows selling below cost (p = c / (1 - margin) < c). Never below 0.
inline double margin_floor_price(double unit_cost, double margin) {
    if (margin >= 1.0) return kInf;
    return std::max(0.0, unit_cost / (1.0 - margin));
}

// A strategy's margin floor: the margin is kept on the subsidised unit cost, so a cloud
// vendor counts what each developer brings in cloud sales (for others c_eff = c).
inline double subsidised_floor(const PricingContext& ctx, double margin) {
    return margin_floor_price(subsidised_unit_cost(ctx), margin);
}

// Floor that applies once the parent's loss budget is spent: margin restored to `restore`
// on the unit cost itself (the budget counts the AI unit's losses before cross-subsidy).
inline double budget_floor(const PricingContext& ctx, double restore_margin) {
    const auto& self = ctx.offers[ctx.offer];
    const auto& books = ctx.vendors[self.vendor];
    return books.loss_budget_exhausted ? margin_floor_price(self.unit_cost, restore_margin) : 0.0;
}

// The price in [lo, hi] that maximises `objective`: the best of a grid of `grid` cells, then a
// golden-section search in that cell's neighbourhood (the objectives are smooth but need not
// be unimodal over the whole interval), down to a bracket of `tolerance` relative to the price.
// Shared by best_response and customer_value.
template <class Objective>
double maximise_price(double lo, double hi, int grid, Objective&& objective, double tolerance = 1e-12) {
    double best_p = lo, best_v = objective(lo);
    const double step = (hi - lo) / grid;
    for (int i = 1; i <= grid; ++i) {
        const double p = lo + step * i;
        const double v = objective(p);
        if (v > best_v) {
            best_v = v;
            best_p = p;
        }
    }
    double a = std::max(lo, best_p - step), b = std::min(hi, best_p + step);
    const double g = (std::sqrt(5.0) - 1.0) / 2.0;
    double x1 = b - g * (b - a), x2 = a + g * (b - a);
    double f1 = objective(x1), f2 = objective(x2);
    for (int it = 0; it < 200 && b - a > tolerance * std::max(1.0, b); ++it) {
        if (f1 < f2) {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + g * (b - a);
            f2 = objective(x2);
        } else {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - g * (b - a);
            f1 = objective(x1);
        }
    }
    const double refined = 0.5 * (a + b);
    return objective(refined) >= best_v ? refined : best_p;
}

}  // namespace pricewar::strategies
