#include "agents/learning/logit_market.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace pricewar::learning {

namespace {

void check_prices(const LogitMarket& market, std::span<const double> prices) {
    validate(market);
    if (prices.size() != market.quality.size())
        throw std::invalid_argument("logit market: expected " + std::to_string(market.quality.size()) +
                                    " prices, got " + std::to_string(prices.size()));
    for (double p : prices)
        if (!std::isfinite(p)) throw std::invalid_argument("logit market: prices must be finite");
}

// log(1 + e^y) without overflow or loss of precision for large |y|.
double softplus(double y) {
    return std::max(y, 0.0) + std::log1p(std::exp(-std::abs(y)));
}

// 1 / (1 + e^{-y}).
double sigmoid(double y) {
    if (y >= 0.0) return 1.0 / (1.0 + std::exp(-y));
    const double e = std::exp(y);
    return e / (1.0 + e);
}

// log(sum_k e^{z_k}) with the maximum factored out.
double log_sum_exp(std::span<const double> z) {
    double zmax = -std::numeric_limits<double>::infinity();
    for (double v : z)
        zmax = std::max(zmax, v);
    if (!std::isfinite(zmax)) return zmax;
    double sum = 0.0;
    for (double v : z)
        sum += std::exp(v - zmax);
    return zmax + std::log(sum);
}

// Unique root u >= 1 of u * sigmoid(u + K) = 1.  Works on F(u) = log u - softplus(-(u+K)),
// which is strictly increasing and concave, so Newton's method started left of the root
// climbs monotonically to it; a bracket [lo, hi] guards against rounding surprises.
// tol_u is the absolute accuracy wanted on u.
double solve_unit_markup(double K, double tol_u) {
    auto F = [K](double u) { return std::log(u) + (-softplus(-(u + K))); };
    auto dF = [K](double u) { return 1.0 / u + sigmoid(-(u + K)); };

    double lo = 1.0;  // F(1) = -softplus(-(1+K)) < 0
    double hi = std::numeric_limits<double>::infinity();
    double u = 1.0;
    const double step_tol = std::max(tol_u * 1e-3, 0.0);
    for (int iter = 0; iter < 400; ++iter) {
        const double f = F(u);
        if (f == 0.0) return u;
        if (f < 0.0) {
            lo = std::max(lo, u);
        } else {
            hi = std::min(hi, u);
        }
        double next = u - f / dF(u);
        if (!(next > lo && next < hi)) next = std::isfinite(hi) ? 0.5 * (lo + hi) : 2.0 * lo + 1.0;
        const double step = std::abs(next - u);
        u = next;
        if (step <= step_tol || step <= 4.0 * std::numeric_limits<double>::epsilon() * u ||
            (std::isfinite(hi) && hi - lo <= step_tol)) {
            return u;
        }
    }
    if (std::isfinite(hi) && hi - lo <= tol_u) return 0.5 * (lo + hi);
    throw std::runtime_error("logit market: markup equation did not converge");
}

}  // namespace

LogitMarket symmetric_logit_market(std::size_t n_firms, double quality, double cost, double outside_quality,
                                   double mu) {
    LogitMarket m;
    m.quality.assign(n_firms, quality);
    m.cost.assign(n_firms, cost);
    m.outside_quality = outside_quality;
    m.mu = mu;
    return m;
}

void validate(const LogitMarket& market) {
    if (market.quality.empty()) throw std::invalid_argument("logit market: at least one firm is required");
    if (market.quality.size() != market.cost.size())
        throw std::invalid_argument("logit market: quality has " + std::to_string(market.quality.size()) +
                                    " entries but cost has " + std::to_string(market.cost.size()));
    if (!(std::isfinite(market.mu) && market.mu > 0.0))
        throw std::invalid_argument("logit market: mu must be finite and > 0");
    if (!std::isfinite(market.outside_quality))
        throw std::invalid_argument("logit market: outside_quality must be finite");
    for (std::size_t i = 0; i < market.quality.size(); ++i)
        if (!std::isfinite(market.quality[i]) || !std::isfinite(market.cost[i]))
            throw std::invalid_argument("logit market: quality and cost of firm " + std::to_string(i) +
                                        " must be finite");
}

std::vector<double> shares(const LogitMarket& market, std::span<const double> prices) {
    check_prices(market, prices);
    const std::size_t n = prices.size();
    std::vector<double> z(n);
    double zmax = market.outside_quality / market.mu;
    for (std::size_t i = 0; i < n; ++i) {
        z[i] = (market.quality[i] - prices[i]) / market.mu;
        zmax = std::max(zmax, z[i]);
    }
    double total = std::exp(market.outside_quality / market.mu - zmax);
    for (std::size_t i = 0; i < n; ++i) {
        z[i] = std::exp(z[i] - zmax);
        total += z[i];
    }
    for (double& v : z)
        v /= total;
    return z;
}

