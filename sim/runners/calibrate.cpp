#include "sim/runners/calibrate.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "sim/engine/engine.hpp"
#include "sim/estimation/smm.hpp"
#include "sim/output/calibration_file.hpp"
#include "sim/output/sweep_file.hpp"
#include "sim/runners/calibration_file.hpp"
#include "sim/runners/detail/mpi_runner.hpp"
#include "sim/runners/interrupt.hpp"
#include "sim/runners/progress.hpp"
#include "sim/runners/sweep_file.hpp"
#include "sim/scenario/input_error.hpp"

#ifndef PRICEWAR_VERSION
#define PRICEWAR_VERSION "unknown"
#endif

namespace pricewar {

namespace {

namespace fs = std::filesystem;
namespace est = estimation;
using Clock = std::chrono::steady_clock;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<std::uint64_t> bits(const std::vector<double>& theta) {
    std::vector<std::uint64_t> out;
    for (double x : theta)
        out.push_back(std::bit_cast<std::uint64_t>(x));
    return out;
}

// One run's statistics at a scenario; NaN and the message when the run throws.
runners::FarmResult run_one(const CalibrationSpec& spec, const Scenario& scenario, std::int64_t run) {
    runners::FarmResult r;
    try {
        const RunRecord record = run_scenario(scenario, calibration_seed(spec, run));
        for (const auto& m : spec.moments)
            r.values.push_back(moment_statistic(m, record));
    } catch (const std::exception& e) {
        r.status = 1;
        r.error = e.what();
    }
    if (r.status != 0) r.values.assign(spec.moments.size(), kNaN);
    return r;
}

// The scenario of an evaluation; the message when the parameters make it invalid.
std::optional<Scenario> evaluation_scenario(const CalibrationSpec& spec, const std::vector<double>& theta,
                                            std::string& error) {
    try {
        return plan_scenario(spec.base, theta);
    } catch (const std::exception& e) {
        error = e.what();
        return std::nullopt;
    }
}

// Runs of one evaluation on threads. nullopt when interrupted before every run finished.
std::optional<std::vector<runners::FarmResult>> run_threads(const CalibrationSpec& spec, const Scenario& scenario,
                                                            int jobs) {
    const auto S = static_cast<std::size_t>(spec.seeds);
    std::vector<runners::FarmResult> results(S);
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> done{0};
    auto work = [&] {
        while (!InterruptGuard::requested()) {
            const std::size_t i = next.fetch_add(1);
            if (i >= S) break;
            results[i] = run_one(spec, scenario, static_cast<std::int64_t>(i));
            done.fetch_add(1);
        }
    };
    const auto workers = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(1, jobs)), 1, S);
    std::vector<std::thread> threads;
    for (std::size_t w = 1; w < workers; ++w)
        threads.emplace_back(work);
    work();
    for (auto& t : threads)
        t.join();
    if (done.load() < S) return std::nullopt;
    return results;
}

std::string describe(const MomentSpec& m) {
    std::string who;
    switch (m.level) {
        case MomentLevel::market:
            who = "market";
            break;
        case MomentLevel::vendor:
            who = "vendor " + m.selector;
            break;
        case MomentLevel::offer:
            who = "offer " + m.selector;
            break;
        case MomentLevel::kind:
            who = fmt::format("{} of {} vendors", m.aggregate == MomentAggregate::mean ? "mean" : "sum", m.selector);
            break;
        case MomentLevel::tier:
            who = fmt::format("{} of {} offers", m.aggregate == MomentAggregate::mean ? "mean" : "sum", m.selector);
            break;
    }
    switch (m.stat) {
        case MomentStat::value:
            return fmt::format("{} {} at turn {}", who, m.series, m.turn);
        case MomentStat::ratio:
            return fmt::format("{} {} at turn {} / at turn {}", who, m.series, m.turn, m.base_turn);
        case MomentStat::pct_change:
            return fmt::format("{} {}: % change from turn {} to turn {}", who, m.series, m.base_turn, m.turn);
        case MomentStat::mean:
            return fmt::format("{} {} averaged over turns {}-{}", who, m.series, m.first, m.last);
        case MomentStat::event_share:
            return m.level == MomentLevel::vendor
                       ? fmt::format("share of runs in which {} had '{}' by turn {}", m.selector, m.event, m.turn)
                       : fmt::format("share of {} vendors with '{}' by turn {}", m.selector, m.event, m.turn);
    }
    return who;
}

