#include "sweep/coordinator.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <chrono>
#include <cstring>

#include "core/error.hpp"
#include "sweep/schedule.hpp"

namespace ns {

std::string encode_assignment(int task, const ModelWeights* parent_weights) {
  std::string out(sizeof(std::int32_t), '\0');
  const std::int32_t index = task;
  std::memcpy(out.data(), &index, sizeof index);
  if (parent_weights) out += encode(*parent_weights);
  return out;
}

std::pair<int, std::optional<ModelWeights>> decode_assignment(const std::string& payload) {
  std::int32_t index = 0;
  if (payload.size() < sizeof index) throw Error("corrupt task assignment");
  std::memcpy(&index, payload.data(), sizeof index);
  if (payload.size() == sizeof index) return {index, std::nullopt};
  return {index, decode_weights(std::string_view(payload).substr(sizeof index))};
}

namespace {

using Clock = std::chrono::steady_clock;

enum class WorkerState { Starting, Idle, Busy, Stopped };

class Coordinator {
 public:
  Coordinator(const Study& study, const FinishedTasks& finished, CoordinatorLink& link,
              ResultSink& sink, const CoordinatorOptions& options)
      : study_(study),
        link_(link),
        sink_(sink),
        options_(options),
        schedule_(parents_of(study)),
        workers_(link.workers(), WorkerState::Starting),
        stop_sent_(link.workers(), false),
        started_(Clock::now()) {
    children_.resize(study.tasks.size());
    for (const Task& t : study.tasks)
      if (t.parent) children_[*t.parent].push_back(t.index);
    for (const Task& t : study.tasks)
      if (!options.shard.contains(study, t.index)) schedule_.exclude(t.index);
    for (const auto& [index, status] : finished.status) {
      if (schedule_.state(index) == TaskState::Excluded) continue;
      schedule_.set_finished(index, status == TaskStatus::Done);
    }
    // Weights only of parents whose children still run: a resumed sweep holds no more.
    for (const auto& [index, status] : finished.status) {
      if (status != TaskStatus::Done || schedule_.state(index) == TaskState::Excluded) continue;
      const bool waiting = std::any_of(children_[index].begin(), children_[index].end(),
                                       [&](int child) { return !finished.status.count(child); });
      if (waiting) parents_[index] = finished.weights(index);
    }
    record_blocked();
  }

  SweepOutcome run() {
    last_report_ = Clock::now();
    while (!all_stopped()) {
      if (!stopping_ && options_.stop_requested && options_.stop_requested()) begin_stop(true);
      assign_ready_tasks();
      if (!stopping_ && nothing_left()) begin_stop(false);
      if (all_stopped()) break;
      if (auto m = link_.receive(0.2)) handle(*m);
      report(false);
    }
    report(true);
    outcome_.final = progress();
    return outcome_;
  }

 private:
  static std::vector<std::optional<int>> parents_of(const Study& s) {
    std::vector<std::optional<int>> p;
    for (const Task& t : s.tasks) p.push_back(t.parent);
    return p;
  }

  void keep_parent(const TaskRecord& r) {
    if (!r.weights)
      throw Error(
          fmt::format("task {} ({}) has no stored weights, but later tasks "
                      "start from it",
                      r.index, r.id));
    parents_[r.index] = *r.weights;
  }

  // Tasks whose parent failed can never run: record them as failed, saying why.
  void record_blocked() {
    for (int i : schedule_.take_blocked()) {
      const Task& t = study_.tasks[i];
      TaskRecord r;
      r.id = t.id;
      r.stage = t.stage;
      r.index = t.index;
      r.status = TaskStatus::Failed;
      r.message = fmt::format("not run: task {} ({}), which it starts from, failed", *t.parent,
                              study_.tasks[*t.parent].id);
      r.settings_text = settings_text(study_, t);
      r.seed = t.config.seed;
      sink_.add(r);
      ++finished_now_;
      outcome_.new_failures.push_back(fmt::format("task {} ({}): {}", i, t.stage, r.message));
    }
  }

  bool nothing_left() const {
    return schedule_.count(TaskState::Running) == 0 && !ready_task_exists_;
  }

