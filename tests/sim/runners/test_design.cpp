// Sweep designs: sizes, order, ranges and seeds of the expanded run plans.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "sim/model/rng.hpp"
#include "sim/runners/design.hpp"

using namespace pricewar;

namespace {

SweepParameter levels(const std::string& path, std::vector<double> values) {
    SweepParameter p;
    p.path = path;
    p.values = std::move(values);
    return p;
}

SweepParameter ranged(const std::string& path, double lo, double hi, ParameterScale scale = ParameterScale::linear) {
    SweepParameter p;
    p.path = path;
    p.lo = lo;
    p.hi = hi;
    p.scale = scale;
    return p;
}

SweepSpec sampled(const std::string& design, std::int64_t samples, std::vector<SweepParameter> params,
                  std::int64_t replicates = 1, std::uint64_t seed = 99) {
    SweepSpec s;
    s.design = design;
    s.design_params["samples"] = static_cast<double>(samples);
    s.parameters = std::move(params);
    s.replicates = replicates;
    s.seed = seed;
    return s;
}

// The stratum of value v of a parameter (linear or log), out of n.
std::size_t stratum(const SweepParameter& p, double v, std::size_t n) {
    double u = 0.0;
    if (p.scale == ParameterScale::log)
        u = (std::log(v) - std::log(p.lo)) / (std::log(p.hi) - std::log(p.lo));
    else
        u = (v - p.lo) / (p.hi - p.lo);
    return std::min(n - 1, static_cast<std::size_t>(std::floor(u * static_cast<double>(n))));
}

}  // namespace

TEST_CASE("the registry names factorial, lhs and sobol, each with its parameters") {
    CHECK(design_names() == std::vector<std::string>{"factorial", "lhs", "sobol"});
    REQUIRE(find_design("lhs") != nullptr);
    CHECK(find_design("lhs")->params.at(0).name == "samples");
    CHECK(find_design("sobol")->params.at(0).min_value == 2.0);
    CHECK(find_design("factorial")->params.empty());
    CHECK(find_design("factorial")->uses_values);
    CHECK(find_design("sobol")->uses_range);
    CHECK(find_design("grid") == nullptr);
    SweepSpec s;
    s.design = "grid";
    CHECK_THROWS_AS(expand(s), std::invalid_argument);
}

TEST_CASE("factorial: full grid, last parameter fastest, replicate fastest of all") {
    SweepSpec s;
    s.design = "factorial";
    s.seed = 2024;
    s.replicates = 2;
    s.parameters = {levels("a", {1, 2}), levels("b", {10, 20, 30})};
    const auto plans = expand(s);
    REQUIRE(plans.size() == 12);
    CHECK(plan_count(s) == 12);
    const std::vector<std::vector<double>> grid = {{1, 10}, {1, 20}, {1, 30}, {2, 10}, {2, 20}, {2, 30}};
    for (std::size_t i = 0; i < plans.size(); ++i) {
        CAPTURE(i);
        CHECK(plans[i].run_id == static_cast<std::int64_t>(i));
        CHECK(plans[i].replicate == static_cast<std::int64_t>(i % 2));
        CHECK(plans[i].values == grid[i / 2]);
        CHECK(plans[i].seed == derive_seed(2024, i));
        CHECK(plans[i].sobol_block == -1);
        CHECK(plans[i].sobol_index == -1);
    }
    SUBCASE("no parameters: replicates of the base scenario") {
        s.parameters.clear();
        s.replicates = 3;
        CHECK(expand(s).size() == 3);
    }
}

