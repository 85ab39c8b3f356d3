#pragma once
// SIGINT / SIGTERM during a batch or sweep: stop handing out runs, let the running ones
// finish and reach the journal, then exit so that --resume can continue. A second signal
// ends the process at once (the journal stays consistent: every record is atomic).

namespace pricewar {

class InterruptGuard {
public:
    // Installs the handlers and clears any earlier request; the destructor restores the
    // previous handlers.
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    // Async-signal-safe flag read by the scheduling loops.
    [[nodiscard]] static bool requested();
    // The signal that asked to stop (0 when none).
    [[nodiscard]] static int signal_number();
    // Same effect as a signal; for tests.
    static void request();
};

}  // namespace pricewar
