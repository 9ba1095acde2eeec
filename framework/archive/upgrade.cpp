// Reading records written by earlier releases: their task ids by an earlier scheme.
#include "archive/archive.hpp"
#include "study/task_id.hpp"

#include <optional>

namespace ns {

namespace {

// The settings text names the parent by id ("train.init_from = \"task:ID\""), and readers
// such as analysis/ follow that link: it must name the parent's current id too.
void rename_parent(std::string& settings_text, const std::string& from, const std::string& to) {
  const std::string old_link = "\"task:" + from + "\"";
  if (const auto at = settings_text.find(old_link); at != std::string::npos)
    settings_text.replace(at, old_link.size(), "\"task:" + to + "\"");
}

}  // namespace

int upgrade_task_ids(std::vector<TaskRecord>& records, const Study& study) {
  std::optional<std::vector<std::string>> old_ids;  // computed only if some record needs it
  int renamed = 0;
  for (TaskRecord& r : records) {
    if (r.index < 0 || r.index >= int(study.tasks.size())) continue;
    const Task& task = study.tasks[r.index];
    if (task.id == r.id) continue;
    if (!old_ids) old_ids = scheme0_task_ids(study);
    if ((*old_ids)[r.index] != r.id) continue;
    r.id = task.id;
    if (task.parent) {
      const std::string& old_parent = (*old_ids)[*task.parent];
      const std::string& parent = study.tasks[*task.parent].id;
      rename_parent(r.settings_text, old_parent, parent);
      if (r.weights) rename_parent(r.weights->settings_text, old_parent, parent);
    }
    ++renamed;
  }
  return renamed;
}

}  // namespace ns
