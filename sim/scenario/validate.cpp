// Validation: the TOML tree (after overrides) to a Scenario, or an InputError naming the
// first offending node.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "agents/network.hpp"
#include "agents/strategy.hpp"
#include "sim/scenario/detail.hpp"
#include "sim/scenario/loader.hpp"

namespace pricewar::scenario_detail {

namespace {

constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();
constexpr int kMaxTurns = 100000;
constexpr std::int64_t kMaxDevelopers = 50'000'000;
constexpr std::size_t kMaxVendors = 64;
constexpr std::size_t kMaxOffers = 256;

bool before(const toml::source_position& a, const toml::source_position& b) {
    if (a.line == 0) return false;  // nodes without a position (written by --set) sort last
    if (b.line == 0) return true;
    return a.line < b.line || (a.line == b.line && a.column < b.column);
}

// Entries of a table in source order (toml++ keeps tables as sorted maps).
struct Entry {
    std::string name;
    const toml::node* node;
    const toml::key* key;
};

std::vector<Entry> in_file_order(const toml::table& t) {
    std::vector<std::pair<toml::source_position, Entry>> items;
    for (const auto& [k, v] : t)
        items.push_back({first_position(v), Entry{std::string(k.str()), &v, &k}});
    std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return before(a.first, b.first); });
    std::vector<Entry> out;
    out.reserve(items.size());
    for (auto& item : items)
        out.push_back(std::move(item.second));
    return out;
}

std::string unknown_key_problem(const std::string& key, const std::vector<std::string>& known,
                                const std::string& what = "") {
    std::string out = "unknown key '" + key + "'";
    if (!what.empty()) out += " " + what;
    const std::string near = nearest_key(key, known);
    if (!near.empty()) return out + " (did you mean '" + near + "'?)";
    if (known.empty()) return out + " (expected no keys here)";
    return out + " (expected one of: " + joined(known) + ")";
}

std::string int_range(std::int64_t lo, std::int64_t hi) {
    if (hi == kMaxInt) return fmt::format(">= {}", lo);
    return fmt::format("in [{}, {}]", lo, hi);
}

double read_number(const Context& ctx, const toml::node& n, const std::string& key, const Range& r) {
    double v = 0.0;
    if (const auto* i = n.as_integer())
        v = static_cast<double>(i->get());
    else if (const auto* f = n.as_floating_point())
        v = f->get();
    else
        ctx.fail(&n, key, "expected a number, got " + type_name(n));
    if (std::isnan(v)) {
        // "a number >= 0", or just "a finite number" for an unbounded range.
        const std::string range = r.describe();
        ctx.fail(&n, key,
                 "nan is not allowed (expected " + (range.rfind("a ", 0) == 0 ? range : "a number " + range) + ")");
    }
    if (std::isinf(v) && !r.inf_ok) ctx.fail(&n, key, "must be finite (got " + format_number(v) + ")");
    if (!r.contains(v)) ctx.fail(&n, key, "must be " + r.describe() + " (got " + format_number(v) + ")");
    return v;
}

std::int64_t read_integer(const Context& ctx, const toml::node& n, const std::string& key, std::int64_t lo,
                          std::int64_t hi) {
    std::int64_t v = 0;
    if (const auto* i = n.as_integer()) {
        v = i->get();
    } else if (const auto* f = n.as_floating_point()) {
        const double d = f->get();
        if (std::isnan(d)) ctx.fail(&n, key, "nan is not allowed (expected an integer " + int_range(lo, hi) + ")");
        if (!std::isfinite(d) || d != std::trunc(d))
            ctx.fail(&n, key, "must be an integer (got " + format_number(d) + ")");
        if (d < -9.2e18 || d > 9.2e18)
            ctx.fail(&n, key, "must be " + int_range(lo, hi) + " (got " + format_number(d) + ")");
        v = static_cast<std::int64_t>(d);
    } else {
        ctx.fail(&n, key, "expected an integer, got " + type_name(n));
    }
    if (v < lo || v > hi) ctx.fail(&n, key, "must be " + int_range(lo, hi) + fmt::format(" (got {})", v));
    return v;
}

std::string read_string(const Context& ctx, const toml::node& n, const std::string& key) {
    if (const auto* s = n.as_string()) return s->get();
    ctx.fail(&n, key, "expected a string, got " + type_name(n));
}

bool read_bool(const Context& ctx, const toml::node& n, const std::string& key) {
    if (const auto* b = n.as_boolean()) return b->get();
    ctx.fail(&n, key, "expected a boolean (true or false), got " + type_name(n));
}

template <class E>
using Options = std::vector<std::pair<std::string, E>>;

template <class E>
std::vector<std::string> option_names(const Options<E>& options) {
    std::vector<std::string> out;
    for (const auto& o : options)
        out.push_back(o.first);
    return out;
}

