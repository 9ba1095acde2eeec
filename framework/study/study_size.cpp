#include "study/study_size.hpp"

#include <fmt/format.h>

#include "study/memory_estimate.hpp"

namespace ns {

namespace {

// Bytes per task that the archive takes, by the README's measurements: 10 KB without network
// statistics and 50 KB with those of a 784-300-300-10 network.
constexpr double kArchiveBytesLow = 10e3, kArchiveBytesHigh = 50e3;

long tasks_in(const Study& study, const Shard& shard) {
  if (shard.whole()) return long(study.tasks.size());
  long count = 0;
  for (int t = 0; t < int(study.tasks.size()); ++t) count += shard.contains(study, t);
  return count;
}

}  // namespace

std::optional<std::string> large_run_warning(const Study& study, const Shard& shard) {
  const long tasks = tasks_in(study, shard);
  if (tasks <= kLargeRunTasks) return std::nullopt;
  // Enough shards to bring each under the threshold (the split is by first-stage task, so
  // shards are only roughly equal).
  const long study_tasks = long(study.tasks.size());
  const long shards = (study_tasks + kLargeRunTasks - 1) / kLargeRunTasks;
  return fmt::format(
      "{} tasks in one archive (more than {}): it grows to about {} to {}, which every "
      "checkpoint and a stop on a signal write again in full. Split it into {} or more shards, "
      "each with its own archive: `noisesweep run {} --shard I/{} -o runs/{}-I.h5` for I = 0.."
      "{}, then `noisesweep merge`; on SLURM, `slurm/submit {} --array {}` does all of it "
      "(README: \"Running on a cluster\")",
      tasks, kLargeRunTasks, bytes_text(tasks * kArchiveBytesLow),
      bytes_text(tasks * kArchiveBytesHigh), shards, study.file, shards, study.name, shards - 1,
      study.file, shards);
}

}  // namespace ns
