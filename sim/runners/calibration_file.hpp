#pragma once
// Calibration files: TOML in, a validated CalibrationSpec out: the base scenario and fixed
// overrides (as in sweep files), the parameters to estimate, the moments with their targets,
// the weighting and the optimiser. The moments' statistics are computed from a run's record
// here too. Format: docs/calibration-method.md. Errors are InputError ("FILE:LINE:COL: KEY:
// problem"), as for scenario and sweep files.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/estimation/smm.hpp"
#include "sim/model/run_record.hpp"
#include "sim/model/scenario.hpp"
#include "sim/runners/design.hpp"

namespace pricewar {

// The statistic of one run a moment averages over the runs of an evaluation.
enum class MomentStat { value, ratio, pct_change, mean, event_share };
// Whose series: the market's, one vendor's or offer's, or an aggregate over the vendors of a
// kind or the offers of a tier.
enum class MomentLevel { market, vendor, offer, kind, tier };
enum class MomentAggregate { sum, mean };

struct MomentSpec {
    std::string name;
    std::string source;  // where the target comes from
    double target = 0.0;
    double weight = 1.0;
    MomentStat stat = MomentStat::value;
    std::string series;  // a series of the level's table (not for event_share)
    MomentLevel level = MomentLevel::market;
    std::string selector;  // vendor id, "vendor.offer", vendor kind or offer tier
    MomentAggregate aggregate = MomentAggregate::sum;
    int turn = 0;             // value, ratio, pct_change, event_share (by this turn)
    int base_turn = 0;        // ratio, pct_change
    int first = 0, last = 0;  // mean: the turn window, inclusive
    std::string event;        // event_share
};

// Events a moment's event_share counts, by name.
const std::vector<std::string>& moment_event_names();

struct CalibrationSpec {
    std::string file;  // as given
    std::string text;  // its contents, embedded in outputs
    // The base scenario, [set], turns and the estimated parameters (range = bounds, scale), in
    // the form sweeps use, so each evaluation's scenario is plan_scenario(base, theta).
    SweepSpec base;
    std::int64_t seeds = 10;    // S, runs per evaluation
    std::vector<double> start;  // one per parameter
    std::vector<MomentSpec> moments;
    estimation::Settings settings;
};

// Reads and validates a calibration file: keys, the base scenario (with [set] and turns),
// every parameter path, bound and start value, and every moment against the scenario (series,
// vendor, offer, kind, tier, turns, event). Throws InputError.
CalibrationSpec load_calibration_file(const std::string& path);
CalibrationSpec parse_calibration(std::string_view text, const std::string& path);

// Does the file look like a calibration file (a top-level [[moment]])? False for unreadable
// or malformed files.
bool is_calibration_file(const std::string& path);

// Run s of every evaluation uses this seed (common random numbers).
std::uint64_t calibration_seed(const CalibrationSpec& spec, std::int64_t run);

// The statistic of one moment in one run; NaN when undefined there (a ratio over zero, a
// price of an offer not on sale, ...).
double moment_statistic(const MomentSpec& moment, const RunRecord& record);

// The estimation problem: parameters (bounds, scale, start), moment names, targets, weights,
// runs and settings.
estimation::Problem calibration_problem(const CalibrationSpec& spec);

}  // namespace pricewar
