#include "sim/runners/sweep_file.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>
#include <boost/random/sobol.hpp>

#include "sim/runners/detail/base_input.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/toml_reader.hpp"

namespace pricewar {

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kTopKeys = {"scenario", "seed", "replicates", "turns", "design", "parameter", "set"};
const std::vector<std::string> kParameterKeys = {"path", "values", "range", "scale"};
constexpr double kMaxRuns = 1e7;  // plans are held in memory (about 100 bytes each)

using input::first_position;
using input::type_name;
using input::unknown_key_problem;

std::string number_text(double v) {
    return format_number(v);
}

// Keys of a table in file order, with their key objects.
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t) {
    std::vector<std::pair<const toml::key*, const toml::node*>> out;
    for (const auto& e : input::in_file_order(t))
        out.emplace_back(e.key, e.node);
    return out;
}

class Parser {
public:
    Parser(std::string file, const toml::table& root) : file_(std::move(file)), root_(root) { ctx_.file = file_; }

    SweepSpec parse(std::string_view text);

private:
    [[noreturn]] void fail(const toml::node& n, const std::string& key, const std::string& problem) const {
        ctx_.fail(&n, key, problem);
    }
    [[noreturn]] void fail_key(const toml::key& k, const std::string& key, const std::string& problem) const {
        ctx_.fail_key(k, nullptr, key, problem);
    }
    [[noreturn]] void fail_missing(const toml::node& table, const std::string& table_key, const std::string& key,
                                   const std::string& expected) const {
        const std::string full = table_key.empty() ? key : table_key + "." + key;
        fail(table, full, "missing required key '" + key + "' (expected " + expected + ")");
    }
    void reject_unknown(const toml::table& t, const std::string& prefix, const std::vector<std::string>& known) const {
        (void)input::TableReader(ctx_, t, prefix, known);
    }

    std::string read_string(const toml::node& n, const std::string& key) const {
        return input::read_string(ctx_, n, key);
    }
    std::int64_t read_integer(const toml::node& n, const std::string& key, std::int64_t lo,
                              std::int64_t hi = kMaxInt) const {
        return input::read_integer(ctx_, n, key, lo, hi);
    }
    double read_number(const toml::node& n, const std::string& key) const {
        return input::read_number(ctx_, n, key, any_number());
    }

    void read_design(SweepSpec& spec, const SweepDesign*& design) const;
    void read_parameters(SweepSpec& spec, const SweepDesign& design);
    void check_value(const SweepSpec& spec, const SweepParameter& p, double v, const toml::node& at,
                     const std::string& key) const {
        runners::check_parameter_value(ctx_, spec, p.path, p.integer, v, at, key);
    }

    std::string file_;
    input::Context ctx_;
    const toml::table& root_;
    Scenario base_;
    std::vector<runners::SetEntry> set_entries_;
};

void Parser::read_design(SweepSpec& spec, const SweepDesign*& design) const {
    const toml::node* dn = root_.get("design");
    if (dn == nullptr)
        fail(root_, "design", "missing required table [design] (expected kind = \"factorial\", \"lhs\" or \"sobol\")");
    const auto* dt = dn->as_table();
    if (dt == nullptr) fail(*dn, "design", "expected a table [design], got " + type_name(*dn));
    const toml::node* kn = dt->get("kind");
    const auto names = design_registry().names();
    const std::string expected = fmt::format("one of: {}", fmt::join(names, ", "));
    if (kn == nullptr) fail_missing(*dn, "design", "kind", expected);
    design = &input::read_registered(ctx_, *kn, "design.kind", design_registry());
    spec.design = design->name;
    std::vector<std::string> known = {"kind"};
    for (const auto& p : design->params)
        known.push_back(p.name);
    for (const auto& [k, v] : in_file_order(*dt)) {
        const std::string name(k->str());
        if (std::find(known.begin(), known.end(), name) != known.end()) continue;
        // A key another design declares: say which design it belongs to.
        for (const auto& other : design_registry())
            for (const auto& p : other.params)
                if (p.name == name)
                    fail_key(*k, "design." + name,
                             "'" + name + "' is not used by the " + design->name + " design (it is a " + other.name +
                                 " parameter)");
        fail_key(*k, "design." + name, unknown_key_problem(name, known));
    }
    for (const auto& p : design->params) {
        const std::string key = "design." + p.name;
        const toml::node* n = dt->get(p.name);
        // A declared parameter whose default lies outside its range has no usable default.
        const bool required = p.default_value < p.min_value || p.default_value > p.max_value;
        if (n == nullptr) {
            if (required) fail_missing(*dn, "design", p.name, p.help);
            spec.design_params[p.name] = p.default_value;
            continue;
        }
        double v = 0.0;
        if (p.integer) {
            v = static_cast<double>(
                read_integer(*n, key, static_cast<std::int64_t>(p.min_value), static_cast<std::int64_t>(p.max_value)));
        } else {
            v = input::read_number(ctx_, *n, key, closed(p.min_value, p.max_value));
        }
        spec.design_params[p.name] = v;
    }
}

