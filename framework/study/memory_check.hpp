#pragma once
// The rule that turns a memory estimate (study/memory_estimate.hpp) into a refusal or a warning,
// against the memory this process may use (core/machine_memory.hpp):
//   refused  the estimate exceeds the machine's memory: the run could only die of bad_alloc or
//            be killed, so it stops before allocating, naming the setting that dominates
//   warned   the estimate exceeds kWarnFraction of it: it fits alone, but not beside a second
//            such task or other users' work
// README.md, "Memory", documents the same rule.
#include <string>

#include "core/error.hpp"
#include "core/machine_memory.hpp"
#include "study/memory_estimate.hpp"

namespace ns {

inline constexpr double kWarnFraction = 0.5;

enum class MemoryFit { Fits, Close, TooLarge };

// A machine whose memory is unknown (0 bytes) fits everything: no check beats a wrong one.
MemoryFit judge_memory(double bytes, const MachineMemory& machine);

// "needs about 3.14 TB of memory at its peak (training), more than this machine's 24.7 GB
// (physical memory); most of it, 3.14 TB, for <the largest term>": the body of a refusal.
std::string too_large_text(const MemoryEstimate& estimate, const MachineMemory& machine);

// "needs about 14 GB of memory at its peak (training), more than 50% of this machine's 24.7 GB
// (physical memory); most of it ...": the body of a warning.
std::string close_text(const MemoryEstimate& estimate, const MachineMemory& machine);

// Throws ConfigError at `place` for the largest term's key when `estimate` is TooLarge;
// `subject` starts the message ("the run", "task 3 (stage 'a', seed = 0)").
void refuse_if_too_large(const MemoryEstimate& estimate, const MachineMemory& machine,
                         const SourcePlace& place, const std::string& subject);

}  // namespace ns
