#pragma once
// A worker's loop, and the execution of one task into a TaskRecord.
#include <functional>
#include <string>

#include "record/task_record.hpp"
#include "study/study.hpp"
#include "sweep/transport.hpp"

namespace ns {

struct WorkerIdentity {
  int rank = 0;
  std::string host;
};

// Runs one task. Failures and divergence become the record's status and message; a stop
// request (checked between epochs) throws Cancelled.
TaskRecord run_task(const Study& study, const Task& task, const ModelWeights* parent_weights,
                    const WorkerIdentity& who, const std::function<bool()>& stop_requested);

// Asks for tasks and runs them until the coordinator says Stop. `local_stop` (e.g. a signal
// seen by this process) also abandons the current task.
void run_worker(const Study& study, WorkerLink& link, const WorkerIdentity& who,
                const std::function<bool()>& local_stop);

std::string host_name();
double unix_time();

}  // namespace ns