TEST_CASE("lhs: one point per stratum in every dimension, inside the range") {
    const std::size_t n = 16;
    auto s = sampled("lhs", n,
                     {ranged("a", 0.0, 1.0), ranged("b", -5.0, 5.0), ranged("c", 1e6, 1e10, ParameterScale::log)}, 3);
    const auto plans = expand(s);
    REQUIRE(plans.size() == n * 3);
    CHECK(plan_count(s) == static_cast<std::int64_t>(n * 3));
    for (std::size_t j = 0; j < s.parameters.size(); ++j) {
        CAPTURE(j);
        std::set<std::size_t> strata;
        for (std::size_t point = 0; point < n; ++point) {
            const double v = plans[point * 3].values[j];
            CHECK(v >= s.parameters[j].lo);
            CHECK(v <= s.parameters[j].hi);
            strata.insert(stratum(s.parameters[j], v, n));
            // replicates share the point
            CHECK(plans[point * 3 + 1].values == plans[point * 3].values);
            CHECK(plans[point * 3 + 2].values == plans[point * 3].values);
        }
        CHECK(strata.size() == n);
    }
    SUBCASE("the master seed fixes the design") {
        CHECK(expand(s)[5].values == plans[5].values);
        auto other = s;
        other.seed = 100;
        CHECK(expand(other)[0].values != plans[0].values);
    }
    SUBCASE("integer parameters are rounded into the range") {
        auto t = sampled("lhs", 7, {ranged("k", 2, 9)});
        t.parameters[0].integer = true;
        for (const auto& p : expand(t)) {
            CHECK(p.values[0] == std::round(p.values[0]));
            CHECK(p.values[0] >= 2);
            CHECK(p.values[0] <= 9);
        }
    }
}

TEST_CASE("sobol: blocks A, B and A_B^i of Saltelli's cross-sampling") {
    const std::size_t n = 8, k = 3;
    auto s = sampled(
        "sobol", n, {ranged("a", 0.0, 1.0), ranged("b", 10.0, 20.0), ranged("c", 0.01, 100.0, ParameterScale::log)}, 2);
    const auto plans = expand(s);
    REQUIRE(plans.size() == n * (k + 2) * 2);
    CHECK(plan_count(s) == static_cast<std::int64_t>(plans.size()));
    // One replicate of each point: [block][row] -> values.
    std::vector<std::vector<std::vector<double>>> block(k + 2, std::vector<std::vector<double>>(n));
    for (std::size_t i = 0; i < plans.size(); i += 2) {
        const auto& p = plans[i];
        REQUIRE(p.sobol_block >= 0);
        REQUIRE(p.sobol_block < static_cast<int>(k + 2));
        REQUIRE(p.sobol_index >= 0);
        REQUIRE(p.sobol_index < static_cast<int>(n));
        CHECK(plans[i + 1].values == p.values);
        CHECK(plans[i + 1].sobol_block == p.sobol_block);
        CHECK(plans[i + 1].sobol_index == p.sobol_index);
        CHECK(plans[i + 1].replicate == 1);
        block[static_cast<std::size_t>(p.sobol_block)][static_cast<std::size_t>(p.sobol_index)] = p.values;
        for (std::size_t j = 0; j < k; ++j) {
            CHECK(p.values[j] >= s.parameters[j].lo);
            CHECK(p.values[j] <= s.parameters[j].hi);
        }
    }
    // Blocks come in order: A rows, B rows, then A_B^0, A_B^1, ...
    CHECK(plans[0].sobol_block == 0);
    CHECK(plans[2 * n].sobol_block == 1);
    CHECK(plans[4 * n].sobol_block == 2);
    CHECK(block[0] != block[1]);
    for (std::size_t r = 0; r < n; ++r) {
        CAPTURE(r);
        const auto& a = block[0][r];
        const auto& b = block[1][r];
        for (std::size_t i = 0; i < k; ++i) {
            const auto& ab = block[2 + i][r];
            for (std::size_t j = 0; j < k; ++j)
                CHECK(ab[j] == (j == i ? b[j] : a[j]));
        }
    }
    // A quasi-random design: no repeated values within a column of A.
    for (std::size_t j = 0; j < k; ++j) {
        std::set<double> column;
        for (std::size_t r = 0; r < n; ++r)
            column.insert(block[0][r][j]);
        CHECK(column.size() == n);
    }
}

TEST_CASE("seeds depend on the master seed and run_id only") {
    SweepSpec a;
    a.design = "factorial";
    a.seed = 5;
    a.parameters = {levels("x", {1, 2, 3})};
    SweepSpec b = a;
    b.parameters = {levels("y", {7, 8, 9}), levels("z", {0, 1})};
    const auto pa = expand(a), pb = expand(b);
    for (std::size_t i = 0; i < pa.size(); ++i)
        CHECK(pa[i].seed == pb[i].seed);
    std::set<std::uint64_t> seeds;
    for (const auto& p : pb)
        seeds.insert(p.seed);
    CHECK(seeds.size() == pb.size());
}
