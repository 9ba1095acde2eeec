#include "sweep/schedule.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace ns {

Schedule::Schedule(std::vector<std::optional<int>> parents)
    : parents_(std::move(parents)), states_(parents_.size(), TaskState::Pending) {
  counts_[std::size_t(TaskState::Pending)] = int(states_.size());
  for (int i = 0; i < int(states_.size()); ++i)
    if (parents_[i] && (*parents_[i] < 0 || *parents_[i] >= i))
      throw Error("schedule: a task's parent must come before it");
}

void Schedule::set_finished(int task, bool ok) {
  set(task, ok ? TaskState::Done : TaskState::Failed);
}

std::optional<int> Schedule::next() {
  // Tasks waiting on a running parent stay behind the cursor; skip over them without moving it.
  bool all_before_settled = true;
  for (int i = next_candidate_; i < int(states_.size()); ++i) {
    if (states_[i] != TaskState::Pending) {
      if (all_before_settled) next_candidate_ = i + 1;
      continue;
    }
    const auto p = parents_[i];
    if (!p || states_[*p] == TaskState::Done) {
      set(i, TaskState::Running);
      if (all_before_settled) next_candidate_ = i + 1;
      return i;
    }
    all_before_settled = false;
  }
  return std::nullopt;
}

std::vector<int> Schedule::take_blocked() {
  std::vector<int> blocked;
  for (int i = 0; i < int(states_.size()); ++i) {
    const auto p = parents_[i];
    if (states_[i] == TaskState::Pending && p && states_[*p] == TaskState::Failed) {
      set(i, TaskState::Failed);  // children of i are visited later in this same pass
      blocked.push_back(i);
    }
  }
  return blocked;
}

void Schedule::finished(int task, bool ok) {
  set(task, ok ? TaskState::Done : TaskState::Failed);
}

void Schedule::requeue(int task) {
  set(task, TaskState::Pending);
  next_candidate_ = std::min(next_candidate_, task);
}

void Schedule::set(int task, TaskState s) {
  --counts_[std::size_t(states_[task])];
  ++counts_[std::size_t(s)];
  states_[task] = s;
}

}  // namespace ns
