// `noisesweep train RUN.toml`: train one model, evaluate it under hardware noise, print a table.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/run_output.hpp"

namespace ns::cli {

namespace {

struct TrainOptions {
  std::string run_file;
  std::string save_weights;
  std::vector<std::string> overrides;
  bool quiet = false;
};

}  // namespace

Command add_train_command(CLI::App& app) {
  auto opt = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Train one model as the run file says, then evaluate it clean and under each noise kind.\n"
      "Settings not in the file keep their defaults (`noisesweep settings` lists them all).");
  cmd->add_option("run_file", opt->run_file, "Run settings (TOML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--save-weights", opt->save_weights,
                  "Write the trained weights to this HDF5 file (usable as train.init_from)");
  cmd->add_option("--set", opt->overrides, "Override a setting, e.g. --set train.epochs=5")
      ->type_name("KEY=VALUE");
  cmd->add_flag("-q,--quiet", opt->quiet, "Print only the results, not the progress");
  return {cmd, [opt] {
            RunFile run = read_run_file(opt->run_file);
            apply_overrides(run, opt->overrides);
            const MachineMemory machine = machine_memory();
            const MemoryEstimate memory = check_memory(run, opt->run_file, machine);
            print_header(run.config, "run " + opt->run_file, memory, machine);
            const RunResult result =
                execute_run(run.config, opt->quiet ? RunObserver{} : printing_observer(run.config));
            print_result(result);
            if (!opt->save_weights.empty()) {
              save_weights(opt->save_weights, to_weights(result.params, to_toml(run.config)));
              fmt::print("weights written to {}\n", opt->save_weights);
            }
            return 0;
          }};
}

}  // namespace ns::cli
