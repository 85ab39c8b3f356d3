// Developer network generators. Boost.Graph's generators produce the edges; the result is
// symmetrised, de-duplicated and stored as compressed sparse rows for the hot loops.

#include "agents/network.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/erdos_renyi_generator.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <utility>

namespace pricewar {
namespace {

// Builds the CSR graph from a deterministic edge generator, called twice: once to count
// degrees, once to fill rows. No edge list is held, so peak memory is the CSR itself.
// Edges are symmetrised; self-loops and duplicates are dropped; rows are sorted.
template <class Generate>
CsrGraph build_csr(std::int64_t n, Generate generate) {
    CsrGraph g;
    g.offsets.assign(static_cast<std::size_t>(n) + 1, 0);
    generate([&](std::int64_t u, std::int64_t v) {
        if (u == v) return;
        ++g.offsets[static_cast<std::size_t>(u) + 1];
        ++g.offsets[static_cast<std::size_t>(v) + 1];
    });
    for (std::int64_t i = 0; i < n; ++i)
        g.offsets[i + 1] += g.offsets[i];
    g.targets.resize(static_cast<std::size_t>(g.offsets.back()));
    std::vector<std::int64_t> fill(g.offsets.begin(), g.offsets.end() - 1);
    generate([&](std::int64_t u, std::int64_t v) {
        if (u == v) return;
        g.targets[static_cast<std::size_t>(fill[static_cast<std::size_t>(u)]++)] = static_cast<std::int32_t>(v);
        g.targets[static_cast<std::size_t>(fill[static_cast<std::size_t>(v)]++)] = static_cast<std::int32_t>(u);
    });
    fill = {};
    // Sort each row, drop duplicates, compact in place.
    std::int64_t write = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const auto b = g.targets.begin() + g.offsets[i], e = g.targets.begin() + g.offsets[i + 1];
        std::sort(b, e);
        const auto last = std::unique(b, e);
        const std::int64_t start = write;
        for (auto it = b; it != last; ++it)
            g.targets[static_cast<std::size_t>(write++)] = *it;
        g.offsets[i] = start;
    }
    g.offsets[static_cast<std::size_t>(n)] = write;
    g.targets.resize(static_cast<std::size_t>(write));
    g.targets.shrink_to_fit();
    return g;
}

using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;

// Parameters of each generator; member initialisers are the defaults.
struct NoParams {};
struct SmallWorldParams {
    int k = 6;
    double rewire = 0.1;
};
struct ErdosRenyiParams {
    double mean_degree = 6.0;
};
struct ScaleFreeParams {
    int m = 3;
};

template <class P>
NetworkInfo network(std::string name, std::string help, ParamFields<P> fields,
                    CsrGraph (*build)(std::int64_t, const P&, std::uint64_t)) {
    NetworkInfo info{std::move(name), std::move(help), declare_params(fields), {}};
    info.build = [fields = std::move(fields), build](std::int64_t n, const ParamMap& values, std::uint64_t seed) {
        return build(n, bind_params(fields, values), seed);
    };
    return info;
}

CsrGraph build_none(std::int64_t n, const NoParams& /*unused*/, std::uint64_t /*unused*/) {
    return build_csr(n, [](auto&&) {});
}

// The edges Boost.Graph's small_world_iterator gives, drawn the same way from the same
// generator: the lattice edge (0, 1) as it stands, then for every later lattice edge (source,
// target) one uniform draw and, with probability `rewire`, a uniform vertex outside the
// source's lattice window instead of the target. The iterator copies the 2.5 KiB Mersenne
// Twister state twice per edge (its uniform_01 holds the generator by value); drawing in place
// makes the network build several times faster with the same graph (tests/agents/test_network.cpp
// compares the two).
template <class Emit>
void small_world_edges(std::int64_t n, std::int64_t k, double rewire, std::uint64_t seed, Emit&& emit) {
    boost::random::mt19937 gen(static_cast<std::uint32_t>(seed ^ (seed >> 32)));
    const auto nodes = static_cast<std::uint64_t>(n);
    const auto half = static_cast<std::uint64_t>(k / 2);
    boost::random::uniform_int_distribution<std::size_t> vertex(0, static_cast<std::size_t>(nodes - 1));
    // Boost's uniform_01 over an integer generator: (draw - min) / (max - min + 1).
    const double to_unit = 1.0 / (static_cast<double>((gen.max)() - (gen.min)()) + 1.0);
    emit(std::int64_t{0}, std::int64_t{1});
    std::uint64_t source = 0, target = 1;
    for (;;) {
        target = target + 1 == nodes ? 0 : target + 1;
        if (target == (source + half + 1) % nodes) {
            ++source;
            target = (source + 1) % nodes;
        }
        if (source == nodes) return;
        const double x = static_cast<double>(gen() - (gen.min)()) * to_unit;
        std::uint64_t second = target;
        if (x < rewire) {
            const std::uint64_t lower = (source + nodes - half) % nodes, upper = (source + half) % nodes;
            do {
                second = vertex(gen);
            } while ((second >= lower && second <= upper) || (upper < lower && (second >= lower || second <= upper)));
        }
        emit(static_cast<std::int64_t>(source), static_cast<std::int64_t>(second));
    }
}

CsrGraph build_small_world(std::int64_t n, const SmallWorldParams& p, std::uint64_t seed) {
    auto k = static_cast<std::int64_t>(p.k);
    k = std::min<std::int64_t>(k, std::max<std::int64_t>(0, n - 1));
    k -= k % 2;  // Watts-Strogatz ring lattice needs an even neighbour count
    const double rewire = p.rewire;
    return build_csr(n, [&](auto&& emit) {
        if (n < 3 || k == 0) return;
        small_world_edges(n, k, rewire, seed, emit);
    });
}

CsrGraph build_erdos_renyi(std::int64_t n, const ErdosRenyiParams& p, std::uint64_t seed) {
    const double prob = n < 2 ? 0.0 : std::min(1.0, p.mean_degree / static_cast<double>(n - 1));
    return build_csr(n, [&](auto&& emit) {
        if (n < 2 || prob <= 0.0) return;
        boost::random::mt19937 gen(static_cast<std::uint32_t>(seed ^ (seed >> 32)));
        using Gen = boost::sorted_erdos_renyi_iterator<boost::random::mt19937, BoostGraph>;
        for (Gen it(gen, static_cast<std::size_t>(n), prob, false), end; it != end; ++it)
            emit(static_cast<std::int64_t>(it->first), static_cast<std::int64_t>(it->second));
    });
}

// Barabasi-Albert preferential attachment: each new node links to m existing nodes chosen
// with probability proportional to degree (sampling from the list of edge endpoints).
CsrGraph build_scale_free(std::int64_t n, const ScaleFreeParams& p, std::uint64_t seed) {
    const auto m = static_cast<std::int64_t>(p.m);
    return build_csr(n, [&](auto&& emit) {
        if (n < 2 || m < 1) return;
        boost::random::mt19937 gen(static_cast<std::uint32_t>(seed ^ (seed >> 32)));
        std::vector<std::int32_t> endpoints;
        endpoints.reserve(static_cast<std::size_t>(2 * n * m));
        const std::int64_t core = std::min(n, m + 1);
        for (std::int64_t i = 0; i < core; ++i)
            for (std::int64_t j = i + 1; j < core; ++j) {
                emit(i, j);
                endpoints.push_back(static_cast<std::int32_t>(i));
                endpoints.push_back(static_cast<std::int32_t>(j));
            }
        std::vector<std::int32_t> picked;
        for (std::int64_t v = core; v < n; ++v) {
            picked.clear();
            boost::random::uniform_int_distribution<std::size_t> pick(0, endpoints.size() - 1);
            for (int tries = 0; static_cast<std::int64_t>(picked.size()) < m && tries < 50 * m; ++tries) {
                const std::int32_t t = endpoints[pick(gen)];
                if (std::find(picked.begin(), picked.end(), t) == picked.end()) picked.push_back(t);
            }
            for (const auto t : picked) {
                emit(v, t);
                endpoints.push_back(static_cast<std::int32_t>(v));
                endpoints.push_back(t);
            }
        }
    });
}

}  // namespace

