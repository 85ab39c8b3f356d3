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
#include "sim/model/registry.hpp"
#include "sim/model/rng.hpp"
#include "sim/model/run_record.hpp"
#include "sim/model/scenario.hpp"

namespace pricewar {

// State of one offer when this turn is priced: quality and availability as of this turn
// (after its timeline events), price and demand as of last turn.
struct OfferView {
    int vendor = 0;
    double quality = 0.0;
    double price = 0.0;                 // blended CNY per Mtok
    double list_price = 0.0;            // last price set by the scenario or a timeline event
    double unit_cost = 0.0;             // this turn's CNY per Mtok (own offers only are exact; public for simplicity)
    double token_share = 0.0;           // share of market tokens last turn
    bool available = false;             // offered this turn (launched, not withdrawn, vendor alive)
    double tokens_per_developer = 0.0;  // Mtok served per developer of this offer last turn; 0 when it had none
    double developers = 0.0;            // developers on this offer last turn (weighted)
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
    double developers = 0.0;                   // on any of its offers last turn (weighted)
    double tokens_per_developer = 0.0;         // Mtok served per developer last turn; 0 when it had none
    double capacity_mtok = kInf;               // this turn's capacity (after GPU deliveries)
    double requested_mtok = 0.0;               // tokens its developers requested last turn
    bool rationed = false;                     // served less than requested last turn
};

// The developer side as a vendor knows it (docs/model.md, "Pricing strategies"): central
// values of the trait distributions and last turn's awareness.
struct MarketView {
    double reevaluate_prob = 1.0;  // r per turn
    double switching_cost = 0.0;   // s, utils
    double noise_scale = 1.0;      // mu, utils
    double aware = 0.0;            // developers aware last turn (weighted)
    double newly_aware = 0.0;      // developers who became aware last turn (weighted)
    double turn_days = 7.0;
};

// Expected demand of every offer when one offer's price is changed to a hypothetical value,
// the others at last turn's prices (static logit over the aware developers). Used by
// best-response pricing.
struct DemandForecast {
    double tokens_mtok = 0.0;
    double developers = 0.0;
    double retained = 0.0;  // priced offer only: its developers of last turn still able to afford it
};
// Which offers a forecast must fill: the priced offer's vendor's (a vendor's own profit) or
// every offer (a joint objective). Entries outside the scope may be left at zero: a forecast
// repeated for every price tried need not spend time on offers its caller never reads.
enum class ForecastScope { vendor, market };
using DemandOracle =
    std::function<void(int offer, double price, ForecastScope scope, std::vector<DemandForecast>& per_offer)>;

struct PricingContext {
    int turn = 0;   // the turn being priced
    int offer = 0;  // flattened index of the offer being priced
    std::span<const OfferView> offers;
    std::span<const VendorView> vendors;
    // Recorded history [turn, offer], rows < turn filled: blended price (NaN while the offer
    // was not on sale), whether it was on sale (1/0) and its quality. A rival observed at a
    // past row is judged by that row's price, availability and quality together.
    const Table* price_history = nullptr;
    const Table* available_history = nullptr;
    const Table* quality_history = nullptr;
    const DemandOracle* demand = nullptr;  // may be null where the demand model offers none
    const MarketView* market = nullptr;    // may be null (a strategy then assumes no lock-in)
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
    // Played only as a repeated pricing game (docs/model.md, "Repeated pricing games"): every
    // offer of the scenario must use it, and the learning kernel runs it instead of the
    // market turn loop, so there is no strategy object to make.
    bool repeated_game_only = false;
    // Builds the strategy from validated values (every declared parameter present); empty
    // when repeated_game_only.
    std::function<std::unique_ptr<PricingStrategy>(const ParamMap&)> make;
};

// A market strategy T constructed from its parameter struct P, declared by `fields`.
template <class T, class P>
StrategyInfo market_strategy(std::string name, std::string help, ParamFields<P> fields) {
    StrategyInfo info{std::move(name), std::move(help), declare_params(fields), false, {}};
    info.make = [fields = std::move(fields)](const ParamMap& values) -> std::unique_ptr<PricingStrategy> {
        return std::make_unique<T>(bind_params(fields, values));
    };
    return info;
}

// The registry: every strategy, in the order `list-strategies` prints them.
const Registry<StrategyInfo>& strategy_registry();
// nullptr when unknown.
const StrategyInfo* find_strategy(std::string_view name);
// Names of all registered strategies, for error messages.
std::vector<std::string> strategy_names();

}  // namespace pricewar
