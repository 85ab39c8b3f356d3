// The `pricewar` command line. Exit codes: 0 ok, 1 run-time failure, 2 bad input or usage.
//
// Every command is one entry of the table in commands(): its name, a one-line summary, the
// declaration of its options (Boost.Program_options) and the function that runs it. The usage
// text, `pricewar help COMMAND` and `pricewar COMMAND --help` are generated from those
// declarations.

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agents/strategy.hpp"
#include "sim/cli/summary_table.hpp"
#include "sim/model/series.hpp"
#include "sim/output/export_csv.hpp"
#include "sim/output/output_error.hpp"
#include "sim/output/run_file.hpp"
#include "sim/output/sweep_file.hpp"
#include "sim/runners/calibrate.hpp"
#include "sim/runners/calibration_file.hpp"
#include "sim/runners/runner.hpp"
#include "sim/runners/simulate.hpp"
#include "sim/runners/sweep_file.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/schema.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace pricewar {
namespace {

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A command's options: `named` are listed in its help; `positional` maps the positional
// arguments to the options declared in `hidden`.
struct Options {
    po::options_description named{"options"};
    po::options_description hidden;
    po::positional_options_description positional;

    // A positional argument shown as `shown` (e.g. "SCENARIO.toml"); `many`: one or more.
    void argument(const char* name, const char* shown, bool many) {
        if (many)
            hidden.add_options()(name, po::value<std::vector<std::string>>()->value_name(shown)->required(), shown);
        else
            hidden.add_options()(name, po::value<std::string>()->value_name(shown)->required(), shown);
        positional.add(name, many ? -1 : 1);
    }
};

struct Context {
    const char* argv0;
};

struct Command {
    const char* name;
    const char* summary;
    std::function<void(Options&)> declare;
    std::function<int(const po::variables_map&, const Context&)> run;
};

// ----------------------------------------------------------------------- shared option checks

// --seed: a whole number in [0, 2^64 - 1]; a sign, fraction or exponent is refused rather
// than wrapped or truncated.
std::uint64_t parse_seed(const std::string& text) {
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || text.front() == '+' || ec != std::errc() || ptr != end)
        throw UsageError(fmt::format("--seed must be an integer in [0, {}] (got '{}')", UINT64_MAX, text));
    return value;
}

std::optional<std::uint64_t> seed_option(const po::variables_map& vm) {
    if (!vm.count("seed")) return std::nullopt;
    return parse_seed(vm["seed"].as<std::string>());
}

void declare_seed(Options& o, const char* help) {
    o.named.add_options()("seed", po::value<std::string>()->value_name("N"), help);
}

void declare_force(Options& o) {
    o.named.add_options()("force", "replace an existing output");
}

std::vector<std::string> strings(const po::variables_map& vm, const char* name) {
    return vm.count(name) ? vm[name].as<std::vector<std::string>>() : std::vector<std::string>{};
}

// The policy for outputs of run, batch, sweep, merge and export (README, "Outputs"): the folder
// that is to hold the output must exist (it is not created); an existing output is refused
// unless --force, which replaces it (for batch and sweep also discarding an interrupted
// journal); batch and sweep --resume continue their own output instead.
void check_output(const std::string& out, bool force, bool resumable = false, bool resume = false) {
    const fs::path path(out);
    const fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    std::error_code ec;
    if (!fs::is_directory(parent, ec))
        throw UsageError(fmt::format("output folder '{}' does not exist (create it first)", parent.string()));
    if (resume && force) throw UsageError("--resume and --force exclude each other");
    if (resume) return;
    const std::string journal = sweep_journal_path(out);
    const bool exists = fs::exists(path, ec);
    const bool journal_exists = resumable && fs::exists(journal, ec);
    if (!force) {
        if (exists)
            throw UsageError(fmt::format("'{}' already exists; use --force to replace it{}", out,
                                         resumable ? " or --resume to continue it" : ""));
        return;
    }
    if (exists && fs::is_directory(path, ec))
        throw UsageError(fmt::format("'{}' is a folder, not an output file", out));
    if (exists) fs::remove(path);
    if (journal_exists) fs::remove(journal);
}

