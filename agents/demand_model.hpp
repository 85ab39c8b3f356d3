#pragma once
// The developer side of the market (docs/model.md, "Developers") behind one interface, so the agent
// mode and the mean-field mode are interchangeable in the turn loop.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "agents/strategy.hpp"
#include "sim/model/scenario.hpp"

namespace pricewar {

// What developers see this turn. Per-offer vectors are indexed by flattened offer index.
struct OfferBoard {
    std::vector<double> price;  // blended CNY per Mtok
    std::vector<double> quality;
    std::vector<double> free_quota;  // Mtok granted to a developer new to the vendor
    std::vector<int> vendor;
    std::vector<std::uint8_t> available;        // offered this turn
    std::vector<std::uint8_t> vendor_rationed;  // [V] vendor rationed last turn
    int vendors = 0;
    double outside_price = kInf;  // self-hosting cost per Mtok (inf: no outside option)
    double outside_quality = 0.0;
};

// What developers did this turn. Counts and tokens are weighted (real-world units).
struct DemandTotals {
    // per offer
    std::vector<double> requested_mtok, served_mtok, paid_mtok, free_mtok, developers, spend;
    // per vendor
    std::vector<double> vendor_requested_mtok, vendor_developers;
    // market
    double unaware = 0, aware_inactive = 0, on_offers = 0, outside = 0;
    double outside_mtok = 0;
    double consumer_surplus = 0;  // utils: sum of expected maximum utility (logit log-sum)
    double switches = 0;          // developers who changed vendor this turn

    void reset(std::size_t offers, std::size_t vendors);
};

class DemandModel {
public:
    virtual ~DemandModel() = default;
    // Steps 3-4a: awareness, choice, requested usage. Fills the per-offer requests.
    virtual void choose(int turn, const OfferBoard& board, DemandTotals& totals) = 0;
    // Step 4b: serve each vendor's developers the same fraction of their requests
    // (1 = not rationed), consume free quota first, fill served/paid/free/spend.
    virtual void serve(const OfferBoard& board, std::span<const double> served_fraction, DemandTotals& totals) = 0;
    // An exit: every developer on these offers must re-choose next turn.
    virtual void release_vendor(int vendor, const OfferBoard& board) = 0;
    // Expected demand of the offers in `scope` (static logit, no noise draw) when `offer` is
    // priced at `price` and the others as on the board; used by forward-looking pricing.
    virtual void forecast(const OfferBoard& board, int offer, double price, ForecastScope scope,
                          std::vector<DemandForecast>& per_offer) const = 0;
    // Bytes of developer state held (for memory accounting).
    [[nodiscard]] virtual std::size_t state_bytes() const = 0;
};

// Factory: agent or mean-field mode per the scenario. threads: see AgentDemand.
std::unique_ptr<DemandModel> make_demand_model(const Scenario& scenario, std::uint64_t seed, int threads = 1);

}  // namespace pricewar