void Parser::read_parameters(SweepSpec& spec, const SweepDesign& design) {
    const toml::node* pn = root_.get("parameter");
    if (pn == nullptr) {
        if (design.name == "factorial") return;  // replicates of the base scenario only
        fail(root_, "parameter", "missing required [[parameter]] (expected at least one, with path and range)");
    }
    const auto* arr = pn->as_array();
    if (arr == nullptr || !arr->is_array_of_tables())
        fail(*pn, "parameter", "expected [[parameter]] tables, got " + type_name(*pn));
    if (arr->empty() && design.name != "factorial") fail(*pn, "parameter", "expected at least one [[parameter]]");
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::node& en = *arr->get(i);
        const auto& t = *en.as_table();
        const std::string prefix = fmt::format("parameter[{}]", i);
        for (const auto& [k, v] : in_file_order(t)) {
            const std::string name(k->str());
            const std::string key = prefix + "." + name;
            if (std::find(kParameterKeys.begin(), kParameterKeys.end(), name) == kParameterKeys.end())
                fail_key(*k, key, unknown_key_problem(name, kParameterKeys));
            if (name == "values" && !design.uses_values)
                fail_key(*k, key,
                         "'values' lists factorial levels; the " + design.name +
                             " design samples a range (expected "
                             "range = [lo, hi])");
            if ((name == "range" || name == "scale") && !design.uses_range)
                fail_key(*k, key,
                         "'" + name +
                             "' is for sampled designs (lhs, sobol); the factorial design takes values = "
                             "[...]");
        }

        SweepParameter p;
        const toml::node* path_node = t.get("path");
        if (path_node == nullptr) fail_missing(en, prefix, "path", "a dotted scenario path such as vendors.x.cash");
        p.path = read_string(*path_node, prefix + ".path");
        if (const auto reason = check_numeric_path(base_, p.path); !reason.empty())
            fail(*path_node, prefix + ".path", "'" + p.path + "': " + reason);
        for (std::size_t j = 0; j < spec.parameters.size(); ++j)
            if (spec.parameters[j].path == p.path)
                fail(*path_node, prefix + ".path",
                     fmt::format("duplicate parameter '{}' (already varied by parameter[{}])", p.path, j));
        if (p.path == "turns" && spec.turns)
            fail(*path_node, prefix + ".path", "'turns' is both fixed by the top-level turns and varied here");
        for (const auto& s : set_entries_)
            if (s.key == p.path)
                fail(*path_node, prefix + ".path", "'" + p.path + "' is both fixed in [set] and varied here");
        p.integer = runners::is_integer_path(spec, base_, p.path);

        if (design.uses_values) {
            const toml::node* vn = t.get("values");
            if (vn == nullptr) fail_missing(en, prefix, "values", "a non-empty array of numbers");
            const auto* va = vn->as_array();
            if (va == nullptr) fail(*vn, prefix + ".values", "expected an array of numbers, got " + type_name(*vn));
            if (va->empty()) fail(*vn, prefix + ".values", "must not be empty (expected at least one level)");
            for (std::size_t j = 0; j < va->size(); ++j) {
                const toml::node& x = *va->get(j);
                const std::string key = fmt::format("{}.values[{}]", prefix, j);
                const double v = read_number(x, key);
                if (p.integer && v != std::trunc(v))
                    fail(x, key, "'" + p.path + "' is an integer (got " + number_text(v) + ")");
                for (std::size_t m = 0; m < p.values.size(); ++m)
                    if (p.values[m] == v)
                        fail(x, key, fmt::format("duplicate level {} (already values[{}])", number_text(v), m));
                p.values.push_back(v);
                check_value(spec, p, v, x, key);
            }
        }
        if (design.uses_range) {
            const std::string rkey = prefix + ".range";
            const toml::node* rn = t.get("range");
            if (rn == nullptr) fail_missing(en, prefix, "range", "[lo, hi] with lo < hi");
            const auto* ra = rn->as_array();
            if (ra == nullptr) fail(*rn, rkey, "expected [lo, hi], got " + type_name(*rn));
            if (ra->size() != 2)
                fail(*rn, rkey, fmt::format("expected two numbers [lo, hi], got {} element(s)", ra->size()));
            p.lo = read_number(*ra->get(0), rkey + "[0]");
            p.hi = read_number(*ra->get(1), rkey + "[1]");
            if (!(p.lo < p.hi))
                fail(*rn, rkey, fmt::format("lo must be < hi (got [{}, {}])", number_text(p.lo), number_text(p.hi)));
            if (const toml::node* sn = t.get("scale")) {
                const std::string scale = read_string(*sn, prefix + ".scale");
                if (scale == "log") {
                    p.scale = ParameterScale::log;
                } else if (scale != "linear") {
                    std::string problem = "invalid scale \"" + scale + "\" (expected \"linear\" or \"log\"";
                    if (const auto near = nearest_key(scale, {"linear", "log"}); !near.empty())
                        problem += "; did you mean \"" + near + "\"?";
                    fail(*sn, prefix + ".scale", problem + ")");
                }
            }
            if (p.scale == ParameterScale::log && p.lo <= 0.0)
                fail(*rn, rkey,
                     fmt::format("a log-scale range must not include zero or negatives (got [{}, {}])",
                                 number_text(p.lo), number_text(p.hi)));
            if (p.integer && std::ceil(p.lo) > std::floor(p.hi))
                fail(*rn, rkey, "'" + p.path + "' is an integer and the range holds none");
            check_value(spec, p, map_unit(p, 0.0), *ra->get(0), rkey + "[0]");
            check_value(spec, p, map_unit(p, std::nextafter(1.0, 0.0)), *ra->get(1), rkey + "[1]");
        }
        spec.parameters.push_back(std::move(p));
    }
}