template <class E>
E read_choice(const Context& ctx, const toml::node& n, const std::string& key, const Options<E>& options) {
    const auto names = option_names(options);
    const auto* s = n.as_string();
    if (s == nullptr) ctx.fail(&n, key, "expected one of " + quoted_alternatives(names) + ", got " + type_name(n));
    for (const auto& o : options)
        if (o.first == s->get()) return o.second;
    std::string problem = "invalid value \"" + s->get() + "\" (expected " + quoted_alternatives(names);
    if (const auto near = nearest_key(s->get(), names); !near.empty()) problem += "; did you mean \"" + near + "\"?";
    ctx.fail(&n, key, problem + ")");
}

// Reads the keys of one table; rejects keys it does not know, in file order.
class TableReader {
public:
    TableReader(const Context& ctx, const toml::table& table, std::string path, std::vector<std::string> known,
                const std::string& what = "")
        : ctx_(ctx), table_(table), path_(std::move(path)) {
        for (const auto& [k, v, kk] : in_file_order(table_))
            if (std::find(known.begin(), known.end(), k) == known.end())
                ctx_.fail_key(*kk, v, key(k), unknown_key_problem(k, known, what));
    }

    [[nodiscard]] const toml::node* find(std::string_view k) const { return table_.get(k); }
    [[nodiscard]] std::string key(std::string_view k) const { return join_key(path_, k); }
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] const toml::table& table() const { return table_; }

    [[noreturn]] void missing(std::string_view k, const std::string& expected) const {
        ctx_.fail(&table_, key(k), "missing required key '" + std::string(k) + "' (expected " + expected + ")");
    }

    [[nodiscard]] double number(std::string_view k, const Range& r, double fallback) const {
        const auto* n = find(k);
        return n == nullptr ? fallback : read_number(ctx_, *n, key(k), r);
    }
    [[nodiscard]] std::optional<double> optional_number(std::string_view k, const Range& r) const {
        const auto* n = find(k);
        if (n == nullptr) return std::nullopt;
        return read_number(ctx_, *n, key(k), r);
    }
    [[nodiscard]] double required_number(std::string_view k, const Range& r, const std::string& what) const {
        const auto* n = find(k);
        if (n == nullptr) missing(k, what + ", " + r.describe());
        return read_number(ctx_, *n, key(k), r);
    }
    [[nodiscard]] std::int64_t integer(std::string_view k, std::int64_t lo, std::int64_t hi,
                                       std::int64_t fallback) const {
        const auto* n = find(k);
        return n == nullptr ? fallback : read_integer(ctx_, *n, key(k), lo, hi);
    }
    [[nodiscard]] std::int64_t required_integer(std::string_view k, std::int64_t lo, std::int64_t hi) const {
        const auto* n = find(k);
        if (n == nullptr) missing(k, "an integer " + int_range(lo, hi));
        return read_integer(ctx_, *n, key(k), lo, hi);
    }
    [[nodiscard]] bool boolean(std::string_view k, bool fallback) const {
        const auto* n = find(k);
        return n == nullptr ? fallback : read_bool(ctx_, *n, key(k));
    }
    // Strings; `nonempty` rejects "".
    [[nodiscard]] std::string string(std::string_view k, const std::string& fallback, bool nonempty = false) const {
        const auto* n = find(k);
        if (n == nullptr) return fallback;
        std::string s = read_string(ctx_, *n, key(k));
        if (nonempty && s.empty()) ctx_.fail(n, key(k), "must not be empty");
        return s;
    }
    [[nodiscard]] std::string required_string(std::string_view k, const std::string& what) const {
        const auto* n = find(k);
        if (n == nullptr) missing(k, what);
        std::string s = read_string(ctx_, *n, key(k));
        if (s.empty()) ctx_.fail(n, key(k), "must not be empty");
        return s;
    }
    template <class E>
    [[nodiscard]] E choice(std::string_view k, const Options<E>& options, E fallback) const {
        const auto* n = find(k);
        return n == nullptr ? fallback : read_choice(ctx_, *n, key(k), options);
    }
    template <class E>
    [[nodiscard]] E required_choice(std::string_view k, const Options<E>& options) const {
        const auto* n = find(k);
        if (n == nullptr) missing(k, quoted_alternatives(option_names(options)));
        return read_choice(ctx_, *n, key(k), options);
    }
    // An optional sub-table; null when absent.
    [[nodiscard]] const toml::table* subtable(std::string_view k) const {
        const auto* n = find(k);
        if (n == nullptr) return nullptr;
        if (const auto* t = n->as_table()) return t;
        ctx_.fail(n, key(k), "expected a table, got " + type_name(*n));
    }

private:
    const Context& ctx_;
    const toml::table& table_;
    std::string path_;
};

// ----- declared parameters (strategies, networks) -----------------------------------------

std::vector<std::string> spec_names(const ParamSpecs& specs) {
    std::vector<std::string> out;
    for (const auto& s : specs)
        out.push_back(s.name);
    return out;
}

double read_param(const Context& ctx, const toml::node& n, const std::string& key, const ParamSpec& spec) {
    const Range r = closed(spec.min_value, spec.max_value);
    if (spec.integer) {
        const double v = read_number(ctx, n, key, Range{-kInf, kInf, false, false, false});
        if (v != std::trunc(v)) ctx.fail(&n, key, "must be an integer (got " + format_number(v) + ")");
    }
    return read_number(ctx, n, key, r);
}