int positive(const po::variables_map& vm, const char* name) {
    const int value = vm[name].as<int>();
    if (value < 1) throw UsageError(fmt::format("--{} must be >= 1 (got {})", name, value));
    return value;
}

// ----------------------------------------------------------------------------- the commands

void declare_run(Options& o) {
    o.argument("scenario", "SCENARIO.toml", false);
    o.named.add_options()("output,o", po::value<std::string>()->value_name("OUT.h5"),
                          "write the run to this HDF5 file");
    declare_seed(o, "seed of the run (default: the scenario's seed)");
    o.named.add_options()("turns", po::value<int>()->value_name("N"), "a shorter horizon, in turns")(
        "set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
        "override a scenario value by its dotted path (repeatable)")("quiet,q", "no summary table")(
        "threads", po::value<int>()->value_name("N"),
        "threads for the developers' passes when agents see last turn's peer choices "
        "(developers.peer_update = \"lagged\"); the results do not depend on it (default: the machine's cores)");
    declare_force(o);
}

int run_run(const po::variables_map& vm, const Context&) {
    SimulateOptions options;
    options.seed = seed_option(vm);
    options.overrides = strings(vm, "set");
    if (vm.count("turns")) {
        const int turns = vm["turns"].as<int>();
        if (turns < 1 || turns > max_turns)
            throw UsageError(fmt::format("--turns must be in [1, {}] (got {})", max_turns, turns));
        options.turns = turns;
    }
    options.threads = vm.count("threads") ? positive(vm, "threads")
                                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    const bool force = vm.count("force") > 0;
    if (vm.count("output")) check_output(vm["output"].as<std::string>(), force);
    const RunRecord record = simulate_file(vm["scenario"].as<std::string>(), options);
    if (!vm.count("quiet")) print_summary(std::cout, record);
    if (vm.count("output")) {
        const auto out = vm["output"].as<std::string>();
        // Checked again: the run may have taken long and another process may have written it.
        check_output(out, force);
        write_run_file(record, out, PRICEWAR_VERSION);
        std::cout << "wrote " << out << "\n";
    }
    return kOk;
}

void declare_validate(Options& o) {
    o.argument("files", "FILE", true);
}

// A line `key = value` complete on its own (not a table header, comment, or part of a
// multi-line array, table or string).
bool one_line_assignment(const std::string& line) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#' || line[first] == '[') return false;
    if (line.find('=') == std::string::npos || line.find("\"\"\"") != std::string::npos ||
        line.find("'''") != std::string::npos)
        return false;
    const auto count = [&](char c) { return std::count(line.begin(), line.end(), c); };
    return count('[') == count(']') && count('{') == count('}') && count('"') % 2 == 0;
}

// The errors of `file` after `first`, as a compiler reports them: the line of the last error
// (a one-line `key = value`) is commented out, so the other lines keep their numbers, and the
// file is checked again. A later error can be a consequence of an earlier one. Stops at a
// syntax error, an error not on such a line or in another file, or a missing key (which the
// commented line, or a misspelling already reported, explains).
enum class FileKind { scenario, sweep, calibration };

std::vector<std::string> later_errors(const std::string& file, FileKind kind, const InputError& first) {
    std::vector<std::string> out;
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    std::set<int> seen;
    InputError current = first;
    while (out.size() < 100) {
        if (current.file != file || current.key == "(syntax)" || current.line < 1 ||
            current.line > static_cast<int>(lines.size()) || !seen.insert(current.line).second)
            break;
        std::string& line = lines[static_cast<std::size_t>(current.line - 1)];
        if (!one_line_assignment(line)) break;
        line.insert(0, "#");
        std::string text;
        for (const auto& l : lines)
            text += l + '\n';
        try {
            if (kind == FileKind::sweep)
                (void)parse_sweep(text, file);
            else if (kind == FileKind::calibration)
                (void)parse_calibration(text, file);
            else
                check_runnable(parse_scenario(text, file));
            break;
        } catch (const InputError& e) {
            // A key now missing is the commented line's doing (or, after a misspelt key, the
            // same mistake): not a new error.
            if (e.file != file || e.key == current.key || seen.count(e.line) > 0 || e.problem.starts_with("missing"))
                break;
            out.emplace_back(e.what());
            current = e;
        }
    }
    return out;
}

