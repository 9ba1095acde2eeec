// noisesweep: the command-line entry point. The only place that prints errors and exits.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <exception>

#include "cli/commands.hpp"
#include "core/build_info.hpp"
#include "core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "noisesweep: reproducible ablation studies of noise-robust analog neural networks.\n"
      "Run `noisesweep COMMAND --help` for a command's options."};
  app.require_subcommand(1);
  // The numeric build decides the bits of every result (README, "Bitwise reproducibility").
  app.set_version_flag("--version", fmt::format("noisesweep {}\nbuild: {}", ns::program_version(),
                                                ns::numeric_build()));
  const ns::cli::Command commands[] = {
      ns::cli::add_train_command(app),  ns::cli::add_eval_command(app),
      ns::cli::add_run_command(app),    ns::cli::add_plan_command(app),
      ns::cli::add_status_command(app), ns::cli::add_merge_command(app),
      ns::cli::add_report_command(app), ns::cli::add_settings_command(app),
      ns::cli::add_bench_command(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message; its exit codes (e.g. 105 for a bad value) are its own, and
    // the documented one for any error is 1. --help and --version exit 0.
    return app.exit(e) == 0 ? 0 : 1;
  }
  for (const ns::cli::Command& command : commands) {
    if (!command.app->parsed()) continue;
    try {
      return command.run();
    } catch (const ns::Error& e) {
      fmt::print(stderr, "noisesweep: error: {}\n", e.what());
      return 1;
    } catch (const std::exception& e) {
      fmt::print(stderr, "noisesweep: internal error: {}\n", e.what());
      return 2;
    }
  }
  return 1;
}