// Validates `given` (may be null) against `specs`; every declared parameter comes back,
// defaults filled in. `skip` is a key of the table that is not a parameter ("name").
std::map<std::string, double> read_params(const Context& ctx, const toml::table* given, const std::string& path,
                                          const ParamSpecs& specs, const std::string& owner,
                                          std::string_view skip = {}) {
    std::map<std::string, double> out;
    for (const auto& s : specs)
        out[s.name] = s.default_value;
    if (given == nullptr) return out;
    const auto names = spec_names(specs);
    for (const auto& [k, v, kk] : in_file_order(*given)) {
        if (!skip.empty() && k == skip) continue;
        // A plain reference: clang before 16 cannot capture a structured binding in a lambda.
        const std::string& name = k;
        const auto it = std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& s) { return s.name == name; });
        if (it == specs.end()) {
            std::string problem = "unknown parameter '" + k + "' for " + owner;
            if (const auto near = nearest_key(k, names); !near.empty())
                problem += " (did you mean '" + near + "'?)";
            else if (names.empty())
                problem += " (it takes no parameters)";
            else
                problem += " (expected one of: " + joined(names) + ")";
            ctx.fail_key(*kk, v, join_key(path, k), problem);
        }
        out[k] = read_param(ctx, *v, join_key(path, k), *it);
    }
    return out;
}

StrategySpec read_strategy(const Context& ctx, const toml::node* n, const std::string& path) {
    StrategySpec spec;
    const toml::node* name_node = n;
    std::string name_key = path;
    const toml::table* table = nullptr;
    if (n == nullptr) {
        spec.name = "static";
    } else if (const auto* s = n->as_string()) {
        spec.name = s->get();
    } else if ((table = n->as_table()) != nullptr) {
        name_node = table->get("name");
        name_key = join_key(path, "name");
        if (name_node == nullptr)
            ctx.fail(n, name_key, "missing required key 'name' (expected one of: " + joined(strategy_names()) + ")");
        spec.name = read_string(ctx, *name_node, name_key);
    } else {
        ctx.fail(n, path, "expected a strategy name or a table { name = \"...\", ... }, got " + type_name(*n));
    }
    const StrategyInfo* info = find_strategy(spec.name);
    if (info == nullptr) {
        const auto names = strategy_names();
        std::string problem = "unknown strategy '" + spec.name + "' (expected one of: " + joined(names);
        if (const auto near = nearest_key(spec.name, names); !near.empty()) problem += "; did you mean '" + near + "'?";
        ctx.fail(name_node, name_key, problem + ")");
    }
    spec.params = read_params(ctx, table, path, info->params, "strategy '" + spec.name + "'", "name");
    return spec;
}

// ----- distributions -----------------------------------------------------------------------

// Values a developer parameter may take (after clipping).
struct Domain {
    Range range;
    std::string meaning;
};

