#pragma once
// Batches and sweeps: many runs of the engine, written to one "pricewar-sweep" HDF5 file
// through a crash-safe journal (sim/output/sweep_file.hpp). Runs go to --jobs threads, or,
// under mpirun, to the worker ranks of a coordinator. Every run's result depends only on its
// run_id (through its seed), never on threads, ranks, shards, order or resumption.
// Usage and guarantees: docs/sweeps.md.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pricewar {

struct SweepOptions {
    std::string sweep_file, out;
    int jobs = 1;
    bool resume = false;
    std::optional<std::pair<int, int>> shard;  // I of N, 1-based I: runs with run_id % N == I - 1
    bool series = false;
};

struct BatchOptions {
    std::vector<std::string> scenarios;
    std::string out;
    int replicates = 1;
    int jobs = 1;
    bool series = false;
    std::vector<std::string> overrides;  // KEY=VALUE, applied to every scenario
    std::optional<std::uint64_t> seed;   // master seed; default: the first scenario's seed
    bool resume = false;
};

// Exit status: 0 every run ok, 1 some runs failed (the file is still written) or the process
// was interrupted (the journal is kept for --resume). Bad input (sweep or scenario file,
// options, an existing output without --resume) throws InputError; a failure to write throws
// OutputError.
int run_sweep(const SweepOptions& options);
int run_batch(const BatchOptions& options);

}  // namespace pricewar
