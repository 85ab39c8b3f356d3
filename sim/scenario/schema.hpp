#pragma once
// The scenario schema: every key of a scenario file declared once, as a field descriptor of
// the section struct it fills (sim/model/scenario.hpp) — key, member, check (range, integer
// bounds, set of names), unit and help. The member initialisers of the structs are the
// defaults. The declarations read and validate TOML (sim/scenario/validate.cpp), write the
// resolved TOML (writer.cpp), decide which tables a --set override may create
// (overrides.cpp), compare scenarios (scenario_differences) and generate the key reference
// (`pricewar list-keys`, docs/scenario-format.md). docs/contributing.md shows how to add one.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sim/model/checks.hpp"
#include "sim/model/registry.hpp"
#include "sim/model/scenario.hpp"

namespace pricewar::schema {

enum class Type {
    number,           // double
    optional_number,  // std::optional<double>: absent means "not set"
    integer,          // int or int64
    boolean,
    string,
    choice,        // an enum, written as one of `choices`
    distribution,  // a developer trait: a number or a distribution table
    seed,          // uint64: an integer, or a decimal string above 2^63 - 1
    table,         // a sub-table read by its section (market, developers, vendors, offers, ...)
    custom         // read by its section with its own rules (strategy, network_params, events)
};

// A field's value, type-erased for generic reading, writing and comparison.
using Value = std::variant<double, std::optional<double>, std::int64_t, bool, std::string, Distribution, std::uint64_t>;

template <class S>
struct Field {
    std::string key;
    Type type = Type::number;
    Range range;              // number, optional_number; distribution: values after clipping
    std::int64_t int_lo = 0;  // integer
    std::int64_t int_hi = kMaxInt;
    std::vector<std::string> choices;  // choice: names in enum order
    bool required = false;
    bool nonempty = false;       // string: "" rejected
    bool omit_if_empty = false;  // string: not written when empty (a key added later keeps old files' bytes)
    std::string what;            // "missing required key 'k' (expected <what>, <range>)"
    std::string unit;
    std::string help;
    std::string type_text;     // table, custom: the type column of the reference
    std::string default_text;  // when the default is not the struct's (e.g. "the vendor's id")
    // Further check of a read value; returns the problem, "" when fine.
    std::function<std::string(const Value&)> check;
    std::function<Value(const S&)> get;  // empty for table and custom
    std::function<void(S&, Value)> set;  // empty for table and custom

