#include "support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace pricewar::test {

namespace fs = std::filesystem;

std::string source_path(const std::string& relative) {
    return (fs::path(PRICEWAR_SOURCE_DIR) / relative).string();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

namespace {

bool same_double(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

template <class T>
void compare(std::string& out, const std::string& what, const std::vector<T>& a, const std::vector<T>& b) {
    if (a.size() != b.size()) {
        out += fmt::format("{}: {} vs {} entries\n", what, a.size(), b.size());
        return;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        bool same = false;
        if constexpr (std::is_same_v<T, double>)
            same = same_double(a[i], b[i]);
        else
            same = a[i] == b[i];
        if (!same) {
            out += fmt::format("{}[{}] differs\n", what, i);
            return;
        }
    }
}

}  // namespace

std::string sweep_differences(const std::string& a_path, const std::string& b_path) {
    const SweepContents a = read_sweep_file(a_path);
    const SweepContents b = read_sweep_file(b_path);
    std::string out;
    if (!(a.header == b.header)) out += "headers differ\n";
    if (a.rows.size() != b.rows.size()) return out + fmt::format("{} rows vs {} rows\n", a.rows.size(), b.rows.size());
    for (std::size_t i = 0; i < a.rows.size(); ++i) {
        const RunRow& x = a.rows[i];
        const RunRow& y = b.rows[i];
        const std::string r = fmt::format("row {}: ", i);
        if (x.run_id != y.run_id) out += r + "run_id\n";
        if (x.replicate != y.replicate) out += r + "replicate\n";
        if (x.seed != y.seed) out += r + "seed\n";
        if (x.scenario != y.scenario) out += r + "scenario\n";
        if (x.sobol_block != y.sobol_block || x.sobol_index != y.sobol_index) out += r + "sobol block/index\n";
        if (x.status != y.status) out += r + "status\n";
        if (x.error != y.error) out += r + "error\n";
        compare(out, r + "parameter_values", x.parameter_values, y.parameter_values);
        compare(out, r + "exit_turn", x.exit_turn, y.exit_turn);
        compare(out, r + "exit_reason", x.exit_reason, y.exit_reason);
        compare(out, r + "final_share", x.final_share, y.final_share);
        compare(out, r + "cumulative_profit", x.cumulative_profit, y.cumulative_profit);
        compare(out, r + "peak_loss", x.peak_loss, y.peak_loss);
        compare(out, r + "market_summary", x.market_summary, y.market_summary);
    }
    return out;
}

std::string pricewar_binary() {
#ifdef PRICEWAR_BIN
    return PRICEWAR_BIN;
#else
    return "";
#endif
}

Child::Child(const std::vector<std::string>& argv, const std::string& stdout_path, const std::string& stderr_path) {
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        const int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out >= 0) ::dup2(out, STDOUT_FILENO);
        if (err >= 0) ::dup2(err, STDERR_FILENO);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
}

Child::~Child() {
    if (!reaped_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        (void)wait();
    }
}

void Child::signal(int sig) const {
    if (!reaped_) ::kill(pid_, sig);
}

namespace {
int decode_status(int raw) {
    if (WIFEXITED(raw)) return WEXITSTATUS(raw);
    if (WIFSIGNALED(raw)) return -WTERMSIG(raw);
    return -1000;
}
}  // namespace

int Child::wait() {
    if (reaped_) return status_;
    int raw = 0;
    while (::waitpid(pid_, &raw, 0) < 0) {
    }
    reaped_ = true;
    status_ = decode_status(raw);
    return status_;
}

bool Child::finished() {
    if (reaped_) return true;
    int raw = 0;
    if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
        reaped_ = true;
        status_ = decode_status(raw);
    }
    return reaped_;
}

int run_command(const std::vector<std::string>& argv, std::string* err, std::string* out) {
    const ScratchDir dir;
    Child child(argv, dir.file("out"), dir.file("err"));
    const int status = child.wait();
    if (err != nullptr) *err = read_text(dir.file("err"));
    if (out != nullptr) *out = read_text(dir.file("out"));
    return status;
}

long journal_rows(const std::string& journal_path) {
    const std::string bytes = read_text(journal_path);
    constexpr std::size_t magic = 8, frame = 12;
    std::size_t offset = magic;
    long records = 0;
    while (offset + frame <= bytes.size() && bytes.compare(offset, 4, "PWRC") == 0) {
        std::uint32_t length = 0;
        for (int i = 0; i < 4; ++i)
            length |=
                static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + 4 + static_cast<std::size_t>(i)]))
                << (8 * i);
        if (offset + frame + length > bytes.size()) break;
        offset += frame + length;
        ++records;
    }
    return records > 0 ? records - 1 : 0;
}

NoLeakCheck::NoLeakCheck() {
    const char* old = std::getenv("ASAN_OPTIONS");
    if (old != nullptr) saved_ = old;
    ::setenv("ASAN_OPTIONS", (saved_ ? *saved_ + ":" : std::string()).append("detect_leaks=0").c_str(), 1);
}

NoLeakCheck::~NoLeakCheck() {
    if (saved_)
        ::setenv("ASAN_OPTIONS", saved_->c_str(), 1);
    else
        ::unsetenv("ASAN_OPTIONS");
}

}  // namespace pricewar::test
