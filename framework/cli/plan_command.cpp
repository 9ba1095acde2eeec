// `noisesweep plan STUDY.toml`: the tasks and their cost, without running anything.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "study/plan.hpp"
#include "study/study.hpp"

namespace ns::cli {

Command add_plan_command(CLI::App& app) {
  struct Options {
    std::string study;
    double gflops = 50;
    int rows = 50;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "plan",
      "Check a study and list its tasks, with counts per stage and the estimated cost in FLOPs\n"
      "and core-hours. Runs nothing; reports the same errors `run` would.");
  cmd->add_option("study", o->study, "Study file (TOML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--gflops", o->gflops,
                  "Sustained GFLOP/s of one core, for core-hours (`noisesweep bench` measures it)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--rows", o->rows, "Tasks to list (0: all)")->capture_default_str();
  return {cmd, [o] {
            const Study study = load_study(o->study);
            fmt::print("{}", format_plan(study, o->gflops,
                                         o->rows > 0 ? o->rows : int(study.tasks.size())));
            return 0;
          }};
}

}  // namespace ns::cli
