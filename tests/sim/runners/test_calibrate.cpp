// Calibration files and `pricewar calibrate`: bad input at its line and column, moment
// statistics, results independent of --jobs and MPI ranks, and resume after SIGINT that
// redoes no evaluation and gives the uninterrupted result.

#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "sim/engine/engine.hpp"
#include "sim/output/calibration_file.hpp"
#include "sim/runners/calibrate.hpp"
#include "sim/runners/calibration_file.hpp"
#include "sim/runners/sweep_file.hpp"
#include "tests/sim/runners/support.hpp"

using namespace pricewar;
using pricewar::test::ScratchDir;
using namespace std::chrono_literals;

namespace {

// A small calibration of the default scenario: 20 turns, 200 developers, S runs.
std::string small_calibration(int seeds, int local_evals, const std::string& extra_moment = "") {
    return fmt::format(R"(scenario = "{}"
seed = 3
seeds = {}
turns = 20

[set]
"developers.count" = 200

[[parameter]]
path = "developers.elasticity.median"
bounds = [0.6, 2.5]
scale = "log"
start = 0.9

[[moment]]
name = "growth"
source = "test"
series = "total_tokens"
stat = "ratio"
turn = 16
base_turn = 4
target = 6.0

[[moment]]
name = "spend"
source = "test"
series = "total_spend"
stat = "mean"
turns = [10, 19]
target = 8.0e6
{}
[optimizer]
global = "none"
local = "bobyqa"
local_evals = {}
)",
                       test::source_path("scenarios/default.toml"), seeds, extra_moment, local_evals);
}

// The InputError of parsing `text` written to `path`.
InputError parse_error(const std::string& path, const std::string& text) {
    test::write_text(path, text);
    try {
        (void)load_calibration_file(path);
    } catch (const InputError& e) {
        return e;
    }
    FAIL("no error for: " << text);
    return InputError("", 0, 0, "", "");
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    return text.replace(at, from.size(), to);
}

// Result files equal but for wall times.
void check_same_result(const std::string& a, const std::string& b) {
    CalibrationResult x = read_calibration_file(a), y = read_calibration_file(b);
    REQUIRE(x.trace_seconds.size() == y.trace_seconds.size());
    x.trace_seconds.assign(x.trace_seconds.size(), 0.0);
    y.trace_seconds.assign(y.trace_seconds.size(), 0.0);
    CHECK(x.estimate == y.estimate);
    CHECK(x.trace_theta == y.trace_theta);
    CHECK(x.runs_at_estimate == y.runs_at_estimate);
    CHECK(x == y);
}

}  // namespace

