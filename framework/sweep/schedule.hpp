#pragma once
// The scheduling policy, as a pure function of the tasks' states: which task an idle worker gets
// next, and what a finished task unblocks. No messaging here, so it is tested alone.
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace ns {

// Excluded: not this run's task (another shard's), never handed out and never counted.
enum class TaskState { Pending, Running, Done, Failed, Excluded };

class Schedule {
 public:
  // parents[i]: the task that task i starts from, if any (parents precede children).
  explicit Schedule(std::vector<std::optional<int>> parents);

  // Marks tasks already finished (resume). A failed task counts as finished unless retried.
  void set_finished(int task, bool ok);
  void exclude(int task) { set(task, TaskState::Excluded); }

  // The lowest-index pending task whose parent is done; it becomes Running.
  std::optional<int> next();
  // Tasks that can never run because an ancestor failed: they become Failed, and are returned
  // so that the caller can record why.
  std::vector<int> take_blocked();

  void finished(int task, bool ok);
  void requeue(int task);  // a Running task abandoned before it finished

  TaskState state(int task) const { return states_[task]; }
  std::optional<int> parent(int task) const { return parents_[task]; }
  int count(TaskState s) const { return counts_[std::size_t(s)]; }
  int size() const { return int(states_.size()) - count(TaskState::Excluded); }
  bool complete() const { return count(TaskState::Pending) + count(TaskState::Running) == 0; }

 private:
  std::vector<std::optional<int>> parents_;
  void set(int task, TaskState s);  // keeps counts_ (asked for after every message) current

  std::vector<TaskState> states_;
  std::array<int, std::size_t(TaskState::Excluded) + 1> counts_{};
  int next_candidate_ = 0;  // every task below it is not Pending, or waits on its parent
};

}  // namespace ns
