#pragma once
// What `train` and `eval` share: settings from the command line over a run file, the memory
// check before anything is allocated, and the printed header and result tables.
#include <string>
#include <vector>

#include "config/run_file.hpp"
#include "core/machine_memory.hpp"
#include "study/memory_estimate.hpp"
#include "train/run.hpp"

namespace ns::cli {

// "--set train.epochs=3" is the TOML line "train.epochs = 3" applied over the run file; then
// the run is validated as a whole.
void apply_overrides(RunFile& run, const std::vector<std::string>& overrides);

// Checked before anything is allocated: a run too large for this machine stops here, naming the
// setting to blame at its place in the run file, instead of dying of bad_alloc minutes later.
// A run that fits but comes close is warned about, once.
MemoryEstimate check_memory(const RunFile& run, const std::string& file,
                            const MachineMemory& machine);

// `title` opens the header ("run FILE"); the training line is printed when the run trains.
void print_header(const RunConfig& c, const std::string& title, const MemoryEstimate& memory,
                  const MachineMemory& machine);

// Prints each phase ("loading data...") and each epoch's line as they happen.
RunObserver printing_observer(const RunConfig& c);

// Clean accuracy, row sums, and one table of accuracies per group of kinds sharing levels.
void print_result(const RunResult& r);

}  // namespace ns::cli
