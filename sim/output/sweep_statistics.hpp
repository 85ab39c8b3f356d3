#pragma once
// Statistics over the runs of a batch or sweep file, read column by column (memory grows
// with the number of runs times one column, not with whole rows).

#include <cstdint>
#include <string>
#include <vector>

namespace pricewar {

struct SummaryStatistic {
    std::string name;  // /summary/market/<name>
    std::string units;
    std::int64_t count = 0;  // successful runs with a finite value
    double mean = 0, sd = 0, se = 0, min = 0, max = 0;
};

// Survival of one startup over the successful runs in which it took part.
struct StartupSurvival {
    std::string vendor;      // id
    std::int64_t runs = 0;   // successful runs with the vendor present
    std::int64_t alive = 0;  // of which alive at the horizon
};

// The same statistics over the runs of one scenario of a batch.
struct ScenarioStatistics {
    std::string scenario;
    std::int64_t ok = 0;
    std::vector<SummaryStatistic> market;
    std::vector<StartupSurvival> startups;
};

struct SweepStatistics {
    std::int64_t runs = 0, ok = 0, failed = 0;
    std::vector<SummaryStatistic> market;       // in file order
    std::vector<StartupSurvival> startups;      // over all successful runs
    std::vector<ScenarioStatistics> scenarios;  // one per scenario, in order of first run; empty for a single scenario
};

// Reads /runs/status and every /summary/market/* of a pricewar-sweep file. Throws OutputError.
SweepStatistics sweep_statistics(const std::string& path);

}  // namespace pricewar
