#pragma once
// SIGINT, SIGTERM and SIGUSR1 (SLURM's warning before the time limit) ask a sweep to stop
// cleanly: no new tasks, running ones abandoned at their next epoch, results kept.
#include <csignal>

namespace ns::cli {

class StopSignals {
 public:
  StopSignals();   // installs the handlers
  ~StopSignals();  // restores the previous ones
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  bool received() const;
  int signal_number() const;  // 0 if none

 private:
  struct sigaction previous_[3];
};

}  // namespace ns::cli
