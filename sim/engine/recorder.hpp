#pragma once

#include <limits>
// Decides what a run records each turn (docs/model.md, "Market measures (per turn)"); sim/output
// decides how it is written. The tables are those declared in sim/model/series.hpp, in that
// order, allocated once for the whole horizon; a series is found by name at compile time
// (outputs::offer_index("price")).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "agents/demand_model.hpp"
#include "agents/vendor.hpp"
#include "sim/model/run_record.hpp"
#include "sim/model/scenario.hpp"
#include "sim/model/series.hpp"

namespace pricewar {

struct OfferState;

// One [rows x cols] table per descriptor, in the descriptors' order, NaN-filled, with units
// resolved in `currency`.
std::vector<Table> series_tables(std::span<const outputs::Descriptor> table, const std::string& currency,
                                 std::size_t rows, std::size_t cols);
// One scalar per descriptor, in order, value NaN until set.
std::vector<Scalar> summary_scalars(std::span<const outputs::Descriptor> table, const std::string& currency);

class Recorder {
public:
    explicit Recorder(const Scenario& scenario);

    // `on_sale` [O]: whether developers could choose each offer this turn (the offer board's
    // availability; a vendor exiting at the end of the turn was still on sale).
    void record_turn(int turn, const std::vector<OfferState>& offers, const std::vector<std::uint8_t>& on_sale,
                     const std::vector<VendorState>& vendors, const std::vector<VendorSpec>& specs,
                     const DemandTotals& demand, const std::vector<double>& served_fraction);
    // Fills the per-run summary from the recorded turns; `turns_run` may be < horizon.
    void finish(int turns_run, const std::vector<VendorState>& vendors);
    void add_event(RecordedEvent event) { record_.events.push_back(std::move(event)); }
    // Equilibrium diagnostics of a checked turn (docs/model.md, "Equilibrium diagnostics"):
    // per vendor the deviation gain and the profit over the horizon at current prices.
    void record_deviation(int turn, const std::vector<double>& gain, const std::vector<double>& value);

    [[nodiscard]] const RunRecord& record() const { return record_; }
    RunRecord take() { return std::move(record_); }
    // History [turn, offer] read by pricing strategies: blended price (NaN while not on sale),
    // on sale (1/0) and quality.
    [[nodiscard]] const Table& price_history() const { return record_.offer_series[outputs::offer_index("price")]; }
    [[nodiscard]] const Table& available_history() const {
        return record_.offer_series[outputs::offer_index("available")];
    }
    [[nodiscard]] const Table& quality_history() const { return record_.offer_series[outputs::offer_index("quality")]; }

private:
    // The fixed-weight price index of this turn (docs/model.md, "Market measures (per turn)").
    double price_index(std::size_t turn, const std::vector<OfferState>& offers,
                       const std::vector<std::uint8_t>& on_sale, const std::vector<double>& served_mtok);

    RunRecord record_;
    int vendors_ = 0;
    // Price index state, per offer: turn-0 tokens (the weights), the price in the basket
    // (observed while on sale, imputed after), whether on sale last turn; the offer's tier
    // (the imputation cell) and the basket's value at turn 0.
    std::vector<double> index_weight_, index_price_;
    std::vector<std::uint8_t> index_on_sale_;
    std::vector<std::size_t> index_cell_;
    std::size_t index_cells_ = 0;
    double index_base_ = 0.0;
    double max_deviation_gain_ = std::numeric_limits<double>::quiet_NaN();
    double max_deviation_share_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace pricewar