TEST_CASE("calibration files: bad input is one error at its file, line and column") {
    const ScratchDir dir;
    const std::string path = dir.file("calib.toml");
    const std::string good = small_calibration(4, 5);
    REQUIRE_NOTHROW(load_calibration_file((test::write_text(path, good), path)));

    struct Case {
        std::string from, to, key, words;
        int line;
    };
    const std::vector<Case> cases = {
        {"seeds = 4", "sedes = 4", "sedes", "did you mean 'seeds'", 3},
        {"developers.elasticity.median\"", "developers.elastcity.median\"", "parameter[0].path", "no such", 10},
        {"bounds = [0.6, 2.5]", "bounds = [2.5, 0.6]", "parameter[0].bounds", "lo must be < hi", 11},
        {"start = 0.9", "start = 3.0", "parameter[0].start", "within bounds", 13},
        {"series = \"total_tokens\"", "series = \"total_tokns\"", "moment[0].series", "did you mean 'total_tokens'",
         18},
        {"stat = \"ratio\"", "stat = \"ratios\"", "moment[0].stat", "\"ratio\"", 19},
        {"turn = 16", "turn = 20", "moment[0].turn", "[0, 19]", 20},
        {"turns = [10, 19]", "turns = [19, 10]", "moment[1].turns", "first must be <= last", 29},
        {"local = \"bobyqa\"", "local = \"bobyq\"", "optimizer.local", "did you mean \"bobyqa\"", 34},
    };
    for (const auto& c : cases) {
        CAPTURE(c.to);
        const InputError e = parse_error(path, replace(good, c.from, c.to));
        CHECK(e.file == path);
        CHECK(e.key == c.key);
        CHECK(e.line == c.line);
        CHECK(e.column > 0);
        CHECK_MESSAGE(e.problem.find(c.words) != std::string::npos, e.what());
    }
    // An unknown vendor, a moment naming two selectors, fewer moments than parameters.
    {
        const auto e = parse_error(path, replace(good, "stat = \"ratio\"", "vendor = \"nobody\"\nstat = \"ratio\""));
        CHECK(e.key == "moment[0].vendor");
        CHECK(e.problem.find("no vendor 'nobody'") != std::string::npos);
        CHECK(e.line == 19);
    }
    {
        const auto e = parse_error(path, replace(good, "[[parameter]]", R"([[parameter]]
path = "market.kappa"
bounds = [0.1, 0.5]

[[parameter]]
path = "vendors.lowcost.cash"
bounds = [1e9, 3e9]

[[parameter]])"));
        CHECK(e.key == "moment");
        CHECK(e.problem.find("2 moment(s) for 3 parameter(s)") != std::string::npos);
    }
    {
        const auto e = parse_error(path, replace(good, "path = \"developers.elasticity.median\"",
                                                 "path = \"vendors.lowcost.gpu_lead_turns\""));
        CHECK(e.key == "parameter[0].path");
        CHECK(e.problem.find("integer key") != std::string::npos);
    }
}

TEST_CASE("moment statistics of one run: value, ratio, percent change, mean, aggregates, event shares") {
    const ScratchDir dir;
    const std::string path = dir.file("calib.toml");
    const std::string extra = R"(
[[moment]]
name = "cloud_tokens"
source = "test"
series = "tokens"
kind = "cloud"
stat = "value"
turn = 10
target = 1.0

[[moment]]
name = "pro_price"
source = "test"
series = "price"
tier = "pro"
aggregate = "mean"
stat = "pct_change"
turn = 10
base_turn = 0
target = -50

[[moment]]
name = "startup_exits"
source = "test"
kind = "startup"
stat = "event_share"
event = "raise"
turn = 19
target = 0.5
)";
    test::write_text(path, small_calibration(4, 5, extra));
    const CalibrationSpec spec = load_calibration_file(path);
    REQUIRE(spec.moments.size() == 5);
    const Scenario sc = plan_scenario(spec.base, spec.start);
    const RunRecord r = run_scenario(sc, calibration_seed(spec, 0));
    const auto market = [&](const char* name, int t) { return r.find_series(r.market_series, name)->at(t, 0); };
    CHECK(moment_statistic(spec.moments[0], r) == market("total_tokens", 16) / market("total_tokens", 4));
    double spend = 0.0;
    for (int t = 10; t <= 19; ++t)
        spend += market("total_spend", t);
    CHECK(moment_statistic(spec.moments[1], r) == doctest::Approx(spend / 10.0));
    const Table& tokens = *r.find_series(r.vendor_series, "tokens");
    double cloud = 0.0;
    for (std::size_t v = 0; v < r.vendor_names.size(); ++v)
        if (r.vendor_kinds[v] == "cloud") cloud += tokens.at(10, v);
    CHECK(moment_statistic(spec.moments[2], r) == doctest::Approx(cloud));
    const Table& price = *r.find_series(r.offer_series, "price");
    double now = 0.0, before = 0.0;
    int n_now = 0, n_before = 0;
    for (std::size_t o = 0; o < r.offer_names.size(); ++o) {
        if (r.offer_tiers[o] != "pro") continue;
        if (std::isfinite(price.at(10, o))) now += price.at(10, o), ++n_now;
        if (std::isfinite(price.at(0, o))) before += price.at(0, o), ++n_before;
    }
    CHECK(moment_statistic(spec.moments[3], r) == doctest::Approx(100.0 * ((now / n_now) / (before / n_before) - 1.0)));
    int startups = 0, raised = 0;
    for (std::size_t v = 0; v < r.vendor_names.size(); ++v) {
        if (r.vendor_kinds[v] != "startup") continue;
        ++startups;
        bool any = false;
        for (const auto& e : r.events)
            any = any || (e.kind == "raise" && e.vendor == r.vendor_names[v] && e.turn <= 19);
        raised += any ? 1 : 0;
    }
    CHECK(moment_statistic(spec.moments[4], r) == doctest::Approx(static_cast<double>(raised) / startups));
}