// Checks every file, printing one line per file when it is fine (stdout) and one line per
// error when not (stderr); exit 2 if any file has an error.
int run_validate(const po::variables_map& vm, const Context&) {
    int failed = 0;
    for (const auto& file : vm["files"].as<std::vector<std::string>>()) {
        FileKind kind = FileKind::scenario;
        try {
            if (is_calibration_file(file)) {
                kind = FileKind::calibration;
                const auto spec = load_calibration_file(file);
                std::cout << file << ": ok (calibration, " << spec.base.parameters.size() << " parameters, "
                          << spec.moments.size() << " moments, " << spec.seeds << " runs per evaluation)\n";
            } else if (is_sweep_file(file)) {
                kind = FileKind::sweep;
                const auto spec = load_sweep_file(file);
                std::cout << file << ": ok (sweep, " << plan_count(spec) << " runs)\n";
            } else {
                const auto sc = load_scenario(file);
                check_runnable(sc);
                std::cout << file << ": ok (scenario '" << sc.name << "', " << sc.vendors.size() << " vendors, "
                          << sc.offer_index().size() << " offers, " << sc.developers.count << " developers, "
                          << sc.turns << " turns)\n";
            }
        } catch (const InputError& e) {
            std::cerr << e.what() << "\n";
            for (const auto& later : later_errors(file, kind, e))
                std::cerr << later << "\n";
            ++failed;
        }
    }
    return failed > 0 ? kUsage : kOk;
}

void declare_batch(Options& o) {
    o.argument("scenarios", "SCENARIO.toml", true);
    o.named.add_options()("output,o", po::value<std::string>()->required()->value_name("OUT.h5"), "HDF5 output")(
        "replicates", po::value<int>()->default_value(1)->value_name("R"), "replicates per scenario")(
        "jobs,j", po::value<int>()->default_value(1)->value_name("N"), "worker threads")(
        "series", "keep every run's time series")("resume", "continue an interrupted batch");
    declare_seed(o, "master seed (default: the first scenario's seed)");
    o.named.add_options()("set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
                          "override for every scenario (repeatable)");
    declare_force(o);
}

int run_batch_command(const po::variables_map& vm, const Context&) {
    BatchOptions b;
    b.scenarios = vm["scenarios"].as<std::vector<std::string>>();
    b.out = vm["output"].as<std::string>();
    b.replicates = positive(vm, "replicates");
    b.jobs = positive(vm, "jobs");
    b.series = vm.count("series") > 0;
    b.resume = vm.count("resume") > 0;
    b.seed = seed_option(vm);
    b.overrides = strings(vm, "set");
    check_output(b.out, vm.count("force") > 0, true, b.resume);
    return run_batch(b);
}

void declare_sweep(Options& o) {
    o.argument("sweep", "SWEEP.toml", false);
    o.named.add_options()("output,o", po::value<std::string>()->required()->value_name("OUT.h5"), "HDF5 output")(
        "jobs,j", po::value<int>()->default_value(1)->value_name("N"), "worker threads")(
        "resume", "continue an interrupted sweep")("shard", po::value<std::string>()->value_name("I/N"),
                                                   "run the I-th of N slices of the runs")(
        "series", "keep every run's time series");
    declare_force(o);
}

int run_sweep_command(const po::variables_map& vm, const Context&) {
    SweepOptions s;
    s.sweep_file = vm["sweep"].as<std::string>();
    s.out = vm["output"].as<std::string>();
    s.jobs = positive(vm, "jobs");
    s.resume = vm.count("resume") > 0;
    s.series = vm.count("series") > 0;
    if (vm.count("shard")) {
        const auto text = vm["shard"].as<std::string>();
        int i = 0, n = 0;
        char slash = 0;
        std::istringstream in(text);
        if (!(in >> i >> slash >> n) || slash != '/' || i < 1 || n < 1 || i > n || !in.eof())
            throw UsageError("--shard must be I/N with 1 <= I <= N (got '" + text + "')");
        s.shard = std::make_pair(i, n);
    }
    check_output(s.out, vm.count("force") > 0, true, s.resume);
    return run_sweep(s);
}