    Field& require(std::string expected = "") {
        required = true;
        what = std::move(expected);
        return *this;
    }
};

template <class S>
using Fields = std::vector<Field<S>>;

// ----- builders ------------------------------------------------------------------------------

template <class S>
Field<S> number(std::string key, double S::*m, Range range, std::string unit, std::string help) {
    Field<S> f;
    f.key = std::move(key);
    f.type = Type::number;
    f.range = range;
    f.unit = std::move(unit);
    f.help = std::move(help);
    f.get = [m](const S& s) { return Value(s.*m); };
    f.set = [m](S& s, Value v) { s.*m = std::get<double>(v); };
    return f;
}

template <class S>
Field<S> optional_number(std::string key, std::optional<double> S::*m, Range range, std::string unit, std::string help,
                         std::string default_text) {
    Field<S> f;
    f.key = std::move(key);
    f.type = Type::optional_number;
    f.range = range;
    f.unit = std::move(unit);
    f.help = std::move(help);
    f.default_text = std::move(default_text);
    f.get = [m](const S& s) { return Value(s.*m); };
    f.set = [m](S& s, Value v) { s.*m = std::get<std::optional<double>>(v); };
    return f;
}

template <class S, class I>
Field<S> integer(std::string key, I S::*m, std::int64_t lo, std::int64_t hi, std::string unit, std::string help) {
    Field<S> f;
    f.key = std::move(key);
    f.type = Type::integer;
    f.int_lo = lo;
    f.int_hi = hi;
    f.unit = std::move(unit);
    f.help = std::move(help);
    f.get = [m](const S& s) { return Value(static_cast<std::int64_t>(s.*m)); };
    f.set = [m](S& s, Value v) { s.*m = static_cast<I>(std::get<std::int64_t>(v)); };
    return f;
}

template <class S>
Field<S> boolean(std::string key, bool S::*m, std::string help) {
    Field<S> f;
    f.key = std::move(key);
    f.type = Type::boolean;
    f.help = std::move(help);
    f.get = [m](const S& s) { return Value(s.*m); };
    f.set = [m](S& s, Value v) { s.*m = std::get<bool>(v); };
    return f;
}

template <class S>
Field<S> text(std::string key, std::string S::*m, bool nonempty, std::string help) {
    Field<S> f;
    f.key = std::move(key);
    f.type = Type::string;
    f.nonempty = nonempty;
    f.help = std::move(help);
    f.get = [m](const S& s) { return Value(s.*m); };
    f.set = [m](S& s, Value v) { s.*m = std::get<std::string>(std::move(v)); };
    return f;
}

// An enum E whose values are 0 .. names.size() - 1 in the order of `names`.
template <class S, class E>
Field<S> choice(std::string key, E S::*m, std::vector<std::string> names, std::string help) {
    Field<S> f;
    f.key = std::move(key);
    f.type = Type::choice;
    f.help = std::move(help);
    f.get = [m, names](const S& s) { return Value(names.at(static_cast<std::size_t>(s.*m))); };
    f.set = [m, names](S& s, Value v) {
        const auto& name = std::get<std::string>(v);
        for (std::size_t i = 0; i < names.size(); ++i)
            if (names[i] == name) s.*m = static_cast<E>(i);
    };
    f.choices = std::move(names);
    return f;
}

template <class S>
Field<S> distribution(std::string key, Distribution S::*m, Range domain, std::string unit, std::string help) {
    Field<S> f;
    f.key = std::move(key);
    f.type = Type::distribution;
    f.range = domain;
    f.unit = std::move(unit);
    f.help = std::move(help);
    f.get = [m](const S& s) { return Value(s.*m); };
    f.set = [m](S& s, Value v) { s.*m = std::get<Distribution>(v); };
    return f;
}

template <class S>
Field<S> seed(std::string key, std::uint64_t S::*m, std::string help) {
    Field<S> f;
    f.key = std::move(key);
    f.type = Type::seed;
    f.help = std::move(help);
    f.get = [m](const S& s) { return Value(s.*m); };
    f.set = [m](S& s, Value v) { s.*m = std::get<std::uint64_t>(v); };
    return f;
}

// A key its section reads itself (sub-tables, strategies, events); declared for the known-key
// list, the reference and --set.
template <class S>
Field<S> section_key(std::string key, Type type, std::string type_text, std::string help) {
    Field<S> f;
    f.key = std::move(key);
    f.type = type;
    f.type_text = std::move(type_text);
    f.help = std::move(help);
    return f;
}

// ----- the sections ------------------------------------------------------------------------

const Fields<Scenario>& top_fields();
const Fields<MarketSpec>& market_fields();
const Fields<OutsideOption>& outside_fields();
const Fields<DeveloperSpec>& developer_fields();
const Fields<VendorSpec>& vendor_fields();
const Fields<OfferSpec>& offer_fields();
const Fields<OutputSpec>& output_fields();

// Keys of a section, in declaration order.
template <class S>
std::vector<std::string> keys_of(const Fields<S>& fields) {
    std::vector<std::string> out;
    out.reserve(fields.size());
    for (const auto& f : fields)
        out.push_back(f.key);
    return out;
}

template <class S>
const Field<S>* find_field(const Fields<S>& fields, std::string_view key) {
    for (const auto& f : fields)
        if (f.key == key) return &f;
    return nullptr;
}

// Paths of every difference between two scenarios (everything but source_path and
// source_toml); empty when equal. NaN equals NaN.
std::vector<std::string> scenario_differences(const Scenario& a, const Scenario& b);

// The reference of every scenario key: path, type, default, allowed values, unit, help.
// Markdown tables (one per section) or plain text.
std::string key_reference(bool markdown);

}  // namespace pricewar::schema
