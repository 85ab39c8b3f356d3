// Google Benchmark figures for the engine: agent-mode developer-turns per second at 10^4,
// 10^5 and 10^6 developers (12 vendors, 24 offers, small-world network), mean-field turns
// per second, the cost of one HDF5 run file, the default scenario's run and write, and the
// journal and HDF5 share of a sweep with series. docs/performance.md reports them.

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bench/market.hpp"
#include "sim/engine/engine.hpp"
#include "sim/model/rng.hpp"
#include "sim/output/run_file.hpp"
#include "sim/output/sweep_file.hpp"
#include "sim/runners/detail/campaign.hpp"
#include "sim/scenario/loader.hpp"

using namespace pricewar;

namespace {
// Times the turns of one run of `sc` (setup excluded) and reports developer-turns per second.
void time_turns(benchmark::State& state, const Scenario& sc) {
    std::int64_t turns = 0;
    for (auto _ : state) {
        state.PauseTiming();
        Simulation sim(sc, 1);  // trait draws and network construction are not timed
        state.ResumeTiming();
        while (sim.step())
            ++turns;
        benchmark::DoNotOptimize(sim.last_demand().on_offers);
    }
    state.counters["developer_turns_per_s"] = benchmark::Counter(
        static_cast<double>(turns) * static_cast<double>(sc.developers.count), benchmark::Counter::kIsRate);
}
}  // namespace

static void BM_AgentTurns(benchmark::State& state) {
    time_turns(state, bench::benchmark_market(state.range(0)));
}
BENCHMARK(BM_AgentTurns)->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_AgentTurnsRationed(benchmark::State& state) {
    time_turns(state, bench::benchmark_market(state.range(0), 12, 104, DemandMode::agent, 1e6));
}
BENCHMARK(BM_AgentTurnsRationed)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime();