Distribution read_distribution(const Context& ctx, const toml::node& n, const std::string& path, const Domain& domain) {
    if (n.is_number()) return Distribution::constant(read_number(ctx, n, path, domain.range));
    const auto* t = n.as_table();
    if (t == nullptr)
        ctx.fail(&n, path,
                 "expected a number or a distribution table such as { dist = \"lognormal\", median = 1, sigma = 0.5 }, "
                 "got " +
                     type_name(n));

    const Options<Distribution::Kind> kinds = {{"lognormal", Distribution::Kind::lognormal},
                                               {"normal", Distribution::Kind::normal},
                                               {"uniform", Distribution::Kind::uniform},
                                               {"constant", Distribution::Kind::constant}};
    Distribution d;
    d.kind = Distribution::Kind::lognormal;
    if (const auto* k = t->get("dist")) d.kind = read_choice(ctx, *k, join_key(path, "dist"), kinds);
    const std::string kind = to_string(d.kind);

    std::vector<std::string> known = {"dist"};
    switch (d.kind) {
        case Distribution::Kind::lognormal:
            known.insert(known.end(), {"median", "sigma"});
            break;
        case Distribution::Kind::normal:
            known.insert(known.end(), {"mean", "sd"});
            break;
        case Distribution::Kind::uniform:
            known.insert(known.end(), {"low", "high"});
            break;
        case Distribution::Kind::constant:
            known.insert(known.end(), {"value"});
            break;
    }
    known.insert(known.end(), {"min", "max"});
    const TableReader r(ctx, *t, path, known, "for a " + kind + " distribution");

    const Range any{-kInf, kInf, false, false, false};
    double support_lo = 0.0;
    double support_hi = 0.0;
    switch (d.kind) {
        case Distribution::Kind::lognormal:
            d.a = r.required_number("median", above(0), "the median");
            d.b = r.required_number("sigma", at_least(0), "the sd of the log");
            support_lo = d.b > 0 ? 0.0 : d.a;
            support_hi = d.b > 0 ? kInf : d.a;
            break;
        case Distribution::Kind::normal:
            d.a = r.required_number("mean", any, "the mean");
            d.b = r.required_number("sd", at_least(0), "the standard deviation");
            support_lo = d.b > 0 ? -kInf : d.a;
            support_hi = d.b > 0 ? kInf : d.a;
            break;
        case Distribution::Kind::uniform: {
            d.a = r.required_number("low", any, "the lower end");
            d.b = r.required_number("high", any, "the upper end");
            if (d.b < d.a)
                ctx.fail(r.find("high"), r.key("high"),
                         "must be >= low (got " + format_number(d.b) + " < " + format_number(d.a) + ")");
            support_lo = d.a;
            support_hi = d.b;
            break;
        }
        case Distribution::Kind::constant:
            d.a = r.required_number("value", domain.range, "the value");
            support_lo = support_hi = d.a;
            break;
    }
    // Clip bounds: any number; -inf (min) and inf (max) mean no bound.
    auto read_bound = [&](const char* k, double none) -> std::optional<double> {
        const toml::node* b = r.find(k);
        if (b == nullptr) return std::nullopt;
        if (const auto* f = b->as_floating_point(); f != nullptr && f->get() == none) return none;
        return read_number(ctx, *b, r.key(k), any);
    };
    if (const auto mn = read_bound("min", -kInf)) d.clip_min = *mn;
    if (const auto mx = read_bound("max", kInf)) d.clip_max = *mx;
    if (d.clip_max < d.clip_min)
        ctx.fail(r.find("max"), r.key("max"),
                 "must be >= min (got " + format_number(d.clip_max) + " < " + format_number(d.clip_min) + ")");

    // Every draw, once clipped, must be a valid value of the parameter.
    const double lo = std::clamp(support_lo, d.clip_min, d.clip_max);
    const double hi = std::clamp(support_hi, d.clip_min, d.clip_max);
    const Range& dr = domain.range;
    const bool lo_ok = dr.lo_open ? lo > dr.lo : lo >= dr.lo;
    const bool hi_ok = dr.hi_open ? hi < dr.hi : hi <= dr.hi;
    if (!lo_ok || !hi_ok) {
        std::string bounds;
        if (!lo_ok) bounds += "min = " + format_number(dr.lo);
        if (!hi_ok) bounds += std::string(bounds.empty() ? "" : ", ") + "max = " + format_number(dr.hi);
        ctx.fail(&n, path,
                 fmt::format("{} must be {}, but this {} distribution reaches [{}, {}] after clipping (expected "
                             "clip bounds such as {})",
                             domain.meaning, dr.describe(), kind, format_number(lo), format_number(hi), bounds));
    }
    return d;
}

// ----- sections ----------------------------------------------------------------------------

const Options<VendorKind> kVendorKinds = {
    {"cloud", VendorKind::cloud}, {"startup", VendorKind::startup}, {"foreign", VendorKind::foreign}};

const Options<Event::Kind> kEventKinds = {
    {"price", Event::Kind::price},           {"launch", Event::Kind::launch},
    {"withdraw", Event::Kind::withdraw},     {"quality", Event::Kind::quality},
    {"cost_shock", Event::Kind::cost_shock}, {"gpu_supply", Event::Kind::gpu_supply},
    {"vc_climate", Event::Kind::vc_climate}, {"vendor_entry", Event::Kind::vendor_entry}};

MarketSpec read_market(const Context& ctx, const toml::table* t) {
    MarketSpec m;
    if (t == nullptr) return m;
    const TableReader r(
        ctx, *t, "market",
        {"output_share", "cost_decline", "kappa", "p_ref", "gpu_supply", "vc_climate", "rationing_penalty", "outside"});
    m.output_share = r.number("output_share", closed(0, 1), m.output_share);
    m.cost_decline = r.number("cost_decline", closed_open(0, 1), m.cost_decline);
    m.kappa = r.number("kappa", at_least(0), m.kappa);
    m.p_ref = r.number("p_ref", above(0), m.p_ref);
    m.gpu_supply = r.number("gpu_supply", at_least_or_inf(0), m.gpu_supply);
    m.vc_climate = r.number("vc_climate", closed(0, 1), m.vc_climate);
    m.rationing_penalty = r.number("rationing_penalty", at_least(0), m.rationing_penalty);
    if (const auto* o = r.subtable("outside")) {
        const TableReader ro(ctx, *o, "market.outside", {"name", "quality", "cost"});
        m.outside.name = ro.string("name", m.outside.name, true);
        m.outside.quality = ro.number("quality", closed(0, 10), m.outside.quality);
        m.outside.cost = ro.number("cost", at_least_or_inf(0), m.outside.cost);
    }
    return m;
}

