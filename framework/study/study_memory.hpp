#pragma once
// What a study needs in memory, checked before it runs (`plan` and `run` read studies through
// load_study, which checks): its largest task (study/memory_estimate.hpp) and the coordinator's
// share: the task list, the records waiting for a checkpoint and the weights of parent tasks. Also
// the cap on a study's task count, checked before expansion allocates the tasks.
#include <string>
#include <vector>

#include "core/machine_memory.hpp"
#include "study/memory_estimate.hpp"
#include "study/study.hpp"
#include "study/study_spec.hpp"

namespace ns {

// More tasks than this in one study is a typo (a replicate count, an axis too many), not a study:
// a million tasks take about 3 GB and half a minute to plan.
inline constexpr long kMaxStudyTasks = 1'000'000;
// The coordinator holds the whole records of finished tasks only until a checkpoint appends
// them to the archive; it checkpoints once they pass this many bytes.
inline constexpr double kCheckpointBytes = 8.0 * (1 << 20);
// The memory of one task in the expanded task list, before expansion tells the exact figure
// (measured: about 3.3 kB with the default settings).
inline constexpr double kTaskListBytes = 4096;

// Before expansion: refuses a study whose stages (`stage_tasks`, per stage of `stages`) add up
// to more than kMaxStudyTasks tasks, or whose task list would not fit in `machine` (when given).
// `complete`: `stages` are all of the study's, not the first ones read (the count is checked
// as stages are read, since each holds its grid's values). The error names the widest axis of
// the largest stage, where its count is written.
void check_task_count(const std::vector<StageSpec>& stages, const std::vector<double>& stage_tasks,
                      bool complete, const MachineMemory* machine);

struct StudyMemory {
  std::vector<double> task_bytes;  // each task's peak, by index
  int largest_task = -1;           // the task with the largest peak (-1: no tasks)
  MemoryEstimate largest;          // its peak
  MemoryEstimate coordinator;      // the task list, records waiting and parents' weights
};

StudyMemory estimate_study_memory(const Study& study);

// Throws ConfigError when the largest task or the coordinator's share exceeds `machine`, at the
// place in `spec` where the dominant key is set (the study file when it is left at its default).
void check_study_memory(const Study& study, const StudySpec& spec, const StudyMemory& memory,
                        const MachineMemory& machine);

// The warnings (each a sentence, without "warning: ") for the largest task, the coordinator's
// share, and `tasks_at_once` tasks running beside the coordinator on this machine, when above
// kWarnFraction of its memory.
std::vector<std::string> study_memory_warnings(const Study& study, const StudyMemory& memory,
                                               const MachineMemory& machine, int tasks_at_once);

}  // namespace ns
