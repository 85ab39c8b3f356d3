#include "sim/runners/detail/base_input.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/runners/sweep_file.hpp"
#include "sim/scenario/loader.hpp"

namespace pricewar::runners {

namespace fs = std::filesystem;

void read_base_scenario(const input::Context& ctx, const toml::table& root, const std::string& file, SweepSpec& spec,
                        const std::string& what) {
    const toml::node* scn = root.get("scenario");
    if (scn == nullptr)
        ctx.fail(&root, "scenario",
                 "missing required key 'scenario' (expected the base scenario file, relative to this file)");
    const std::string given = input::read_string(ctx, *scn, "scenario");
    fs::path sp(given);
    if (sp.is_relative()) sp = fs::path(file).parent_path() / sp;
    spec.scenario_path = sp.lexically_normal().string();
    std::error_code ec;
    if (!fs::is_regular_file(spec.scenario_path, ec))
        ctx.fail(scn, "scenario",
                 "cannot read '" + spec.scenario_path +
                     "': " + (fs::exists(spec.scenario_path, ec) ? "not a regular file" : "no such file") +
                     " (the path is relative to the " + what + " file)");
    std::ifstream in(spec.scenario_path, std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    if (!in) ctx.fail(scn, "scenario", "cannot read '" + spec.scenario_path + "': " + std::strerror(errno));
    spec.scenario_text = buf.str();
}

std::vector<SetEntry> read_set(const input::Context& ctx, const toml::table& root, SweepSpec& spec) {
    std::vector<SetEntry> out;
    const toml::node* sn = root.get("set");
    if (sn == nullptr) return out;
    const auto* st = sn->as_table();
    if (st == nullptr) ctx.fail(sn, "set", "expected a table [set] of scenario values, got " + input::type_name(*sn));
    // Nested tables ([set.x] or dotted keys) become dotted paths; inline tables and arrays are
    // single values (a distribution given in full replaces the scenario's).
    struct Item {
        toml::source_position pos;
        SetEntry entry;
    };
    std::vector<Item> items;
    auto walk = [&](auto&& self, const toml::table& t, const std::string& prefix) -> void {
        for (const auto& [k, v] : t) {
            const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
            if (const auto* sub = v.as_table(); sub != nullptr && !sub->is_inline()) {
                self(self, *sub, key);
                continue;
            }
            std::ostringstream text;
            v.visit([&](const auto& value) { text << value; });
            items.push_back({k.source().begin, SetEntry{key, text.str(), &v}});
        }
    };
    walk(walk, *st, "");
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        return a.pos.line < b.pos.line || (a.pos.line == b.pos.line && a.pos.column < b.pos.column);
    });
    for (auto& item : items) {
        spec.fixed.push_back(item.entry.key + "=" + item.entry.value_text);
        out.push_back(std::move(item.entry));
    }
    return out;
}

Scenario load_base(const input::Context& ctx, const SweepSpec& spec, const std::vector<SetEntry>& set) {
    try {
        return parse_scenario(spec.scenario_text, spec.scenario_path, fixed_overrides(spec));
    } catch (const InputError& e) {
        if (e.file != "--set") throw;
        auto within = [](const std::string& a, const std::string& b) { return a == b || a.rfind(b + ".", 0) == 0; };
        for (auto it = set.rbegin(); it != set.rend(); ++it)
            if (within(e.key, it->key) || within(it->key, e.key)) ctx.fail(it->node, "set." + e.key, e.problem);
        if (!set.empty()) ctx.fail(set.front().node, "set." + e.key, e.problem);
        throw;
    }
}

std::uint64_t read_master_seed(const input::Context& ctx, const toml::node& n) {
    // As in scenarios: seeds above 2^63 - 1 (past TOML's integers) as decimal strings.
    if (const auto* str = n.as_string()) {
        const std::string& digits = str->get();
        std::uint64_t v = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
            ctx.fail(
                &n, "seed",
                "expected an integer >= 0, or a decimal string up to 18446744073709551615 (got \"" + digits + "\")");
        return v;
    }
    return static_cast<std::uint64_t>(input::read_integer(ctx, n, "seed", 0, kMaxInt));
}

std::string read_input_text(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw InputError(path, 0, 0, "(file)", "cannot read: is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, 0, 0, "(file)", std::string("cannot read: ") + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw InputError(path, 0, 0, "(file)", std::string("cannot read: ") + std::strerror(errno));
    return text.str();
}

std::optional<std::string> try_read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

const toml::node* resolved_node(const toml::table& resolved, const std::string& path) {
    const toml::node* n = &resolved;
    std::size_t start = 0;
    while (n != nullptr) {
        const auto dot = path.find('.', start);
        const auto* t = n->as_table();
        n = t != nullptr ? t->get(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start))
                         : nullptr;
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return n;
}

bool is_integer_path(const SweepSpec& spec, const Scenario& base, const std::string& path) {
    // The resolved TOML writes whole numbers without a decimal point whatever the key's type,
    // so ask the loader: a fraction added to the current value is refused only by integer keys.
    const toml::table resolved = toml::parse(resolved_toml(base), std::string_view("resolved"));
    const toml::node* n = resolved_node(resolved, path);
    if (n == nullptr || !n->is_integer()) return false;
    auto overrides = fixed_overrides(spec);
    overrides.push_back(path + "=" + override_number(static_cast<double>(n->as_integer()->get()) + 0.5, false));
    try {
        (void)parse_scenario(spec.scenario_text, spec.scenario_path, overrides);
    } catch (const InputError& e) {
        return e.key == path && e.problem.rfind("must be an integer", 0) == 0;
    }
    return false;
}

void check_parameter_value(const input::Context& ctx, const SweepSpec& spec, const std::string& path, bool integer,
                           double v, const toml::node& at, const std::string& key) {
    auto overrides = fixed_overrides(spec);
    const std::string text = override_number(v, integer);
    overrides.push_back(path + "=" + text);
    try {
        (void)parse_scenario(spec.scenario_text, spec.scenario_path, overrides);
    } catch (const InputError& e) {
        if (e.file == "--set" && e.key == path) ctx.fail(&at, key, path + " = " + text + ": " + e.problem);
        ctx.fail(&at, key, "with " + path + " = " + text + " the scenario is invalid: " + e.what());
    }
}

}  // namespace pricewar::runners
