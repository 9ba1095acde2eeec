#include "sweep/worker.hpp"

#include <unistd.h>

#include <chrono>

#include "core/build_info.hpp"
#include "core/error.hpp"
#include "sweep/coordinator.hpp"
#include "train/run.hpp"

namespace ns {

std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

double unix_time() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TaskRecord run_task(const Study& study, const Task& task, const ModelWeights* parent_weights,
                    const WorkerIdentity& who, const std::function<bool()>& stop_requested) {
  TaskRecord r;
  r.id = task.id;
  r.stage = task.stage;
  r.index = task.index;
  r.settings_text = settings_text(study, task);
  r.seed = task.config.seed;
  r.rank = who.rank;
  r.host = who.host;
  r.build = numeric_build();
  r.started = unix_time();
  RunObserver observer;
  observer.epoch = [&](const EpochStats&) {
    if (stop_requested()) throw Cancelled();
  };
  try {
    if (stop_requested()) throw Cancelled();
    if (task.parent && !parent_weights) throw Error("the weights of its parent task are missing");
    const RunResult result = execute_run(task.config, observer, parent_weights, task.store_stats);
    r.curve = result.curve;
    r.clean_accuracy = result.clean_test_accuracy;
    r.noise = result.noise;
    r.stats = result.stats;
    r.train_seconds = result.train_seconds;
    r.eval_seconds = result.eval_seconds;
    if (task.store_weights) r.weights = to_weights(result.params, r.settings_text);
  } catch (const Cancelled&) {
    throw;
  } catch (const DivergenceError& e) {
    r.status = TaskStatus::Diverged;
    r.message = e.what();
  } catch (const std::exception& e) {
    r.status = TaskStatus::Failed;
    r.message = e.what();
  }
  r.finished = unix_time();
  return r;
}

void run_worker(const Study& study, WorkerLink& link, const WorkerIdentity& who,
                const std::function<bool()>& local_stop) {
  const auto stop = [&] { return local_stop() || link.stop_requested(); };
  link.send(MessageKind::Ready, "");
  for (;;) {
    const Message m = link.receive();
    if (m.kind == MessageKind::Stop) return;
    if (m.kind != MessageKind::Assign) throw Error("worker: unexpected message from coordinator");
    const auto [index, parent] = decode_assignment(m.payload);
    if (index < 0 || index >= int(study.tasks.size())) throw Error("worker: no such task");
    const ModelWeights* weights = parent ? &*parent : nullptr;
    try {
      link.send(MessageKind::Result,
                encode(run_task(study, study.tasks[index], weights, who, stop)));
    } catch (const Cancelled&) {
      link.send(MessageKind::Cancelled, "");
    }
  }
}

}  // namespace ns
