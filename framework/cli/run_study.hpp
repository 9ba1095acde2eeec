#pragma once
// Running a study into its archive, as `noisesweep run` does: under mpirun on every rank (rank 0
// coordinates and writes), otherwise on worker threads. `eval -o` runs the one-task study it
// writes through the same path.
#include <string>
#include <vector>

namespace ns::cli {

struct RunOptions {
  std::string study_file;
  std::string archive;
  bool retry_failed = false;
  double progress_interval = -1;  // default: 1 s on a terminal, 30 s otherwise
  int threads = 1;
  double checkpoint_interval = 600;
  std::string shard = "0/1";
  std::vector<std::string> reuse;  // archives whose finished tasks of this study are copied in
  bool allow_mixed_builds = false;
};

// Returns the exit code: 0 all done, 1 some task failed, 3 stopped by a signal (resumable).
int run_study(const RunOptions& o);

}  // namespace ns::cli
