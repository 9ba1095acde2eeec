// `noisesweep bench`: placeholder filled in below.
#include "cli/commands.hpp"

namespace ns::cli {

Command add_bench_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("bench", "Benchmark training and noisy evaluation");
  return {cmd, [] { return 0; }};
}

}  // namespace ns::cli
