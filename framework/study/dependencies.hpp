#pragma once
// Which task of an earlier stage each task of a dependent stage starts from.
#include <vector>

#include "study/study.hpp"
#include "study/study_spec.hpp"

namespace ns {

// A stage's tasks: tasks[first .. first + count).
struct TaskRange {
  int first = 0, count = 0;
};

// Sets `parent` for every task of `child`: the unique task of `parent` that has the same value
// (canonical TOML text) on every key the parent stage sweeps, seed included. A task that
// matches none or several, or whose parent has another architecture, is a ConfigError at the
// child stage's init_from.
void link_parents(std::vector<Task>& tasks, const StageSpec& child, TaskRange child_tasks,
                  const StageSpec& parent, TaskRange parent_tasks);

}  // namespace ns
