// `noisesweep merge A.h5 B.h5 ... -o OUT.h5`: one archive from the archives of shards or jobs.
#include <fmt/format.h>

#include "archive/archive.hpp"
#include "cli/commands.hpp"
#include "cli/validators.hpp"

namespace ns::cli {

Command add_merge_command(CLI::App& app) {
  struct Options {
    std::vector<std::string> inputs;
    std::string output;
    bool allow_mixed_builds = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Join the archives of one study's shards or separate jobs into one archive. Archives of\n"
      "different studies are refused; a task in several inputs is kept once (a finished run of\n"
      "it before a failed one). Tasks that an interrupted sweep holds only in its journal\n"
      "(ARCHIVE.h5.journal) are included. An output that a running sweep writes is refused.");
  cmd->add_option("archives", o->inputs, "Input archives")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o->output, "Merged archive (may be one of the inputs)")
      ->required()
      ->check(output_file("merged.h5"));
  cmd->add_flag("--allow-mixed-builds", o->allow_mixed_builds,
                "Merge archives whose finished tasks different builds of noisesweep computed\n"
                "(results can differ in the last bits); refused without it");
  return {cmd, [o] {
            const MergeReport report = merge_archives(o->inputs, o->output, o->allow_mixed_builds);
            fmt::print("merged {} archive(s) into {}: {} tasks", o->inputs.size(), o->output,
                       report.tasks);
            if (report.from_journals > 0)
              fmt::print(" ({} of them from the journals of interrupted or running sweeps)",
                         report.from_journals);
            fmt::print("\n");
            for (const std::string& live : report.live_inputs)
              fmt::print(
                  "note: a sweep is still writing {}; its tasks finished so far are "
                  "merged, merge again when it ends for the rest\n",
                  live);
            return 0;
          }};
}

}  // namespace ns::cli
