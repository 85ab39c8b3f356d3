#pragma once
// Progress of a batch or sweep on stderr. On a terminal: one line rewritten in place
// (done/total, failed, runs/s, ETA). Otherwise (a log file, a Slurm job): a plain line
// every few seconds and a final line. Called from one thread (the writer).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace pricewar {

class Progress {
public:
    // `total`: runs this process is responsible for; `already_done`: of those, finished before
    // it started (a resumed journal). `interactive`: live line; default: stderr is a terminal.
    Progress(std::string label, std::int64_t total, std::int64_t already_done, std::FILE* out = stderr,
             int interactive = -1, double plain_interval_seconds = 5.0);
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // One more run recorded.
    void add(bool failed);
    // The closing line (the live line is completed with a newline).
    void finish();
    // Ends the live line so other messages start on a fresh line.
    void break_line();

    [[nodiscard]] std::int64_t done() const { return already_done_ + done_now_; }
    [[nodiscard]] std::int64_t failed() const { return failed_; }
    [[nodiscard]] double rate() const;  // runs per second in this process

    // "1:02:03", "4:05", "--" for unknown.
    static std::string format_duration(double seconds);

private:
    [[nodiscard]] std::string line() const;
    void print(bool final);

    std::string label_;
    std::int64_t total_, already_done_, done_now_ = 0, failed_ = 0;
    std::FILE* out_;
    bool interactive_;
    double interval_;
    bool line_open_ = false;
    std::size_t last_width_ = 0;
    std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace pricewar
