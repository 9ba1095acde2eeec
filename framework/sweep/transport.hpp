#pragma once
// How the coordinator and its workers talk. The protocol is the same over MPI and in-process
// (threads), so the whole coordinator/worker exchange runs in unit tests without mpirun.
//
//   worker -> coordinator   Ready                    (once, at start)
//   coordinator -> worker   Assign(task, parent)     (one task; the parent's record if any)
//   worker -> coordinator   Result(record)           (then the worker is ready again)
//                           Cancelled(task)          (abandoned on a stop request)
//   coordinator -> worker   Stop                     (no more work, or stop now)
#include <optional>
#include <string>

namespace ns {

enum class MessageKind : int { Ready = 1, Assign = 2, Result = 3, Cancelled = 4, Stop = 5 };

struct Message {
  MessageKind kind;
  int worker = 0;  // 0-based worker number (coordinator side: the sender)
  std::string payload;
};

// The coordinator's end.
class CoordinatorLink {
 public:
  virtual ~CoordinatorLink() = default;
  virtual int workers() const = 0;
  // A message from any worker, or nullopt if none arrives within about `wait_seconds`.
  virtual std::optional<Message> receive(double wait_seconds) = 0;
  virtual void send(int worker, MessageKind kind, const std::string& payload) = 0;
};

// A worker's end.
class WorkerLink {
 public:
  virtual ~WorkerLink() = default;
  virtual int worker() const = 0;
  virtual Message receive() = 0;  // blocks until the coordinator sends something
  virtual void send(MessageKind kind, const std::string& payload) = 0;
  // True once the coordinator has sent Stop (checked between epochs; never blocks).
  virtual bool stop_requested() = 0;
};

}  // namespace ns
