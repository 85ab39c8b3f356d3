#pragma once
// A vendor's state and the rules of its books (docs/model.md, "Vendors"): compute capacity,
// GPU orders, cloud cross-subsidy, funding rounds and exit.

#include "sim/model/scenario.hpp"

namespace pricewar {

// Money flows of one turn, CNY. Cash identity:
// delta cash = revenue + cross_subsidy + funding - inference_cost - gpu_opex - fixed_cost - capex.
struct VendorFlows {
    double revenue = 0, inference_cost = 0, gpu_opex = 0, fixed_cost = 0, capex = 0, cross_subsidy = 0, funding = 0;

    // Operating result including capex (no depreciation in the model), excluding funding.
    [[nodiscard]] double profit() const {
        return revenue + cross_subsidy - inference_cost - gpu_opex - fixed_cost - capex;
    }
    [[nodiscard]] double cash_change() const { return profit() + funding; }
};

struct VendorState {
    bool entered = true;  // false until a vendor_entry event
    bool alive = true;
    int exit_turn = -1;
    double cash = 0;
    double gpus = 0;
    double gpus_on_order = 0;
    double cumulative_profit = 0;
    double cumulative_ai_profit = 0;  // excluding cross-subsidy: the loss budget applies here
    double peak_loss = 0;
    double token_share = 0;
    double share_at_last_round = 0;  // token share at the previous funding opportunity
    bool rationed = false;
    VendorFlows flows;

    [[nodiscard]] bool active() const { return entered && alive; }
};

inline double capacity_mtok(const VendorState& s, const VendorSpec& v) {
    return s.gpus * v.tokens_per_gpu;
}

// Cross-subsidy earned this turn: attach revenue per active developer at the cloud margin.
inline double cross_subsidy(const VendorSpec& v, double active_developers) {
    return v.kind == VendorKind::cloud ? v.cloud_attach_revenue * v.cloud_margin * active_developers : 0.0;
}

// GPUs to order: enough that requested tokens run at the target utilisation, counting
// GPUs installed and on order; startups spend at most half the cash they have (the rest is runway).
double gpus_to_order(const VendorSpec& v, const VendorState& s, double requested_mtok, double cash_available);

// Funding at a scheduled round (every funding_interval turns, startups only): round_size
// scaled by vc_climate when the token share or its growth since the last opportunity
// reaches investor_hurdle; 0 otherwise.
double funding_round(const VendorSpec& v, const VendorState& s, int turn, double vc_climate);

}  // namespace pricewar
