#include "sim/runners/runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>

#include <fmt/format.h>

#include "sim/engine/engine.hpp"
#include "sim/model/rng.hpp"
#include "sim/runners/detail/campaign.hpp"
#include "sim/runners/sweep_file.hpp"
#include "sim/scenario/loader.hpp"

#ifndef PRICEWAR_VERSION
#define PRICEWAR_VERSION "unknown"
#endif

namespace pricewar {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string error_text(const std::exception& e) {
    std::string s = e.what();
    return s.empty() ? "failed (no message)" : s;
}

void check_jobs(int jobs) {
    if (jobs < 1) throw InputError("--jobs", 0, 0, "jobs", fmt::format("must be >= 1 (got {})", jobs));
}

}  // namespace

int run_sweep(const SweepOptions& options) {
    check_jobs(options.jobs);
    if (options.shard &&
        (options.shard->second < 1 || options.shard->first < 1 || options.shard->first > options.shard->second))
        throw InputError(
            "--shard", 0, 0, "shard",
            fmt::format("must be I/N with 1 <= I <= N (got {}/{})", options.shard->first, options.shard->second));
    const SweepSpec spec = load_sweep_file(options.sweep_file);
    // The scenario text is read once; each run parses it with its own overrides (the loader
    // applies them to the TOML tree before validating, as for --set).
    const Scenario base = plan_scenario(spec, {});

    runners::Campaign c;
    c.label = "sweep";
    c.plans = expand(spec);
    SweepHeader& h = c.header;
    h.kind = "sweep";
    h.pricewar_version = PRICEWAR_VERSION;
    h.master_seed = spec.seed;
    h.design = spec.design;
    h.sweep_toml = spec.text;
    h.runs_planned = static_cast<std::int64_t>(c.plans.size());
    h.series = options.series;
    for (const auto& p : spec.parameters)
        h.parameters.push_back(p.path);
    runners::describe_scenarios(h, {&base});
    // A varied horizon: the header holds the longest. A varied turn length: no common calendar.
    for (std::size_t j = 0; j < spec.parameters.size(); ++j) {
        if (spec.parameters[j].path == "turns")
            for (const auto& plan : c.plans)
                h.turns = std::max(h.turns, static_cast<int>(std::lround(plan.values[j])));
        if (spec.parameters[j].path == "turn_days") {
            h.turn_days = 0.0;
            h.start_date.clear();
        }
    }
    if (!options.series) {
        h.offer_names.clear();
        h.offer_display_names.clear();
    }

    const std::string scenario_name = base.name;
    const bool series = options.series;
    c.run = [&spec, &h, scenario_name, series](const RunPlan& plan) {
        const auto t0 = Clock::now();
        RunRow row;
        try {
            const Scenario sc = plan_scenario(spec, plan.values);
            row = runners::make_row(h, plan, run_scenario(sc, plan.seed), series);
        } catch (const std::exception& e) {
            row = runners::failed_row(h, plan, scenario_name, error_text(e));
        } catch (...) {
            row = runners::failed_row(h, plan, scenario_name, "failed with an unknown exception");
        }
        row.wall_seconds = seconds_since(t0);
        return row;
    };
    return runners::execute(c, {options.out, options.jobs, options.resume, options.shard});
}

int run_batch(const BatchOptions& options) {
    check_jobs(options.jobs);
    if (options.scenarios.empty()) throw InputError("batch", 0, 0, "scenarios", "at least one scenario file is needed");
    if (options.replicates < 1)
        throw InputError("--replicates", 0, 0, "replicates", fmt::format("must be >= 1 (got {})", options.replicates));
    std::vector<Scenario> scenarios;
    scenarios.reserve(options.scenarios.size());
    for (const auto& path : options.scenarios)
        scenarios.push_back(load_scenario(path, options.overrides));
    std::vector<const Scenario*> pointers;
    for (const auto& s : scenarios)
        pointers.push_back(&s);

    runners::Campaign c;
    c.label = "batch";
    SweepHeader& h = c.header;
    h.kind = "batch";
    h.pricewar_version = PRICEWAR_VERSION;
    h.master_seed = options.seed.value_or(scenarios.front().seed);
    h.design = "batch";
    h.series = options.series;
    runners::describe_scenarios(h, pointers);
    if (!options.series) {
        h.offer_names.clear();
        h.offer_display_names.clear();
    }

    const auto replicates = static_cast<std::int64_t>(options.replicates);
    const auto runs = static_cast<std::int64_t>(scenarios.size()) * replicates;
    h.runs_planned = runs;
    c.plans.resize(static_cast<std::size_t>(runs));
    for (std::int64_t id = 0; id < runs; ++id) {
        RunPlan& p = c.plans[static_cast<std::size_t>(id)];
        p.run_id = id;
        p.replicate = id % replicates;
        p.seed = derive_seed(h.master_seed, static_cast<std::uint64_t>(id));
    }
    const bool series = options.series;
    c.run = [&scenarios, &h, replicates, series](const RunPlan& plan) {
        const auto t0 = Clock::now();
        const Scenario& sc = scenarios[static_cast<std::size_t>(plan.run_id / replicates)];
        RunRow row;
        try {
            row = runners::make_row(h, plan, run_scenario(sc, plan.seed), series);
        } catch (const std::exception& e) {
            row = runners::failed_row(h, plan, sc.name, error_text(e));
        } catch (...) {
            row = runners::failed_row(h, plan, sc.name, "failed with an unknown exception");
        }
        row.wall_seconds = seconds_since(t0);
        return row;
    };
    return runners::execute(c, {options.out, options.jobs, options.resume, std::nullopt});
}

}  // namespace pricewar
