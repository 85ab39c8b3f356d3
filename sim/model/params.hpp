#pragma once
// Declared parameters: a component (pricing strategy, network generator, sweep design)
// states each of its parameters once, with default, valid range and help. The same
// declaration validates scenario files, fills defaults and prints `list-strategies`.

#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace pricewar {

struct ParamSpec {
    std::string name;
    double default_value = 0.0;
    double min_value = -std::numeric_limits<double>::infinity();
    double max_value = std::numeric_limits<double>::infinity();
    std::string help;
    bool integer = false;
};

using ParamSpecs = std::vector<ParamSpec>;

// Resolved parameter values by name (defaults already filled in).
class ParamValues {
public:
    ParamValues() = default;
    explicit ParamValues(std::map<std::string, double> values) : values_(std::move(values)) {}

    [[nodiscard]] double get(const std::string& name) const {
        const auto it = values_.find(name);
        if (it == values_.end()) throw std::out_of_range("parameter '" + name + "' not set");
        return it->second;
    }
    void set(const std::string& name, double value) { values_[name] = value; }
    [[nodiscard]] bool has(const std::string& name) const { return values_.contains(name); }
    [[nodiscard]] const std::map<std::string, double>& all() const { return values_; }

private:
    std::map<std::string, double> values_;
};

// Defaults for every declared parameter, overridden by `given`. Unknown or out-of-range
// names are the loader's job to reject (it knows file and line); this only merges.
inline ParamValues resolve_params(const ParamSpecs& specs, const std::map<std::string, double>& given) {
    ParamValues out;
    for (const auto& s : specs) {
        const auto it = given.find(s.name);
        out.set(s.name, it == given.end() ? s.default_value : it->second);
    }
    return out;
}

}  // namespace pricewar
