#pragma once
// Names and fixed units shared by the run and sweep layouts (docs/hdf5-layout.md). Internal.

#include "sim/model/series.hpp"

#include <hdf5.h>

#include <string>

namespace pricewar::layout {

inline constexpr const char* run_format = "pricewar-run";
inline constexpr const char* sweep_format = "pricewar-sweep";

inline constexpr const char* turn_units = "turn";
inline constexpr const char* seconds_units = "s";

// The `description` attribute of /summary/vendor/exit_turn: the declared description, plus
// the code of a vendor absent from a run in sweep files.
inline std::string run_exit_turn_description() {
    return std::string(outputs::vendor_summary[outputs::vendor_summary_index("exit_turn")].description);
}
// The `codes` attribute of /summary/vendor/exit_reason.
inline std::string exit_reason_codes() {
    return "0: alive at the horizon, 1: shutdown, 2: withdrawal from the API market";
}
inline std::string sweep_exit_turn_description() {
    return run_exit_turn_description() + "; -2: vendor not in this run";
}

// Dimension scales: coordinate datasets next to the data they label (docs/hdf5-layout.md),
// so that netCDF readers (xarray with h5netcdf) see named dimensions and their labels. No
// series table, summary or design parameter may take one of these names.
inline constexpr const char* turn_scale = "turn";
inline constexpr const char* vendor_scale = "vendor";
inline constexpr const char* offer_scale = "offer";
inline constexpr const char* run_scale = "run";
bool is_scale_name(const std::string& name);

// Coordinate variables (netCDF "auxiliary coordinates"): labels over a scale's dimension that
// are not dimensions themselves, named in each data dataset's `coordinates` attribute (CF), so
// xarray shows them as coordinates. `date` [turn]: the calendar date of each turn (CF time,
// "days since START_DATE"), where the scenario sets start_date; `vendor_name` [vendor] and
// `offer_name` [offer]: display names. Reserved like the scales' names.
inline constexpr const char* date_coordinate = "date";
inline constexpr const char* vendor_name_coordinate = "vendor_name";
inline constexpr const char* offer_name_coordinate = "offer_name";
bool is_coordinate_name(const std::string& name);

// The CF units of the `date` coordinate: "days since YYYY-MM-DD".
inline std::string date_units(const std::string& start_date) {
    return "days since " + start_date;
}

// Units attribute value: an empty unit means a dimensionless number.
inline std::string units_or_one(const std::string& units) {
    return units.empty() ? "1" : units;
}

// Why `name` cannot be an HDF5 link name here ("" when it can): empty, ".", or holding '/'.
std::string name_problem(const std::string& name);

// Checks the root attributes `format` (== expected; any pricewar format when expected is
// empty) and `format_version` (<= newest_supported). Throws h5::Error with a reader-facing
// message ("not a pricewar file", "a pricewar-sweep file, not a pricewar-run file", ...).
void check_format(hid_t file, const std::string& expected, int newest_supported);

}  // namespace pricewar::layout
