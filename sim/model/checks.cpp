#include "sim/model/checks.hpp"

#include <cmath>

#include <fmt/format.h>

namespace pricewar {

bool Range::contains(double v) const {
    if (std::isnan(v)) return false;
    if (std::isinf(v) && v > 0 && inf_ok) return true;
    if (!std::isfinite(v)) return false;
    if (lo_open ? !(v > lo) : !(v >= lo)) return false;
    if (hi_open ? !(v < hi) : !(v <= hi)) return false;
    return true;
}

std::string Range::describe() const {
    std::string out;
    const bool has_lo = std::isfinite(lo);
    const bool has_hi = std::isfinite(hi);
    if (has_lo && has_hi)
        out = fmt::format("in {}{}, {}{}", lo_open ? "(" : "[", format_number(lo), format_number(hi),
                          hi_open ? ")" : "]");
    else if (has_lo)
        out = fmt::format("{} {}", lo_open ? ">" : ">=", format_number(lo));
    else if (has_hi)
        out = fmt::format("{} {}", hi_open ? "<" : "<=", format_number(hi));
    else
        out = "a finite number";
    if (inf_ok) out += " or inf";
    return out;
}

Range any_number() {
    return Range{};
}
Range at_least(double lo) {
    return Range{lo, std::numeric_limits<double>::infinity(), false, false, false};
}
Range above(double lo) {
    return Range{lo, std::numeric_limits<double>::infinity(), true, false, false};
}
Range closed(double lo, double hi) {
    return Range{lo, hi, false, false, false};
}
Range closed_open(double lo, double hi) {
    return Range{lo, hi, false, true, false};
}
Range open_closed(double lo, double hi) {
    return Range{lo, hi, true, false, false};
}
Range at_least_or_inf(double lo) {
    return Range{lo, std::numeric_limits<double>::infinity(), false, false, true};
}

std::string int_range(std::int64_t lo, std::int64_t hi) {
    if (hi == kMaxInt) return fmt::format(">= {}", lo);
    return fmt::format("in [{}, {}]", lo, hi);
}

std::string format_number(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (v == std::trunc(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(v));
    return fmt::format("{}", v);
}
std::string toml_number(double v) {
    std::string s = format_number(v);
    if (std::isfinite(v) && s.find_first_of(".eE") == std::string::npos && !(v == std::trunc(v) && std::fabs(v) < 1e15))
        s += ".0";
    return s;
}
}  // namespace pricewar
