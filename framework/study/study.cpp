// From a study file to its ordered, linked, named tasks.
#include "study/study.hpp"

#include "config/toml_input.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <map>

#include "config/run_file.hpp"
#include "study/dependencies.hpp"
#include "study/expand.hpp"
#include "study/study_memory.hpp"
#include "study/study_spec.hpp"
#include "study/task_id.hpp"

namespace ns {

namespace {

// The parent's id is part of a dependent task's identity: retraining a changed baseline must
// not reuse the fine-tuned results of the old one.
void name_task(Task& task, const std::vector<Task>& tasks) {
  task.id = task_id(task.stage, task.config, task.parent ? tasks[*task.parent].id : "");
}

// Two equal tasks would compute the same thing twice and collide in the archive.
void check_distinct(const std::vector<Task>& tasks, TaskRange range, const StageSpec& stage) {
  std::map<std::string, int> seen;
  for (int i = range.first; i < range.first + range.count; ++i) {
    const auto [it, fresh] = seen.emplace(tasks[i].id, i);
    if (fresh) continue;
    const std::vector<std::string> keys = stage.axis_keys();
    throw ConfigError(stage.place, "",
                      fmt::format("stage '{}': tasks {} and {} are the same run{}; a grid axis "
                                  "or two variants repeat a value",
                                  stage.name, it->second, i,
                                  keys.empty() ? "" : " (" + describe(tasks[i], keys) + ")"));
  }
}

std::vector<std::string> study_axis_keys(const std::vector<StageSpec>& stages) {
  std::vector<std::string> keys;
  bool seed = false;
  for (const StageSpec& s : stages)
    for (const std::string& k : s.axis_keys()) {
      if (k == "seed")
        seed = true;
      else if (std::find(keys.begin(), keys.end(), k) == keys.end())
        keys.push_back(k);
    }
  if (seed) keys.insert(keys.begin(), "seed");
  return keys;
}

}  // namespace

Study parse_study_text(const std::string& text, const std::string& file,
                       const MachineMemory* machine) {
  const StudySpec spec = read_study_spec(text, file);
  std::vector<double> stage_tasks;
  for (const StageSpec& stage : spec.stages) stage_tasks.push_back(stage_task_count(stage));
  check_task_count(spec.stages, stage_tasks, true, machine);
  Study study;
  study.name = spec.name;
  study.file = file;
  study.text = text;
  study.hash = hash_hex(text);
  study.seed = spec.seed;
  study.axis_keys = study_axis_keys(spec.stages);

  std::vector<TaskRange> ranges;
  for (const StageSpec& stage : spec.stages) {
    study.stages.push_back(stage.name);
    const TaskRange range{int(study.tasks.size()), 0};
    for (Task& t : expand_stage(spec, stage, file)) {
      t.index = int(study.tasks.size());
      study.tasks.push_back(std::move(t));
    }
    ranges.push_back({range.first, int(study.tasks.size()) - range.first});
    if (!stage.init_from.empty()) {
      const auto p = std::find(study.stages.begin(), study.stages.end(), stage.init_from) -
                     study.stages.begin();
      link_parents(study.tasks, stage, ranges.back(), spec.stages[p], ranges[p]);
    }
    const std::vector<std::string> keys = stage.axis_keys();
    for (int i = ranges.back().first; i < ranges.back().first + ranges.back().count; ++i) {
      Task& t = study.tasks[i];
      name_task(t, study.tasks);
      for (const std::string& k : study.axis_keys)
        if (std::find(keys.begin(), keys.end(), k) != keys.end())
          t.axes.emplace_back(k, axis_text(t, k));
    }
    check_distinct(study.tasks, ranges.back(), stage);
  }

  for (Task& t : study.tasks) {
    t.store_weights = t.store_weights || spec.keep_all_weights;
    t.store_stats = spec.keep_stats;
    if (t.parent) study.tasks[*t.parent].store_weights = true;
  }
  if (machine) check_study_memory(study, spec, estimate_study_memory(study), *machine);
  return study;
}

Study load_study(const std::string& path) {
  const MachineMemory machine = machine_memory();
  return parse_study_text(read_text_file(path, "study file"), path, &machine);
}

std::string settings_text(const Study& study, const Task& task) {
  std::string text = to_toml(task.config);
  if (task.parent)
    text += fmt::format("train.init_from = \"task:{}\"\n", study.tasks.at(*task.parent).id);
  return text;
}

}  // namespace ns
