#pragma once
// Plain scenario structs: what a TOML scenario file says, after validation and with every
// default filled in. The engine sees only these, never the TOML library. The meaning of
// each field is in docs/model.md; units are in the names or the comments.

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pricewar {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

enum class VendorKind { cloud, startup, foreign };
const char* to_string(VendorKind kind);

// A one-dimensional distribution developers' parameters are drawn from.
struct Distribution {
    enum class Kind { constant, lognormal, normal, uniform };
    Kind kind = Kind::constant;
    double a = 0.0;           // constant: value; lognormal: median; normal: mean; uniform: low
    double b = 0.0;           // lognormal: sigma of the log; normal: sd; uniform: high
    double clip_min = -kInf;  // draws are clipped into [clip_min, clip_max]
    double clip_max = kInf;

    static Distribution constant(double v) { return {Kind::constant, v, 0.0, -kInf, kInf}; }
};
const char* to_string(Distribution::Kind kind);

struct StrategySpec {
    std::string name = "static";
    std::map<std::string, double> params;  // every declared parameter, defaults filled in (ParamMap)
};

struct OfferSpec {
    std::string id;                // unique within its vendor; full id is "vendor.offer"
    std::string name;              // display name
    std::string tier = "pro";      // lite | pro | flagship | any label
    double quality = 1.0;          // capability index, 1.0 = GPT-4 class
    double price_in = 0.0;         // CNY per Mtok of input
    double price_out = 0.0;        // CNY per Mtok of output
    double unit_cost = 0.0;        // CNY per Mtok served at turn 0
    double free_quota_mtok = 0.0;  // granted once to each developer new to this vendor
    bool active = true;            // false: launched later by a timeline event
    StrategySpec strategy;
};

struct VendorSpec {
    std::string id;
    std::string name;
    VendorKind kind = VendorKind::startup;
    double cash = 0.0;                          // CNY at turn 0
    double fixed_cost = 0.0;                    // CNY per turn (staff, amortised training)
    double gpus = 0.0;                          // GPUs installed at turn 0
    double tokens_per_gpu = 1.0;                // Mtok one GPU serves per turn
    double gpu_price = 0.0;                     // CNY capex per GPU, paid at order
    double gpu_opex = 0.0;                      // CNY per installed GPU per turn
    int gpu_lead_turns = 4;                     // turns from order to arrival
    double target_utilisation = 0.8;            // order GPUs when utilisation exceeds this
    double max_gpu_order = kInf;                // GPUs per order at most
    std::optional<double> cost_decline;         // per year; overrides market.cost_decline
    double cloud_attach_revenue = 0.0;          // CNY per active developer per turn (cloud only)
    double cloud_margin = 0.0;                  // margin earned on attach revenue
    std::optional<double> cloud_adoption_prob;  // unset: every active developer brings attach revenue
    int cloud_adoption_lag = 0;                 // turns from winning a developer to its cloud adoption
    double cloud_retention = 1.0;               // per turn, of cloud adopters
    double loss_budget = kInf;                  // cumulative AI-unit loss the parent tolerates (CNY)
    // Startup finance (docs/model.md, "Startup finance").
    double other_revenue = 0.0;                     // CNY per turn outside the API at turn 0
    double other_revenue_growth = 0.0;              // per year
    double other_revenue_quality_elasticity = 0.0;  // other revenue ~ (best quality / initial)^this
    double quality_growth = 0.0;                    // per year at the initial fixed cost
    double burn_half_life = 8.0;                    // turns, smoothing of net burn
    double burn_cut_runway = 0.0;                   // turns of runway below which burn is cut; 0: never
    double burn_cut_fraction = 0.2;                 // share of fixed cost cut at once
    int burn_cut_cooldown = 13;                     // turns between cuts
    double raise_runway_turns = 0.0;                // turns of runway below which a round is sought; 0: never
    int raise_spacing = 13;                         // turns between attempts
    double round_runway_turns = 78.0;               // turns of smoothed burn a round funds at vc_climate = 1
    double funding_intercept = 1.0;                 // investors' log-odds at reference traction
    double api_fixed_cost = 0.0;                    // CNY per turn of fixed cost saved by leaving the API market
    int withdraw_horizon = 0;                       // turns the API value is projected over; 0: never withdraws
    bool present = true;                            // false: enters later by a vendor_entry event
    std::vector<OfferSpec> offers;
};

struct OutsideOption {
    std::string name = "self-host";
    double quality = 0.5;  // capability of self-hosted open weights
    double cost = kInf;    // CNY per Mtok all-in; infinite = no outside option
};

struct MarketSpec {
    double output_share = 0.25;  // share of output tokens in the blended price
    double cost_decline = 0.5;   // unit-cost decline per year
    double kappa = 0.1;          // CNY per Mtok non-price cost of using tokens
    double p_ref = 10.0;         // reference blended price for base usage
    double gpu_supply = kInf;    // GPUs delivered per turn, market-wide
    double vc_climate = 1.0;     // 0..1 funding climate
    // Investors (docs/model.md, "Startup finance").
    double traction_half_life = 8.0;       // turns, smoothing of traction
    int traction_window = 13;              // turns over which growth is measured
    double funding_share_weight = 0.5;     // log-odds per log of developer and API-revenue share
    double funding_coverage_weight = 2.0;  // log-odds per unit of revenue / cost coverage
    double funding_growth_weight = 2.0;    // log-odds per log growth above the high-water mark
    double funding_margin_weight = 1.0;    // log-odds per unit of API gross margin
    double vc_odds_elasticity = 1.0;       // log-odds per log of vc_climate
    double rationing_penalty = 1.0;        // utility penalty of a rationed vendor
    OutsideOption outside;
};

enum class DemandMode { agent, mean_field };
enum class PriceUtility { log, linear };
// Which of its neighbours' choices a re-choosing agent sees (docs/model.md, "Choice").
enum class PeerUpdate { sequential, lagged };

struct DeveloperSpec {
    DemandMode mode = DemandMode::agent;
    std::int64_t count = 1000;
    double weight = 1.0;  // real application teams per agent
    PriceUtility price_utility = PriceUtility::log;
    double noise_scale = 1.0;  // Gumbel scale of the choice noise (mu)
    std::string network = "small_world";
    std::map<std::string, double> network_params;           // declared by the generator
    double network_weight = 0.0;                            // gamma: weight of neighbours on a vendor
    PeerUpdate peer_update = PeerUpdate::sequential;        // agent mode: this turn's or last turn's choices
    double initial_aware = 0.1;                             // share aware at turn 0
    double p_innovation = 0.01;                             // Bass external influence per turn
    double p_imitation = 0.3;                               // Bass internal influence per turn
    int mean_field_types = 64;                              // quadrature types in mean-field mode
    Distribution value = Distribution::constant(kInf);      // reservation CNY per Mtok
    Distribution base_usage = Distribution::constant(1.0);  // Mtok per turn at p_ref
    Distribution elasticity = Distribution::constant(1.0);
    Distribution quality_weight = Distribution::constant(1.0);   // beta
    Distribution price_weight = Distribution::constant(1.0);     // alpha
    Distribution switching_cost = Distribution::constant(0.0);   // s
    Distribution reevaluate_prob = Distribution::constant(0.1);  // r per turn
    Distribution budget = Distribution::constant(kInf);          // CNY per turn cap on spend
};

struct Event {
    enum class Kind { price, launch, withdraw, quality, cost_shock, gpu_supply, vc_climate, vendor_entry };
    int turn = 0;
    Kind kind = Kind::price;
    int vendor = -1;  // index into Scenario::vendors, -1 where not applicable
    int offer = -1;   // index into the flattened offer list, -1 where not applicable
    std::optional<double> price_in, price_out, quality, factor, value;
    std::string note;
};
const char* to_string(Event::Kind kind);

struct OutputSpec {
    std::int64_t surplus_sample = 2000;  // developers sampled for consumer surplus; 0 = all
    int deviation_every = 0;             // turns between equilibrium diagnostics; 0 = off
    int deviation_horizon = 26;          // turns a deviation's gain is counted over
};

struct Scenario {
    std::string name = "scenario";
    std::string description;
    std::uint64_t seed = 1;
    int turns = 104;
    double turn_days = 7.0;
    std::string currency = "CNY";
    std::string start_date;  // ISO date of turn 0 ("2024-04-29"), empty when not set
    MarketSpec market;
    DeveloperSpec developers;
    std::vector<VendorSpec> vendors;
    std::vector<Event> events;  // sorted by turn, then file order
    OutputSpec output;

    std::string source_path;  // file it came from
    std::string source_toml;  // the file's text, embedded in outputs

    // Flattened offers: (vendor index, offer index within vendor) in vendor order.
    [[nodiscard]] std::vector<std::pair<int, int>> offer_index() const {
        std::vector<std::pair<int, int>> out;
        for (int v = 0; v < static_cast<int>(vendors.size()); ++v)
            for (int o = 0; o < static_cast<int>(vendors[v].offers.size()); ++o)
                out.emplace_back(v, o);
        return out;
    }
};

// Blended price the demand side sees (docs/model.md, "Time, units, prices").
inline double blended_price(double price_in, double price_out, double output_share) {
    return (1.0 - output_share) * price_in + output_share * price_out;
}

}  // namespace pricewar
