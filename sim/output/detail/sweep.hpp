#pragma once
// Pieces shared by the sweep journal, finalize and merge. Internal.

#include "sim/output/detail/chunk_filter.hpp"
#include "sim/output/detail/h5.hpp"
#include "sim/output/sweep_file.hpp"

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace pricewar::detail {

// A header or row that does not make a valid sweep file.
class InvalidInput : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

void validate_header(const SweepHeader& header);

// Names of the header fields that differ; series and offer_names are compared only when
// compare_series is set.
std::vector<std::string> header_differences(const SweepHeader& a, const SweepHeader& b, bool compare_series);

// Checks a row against the header before it enters a journal.
class RowChecker {
public:
    explicit RowChecker(const SweepHeader& header);
    void check(const RunRow& row) const;

private:
    const SweepHeader* header_;
    std::unordered_map<std::string, std::size_t> vendor_index_, offer_index_;
};

enum Group : std::size_t { offer_group = 0, vendor_group = 1, market_group = 2 };
inline constexpr std::array<const char*, 3> group_names{"offer", "vendor", "market"};

// The run's tables of one group.
const std::vector<Table>& tables_of(const RunRecord& run, Group group);

struct SeriesTable {
    std::string name;
    std::string units;
};
// Tables of each group, sorted by name: the order cannot depend on which runs a shard holds.
using SeriesLayout = std::array<std::vector<SeriesTable>, 3>;

// Collects the union of table names with their units; conflicting units throw InvalidInput.
class SeriesLayoutBuilder {
public:
    void add(Group group, const std::string& name, const std::string& units);
    [[nodiscard]] SeriesLayout layout() const;

private:
    std::array<std::unordered_map<std::string, std::string>, 3> units_;
};

// The run's tables of one group, as [turns x union columns] row-major, NaN where the run has no
// value; used to place a journal row's series into the sweep file.
class SeriesPlacer {
public:
    explicit SeriesPlacer(const SweepHeader& header);
    // Fills `out` for table `name` of `group` of this run (all NaN when the run lacks it).
    void place(const RunRecord& run, Group group, const std::string& name, std::vector<double>& out) const;
    [[nodiscard]] std::size_t columns(Group group) const;

private:
    const SweepHeader* header_;
    std::unordered_map<std::string, std::size_t> vendor_index_, offer_index_;
};

// Writes one sweep file's datasets, row by row in run_id order, buffering blocks of rows.
class SweepWriter {
public:
    // series: nullptr for a file without series. rows: the number of rows add() will receive.
    SweepWriter(hid_t file, const SweepHeader& header, std::size_t rows, bool sobol, const SeriesLayout* series);
    ~SweepWriter();
    SweepWriter(const SweepWriter&) = delete;
    SweepWriter& operator=(const SweepWriter&) = delete;

    void add(const RunRow& row);
    // values: [turns x columns] of table `index` of `group` for the row last added.
    void write_series(Group group, std::size_t index, std::span<const double> values);
    // The same, as the filtered chunk of that row (detail::filter_chunk of the values), stored
    // as it is where the dataset's chunks and filters are those the chunk was made for.
    void write_chunk(Group group, std::size_t index, const FilteredChunk& chunk);
    [[nodiscard]] std::size_t columns(Group group) const;
    // Flushes the buffered rows; then closes every dataset. Must be called once after the last add().
    void finish();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace pricewar::detail
