// One numeric build per archive, unless the user allows more (archive.hpp).
#include <fmt/format.h>

#include "archive/archive.hpp"
#include "core/error.hpp"

namespace ns {

void count_build(BuildCounts& counts, const TaskRecord& r) {
  if (r.status == TaskStatus::Done) ++counts[r.build];
}

void require_one_build(const std::string& path, const BuildCounts& counts,
                       const std::string& required) {
  const bool one = required.empty() ? counts.size() <= 1
                                    : counts.empty() ||
                                          (counts.size() == 1 && counts.begin()->first == required);
  if (one) return;
  std::string list;
  for (const auto& [build, count] : counts)
    list +=
        fmt::format("\n  {} finished task(s): {}", count,
                    build.empty() ? "a release that did not record its build (before 0.2)" : build);
  throw ArchiveError(
      path, "",
      fmt::format("results of different builds of noisesweep would be mixed in one archive, and "
                  "they can differ in the last bits (README, \"Bitwise reproducibility\").{}{}\n"
                  "Use one build (`status` lists each task's), or pass --allow-mixed-builds to "
                  "mix them knowingly.",
                  required.empty() ? "" : "\n  this program: " + required, list));
}

}  // namespace ns
