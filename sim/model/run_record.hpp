#pragma once
// What one run produced, as plain named tables with units. The recorder (sim/engine)
// decides what goes in; the HDF5 sink (sim/output) decides how it is written.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace pricewar {

// A dense row-major table: rows = turns, cols = offers or vendors (cols = 1 for market).
struct Table {
    std::string name;
    std::string units;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<double> values;

    Table() = default;
    Table(std::string name_, std::string units_, std::size_t rows_, std::size_t cols_)
        : name(std::move(name_)), units(std::move(units_)), rows(rows_), cols(cols_), values(rows_ * cols_, 0.0) {}
    double& at(std::size_t r, std::size_t c) { return values[r * cols + c]; }
    [[nodiscard]] double at(std::size_t r, std::size_t c) const { return values[r * cols + c]; }
};

struct Scalar {
    std::string name;
    std::string units;
    double value = 0.0;
};

struct RecordedEvent {
    int turn = 0;
    std::string kind;
    std::string vendor;  // vendor id or empty
    std::string offer;   // "vendor.offer" or empty
    std::string description;
};

struct RunRecord {
    // identity
    std::string scenario_name;
    std::string currency = "CNY";
    std::uint64_t seed = 0;
    int turns = 0;
    double turn_days = 7.0;
    std::string start_date;     // "YYYY-MM-DD" of turn 0 when the scenario sets one, else empty
    std::string scenario_toml;  // the scenario file's text
    std::string resolved_toml;  // every parameter after defaults and overrides

    std::vector<std::string> vendor_names;  // ids
    std::vector<std::string> vendor_kinds;
    std::vector<std::string> offer_names;  // "vendor.offer"
    std::vector<std::string> offer_tiers;
    std::vector<int> offer_vendor;  // index into vendor_names

    std::vector<Table> offer_series;   // [T, O]
    std::vector<Table> vendor_series;  // [T, V]
    std::vector<Table> market_series;  // [T, 1]

    // per-vendor summary
    std::vector<int> exit_turn;             // -1: alive at the horizon (censored)
    std::vector<int> exit_reason;           // 0 alive, 1 shutdown, 2 withdrawal (ExitReason)
    std::vector<double> final_share;        // token share at the last turn
    std::vector<double> cumulative_profit;  // CNY
    std::vector<double> peak_loss;          // CNY, largest cumulative loss reached

    std::vector<Scalar> market_summary;  // final-turn and whole-run aggregates
    std::vector<RecordedEvent> events;

    [[nodiscard]] const Table* find_series(const std::vector<Table>& group, const std::string& n) const {
        for (const auto& t : group)
            if (t.name == n) return &t;
        return nullptr;
    }
    [[nodiscard]] double market_summary_value(const std::string& n) const {
        for (const auto& s : market_summary)
            if (s.name == n) return s.value;
        return std::numeric_limits<double>::quiet_NaN();
    }
};

}  // namespace pricewar
