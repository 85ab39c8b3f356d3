// Typed, positioned reading of TOML input files (toml_reader.hpp).

#include "sim/scenario/toml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace pricewar::input {

namespace {

bool before(const toml::source_position& a, const toml::source_position& b) {
    return a.line < b.line || (a.line == b.line && a.column < b.column);
}

// Nodes without a position (written by --set) sort last.
bool before_or_unplaced(const toml::source_position& a, const toml::source_position& b) {
    if (a.line == 0) return false;
    if (b.line == 0) return true;
    return before(a, b);
}

bool starts_with_path(const std::string& key, const std::string& prefix) {
    return key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0 &&
           (key[prefix.size()] == '.' || key[prefix.size()] == '[');
}

int count_segments(const std::string& key) {
    return 1 + static_cast<int>(std::count(key.begin(), key.end(), '.'));
}

}  // namespace

toml::source_position first_position(const toml::node& node) {
    toml::source_position best = node.source().begin;
    auto consider = [&](const toml::node& child) {
        const auto p = first_position(child);
        if (p.line == 0) return;
        if (best.line == 0 || before(p, best)) best = p;
    };
    if (const auto* t = node.as_table())
        for (const auto& [k, v] : *t)
            consider(v);
    else if (const auto* a = node.as_array())
        for (const auto& v : *a)
            consider(v);
    return best;
}

void Context::fail_set(int column, const std::string& key, const std::string& problem) {
    throw InputError("--set", 1, column, key, problem);
}

void Context::fail_key(const toml::key& k, const toml::node* node, const std::string& key,
                       const std::string& problem) const {
    for (auto it = overrides.rbegin(); it != overrides.rend(); ++it)
        if (it->key == key) fail_set(it->segment_columns.back(), key, problem);
    const auto p = k.source().begin;
    if (p.line > 0) throw InputError(file, static_cast<int>(p.line), static_cast<int>(p.column), key, problem);
    fail(node, key, problem, true);
}

void Context::fail(const toml::node* node, const std::string& key, const std::string& problem, bool about_key) const {
    // A value an override wrote: point into the --set argument.
    for (auto it = overrides.rbegin(); it != overrides.rend(); ++it)
        if (it->key == key) fail_set(about_key ? it->segment_columns.back() : it->value_column, key, problem);
    // A node an override rebuilt (a strategy name turned into a table) keeps its old position.
    if (const auto m = moved.find(key); m != moved.end() && m->second.begin.line > 0)
        throw InputError(file, static_cast<int>(m->second.begin.line), static_cast<int>(m->second.begin.column), key,
                         problem);
    if (node != nullptr) {
        const auto p = first_position(*node);
        if (p.line > 0) throw InputError(file, static_cast<int>(p.line), static_cast<int>(p.column), key, problem);
    }
    // Inside a value an override wrote (an inline table), or a table an override created.
    for (auto it = overrides.rbegin(); it != overrides.rend(); ++it) {
        if (starts_with_path(key, it->key)) fail_set(it->value_column, key, problem);
        if (starts_with_path(it->key, key)) {
            const auto depth = static_cast<std::size_t>(count_segments(key));
            const int col = depth <= it->segment_columns.size() ? it->segment_columns[depth - 1] : 1;
            fail_set(col, key, problem);
        }
    }
    // A table an override created, missing something: point at where the paths part.
    std::size_t best_common = 0;
    const SetArg* best = nullptr;
    for (auto it = overrides.rbegin(); it != overrides.rend(); ++it) {
        std::size_t common = 0;
        std::size_t pos = 0;
        for (const auto& seg : it->segments) {
            if (key.compare(pos, seg.size(), seg) != 0) break;
            const std::size_t end = pos + seg.size();
            if (end != key.size() && key[end] != '.') break;
            ++common;
            pos = end + 1;
            if (end == key.size()) break;
        }
        if (common > best_common) {
            best_common = common;
            best = &*it;
        }
    }
    if (best != nullptr)
        fail_set(best->segment_columns[std::min(best_common, best->segment_columns.size() - 1)], key, problem);
    throw InputError(file, 0, 0, key, problem);
}

std::string toml_string(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (c < 0x20 || c == 0x7f)
                    out += fmt::format("\\u{:04X}", static_cast<unsigned>(c));
                else
                    out += ch;
        }
    }
    out += '"';
    return out;
}

std::string toml_key(std::string_view k) {
    const bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    });
    return bare ? std::string(k) : toml_string(k);
}

std::string type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string:
            return "string";
        case toml::node_type::integer:
            return "integer";
        case toml::node_type::floating_point:
            return "float";
        case toml::node_type::boolean:
            return "boolean";
        case toml::node_type::table:
            return "table";
        case toml::node_type::array:
            return "array";
        case toml::node_type::date:
            return "date";
        case toml::node_type::time:
            return "time";
        case toml::node_type::date_time:
            return "date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

std::string quoted_alternatives(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
        out += "\"" + names[i] + "\"";
    }
    return out;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += ", ";
        out += names[i];
    }
    return out;
}

