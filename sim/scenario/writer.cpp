// resolved_toml: a Scenario back to TOML text; and the numeric parameter paths a sweep may vary.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "sim/scenario/loader.hpp"
#include "sim/scenario/schema.hpp"
#include "sim/scenario/toml_reader.hpp"

namespace pricewar {

namespace sd = input;

namespace {

constexpr std::string_view kOverrideMarker = "# --set overrides applied:";

class Writer {
public:
    void header(const std::string& h) { out_ += "\n[" + h + "]\n"; }
    void raw(std::string_view key, const std::string& value) { out_ += sd::toml_key(key) + " = " + value + "\n"; }
    std::string& text() { return out_; }

    // Every declared field of a section that holds a value, in declaration order; tables
    // and custom keys are written by the caller.
    template <class S>
    void fields(const schema::Fields<S>& fields, const S& s);

private:
    std::string out_;
};

std::string inline_params(const std::string& first, const std::map<std::string, double>& params) {
    std::string out = "{ " + first;
    for (const auto& [k, v] : params)
        out += ", " + sd::toml_key(k) + " = " + toml_number(v);
    return out + " }";
}

std::string distribution_text(const Distribution& d) {
    const bool clipped = std::isfinite(d.clip_min) || std::isfinite(d.clip_max);
    if (d.kind == Distribution::Kind::constant && !clipped) return toml_number(d.a);
    std::string out = fmt::format("{{ dist = \"{}\"", to_string(d.kind));
    auto add = [&](const char* k, double v) { out += fmt::format(", {} = {}", k, toml_number(v)); };
    switch (d.kind) {
        case Distribution::Kind::constant:
            add("value", d.a);
            break;
        case Distribution::Kind::lognormal:
            add("median", d.a);
            add("sigma", d.b);
            break;
        case Distribution::Kind::normal:
            add("mean", d.a);
            add("sd", d.b);
            break;
        case Distribution::Kind::uniform:
            add("low", d.a);
            add("high", d.b);
            break;
    }
    if (std::isfinite(d.clip_min)) add("min", d.clip_min);
    if (std::isfinite(d.clip_max)) add("max", d.clip_max);
    return out + " }";
}

std::string value_text(const schema::Value& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, double>)
                return toml_number(x);
            else if constexpr (std::is_same_v<T, std::optional<double>>)
                return toml_number(*x);
            else if constexpr (std::is_same_v<T, std::int64_t>)
                return fmt::format("{}", x);
            else if constexpr (std::is_same_v<T, bool>)
                return x ? "true" : "false";
            else if constexpr (std::is_same_v<T, std::string>)
                return sd::toml_string(x);
            else if constexpr (std::is_same_v<T, Distribution>)
                return distribution_text(x);
            else  // seeds: TOML integers stop at 2^63 - 1; larger seeds are written as decimal strings.
                return x > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                           ? sd::toml_string(fmt::format("{}", x))
                           : fmt::format("{}", x);
        },
        v);
}

template <class S>
void Writer::fields(const schema::Fields<S>& fields, const S& s) {
    for (const auto& f : fields) {
        if (!f.get) continue;
        const schema::Value v = f.get(s);
        if (const auto* o = std::get_if<std::optional<double>>(&v); o != nullptr && !o->has_value()) continue;
        if (const auto* t = std::get_if<std::string>(&v); t != nullptr && t->empty() && f.omit_if_empty) continue;
        raw(f.key, value_text(v));
    }
}

// The "# --set ..." lines parse_scenario appended to source_toml.
std::string override_comments(const Scenario& s) {
    const auto at = s.source_toml.rfind(kOverrideMarker);
    if (at == std::string::npos) return "";
    std::string out = std::string(kOverrideMarker) + "\n";
    std::size_t pos = s.source_toml.find('\n', at);
    while (pos != std::string::npos && pos + 1 < s.source_toml.size()) {
        const std::size_t end = s.source_toml.find('\n', pos + 1);
        const std::string line =
            s.source_toml.substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
        if (line.rfind("# --set ", 0) == 0) out += line + "\n";
        pos = end;
    }
    return out;
}

void collect_numeric(const toml::node& node, const std::string& path,
                     std::vector<std::pair<toml::source_position, std::string>>& out) {
    if (const auto* t = node.as_table()) {
        for (const auto& [k, v] : *t)
            collect_numeric(v, sd::join_key(path, k.str()), out);
        // Clip bounds of a distribution may be added to one written as a table.
        if (t->contains("dist")) {
            const auto p = sd::first_position(node);
            if (!t->contains("min")) out.emplace_back(p, sd::join_key(path, "min"));
            if (!t->contains("max")) out.emplace_back(p, sd::join_key(path, "max"));
        }
    } else if (node.is_number()) {
        out.emplace_back(node.source().begin, path);
    }
    // Arrays ([[events]]) are not reachable by an override.
}

}  // namespace

