#pragma once
// Registries of components chosen by name in input files (pricing strategies, networks,
// sweep designs, event kinds): one lookup and one "unknown name" message for all of them.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace pricewar {

// The candidate closest to `key` by edit distance (Damerau-Levenshtein, case-insensitive),
// or "" when none is close enough to be a plausible typo.
std::string nearest_key(std::string_view key, const std::vector<std::string>& candidates);

// "unknown <what> 'name' (expected one of: a, b, c; did you mean 'b'?)": the message every
// registry gives for a name it does not know.
std::string unknown_name_problem(std::string_view what, std::string_view name, const std::vector<std::string>& names);

// An ordered, immutable list of entries with a `name` member.
template <class Info>
class Registry {
public:
    Registry(std::string what, std::vector<Info> entries) : what_(std::move(what)), entries_(std::move(entries)) {}

    [[nodiscard]] const std::vector<Info>& all() const { return entries_; }
    [[nodiscard]] auto begin() const { return entries_.begin(); }
    [[nodiscard]] auto end() const { return entries_.end(); }
    [[nodiscard]] std::size_t size() const { return entries_.size(); }
    // nullptr when unknown.
    [[nodiscard]] const Info* find(std::string_view name) const {
        const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Info& i) { return i.name == name; });
        return it == entries_.end() ? nullptr : &*it;
    }
    [[nodiscard]] std::vector<std::string> names() const {
        std::vector<std::string> out;
        out.reserve(entries_.size());
        for (const auto& e : entries_)
            out.emplace_back(e.name);
        return out;
    }
    [[nodiscard]] std::string unknown(std::string_view name) const {
        return unknown_name_problem(what_, name, names());
    }
    [[nodiscard]] const std::string& what() const { return what_; }

private:
    std::string what_;
    std::vector<Info> entries_;
};

}  // namespace pricewar
