// resolved_toml: a Scenario back to TOML text; and the numeric parameter paths a sweep may vary.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "sim/scenario/detail.hpp"
#include "sim/scenario/loader.hpp"

namespace pricewar {

namespace sd = scenario_detail;

namespace {

constexpr std::string_view kOverrideMarker = "# --set overrides applied:";

class Writer {
public:
    void header(const std::string& h) { out_ += "\n[" + h + "]\n"; }
    void raw(std::string_view key, const std::string& value) { out_ += sd::toml_key(key) + " = " + value + "\n"; }
    void num(std::string_view key, double v) { raw(key, sd::toml_number(v)); }
    void integer(std::string_view key, std::int64_t v) { raw(key, fmt::format("{}", v)); }
    void str(std::string_view key, std::string_view v) { raw(key, sd::toml_string(v)); }
    void boolean(std::string_view key, bool v) { raw(key, v ? "true" : "false"); }
    std::string& text() { return out_; }

private:
    std::string out_;
};

std::string inline_params(const std::string& first, const std::map<std::string, double>& params) {
    std::string out = "{ " + first;
    for (const auto& [k, v] : params)
        out += ", " + sd::toml_key(k) + " = " + sd::toml_number(v);
    return out + " }";
}

std::string distribution_text(const Distribution& d) {
    const bool clipped = std::isfinite(d.clip_min) || std::isfinite(d.clip_max);
    if (d.kind == Distribution::Kind::constant && !clipped) return sd::toml_number(d.a);
    std::string out = fmt::format("{{ dist = \"{}\"", to_string(d.kind));
    auto add = [&](const char* k, double v) { out += fmt::format(", {} = {}", k, sd::toml_number(v)); };
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
    w.str("name", s.name);
    w.str("description", s.description);
    // TOML integers stop at 2^63 - 1; larger seeds are written as decimal strings.
    if (s.seed > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        w.str("seed", fmt::format("{}", s.seed));
    else
        w.raw("seed", fmt::format("{}", s.seed));
    w.integer("turns", s.turns);
    w.num("turn_days", s.turn_days);
    w.str("currency", s.currency);

    const auto& m = s.market;
    w.header("market");
    w.num("output_share", m.output_share);
    w.num("cost_decline", m.cost_decline);
    w.num("kappa", m.kappa);
    w.num("p_ref", m.p_ref);
    w.num("gpu_supply", m.gpu_supply);
    w.num("vc_climate", m.vc_climate);
    w.num("rationing_penalty", m.rationing_penalty);
    w.header("market.outside");
    w.str("name", m.outside.name);
    w.num("quality", m.outside.quality);
    w.num("cost", m.outside.cost);

    const auto& d = s.developers;
    w.header("developers");
    w.str("mode", d.mode == DemandMode::agent ? "agent" : "mean_field");
    w.integer("count", d.count);
    w.num("weight", d.weight);
    w.str("price_utility", d.price_utility == PriceUtility::log ? "log" : "linear");
    w.num("noise_scale", d.noise_scale);
    w.str("network", d.network);
    w.num("network_weight", d.network_weight);
    w.num("initial_aware", d.initial_aware);
    w.num("p_innovation", d.p_innovation);
    w.num("p_imitation", d.p_imitation);
    w.integer("mean_field_types", d.mean_field_types);
    w.raw("value", distribution_text(d.value));
    w.raw("base_usage", distribution_text(d.base_usage));
    w.raw("elasticity", distribution_text(d.elasticity));
    w.raw("quality_weight", distribution_text(d.quality_weight));
    w.raw("price_weight", distribution_text(d.price_weight));
    w.raw("switching_cost", distribution_text(d.switching_cost));
    w.raw("reevaluate_prob", distribution_text(d.reevaluate_prob));
    w.raw("budget", distribution_text(d.budget));
    if (!d.network_params.empty()) {
        w.header("developers.network_params");
        for (const auto& [k, v] : d.network_params)
            w.num(k, v);
    }

    for (const auto& v : s.vendors) {
        const std::string vkey = "vendors." + sd::toml_key(v.id);
        w.header(vkey);
        w.str("name", v.name);
        w.str("kind", to_string(v.kind));
        w.num("cash", v.cash);
        w.num("fixed_cost", v.fixed_cost);
        w.num("gpus", v.gpus);
        w.num("tokens_per_gpu", v.tokens_per_gpu);
        w.num("gpu_price", v.gpu_price);
        w.num("gpu_opex", v.gpu_opex);
        w.integer("gpu_lead_turns", v.gpu_lead_turns);
        w.num("target_utilisation", v.target_utilisation);
        w.num("max_gpu_order", v.max_gpu_order);
        if (v.cost_decline) w.num("cost_decline", *v.cost_decline);
        w.num("cloud_attach_revenue", v.cloud_attach_revenue);
        w.num("cloud_margin", v.cloud_margin);
        w.num("loss_budget", v.loss_budget);
        w.integer("funding_interval", v.funding_interval);
        w.num("round_size", v.round_size);
        w.num("investor_hurdle", v.investor_hurdle);
        w.boolean("present", v.present);
        for (const auto& o : v.offers) {
            w.header(vkey + ".offers." + sd::toml_key(o.id));
            w.str("name", o.name);
            w.str("tier", o.tier);
            w.num("quality", o.quality);
            w.num("price_in", o.price_in);
            w.num("price_out", o.price_out);
            w.num("unit_cost", o.unit_cost);
            w.num("free_quota", o.free_quota_mtok);
            w.boolean("active", o.active);
            w.raw("strategy", inline_params("name = " + sd::toml_string(o.strategy.name), o.strategy.params));
        }
    }

    const auto index = s.offer_index();
    for (const auto& e : s.events) {
        w.text() += "\n[[events]]\n";
        w.integer("turn", e.turn);
        w.str("kind", to_string(e.kind));
        if (e.offer >= 0 && e.offer < static_cast<int>(index.size())) {
            const auto [vi, oi] = index[static_cast<std::size_t>(e.offer)];
            const auto& vendor = s.vendors[static_cast<std::size_t>(vi)];
            w.str("offer", vendor.id + "." + vendor.offers[static_cast<std::size_t>(oi)].id);
        } else if (e.vendor >= 0 && e.vendor < static_cast<int>(s.vendors.size())) {
            w.str("vendor", s.vendors[static_cast<std::size_t>(e.vendor)].id);
        }
        if (e.price_in) w.num("price_in", *e.price_in);
        if (e.price_out) w.num("price_out", *e.price_out);
        if (e.quality) w.num("quality", *e.quality);
        if (e.factor) w.num("factor", *e.factor);
        if (e.value) w.num("value", *e.value);
        if (!e.note.empty()) w.str("note", e.note);
    }

    w.header("output");
    w.integer("surplus_sample", s.output.surplus_sample);
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