std::string resolved_toml(const Scenario& s) {
    Writer w;
    w.text() += "# Resolved scenario: every parameter after defaults and --set overrides.\n";
    w.text() += override_comments(s);
    w.fields(schema::top_fields(), s);
    w.header("market");
    w.fields(schema::market_fields(), s.market);
    w.header("market.outside");
    w.fields(schema::outside_fields(), s.market.outside);
    w.header("developers");
    w.fields(schema::developer_fields(), s.developers);
    if (!s.developers.network_params.empty()) {
        w.header("developers.network_params");
        for (const auto& [k, v] : s.developers.network_params)
            w.raw(k, toml_number(v));
    }
    for (const auto& v : s.vendors) {
        const std::string vkey = "vendors." + sd::toml_key(v.id);
        w.header(vkey);
        w.fields(schema::vendor_fields(), v);
        for (const auto& o : v.offers) {
            w.header(vkey + ".offers." + sd::toml_key(o.id));
            w.fields(schema::offer_fields(), o);
            w.raw("strategy", inline_params("name = " + sd::toml_string(o.strategy.name), o.strategy.params));
        }
    }

    const auto index = s.offer_index();
    for (const auto& e : s.events) {
        w.text() += "\n[[events]]\n";
        w.raw("turn", fmt::format("{}", e.turn));
        w.raw("kind", sd::toml_string(to_string(e.kind)));
        if (e.offer >= 0 && e.offer < static_cast<int>(index.size())) {
            const auto [vi, oi] = index[static_cast<std::size_t>(e.offer)];
            const auto& vendor = s.vendors[static_cast<std::size_t>(vi)];
            w.raw("offer", sd::toml_string(vendor.id + "." + vendor.offers[static_cast<std::size_t>(oi)].id));
        } else if (e.vendor >= 0 && e.vendor < static_cast<int>(s.vendors.size())) {
            w.raw("vendor", sd::toml_string(s.vendors[static_cast<std::size_t>(e.vendor)].id));
        }
        if (e.price_in) w.raw("price_in", toml_number(*e.price_in));
        if (e.price_out) w.raw("price_out", toml_number(*e.price_out));
        if (e.quality) w.raw("quality", toml_number(*e.quality));
        if (e.factor) w.raw("factor", toml_number(*e.factor));
        if (e.value) w.raw("value", toml_number(*e.value));
        if (!e.note.empty()) w.raw("note", sd::toml_string(e.note));
    }

    w.header("output");
    w.fields(schema::output_fields(), s.output);
    return std::move(w.text());
}

std::vector<std::string> numeric_paths(const Scenario& scenario) {
    const toml::table tree = toml::parse(resolved_toml(scenario), std::string_view("resolved"));
    std::vector<std::pair<toml::source_position, std::string>> found;
    collect_numeric(tree, "", found);
    for (const auto& v : scenario.vendors)
        if (!v.cost_decline) {
            const auto* vt = tree["vendors"][v.id].as_table();
            found.emplace_back(vt != nullptr ? vt->source().begin : toml::source_position{},
                               "vendors." + v.id + ".cost_decline");
        }
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return a.first.line < b.first.line || (a.first.line == b.first.line && a.first.column < b.first.column);
    });
    std::vector<std::string> out;
    out.reserve(found.size());
    for (auto& f : found)
        out.push_back(std::move(f.second));
    return out;
}

std::string check_numeric_path(const Scenario& scenario, const std::string& dotted_path) {
    const auto paths = numeric_paths(scenario);
    if (std::find(paths.begin(), paths.end(), dotted_path) != paths.end()) return "";
    if (dotted_path == "events" || dotted_path.rfind("events.", 0) == 0 || dotted_path.rfind("events[", 0) == 0)
        return "timeline events cannot be varied (expected a key outside [[events]])";

    const toml::table tree = toml::parse(resolved_toml(scenario), std::string_view("resolved"));
    const toml::node* node = &tree;
    std::size_t start = 0;
    while (node != nullptr && start <= dotted_path.size()) {
        const std::size_t dot = dotted_path.find('.', start);
        const std::string seg = dotted_path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        const auto* t = node->as_table();
        node = t != nullptr ? t->get(seg) : nullptr;
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    if (node != nullptr) {
        if (node->is_table()) return "is a table, not a number (expected one of its numeric keys)";
        return "is a " + sd::type_name(*node) + ", not a number";
    }
    const std::string near = nearest_key(dotted_path, paths);
    if (!near.empty()) return "no such numeric key in this scenario (did you mean '" + near + "'?)";
    return "no such numeric key in this scenario";
}

std::string check_numeric_path(const std::string& scenario_path, const std::string& dotted_path) {
    try {
        return check_numeric_path(load_scenario(scenario_path), dotted_path);
    } catch (const InputError& e) {
        return e.what();
    }
}

}  // namespace pricewar