TEST_CASE("calibrate: the result does not depend on --jobs; an existing output is refused") {
    const ScratchDir dir;
    const std::string path = dir.file("calib.toml");
    test::write_text(path, small_calibration(6, 12));
    CalibrationCounts one, two;
    REQUIRE(run_calibration({path, dir.file("j1.h5"), 1, false}, &one) == 0);
    REQUIRE(run_calibration({path, dir.file("j2.h5"), 2, false}, &two) == 0);
    check_same_result(dir.file("j1.h5"), dir.file("j2.h5"));
    CHECK(one.simulated == two.simulated);
    CHECK(one.from_journal == 0);
    const CalibrationResult r = read_calibration_file(dir.file("j1.h5"));
    CHECK(r.trace_objective.size() == static_cast<std::size_t>(one.simulated));
    CHECK(r.runs_per_evaluation == 6);
    CHECK(r.moment_names == std::vector<std::string>{"growth", "spend"});
    CHECK(r.jacobian.size() == 2);
    CHECK(r.calibration_toml == test::read_text(path));
    CHECK_FALSE(std::filesystem::exists(dir.file("j1.h5.journal")));

    CHECK_THROWS_AS(run_calibration({path, dir.file("j1.h5"), 1, false}), InputError);
    // --resume on a finished output of the same calibration: nothing to do.
    CalibrationCounts again;
    CHECK(run_calibration({path, dir.file("j1.h5"), 1, true}, &again) == 0);
    CHECK(again.simulated == 0);
    // ... and of another calibration: refused.
    test::write_text(dir.file("other.toml"), small_calibration(5, 12));
    CHECK_THROWS_WITH_AS(run_calibration({dir.file("other.toml"), dir.file("j1.h5"), 1, true}),
                         doctest::Contains("another calibration"), InputError);
}

TEST_CASE("calibrate --resume after SIGINT: no evaluation redone, the uninterrupted result") {
    const std::string bin = test::pricewar_binary();
    REQUIRE(std::filesystem::exists(bin));
    const ScratchDir dir;
    const std::string path = dir.file("calib.toml");
    test::write_text(path, small_calibration(8, 40));
    std::string err, out;
    REQUIRE_MESSAGE(test::run_command({bin, "calibrate", path, "-o", dir.file("whole.h5")}, &err, &out) == 0, err);
    const auto whole = read_calibration_file(dir.file("whole.h5"));

    const std::string part = dir.file("part.h5");
    {
        test::Child child({bin, "calibrate", path, "-o", part}, dir.file("out1"), dir.file("err1"));
        const auto deadline = std::chrono::steady_clock::now() + 120s;
        while (test::journal_rows(part + ".journal") < 3 && !child.finished() &&
               std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(2ms);
        REQUIRE_FALSE(child.finished());
        child.signal(SIGINT);
        CHECK(child.wait() == 1);
    }
    CHECK(test::read_text(dir.file("err1")).find("rerun with --resume") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(part));
    const long journaled = test::journal_rows(part + ".journal");
    REQUIRE(journaled >= 3);
    REQUIRE(static_cast<std::size_t>(journaled) < whole.trace_objective.size());

    // A different calibration file on this journal is refused.
    test::write_text(dir.file("other.toml"), small_calibration(8, 41));
    CHECK(test::run_command({bin, "calibrate", dir.file("other.toml"), "-o", part, "--resume"}, &err) == 2);
    CHECK(err.find("belongs to a different calibration") != std::string::npos);

    REQUIRE_MESSAGE(test::run_command({bin, "calibrate", path, "-o", part, "--resume"}, &err, &out) == 0, err);
    // "... (N evaluations simulated now, M from the journal)"
    const auto tail = out.find(" evaluations simulated now, ");
    REQUIRE(tail != std::string::npos);
    const auto open = out.rfind('(', tail);
    REQUIRE(open != std::string::npos);
    const long now = std::stol(out.substr(open + 1, tail - open - 1));
    const long replayed = std::stol(out.substr(tail + std::string(" evaluations simulated now, ").size()));
    CHECK(replayed == journaled);
    CHECK(static_cast<std::size_t>(now + replayed) == whole.trace_objective.size());
    check_same_result(dir.file("whole.h5"), part);
}

#ifdef PRICEWAR_MPIEXEC
TEST_CASE("mpirun: a calibration over MPI ranks equals a local run") {
    const test::NoLeakCheck no_leak_check;  // OpenMPI's allocations at exit (support.hpp)
    const std::string bin = test::pricewar_binary();
    REQUIRE(std::filesystem::exists(bin));
    const ScratchDir dir;
    const std::string path = dir.file("calib.toml");
    test::write_text(path, small_calibration(6, 10));
    std::string err;
    REQUIRE_MESSAGE(test::run_command({bin, "calibrate", path, "-o", dir.file("local.h5")}, &err) == 0, err);
    REQUIRE_MESSAGE(test::run_command({PRICEWAR_MPIEXEC, "--oversubscribe", "--allow-run-as-root", "-n", "3", bin,
                                       "calibrate", path, "-o", dir.file("mpi.h5")},
                                      &err) == 0,
                    err);
    check_same_result(dir.file("local.h5"), dir.file("mpi.h5"));
    CHECK(test::run_command({PRICEWAR_MPIEXEC, "--oversubscribe", "--allow-run-as-root", "-n", "2", bin, "calibrate",
                             path, "-o", dir.file("local.h5")},
                            &err) == 2);
}
#endif
