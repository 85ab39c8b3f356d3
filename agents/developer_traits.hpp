#pragma once
// Heterogeneous developer parameters, drawn once per run (docs/model.md, "Developers"), stored as
// structure-of-arrays in single precision to keep the hot loops cache-friendly.

#include <cstdint>
#include <vector>

#include "sim/model/rng.hpp"
#include "sim/model/scenario.hpp"

namespace pricewar {

struct DeveloperTraits {
    std::vector<float> value;            // reservation CNY per Mtok
    std::vector<float> base_usage;       // Mtok per turn at p_ref
    std::vector<float> elasticity;       // intensive-margin price elasticity
    std::vector<float> quality_weight;   // beta
    std::vector<float> price_weight;     // alpha
    std::vector<float> switching_cost;   // s
    std::vector<float> reevaluate_prob;  // r
    std::vector<float> budget;           // CNY per turn cap on spend (inf: none)

    [[nodiscard]] std::size_t size() const { return value.size(); }
    [[nodiscard]] std::size_t bytes_per_developer() const { return 8 * sizeof(float); }
};

// One draw from a scenario distribution.
double draw(const Distribution& dist, Rng& rng);
// The q-quantile (0 < q < 1) of a scenario distribution, clipped like a draw.
double quantile(const Distribution& dist, double q);

// `count` developers drawn from the scenario's distributions, each trait from its own
// sub-stream so changing one distribution leaves the others' draws unchanged.
DeveloperTraits draw_traits(const DeveloperSpec& spec, std::int64_t count, std::uint64_t seed);

}  // namespace pricewar
