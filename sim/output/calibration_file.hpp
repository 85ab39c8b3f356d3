#pragma once
// Calibration output (format "pricewar-calibration"): the estimate, its standard errors and
// the J statistic, each moment's fit, the Jacobian and the whole evaluation trace; and the
// crash-safe journal of finished evaluations a calibration resumes from. Layout and journal
// format: docs/hdf5-layout.md.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/output/output_error.hpp"

namespace pricewar {

inline constexpr int calibration_format_version = 1;

// Everything written to a calibration file. Matrices are row-major.
struct CalibrationResult {
    std::string pricewar_version;
    std::string calibration_toml;  // the calibration file's text
    std::string scenario_toml;     // the base scenario file's text
    std::string scenario_name, currency;
    std::uint64_t master_seed = 0;
    std::int64_t runs_per_evaluation = 0;  // S
    std::string weights_kind;              // "given" or "inverse_variance"
    std::string global, local;             // algorithms ("none" when skipped)
    std::int32_t global_evals = 0, local_evals = 0;
    double xtol_rel = 0.0, local_step = 0.0, jacobian_step = 0.0;
    std::uint64_t algorithm_seed = 0;
    std::vector<std::string> stages;         // "start", "global", "local", "jacobian"
    std::vector<std::int32_t> stage_calls;   // objective calls per stage
    std::vector<std::string> stage_results;  // NLopt's return code per stage ("" when it did not run)

    // [P]
    std::vector<std::string> parameter_names, parameter_scales;
    std::vector<double> lower, upper, start, estimate, se, se_scale, ci_low, ci_high;
    std::vector<double> covariance;  // [P, P]
    std::int32_t identified = 0;

    // [M]
    std::vector<std::string> moment_names, moment_sources, moment_descriptions;
    std::vector<double> target, mean, sd, weight, contribution;
    std::vector<double> moment_covariance;  // [M, M], across runs at the estimate
    std::vector<double> jacobian;           // [M, P], d mean / d parameter
    std::vector<double> runs_at_estimate;   // [S, M]

    double objective = 0.0, j_statistic = 0.0, j_pvalue = 0.0;
    std::int32_t j_df = 0;
    std::vector<std::string> warnings;

    // [E]: every distinct point simulated, in the order first asked for
    std::vector<double> trace_theta;    // [E, P]
    std::vector<double> trace_moments;  // [E, M], means over the S runs
    std::vector<double> trace_objective, trace_seconds;
    std::vector<std::string> trace_stage, trace_error;
    std::vector<std::int32_t> trace_status;  // 0 ok, 1 failed

    friend bool operator==(const CalibrationResult&, const CalibrationResult&) = default;
};

// Written in memory, then atomically under `path`. Throws OutputError.
void write_calibration_file(const CalibrationResult& result, const std::string& path);
// Throws OutputError on a missing, damaged or foreign file.
CalibrationResult read_calibration_file(const std::string& path);

// What identifies a calibration in its journal: a journal of another calibration is refused.
struct CalibrationJournalHeader {
    std::string pricewar_version;
    std::string calibration_toml, scenario_toml;
    std::uint64_t master_seed = 0;
    std::int64_t runs = 0;
    std::vector<std::string> parameters, moments;
    friend bool operator==(const CalibrationJournalHeader&, const CalibrationJournalHeader&) = default;
};

// One finished evaluation: the point, bit for bit, and every run's statistics.
struct JournaledEvaluation {
    std::vector<double> theta;
    std::int32_t status = 0;  // 0 ok, 1 failed
    std::string error;
    double seconds = 0.0;
    std::vector<double> values;  // [S, M]
};

// Append-only journal of evaluations (OUT.h5.journal). Each append is one checksummed record
// written with one pwrite and made durable with fdatasync before append returns; a journal is
// locked (flock) while open. Single writer.
class CalibrationJournal {
public:
    // Refuses (OutputError) if a file exists at `path`.
    static CalibrationJournal create(const std::string& path, const CalibrationJournalHeader& header);
    // Reopens after an interruption: refuses another calibration's journal (the message lists
    // what differs); cuts a torn last record; refuses damage followed by intact records.
    static CalibrationJournal resume(const std::string& path, const CalibrationJournalHeader& header);

    CalibrationJournal(CalibrationJournal&&) noexcept;
    CalibrationJournal& operator=(CalibrationJournal&&) noexcept;
    ~CalibrationJournal();

    // The evaluations recorded before this process (resume), in journal order.
    [[nodiscard]] const std::vector<JournaledEvaluation>& recorded() const;
    [[nodiscard]] std::uint64_t dropped_tail_bytes() const;
    [[nodiscard]] const std::string& path() const;

    void append(const JournaledEvaluation& evaluation);
    void close();

private:
    struct State;
    explicit CalibrationJournal(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace pricewar
