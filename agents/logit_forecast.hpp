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
    // log(p + kappa) per offer and, last, for the outside option (NaN where p + kappa <= 0 or
    // p is not finite): computed once per menu, not once per developer, since the demand
    // forecasts of the pricing strategies evaluate thousands of developers per price tried.
    std::vector<double> log_cost;
};

// The board's menu with `prices` (the board's prices, one of them changed) in their place.
inline LogitMenu hypothetical_menu(const OfferBoard& board, std::span<const double> prices, double kappa,
                                   const DeveloperSpec& spec) {
    LogitMenu menu{prices,
                   board.quality,
                   board.available,
                   board.outside_price,
                   board.outside_quality,
                   kappa,
                   spec.noise_scale,
                   spec.price_utility == PriceUtility::log,
                   {}};
    menu.log_cost.resize(prices.size() + 1);
    for (std::size_t o = 0; o <= prices.size(); ++o) {
        const double p = o == prices.size() ? board.outside_price : prices[o];
        menu.log_cost[o] = std::log(p + kappa);
    }
    return menu;
}

// Adds mass x P(offer) developers and mass x P(offer) x usage(price, log(price + kappa))
// tokens for every offer.
template <class Usage>
void add_logit_demand(const LogitMenu& menu, double mass, double value, double beta, double alpha, Usage&& usage,
                      std::vector<double>& scratch, std::vector<DemandForecast>& out) {
    const std::size_t m = menu.price.size();
    scratch.resize(m + 1);
    auto term = [&](std::size_t o, double p) { return menu.log_utility ? menu.log_cost[o] : p; };
    double best = -kInf;
    for (std::size_t o = 0; o <= m; ++o) {
        const bool outside = o == m;
        const double p = outside ? menu.outside_price : menu.price[o];
        const bool ok = outside ? std::isfinite(p) : menu.open[o] != 0;
        if (!ok || value < p + menu.kappa) {
            scratch[o] = -kInf;
            continue;
        }
        scratch[o] = (beta * (outside ? menu.outside_quality : menu.quality[o]) - alpha * term(o, p)) / menu.mu;
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
        out[o].tokens_mtok += mass * prob * usage(menu.price[o], menu.log_cost[o]);
    }
}

}  // namespace pricewar

namespace pricewar {

// One developer (or mean-field type) as the static logit sees it.
struct LogitDeveloper {
    double mass = 0.0;   // developers it stands for
    double value = 0.0;  // highest price + kappa it can bear
    double beta = 0.0;   // quality weight
    double alpha = 0.0;  // price weight
};

// Repeated forecasts that vary one offer's price against fixed other prices (a pricing
// strategy's search over one price) share every developer's logit terms of the other options.
// The cache keeps them, per developer, relative to the best other option: exp(u_o - u_best)
// and usage per offer (weighted by them), and their sum with the outside option. Each price
// tried then costs two exponentials per developer (its utility and its usage) instead of two
// per option. Only the offers in the forecast's scope are kept and accumulated (the priced
// offer's vendor's, or every offer): a vendor's objective reads no rival's forecast, and the
// accumulation over every offer was most of a forecast's cost. Results equal
// add_logit_demand's up to rounding, and do not depend on the scope for the offers in it.
// Not thread-safe; owned by one demand model.
class LogitSweepCache {
public:
    // The developers' states changed (a turn's choices, an exit): forget the terms.
    void invalidate() { valid_ = false; }

    // out[o] += the static logit demand of `count` developers, for the offers o in `scope`, with
    // offer `offer` at `price` and the board's other prices. dev(j) gives developer j as a
    // LogitDeveloper; usage(j, p, log(p + kappa)) its usage at price p.
    template <class Developer, class Usage>
    void add(const OfferBoard& board, int offer, double price, ForecastScope scope, double kappa,
             const DeveloperSpec& spec, std::size_t count, Developer&& dev, Usage&& usage,
             std::vector<DemandForecast>& out) {
        const auto own = static_cast<std::size_t>(offer);
        if (!matches(board, offer, scope, kappa, spec, count))
            rebuild(board, offer, scope, kappa, spec, count, dev, usage);
        const bool log_utility = spec.price_utility == PriceUtility::log;
        const double log_cost = std::log(price + kappa);
        const double term = log_utility ? log_cost : price;
        const bool open = board.available[own] != 0;
        const std::size_t t = tracked_.size();
        acc_developers_.assign(t, 0.0);
        acc_tokens_.assign(t, 0.0);
        for (std::size_t j = 0; j < count; ++j) {
            const auto d = dev(j);
            double own_e = 0.0, scale = 1.0;
            if (open && d.value >= price + kappa) {
                const double x = (d.beta * board.quality[own] - d.alpha * term) / spec.noise_scale - best_[j];
                if (best_[j] == -kInf || x > 700.0) {  // only this option, or it dominates
                    own_e = 1.0;
                    scale = 0.0;
                } else {
                    own_e = std::exp(x);
                }
            }
            const double sum = scale * sums_[j] + own_e;
            if (sum <= 0.0) continue;
            if (own_e > 0.0) {
                const double prob = own_e / sum;
                out[own].developers += d.mass * prob;
                out[own].tokens_mtok += d.mass * prob * usage(j, price, log_cost);
            }
            if (scale == 0.0) continue;
            // The tracked offers' shares: two multiply-adds per offer over contiguous rows,
            // accumulated apart and added to `out` at the end.
            const double w = d.mass / sum;
            const double* e = terms_.data() + j * t;
            const double* eu = weighted_usage_.data() + j * t;
            for (std::size_t k = 0; k < t; ++k) {
                acc_developers_[k] += w * e[k];
                acc_tokens_[k] += w * eu[k];
            }
        }
        for (std::size_t k = 0; k < t; ++k) {
            out[tracked_[k]].developers += acc_developers_[k];
            out[tracked_[k]].tokens_mtok += acc_tokens_[k];
        }
    }

private:
    bool matches(const OfferBoard& board, int offer, ForecastScope scope, double kappa, const DeveloperSpec& spec,
                 std::size_t count) const {
        if (!valid_ || offer != offer_ || scope != scope_ || count != count_ || kappa != kappa_ ||
            spec.noise_scale != mu_)
            return false;
        if (board.outside_price != outside_price_ || board.outside_quality != outside_quality_) return false;
        const std::size_t m = board.price.size();
        if (price_.size() != m) return false;
        for (std::size_t o = 0; o < m; ++o) {
            if (static_cast<int>(o) == offer) continue;
            // Bitwise comparison: NaN prices of offers off sale compare by their open flag.
            if (board.available[o] != open_[o] || board.quality[o] != quality_[o]) return false;
            if (board.available[o] != 0 && board.price[o] != price_[o]) return false;
        }
        return true;
    }

