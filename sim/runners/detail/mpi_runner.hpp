#pragma once
// Campaigns over MPI ranks. Rank 0 coordinates: it hands out run ids one at a time to worker
// ranks that ask for work (dynamic load balancing), receives their encoded rows, writes the
// journal and finalizes. The other ranks compute. Internal to sim/runners.

#include <optional>

#include "sim/runners/detail/campaign.hpp"

namespace pricewar::runners {

// When this process is one of several MPI ranks (started by mpirun or srun with more than one
// rank, in a build with MPI): runs its part of the campaign and returns its exit status.
// std::nullopt otherwise: the caller runs the campaign on threads.
std::optional<int> execute_mpi(const Campaign& campaign, const ExecOptions& options);

// Whether this build can spread runs over MPI ranks.
bool mpi_available();

}  // namespace pricewar::runners
