// The scenario schema: one declaration per key (schema.hpp). Help texts are what
// `pricewar list-keys` and docs/scenario-format.md print; equations are in docs/model.md.

#include "sim/scenario/schema.hpp"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "agents/network.hpp"
#include "agents/strategy.hpp"
#include "sim/model/events.hpp"

namespace pricewar::schema {

namespace {

// "YYYY-MM-DD", a real calendar date.
std::string check_date(const Value& v) {
    const auto& s = std::get<std::string>(v);
    if (s.empty()) return "";
    int y = 0, m = 0, d = 0;
    char tail = 0;
    const bool shape =
        s.size() == 10 && s[4] == '-' && s[7] == '-' && std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3;
    if (shape && m >= 1 && m <= 12) {
        static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        const int last = days[m - 1] + (m == 2 && leap ? 1 : 0);
        if (y >= 1 && d >= 1 && d <= last) return "";
    }
    return "invalid date \"" + s + "\" (expected a calendar date \"YYYY-MM-DD\", e.g. \"2024-04-29\")";
}

std::string check_network(const Value& v) {
    const auto& name = std::get<std::string>(v);
    return find_network(name) != nullptr ? "" : network_registry().unknown(name);
}

}  // namespace

const Fields<Scenario>& top_fields() {
    using S = Scenario;
    static const Fields<S> fields = [] {
        Fields<S> f;
        f.push_back(text<S>("name", &S::name, true, "scenario name, recorded in outputs")
                        .require("a string naming the scenario"));
        f.push_back(text<S>("description", &S::description, false, "free text"));
        f.push_back(seed<S>("seed", &S::seed,
                            "seed of every random stream of a run; seeds above 2^63 - 1 (past TOML's integers) are "
                            "written as a decimal string"));
        f.push_back(integer<S>("turns", &S::turns, 1, kMaxTurns, "turns", "horizon"));
        f.push_back(number<S>("turn_days", &S::turn_days, above(0), "days", "days per turn"));
        f.push_back(text<S>("currency", &S::currency, true, "label of every money unit in outputs"));
        auto date = text<S>("start_date", &S::start_date, false,
                            "calendar date of turn 0, \"YYYY-MM-DD\"; outputs then carry dates (turn t starts on "
                            "start_date + t * turn_days); empty: turns only");
        date.omit_if_empty = true;
        date.check = check_date;
        f.push_back(std::move(date));
        f.push_back(section_key<S>("market", Type::table, "table", "the market (optional)"));
        f.push_back(section_key<S>("developers", Type::table, "table", "the developer population (required)"));
        f.push_back(section_key<S>("vendors", Type::table, "table of tables", "the vendors (required, at least one)"));
        f.push_back(section_key<S>("events", Type::custom, "array of tables", "the timeline of events"));
        f.push_back(section_key<S>("output", Type::table, "table", "what runs record (optional)"));
        return f;
    }();
    return fields;
}

const Fields<MarketSpec>& market_fields() {
    using S = MarketSpec;
    static const Fields<S> fields = {
        number<S>("output_share", &S::output_share, closed(0, 1), "1", "share of output tokens in the blended price"),
        number<S>("cost_decline", &S::cost_decline, closed_open(0, 1), "1/year",
                  "unit-cost decline per year (0.5 = costs halve each year)"),
        number<S>("kappa", &S::kappa, at_least(0), "currency/Mtok", "non-price cost of using tokens"),
        number<S>("p_ref", &S::p_ref, above(0), "currency/Mtok", "blended price at which usage equals `base_usage`"),
        number<S>("gpu_supply", &S::gpu_supply, at_least_or_inf(0), "GPUs/turn",
                  "GPUs delivered per turn, market-wide (inf: no limit)"),
        number<S>("vc_climate", &S::vc_climate, closed(0, 1), "1",
                  "funding climate: scales round sizes and shifts the odds of a round (0 closes the market)"),
        number<S>("traction_half_life", &S::traction_half_life, closed(1, 520), "turns",
                  "half-life of investors' smoothing of traction"),
        integer<S>("traction_window", &S::traction_window, 1, kMaxTurns, "turns",
                   "growth is measured against the high-water mark this many turns back"),
        number<S>("funding_share_weight", &S::funding_share_weight, closed(0, 10), "1",
                  "log-odds of a round per log of smoothed developer and API-revenue share"),
        number<S>("funding_coverage_weight", &S::funding_coverage_weight, closed(0, 20), "1",
                  "log-odds per unit of smoothed revenue over smoothed cost"),
        number<S>("funding_growth_weight", &S::funding_growth_weight, closed(0, 20), "1",
                  "log-odds per log growth of smoothed traction above its high-water mark"),
        number<S>("funding_margin_weight", &S::funding_margin_weight, closed(0, 20), "1",
                  "log-odds per unit of smoothed API gross margin"),
        number<S>("vc_odds_elasticity", &S::vc_odds_elasticity, closed(0, 10), "1",
                  "log-odds of a round per log of vc_climate"),
        number<S>("rationing_penalty", &S::rationing_penalty, at_least(0), "util",
                  "utility penalty of a vendor that rationed last turn"),
        section_key<S>("outside", Type::table, "table", "the outside option, self-hosting open weights (optional)"),
    };
    return fields;
}

const Fields<OutsideOption>& outside_fields() {
    using S = OutsideOption;
    static const Fields<S> fields = {
        text<S>("name", &S::name, true, "label"),
        number<S>("quality", &S::quality, closed(0, 10), "1", "capability index (1 = GPT-4 class)"),
        number<S>("cost", &S::cost, at_least_or_inf(0), "currency/Mtok", "all-in cost; inf = no outside option"),
    };
    return fields;
}

const Fields<DeveloperSpec>& developer_fields() {
    using S = DeveloperSpec;
    static const Fields<S> fields = [] {
        Fields<S> f;
        f.push_back(choice<S>("mode", &S::mode, {"agent", "mean_field"},
                              "individual agents, or expected logit shares of a continuum"));
        f.push_back(
            integer<S>("count", &S::count, 1, kMaxDevelopers, "agents", "developer agents simulated").require());
        f.push_back(
            number<S>("weight", &S::weight, above(0), "teams/agent", "application teams each agent stands for"));
        f.push_back(choice<S>("price_utility", &S::price_utility, {"log", "linear"},
                              "price term -alpha ln(p + kappa) or -alpha p"));
        f.push_back(number<S>("noise_scale", &S::noise_scale, above(0), "util", "Gumbel scale mu of the choice noise"));
        auto network = text<S>("network", &S::network, false, "who influences whom: a registered network generator");
        network.check = check_network;
        f.push_back(std::move(network));
        f.push_back(section_key<S>("network_params", Type::custom, "table",
                                   "parameters of the network generator (`pricewar list-keys` lists each)"));
        f.push_back(number<S>("network_weight", &S::network_weight, at_least(0), "util",
                              "gamma: weight of the share of neighbours on a vendor"));
        f.push_back(choice<S>("peer_update", &S::peer_update, {"sequential", "lagged"},
                              "agent mode: the network term counts neighbours' choices made so far this turn "
                              "(developers choose in index order) or their choices of last turn"));
        f.push_back(number<S>("initial_aware", &S::initial_aware, closed(0, 1), "1", "share aware at turn 0"));
        f.push_back(number<S>("p_innovation", &S::p_innovation, closed(0, 1), "1/turn", "Bass external influence"));
        f.push_back(number<S>("p_imitation", &S::p_imitation, closed(0, 1), "1/turn", "Bass internal influence"));
        f.push_back(integer<S>("mean_field_types", &S::mean_field_types, 1, 100000, "types",
                               "quadrature types in mean-field mode"));
        f.push_back(distribution<S>("value", &S::value, at_least_or_inf(0), "currency/Mtok",
                                    "reservation value: the highest price + kappa an app can bear"));
        f.push_back(distribution<S>("base_usage", &S::base_usage, at_least(0), "Mtok/turn", "usage at `p_ref`"));
        f.push_back(distribution<S>("elasticity", &S::elasticity, at_least(0), "1",
                                    "epsilon, intensive-margin price elasticity"));
        f.push_back(distribution<S>("quality_weight", &S::quality_weight, at_least(0), "util", "beta"));
        f.push_back(distribution<S>("price_weight", &S::price_weight, at_least(0), "util", "alpha"));
        f.push_back(distribution<S>("switching_cost", &S::switching_cost, at_least(0), "util",
                                    "s, utility cost of changing vendor"));
        f.push_back(distribution<S>("reevaluate_prob", &S::reevaluate_prob, closed(0, 1), "1/turn",
                                    "r, probability of re-choosing"));
        f.push_back(distribution<S>("budget", &S::budget, at_least_or_inf(0), "currency/turn",
                                    "cap on a developer's spend (inf: none)"));
        return f;
    }();
    return fields;
}

const Fields<VendorSpec>& vendor_fields() {
    using S = VendorSpec;
    static const Fields<S> fields = [] {
        Fields<S> f;
        auto name = text<S>("name", &S::name, true, "display name");
        name.default_text = "the id";
        f.push_back(std::move(name));
        f.push_back(choice<S>("kind", &S::kind, {"cloud", "startup", "foreign"},
                              "cloud vendors cross-subsidise and never exit; startups raise and can exit; foreign "
                              "vendors neither")
                        .require());
        f.push_back(number<S>("cash", &S::cash, at_least(0), "currency", "cash at turn 0"));
        f.push_back(number<S>("fixed_cost", &S::fixed_cost, at_least(0), "currency/turn", "staff, amortised training"));
        f.push_back(number<S>("gpus", &S::gpus, at_least(0), "GPUs", "GPUs installed at turn 0"));
        f.push_back(number<S>("tokens_per_gpu", &S::tokens_per_gpu, above(0), "Mtok/GPU/turn",
                              "tokens one GPU serves per turn"));
        f.push_back(number<S>("gpu_price", &S::gpu_price, at_least(0), "currency/GPU", "capex per GPU, paid at order"));
        f.push_back(number<S>("gpu_opex", &S::gpu_opex, at_least(0), "currency/GPU/turn", "per installed GPU"));
        f.push_back(integer<S>("gpu_lead_turns", &S::gpu_lead_turns, 0, kMaxTurns, "turns", "from order to arrival"));
        f.push_back(number<S>("target_utilisation", &S::target_utilisation, open_closed(0, 1), "1",
                              "GPUs are ordered when utilisation exceeds this"));
        f.push_back(
            number<S>("max_gpu_order", &S::max_gpu_order, at_least_or_inf(0), "GPUs", "GPUs per order at most"));
        f.push_back(optional_number<S>("cost_decline", &S::cost_decline, closed_open(0, 1), "1/year",
                                       "unit-cost decline; overrides the market's", "market.cost_decline"));
        f.push_back(number<S>("cloud_attach_revenue", &S::cloud_attach_revenue, at_least(0), "currency/developer/turn",
                              "cloud revenue per active developer; non-zero only for kind = \"cloud\""));
        f.push_back(number<S>("cloud_margin", &S::cloud_margin, closed(0, 1), "1", "margin earned on attach revenue"));
        f.push_back(optional_number<S>("cloud_adoption_prob", &S::cloud_adoption_prob, closed(0, 1), "1",
                                       "share of newly won developers who adopt the vendor's cloud because of its API",
                                       "every active developer counts"));
        f.push_back(integer<S>("cloud_adoption_lag", &S::cloud_adoption_lag, 0, kMaxTurns, "turns",
                               "from winning a developer to its cloud adoption"));
        f.push_back(number<S>("cloud_retention", &S::cloud_retention, closed(0, 1), "1/turn",
                              "share of cloud adopters kept per turn"));
        f.push_back(number<S>("loss_budget", &S::loss_budget, at_least_or_inf(0), "currency",
                              "cumulative AI-unit loss the parent tolerates"));
        f.push_back(number<S>("other_revenue", &S::other_revenue, at_least(0), "currency/turn",
                              "revenue outside the API (apps, projects) at turn 0"));
        f.push_back(number<S>("other_revenue_growth", &S::other_revenue_growth, closed(-1, 10), "1/year",
                              "growth of other revenue per year"));
        f.push_back(number<S>("other_revenue_quality_elasticity", &S::other_revenue_quality_elasticity, closed(0, 10),
                              "1", "other revenue scales with (best offer quality / initial)^this"));
        f.push_back(number<S>("quality_growth", &S::quality_growth, closed(0, 10), "1/year",
                              "quality drift of the offers at the initial fixed cost (slower after burn cuts)"));
        f.push_back(number<S>("burn_half_life", &S::burn_half_life, closed(1, 520), "turns",
                              "half-life of net-burn smoothing"));
        f.push_back(number<S>("burn_cut_runway", &S::burn_cut_runway, closed(0, 520), "turns",
                              "runway below which a startup cuts its fixed cost; 0: never"));
        f.push_back(number<S>("burn_cut_fraction", &S::burn_cut_fraction, closed(0, 0.9), "1",
                              "share of the fixed cost cut at once"));
        f.push_back(
            integer<S>("burn_cut_cooldown", &S::burn_cut_cooldown, 1, kMaxTurns, "turns", "turns between burn cuts"));
        f.push_back(number<S>("raise_runway_turns", &S::raise_runway_turns, closed(0, 520), "turns",
                              "runway below which a startup seeks a round; 0: never raises"));
        f.push_back(integer<S>("raise_spacing", &S::raise_spacing, 1, kMaxTurns, "turns",
                               "turns between fundraising attempts"));
        f.push_back(number<S>("round_runway_turns", &S::round_runway_turns, closed(0, 520), "turns",
                              "turns of smoothed burn a round funds at vc_climate = 1"));
        f.push_back(number<S>("funding_intercept", &S::funding_intercept, closed(-20, 20), "1",
                              "investors' log-odds of a round at unit shares, no coverage, growth or margin"));
        f.push_back(number<S>("api_fixed_cost", &S::api_fixed_cost, at_least(0), "currency/turn",
                              "part of the fixed cost saved by withdrawing from the API market"));
        f.push_back(integer<S>("withdraw_horizon", &S::withdraw_horizon, 0, kMaxTurns, "turns",
                               "turns the API business's value is projected over; 0: never withdraws"));
        f.push_back(boolean<S>("present", &S::present, "false: the vendor enters later by a vendor_entry event"));
        f.push_back(section_key<S>("offers", Type::table, "table of tables", "the vendor's offers (at least one)"));
        return f;
    }();
    return fields;
}

const Fields<OfferSpec>& offer_fields() {
    using S = OfferSpec;
    static const Fields<S> fields = [] {
        Fields<S> f;
        auto name = text<S>("name", &S::name, true, "display name");
        name.default_text = "the offer id";
        f.push_back(std::move(name));
        f.push_back(text<S>("tier", &S::tier, true, "any label (lite, pro, flagship, ...)"));
        f.push_back(number<S>("quality", &S::quality, closed(0, 10), "1", "capability index, 1 = GPT-4 class")
                        .require("a capability index"));
        f.push_back(number<S>("price_in", &S::price_in, at_least(0), "currency/Mtok", "input price at turn 0")
                        .require("a price in CNY per Mtok of input"));
        f.push_back(number<S>("price_out", &S::price_out, at_least(0), "currency/Mtok", "output price at turn 0")
                        .require("a price in CNY per Mtok of output"));
        f.push_back(
            number<S>("unit_cost", &S::unit_cost, at_least(0), "currency/Mtok", "cost per Mtok served at turn 0")
                .require("a cost in CNY per Mtok served at turn 0"));
        f.push_back(number<S>("free_quota", &S::free_quota_mtok, at_least(0), "Mtok",
                              "granted once to each developer new to the vendor"));
        f.push_back(boolean<S>("active", &S::active, "false: launched later by a launch event"));
        auto strategy = section_key<S>("strategy", Type::custom, "string or table",
                                       "pricing strategy: a name, or { name = ..., parameters } "
                                       "(`pricewar list-strategies`)");
        strategy.default_text = "static";
        f.push_back(std::move(strategy));
        return f;
    }();
    return fields;
}

const Fields<OutputSpec>& output_fields() {
    using S = OutputSpec;
    static const Fields<S> fields = {
        integer<S>("surplus_sample", &S::surplus_sample, 0, kMaxInt, "developers",
                   "developers sampled for consumer surplus in agent mode; 0 = all"),
        integer<S>("deviation_every", &S::deviation_every, 0, kMaxTurns, "turns",
                   "turns between equilibrium diagnostics (deviation_gain); 0 = off"),
        integer<S>("deviation_horizon", &S::deviation_horizon, 1, kMaxTurns, "turns",
                   "turns over which a unilateral deviation's gain is counted"),
    };
    return fields;
}

// ----- comparison ----------------------------------------------------------------------------

namespace {

bool same(double a, double b) {
    return a == b || (std::isnan(a) && std::isnan(b));
}

bool same(const Value& a, const Value& b) {
    if (a.index() != b.index()) return false;
    if (const auto* x = std::get_if<double>(&a)) return same(*x, std::get<double>(b));
    if (const auto* x = std::get_if<std::optional<double>>(&a)) {
        const auto& y = std::get<std::optional<double>>(b);
        return x->has_value() == y.has_value() && (!x->has_value() || same(**x, *y));
    }
    if (const auto* x = std::get_if<Distribution>(&a)) {
        const auto& y = std::get<Distribution>(b);
        return x->kind == y.kind && same(x->a, y.a) && same(x->b, y.b) && same(x->clip_min, y.clip_min) &&
               same(x->clip_max, y.clip_max);
    }
    if (const auto* x = std::get_if<std::int64_t>(&a)) return *x == std::get<std::int64_t>(b);
    if (const auto* x = std::get_if<std::uint64_t>(&a)) return *x == std::get<std::uint64_t>(b);
    if (const auto* x = std::get_if<bool>(&a)) return *x == std::get<bool>(b);
    return std::get<std::string>(a) == std::get<std::string>(b);
}

template <class S>
void compare(const Fields<S>& fields, const S& a, const S& b, const std::string& prefix,
             std::vector<std::string>& out) {
    for (const auto& f : fields)
        if (f.get && !same(f.get(a), f.get(b))) out.push_back(prefix + f.key);
}

}  // namespace

std::vector<std::string> scenario_differences(const Scenario& a, const Scenario& b) {
    std::vector<std::string> out;
    compare(top_fields(), a, b, "", out);
    compare(market_fields(), a.market, b.market, "market.", out);
    compare(outside_fields(), a.market.outside, b.market.outside, "market.outside.", out);
    compare(developer_fields(), a.developers, b.developers, "developers.", out);
    if (a.developers.network_params != b.developers.network_params) out.emplace_back("developers.network_params");
    compare(output_fields(), a.output, b.output, "output.", out);
    if (a.vendors.size() != b.vendors.size()) {
        out.emplace_back("vendors");
    } else {
        for (std::size_t v = 0; v < a.vendors.size(); ++v) {
            const auto& va = a.vendors[v];
            const auto& vb = b.vendors[v];
            const std::string vp = "vendors." + va.id + ".";
            if (va.id != vb.id) out.push_back(vp + "(id)");
            compare(vendor_fields(), va, vb, vp, out);
            if (va.offers.size() != vb.offers.size()) {
                out.push_back(vp + "offers");
                continue;
            }
            for (std::size_t o = 0; o < va.offers.size(); ++o) {
                const auto& oa = va.offers[o];
                const auto& ob = vb.offers[o];
                const std::string op = vp + "offers." + oa.id + ".";
                if (oa.id != ob.id) out.push_back(op + "(id)");
                compare(offer_fields(), oa, ob, op, out);
                if (oa.strategy.name != ob.strategy.name || oa.strategy.params != ob.strategy.params)
                    out.push_back(op + "strategy");
            }
        }
    }
    if (a.events.size() != b.events.size()) {
        out.emplace_back("events");
    } else {
        for (std::size_t i = 0; i < a.events.size(); ++i) {
            const auto& x = a.events[i];
            const auto& y = b.events[i];
            const auto opt_same = [](const std::optional<double>& p, const std::optional<double>& q) {
                return p.has_value() == q.has_value() && (!p || same(*p, *q));
            };
            if (x.turn != y.turn || x.kind != y.kind || x.vendor != y.vendor || x.offer != y.offer ||
                x.note != y.note || !opt_same(x.price_in, y.price_in) || !opt_same(x.price_out, y.price_out) ||
                !opt_same(x.quality, y.quality) || !opt_same(x.factor, y.factor) || !opt_same(x.value, y.value))
                out.push_back(fmt::format("events[{}]", i));
        }
    }
    return out;
}

// ----- the reference -------------------------------------------------------------------------

namespace {

std::string distribution_default(const Distribution& d) {
    if (d.kind == Distribution::Kind::constant) return format_number(d.a);
    return to_string(d.kind);
}

template <class S>
std::string default_of(const Field<S>& f, const S& defaults) {
    if (f.required) return "required";
    if (!f.default_text.empty()) return f.default_text;
    if (!f.get) return "";
    const Value v = f.get(defaults);
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, double>)
                return format_number(x);
            else if constexpr (std::is_same_v<T, std::optional<double>>)
                return x ? format_number(*x) : "unset";
            else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint64_t>)
                return fmt::format("{}", x);
            else if constexpr (std::is_same_v<T, bool>)
                return x ? "true" : "false";
            else if constexpr (std::is_same_v<T, std::string>)
                return "\"" + x + "\"";
            else
                return distribution_default(x);
        },
        v);
}

