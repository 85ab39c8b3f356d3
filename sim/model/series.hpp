#pragma once
// Every output series and per-run summary, declared once: name, units, shape and meaning.
// The recorder (sim/engine) allocates and fills its tables from these lists and finds a
// series by name at compile time (a misspelt name does not compile); sim/output writes what
// the recorder produced; docs/hdf5-layout.md includes the table series_reference() prints
// (a test compares them); the Python loader reads the names from the file.
// Meaning of the measures: docs/model.md, "Market measures (per turn)".

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pricewar::outputs {

// Units, symbolically: money is resolved with the run's currency by units().
enum class Unit {
    money,             // e.g. CNY
    money_per_turn,    // CNY/turn
    money_per_mtok,    // CNY/Mtok
    money_per_period,  // CNY/period (repeated games)
    mtok,              // Mtok
    mtok_per_turn,     // Mtok/turn
    developers,
    gpus,
    turn,     // a turn number
    turns,    // a number of turns
    periods,  // a number of periods (repeated games)
    vendors,  // a number of vendors
    utils,    // consumer surplus, not money
    hhi,      // Herfindahl-Hirschman index, 0-10,000
    one,      // dimensionless: shares, flags, ratios
};

// The units attribute written to the file: money in `currency` ("money" in the reference).
std::string units(Unit unit, std::string_view currency);

// Where a quantity is stored and its shape in a run file (T turns, O offers, V vendors).
// Batch and sweep files add a leading run dimension R.
enum class Group {
    offer,                  // /series/offer/<name>   [T, O]
    vendor,                 // /series/vendor/<name>  [T, V]
    market,                 // /series/market/<name>  [T]
    vendor_summary,         // /summary/vendor/<name> [V]
    market_summary,         // /summary/market/<name> scalar, market runs
    repeated_game_summary,  // /summary/market/<name> scalar, repeated games
};

struct Descriptor {
    std::string_view name;
    Unit unit;
    std::string_view description;
};

inline constexpr std::array offer_series{
    Descriptor{"price", Unit::money_per_mtok, "blended list price; NaN while not on sale"},
    Descriptor{"price_in", Unit::money_per_mtok, "input-token price; NaN while not on sale"},
    Descriptor{"price_out", Unit::money_per_mtok, "output-token price; NaN while not on sale"},
    Descriptor{"unit_cost", Unit::money_per_mtok, "inference cost per Mtok served"},
    Descriptor{"tokens", Unit::mtok_per_turn, "tokens served, free-quota tokens included"},
    Descriptor{"developers", Unit::developers, "developers on the offer (weighted)"},
    Descriptor{"revenue", Unit::money_per_turn, "money paid for the offer's tokens (free tokens excluded)"},
    Descriptor{"gross_margin", Unit::one, "(price - unit_cost) / price; NaN for a free offer or while not on sale"},
    Descriptor{"available", Unit::one,
               "1 when on sale that turn (launched, not withdrawn, vendor entered and alive when developers chose; "
               "still 1 at the vendor's exit turn), else 0"},
    Descriptor{"quality", Unit::one, "capability index after quality events, recorded whether or not on sale"},
};

inline constexpr std::array vendor_series{
    Descriptor{"cash", Unit::money, "cash after the turn's books (a cloud vendor's may be negative)"},
    Descriptor{"revenue", Unit::money_per_turn, "revenue from all offers"},
    Descriptor{"inference_cost", Unit::money_per_turn, "unit cost times tokens served"},
    Descriptor{"gpu_opex", Unit::money_per_turn, "operating cost of the installed GPUs"},
    Descriptor{"fixed_cost", Unit::money_per_turn, "fixed cost"},
    Descriptor{"capex", Unit::money_per_turn, "GPU purchases paid this turn"},
    Descriptor{"cross_subsidy", Unit::money_per_turn, "cloud revenue attached to the vendor's developers"},
    Descriptor{"funding", Unit::money_per_turn, "funding raised this turn"},
    Descriptor{"other_revenue", Unit::money_per_turn, "revenue outside the API (apps, projects)"},
    Descriptor{"profit", Unit::money_per_turn,
               "revenue + other_revenue + cross_subsidy - inference_cost - gpu_opex - fixed_cost - capex"},
    Descriptor{"burn", Unit::money_per_turn,
               "smoothed net burn (operating outflow before capex; negative: cash-positive)"},
    Descriptor{"runway", Unit::turns, "cash over smoothed net burn; inf while not burning"},
    Descriptor{"raise_probability", Unit::one,
               "investors' probability of granting the round sought this turn; NaN without an attempt"},
    Descriptor{"gpus", Unit::gpus, "installed GPUs"},
    Descriptor{"capacity", Unit::mtok_per_turn, "tokens the installed GPUs can serve"},
    Descriptor{"utilisation", Unit::one, "tokens served / capacity (0 without capacity)"},
    Descriptor{"rationed_share", Unit::one, "share of requested tokens not served for lack of capacity"},
    Descriptor{"alive", Unit::one, "1 while the vendor is on the market (entered, not exited), else 0"},
    Descriptor{"tokens", Unit::mtok_per_turn, "tokens served on all offers"},
    Descriptor{"developers", Unit::developers, "developers on any of the vendor's offers (weighted)"},
    Descriptor{"token_share", Unit::one, "share of the market's tokens served"},
    Descriptor{"deviation_gain", Unit::money,
               "profit over output.deviation_horizon turns a best unilateral price change of one offer would add; "
               "NaN on turns not checked"},
};

inline constexpr std::array market_series{
    Descriptor{"total_tokens", Unit::mtok_per_turn, "tokens served by all vendors"},
    Descriptor{"total_spend", Unit::money_per_turn, "money paid for tokens (free tokens excluded)"},
    Descriptor{"avg_price", Unit::money_per_mtok, "token-weighted average blended price of served tokens"},
    Descriptor{"price_index", Unit::one,
               "fixed-weight (Laspeyres) index of blended prices with turn-0 token weights, turn 0 = 1; a price "
               "missing later is imputed from its tier's matched change; NaN when every turn-0 token was free"},
    Descriptor{"hhi", Unit::hhi, "Herfindahl-Hirschman index of vendor token shares"},
    Descriptor{"active_developers", Unit::developers, "developers on an offer or self-hosting"},
    Descriptor{"aware_developers", Unit::developers, "developers aware of the market, active or not"},
    Descriptor{"consumer_surplus", Unit::utils, "expected maximum utility of the menu, summed over developers"},
    Descriptor{"outside_share", Unit::one, "self-hosting share of active developers"},
    Descriptor{"unserved_tokens", Unit::mtok_per_turn, "tokens requested but not served (rationing)"},
    Descriptor{"outside_tokens", Unit::mtok_per_turn, "tokens used by self-hosting developers"},
    Descriptor{"switches", Unit::developers, "developers who changed vendor this turn"},
    Descriptor{"token_price_elasticity", Unit::one,
               "arc elasticity of total_tokens with respect to avg_price since the previous turn; NaN when the "
               "price did not change"},
};

inline constexpr std::array vendor_summary{
    Descriptor{"exit_turn", Unit::turn, "turn at which the vendor exited; -1: alive at the horizon (censored)"},
    Descriptor{"exit_reason", Unit::one, "0: alive at the horizon, 1: shutdown, 2: withdrawal from the API market"},
    Descriptor{"final_share", Unit::one, "token share at the last turn"},
    Descriptor{"cumulative_profit", Unit::money, "profit summed over the run"},
    Descriptor{"peak_loss", Unit::money, "largest cumulative loss reached"},
};

inline constexpr std::array market_summary{
    Descriptor{"final_total_tokens", Unit::mtok_per_turn, "total_tokens at the last turn"},
    Descriptor{"final_total_spend", Unit::money_per_turn, "total_spend at the last turn"},
    Descriptor{"final_avg_price", Unit::money_per_mtok, "avg_price at the last turn"},
    Descriptor{"final_hhi", Unit::hhi, "hhi at the last turn"},
    Descriptor{"final_active_developers", Unit::developers, "active_developers at the last turn"},
    Descriptor{"final_outside_share", Unit::one, "outside_share at the last turn"},
    Descriptor{"cumulative_tokens", Unit::mtok, "total_tokens summed over the run"},
    Descriptor{"cumulative_spend", Unit::money, "total_spend summed over the run"},
    Descriptor{"cumulative_consumer_surplus", Unit::utils, "consumer_surplus summed over the run"},
    Descriptor{"startups", Unit::vendors, "startup vendors in the scenario"},
    Descriptor{"startups_alive", Unit::vendors, "startups alive at the end of the run"},
    Descriptor{"startup_survival_share", Unit::one, "startups_alive / startups; NaN without startups"},
    Descriptor{"turns_run", Unit::turns, "turns simulated"},
    Descriptor{"max_deviation_gain", Unit::money, "largest deviation_gain over vendors and checked turns (NaN: none)"},
    Descriptor{"max_deviation_gain_share", Unit::one,
               "largest deviation_gain relative to the vendor's profit over the horizon at current prices"},
};

inline constexpr std::array repeated_game_summary{
    Descriptor{"profit_gain", Unit::one,
               "mean over firms of (limit-cycle profit - Nash profit) / (monopoly profit - Nash profit)"},
    Descriptor{"industry_profit_gain", Unit::one, "the same ratio on profits summed over firms"},
    Descriptor{"converged", Unit::one, "1 when the greedy strategies stopped changing, else 0"},
    Descriptor{"convergence_period", Unit::periods,
               "periods simulated, the final convergence window included (max_periods without convergence)"},
    Descriptor{"cycle_length", Unit::periods, "periods in the greedy limit cycle"},
    Descriptor{"mean_cycle_price", Unit::money_per_mtok, "price averaged over firms and the limit cycle"},
    Descriptor{"nash_profit", Unit::money_per_period, "mean over firms of the profit at the Bertrand-Nash prices"},
    Descriptor{"monopoly_profit", Unit::money_per_period, "mean over firms of the profit at the joint-profit prices"},
};

// Position of `name` in `table`. Only usable at compile time: a name the table lacks makes
// the call not a constant expression, so the program does not compile.
template <std::size_t N>
consteval std::size_t index_of(const std::array<Descriptor, N>& table, std::string_view name) {
    for (std::size_t i = 0; i < N; ++i)
        if (table[i].name == name) return i;
    throw std::logic_error("no output series or summary of this name");
}

consteval std::size_t offer_index(std::string_view name) {
    return index_of(offer_series, name);
}
consteval std::size_t vendor_index(std::string_view name) {
    return index_of(vendor_series, name);
}
consteval std::size_t market_index(std::string_view name) {
    return index_of(market_series, name);
}
consteval std::size_t vendor_summary_index(std::string_view name) {
    return index_of(vendor_summary, name);
}
consteval std::size_t market_summary_index(std::string_view name) {
    return index_of(market_summary, name);
}
consteval std::size_t repeated_game_summary_index(std::string_view name) {
    return index_of(repeated_game_summary, name);
}

// The name itself, checked against the declaration at compile time.
consteval std::string_view vendor_summary_name(std::string_view name) {
    return vendor_summary[vendor_summary_index(name)].name;
}

// Where a group is stored ("series/offer", ..., "summary/market") and its run-file shape
// ("[T, O]", ..., "scalar").
std::string_view group_path(Group group);
std::string_view group_dims(Group group);

// Every series and summary with group, dims, units (money symbolic) and description: a
// Markdown table (the one in docs/hdf5-layout.md) or aligned plain text. One line per entry.
std::string series_reference(bool markdown);

}  // namespace pricewar::outputs
