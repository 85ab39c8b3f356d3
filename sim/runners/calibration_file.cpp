#include "sim/runners/calibration_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "sim/model/checks.hpp"
#include "sim/model/registry.hpp"
#include "sim/model/rng.hpp"
#include "sim/model/series.hpp"
#include "sim/runners/detail/base_input.hpp"
#include "sim/runners/sweep_file.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/toml_reader.hpp"

namespace pricewar {

namespace {

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<std::string> kTopKeys = {"scenario",  "seed",   "seeds",   "turns",     "set",
                                           "parameter", "moment", "weights", "optimizer", "jacobian"};
const std::vector<std::string> kParameterKeys = {"path", "bounds", "scale", "start"};
const std::vector<std::string> kMomentKeys = {"name",      "target", "source",    "weight", "stat",
                                              "series",    "vendor", "offer",     "kind",   "tier",
                                              "aggregate", "turn",   "base_turn", "turns",  "event"};
const std::vector<std::string> kStats = {"value", "ratio", "pct_change", "mean", "event_share"};
const std::vector<std::string> kLevels = {"market", "vendor", "offer", "kind", "tier"};
const std::vector<std::string> kVendorKinds = {"cloud", "startup", "foreign"};
constexpr std::int64_t kMaxSeeds = 100000;
constexpr std::int64_t kMaxEvals = 1000000;

template <std::size_t N>
std::vector<std::string> names_of(const std::array<outputs::Descriptor, N>& table) {
    std::vector<std::string> out;
    for (const auto& d : table)
        out.emplace_back(d.name);
    return out;
}

// "did you mean 'x'?" or the list of names.
std::string suggestion(const std::string& name, const std::vector<std::string>& known) {
    const std::string near = nearest_key(name, known);
    if (!near.empty()) return "did you mean '" + near + "'?";
    return "expected one of: " + input::joined(known);
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

// The scenario's current value at a dotted path (after defaults and [set]).
std::optional<double> scenario_value(const Scenario& base, const std::string& path) {
    const toml::table resolved = toml::parse(resolved_toml(base), std::string_view("resolved"));
    const toml::node* n = runners::resolved_node(resolved, path);
    if (n == nullptr) return std::nullopt;
    if (const auto* f = n->as_floating_point()) return f->get();
    if (const auto* i = n->as_integer()) return static_cast<double>(i->get());
    return std::nullopt;
}

class Parser {
public:
    Parser(std::string file, const toml::table& root) : file_(std::move(file)), root_(root) { ctx_.file = file_; }

    CalibrationSpec parse(std::string_view text);

private:
    [[noreturn]] void fail(const toml::node& n, const std::string& key, const std::string& problem) const {
        ctx_.fail(&n, key, problem);
    }
    std::size_t choice(const toml::node& n, const std::string& key, const std::vector<std::string>& names) const {
        return input::read_choice(ctx_, n, key, names);
    }
    int turn(const toml::node& n, const std::string& key) const {
        return static_cast<int>(input::read_integer(ctx_, n, key, 0, horizon_ - 1));
    }

    void read_parameters(CalibrationSpec& spec);
    void read_moments(CalibrationSpec& spec);
    void read_weights(CalibrationSpec& spec) const;
    void read_optimizer(CalibrationSpec& spec) const;

    std::string file_;
    input::Context ctx_;
    const toml::table& root_;
    Scenario base_;
    std::vector<runners::SetEntry> set_entries_;
    int horizon_ = 1;
};

void Parser::read_parameters(CalibrationSpec& spec) {
    const toml::node* pn = root_.get("parameter");
    if (pn == nullptr)
        fail(root_, "parameter", "missing required [[parameter]] (expected at least one, with path, bounds and start)");
    const auto* arr = pn->as_array();
    if (arr == nullptr || !arr->is_array_of_tables() || arr->empty())
        fail(*pn, "parameter", "expected [[parameter]] tables, got " + input::type_name(*pn));
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::node& en = *arr->get(i);
        const std::string prefix = fmt::format("parameter[{}]", i);
        const input::TableReader t(ctx_, *en.as_table(), prefix, kParameterKeys);
        SweepParameter p;
        const toml::node* path_node = t.find("path");
        p.path = t.required_string("path", "a dotted scenario path such as developers.elasticity.median");
        if (const auto reason = check_numeric_path(base_, p.path); !reason.empty())
            fail(*path_node, t.key("path"), "'" + p.path + "': " + reason);
        for (std::size_t j = 0; j < spec.base.parameters.size(); ++j)
            if (spec.base.parameters[j].path == p.path)
                fail(*path_node, t.key("path"),
                     fmt::format("duplicate parameter '{}' (already estimated by parameter[{}])", p.path, j));
        if (p.path == "turns") fail(*path_node, t.key("path"), "the horizon cannot be estimated");
        for (const auto& s : set_entries_)
            if (s.key == p.path)
                fail(*path_node, t.key("path"), "'" + p.path + "' is both fixed in [set] and estimated here");
        if (runners::is_integer_path(spec.base, base_, p.path))
            fail(*path_node, t.key("path"),
                 "'" + p.path +
                     "' is an integer key: it cannot be estimated (the objective would be flat between "
                     "integers)");

        const toml::node* bn = t.find("bounds");
        if (bn == nullptr) t.missing("bounds", "[lo, hi] with lo < hi");
        const auto* ba = bn->as_array();
        if (ba == nullptr) fail(*bn, t.key("bounds"), "expected [lo, hi], got " + input::type_name(*bn));
        if (ba->size() != 2)
            fail(*bn, t.key("bounds"), fmt::format("expected two numbers [lo, hi], got {} element(s)", ba->size()));
        p.lo = input::read_number(ctx_, *ba->get(0), t.key("bounds") + "[0]", any_number());
        p.hi = input::read_number(ctx_, *ba->get(1), t.key("bounds") + "[1]", any_number());
        if (!(p.lo < p.hi))
            fail(*bn, t.key("bounds"),
                 fmt::format("lo must be < hi (got [{}, {}])", format_number(p.lo), format_number(p.hi)));
        if (const toml::node* sn = t.find("scale"))
            p.scale =
                choice(*sn, t.key("scale"), {"linear", "log"}) == 1 ? ParameterScale::log : ParameterScale::linear;
        if (p.scale == ParameterScale::log && !(p.lo > 0.0))
            fail(*bn, t.key("bounds"),
                 fmt::format("log-scale bounds must be > 0 (got [{}, {}])", format_number(p.lo), format_number(p.hi)));
        runners::check_parameter_value(ctx_, spec.base, p.path, false, p.lo, *ba->get(0), t.key("bounds") + "[0]");
        runners::check_parameter_value(ctx_, spec.base, p.path, false, p.hi, *ba->get(1), t.key("bounds") + "[1]");

        double start = 0.0;
        if (const toml::node* st = t.find("start")) {
            start = input::read_number(ctx_, *st, t.key("start"), any_number());
            if (!(start >= p.lo && start <= p.hi))
                fail(*st, t.key("start"),
                     fmt::format("must lie within bounds [{}, {}] (got {})", format_number(p.lo), format_number(p.hi),
                                 format_number(start)));
            runners::check_parameter_value(ctx_, spec.base, p.path, false, start, *st, t.key("start"));
        } else {
            const auto current = scenario_value(base_, p.path);
            if (!current || !(*current >= p.lo && *current <= p.hi))
                fail(*bn, t.key("bounds"),
                     fmt::format("the scenario's value {} lies outside the bounds: give start",
                                 current ? format_number(*current) : std::string("(none)")));
            start = *current;
        }
        p.values = {};
        spec.base.parameters.push_back(std::move(p));
        spec.start.push_back(start);
    }
}

void Parser::read_moments(CalibrationSpec& spec) {
    const toml::node* mn = root_.get("moment");
    if (mn == nullptr)
        fail(root_, "moment", "missing required [[moment]] (expected at least one moment with a target)");
    const auto* arr = mn->as_array();
    if (arr == nullptr || !arr->is_array_of_tables() || arr->empty())
        fail(*mn, "moment", "expected [[moment]] tables, got " + input::type_name(*mn));

    std::vector<std::string> vendor_ids, offer_names, tiers;
    for (const auto& v : base_.vendors) {
        vendor_ids.push_back(v.id);
        for (const auto& o : v.offers) {
            offer_names.push_back(v.id + "." + o.id);
            if (!contains(tiers, o.tier)) tiers.push_back(o.tier);
        }
    }

    for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::node& en = *arr->get(i);
        const std::string prefix = fmt::format("moment[{}]", i);
        const input::TableReader t(ctx_, *en.as_table(), prefix, kMomentKeys);
        MomentSpec m;
        m.name = t.required_string("name", "a name for the moment");
        for (const auto& other : spec.moments)
            if (other.name == m.name) fail(*t.find("name"), t.key("name"), "duplicate moment name '" + m.name + "'");
        m.target = t.required_number("target", any_number(), "the observed value");
        m.source = t.required_string("source", "where the target comes from");
        m.weight = t.number("weight", above(0.0), 1.0);
        const toml::node* stat_node = t.find("stat");
        if (stat_node == nullptr) t.missing("stat", "one of " + input::quoted_alternatives(kStats));
        m.stat = static_cast<MomentStat>(choice(*stat_node, t.key("stat"), kStats));

        // Whose series.
        const toml::node* selector_node = nullptr;
        std::string selector_key;
        for (const auto* k : {"vendor", "offer", "kind", "tier"}) {
            const toml::node* n = t.find(k);
            if (n == nullptr) continue;
            if (selector_node != nullptr)
                fail(*n, t.key(k),
                     fmt::format("a moment reads one of vendor, offer, kind or tier (already '{}')", selector_key));
            selector_node = n;
            selector_key = k;
        }
        if (selector_node != nullptr) {
            m.selector = input::read_string(ctx_, *selector_node, t.key(selector_key));
            const std::string key = t.key(selector_key);
            if (selector_key == "vendor") {
                m.level = MomentLevel::vendor;
                if (!contains(vendor_ids, m.selector))
                    fail(*selector_node, key,
                         "no vendor '" + m.selector + "' in the scenario (" + suggestion(m.selector, vendor_ids) + ")");
            } else if (selector_key == "offer") {
                m.level = MomentLevel::offer;
                if (!contains(offer_names, m.selector))
                    fail(*selector_node, key,
                         "no offer '" + m.selector + "' in the scenario (\"vendor.offer\"; " +
                             suggestion(m.selector, offer_names) + ")");
            } else if (selector_key == "kind") {
                m.level = MomentLevel::kind;
                if (!contains(kVendorKinds, m.selector))
                    fail(*selector_node, key,
                         "unknown vendor kind \"" + m.selector + "\" (expected " +
                             input::quoted_alternatives(kVendorKinds) + ")");
                if (std::none_of(base_.vendors.begin(), base_.vendors.end(),
                                 [&](const VendorSpec& v) { return to_string(v.kind) == m.selector; }))
                    fail(*selector_node, key, "the scenario has no " + m.selector + " vendor");
            } else {
                m.level = MomentLevel::tier;
                if (!contains(tiers, m.selector))
                    fail(*selector_node, key,
                         "no offer of tier \"" + m.selector + "\" in the scenario (tiers: " + input::joined(tiers) +
                             ")");
            }
        }
        if (const toml::node* an = t.find("aggregate")) {
            if (m.level != MomentLevel::kind && m.level != MomentLevel::tier)
                fail(*an, t.key("aggregate"), "only a moment over a vendor kind or an offer tier aggregates");
            if (m.stat == MomentStat::event_share)
                fail(*an, t.key("aggregate"), "event_share averages over the kind's vendors; no aggregate");
            m.aggregate =
                choice(*an, t.key("aggregate"), {"sum", "mean"}) == 1 ? MomentAggregate::mean : MomentAggregate::sum;
        }

        // What is measured.
        const toml::node* series_node = t.find("series");
        if (m.stat == MomentStat::event_share) {
            if (series_node != nullptr)
                fail(*series_node, t.key("series"), "event_share counts events; it reads no series");
            if (m.level != MomentLevel::vendor && m.level != MomentLevel::kind)
                fail(*stat_node, t.key("stat"), "event_share needs a vendor or a vendor kind");
            const toml::node* ev = t.find("event");
            if (ev == nullptr) t.missing("event", "one of " + input::quoted_alternatives(moment_event_names()));
            m.event = moment_event_names()[choice(*ev, t.key("event"), moment_event_names())];
        } else {
            if (const toml::node* ev = t.find("event"))
                fail(*ev, t.key("event"), "only stat = \"event_share\" counts events");
            if (series_node == nullptr) t.missing("series", "the name of an output series (pricewar list-series)");
            m.series = input::read_string(ctx_, *series_node, t.key("series"));
            const bool vendor_level = m.level == MomentLevel::vendor || m.level == MomentLevel::kind;
            const bool offer_level = m.level == MomentLevel::offer || m.level == MomentLevel::tier;
            const auto names = vendor_level  ? names_of(outputs::vendor_series)
                               : offer_level ? names_of(outputs::offer_series)
                                             : names_of(outputs::market_series);
            const char* group = vendor_level ? "vendor" : offer_level ? "offer" : "market";
            if (!contains(names, m.series))
                fail(*series_node, t.key("series"),
                     fmt::format("no {} series '{}' ({})", group, m.series, suggestion(m.series, names)));
        }

        // When.
        const bool needs_turn = m.stat != MomentStat::mean;
        const bool needs_base = m.stat == MomentStat::ratio || m.stat == MomentStat::pct_change;
        const toml::node* turn_node = t.find("turn");
        if (needs_turn) {
            if (turn_node == nullptr) t.missing("turn", fmt::format("a turn in [0, {}]", horizon_ - 1));
            m.turn = turn(*turn_node, t.key("turn"));
        } else if (turn_node != nullptr) {
            fail(*turn_node, t.key("turn"), "stat = \"mean\" averages over turns = [first, last]; no turn");
        }
        const toml::node* base_node = t.find("base_turn");
        if (needs_base) {
            if (base_node == nullptr) t.missing("base_turn", fmt::format("a turn in [0, {}]", horizon_ - 1));
            m.base_turn = turn(*base_node, t.key("base_turn"));
            if (m.base_turn == m.turn) fail(*base_node, t.key("base_turn"), "must differ from turn");
        } else if (base_node != nullptr) {
            fail(*base_node, t.key("base_turn"), "only stat = \"ratio\" or \"pct_change\" compares with a base turn");
        }
        const toml::node* window = t.find("turns");
        if (m.stat == MomentStat::mean) {
            if (window == nullptr) t.missing("turns", "[first, last], the turns averaged over");
            const auto* wa = window->as_array();
            if (wa == nullptr || wa->size() != 2)
                fail(*window, t.key("turns"), "expected [first, last] (two turns), got " + input::type_name(*window));
            m.first = turn(*wa->get(0), t.key("turns") + "[0]");
            m.last = turn(*wa->get(1), t.key("turns") + "[1]");
            if (m.first > m.last)
                fail(*window, t.key("turns"), fmt::format("first must be <= last (got [{}, {}])", m.first, m.last));
        } else if (window != nullptr) {
            fail(*window, t.key("turns"), "only stat = \"mean\" averages over a window of turns");
        }
        spec.moments.push_back(std::move(m));
    }
    if (spec.moments.size() < spec.base.parameters.size())
        fail(*mn, "moment",
             fmt::format("{} moment(s) for {} parameter(s): at least as many moments as parameters are needed",
                         spec.moments.size(), spec.base.parameters.size()));
}

void Parser::read_weights(CalibrationSpec& spec) const {
    spec.settings.inverse_variance = true;
    const toml::node* wn = root_.get("weights");
    if (wn == nullptr) return;
    const auto* wt = wn->as_table();
    if (wt == nullptr) fail(*wn, "weights", "expected a table [weights], got " + input::type_name(*wn));
    const input::TableReader t(ctx_, *wt, "weights", {"kind"});
    if (const toml::node* k = t.find("kind"))
        spec.settings.inverse_variance = choice(*k, t.key("kind"), {"given", "inverse_variance"}) == 1;
}

void Parser::read_optimizer(CalibrationSpec& spec) const {
    auto& s = spec.settings;
    s.algorithm_seed = spec.base.seed;
    if (const toml::node* on = root_.get("optimizer")) {
        const auto* ot = on->as_table();
        if (ot == nullptr) fail(*on, "optimizer", "expected a table [optimizer], got " + input::type_name(*on));
        const input::TableReader t(
            ctx_, *ot, "optimizer",
            {"global", "local", "global_evals", "local_evals", "xtol_rel", "local_step", "algorithm_seed"});
        if (const toml::node* g = t.find("global"))
            s.global = static_cast<estimation::GlobalAlgorithm>(
                std::array{1, 2, 3, 0}[choice(*g, t.key("global"), {"crs2", "isres", "esch", "none"})]);
        if (const toml::node* l = t.find("local"))
            s.local = static_cast<estimation::LocalAlgorithm>(
                std::array{1, 2, 3, 0}[choice(*l, t.key("local"), {"bobyqa", "neldermead", "sbplx", "none"})]);
        s.global_evals = static_cast<int>(t.integer("global_evals", 1, kMaxEvals, s.global_evals));
        s.local_evals = static_cast<int>(t.integer("local_evals", 1, kMaxEvals, s.local_evals));
        s.xtol_rel = t.number("xtol_rel", open_closed(0.0, 1.0), s.xtol_rel);
        s.local_step = t.number("local_step", open_closed(0.0, 1.0), s.local_step);
        if (const toml::node* a = t.find("algorithm_seed")) s.algorithm_seed = runners::read_master_seed(ctx_, *a);
        if (s.global == estimation::GlobalAlgorithm::none && s.local == estimation::LocalAlgorithm::none)
            fail(*on, "optimizer", "global and local are both \"none\": nothing would be optimised");
    }
    if (const toml::node* jn = root_.get("jacobian")) {
        const auto* jt = jn->as_table();
        if (jt == nullptr) fail(*jn, "jacobian", "expected a table [jacobian], got " + input::type_name(*jn));
        const input::TableReader t(ctx_, *jt, "jacobian", {"step"});
        s.jacobian_step = t.number("step", open_closed(0.0, 0.5), s.jacobian_step);
    }
}

CalibrationSpec Parser::parse(std::string_view text) {
    CalibrationSpec spec;
    spec.file = file_;
    spec.text = std::string(text);
    spec.base.file = file_;
    spec.base.text = spec.text;
    spec.base.design = "calibration";
    (void)input::TableReader(ctx_, root_, "", kTopKeys);
    runners::read_base_scenario(ctx_, root_, file_, spec.base, "calibration");
    if (const toml::node* n = root_.get("turns"))
        spec.base.turns = static_cast<int>(input::read_integer(ctx_, *n, "turns", 1, kMaxTurns));
    if (const toml::node* n = root_.get("seeds")) spec.seeds = input::read_integer(ctx_, *n, "seeds", 2, kMaxSeeds);
    set_entries_ = runners::read_set(ctx_, root_, spec.base);
    base_ = runners::load_base(ctx_, spec.base, set_entries_);
    spec.base.seed = base_.seed;
    if (const toml::node* n = root_.get("seed")) spec.base.seed = runners::read_master_seed(ctx_, *n);
    {
        Scenario horizon = base_;
        apply_turns(spec.base, horizon);
        horizon_ = horizon.turns;
    }
    read_parameters(spec);
    read_moments(spec);
    read_weights(spec);
    read_optimizer(spec);
    return spec;
}

// The table and columns a series moment reads in this run; null when absent.
const Table* moment_table(const MomentSpec& m, const RunRecord& r, std::vector<std::size_t>& cols) {
    cols.clear();
    switch (m.level) {
        case MomentLevel::market:
            cols.push_back(0);
            return r.find_series(r.market_series, m.series);
        case MomentLevel::vendor:
        case MomentLevel::kind:
            for (std::size_t i = 0; i < r.vendor_names.size(); ++i)
                if (m.level == MomentLevel::vendor ? r.vendor_names[i] == m.selector : r.vendor_kinds[i] == m.selector)
                    cols.push_back(i);
            return r.find_series(r.vendor_series, m.series);
        case MomentLevel::offer:
        case MomentLevel::tier:
            for (std::size_t i = 0; i < r.offer_names.size(); ++i)
                if (m.level == MomentLevel::offer ? r.offer_names[i] == m.selector : r.offer_tiers[i] == m.selector)
                    cols.push_back(i);
            return r.find_series(r.offer_series, m.series);
    }
    return nullptr;
}

// The series value (or aggregate) at turn t.
double value_at(const MomentSpec& m, const Table& table, const std::vector<std::size_t>& cols, int t) {
    if (t < 0 || static_cast<std::size_t>(t) >= table.rows || cols.empty()) return kNaN;
    const auto row = static_cast<std::size_t>(t);
    if (m.level == MomentLevel::market || m.level == MomentLevel::vendor || m.level == MomentLevel::offer)
        return table.at(row, cols.front());
    double sum = 0.0;
    int finite = 0;
    for (const auto c : cols) {
        const double v = table.at(row, c);
        if (!std::isfinite(v)) continue;
        sum += v;
        ++finite;
    }
    if (finite == 0) return kNaN;
    return m.aggregate == MomentAggregate::mean ? sum / finite : sum;
}

bool event_happened(const MomentSpec& m, const RunRecord& r, std::size_t vendor) {
    const std::string& id = r.vendor_names[vendor];
    if (m.event == "funded") {
        const Table* funding = r.find_series(r.vendor_series, "funding");
        if (funding == nullptr) return false;
        for (std::size_t t = 0; t < funding->rows && t <= static_cast<std::size_t>(m.turn); ++t)
            if (funding->at(t, vendor) > 0.0) return true;
        return false;
    }
    for (const auto& e : r.events) {
        if (e.vendor != id || e.turn > m.turn) continue;
        if (e.kind == m.event || (m.event == "leave" && (e.kind == "exit" || e.kind == "withdrawal"))) return true;
    }
    return false;
}

}  // namespace