bool valid_id(std::string_view id) {
    return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// Length of the valid UTF-8 sequence at s[i] and its code point; 0 when it is not valid
// or when i is past the end.
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
    if (i >= s.size()) return 0;
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = byte(i);
    std::size_t n = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    if ((b0 & 0xE0) == 0xC0) {
        n = 2, cp = b0 & 0x1Fu, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        n = 3, cp = b0 & 0x0Fu, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        n = 4, cp = b0 & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

std::string join_key(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::vector<Entry> in_file_order(const toml::table& t) {
    std::vector<std::pair<toml::source_position, Entry>> items;
    for (const auto& [k, v] : t)
        items.push_back({first_position(v), Entry{std::string(k.str()), &v, &k}});
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return before_or_unplaced(a.first, b.first); });
    std::vector<Entry> out;
    out.reserve(items.size());
    for (auto& item : items)
        out.push_back(std::move(item.second));
    return out;
}

std::string unknown_key_problem(const std::string& key, const std::vector<std::string>& known,
                                const std::string& what) {
    std::string out = "unknown key '" + key + "'";
    if (!what.empty()) out += " " + what;
    const std::string near = nearest_key(key, known);
    if (!near.empty()) return out + " (did you mean '" + near + "'?)";
    if (known.empty()) return out + " (expected no keys here)";
    return out + " (expected one of: " + joined(known) + ")";
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

std::size_t read_choice(const Context& ctx, const toml::node& n, const std::string& key,
                        const std::vector<std::string>& names) {
    const auto* s = n.as_string();
    if (s == nullptr) ctx.fail(&n, key, "expected one of " + quoted_alternatives(names) + ", got " + type_name(n));
    const auto it = std::find(names.begin(), names.end(), s->get());
    if (it != names.end()) return static_cast<std::size_t>(it - names.begin());
    std::string problem = "invalid value \"" + s->get() + "\" (expected " + quoted_alternatives(names);
    if (const auto near = nearest_key(s->get(), names); !near.empty()) problem += "; did you mean \"" + near + "\"?";
    ctx.fail(&n, key, problem + ")");
}

TableReader::TableReader(const Context& ctx, const toml::table& table, std::string path,
                         const std::vector<std::string>& known, const std::string& what)
    : ctx_(ctx), table_(table), path_(std::move(path)) {
    for (const auto& [k, v, kk] : in_file_order(table_))
        if (std::find(known.begin(), known.end(), k) == known.end())
            ctx_.fail_key(*kk, v, key(k), unknown_key_problem(k, known, what));
}

void TableReader::missing(std::string_view k, const std::string& expected) const {
    ctx_.fail(&table_, key(k), "missing required key '" + std::string(k) + "' (expected " + expected + ")");
}

double TableReader::number(std::string_view k, const Range& r, double fallback) const {
    const auto* n = find(k);
    return n == nullptr ? fallback : read_number(ctx_, *n, key(k), r);
}

std::optional<double> TableReader::optional_number(std::string_view k, const Range& r) const {
    const auto* n = find(k);
    if (n == nullptr) return std::nullopt;
    return read_number(ctx_, *n, key(k), r);
}

double TableReader::required_number(std::string_view k, const Range& r, const std::string& what) const {
    const auto* n = find(k);
    if (n == nullptr) missing(k, what + ", " + r.describe());
    return read_number(ctx_, *n, key(k), r);
}

std::int64_t TableReader::integer(std::string_view k, std::int64_t lo, std::int64_t hi, std::int64_t fallback) const {
    const auto* n = find(k);
    return n == nullptr ? fallback : read_integer(ctx_, *n, key(k), lo, hi);
}

std::int64_t TableReader::required_integer(std::string_view k, std::int64_t lo, std::int64_t hi) const {
    const auto* n = find(k);
    if (n == nullptr) missing(k, "an integer " + int_range(lo, hi));
    return read_integer(ctx_, *n, key(k), lo, hi);
}

bool TableReader::boolean(std::string_view k, bool fallback) const {
    const auto* n = find(k);
    return n == nullptr ? fallback : read_bool(ctx_, *n, key(k));
}

std::string TableReader::string(std::string_view k, const std::string& fallback, bool nonempty) const {
    const auto* n = find(k);
    if (n == nullptr) return fallback;
    std::string s = read_string(ctx_, *n, key(k));
    if (nonempty && s.empty()) ctx_.fail(n, key(k), "must not be empty");
    return s;
}

std::string TableReader::required_string(std::string_view k, const std::string& what) const {
    const auto* n = find(k);
    if (n == nullptr) missing(k, what);
    std::string s = read_string(ctx_, *n, key(k));
    if (s.empty()) ctx_.fail(n, key(k), "must not be empty");
    return s;
}

const toml::table* TableReader::subtable(std::string_view k) const {
    const auto* n = find(k);
    if (n == nullptr) return nullptr;
    if (const auto* t = n->as_table()) return t;
    ctx_.fail(n, key(k), "expected a table, got " + type_name(*n));
}

}  // namespace pricewar::input
