#pragma once
// Sweep designs: a sweep is data (SweepSpec) expanded into a list of run plans, each with
// its own seed. Designs are a registry keyed by the name used in sweep files
// (`[design] kind = "..."`); each declares its parameters. Format and methods:
// docs/sweeps.md.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/model/params.hpp"
#include "sim/model/registry.hpp"

namespace pricewar {

enum class ParameterScale { linear, log };
const char* to_string(ParameterScale scale);

// One varied scenario value.
struct SweepParameter {
    std::string path;            // dotted scenario path, e.g. "vendors.lowcost.cash"
    std::vector<double> values;  // factorial: the levels, in file order
    double lo = 0.0, hi = 0.0;   // lhs, sobol: the range
    ParameterScale scale = ParameterScale::linear;
    bool integer = false;  // the scenario value is an integer: sampled values are rounded
};

struct SweepSpec {
    std::string file;           // the sweep file, as given
    std::string text;           // its contents, embedded in outputs
    std::string scenario_path;  // base scenario, resolved against the sweep file's folder
    std::string scenario_text;  // its contents, read once
    std::uint64_t seed = 1;     // master seed
    std::int64_t replicates = 1;
    std::optional<int> turns;                     // horizon override
    std::vector<std::string> fixed;               // "KEY=VALUE" overrides of [set], applied to every run
    std::string design = "factorial";             // registry name
    std::map<std::string, double> design_params;  // declared parameters of the design, defaults filled
    std::vector<SweepParameter> parameters;
};

struct RunPlan {
    std::int64_t run_id = 0;
    std::int64_t replicate = 0;
    std::uint64_t seed = 0;         // derive_seed(master seed, run_id)
    std::vector<double> values;     // one per SweepSpec::parameters
    std::int32_t sobol_block = -1;  // 0 = A, 1 = B, 2 + i = A_B^(i) (i 0-based); -1 outside sobol
    std::int32_t sobol_index = -1;  // row within the block
};

struct SweepDesign {
    std::string name;
    std::string help;
    ParamSpecs params;         // keys of [design] besides `kind`
    bool uses_values = false;  // [[parameter]] takes `values`
    bool uses_range = false;   // [[parameter]] takes `range` and `scale`
    // Design points (before replicates), each with one value per parameter. For sobol the
    // point's block and index come along.
    struct Point {
        std::vector<double> values;
        std::int32_t sobol_block = -1, sobol_index = -1;
    };
    std::vector<Point> (*points)(const SweepSpec& spec) = nullptr;
    std::int64_t (*point_count)(const SweepSpec& spec) = nullptr;
};

const Registry<SweepDesign>& design_registry();
// nullptr when no design has that name.
const SweepDesign* find_design(std::string_view name);
std::vector<std::string> design_names();

// Every run of the sweep: points x replicates, replicate varying fastest, so
// run_id = point * replicates + replicate. Throws std::invalid_argument on an unknown design.
std::vector<RunPlan> expand(const SweepSpec& spec);
// expand(spec).size() without building the plans.
std::int64_t plan_count(const SweepSpec& spec);

// Maps u in [0, 1) to the parameter's range on its scale (rounded for integer parameters).
double map_unit(const SweepParameter& parameter, double u);

}  // namespace pricewar
