#pragma once
// Rank 0's loop: hands ready tasks to idle workers (dynamic: whoever is free gets the next one),
// stores each result the moment it arrives, reports progress, and stops cleanly on request.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "record/task_record.hpp"
#include "study/shard.hpp"
#include "study/study.hpp"
#include "sweep/transport.hpp"

namespace ns {

// Where finished tasks go. add() must make the record safe against SIGKILL before returning.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void add(const TaskRecord& record) = 0;
};

struct SweepProgress {
  int total = 0, done = 0, failed = 0, running = 0, pending = 0;
  int finished_now = 0;  // finished by this run (not before a resume)
  double elapsed = 0;    // seconds since this run started
};

struct CoordinatorOptions {
  std::function<bool()> stop_requested;  // e.g. a signal arrived
  std::function<void(const SweepProgress&)> progress;
  double progress_interval = 10;  // seconds between progress reports
  Shard shard;                    // run only this shard's tasks
};

struct SweepOutcome {
  SweepProgress final;
  bool stopped_early = false;             // stop requested before the study finished
  std::vector<std::string> new_failures;  // "task <index> (<stage>): message"
};

// What the coordinator needs of the tasks an earlier run finished (resume): their status, and
// the weights of those that tasks still to run start from, asked for only for those.
struct FinishedTasks {
  std::map<int, TaskStatus> status;                // by task index
  std::function<ModelWeights(int index)> weights;  // throws if the task kept none
};

SweepOutcome coordinate(const Study& study, const FinishedTasks& finished, CoordinatorLink& link,
                        ResultSink& sink, const CoordinatorOptions& options);

// Assign payloads: the task index and, for a dependent task, its parent's weights (the rest of
// the parent's record stays with the coordinator).
std::string encode_assignment(int task, const ModelWeights* parent_weights);
std::pair<int, std::optional<ModelWeights>> decode_assignment(const std::string& payload);

}  // namespace ns