template <class S>
std::string type_of(const Field<S>& f) {
    switch (f.type) {
        case Type::number:
        case Type::optional_number:
            return "number";
        case Type::integer:
            return "integer";
        case Type::boolean:
            return "boolean";
        case Type::string:
        case Type::choice:
            return "string";
        case Type::distribution:
            return "distribution";
        case Type::seed:
            return "integer or decimal string";
        case Type::table:
        case Type::custom:
            return f.type_text;
    }
    return "";
}

template <class S>
std::string allowed_of(const Field<S>& f) {
    switch (f.type) {
        case Type::number:
        case Type::optional_number:
            return f.range.describe();
        case Type::distribution:
            return "draws " + f.range.describe();
        case Type::integer:
            return int_range(f.int_lo, f.int_hi);
        case Type::seed:
            return "[0, 2^64 - 1]";
        case Type::string:
            if (f.key == "network") {
                std::string names;
                for (const auto& n : network_names())
                    names += (names.empty() ? "" : ", ") + ("\"" + n + "\"");
                return names;
            }
            if (f.check) return f.key == "start_date" ? "\"YYYY-MM-DD\" or empty" : "";
            return f.nonempty ? "non-empty" : "";
        case Type::choice: {
            std::string out;
            for (const auto& c : f.choices)
                out += (out.empty() ? "" : ", ") + ("\"" + c + "\"");
            return out;
        }
        case Type::boolean:
            return "true, false";
        case Type::table:
        case Type::custom:
            return "";
    }
    return "";
}

