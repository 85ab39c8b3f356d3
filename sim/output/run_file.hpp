#pragma once
// One run's HDF5 file (format "pricewar-run"); the layout is documented in
// docs/hdf5-layout.md, the series and summaries are declared in sim/model/series.hpp.

#include "sim/model/run_record.hpp"
#include "sim/output/file_image.hpp"
#include "sim/output/output_error.hpp"

#include <string>

namespace pricewar {

inline constexpr int run_format_version = 1;

// Writes `record` to `path` atomically: the file is built under a hidden temporary name in
// the same folder, synced to disk and renamed, so `path` either keeps its previous state or
// holds the complete new file. Throws OutputError (naming `path`) on an invalid record
// (inconsistent sizes, unusable names), a file that cannot be created, a full disk or any
// HDF5 failure; the temporary is removed.
void write_run_file(const RunRecord& record, const std::string& path, const std::string& pricewar_version);

// The bytes write_run_file puts in the file, built in memory and nothing written to disk (the
// benchmarks time this apart from making the file durable). Throws OutputError on an invalid
// record or an HDF5 failure.
FileImage encode_run_file(const RunRecord& record, const std::string& pricewar_version);

// Reads a file written by write_run_file back into a RunRecord equal to the one written
// (empty units come back as "1"). Throws OutputError on a missing, truncated, corrupted or
// foreign file, or one of a newer format version.
RunRecord read_run_file(const std::string& path);

// The `pricewar_version` attribute of a run or sweep file.
std::string read_pricewar_version(const std::string& path);

}  // namespace pricewar
