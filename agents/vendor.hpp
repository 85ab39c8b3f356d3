#pragma once
// A vendor's state and the rules of its books (docs/model.md, "Vendors" and "Startup
// finance"): compute capacity, GPU orders, cloud cross-subsidy, other revenue, burn, funding
// rounds and exit.

#include "sim/model/scenario.hpp"

#include <limits>
#include <vector>

namespace pricewar {

// Money flows of one turn, CNY. Cash identity:
// delta cash = revenue + other_revenue + cross_subsidy + funding - inference_cost - gpu_opex
//              - fixed_cost - capex.
struct VendorFlows {
    double revenue = 0, inference_cost = 0, gpu_opex = 0, fixed_cost = 0, capex = 0, cross_subsidy = 0, funding = 0;
    double other_revenue = 0;  // revenue outside the API (apps, projects)

    // Operating result including capex (no depreciation in the model), excluding funding.
    [[nodiscard]] double profit() const {
        return revenue + other_revenue + cross_subsidy - inference_cost - gpu_opex - fixed_cost - capex;
    }
    // Net outflow of operations before capex (positive while burning cash).
    [[nodiscard]] double net_burn() const { return -(profit() + capex); }
    [[nodiscard]] double cash_change() const { return profit() + funding; }
};

// Exit routes, as written to /summary/vendor/exit_reason.
enum class ExitReason : int { alive = 0, shutdown = 1, withdrawal = 2 };

// Exponential smoothing with a half-life in turns: x <- l x + (1 - l) y, l = 0.5^(1/h); the
// first observation initialises it.
struct Smoothed {
    double value = 0.0;
    bool started = false;
    void update(double y, double half_life);
};

// Investors' view of a startup (docs/model.md, "Startup finance"): smoothed levels and growth
// of developer share, API-revenue share and total revenue, revenue coverage of costs and the
// API gross margin. Growth is measured against the high-water mark of the smoothed value
// `window` turns back, so a fall followed by a recovery to the old level is no growth.
class Traction {
public:
    struct Observation {
        double developer_share = 0, api_revenue_share = 0;
        double api_revenue = 0, other_revenue = 0, inference_cost = 0, operating_cost = 0;
    };
    void update(const Observation& x, double half_life);

    [[nodiscard]] double developer_share() const { return dev_.value; }
    [[nodiscard]] double api_revenue_share() const { return api_share_.value; }
    [[nodiscard]] double total_revenue() const { return total_.value; }
    // Smoothed revenue over smoothed operating cost (0 without cost).
    [[nodiscard]] double coverage() const;
    // 1 - smoothed inference cost / smoothed API revenue, clipped to [-1, 1]; 0 without revenue.
    [[nodiscard]] double margin() const;
    // log(smoothed value now / its high-water mark `window` turns back), clipped to [-3, 3];
    // 0 before `window` turns of history.
    [[nodiscard]] double developer_growth(int window) const { return growth(dev_.value, dev_hist_, window); }
    [[nodiscard]] double api_revenue_growth(int window) const { return growth(api_share_.value, api_hist_, window); }
    [[nodiscard]] double total_revenue_growth(int window) const { return growth(total_.value, total_hist_, window); }

private:
    static double growth(double now, const std::vector<double>& high_water, int window);
    Smoothed dev_, api_share_, total_, api_rev_, inference_, cost_;
    // Running maximum of each smoothed value after each update (index = update number).
    std::vector<double> dev_hist_, api_hist_, total_hist_;
};

// Probability that a round is granted: logistic in traction, margin and climate.
double funding_probability(const Traction& t, double intercept, const MarketSpec& m, double vc_climate);

// Other revenue at turn t: other_revenue (1 + growth)^years (quality / quality at turn 0)^elasticity.
double other_revenue(const VendorSpec& v, int turn, double turn_days, double quality_ratio);

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
    bool rationed = false;
    ExitReason exit_reason = ExitReason::alive;
    // Startup finance (docs/model.md, "Startup finance").
    double fixed_cost = 0;        // current fixed cost, after burn cuts
    Smoothed burn;                // smoothed net burn, CNY per turn
    double runway = kInf;         // turns of cash at the smoothed burn (inf while not burning)
    int last_raise_attempt = -1;  // turn of the last fundraising attempt, -1: none
    double raise_probability = std::numeric_limits<double>::quiet_NaN();  // this turn's attempt; NaN: none
    int last_burn_cut = -1;                                               // turn of the last burn cut, -1: none
    Traction traction;                                                    // investors' view
    Smoothed api_contribution;                     // API revenue - inference cost - GPU opex, smoothed
    std::vector<double> api_contribution_history;  // smoothed, one per active turn
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

// Runway in turns: cash over smoothed net burn; inf while the smoothed burn is not positive.
double runway_turns(double cash, double smoothed_burn);

// Whether a startup seeks a round this turn: runway below raise_runway_turns and at least
// raise_spacing turns since its last attempt.
bool seeks_round(const VendorSpec& v, const VendorState& s, int turn, double runway);

// Size of a granted round: round_runway_turns of smoothed burn, scaled by vc_climate.
double round_size(const VendorSpec& v, double smoothed_burn, double vc_climate);

// Expected value of staying in the API market over withdraw_horizon turns: the smoothed API
// contribution projected on its trend over the last `window` turns, minus the API's own
// fixed cost. NaN when the vendor never withdraws or has less than `window` turns of history.
double api_value(const VendorSpec& v, const VendorState& s, int window);

}  // namespace pricewar
