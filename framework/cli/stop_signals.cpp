#include "cli/stop_signals.hpp"

namespace ns::cli {

namespace {

// A signal handler can only communicate through a variable of static storage; this is the one
// piece of global state in the program, written only by the handler.
volatile std::sig_atomic_t g_signal = 0;

void on_signal(int number) {
  g_signal = number;
}

constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGUSR1};

}  // namespace

StopSignals::StopSignals() {
  struct sigaction action = {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &previous_[i]);
}

StopSignals::~StopSignals() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &previous_[i], nullptr);
}

bool StopSignals::received() const {
  return g_signal != 0;
}
int StopSignals::signal_number() const {
  return g_signal;
}

}  // namespace ns::cli
