#pragma once
// Multinomial-logit oligopoly of Calvano, Calzolari, Denicolo & Pastorello (2020,
// AER 110(10)), the market of the repeated pricing games (docs/model.md, "Repeated pricing
// games (Q-learning)"; docs/learning.md) and the benchmark of the market's logit demand
// (docs/model.md, "Developers").
//
// Firm i sells one product of quality a_i at price p_i with marginal cost c_i; an
// outside good has quality a_0 and price 0.  The demand share of firm i is
//
//     q_i = exp((a_i - p_i)/mu) / (sum_j exp((a_j - p_j)/mu) + exp(a_0/mu))
//
// and its per-period profit is (p_i - c_i) q_i (market size normalised to 1).
//
// Everything here supports any number n >= 1 of firms and fully asymmetric
// qualities and costs:
//  * best_response_price solves the first-order condition p_i = c_i + mu/(1 - q_i),
//    which has a unique root ((p_i - c_i)(1 - q_i) is increasing in p_i);
//  * bertrand_nash_prices iterates simultaneous best responses to a fixed point;
//  * monopoly_prices uses the fact that a multi-product logit monopolist sets the
//    same markup m on every product, with m (1 - sum_j q_j(m)) = mu, a 1-D equation
//    with a unique root; the result is therefore exact for every asymmetric n.
// Both 1-D equations reduce to u * sigmoid(u + K) = 1 (u = markup / mu), solved by
// Newton's method on log u - softplus(-(u + K)), which is increasing and concave, with
// a bisection safeguard.

#include <cstddef>
#include <span>
#include <vector>

namespace pricewar::learning {

struct LogitMarket {
    std::vector<double> quality;   // a_i, one entry per firm
    std::vector<double> cost;      // c_i, one entry per firm
    double outside_quality = 0.0;  // a_0
    double mu = 0.25;              // horizontal differentiation (logit scale), > 0
};

// n identical firms; the defaults are the Calvano et al. baseline (a=2, c=1, a0=0, mu=1/4).
LogitMarket symmetric_logit_market(std::size_t n_firms, double quality = 2.0, double cost = 1.0,
                                   double outside_quality = 0.0, double mu = 0.25);

// Throws std::invalid_argument unless the market has >= 1 firm, equally many qualities
// and costs, finite parameters and mu > 0.
void validate(const LogitMarket& market);

// Shares q_i of the inside goods (they sum to 1 - q_0).  prices.size() must equal the
// number of firms and every price must be finite.  Computed with the largest exponent
// factored out, so extreme prices or a tiny mu neither overflow nor divide 0 by 0.
std::vector<double> shares(const LogitMarket& market, std::span<const double> prices);

// Share of the outside good, q_0 = 1 - sum_i q_i (computed directly, not by subtraction).
double outside_share(const LogitMarket& market, std::span<const double> prices);

// Per-firm profits (p_i - c_i) q_i.
std::vector<double> profits(const LogitMarket& market, std::span<const double> prices);

// Sum of all firms' profits.
double joint_profit(const LogitMarket& market, std::span<const double> prices);

// Price of firm i that maximises its own profit given the rivals' prices (prices[i] is
// ignored).  Absolute accuracy about tol (default 1e-12).
double best_response_price(const LogitMarket& market, std::size_t i, std::span<const double> prices,
                           double tol = 1e-12);

// Bertrand-Nash equilibrium prices (unique for this demand), found by iterating
// simultaneous best responses until no price moves by more than tol.  Symmetric baseline: 1.47293 each.
// Throws std::runtime_error if the iteration fails to settle (not observed in practice).
std::vector<double> bertrand_nash_prices(const LogitMarket& market, double tol = 1e-12);

// Prices maximising joint profit (collusive / monopoly prices), exact for any n and
// any asymmetric qualities and costs (uniform-markup characterisation, see above).
// Symmetric baseline: 1.92498 each.
std::vector<double> monopoly_prices(const LogitMarket& market, double tol = 1e-12);

}  // namespace pricewar::learning