struct Row {
    std::string path, type, def, allowed, unit, help;
    bool kind_row = false;  // an event key: the default column holds its role
};

template <class S>
void rows_of(const Fields<S>& fields, const std::string& prefix, std::vector<Row>& out) {
    const S defaults{};
    for (const auto& f : fields)
        out.push_back({prefix + f.key, type_of(f), default_of(f, defaults), allowed_of(f), f.unit, f.help});
}

std::string escape_cell(std::string s) {
    std::string out;
    for (char c : s) {
        if (c == '|')
            out += "\\|";
        else
            out += c;
    }
    return out;
}

void print(std::string& out, const std::string& title, const std::vector<Row>& rows, bool markdown) {
    if (markdown) {
        out += "### " + title + "\n\n| key | type | default | allowed | unit | meaning |\n|---|---|---|---|---|---|\n";
        for (const auto& r : rows) {
            const auto code = [](const std::string& s) { return s.empty() ? std::string() : "`" + s + "`"; };
            out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", code(r.path), r.type,
                               r.def == "required" ? "**required**"
                               : r.kind_row        ? r.def
                                                   : code(r.def),
                               escape_cell(r.allowed), r.unit, escape_cell(r.help));
        }
        out += "\n";
        return;
    }
    out += title + "\n";
    for (const auto& r : rows) {
        out += fmt::format("  {:<44} {:<14} default {}", r.path, r.type, r.def.empty() ? "-" : r.def);
        if (!r.allowed.empty()) out += "; " + r.allowed;
        if (!r.unit.empty() && r.unit != "1") out += "; " + r.unit;
        out += "\n      " + r.help + "\n";
    }
    out += "\n";
}

}  // namespace

