#include "sim/runners/detail/mpi_runner.hpp"

#if PRICEWAR_HAVE_MPI

#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
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

MpiWorld mpi_world() {
    const World w = world();
    return {w.rank, w.size};
}

namespace {

enum FarmTag : int {
    kFarmReady = 11,   // worker -> coordinator: idle (no payload)
    kFarmResult = 12,  // worker -> coordinator: run index, status, error, values
    kFarmWork = 13,    // coordinator -> worker: run index, theta
    kFarmStop = 14,    // coordinator -> worker: leave
};

void append_bytes(std::vector<std::byte>& out, const void* data, std::size_t n) {
    const auto* p = static_cast<const std::byte*>(data);
    out.insert(out.end(), p, p + n);
}

template <class T>
T take(const std::vector<std::byte>& in, std::size_t& at) {
    T v{};
    if (at + sizeof(T) > in.size()) throw std::runtime_error("a truncated message between MPI ranks");
    std::memcpy(&v, in.data() + at, sizeof(T));
    at += sizeof(T);
    return v;
}

std::vector<std::byte> receive_bytes(const MPI_Status& status) {
    int bytes = 0;
    MPI_Get_count(&status, MPI_BYTE, &bytes);
    std::vector<std::byte> buffer(static_cast<std::size_t>(bytes));
    MPI_Recv(buffer.data(), bytes, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return buffer;
}

}  // namespace

void farm_announce(int code) {
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
}

int farm_wait() {
    int code = kFarmGo;
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return code;
}

void farm_serve(const FarmFunction& run) {
    MPI_Send(nullptr, 0, MPI_BYTE, 0, kFarmReady, MPI_COMM_WORLD);
    for (;;) {
        MPI_Status status;
        MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &status);
        const auto in = receive_bytes(status);
        if (status.MPI_TAG == kFarmStop) return;
        std::size_t at = 0;
        const auto index = take<std::int64_t>(in, at);
        std::vector<double> theta((in.size() - at) / sizeof(double));
        for (auto& x : theta)
            x = take<double>(in, at);
        const FarmResult r = run(theta, index);
        std::vector<std::byte> out;
        append_bytes(out, &index, sizeof index);
        append_bytes(out, &r.status, sizeof r.status);
        const auto error_bytes = static_cast<std::uint64_t>(r.error.size());
        append_bytes(out, &error_bytes, sizeof error_bytes);
        append_bytes(out, r.error.data(), r.error.size());
        append_bytes(out, r.values.data(), r.values.size() * sizeof(double));
        MPI_Send(out.data(), static_cast<int>(out.size()), MPI_BYTE, 0, kFarmResult, MPI_COMM_WORLD);
    }
}

RunFarm::RunFarm(int size) : size_(size), ready_(static_cast<std::size_t>(size), false) {}

RunFarm::~RunFarm() {
    stop();
}

std::optional<std::vector<FarmResult>> RunFarm::run_all(const std::vector<double>& theta, std::int64_t count) {
    std::vector<FarmResult> results(static_cast<std::size_t>(count));
    std::int64_t next = 0, outstanding = 0;
    for (;;) {
        while (!idle_.empty() && next < count && !InterruptGuard::requested()) {
            const int worker = idle_.back();
            idle_.pop_back();
            std::vector<std::byte> out;
            append_bytes(out, &next, sizeof next);
            append_bytes(out, theta.data(), theta.size() * sizeof(double));
            MPI_Send(out.data(), static_cast<int>(out.size()), MPI_BYTE, worker, kFarmWork, MPI_COMM_WORLD);
            ++next;
            ++outstanding;
        }
        if (outstanding == 0 && (next == count || InterruptGuard::requested())) break;
        const MPI_Status status = wait_for_message([] {});
        const auto in = receive_bytes(status);
        const int source = status.MPI_SOURCE;
        ready_[static_cast<std::size_t>(source)] = true;
        idle_.push_back(source);
        if (status.MPI_TAG != kFarmResult) continue;
        --outstanding;
        std::size_t at = 0;
        const auto index = take<std::int64_t>(in, at);
        if (index < 0 || index >= count) throw std::runtime_error("a worker rank answered for a run never sent");
        FarmResult& r = results[static_cast<std::size_t>(index)];
        r.status = take<std::int32_t>(in, at);
        const auto error_bytes = take<std::uint64_t>(in, at);
        if (error_bytes > in.size() - at) throw std::runtime_error("a truncated message between MPI ranks");
        r.error.assign(reinterpret_cast<const char*>(in.data() + at), error_bytes);
        at += error_bytes;
        r.values.resize((in.size() - at) / sizeof(double));
        for (auto& x : r.values)
            x = take<double>(in, at);
    }
    if (next < count) return std::nullopt;
    return results;
}

void RunFarm::stop() noexcept {
    if (stopped_) return;
    stopped_ = true;
    for (int rank = 1; rank < size_; ++rank) {
        // A worker's first word is its ready message: take it before telling it to leave.
        if (!ready_[static_cast<std::size_t>(rank)])
            MPI_Recv(nullptr, 0, MPI_BYTE, rank, kFarmReady, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(nullptr, 0, MPI_BYTE, rank, kFarmStop, MPI_COMM_WORLD);
    }
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

MpiWorld mpi_world() {
    return {};
}

void farm_announce(int) {}
int farm_wait() {
    return kFarmGo;
}
void farm_serve(const FarmFunction&) {}
RunFarm::RunFarm(int size) : size_(size) {}
RunFarm::~RunFarm() = default;
std::optional<std::vector<FarmResult>> RunFarm::run_all(const std::vector<double>&, std::int64_t) {
    return std::nullopt;
}
void RunFarm::stop() noexcept {}

}  // namespace pricewar::runners

#endif
