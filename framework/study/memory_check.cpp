#include "study/memory_check.hpp"

#include <fmt/format.h>

namespace ns {

namespace {

// `share`: "" or "50% of ".
std::string verdict(const MemoryEstimate& e, const MachineMemory& machine,
                    const std::string& share) {
  const MemoryTerm& top = e.largest();
  return fmt::format(
      "needs about {} of memory at its peak ({}), more than {}this machine's {} ({}); most of "
      "it, {}, for {}",
      bytes_text(e.total()), e.phase, share, bytes_text(machine.bytes), machine.source,
      bytes_text(top.bytes), top.what);
}

}  // namespace

MemoryFit judge_memory(double bytes, const MachineMemory& machine) {
  if (machine.bytes <= 0) return MemoryFit::Fits;
  if (bytes > machine.bytes) return MemoryFit::TooLarge;
  if (bytes > kWarnFraction * machine.bytes) return MemoryFit::Close;
  return MemoryFit::Fits;
}

std::string too_large_text(const MemoryEstimate& estimate, const MachineMemory& machine) {
  return verdict(estimate, machine, "");
}

std::string close_text(const MemoryEstimate& estimate, const MachineMemory& machine) {
  return verdict(estimate, machine, fmt::format("{:.0f}% of ", 100 * kWarnFraction));
}

void refuse_if_too_large(const MemoryEstimate& estimate, const MachineMemory& machine,
                         const SourcePlace& place, const std::string& subject) {
  if (judge_memory(estimate.total(), machine) != MemoryFit::TooLarge) return;
  throw ConfigError(place, estimate.largest().key,
                    fmt::format("{} {}", subject, too_large_text(estimate, machine)));
}

}  // namespace ns
