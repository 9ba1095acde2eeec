// Reading records written by earlier releases: their task ids by an earlier scheme.
#include "archive/archive.hpp"
#include "study/task_id.hpp"

#include <optional>

namespace ns {

int upgrade_task_ids(std::vector<TaskRecord>& records, const Study& study) {
  std::optional<std::vector<std::string>> old_ids;  // computed only if some record needs it
  int renamed = 0;
  for (TaskRecord& r : records) {
    if (r.index < 0 || r.index >= int(study.tasks.size())) continue;
    const Task& task = study.tasks[r.index];
    if (task.id == r.id) continue;
    if (!old_ids) old_ids = scheme0_task_ids(study);
    if ((*old_ids)[r.index] == r.id) {
      r.id = task.id;
      ++renamed;
    }
  }
  return renamed;
}

}  // namespace ns
