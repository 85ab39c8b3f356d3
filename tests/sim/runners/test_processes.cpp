// The `pricewar` binary as users run it: killed with SIGKILL mid-sweep and resumed, stopped
// with SIGINT and resumed, and spread over MPI ranks. Each result must equal an uninterrupted
// single-process run.

#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "sim/output/sweep_file.hpp"
#include "support.hpp"

using namespace pricewar;
using pricewar::test::ScratchDir;
using namespace std::chrono_literals;

namespace {

// A sweep long enough to be caught mid-way: 2 levels x 24 replicates of a mid-sized market.
std::string write_long_sweep(const ScratchDir& dir) {
    const std::string path = dir.file("long.toml");
    test::write_text(path, "scenario = \"" + test::source_path("scenarios/default.toml") +
                               "\"\nseed = 77\nturns = 60\nreplicates = 24\n[design]\nkind = \"factorial\"\n"
                               "[[parameter]]\npath = \"developers.elasticity.median\"\nvalues = [0.9, 1.6]\n"
                               "[set]\n\"developers.count\" = 1500\n");
    return path;
}
constexpr long kLongRuns = 48;

// Waits until the journal holds at least `rows` rows or the child ends; false on timeout.
bool wait_for_rows(test::Child& child, const std::string& journal, long rows) {
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (std::filesystem::exists(journal) && test::journal_rows(journal) >= rows) return true;
        if (child.finished()) return false;
        std::this_thread::sleep_for(1ms);
    }
    return false;
}

}  // namespace

TEST_CASE("SIGKILL mid-sweep, then --resume: the same file as an uninterrupted sweep") {
    const std::string bin = test::pricewar_binary();
    if (bin.empty() || !std::filesystem::exists(bin)) {
        MESSAGE("no pricewar binary in this build: skipped");
        return;
    }
    const ScratchDir dir;
    const std::string file = write_long_sweep(dir);
    const std::string reference = dir.file("reference.h5");
    std::string err;
    REQUIRE_MESSAGE(test::run_command({bin, "sweep", file, "-o", reference, "--jobs", "2"}, &err) == 0, err);

    const std::string out = dir.file("killed.h5");
    const std::string journal = sweep_journal_path(out);
    std::random_device device;
    const unsigned seed = device();
    std::mt19937 gen(seed);
    int max_delay_ms = 400;
    long rows_at_kill = 0;
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::filesystem::remove(out);
        std::filesystem::remove(journal);
        test::Child child({bin, "sweep", file, "-o", out, "--jobs", "2"}, dir.file("stdout"), dir.file("stderr"));
        REQUIRE(wait_for_rows(child, journal, 1));
        const int delay = std::uniform_int_distribution<int>(0, max_delay_ms)(gen);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        child.signal(SIGKILL);
        const int status = child.wait();
        rows_at_kill = std::filesystem::exists(journal) ? test::journal_rows(journal) : kLongRuns;
        MESSAGE("attempt " << attempt << " (random seed " << seed << "): killed after " << delay << " ms, status "
                           << status << ", " << rows_at_kill << " of " << kLongRuns << " runs journaled");
        if (status == -SIGKILL && rows_at_kill > 0 && rows_at_kill < kLongRuns) break;
        max_delay_ms = std::max(1, max_delay_ms / 2);  // finished first: kill sooner
    }
    REQUIRE(rows_at_kill > 0);
    REQUIRE(rows_at_kill < kLongRuns);
    CHECK_FALSE(std::filesystem::exists(out));

    // Without --resume the journal is not touched.
    CHECK(test::run_command({bin, "sweep", file, "-o", out}, &err) == 2);
    CHECK(err.find("--resume") != std::string::npos);

    REQUIRE_MESSAGE(test::run_command({bin, "sweep", file, "-o", out, "--jobs", "2", "--resume"}, &err) == 0, err);
    CHECK(err.find("resuming") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(journal));
    CHECK(test::sweep_differences(reference, out).empty());
}

TEST_CASE("SIGINT stops handing out runs, journals the running ones and exits 1") {
    const std::string bin = test::pricewar_binary();
    if (bin.empty() || !std::filesystem::exists(bin)) {
        MESSAGE("no pricewar binary in this build: skipped");
        return;
    }
    const ScratchDir dir;
    const std::string file = write_long_sweep(dir);
    const std::string out = dir.file("stopped.h5");
    const std::string journal = sweep_journal_path(out);
    int status = 0;
    for (int attempt = 0; attempt < 5; ++attempt) {
        std::filesystem::remove(out);
        std::filesystem::remove(journal);
        test::Child child({bin, "sweep", file, "-o", out, "--jobs", "2"}, dir.file("stdout"), dir.file("stderr"));
        REQUIRE(wait_for_rows(child, journal, 2));
        child.signal(SIGINT);
        status = child.wait();
        if (status != 0) break;  // 0: it had finished before the signal landed
    }
    CHECK(status == 1);
    const std::string err = test::read_text(dir.file("stderr"));
    CHECK(err.find("interrupted: ") != std::string::npos);
    CHECK(err.find("rerun with --resume") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(out));
    const long rows = test::journal_rows(journal);
    CHECK(rows >= 2);
    CHECK(rows < kLongRuns);

    std::string resume_err;
    REQUIRE_MESSAGE(test::run_command({bin, "sweep", file, "-o", out, "--resume"}, &resume_err) == 0, resume_err);
    const SweepContents c = read_sweep_file(out);
    CHECK(c.rows.size() == static_cast<std::size_t>(kLongRuns));
    for (std::size_t i = 0; i < c.rows.size(); ++i)
        CHECK(c.rows[i].run_id == static_cast<std::int64_t>(i));
}

