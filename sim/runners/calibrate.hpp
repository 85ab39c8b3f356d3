#pragma once
// `pricewar calibrate`: estimates scenario parameters by the simulated method of moments
// (sim/estimation/smm.hpp) on the moments of a calibration file (calibration_file.hpp). Each
// evaluation runs the scenario at the same S seeds (common random numbers) on --jobs threads
// or, under mpirun, on the worker ranks; every finished evaluation is journaled, so a killed
// calibration resumes without redoing or losing one. Usage: docs/calibration-method.md.

#include <cstdint>
#include <string>

namespace pricewar {

struct CalibrateOptions {
    std::string calibration_file, out;
    int jobs = 1;
    bool resume = false;
};

// What this process did (for tests and the closing message).
struct CalibrationCounts {
    std::int64_t simulated = 0;     // evaluations run by this process
    std::int64_t from_journal = 0;  // evaluations answered from a resumed journal
};

// Exit status: 0 done (the file is written), 1 interrupted (the journal is kept for --resume)
// or the estimation could not proceed. Bad input (calibration or scenario file, options, an
// existing output without --resume, another calibration's journal) throws InputError; a
// failure to write throws OutputError.
int run_calibration(const CalibrateOptions& options, CalibrationCounts* counts = nullptr);

}  // namespace pricewar
