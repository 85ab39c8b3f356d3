#include "sim/runners/progress.hpp"

#include <unistd.h>

#include <cmath>

#include <fmt/format.h>

namespace pricewar {

Progress::Progress(std::string label, std::int64_t total, std::int64_t already_done, std::FILE* out, int interactive,
                   double plain_interval_seconds)
    : label_(std::move(label)),
      total_(total),
      already_done_(already_done),
      out_(out),
      interactive_(interactive < 0 ? ::isatty(::fileno(out)) != 0 : interactive != 0),
      interval_(plain_interval_seconds),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {
    if (interactive_) print(false);
}

double Progress::rate() const {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return elapsed > 0.0 ? static_cast<double>(done_now_) / elapsed : 0.0;
}

std::string Progress::format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0.0) return "--";
    const auto s = static_cast<std::int64_t>(std::llround(seconds));
    if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
    return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string Progress::line() const {
    const double r = rate();
    const auto remaining = static_cast<double>(total_ - done());
    const double eta = done_now_ > 0 && r > 0.0 ? remaining / r : std::nan("");
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return fmt::format("{}: {}/{} runs, {} failed, {:.2f} runs/s, elapsed {}, ETA {}", label_, done(), total_, failed_,
                       r, format_duration(elapsed), format_duration(eta));
}

void Progress::print(bool final) {
    const std::string text = line();
    if (interactive_) {
        // Pad over the previous, possibly longer, line.
        const std::size_t pad = last_width_ > text.size() ? last_width_ - text.size() : 0;
        std::fprintf(out_, "\r%s%*s", text.c_str(), static_cast<int>(pad), "");
        if (final) std::fputc('\n', out_);
        line_open_ = !final;
        last_width_ = text.size();
    } else {
        std::fprintf(out_, "%s\n", text.c_str());
    }
    std::fflush(out_);
    last_print_ = std::chrono::steady_clock::now();
}

void Progress::add(bool failed) {
    ++done_now_;
    if (failed) ++failed_;
    const double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_print_).count();
    if (interactive_ ? since >= 0.1 || done() == total_ : since >= interval_) print(false);
}

void Progress::break_line() {
    if (interactive_ && line_open_) {
        std::fputc('\n', out_);
        std::fflush(out_);
        line_open_ = false;
        last_width_ = 0;
    }
}

void Progress::finish() {
    print(true);
}

}  // namespace pricewar