#ifdef PRICEWAR_MPIEXEC
using test::NoLeakCheck;

TEST_CASE("mpirun: a sweep over MPI ranks equals a local run") {
    const std::string bin = test::pricewar_binary();
    REQUIRE(std::filesystem::exists(bin));
    const NoLeakCheck no_leak_check;
    const ScratchDir dir;
    const std::string tiny = test::source_path("scenarios/sweeps/tiny.toml");
    std::string err;
    REQUIRE_MESSAGE(test::run_command({bin, "sweep", tiny, "-o", dir.file("local.h5")}, &err) == 0, err);
    const std::vector<std::string> mpirun = {PRICEWAR_MPIEXEC, "--oversubscribe", "--allow-run-as-root", "-n"};

    auto with = [&](std::vector<std::string> head, std::initializer_list<std::string> tail) {
        head.insert(head.end(), tail);
        return head;
    };
    SUBCASE("2 ranks: a coordinator and one worker") {
        REQUIRE_MESSAGE(
            test::run_command(with(mpirun, {"2", bin, "sweep", tiny, "-o", dir.file("mpi2.h5")}), &err) == 0, err);
        CHECK(test::sweep_differences(dir.file("local.h5"), dir.file("mpi2.h5")).empty());
    }
    SUBCASE("3 ranks, one shard of two, merged with a local shard") {
        REQUIRE_MESSAGE(
            test::run_command(with(mpirun, {"3", bin, "sweep", tiny, "-o", dir.file("s1.h5"), "--shard", "1/2"}),
                              &err) == 0,
            err);
        REQUIRE(test::run_command({bin, "sweep", tiny, "-o", dir.file("s2.h5"), "--shard", "2/2"}, &err) == 0);
        REQUIRE(test::run_command({bin, "merge", dir.file("s1.h5"), dir.file("s2.h5"), "-o", dir.file("merged.h5")},
                                  &err) == 0);
        CHECK(test::sweep_differences(dir.file("local.h5"), dir.file("merged.h5")).empty());
    }
    SUBCASE("bad input: every rank exits 2") {
        CHECK(test::run_command(with(mpirun, {"2", bin, "sweep", dir.file("missing.toml"), "-o", dir.file("x.h5")}),
                                &err) == 2);
    }
    SUBCASE("an existing output: the coordinator refuses, the workers leave") {
        CHECK(test::run_command(with(mpirun, {"2", bin, "sweep", tiny, "-o", dir.file("local.h5")}), &err) == 2);
        CHECK(err.find("--resume") != std::string::npos);
    }
}
#endif

#ifdef PRICEWAR_MPIEXEC
namespace {

// The process of MPI rank `rank` among the children of `launcher` (mpirun starts the ranks
// itself), found by the OMPI_COMM_WORLD_RANK its environment carries; -1 when none.
int rank_process(int launcher, int rank) {
    const std::string wanted = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        if (!std::getline(stat, line)) continue;
        // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
        const auto close = line.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(line.substr(close + 1));
        std::string state;
        int parent = 0;
        rest >> state >> parent;
        if (parent != launcher) continue;
        std::ifstream environ(entry.path() / "environ");
        std::string var;
        while (std::getline(environ, var, '\0'))
            if (var == wanted) return std::stoi(name);
    }
    return -1;
}

}  // namespace