double outside_share(const LogitMarket& market, std::span<const double> prices) {
    check_prices(market, prices);
    const double z0 = market.outside_quality / market.mu;
    double zmax = z0;
    for (std::size_t i = 0; i < prices.size(); ++i)
        zmax = std::max(zmax, (market.quality[i] - prices[i]) / market.mu);
    const double e0 = std::exp(z0 - zmax);
    double total = e0;
    for (std::size_t i = 0; i < prices.size(); ++i)
        total += std::exp((market.quality[i] - prices[i]) / market.mu - zmax);
    return e0 / total;
}

std::vector<double> profits(const LogitMarket& market, std::span<const double> prices) {
    std::vector<double> q = shares(market, prices);
    for (std::size_t i = 0; i < q.size(); ++i)
        q[i] *= prices[i] - market.cost[i];
    return q;
}

double joint_profit(const LogitMarket& market, std::span<const double> prices) {
    double sum = 0.0;
    for (double v : profits(market, prices))
        sum += v;
    return sum;
}

double best_response_price(const LogitMarket& market, std::size_t i, std::span<const double> prices, double tol) {
    check_prices(market, prices);
    if (i >= prices.size())
        throw std::invalid_argument("logit market: firm index " + std::to_string(i) + " out of range");
    if (!(tol > 0.0)) throw std::invalid_argument("logit market: tol must be > 0");
    // 1 - q_i = sigmoid((p_i - a_i)/mu + log R), R = sum_{j != i} e^{(a_j-p_j)/mu} + e^{a0/mu}.
    // With u = (p_i - c_i)/mu the FOC (p_i - c_i)(1 - q_i) = mu reads u sigmoid(u + K) = 1.
    std::vector<double> z;
    z.reserve(prices.size());
    z.push_back(market.outside_quality / market.mu);
    for (std::size_t j = 0; j < prices.size(); ++j)
        if (j != i) z.push_back((market.quality[j] - prices[j]) / market.mu);
    const double K = (market.cost[i] - market.quality[i]) / market.mu + log_sum_exp(z);
    const double u = solve_unit_markup(K, tol / market.mu);
    return market.cost[i] + market.mu * u;
}

std::vector<double> bertrand_nash_prices(const LogitMarket& market, double tol) {
    validate(market);
    if (!(tol > 0.0)) throw std::invalid_argument("logit market: tol must be > 0");
    const std::size_t n = market.quality.size();
    std::vector<double> p(n);
    for (std::size_t i = 0; i < n; ++i)
        p[i] = market.cost[i] + market.mu;
    // Simultaneous (Jacobi) best responses: identical firms get bit-identical prices.
    // The logit best-response map is a contraction (raising every rival price by d
    // raises a best response by less than d), so the iteration converges.
    const double inner_tol = tol * 1e-2;
    std::vector<double> next(n);
    for (int iter = 0; iter < 100000; ++iter) {
        double change = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            next[i] = best_response_price(market, i, p, inner_tol);
            change = std::max(change, std::abs(next[i] - p[i]));
        }
        p.swap(next);
        if (change <= tol) return p;
    }
    throw std::runtime_error("logit market: best-response iteration did not converge");
}

std::vector<double> monopoly_prices(const LogitMarket& market, double tol) {
    validate(market);
    if (!(tol > 0.0)) throw std::invalid_argument("logit market: tol must be > 0");
    // Joint FOC: p_i - c_i = mu + sum_j (p_j - c_j) q_j for every i, so all markups are
    // equal to m with m (1 - Q(m)) = mu, where 1 - Q(m) = q_0 = sigmoid(m/mu + K),
    // K = a0/mu - log sum_j e^{(a_j - c_j)/mu}.
    const std::size_t n = market.quality.size();
    std::vector<double> z(n);
    for (std::size_t j = 0; j < n; ++j)
        z[j] = (market.quality[j] - market.cost[j]) / market.mu;
    const double K = market.outside_quality / market.mu - log_sum_exp(z);
    const double markup = market.mu * solve_unit_markup(K, tol / market.mu);
    std::vector<double> p(n);
    for (std::size_t j = 0; j < n; ++j)
        p[j] = market.cost[j] + markup;
    return p;
}

}  // namespace pricewar::learning
