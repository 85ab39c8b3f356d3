#pragma once
// Internals shared by the scenario loader's translation units. Not part of the API.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "sim/model/scenario.hpp"
#include "sim/scenario/input_error.hpp"

namespace pricewar::scenario_detail {

// A --set argument after splitting. Columns are 1-based positions in `text`.
struct SetArg {
    std::string text;
    std::string key;
    std::vector<std::string> segments;
    std::vector<int> segment_columns;
    int value_column = 1;
};

// What error positions are resolved against: the file, the overrides applied to the tree
// and the source positions of nodes the overrides had to rebuild.
struct Context {
    std::string file;
    std::vector<SetArg> overrides;
    std::map<std::string, toml::source_region> moved;

    // Error at `node` (may be null), keyed by the full dotted `key`. `about_key` marks problems
    // with the key itself (unknown key), which an override reports at the key's column.
    [[noreturn]] void fail(const toml::node* node, const std::string& key, const std::string& problem,
                           bool about_key = false) const;
    // Problem with a key itself (unknown, misplaced): reported at the key's position.
    [[noreturn]] void fail_key(const toml::key& k, const toml::node* node, const std::string& key,
                               const std::string& problem) const;
    [[noreturn]] static void fail_set(int column, const std::string& key, const std::string& problem);
};

// Earliest source position of a node or of anything inside it ({0, 0} when none).
toml::source_position first_position(const toml::node& node);

// Closed/open numeric interval a value must fall in, optionally allowing +inf.
struct Range {
    double lo = -kInf;
    double hi = kInf;
    bool lo_open = false;
    bool hi_open = false;
    bool inf_ok = false;  // +inf accepted (hi must then be +inf)

    [[nodiscard]] bool contains(double v) const;
    [[nodiscard]] std::string describe() const;  // ">= 0", "in [0, 1)", "> 0 or inf", "any number"
};
Range at_least(double lo);
Range above(double lo);
Range closed(double lo, double hi);
Range closed_open(double lo, double hi);
Range open_closed(double lo, double hi);
Range at_least_or_inf(double lo);

std::string format_number(double v);          // shortest text that reads back exactly
std::string toml_number(double v);            // same, always a valid TOML int or float
std::string toml_string(std::string_view s);  // quoted TOML basic string
std::string toml_key(std::string_view k);     // bare key when possible, else quoted
std::string type_name(const toml::node& node);
std::string quoted_alternatives(const std::vector<std::string>& names);  // "a", "b" or "c"
std::string joined(const std::vector<std::string>& names);               // a, b, c
bool valid_id(std::string_view id);                                      // [a-z0-9_-]+
std::string join_key(const std::string& path, std::string_view key);
// Length of the valid UTF-8 sequence at s[i] (1 for ASCII) and its code point in `cp`; 0 when
// the bytes there are not valid UTF-8 or i is past the end.
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp);

// Keys of [developers] that hold a distribution.
inline const std::vector<std::string>& distribution_keys() {
    static const std::vector<std::string> keys = {"value",        "base_usage",     "elasticity",      "quality_weight",
                                                  "price_weight", "switching_cost", "reevaluate_prob", "budget"};
    return keys;
}

// Parses the overrides and applies them to `root`, recording them in ctx.overrides.
void apply_overrides(toml::table& root, const std::vector<std::string>& overrides, Context& ctx);

// Validates the tree and builds the Scenario.
Scenario build_scenario(const toml::table& root, const Context& ctx);

}  // namespace pricewar::scenario_detail
