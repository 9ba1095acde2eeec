#pragma once
// The coordinator/worker protocol over MPI: rank 0 coordinates, ranks 1..N-1 are workers
// 0..N-2. Message kinds are MPI tags; payloads are bytes. Both ends poll with a short sleep
// when idle instead of blocking in MPI, because Open MPI's blocking calls spin and would take
// a core from the workers on an oversubscribed node.
#include <memory>
#include <string>

#include "sweep/transport.hpp"

namespace ns {

// MPI_Init / MPI_Finalize for the lifetime of the object (thread level: funneled).
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Aborts every rank: the last resort when one rank fails outside any task.
  [[noreturn]] void abort(int code) const;

 private:
  int rank_ = 0, size_ = 1;
};

// True when this process was started by mpirun/mpiexec or srun with an MPI launch (so that
// MPI_Init will find its peers); a plain `noisesweep run` starts without MPI.
bool launched_by_mpi();

// The MPI library's own version string ("" before MPI_Init is possible to call).
std::string mpi_library_version();

std::unique_ptr<CoordinatorLink> make_mpi_coordinator_link(const MpiSession& mpi);
std::unique_ptr<WorkerLink> make_mpi_worker_link(const MpiSession& mpi);

}  // namespace ns