SweepSpec Parser::parse(std::string_view text) {
    SweepSpec spec;
    spec.file = file_;
    spec.text = std::string(text);
    reject_unknown(root_, "", kTopKeys);

    runners::read_base_scenario(ctx_, root_, file_, spec, "sweep");

    if (const toml::node* n = root_.get("replicates")) spec.replicates = read_integer(*n, "replicates", 1);
    if (const toml::node* n = root_.get("turns")) {
        spec.turns = static_cast<int>(read_integer(*n, "turns", 1, kMaxTurns));
    }
    const SweepDesign* design = nullptr;
    read_design(spec, design);
    set_entries_ = runners::read_set(ctx_, root_, spec);
    base_ = runners::load_base(ctx_, spec, set_entries_);
    if (const toml::node* n = root_.get("seed"))
        spec.seed = runners::read_master_seed(ctx_, *n);
    else
        spec.seed = base_.seed;

    read_parameters(spec, *design);
    constexpr std::size_t sobol_dimensions = boost::random::default_sobol_table::max_dimension;
    if (design->name == "sobol" && 2 * spec.parameters.size() > sobol_dimensions)
        fail(*root_.get("parameter"), "parameter",
             fmt::format("too many parameters for the Sobol sequence (at most {})", sobol_dimensions / 2));
    // The plans are expanded in memory before the first run.
    double runs = static_cast<double>(spec.replicates);
    if (design->uses_values)
        for (const auto& p : spec.parameters)
            runs *= static_cast<double>(p.values.size());
    else
        runs *= spec.design_params.at("samples") *
                (design->name == "sobol" ? static_cast<double>(spec.parameters.size()) + 2.0 : 1.0);
    const toml::node* where = root_.get("replicates");
    if (where == nullptr) where = root_.get("design");
    if (runs > kMaxRuns)
        fail(where != nullptr ? *where : static_cast<const toml::node&>(root_), "design",
             fmt::format("{:.0f} runs planned; at most {:.0f} per sweep (split it into several sweep files)", runs,
                         kMaxRuns));
    return spec;
}

}  // namespace

std::string override_number(double value, bool integer) {
    if (integer) return fmt::format("{}", static_cast<std::int64_t>(std::llround(value)));
    std::string s = fmt::format("{}", value);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // keep it a TOML float
    return s;
}

std::vector<std::string> fixed_overrides(const SweepSpec& spec) {
    return spec.fixed;
}

void apply_turns(const SweepSpec& spec, Scenario& scenario) {
    if (!spec.turns) return;
    scenario.turns = *spec.turns;
    std::erase_if(scenario.events, [&](const Event& e) { return e.turn >= *spec.turns; });
}

Scenario plan_scenario(const SweepSpec& spec, const std::vector<double>& values) {
    Scenario sc = parse_scenario(spec.scenario_text, spec.scenario_path, plan_overrides(spec, values));
    apply_turns(spec, sc);
    return sc;
}

std::vector<std::string> plan_overrides(const SweepSpec& spec, const std::vector<double>& values) {
    std::vector<std::string> out = fixed_overrides(spec);
    for (std::size_t j = 0; j < spec.parameters.size() && j < values.size(); ++j)
        out.push_back(spec.parameters[j].path + "=" + override_number(values[j], spec.parameters[j].integer));
    return out;
}

SweepSpec parse_sweep(std::string_view text, const std::string& path) {
    toml::table root = parse_toml(text, path);  // same guarded parser and (syntax) errors as scenarios
    Parser parser(path, root);
    return parser.parse(text);
}

SweepSpec load_sweep_file(const std::string& path) {
    return parse_sweep(runners::read_input_text(path), path);
}

bool is_sweep_file(const std::string& path) {
    const auto text = runners::try_read_text(path);
    if (!text) return false;
    try {
        const toml::table root = parse_toml(*text, path);
        return root.contains("scenario") || root.contains("design") || root.contains("parameter");
    } catch (const InputError&) {
        return false;
    }
}

}  // namespace pricewar
