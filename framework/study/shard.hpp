#pragma once
// Splitting a study into K shards that run as separate jobs (a SLURM job array) and are merged
// afterwards. A task goes with the first-stage task it descends from, so a fine-tuning task
// always finds its parent's weights in its own shard.
#include <string>

#include "study/study.hpp"

namespace ns {

struct Shard {
  int index = 0, count = 1;  // shard `index` of `count` (0-based); 0 of 1 = everything

  bool contains(const Study& study, int task) const;
  bool whole() const { return count == 1; }
  std::string str() const;  // "2/3"
};

// Parses "I/K" (0 <= I < K); throws Error naming the text otherwise.
Shard parse_shard(const std::string& text);

// The root ancestor of a task (itself for a task without a parent).
int root_of(const Study& study, int task);

}  // namespace ns