DeveloperSpec read_developers(const Context& ctx, const toml::table& root) {
    DeveloperSpec d;
    const toml::node* node = root.get("developers");
    if (node == nullptr)
        ctx.fail(&root, "developers",
                 "missing required table 'developers' (expected a [developers] table with at least 'count')");
    const auto* t = node->as_table();
    if (t == nullptr) ctx.fail(node, "developers", "expected a table, got " + type_name(*node));

    std::vector<std::string> known = {"mode",          "count",        "weight",         "price_utility",
                                      "noise_scale",   "network",      "network_params", "network_weight",
                                      "initial_aware", "p_innovation", "p_imitation",    "mean_field_types"};
    known.insert(known.end(), distribution_keys().begin(), distribution_keys().end());
    const TableReader r(ctx, *t, "developers", known);

    d.mode = r.choice("mode", Options<DemandMode>{{"agent", DemandMode::agent}, {"mean_field", DemandMode::mean_field}},
                      d.mode);
    // Checked before anything is sized by it.
    d.count = r.required_integer("count", 1, kMaxDevelopers);
    d.weight = r.number("weight", above(0), d.weight);
    d.price_utility =
        r.choice("price_utility", Options<PriceUtility>{{"log", PriceUtility::log}, {"linear", PriceUtility::linear}},
                 d.price_utility);
    d.noise_scale = r.number("noise_scale", above(0), d.noise_scale);

    d.network = r.string("network", d.network);
    const NetworkInfo* net = find_network(d.network);
    if (net == nullptr) {
        const auto names = network_names();
        std::string problem = "unknown network '" + d.network + "' (expected one of: " + joined(names);
        if (const auto near = nearest_key(d.network, names); !near.empty()) problem += "; did you mean '" + near + "'?";
        ctx.fail(r.find("network"), r.key("network"), problem + ")");
    }
    d.network_params = read_params(ctx, r.subtable("network_params"), "developers.network_params", net->params,
                                   "network '" + d.network + "'");
    d.network_weight = r.number("network_weight", at_least(0), d.network_weight);
    d.initial_aware = r.number("initial_aware", closed(0, 1), d.initial_aware);
    d.p_innovation = r.number("p_innovation", closed(0, 1), d.p_innovation);
    d.p_imitation = r.number("p_imitation", closed(0, 1), d.p_imitation);
    d.mean_field_types = static_cast<int>(r.integer("mean_field_types", 1, 100000, d.mean_field_types));

    const std::pair<const char*, Distribution*> fields[] = {{"value", &d.value},
                                                            {"base_usage", &d.base_usage},
                                                            {"elasticity", &d.elasticity},
                                                            {"quality_weight", &d.quality_weight},
                                                            {"price_weight", &d.price_weight},
                                                            {"switching_cost", &d.switching_cost},
                                                            {"reevaluate_prob", &d.reevaluate_prob},
                                                            {"budget", &d.budget}};
    for (const auto& [k, out] : fields) {
        const toml::node* n = r.find(k);
        if (n == nullptr) continue;
        const std::string key(k);
        Domain dom{at_least(0), key};
        if (key == "value" || key == "budget") dom.range = at_least_or_inf(0);
        if (key == "reevaluate_prob") dom.range = closed(0, 1);
        *out = read_distribution(ctx, *n, r.key(k), dom);
    }
    return d;
}

struct OfferRef {
    std::string full_id;  // "vendor.offer"
    int vendor = 0;
    int flat = 0;
    const toml::node* active = nullptr;
    std::string active_key;
};

struct VendorRef {
    const toml::table* table = nullptr;
    const toml::node* present = nullptr;
    std::string key;
};

OfferSpec read_offer(const Context& ctx, const std::string& id, const toml::table& t, const std::string& path) {
    OfferSpec o;
    o.id = id;
    const TableReader r(
        ctx, t, path,
        {"name", "tier", "quality", "price_in", "price_out", "unit_cost", "free_quota", "active", "strategy"});
    o.name = r.string("name", id, true);
    o.tier = r.string("tier", "pro", true);
    o.quality = r.required_number("quality", closed(0, 10), "a capability index");
    o.price_in = r.required_number("price_in", at_least(0), "a price in CNY per Mtok of input");
    o.price_out = r.required_number("price_out", at_least(0), "a price in CNY per Mtok of output");
    o.unit_cost = r.required_number("unit_cost", at_least(0), "a cost in CNY per Mtok served at turn 0");
    o.free_quota_mtok = r.number("free_quota", at_least(0), o.free_quota_mtok);
    o.active = r.boolean("active", o.active);
    o.strategy = read_strategy(ctx, r.find("strategy"), r.key("strategy"));
    return o;
}

