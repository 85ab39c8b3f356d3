// customer_value: forward-looking pricing with an installed base (docs/model.md, "Pricing
// strategies", "Forward-looking pricing"). The price maximises this turn's profit plus the
// value of the developers carried into the next turn, each worth its discounted future margin
// for as long as switching costs keep it; optionally it holds a focal price while comparable
// rivals hold theirs (tacit coordination) and prices forward-looking after a rival's cut.

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "agents/strategies/common.hpp"
#include "agents/strategies/customer_value.hpp"

namespace pricewar::strategies {
namespace {

// Prices are found to 1e-6 relative: far below any price step that matters, and each digit
// more costs a demand forecast over every aware developer.
constexpr double kPriceTolerance = 1e-6;

struct CustomerValueParams {
    double discount_rate = 0.10;         // per year
    double believed_cost_decline = 0.0;  // per year
    double margin_floor = kNoMarginFloor;
    double restore_margin = 0.0;
    double min_price = 0.0;
    double max_price = 1e6;
    int grid_points = 200;
    int coordinate = 0;
    double tolerance = 0.05;
    double quality_band = 0.25;
    int punishment_turns = 0;
    int multimarket = 0;
};

class CustomerValue final : public PricingStrategy {
public:
    explicit CustomerValue(const CustomerValueParams& p) : p_(p) {}

    double price(const PricingContext& ctx) override {
        const auto& self = ctx.offers[ctx.offer];
        if (p_.coordinate != 0 && coordinating(ctx)) return self.list_price;
        if (ctx.demand == nullptr) return self.price;
        return forward_looking_price(ctx);
    }

private:
    // --- Tacit coordination (Green & Porter 1984; Rotemberg & Saloner 1986) ---------------
    // References are the prices comparable rivals were first seen at (or at the end of the
    // last punishment). A rival seen last turn below (1 - tolerance) of its reference starts a
    // punishment phase of punishment_turns (0: for good).
    bool coordinating(const PricingContext& ctx) {
        if (war_for_good_) return false;
        if (ctx.turn < war_until_) return false;
        const bool history = ctx.price_history != nullptr && ctx.available_history != nullptr &&
                             ctx.quality_history != nullptr && ctx.turn > 0;
        if (!history) return true;
        const auto row = static_cast<std::size_t>(ctx.turn - 1);
        const auto& self = ctx.offers[ctx.offer];
        if (reference_.size() != ctx.offers.size()) reference_.assign(ctx.offers.size(), kInf);
        if (war_until_ > 0 && ctx.turn == war_until_) {  // punishment over: back to focal prices
            std::fill(reference_.begin(), reference_.end(), kInf);
            war_until_ = 0;
        }
        bool deviation = false;
        for (std::size_t o = 0; o < ctx.offers.size(); ++o) {
            if (static_cast<int>(o) == ctx.offer || ctx.offers[o].vendor == self.vendor) continue;
            if (ctx.available_history->at(row, o) < 0.5) continue;
            const double q = ctx.quality_history->at(row, o);
            if (!comparable(ctx, q)) continue;
            const double p = ctx.price_history->at(row, o);
            if (!std::isfinite(p)) continue;
            if (reference_[o] == kInf) {
                reference_[o] = p;
                continue;
            }
            if (p < (1.0 - p_.tolerance) * reference_[o]) deviation = true;
        }
        if (!deviation) return true;
        if (p_.punishment_turns <= 0)
            war_for_good_ = true;
        else
            war_until_ = ctx.turn + p_.punishment_turns;
        return false;
    }

    // Is a rival of quality q comparable: within quality_band of this offer or, with
    // multimarket contact, of any offer of this vendor on sale (Bernheim & Whinston 1990: a
    // deviation in one market is answered in every market the firms meet in).
    bool comparable(const PricingContext& ctx, double q) const {
        const auto& self = ctx.offers[ctx.offer];
        const double band = p_.quality_band + 1e-12;
        if (std::abs(q - self.quality) <= band) return true;
        if (p_.multimarket == 0) return false;
        for (const auto& own : ctx.offers)
            if (own.vendor == self.vendor && own.available && std::abs(q - own.quality) <= band) return true;
        return false;
    }

