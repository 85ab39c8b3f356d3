#pragma once
// What a declared value must satisfy: numeric intervals, number formatting for messages and
// files, and the limits every input file shares. Used by the scenario schema, strategy and
// network parameters, sweep and calibration files.

#include <cstdint>
#include <limits>
#include <string>

namespace pricewar {

// Limits of input files, defined once.
inline constexpr int kMaxTurns = 100000;
inline constexpr std::int64_t kMaxDevelopers = 50'000'000;
inline constexpr std::size_t kMaxVendors = 64;
inline constexpr std::size_t kMaxOffers = 256;
inline constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();

// Closed/open numeric interval a value must fall in, optionally allowing +inf.
struct Range {
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    bool lo_open = false;
    bool hi_open = false;
    bool inf_ok = false;  // +inf accepted (hi must then be +inf)

    [[nodiscard]] bool contains(double v) const;
    [[nodiscard]] std::string describe() const;  // ">= 0", "in [0, 1)", "> 0 or inf", "a finite number"
};
Range any_number();
Range at_least(double lo);
Range above(double lo);
Range closed(double lo, double hi);
Range closed_open(double lo, double hi);
Range open_closed(double lo, double hi);
Range at_least_or_inf(double lo);

// "in [lo, hi]" or ">= lo" for integers.
std::string int_range(std::int64_t lo, std::int64_t hi);

std::string format_number(double v);  // shortest text that reads back exactly
std::string toml_number(double v);    // same, always a valid TOML int or float

}  // namespace pricewar