VendorSpec read_vendor(const Context& ctx, const std::string& id, const toml::table& t, const std::string& path,
                       std::size_t& offers_so_far, std::vector<OfferRef>& offer_refs, int vendor_index) {
    VendorSpec v;
    v.id = id;
    const TableReader r(ctx, t, path,
                        {"name",
                         "kind",
                         "cash",
                         "fixed_cost",
                         "gpus",
                         "tokens_per_gpu",
                         "gpu_price",
                         "gpu_opex",
                         "gpu_lead_turns",
                         "target_utilisation",
                         "max_gpu_order",
                         "cost_decline",
                         "cloud_attach_revenue",
                         "cloud_margin",
                         "loss_budget",
                         "funding_interval",
                         "round_size",
                         "investor_hurdle",
                         "present",
                         "offers"});
    v.name = r.string("name", id, true);
    v.kind = r.required_choice("kind", kVendorKinds);
    v.cash = r.number("cash", at_least(0), v.cash);
    v.fixed_cost = r.number("fixed_cost", at_least(0), v.fixed_cost);
    v.gpus = r.number("gpus", at_least(0), v.gpus);
    v.tokens_per_gpu = r.number("tokens_per_gpu", above(0), v.tokens_per_gpu);
    v.gpu_price = r.number("gpu_price", at_least(0), v.gpu_price);
    v.gpu_opex = r.number("gpu_opex", at_least(0), v.gpu_opex);
    v.gpu_lead_turns = static_cast<int>(r.integer("gpu_lead_turns", 0, kMaxTurns, v.gpu_lead_turns));
    v.target_utilisation = r.number("target_utilisation", open_closed(0, 1), v.target_utilisation);
    v.max_gpu_order = r.number("max_gpu_order", at_least_or_inf(0), v.max_gpu_order);
    v.cost_decline = r.optional_number("cost_decline", closed_open(0, 1));
    v.cloud_attach_revenue = r.number("cloud_attach_revenue", at_least(0), v.cloud_attach_revenue);
    if (v.cloud_attach_revenue != 0.0 && v.kind != VendorKind::cloud)
        ctx.fail(
            r.find("cloud_attach_revenue"), r.key("cloud_attach_revenue"),
            fmt::format("only a cloud vendor earns attach revenue (expected 0 for kind \"{}\", or kind = \"cloud\")",
                        to_string(v.kind)));
    v.cloud_margin = r.number("cloud_margin", closed(0, 1), v.cloud_margin);
    v.loss_budget = r.number("loss_budget", at_least_or_inf(0), v.loss_budget);
    v.funding_interval = static_cast<int>(r.integer("funding_interval", 1, kMaxTurns, v.funding_interval));
    v.round_size = r.number("round_size", at_least(0), v.round_size);
    v.investor_hurdle = r.number("investor_hurdle", at_least(0), v.investor_hurdle);
    v.present = r.boolean("present", v.present);

    const toml::table* offers = r.subtable("offers");
    const std::string offers_key = r.key("offers");
    const std::string hint = "at least one [" + offers_key + ".<id>] table";
    if (offers == nullptr) r.missing("offers", hint);
    if (offers->empty()) ctx.fail(offers, offers_key, "no offers (expected " + hint + ")");
    for (const auto& [oid, node, okk] : in_file_order(*offers)) {
        const std::string okey = join_key(offers_key, oid);
        if (!valid_id(oid))
            ctx.fail_key(*okk, node, okey,
                         "bad offer id '" + oid + "' (expected lower-case letters, digits, '_' or '-')");
        const auto* ot = node->as_table();
        if (ot == nullptr) ctx.fail(node, okey, "expected a table [" + okey + "], got " + type_name(*node));
        if (++offers_so_far > kMaxOffers)
            ctx.fail(node, okey, fmt::format("too many offers (at most {} in all)", kMaxOffers));
        v.offers.push_back(read_offer(ctx, oid, *ot, okey));
        OfferRef ref;
        ref.full_id = id + "." + oid;
        ref.vendor = vendor_index;
        ref.flat = static_cast<int>(offer_refs.size());
        ref.active = ot->get("active");
        ref.active_key = join_key(okey, "active");
        offer_refs.push_back(ref);
    }
    return v;
}