    template <class Developer, class Usage>
    void rebuild(const OfferBoard& board, int offer, ForecastScope scope, double kappa, const DeveloperSpec& spec,
                 std::size_t count, Developer&& dev, Usage&& usage) {
        const std::size_t m = board.price.size();
        offer_ = offer;
        scope_ = scope;
        count_ = count;
        kappa_ = kappa;
        mu_ = spec.noise_scale;
        outside_price_ = board.outside_price;
        outside_quality_ = board.outside_quality;
        price_.assign(board.price.begin(), board.price.end());
        quality_.assign(board.quality.begin(), board.quality.end());
        open_.assign(board.available.begin(), board.available.end());
        // The offers whose shares are accumulated: the other on-sale offers in the scope.
        tracked_.clear();
        const int vendor = board.vendor[static_cast<std::size_t>(offer)];
        for (std::size_t o = 0; o < m; ++o)
            if (static_cast<int>(o) != offer && open_[o] != 0 &&
                (scope == ForecastScope::market || board.vendor[o] == vendor))
                tracked_.push_back(o);
        const std::size_t t = tracked_.size();
        const bool log_utility = spec.price_utility == PriceUtility::log;
        std::vector<double> log_cost(m + 1), e(m + 1);
        for (std::size_t o = 0; o <= m; ++o)
            log_cost[o] = std::log((o == m ? outside_price_ : price_[o]) + kappa);
        terms_.assign(count * t, 0.0);
        weighted_usage_.assign(count * t, 0.0);
        best_.assign(count, -kInf);
        sums_.assign(count, 0.0);
        for (std::size_t j = 0; j < count; ++j) {
            const auto d = dev(j);
            double best = -kInf;
            for (std::size_t o = 0; o <= m; ++o) {
                const bool outside = o == m;
                const double p = outside ? outside_price_ : price_[o];
                const bool ok = outside ? std::isfinite(p) : (open_[o] != 0 && static_cast<int>(o) != offer);
                if (!ok || d.value < p + kappa) {
                    e[o] = -kInf;
                    continue;
                }
                const double q = outside ? outside_quality_ : quality_[o];
                e[o] = (d.beta * q - d.alpha * (log_utility ? log_cost[o] : p)) / mu_;
                best = std::max(best, e[o]);
            }
            best_[j] = best;
            double sum = 0.0;
            for (std::size_t o = 0; o <= m; ++o) {
                e[o] = e[o] == -kInf ? 0.0 : std::exp(e[o] - best);
                sum += e[o];
            }
            sums_[j] = sum;
            for (std::size_t k = 0; k < t; ++k) {
                const std::size_t o = tracked_[k];
                terms_[j * t + k] = e[o];
                if (e[o] > 0.0) weighted_usage_[j * t + k] = e[o] * usage(j, price_[o], log_cost[o]);
            }
        }
        valid_ = true;
    }

    bool valid_ = false;
    int offer_ = -1;
    ForecastScope scope_ = ForecastScope::market;
    std::size_t count_ = 0;
    double kappa_ = 0.0, mu_ = 1.0, outside_price_ = 0.0, outside_quality_ = 0.0;
    std::vector<double> price_, quality_;
    std::vector<std::uint8_t> open_;
    std::vector<std::size_t> tracked_;    // the other on-sale offers in the scope
    std::vector<double> terms_;           // [developer][tracked offer]: exp(u - best), 0 when not viable
    std::vector<double> weighted_usage_;  // [developer][tracked offer]: terms_ x usage at the offer's price
    std::vector<double> best_,
        sums_;  // per developer: best other utility, sum of exp(u - best) over every other option
    std::vector<double> acc_developers_, acc_tokens_;
};

}  // namespace pricewar
