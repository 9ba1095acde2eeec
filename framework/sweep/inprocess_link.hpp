#pragma once
// The coordinator/worker protocol over in-memory queues, for workers that are threads of this
// process: `noisesweep run` without mpirun, and unit tests of the protocol.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "sweep/transport.hpp"

namespace ns {

class InProcessHub {
 public:
  explicit InProcessHub(int workers);
  ~InProcessHub();
  CoordinatorLink& coordinator();
  WorkerLink& worker(int i);

 private:
  struct Queue {
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<Message> messages;
    void push(Message m);
    std::optional<Message> pop(double wait_seconds);  // negative: wait forever
  };
  class Coordinator;
  class Worker;
  Queue to_coordinator_;
  std::vector<std::unique_ptr<Queue>> to_worker_;
  std::vector<std::unique_ptr<std::atomic<bool>>> stop_;
  std::unique_ptr<Coordinator> coordinator_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace ns
