#pragma once
// Campaigns over MPI ranks. Rank 0 coordinates: it hands out run ids one at a time to worker
// ranks that ask for work (dynamic load balancing), receives their encoded rows, writes the
// journal and finalizes. The other ranks compute. Internal to sim/runners.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/runners/detail/campaign.hpp"

namespace pricewar::runners {

// When this process is one of several MPI ranks (started by mpirun or srun with more than one
// rank, in a build with MPI): runs its part of the campaign and returns its exit status.
// std::nullopt otherwise: the caller runs the campaign on threads.
std::optional<int> execute_mpi(const Campaign& campaign, const ExecOptions& options);

// Whether this build can spread runs over MPI ranks.
bool mpi_available();

// This process's rank and the number of ranks: {0, 1} without a launcher or MPI.
struct MpiWorld {
    int rank = 0;
    int size = 1;
};
MpiWorld mpi_world();

// Runs of a calibration on worker ranks. The coordinator (rank 0) sends a parameter vector
// and a run index; a worker answers with that run's moment statistics.
struct FarmResult {
    std::int32_t status = 0;  // 0 ok, 1 failed
    std::string error;
    std::vector<double> values;
};
using FarmFunction = std::function<FarmResult(const std::vector<double>& theta, std::int64_t run)>;

// After its setup the coordinator tells the workers to start (code -1) or to leave with an
// exit status; a worker waits for that word.
inline constexpr int kFarmGo = -1;
void farm_announce(int code);
int farm_wait();

// A worker's loop: computes the runs it is sent until told to stop.
void farm_serve(const FarmFunction& run);

// The coordinator's side: hands the runs of one evaluation to idle workers, one at a time.
class RunFarm {
public:
    explicit RunFarm(int size);
    ~RunFarm();
    RunFarm(const RunFarm&) = delete;
    RunFarm& operator=(const RunFarm&) = delete;

    // Runs 0 .. count-1 at theta; results by run index. nullopt when interrupted (SIGINT or
    // SIGTERM): no more runs are handed out and the ones out are waited for.
    std::optional<std::vector<FarmResult>> run_all(const std::vector<double>& theta, std::int64_t count);
    // Tells every worker to stop (also done by the destructor).
    void stop() noexcept;

private:
    int size_;
    std::vector<int> idle_;
    std::vector<bool> ready_;
    bool stopped_ = false;
};

}  // namespace pricewar::runners
