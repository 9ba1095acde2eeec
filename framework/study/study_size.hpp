#pragma once
// A study too large for one archive: the advice to split it into shards. One archive holds every
// task, and its writer rewrites it whole at each checkpoint and once more on a stop, so the time
// of those writes grows with the task count (about 10-50 KB per task on disk, README: "Sweep
// performance"). Shards write separate archives that `merge` joins.
#include <optional>
#include <string>

#include "study/shard.hpp"
#include "study/study.hpp"

namespace ns {

// Above this many tasks in one run (one shard of a study), `plan` and `run` warn.
inline constexpr long kLargeRunTasks = 10'000;

// The warning (a sentence, without "warning: ") for a run of `shard` of `study`, if it holds more
// than kLargeRunTasks tasks: the count, what it costs, and the commands that split it.
std::optional<std::string> large_run_warning(const Study& study, const Shard& shard);

}  // namespace ns
