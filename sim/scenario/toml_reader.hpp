#pragma once
// Reading TOML input files (scenarios, sweeps, calibrations): positioned errors, typed
// values checked against declared ranges, tables whose unknown keys are rejected with a
// nearest-match suggestion. Every input file is read through these, so a message about a
// value means the same in every file.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "sim/model/checks.hpp"
#include "sim/model/registry.hpp"
#include "sim/scenario/input_error.hpp"

namespace pricewar::input {

// A --set argument after splitting. Columns are 1-based positions in `text`.
struct SetArg {
    std::string text;
    std::string key;
    std::vector<std::string> segments;
    std::vector<int> segment_columns;
    int value_column = 1;
};

// What error positions are resolved against: the file, the overrides applied to the tree
// and the source positions of nodes the overrides had to rebuild.
struct Context {
    std::string file;
    std::vector<SetArg> overrides;
    std::map<std::string, toml::source_region> moved;

    // Error at `node` (may be null), keyed by the full dotted `key`. `about_key` marks problems
    // with the key itself (unknown key), which an override reports at the key's column.
    [[noreturn]] void fail(const toml::node* node, const std::string& key, const std::string& problem,
                           bool about_key = false) const;
    // Problem with a key itself (unknown, misplaced): reported at the key's position.
    [[noreturn]] void fail_key(const toml::key& k, const toml::node* node, const std::string& key,
                               const std::string& problem) const;
    [[noreturn]] static void fail_set(int column, const std::string& key, const std::string& problem);
};

// Earliest source position of a node or of anything inside it ({0, 0} when none).
toml::source_position first_position(const toml::node& node);

// Entries of a table in source order (toml++ keeps tables as sorted maps).
struct Entry {
    std::string name;
    const toml::node* node;
    const toml::key* key;
};
std::vector<Entry> in_file_order(const toml::table& t);

std::string toml_string(std::string_view s);  // quoted TOML basic string
std::string toml_key(std::string_view k);     // bare key when possible, else quoted
std::string type_name(const toml::node& node);
std::string quoted_alternatives(const std::vector<std::string>& names);  // "a", "b" or "c"
std::string joined(const std::vector<std::string>& names);               // a, b, c
bool valid_id(std::string_view id);                                      // [a-z0-9_-]+
std::string join_key(const std::string& path, std::string_view key);
// Length of the valid UTF-8 sequence at s[i] (1 for ASCII) and its code point in `cp`; 0 when
// the bytes there are not valid UTF-8 or i is past the end.
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp);

// "unknown key 'k' (did you mean 'x'?)", or the list of known keys.
std::string unknown_key_problem(const std::string& key, const std::vector<std::string>& known,
                                const std::string& what = "");

// Typed values; each fails at the node with the expected type or range.
double read_number(const Context& ctx, const toml::node& n, const std::string& key, const Range& r);
std::int64_t read_integer(const Context& ctx, const toml::node& n, const std::string& key, std::int64_t lo,
                          std::int64_t hi);
std::string read_string(const Context& ctx, const toml::node& n, const std::string& key);
bool read_bool(const Context& ctx, const toml::node& n, const std::string& key);
// One of `names` (a string); returns its index.
std::size_t read_choice(const Context& ctx, const toml::node& n, const std::string& key,
                        const std::vector<std::string>& names);
// A name registered in `registry`, with the registry's message for an unknown one.
template <class Info>
const Info& read_registered(const Context& ctx, const toml::node& n, const std::string& key,
                            const Registry<Info>& registry) {
    const std::string name = read_string(ctx, n, key);
    const Info* info = registry.find(name);
    if (info == nullptr) ctx.fail(&n, key, registry.unknown(name));
    return *info;
}

// Reads the keys of one table; rejects keys it does not know, in file order.
class TableReader {
public:
    TableReader(const Context& ctx, const toml::table& table, std::string path, const std::vector<std::string>& known,
                const std::string& what = "");

    [[nodiscard]] const toml::node* find(std::string_view k) const { return table_.get(k); }
    [[nodiscard]] std::string key(std::string_view k) const { return join_key(path_, k); }
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] const toml::table& table() const { return table_; }
    [[nodiscard]] const Context& context() const { return ctx_; }

    [[noreturn]] void missing(std::string_view k, const std::string& expected) const;

    [[nodiscard]] double number(std::string_view k, const Range& r, double fallback) const;
    [[nodiscard]] std::optional<double> optional_number(std::string_view k, const Range& r) const;
    [[nodiscard]] double required_number(std::string_view k, const Range& r, const std::string& what) const;
    [[nodiscard]] std::int64_t integer(std::string_view k, std::int64_t lo, std::int64_t hi,
                                       std::int64_t fallback) const;
    [[nodiscard]] std::int64_t required_integer(std::string_view k, std::int64_t lo, std::int64_t hi) const;
    [[nodiscard]] bool boolean(std::string_view k, bool fallback) const;
    // Strings; `nonempty` rejects "".
    [[nodiscard]] std::string string(std::string_view k, const std::string& fallback, bool nonempty = false) const;
    [[nodiscard]] std::string required_string(std::string_view k, const std::string& what) const;
    // An optional sub-table; null when absent.
    [[nodiscard]] const toml::table* subtable(std::string_view k) const;

private:
    const Context& ctx_;
    const toml::table& table_;
    std::string path_;
};

}  // namespace pricewar::input
