// best_response: myopic profit maximisation against rivals' last prices, with the demand
// the developer side forecasts (static logit), counting cross-subsidy. Iterated by all
// vendors it converges to the Bertrand-Nash prices; with objective = 1 every offer
// maximises the joint profit of all vendors, which gives the collusive (monopoly) prices.

#include <algorithm>
#include <cmath>
#include <memory>

#include "agents/strategies/best_response.hpp"
#include "agents/strategies/common.hpp"

namespace pricewar::strategies {
namespace {

struct BestResponseParams {
    int objective = 0;
    double max_price = 1e6;
    double min_price = 0.0;
    double margin_floor = kNoMarginFloor;
    int grid_points = 200;
    double damping = 0.0;
    double restore_margin = 0.0;
};

class BestResponse final : public PricingStrategy {
public:
    explicit BestResponse(const BestResponseParams& p)
        : joint_(p.objective == 1),
          max_price_(p.max_price),
          min_price_(p.min_price),
          margin_floor_(p.margin_floor),
          grid_(p.grid_points),
          damping_(p.damping),
          restore_margin_(p.restore_margin) {}

    double price(const PricingContext& ctx) override {
        const auto& self = ctx.offers[ctx.offer];
        if (ctx.demand == nullptr) return self.price;
        const double lo =
            std::max({min_price_, subsidised_floor(ctx, margin_floor_), budget_floor(ctx, restore_margin_)});
        double scale = std::max({self.price, self.unit_cost, 1e-9});
        for (const auto& o : ctx.offers)
            if (o.available) scale = std::max(scale, o.price);
        const double hi = std::max(lo, std::min(max_price_, 10.0 * scale));
        const double p = maximise_price(lo, hi, grid_, [&](double x) { return profit(ctx, x); });
        return damping_ * self.price + (1.0 - damping_) * p;
    }

private:
    double profit(const PricingContext& ctx, double p) {
        (*ctx.demand)(ctx.offer, p, joint_ ? ForecastScope::market : ForecastScope::vendor, forecast_);
        const int me = ctx.offers[ctx.offer].vendor;
        double total = 0.0;
        std::vector<double>& devs = vendor_devs_;
        devs.assign(ctx.vendors.size(), 0.0);
        for (std::size_t o = 0; o < ctx.offers.size(); ++o) {
            const auto& offer = ctx.offers[o];
            if (!joint_ && offer.vendor != me) continue;
            const double price = static_cast<int>(o) == ctx.offer ? p : offer.price;
            total += (price - offer.unit_cost) * forecast_[o].tokens_mtok;
            devs[static_cast<std::size_t>(offer.vendor)] += forecast_[o].developers;
        }
        for (std::size_t v = 0; v < ctx.vendors.size(); ++v)
            total += ctx.vendors[v].cross_subsidy_per_developer * devs[v];
        return total;
    }

    bool joint_;
    double max_price_, min_price_, margin_floor_;
    int grid_;
    double damping_, restore_margin_;
    std::vector<DemandForecast> forecast_;
    std::vector<double> vendor_devs_;
};

}  // namespace

StrategyInfo best_response_strategy() {
    using P = BestResponseParams;
    const std::string per_mtok = "CNY/Mtok";
    return market_strategy<BestResponse, P>(
        "best_response",
        "Myopic profit maximisation against rivals' last prices using the forecast (static logit) demand, "
        "counting cross-subsidy; objective = 1 maximises the joint profit of all vendors (collusive benchmark).",
        {{"objective", &P::objective, 0, 1, "0 = own vendor's profit (Bertrand-Nash), 1 = joint profit (monopoly)"},
         {"max_price", &P::max_price, 0, 1e12, "highest price searched", per_mtok},
         {"min_price", &P::min_price, 0, 1e12, "lowest price searched", per_mtok},
         {"margin_floor", &P::margin_floor, kNoMarginFloor, 0.99,
          "lowest gross margin on the unit cost net of cross-subsidy (negative: below it allowed)"},
         {"grid_points", &P::grid_points, 4, 100000, "coarse grid before the golden-section refinement"},
         {"damping", &P::damping, 0, 0.99, "weight on last turn's price (0 = jump to the best response)"},
         {"restore_margin", &P::restore_margin, kNoMarginFloor, 0.99,
          "margin floor on the unit cost once the loss budget is exhausted"}});
}

}  // namespace pricewar::strategies