const char* global_name(est::GlobalAlgorithm a) {
    constexpr std::array names{"none", "crs2", "isres", "esch"};
    return names[static_cast<std::size_t>(a)];
}
const char* local_name(est::LocalAlgorithm a) {
    constexpr std::array names{"none", "bobyqa", "neldermead", "sbplx"};
    return names[static_cast<std::size_t>(a)];
}

CalibrationResult make_result(const CalibrationSpec& spec, const est::Problem& problem, const Scenario& base,
                              const est::Estimate& e) {
    CalibrationResult r;
    const std::size_t P = problem.parameters.size(), M = problem.moments.size();
    r.pricewar_version = PRICEWAR_VERSION;
    r.calibration_toml = spec.text;
    r.scenario_toml = spec.base.scenario_text;
    r.scenario_name = base.name;
    r.currency = base.currency;
    r.master_seed = spec.base.seed;
    r.runs_per_evaluation = spec.seeds;
    r.weights_kind = spec.settings.inverse_variance ? "inverse_variance" : "given";
    r.global = global_name(spec.settings.global);
    r.local = local_name(spec.settings.local);
    r.global_evals = spec.settings.global_evals;
    r.local_evals = spec.settings.local_evals;
    r.xtol_rel = spec.settings.xtol_rel;
    r.local_step = spec.settings.local_step;
    r.jacobian_step = spec.settings.jacobian_step;
    r.algorithm_seed = spec.settings.algorithm_seed;
    for (std::size_t s = 0; s < est::stage_names.size(); ++s) {
        r.stages.emplace_back(est::stage_names[s]);
        r.stage_calls.push_back(e.stages[s].calls);
        r.stage_results.push_back(e.stages[s].result);
    }
    for (std::size_t j = 0; j < P; ++j) {
        const auto& p = problem.parameters[j];
        r.parameter_names.push_back(p.name);
        r.parameter_scales.emplace_back(p.log ? "log" : "linear");
        r.lower.push_back(p.lo);
        r.upper.push_back(p.hi);
        r.start.push_back(p.start);
    }
    r.estimate = e.theta;
    r.se = e.se;
    r.se_scale = e.se_unit;
    r.ci_low = e.ci_low;
    r.ci_high = e.ci_high;
    r.covariance = e.covariance.data();
    r.identified = e.identified ? 1 : 0;
    for (std::size_t k = 0; k < M; ++k) {
        r.moment_names.push_back(spec.moments[k].name);
        r.moment_sources.push_back(spec.moments[k].source);
        r.moment_descriptions.push_back(describe(spec.moments[k]));
    }
    r.target = problem.targets;
    r.mean = e.means;
    r.sd = e.sds;
    r.weight = e.weights;
    r.contribution = e.contributions;
    r.moment_covariance = e.sigma.data();
    r.jacobian = e.jacobian.data();
    r.runs_at_estimate = e.runs_at_estimate;
    r.objective = e.objective;
    r.j_statistic = e.j_statistic;
    r.j_df = e.j_df;
    r.j_pvalue = e.j_pvalue;
    r.warnings = e.warnings;
    for (const auto& t : e.trace) {
        r.trace_theta.insert(r.trace_theta.end(), t.theta.begin(), t.theta.end());
        r.trace_moments.insert(r.trace_moments.end(), t.means.begin(), t.means.end());
        r.trace_objective.push_back(t.objective);
        r.trace_seconds.push_back(t.seconds);
        r.trace_stage.emplace_back(est::to_string(t.stage));
        r.trace_status.push_back(t.ok ? 0 : 1);
        r.trace_error.push_back(t.error);
    }
    return r;
}

