#include "sim/cli/summary_table.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>

namespace pricewar {

namespace {
std::string money(double x) {
    const double a = std::abs(x);
    if (a >= 1e9) return fmt::format("{:.2f}B", x / 1e9);
    if (a >= 1e6) return fmt::format("{:.2f}M", x / 1e6);
    if (a >= 1e3) return fmt::format("{:.1f}k", x / 1e3);
    return fmt::format("{:.0f}", x);
}

// A repeated pricing game (Calvano et al. 2020; docs/learning.md) has one recorded turn
// standing for the converged play, no cash and no market of developers: its own quantities are
// the firms' prices, shares and per-period profits and the market summaries it reports.
bool is_repeated_game(const RunRecord& r) {
    return std::any_of(r.market_summary.begin(), r.market_summary.end(),
                       [](const Scalar& s) { return s.name == "profit_gain"; });
}

void print_repeated_game(std::ostream& out, const RunRecord& r) {
    const auto* price = r.find_series(r.offer_series, "price");
    const auto value = [&](const char* name) { return r.market_summary_value(name); };
    out << fmt::format(
        "scenario '{}', seed {}: repeated pricing game, {} firms learning prices (Q-learning); prices in "
        "{}/Mtok\n",
        r.scenario_name, r.seed, r.vendor_names.size(), r.currency);
    out << fmt::format("{:<14} {:>10} {:>7} {:>14}\n", "firm", "price", "share", "profit/period");
    for (std::size_t v = 0; v < r.vendor_names.size(); ++v) {
        std::string prices;
        for (std::size_t o = 0; o < r.offer_names.size(); ++o)
            if (r.offer_vendor[o] == static_cast<int>(v) && price != nullptr) {
                if (!prices.empty()) prices += " ";
                prices += fmt::format("{:.3f}", price->at(price->rows - 1, o));
            }
        out << fmt::format("{:<14} {:>10} {:>6.1f}% {:>14.4f}\n", r.vendor_names[v], prices, 100.0 * r.final_share[v],
                           r.cumulative_profit[v]);
    }
    out << fmt::format("{} after {:.0f} periods (price cycle of {:.0f} period(s)); mean price over the cycle {:.4g}\n",
                       value("converged") > 0.5 ? "converged" : "not converged", value("convergence_period"),
                       value("cycle_length"), value("mean_cycle_price"));
    out << fmt::format("profit gain {:.3f} (industry {:.3f}); profit per period: Nash {:.4g}, monopoly {:.4g}\n",
                       value("profit_gain"), value("industry_profit_gain"), value("nash_profit"),
                       value("monopoly_profit"));
}

}  // namespace

void print_summary(std::ostream& out, const RunRecord& r) {
    if (is_repeated_game(r)) {
        print_repeated_game(out, r);
        return;
    }
    const auto* price = r.find_series(r.offer_series, "price");
    const auto* cash = r.find_series(r.vendor_series, "cash");
    const std::size_t last = static_cast<std::size_t>(std::max(0, r.turns - 1));
    out << fmt::format("scenario '{}', seed {}, {} turns of {} days; prices in {}/Mtok (blended), cash in {}\n",
                       r.scenario_name, r.seed, r.turns, r.turn_days, r.currency, r.currency);
    out << fmt::format("{:<14} {:<8} {:<34} {:>7} {:>10} {:>10}\n", "vendor", "kind", "final prices (offer=price)",
                       "share", "cash", "status");
    for (std::size_t v = 0; v < r.vendor_names.size(); ++v) {
        std::string prices;
        for (std::size_t o = 0; o < r.offer_names.size(); ++o) {
            if (r.offer_vendor[o] != static_cast<int>(v)) continue;
            const auto& full = r.offer_names[o];
            const auto dot = full.find('.');
            if (!prices.empty()) prices += " ";
            // NaN: the offer was not on sale at the last turn (not launched, withdrawn, vendor exited).
            const double p = price->at(last, o);
            prices += std::isnan(p) ? fmt::format("{}=-", full.substr(dot + 1))
                                    : fmt::format("{}={:.3g}", full.substr(dot + 1), p);
        }
        const bool withdrew = v < r.exit_reason.size() && r.exit_reason[v] == 2;
        const std::string status = r.exit_turn[v] < 0 ? "alive"
                                   : withdrew         ? fmt::format("withdrew t={}", r.exit_turn[v])
                                                      : fmt::format("exit t={}", r.exit_turn[v]);
        out << fmt::format("{:<14} {:<8} {:<34} {:>6.1f}% {:>10} {:>10}\n", r.vendor_names[v], r.vendor_kinds[v],
                           prices, 100.0 * r.final_share[v], money(cash->at(last, v)), status);
    }
    out << fmt::format(
        "market at turn {}: {} Mtok/turn, average price {:.3g}, HHI {:.0f}, {} active developers, self-hosting share "
        "{:.1f}%\n",
        last, money(r.market_summary_value("final_total_tokens")), r.market_summary_value("final_avg_price"),
        r.market_summary_value("final_hhi"), money(r.market_summary_value("final_active_developers")),
        100.0 * r.market_summary_value("final_outside_share"));
}

}  // namespace pricewar
