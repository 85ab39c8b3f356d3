#pragma once
// `pricewar export IN.h5 --csv DIR`: a run, batch or sweep file as tidy CSV tables (one row
// per observation, one column per variable) for R, Stata and spreadsheets. Tables and columns
// are listed in docs/hdf5-layout.md ("CSV export").

#include <string>
#include <vector>

namespace pricewar {

// Writes design.csv, runs.csv, vendors.csv, units.csv and, when the file holds series,
// series_offer.csv, series_vendor.csv and series_market.csv into `dir` (created if missing;
// its parent must exist). Numbers are written in the shortest form that reads back to the same
// double; a missing value (NaN) is an empty field. Returns the file names written. Throws
// OutputError on an unreadable input or a failed write.
std::vector<std::string> export_csv(const std::string& in_path, const std::string& dir);

}  // namespace pricewar
