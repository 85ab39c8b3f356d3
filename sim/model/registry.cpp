#include "sim/model/registry.hpp"

#include <cctype>
#include <limits>

namespace pricewar {

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

std::string unknown_name_problem(std::string_view what, std::string_view name, const std::vector<std::string>& names) {
    std::string out = "unknown " + std::string(what) + " '" + std::string(name) + "' (expected one of: ";
    for (std::size_t i = 0; i < names.size(); ++i)
        out += (i > 0 ? ", " : "") + names[i];
    if (const auto near = nearest_key(name, names); !near.empty()) out += "; did you mean '" + near + "'?";
    return out + ")";
}

}  // namespace pricewar