void declare_calibrate(Options& o) {
    o.argument("calibration", "CALIB.toml", false);
    o.named.add_options()("output,o", po::value<std::string>()->required()->value_name("OUT.h5"), "HDF5 output")(
        "jobs,j", po::value<int>()->default_value(1)->value_name("N"), "worker threads (the runs of one evaluation)")(
        "resume", "continue an interrupted calibration");
    declare_force(o);
}

int run_calibrate_command(const po::variables_map& vm, const Context&) {
    CalibrateOptions c;
    c.calibration_file = vm["calibration"].as<std::string>();
    c.out = vm["output"].as<std::string>();
    c.jobs = positive(vm, "jobs");
    c.resume = vm.count("resume") > 0;
    check_output(c.out, vm.count("force") > 0, true, c.resume);
    return run_calibration(c);
}

void declare_merge(Options& o) {
    o.argument("shards", "SHARD.h5", true);
    o.named.add_options()("output,o", po::value<std::string>()->required()->value_name("OUT.h5"), "merged HDF5 output");
    declare_force(o);
}

int run_merge(const po::variables_map& vm, const Context&) {
    const auto out = vm["output"].as<std::string>();
    check_output(out, vm.count("force") > 0);
    merge_sweep_files(vm["shards"].as<std::vector<std::string>>(), out);
    std::cout << "wrote " << out << "\n";
    return kOk;
}

void declare_export(Options& o) {
    o.argument("input", "IN.h5", false);
    o.named.add_options()("csv", po::value<std::string>()->required()->value_name("DIR"),
                          "write CSV tables and units.csv into this new folder");
    o.named.add_options()("force", "write into an existing folder, replacing the tables");
}

int run_export(const po::variables_map& vm, const Context&) {
    const auto dir = vm["csv"].as<std::string>();
    const fs::path path(dir);
    std::error_code ec;
    const fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    if (!fs::is_directory(parent, ec))
        throw UsageError(fmt::format("output folder '{}' does not exist (create it first)", parent.string()));
    if (fs::exists(path, ec)) {
        if (!fs::is_directory(path, ec)) throw UsageError(fmt::format("'{}' exists and is not a folder", dir));
        if (!vm.count("force") && !fs::is_empty(path, ec))
            throw UsageError(fmt::format("'{}' already exists and is not empty; use --force to write into it", dir));
    }
    const auto written = export_csv(vm["input"].as<std::string>(), dir);
    for (const auto& file : written)
        std::cout << "wrote " << (path / file).string() << "\n";
    return kOk;
}

// Folder holding the Python analysis package: $PRICEWAR_ANALYSIS_DIR, the installed copy
// next to the binary, or the source tree the binary was built from.
std::string analysis_dir(const char* argv0) {
    if (const char* env = std::getenv("PRICEWAR_ANALYSIS_DIR")) return env;
    std::error_code ec;
    const auto exe = fs::canonical("/proc/self/exe", ec);
    const auto base = ec ? fs::path(argv0).parent_path() : exe.parent_path();
    const auto installed = base / ".." / "share" / "pricewar" / "analysis";
    if (fs::exists(installed / "pricewar_analysis")) return installed.string();
    return PRICEWAR_SOURCE_DIR "/analysis";
}

void declare_report(Options& o) {
    o.argument("input", "IN.h5", false);
    o.named.add_options()("output,o", po::value<std::string>()->required()->value_name("DIR"), "output folder")(
        "turn", po::value<int>()->value_name("T"),
        "turn at which sweep survival shares are measured (default: the horizon)")(
        "n-boot", po::value<int>()->value_name("N"), "Sobol bootstrap resamples (default 1000)")(
        "prim-threshold", po::value<double>()->value_name("D"),
        "PRIM scenario discovery: least density of a box, in (0, 1] (default 0.8)");
    declare_seed(o, "bootstrap seed (default 0)");
}