std::string key_reference(bool markdown) {
    std::string out;
    std::vector<Row> rows;
    rows_of(top_fields(), "", rows);
    print(out, "Top level", rows, markdown);

    rows.clear();
    rows_of(market_fields(), "market.", rows);
    rows_of(outside_fields(), "market.outside.", rows);
    print(out, "[market] and [market.outside]", rows, markdown);

    rows.clear();
    rows_of(developer_fields(), "developers.", rows);
    for (const auto& net : network_registry())
        for (const auto& p : net.params)
            rows.push_back({"developers.network_params." + p.name, p.integer ? "integer" : "number",
                            format_number(p.default_value), closed(p.min_value, p.max_value).describe(), p.unit,
                            p.help + " (network \"" + net.name + "\")"});
    print(out, "[developers]", rows, markdown);

    rows.clear();
    rows_of(vendor_fields(), "vendors.<id>.", rows);
    print(out, "[vendors.<id>]", rows, markdown);

    rows.clear();
    rows_of(offer_fields(), "vendors.<id>.offers.<id>.", rows);
    print(out, "[vendors.<id>.offers.<id>]", rows, markdown);

    rows.clear();
    for (const auto& s : strategy_registry())
        for (const auto& p : s.params)
            rows.push_back({"strategy." + p.name, p.integer ? "integer" : "number", format_number(p.default_value),
                            closed(p.min_value, p.max_value).describe(), p.unit,
                            p.help + " (strategy \"" + s.name + "\")"});
    print(out, "Strategy parameters (vendors.<id>.offers.<id>.strategy.<parameter>)", rows, markdown);

    rows.clear();
    for (const auto& k : event_kinds()) {
        rows.push_back({"[[events]] kind = \"" + k.name + "\"", "event", "", "", "", k.help});
        for (const auto& key : k.keys) {
            const char* role = key.role == EventKey::Role::required ? "required"
                               : key.role == EventKey::Role::one_of ? "at least one of the prices"
                                                                    : "optional";
            const std::string type = key.kind == EventKey::Kind::number ? "number" : "string";
            const std::string allowed = key.kind == EventKey::Kind::number ? key.range.describe() : key.what;
            rows.push_back({k.name + ": " + key.name, type, role, allowed, key.unit, key.what, true});
        }
    }
    print(out,
          "[[events]] (every event: turn, an integer in [0, turns - 1], required; kind, required; note, "
          "optional text)",
          rows, markdown);

    rows.clear();
    rows_of(output_fields(), "output.", rows);
    print(out, "[output]", rows, markdown);
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

}  // namespace pricewar::schema