TEST_CASE("mpirun: a rank SIGKILLed mid-sweep ends the job with an error; --resume completes it exactly") {
    const std::string bin = test::pricewar_binary();
    REQUIRE(std::filesystem::exists(bin));
    const NoLeakCheck no_leak_check;
    const ScratchDir dir;
    const std::string file = write_long_sweep(dir);
    const std::string reference = dir.file("reference.h5");
    std::string err;
    REQUIRE_MESSAGE(test::run_command({bin, "sweep", file, "-o", reference, "--jobs", "2"}, &err) == 0, err);
    const std::vector<std::string> mpirun = {
        PRICEWAR_MPIEXEC, "--oversubscribe", "--allow-run-as-root", "-n", "3", bin, "sweep", file};
    auto with = [&](std::initializer_list<std::string> tail) {
        std::vector<std::string> argv = mpirun;
        argv.insert(argv.end(), tail);
        return argv;
    };
    std::random_device device;
    const unsigned seed = device();
    std::mt19937 gen(seed);

    // Rank 1 is a worker (it holds a run when killed), rank 0 the coordinator (it holds the
    // journal).
    for (const int victim : {1, 0}) {
        CAPTURE(victim);
        const std::string out = dir.file("killed" + std::to_string(victim) + ".h5");
        const std::string journal = sweep_journal_path(out);
        int max_delay_ms = 300;
        long rows_at_kill = 0;
        int status = 0;
        for (int attempt = 0; attempt < 6; ++attempt) {
            std::filesystem::remove(out);
            std::filesystem::remove(journal);
            test::Child child(with({"-o", out}), dir.file("stdout"), dir.file("stderr"));
            REQUIRE(wait_for_rows(child, journal, 2));
            const int delay = std::uniform_int_distribution<int>(0, max_delay_ms)(gen);
            std::this_thread::sleep_for(std::chrono::milliseconds(delay));
            const int pid = rank_process(child.pid(), victim);
            if (pid > 0) ::kill(pid, SIGKILL);
            status = child.wait();
            rows_at_kill = std::filesystem::exists(journal) ? test::journal_rows(journal) : kLongRuns;
            MESSAGE("rank " << victim << ", attempt " << attempt << " (random seed " << seed << "): killed after "
                            << delay << " ms, mpirun status " << status << ", " << rows_at_kill << " of " << kLongRuns
                            << " runs journaled");
            if (pid > 0 && rows_at_kill < kLongRuns) break;
            max_delay_ms = std::max(1, max_delay_ms / 2);  // finished first: kill sooner
        }
        REQUIRE(rows_at_kill >= 2);
        REQUIRE(rows_at_kill < kLongRuns);
        // The job fails, says which rank died, and leaves the journal, not a file.
        CHECK(status != 0);
        const std::string job_err = test::read_text(dir.file("stderr"));
        CHECK_MESSAGE(job_err.find("rank " + std::to_string(victim)) != std::string::npos, job_err);
        CHECK_FALSE(std::filesystem::exists(out));

        // --resume under mpirun again: it starts from exactly the journaled runs and ends with
        // the uninterrupted sweep's file (every run once, the same values).
        REQUIRE_MESSAGE(test::run_command(with({"-o", out, "--resume"}), &err) == 0, err);
        CHECK_MESSAGE(err.find("resuming " + journal + ": " + std::to_string(rows_at_kill) + " of " +
                               std::to_string(kLongRuns) + " runs already done") != std::string::npos,
                      err);
        CHECK_FALSE(std::filesystem::exists(journal));
        CHECK(test::sweep_differences(reference, out).empty());
    }
}
#endif

TEST_CASE("SIGKILL at 10 random moments, each followed by --resume: no run lost or duplicated") {
    const std::string bin = test::pricewar_binary();
    if (bin.empty() || !std::filesystem::exists(bin)) {
        MESSAGE("no pricewar binary in this build: skipped");
        return;
    }
    const ScratchDir dir;
    const std::string file = write_long_sweep(dir);
    const std::string reference = dir.file("reference.h5");
    std::string err;
    REQUIRE_MESSAGE(test::run_command({bin, "sweep", file, "-o", reference, "--jobs", "2"}, &err) == 0, err);

    const std::string out = dir.file("killed.h5");
    const std::string journal = sweep_journal_path(out);
    std::random_device device;
    const unsigned seed = device();
    std::mt19937 gen(seed);
    int kills = 0, completions = 0;
    long previous_rows = 0;
    for (int attempt = 0; attempt < 200 && kills < 10; ++attempt) {
        // Every start is a resume (after a completion the next one starts afresh); the kill
        // lands at any instant: start-up, mid-run, mid-append or during finalisation.
        test::Child child({bin, "sweep", file, "-o", out, "--jobs", "2", "--resume"}, dir.file("stdout"),
                          dir.file("stderr"));
        const int delay = std::uniform_int_distribution<int>(0, 80)(gen);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        child.signal(SIGKILL);
        const int status = child.wait();
        if (status != -SIGKILL) {
            // Finished before the kill: the result must already equal the reference.
            REQUIRE(status == 0);
            CHECK(test::sweep_differences(reference, out).empty());
            ++completions;
            std::filesystem::remove(out);
            previous_rows = 0;
            continue;
        }
        ++kills;
        const long rows = std::filesystem::exists(journal) ? test::journal_rows(journal) : 0;
        MESSAGE("kill " << kills << " (random seed " << seed << ") after " << delay << " ms: " << rows << " of "
                        << kLongRuns << " runs journaled");
        CHECK(rows <= kLongRuns);
        if (!std::filesystem::exists(out)) CHECK(rows >= previous_rows);  // journaled runs are never lost
        previous_rows = std::filesystem::exists(out) ? 0 : rows;
    }
    MESSAGE(kills << " kills, " << completions << " sweeps completed between kills");
    CHECK(kills == 10);
    REQUIRE_MESSAGE(test::run_command({bin, "sweep", file, "-o", out, "--jobs", "2", "--resume"}, &err) == 0, err);
    CHECK_FALSE(std::filesystem::exists(journal));
    CHECK(test::sweep_differences(reference, out).empty());
}