int run_report(const po::variables_map& vm, const Context& context) {
    std::vector<std::string> argv{"/usr/bin/python3",
                                  "-m",
                                  "pricewar_analysis.report",
                                  vm["input"].as<std::string>(),
                                  "-o",
                                  vm["output"].as<std::string>()};
    if (vm.count("turn")) {
        const int turn = vm["turn"].as<int>();
        if (turn < 0) throw UsageError(fmt::format("--turn must be >= 0 (got {})", turn));
        argv.insert(argv.end(), {"--turn", std::to_string(turn)});
    }
    if (vm.count("n-boot")) argv.insert(argv.end(), {"--n-boot", std::to_string(positive(vm, "n-boot"))});
    if (const auto seed = seed_option(vm)) argv.insert(argv.end(), {"--seed", std::to_string(*seed)});
    if (vm.count("prim-threshold")) {
        const double d = vm["prim-threshold"].as<double>();
        if (!(d > 0.0 && d <= 1.0)) throw UsageError(fmt::format("--prim-threshold must be in (0, 1] (got {})", d));
        argv.insert(argv.end(), {"--prim-threshold", fmt::format("{}", d)});
    }
    const char* python = argv.front().c_str();
    if (::access(python, X_OK) != 0) {
        std::cerr << "pricewar report: " << python << " not found: apt-get install python3\n";
        return kUsage;
    }
    const std::string path = analysis_dir(context.argv0);
    std::vector<char*> args;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("cannot start " + argv.front());
    if (pid == 0) {
        ::setenv("PYTHONPATH", path.c_str(), 1);
        ::setenv("MPLBACKEND", "Agg", 1);
        ::execv(python, args.data());
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status)) return WEXITSTATUS(status) == 0 ? kOk : WEXITSTATUS(status) == 2 ? kUsage : kFailure;
    return kFailure;
}

