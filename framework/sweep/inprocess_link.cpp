#include "sweep/inprocess_link.hpp"

#include <chrono>

namespace ns {

void InProcessHub::Queue::push(Message m) {
  {
    std::lock_guard lock(mutex);
    messages.push_back(std::move(m));
  }
  ready.notify_one();
}

std::optional<Message> InProcessHub::Queue::pop(double wait_seconds) {
  std::unique_lock lock(mutex);
  const auto has_message = [&] { return !messages.empty(); };
  if (wait_seconds < 0)
    ready.wait(lock, has_message);
  else if (!ready.wait_for(lock, std::chrono::duration<double>(wait_seconds), has_message))
    return std::nullopt;
  Message m = std::move(messages.front());
  messages.pop_front();
  return m;
}

class InProcessHub::Coordinator final : public CoordinatorLink {
 public:
  explicit Coordinator(InProcessHub& hub) : hub_(hub) {}
  int workers() const override { return int(hub_.to_worker_.size()); }
  std::optional<Message> receive(double wait_seconds) override {
    return hub_.to_coordinator_.pop(wait_seconds);
  }
  void send(int worker, MessageKind kind, const std::string& payload) override {
    if (kind == MessageKind::Stop) *hub_.stop_[worker] = true;
    hub_.to_worker_[worker]->push({kind, worker, payload});
  }

 private:
  InProcessHub& hub_;
};

class InProcessHub::Worker final : public WorkerLink {
 public:
  Worker(InProcessHub& hub, int index) : hub_(hub), index_(index) {}
  int worker() const override { return index_; }
  Message receive() override { return *hub_.to_worker_[index_]->pop(-1); }
  void send(MessageKind kind, const std::string& payload) override {
    hub_.to_coordinator_.push({kind, index_, payload});
  }
  bool stop_requested() override { return *hub_.stop_[index_]; }

 private:
  InProcessHub& hub_;
  int index_;
};

InProcessHub::InProcessHub(int workers) : coordinator_(std::make_unique<Coordinator>(*this)) {
  for (int i = 0; i < workers; ++i) {
    to_worker_.push_back(std::make_unique<Queue>());
    stop_.push_back(std::make_unique<std::atomic<bool>>(false));
    workers_.push_back(std::make_unique<Worker>(*this, i));
  }
}

InProcessHub::~InProcessHub() = default;

CoordinatorLink& InProcessHub::coordinator() {
  return *coordinator_;
}
WorkerLink& InProcessHub::worker(int i) {
  return *workers_[i];
}

}  // namespace ns
