#include "sim/runners/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <csignal>

namespace pricewar {

namespace {

std::atomic<int> g_signal{0};
std::atomic<bool> g_requested{false};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free,
              "the signal handler needs lock-free atomics");

struct sigaction g_old_int {};
struct sigaction g_old_term {};

void write_stderr(const char* text, std::size_t n) {
    // write() is async-signal-safe; a failed write changes nothing worth handling here.
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, text, n);
}

extern "C" void on_signal(int sig) {
    if (g_requested.exchange(true)) {
        // Second signal: the default action, now.
        ::signal(sig, SIG_DFL);
        ::raise(sig);
        return;
    }
    g_signal.store(sig);
    static const char msg[] =
        "\nstopping: finishing the running runs (signal again to stop at once; --resume continues)\n";
    write_stderr(msg, sizeof msg - 1);
}

}  // namespace

InterruptGuard::InterruptGuard() {
    g_requested.store(false);
    g_signal.store(0);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, &g_old_int);
    ::sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
    ::sigaction(SIGINT, &g_old_int, nullptr);
    ::sigaction(SIGTERM, &g_old_term, nullptr);
}

bool InterruptGuard::requested() {
    return g_requested.load();
}
int InterruptGuard::signal_number() {
    return g_signal.load();
}
void InterruptGuard::request() {
    g_requested.store(true);
}

}  // namespace pricewar