std::vector<Event> read_events(const Context& ctx, const toml::table& root, const Scenario& s,
                               const std::vector<OfferRef>& offers, const std::vector<VendorRef>& vendor_refs) {
    std::vector<Event> events;
    const toml::node* node = root.get("events");
    const toml::array no_events;
    const toml::array* arr = &no_events;
    if (node != nullptr) {
        arr = node->as_array();
        if (arr == nullptr || !(arr->empty() || arr->is_array_of_tables()))
            ctx.fail(node, "events", "expected an array of tables ([[events]]), got " + type_name(*node));
    }

    std::vector<std::string> offer_ids;
    for (const auto& o : offers)
        offer_ids.push_back(o.full_id);
    std::vector<std::string> vendor_ids;
    for (const auto& v : s.vendors)
        vendor_ids.push_back(v.id);

    std::vector<int> entry_turn(s.vendors.size(), -1);
    std::vector<bool> launched(offers.size(), false);

    const std::vector<std::string> all_keys = {"turn",      "kind",    "offer",  "vendor", "price_in",
                                               "price_out", "quality", "factor", "value",  "note"};
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::node& en = *arr->get(i);
        const std::string path = fmt::format("events[{}]", i);
        const auto& t = *en.as_table();
        const TableReader r(ctx, t, path, all_keys);
        Event e;
        e.kind = r.required_choice("kind", kEventKinds);
        const std::string kind = to_string(e.kind);

        std::vector<std::string> applies = {"turn", "kind", "note"};
        switch (e.kind) {
            case Event::Kind::price:
                applies.insert(applies.end(), {"offer", "price_in", "price_out"});
                break;
            case Event::Kind::launch:
                applies.insert(applies.end(), {"offer", "price_in", "price_out", "quality"});
                break;
            case Event::Kind::withdraw:
                applies.insert(applies.end(), {"offer"});
                break;
            case Event::Kind::quality:
                applies.insert(applies.end(), {"offer", "quality"});
                break;
            case Event::Kind::cost_shock:
                applies.insert(applies.end(), {"vendor", "factor"});
                break;
            case Event::Kind::gpu_supply:
            case Event::Kind::vc_climate:
                applies.insert(applies.end(), {"value"});
                break;
            case Event::Kind::vendor_entry:
                applies.insert(applies.end(), {"vendor"});
                break;
        }
        for (const auto& [k, v, kk] : in_file_order(t))
            if (std::find(applies.begin(), applies.end(), k) == applies.end())
                ctx.fail_key(
                    *kk, v, r.key(k),
                    "key '" + k + "' does not apply to a " + kind + " event (expected " + joined(applies) + ")");

        const toml::node* turn_node = r.find("turn");
        if (turn_node == nullptr) r.missing("turn", fmt::format("an integer in [0, {}]", s.turns - 1));
        const std::int64_t turn = read_integer(ctx, *turn_node, r.key("turn"), 0, kMaxInt);
        if (turn >= s.turns)
            ctx.fail(turn_node, r.key("turn"),
                     fmt::format("must be in [0, {}] (got {}; the horizon is turns = {})", s.turns - 1, turn, s.turns));
        e.turn = static_cast<int>(turn);
        e.note = r.string("note", "");

        const bool needs_offer = e.kind == Event::Kind::price || e.kind == Event::Kind::launch ||
                                 e.kind == Event::Kind::withdraw || e.kind == Event::Kind::quality;
        if (needs_offer) {
            const toml::node* on = r.find("offer");
            if (on == nullptr) r.missing("offer", "\"vendor.offer\" naming an offer in [vendors]");
            const std::string id = read_string(ctx, *on, r.key("offer"));
            const auto it = std::find(offer_ids.begin(), offer_ids.end(), id);
            if (it == offer_ids.end()) {
                std::string problem = "unknown offer '" + id + "'";
                if (const auto near = nearest_key(id, offer_ids); !near.empty())
                    problem += " (did you mean '" + near + "'?)";
                else
                    problem += " (expected \"vendor.offer\", one of: " + joined(offer_ids) + ")";
                ctx.fail(on, r.key("offer"), problem);
            }
            const auto& ref = offers[static_cast<std::size_t>(it - offer_ids.begin())];
            e.offer = ref.flat;
            e.vendor = ref.vendor;
            if (e.kind == Event::Kind::launch) launched[static_cast<std::size_t>(ref.flat)] = true;
        }
        const toml::node* vn = r.find("vendor");
        if (e.kind == Event::Kind::vendor_entry && vn == nullptr)
            r.missing("vendor", "the id of a vendor with present = false");
        if (vn != nullptr) {
            const std::string id = read_string(ctx, *vn, r.key("vendor"));
            const auto it = std::find(vendor_ids.begin(), vendor_ids.end(), id);
            if (it == vendor_ids.end()) {
                std::string problem = "unknown vendor '" + id + "'";
                if (const auto near = nearest_key(id, vendor_ids); !near.empty())
                    problem += " (did you mean '" + near + "'?)";
                else
                    problem += " (expected one of: " + joined(vendor_ids) + ")";
                ctx.fail(vn, r.key("vendor"), problem);
            }
            e.vendor = static_cast<int>(it - vendor_ids.begin());
            const auto vi = static_cast<std::size_t>(e.vendor);
            if (e.kind == Event::Kind::vendor_entry) {
                if (s.vendors[vi].present)
                    ctx.fail(vn, r.key("vendor"),
                             "vendor '" + id + "' is present from turn 0 (expected present = false in [" +
                                 vendor_refs[vi].key + "] for a vendor that enters later)");
                if (entry_turn[vi] >= 0)
                    ctx.fail(vn, r.key("vendor"),
                             fmt::format("vendor '{}' already enters at turn {} (expected one vendor_entry per vendor)",
                                         id, entry_turn[vi]));
                entry_turn[vi] = e.turn;
            }
        }

        switch (e.kind) {
            case Event::Kind::price:
            case Event::Kind::launch:
                e.price_in = r.optional_number("price_in", at_least(0));
                e.price_out = r.optional_number("price_out", at_least(0));
                if (e.kind == Event::Kind::price && !e.price_in && !e.price_out)
                    ctx.fail(&t, r.key("price_in"),
                             "missing required key 'price_in' or 'price_out' (expected a price >= 0, CNY per Mtok)");
                if (e.kind == Event::Kind::launch) e.quality = r.optional_number("quality", closed(0, 10));
                break;
            case Event::Kind::quality:
                e.quality = r.required_number("quality", closed(0, 10), "a capability index");
                break;
            case Event::Kind::cost_shock:
                e.factor = r.required_number("factor", above(0), "a multiplier of unit cost");
                break;
            case Event::Kind::gpu_supply:
                e.value = r.required_number("value", at_least_or_inf(0), "GPUs delivered per turn");
                break;
            case Event::Kind::vc_climate:
                e.value = r.required_number("value", closed(0, 1), "a funding climate");
                break;
            case Event::Kind::withdraw:
            case Event::Kind::vendor_entry:
                break;
        }
        events.push_back(std::move(e));
    }

    for (std::size_t v = 0; v < s.vendors.size(); ++v) {
        if (s.vendors[v].present || entry_turn[v] >= 0) continue;
        const auto& ref = vendor_refs[v];
        ctx.fail(ref.present != nullptr ? ref.present : ref.table, ref.key + ".present",
                 "vendor '" + s.vendors[v].id +
                     "' has present = false but never enters (expected an [[events]] entry with kind = "
                     "\"vendor_entry\", vendor = \"" +
                     s.vendors[v].id + "\")");
    }
    std::size_t flat = 0;
    for (const auto& v : s.vendors) {
        for (const auto& o : v.offers) {
            if (!o.active && !launched[flat]) {
                const auto& ref = offers[flat];
                ctx.fail(ref.active, ref.active_key,
                         "offer '" + ref.full_id +
                             "' has active = false but is never launched (expected an [[events]] entry with kind = "
                             "\"launch\", offer = \"" +
                             ref.full_id + "\")");
            }
            ++flat;
        }
    }

    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.turn < b.turn; });
    return events;
}