std::string number(double v) {
    if (!std::isfinite(v)) return std::isnan(v) ? "-" : (v > 0 ? "inf" : "-inf");
    return fmt::format("{:.4g}", v);
}

void print_summary(std::FILE* out, const CalibrationSpec& spec, const CalibrationResult& r,
                   const CalibrationCounts& c) {
    std::fprintf(out,
                 "calibration %s: scenario '%s', %lld runs per evaluation, %zu evaluations (%lld from the journal)\n",
                 spec.file.c_str(), r.scenario_name.c_str(), static_cast<long long>(r.runs_per_evaluation),
                 r.trace_objective.size(), static_cast<long long>(c.from_journal));
    std::string stages;
    for (std::size_t s = 1; s < r.stages.size(); ++s)
        if (!r.stage_results[s].empty() || r.stage_calls[s] > 0)
            stages += fmt::format("{}{} {} calls{}", stages.empty() ? "" : ", ", r.stages[s], r.stage_calls[s],
                                  r.stage_results[s].empty() ? "" : " (" + r.stage_results[s] + ")");
    std::fprintf(out, "optimizer: global %s, local %s: %s; objective Q = %s (weights: %s)\n", r.global.c_str(),
                 r.local.c_str(), stages.c_str(), number(r.objective).c_str(), r.weights_kind.c_str());
    std::fprintf(out, "\n%-36s %12s %11s %25s %12s  %s\n", "parameter", "estimate", "std. error", "95% interval",
                 "start", "bounds");
    for (std::size_t j = 0; j < r.parameter_names.size(); ++j)
        std::fprintf(out, "%-36s %12s %11s %25s %12s  [%s, %s] %s\n", r.parameter_names[j].c_str(),
                     number(r.estimate[j]).c_str(), number(r.se[j]).c_str(),
                     fmt::format("[{}, {}]", number(r.ci_low[j]), number(r.ci_high[j])).c_str(),
                     number(r.start[j]).c_str(), number(r.lower[j]).c_str(), number(r.upper[j]).c_str(),
                     r.parameter_scales[j].c_str());
    std::fprintf(out, "\n%-24s %12s %12s %10s %12s  %s\n", "moment", "target", "simulated", "sd", "contribution",
                 "what");
    for (std::size_t k = 0; k < r.moment_names.size(); ++k)
        std::fprintf(out, "%-24s %12s %12s %10s %12s  %s\n", r.moment_names[k].c_str(), number(r.target[k]).c_str(),
                     number(r.mean[k]).c_str(), number(r.sd[k]).c_str(), number(r.contribution[k]).c_str(),
                     r.moment_descriptions[k].c_str());
    if (r.j_df > 0)
        std::fprintf(out, "\nJ = %s with %d degrees of freedom, p = %s (over-identification test)\n",
                     number(r.j_statistic).c_str(), r.j_df, number(r.j_pvalue).c_str());
    else
        std::fprintf(out, "\nexactly identified (as many moments as parameters): no J test\n");
    for (const auto& w : r.warnings)
        std::fprintf(out, "warning: %s\n", w.c_str());
}

// The output side on the coordinator: the journal, the resume checks and the cache.
struct Session {
    std::optional<CalibrationJournal> journal;
    std::map<std::vector<std::uint64_t>, const JournaledEvaluation*> cache;
    std::optional<int> already_complete;
};

CalibrationJournalHeader journal_header(const CalibrationSpec& spec) {
    CalibrationJournalHeader h;
    h.pricewar_version = PRICEWAR_VERSION;
    h.calibration_toml = spec.text;
    h.scenario_toml = spec.base.scenario_text;
    h.master_seed = spec.base.seed;
    h.runs = spec.seeds;
    for (const auto& p : spec.base.parameters)
        h.parameters.push_back(p.path);
    for (const auto& m : spec.moments)
        h.moments.push_back(m.name);
    return h;
}

