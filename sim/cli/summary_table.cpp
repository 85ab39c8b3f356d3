#include "sim/cli/summary_table.hpp"

#include <fmt/format.h>
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
}  // namespace

void print_summary(std::ostream& out, const RunRecord& r) {
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