int run_list_strategies(const po::variables_map&, const Context&) {
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

int run_version(const po::variables_map&, const Context&) {
    std::cout << "pricewar " << PRICEWAR_VERSION << "\n";
    return kOk;
}

void declare_nothing(Options&) {}

void declare_markdown(Options& o) {
    o.named.add_options()("markdown", "Markdown tables, as included in the docs (scripts/gen-docs)");
}

int run_list_keys(const po::variables_map& vm, const Context&) {
    std::cout << schema::key_reference(vm.count("markdown") > 0) << "\n";
    return kOk;
}

int run_list_series(const po::variables_map& vm, const Context&) {
    std::cout << outputs::series_reference(vm.count("markdown") > 0) << "\n";
    return kOk;
}

// The command table: adding a command is adding one entry.
const std::vector<Command>& commands() {
    static const std::vector<Command> table{
        {"run", "one run; prints the summary table", declare_run, run_run},
        {"validate",
         "check scenario, sweep or calibration files, run nothing: every error of every file (exit 2), or ok",
         declare_validate, run_validate},
        {"batch", "every scenario x replicates, into one file", declare_batch, run_batch_command},
        {"sweep", "a parameter sweep; under mpirun it spreads runs over the ranks", declare_sweep, run_sweep_command},
        {"calibrate",
         "estimate scenario parameters by the simulated method of moments; under mpirun it spreads runs over the "
         "ranks",
         declare_calibrate, run_calibrate_command},
        {"merge", "join the shard files of a sweep", declare_merge, run_merge},
        {"export", "CSV tables (design, runs, vendors, series) and their units, for R, Stata, spreadsheets",
         declare_export, run_export},
        {"report", "PNG figures and index.html from a run, batch or sweep file", declare_report, run_report},
        {"list-strategies", "pricing strategies with their parameters, defaults and ranges", declare_nothing,
         run_list_strategies},
        {"list-keys", "every scenario key: type, default, allowed values, unit, meaning (docs/scenario-format.md)",
         declare_markdown, run_list_keys},
        {"list-series", "every output series and summary: dimensions, units, meaning (docs/hdf5-layout.md)",
         declare_markdown, run_list_series},
        {"version", "the program's version", declare_nothing, run_version},
    };
    return table;
}

const Command* find_command(const std::string& name) {
    for (const auto& c : commands())
        if (name == c.name) return &c;
    return nullptr;
}

// "run SCENARIO.toml [-o OUT.h5] [--seed N] ...", from the declarations.
std::string synopsis(const Command& command) {
    Options o;
    command.declare(o);
    std::string line = command.name;
    for (unsigned i = 0; i < o.positional.max_total_count() && i < 8; ++i) {
        const auto& name = o.positional.name_for_position(i);
        const auto* option = o.hidden.find_nothrow(name, false);
        line += ' ';
        line += option != nullptr ? option->semantic()->name() : name;
        if (o.positional.max_total_count() == UINT_MAX) {
            line += "...";
            break;
        }
    }
    for (const auto& option : o.named.options()) {
        std::string flag = option->canonical_display_name(po::command_line_style::allow_dash_for_short);
        if (flag.size() != 2) flag = "--" + option->long_name();
        const auto& semantic = *option->semantic();
        std::string item = flag;
        if (semantic.max_tokens() > 0) {
            item += ' ';
            item += semantic.name();
        }
        line += semantic.is_required() ? fmt::format(" {}", item) : fmt::format(" [{}]", item);
        if (semantic.is_composing()) line += "...";
    }
    return line;
}

std::string usage_text() {
    std::string text =
        "usage: pricewar COMMAND [ARGS]   (pricewar COMMAND --help: the command's options)\n\ncommands:\n";
    for (const auto& c : commands()) {
        text += "  " + synopsis(c) + "\n";
        text += std::string("      ") + c.summary + "\n";
    }
    text += "\nExit status: 0 ok, 1 run-time failure, 2 bad input or usage.\n";
    return text;
}

void print_help(const Command& command) {
    Options o;
    command.declare(o);
    po::options_description shown("options");
    for (const auto& option : o.named.options())
        shown.add(option);
    shown.add_options()("help,h", "this help");
    std::cout << "usage: pricewar " << synopsis(command) << "\n" << command.summary << "\n\n" << shown;
}

int run_command(const Command& command, const std::vector<std::string>& args, const Context& context) {
    Options o;
    command.declare(o);
    po::options_description all;
    all.add(o.named).add(o.hidden);
    all.add_options()("help,h", "this help");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(all).positional(o.positional).run(), vm);
        if (vm.count("help")) {
            print_help(command);
            return kOk;
        }
        po::notify(vm);
    } catch (const po::required_option& e) {
        // A missing positional argument is named as the synopsis shows it.
        std::string name = e.get_option_name();
        name.erase(0, name.find_first_not_of('-'));
        if (const auto* option = o.hidden.find_nothrow(name, false))
            throw UsageError(fmt::format("{}: missing {} (usage: pricewar {})", command.name,
                                         option->semantic()->name(), synopsis(command)));
        throw UsageError(fmt::format("{}: {}", command.name, e.what()));
    } catch (const po::error& e) {
        throw UsageError(fmt::format("{}: {}", command.name, e.what()));
    }
    return command.run(vm, context);
}

int dispatch(int argc, char** argv) {
    if (argc < 2) throw UsageError("missing command");
    const std::string cmd = argv[1];
    const std::vector<std::string> args(argv + 2, argv + argc);
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        if (cmd == "help" && !args.empty()) {
            const Command* command = find_command(args.front());
            if (command == nullptr) throw UsageError("unknown command '" + args.front() + "'");
            print_help(*command);
        } else {
            std::cout << usage_text();
        }
        return kOk;
    }
    if (cmd == "--version") return run_version({}, {argv[0]});
    const Command* command = find_command(cmd);
    if (command == nullptr) throw UsageError("unknown command '" + cmd + "'");
    return run_command(*command, args, {argv[0]});
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
        std::cerr << "pricewar: " << e.what() << "\n";
        return kUsage;
    } catch (const std::invalid_argument& e) {
        std::cerr << "pricewar: " << e.what() << "\n";
        return kUsage;
    } catch (const OutputError& e) {
        std::cerr << "pricewar: " << e.what() << "\n";
        return kFailure;
    } catch (const std::exception& e) {
        std::cerr << "pricewar: " << e.what() << "\n";
        return kFailure;
    }
}
