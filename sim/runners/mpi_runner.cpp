#include "sim/runners/detail/mpi_runner.hpp"

#if PRICEWAR_HAVE_MPI

#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "sim/output/row_codec.hpp"
#include "sim/runners/interrupt.hpp"
#include "sim/scenario/input_error.hpp"

namespace pricewar::runners {

namespace {

enum Tag : int {
    kReady = 1,   // worker -> coordinator: give me work (no payload)
    kResult = 2,  // worker -> coordinator: an encoded RunRow; also asks for more work
    kWork = 3,    // coordinator -> worker: an index into the plans (int64)
    kStop = 4,    // coordinator -> worker: no more work
};

constexpr int kGo = -1;  // broadcast after setup: workers start; otherwise their exit status

// Size of the world when a launcher started this process, 0 when none did.
int launcher_size() {
    for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS"}) {
        if (const char* v = std::getenv(var)) return std::max(1, std::atoi(v));
    }
    // PMIx launchers (srun --mpi=pmix) set the rank only: ask MPI.
    if (std::getenv("PMIX_RANK") != nullptr) return INT_MAX;
    return 0;
}

void finalize_at_exit() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized == 0) MPI_Finalize();
}

// MPI_COMM_WORLD's size and this rank, initialising MPI on first use when several ranks run.
struct World {
    int rank = 0;
    int size = 1;
};

World world() {
    static const World w = [] {
        World out;
        int initialized = 0;
        MPI_Initialized(&initialized);
        if (initialized == 0) {
            if (launcher_size() <= 1) return out;
            int provided = 0;
            MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
            std::atexit(finalize_at_exit);
        }
        MPI_Comm_rank(MPI_COMM_WORLD, &out.rank);
        MPI_Comm_size(MPI_COMM_WORLD, &out.size);
        return out;
    }();
    return w;
}

// Waits for any message without spinning: the coordinator shares cores with workers.
// `between_polls` runs while nothing has arrived.
template <class F>
MPI_Status wait_for_message(F&& between_polls) {
    auto pause = std::chrono::microseconds(50);
    for (;;) {
        int flag = 0;
        MPI_Status status;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
        if (flag != 0) return status;
        between_polls();
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(2000));
    }
}

int coordinate(const Campaign& campaign, const ExecOptions& options, int size) {
    std::optional<Output> output;
    int code = kGo;
    try {
        output.emplace(campaign, options);
        if (output->already_complete()) code = 0;  // nothing to run: workers just leave
    } catch (const InputError&) {
        code = 2;
        MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
        throw;
    } catch (...) {
        code = 1;
        MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
        throw;
    }
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (const auto done = output->already_complete()) return *done;

    const auto& pending = output->pending();
    std::size_t next = 0;
    int active = size - 1;
    std::exception_ptr error;
    std::vector<std::byte> buffer;
    // On SIGINT/SIGTERM, say at once what is safe: the launcher signals every rank when one
    // dies (a worker killed, a node lost) and kills the ranks a few seconds later, so the
    // coordinator may never see the workers' last results or reach finish().
    bool told = false;
    auto tell_if_interrupted = [&] {
        if (told || !InterruptGuard::requested()) return;
        told = true;
        output->progress().break_line();
        std::fprintf(stderr,
                     "interrupted: %lld runs journaled so far, %d worker ranks still to report; rerun with --resume "
                     "to continue\n",
                     static_cast<long long>(output->journaled()), active);
    };
    while (active > 0) {
        MPI_Status status = wait_for_message(tell_if_interrupted);
        const int source = status.MPI_SOURCE;
        if (status.MPI_TAG == kResult) {
            int bytes = 0;
            MPI_Get_count(&status, MPI_BYTE, &bytes);
            buffer.resize(static_cast<std::size_t>(bytes));
            MPI_Recv(buffer.data(), bytes, MPI_BYTE, source, kResult, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (!error) {
                try {
                    output->record(
                        decode_run_row(std::string_view(reinterpret_cast<const char*>(buffer.data()), buffer.size())));
                } catch (...) {
                    error = std::current_exception();
                }
            }
        } else {
            MPI_Recv(nullptr, 0, MPI_BYTE, source, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        if (!error && !InterruptGuard::requested() && next < pending.size()) {
            const auto index = static_cast<std::int64_t>(pending[next++]);
            MPI_Send(&index, 1, MPI_INT64_T, source, kWork, MPI_COMM_WORLD);
        } else {
            MPI_Send(nullptr, 0, MPI_BYTE, source, kStop, MPI_COMM_WORLD);
            --active;
        }
    }
    if (error) {
        output->abandon();
        std::rethrow_exception(error);
    }
    return output->finish(InterruptGuard::requested() && next < pending.size());
}

int work(const Campaign& campaign) {
    int code = kGo;
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (code != kGo) return code;  // the coordinator reports why
    MPI_Send(nullptr, 0, MPI_BYTE, 0, kReady, MPI_COMM_WORLD);
    for (;;) {
        MPI_Status status;
        MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &status);
        if (status.MPI_TAG == kStop) {
            MPI_Recv(nullptr, 0, MPI_BYTE, 0, kStop, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            return 0;
        }
        std::int64_t index = 0;
        MPI_Recv(&index, 1, MPI_INT64_T, 0, kWork, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        const RunPlan& plan = campaign.plans.at(static_cast<std::size_t>(index));
        RunRow row = campaign.run(plan);
        std::string bytes = encode_run_row(row);
        if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
            row.series.reset();
            row.status = 1;
            row.error = "the run's series exceed what one MPI message carries (2 GiB)";
            bytes = encode_run_row(row);
        }
        MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, 0, kResult, MPI_COMM_WORLD);
    }
}

}  // namespace

bool mpi_available() {
    return true;
}

std::optional<int> execute_mpi(const Campaign& campaign, const ExecOptions& options) {
    const World w = world();
    if (w.size <= 1) return std::nullopt;
    if (w.rank == 0) return coordinate(campaign, options, w.size);
    return work(campaign);
}

}  // namespace pricewar::runners

#else  // built without MPI

namespace pricewar::runners {

bool mpi_available() {
    return false;
}

std::optional<int> execute_mpi(const Campaign&, const ExecOptions&) {
    return std::nullopt;
}

}  // namespace pricewar::runners

#endif
