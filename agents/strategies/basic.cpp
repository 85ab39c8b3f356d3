// The rule-based strategies: static, cost_plus, follower, penetration, premium.
// Each rule is documented in docs/model.md section "Pricing strategies".

#include <algorithm>
#include <memory>

#include "agents/strategies/basic.hpp"
#include "agents/strategies/common.hpp"

namespace pricewar::strategies {
namespace {

class StaticPricing final : public PricingStrategy {
public:
    explicit StaticPricing(const ParamValues& /*unused*/) {}
    double price(const PricingContext& ctx) override { return ctx.offers[ctx.offer].price; }
};

class CostPlus final : public PricingStrategy {
public:
    explicit CostPlus(const ParamValues& p) : margin_(p.get("margin")) {}
    double price(const PricingContext& ctx) override {
        return margin_floor_price(ctx.offers[ctx.offer].unit_cost, margin_);
    }

private:
    double margin_;
};

class Follower final : public PricingStrategy {
public:
    explicit Follower(const ParamValues& p)
        : reaction_turns_(static_cast<int>(p.get("reaction_turns"))),
          quality_band_(p.get("quality_band")),
          match_ratio_(p.get("match_ratio")),
          margin_floor_(p.get("margin_floor")),
          restore_margin_(p.get("restore_margin")) {}
    double price(const PricingContext& ctx) override {
        const auto& self = ctx.offers[ctx.offer];
        const double rival = cheapest_comparable(ctx, quality_band_, reaction_turns_);
        double p = self.list_price;
        if (rival < kInf) p = std::min(p, match_ratio_ * rival);
        const double floor = std::max(subsidised_floor(ctx, margin_floor_), budget_floor(ctx, restore_margin_));
        return std::max(p, floor);
    }

private:
    int reaction_turns_;
    double quality_band_, match_ratio_, margin_floor_, restore_margin_;
};

class Penetration final : public PricingStrategy {
public:
    explicit Penetration(const ParamValues& p)
        : reaction_turns_(static_cast<int>(p.get("reaction_turns"))),
          undercut_(p.get("undercut")),
          quality_band_(p.get("quality_band")),
          min_price_(p.get("min_price")),
          margin_floor_(p.get("margin_floor")),
          restore_margin_(p.get("restore_margin")) {}
    double price(const PricingContext& ctx) override {
        const auto& self = ctx.offers[ctx.offer];
        const double rival = cheapest_comparable(ctx, quality_band_, reaction_turns_);
        double p = self.price;
        if (rival < kInf && rival <= p) p = (1.0 - undercut_) * rival;
        return std::max({p, min_price_, subsidised_floor(ctx, margin_floor_), budget_floor(ctx, restore_margin_)});
    }

private:
    int reaction_turns_;
    double undercut_, quality_band_, min_price_, margin_floor_, restore_margin_;
};

class Premium final : public PricingStrategy {
public:
    explicit Premium(const ParamValues& p)
        : max_cut_(p.get("max_cut")),
          share_floor_(p.get("share_floor")),
          quality_band_(p.get("quality_band")),
          margin_floor_(p.get("margin_floor")) {}
    double price(const PricingContext& ctx) override {
        const auto& self = ctx.offers[ctx.offer];
        const double share = ctx.vendors[self.vendor].token_share;
        double p = self.price;
        if (share < share_floor_) {
            const double rival = cheapest_comparable(ctx, quality_band_, 1);
            if (rival < p) p = std::max(p * (1.0 - max_cut_), rival);
        }
        return std::max(p, subsidised_floor(ctx, margin_floor_));
    }

private:
    double max_cut_, share_floor_, quality_band_, margin_floor_;
};

template <class T>
StrategyInfo make_info(std::string name, std::string help, ParamSpecs params) {
    return {std::move(name), std::move(help), std::move(params),
            [](const ParamValues& v) -> std::unique_ptr<PricingStrategy> { return std::make_unique<T>(v); }};
}

}  // namespace

std::vector<StrategyInfo> basic_strategies() {
    const double no_floor = -1e6;
    std::vector<StrategyInfo> out;
    out.push_back(make_info<StaticPricing>("static", "Prices change only through timeline events.", {}));
    out.push_back(make_info<CostPlus>("cost_plus", "Price = unit cost / (1 - margin): follows its own falling cost.",
                                      {{"margin", 0.5, -10.0, 0.99, "gross margin kept on the blended price", false}}));
    out.push_back(make_info<Follower>(
        "follower",
        "Match the cheapest comparable rival offer (seen reaction_turns ago) times match_ratio, never above "
        "the list price and never below the margin floor (or the restored margin once the loss budget is spent).",
        {{"reaction_turns", 1, 1, 520, "turns before reacting to a rival's price", true},
         {"quality_band", 0.25, 0, 10, "rivals whose quality differs by at most this are comparable", false},
         {"match_ratio", 1.0, 0, 1000, "price as a multiple of the cheapest comparable rival's", false},
         {"margin_floor", 0.0, no_floor, 0.99,
          "lowest gross margin on the unit cost net of cross-subsidy; negative sells below it", false},
         {"restore_margin", 0.0, no_floor, 0.99, "margin floor on the unit cost once the loss budget is exhausted",
          false}}));
    out.push_back(make_info<Penetration>(
        "penetration",
        "Undercut the cheapest comparable rival (seen reaction_turns ago) by `undercut`, down to min_price (0 = "
        "free tier allowed) and the margin floor; hold the price while already cheapest.",
        {{"reaction_turns", 1, 1, 520, "turns before reacting to a rival's price", true},
         {"undercut", 0.1, 0, 1, "fraction below the cheapest comparable rival", false},
         {"quality_band", 0.25, 0, 10, "rivals whose quality differs by at most this are comparable", false},
         {"min_price", 0.0, 0, 1e9, "lowest blended price, CNY per Mtok", false},
         {"margin_floor", no_floor, no_floor, 0.99,
          "lowest gross margin on the unit cost net of cross-subsidy (default: none)", false},
         {"restore_margin", 0.0, no_floor, 0.99, "margin floor on the unit cost once the loss budget is exhausted",
          false}}));
    out.push_back(make_info<Premium>(
        "premium",
        "Hold the price; only while the vendor's token share is below share_floor, move toward the cheapest "
        "comparable rival by at most max_cut per turn, never below the margin floor.",
        {{"max_cut", 0.05, 0, 1, "largest relative cut per turn", false},
         {"share_floor", 0.02, 0, 1, "token share below which the vendor cuts", false},
         {"quality_band", 0.25, 0, 10, "rivals whose quality differs by at most this are comparable", false},
         {"margin_floor", 0.0, no_floor, 0.99, "lowest gross margin on the unit cost net of cross-subsidy", false}}));
    return out;
}

}  // namespace pricewar::strategies