    // --- Forward-looking price (Klemperer 1987, 1995; Dube, Hitsch & Rossi 2009) ----------
    struct Lockin {
        double r = 1.0;      // re-evaluation probability per turn
        double k = 1.0;      // exp(-s / mu): odds factor of a vendor change
        double aware = 0.0;  // developers the forecast is over
        double newly = 0.0;  // newcomers expected this turn
    };

    Lockin lockin(const PricingContext& ctx) const {
        Lockin l;
        const auto& books = ctx.vendors[ctx.offers[ctx.offer].vendor];
        if (ctx.market != nullptr) {
            l.r = books.rationed ? 1.0 : std::clamp(ctx.market->reevaluate_prob, 0.0, 1.0);
            l.k = ctx.market->noise_scale > 0.0 ? std::exp(-ctx.market->switching_cost / ctx.market->noise_scale)
                                                : (ctx.market->switching_cost > 0.0 ? 0.0 : 1.0);
            l.aware = ctx.market->aware;
            l.newly = ctx.market->newly_aware;
        }
        return l;
    }

    // Logit share sigma of the offer among the aware at price p, with the probabilities that a
    // re-evaluating developer on it stays and one elsewhere joins when changing vendor costs s.
    static double stay_prob(double sigma, double k) {
        const double d = sigma + k * (1.0 - sigma);
        return d > 0.0 ? sigma / d : 0.0;
    }
    static double join_prob(double sigma, double k) {
        const double d = k * sigma + (1.0 - sigma);
        return d > 0.0 ? k * sigma / d : 0.0;
    }

    struct Outcome {
        double current = 0.0;      // this turn's profit of the vendor, on the base carried out
        double base = 0.0;         // developers carried out of this turn on the offer
        double q = 0.0;            // beta x delta: per-turn discounted persistence of a developer
        double usage = 0.0;        // Mtok per developer per turn on the offer at this price
        double vendor_mtok = 0.0;  // tokens requested from the vendor if every aware developer chose afresh
    };

    Outcome evaluate(const PricingContext& ctx, const Lockin& l, double p) {
        (*ctx.demand)(ctx.offer, p, ForecastScope::vendor, forecast_);
        const auto& self = ctx.offers[ctx.offer];
        const auto& books = ctx.vendors[self.vendor];
        const auto me = static_cast<std::size_t>(ctx.offer);
        const double f = forecast_[me].developers;
        const double usage = f > 0.0 ? forecast_[me].tokens_mtok / f : 0.0;
        // Base carried out of this turn: locked developers stay, re-evaluators stay or join
        // with switching-cost-adjusted logit probabilities, newcomers choose freely.
        double base = f;
        double delta = 0.0;  // how much more likely a developer on the offer is on it next turn
        if (l.aware > 0.0) {
            const double sigma = std::clamp(f / l.aware, 0.0, 1.0);
            const double d0 = std::min(self.developers, l.aware);
            const double kept = std::min(forecast_[me].retained, d0);  // those for whom p stays viable
            const double ps = stay_prob(sigma, l.k), pj = join_prob(sigma, l.k);
            base = (1.0 - l.r) * kept + l.r * (kept * ps + (l.aware - d0) * pj) + l.newly * sigma;
            if (f <= 0.0) base = 0.0;  // not viable at p: even locked developers must leave
            delta = std::clamp(1.0 - l.r * (1.0 - ps + pj), 0.0, 1.0);
        }
        const double s = books.cross_subsidy_per_developer;
        Outcome out;
        out.current = (p - self.unit_cost) * usage * base + s * base;
        // Capacity is planned against the static demand (every aware developer choosing
        // afresh), not the base carried out: when rivals ration, their developers all re-choose,
        // and a plan on the locked-in base would let the offer cut into rationing every other turn.
        out.vendor_mtok = forecast_[me].tokens_mtok;
        for (std::size_t o = 0; o < ctx.offers.size(); ++o) {  // the vendor's other offers
            const auto& other = ctx.offers[o];
            if (o == me || other.vendor != self.vendor) continue;
            out.current += (other.price - other.unit_cost) * forecast_[o].tokens_mtok + s * forecast_[o].developers;
            out.vendor_mtok += forecast_[o].tokens_mtok;
        }
        const double days = ctx.market != nullptr ? ctx.market->turn_days : 7.0;
        out.q = std::exp(-p_.discount_rate * days / 365.0) * delta;
        out.base = base;
        out.usage = usage;
        return out;
    }

