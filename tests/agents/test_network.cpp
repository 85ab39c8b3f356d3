// The small-world network drawn in place equals the one Boost.Graph's small_world_iterator
// gives for the same seed (agents/network.cpp), so the faster build changes no result.

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/small_world_generator.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agents/network.hpp"

using namespace pricewar;

namespace {

// Rows of the graph the iterator gives, symmetrised, without self-loops or duplicates, sorted.
std::vector<std::vector<std::int32_t>> boost_small_world(std::int64_t n, int k, double rewire, std::uint64_t seed) {
    std::vector<std::vector<std::int32_t>> rows(static_cast<std::size_t>(n));
    std::int64_t even = std::min<std::int64_t>(k, std::max<std::int64_t>(0, n - 1));
    even -= even % 2;
    if (n >= 3 && even > 0) {
        boost::random::mt19937 gen(static_cast<std::uint32_t>(seed ^ (seed >> 32)));
        using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
        using Gen = boost::small_world_iterator<boost::random::mt19937, Graph>;
        for (Gen it(gen, static_cast<std::size_t>(n), static_cast<std::size_t>(even), rewire), end; it != end; ++it) {
            const auto u = static_cast<std::int32_t>(it->first), v = static_cast<std::int32_t>(it->second);
            if (u == v) continue;
            rows[static_cast<std::size_t>(u)].push_back(v);
            rows[static_cast<std::size_t>(v)].push_back(u);
        }
    }
    for (auto& row : rows) {
        std::sort(row.begin(), row.end());
        row.erase(std::unique(row.begin(), row.end()), row.end());
    }
    return rows;
}

}  // namespace

TEST_CASE("networks: the small world drawn in place is Boost's small_world_iterator graph") {
    const NetworkInfo* info = find_network("small_world");
    REQUIRE(info != nullptr);
    struct Case {
        std::int64_t n;
        int k;
        double rewire;
        std::uint64_t seed;
    };
    // Tiny rings (windows that wrap, k >= n), no and full rewiring, odd k, and seeds whose
    // high and low halves both matter.
    const std::vector<Case> cases{
        {3, 2, 0.1, 1},    {4, 6, 0.5, 2},     {7, 4, 1.0, 3},      {10, 3, 0.3, 4},
        {50, 6, 0.0, 5},   {2000, 6, 0.1, 99}, {2000, 10, 0.25, 7}, {30001, 6, 0.1, 1ULL << 40},
        {1000, 0, 0.1, 8}, {2, 2, 0.1, 9}};
    for (const auto& c : cases) {
        INFO("n=" << c.n << " k=" << c.k << " rewire=" << c.rewire << " seed=" << c.seed);
        std::map<std::string, double> given{{"k", c.k}, {"rewire", c.rewire}};
        const CsrGraph g = info->build(c.n, resolve_params(info->params, given), c.seed);
        const auto expected = boost_small_world(c.n, c.k, c.rewire, c.seed);
        REQUIRE(g.nodes() == c.n);
        bool same = true;
        for (std::int64_t i = 0; i < c.n && same; ++i) {
            const std::vector<std::int32_t> row(g.targets.begin() + g.offsets[i], g.targets.begin() + g.offsets[i + 1]);
            same = row == expected[static_cast<std::size_t>(i)];
        }
        CHECK(same);
    }
}