// Cost against vendors (2 offers each) and horizon, at 10^5 developers.
static void BM_Vendors(benchmark::State& state) {
    time_turns(state, bench::benchmark_market(100000, static_cast<int>(state.range(0))));
}
BENCHMARK(BM_Vendors)->Arg(3)->Arg(6)->Arg(12)->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_Turns(benchmark::State& state) {
    time_turns(state, bench::benchmark_market(100000, 12, static_cast<int>(state.range(0))));
}
BENCHMARK(BM_Turns)->Arg(52)->Arg(104)->Arg(208)->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_AgentSetup(benchmark::State& state) {
    const auto sc = bench::benchmark_market(state.range(0));
    for (auto _ : state) {
        Simulation sim(sc, 1);
        benchmark::DoNotOptimize(sim.turn());
    }
}
BENCHMARK(BM_AgentSetup)->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_MeanFieldTurns(benchmark::State& state) {
    auto sc = bench::benchmark_market(1000000, 12, 104, DemandMode::mean_field);
    sc.developers.mean_field_types = static_cast<int>(state.range(0));
    std::int64_t turns = 0;
    for (auto _ : state) {
        Simulation sim(sc, 1);
        while (sim.step())
            ++turns;
    }
    state.counters["turns_per_s"] = benchmark::Counter(static_cast<double>(turns), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MeanFieldTurns)->Arg(16)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_HdfWrite(benchmark::State& state) {
    const auto record = run_scenario(bench::benchmark_market(3000), 1);
    const auto path = std::filesystem::temp_directory_path() / ("pricewar-bench-" + std::to_string(::getpid()) + ".h5");
    for (auto _ : state)
        write_run_file(record, path.string(), "bench");
    std::filesystem::remove(path);
}
BENCHMARK(BM_HdfWrite)->Unit(benchmark::kMillisecond)->UseRealTime();

// The default scenario as `pricewar run scenarios/default.toml -o FILE` does it, in process:
// the run (loading included), then its HDF5 file. Each iteration times, one after the other,
// the run, the encoding of its file in memory (the HDF5 library's work), the encoding of a
// file holding only what the required layout holds (the floor for that layout), and the
// whole write (encoding plus the durable publish: write, fsync, rename, fsync of the folder).
// Interleaving them cancels this machine's drift in speed, which is larger than the shares
// measured. Process start-up is left out of the run, which makes the shares larger.
static RunRecord default_run() {
    const Scenario sc = load_scenario(PRICEWAR_SOURCE_DIR "/scenarios/default.toml");
    RunRecord record = run_scenario(sc, sc.seed);
    record.resolved_toml = resolved_toml(sc);
    return record;
}

static void keep_only(std::vector<Table>& tables, std::initializer_list<std::string_view> names) {
    std::erase_if(tables, [&](const Table& t) { return std::ranges::find(names, t.name) == names.end(); });
}

// the required series, the vendor summary, names and attributes; no extra series, no
// market summary scalars, no events (their five datasets exist, empty), no resolved scenario.
static RunRecord required_only(RunRecord record) {
    keep_only(record.offer_series, {"price", "price_in", "price_out", "unit_cost", "tokens", "developers", "revenue"});
    keep_only(record.vendor_series,
              {"cash", "revenue", "inference_cost", "gpu_opex", "fixed_cost", "capex", "cross_subsidy", "funding",
               "profit", "gpus", "capacity", "utilisation", "rationed_share", "alive"});
    keep_only(record.market_series, {"total_tokens", "total_spend", "avg_price", "hhi", "active_developers",
                                     "aware_developers", "consumer_surplus", "outside_share", "unserved_tokens"});
    record.market_summary.clear();
    record.events.clear();
    record.resolved_toml.clear();
    return record;
}

// Writes `bytes` to `path` the way write_run_file's temporary file is written (open, write,
// close), without making it durable; returns false on failure.
static bool write_plain(const std::string& path, std::span<const char> bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    return ::close(fd) == 0 && done == bytes.size();
}

// The durable publish write_run_file adds: fsync of the file, rename onto the final name,
// fsync of the folder.
static bool publish(const std::string& temp, const std::string& final_path) {
    const int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced || ::rename(temp.c_str(), final_path.c_str()) != 0) return false;
    const int dir = ::open(std::filesystem::path(final_path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return false;
    ::fsync(dir);
    ::close(dir);
    return true;
}

// Wall time and this thread's CPU time at one instant. On a shared machine the CPU time of
// a part is disturbed far less by other processes than its wall time; waiting for the disk
// (fsync) shows in the wall time only.
struct Instant {
    std::chrono::steady_clock::time_point wall;
    std::chrono::nanoseconds cpu;
    static Instant now() {
        timespec ts{};
        ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return {std::chrono::steady_clock::now(),
                std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)};
    }
};
// Wall and CPU time summed over the iterations.
struct Part {
    std::chrono::nanoseconds wall{}, cpu{};
    void add(const Instant& from, const Instant& to) {
        wall += std::chrono::duration_cast<std::chrono::nanoseconds>(to.wall - from.wall);
        cpu += to.cpu - from.cpu;
    }
    Part operator+(const Part& o) const { return {wall + o.wall, cpu + o.cpu}; }
};

static void BM_DefaultRunAndWrite(benchmark::State& state) {
    const auto path = std::filesystem::temp_directory_path() / ("pricewar-bench-" + std::to_string(::getpid()) + ".h5");
    const auto temp = path.string() + ".tmp";
    Part run, encode, required, write, plain, durable;
    for (auto _ : state) {
        const auto t0 = Instant::now();
        const RunRecord record = default_run();
        const auto t1 = Instant::now();
        const FileImage image = encode_run_file(record, "bench");
        const auto t2 = Instant::now();
        const RunRecord floor = required_only(record);
        const auto t3 = Instant::now();
        benchmark::DoNotOptimize(encode_run_file(floor, "bench").size);
        const auto t4 = Instant::now();
        write_run_file(record, path.string(), "bench");
        const auto t5 = Instant::now();
        if (!write_plain(temp, image.view())) state.SkipWithError("cannot write the temporary file");
        const auto t6 = Instant::now();
        if (!publish(temp, path.string())) state.SkipWithError("cannot publish the file");
        const auto t7 = Instant::now();
        run.add(t0, t1);
        encode.add(t1, t2);
        required.add(t3, t4);
        write.add(t4, t5);
        plain.add(t5, t6);
        durable.add(t6, t7);
    }
    std::filesystem::remove(path);
    const auto ms = [&](std::chrono::nanoseconds d) {
        return std::chrono::duration<double, std::milli>(d).count() / static_cast<double>(state.iterations());
    };
    const auto share = [&](const Part& part) { return 100.0 * ms(part.wall) / (ms(run.wall) + ms(part.wall)); };
    const auto cpu_share = [&](const Part& part) { return 100.0 * ms(part.cpu) / (ms(run.cpu) + ms(part.cpu)); };
    state.counters["run_ms"] = ms(run.wall);
    state.counters["encode_ms"] = ms(encode.wall);
    state.counters["write_ms"] = ms(write.wall);
    state.counters["required_encode_ms"] = ms(required.wall);
    state.counters["plain_write_ms"] = ms(plain.wall);
    state.counters["publish_ms"] = ms(durable.wall);
    state.counters["write_pct"] = share(write);
    state.counters["encode_pct"] = share(encode);
    state.counters["encode_write_pct"] = share(encode + plain);
    state.counters["publish_pct"] = share(durable);
    state.counters["required_encode_pct"] = share(required);
    state.counters["run_cpu_ms"] = ms(run.cpu);
    state.counters["encode_write_cpu_ms"] = ms(encode.cpu + plain.cpu);
    state.counters["encode_write_cpu_pct"] = cpu_share(encode + plain);
}
BENCHMARK(BM_DefaultRunAndWrite)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(4.0);

// A sweep with --series of `runs` runs of the default scenario (a factorial sweep without
// parameters), in process and one run after the other: the time in the runs (scenario
// loading, the run, its row with the series), in the journal's appends (placing each series
// table on the sweep's offers and vendors and compressing it into the file's chunk, encoding
// the row, write, fdatasync) and in building the HDF5 file from the journal (finalize_sweep,
// which stores the chunks as they are). `pricewar sweep --jobs 1` does the same work, with the
// journal, and so the compression, on a writer thread beside the runs.
static void BM_SeriesSweep(benchmark::State& state) {
    const auto runs = state.range(0);
    const std::string base = PRICEWAR_SOURCE_DIR "/scenarios/default.toml";
    const Scenario scenario = load_scenario(base);
    SweepHeader header;
    header.kind = "sweep";
    header.pricewar_version = "bench";
    header.master_seed = scenario.seed;
    header.design = "factorial";
    header.sweep_toml = "scenario = \"" + base + "\"\nreplicates = " + std::to_string(runs) + "\n";
    header.runs_planned = runs;
    header.series = true;
    runners::describe_scenarios(header, {&scenario});
    const auto dir = std::filesystem::temp_directory_path() / ("pricewar-bench-sweep-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string out = (dir / "sweep.h5").string();
    const std::string journal_path = sweep_journal_path(out);
    Part run, journal, finalize;
    double journal_bytes = 0, file_bytes = 0;
    for (auto _ : state) {
        std::filesystem::remove(out);
        std::filesystem::remove(journal_path);
        auto journal_file = SweepJournal::create(journal_path, header);
        for (std::int64_t i = 0; i < runs; ++i) {
            const auto t0 = Instant::now();
            const Scenario sc = load_scenario(base);
            RunPlan plan;
            plan.run_id = i;
            plan.replicate = i;
            plan.seed = derive_seed(header.master_seed, static_cast<std::uint64_t>(i));
            RunRow row = runners::make_row(header, plan, run_scenario(sc, plan.seed), true);
            const auto t1 = Instant::now();
            row.wall_seconds = std::chrono::duration<double>(t1.wall - t0.wall).count();
            journal_file.append(row);
            const auto t2 = Instant::now();
            run.add(t0, t1);
            journal.add(t1, t2);
        }
        journal_file.close();
        journal_bytes = static_cast<double>(std::filesystem::file_size(journal_path));
        const auto t3 = Instant::now();
        finalize_sweep(journal_path, out);
        finalize.add(t3, Instant::now());
        file_bytes = static_cast<double>(std::filesystem::file_size(out));
    }
    std::filesystem::remove_all(dir);
    const auto seconds = [&](std::chrono::nanoseconds d) {
        return std::chrono::duration<double>(d).count() / static_cast<double>(state.iterations());
    };
    const double total = seconds(run.wall) + seconds(journal.wall) + seconds(finalize.wall);
    const double total_cpu = seconds(run.cpu) + seconds(journal.cpu) + seconds(finalize.cpu);
    state.counters["runs_s"] = seconds(run.wall);
    state.counters["journal_s"] = seconds(journal.wall);
    state.counters["finalize_s"] = seconds(finalize.wall);
    state.counters["hdf5_journal_pct"] = 100.0 * (seconds(journal.wall) + seconds(finalize.wall)) / total;
    state.counters["journal_pct"] = 100.0 * seconds(journal.wall) / total;
    state.counters["finalize_pct"] = 100.0 * seconds(finalize.wall) / total;
    state.counters["runs_cpu_s"] = seconds(run.cpu);
    state.counters["journal_cpu_s"] = seconds(journal.cpu);
    state.counters["finalize_cpu_s"] = seconds(finalize.cpu);
    state.counters["hdf5_journal_cpu_pct"] = 100.0 * (seconds(journal.cpu) + seconds(finalize.cpu)) / total_cpu;
    state.counters["journal_MB"] = journal_bytes / 1e6;
    state.counters["file_MB"] = file_bytes / 1e6;
}
BENCHMARK(BM_SeriesSweep)->Arg(1000)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

BENCHMARK_MAIN();
