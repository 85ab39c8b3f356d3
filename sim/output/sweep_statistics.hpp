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

struct SweepStatistics {
    std::int64_t runs = 0, ok = 0, failed = 0;
    std::vector<SummaryStatistic> market;  // in file order
};

// Reads /runs/status and every /summary/market/* of a pricewar-sweep file. Throws OutputError.
SweepStatistics sweep_statistics(const std::string& path);

}  // namespace pricewar
