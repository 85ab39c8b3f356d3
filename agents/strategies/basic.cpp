// The rule-based strategies: static, cost_plus, follower, penetration, premium.
// Each rule is documented in docs/model.md, "Pricing strategies".

#include <algorithm>
#include <memory>

#include "agents/strategies/basic.hpp"
#include "agents/strategies/common.hpp"

namespace pricewar::strategies {
namespace {

// Parameters of each rule; member initialisers are the defaults (docs/model.md, "Pricing
// strategies").
struct NoParams {};

struct CostPlusParams {
    double margin = 0.5;
};

struct FollowerParams {
    int reaction_turns = 1;
    double quality_band = 0.25;
    double match_ratio = 1.0;
    double margin_floor = 0.0;
    double restore_margin = 0.0;
};

struct PenetrationParams {
    int reaction_turns = 1;
    double undercut = 0.1;
    double quality_band = 0.25;
    double min_price = 0.0;
    double margin_floor = kNoMarginFloor;
    double restore_margin = 0.0;
};

struct PremiumParams {
    double max_cut = 0.05;
    double share_floor = 0.02;
    double quality_band = 0.25;
    double margin_floor = 0.0;
};

class StaticPricing final : public PricingStrategy {
public:
    explicit StaticPricing(const NoParams& /*unused*/) {}
    double price(const PricingContext& ctx) override { return ctx.offers[ctx.offer].price; }
};

class CostPlus final : public PricingStrategy {
public:
    explicit CostPlus(const CostPlusParams& p) : p_(p) {}
    double price(const PricingContext& ctx) override {
        return margin_floor_price(ctx.offers[ctx.offer].unit_cost, p_.margin);
    }

private:
    CostPlusParams p_;
};

class Follower final : public PricingStrategy {
public:
    explicit Follower(const FollowerParams& p) : p_(p) {}
    double price(const PricingContext& ctx) override {
        const auto& self = ctx.offers[ctx.offer];
        const double rival = cheapest_comparable(ctx, p_.quality_band, p_.reaction_turns);
        double p = self.list_price;
        if (rival < kInf) p = std::min(p, p_.match_ratio * rival);
        const double floor = std::max(subsidised_floor(ctx, p_.margin_floor), budget_floor(ctx, p_.restore_margin));
        return std::max(p, floor);
    }

private:
    FollowerParams p_;
};

class Penetration final : public PricingStrategy {
public:
    explicit Penetration(const PenetrationParams& p) : p_(p) {}
    double price(const PricingContext& ctx) override {
        const auto& self = ctx.offers[ctx.offer];
        const double rival = cheapest_comparable(ctx, p_.quality_band, p_.reaction_turns);
        double p = self.price;
        if (rival < kInf && rival <= p) p = (1.0 - p_.undercut) * rival;
        return std::max(
            {p, p_.min_price, subsidised_floor(ctx, p_.margin_floor), budget_floor(ctx, p_.restore_margin)});
    }

private:
    PenetrationParams p_;
};

class Premium final : public PricingStrategy {
public:
    explicit Premium(const PremiumParams& p) : p_(p) {}
    double price(const PricingContext& ctx) override {
        const auto& self = ctx.offers[ctx.offer];
        const double share = ctx.vendors[self.vendor].token_share;
        double p = self.price;
        if (share < p_.share_floor) {
            const double rival = cheapest_comparable(ctx, p_.quality_band, 1);
            if (rival < p) p = std::max(p * (1.0 - p_.max_cut), rival);
        }
        return std::max(p, subsidised_floor(ctx, p_.margin_floor));
    }

private:
    PremiumParams p_;
};

}  // namespace

std::vector<StrategyInfo> basic_strategies() {
    const double no_floor = kNoMarginFloor;
    const std::string per_mtok = "CNY/Mtok";
    std::vector<StrategyInfo> out;
    out.push_back(
        market_strategy<StaticPricing, NoParams>("static", "Prices change only through timeline events.", {}));
    out.push_back(market_strategy<CostPlus, CostPlusParams>(
        "cost_plus", "Price = unit cost / (1 - margin): follows its own falling cost.",
        {{"margin", &CostPlusParams::margin, -10.0, 0.99, "gross margin kept on the blended price"}}));
    out.push_back(market_strategy<Follower, FollowerParams>(
        "follower",
        "Match the cheapest comparable rival offer (seen reaction_turns ago) times match_ratio, never above "
        "the list price and never below the margin floor (or the restored margin once the loss budget is spent).",
        {{"reaction_turns", &FollowerParams::reaction_turns, 1, 520, "turns before reacting to a rival's price",
          "turns"},
         {"quality_band", &FollowerParams::quality_band, 0, 10,
          "rivals whose quality differs by at most this are comparable"},
         {"match_ratio", &FollowerParams::match_ratio, 0, 1000,
          "price as a multiple of the cheapest comparable rival's"},
         {"margin_floor", &FollowerParams::margin_floor, no_floor, 0.99,
          "lowest gross margin on the unit cost net of cross-subsidy; negative sells below it"},
         {"restore_margin", &FollowerParams::restore_margin, no_floor, 0.99,
          "margin floor on the unit cost once the loss budget is exhausted"}}));
    out.push_back(market_strategy<Penetration, PenetrationParams>(
        "penetration",
        "Undercut the cheapest comparable rival (seen reaction_turns ago) by `undercut`, down to min_price (0 = "
        "free tier allowed) and the margin floor; hold the price while already cheapest.",
        {{"reaction_turns", &PenetrationParams::reaction_turns, 1, 520, "turns before reacting to a rival's price",
          "turns"},
         {"undercut", &PenetrationParams::undercut, 0, 1, "fraction below the cheapest comparable rival"},
         {"quality_band", &PenetrationParams::quality_band, 0, 10,
          "rivals whose quality differs by at most this are comparable"},
         {"min_price", &PenetrationParams::min_price, 0, 1e9, "lowest blended price", per_mtok},
         {"margin_floor", &PenetrationParams::margin_floor, no_floor, 0.99,
          "lowest gross margin on the unit cost net of cross-subsidy (default: none)"},
         {"restore_margin", &PenetrationParams::restore_margin, no_floor, 0.99,
          "margin floor on the unit cost once the loss budget is exhausted"}}));
    out.push_back(market_strategy<Premium, PremiumParams>(
        "premium",
        "Hold the price; only while the vendor's token share is below share_floor, move toward the cheapest "
        "comparable rival by at most max_cut per turn, never below the margin floor.",
        {{"max_cut", &PremiumParams::max_cut, 0, 1, "largest relative cut per turn"},
         {"share_floor", &PremiumParams::share_floor, 0, 1, "token share below which the vendor cuts"},
         {"quality_band", &PremiumParams::quality_band, 0, 10,
          "rivals whose quality differs by at most this are comparable"},
         {"margin_floor", &PremiumParams::margin_floor, no_floor, 0.99,
          "lowest gross margin on the unit cost net of cross-subsidy"}}));
    return out;
}

}  // namespace pricewar::strategies
