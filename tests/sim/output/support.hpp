#pragma once
// Fixtures for the output tests: a scratch folder, deterministic records and rows, file
// helpers, and a content comparison of two HDF5 files (every dataset and attribute).

#include "sim/model/run_record.hpp"
#include "sim/output/sweep_file.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tests/scratch.hpp"

namespace pricewar::test {

// A run with `vendors` vendors, two offers each, `turns` turns and some events.
RunRecord make_record(std::uint64_t seed, std::size_t vendors = 3, int turns = 12);

// A sweep over 3 vendors (v0 startup, v1 cloud, v2 foreign), 2 parameters, 3 market summaries,
// with display names and a start date, 7 days per turn.
SweepHeader make_header(bool series, std::int64_t runs_planned = 30);
// A deterministic row; every 7th run failed (no series), every 4th lacks vendor v2.
RunRow make_row(const SweepHeader& header, std::int64_t run_id, bool sobol = false);

// A journal as a pricewar writing journal format `version` leaves it: the header, then the
// rows of make_row (versions this pricewar cannot write get the number patched in).
void write_journal(const std::string& path, const SweepHeader& header, std::uint32_t version,
                   const std::vector<std::int64_t>& run_ids);

// 0, 1, ..., n - 1.
std::vector<std::int64_t> ids(std::int64_t n);
// The journal of sweep file `out` holding the rows of make_row in the given order, closed and
// not finalized.
void journal_rows(const std::string& out, const SweepHeader& header, const std::vector<std::int64_t>& run_ids,
                  bool sobol = false);
// An uninterrupted sweep: rows of make_row appended in the given order, then finalized.
void build_sweep(const std::string& out, const SweepHeader& header, const std::vector<std::int64_t>& run_ids,
                 bool sobol = false);

std::vector<char> read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::vector<char>& bytes);
bool exists(const std::string& path);

// Runs `body` in a forked child (which must not use doctest), which then exits normally
// (exit handlers run); reports its exit code or signal and the message it left. Used for
// file-size limits, which must not hit the test runner itself.
struct ChildResult {
    int exit_code = -1;  // -1: killed by a signal
    int signal = 0;
    std::string message;
};
ChildResult run_in_child(const std::function<int(std::string& message)>& body);

// Differences between two HDF5 files, one line each ("" when equal in content): the set of
// groups and datasets, dataset shapes, types and values, and every attribute. NaN equals NaN.
std::string hdf5_differences(const std::string& a, const std::string& b);

// Bitwise-equal doubles or both NaN.
bool same_double(double a, double b);
bool same_doubles(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace pricewar::test
