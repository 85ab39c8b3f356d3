#pragma once
// Developer networks: generators built with Boost.Graph, registered under the names
// scenario files use, stored as compressed sparse rows for the hot loops.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/model/params.hpp"
#include "sim/model/registry.hpp"
#include "sim/model/rng.hpp"

namespace pricewar {

// Undirected graph in compressed sparse row form: neighbours of i are
// targets[offsets[i] .. offsets[i+1]).
struct CsrGraph {
    std::vector<std::int64_t> offsets;  // size n + 1
    std::vector<std::int32_t> targets;  // size 2 * edges

    [[nodiscard]] std::int64_t nodes() const {
        return offsets.empty() ? 0 : static_cast<std::int64_t>(offsets.size()) - 1;
    }
    [[nodiscard]] std::int64_t degree(std::int64_t i) const { return offsets[i + 1] - offsets[i]; }
    [[nodiscard]] std::int64_t edges() const { return static_cast<std::int64_t>(targets.size()) / 2; }
};

struct NetworkInfo {
    std::string name;
    std::string help;
    ParamSpecs params;
    std::function<CsrGraph(std::int64_t nodes, const ParamMap&, std::uint64_t seed)> build;
};

const Registry<NetworkInfo>& network_registry();
const NetworkInfo* find_network(std::string_view name);
std::vector<std::string> network_names();

}  // namespace pricewar