  void assign_ready_tasks() {
    ready_task_exists_ = false;
    for (int w = 0; w < int(workers_.size()) && !stopping_; ++w) {
      if (workers_[w] != WorkerState::Idle) continue;
      const std::optional<int> task = schedule_.next();
      if (!task) return;
      const auto& parent = study_.tasks[*task].parent;
      link_.send(w, MessageKind::Assign,
                 encode_assignment(*task, parent ? &parents_.at(*parent) : nullptr));
      workers_[w] = WorkerState::Busy;
      running_on_[w] = *task;
      release_parent_if_unneeded(parent);
    }
    // No idle worker left to ask: whether something is ready is only known by trying.
    if (schedule_.count(TaskState::Pending) > 0) ready_task_exists_ = true;
  }

  // A parent's weights are kept only until its last child has been handed out.
  void release_parent_if_unneeded(const std::optional<int>& parent) {
    if (!parent) return;
    for (int child : children_[*parent])
      if (schedule_.state(child) == TaskState::Pending) return;
    parents_.erase(*parent);
  }

  void begin_stop(bool requested) {
    stopping_ = true;
    outcome_.stopped_early = requested && !schedule_.complete();
    for (int w = 0; w < int(workers_.size()); ++w)
      if (workers_[w] == WorkerState::Idle || workers_[w] == WorkerState::Busy) send_stop(w);
  }

  void send_stop(int w) {
    if (stop_sent_[w]) return;
    link_.send(w, MessageKind::Stop, "");
    stop_sent_[w] = true;
    if (workers_[w] == WorkerState::Idle) workers_[w] = WorkerState::Stopped;
  }

  void worker_free(int w) {
    workers_[w] = stop_sent_[w] ? WorkerState::Stopped : WorkerState::Idle;
    if (stopping_) send_stop(w);
  }

  void handle(const Message& m) {
    switch (m.kind) {
      case MessageKind::Ready:
        worker_free(m.worker);
        break;
      case MessageKind::Result: {
        TaskRecord r = decode(m.payload);
        const bool ok = r.status == TaskStatus::Done;
        sink_.add(r);
        ++finished_now_;
        schedule_.finished(r.index, ok);
        if (!ok)
          outcome_.new_failures.push_back(fmt::format("task {} ({}): {}: {}", r.index, r.stage,
                                                      to_string(r.status), r.message));
        if (ok && !children_[r.index].empty()) keep_parent(r);
        if (!ok) record_blocked();
        worker_free(m.worker);
        break;
      }
      case MessageKind::Cancelled:
        schedule_.requeue(running_on_.at(m.worker));
        worker_free(m.worker);
        break;
      default:
        throw Error(fmt::format("unexpected message {} from worker {}", int(m.kind), m.worker));
    }
  }

  bool all_stopped() const {
    for (WorkerState s : workers_)
      if (s != WorkerState::Stopped) return false;
    return true;
  }

  SweepProgress progress() const {
    SweepProgress p;
    p.total = schedule_.size();
    p.done = schedule_.count(TaskState::Done);
    p.failed = schedule_.count(TaskState::Failed);
    p.running = schedule_.count(TaskState::Running);
    p.pending = schedule_.count(TaskState::Pending);
    p.finished_now = finished_now_;
    p.elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    return p;
  }

  void report(bool last) {
    if (!options_.progress) return;
    const auto now = Clock::now();
    if (!last &&
        std::chrono::duration<double>(now - last_report_).count() < options_.progress_interval)
      return;
    last_report_ = now;
    options_.progress(progress());
  }

  const Study& study_;
  CoordinatorLink& link_;
  ResultSink& sink_;
  const CoordinatorOptions& options_;
  Schedule schedule_;
  std::vector<WorkerState> workers_;
  std::vector<bool> stop_sent_;
  std::map<int, int> running_on_;           // worker -> task
  std::map<int, ModelWeights> parents_;     // weights of finished tasks whose children are not
                                            // all assigned
  std::vector<std::vector<int>> children_;  // task -> the tasks that start from it
  bool stopping_ = false, ready_task_exists_ = false;
  int finished_now_ = 0;
  Clock::time_point started_, last_report_;
  SweepOutcome outcome_;
};

}  // namespace

SweepOutcome coordinate(const Study& study, const FinishedTasks& finished, CoordinatorLink& link,
                        ResultSink& sink, const CoordinatorOptions& options) {
  return Coordinator(study, finished, link, sink, options).run();
}

}  // namespace ns