// A TOML integer >= 0, or a string of decimal digits for seeds above 2^63 - 1 (the largest
// TOML integer; derived sweep seeds use all 64 bits).
std::uint64_t read_seed(const Context& ctx, const toml::node* n, std::uint64_t fallback) {
    if (n == nullptr) return fallback;
    if (const auto* str = n->as_string()) {
        const std::string& text = str->get();
        std::uint64_t v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size())
            ctx.fail(n, "seed",
                     "expected an integer >= 0, or a decimal string up to 18446744073709551615 (got \"" + text + "\")");
        return v;
    }
    return static_cast<std::uint64_t>(read_integer(ctx, *n, "seed", 0, kMaxInt));
}

}  // namespace

Scenario build_scenario(const toml::table& root, const Context& ctx) {
    Scenario s;
    const TableReader top(ctx, root, "",
                          {"name", "description", "seed", "turns", "turn_days", "currency", "market", "developers",
                           "vendors", "events", "output"});
    s.name = top.required_string("name", "a string naming the scenario");
    s.description = top.string("description", s.description);
    s.seed = read_seed(ctx, top.find("seed"), s.seed);
    s.turns = static_cast<int>(top.integer("turns", 1, kMaxTurns, s.turns));
    s.turn_days = top.number("turn_days", above(0), s.turn_days);
    s.currency = top.string("currency", s.currency, true);
    s.market = read_market(ctx, top.subtable("market"));
    s.developers = read_developers(ctx, root);

    const toml::node* vnode = root.get("vendors");
    const std::string vendors_hint = "at least one [vendors.<id>] table";
    if (vnode == nullptr)
        ctx.fail(&root, "vendors", "missing required table 'vendors' (expected " + vendors_hint + ")");
    const auto* vt = vnode->as_table();
    if (vt == nullptr) ctx.fail(vnode, "vendors", "expected a table, got " + type_name(*vnode));
    if (vt->empty()) ctx.fail(vnode, "vendors", "no vendors (expected " + vendors_hint + ")");

    std::size_t offers_so_far = 0;
    std::vector<OfferRef> offer_refs;
    std::vector<VendorRef> vendor_refs;
    for (const auto& [id, node, kk] : in_file_order(*vt)) {
        const std::string key = join_key("vendors", id);
        if (!valid_id(id))
            ctx.fail_key(*kk, node, key,
                         "bad vendor id '" + id + "' (expected lower-case letters, digits, '_' or '-')");
        const auto* t = node->as_table();
        if (t == nullptr) ctx.fail(node, key, "expected a table [" + key + "], got " + type_name(*node));
        if (s.vendors.size() >= kMaxVendors)
            ctx.fail(node, key, fmt::format("too many vendors (at most {})", kMaxVendors));
        s.vendors.push_back(
            read_vendor(ctx, id, *t, key, offers_so_far, offer_refs, static_cast<int>(s.vendors.size())));
        vendor_refs.push_back(VendorRef{t, t->get("present"), key});
    }

    s.events = read_events(ctx, root, s, offer_refs, vendor_refs);

    if (const auto* o = top.subtable("output")) {
        const TableReader r(ctx, *o, "output", {"surplus_sample"});
        s.output.surplus_sample = r.integer("surplus_sample", 0, kMaxInt, s.output.surplus_sample);
    }
    return s;
}

}  // namespace pricewar::scenario_detail
