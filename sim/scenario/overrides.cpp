// --set KEY=VALUE overrides, applied to the TOML tree before validation.

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "agents/strategy.hpp"
#include "sim/scenario/detail/build.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/schema.hpp"

namespace pricewar::detail {

namespace {

using namespace input;

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

bool key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

// Splits "KEY=VALUE"; columns are 1-based positions in the argument.
SetArg split_argument(const std::string& text) {
    SetArg arg;
    arg.text = text;
    const auto eq = text.find('=');
    if (eq == std::string::npos) Context::fail_set(1, text, "expected KEY=VALUE (e.g. vendors.deepseek.cash=1e9)");
    std::size_t k0 = 0;
    std::size_t k1 = eq;
    while (k0 < k1 && is_space(text[k0]))
        ++k0;
    while (k1 > k0 && is_space(text[k1 - 1]))
        --k1;
    if (k0 == k1) Context::fail_set(static_cast<int>(eq) + 1, text, "missing KEY before '=' (expected KEY=VALUE)");
    arg.key = text.substr(k0, k1 - k0);

    std::size_t start = k0;
    for (std::size_t i = k0; i <= k1; ++i) {
        if (i < k1 && text[i] != '.') continue;
        const std::string segment = text.substr(start, i - start);
        const int column = static_cast<int>(start) + 1;
        if (segment.empty())
            Context::fail_set(column, arg.key, "empty key segment (expected a dotted key such as vendors.x.cash)");
        if (!std::all_of(segment.begin(), segment.end(), key_char))
            Context::fail_set(column, arg.key,
                              "bad key segment '" + segment + "' (expected letters, digits, '_' or '-')");
        arg.segments.push_back(segment);
        arg.segment_columns.push_back(column);
        start = i + 1;
    }

    std::size_t v0 = eq + 1;
    while (v0 < text.size() && is_space(text[v0]))
        ++v0;
    arg.value_column = static_cast<int>(std::min(v0, text.size())) + 1;

    // The argument is recorded in the scenario's text as a comment and its value may become a
    // string of the scenario: it must be text TOML can hold, i.e. UTF-8 without control
    // characters other than tab.
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp = 0;
        const std::size_t n = utf8_sequence(text, i, cp);
        const int column = static_cast<int>(i) + 1;
        if (n == 0)
            Context::fail_set(column, arg.key,
                              fmt::format("invalid UTF-8 (byte 0x{:02X}; expected text)",
                                          static_cast<unsigned>(static_cast<unsigned char>(text[i]))));
        if ((cp < 0x20 && cp != '\t') || cp == 0x7F)
            Context::fail_set(column, arg.key,
                              fmt::format("control character U+{:04X} (expected text; in a quoted string write "
                                          "it as \\u{:04X})",
                                          static_cast<unsigned>(cp), static_cast<unsigned>(cp)));
        i += n;
    }
    return arg;
}

std::string value_text(const SetArg& arg) {
    const auto eq = arg.text.find('=');
    std::size_t v0 = eq + 1;
    std::size_t v1 = arg.text.size();
    while (v0 < v1 && is_space(arg.text[v0]))
        ++v0;
    while (v1 > v0 && is_space(arg.text[v1 - 1]))
        --v1;
    return arg.text.substr(v0, v1 - v0);
}

// Is `key` a sub-table of a section, by its declaration? Tables an override may create are
// the optional ones the schema declares (strategy tables and distribution tables included).
template <class S>
bool declared_table(const schema::Fields<S>& fields, const std::string& key) {
    const auto* f = schema::find_field(fields, key);
    return f != nullptr &&
           (f->type == schema::Type::table || f->type == schema::Type::custom || f->type == schema::Type::distribution);
}

// Tables an override may create when the file leaves them out (they are optional).
bool creatable(const std::vector<std::string>& segments, std::size_t depth) {
    const auto& s = segments;
    if (depth == 1) return s[0] != "vendors" && s[0] != "events" && declared_table(schema::top_fields(), s[0]);
    if (depth == 2 && s[0] == "market") return declared_table(schema::market_fields(), s[1]);
    if (depth == 2 && s[0] == "developers") return declared_table(schema::developer_fields(), s[1]);
    return depth == 5 && s[0] == "vendors" && s[2] == "offers" && declared_table(schema::offer_fields(), s[4]);
}

bool is_strategy(const std::vector<std::string>& segments, std::size_t depth) {
    return depth == 5 && segments[0] == "vendors" && segments[2] == "offers" && segments[4] == "strategy";
}

std::string path_of(const std::vector<std::string>& segments, std::size_t depth) {
    std::string out;
    for (std::size_t i = 0; i < depth; ++i)
        out = join_key(out, segments[i]);
    return out;
}

void apply_one(toml::table& root, const SetArg& arg, Context& ctx) {
    toml::table* cur = &root;
    const std::size_t n = arg.segments.size();
    for (std::size_t i = 0; i + 1 < n; ++i) {
        const std::string& seg = arg.segments[i];
        const std::string here = path_of(arg.segments, i + 1);
        toml::node* child = cur->get(seg);
        if (child == nullptr) {
            if (!creatable(arg.segments, i + 1)) {
                std::vector<std::string> names;
                for (const auto& [k, v] : *cur)
                    names.emplace_back(k.str());
                const std::string near = nearest_key(seg, names);
                Context::fail_set(arg.segment_columns[i], here,
                                  near.empty() ? "no such table in the scenario"
                                               : "no such table in the scenario (did you mean '" + near + "'?)");
            }
            toml::table created;
            // An offer without a strategy is priced by "static"; keep that explicit so that a
            // parameter set here is checked against the strategy actually in force.
            if (is_strategy(arg.segments, i + 1)) created.insert("name", "static");
            child = &cur->insert_or_assign(seg, std::move(created)).first->second;
        } else if (child->is_string() && is_strategy(arg.segments, i + 1)) {
            // `strategy = "name"` becomes `strategy = { name = "name" }` so a parameter can be set.
            ctx.moved[here] = child->source();
            ctx.moved[here + ".name"] = child->source();
            toml::table t;
            t.insert("name", child->as_string()->get());
            child = &cur->insert_or_assign(seg, std::move(t)).first->second;
        } else if (child->is_array()) {
            Context::fail_set(arg.segment_columns[i], here, "cannot set a key inside an array (expected a table)");
        } else if (!child->is_table()) {
            Context::fail_set(arg.segment_columns[i], here, "is a " + type_name(*child) + ", not a table");
        }
        cur = child->as_table();
    }

    const std::string text = value_text(arg);
    bool parsed_ok = false;
    try {
        const toml::table parsed = parse_toml("v = " + text, "--set");
        if (const toml::node* v = parsed.get("v"); v != nullptr && parsed.size() == 1) {
            // Inserted by copy: copies carry no source position, so errors inside the value point
            // at the --set argument rather than at a position in a one-line scratch document.
            v->visit([&](const auto& value) { cur->insert_or_assign(arg.segments.back(), value); });
            parsed_ok = true;
        }
    } catch (const InputError&) {
        parsed_ok = false;
    }
    if (!parsed_ok) cur->insert_or_assign(arg.segments.back(), text);
}

}  // namespace

void apply_overrides(toml::table& root, const std::vector<std::string>& overrides, Context& ctx) {
    for (const auto& text : overrides) {
        SetArg arg = split_argument(text);
        apply_one(root, arg, ctx);
        ctx.overrides.push_back(std::move(arg));
    }
}

}  // namespace pricewar::detail
