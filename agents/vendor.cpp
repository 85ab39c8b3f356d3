#include "agents/vendor.hpp"

#include <algorithm>
#include <cmath>

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

double funding_round(const VendorSpec& v, const VendorState& s, int turn, double vc_climate) {
    if (v.kind != VendorKind::startup || v.round_size <= 0.0 || v.funding_interval <= 0) return 0.0;
    if (turn <= 0 || turn % v.funding_interval != 0) return 0.0;
    const double growth =
        s.share_at_last_round > 0.0 ? s.token_share / s.share_at_last_round - 1.0 : (s.token_share > 0.0 ? kInf : 0.0);
    const bool investable = s.token_share >= v.investor_hurdle || growth >= v.investor_hurdle;
    return investable ? v.round_size * std::clamp(vc_climate, 0.0, 1.0) : 0.0;
}

}  // namespace pricewar