    // Value of one developer carried out of this turn: sum_j q^j ((p' u' + S) - c u' g^j) with
    // the expected future price p' and usage u' there, g the believed per-turn cost factor.
    double developer_value(const PricingContext& ctx, double q, double expected_price, double expected_usage) const {
        if (!(q > 0.0)) return 0.0;
        const auto& self = ctx.offers[ctx.offer];
        const double s = ctx.vendors[self.vendor].cross_subsidy_per_developer;
        const double days = ctx.market != nullptr ? ctx.market->turn_days : 7.0;
        const double g = std::pow(1.0 - p_.believed_cost_decline, days / 365.0);
        return (expected_price * expected_usage + s) * q / (1.0 - q) -
               self.unit_cost * expected_usage * q * g / (1.0 - q * g);
    }

    static double objective(const Outcome& o, double developer_value) {
        const double v = o.current + (o.base > 0.0 ? o.base * developer_value : 0.0);
        return std::isfinite(v) ? v : -kInf;  // a non-finite value (a NaN forecast) never wins
    }

    double forward_looking_price(const PricingContext& ctx) {
        const auto& self = ctx.offers[ctx.offer];
        const auto& books = ctx.vendors[self.vendor];
        const Lockin l = lockin(ctx);
        const double lo =
            std::max({p_.min_price, subsidised_floor(ctx, p_.margin_floor), budget_floor(ctx, p_.restore_margin)});
        double scale = std::max({self.price, self.unit_cost, 1e-9});
        for (const auto& o : ctx.offers)
            if (o.available) scale = std::max(scale, o.price);
        const double hi = std::max(lo, std::min(p_.max_price, 10.0 * scale));

        // Markov expectations: the vendor cannot commit to future prices, so the future price
        // it values its base at is the price this rule sets, a fixed point e = argmax_k
        // J(p_k; e) over the price grid. One forecast per grid price serves every candidate
        // expectation. Among several fixed points the vendor takes the most valuable; with none
        // (the best reply jumps over the diagonal), the crossing.
        const int n = std::max(2, p_.grid_points);
        grid_.resize(static_cast<std::size_t>(n) + 1);
        // Grid: lo, then geometric from max(lo, hi / 10^4) to hi. Prices on sale span four
        // decades (free lite tiers to flagships), so a linear grid would put every price that
        // matters for a cheap offer in its first cell.
        const double bottom = std::max(lo, 1e-4 * hi);
        auto price_at = [&](int k) {
            if (k == 0) return lo;
            if (k == n) return hi;
            return bottom * std::pow(hi / bottom, static_cast<double>(k - 1) / (n - 1));
        };
        for (int k = 0; k <= n; ++k)
            grid_[static_cast<std::size_t>(k)] = evaluate(ctx, l, price_at(k));
        auto expected_usage = [&](int e) {
            const double u = grid_[static_cast<std::size_t>(e)].usage;
            return u > 0.0 ? u : self.tokens_per_developer;
        };
        auto best_reply = [&](int e) {
            int best = 0;
            double best_v = -kInf;
            for (int k = 0; k <= n; ++k) {
                const auto& o = grid_[static_cast<std::size_t>(k)];
                const double v = objective(o, developer_value(ctx, o.q, price_at(e), expected_usage(e)));
                if (v > best_v) {
                    best_v = v;
                    best = k;
                }
            }
            return best;
        };
        int fixed = -1, crossing = n;
        double fixed_v = -kInf;
        for (int e = 0; e <= n; ++e) {
            const int r = best_reply(e);
            if (r <= e && crossing == n) crossing = e;
            if (r != e) continue;
            const auto& o = grid_[static_cast<std::size_t>(e)];
            const double v = objective(o, developer_value(ctx, o.q, price_at(e), expected_usage(e)));
            if (fixed < 0 || v > fixed_v) {
                fixed = e;
                fixed_v = v;
            }
        }
        const int e = fixed >= 0 ? fixed : crossing;
        const double pe = price_at(e), ue = expected_usage(e);
        // Refine the reply to that expectation inside the grid cells around it.
        const int k = best_reply(e);
        double p = maximise_price(
            price_at(std::max(0, k - 1)), price_at(std::min(n, k + 1)), 2,
            [&](double x) {
                const Outcome o = evaluate(ctx, l, x);
                return objective(o, developer_value(ctx, o.q, pe, ue));
            },
            kPriceTolerance);
        // Capacity: no cut while rationed; when the forecast exceeds capacity, rise to the
        // lowest price whose forecast fits (bisection; no cut when none does).
        const double cap = books.capacity_mtok;
        if (cap > 0.0 && std::isfinite(cap)) {
            if (books.rationed) p = std::max(p, self.price);
            if (evaluate(ctx, l, p).vendor_mtok > cap) {
                double x = p, y = hi;
                // The vendor's other offers alone exceed capacity: this price cannot clear it,
                // so the offer only does not cut.
                if (evaluate(ctx, l, y).vendor_mtok > cap) return std::max(p, self.price);
                for (int it = 0; it < 100 && y - x > kPriceTolerance * std::max(1.0, y); ++it) {
                    const double mid = 0.5 * (x + y);
                    (evaluate(ctx, l, mid).vendor_mtok > cap ? x : y) = mid;
                }
                p = y;
            }
        }
        return p;
    }

