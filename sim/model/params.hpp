#pragma once
// Declared parameters: a component (pricing strategy, network generator) states each of its
// parameters once, as a member of its own parameter struct with range, unit and help. The
// struct's member initialisers are the defaults. The same declaration validates scenario
// files, fills defaults, writes resolved scenarios, prints `list-strategies` and binds the
// values to the struct the component reads (no look-up by name in component code).

#include <functional>
#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

namespace pricewar {

// A parameter as input files see it: a number with default and bounds.
struct ParamSpec {
    std::string name;
    double default_value = 0.0;
    double min_value = -std::numeric_limits<double>::infinity();
    double max_value = std::numeric_limits<double>::infinity();
    std::string help;
    bool integer = false;
    std::string unit = "1";
};

using ParamSpecs = std::vector<ParamSpec>;

// Values by name, every declared parameter present (defaults filled in by the loader).
using ParamMap = std::map<std::string, double>;

// One member of a component's parameter struct P (a double or an integer).
template <class P>
struct ParamField {
    template <class T>
    ParamField(std::string name_, T P::*member, double lo, double hi, std::string help_, std::string unit_ = "1")
        : name(std::move(name_)),
          min_value(lo),
          max_value(hi),
          help(std::move(help_)),
          unit(std::move(unit_)),
          integer(std::is_integral_v<T>),
          get([member](const P& p) { return static_cast<double>(p.*member); }),
          set([member](P& p, double v) { p.*member = static_cast<T>(v); }) {}

    std::string name;
    double min_value;
    double max_value;
    std::string help;
    std::string unit;
    bool integer;
    std::function<double(const P&)> get;
    std::function<void(P&, double)> set;
};

template <class P>
using ParamFields = std::vector<ParamField<P>>;

// The specs input files are checked against; defaults are those of a value-initialised P.
template <class P>
ParamSpecs declare_params(const ParamFields<P>& fields) {
    const P defaults{};
    ParamSpecs out;
    out.reserve(fields.size());
    for (const auto& f : fields)
        out.push_back(ParamSpec{f.name, f.get(defaults), f.min_value, f.max_value, f.help, f.integer, f.unit});
    return out;
}

// The struct a component reads, from validated values (missing names keep their defaults).
template <class P>
P bind_params(const ParamFields<P>& fields, const ParamMap& values) {
    P p{};
    for (const auto& f : fields)
        if (const auto it = values.find(f.name); it != values.end()) f.set(p, it->second);
    return p;
}

// Every declared parameter: `given` where present, else its default.
inline ParamMap resolve_params(const ParamSpecs& specs, const ParamMap& given) {
    ParamMap out;
    for (const auto& s : specs) {
        const auto it = given.find(s.name);
        out[s.name] = it == given.end() ? s.default_value : it->second;
    }
    return out;
}

}  // namespace pricewar
