#pragma once
// Shared by the scenario loader tests.

#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "sim/scenario/loader.hpp"
#include "sim/scenario/schema.hpp"

namespace pricewar::test {

// A minimal valid scenario. Line numbers matter to the error tests:
//  1 name, 2 [developers], 3 count, 4 [vendors.alpha], 5 kind, 6 [vendors.alpha.offers.one],
//  7 quality, 8 price_in, 9 price_out, 10 unit_cost.
inline const std::string kMinimal = R"(name = "minimal"
[developers]
count = 100
[vendors.alpha]
kind = "startup"
[vendors.alpha.offers.one]
quality = 1
price_in = 2
price_out = 8
unit_cost = 1
)";

// kMinimal with the first occurrence of `from` replaced by `to`.
inline std::string edited(std::string_view from, std::string_view to, std::string text = kMinimal) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::logic_error("test text lacks: " + std::string(from));
    text.replace(at, from.size(), to);
    return text;
}

// The InputError parsing `text` raises; fails the test when there is none.
inline InputError error_of(std::string_view text, const std::vector<std::string>& overrides = {}) {
    try {
        (void)parse_scenario(text, "test.toml", overrides);
    } catch (const InputError& e) {
        MESSAGE(std::string(e.what()));
        return e;
    }
    FAIL("parsed without an InputError");
    throw std::logic_error("unreachable");
}

inline bool same(const Distribution& a, const Distribution& b) {
    const auto eq = [](double x, double y) { return x == y || (x != x && y != y); };
    return a.kind == b.kind && eq(a.a, b.a) && eq(a.b, b.b) && eq(a.clip_min, b.clip_min) && eq(a.clip_max, b.clip_max);
}

// Equality of everything but source_path and source_toml, by the schema's declarations (a
// key added to the schema is compared without a change here).
inline void check_equal(const Scenario& a, const Scenario& b) {
    const auto differences = schema::scenario_differences(a, b);
    CAPTURE(differences.size());
    for (const auto& d : differences)
        MESSAGE("differs: " << d);
    CHECK(differences.empty());
}

}  // namespace pricewar::test
