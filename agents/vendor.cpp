#include "agents/vendor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pricewar {

double gpus_to_order(const VendorSpec& v, const VendorState& s, double requested_mtok, double cash_available) {
    const double per_gpu = v.tokens_per_gpu * v.target_utilisation;
    if (per_gpu <= 0.0 || requested_mtok <= 0.0) return 0.0;
    const double installed = s.gpus + s.gpus_on_order;
    if (requested_mtok <= installed * per_gpu) return 0.0;
    double order = std::ceil(requested_mtok / per_gpu - installed);
    order = std::min(order, v.max_gpu_order);
    if (v.kind == VendorKind::startup && v.gpu_price > 0.0)
        order = std::min(order, std::floor(0.5 * std::max(0.0, cash_available) / v.gpu_price));  // half kept as runway
    return std::max(0.0, order);
}

void Smoothed::update(double y, double half_life) {
    if (!started) {
        value = y;
        started = true;
        return;
    }
    const double keep = std::pow(0.5, 1.0 / std::max(half_life, 1e-9));
    value = keep * value + (1.0 - keep) * y;
}

void Traction::update(const Observation& x, double half_life) {
    dev_.update(x.developer_share, half_life);
    api_share_.update(x.api_revenue_share, half_life);
    total_.update(x.api_revenue + x.other_revenue, half_life);
    api_rev_.update(x.api_revenue, half_life);
    inference_.update(x.inference_cost, half_life);
    cost_.update(x.operating_cost, half_life);
    auto push = [](std::vector<double>& h, double v) { h.push_back(h.empty() ? v : std::max(h.back(), v)); };
    push(dev_hist_, dev_.value);
    push(api_hist_, api_share_.value);
    push(total_hist_, total_.value);
}

double Traction::coverage() const {
    return cost_.value > 0.0 ? total_.value / cost_.value : 0.0;
}

double Traction::margin() const {
    if (api_rev_.value <= 0.0) return 0.0;
    return std::clamp(1.0 - inference_.value / api_rev_.value, -1.0, 1.0);
}

double Traction::growth(double now, const std::vector<double>& high_water, int window) {
    const auto w = static_cast<std::size_t>(std::max(1, window));
    if (high_water.size() <= w) return 0.0;
    const double mark = high_water[high_water.size() - 1 - w];
    if (mark <= 0.0) return now > 0.0 ? 3.0 : 0.0;
    if (now <= 0.0) return -3.0;
    return std::clamp(std::log(now / mark), -3.0, 3.0);
}

double funding_probability(const Traction& t, double intercept, const MarketSpec& m, double vc_climate) {
    if (vc_climate <= 0.0) return 0.0;  // a closed market funds no one
    constexpr double kShareFloor = 1e-4;
    const double level = 0.5 * (std::log(std::max(t.developer_share(), kShareFloor)) +
                                std::log(std::max(t.api_revenue_share(), kShareFloor)));
    const int w = m.traction_window;
    const double growth = (t.developer_growth(w) + t.api_revenue_growth(w) + t.total_revenue_growth(w)) / 3.0;
    const double z = intercept + m.funding_share_weight * level +
                     m.funding_coverage_weight * std::min(t.coverage(), 10.0) + m.funding_growth_weight * growth +
                     m.funding_margin_weight * t.margin() + m.vc_odds_elasticity * std::log(std::min(vc_climate, 1.0));
    return 1.0 / (1.0 + std::exp(-z));
}

double other_revenue(const VendorSpec& v, int turn, double turn_days, double quality_ratio) {
    if (v.other_revenue <= 0.0) return 0.0;
    const double years = turn * turn_days / 365.0;
    const double q = quality_ratio > 0.0 ? std::pow(quality_ratio, v.other_revenue_quality_elasticity) : 1.0;
    return v.other_revenue * std::pow(1.0 + v.other_revenue_growth, years) * q;
}

double runway_turns(double cash, double smoothed_burn) {
    return smoothed_burn > 0.0 ? std::max(0.0, cash) / smoothed_burn : kInf;
}

bool seeks_round(const VendorSpec& v, const VendorState& s, int turn, double runway) {
    if (v.kind != VendorKind::startup || v.raise_runway_turns <= 0.0 || turn <= 0) return false;
    if (s.last_raise_attempt >= 0 && turn - s.last_raise_attempt < v.raise_spacing) return false;
    return runway < v.raise_runway_turns;
}

double round_size(const VendorSpec& v, double smoothed_burn, double vc_climate) {
    return v.round_runway_turns * std::max(0.0, smoothed_burn) * std::clamp(vc_climate, 0.0, 1.0);
}

double api_value(const VendorSpec& v, const VendorState& s, int window) {
    const auto& h = s.api_contribution_history;
    const auto w = static_cast<std::size_t>(std::max(1, window));
    if (v.withdraw_horizon <= 0 || h.size() <= w) return std::numeric_limits<double>::quiet_NaN();
    const double now = h.back();
    const double trend = (now - h[h.size() - 1 - w]) / static_cast<double>(w);
    const double H = v.withdraw_horizon;
    // sum over k = 1..H of (now + k trend - api_fixed_cost)
    return H * (now - std::min(v.api_fixed_cost, v.fixed_cost)) + trend * H * (H + 1.0) / 2.0;
}

}  // namespace pricewar
