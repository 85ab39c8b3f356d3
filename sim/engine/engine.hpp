#pragma once
// The simulation of one run: the turn loop of docs/model.md, "Turn order", lives in engine.cpp.

#include <cstdint>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "agents/demand_model.hpp"
#include "agents/strategy.hpp"
#include "agents/vendor.hpp"
#include "sim/engine/gpu_market.hpp"
#include "sim/engine/recorder.hpp"
#include "sim/model/run_record.hpp"
#include "sim/model/scenario.hpp"

namespace pricewar {

// A run's state became NaN or infinite: names vendor or offer and turn.
struct NumericalError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Per-offer mutable state (prices move, quality upgrades, cost shocks).
struct OfferState {
    int vendor = 0;
    double price_in = 0, price_out = 0, price = 0;  // CNY per Mtok; price is blended
    double list_price = 0;
    double in_per_blend = 1, out_per_blend = 1;  // keeps the in/out ratio when a strategy moves the blend
    double quality = 0;
    double cost_factor = 1;  // product of cost shocks
    double unit_cost = 0;    // this turn's CNY per Mtok
    bool active = true;      // launched and not withdrawn
};

class Simulation {
public:
    // The scenario is copied; seed overrides scenario.seed. threads: how many threads the
    // developers' passes may use (agent mode with lagged peers only); results do not depend on it.
    Simulation(Scenario scenario, std::uint64_t seed, int threads = 1);
    ~Simulation();
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    // Runs every turn and returns the record.
    RunRecord run();

    // Turn by turn, for tests: step() runs the next turn; false when the horizon is reached.
    bool step();
    [[nodiscard]] int turn() const { return turn_; }
    [[nodiscard]] const Scenario& scenario() const { return sc_; }
    [[nodiscard]] const std::vector<VendorState>& vendors() const { return vendors_; }
    [[nodiscard]] const std::vector<OfferState>& offers() const { return offers_; }
    [[nodiscard]] const DemandTotals& last_demand() const { return totals_; }
    [[nodiscard]] const RunRecord& record() const { return recorder_.record(); }
    [[nodiscard]] const DemandModel& demand() const { return *demand_; }
    RunRecord finish();

private:
    void apply_events(int t);
    void set_prices(int t);
    void deliver_gpus(int t);
    void update_costs(int t);
    void drift_quality(int t);
    void startup_finance(int t, std::size_t v, VendorFlows& f, double developer_total, double spend_total);
    void leave_market(int t, std::size_t v, ExitReason reason, const std::string& note);
    [[nodiscard]] double best_quality(std::size_t v) const;
    void build_board();
    void clear_market();
    void check_deviations(int t);
    double cloud_customers(std::size_t v, const VendorSpec& spec);
    void settle_books(int t);
    void check_finite(int t) const;
    [[nodiscard]] bool offer_available(std::size_t o) const;
    void set_offer_price(OfferState& offer, double blended);

    Scenario sc_;
    std::uint64_t seed_;
    int turn_ = 0;
    std::vector<std::pair<int, int>> offer_index_;
    std::vector<OfferState> offers_;
    std::vector<VendorState> vendors_;
    std::vector<std::unique_ptr<PricingStrategy>> strategies_;
    std::vector<Rng> strategy_rngs_;
    std::vector<Rng> funding_rngs_;        // one per vendor
    std::vector<double> initial_quality_;  // best offer quality per vendor at turn 0
    std::unique_ptr<DemandModel> demand_;
    DemandOracle oracle_;
    GpuMarket gpu_market_;
    double gpu_supply_;
    double vc_climate_;
    OfferBoard board_;
    DemandTotals totals_;
    std::vector<double> served_fraction_;
    std::vector<double> next_price_;
    std::vector<OfferView> offer_views_;
    std::vector<VendorView> vendor_views_;
    MarketView market_view_;
    double aware_last_ = 0.0;             // developers aware after last turn's choices
    std::vector<std::uint8_t> scripted_;  // [offer] priced by a timeline event this turn
    std::vector<DemandForecast> deviation_forecast_;
    // Incremental cross-subsidy (docs/model.md, "Vendors"): per vendor, cloud adopters, adoptions
    // still in their lag, and developers at the end of last turn.
    std::vector<double> cloud_adopters_;
    std::vector<std::deque<double>> adoption_pipeline_;
    std::vector<double> developers_last_;
    Recorder recorder_;
    std::size_t next_event_ = 0;
};

// One whole run: the market turn loop, or the learning kernel for a repeated game.
RunRecord run_scenario(const Scenario& scenario, std::uint64_t seed, int threads = 1);

// Names and units of the market summary scalars run_scenario reports for this scenario
// (every value 0), without running it.
std::vector<Scalar> summary_schema(const Scenario& scenario);

}  // namespace pricewar