void open_session(Session& session, const CalibrationSpec& spec, const CalibrateOptions& options) {
    const std::string journal_path = sweep_journal_path(options.out);
    std::error_code ec;
    const bool have_journal = fs::exists(journal_path, ec);
    const bool have_out = fs::exists(options.out, ec);
    if (!options.resume) {
        if (have_journal)
            throw InputError(journal_path, 0, 0, "(file)",
                             "an interrupted calibration left this journal; rerun with --resume to continue it (or "
                             "delete it to start over)");
        if (have_out)
            throw InputError(options.out, 0, 0, "(file)",
                             "already exists; rerun with --resume to continue or check it, or choose another output");
    }
    if (!have_journal && have_out) {
        CalibrationResult done;
        try {
            done = read_calibration_file(options.out);
        } catch (const OutputError& e) {
            throw InputError(options.out, 0, 0, "(file)",
                             std::string("already exists and is not this calibration's output: ") + e.what());
        }
        if (done.calibration_toml != spec.text || done.scenario_toml != spec.base.scenario_text)
            throw InputError(options.out, 0, 0, "(file)",
                             "already exists and holds another calibration (its calibration or scenario file text "
                             "differs); choose another output");
        std::fprintf(stderr, "calibrate: %s is already complete (%zu evaluations)\n", options.out.c_str(),
                     done.trace_objective.size());
        session.already_complete = 0;
        return;
    }
    const auto header = journal_header(spec);
    if (have_journal) {
        try {
            session.journal.emplace(CalibrationJournal::resume(journal_path, header));
        } catch (const OutputError& e) {
            const std::string what = e.what();
            if (what.find("belongs to a different calibration") != std::string::npos ||
                what.find("in use by another process") != std::string::npos ||
                what.find("is not a pricewar calibration journal") != std::string::npos)
                throw InputError(journal_path, 0, 0, "(file)", what);
            throw;
        }
    } else {
        session.journal.emplace(CalibrationJournal::create(journal_path, header));
    }
    for (const auto& e : session.journal->recorded())
        session.cache.emplace(bits(e.theta), &e);
    if (!session.journal->recorded().empty() || session.journal->dropped_tail_bytes() > 0)
        std::fprintf(stderr, "calibrate: resuming %s: %zu evaluations already done%s\n", journal_path.c_str(),
                     session.journal->recorded().size(),
                     session.journal->dropped_tail_bytes() > 0 ? " (a torn last record was cut off)" : "");
}

}  // namespace

