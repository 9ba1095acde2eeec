#pragma once
// Each subcommand registers its options on the CLI11 app and returns the action to run.
#include <CLI/CLI.hpp>
#include <functional>

namespace ns::cli {

struct Command {
  CLI::App* app;             // the parsed subcommand
  std::function<int()> run;  // returns the exit code; throws ns::Error on failure
};

Command add_train_command(CLI::App& app);
Command add_eval_command(CLI::App& app);
Command add_settings_command(CLI::App& app);
Command add_bench_command(CLI::App& app);
Command add_run_command(CLI::App& app);
Command add_plan_command(CLI::App& app);
Command add_status_command(CLI::App& app);
Command add_merge_command(CLI::App& app);
Command add_report_command(CLI::App& app);

}  // namespace ns::cli
