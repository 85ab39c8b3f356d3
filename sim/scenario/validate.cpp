// Validation: the TOML tree (after overrides) to a Scenario, or an InputError naming the
// first offending node. Each section is read by its declared fields (schema.hpp); what is
// left here are the rules that span keys: distributions, declared parameters of strategies
// and networks, vendors and offers with their ids, events and their cross-references.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "agents/network.hpp"
#include "agents/strategy.hpp"
#include "sim/model/events.hpp"
#include "sim/scenario/detail/build.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/schema.hpp"

namespace pricewar::detail {

namespace {

using namespace input;
using schema::Field;
using schema::Fields;
using schema::Type;
using schema::Value;

// ----- distributions -----------------------------------------------------------------------

Distribution read_distribution(const Context& ctx, const toml::node& n, const std::string& path, const Range& domain,
                               const std::string& meaning) {
    if (n.is_number()) return Distribution::constant(read_number(ctx, n, path, domain));
    const auto* t = n.as_table();
    if (t == nullptr)
        ctx.fail(&n, path,
                 "expected a number or a distribution table such as { dist = \"lognormal\", median = 1, sigma = 0.5 }, "
                 "got " +
                     type_name(n));

    const std::vector<std::string> names = {"lognormal", "normal", "uniform", "constant"};
    constexpr Distribution::Kind kinds[] = {Distribution::Kind::lognormal, Distribution::Kind::normal,
                                            Distribution::Kind::uniform, Distribution::Kind::constant};
    Distribution d;
    d.kind = Distribution::Kind::lognormal;
    if (const auto* k = t->get("dist")) d.kind = kinds[read_choice(ctx, *k, join_key(path, "dist"), names)];
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

    const Range any = any_number();
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
            d.a = r.required_number("value", domain, "the value");
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
    const bool lo_ok = domain.lo_open ? lo > domain.lo : lo >= domain.lo;
    const bool hi_ok = domain.hi_open ? hi < domain.hi : hi <= domain.hi;
    if (!lo_ok || !hi_ok) {
        std::string bounds;
        if (!lo_ok) bounds += "min = " + format_number(domain.lo);
        if (!hi_ok) bounds += std::string(bounds.empty() ? "" : ", ") + "max = " + format_number(domain.hi);
        ctx.fail(&n, path,
                 fmt::format("{} must be {}, but this {} distribution reaches [{}, {}] after clipping (expected "
                             "clip bounds such as {})",
                             meaning, domain.describe(), kind, format_number(lo), format_number(hi), bounds));
    }
    return d;
}

// A TOML integer >= 0, or a string of decimal digits for seeds above 2^63 - 1 (the largest
// TOML integer; derived sweep seeds use all 64 bits).
std::uint64_t read_seed(const Context& ctx, const toml::node& n, const std::string& key) {
    if (const auto* str = n.as_string()) {
        const std::string& text = str->get();
        std::uint64_t v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size())
            ctx.fail(&n, key,
                     "expected an integer >= 0, or a decimal string up to 18446744073709551615 (got \"" + text + "\")");
        return v;
    }
    return static_cast<std::uint64_t>(read_integer(ctx, n, key, 0, kMaxInt));
}

// ----- declared fields ---------------------------------------------------------------------

template <class S>
std::string expected_of(const Field<S>& f) {
    switch (f.type) {
        case Type::number:
        case Type::optional_number:
            return f.what + ", " + f.range.describe();
        case Type::integer:
            return "an integer " + int_range(f.int_lo, f.int_hi);
        case Type::choice:
            return quoted_alternatives(f.choices);
        default:
            return f.what;
    }
}

template <class S>
Value read_value(const Context& ctx, const toml::node& n, const std::string& key, const Field<S>& f) {
    switch (f.type) {
        case Type::number:
            return read_number(ctx, n, key, f.range);
        case Type::optional_number:
            return std::optional<double>(read_number(ctx, n, key, f.range));
        case Type::integer:
            return read_integer(ctx, n, key, f.int_lo, f.int_hi);
        case Type::boolean:
            return read_bool(ctx, n, key);
        case Type::string: {
            std::string s = read_string(ctx, n, key);
            if (f.nonempty && s.empty()) ctx.fail(&n, key, "must not be empty");
            return s;
        }
        case Type::choice:
            return f.choices[read_choice(ctx, n, key, f.choices)];
        case Type::distribution:
            return read_distribution(ctx, n, key, f.range, f.key);
        case Type::seed:
            return read_seed(ctx, n, key);
        case Type::table:
        case Type::custom:
            break;
    }
    ctx.fail(&n, key, "is read by its section");
}

// Rejects unknown keys, then reads every declared field present (tables and custom keys
// are left to the caller); required fields must be present.
template <class S>
TableReader read_fields(const Context& ctx, const toml::table& t, const std::string& path, const Fields<S>& fields,
                        S& out, const std::string& what = "") {
    TableReader r(ctx, t, path, schema::keys_of(fields), what);
    for (const auto& f : fields) {
        if (!f.set) continue;
        const toml::node* n = r.find(f.key);
        if (n == nullptr) {
            if (f.required) r.missing(f.key, f.type == Type::string ? f.what : expected_of(f));
            continue;
        }
        Value v = read_value(ctx, *n, r.key(f.key), f);
        if (f.check)
            if (const std::string problem = f.check(v); !problem.empty()) ctx.fail(n, r.key(f.key), problem);
        f.set(out, std::move(v));
    }
    return r;
}

// ----- declared parameters (strategies, networks) -----------------------------------------

// Validates `given` (may be null) against `specs`; every declared parameter comes back,
// defaults filled in. `skip` is a key of the table that is not a parameter ("name").
ParamMap read_params(const Context& ctx, const toml::table* given, const std::string& path, const ParamSpecs& specs,
                     const std::string& owner, std::string_view skip = {}) {
    ParamMap out;
    for (const auto& s : specs)
        out[s.name] = s.default_value;
    if (given == nullptr) return out;
    std::vector<std::string> names;
    for (const auto& s : specs)
        names.push_back(s.name);
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
        const std::string key = join_key(path, k);
        if (it->integer) {
            const double x = read_number(ctx, *v, key, any_number());
            if (x != std::trunc(x)) ctx.fail(v, key, "must be an integer (got " + format_number(x) + ")");
        }
        out[k] = read_number(ctx, *v, key, closed(it->min_value, it->max_value));
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
    if (info == nullptr) ctx.fail(name_node, name_key, strategy_registry().unknown(spec.name));
    spec.params = read_params(ctx, table, path, info->params, "strategy '" + spec.name + "'", "name");
    return spec;
}

// ----- sections ----------------------------------------------------------------------------

MarketSpec read_market(const Context& ctx, const toml::table* t) {
    MarketSpec m;
    if (t == nullptr) return m;
    const TableReader r = read_fields(ctx, *t, "market", schema::market_fields(), m);
    if (const auto* o = r.subtable("outside"))
        (void)read_fields(ctx, *o, "market.outside", schema::outside_fields(), m.outside);
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
    const TableReader r = read_fields(ctx, *t, "developers", schema::developer_fields(), d);
    const NetworkInfo* net = find_network(d.network);
    d.network_params = read_params(ctx, r.subtable("network_params"), "developers.network_params", net->params,
                                   "network '" + d.network + "'");
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
    o.name = id;
    const TableReader r = read_fields(ctx, t, path, schema::offer_fields(), o);
    o.strategy = read_strategy(ctx, r.find("strategy"), r.key("strategy"));
    return o;
}

VendorSpec read_vendor(const Context& ctx, const std::string& id, const toml::table& t, const std::string& path,
                       std::size_t& offers_so_far, std::vector<OfferRef>& offer_refs, int vendor_index) {
    VendorSpec v;
    v.id = id;
    v.name = id;
    const TableReader r = read_fields(ctx, t, path, schema::vendor_fields(), v);
    if (v.cloud_attach_revenue != 0.0 && v.kind != VendorKind::cloud)
        ctx.fail(
            r.find("cloud_attach_revenue"), r.key("cloud_attach_revenue"),
            fmt::format("only a cloud vendor earns attach revenue (expected 0 for kind \"{}\", or kind = \"cloud\")",
                        to_string(v.kind)));

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

// ----- events ------------------------------------------------------------------------------

// The index of `id` in `ids`, or the unknown-name failure at `n`.
int find_id(const Context& ctx, const toml::node& n, const std::string& key, const std::string& what,
            const std::vector<std::string>& ids, const std::string& expected) {
    const std::string id = read_string(ctx, n, key);
    const auto it = std::find(ids.begin(), ids.end(), id);
    if (it != ids.end()) return static_cast<int>(it - ids.begin());
    std::string problem = "unknown " + what + " '" + id + "'";
    if (const auto near = nearest_key(id, ids); !near.empty())
        problem += " (did you mean '" + near + "'?)";
    else
        problem += " (expected " + expected + joined(ids) + ")";
    ctx.fail(&n, key, problem);
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

    // Every key any kind takes, for the unknown-key check.
    std::vector<std::string> all_keys = {"turn", "kind"};
    for (const auto& k : event_kinds())
        for (const auto& key : k.keys)
            if (std::find(all_keys.begin(), all_keys.end(), key.name) == all_keys.end()) all_keys.push_back(key.name);
    all_keys.emplace_back("note");
    const std::vector<std::string> kind_names = event_kinds().names();

    std::vector<int> entry_turn(s.vendors.size(), -1);
    std::vector<bool> launched(offers.size(), false);

    for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string path = fmt::format("events[{}]", i);
        const auto& t = *arr->get(i)->as_table();
        const TableReader r(ctx, t, path, all_keys);
        const toml::node* kind_node = r.find("kind");
        if (kind_node == nullptr) r.missing("kind", quoted_alternatives(kind_names));
        const auto& info = event_kinds().all()[read_choice(ctx, *kind_node, r.key("kind"), kind_names)];
        Event e;
        e.kind = info.kind;

        std::vector<std::string> applies = {"turn", "kind", "note"};
        for (const auto& key : info.keys)
            applies.insert(applies.end() - 1, key.name);
        for (const auto& [k, v, kk] : in_file_order(t))
            if (std::find(applies.begin(), applies.end(), k) == applies.end())
                ctx.fail_key(
                    *kk, v, r.key(k),
                    "key '" + k + "' does not apply to a " + info.name + " event (expected " + joined(applies) + ")");

        const toml::node* turn_node = r.find("turn");
        if (turn_node == nullptr) r.missing("turn", fmt::format("an integer in [0, {}]", s.turns - 1));
        const std::int64_t turn = read_integer(ctx, *turn_node, r.key("turn"), 0, kMaxInt);
        if (turn >= s.turns)
            ctx.fail(turn_node, r.key("turn"),
                     fmt::format("must be in [0, {}] (got {}; the horizon is turns = {})", s.turns - 1, turn, s.turns));
        e.turn = static_cast<int>(turn);
        e.note = r.string("note", "");

        bool any_of_group = false;
        const EventKey* first_of_group = nullptr;
        for (const auto& key : info.keys) {
            const toml::node* n = r.find(key.name);
            if (key.role == EventKey::Role::one_of) {
                if (first_of_group == nullptr) first_of_group = &key;
                any_of_group = any_of_group || n != nullptr;
            }
            if (n == nullptr) {
                if (key.role == EventKey::Role::required)
                    r.missing(key.name,
                              key.kind == EventKey::Kind::number ? key.what + ", " + key.range.describe() : key.what);
                continue;
            }
            switch (key.kind) {
                case EventKey::Kind::offer: {
                    const int flat =
                        find_id(ctx, *n, r.key(key.name), "offer", offer_ids, "\"vendor.offer\", one of: ");
                    const auto& ref = offers[static_cast<std::size_t>(flat)];
                    e.offer = ref.flat;
                    e.vendor = ref.vendor;
                    if (e.kind == Event::Kind::launch) launched[static_cast<std::size_t>(ref.flat)] = true;
                    break;
                }
                case EventKey::Kind::vendor: {
                    e.vendor = find_id(ctx, *n, r.key(key.name), "vendor", vendor_ids, "one of: ");
                    const auto vi = static_cast<std::size_t>(e.vendor);
                    if (e.kind != Event::Kind::vendor_entry) break;
                    const std::string& id = vendor_ids[vi];
                    if (s.vendors[vi].present)
                        ctx.fail(n, r.key(key.name),
                                 "vendor '" + id + "' is present from turn 0 (expected present = false in [" +
                                     vendor_refs[vi].key + "] for a vendor that enters later)");
                    if (entry_turn[vi] >= 0)
                        ctx.fail(n, r.key(key.name),
                                 fmt::format("vendor '{}' already enters at turn {} (expected one vendor_entry per "
                                             "vendor)",
                                             id, entry_turn[vi]));
                    entry_turn[vi] = e.turn;
                    break;
                }
                case EventKey::Kind::number:
                    e.*key.member = read_number(ctx, *n, r.key(key.name), key.range);
                    break;
            }
        }
        if (first_of_group != nullptr && !any_of_group) {
            std::string names;
            for (const auto& key : info.keys)
                if (key.role == EventKey::Role::one_of) names += (names.empty() ? "'" : " or '") + key.name + "'";
            ctx.fail(&t, r.key(first_of_group->name),
                     "missing required key " + names + " (expected " + first_of_group->what + ")");
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

}  // namespace

Scenario build_scenario(const toml::table& root, const Context& ctx) {
    Scenario s;
    const TableReader top = read_fields(ctx, root, "", schema::top_fields(), s);
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

    if (const auto* o = top.subtable("output")) (void)read_fields(ctx, *o, "output", schema::output_fields(), s.output);
    return s;
}

}  // namespace pricewar::detail
