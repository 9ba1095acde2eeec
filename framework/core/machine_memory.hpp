#pragma once
// How much memory this process may use: the physical memory, or less when a control group
// (a container, a Slurm allocation with --mem) or an address-space limit (ulimit -v) caps it. Runs
// and studies are checked against it before they allocate (study/memory_check.hpp).
#include <string>

namespace ns {

struct MachineMemory {
  double bytes = 0;
  std::string source;  // "physical memory", or the limit that caps it
};

MachineMemory machine_memory();

}  // namespace ns
