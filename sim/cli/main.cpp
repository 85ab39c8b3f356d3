// The `pricewar` command line. Exit codes: 0 ok, 1 run-time failure, 2 bad input or usage.

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <boost/program_options.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "agents/strategy.hpp"
#include "sim/cli/reference.hpp"
#include "sim/cli/summary_table.hpp"
#include "sim/engine/engine.hpp"
#include "sim/engine/repeated_game.hpp"
#include "sim/output/output_error.hpp"
#include "sim/output/run_file.hpp"
#include "sim/output/sweep_file.hpp"
#include "sim/runners/runner.hpp"
#include "sim/runners/sweep_file.hpp"
#include "sim/scenario/loader.hpp"

namespace po = boost::program_options;

namespace pricewar {
namespace {

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

const char* const kUsageText =
    "usage: pricewar COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.toml [-o OUT.h5] [--seed N] [--turns N] [--set KEY=VALUE]...\n"
    "  validate FILE...                 check scenario or sweep files, run nothing\n"
    "  batch SCENARIO.toml... -o OUT.h5 [--replicates R] [--jobs N] [--series] [--resume]\n"
    "  sweep SWEEP.toml -o OUT.h5 [--jobs N] [--resume] [--shard I/N] [--series]\n"
    "  merge SHARD.h5... -o OUT.h5\n"
    "  report IN.h5 -o DIR              plots and an HTML page\n"
    "  list-strategies                  pricing strategies with their parameters\n"
    "  list-keys [--markdown]           every scenario key: type, default, allowed values, unit, meaning\n"
    "  list-series [--markdown]         every output series and summary: dimensions, units, meaning\n"
    "  version\n"
    "\n"
    "Exit status: 0 ok, 1 run-time failure, 2 bad input or usage.\n";

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& named,
                        const po::positional_options_description& positional) {
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(named).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    return vm;
}

// Checks that need the whole scenario (not one key) and so are not the loader's: a
// q_learning scenario must be a repeated logit game. Bad input: exit 2 naming file and key.
void check_runnable(const Scenario& sc) {
    const std::string problem = repeated_game_problem(sc);
    if (problem.empty()) return;
    const auto colon = problem.find(": ");
    throw_in_scenario(sc, colon == std::string::npos ? "strategy" : problem.substr(0, colon),
                      colon == std::string::npos ? problem : problem.substr(colon + 2), "q_learning");
}

int cmd_run(const std::vector<std::string>& args) {
    po::options_description o("run");
    o.add_options()("scenario", po::value<std::string>()->required(), "scenario file")(
        "output,o", po::value<std::string>(), "HDF5 output file")("seed", po::value<std::uint64_t>(), "seed")(
        "turns", po::value<int>(), "horizon in turns")("set", po::value<std::vector<std::string>>()->composing(),
                                                       "KEY=VALUE override")("quiet,q", "no summary table");
    po::positional_options_description p;
    p.add("scenario", 1);
    const auto vm = parse(args, o, p);
    std::vector<std::string> overrides;
    if (vm.count("set")) overrides = vm["set"].as<std::vector<std::string>>();
    Scenario sc = load_scenario(vm["scenario"].as<std::string>(), overrides);
    check_runnable(sc);
    if (vm.count("turns")) {
        // A shorter horizon than the file's: events after it never happen.
        const int turns = vm["turns"].as<int>();
        if (turns < 1 || turns > 100000) throw UsageError("--turns must be in [1, 100000]");
        sc.turns = turns;
        std::erase_if(sc.events, [&](const Event& e) { return e.turn >= turns; });
    }
    const std::uint64_t seed = vm.count("seed") ? vm["seed"].as<std::uint64_t>() : sc.seed;
    const std::string resolved = resolved_toml(sc);
    RunRecord record = run_scenario(sc, seed);
    record.resolved_toml = resolved;
    if (!vm.count("quiet")) print_summary(std::cout, record);
    if (vm.count("output")) {
        const auto out = vm["output"].as<std::string>();
        const auto parent = std::filesystem::path(out).parent_path();
        if (!parent.empty()) std::filesystem::create_directories(parent);
        write_run_file(record, out, PRICEWAR_VERSION);
        std::cout << "wrote " << out << "\n";
    }
    return kOk;
}

int cmd_validate(const std::vector<std::string>& args) {
    if (args.empty()) throw UsageError("validate needs at least one file");
    for (const auto& file : args) {
        if (is_sweep_file(file)) {
            const auto spec = load_sweep_file(file);
            std::cout << file << ": ok (sweep, " << plan_count(spec) << " runs)\n";
        } else {
            const auto sc = load_scenario(file);
            check_runnable(sc);
            std::cout << file << ": ok (scenario '" << sc.name << "', " << sc.vendors.size() << " vendors, "
                      << sc.offer_index().size() << " offers, " << sc.developers.count << " developers, " << sc.turns
                      << " turns)\n";
        }
    }
    return kOk;
}

int cmd_batch(const std::vector<std::string>& args) {
    po::options_description o("batch");
    o.add_options()("scenarios", po::value<std::vector<std::string>>()->required(), "scenario files")(
        "output,o", po::value<std::string>()->required(), "HDF5 output")(
        "replicates", po::value<int>()->default_value(1), "replicates per scenario")(
        "jobs,j", po::value<int>()->default_value(1), "worker threads")("series", "keep full time series")(
        "resume", "resume an interrupted batch")("seed", po::value<std::uint64_t>(), "master seed")(
        "set", po::value<std::vector<std::string>>()->composing(), "KEY=VALUE override for every scenario");
    po::positional_options_description p;
    p.add("scenarios", -1);
    const auto vm = parse(args, o, p);
    BatchOptions b;
    b.scenarios = vm["scenarios"].as<std::vector<std::string>>();
    b.out = vm["output"].as<std::string>();
    b.replicates = vm["replicates"].as<int>();
    b.jobs = vm["jobs"].as<int>();
    b.series = vm.count("series") > 0;
    b.resume = vm.count("resume") > 0;
    if (vm.count("seed")) b.seed = vm["seed"].as<std::uint64_t>();
    if (vm.count("set")) b.overrides = vm["set"].as<std::vector<std::string>>();
    if (b.replicates < 1) throw UsageError("--replicates must be >= 1");
    if (b.jobs < 1) throw UsageError("--jobs must be >= 1");
    return run_batch(b);
}

int cmd_sweep(const std::vector<std::string>& args) {
    po::options_description o("sweep");
    o.add_options()("sweep", po::value<std::string>()->required(), "sweep file")(
        "output,o", po::value<std::string>()->required(), "HDF5 output")(
        "jobs,j", po::value<int>()->default_value(1), "worker threads")("resume", "resume an interrupted sweep")(
        "shard", po::value<std::string>(), "I/N: run the I-th of N slices")("series", "keep full time series");
    po::positional_options_description p;
    p.add("sweep", 1);
    const auto vm = parse(args, o, p);
    SweepOptions s;
    s.sweep_file = vm["sweep"].as<std::string>();
    s.out = vm["output"].as<std::string>();
    s.jobs = vm["jobs"].as<int>();
    s.resume = vm.count("resume") > 0;
    s.series = vm.count("series") > 0;
    if (s.jobs < 1) throw UsageError("--jobs must be >= 1");
    if (vm.count("shard")) {
        const auto text = vm["shard"].as<std::string>();
        int i = 0, n = 0;
        char slash = 0;
        std::istringstream in(text);
        if (!(in >> i >> slash >> n) || slash != '/' || i < 1 || n < 1 || i > n || !in.eof())
            throw UsageError("--shard must be I/N with 1 <= I <= N (got '" + text + "')");
        s.shard = std::make_pair(i, n);
    }
    return run_sweep(s);
}

int cmd_merge(const std::vector<std::string>& args) {
    po::options_description o("merge");
    o.add_options()("shards", po::value<std::vector<std::string>>()->required(), "shard files")(
        "output,o", po::value<std::string>()->required(), "merged HDF5 output");
    po::positional_options_description p;
    p.add("shards", -1);
    const auto vm = parse(args, o, p);
    merge_sweep_files(vm["shards"].as<std::vector<std::string>>(), vm["output"].as<std::string>());
    std::cout << "wrote " << vm["output"].as<std::string>() << "\n";
    return kOk;
}

// Folder holding the Python analysis package: $PRICEWAR_ANALYSIS_DIR, the installed copy
// next to the binary, or the source tree the binary was built from.
std::string analysis_dir(const char* argv0) {
    if (const char* env = std::getenv("PRICEWAR_ANALYSIS_DIR")) return env;
    std::error_code ec;
    const auto exe = std::filesystem::canonical("/proc/self/exe", ec);
    const auto base = ec ? std::filesystem::path(argv0).parent_path() : exe.parent_path();
    const auto installed = base / ".." / "share" / "pricewar" / "analysis";
    if (std::filesystem::exists(installed / "pricewar_analysis")) return installed.string();
    return PRICEWAR_SOURCE_DIR "/analysis";
}

int cmd_report(const std::vector<std::string>& args, const char* argv0) {
    po::options_description o("report");
    o.add_options()("input", po::value<std::string>()->required(), "HDF5 file")(
        "output,o", po::value<std::string>()->required(), "output folder");
    po::positional_options_description p;
    p.add("input", 1);
    const auto vm = parse(args, o, p);
    const char* python = "/usr/bin/python3";
    if (::access(python, X_OK) != 0) {
        std::cerr << "pricewar report: " << python << " not found: apt-get install python3\n";
        return kUsage;
    }
    const std::string path = analysis_dir(argv0);
    const std::string in = vm["input"].as<std::string>(), out = vm["output"].as<std::string>();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("cannot start " + std::string(python));
    if (pid == 0) {
        ::setenv("PYTHONPATH", path.c_str(), 1);
        ::setenv("MPLBACKEND", "Agg", 1);
        ::execl(python, python, "-m", "pricewar_analysis.report", in.c_str(), "-o", out.c_str(),
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status)) return WEXITSTATUS(status) == 0 ? kOk : WEXITSTATUS(status) == 2 ? kUsage : kFailure;
    return kFailure;
}

int cmd_list_strategies() {
    for (const auto& s : strategy_registry()) {
        std::cout << s.name << "\n    " << s.help << "\n";
        for (const auto& p : s.params) {
            std::cout << fmt::format("    {:<16} default {:<8g} range [{:g}, {:g}]{}  {}\n", p.name, p.default_value,
                                     p.min_value, p.max_value, p.integer ? " integer" : "", p.help);
        }
        std::cout << "\n";
    }
    return kOk;
}

int dispatch(int argc, char** argv) {
    if (argc < 2) throw UsageError("missing command");
    const std::string cmd = argv[1];
    const std::vector<std::string> args(argv + 2, argv + argc);
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        std::cout << kUsageText;
        return kOk;
    }
    if (cmd == "run") return cmd_run(args);
    if (cmd == "validate") return cmd_validate(args);
    if (cmd == "batch") return cmd_batch(args);
    if (cmd == "sweep") return cmd_sweep(args);
    if (cmd == "merge") return cmd_merge(args);
    if (cmd == "report") return cmd_report(args, argv[0]);
    if (cmd == "list-strategies") return cmd_list_strategies();
    if (cmd == "list-keys") return cli::list_keys(args);
    if (cmd == "list-series") return cli::list_series(args);
    if (cmd == "version" || cmd == "--version") {
        std::cout << "pricewar " << PRICEWAR_VERSION << "\n";
        return kOk;
    }
    throw UsageError("unknown command '" + cmd + "'");
}

}  // namespace
}  // namespace pricewar

int main(int argc, char** argv) {
    using namespace pricewar;
    try {
        return dispatch(argc, argv);
    } catch (const InputError& e) {
        std::cerr << e.what() << "\n";
        return kUsage;
    } catch (const UsageError& e) {
        std::cerr << "pricewar: " << e.what() << "\n\n" << kUsageText;
        return kUsage;
    } catch (const OutputError& e) {
        std::cerr << "pricewar: " << e.what() << "\n";
        return kFailure;
    } catch (const std::exception& e) {
        std::cerr << "pricewar: " << e.what() << "\n";
        return kFailure;
    }
}
