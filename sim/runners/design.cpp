#include "sim/runners/design.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <boost/random/mersenne_twister.hpp>
#include <boost/random/sobol.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "sim/model/rng.hpp"

namespace pricewar {

const char* to_string(ParameterScale scale) {
    return scale == ParameterScale::log ? "log" : "linear";
}

double map_unit(const SweepParameter& p, double u) {
    double v = 0.0;
    if (p.scale == ParameterScale::log) {
        const double a = std::log(p.lo), b = std::log(p.hi);
        v = std::exp(a + u * (b - a));
    } else {
        v = p.lo + u * (p.hi - p.lo);
    }
    // exp/log round-off must not leave the declared range.
    v = std::clamp(v, p.lo, p.hi);
    if (p.integer) v = std::clamp(std::round(v), std::ceil(p.lo), std::floor(p.hi));
    return v;
}

namespace {

// Stream of the LHS permutations and jitter under the master seed; run seeds use
// derive_seed(master, run_id) with run_id < 2^62, so this id cannot collide with one.
constexpr std::uint64_t kLhsStream = 0xD1B54A32D192ED03ULL;

std::int64_t samples_of(const SweepSpec& spec) {
    const auto it = spec.design_params.find("samples");
    if (it == spec.design_params.end()) throw std::invalid_argument("design '" + spec.design + "' needs samples");
    return static_cast<std::int64_t>(it->second);
}

// ---- factorial: the full grid, last parameter varying fastest ----

std::int64_t factorial_count(const SweepSpec& spec) {
    std::int64_t n = 1;
    for (const auto& p : spec.parameters)
        n *= static_cast<std::int64_t>(p.values.size());
    return n;
}

std::vector<SweepDesign::Point> factorial_points(const SweepSpec& spec) {
    const auto k = spec.parameters.size();
    const auto n = factorial_count(spec);
    std::vector<SweepDesign::Point> out(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        auto& values = out[static_cast<std::size_t>(i)].values;
        values.resize(k);
        std::int64_t rest = i;
        for (std::size_t j = k; j-- > 0;) {
            const auto levels = static_cast<std::int64_t>(spec.parameters[j].values.size());
            values[j] = spec.parameters[j].values[static_cast<std::size_t>(rest % levels)];
            rest /= levels;
        }
    }
    return out;
}

// ---- lhs: one point per stratum in every dimension ----

std::int64_t lhs_count(const SweepSpec& spec) {
    return samples_of(spec);
}

std::vector<SweepDesign::Point> lhs_points(const SweepSpec& spec) {
    const auto n = static_cast<std::size_t>(samples_of(spec));
    const auto k = spec.parameters.size();
    // Boost's engine and distributions give the same numbers on every platform and standard
    // library (std::shuffle and std:: distributions do not).
    boost::random::mt19937_64 gen(derive_seed(spec.seed, kLhsStream));
    boost::random::uniform_01<double> unit;
    std::vector<SweepDesign::Point> out(n);
    for (auto& p : out)
        p.values.resize(k);
    std::vector<std::size_t> stratum(n);
    for (std::size_t j = 0; j < k; ++j) {
        for (std::size_t r = 0; r < n; ++r)
            stratum[r] = r;
        for (std::size_t r = n; r-- > 1;) {  // Fisher-Yates
            boost::random::uniform_int_distribution<std::size_t> pick(0, r);
            std::swap(stratum[r], stratum[pick(gen)]);
        }
        for (std::size_t r = 0; r < n; ++r) {
            const double u = (static_cast<double>(stratum[r]) + unit(gen)) / static_cast<double>(n);
            out[r].values[j] = map_unit(spec.parameters[j], std::min(u, std::nextafter(1.0, 0.0)));
        }
    }
    return out;
}

// ---- sobol: Saltelli cross-sampling, blocks A, B and A_B^(i) ----

std::int64_t sobol_count(const SweepSpec& spec) {
    return samples_of(spec) * (static_cast<std::int64_t>(spec.parameters.size()) + 2);
}

std::vector<SweepDesign::Point> sobol_points(const SweepSpec& spec) {
    const auto n = static_cast<std::size_t>(samples_of(spec));
    const auto k = spec.parameters.size();
    boost::random::sobol gen(2 * k);
    // Boost's sequence starts past the origin, at the centre of the cube; that point is the same
    // in all 2k dimensions (A's row would equal B's), so it is skipped too.
    gen.discard(2 * k);
    std::vector<double> a(n * k), b(n * k);
    for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t j = 0; j < k; ++j)
            a[r * k + j] = static_cast<double>(gen()) * 0x1.0p-64;
        for (std::size_t j = 0; j < k; ++j)
            b[r * k + j] = static_cast<double>(gen()) * 0x1.0p-64;
    }
    auto mapped = [&](const std::vector<double>& m, std::size_t r, std::size_t j) {
        return map_unit(spec.parameters[j], std::min(m[r * k + j], std::nextafter(1.0, 0.0)));
    };
    std::vector<SweepDesign::Point> out;
    out.reserve(n * (k + 2));
    for (std::size_t block = 0; block < k + 2; ++block) {
        for (std::size_t r = 0; r < n; ++r) {
            SweepDesign::Point p;
            p.sobol_block = static_cast<std::int32_t>(block);
            p.sobol_index = static_cast<std::int32_t>(r);
            p.values.resize(k);
            for (std::size_t j = 0; j < k; ++j) {
                const bool from_b = block == 1 || (block >= 2 && block - 2 == j);
                p.values[j] = mapped(from_b ? b : a, r, j);
            }
            out.push_back(std::move(p));
        }
    }
    return out;
}

}  // namespace