const Registry<NetworkInfo>& network_registry() {
    static const Registry<NetworkInfo> registry(
        "network",
        {network<SmallWorldParams>(
             "small_world", "Watts-Strogatz ring lattice with random rewiring",
             {{"k", &SmallWorldParams::k, 0, 1000, "neighbours per developer in the ring lattice (even)", "developers"},
              {"rewire", &SmallWorldParams::rewire, 0, 1, "probability of rewiring each lattice edge"}},
             build_small_world),
         network<ScaleFreeParams>("scale_free", "Barabasi-Albert preferential attachment",
                                  {{"m", &ScaleFreeParams::m, 1, 1000, "links each new developer makes", "developers"}},
                                  build_scale_free),
         network<ErdosRenyiParams>("erdos_renyi", "Erdos-Renyi random graph G(n, p) with p = mean_degree / (n - 1)",
                                   {{"mean_degree", &ErdosRenyiParams::mean_degree, 0, 1000,
                                     "expected neighbours per developer", "developers"}},
                                   build_erdos_renyi),
         network<NoParams>("none", "No network: imitation works through the market-wide share of active developers", {},
                           build_none)});
    return registry;
}

const NetworkInfo* find_network(std::string_view name) {
    return network_registry().find(name);
}

std::vector<std::string> network_names() {
    return network_registry().names();
}

}  // namespace pricewar