    CustomerValueParams p_;
    std::vector<DemandForecast> forecast_;
    std::vector<double> reference_;
    std::vector<Outcome> grid_;  // the forecasts at the grid prices of one decision
    int war_until_ = 0;
    bool war_for_good_ = false;
};

}  // namespace

StrategyInfo customer_value_strategy() {
    using P = CustomerValueParams;
    const std::string per_mtok = "CNY/Mtok";
    return market_strategy<CustomerValue, P>(
        "customer_value",
        "Forward-looking: maximise this turn's profit plus the discounted value of the installed base kept by "
        "switching costs, with believed cost declines, loss budget, margin floor and capacity; coordinate = 1 holds "
        "the list price while comparable rivals hold theirs and prices forward-looking after a cut.",
        {{"discount_rate", &P::discount_rate, 0, 1e12, "discount rate of future margins (1e12: myopic)", "1/year"},
         {"believed_cost_decline", &P::believed_cost_decline, 0, 0.99,
          "decline of its own unit cost the vendor expects", "1/year"},
         {"margin_floor", &P::margin_floor, kNoMarginFloor, 0.99,
          "lowest gross margin on the unit cost net of cross-subsidy (negative: below it allowed)"},
         {"restore_margin", &P::restore_margin, kNoMarginFloor, 0.99,
          "margin floor on the unit cost once the loss budget is exhausted"},
         {"min_price", &P::min_price, 0, 1e12, "lowest price searched", per_mtok},
         {"max_price", &P::max_price, 0, 1e12, "highest price searched", per_mtok},
         {"grid_points", &P::grid_points, 4, 100000, "coarse grid before the golden-section refinement"},
         {"coordinate", &P::coordinate, 0, 1, "1 = hold the list (focal) price while comparable rivals hold theirs"},
         {"tolerance", &P::tolerance, 0, 1, "a rival's cut below its reference price that ends coordination"},
         {"quality_band", &P::quality_band, 0, 10, "quality distance within which a rival is comparable"},
         {"punishment_turns", &P::punishment_turns, 0, 100000,
          "turns of forward-looking pricing after a cut (0: for good)", "turns"},
         {"multimarket", &P::multimarket, 0, 1,
          "1 = a cut by a rival comparable to any of the vendor's offers ends coordination on this one"}});
}

}  // namespace pricewar::strategies