const std::vector<std::string>& moment_event_names() {
    static const std::vector<std::string> names = {"exit", "withdrawal", "leave", "raise", "funded", "burn_cut"};
    return names;
}

CalibrationSpec parse_calibration(std::string_view text, const std::string& path) {
    const toml::table root = parse_toml(text, path);
    Parser parser(path, root);
    return parser.parse(text);
}

CalibrationSpec load_calibration_file(const std::string& path) {
    return parse_calibration(runners::read_input_text(path), path);
}

bool is_calibration_file(const std::string& path) {
    const auto text = runners::try_read_text(path);
    if (!text) return false;
    try {
        const toml::table root = parse_toml(*text, path);
        return root.contains("moment");
    } catch (const InputError&) {
        return false;
    }
}

std::uint64_t calibration_seed(const CalibrationSpec& spec, std::int64_t run) {
    return derive_seed(spec.base.seed, static_cast<std::uint64_t>(run));
}

double moment_statistic(const MomentSpec& m, const RunRecord& r) {
    if (m.stat == MomentStat::event_share) {
        int vendors = 0, happened = 0;
        for (std::size_t v = 0; v < r.vendor_names.size(); ++v) {
            if (m.level == MomentLevel::vendor ? r.vendor_names[v] != m.selector : r.vendor_kinds[v] != m.selector)
                continue;
            ++vendors;
            happened += event_happened(m, r, v) ? 1 : 0;
        }
        return vendors > 0 ? static_cast<double>(happened) / vendors : kNaN;
    }
    std::vector<std::size_t> cols;
    const Table* table = moment_table(m, r, cols);
    if (table == nullptr) return kNaN;
    switch (m.stat) {
        case MomentStat::value:
            return value_at(m, *table, cols, m.turn);
        case MomentStat::ratio:
            return value_at(m, *table, cols, m.turn) / value_at(m, *table, cols, m.base_turn);
        case MomentStat::pct_change:
            return 100.0 * (value_at(m, *table, cols, m.turn) / value_at(m, *table, cols, m.base_turn) - 1.0);
        case MomentStat::mean: {
            double sum = 0.0;
            for (int t = m.first; t <= m.last; ++t)
                sum += value_at(m, *table, cols, t);
            return sum / static_cast<double>(m.last - m.first + 1);
        }
        case MomentStat::event_share:
            break;
    }
    return kNaN;
}

estimation::Problem calibration_problem(const CalibrationSpec& spec) {
    estimation::Problem p;
    for (std::size_t j = 0; j < spec.base.parameters.size(); ++j) {
        const auto& sp = spec.base.parameters[j];
        p.parameters.push_back({sp.path, sp.lo, sp.hi, sp.scale == ParameterScale::log, spec.start[j]});
    }
    for (const auto& m : spec.moments) {
        p.moments.push_back(m.name);
        p.targets.push_back(m.target);
        p.weights.push_back(m.weight);
    }
    p.runs = static_cast<std::size_t>(spec.seeds);
    p.settings = spec.settings;
    return p;
}

}  // namespace pricewar
