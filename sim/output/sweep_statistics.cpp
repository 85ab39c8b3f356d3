#include "sim/output/sweep_statistics.hpp"

#include <fmt/format.h>
#include <cmath>
#include <limits>

#include "sim/output/h5.hpp"
#include "sim/output/output_error.hpp"

namespace pricewar {

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
        h5::Handle summary = h5::open_group(file.get(), "summary");
        if (!h5::has_link(summary.get(), "market")) return out;
        h5::Handle market = h5::open_group(summary.get(), "market");
        for (const auto& name : h5::member_names(market.get())) {
            h5::Handle ds = h5::open_dataset(market.get(), name);
            const auto values = h5::read_all<double>(ds.get());
            if (values.size() != status.size())
                throw OutputError(fmt::format("'{}': summary/market/{} has {} rows, runs/status {}", path, name,
                                              values.size(), status.size()));
            SummaryStatistic s;
            s.name = name;
            s.units = h5::has_attr(ds.get(), "units") ? h5::attr_string(ds.get(), "units") : "";
            s.min = std::numeric_limits<double>::infinity();
            s.max = -s.min;
            double mean = 0, m2 = 0;  // Welford
            for (std::size_t i = 0; i < values.size(); ++i) {
                if (status[i] != 0 || !std::isfinite(values[i])) continue;
                ++s.count;
                const double delta = values[i] - mean;
                mean += delta / static_cast<double>(s.count);
                m2 += delta * (values[i] - mean);
                s.min = std::min(s.min, values[i]);
                s.max = std::max(s.max, values[i]);
            }
            s.mean = s.count > 0 ? mean : std::numeric_limits<double>::quiet_NaN();
            s.sd = s.count > 1 ? std::sqrt(m2 / static_cast<double>(s.count - 1))
                               : std::numeric_limits<double>::quiet_NaN();
            s.se =
                s.count > 1 ? s.sd / std::sqrt(static_cast<double>(s.count)) : std::numeric_limits<double>::quiet_NaN();
            out.market.push_back(std::move(s));
        }
    } catch (const h5::Error& e) {
        throw OutputError(fmt::format("cannot read '{}': {}", path, e.what()));
    }
    return out;
}

}  // namespace pricewar
