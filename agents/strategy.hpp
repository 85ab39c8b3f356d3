#pragma once
// Pricing strategies: an interface and a registry keyed by the names scenario files use.
// Vendors move simultaneously: a strategy sees last turn's public state and its own books.

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/model/params.hpp"
#include "sim/model/rng.hpp"
#include "sim/model/run_record.hpp"
#include "sim/model/scenario.hpp"

namespace pricewar {

// Public state of one offer as of the end of last turn.
struct OfferView {
    int vendor = 0;
    double quality = 0.0;
    double price = 0.0;        // blended CNY per Mtok
    double list_price = 0.0;   // last price set by the scenario or a timeline event
    double unit_cost = 0.0;    // this turn's CNY per Mtok (own offers only are exact; public for simplicity)
    double token_share = 0.0;  // share of market tokens last turn
    bool available = false;    // offered (launched, not withdrawn, vendor alive)
};

// A vendor's own books as of the end of last turn.
struct VendorView {
    VendorKind kind = VendorKind::startup;
    bool alive = true;
    double cash = 0.0;
    double token_share = 0.0;
    double ai_cumulative_profit = 0.0;  // excluding cross-subsidy; the loss budget applies to it
    double loss_budget = kInf;
    bool loss_budget_exhausted = false;
    double cross_subsidy_per_developer = 0.0;  // CNY per active developer per turn
    double developers = 0.0;
};

// Expected demand of every offer when one offer's price is changed to a hypothetical value,
// the others at last turn's prices (static logit over the aware developers). Used by
// best-response pricing.
struct DemandForecast {
    double tokens_mtok = 0.0;
    double developers = 0.0;
};
using DemandOracle = std::function<void(int offer, double price, std::vector<DemandForecast>& per_offer)>;

struct PricingContext {
    int turn = 0;   // the turn being priced
    int offer = 0;  // flattened index of the offer being priced
    std::span<const OfferView> offers;
    std::span<const VendorView> vendors;
    const Table* price_history = nullptr;  // blended price [turn, offer], rows < turn are filled
    const DemandOracle* demand = nullptr;  // may be null where the demand model offers none
    Rng* rng = nullptr;                    // this offer's own stream
};

class PricingStrategy {
public:
    virtual ~PricingStrategy() = default;
    // New blended price for ctx.offer this turn (>= 0).
    virtual double price(const PricingContext& ctx) = 0;
};

struct StrategyInfo {
    std::string name;
    std::string help;
    ParamSpecs params;
    std::function<std::unique_ptr<PricingStrategy>(const ParamValues&)> make;
};

// The registry: every strategy, in the order `list-strategies` prints them.
const std::vector<StrategyInfo>& strategy_registry();
// nullptr when unknown.
const StrategyInfo* find_strategy(std::string_view name);
// Names of all registered strategies, for error messages.
std::vector<std::string> strategy_names();

}  // namespace pricewar
