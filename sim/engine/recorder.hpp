#pragma once
// Decides what a run records each turn (docs/model.md, "Market measures"; the names in docs/hdf5-layout.md); sim/output
// decides how it is written. Tables are allocated once for the whole horizon.

#include <cstdint>
#include <vector>

#include "agents/demand_model.hpp"
#include "agents/vendor.hpp"
#include "sim/model/run_record.hpp"
#include "sim/model/scenario.hpp"

namespace pricewar {

struct OfferState;

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

    [[nodiscard]] const RunRecord& record() const { return record_; }
    RunRecord take() { return std::move(record_); }
    // History [turn, offer] read by pricing strategies: blended price (NaN while not on sale),
    // on sale (1/0) and quality.
    [[nodiscard]] const Table& price_history() const { return record_.offer_series[kPrice]; }
    [[nodiscard]] const Table& available_history() const { return record_.offer_series[kAvailable]; }
    [[nodiscard]] const Table& quality_history() const { return record_.offer_series[kQuality]; }

    enum OfferSeries {
        kPrice,
        kPriceIn,
        kPriceOut,
        kUnitCost,
        kTokens,
        kOfferDevelopers,
        kRevenue,
        kGrossMargin,
        kAvailable,
        kQuality,
        kOfferCount
    };
    enum VendorSeries {
        kCash,
        kVendorRevenue,
        kInferenceCost,
        kGpuOpex,
        kFixedCost,
        kCapex,
        kCrossSubsidy,
        kFunding,
        kProfit,
        kGpus,
        kCapacity,
        kUtilisation,
        kRationedShare,
        kAlive,
        kVendorTokens,
        kVendorDevelopers,
        kTokenShare,
        kVendorCount
    };
    enum MarketSeries {
        kTotalTokens,
        kTotalSpend,
        kAvgPrice,
        kHhi,
        kActiveDevelopers,
        kAwareDevelopers,
        kConsumerSurplus,
        kOutsideShare,
        kUnservedTokens,
        kOutsideTokens,
        kSwitches,
        kTokenPriceElasticity,
        kMarketCount
    };

private:
    RunRecord record_;
    int vendors_ = 0;
};

}  // namespace pricewar
