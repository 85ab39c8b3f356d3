// pricewar_analysis._native: the simulator in process, for pricewar_analysis.simulate (see
// analysis/pricewar_analysis/simulation.py and docs/python.md). A run comes back as the bytes of
// its run file, the same bytes `pricewar run -o` writes, which the package reads with load_run.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/model/rng.hpp"
#include "sim/output/output_error.hpp"
#include "sim/output/run_file.hpp"
#include "sim/runners/simulate.hpp"
#include "sim/scenario/input_error.hpp"
#include "sim/scenario/loader.hpp"

namespace py = pybind11;

namespace {

using namespace pricewar;

// Runs without the GIL, so that Python threads run replicates in parallel; the run file is
// encoded with the GIL held, since HDF5 (serial build) must not be entered by two threads and
// h5py calls it under the GIL.
py::bytes run_file_bytes(const std::string& scenario, bool is_text, const std::string& name,
                         std::optional<std::uint64_t> seed, std::vector<std::string> overrides,
                         std::optional<int> turns, int threads) {
    SimulateOptions options;
    options.seed = seed;
    options.overrides = std::move(overrides);
    options.turns = turns;
    options.threads = threads;
    RunRecord record;
    {
        py::gil_scoped_release release;
        record = is_text ? simulate_text(scenario, name, options) : simulate_file(scenario, options);
    }
    const FileImage image = encode_run_file(record, PRICEWAR_VERSION);
    return {image.bytes.get(), image.size};
}

std::uint64_t scenario_seed(const std::string& scenario, bool is_text, const std::string& name,
                            const std::vector<std::string>& overrides) {
    return (is_text ? parse_scenario(scenario, name, overrides) : load_scenario(scenario, overrides)).seed;
}

}  // namespace

PYBIND11_MODULE(_native, m) {
    m.doc() = "pricewar simulator in process (used by pricewar_analysis.simulate)";
    // Bad scenario, sweep value or override: the message is the command line's one line
    // "FILE:LINE:COL: KEY: problem".
    py::register_exception<InputError>(m, "ScenarioError", PyExc_ValueError);
    py::register_exception<OutputError>(m, "OutputError", PyExc_RuntimeError);
    m.def("run_file_bytes", &run_file_bytes, py::arg("scenario"), py::arg("is_text"), py::arg("name"),
          py::arg("seed") = py::none(), py::arg("overrides") = std::vector<std::string>{},
          py::arg("turns") = py::none(), py::arg("threads") = 1,
          "Runs a scenario (a file path, or TOML text when is_text) and returns the run file's bytes. threads: "
          "for agents with lagged peer choices; the result does not depend on it.");
    m.def(
        "replicate_seed", [](std::uint64_t master, std::uint64_t run_id) { return derive_seed(master, run_id); },
        py::arg("master"), py::arg("run_id"), "The seed `pricewar batch` gives run `run_id` of master seed `master`.");
    m.def("scenario_seed", &scenario_seed, py::arg("scenario"), py::arg("is_text"), py::arg("name"),
          py::arg("overrides") = std::vector<std::string>{}, "The scenario's `seed` (after overrides).");
    m.attr("__version__") = PRICEWAR_VERSION;
}
