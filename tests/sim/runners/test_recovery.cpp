// Parameter recovery: moments of one run of the default scenario (200 developers, 40 turns)
// at known values of two parameters, drawn with a seed the calibration does not use (the
// "observed" history), are estimated back from another start; the truth must lie within two
// standard errors of each estimate.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "sim/engine/engine.hpp"
#include "sim/output/calibration_file.hpp"
#include "sim/runners/calibrate.hpp"
#include "sim/runners/calibration_file.hpp"
#include "sim/runners/sweep_file.hpp"
#include "tests/sim/runners/support.hpp"

using namespace pricewar;

namespace {

std::string recovery_calibration(const std::vector<double>& targets) {
    return fmt::format(R"(scenario = "{}"
seed = 11
seeds = 30
turns = 40

[set]
"developers.count" = 200

[[parameter]]
path = "developers.elasticity.median"
bounds = [0.6, 2.5]
scale = "log"
start = 0.8

[[parameter]]
path = "vendors.lowcost.offers.v2.unit_cost"
bounds = [0.2, 2.0]
scale = "log"
start = 1.4

[[moment]]
name = "growth"
source = "simulated at the truth"
series = "total_tokens"
stat = "ratio"
turn = 16
base_turn = 4
target = {}

[[moment]]
name = "spend"
source = "simulated at the truth"
series = "total_spend"
stat = "mean"
turns = [20, 39]
target = {}

[[moment]]
name = "avg_price"
source = "simulated at the truth"
series = "avg_price"
stat = "mean"
turns = [20, 39]
target = {}

[[moment]]
name = "lowcost_share"
source = "simulated at the truth"
series = "token_share"
vendor = "lowcost"
stat = "mean"
turns = [20, 39]
target = {}

[optimizer]
global = "crs2"
local = "bobyqa"
global_evals = 30
local_evals = 40
xtol_rel = 1e-3
)",
                       test::source_path("scenarios/default.toml"), targets[0], targets[1], targets[2], targets[3]);
}

}  // namespace

TEST_CASE("parameter recovery: the truth lies within two standard errors of the estimate") {
    const test::ScratchDir dir;
    const std::string path = dir.file("recovery.toml");
    const std::vector<double> truth = {1.3, 0.6};  // the default scenario's own values

    // The observed moments: one run at the truth, with a seed outside the calibration's.
    test::write_text(path, recovery_calibration({1, 1, 1, 1}));
    const CalibrationSpec draft = load_calibration_file(path);
    const RunRecord observed = run_scenario(plan_scenario(draft.base, truth), 987654321);
    std::vector<double> targets;
    for (const auto& m : draft.moments)
        targets.push_back(moment_statistic(m, observed));
    test::write_text(path, recovery_calibration(targets));

    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(run_calibration({path, dir.file("recovery.h5"), 2, false}) == 0);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const CalibrationResult r = read_calibration_file(dir.file("recovery.h5"));
    REQUIRE(r.identified == 1);
    for (std::size_t j = 0; j < truth.size(); ++j) {
        CAPTURE(r.parameter_names[j]);
        CAPTURE(r.estimate[j]);
        CAPTURE(r.se[j]);
        MESSAGE(fmt::format("{}: truth {}, estimate {:.4g} +- {:.3g} (start {}), {:.1f} s", r.parameter_names[j],
                            truth[j], r.estimate[j], r.se[j], r.start[j], seconds));
        REQUIRE(std::isfinite(r.se[j]));
        CHECK(std::abs(r.estimate[j] - truth[j]) <= 2.0 * r.se[j]);
        // Informative: the interval is much narrower than the bounds.
        CHECK(r.ci_high[j] - r.ci_low[j] < 0.5 * (r.upper[j] - r.lower[j]));
        // Closer to the truth than the start was.
        CHECK(std::abs(r.estimate[j] - truth[j]) < std::abs(r.start[j] - truth[j]));
    }
}
