#pragma once
// Fixtures for the runner tests: a scratch folder, source-tree paths, sweep file comparison
// and child processes of the `pricewar` binary.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sim/output/sweep_file.hpp"

#include "tests/scratch.hpp"

namespace pricewar::test {

// A path inside the source tree.
std::string source_path(const std::string& relative);
void write_text(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);

// Rows of two sweep files that must be the same runs with the same results: header and every
// row field except wall_seconds (NaN equals NaN). Returns the differences, "" when none.
std::string sweep_differences(const std::string& a, const std::string& b);

// The `pricewar` binary, or "" when the build has none.
std::string pricewar_binary();

// A child process running `argv` with stdout and stderr sent to files.
class Child {
public:
    Child(const std::vector<std::string>& argv, const std::string& stdout_path, const std::string& stderr_path);
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    void signal(int sig) const;
    // Waits for the end; returns the exit code, or -signal when a signal ended it.
    int wait();
    // Non-blocking: true once it has ended (then status() holds wait()'s result).
    bool finished();
    [[nodiscard]] int status() const { return status_; }
    [[nodiscard]] int pid() const { return pid_; }

private:
    int pid_ = -1;
    int status_ = 0;
    bool reaped_ = false;
};

// Runs argv to the end; returns wait()'s result, stderr in `err` when given.
int run_command(const std::vector<std::string>& argv, std::string* err = nullptr, std::string* out = nullptr);

// Intact records in a journal (header excluded), counted from the file's framing without
// locking it; a torn last record is not counted.
long journal_rows(const std::string& journal_path);

// In sanitizer builds: OpenMPI does not free its own allocations at exit (nor can a rank the
// job aborts), which LeakSanitizer would report as a failure of every rank. While one lives,
// child processes run with leak detection off; memory errors are still checked.
class NoLeakCheck {
public:
    NoLeakCheck();
    ~NoLeakCheck();
    NoLeakCheck(const NoLeakCheck&) = delete;
    NoLeakCheck& operator=(const NoLeakCheck&) = delete;

private:
    std::optional<std::string> saved_;
};

}  // namespace pricewar::test
