#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "sim/scenario/detail.hpp"
#include "sim/scenario/loader.hpp"

namespace pricewar {

namespace scenario_detail {

namespace {

bool before(const toml::source_position& a, const toml::source_position& b) {
    return a.line < b.line || (a.line == b.line && a.column < b.column);
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

bool Range::contains(double v) const {
    if (std::isnan(v)) return false;
    if (std::isinf(v) && v > 0 && inf_ok) return true;
    if (!std::isfinite(v)) return false;
    if (lo_open ? !(v > lo) : !(v >= lo)) return false;
    if (hi_open ? !(v < hi) : !(v <= hi)) return false;
    return true;
}

std::string Range::describe() const {
    std::string out;
    const bool has_lo = std::isfinite(lo);
    const bool has_hi = std::isfinite(hi);
    if (has_lo && has_hi)
        out = fmt::format("in {}{}, {}{}", lo_open ? "(" : "[", format_number(lo), format_number(hi),
                          hi_open ? ")" : "]");
    else if (has_lo)
        out = fmt::format("{} {}", lo_open ? ">" : ">=", format_number(lo));
    else if (has_hi)
        out = fmt::format("{} {}", hi_open ? "<" : "<=", format_number(hi));
    else
        out = "a finite number";
    if (inf_ok) out += " or inf";
    return out;
}

Range at_least(double lo) {
    return Range{lo, kInf, false, false, false};
}
Range above(double lo) {
    return Range{lo, kInf, true, false, false};
}
Range closed(double lo, double hi) {
    return Range{lo, hi, false, false, false};
}
Range closed_open(double lo, double hi) {
    return Range{lo, hi, false, true, false};
}
Range open_closed(double lo, double hi) {
    return Range{lo, hi, true, false, false};
}
Range at_least_or_inf(double lo) {
    return Range{lo, kInf, false, false, true};
}

std::string format_number(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (v == std::trunc(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(v));
    return fmt::format("{}", v);
}

std::string toml_number(double v) {
    std::string s = format_number(v);
    if (std::isfinite(v) && s.find_first_of(".eE") == std::string::npos && !(v == std::trunc(v) && std::fabs(v) < 1e15))
        s += ".0";
    return s;
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

}  // namespace scenario_detail

namespace {

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring).
std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
    for (std::size_t j = 0; j <= m; ++j)
        prev[j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
                cur[j] = std::min(cur[j], prev2[j - 2] + 1);
        }
        std::swap(prev2, prev);
        std::swap(prev, cur);
    }
    return prev[m];
}

}  // namespace

std::string nearest_key(std::string_view key, const std::vector<std::string>& candidates) {
    if (key.empty() || candidates.empty()) return "";
    // Typos allowed grow with length: none for 1 character, 1 up to 4, 2 up to 8, else 3.
    const std::size_t threshold = key.size() <= 1 ? 0 : key.size() <= 4 ? 1 : key.size() <= 8 ? 2 : 3;
    std::string best;
    std::size_t best_distance = std::numeric_limits<std::size_t>::max();
    for (const auto& c : candidates) {
        if (c == key) continue;
        const std::size_t d = edit_distance(key, c);
        if (d < best_distance && d <= threshold && d < std::max(key.size(), c.size())) {
            best = c;
            best_distance = d;
        }
    }
    if (!best.empty()) return best;
    // A unique candidate the key abbreviates ("rationing" for "rationing_penalty").
    if (key.size() >= 3) {
        std::string only;
        int hits = 0;
        for (const auto& c : candidates) {
            if (c.size() > key.size() &&
                std::equal(key.begin(), key.end(), c.begin(), [](char x, char y) { return lower(x) == lower(y); })) {
                only = c;
                ++hits;
            }
        }
        if (hits == 1) return only;
    }
    return "";
}

void throw_at(const toml::node& node_or_table, const std::string& file, const std::string& key,
              const std::string& problem) {
    const auto p = scenario_detail::first_position(node_or_table);
    throw InputError(file, static_cast<int>(p.line), static_cast<int>(p.column), key, problem);
}

}  // namespace pricewar