const Registry<SweepDesign>& design_registry() {
    static const Registry<SweepDesign> registry("design", [] {
        std::vector<SweepDesign> d;
        d.push_back({"factorial",
                     "full grid of every parameter's `values` (last parameter varies fastest)",
                     {},
                     true,
                     false,
                     factorial_points,
                     factorial_count});
        d.push_back({"lhs",
                     "Latin hypercube: `samples` points, one in each of `samples` equal strata of every "
                     "parameter's range, strata paired by random permutations",
                     {{"samples", 0.0, 1.0, 1e9, "design points (before replicates)", true}},
                     false,
                     true,
                     lhs_points,
                     lhs_count});
        d.push_back({"sobol",
                     "Saltelli cross-sampling for Sobol indices: matrices A and B of `samples` rows from a "
                     "Sobol sequence in 2k dimensions, and A_B^i (A with column i from B) for each of the k "
                     "parameters: samples * (k + 2) points",
                     {{"samples", 0.0, 2.0, 1e9, "rows of each matrix (points = samples * (parameters + 2))", true}},
                     false,
                     true,
                     sobol_points,
                     sobol_count});
        return d;
    }());
    return registry;
}

const SweepDesign* find_design(std::string_view name) {
    return design_registry().find(name);
}

std::vector<std::string> design_names() {
    return design_registry().names();
}

std::int64_t plan_count(const SweepSpec& spec) {
    const SweepDesign* d = find_design(spec.design);
    if (d == nullptr) throw std::invalid_argument("unknown sweep design '" + spec.design + "'");
    return d->point_count(spec) * spec.replicates;
}

std::vector<RunPlan> expand(const SweepSpec& spec) {
    const SweepDesign* d = find_design(spec.design);
    if (d == nullptr) throw std::invalid_argument("unknown sweep design '" + spec.design + "'");
    const auto points = d->points(spec);
    std::vector<RunPlan> plans;
    plans.reserve(points.size() * static_cast<std::size_t>(spec.replicates));
    std::int64_t run_id = 0;
    for (const auto& point : points) {
        for (std::int64_t r = 0; r < spec.replicates; ++r, ++run_id) {
            RunPlan plan;
            plan.run_id = run_id;
            plan.replicate = r;
            plan.seed = derive_seed(spec.seed, static_cast<std::uint64_t>(run_id));
            plan.values = point.values;
            plan.sobol_block = point.sobol_block;
            plan.sobol_index = point.sobol_index;
            plans.push_back(std::move(plan));
        }
    }
    return plans;
}

}  // namespace pricewar
