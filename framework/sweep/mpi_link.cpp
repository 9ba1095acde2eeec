#include "sweep/mpi_link.hpp"

#include <mpi.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/error.hpp"

namespace ns {

namespace {

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw Error(std::string("MPI: ") + what + ": " + std::string(text, length));
  }
}

// Polls for a message matching (source, tag); sleeps between polls, growing from 20 us to 1 ms,
// so an idle rank costs almost no CPU while a busy one answers within about a millisecond.
bool probe(int source, int tag, double wait_seconds, MPI_Status& status) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::duration<double>(wait_seconds);
  auto pause = std::chrono::microseconds(20);
  for (;;) {
    int found = 0;
    check(MPI_Iprobe(source, tag, MPI_COMM_WORLD, &found, &status), "Iprobe");
    if (found) return true;
    if (wait_seconds >= 0 && clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
}

Message receive_probed(const MPI_Status& status) {
  int count = 0;
  check(MPI_Get_count(&status, MPI_BYTE, &count), "Get_count");
  Message m{MessageKind(status.MPI_TAG), status.MPI_SOURCE - 1, std::string(count, '\0')};
  check(MPI_Recv(m.payload.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE),
        "Recv");
  return m;
}

void send_to(int rank, MessageKind kind, const std::string& payload) {
  check(MPI_Send(payload.data(), int(payload.size()), MPI_BYTE, rank, int(kind), MPI_COMM_WORLD),
        "Send");
}

class MpiCoordinator final : public CoordinatorLink {
 public:
  explicit MpiCoordinator(int size) : workers_(size - 1) {}
  int workers() const override { return workers_; }
  std::optional<Message> receive(double wait_seconds) override {
    MPI_Status status;
    if (!probe(MPI_ANY_SOURCE, MPI_ANY_TAG, wait_seconds, status)) return std::nullopt;
    return receive_probed(status);
  }
  void send(int worker, MessageKind kind, const std::string& payload) override {
    send_to(worker + 1, kind, payload);
  }

 private:
  int workers_;
};

class MpiWorker final : public WorkerLink {
 public:
  explicit MpiWorker(int rank) : rank_(rank) {}
  int worker() const override { return rank_ - 1; }
  Message receive() override {
    MPI_Status status;
    probe(0, MPI_ANY_TAG, -1, status);
    return receive_probed(status);
  }
  void send(MessageKind kind, const std::string& payload) override { send_to(0, kind, payload); }
  bool stop_requested() override {
    int found = 0;
    MPI_Status status;
    check(MPI_Iprobe(0, int(MessageKind::Stop), MPI_COMM_WORLD, &found, &status), "Iprobe");
    return found;
  }

 private:
  int rank_;
};

}  // namespace

MpiSession::MpiSession() {
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "Init");
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  MPI_Finalize();
}

void MpiSession::abort(int code) const {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();
}

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

std::string mpi_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);  // one of the few calls allowed before MPI_Init
  std::string v(text, length);
  return v.substr(0, v.find_first_of("\n,"));
}

std::unique_ptr<CoordinatorLink> make_mpi_coordinator_link(const MpiSession& mpi) {
  return std::make_unique<MpiCoordinator>(mpi.size());
}

std::unique_ptr<WorkerLink> make_mpi_worker_link(const MpiSession& mpi) {
  return std::make_unique<MpiWorker>(mpi.rank());
}

}  // namespace ns