int run_calibration(const CalibrateOptions& options, CalibrationCounts* counts_out) {
    if (options.jobs < 1) throw InputError("--jobs", 0, 0, "jobs", fmt::format("must be >= 1 (got {})", options.jobs));
    const CalibrationSpec spec = load_calibration_file(options.calibration_file);
    const Scenario base = plan_scenario(spec.base, spec.start);
    const est::Problem problem = calibration_problem(spec);
    InterruptGuard interrupts;
    const runners::MpiWorld world = runners::mpi_world();

    if (world.size > 1 && world.rank > 0) {
        // A worker rank: runs what the coordinator sends, caching the last point's scenario.
        if (const int code = runners::farm_wait(); code != runners::kFarmGo) return code;
        std::vector<std::uint64_t> key;
        std::optional<Scenario> scenario;
        std::string error;
        runners::farm_serve([&](const std::vector<double>& theta, std::int64_t run) {
            if (bits(theta) != key) {
                key = bits(theta);
                error.clear();
                scenario = evaluation_scenario(spec, theta, error);
            }
            if (!scenario) return runners::FarmResult{1, error, std::vector<double>(spec.moments.size(), kNaN)};
            return run_one(spec, *scenario, run);
        });
        return 0;
    }

    Session session;
    try {
        open_session(session, spec, options);
    } catch (const InputError&) {
        if (world.size > 1) runners::farm_announce(2);
        throw;
    } catch (...) {
        if (world.size > 1) runners::farm_announce(1);
        throw;
    }
    if (session.already_complete) {
        if (world.size > 1) runners::farm_announce(*session.already_complete);
        return *session.already_complete;
    }
    std::optional<runners::RunFarm> farm;
    if (world.size > 1) {
        runners::farm_announce(runners::kFarmGo);
        farm.emplace(world.size);
    }

    CalibrationCounts counts;
    const std::int64_t budget = est::evaluation_budget(problem);
    Progress progress("calibrate", budget * spec.seeds,
                      static_cast<std::int64_t>(session.journal->recorded().size()) * spec.seeds);
    const auto M = spec.moments.size();
    const est::Simulate simulate = [&](const std::vector<double>& theta, est::Stage) -> std::optional<est::Simulated> {
        if (const auto it = session.cache.find(bits(theta)); it != session.cache.end()) {
            ++counts.from_journal;
            const JournaledEvaluation& j = *it->second;
            return est::Simulated{j.values, j.status == 0, j.error, j.seconds};
        }
        if (InterruptGuard::requested()) return std::nullopt;
        const auto t0 = Clock::now();
        JournaledEvaluation j;
        j.theta = theta;
        std::string error;
        const auto scenario = evaluation_scenario(spec, theta, error);
        if (!scenario) {
            j.status = 1;
            j.error = "the scenario is invalid at this point: " + error;
            j.values.assign(static_cast<std::size_t>(spec.seeds) * M, kNaN);
        } else {
            auto results = farm ? farm->run_all(theta, spec.seeds) : run_threads(spec, *scenario, options.jobs);
            if (!results) return std::nullopt;
            for (std::size_t s = 0; s < results->size(); ++s) {
                const auto& r = (*results)[s];
                if (r.status != 0 && j.status == 0) {
                    j.status = 1;
                    j.error = fmt::format("run {} (seed {}) failed: {}", s,
                                          calibration_seed(spec, static_cast<std::int64_t>(s)), r.error);
                }
                if (r.values.size() != M) throw std::runtime_error("a run returned the wrong number of statistics");
                j.values.insert(j.values.end(), r.values.begin(), r.values.end());
            }
        }
        j.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        session.journal->append(j);
        ++counts.simulated;
        for (std::int64_t s = 0; s < spec.seeds; ++s)
            progress.add(j.status != 0);
        return est::Simulated{std::move(j.values), j.status == 0, j.error, j.seconds};
    };

    est::Estimate estimate;
    try {
        estimate = est::estimate(problem, simulate);
    } catch (const est::EstimationError& e) {
        if (farm) farm->stop();
        progress.break_line();
        std::fprintf(stderr, "calibrate: %s\n", e.what());
        if (counts_out != nullptr) *counts_out = counts;
        return 1;
    }
    if (farm) farm->stop();
    progress.finish();
    if (counts_out != nullptr) *counts_out = counts;
    const std::string journal_path = session.journal->path();
    if (!estimate.complete) {
        std::fprintf(stderr,
                     "interrupted: %zu evaluations journaled (%lld by this process); rerun with --resume to continue\n",
                     estimate.trace.size(), static_cast<long long>(counts.simulated));
        return 1;
    }
    session.journal->close();
    const CalibrationResult result = make_result(spec, problem, base, estimate);
    write_calibration_file(result, options.out);
    std::error_code ec;
    fs::remove(journal_path, ec);
    print_summary(stdout, spec, result, counts);
    std::fprintf(stdout, "wrote %s (%lld evaluations simulated now, %lld from the journal)\n", options.out.c_str(),
                 static_cast<long long>(counts.simulated), static_cast<long long>(counts.from_journal));
    std::fflush(stdout);
    return 0;
}

}  // namespace pricewar
