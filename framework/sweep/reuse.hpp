#pragma once
// Reusing finished tasks of another archive (`run --reuse OLD.h5`): a task's id hashes its
// stage, its resolved settings and its parent's id, so a task of OLD.h5 with an id of this
// study is the same computation with the same seed, and its result can be copied instead of
// recomputed. This is how a study grows (more seeds, another stage, a changed fine-tuning)
// without retraining what did not change; `run` alone refuses an archive of another study.
#include <string>

#include "study/study.hpp"

namespace ns {

class ResultStore;

struct ReuseReport {
  std::string source;       // "PATH: study NAME (hash H), git COMMIT": for provenance
  int reused = 0;           // copied into the store
  int already = 0;          // the store already had a record of the task
  int other = 0;            // not tasks of this study (other settings, stage or parent)
  int not_done = 0;         // failed or diverged there: computed again
  int missing_outputs = 0;  // done, but without the weights or statistics this study keeps
};

// Copies every done task of the archive at `path` that `study` has and `store` lacks into
// `store` (journaled at once). A task is skipped if this study keeps outputs (weights for a
// later stage, network statistics) that the old record lacks. Throws ArchiveError for an
// unreadable archive, and Error if `path` is the store's own archive.
ReuseReport reuse_finished_tasks(const std::string& path, const Study& study, ResultStore& store);

}  // namespace ns
