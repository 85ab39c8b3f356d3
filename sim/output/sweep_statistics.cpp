#include "sim/output/sweep_statistics.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/output/detail/h5.hpp"
#include "sim/output/output_error.hpp"

namespace pricewar {

namespace {

// Mean, sd, standard error and range of `values` over the rows `use` selects (finite only).
SummaryStatistic summarise(std::string name, std::string units, const std::vector<double>& values,
                           const std::vector<bool>& use) {
    SummaryStatistic s;
    s.name = std::move(name);
    s.units = std::move(units);
    s.min = std::numeric_limits<double>::infinity();
    s.max = -s.min;
    double mean = 0, m2 = 0;  // Welford
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!use[i] || !std::isfinite(values[i])) continue;
        ++s.count;
        const double delta = values[i] - mean;
        mean += delta / static_cast<double>(s.count);
        m2 += delta * (values[i] - mean);
        s.min = std::min(s.min, values[i]);
        s.max = std::max(s.max, values[i]);
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    s.mean = s.count > 0 ? mean : nan;
    s.sd = s.count > 1 ? std::sqrt(m2 / static_cast<double>(s.count - 1)) : nan;
    s.se = s.count > 1 ? s.sd / std::sqrt(static_cast<double>(s.count)) : nan;
    return s;
}

// exit_turn [R, V]: -1 alive at the horizon, >= 0 exit turn, -2 not in the run.
std::vector<StartupSurvival> survival(const std::vector<std::string>& names, const std::vector<std::string>& kinds,
                                      const std::vector<std::int32_t>& exit_turn, const std::vector<bool>& use) {
    std::vector<StartupSurvival> out;
    const std::size_t V = names.size();
    for (std::size_t v = 0; v < V; ++v) {
        if (kinds[v] != "startup") continue;
        StartupSurvival s;
        s.vendor = names[v];
        for (std::size_t r = 0; r < use.size(); ++r) {
            const std::int32_t e = exit_turn[r * V + v];
            if (!use[r] || e == -2) continue;
            ++s.runs;
            s.alive += e == -1 ? 1 : 0;
        }
        if (s.runs > 0) out.push_back(std::move(s));
    }
    return out;
}

}  // namespace

SweepStatistics sweep_statistics(const std::string& path) {
    h5::Session session;
    SweepStatistics out;
    try {
        h5::Handle file = h5::open_file_read(path);
        if (!h5::has_attr(file.get(), "format") || h5::attr_string(file.get(), "format") != "pricewar-sweep")
            throw OutputError(fmt::format("'{}' is not a pricewar-sweep file", path));
        h5::Handle runs = h5::open_group(file.get(), "runs");
        h5::Handle status_ds = h5::open_dataset(runs.get(), "status");
        const auto status = h5::read_all<std::int32_t>(status_ds.get());
        out.runs = static_cast<std::int64_t>(status.size());
        for (const auto s : status)
            (s == 0 ? out.ok : out.failed) += 1;
        std::vector<bool> ok(status.size());
        for (std::size_t i = 0; i < status.size(); ++i)
            ok[i] = status[i] == 0;

        // Scenario of each run (a batch of several scenarios is summarised per scenario too).
        std::vector<std::string> scenario_of;
        if (h5::has_link(file.get(), "design")) {
            h5::Handle design = h5::open_group(file.get(), "design");
            if (h5::has_link(design.get(), "scenario")) {
                h5::Handle ds = h5::open_dataset(design.get(), "scenario");
                scenario_of = h5::read_strings(ds.get());
            }
        }
        std::vector<std::string> scenario_names;
        for (const auto& name : scenario_of)
            if (std::find(scenario_names.begin(), scenario_names.end(), name) == scenario_names.end())
                scenario_names.push_back(name);
        const bool per_scenario = scenario_names.size() > 1 && scenario_of.size() == status.size();
        std::vector<std::vector<bool>> in_scenario;
        for (const auto& name : scenario_names) {
            if (!per_scenario) break;
            ScenarioStatistics sc;
            sc.scenario = name;
            std::vector<bool> use(status.size());
            for (std::size_t i = 0; i < status.size(); ++i) {
                use[i] = ok[i] && scenario_of[i] == name;
                sc.ok += use[i] ? 1 : 0;
            }
            in_scenario.push_back(std::move(use));
            out.scenarios.push_back(std::move(sc));
        }

        h5::Handle summary = h5::open_group(file.get(), "summary");
        if (h5::has_link(summary.get(), "market")) {
            h5::Handle market = h5::open_group(summary.get(), "market");
            for (const auto& name : h5::member_names(market.get())) {
                h5::Handle ds = h5::open_dataset(market.get(), name);
                const auto values = h5::read_all<double>(ds.get());
                if (values.size() != status.size())
                    throw OutputError(fmt::format("'{}': summary/market/{} has {} rows, runs/status {}", path, name,
                                                  values.size(), status.size()));
                const std::string units = h5::has_attr(ds.get(), "units") ? h5::attr_string(ds.get(), "units") : "";
                out.market.push_back(summarise(name, units, values, ok));
                for (std::size_t k = 0; k < out.scenarios.size(); ++k)
                    out.scenarios[k].market.push_back(summarise(name, units, values, in_scenario[k]));
            }
        }
        if (h5::has_link(summary.get(), "vendor") && h5::has_link(file.get(), "vendors")) {
            h5::Handle vendor = h5::open_group(summary.get(), "vendor");
            h5::Handle vendors = h5::open_group(file.get(), "vendors");
            if (h5::has_link(vendor.get(), "exit_turn") && h5::has_link(vendors.get(), "kind")) {
                h5::Handle names_ds = h5::open_dataset(vendors.get(), "name");
                h5::Handle kinds_ds = h5::open_dataset(vendors.get(), "kind");
                h5::Handle exit_ds = h5::open_dataset(vendor.get(), "exit_turn");
                const auto names = h5::read_strings(names_ds.get());
                const auto kinds = h5::read_strings(kinds_ds.get());
                const auto exit_turn = h5::read_all<std::int32_t>(exit_ds.get());
                if (kinds.size() == names.size() && exit_turn.size() == status.size() * names.size()) {
                    out.startups = survival(names, kinds, exit_turn, ok);
                    for (std::size_t k = 0; k < out.scenarios.size(); ++k)
                        out.scenarios[k].startups = survival(names, kinds, exit_turn, in_scenario[k]);
                }
            }
        }
    } catch (const h5::Error& e) {
        throw OutputError(fmt::format("cannot read '{}': {}", path, e.what()));
    }
    return out;
}

}  // namespace pricewar
